"""Building test data through the same services the application uses."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.admin import service as admin
from app.comments import posting, threads
from app.markup import render_markdown
from app.models import Comment, Space, SpaceModerator, SpaceText, User
from app.policy import Person, Viewer

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


class Factory:
    def __init__(self, db: Session) -> None:
        self.db = db

    def user(
        self,
        name: str | None = None,
        *,
        admin: bool = False,
        locale: str = "en",
        verified: bool = True,
    ) -> User:
        n = next(_seq)
        user = accounts.register(
            self.db,
            display_name=name or f"Participant {n}",
            email=f"person{n}@example.org",
            password=PASSWORD,
            locale=locale,
        )
        user.is_admin = admin
        # Verified unless a test says otherwise: notifications go to verified addresses only.
        user.email_verified_at = datetime.now(UTC) if verified else None
        self.db.flush()
        return user

    def space(
        self,
        *,
        slug: str | None = None,
        titles: dict[str, str] | None = None,
        original_lang: str = "en",
        moderators: tuple[User, ...] = (),
        open_days: int = 30,
        closed: bool = False,
    ) -> Space:
        now = datetime.now(UTC)
        space = Space(
            slug=slug or f"space-{next(_seq)}",
            original_lang=original_lang,
            languages="en fr es",
            opens_at=now - timedelta(days=open_days),
            closes_at=now - timedelta(days=1) if closed else now + timedelta(days=30),
        )
        self.db.add(space)
        self.db.flush()
        for lang, title in (titles or {original_lang: "Consultation on labour mobility"}).items():
            intro = f"Intro in {lang}: please share your views."
            self.db.add(
                SpaceText(
                    space_id=space.id,
                    lang=lang,
                    title=title,
                    intro_md=intro,
                    intro_html=render_markdown(intro),
                )
            )
        for mod in moderators:
            self.db.add(SpaceModerator(space_id=space.id, user_id=mod.id))
        self.db.flush()
        return space

    def viewer(self, user: User) -> Viewer:
        moderated = frozenset(
            m.space_id for m in self.db.query(SpaceModerator).filter_by(user_id=user.id)
        )
        return Viewer(user=Person.of(user), moderated_space_ids=moderated)

    def comment(
        self,
        space: Space,
        author: User,
        body: str = "A considered view on the question.",
        *,
        parent: Comment | None = None,
        lang: str = "en",
    ) -> Comment:
        return posting.submit_comment(
            self.db,
            self.viewer(author),
            space,
            body=body,
            lang=lang,
            parent_id=parent.id if parent else None,
            now=datetime.now(UTC),
            max_chars=20_000,
        ).comment

    def question(
        self,
        space: Space,
        moderator: User,
        text: str,
        *,
        lang: str = "en",
        translations: dict[str, str] | None = None,
    ) -> Comment:
        return posting.ask_question(
            self.db,
            self.viewer(moderator),
            space,
            text=text,
            lang=lang,
            translations=translations,
            now=datetime.now(UTC),
            max_chars=20_000,
        )

    def bulk_thread(self, space: Space, authors: list[User], size: int) -> None:
        """`size` comments in one question's thread, nested up to depth 8, inserted quickly."""
        now = datetime.now(UTC)
        question = self.question(space, authors[0], "A question with a long thread?")
        parents = [question]
        for i in range(size):
            parent = parents[i % len(parents)] if i % 3 else question
            comment = Comment(
                space_id=space.id,
                author_id=authors[i % len(authors)].id,
                parent_id=parent.id,
                lang=("en", "fr", "es")[i % 3],
                body_md=f"Comment {i}",
                body_html=f"<p>Comment {i}</p>",
                created_at=now,
                path="",
            )
            self.db.add(comment)
            self.db.flush()
            comment.path = threads.child_path(parent.path, comment.id)
            comment.depth = threads.depth_of(comment.path)
            if comment.depth < 8:
                parents.append(comment)
        self.db.flush()


def change_settings(
    db: Session, viewer: Viewer, space: Space, now: datetime, **changes: str
) -> None:
    """Save a space's settings as its settings form would, changing only `changes`."""
    form = {
        "posting_policy": space.posting_policy,
        "attribution": space.attribution,
        "opens_on": space.opens_at.date().isoformat(),
        "closes_on": space.closes_at.date().isoformat() if space.closes_at else "",
        "max_shown_depth": str(space.max_shown_depth),
        "flag_threshold": str(space.flag_threshold),
        "note_word_target": str(space.note_word_target or ""),
    }
    settings = admin.SpaceSettings(**(form | changes), version=space.version)
    admin.update_settings(db, viewer, space, settings, now=now)


def sign_in(client: TestClient, user: User, lang: str = "en") -> None:
    response = client.post(
        f"/{lang}/sign-in", data={"email": user.email, "password": PASSWORD, "next": f"/{lang}/"}
    )
    assert response.status_code == 303, response.text
