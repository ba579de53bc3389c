"""Domain errors that services raise and routes turn into pages or JSON."""

from __future__ import annotations


class NotFound(Exception):
    """The thing does not exist, or this viewer may not know that it does."""


class Forbidden(Exception):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FormErrors(Exception):
    """Input that cannot be accepted; messages are already translated, keyed by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(", ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class Stale(FormErrors):
    """Someone saved a newer version since the form was opened (answered with 409)."""
