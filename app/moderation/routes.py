"""Moderators' pages: the queue, one comment's tools, bans, the audit log and transparency."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import policy, ratelimit
from app.comments import service as comments
from app.db import discard_changes
from app.errors import Forbidden, FormErrors
from app.models import Comment
from app.models.moderation import FLAG_REASONS
from app.moderation import audit, queries, service
from app.moderation.audit import ACTIONS
from app.policy import Viewer
from app.spaces import service as spaces
from app.web.deps import DbDep, LangDep, LimiterDep, NowDep, RenderDep, ViewerDep
from app.web.htmx import redirect
from app.web.ids import RowId
from app.web.safety import safe_next

router = APIRouter()


def _moderated_space(
    db: Session, viewer: Viewer, slug: str, lang: str, now: datetime
) -> spaces.SpaceView:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    if not policy.can_moderate(viewer, space_view.space.id):
        raise Forbidden("moderate")
    return space_view


@router.api_route("/{lang}/comments/{comment_id}/report", methods=["GET", "POST"], name="report")
def report(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    limiter: LimiterDep,
    reason: Annotated[str, Form()] = "",
    details: Annotated[str, Form()] = "",
) -> Response:
    comment = comments.get_comment(db, viewer, comment_id)
    if not viewer.signed_in:
        raise Forbidden("sign-in")
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            limiter.check(ratelimit.FLAGS_PER_USER, str(viewer.user_id), db=db)
            service.flag(
                db, viewer, comment, space_view.space, reason=reason, details=details, now=now
            )
        except FormErrors as exc:
            discard_changes(db)
            errors = exc.errors
        else:
            return render(
                request, "moderation/reported.html", {"space_view": space_view, "comment": comment}
            )
    elif not policy.can_flag(viewer, comment):
        raise Forbidden("flag")
    view = spaces.comment_alone(db, viewer, comment.id, space_view, lang=lang)
    context = {
        "space_view": space_view,
        "c": view,
        "reasons": FLAG_REASONS,
        "form": {"reason": reason, "details": details},
        "errors": errors,
    }
    return render(request, "moderation/report.html", context, status_code=422 if errors else 200)


def _comment_tools(
    request: Request,
    render: RenderDep,
    db: Session,
    viewer: Viewer,
    comment: Comment,
    lang: str,
    now: datetime,
    *,
    form: dict[str, Any] | None = None,
    errors: dict[str, str] | None = None,
    done: str | None = None,
) -> Response:
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)
    if not policy.can_moderate(viewer, comment.space_id):
        raise Forbidden("moderate")
    view = spaces.comment_alone(db, viewer, comment.id, space_view, lang=lang)
    context = {
        "space_view": space_view,
        "c": view,
        "comment": comment,
        "flags": db.execute(queries.flags_for(comment.id)).all(),
        "questions": spaces.question_links(db, space_view.space.id, lang),
        "form": form or {},
        "errors": errors or {},
        "done": done if done in (*service.COMMENT_ACTIONS, "ban") else None,
        "can_ban_everywhere": policy.can_ban_everywhere(viewer),
    }
    return render(request, "moderation/comment.html", context, status_code=422 if errors else 200)


@router.get("/{lang}/comments/{comment_id}/moderate", name="moderate")
def moderate_page(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    done: str | None = None,
) -> Response:
    comment = comments.get_comment(db, viewer, comment_id)
    return _comment_tools(request, render, db, viewer, comment, lang, now, done=done)


@router.post("/{lang}/comments/{comment_id}/moderate")
def moderate(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    question_id: Annotated[RowId | None, Form()] = None,
) -> Response:
    comment = comments.get_comment(db, viewer, comment_id)
    try:
        service.decide(db, viewer, comment, service.Decision(action, reason, question_id), now)
    except FormErrors as exc:
        discard_changes(db)
        form = {
            "failed": "move" if action == "move" else "decide",
            "action": action,
            "reason": reason,
            "question_id": question_id,
        }
        return _comment_tools(
            request, render, db, viewer, comment, lang, now, form=form, errors=exc.errors
        )
    return redirect(request, f"/{lang}/comments/{comment.id}/moderate?done={action}")


@router.post("/{lang}/comments/{comment_id}/ban")
def ban_author(
    request: Request,
    lang: LangDep,
    comment_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    reason: Annotated[str, Form()] = "",
    ends_on: Annotated[str, Form()] = "",
    everywhere: Annotated[bool, Form()] = False,
) -> Response:
    comment = comments.get_comment(db, viewer, comment_id)
    try:
        ban = service.BanRequest(
            user_id=comment.author_id,
            space_id=None if everywhere else comment.space_id,
            reason=reason,
            ends_at=service.parse_day(ends_on, "ends_on"),
        )
        service.ban(db, viewer, ban, now=now)
    except FormErrors as exc:
        discard_changes(db)
        form = {"failed": "ban", "reason": reason, "ends_on": ends_on, "everywhere": everywhere}
        return _comment_tools(
            request, render, db, viewer, comment, lang, now, form=form, errors=exc.errors
        )
    return redirect(request, f"/{lang}/comments/{comment.id}/moderate?done=ban")


@router.post("/{lang}/bans/{ban_id}/lift")
def lift_ban(
    request: Request,
    lang: LangDep,
    ban_id: RowId,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    back: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:
    service.lift_ban(db, viewer, ban_id, reason=reason, now=now)
    return redirect(request, safe_next(back or f"/{lang}/moderation", lang))


@router.get("/{lang}/moderation", name="moderation_home")
def moderation_home(
    request: Request, lang: LangDep, db: DbDep, viewer: ViewerDep, now: NowDep, render: RenderDep
) -> Response:
    if not viewer.moderates_any:
        raise Forbidden("moderate")
    rows = [
        (s, db.execute(queries.counts(s.space.id)).one())
        for s in spaces.list_spaces(db, viewer, lang=lang, now=now)
        if policy.can_moderate(viewer, s.space.id)
    ]
    return render(request, "moderation/home.html", {"rows": rows})


def _queue(
    request: Request,
    render: RenderDep,
    db: Session,
    space_view: spaces.SpaceView,
    show: str,
    now: datetime,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    done: RowId | None = None,
) -> Response:
    space_id = space_view.space.id
    items = db.execute(queries.queue(space_id, show)).all()
    context = {
        "space_view": space_view,
        "show": show,
        "items": items,
        "flags": queries.open_flags_by_comment(db, [i.id for i in items]),
        "counts": db.execute(queries.counts(space_id)).one(),
        "bans": db.execute(queries.active_bans(space_id, now)).all(),
        "errors": errors or {},
        "form": form or {},
        "done": done,
    }
    return render(request, "moderation/queue.html", context, status_code=422 if errors else 200)


@router.get("/{lang}/spaces/{slug}/moderation", name="queue")
def queue_page(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    show: str = "pending",
    done: RowId | None = None,
) -> Response:
    space_view = _moderated_space(db, viewer, slug, lang, now)
    show = show if show in queries.QUEUE_FILTERS else "pending"
    return _queue(request, render, db, space_view, show, now, done=done)


@router.post("/{lang}/spaces/{slug}/moderation")
def queue_bulk(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
    ids: Annotated[list[RowId] | None, Form()] = None,
    show: Annotated[str, Form()] = "pending",
) -> Response:
    space_view = _moderated_space(db, viewer, slug, lang, now)
    show = show if show in queries.QUEUE_FILTERS else "pending"
    try:
        done = service.bulk(
            db, viewer, space_view.space, ids or [], action=action, reason=reason, now=now
        )
    except FormErrors as exc:
        discard_changes(db)
        form = {"action": action, "reason": reason, "ids": ids or []}
        return _queue(request, render, db, space_view, show, now, errors=exc.errors, form=form)
    return redirect(request, f"/{lang}/spaces/{slug}/moderation?show={show}&done={done}")


@router.get("/{lang}/spaces/{slug}/audit", name="space_audit")
def space_audit(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
    action: str = "",
) -> Response:
    space_view = _moderated_space(db, viewer, slug, lang, now)
    chosen = action if action in ACTIONS else ""
    events = audit.listing(db, space_view.space.id, action=chosen or None)
    context = {
        "space_view": space_view,
        "events": events,
        "action": chosen,
        "actions": ACTIONS,
        "show": "audit",
        "counts": db.execute(queries.counts(space_view.space.id)).one(),
    }
    return render(request, "moderation/audit.html", context)


@router.get("/{lang}/admin/audit", name="admin_audit")
def admin_audit(
    request: Request,
    lang: LangDep,
    db: DbDep,
    viewer: ViewerDep,
    render: RenderDep,
    action: str = "",
) -> Response:
    if not policy.can_read_audit(viewer, None):
        raise Forbidden("audit")
    chosen = action if action in ACTIONS else ""
    events = audit.listing(db, None, action=chosen or None)
    context = {"space_view": None, "events": events, "action": chosen, "actions": ACTIONS}
    return render(request, "moderation/audit.html", context)


@router.get("/{lang}/spaces/{slug}/transparency", name="transparency")
def transparency(
    request: Request,
    lang: LangDep,
    slug: str,
    db: DbDep,
    viewer: ViewerDep,
    now: NowDep,
    render: RenderDep,
) -> Response:
    space_view = spaces.load_space(db, viewer, slug, lang=lang, now=now)
    space_id = space_view.space.id
    context = {
        "space_view": space_view,
        "actions": db.execute(audit.counts(space_id)).all(),
        "flag_reasons": db.execute(queries.flag_reason_counts(space_id)).all(),
    }
    return render(request, "moderation/transparency.html", context)
