"""What a digest is, as plain data that outlives the session, and how it is grouped.

`Digest` holds one `Group` per question (its threads under it), then one for the posts
participants started themselves; each `Entry` is a question or comment as the digest
shows it, its author already named or not under the space's rule. `group_entries` is
pure: it splits thread-ordered entries at their roots, with no database involved.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from app.comments import threads
from app.models.comments import CommentKind, CommentStatus
from app.models.curation import EditorialState
from app.models.spaces import AttributionRule

FORMATS = ("md", "docx", "csv", "json")
_ROOT_SEGMENT = threads.SEGMENT_WIDTH + 2  # prefix character, digits, separator
# The first character of the paths of participants' own posts (questions have others).
_POST_PREFIX = threads.root_path(is_question=False, number=None, comment_id=0)[0]


@dataclass(frozen=True)
class Tagging:
    taxonomy: str
    code: str
    label: str

    @property
    def text(self) -> str:
        if not self.taxonomy:
            return self.label
        term = f"{self.taxonomy.upper()} {self.code}"
        return f"{term}: {self.label}" if self.label and self.label != self.code else term


@dataclass(frozen=True)
class Translation:
    lang: str
    body_md: str


@dataclass(frozen=True)
class Entry:
    """One question or comment as the digest shows it."""

    id: int
    kind: CommentKind
    parent_id: int | None
    number: int | None
    path: str
    depth: int
    lang: str
    author: str | None  # None: not to be named, under the space's rule
    author_is_moderator: bool
    created_at: datetime
    edited_at: datetime | None
    status: CommentStatus
    editorial_state: EditorialState | None
    tags: tuple[Tagging, ...]
    body_md: str
    translations: tuple[Translation, ...]
    url: str

    @property
    def is_question(self) -> bool:
        return self.kind == CommentKind.QUESTION

    def text_in(self, lang: str) -> str:
        if lang != self.lang:
            for t in self.translations:
                if t.lang == lang:
                    return t.body_md
        return self.body_md


@dataclass(frozen=True)
class Coverage:
    comments: int
    contributors: int
    languages: tuple[str, ...]
    first: datetime | None
    last: datetime | None

    @classmethod
    def of(cls, entries: Sequence[Entry], author_ids: dict[int, int]) -> Coverage:
        comments = [e for e in entries if e.kind == CommentKind.COMMENT]
        dates = [e.created_at for e in comments]
        return cls(
            comments=len(comments),
            contributors=len({author_ids[e.id] for e in comments}),
            languages=tuple(sorted({e.lang for e in comments})),
            first=min(dates) if dates else None,
            last=max(dates) if dates else None,
        )


@dataclass
class Group:
    """One question and its threads, or (question None, number None) participants' posts.

    A question that is not published itself (number known, question None) still heads
    the published replies under it.
    """

    question: Entry | None
    number: int | None
    entries: list[Entry]  # thread order, without the question itself
    coverage: Coverage

    @property
    def is_posts(self) -> bool:
        return self.question is None and self.number is None


@dataclass
class Digest:
    space_id: int
    slug: str
    title: str
    lang: str
    attribution: AttributionRule
    generated_at: datetime
    question_id: int | None
    groups: list[Group]
    coverage: Coverage
    entry_ids: frozenset[int] = field(default_factory=frozenset)

    @property
    def comment_count(self) -> int:
        return self.coverage.comments

    @property
    def size(self) -> int:
        """Questions and comments: what a renderer has to write."""
        return sum(len(g.entries) + (g.question is not None) for g in self.groups)

    def filename(self, fmt: str) -> str:
        number = next((g.number for g in self.groups if g.number is not None), None)
        scope = f"-q{number}" if self.question_id is not None and number else ""
        day = self.generated_at.astimezone(UTC).strftime("%Y%m%d")
        stem = re.sub(r"[^A-Za-z0-9_-]+", "-", f"{self.slug}-digest{scope}-{self.lang}-{day}")
        return f"{stem}.{fmt}"


def group_entries(entries: list[Entry], author_ids: dict[int, int]) -> list[Group]:
    """Split thread-ordered entries at their roots: one group per question, then one for
    every participant's own post and its replies."""
    by_root: dict[str, list[Entry]] = {}
    for e in entries:
        by_root.setdefault(e.path[:_ROOT_SEGMENT], []).append(e)
    groups: list[Group] = []
    posts: list[Entry] = []
    for root, members in by_root.items():
        if root.startswith(_POST_PREFIX):
            posts.extend(members)
            continue
        question = members[0] if members[0].path == root and members[0].is_question else None
        rest = members[1:] if question else members
        number = question.number if question else int(root[1:-1])
        groups.append(Group(question, number, rest, Coverage.of(rest, author_ids)))
    if posts:
        groups.append(Group(None, None, posts, Coverage.of(posts, author_ids)))
    return groups
