"""The audit trail: what was done to an event's posts, hosts and minutes, by which
facilitator account and when.

An operation calls :func:`record` before its commit, so the entry is stored in the same
transaction as the action it records: both happen or neither does. Once that commit has
succeeded, each entry is written to the ``cafe.audit`` log and sent to the event's control
pages (``audit``); a rolled-back action leaves no entry, no log line and no broadcast.

Entries name the facilitator account, never a phone: no device hash, no post text, no
address. ``detail`` is a short note such as a table's name or the kinds of personal data
the screen found.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from flask import has_request_context
from flask_login import current_user
from sqlalchemy import event as sa_event
from sqlalchemy import inspect, select
from sqlalchemy.orm import Session

from cafe.extensions import db
from cafe.models import AuditEntry, User

log = logging.getLogger("cafe.audit")

#: Every action the trail knows; the control page labels each through ``JS_MESSAGES``
#: (key ``audit_<action>``).
ACTIONS = frozenset(
    {
        "hold",
        "approve",
        "mask",
        "hide",
        "show",
        "revoke_host",
        "release_host",
        "offer_host",
        "publish",
        "correct",
        "premoderation_on",
        "premoderation_off",
        "not_personal",
        "share",
        "vote_open",
        "vote_close",
        "vote_reveal",
        "vote_dots",
    }
)

#: Entries the control page lists (newest first).
LIMIT = 50
#: Longest ``detail`` kept; it is a note, not a place for text.
MAX_DETAIL = 200

#: A device hash (SHA-256 in hex) or anything that looks like one: never in the trail.
_HEX_DIGEST = re.compile(r"[0-9a-fA-F]{64}")
#: Key in ``Session.info`` of the entries waiting for their transaction's commit.
_PENDING = "cafe_audit_pending"


def record(event_id: int, action: str, detail: str = "", *, automatic: bool = False) -> None:
    """Add an entry for ``action`` on event ``event_id`` to the session; the caller's commit
    stores it with the action, then it is logged and broadcast.

    The account is the logged-in facilitator's, unless ``automatic`` (the personal-data
    screen holding a post, the release of an absent host's role). Without a logged-in
    user (a command run on the server) the entry is stored like an automatic one.
    ``detail`` is whitespace-normalised and cut to :data:`MAX_DETAIL` characters; it must
    never carry a post's text or anything that identifies a phone, and one that contains a
    hex digest is refused (``ValueError``).
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    note = " ".join(detail.split())[:MAX_DETAIL]
    if _HEX_DIGEST.search(note):
        raise ValueError("an audit detail must not carry a device hash")
    user = None if automatic else _acting_user()
    entry = AuditEntry(
        event_id=event_id,
        user_id=user.id if user is not None else None,
        username=user.username if user is not None else "",
        action=action,
        detail=note,
    )
    db.session.add(entry)
    db.session.info.setdefault(_PENDING, []).append(entry)


def _acting_user() -> User | None:
    """The logged-in facilitator of the current request or socket event, if any."""
    if not has_request_context():
        return None
    user = current_user._get_current_object()
    if isinstance(user, User) and user.is_authenticated:
        return user
    return None


def entries(event_id: int, limit: int = LIMIT) -> list[AuditEntry]:
    """The event's newest ``limit`` entries, newest first."""
    return list(
        db.session.execute(
            select(AuditEntry)
            .where(AuditEntry.event_id == event_id)
            .order_by(AuditEntry.id.desc())
            .limit(limit)
        ).scalars()
    )


def entry_payload(entry: AuditEntry) -> dict[str, Any]:
    """An entry as the control page shows it: ``who`` is null for an automatic action."""
    return {
        "id": entry.id,
        "time": entry.created_at.isoformat() + "Z",
        "who": entry.username or None,
        "action": entry.action,
        "detail": entry.detail,
    }


def trail_payload(event_id: int, limit: int = LIMIT) -> list[dict[str, Any]]:
    """The control page's list: the newest entries, newest first."""
    return [entry_payload(entry) for entry in entries(event_id, limit)]


def log_line(entry: AuditEntry) -> None:
    """Write the entry to the ``cafe.audit`` log (action, event, account, detail)."""
    log.info(
        "%s event=%s user=%s detail=%s",
        entry.action,
        entry.event_id,
        entry.username or "(automatic)",
        entry.detail or "-",
    )


@sa_event.listens_for(Session, "after_commit")
def _announce(session: Session) -> None:
    """After a commit: log and broadcast the entries it stored.

    Entries of a rolled-back transaction are no longer in the session (they were
    expunged), so they are skipped: only what really happened is announced.
    """
    pending: list[AuditEntry] | None = session.info.pop(_PENDING, None)
    if not pending:
        return
    # Imported once there is something to send: every app imports this module (its session
    # hook), and a command that only reads, `cafe export`, never sends (issue 14).
    from cafe import broadcast

    for entry in pending:
        if not inspect(entry).persistent or entry not in session:
            continue
        log_line(entry)
        broadcast.audit_recorded(entry.event_id, entry_payload(entry))
