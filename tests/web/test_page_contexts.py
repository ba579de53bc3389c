"""A page's view model and its templates agree on the names between them.

mypy checks the handler's side: a `PageContext` is built with every field, each of its
type. This checks the template's side: every name a page's templates read (through their
layout and includes) is a field, something every page gets, or a global; and every field
is read somewhere, so a renamed or dropped name cannot linger on one side.
"""

from __future__ import annotations

from dataclasses import fields

import pytest
from fastapi import FastAPI
from jinja2 import DictLoader, Environment, meta, nodes

from app.drafts.pages import DraftEditorContext
from app.moderation.pages import QueueContext
from app.search.pages import SearchPageContext
from app.spaces.pages import SpaceListContext, SpacePageContext, ThreadPageContext
from app.web.templates import PageContext

# What app/web/templates.py's Renderer gives every page, and Starlette's `request`.
EVERY_PAGE = frozenset({"lang", "viewer", "htmx", "now", "request"})
# Read by shared templates only when a page sets them: the layout's hint about e-mail
# verification (account pages) and the status pill's short form (spaces/page.html).
OPTIONAL = frozenset({"about_verification", "pill_only"})

PAGES: dict[type[PageContext], tuple[str, ...]] = {
    SpaceListContext: ("spaces/list.html",),
    SpacePageContext: ("spaces/page.html", "spaces/_chunk.html"),
    ThreadPageContext: ("comments/permalink.html", "spaces/_chunk.html"),
    DraftEditorContext: ("drafts/edit.html",),
    QueueContext: ("moderation/queue.html",),
    SearchPageContext: ("search/page.html", "search/_results.html"),
}


def _declared(tree: nodes.Template) -> set[str]:
    """Names a template gives itself: set, for, with, macros and their arguments, imports."""
    names = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    names |= {m.name for m in tree.find_all(nodes.Macro)}
    names |= {i.target for i in tree.find_all(nodes.Import)}
    for imported in tree.find_all(nodes.FromImport):
        names |= {n if isinstance(n, str) else n[1] for n in imported.names}
    return names


def read_names(env: Environment, template: str) -> set[str]:
    """The context names `template` reads, its layouts' and its includes' among them.

    Macros imported from another file see only their arguments, so imports are not
    followed; a name an including template sets counts as given to what it includes.
    """
    assert env.loader is not None
    tree = env.parse(env.loader.get_source(env, template)[0])
    declared = _declared(tree)
    read = set(meta.find_undeclared_variables(tree)) - declared
    for node in tree.find_all((nodes.Extends, nodes.Include)):
        if isinstance(node.template, nodes.Const):
            read |= read_names(env, node.template.value) - declared
    return read


def _env(app: FastAPI) -> Environment:
    env: Environment = app.state.renderer.templates.env
    return env


@pytest.mark.parametrize("context", list(PAGES), ids=lambda c: c.__name__)
def test_templates_read_what_the_view_model_holds(app: FastAPI, context: type) -> None:
    env = _env(app)
    read = set().union(*(read_names(env, template) for template in PAGES[context]))
    given = {f.name for f in fields(context)}
    assert read - given - EVERY_PAGE - OPTIONAL - set(env.globals) == set(), "not in the model"
    assert given - read == set(), "never read by the templates"


def test_the_check_follows_layouts_and_includes() -> None:
    env = Environment(
        autoescape=True,
        loader=DictLoader(
            {
                "layout.html": "<title>{{ title }}</title>{% block body %}{% endblock %}",
                "_part.html": "{{ item.name }} {{ shown }}",
                "page.html": (
                    '{% extends "layout.html" %}{% set shown = 1 %}'
                    '{% from "macros.html" import card %}'
                    "{% block body %}{% for item in items %}{% include '_part.html' %}"
                    "{{ card(item) }}{% endfor %}{{ missing }}{% endblock %}"
                ),
            }
        ),
    )
    assert read_names(env, "page.html") == {"title", "items", "missing"}
