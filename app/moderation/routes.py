"""Moderators' pages: the queue, one comment's tools, bans, the audit log and transparency."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response
from sqlalchemy.orm import Session

from app import policy, ratelimit
from app.comments.reads import get_comment
from app.errors import Forbidden
from app.models import Comment
from app.models.base import state_or_none
from app.models.moderation import FlagReason, ModerationAction
from app.moderation import audit, bans, decisions, flags, reads
from app.moderation.decisions import DecisionAction
from app.moderation.pages import QueueContext
from app.moderation.queries import QueueFilter
from app.policy import Viewer
from app.spaces import service as spaces
from app.web.deps import DbDep, LangDep, LimiterDep, NowDep, RenderDep, ViewerDep
from app.web.form_errors import redraw_if_refused, status_of
from app.web.htmx import redirect
from app.web.ids import RowId
from app.web.safety import safe_next
from app.web.urls import url_for

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
    comment = get_comment(db, viewer, comment_id)
    if not viewer.signed_in:
        raise Forbidden("sign-in")
    space_view = spaces.space_of(db, viewer, comment.space_id, lang=lang, now=now)

    def form_page(errors: dict[str, str], status: int = 200) -> Response:
        context = {
            "space_view": space_view,
            "c": spaces.comment_alone(db, viewer, comment.id, space_view, lang=lang),
            "reasons": list(FlagReason),
            "form": {"reason": reason, "details": details},
            "errors": errors,
        }
        return render(request, "moderation/report.html", context, status_code=status)

    if request.method != "POST":
        if not policy.can_flag(viewer, comment):
            raise Forbidden("flag")
        return form_page({})
    with redraw_if_refused(lambda refusal: form_page(refusal.errors, status_of(refusal))):
        limiter.check(ratelimit.FLAGS_PER_USER, str(viewer.user_id), db=db)
        flags.flag(db, viewer, comment, space_view.space, reason=reason, details=details, now=now)
    return render(
        request, "moderation/reported.html", {"space_view": space_view, "comment": comment}
    )


def _done(action: str | None) -> ModerationAction | None:
    """What a decision (or a suspension) that redirected here did, as the audit log names it."""
    if action == DecisionAction.DISMISS:
        return ModerationAction.DISMISS_FLAGS
    if action == ModerationAction.BAN or state_or_none(DecisionAction, action):
        return state_or_none(ModerationAction, action)
    return None


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
        "flags": reads.reports_on(db, comment.id),
        "questions": spaces.question_links(db, space_view.space.id, lang),
        "form": form or {},
        "errors": errors or {},
        "done": _done(done),
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
    comment = get_comment(db, viewer, comment_id)
    return _comment_tools(request, render, db, viewer, comment, lang, now, done=done)


@router.post("/{lang}/comments/{comment_id}/moderate", name="moderate_decide")
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
    comment = get_comment(db, viewer, comment_id)
    form = {
        "failed": "move" if action == DecisionAction.MOVE else "decide",
        "action": action,
        "reason": reason,
        "question_id": question_id,
    }
    with redraw_if_refused(
        lambda refusal: _comment_tools(
            request, render, db, viewer, comment, lang, now, form=form, errors=refusal.errors
        )
    ):
        decisions.decide(db, viewer, comment, decisions.Decision(action, reason, question_id), now)
    return redirect(
        request, url_for("moderate", lang=lang, comment_id=comment.id, query={"done": action})
    )


@router.post("/{lang}/comments/{comment_id}/ban", name="ban_author")
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
    comment = get_comment(db, viewer, comment_id)
    form = {"failed": "ban", "reason": reason, "ends_on": ends_on, "everywhere": everywhere}
    with redraw_if_refused(
        lambda refusal: _comment_tools(
            request, render, db, viewer, comment, lang, now, form=form, errors=refusal.errors
        )
    ):
        ban = bans.BanRequest(
            user_id=comment.author_id,
            space_id=None if everywhere else comment.space_id,
            reason=reason,
            ends_at=bans.parse_day(ends_on, "ends_on"),
        )
        bans.ban(db, viewer, ban, now=now)
    return redirect(
        request, url_for("moderate", lang=lang, comment_id=comment.id, query={"done": "ban"})
    )


@router.post("/{lang}/bans/{ban_id}/lift", name="lift_ban")
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
    bans.lift_ban(db, viewer, ban_id, reason=reason, now=now)
    return redirect(request, safe_next(back or url_for("moderation_home", lang=lang), lang))


@router.get("/{lang}/moderation", name="moderation_home")
def moderation_home(
    request: Request, lang: LangDep, db: DbDep, viewer: ViewerDep, now: NowDep, render: RenderDep
) -> Response:
    if not viewer.moderates_any:
        raise Forbidden("moderate")
    moderated = [
        s
        for s in spaces.list_spaces(db, viewer, lang=lang, now=now)
        if policy.can_moderate(viewer, s.space.id)
    ]
    waiting = reads.waiting_by_space(db, [s.space.id for s in moderated])
    rows = [(s, waiting.get(s.space.id, reads.Waiting())) for s in moderated]
    return render(request, "moderation/home.html", {"rows": rows})


def _queue(
    request: Request,
    render: RenderDep,
    db: Session,
    space_view: spaces.SpaceView,
    show: QueueFilter,
    now: datetime,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    done: RowId | None = None,
) -> Response:
    queue = reads.queue(db, space_view.space.id, show, now)
    context = QueueContext(
        space_view=space_view,
        show=show,
        items=queue.items,
        flags=queue.flags,
        counts=queue.counts,
        bans=queue.bans,
        repeats=queue.repeats,
        errors=errors or {},
        form=form or {},
        done=done,
    )
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
    show: str = QueueFilter.PENDING,
    done: RowId | None = None,
) -> Response:
    space_view = _moderated_space(db, viewer, slug, lang, now)
    chosen = state_or_none(QueueFilter, show) or QueueFilter.PENDING
    return _queue(request, render, db, space_view, chosen, now, done=done)


@router.post("/{lang}/spaces/{slug}/moderation", name="queue_bulk")
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
    show: Annotated[str, Form()] = QueueFilter.PENDING,
) -> Response:
    space_view = _moderated_space(db, viewer, slug, lang, now)
    chosen = state_or_none(QueueFilter, show) or QueueFilter.PENDING
    form = {"action": action, "reason": reason, "ids": ids or []}
    with redraw_if_refused(
        lambda refusal: _queue(
            request, render, db, space_view, chosen, now, errors=refusal.errors, form=form
        )
    ):
        done = decisions.bulk(
            db, viewer, space_view.space, ids or [], action=action, reason=reason, now=now
        )
    return redirect(
        request, url_for("queue", lang=lang, slug=slug, query={"show": chosen, "done": done})
    )


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
    chosen = state_or_none(ModerationAction, action)
    events = audit.listing(db, space_view.space.id, action=chosen)
    context = {
        "space_view": space_view,
        "events": events,
        "action": chosen or "",
        "actions": list(ModerationAction),
        "show": "space_audit",  # the moderation tab of this page's route
        "counts": reads.waiting_in(db, space_view.space.id),
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
    chosen = state_or_none(ModerationAction, action)
    events = audit.listing(db, None, action=chosen)
    context = {
        "space_view": None,
        "events": events,
        "action": chosen or "",
        "actions": list(ModerationAction),
    }
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
    figures = reads.transparency(db, space_view.space.id)
    context = {
        "space_view": space_view,
        "actions": figures.actions,
        "flag_reasons": figures.flag_reasons,
    }
    return render(request, "moderation/transparency.html", context)
