"""Links from route names (app/web/urls.py): the same paths the app routes, in Python and Jinja."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlsplit

import pytest
from fastapi import FastAPI
from starlette.routing import NoMatchFound

from app import i18n
from app.main import PAGES
from app.web import urls
from app.web.templates import build_templates


def test_an_unknown_name_fails_loudly() -> None:
    with pytest.raises(NoMatchFound, match="no_such_page"):
        urls.url_for("no_such_page")


def test_missing_or_unknown_parameters_fail_loudly() -> None:
    with pytest.raises(NoMatchFound):
        urls.url_for("comment")
    with pytest.raises(NoMatchFound):
        urls.url_for("comment", comment_id=7, colour="red")


def test_the_language_is_the_one_being_spoken_unless_given() -> None:
    with i18n.using("fr"):
        assert urls.url_for("comment", comment_id=7) == "/fr/comments/7"
        assert urls.url_for("comment", lang="es", comment_id=7) == "/es/comments/7"
    with i18n.using("es"):
        assert urls.url_for("space_list") == "/es/"


def test_the_query_string_is_encoded_and_empty_values_left_out() -> None:
    link = urls.url_for(
        "sign_in",
        lang="en",
        query={"next": "/en/spaces/a b?x=1&y=é", "after": None, "page": 2},
    )
    parts = urlsplit(link)
    assert parts.path == "/en/sign-in"
    assert parse_qsl(parts.query) == [("next", "/en/spaces/a b?x=1&y=é"), ("page", "2")]
    # One parameter per pair: the & and ? inside the value cannot start another.
    assert parts.query.count("&") == 1
    assert "?" not in parts.query
    # A path handed on in `next` keeps its slashes readable, as the pages always wrote it.
    assert parts.query.startswith("next=/en/spaces/")
    assert urls.url_for("space_list", lang="en", query={"after": None}) == "/en/"


def test_a_fragment_is_appended_after_the_query() -> None:
    link = urls.url_for("comment", lang="en", comment_id=3, query={"v": "fr"}, fragment="c-9")
    assert link == "/en/comments/3?v=fr#c-9"


@pytest.mark.parametrize("base", ["https://talk.example", "https://talk.example/"])
def test_absolute_urls_join_the_base_url_once(base: str) -> None:
    link = urls.absolute_url(base, "unsubscribe", lang="fr", token="abc.def")
    assert link == "https://talk.example/fr/unsubscribe/abc.def"


def test_a_path_queued_without_language_gets_the_readers() -> None:
    path = urls.path_after_language("password_reset", token="t0k")
    assert path == "/password/reset/t0k"
    assert urls.with_language(path, "es") == urls.url_for("password_reset", lang="es", token="t0k")


def test_every_named_page_links_where_the_app_routes_it() -> None:
    """The helper's index of routes by name answers what the app's own router does."""
    app = FastAPI()
    app.include_router(PAGES)
    # Every page but the bare "/" (which only redirects) is under a language.
    named = [r for r in urls._routes_in(PAGES.routes) if "lang" in r.param_convertors]
    assert len(named) > 60
    for route in named:
        params = dict.fromkeys(route.param_convertors, "x1")
        params["lang"] = "es"
        expected = str(app.url_path_for(route.name, **params))
        assert urls.url_for(route.name, **params) == expected, route.name


def test_templates_call_it_as_url_for() -> None:
    env = build_templates().env
    template = env.from_string(
        "{{ url_for('comment', comment_id=c, query={'v': 'en'}, fragment='c-' ~ c) }}"
    )
    with i18n.using("es"):
        assert template.render(c=12) == "/es/comments/12?v=en#c-12"
