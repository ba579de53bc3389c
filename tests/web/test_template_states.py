"""Templates compare states to enum members, never to string literals.

A member equals its string, so `c.status == "hidden"` works today and silently stops
matching the day a value is renamed; a misspelt member (`CommentStatus.HIDEN`) is
Undefined and equals nothing. Every template is parsed, and both are refused.
"""

from __future__ import annotations

from collections.abc import Iterator
from enum import StrEnum

import pytest
from fastapi import FastAPI
from jinja2 import Environment, nodes

# Jinja's tests and selectattr/rejectattr tests that compare with their argument.
_EQUALITY_TESTS = frozenset({"equalto", "eq", "==", "sameas", "ne", "!="})
_ATTR_FILTERS = frozenset({"selectattr", "rejectattr"})


def _env(app: FastAPI) -> Environment:
    env: Environment = app.state.renderer.templates.env
    return env


def state_enums(env: Environment) -> dict[str, type[StrEnum]]:
    """The states a template can compare with: the StrEnums among its globals."""
    return {
        name: value
        for name, value in env.globals.items()
        if isinstance(value, type) and issubclass(value, StrEnum)
    }


def _strings(node: nodes.Node) -> Iterator[str]:
    if isinstance(node, nodes.Const) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, nodes.Tuple | nodes.List):
        for item in node.items:
            yield from _strings(item)


def literal_comparisons(env: Environment, source: str, values: set[str]) -> list[str]:
    """Each comparison in `source` of something with a string literal that is a state value."""
    tree = env.parse(source)
    compared: list[tuple[int, nodes.Node]] = []
    for compare in tree.find_all(nodes.Compare):
        compared += [(compare.lineno, compare.expr)]
        compared += [(compare.lineno, operand.expr) for operand in compare.ops]
    for test in tree.find_all(nodes.Test):
        if test.name in _EQUALITY_TESTS:
            compared += [(test.lineno, arg) for arg in test.args]
    for call in tree.find_all(nodes.Filter):
        if call.name in _ATTR_FILTERS and len(call.args) >= 3:
            compared += [(call.lineno, arg) for arg in call.args[2:]]
    return [
        f"line {line}: {literal!r}"
        for line, node in compared
        for literal in _strings(node)
        if literal in values
    ]


def unknown_members(env: Environment, source: str) -> list[str]:
    """Each `State.NAME` in `source` that names no member of that state."""
    enums = state_enums(env)
    return [
        f"line {node.lineno}: {node.node.name}.{node.attr}"
        for node in env.parse(source).find_all(nodes.Getattr)
        if isinstance(node.node, nodes.Name)
        and node.node.name in enums
        and node.attr not in enums[node.node.name].__members__
    ]


def _sources(env: Environment) -> Iterator[tuple[str, str]]:
    assert env.loader is not None
    for name in env.list_templates():
        yield name, env.loader.get_source(env, name)[0]


def test_the_states_are_globals_of_every_page(app: FastAPI) -> None:
    names = set(state_enums(_env(app)))
    # The models' states (app/web/templates.py) and the features' (app/main.py).
    assert {"CommentStatus", "CommentKind", "AttributionRule", "PostingPolicy"} <= names
    assert {"EditorialState", "DraftState", "FlagReason", "ModerationAction"} <= names
    assert {"JobState", "QueueFilter", "SourceWarning"} <= names


def test_no_template_compares_a_state_with_a_string_literal(app: FastAPI) -> None:
    env = _env(app)
    values = {member.value for states in state_enums(env).values() for member in states}
    found = {
        name: hits
        for name, source in _sources(env)
        if (hits := literal_comparisons(env, source, values))
    }
    assert found == {}, "compare with the enum's member instead (StrEnum globals)"


def test_every_member_a_template_names_exists(app: FastAPI) -> None:
    env = _env(app)
    found = {name: hits for name, source in _sources(env) if (hits := unknown_members(env, source))}
    assert found == {}


@pytest.mark.parametrize(
    ("source", "hits"),
    [
        ('{% if c.status == "hidden" %}x{% endif %}', ["line 1: 'hidden'"]),
        (
            "{% if 'pre-moderation' != space.posting_policy %}x{% endif %}",
            ["line 1: 'pre-moderation'"],
        ),
        (
            '{% if st in ("draft", "approved") %}x{% endif %}',
            ["line 1: 'draft'", "line 1: 'approved'"],
        ),
        ('{{ items|selectattr("status", "equalto", "pending")|list }}', ["line 1: 'pending'"]),
        ('{% if job.state is sameas "done" %}x{% endif %}', ["line 1: 'done'"]),
        ("{% if c.status == CommentStatus.HIDDEN %}x{% endif %}", []),
        ('{% if fmt == "docx" %}x{% endif %}', []),
    ],
)
def test_the_check_finds_literal_states(app: FastAPI, source: str, hits: list[str]) -> None:
    env = _env(app)
    values = {member.value for states in state_enums(env).values() for member in states}
    assert literal_comparisons(env, source, values) == hits


def test_the_check_finds_misspelt_members(app: FastAPI) -> None:
    source = (
        "{% if c.status == CommentStatus.HIDEN or c.status == CommentStatus.HIDDEN %}{% endif %}"
    )
    assert unknown_members(_env(app), source) == ["line 1: CommentStatus.HIDEN"]
