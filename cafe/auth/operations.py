"""Verbs on accounts."""

from __future__ import annotations

import logging
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from cafe.domain.errors import DomainError
from cafe.extensions import db
from cafe.models import User

MIN_PASSWORD = 10

log = logging.getLogger("cafe.auth")


def create_user(username: str, password: str) -> User:
    """Create a facilitator account with a salted scrypt password hash."""
    username = username.strip()
    if not 3 <= len(username) <= 80 or any(ch.isspace() for ch in username):
        raise DomainError("bad_username")
    if len(password) < MIN_PASSWORD:
        raise DomainError("short_password", {"min": MIN_PASSWORD})
    if db.session.execute(select(User).where(User.username == username)).first():
        raise DomainError("username_taken")
    user = User(username=username, password_hash=generate_password_hash(password))
    db.session.add(user)
    db.session.commit()
    return user


def random_password() -> str:
    """A password for the first account, printed once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def authenticate(username: str, password: str) -> User | None:
    """Return the user if the password matches; log a refusal (never the password nor the
    client's address).

    A name that is no account's is not logged: it is often a password typed into the
    wrong field.
    """
    user = db.session.execute(
        select(User).where(User.username == username.strip())
    ).scalar_one_or_none()
    if user is None:
        log.warning("login refused: no account has that user name")
        return None
    if not check_password_hash(user.password_hash, password):
        log.warning("login refused for user name %s: wrong password", user.username)
        return None
    log.info("login: %s", user.username)
    return user


def user_count() -> int:
    """How many accounts exist."""
    return len(db.session.execute(select(User.id)).all())
