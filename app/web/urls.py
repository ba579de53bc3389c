"""Internal links from route names: `url_for("space_page", slug=...)` in Python and Jinja.

Every page lives under `/{lang}/`; `lang` defaults to the language being spoken (set by
LocaleMiddleware for a request, by `i18n.using()` for an e-mail), so callers pass only
what identifies the page. The route table is the one the app serves: app/main.py
installs it when imported, so code with no request at hand (the mail worker, an export
written in a background thread) builds the same links as the pages do.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any
from urllib.parse import quote, urlencode

from starlette.routing import BaseRoute, NoMatchFound, Route, Router

from app import i18n

QueryValue = str | int | None


_table: Router | None = None
_by_name: dict[str, Route] = {}


def install(table: Router) -> None:
    """Build every link from now on from this route table (app/main.py calls it)."""
    global _table
    _table = table
    _by_name.clear()
    _by_name.update(_index(table))


def _index(table: Router) -> dict[str, Route]:
    """Each name's route, where looking it up directly gives what the table gives.

    The table's own lookup tries every route in turn, raising for each miss (some 50 µs
    a link); a page holds dozens. A name is indexed only once the route, asked alone,
    answered as the whole table does, so a prefix added by an include is never lost.
    """
    found: dict[str, list[Route]] = {}
    for route in _routes_in(table.routes):
        found.setdefault(route.name, []).append(route)
    index: dict[str, Route] = {}
    for name, (route, *others) in found.items():
        probe = dict.fromkeys(route.param_convertors, "1")
        if not others and str(route.url_path_for(name, **probe)) == str(
            table.url_path_for(name, **probe)
        ):
            index[name] = route
    return index


def _routes_in(routes: list[BaseRoute]) -> Iterator[Route]:
    for route in routes:
        if isinstance(route, Route):
            yield route
        # A router included in another (FastAPI keeps it whole); the check in _index
        # covers the day it stops doing so.
        inner = getattr(route, "original_router", None)
        if isinstance(inner, Router):
            yield from _routes_in(inner.routes)


def _path(name: str, params: dict[str, Any]) -> str:
    if _table is None:
        raise LookupError("no route table installed: app.main installs it when imported")
    route = _by_name.get(name)
    if route is not None:
        try:
            return str(route.url_path_for(name, **params))
        except NoMatchFound:
            pass  # the table raises the same error, naming what was asked
    return str(_table.url_path_for(name, **params))


def _query_string(query: Mapping[str, QueryValue] | None) -> str:
    # A missing value (None) leaves its parameter out rather than sending "None". Slashes
    # stay as they are, so a `next` path reads as one in the address bar.
    pairs = [(key, str(value)) for key, value in (query or {}).items() if value is not None]
    return f"?{urlencode(pairs, safe='/', quote_via=quote)}" if pairs else ""


def url_for(
    name: str,
    /,
    *,
    lang: str | None = None,
    query: Mapping[str, QueryValue] | None = None,
    fragment: str | None = None,
    **params: Any,
) -> str:
    """The path of route `name`, with its query string and fragment. An unknown name, or
    parameters the route does not take, raise starlette's NoMatchFound: a renamed route
    fails where it is linked, not as a 404 in a reader's browser."""
    path = _path(name, {"lang": lang or i18n.get_locale(), **params})
    anchor = f"#{quote(fragment, safe='-_.~')}" if fragment else ""
    return path + _query_string(query) + anchor


def absolute_url(base_url: str, name: str, /, **kwargs: Any) -> str:
    """An address for an e-mail or an export: the site's base URL joined with the path."""
    return base_url.rstrip("/") + url_for(name, **kwargs)


def path_after_language(name: str, /, **params: Any) -> str:
    """The route's path without its `/{lang}` prefix, for a message queued now whose
    language is chosen when it is written (the mailer adds the recipient's)."""
    lang = i18n.DEFAULT_LOCALE
    return url_for(name, lang=lang, **params).removeprefix("/" + lang)


def with_language(path: str, lang: str) -> str:
    """A path from path_after_language, under the language it is now read in."""
    return f"/{lang}{path}"
