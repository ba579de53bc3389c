from __future__ import annotations

import pytest

from tests.factories import Factory


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "durability: kills a real server with SIGKILL under load (select: -m durability)"
    )


@pytest.fixture
def setting(factory: Factory) -> dict:
    """A space with a moderator, a participant and one question (route and key tests)."""
    mod = factory.user("Moderator Mona")
    alice = factory.user("Alice Achieng")
    space = factory.space(slug="pathways", moderators=(mod,))
    question = factory.question(space, mod, "How can pathways be widened?")
    return {"mod": mod, "alice": alice, "space": space, "question": question}
