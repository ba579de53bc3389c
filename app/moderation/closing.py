"""Closing a space early, before its closing date."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from app import policy
from app.db import claim_version
from app.errors import FormErrors
from app.i18n import gettext
from app.models import Space
from app.models.moderation import AuditTarget, ModerationAction
from app.moderation import audit
from app.moderation.changes import clean_reason, require_moderator
from app.policy import Viewer


def close_space(db: Session, viewer: Viewer, space: Space, *, reason: str, now: datetime) -> None:
    require_moderator(viewer, space.id)
    text = clean_reason(reason, required=False)
    # Closing changes the settings (the closing date): it takes the settings' version, so
    # a settings form opened before cannot put the old date back, and two closings at once
    # close (and are audited) once.
    for _attempt in range(5):
        # A closing that won a moment ago may carry a later `now` than this request's.
        closed = space.closed_early_at is not None and space.closes_at == space.closed_early_at
        if closed or not policy.space_is_open(space, now):
            raise FormErrors({"reason": gettext("This space is not open.")})
        if claim_version(db, space, space.version):
            break
        db.refresh(space)
    else:
        raise FormErrors({"reason": gettext("This space is not open.")})
    space.closes_at = now
    # Kept on the space so its page can say why, without reading the audit log.
    space.closed_early_at = now
    space.closed_early_reason = text
    audit.record(
        db,
        viewer,
        ModerationAction.CLOSE_SPACE,
        target_type=AuditTarget.SPACE,
        target_id=space.id,
        space_id=space.id,
        reason=text,
        now=now,
    )
    db.flush()
