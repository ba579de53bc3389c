"""Space list and space pages (and their load-more chunks)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.orm import Session

from app.i18n import get_locale
from app.notifications import unsubscribe as subscriptions
from app.policy import Viewer
from app.spaces import service
from app.web import pagecache
from app.web.deps import DbDep, LangDep, NowDep, RenderDep, SettingsDep, ViewerDep
from app.web.htmx import is_htmx

router = APIRouter()

MAX_SHOWN_DEPTH = 6


@router.get("/", include_in_schema=False)
def root() -> Response:
    # The locale middleware has already negotiated from Accept-Language.
    return RedirectResponse(
        f"/{get_locale()}/", status_code=307, headers={"Vary": "Accept-Language"}
    )


@router.get("/{lang}/", name="space_list")
def space_list(
    request: Request, lang: LangDep, db: DbDep, viewer: ViewerDep, now: NowDep, render: RenderDep
) -> Response:
    spaces = service.list_spaces(db, viewer, lang=lang, now=now)
    return render(request, "spaces/list.html", {"spaces": spaces})


@router.get("/{lang}/spaces/{slug}", name="space_page")
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
        context = {
            "page": page,
            "space_view": page.view,
            "more_url": f"/{lang}/spaces/{slug}",
            "following": following,
        }
        return render(request, template, context)

    key = ("space", request.url.path, request.url.query, is_htmx(request))
    return await pagecache.serve(
        request, now, key, lambda conn: service.space_stamp(conn, slug, now=now), draw
    )
