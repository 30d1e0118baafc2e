"""Who may open an event's facilitator and organizer pages: the accounts it is shared with
(its creator first), and admins. Everyone else is told it does not exist (404, or
``unknown_event`` on a socket), so that event numbers tell nothing either."""

from __future__ import annotations

from typing import Any

from flask import abort
from flask_login import current_user
from sqlalchemy import Select, exists, func, select

from cafe import audit
from cafe.domain.errors import DomainError
from cafe.extensions import db
from cafe.models import CafeEvent, EventOwner, User


def may_manage(user: Any, event_id: int) -> bool:
    """Whether ``user`` (a :class:`User`, or Flask-Login's anonymous user) may steer event
    ``event_id``: an admin, or an account the event is shared with."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if user.is_admin:
        return True
    return bool(
        db.session.execute(
            select(exists().where(EventOwner.event_id == event_id, EventOwner.user_id == user.id))
        ).scalar()
    )


def managed_event(event_id: int) -> CafeEvent | None:
    """Event ``event_id`` if the logged-in account may manage it, else None (missing or
    not theirs: the same answer)."""
    event = db.session.get(CafeEvent, event_id)
    if event is None or not may_manage(current_user._get_current_object(), event.id):
        return None
    return event


def event_or_404(event_id: int) -> CafeEvent:
    """:func:`managed_event`, or a 404."""
    event = managed_event(event_id)
    if event is None:
        abort(404)
    return event


def visible_events(user: User) -> Select[CafeEvent]:
    """The events ``user`` sees listed: every one for an admin, else those shared with
    them."""
    query = select(CafeEvent)
    if not user.is_admin:
        query = query.join(EventOwner, EventOwner.event_id == CafeEvent.id).where(
            EventOwner.user_id == user.id
        )
    return query


def owners_of(event: CafeEvent) -> list[str]:
    """The usernames the event is shared with, its creator first."""
    return [owner.user.username for owner in event.owners]


def owner_row(event_id: int, user_id: int) -> EventOwner:
    """A new owner row for ``user_id``, after the event's present owners."""
    last = db.session.execute(
        select(func.max(EventOwner.position)).where(EventOwner.event_id == event_id)
    ).scalar()
    return EventOwner(event_id=event_id, user_id=user_id, position=0 if last is None else last + 1)


def share_event(event: CafeEvent, username: object) -> User:
    """Share ``event`` with the account ``username`` (``unknown_user`` if there is none).

    Sharing with an account that already has the event changes nothing and is no error.
    The share is recorded in the audit trail.
    """
    if not isinstance(username, str) or not username.strip() or len(username) > 80:
        raise DomainError("unknown_user")
    user = db.session.execute(
        select(User).where(User.username == username.strip())
    ).scalar_one_or_none()
    if user is None:
        raise DomainError("unknown_user")
    if any(owner.user_id == user.id for owner in event.owners):
        return user
    db.session.add(owner_row(event.id, user.id))
    audit.record(event.id, "share", user.username)
    db.session.commit()
    # The audit entry is the log line (cafe.audit).
    db.session.refresh(event, ["owners"])
    return user
