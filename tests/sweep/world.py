"""The planted world of the visibility sweep: items some readers must never see, each
carrying a secret string of its own in every text field it has.

Everything is planted through the services the routes call, in the order real use would
take (a comment is published, translated, edited, excerpted and cited, then hidden), so
each secret sits wherever the application itself copies text. The two exceptions (a
question waiting for review, a comment deleted outright: no flow makes either today)
are marked where they are made.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.accounts import service as accounts
from app.admin import service as admin
from app.attachments import service as attachments
from app.comments import editing, posting
from app.curation import service as curation
from app.curation.note_templates import section_choices
from app.drafts import service as drafts
from app.drafts.syntax import Content
from app.models import (
    Comment,
    NearDuplicate,
    ObjectiveSuggestion,
    OutboxMessage,
    Space,
    SpaceModerator,
    Theme,
    ThemeMember,
    User,
)
from app.models.analysis import OWN_TEXT, ThemeKind
from app.models.comments import CommentStatus
from app.models.spaces import AttributionRule, PostingPolicy
from app.moderation import bans, decisions, flags
from app.notifications import subscriptions
from app.policy import Person, Viewer
from tests.documents import PDF
from tests.factories import change_settings

# The readers the sweep speaks for. None of them may see any secret.
ROLES = ("anonymous", "participant", "author", "banned", "moderator_elsewhere")

# One secret per kind of item. Letters only, so no escaping, encoding or Markdown changes
# how one reads; each begins its field, so a truncated excerpt or first line still has it.
KINDS = (
    "hidden-question",
    "hidden-question-translation-fr",
    "hidden-question-translation-es",
    "pending-question",
    "hidden-comment",
    "hidden-comment-revision",
    "hidden-comment-translation",
    "hidden-comment-excerpt",
    "hidden-comment-attachment-filename",
    "hidden-reply",
    "pending-comment",
    "pending-reply",
    "rejected-comment",
    "rejected-reply",
    "deleted-comment",
    "draft-title",
    "draft-text",
    "flag-details",
    "chatham-house-name",
)


def secret_of(kind: str) -> str:
    return "zqx" + "".join(ch for ch in kind if ch.isalpha()) + "qzx"


SECRETS: dict[str, str] = {kind: secret_of(kind) for kind in KINDS}
_ACCENTED = str.maketrans("aeiou", "áéíóú")


def findable(secret: str) -> str:
    """The secret as a search would find it (accents do not count), but with its first
    vowel accented: a page repeating what was typed does not hold the secret itself."""
    at = next(i for i, ch in enumerate(secret) if ch in "aeiou")
    return secret[:at] + secret[at].translate(_ACCENTED) + secret[at + 1 :]


_seq = itertools.count(1)


@dataclass(frozen=True)
class Account:
    """A planted account as plain values, usable after the planting session has closed."""

    id: int
    email: str


@dataclass
class SweepWorld:
    """What was planted: the values the sweep fills route parameters with."""

    users: dict[
        str, Account
    ]  # by role (no "anonymous"), plus "admin", "moderator", "secret_author"
    slugs: list[str]  # the main space first
    comment_ids: list[int]  # a public question first (the anchor), then everything else
    secret_comment_ids: list[int]
    question_ids: list[int]
    root_paths: list[str]
    attachment_ids: list[int]
    draft_ids: list[int]
    ban_ids: list[int]
    theme_ids: list[int]  # the main space's theme first
    unsubscribe_tokens: dict[str, str]  # by role
    space_ids: dict[str, int] = field(default_factory=dict)  # "main", "other", "chatham"
    ids: dict[str, int] = field(default_factory=dict)  # named items, for the e-mail test
    # By role: the path values ("comment_id=7", "slug=…") of what the reader wrote, or
    # moderates, or is banned from: the sweep never leaves those pages to another reader.
    own: dict[str, frozenset[str]] = field(default_factory=dict)

    @property
    def emails(self) -> dict[str, str]:
        return {role: user.email for role, user in self.users.items()}


def viewer_of(db: Session, user: User) -> Viewer:
    moderated = frozenset(m.space_id for m in db.query(SpaceModerator).filter_by(user_id=user.id))
    return Viewer(user=Person.of(user), moderated_space_ids=moderated)


def _user(db: Session, label: str, password: str, now: datetime, name: str | None = None) -> User:
    n = next(_seq)
    user = accounts.register(
        db,
        display_name=name or f"Sweep {label} {n}",
        email=f"sweep-{label}-{n}@example.org",
        password=password,
        locale="en",
    )
    # As if each had followed their verification link: notifications need it.
    user.email_verified_at = now
    db.flush()
    return user


def _space(db: Session, adm: Viewer, label: str, now: datetime) -> Space:
    texts = admin.SpaceTexts(
        title={lang: f"Sweep {label} space ({lang})" for lang in ("en", "fr", "es")},
        intro={lang: f"What the {label} space is for ({lang})." for lang in ("en", "fr", "es")},
    )
    return admin.create_space(
        db,
        adm,
        admin.NewSpace(
            slug=f"sweep-{label}-{next(_seq)}",
            original_lang="en",
            opens_on=(now - timedelta(days=3)).date().isoformat(),
            closes_on=(now + timedelta(days=30)).date().isoformat(),
            texts=texts,
        ),
        now=now,
    )


def plant(
    db: Session, *, password: str, upload_dir: Path, secret_key: str, now: datetime
) -> SweepWorld:
    s = SECRETS
    adm_user = _user(db, "admin", password, now)
    adm_user.is_admin = True
    mod_user = _user(db, "moderator", password, now)  # moderates the main and Chatham spaces
    elsewhere = _user(db, "elsewhere", password, now)  # moderates only the other space
    writer = _user(db, "secret-author", password, now)  # writes the hidden items
    participant = _user(db, "participant", password, now)
    author = _user(db, "author", password, now)  # writes published items next to the secrets
    banned = _user(db, "banned", password, now)
    # Under the Chatham House rule the name itself is the secret.
    unnamed = _user(db, "chatham", password, now, name=f"{s['chatham-house-name']} Person")
    db.flush()
    adm = viewer_of(db, adm_user)

    main = _space(db, adm, "main", now)
    other = _space(db, adm, "other", now)
    chatham = _space(db, adm, "chatham", now)
    admin.add_moderator(db, adm, main, mod_user.email)
    admin.add_moderator(db, adm, chatham, mod_user.email)
    admin.add_moderator(db, adm, other, elsewhere.email)
    change_settings(
        db,
        adm,
        chatham,
        now,
        posting_policy=PostingPolicy.POST_MODERATION,
        attribution=AttributionRule.CHATHAM_HOUSE,
    )
    mv, ev = viewer_of(db, mod_user), viewer_of(db, elsewhere)
    wv, pv, av = (viewer_of(db, u) for u in (writer, participant, author))
    uv = viewer_of(db, unnamed)

    def ask(
        viewer: Viewer, space: Space, text: str, translations: dict[str, str] | None = None
    ) -> Comment:
        return posting.ask_question(
            db,
            viewer,
            space,
            text=text,
            lang="en",
            translations=translations,
            now=now,
            max_chars=20_000,
        )

    def post(viewer: Viewer, space: Space, text: str, parent: Comment | None) -> Comment:
        return posting.submit_comment(
            db,
            viewer,
            space,
            body=text,
            lang="en",
            parent_id=parent.id if parent else None,
            now=now,
            max_chars=20_000,
        ).comment

    # --- the main space: every kind of hidden, pending, rejected and deleted item ---
    question = ask(mv, main, "What would make recruitment fairer?")
    hidden_question = ask(
        mv,
        main,
        f"{s['hidden-question']} a question the moderators withdrew",
        translations={
            "fr": f"{s['hidden-question-translation-fr']} une question retirée",
            "es": f"{s['hidden-question-translation-es']} una pregunta retirada",
        },
    )
    pending_question = ask(mv, main, f"{s['pending-question']} a question not yet out")
    # No flow makes a question wait for review today, but the schema allows it (an import,
    # a future pre-moderated question): planted by hand, it must stay unseen all the same.
    pending_question.status = CommentStatus.PENDING
    public = post(av, main, "Published view: fees should be banned.", question)
    under_hidden = post(av, main, "Published answer under the withdrawn question.", hidden_question)
    hidden = post(
        wv, main, f"{s['hidden-comment-revision']} the first text, later edited", question
    )
    editing.edit_comment(
        db,
        wv,
        hidden,
        main,
        body=f"{s['hidden-comment']} the current text. {s['hidden-comment-excerpt']} ends here.",
        lang="en",
        now=now,
        max_chars=20_000,
    )
    editing.save_translation(
        db,
        wv,
        hidden,
        main,
        lang="fr",
        body=f"{s['hidden-comment-translation']} le texte en français",
        now=now,
        max_chars=20_000,
    )
    paper = attachments.attach(
        db,
        wv,
        hidden,
        main,
        data=PDF,
        filename=f"{s['hidden-comment-attachment-filename']}.pdf",
        upload_dir=upload_dir,
        max_bytes=10_000_000,
        now=now,
    )
    public_paper = attachments.attach(
        db,
        av,
        public,
        main,
        data=PDF,
        filename="position-paper.pdf",
        upload_dir=upload_dir,
        max_bytes=10_000_000,
        now=now,
    )
    reply_to_hidden = post(av, main, "A published reply to what was later hidden.", hidden)
    hidden_reply = post(wv, main, f"{s['hidden-reply']} a reply later hidden", public)
    excerpt = curation.mark_excerpt(
        db, mv, hidden, lang="en", passage=s["hidden-comment-excerpt"], start=None, now=now
    )
    deleted = post(wv, main, f"{s['deleted-comment']} a comment later removed", question)
    section = section_choices("en")[0][0]
    curation.assign(db, mv, hidden, section=section, excerpt_id=excerpt.id, now=now)
    curation.assign(db, mv, deleted, section=section, excerpt_id=None, now=now)
    # The others' report of the published comment is theirs to read, not its author's.
    flags.flag(db, wv, public, main, reason="other", details=f"{s['flag-details']} why", now=now)
    flags.flag(db, pv, hidden, main, reason="offensive", details="", now=now)

    change_settings(db, adm, main, now, posting_policy=PostingPolicy.PRE_MODERATION)
    pending = post(wv, main, f"{s['pending-comment']} waiting for review", question)
    pending_reply = post(wv, main, f"{s['pending-reply']} a reply waiting", public)
    rejected = post(wv, main, f"{s['rejected-comment']} refused from the queue", question)
    rejected_reply = post(wv, main, f"{s['rejected-reply']} a reply refused", public)
    change_settings(db, adm, main, now, posting_policy=PostingPolicy.POST_MODERATION)

    draft = drafts.create_draft(
        db, mv, main, template="background-note", lang="en", title="Note", now=now
    )
    spec = drafts.template_of(draft)
    prefilled = Content.of(draft.content).sections
    drafts.save(
        db,
        mv,
        draft,
        base_version=draft.version,
        title=f"{s['draft-title']} background note",
        sections={
            key.key: f"{s['draft-text']} drawn from [c:{hidden.id}] and [e:{excerpt.id}]\n\n"
            + str(prefilled.get(key.key, ""))
            for key in spec.sections
        },
        now=now,
    )

    decisions.hide(db, mv, hidden_question, reason="Withdrawn by the moderators.", now=now)
    decisions.hide(db, mv, hidden, reason="Off topic.", now=now)
    decisions.hide(db, mv, hidden_reply, reason="Off topic.", now=now)
    decisions.reject(db, mv, rejected, reason="Not about the question.", now=now)
    decisions.reject(db, mv, rejected_reply, reason="Not about the question.", now=now)
    ban = bans.ban(
        db,
        mv,
        bans.BanRequest(
            user_id=banned.id,
            space_id=main.id,
            reason="Repeated personal attacks.",
            ends_at=now + timedelta(days=9),
        ),
        now=now,
    )
    # A comment removed outright (as a space's or an account's removal would): its words
    # live on only where they were copied, such as the draft's prefilled quotes.
    deleted_id = deleted.id
    db.execute(delete(Comment).where(Comment.id == deleted_id))
    db.expire_all()

    # --- the other space: what its moderator legitimately works on ---
    other_question = ask(ev, other, "How should the other consultation begin?")
    other_comment = post(pv, other, "A published view in the other space.", other_question)
    change_settings(db, adm, other, now, posting_policy=PostingPolicy.PRE_MODERATION)
    post(av, other, "Waiting in the other space's queue.", other_question)
    change_settings(db, adm, other, now, posting_policy=PostingPolicy.POST_MODERATION)
    # A draft of the other space whose moderator cites the main space's hidden items by
    # their ids: citations must not fetch what the citer may not read.
    other_draft = drafts.create_draft(
        db, ev, other, template="background-note", lang="en", title="Other note", now=now
    )
    drafts.save(
        db,
        ev,
        other_draft,
        base_version=other_draft.version,
        title="Other note",
        sections={
            key.key: (
                f"Cites [c:{hidden.id}] [e:{excerpt.id}] [c:{hidden_question.id}] "
                f"[c:{pending.id}] [c:{rejected.id}] [c:{hidden_reply.id}] [c:{other_comment.id}]"
            )
            for key in drafts.template_of(other_draft).sections
        },
        now=now,
    )

    # --- the Chatham House space: the author's name is the secret ---
    chatham_question = ask(mv, chatham, "What did the roundtable leave out?")
    unnamed_comment = post(uv, chatham, "Speaking without a name: fees again.", chatham_question)
    author_in_chatham = post(av, chatham, "A named person's view, unnamed here.", chatham_question)
    post(uv, chatham, "Answering without a name.", author_in_chatham)
    post(pv, chatham, "Answering the unnamed person.", unnamed_comment)

    # Themes as the synthesis worker would leave them (written directly: the sweep checks
    # who sees them, not how comments are grouped), holding hidden and unpublished
    # comments, with passages taken from them; the other space's theme even holds one of
    # the main space's hidden comments, and cites its words.
    def passage(comment: Comment) -> dict[str, object]:
        return {
            "comment_id": comment.id,
            "text_key": OWN_TEXT,
            "lang": comment.lang,
            "start": 0,
            "end": 20,
            "comment_version": comment.version,
            "score": 1.0,
        }

    main_theme = Theme(
        space_id=main.id,
        question_number=question.number,
        labels={"en": "Fees"},
        passages=[passage(public), passage(hidden_reply), passage(pending)],
    )
    apart = Theme(space_id=main.id, question_number=question.number, kind=ThemeKind.OTHER)
    other_theme = Theme(
        space_id=other.id,
        question_number=other_question.number,
        labels={"en": "Beginnings"},
        passages=[passage(other_comment), passage(hidden)],
    )
    db.add_all([main_theme, apart, other_theme])
    db.flush()
    db.add_all(
        [
            ThemeMember(comment_id=public.id, theme_id=main_theme.id),
            ThemeMember(comment_id=hidden_reply.id, theme_id=main_theme.id),
            ThemeMember(comment_id=rejected.id, theme_id=main_theme.id),
            ThemeMember(comment_id=pending.id, theme_id=apart.id),
            ThemeMember(comment_id=under_hidden.id, theme_id=apart.id),
            ThemeMember(comment_id=other_comment.id, theme_id=other_theme.id),
            ThemeMember(comment_id=hidden.id, theme_id=other_theme.id),
        ]
    )
    for comment in (public, hidden_reply, rejected):
        db.add(
            NearDuplicate(comment_id=comment.id, space_id=main.id, group_id=public.id, similarity=1)
        )
    for comment in (public, hidden, pending):
        db.add(ObjectiveSuggestion(comment_id=comment.id, code=20, confidence=0.9))
    db.flush()

    for space in (main, other, chatham):
        subscriptions.follow(db, participant.id, space.id, now)
    # Mail queued while items were still public said what was public then; the e-mail
    # test starts from an empty outbox and queues what comes after.
    db.execute(delete(OutboxMessage))
    db.flush()

    users = {
        role: Account(user.id, user.email)
        for role, user in (
            ("participant", participant),
            ("author", author),
            ("banned", banned),
            ("moderator_elsewhere", elsewhere),
            ("admin", adm_user),
            ("moderator", mod_user),
            ("secret_author", writer),
            ("chatham", unnamed),
        )
    }
    secret_ids = [
        hidden_question.id,
        pending_question.id,
        hidden.id,
        hidden_reply.id,
        pending.id,
        pending_reply.id,
        rejected.id,
        rejected_reply.id,
        deleted_id,
    ]
    public_ids = [
        question.id,
        public.id,
        under_hidden.id,
        reply_to_hidden.id,
        other_comment.id,
        chatham_question.id,
        unnamed_comment.id,
        author_in_chatham.id,
    ]
    roots = [question, hidden_question, hidden, pending]
    return SweepWorld(
        users=users,
        slugs=[main.slug, other.slug, chatham.slug],
        comment_ids=[question.id, *secret_ids, *public_ids[1:]],
        secret_comment_ids=secret_ids,
        question_ids=[
            question.id,
            hidden_question.id,
            pending_question.id,
            other_question.id,
            chatham_question.id,
        ],
        root_paths=[c.path for c in roots],
        attachment_ids=[paper.id, public_paper.id],
        draft_ids=[draft.id, other_draft.id],
        ban_ids=[ban.id],
        theme_ids=[main_theme.id, other_theme.id],
        unsubscribe_tokens={
            role: subscriptions.make_token(secret_key, users[role].id, "reply")
            for role in ROLES
            if role in users
        },
        space_ids={"main": main.id, "other": other.id, "chatham": chatham.id},
        own={
            "participant": frozenset({f"comment_id={other_comment.id}"}),
            "author": frozenset(
                f"comment_id={c.id}" for c in (public, under_hidden, reply_to_hidden)
            )
            | {f"comment_id={author_in_chatham.id}"},
            "banned": frozenset({f"slug={main.slug}"}),
            "moderator_elsewhere": frozenset(
                {
                    f"slug={other.slug}",
                    f"comment_id={other_question.id}",
                    f"comment_id={other_comment.id}",
                    f"draft_id={other_draft.id}",
                    f"theme_id={other_theme.id}",
                }
            ),
        },
        ids={
            "question": question.id,
            "hidden_question": hidden_question.id,
            "under_hidden": under_hidden.id,
            "public": public.id,
            "hidden": hidden.id,
            "hidden_reply": hidden_reply.id,
            "pending": pending.id,
            "pending_reply": pending_reply.id,
            "rejected": rejected.id,
            "rejected_reply": rejected_reply.id,
            "author_in_chatham": author_in_chatham.id,
            "unnamed_comment": unnamed_comment.id,
            "other_question": other_question.id,
            "chatham_question": chatham_question.id,
        },
    )
