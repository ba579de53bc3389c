from __future__ import annotations

import pytest

from app.notifications import outbox


@pytest.fixture(autouse=True)
def queue_only_what_the_test_asks(monkeypatch: pytest.MonkeyPatch) -> None:
    """These tests call the outbox functions themselves; posting must not queue more.

    test_hooks.py overrides this fixture: it checks that posting and moderating do queue.
    """
    monkeypatch.setattr(outbox, "comment_published", lambda *_args: None)
