"""The themes board of a space, its near-duplicates, and moderators' decisions on them.

Every page works without JavaScript (forms, then a redirect back); under htmx a decision
answers with the part of the page it changed: a question's themes on the board, the
theme's comments on a theme's page, the progress line, the curation panel.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel

from app.comments import reads
from app.curation.note_templates import section_choices
from app.errors import FormErrors, NotFound
from app.i18n import gettext
from app.models.analysis import ThemeKind
from app.policy import Viewer
from app.spaces import service as spaces
from app.synthesis import service
from app.web.deps import DbDep, LangDep, NowDep, RenderDep, ViewerDep
from app.web.form_errors import redraw_if_refused
from app.web.htmx import is_htmx, redirect
from app.web.ids import RowId
from app.web.urls import url_for

router = APIRouter()

PRIVATE = {"Cache-Control": "private, no-store"}
EVERY = "every"  # the whole board, not one question's part


def _number(value: str | None) -> int | None:
    """`?question=N` as a number, or nothing (anything else is ignored)."""
    text = (value or "").strip()
    return int(text) if text.isdigit() and len(text) <= 6 else None


def _board(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: Viewer,
    space: spaces.SpaceView,
    lang: str,
    *,
    question: int | None = None,
    part: int | str | None = EVERY,  # one question's number: its part alone under htmx
    failed: tuple[int, str] | None = None,  # (theme, form) whose input was refused
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    whole = service.board(db, viewer, space.space, lang)
    chosen = question if question in whole.questions else None
    numbers = [chosen] if chosen is not None else whole.questions
    fragment = part != EVERY and is_htmx(request)
    if fragment:
        numbers = [part if isinstance(part, int) else None]
    shown = [t for t in whole.themes if t.question in numbers]
    apart = [t.id for t in shown if t.kind is ThemeKind.OTHER]
    context = {
        "space_view": space,
        "board": whole,
        "progress": whole.progress,
        "numbers": numbers,
        "question": chosen,
        "titles": {q.number: q for q in spaces.question_links(db, space.space.id, lang)},
        "apart": service.members_of(db, viewer, space.space, apart),
        "kept": service.kept_passages(db, [p for t in shown for p in t.passages]),
        "sections": section_choices(lang),
        "failed": failed,
        "form": form or {},
        "errors": errors or {},
    }
    status = 422 if errors else 200
    if fragment:
        context["number"] = numbers[0]
        return render(request, "synthesis/_question.html", context, status_code=status)
    return render(request, "synthesis/themes.html", context, status_code=status, headers=PRIVATE)


@router.get("/{lang}/spaces/{slug}/themes", name="themes")
def themes_page(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    question: str | None = None,
) -> Response:
    space = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    return _board(request, render, db, viewer, space, lang, question=_number(question))


@router.post("/{lang}/spaces/{slug}/themes/recompute", name="themes_recompute")
def recompute(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    question: Annotated[str, Form()] = "",
) -> Response:
    space = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    service.ask_recompute(db, viewer, space.space)
    number = _number(question)
    if is_htmx(request):
        progress = service.progress(db, viewer, space.space)
        context = {"space_view": space, "progress": progress, "question": number}
        return render(request, "synthesis/_progress.html", context)
    query = {"question": str(number)} if number is not None else None
    return redirect(request, url_for("themes", lang=lang, slug=slug, query=query))


@router.get("/{lang}/spaces/{slug}/near-duplicates", name="near_duplicates")
def near_duplicates_page(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    space = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    context = {"space_view": space, "groups": service.near_duplicates(db, viewer, space.space)}
    return render(request, "synthesis/near_duplicates.html", context, headers=PRIVATE)


# --- one theme ---------------------------------------------------------------------------


def _theme(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: Viewer,
    theme_id: int,
    lang: str,
    now: datetime,
    *,
    failed: str = "",
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    made: int | None = None,
) -> Response:
    page = service.theme_page(db, viewer, theme_id, lang)
    context = {
        "space_view": spaces.space_view(db, viewer, page.space, lang=lang, now=now),
        "page": page,
        "titles": {q.number: q for q in spaces.question_links(db, page.space.id, lang)},
        "failed": failed,
        "made": made,
        "form": form or {},
        "errors": errors or {},
    }
    status = 422 if errors else 200
    if is_htmx(request):
        return render(request, "synthesis/_theme_detail.html", context, status_code=status)
    return render(request, "synthesis/theme.html", context, status_code=status, headers=PRIVATE)


@router.get("/{lang}/themes/{theme_id}", name="theme")
def theme_page(
    request: Request,
    lang: LangDep,
    theme_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    return _theme(request, render, db, viewer, theme_id, lang, now)


class ThemeForm(BaseModel):
    """Every decision on a theme, as its form sends it (each reads the fields it needs)."""

    question: str = ""  # the board's filter, kept on the way back
    back: str = ""  # "theme": sent from the theme's own page
    name: str = ""
    into: RowId | None = None
    ids: list[RowId] = []
    comment_id: RowId | None = None
    theme: RowId | None = None  # where a comment is moved to
    passage: int | None = None
    section: str = ""


Decision = Callable[[], Any]


def _decide(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: Viewer,
    theme_id: int,
    lang: str,
    now: datetime,
    data: ThemeForm,
    action: str,
    decision: Decision,
) -> Response:
    """Make one decision on a theme; answer with what it changed, or with the form again,
    its errors beside the fields and what was typed kept."""
    theme = service.theme_of(db, viewer, theme_id)
    space = spaces.space_of(db, viewer, theme.space_id, lang=lang, now=now)
    number, question = theme.question_number, _number(data.question)
    form = data.model_dump()
    on_theme = data.back == "theme"

    def again(refusal: FormErrors) -> Response:
        if on_theme:
            return _theme(
                request,
                render,
                db,
                viewer,
                theme_id,
                lang,
                now,
                failed=action,
                form=form,
                errors=refusal.errors,
            )
        return _board(
            request,
            render,
            db,
            viewer,
            space,
            lang,
            question=question,
            part=number,
            failed=(theme_id, action),
            form=form,
            errors=refusal.errors,
        )

    with redraw_if_refused(again):
        result = decision()
    if on_theme:
        if is_htmx(request) and action != "merge":
            made = result.id if action == "split" else None
            return _theme(request, render, db, viewer, theme_id, lang, now, made=made)
        target = result.id if action == "merge" else theme_id
        return redirect(request, url_for("theme", lang=lang, theme_id=target))
    if is_htmx(request):
        return _board(request, render, db, viewer, space, lang, question=question, part=number)
    anchor = result.id if action == "merge" else theme_id
    query = {"question": str(question)} if question is not None else None
    url = url_for("themes", lang=lang, slug=space.space.slug, query=query)
    return redirect(request, f"{url}#theme-{anchor}")


ThemeData = Annotated[ThemeForm, Form()]


@router.post("/{lang}/themes/{theme_id}/rename", name="theme_rename")
def rename(
    request: Request,
    lang: LangDep,
    theme_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: ThemeData,
) -> Response:
    return _decide(
        request,
        render,
        db,
        viewer,
        theme_id,
        lang,
        now,
        data,
        "rename",
        lambda: service.rename(db, viewer, theme_id, data.name),
    )


@router.post("/{lang}/themes/{theme_id}/merge", name="theme_merge")
def merge(
    request: Request,
    lang: LangDep,
    theme_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: ThemeData,
) -> Response:
    return _decide(
        request,
        render,
        db,
        viewer,
        theme_id,
        lang,
        now,
        data,
        "merge",
        lambda: service.merge(db, viewer, theme_id, data.into),
    )


@router.post("/{lang}/themes/{theme_id}/split", name="theme_split")
def split(
    request: Request,
    lang: LangDep,
    theme_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: ThemeData,
) -> Response:
    return _decide(
        request,
        render,
        db,
        viewer,
        theme_id,
        lang,
        now,
        data,
        "split",
        lambda: service.split(db, viewer, theme_id, data.ids, data.name),
    )


@router.post("/{lang}/themes/{theme_id}/move", name="theme_move")
def move(
    request: Request,
    lang: LangDep,
    theme_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: ThemeData,
) -> Response:
    def decision() -> Any:
        if data.comment_id is None:
            raise FormErrors({"theme": gettext("Choose a theme.")})
        comment = reads.get_comment(db, viewer, data.comment_id)
        return service.move(db, viewer, comment, data.theme)

    return _decide(
        request, render, db, viewer, theme_id, lang, now, data, f"move-{data.comment_id}", decision
    )


@router.post("/{lang}/themes/{theme_id}/keep", name="passage_keep")
def keep(
    request: Request,
    lang: LangDep,
    theme_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: ThemeData,
) -> Response:
    return _decide(
        request,
        render,
        db,
        viewer,
        theme_id,
        lang,
        now,
        data,
        f"passage-{data.passage}",
        lambda: service.keep_passage(db, viewer, theme_id, _index(data.passage), now),
    )


@router.post("/{lang}/themes/{theme_id}/assign", name="passage_assign")
def assign(
    request: Request,
    lang: LangDep,
    theme_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: ThemeData,
) -> Response:
    return _decide(
        request,
        render,
        db,
        viewer,
        theme_id,
        lang,
        now,
        data,
        f"passage-{data.passage}",
        lambda: service.assign_passage(
            db, viewer, theme_id, _index(data.passage), data.section, now
        ),
    )


def _index(passage: int | None) -> int:
    return passage if passage is not None and passage >= 0 else -1


# --- suggested objectives, on a comment's curation panel -----------------------------------


@router.post("/{lang}/comments/{comment_id}/suggestions", name="suggestion_decide")
def decide_suggestion(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    op: Annotated[str, Form()] = "",
    code: Annotated[RowId | None, Form()] = None,
) -> Response:
    comment = reads.get_comment(db, viewer, comment_id)
    decide = {"accept": service.accept, "dismiss": service.dismiss}.get(op)
    if decide is None or code is None:
        service.require_moderator(viewer, comment.space_id)
        raise NotFound
    decide(db, viewer, comment, code, now)
    panel = url_for("curate", lang=lang, comment_id=comment_id)
    if is_htmx(request):
        # Followed by htmx with its headers: the curation panel, drawn by its own route.
        return RedirectResponse(panel, status_code=303)
    return redirect(request, panel)
