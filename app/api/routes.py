"""JSON API over the same services as the HTML pages."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Request, Response
from fastapi.responses import JSONResponse

from app import ratelimit
from app.api.schemas import (
    AttachmentOut,
    CommentIn,
    CommentOut,
    CommentPage,
    SearchHitOut,
    SearchOut,
    SnippetPart,
    SpaceOut,
)
from app.comments import idempotency, posting, reads
from app.comments.language import detect_language
from app.comments.views import CommentView
from app.errors import Forbidden
from app.i18n import DEFAULT_LOCALE, get_locale
from app.search import service as search
from app.search.params import SearchParamsDep, empty_query_message
from app.spaces import service as spaces
from app.spaces.service import MAX_SHOWN_DEPTH
from app.web.deps import DbDep, LimiterDep, NowDep, SettingsDep, ViewerDep
from app.web.form_errors import redraw_if_refused
from app.web.urls import url_for

router = APIRouter(prefix="/api/v1", tags=["api"])


def _space_out(view: spaces.SpaceView) -> SpaceOut:
    return SpaceOut(
        slug=view.space.slug,
        lang=view.text.lang,
        title=view.text.title,
        intro_html=view.text.intro_html,
        opens_at=view.space.opens_at,
        closes_at=view.space.closes_at,
        is_open=view.is_open,
        moderators=[m.name for m in view.moderators],
        comment_count=view.comment_count,
    )


def _comment_out(c: CommentView, lang: str) -> CommentOut:
    return CommentOut(
        id=c.id,
        kind=c.kind,
        number=c.number,
        parent_id=c.parent_id,
        depth=c.depth,
        author=c.author_name,
        status=c.status,
        author_is_moderator=c.author_is_moderator,
        lang=c.original_lang,
        shown_lang=c.shown_lang,
        versions=list(c.versions),
        body_html=c.body_html,
        created_at=c.created_at,
        edited_at=c.edited_at,
        attachments=[
            AttachmentOut(
                id=a.id,
                filename=a.filename,
                content_type=a.content_type,
                size_bytes=a.size_bytes,
                url=url_for("attachment", lang=lang, attachment_id=a.id),
            )
            for a in c.attachments
        ],
    )


@router.get("/spaces")
def list_spaces(
    db: DbDep, viewer: ViewerDep, now: NowDep, lang: str = DEFAULT_LOCALE
) -> list[SpaceOut]:
    return [_space_out(v) for v in spaces.list_spaces(db, viewer, lang=lang, now=now)]


@router.get("/spaces/{slug}/comments")
def space_comments(
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    lang: str = DEFAULT_LOCALE,
    after: str | None = None,
) -> CommentPage:
    page = spaces.load_space_page(
        db,
        viewer,
        slug,
        lang=lang,
        now=now,
        after=after,
        limit=settings.page_comments,
        max_shown_depth=MAX_SHOWN_DEPTH,
    )
    return CommentPage(
        space=_space_out(page.view),
        comments=[_comment_out(c, lang) for c in page.comments],
        next_after=page.next_after,
    )


@router.post("/spaces/{slug}/comments", status_code=201, response_model=None)
def create_comment(
    slug: str,
    payload: CommentIn,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    settings: SettingsDep,
    limiter: LimiterDep,
    response: Response,
    lang: str = DEFAULT_LOCALE,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=idempotency.HEADER,
            description="Any unique string (at most 64 letters, digits, - or _): a request "
            "sent again with the same key answers with the comment the first one made.",
        ),
    ] = None,
) -> CommentOut | JSONResponse:
    view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    if viewer.user is None:
        raise Forbidden("sign-in")
    comment_lang = payload.lang or detect_language(payload.body) or lang
    with redraw_if_refused(
        lambda refusal: JSONResponse({"errors": refusal.errors}, status_code=422)
    ):
        key = idempotency.clean_key(idempotency_key)
        # The same posting limit as the pages; a retry of a post already made is not counted.
        if (
            not viewer.moderates(view.space.id)
            and idempotency.find(db, viewer.user.id, key) is None
        ):
            rule = ratelimit.posts_rule(viewer.user.created_at, now)
            limiter.check(rule, str(viewer.user.id), db=db)
        posted = posting.submit_comment(
            db,
            viewer,
            view.space,
            body=payload.body,
            lang=comment_lang,
            parent_id=payload.parent_id,
            named_consent=payload.named_consent,
            now=now,
            max_chars=settings.max_comment_chars,
            idempotency_key=key,
        )
    comment = posted.comment
    if posted.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    created = reads.comment_view(
        db,
        viewer,
        comment.id,
        space=view.space,
        moderator_ids=view.moderator_ids,
        ui_lang=lang,
        max_shown_depth=MAX_SHOWN_DEPTH,
    )
    return _comment_out(created, lang)


@router.get(
    "/search",
    responses={422: {"description": "Words that cannot be searched, or a date that is none."}},
    response_model=None,
)
def search_comments(
    request: Request,
    asked: SearchParamsDep,
    db: DbDep,
    viewer: ViewerDep,
    limiter: LimiterDep,
) -> SearchOut | JSONResponse:
    """The search of the search page: what the reader may see, 20 comments a page."""
    if not asked.asked:
        asked.errors.setdefault("q", empty_query_message())
    if asked.errors:
        return JSONResponse({"errors": asked.errors}, status_code=422)
    search.count_search(limiter, request.client, asked)
    lang = get_locale()
    results = search.search(db, viewer, asked, lang=lang)
    return SearchOut(
        total=results.total,
        more=results.more,
        page=asked.page,
        pages=results.pages,
        next_page=asked.page + 1 if asked.page < results.pages else None,
        hits=[
            SearchHitOut(
                comment_id=h.comment_id,
                url=url_for("comment", lang=lang, comment_id=h.comment_id, query={"v": h.lang}),
                space=h.space.space.slug,
                space_title=h.space.text.title,
                question_id=h.question.id if h.question else None,
                question_number=h.question.number if h.question else None,
                is_question=h.is_question,
                author=h.author_name,
                author_is_moderator=h.author_is_moderator,
                created_at=h.created_at,
                lang=h.lang,
                original_lang=h.original_lang,
                translated=h.translated,
                status=h.status,
                snippet=[SnippetPart(text=s.text, mark=s.mark) for s in h.snippet],
            )
            for h in results.hits
        ],
    )
