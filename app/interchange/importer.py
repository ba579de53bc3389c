"""Checking an interchange document and building a new space from it.

Checks come first and write nothing: the JSON Schema (every error, with its path),
then the rules a schema cannot say (references, order, numbers, languages, the
address). Only a document without a single problem is written, and then only with
`add`/`flush`: the caller's unit of work commits, or rolls everything back.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from jsonschema import Draft202012Validator, ValidationError, validators
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import names
from app.admin.service import SLUG
from app.comments import threading
from app.i18n import LOCALES, gettext
from app.interchange import schema
from app.markup import render_markdown
from app.models import (
    Comment,
    CommentRevision,
    CommentTag,
    CommentTranslation,
    Space,
    SpaceModerator,
    SpaceText,
    Tag,
    User,
)
from app.models.comments import KIND_QUESTION
from app.models.spaces import ATTRIBUTION_NAMED, POST_MODERATION

MAX_FILE_BYTES = 50 * 1024 * 1024
MAX_PROBLEMS = 1000  # a thoroughly wrong file would otherwise list a million lines
MAX_NAME = 80  # the users.display_name(_key) columns
IMPORTED_EMAIL_DOMAIN = "roundtable.invalid"
# Not an argon2 hash: verification always fails, so nobody can sign in as this account.
UNUSABLE_PASSWORD = "!imported"  # noqa: S105

# Defaults for the optional fields; schema.json states the same ones.
SPACE_DEFAULTS: dict[str, Any] = {
    "closes_at": None,
    "posting_policy": POST_MODERATION,
    "attribution": ATTRIBUTION_NAMED,
    "max_shown_depth": 6,
    "flag_threshold": 3,
    "moderators": [],
}
COMMENT_DEFAULTS: dict[str, Any] = {
    "number": None,
    "edited_at": None,
    "moderated_at": None,
    "moderation_reason": "",
    "pinned": False,
    "locked": False,
    "named_consent": False,
    "translations": {},
    "tags": [],
    "revisions": [],
}
TEXT_DEFAULTS: dict[str, Any] = {"intro_md": ""}

PathParts = Sequence[str | int]
# NUL and lone surrogates: valid in JSON, refused by the databases.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Problem:
    """One reason a document cannot be imported, at a place in it (`comments[3].lang`)."""

    path: str
    message: str


class ImportProblems(Exception):
    """Everything wrong with an import: problems in the document, and in the form's fields
    (`file`, `slug`). Messages are already translated."""

    def __init__(
        self, problems: list[Problem] | None = None, fields: dict[str, str] | None = None
    ) -> None:
        super().__init__()
        self.problems: list[Problem] = problems or []
        self.fields: dict[str, str] = fields or {}

    def __str__(self) -> str:
        return "; ".join(self.lines())

    @property
    def count(self) -> int:
        return len(self.problems) + len(self.fields)

    def lines(self) -> list[str]:
        """Each problem as `where: what`, for a terminal."""
        out = [f"{name}: {message}" for name, message in self.fields.items()]
        out += [f"{p.path or '(file)'}: {p.message}" for p in self.problems]
        return out


def format_path(parts: Iterable[str | int]) -> str:
    """`comments[3].translations.fr`; keys that are not identifiers are quoted."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _IDENTIFIER.match(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part, ensure_ascii=False)}]"
    return out


# --- Reading the file -------------------------------------------------------------------


def read_json(data: bytes | None) -> Any:
    """The document in an uploaded file, or ImportProblems about the `file` field."""
    if not data:
        raise ImportProblems(fields={"file": gettext("Choose a file to import.")})
    if len(data) > MAX_FILE_BYTES:
        raise ImportProblems(
            fields={
                "file": gettext(
                    "The file is larger than %(size)d MB.", size=MAX_FILE_BYTES // 1024 // 1024
                )
            }
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportProblems(fields={"file": gettext("The file is not UTF-8 text.")}) from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise ImportProblems(
            fields={
                "file": gettext(
                    "The file is not valid JSON (line %(line)d, column %(column)d).",
                    line=exc.lineno,
                    column=exc.colno,
                )
            }
        ) from None
    except RecursionError:
        raise ImportProblems(
            fields={"file": gettext("The file is not valid JSON (nested too deeply).")}
        ) from None


# --- Schema -----------------------------------------------------------------------------


def _is_integer(_checker: Any, instance: Any) -> bool:
    # JSON Schema counts 1.0 as an integer; numbers, indexes and settings here are ints.
    return isinstance(instance, int) and not isinstance(instance, bool)


@cache
def _validator() -> Any:
    Draft202012Validator.check_schema(schema())
    strict = validators.extend(
        Draft202012Validator,
        type_checker=Draft202012Validator.TYPE_CHECKER.redefine("integer", _is_integer),
    )
    return strict(schema())


def _position(document: Any, parts: PathParts) -> tuple[int, ...]:
    """Where a path is in the document: key and item positions, fields it lacks last."""
    key: list[int] = []
    node = document
    for part in parts:
        if isinstance(node, dict) and isinstance(part, str):
            keys = list(node)
            key.append(keys.index(part) if part in node else len(keys))
            node = node.get(part)
        elif isinstance(node, list) and isinstance(part, int):
            key.append(part)
            node = node[part] if 0 <= part < len(node) else None
        else:
            key.append(0)
            node = None
    return tuple(key)


def _explain(error: ValidationError) -> list[tuple[list[str | int], str]]:
    """What a schema error means for a person, at the path it concerns."""
    path: list[str | int] = list(error.absolute_path)
    keyword = error.validator
    value = error.validator_value
    sub = error.schema if isinstance(error.schema, dict) else {}
    if "propertyNames" in error.absolute_schema_path:
        # The key itself is wrong (e.g. a language code): point at it.
        return [([*path, str(error.instance)], _lang_message())]
    if keyword == "required":
        present = error.instance if isinstance(error.instance, dict) else {}
        missing = [name for name in value if name not in present]
        return [([*path, name], gettext("This field is missing.")) for name in missing]
    if keyword == "additionalProperties":
        known = set(sub.get("properties", {}))
        extra = [key for key in error.instance if key not in known]
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
                expected += [types] if isinstance(types, str) else list(types)
        return [(path, _type_message(expected) if expected else _not_allowed())]
    return [(path, _message(keyword, value, sub, path))]


def _lang_message() -> str:
    return gettext("Expected a language code such as %(example)s.", example="en")


def _type_message(types: str | list[str]) -> str:
    listed = [types] if isinstance(types, str) else types
    return gettext("Expected a value of JSON type %(type)s.", type="/".join(listed))


def _not_allowed() -> str:
    return gettext("This value is not allowed here.")


def _message(keyword: str, value: Any, sub: dict[str, Any], path: PathParts) -> str:
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


def _in_order(document: Any, found: Iterable[tuple[PathParts, str]]) -> list[Problem]:
    unique: dict[tuple[str, str], PathParts] = {}
    for parts, message in found:
        unique.setdefault((format_path(parts), message), parts)
    ordered = sorted(unique.items(), key=lambda item: _position(document, item[1]))
    return [Problem(path, message) for (path, message), _parts in ordered]


def schema_problems(document: Any) -> list[Problem]:
    """Every way the document departs from the schema, in document order."""
    return _in_order(
        document,
        (item for error in _validator().iter_errors(document) for item in _explain(error)),
    )


# --- Rules beyond the schema ------------------------------------------------------------


def _parse_time(raw: str) -> datetime:
    return datetime.fromisoformat(raw)


def _real_time(raw: str) -> bool:
    try:
        _parse_time(raw).astimezone(UTC)  # year 9999 at -05:00 is past the calendar's end
    except (ValueError, OverflowError):
        return False
    return True


def _clean_name(raw: str) -> str | None:
    """The display name an account would get, or None if it cannot be one."""
    name = names.clean_display_name(raw)
    if not name or names.has_control_chars(name) or len(name) > MAX_NAME:
        return None
    if len(names.display_name_key(name)) > MAX_NAME:
        return None
    return name


def _strings(value: Any, path: list[str | int]) -> Iterator[tuple[list[str | int], str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, [*path, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, [*path, index])


def _date_fields(document: dict[str, Any]) -> Iterator[tuple[list[str | int], str | None]]:
    yield ["exported_at"], document["exported_at"]
    space = document["space"]
    yield ["space", "opens_at"], space["opens_at"]
    yield ["space", "closes_at"], space.get("closes_at")
    for i, c in enumerate(document["comments"]):
        for key in ("created_at", "edited_at", "moderated_at"):
            yield ["comments", i, key], c.get(key)
        for j, r in enumerate(c.get("revisions", [])):
            for key in ("written_at", "replaced_at"):
                yield ["comments", i, "revisions", j, key], r[key]


class _Problems:
    def __init__(self) -> None:
        self.items: list[tuple[PathParts, str]] = []

    def add(self, parts: PathParts, message: str) -> None:
        self.items.append((list(parts), message))


def _check_space(space: dict[str, Any], out: _Problems) -> list[str]:
    languages: list[str] = space["languages"]
    for i, code in enumerate(languages):
        if code not in LOCALES:
            out.add(
                ["space", "languages", i],
                gettext("This site does not support the language %(code)s.", code=code),
            )
    if space["original_lang"] not in languages:
        out.add(
            ["space", "original_lang"],
            gettext("The original language must be one of the space's languages."),
        )
    for code in space["texts"]:
        if code not in languages:
            out.add(["space", "texts", code], _not_a_space_language(languages))
    if space["original_lang"] not in space["texts"]:
        out.add(["space", "texts"], gettext("Give the space a title in its original language."))
    for i, name in enumerate(space.get("moderators", [])):
        if (problem := _name_problem(name)) is not None:
            out.add(["space", "moderators", i], problem)
    return languages


def _not_a_space_language(languages: list[str]) -> str:
    return gettext(
        "This language is not one of the space's languages (%(languages)s).",
        languages=", ".join(languages),
    )


def _name_problem(raw: str) -> str | None:
    """Why a name cannot be an author's here: the rules registration applies, so a file
    cannot bring in the "admin", "Modérateur" or "Participant" nobody may sign up as."""
    name = _clean_name(raw)
    if name is None:
        return gettext("This name is empty, too long or contains characters that are not allowed.")
    if names.is_reserved(name):
        return gettext("This name is reserved; please choose another.")
    return None


def _tag_keys(tags: list[dict[str, Any]], out: _Problems) -> dict[tuple[str, str], int]:
    keys: dict[tuple[str, str], int] = {}
    for i, tag in enumerate(tags):
        key = (tag["taxonomy"], tag["code"])
        if key in keys:
            out.add(["tags", i], gettext("Another tag in the list has the same taxonomy and code."))
        else:
            keys[key] = i
    return keys


def _tag_index(item: Any, tag_keys: dict[tuple[str, str], int], count: int) -> int | None:
    if isinstance(item, int):
        return item if item < count else None
    return tag_keys.get((item["taxonomy"], item["code"]))


def _check_comment(
    i: int,
    c: dict[str, Any],
    *,
    languages: list[str],
    depths: dict[str, int],
    all_refs: set[str],
    numbers: set[int],
    tag_keys: dict[tuple[str, str], int],
    tag_count: int,
    out: _Problems,
) -> None:
    here: list[str | int] = ["comments", i]
    parent = c["parent"]
    depth = 0
    if parent is not None:
        if parent not in all_refs:
            out.add([*here, "parent"], gettext("No comment in this file has this reference."))
        elif parent not in depths:
            out.add(
                [*here, "parent"],
                gettext("The comment answered must come before its replies in the file."),
            )
        else:
            depth = depths[parent] + 1
            if depth > threading.MAX_DEPTH:
                out.add(
                    [*here, "parent"],
                    gettext("This thread is too deep to reply further here."),
                )
    if c["ref"] in depths:
        out.add(
            [*here, "ref"], gettext("Another comment in this file already uses this reference.")
        )
    else:
        depths[c["ref"]] = depth
    number = c.get("number")
    if c["kind"] == KIND_QUESTION:
        if parent is not None:
            out.add([*here, "parent"], gettext("A question cannot be a reply."))
        if number is None:
            out.add([*here, "number"], gettext("A question needs a number."))
        elif number in numbers:
            out.add([*here, "number"], gettext("Another question already has this number."))
        else:
            numbers.add(number)
    else:
        if number is not None:
            out.add([*here, "number"], gettext("Only questions have a number."))
        if c.get("pinned"):
            out.add([*here, "pinned"], gettext("Only questions can be pinned."))
    if c["lang"] not in languages:
        out.add([*here, "lang"], _not_a_space_language(languages))
    for code in c.get("translations", {}):
        if code == c["lang"]:
            out.add(
                [*here, "translations", code],
                gettext("A translation must be in another language than the comment's."),
            )
        elif code not in languages:
            out.add([*here, "translations", code], _not_a_space_language(languages))
    given: set[int] = set()
    for j, item in enumerate(c.get("tags", [])):
        index = _tag_index(item, tag_keys, tag_count)
        if index is None:
            out.add([*here, "tags", j], gettext("This tag is not in the file's list of tags."))
        elif index in given:
            out.add([*here, "tags", j], gettext("This tag is given twice."))
        else:
            given.add(index)
    if (problem := _name_problem(c["author"])) is not None:
        out.add([*here, "author"], problem)
    for j, revision in enumerate(c.get("revisions", [])):
        if (problem := _name_problem(revision["editor"])) is not None:
            out.add([*here, "revisions", j, "editor"], problem)


def semantic_problems(document: dict[str, Any]) -> list[Problem]:
    """What a schema-valid document may still get wrong. Assumes `schema_problems` is empty."""
    out = _Problems()
    for parts, text in _strings(document, []):
        if _UNSTORABLE.search(text):
            out.add(parts, gettext("This text contains characters that are not allowed."))
    times: dict[tuple[str | int, ...], datetime] = {}
    for parts, raw in _date_fields(document):
        if raw is None:
            continue
        if _real_time(raw):
            times[tuple(parts)] = _parse_time(raw)
        else:
            out.add(parts, gettext("This date does not exist."))
    space = document["space"]
    languages = _check_space(space, out)
    opens, closes = times.get(("space", "opens_at")), times.get(("space", "closes_at"))
    if opens and closes and closes <= opens:
        out.add(
            ["space", "closes_at"], gettext("The closing date must come after the opening date.")
        )
    tag_keys = _tag_keys(document["tags"], out)
    comments = document["comments"]
    all_refs = {c["ref"] for c in comments}
    depths: dict[str, int] = {}
    numbers: set[int] = set()
    for i, c in enumerate(comments):
        _check_comment(
            i,
            c,
            languages=languages,
            depths=depths,
            all_refs=all_refs,
            numbers=numbers,
            tag_keys=tag_keys,
            tag_count=len(document["tags"]),
            out=out,
        )
    return _in_order(document, out.items)


def requested_slug(document: Any, slug: str | None) -> str:
    """The new space's address: the one asked for, else the one in the file."""
    if slug and slug.strip():
        return slug.strip().lower()
    try:
        return str(document["space"]["slug"])
    except (KeyError, TypeError):
        return ""


def _slug_taken(db: Session, slug: str) -> bool:
    return db.scalar(select(Space.id).where(Space.slug == slug)) is not None


def check(db: Session, document: Any, *, slug: str | None = None) -> ImportProblems:
    """Every problem with importing this document (under this address); writes nothing."""
    result = ImportProblems()
    if slug and slug.strip():
        wanted = requested_slug(document, slug)
        if not SLUG.match(wanted) or len(wanted) > 80:
            result.fields["slug"] = gettext(
                "Use lower-case letters, digits and hyphens, e.g. skills-2027."
            )
        elif _slug_taken(db, wanted):
            result.fields["slug"] = gettext("Another space already uses this address.")
    problems = schema_problems(document)
    if not problems:
        problems = semantic_problems(document)
        if not (slug and slug.strip()) and _slug_taken(db, document["space"]["slug"]):
            problems.insert(
                0, Problem("space.slug", gettext("Another space already uses this address."))
            )
    if len(problems) > MAX_PROBLEMS:
        problems = [
            *problems[:MAX_PROBLEMS],
            Problem(
                "",
                gettext(
                    "There are more problems; only the first %(count)d are listed.",
                    count=MAX_PROBLEMS,
                ),
            ),
        ]
    result.problems = problems
    return result


# --- Writing ----------------------------------------------------------------------------


def _accounts(db: Session, raw_names: Iterable[str], *, locale: str) -> dict[str, int]:
    """User ids by display-name key: existing accounts, or new ones that cannot sign in."""
    wanted: dict[str, str] = {}
    for raw in raw_names:
        name = _clean_name(raw)
        assert name is not None  # checked before
        wanted.setdefault(names.display_name_key(name), name)
    ids: dict[str, int] = {}
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for user_id, key in db.execute(
            select(User.id, User.display_name_key).where(User.display_name_key.in_(chunk))
        ):
            ids[key] = user_id
    created = [
        User(
            email=f"imported-{secrets.token_hex(8)}@{IMPORTED_EMAIL_DOMAIN}",
            display_name=name,
            display_name_key=key,
            password_hash=UNUSABLE_PASSWORD,
            locale=locale,
        )
        for key, name in wanted.items()
        if key not in ids
    ]
    db.add_all(created)
    db.flush()
    ids.update({user.display_name_key: user.id for user in created})
    return ids


def _user_id(accounts: dict[str, int], raw: str) -> int:
    name = _clean_name(raw)
    assert name is not None
    return accounts[names.display_name_key(name)]


def _names_in(document: dict[str, Any]) -> Iterator[str]:
    yield from document["space"].get("moderators", [])
    for c in document["comments"]:
        yield c["author"]
        for revision in c.get("revisions", []):
            yield revision["editor"]


def _with_defaults(item: dict[str, Any], defaults: dict[str, Any]) -> dict[str, Any]:
    return {**defaults, **item}


def import_space(
    db: Session,
    document: Any,
    *,
    slug: str | None = None,
    tagger_id: int | None = None,
    now: datetime,
) -> Space:
    """Create a new space from a document; ImportProblems (and nothing written) if it is not
    entirely right. Tags are recorded as put by `tagger_id` (the importing administrator),
    else by the space's first moderator, else by the comment's author."""
    problems = check(db, document, slug=slug)
    if problems.count:
        raise problems
    data = _with_defaults(document["space"], SPACE_DEFAULTS)
    accounts = _accounts(db, _names_in(document), locale=data["original_lang"])

    space = Space(
        slug=requested_slug(document, slug),
        original_lang=data["original_lang"],
        languages=" ".join(data["languages"]),
        opens_at=_parse_time(data["opens_at"]),
        closes_at=_parse_time(data["closes_at"]) if data["closes_at"] else None,
        created_at=now,
        posting_policy=data["posting_policy"],
        attribution=data["attribution"],
        max_shown_depth=data["max_shown_depth"],
        flag_threshold=data["flag_threshold"],
    )
    db.add(space)
    db.flush()
    for lang, raw_text in data["texts"].items():
        text = _with_defaults(raw_text, TEXT_DEFAULTS)
        db.add(
            SpaceText(
                space_id=space.id,
                lang=lang,
                title=text["title"],
                intro_md=text["intro_md"],
                intro_html=render_markdown(text["intro_md"]),
            )
        )
    moderator_ids = list(dict.fromkeys(_user_id(accounts, n) for n in data["moderators"]))
    db.add_all(SpaceModerator(space_id=space.id, user_id=uid) for uid in moderator_ids)

    tags = [
        Tag(space_id=space.id, taxonomy=t["taxonomy"], code=t["code"], label=t["label"])
        for t in document["tags"]
    ]
    db.add_all(tags)
    db.flush()
    tag_keys = {(t.taxonomy, t.code): i for i, t in enumerate(tags)}

    items = [_with_defaults(c, COMMENT_DEFAULTS) for c in document["comments"]]
    rows = [_comment_row(space, c, accounts, index) for index, c in enumerate(items)]
    db.add_all(rows)
    db.flush()  # ids first; threading paths are made of them
    by_ref: dict[str, Comment] = {}
    for c, row in zip(items, rows, strict=True):
        _thread(row, c, by_ref.get(c["parent"]) if c["parent"] is not None else None)
        by_ref[c["ref"]] = row
    db.flush()

    for c, row in zip(items, rows, strict=True):
        _add_details(db, c, row, accounts)
        tagger = tagger_id or (moderator_ids[0] if moderator_ids else row.author_id)
        for item in c["tags"]:
            index = _tag_index(item, tag_keys, len(tags))
            assert index is not None
            db.add(
                CommentTag(
                    comment_id=row.id, tag_id=tags[index].id, created_by_id=tagger, created_at=now
                )
            )
    db.flush()
    return space


def _comment_row(space: Space, c: dict[str, Any], accounts: dict[str, int], index: int) -> Comment:
    own_edits = sum(1 for r in c["revisions"] if r["lang"] not in c["translations"])
    return Comment(
        space_id=space.id,
        author_id=_user_id(accounts, c["author"]),
        parent_id=None,
        # A placeholder no real path can equal ("~" sorts after every digit).
        path=f"~{index:010d}",
        depth=0,
        kind=c["kind"],
        number=c["number"],
        lang=c["lang"],
        body_md=c["body_md"],
        body_html=render_markdown(c["body_md"]),
        created_at=_parse_time(c["created_at"]),
        edited_at=_parse_time(c["edited_at"]) if c["edited_at"] else None,
        version=1 + own_edits,
        status=c["status"],
        moderated_at=_parse_time(c["moderated_at"]) if c["moderated_at"] else None,
        moderation_reason=c["moderation_reason"],
        pinned=c["pinned"],
        locked=c["locked"],
        named_consent=c["named_consent"],
    )


def _thread(row: Comment, c: dict[str, Any], parent: Comment | None) -> None:
    """The comment's place in its thread, exactly as posting it would have made it."""
    if parent is not None:
        row.parent_id = parent.id
        path = threading.child_path(parent.path, row.id)
    else:
        is_question = c["kind"] == KIND_QUESTION
        path = threading.root_path(is_question=is_question, number=c["number"], comment_id=row.id)
        if is_question and c["pinned"]:
            path = threading.pinned_path(path, pinned=True)
    row.path = path
    row.depth = threading.depth_of(path)


def _add_details(db: Session, c: dict[str, Any], row: Comment, accounts: dict[str, int]) -> None:
    """Translations and earlier versions of one comment."""
    for lang, body in c["translations"].items():
        # A translation's last edit is when its previous text became a revision.
        edits = [_parse_time(r["replaced_at"]) for r in c["revisions"] if r["lang"] == lang]
        db.add(
            CommentTranslation(
                comment_id=row.id,
                lang=lang,
                body_md=body,
                body_html=render_markdown(body),
                created_at=row.created_at,
                edited_at=max(edits) if edits else None,
            )
        )
    for r in c["revisions"]:
        db.add(
            CommentRevision(
                comment_id=row.id,
                lang=r["lang"],
                body_md=r["body_md"],
                body_html=render_markdown(r["body_md"]),
                written_at=_parse_time(r["written_at"]),
                replaced_at=_parse_time(r["replaced_at"]),
                editor_id=_user_id(accounts, r["editor"]),
            )
        )
