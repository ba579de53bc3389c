"""Space list and space pages (and their load-more chunks)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.notifications import subscriptions
from app.policy import Viewer
from app.spaces import service
from app.spaces.pages import SpaceListContext, SpacePageContext
from app.spaces.service import MAX_SHOWN_DEPTH
from app.web import pagecache
from app.web.deps import DbDep, LangDep, NowDep, RenderDep, SettingsDep, ViewerDep
from app.web.htmx import is_htmx
from app.web.urls import url_for

router = APIRouter()
# Routes that resolve no reader before they run (app/main.py): the space page finds its
# own through the page cache, and the root only redirects.
own_reader = APIRouter()


@own_reader.get("/", include_in_schema=False)
def root() -> Response:
    # The locale middleware has already negotiated from Accept-Language.
    return RedirectResponse(
        url_for("space_list"), status_code=307, headers={"Vary": "Accept-Language"}
    )


@router.get("/{lang}/", name="space_list")
def space_list(
    request: Request, lang: LangDep, db: DbDep, viewer: ViewerDep, now: NowDep, render: RenderDep
) -> Response:
    spaces = service.list_spaces(db, viewer, lang=lang, now=now)
    return render(request, "spaces/list.html", SpaceListContext(spaces=spaces))


@own_reader.get("/{lang}/spaces/{slug}", name="space_page")
async def space_page(
    request: Request,
    lang: LangDep,
    slug: str,
    now: NowDep,
    settings: SettingsDep,
    render: RenderDep,
    after: str | None = None,
) -> Response:
    # Async, with no session dependency: a reader who is not signed in gets a cached page
    # without leaving the event loop (app/web/pagecache.py).
    def draw(db: Session, viewer: Viewer) -> Response:
        page = service.load_space_page(
            db,
            viewer,
            slug,
            lang=lang,
            now=now,
            after=after or None,
            limit=settings.page_comments,
            max_shown_depth=MAX_SHOWN_DEPTH,
        )
        template = "spaces/_chunk.html" if after and is_htmx(request) else "spaces/page.html"
        following = viewer.user_id is not None and subscriptions.is_following(
            db, viewer.user_id, page.view.space.id
        )
        context = SpacePageContext(
            page=page,
            space_view=page.view,
            more_url=url_for("space_page", lang=lang, slug=slug, query={"after": page.next_after}),
            following=following,
        )
        return render(request, template, context)

    key = ("space", request.url.path, request.url.query, is_htmx(request))
    return await pagecache.serve(
        request, now, key, lambda conn: service.space_stamp(conn, slug, now=now), draw
    )
