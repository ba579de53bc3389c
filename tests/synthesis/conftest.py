"""A consultation question with comments on three subjects in three languages (from the
bench's labelled set), posted through the services, and a worker that embeds them with
the model shipped with the app."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import pytest
from sqlalchemy.orm import Session, sessionmaker

from app.models import Comment, Space, User
from app.synthesis import worker
from app.synthesis.embedder import Embedder, LocalEmbedder, Vectors
from bench.synthesis_set import load
from tests.factories import Factory

THEMES = ("transfer_costs", "bank_accounts", "diaspora_investment")
PER_THEME = 7


@dataclass
class Consultation:
    space: Space
    moderator: User
    question: Comment
    comments: dict[str, Comment]  # by the set's id
    themes: dict[str, str]  # set id → theme


@pytest.fixture
def consultation(factory: Factory) -> Consultation:
    data = load()
    moderator = factory.user("Leila Haddad")
    space = factory.space(moderators=(moderator,))
    question = factory.question(space, moderator, data.questions[0].title["en"])
    chosen = []
    for theme in THEMES:
        by_lang = [
            [c for c in data.comments if c.theme == theme and c.lang == lang]
            for lang in ("en", "fr", "es")
        ]
        # Languages in turn: every theme is raised in all three.
        interleaved = [c for row in zip(*by_lang, strict=False) for c in row]
        chosen += interleaved[:PER_THEME]
    authors: dict[str, User] = {}
    comments = {}
    for item in chosen:
        author = authors.get(item.author) or factory.user(f"Contributor {item.author}")
        authors[item.author] = author
        comments[item.id] = factory.comment(
            space, author, item.text, parent=question, lang=item.lang
        )
    return Consultation(space, moderator, question, comments, {c.id: str(c.theme) for c in chosen})


class Remembering:
    """The model shipped with the app, asked once per distinct text in a test session:
    the tests post the same labelled comments again and again, and the vectors of a text
    do not change."""

    name = LocalEmbedder.name

    def __init__(self) -> None:
        self.model = LocalEmbedder()
        self.known: dict[str, Vectors] = {}

    def embed(self, texts: Sequence[str]) -> Vectors:
        missing = [t for t in dict.fromkeys(texts) if t not in self.known]
        if missing:
            self.known.update(zip(missing, self.model.embed(missing), strict=True))
        if not texts:
            return self.model.embed([])
        return np.vstack([self.known[t] for t in texts])


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Remembering()


@pytest.fixture
def analyse(
    session_factory: sessionmaker[Session], embedder: Embedder, db: Session
) -> Callable[[], int]:
    """Run the worker once, as `roundtable worker` would, with no minute between runs."""

    def run() -> int:
        db.flush()
        made = worker.run(session_factory, embedder, once=True, auto_every=timedelta(0))
        db.expire_all()
        return made

    return run
