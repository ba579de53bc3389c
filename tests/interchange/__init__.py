"""Helpers shared by the interchange tests: a space with every feature, and documents."""

from __future__ import annotations

import copy
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

from app.attachments import storage
from app.attachments.validation import sniff_document
from app.comments import editing
from app.interchange import FORMAT, VERSION
from app.models import Attachment, Comment, CommentTag, Space, Tag, User
from app.models.spaces import AttributionRule, PostingPolicy
from app.moderation import decisions, thread_tools
from tests.factories import Factory


@dataclass
class RichSpace:
    space: Space
    moderator: User
    participants: list[User]
    pinned_question: Comment
    deepest: Comment


def build_rich_space(db: Session, factory: Factory, slug: str = "source") -> RichSpace:
    """Questions (one pinned, one translated), replies 3 deep, a root post with a locked
    thread, an edited comment with an edited translation, hidden, pending and rejected
    comments, free and GCM tags, consent to be named."""
    mona = factory.user("Moderator Mona")
    pia = factory.user("Participant Pia")
    renee = factory.user("Renée Répond", locale="fr")
    space = factory.space(
        slug=slug,
        titles={"en": "Labour mobility", "fr": "Mobilité de la main-d'œuvre"},
        moderators=(mona,),
    )
    space.attribution = AttributionRule.CONSENT
    space.max_shown_depth = 4
    space.flag_threshold = 5
    space.note_word_target = 1500
    mod, as_pia = factory.viewer(mona), factory.viewer(pia)
    now = datetime.now(UTC)

    q1 = factory.question(
        space, mona, "What works **well**?", translations={"fr": "Qu'est-ce qui marche ?"}
    )
    q2 = factory.question(space, mona, "What should change?")
    thread_tools.set_pinned(db, mod, q2, pinned=True, now=now)

    first = factory.comment(space, pia, "Recognition of skills takes *months*.", parent=q1)
    second = factory.comment(space, renee, "Chez nous aussi.", parent=first, lang="fr")
    third = factory.comment(space, pia, "Which office handles it?", parent=second)
    editing.save_translation(
        db, as_pia, first, space, lang="es", body="El reconocimiento tarda.", now=now, max_chars=99
    )
    later = now + timedelta(minutes=5)
    editing.edit_comment(
        db,
        as_pia,
        first,
        space,
        body="Recognition of skills takes *many months*.",
        lang="en",
        now=later,
        max_chars=999,
    )
    editing.save_translation(
        db,
        as_pia,
        first,
        space,
        lang="es",
        body="El reconocimiento tarda meses.",
        now=later,
        max_chars=999,
    )
    first.named_consent = True

    post = factory.comment(space, renee, "Un autre sujet : les visas.", lang="fr")
    factory.comment(space, pia, "Visas matter.", parent=post)
    thread_tools.set_locked(db, mod, post, locked=True, reason="", now=now)
    hidden = factory.comment(space, pia, "Off-topic advertising.", parent=q2)
    decisions.hide(db, mod, hidden, reason="Advertising", now=now)

    space.posting_policy = PostingPolicy.PRE_MODERATION
    pending = factory.comment(space, renee, "Waiting for approval.", parent=q2)
    refused = factory.comment(space, pia, "Refused words.", parent=q2)
    decisions.reject(db, mod, refused, reason="Insults", now=now)
    assert pending.status == "pending"

    housing = Tag(space_id=space.id, taxonomy="", code="housing", label="Housing")
    objective = Tag(space_id=space.id, taxonomy="gcm", code="17", label="Eliminate discrimination")
    unused = Tag(space_id=space.id, taxonomy="", code="unused", label="Unused")
    db.add_all([housing, objective, unused])
    db.flush()
    for comment, tag in ((first, housing), (first, objective), (third, objective)):
        db.add(CommentTag(comment_id=comment.id, tag_id=tag.id, created_by_id=mona.id))
    db.flush()
    return RichSpace(space, mona, [pia, renee], q2, third)


def add_paper(
    db: Session, comment: Comment, data: bytes, filename: str, upload_dir: Path
) -> Attachment:
    """A position paper on a comment, stored as an upload is (its author attached it)."""
    stored_name = storage.new_name()
    storage.write(upload_dir, stored_name, data)
    attachment = Attachment(
        comment_id=comment.id,
        uploader_id=comment.author_id,
        stored_name=stored_name,
        filename=filename,
        content_type=sniff_document(data).content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        created_at=datetime(2026, 3, 2, 9, 0, tzinfo=UTC),
    )
    db.add(attachment)
    db.flush()
    return attachment


def normalised(document: dict[str, Any]) -> dict[str, Any]:
    """The document without what differs between two exports of equal spaces: the
    address, the export time and the comments' file-local references (replaced by
    positions, so the threading itself is still compared)."""
    doc = copy.deepcopy(document)
    doc["exported_at"] = None
    doc["space"]["slug"] = None
    position = {c["ref"]: i for i, c in enumerate(doc["comments"])}
    for c in doc["comments"]:
        c["ref"] = position[c["ref"]]
        c["parent"] = position[c["parent"]] if c["parent"] is not None else None
    return doc


def minimal_document(**space: Any) -> dict[str, Any]:
    """A small valid document written by hand (optional fields left out)."""
    return {
        "format": FORMAT,
        "version": VERSION,
        "exported_at": "2026-03-01T09:30:00+00:00",
        "space": {
            "slug": "hand-made",
            "original_lang": "en",
            "languages": ["en", "fr"],
            "opens_at": "2026-03-01T00:00:00Z",
            "texts": {"en": {"title": "Hand made"}},
            **space,
        },
        "tags": [{"taxonomy": "", "code": "jobs", "label": "Jobs"}],
        "comments": [
            {
                "ref": "q",
                "parent": None,
                "kind": "question",
                "number": 1,
                "author": "Host Person",
                "lang": "en",
                "body_md": "A question?",
                "created_at": "2026-03-01T10:00:00+00:00",
                "status": "published",
            },
            {
                "ref": "a",
                "parent": "q",
                "kind": "comment",
                "author": "Guest Person",
                "lang": "fr",
                "body_md": "Une réponse.",
                "created_at": "2026-03-01T11:00:00+01:00",
                "status": "published",
                "tags": [0],
            },
        ],
    }
