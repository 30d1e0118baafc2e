"""Verbs on accounts."""

from __future__ import annotations

import itertools
import logging
import secrets
from functools import cache

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from cafe.domain.errors import DomainError
from cafe.extensions import db
from cafe.models import User

MIN_PASSWORD = 10

log = logging.getLogger("cafe.auth")

#: Logins this process refused, counted in the log so that an operator sees a guessing run.
_refusals = itertools.count(1)


def log_refusal(reason: str) -> None:
    """Log a refused login with its reason and this process's count of them: never the
    typed name (it may be a password typed into the wrong field), nor the address."""
    log.warning("login refused: %s (%d refused since start)", reason, next(_refusals))


def create_user(username: str, password: str, *, admin: bool = False) -> User:
    """Create a facilitator account with a salted scrypt password hash; an ``admin`` sees
    and steers every event."""
    username = username.strip()
    if not 3 <= len(username) <= 80 or any(ch.isspace() for ch in username):
        raise DomainError("bad_username")
    if len(password) < MIN_PASSWORD:
        raise DomainError("short_password", {"min": MIN_PASSWORD})
    if db.session.execute(select(User).where(User.username == username)).first():
        raise DomainError("username_taken")
    user = User(username=username, password_hash=generate_password_hash(password), is_admin=admin)
    db.session.add(user)
    db.session.commit()
    return user


def random_password() -> str:
    """A password for the first account, printed once (about 96 bits)."""
    return secrets.token_urlsafe(12)


def authenticate(username: str, password: str) -> User | None:
    """Return the user if the password matches; log a refusal (never the password, the
    typed name nor the client's address: :func:`log_refusal`)."""
    user = db.session.execute(
        select(User).where(User.username == username.strip())
    ).scalar_one_or_none()
    if user is None:
        # A hash of the same cost is checked all the same: the answer must take as long
        # as for an account, or its timing would tell which names are accounts.
        check_password_hash(dummy_hash(), password)
        log_refusal("no account has that user name")
        return None
    if not check_password_hash(user.password_hash, password):
        log_refusal("wrong password")
        return None
    log.info("login: %s", user.username)
    return user


@cache
def dummy_hash() -> str:
    """A hash made as :func:`create_user` makes them, of a password nobody knows: checked
    when no account has the typed name (made once per process)."""
    return generate_password_hash(secrets.token_urlsafe(16))


def end_sessions(user: User) -> None:
    """End every login of ``user``: the session version in their cookies is no longer
    the account's (logout, a new password)."""
    user.session_version += 1
    db.session.commit()


def user_count() -> int:
    """How many accounts exist."""
    return len(db.session.execute(select(User.id)).all())
