"""Loading the demo consultations into a database (idempotent: skips existing spaces)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import names, passwords
from app.comments import threads
from app.demo.content import SPACES, USERS, DemoComment, DemoSpace, validate
from app.markup import render_markdown
from app.models import Comment, CommentTranslation, Space, SpaceModerator, SpaceText, User
from app.models.comments import CommentKind

DEMO_PASSWORD = "roundtable-demo-2026"  # noqa: S105 - public by design, README documents it


def _users(db: Session, now: datetime) -> dict[str, User]:
    by_key: dict[str, User] = {}
    password_hash = passwords.hash_password(DEMO_PASSWORD)
    for demo in USERS:
        user = db.scalar(select(User).where(User.email == demo.email))
        if user is None:
            user = User(
                email=demo.email,
                display_name=demo.display_name,
                display_name_key=names.display_name_key(demo.display_name),
                password_hash=password_hash,
                locale=demo.locale,
                is_admin=demo.admin,
                email_verified_at=now,  # demo people get notifications like verified ones
            )
            db.add(user)
        by_key[demo.key] = user
    db.flush()
    return by_key


def _add_comment(
    db: Session,
    space: Space,
    users: dict[str, User],
    demo: DemoComment,
    parent: Comment,
    now: datetime,
) -> None:
    comment = Comment(
        space_id=space.id,
        author_id=users[demo.author].id,
        parent_id=parent.id,
        kind=CommentKind.COMMENT,
        lang=demo.lang,
        body_md=demo.body,
        body_html=render_markdown(demo.body),
        created_at=now - timedelta(days=demo.days_ago),
        path="",
    )
    db.add(comment)
    db.flush()
    comment.path = threads.child_path(parent.path, comment.id)
    comment.depth = threads.depth_of(comment.path)
    _add_translations(db, comment, demo.translations)
    for reply in demo.replies:
        _add_comment(db, space, users, reply, comment, now)


def _add_translations(db: Session, comment: Comment, texts: dict[str, str]) -> None:
    for lang, body in texts.items():
        db.add(
            CommentTranslation(
                comment_id=comment.id,
                lang=lang,
                body_md=body,
                body_html=render_markdown(body),
                created_at=comment.created_at,
            )
        )


def _add_root(
    db: Session,
    space: Space,
    users: dict[str, User],
    *,
    author: str,
    lang: str,
    body: str,
    days_ago: float,
    now: datetime,
    number: int | None,
) -> Comment:
    root = Comment(
        space_id=space.id,
        author_id=users[author].id,
        kind=CommentKind.QUESTION if number is not None else CommentKind.COMMENT,
        number=number,
        lang=lang,
        body_md=body,
        body_html=render_markdown(body),
        created_at=now - timedelta(days=days_ago),
        path="",
        depth=0,
    )
    db.add(root)
    db.flush()
    root.path = threads.root_path(is_question=number is not None, number=number, comment_id=root.id)
    return root


def _space(db: Session, demo: DemoSpace, users: dict[str, User], now: datetime) -> Space:
    space = Space(
        slug=demo.slug,
        original_lang=demo.original_lang,
        languages="en fr es",
        opens_at=now - timedelta(days=demo.opened_days_ago),
        closes_at=now + timedelta(days=demo.closes_in_days),
        created_at=now - timedelta(days=demo.opened_days_ago),
    )
    db.add(space)
    db.flush()
    for lang, title in demo.title.items():
        intro = demo.intro.get(lang, "")
        db.add(
            SpaceText(
                space_id=space.id,
                lang=lang,
                title=title,
                intro_md=intro,
                intro_html=render_markdown(intro),
            )
        )
    for key in demo.moderators:
        db.add(SpaceModerator(space_id=space.id, user_id=users[key].id))
    for question in demo.questions:
        root = _add_root(
            db,
            space,
            users,
            author=question.author,
            lang=question.original_lang,
            body=question.text[question.original_lang],
            days_ago=question.days_ago,
            now=now,
            number=question.number,
        )
        _add_translations(
            db, root, {k: v for k, v in question.text.items() if k != question.original_lang}
        )
        for reply in question.replies:
            _add_comment(db, space, users, reply, root, now)
    for post in demo.posts:
        root = _add_root(
            db,
            space,
            users,
            author=post.author,
            lang=post.lang,
            body=post.body,
            days_ago=post.days_ago,
            now=now,
            number=None,
        )
        _add_translations(db, root, post.translations)
        for reply in post.replies:
            _add_comment(db, space, users, reply, root, now)
    return space


def load_demo(db: Session, *, now: datetime) -> list[str]:
    """Create the demo spaces that do not exist yet; returns the slugs created."""
    validate()
    existing = set(db.scalars(select(Space.slug)))
    users = _users(db, now)
    created = []
    for demo in SPACES:
        if demo.slug not in existing:
            _space(db, demo, users, now)
            created.append(demo.slug)
    db.flush()
    return created
