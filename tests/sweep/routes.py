"""Every route the application declares, with every address the planted world fills it with.

Routes, their path parameters, their query parameters and their form fields are read from
the app itself, so a route added later is swept without being listed here; a parameter
this module cannot fill makes `unfilled` name the route, and the sweep fails on it.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, _IncludedRouter  # routers are kept nested since 0.16x
from starlette.routing import Mount

from app.i18n import LOCALES
from app.models.comments import CommentStatus
from app.models.curation import EditorialState
from app.moderation.queries import QueueFilter
from tests.sweep.world import SECRETS, SweepWorld, findable

# Routes that take no input a secret could ride on, each with the reason.
ALLOWLIST: dict[str, str] = {
    # Files shipped in app/static; nothing from the database is ever served there.
    "/static": "serves the files of app/static only",
}
# POST routes the sweep does not send: they end the very session it sweeps with.
POST_SKIPPED: dict[str, str] = {
    "/{lang}/sign-out": "takes no input; it would end the role's session mid-sweep",
}
# Query parameters whose every value is a language code.
LANGUAGE_PARAMS = frozenset({"v", "to", "lang", "pick", "language"})
_PARAM = re.compile(r"{([^}:]+)(?::[^}]*)?}")


@dataclass(frozen=True)
class Route:
    path: str
    methods: frozenset[str]
    query: tuple[str, ...]  # query parameter names, dependencies' included
    form: dict[str, str]  # form field name → kind (str, int, bool, list, file)

    @property
    def params(self) -> list[str]:
        return _PARAM.findall(self.path)


def _query_names(dependant: Dependant) -> list[str]:
    names = [p.alias for p in dependant.query_params]
    for sub in dependant.dependencies:
        names += _query_names(sub)
    return names


def _kind(annotation: object) -> str:
    text = str(annotation)
    for name in ("UploadFile", "list", "int", "bool"):
        if name in text:
            return {"UploadFile": "file"}.get(name, name)
    return "str"


def _form_fields(route: APIRoute) -> dict[str, str]:
    fields: dict[str, str] = {}
    for param in route.dependant.body_params:
        annotation = param.field_info.annotation
        model = getattr(annotation, "model_fields", None)
        if model is None:
            fields[param.alias] = _kind(annotation)
        else:
            for name, info in model.items():
                fields[info.alias or name] = _kind(info.annotation)
    return fields


def routes_of(app: FastAPI) -> list[Route]:
    """Every route of the app, included routers' too, as declared."""

    def walk(routes: list[Any], prefix: str) -> Iterator[Route]:
        for route in routes:
            if isinstance(route, _IncludedRouter):
                yield from walk(
                    list(route.original_router.routes), prefix + route.include_context.prefix
                )
            elif isinstance(route, APIRoute):
                query = tuple(dict.fromkeys(_query_names(route.dependant)))
                yield Route(
                    prefix + route.path, frozenset(route.methods), query, _form_fields(route)
                )
            elif isinstance(route, Mount):
                yield Route(prefix + route.path, frozenset(), (), {})
            elif hasattr(route, "path"):
                methods = frozenset(getattr(route, "methods", None) or ())
                yield Route(prefix + route.path, methods, (), {})

    return list(walk(list(app.routes), ""))


@dataclass(frozen=True)
class Target:
    route: str
    method: str
    url: str
    data: dict[str, str] | None = None  # form fields (POST), or the JSON body under /api/
    # Sent by one reader in turn rather than by all (see Turn): the POSTs, and the
    # pages asked for in another language by a query parameter.
    shared: bool = False
    values: tuple[str, ...] = ()  # the path's item values (slug, ids), to find a reader's own
    item: bool = False  # the path names an item (a comment, file, draft, job...), not a space


@dataclass
class Fill:
    """The values each parameter name takes, for one reader."""

    path: dict[str, list[str]]
    query: dict[str, list[str]]
    ids: list[str]  # for form fields that name an item


def fill_for(world: SweepWorld, token: str, job_ids: list[str]) -> Fill:
    comment_ids = [str(i) for i in world.comment_ids]
    secret_ids = [str(i) for i in world.secret_comment_ids]
    # The accounts whose names are secret somewhere: the writer of the hidden items, and
    # the person unnamed under the Chatham House rule.
    user_ids = [str(world.users[who].id) for who in ("secret_author", "chatham")]
    return Fill(
        path={
            "lang": list(LOCALES),
            "slug": world.slugs,
            "comment_id": comment_ids,
            "attachment_id": [str(i) for i in world.attachment_ids],
            "draft_id": [str(i) for i in world.draft_ids],
            "version": ["1", "2"],  # each draft of the world is created, then saved once
            "fmt": ["md", "docx", "csv", "json"],
            "token": [token],
            "job_id": job_ids,
            "user_id": user_ids,
            "ban_id": [str(i) for i in world.ban_ids],
            "theme_id": [str(i) for i in world.theme_ids],
        },
        query={
            "v": list(LOCALES),
            # A translation's language, and the search's last day (any text: never an error).
            "to": [*LOCALES, "2099-12-31"],
            "lang": list(LOCALES),
            "pick": list(LOCALES),
            "after": world.root_paths,
            "posted": secret_ids,
            "question": [str(i) for i in world.question_ids],
            "next": [f"/en/comments/{i}" for i in secret_ids[:3]],
            "form_id": ["compose"],
            "done": ["1"],
            "show": list(QueueFilter),
            "action": ["hide"],
            "saved": ["true"],
            "old": ["1"],  # two versions of a draft compared
            "new": ["2"],
            # The administrators' user search, and the search of comments: each secret as a
            # reader could type it (one accent more, so the page echoing what was typed does
            # not count as showing the secret), and a word of the published comments beside
            # them (results name authors: the Chatham House space's must stay unnamed).
            "q": ["Sweep", "fees", *(findable(s) for s in SECRETS.values())],
            "space": world.slugs,
            "language": list(LOCALES),
            "from": ["2000-01-01"],
            "sort": ["newest", "oldest"],
            "page": ["2"],
            "objective": ["1"],
            "theme": [str(i) for i in world.theme_ids],
            "tag": ["Sweep"],
            "state": list(EditorialState),
            "status": list(CommentStatus),
        },
        ids=secret_ids,
    )


def _combos(route: Route, fill: Fill, langs: tuple[str, ...]) -> Iterator[dict[str, str]]:
    names = route.params
    choices = [langs if n == "lang" else fill.path[n] for n in names]
    for values in itertools.product(*choices):
        yield dict(zip(names, values, strict=True))


def _is_anchor(combo: dict[str, str], fill: Fill) -> bool:
    """Every parameter but the language and the space at its first (a public item's) value."""
    return all(v == fill.path[n][0] for n, v in combo.items() if n not in ("lang", "slug"))


def _url(path: str, combo: dict[str, str], query: dict[str, str] | None = None) -> str:
    url = _PARAM.sub(lambda m: combo[m.group(1)], path)
    return f"{url}?{urlencode(query)}" if query else url


def unfilled(routes: list[Route], fill: Fill) -> list[str]:
    """Routes with a parameter the sweep has no value for (and not allowlisted)."""
    missing = []
    for route in routes:
        if route.path in ALLOWLIST:
            continue
        if not route.methods:
            missing.append(f"{route.path}: a mount the sweep cannot enumerate")
            continue
        for name in route.params:
            if not fill.path.get(name):
                missing.append(f"{route.path}: path parameter {{{name}}}")
        for name in route.query:
            if not fill.query.get(name):
                missing.append(f"{route.path}: query parameter ?{name}=")
    return missing


def get_targets(routes: list[Route], fill: Fill, langs: tuple[str, ...]) -> list[Target]:
    """Each GET route at every filled address; at its first language's addresses with
    each language a query parameter takes; at its anchor with every other query value."""
    targets: list[Target] = []
    for route in routes:
        if route.path in ALLOWLIST or not route.methods & {"GET", "HEAD"}:
            continue
        item = _item(route)
        for combo in _combos(route, fill, langs):
            values = _values(combo)
            url = _url(route.path, combo)
            targets.append(Target(route.path, "GET", url, values=values, item=item))
            anchor = _is_anchor(combo, fill)
            for name in route.query:
                shared = name in LANGUAGE_PARAMS
                wanted = combo.get("lang", langs[0]) == langs[0] if shared else anchor
                for value in fill.query[name] if wanted else ():
                    url = _url(route.path, combo, {name: value})
                    targets.append(
                        Target(route.path, "GET", url, shared=shared, values=values, item=item)
                    )
    return targets


_NOT_ITEMS = frozenset({"lang", "slug", "fmt"})


def _item(route: Route) -> bool:
    return any(name not in _NOT_ITEMS for name in route.params)


def _values(combo: dict[str, str]) -> tuple[str, ...]:
    return tuple(f"{n}={v}" for n, v in combo.items() if n not in ("lang", "fmt"))


def _id_field(name: str) -> bool:
    return name.endswith("_id") or name == "ids"


def post_targets(routes: list[Route], fill: Fill) -> list[Target]:
    """Each POST route at every filled address (in English) with a form that creates
    nothing (every text empty), and at its anchor once per secret item's id in each field
    that names an item: refusals and form errors are pages too."""
    targets: list[Target] = []
    for route in routes:
        if "POST" not in route.methods or route.path in POST_SKIPPED | ALLOWLIST:
            continue
        base = {name: "" for name, kind in route.form.items() if kind != "file"}
        id_fields = [name for name in base if _id_field(name)]
        # With an id, a body too: an empty one is refused before the item is looked up.
        probe = {**base, **({"body": "A probe reply."} if "body" in base else {})}
        for combo in _combos(route, fill, ("en",)):
            url = _url(route.path, combo)
            values = _values(combo)
            item = _item(route)
            targets.append(Target(route.path, "POST", url, base, True, values, item))
            for name in id_fields if _is_anchor(combo, fill) else ():
                for value in fill.ids:
                    targets.append(
                        Target(route.path, "POST", url, {**probe, name: value}, True, values, item)
                    )
    return targets
