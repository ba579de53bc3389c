"""Who the names in a document are: the accounts an import matches or creates.

A file names people by display name (authors, editors, moderators). Each becomes the
existing account with the same display-name key, or a new account that cannot sign in;
`clean_name` is the name such an account would get, and the checks use it too, so a
name that passes them can always be written.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.accounts import names
from app.models import User

MAX_NAME = 80  # the users.display_name(_key) columns
IMPORTED_EMAIL_DOMAIN = "roundtable.invalid"
# Not an argon2 hash: verification always fails, so nobody can sign in as this account.
UNUSABLE_PASSWORD = "!imported"  # noqa: S105


def clean_name(raw: str) -> str | None:
    """The display name an account would get, or None if it cannot be one."""
    name = names.clean_display_name(raw)
    if not name or names.has_control_chars(name) or len(name) > MAX_NAME:
        return None
    if len(names.display_name_key(name)) > MAX_NAME:
        return None
    return name


def names_in(document: dict[str, Any]) -> Iterator[str]:
    """Every name the document gives a person, as written (repeats included)."""
    yield from document["space"].get("moderators", [])
    for c in document["comments"]:
        yield c["author"]
        for revision in c.get("revisions", []):
            yield revision["editor"]
        for attachment in c.get("attachments", []):
            yield attachment.get("uploader", c["author"])


def accounts_for(db: Session, raw_names: Iterable[str], *, locale: str) -> dict[str, int]:
    """User ids by display-name key: existing accounts, or new ones that cannot sign in."""
    wanted: dict[str, str] = {}
    for raw in raw_names:
        name = clean_name(raw)
        assert name is not None  # checked before
        wanted.setdefault(names.display_name_key(name), name)
    ids: dict[str, int] = {}
    keys = list(wanted)
    for start in range(0, len(keys), 500):
        chunk = keys[start : start + 500]
        for user_id, key in db.execute(
            select(User.id, User.display_name_key).where(User.display_name_key.in_(chunk))
        ):
            ids[key] = user_id
    created = [
        User(
            email=f"imported-{secrets.token_hex(8)}@{IMPORTED_EMAIL_DOMAIN}",
            display_name=name,
            display_name_key=key,
            password_hash=UNUSABLE_PASSWORD,
            locale=locale,
        )
        for key, name in wanted.items()
        if key not in ids
    ]
    db.add_all(created)
    db.flush()
    ids.update({user.display_name_key: user.id for user in created})
    return ids


def user_id(accounts: dict[str, int], raw: str) -> int:
    """The account a name in the document stands for (after `accounts_for`)."""
    name = clean_name(raw)
    assert name is not None
    return accounts[names.display_name_key(name)]
