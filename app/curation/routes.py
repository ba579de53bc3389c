"""The curation panel of a comment: a page without JavaScript, a fragment under htmx."""

from __future__ import annotations

from datetime import datetime
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from pydantic import BaseModel, BeforeValidator

from app import policy
from app.comments import reads
from app.curation import gcm, service
from app.curation.note_templates import section_choices
from app.errors import Forbidden
from app.models.base import state_or_none
from app.models.curation import EditorialState
from app.spaces import service as spaces
from app.web.deps import DbDep, LangDep, NowDep, RenderDep, ViewerDep
from app.web.form_errors import redraw_if_refused
from app.web.htmx import is_htmx, redirect
from app.web.ids import RowId
from app.web.urls import url_for

router = APIRouter()


class ActionForm(BaseModel):
    op: str = ""
    label: str = ""
    objective: str = ""
    tag_id: RowId | None = None
    # A state the form does not offer reads as none: the service answers with its error.
    state: Annotated[
        EditorialState | None, BeforeValidator(partial(state_or_none, EditorialState))
    ] = None
    reason: str = ""
    lang: str = ""
    passage: str = ""
    start: int | None = None
    excerpt_id: RowId | None = None
    section: str = ""
    assignment_id: RowId | None = None


def _panel(
    request: Request,
    render: RenderDep,
    db: DbDep,
    viewer: ViewerDep,
    comment_id: RowId,
    lang: str,
    now: datetime,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
) -> Response:
    comment = reads.get_comment(db, viewer, comment_id)
    if not policy.can_moderate(viewer, comment.space_id):
        raise Forbidden("curate")
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
    context = {
        "space_view": space_view,
        "comment": comment,
        "c": spaces.comment_alone(db, viewer, comment.id, space_view, lang=lang),
        "panel": service.panel(db, viewer, comment),
        "objective_suggestions": service.suggested_objectives(db, viewer, [comment.id], lang).get(
            comment.id, []
        ),
        "objectives": [(n, gcm.label(n, lang)) for n in gcm.OBJECTIVES],
        "gcm_label": gcm.label,
        "sections": section_choices(lang),
        "form": form or {},
        "errors": errors or {},
    }
    template = "curation/_panel.html" if is_htmx(request) else "curation/page.html"
    return render(request, template, context, status_code=422 if errors else 200)


@router.get("/{lang}/comments/{comment_id}/curate", name="curate")
def curate_page(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    return _panel(request, render, db, viewer, comment_id, lang, now)


@router.post("/{lang}/comments/{comment_id}/curate", name="curate_save")
def curate(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    data: Annotated[ActionForm, Form()],
) -> Response:
    comment = reads.get_comment(db, viewer, comment_id)
    form = data.model_dump()
    with redraw_if_refused(
        lambda refusal: _panel(
            request, render, db, viewer, comment_id, lang, now, form=form, errors=refusal.errors
        )
    ):
        service.apply(db, viewer, comment, service.Action(**form), now)
    if is_htmx(request):
        return _panel(request, render, db, viewer, comment_id, lang, now)
    return redirect(request, url_for("curate", lang=lang, comment_id=comment_id))
