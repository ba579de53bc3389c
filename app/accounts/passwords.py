"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from app.i18n import gettext

_hasher = PasswordHasher()  # argon2id with the library's current recommended cost

# Verifying against this keeps sign-in time the same whether or not the account exists.
_DUMMY_HASH = _hasher.hash("not a real password, only a timing decoy")

MIN_LENGTH = 12
MAX_LENGTH = 128
# zxcvbn scores 0–4; below 3 the password is in (or close to) its lists of common
# passwords, words and names, or built from the person's own name or address.
MIN_STRENGTH = 3


def too_guessable(password: str, *, personal: list[str]) -> bool:
    """A length check alone lets "123456789012" through; this one does not."""
    from zxcvbn import zxcvbn  # loads its word lists on first use

    return int(zxcvbn(password[:MAX_LENGTH], user_inputs=personal)["score"]) < MIN_STRENGTH


def problem(password: str, *, personal: list[str]) -> str | None:
    """What is wrong with a new password (translated), or None: one rule for registering,
    resetting and changing a password."""
    if len(password) < MIN_LENGTH:
        return gettext("Your password must have at least %(min)d characters.", min=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return gettext("Your password must have at most %(max)d characters.", max=MAX_LENGTH)
    if too_guessable(password, personal=personal):
        return gettext(
            "This password is too common or too easy to guess. A few unrelated words make a "
            "strong one."
        )
    return None


def personal_words(display_name: str, email: str) -> list[str]:
    """What zxcvbn should treat as guessable for this person: their name and address."""
    return [display_name, email, *email.split("@")]


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
