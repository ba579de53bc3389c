from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "durability: kills a real server with SIGKILL under load (select: -m durability)"
    )
