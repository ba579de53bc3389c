"""What the JSON Schema finds wrong with a document, said for a person.

Every error the schema (app/interchange/schema.json) reports, each at the path it
concerns, in document order. `_explain` turns a validator's error into words: a missing
field at that field, an unknown one at itself, the meant alternative of an `anyOf`.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from jsonschema.protocols import Validator

from app.i18n import gettext
from app.interchange import schema
from app.interchange.importer.problems import PathParts, Problem, in_document_order


def _is_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema counts 1.0 as an integer; numbers, indexes and settings here are ints.
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator() -> Validator:
    Draft202012Validator.check_schema(schema())
    strict: type[Validator] = validators.extend(
        Draft202012Validator,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
    )
    return strict(schema())


def _explain(error: ValidationError) -> list[tuple[list[str | int], str]]:
    """What a schema error means for a person, at the path it concerns."""
    path: list[str | int] = list(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    sub = error.schema if isinstance(error.schema, dict) else {}
    if "propertyNames" in error.absolute_schema_path:
        # The key itself is wrong (e.g. a language code): point at it.
        return [([*path, str(error.instance)], _lang_message())]
    # The stubs allow an error built by hand to lack its instance or value; a validator's
    # errors have both, and each keyword's value has the shape the schema language gives it.
    instance = error.instance if isinstance(error.instance, dict) else {}
    if keyword == "required" and isinstance(value, list):
        missing = [name for name in value if name not in instance]
        return [([*path, name], gettext("This field is missing.")) for name in missing]
    if keyword == "additionalProperties":
        known = set(sub.get("properties", {}))
        extra = [key for key in instance if key not in known]
        return [([*path, key], gettext("This field is not part of the format.")) for key in extra]
    if keyword in ("anyOf", "oneOf"):
        # Explain the alternative meant by the value's own type (an object for the
        # object form, say); if the type fits none, say which types would do.
        branches: dict[Any, list[ValidationError]] = {}
        for e in error.context or []:
            branches.setdefault(e.relative_schema_path[0], []).append(e)
        for errors in branches.values():
            if not any(e.validator == "type" and not e.relative_path for e in errors):
                return [item for e in errors for item in _explain(e)]
        expected: list[str] = []
        for errors in branches.values():
            for e in errors:
                types = e.validator_value
                if isinstance(types, str | list):
                    expected += [types] if isinstance(types, str) else types
        return [(path, _type_message(expected) if expected else _not_allowed())]
    return [(path, _message(keyword, value, sub, path))]


def _lang_message() -> str:
    return gettext("Expected a language code such as %(example)s.", example="en")


def _type_message(types: str | list[str]) -> str:
    listed = [types] if isinstance(types, str) else types
    return gettext("Expected a value of JSON type %(type)s.", type="/".join(listed))


def _not_allowed() -> str:
    return gettext("This value is not allowed here.")


def _message(keyword: object, value: Any, sub: dict[str, Any], path: PathParts) -> str:
    if keyword == "type":
        return _type_message(value)
    if keyword == "enum":
        return gettext(
            "Expected one of: %(values)s.",
            values=", ".join(json.dumps(v, ensure_ascii=False) for v in value),
        )
    if keyword == "const":
        return gettext("Expected %(value)s.", value=json.dumps(value, ensure_ascii=False))
    if keyword == "pattern":
        if sub.get("format") == "date-time":
            return gettext(
                "Expected a date and time with its offset, such as %(example)s.",
                example="2026-03-01T09:30:00+00:00",
            )
        if path and path[-1] == "slug":
            return gettext("Use lower-case letters, digits and hyphens, e.g. skills-2027.")
        if value == schema()["$defs"]["lang"]["pattern"]:
            return _lang_message()
        return gettext("This value does not have the expected form.")
    if keyword == "minLength":
        return gettext("This text must not be empty.")
    if keyword == "maxLength":
        return gettext("This text is longer than %(max)d characters.", max=value)
    if keyword in ("minimum", "maximum"):
        if "minimum" in sub and "maximum" in sub:
            return gettext(
                "Expected a whole number from %(low)d to %(high)d.",
                low=sub["minimum"],
                high=sub["maximum"],
            )
        return gettext("Expected a whole number of at least %(low)d.", low=sub.get("minimum", 0))
    if keyword == "minItems":
        return gettext("This list must not be empty.")
    if keyword == "uniqueItems":
        return gettext("This list has the same item more than once.")
    return _not_allowed()


def schema_problems(document: Any) -> list[Problem]:
    """Every way the document departs from the schema, in document order."""
    return in_document_order(
        document,
        (item for error in _validator().iter_errors(document) for item in _explain(error)),
    )
