"""A consultation with every case a digest must handle, and the exports router."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from sqlalchemy.orm import Session

from app.exports.routes import router as exports_router
from app.models import Comment, CommentTag, CommentTranslation, Curation, Space, Tag, User
from app.models.comments import CommentStatus
from tests.factories import Factory

SECRET_HIDDEN = "Hidden words that must never leave the site"
SECRET_PENDING = "Pending words still waiting for review"


@pytest.fixture
def app(app: FastAPI) -> FastAPI:
    """The application, with the exports routes even before app/main.py includes them."""
    if not any(getattr(r, "name", None) == "digest" for r in app.routes):
        app.include_router(exports_router)
    return app


@dataclass
class World:
    space: Space
    moderator: User
    kate: User
    omar: User
    ana: User
    outsider: User
    other_moderator: User
    admin: User
    q1: Comment
    q2: Comment
    c1: Comment  # Kate, en, consents to be named, translated into French, tagged, "used"
    c2: Comment  # Omar, fr, reply to c1, no consent, "excluded"
    c3: Comment  # Ana, es, reply to q1
    mod_reply: Comment  # the moderator, reply to c2
    hidden: Comment
    pending: Comment
    orphan: Comment  # Kate, reply to the hidden comment
    post: Comment  # Kate's own top-level post, no consent
    post_reply: Comment  # Omar, reply to the post
    formula: Comment  # Ana, a body a spreadsheet would run


def _at(comment: Comment, day: int, hour: int = 9) -> Comment:
    comment.created_at = datetime(2022, 1, day, hour, tzinfo=UTC)
    return comment


def build_world(db: Session, factory: Factory) -> World:
    moderator = factory.user("Leila Haddad")
    kate = factory.user("Kate Barth")
    omar = factory.user("Omar Said", locale="fr")
    ana = factory.user("Ana Ruiz", locale="es")
    outsider = factory.user("Pat Outsider")
    other_moderator = factory.user("Other Moderator")
    admin = factory.user("Ada Admin", admin=True)
    space = factory.space(
        slug="pathways",
        titles={"en": "Labour mobility pathways", "fr": "Voies de mobilité"},
        moderators=(moderator,),
    )
    factory.space(slug="elsewhere", moderators=(other_moderator,))
    q1 = factory.question(
        space,
        moderator,
        "How can pathways be widened?",
        translations={"fr": "Comment élargir les voies ?", "es": "¿Cómo ampliar las vías?"},
    )
    q2 = factory.question(space, moderator, "What else should the note cover?")
    c1 = factory.comment(space, kate, "Skills partnerships work.\n\nSecond thought.", parent=q1)
    c1.named_consent = True
    factory.db.add(
        CommentTranslation(
            comment_id=c1.id,
            lang="fr",
            body_md="Les partenariats fonctionnent.",
            body_html="<p>Les partenariats fonctionnent.</p>",
        )
    )
    c2 = factory.comment(space, omar, "Je ne suis pas d'accord.", parent=c1, lang="fr")
    c3 = factory.comment(space, ana, "Las vías regulares importan.", parent=q1, lang="es")
    mod_reply = factory.comment(space, moderator, "Thank you both.", parent=c2)
    hidden = factory.comment(space, omar, SECRET_HIDDEN, parent=q1)
    pending = factory.comment(space, ana, SECRET_PENDING, parent=q1)
    orphan = factory.comment(space, kate, "Answering the removed comment.", parent=hidden)
    hidden.status = CommentStatus.HIDDEN
    pending.status = CommentStatus.PENDING
    post = factory.comment(space, kate, "My own question: what about visas?")
    post_reply = factory.comment(space, omar, "Les visas aussi.", parent=post, lang="fr")
    formula = factory.comment(space, ana, '=HYPERLINK("http://evil.example","x")', parent=q1)
    for comment, day in (
        (q1, 20),
        (q2, 20),
        (c1, 27),
        (c2, 28),
        (c3, 29),
        (mod_reply, 29),
        (hidden, 29),
        (pending, 30),
        (orphan, 30),
        (post, 30),
        (post_reply, 31),
        (formula, 31),
    ):
        _at(comment, day)
    skills = Tag(space_id=space.id, taxonomy="", code="skills", label="skills")
    gcm = Tag(space_id=space.id, taxonomy="gcm", code="18", label="Skills development")
    db.add_all([skills, gcm])
    db.flush()
    for tag in (skills, gcm):
        db.add(CommentTag(comment_id=c1.id, tag_id=tag.id, created_by_id=moderator.id))
    db.add(Curation(comment_id=c1.id, space_id=space.id, state="used", updated_by_id=moderator.id))
    db.add(
        Curation(comment_id=c2.id, space_id=space.id, state="excluded", updated_by_id=moderator.id)
    )
    db.flush()
    return World(
        space=space,
        moderator=moderator,
        kate=kate,
        omar=omar,
        ana=ana,
        outsider=outsider,
        other_moderator=other_moderator,
        admin=admin,
        q1=q1,
        q2=q2,
        c1=c1,
        c2=c2,
        c3=c3,
        mod_reply=mod_reply,
        hidden=hidden,
        pending=pending,
        orphan=orphan,
        post=post,
        post_reply=post_reply,
        formula=formula,
    )


@pytest.fixture
def world(db: Session, factory: Factory) -> World:
    return build_world(db, factory)
