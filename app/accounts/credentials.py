"""Setting a new password: by reset link, or by knowing the current one."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.orm import Session

from app.accounts import passwords
from app.errors import FormErrors
from app.i18n import gettext
from app.models import User, UserSession
from app.notifications import outbox


def set_password(db: Session, user: User, password: str, *, now: datetime) -> None:
    """Store the new hash, end every sign-in of the account (a thief's included) and
    tell the person by e-mail, in case it was not them."""
    user.password_hash = passwords.hash_password(password)
    db.execute(delete(UserSession).where(UserSession.user_id == user.id))
    outbox.account_mail(db, outbox.KIND_PASSWORD_CHANGED, user, {}, now)
    db.flush()


def new_password_problem(user: User, password: str) -> str | None:
    return passwords.problem(
        password, personal=passwords.personal_words(user.display_name, user.email)
    )


def change_password(db: Session, user: User, *, current: str, new: str, now: datetime) -> None:
    """Raises FormErrors keyed `current_password` or `password`; the caller starts the
    fresh session, since set_password ended them all."""
    if not passwords.verify_password(user.password_hash, current):
        raise FormErrors({"current_password": gettext("Your current password is not correct.")})
    if new == current:
        raise FormErrors(
            {"password": gettext("Your new password must differ from your current one.")}
        )
    problem = new_password_problem(user, new)
    if problem:
        raise FormErrors({"password": problem})
    set_password(db, user, new, now=now)
