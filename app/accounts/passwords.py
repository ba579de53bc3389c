"""Password hashing with argon2id."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

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


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False
