"""The search page: a bookmarkable address, and its results alone for htmx as one types."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.curation import gcm
from app.search import service
from app.search.pages import SearchPageContext
from app.search.params import SearchParamsDep
from app.web.deps import DbDep, LangDep, LimiterDep, RenderDep, ViewerDep
from app.web.htmx import is_htmx
from app.web.urls import url_for

router = APIRouter()


@router.get("/{lang}/search", name="search")
def search_page(
    request: Request,
    lang: LangDep,
    asked: SearchParamsDep,
    db: DbDep,
    viewer: ViewerDep,
    render: RenderDep,
    limiter: LimiterDep,
) -> Response:
    service.count_search(limiter, request.client, asked)
    results = service.search(db, viewer, asked, lang=lang)
    context = SearchPageContext(
        results=results, objectives=[(n, gcm.label(n, lang)) for n in gcm.OBJECTIVES]
    )
    if not is_htmx(request):
        return render(
            request, "search/page.html", context, status_code=422 if asked.errors else 200
        )
    response = render(
        request, "search/_results.html", context, status_code=422 if asked.errors else 200
    )
    # The address to keep in the history: what was asked, without the empty fields.
    response.headers["HX-Push-Url"] = url_for("search", lang=lang, query=asked.address())
    return response
