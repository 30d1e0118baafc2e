"""Verbs of dot-voting: validate, write, commit, then broadcast.

A phone's vote sets an absolute number of dots on one item, so a resend (the phone's
outbox, after a dropped connection) sets the same number again and changes nothing. The
facilitator opens a round by entering its phase (or with ``vote_open``), may change the
dots while it is not closed, closes it (the votes are frozen) and reveals the results.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Integer,
    and_,
    bindparam,
    delete,
    func,
    or_,
    select,
)

from cafe import audit, broadcast
from cafe.domain.errors import DomainError
from cafe.domain.text import is_client_id
from cafe.domain.workshops import MAX_DOTS, TemplatePhase
from cafe.extensions import db
from cafe.models import CafeEvent, Vote, VoteRound, utcnow
from cafe.ratelimit import TokenBuckets
from cafe.voting import state
from cafe.voting.state import RoundView
from cafe.workshops import template_of

log = logging.getLogger(__name__)

#: Longest item key a phone may send: ``theme:`` or ``post:`` and a 64-bit id.
MAX_ITEM_KEY = 40


def vote_limiter() -> TokenBuckets:
    """The app's per-phone voting limiter (a tap on + or − is one vote)."""
    limiter: TokenBuckets = current_app.extensions["cafe_vote_limiter"]
    return limiter


@dataclass(frozen=True)
class Cast:
    """What :func:`cast_vote` did: the round, the phone's dots per item now, and whether
    anything changed (a resend of the same count changes nothing)."""

    view: RoundView
    mine: dict[str, int]
    changed: bool


def cast_vote(
    event_id: int,
    device: str,
    *,
    role: str | None,
    item: object,
    dots: object,
    phase: object = None,
    client_id: object = None,
) -> Cast:
    """Put ``dots`` of this phone's dots on ``item`` (0 takes them all off), within the
    round's rules: at most ``per_item`` on one item and ``dots`` in all.

    ``phase`` is the phase the vote was cast in (the phone sends it, so that an outbox
    resent after the facilitator moved on still lands), else the current phase; ``role``
    is the role tag the phone chose when sitting down; ``client_id`` (optional) is the
    phone's id for this vote in its outbox, checked here and echoed by the handler.

    This is the hot path of a vote burst (every phone of the room within seconds), so it
    reads nothing before writing: the round's state and dots come from
    :func:`cafe.voting.state.kept_round`, and one guarded statement
    (:func:`_guarded_statement`) stores the vote only if, in the database, the round is
    still open with those dots, the item is listed, and the phone's dots stay within the
    rules, its other tabs' dots included. Only when it stores nothing (stale facts, a
    resend, or a broken rule) is everything read again and checked the slow way, which
    names the broken rule.
    """
    if client_id is not None and not is_client_id(client_id):
        raise DomainError("bad_client_id")
    count = _whole(dots, "bad_dots")
    if count < 0:
        raise DomainError("bad_dots")
    if not isinstance(item, str) or len(item) > MAX_ITEM_KEY:
        raise DomainError("unknown_vote_item")
    if phase is not None and not isinstance(phase, str):
        raise DomainError("bad_request")
    # Counted before anything is read: a phone tapping away costs the database nothing.
    if not vote_limiter().allow(device):
        raise DomainError("rate_limited")
    view = state.kept_round(event_id, phase)
    target = state.item_id(view.phase, item)
    if target is None:
        raise DomainError("unknown_vote_item")
    ballot = SentVote(event_id, device, item, target, count, role)
    _lock_ballot(ballot, view)
    if view.state == "open" and _guarded_write(ballot, view):
        mine = state.own_dots(event_id, view.phase, device)
        db.session.commit()
    else:
        view, mine, changed = _checked_write(ballot, phase)
        if not changed:
            return Cast(view, mine, changed=False)
    log.debug("vote stored: event %s, round %s", event_id, view.phase.id)
    broadcast.own_votes(event_id, device, state.own_payload(view, mine))
    if not set(mine) - {item}:
        # Perhaps this phone's first dot, or its last taken off: the count of phones that
        # voted may have changed (throttled, and counted when sent).
        broadcast.vote_count_changed(event_id)
    return Cast(view, mine, changed=True)


@dataclass(frozen=True)
class SentVote:
    """One phone's vote as sent: ``dots`` on ``item`` (whose theme's or post's id is
    ``item_id``) in event ``event_id``."""

    event_id: int
    device: str
    item: str
    item_id: int
    dots: int
    role: str | None


def _lock_ballot(ballot: SentVote, view: RoundView) -> None:
    """On PostgreSQL, take this phone's ballot lock in the round until the transaction
    ends: two tabs of one phone voting at the same instant (on any workers) take turns,
    so that the second one's guard sees the first one's dots. SQLite needs none: a
    writing statement runs alone and sees every commit before it."""
    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        return
    name = f"{ballot.event_id}\x1f{view.phase.id}\x1f{ballot.device}".encode()
    key = int.from_bytes(hashlib.blake2b(name, digest_size=8).digest(), "big", signed=True)
    connection.execute(_BALLOT_LOCK, {"key": key})


_BALLOT_LOCK = select(func.pg_advisory_xact_lock(bindparam("key", type_=BigInteger)))

_VOTES = Vote.__table__
_ROUNDS = VoteRound.__table__
_KEY = [_VOTES.c.event_id, _VOTES.c.phase, _VOTES.c.device_hash, _VOTES.c.item]


def _round_holds(section: bool) -> list[ColumnElement[bool]]:
    """SQL: the round (bound ``event_id``, ``phase``) is open with the kept dots, and the
    item (bound ``item_id``) is listed in it."""
    return [
        _ROUNDS.c.event_id == bindparam("event_id"),
        _ROUNDS.c.phase == bindparam("phase"),
        _ROUNDS.c.state == "open",
        _ROUNDS.c.dots == bindparam("kept_dots"),
        _ROUNDS.c.per_item == bindparam("kept_per_item"),
        state.listed_clause(bindparam("item_id", type_=Integer), section),
    ]


def _guarded_statement(dialect: str, section: bool, remove: bool) -> Any:
    """The one statement that stores a vote, checking every rule in the database.

    ``remove`` (0 dots): ``DELETE`` the phone's row for the item while the round holds.
    Else ``INSERT … SELECT … ON CONFLICT DO UPDATE``: one row is selected from the round
    only if it holds and the new count is allowed: no more than the phone has on the item
    now (taking dots off is always allowed), or within ``per_item`` with the phone's dots
    on its other listed items within ``dots``; then inserted, or set on the phone's row
    for the item (not when it already has that count: nothing changes, nothing counts).
    On PostgreSQL the round's row is share-locked, so that closing or revealing waits for
    a vote under way and a vote after it sees the round closed.
    """
    holds = _round_holds(section)
    if remove:
        round_holds = select(_ROUNDS.c.event_id).where(*holds)
        if dialect == "postgresql":
            round_holds = round_holds.with_for_update(read=True)
        statement: Any = delete(_VOTES).where(
            *(column == bindparam(column.name) for column in _KEY), round_holds.exists()
        )
        return statement.execution_options(preserve_rowcount=True)
    others, current = _VOTES.alias("others"), _VOTES.alias("this_item")
    phone_rows = (
        others.c.event_id == bindparam("event_id"),
        others.c.phase == bindparam("phase"),
        others.c.device_hash == bindparam("device_hash"),
        others.c.item != bindparam("item"),
        state.listed_clause(state.key_id(others.c.item, section), section),
    )
    elsewhere = select(func.coalesce(func.sum(others.c.dots), 0)).where(*phone_rows)
    on_item = select(current.c.dots).where(
        current.c.event_id == bindparam("event_id"),
        current.c.phase == bindparam("phase"),
        current.c.device_hash == bindparam("device_hash"),
        current.c.item == bindparam("item"),
    )
    dots = bindparam("dots", type_=Integer)
    allowed = or_(
        dots <= func.coalesce(on_item.scalar_subquery(), 0),
        and_(
            dots <= bindparam("kept_per_item", type_=Integer),
            elsewhere.scalar_subquery() + dots <= bindparam("kept_dots", type_=Integer),
        ),
    )
    columns = [*_KEY, _VOTES.c.dots, _VOTES.c.role_tag, _VOTES.c.updated_at]
    row = select(*(bindparam(c.name, type_=c.type) for c in columns)).select_from(_ROUNDS)
    row = row.where(*holds, allowed)
    if dialect == "postgresql":
        row = row.with_for_update(read=True, of=_ROUNDS)
    # Imported here: the PostgreSQL dialect module is 19 modules that `cafe export` (which
    # reaches this module through the documents) would otherwise load for nothing.
    from sqlalchemy.dialects import postgresql, sqlite

    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(_VOTES)
    statement = insert.from_select([c.name for c in columns], row)
    statement = statement.on_conflict_do_update(
        index_elements=_KEY,
        set_={
            "dots": statement.excluded.dots,
            "role_tag": statement.excluded.role_tag,
            "updated_at": statement.excluded.updated_at,
        },
        where=_VOTES.c.dots != statement.excluded.dots,
    )
    # An INSERT's rowcount is asked of a closed cursor, which psycopg does not answer
    # unless SQLAlchemy keeps it (as for the post path's guarded insert).
    return statement.execution_options(preserve_rowcount=True)


_GUARDED: dict[tuple[str, bool, bool], Any] = {}


def _guarded_write(ballot: SentVote, view: RoundView) -> bool:
    """Store the ballot if the round still is as ``view`` says and the rules allow it (see
    :func:`_guarded_statement`); whether a row was written."""
    connection = db.session.connection()
    variant = (connection.dialect.name, view.phase.section is not None, ballot.dots == 0)
    statement = _GUARDED.get(variant)
    if statement is None:
        statement = _GUARDED[variant] = _guarded_statement(*variant)
    parameters = {
        "event_id": ballot.event_id,
        "phase": view.phase.id,
        "device_hash": ballot.device,
        "item": ballot.item,
        "item_id": ballot.item_id,
        "section": view.phase.section,
        "dots": ballot.dots,
        "role_tag": ballot.role,
        "updated_at": utcnow(),
        "kept_dots": view.dots,
        "kept_per_item": view.per_item,
    }
    result = connection.execute(statement, parameters)
    return bool(result.rowcount == 1)


#: How often the slow path reads and writes again when its write finds the round changed
#: between its read and its write (the facilitator closing it, set_dots): more is a bug.
SLOW_PATH_TRIES = 3


def _checked_write(ballot: SentVote, phase: str | None) -> tuple[RoundView, dict[str, int], bool]:
    """The slow path: read the round and the phone's dots afresh (refreshing the kept
    round), name the broken rule if there is one (``voting_closed``,
    ``unknown_vote_item``, ``too_many_on_item``, ``no_dots_left``), answer a resend of
    the phone's current count as unchanged, else write again through the guard. The
    round, the phone's dots per item, and whether anything changed."""
    for _ in range(SLOW_PATH_TRIES):
        view = state.kept_round(ballot.event_id, phase, fresh=True)
        if view.state != "open":
            raise DomainError("voting_closed")
        event = db.session.get(CafeEvent, ballot.event_id)
        if event is None:
            raise DomainError("unknown_event")
        listed = {found.key for found in state.items(event, view.phase)}
        if ballot.item not in listed:
            raise DomainError("unknown_vote_item")
        mine = state.own_dots(ballot.event_id, view.phase, ballot.device)
        if mine.get(ballot.item, 0) == ballot.dots:
            # A resend (or a second tab) setting what is already there: nothing to do.
            db.session.rollback()
            vote_limiter().refund(ballot.device)
            return view, mine, False
        problem = state.spread_error(view, mine, ballot.item, ballot.dots)
        if problem is not None:
            raise DomainError(*problem)
        if _guarded_write(ballot, view):
            mine = state.own_dots(ballot.event_id, view.phase, ballot.device)
            db.session.commit()
            return view, mine, True
    raise RuntimeError("the vote's guard refused what its checks allowed")


def _whole(value: object, code: str, params: dict[str, Any] | None = None) -> int:
    """``value`` if it is a whole number (not a boolean), else ``code``."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError(code, params or {})
    return value


# --- the facilitator's verbs ---------------------------------------------------------------


def _phase_of(event: CafeEvent, phase_id: object) -> TemplatePhase:
    """The vote phase a facilitator's verb names (default: the current phase)."""
    if phase_id is not None and not isinstance(phase_id, str):
        raise DomainError("bad_request")
    phase = state.vote_phase(event, phase_id)
    if phase is None:
        raise DomainError("not_voting")
    return phase


def _round(event: CafeEvent, phase: TemplatePhase) -> VoteRound:
    """The stored round of ``phase``, set up with the template's dots if it has none."""
    found = state.find_round(event.id, phase.id)
    if found is None:
        found = VoteRound(
            event_id=event.id,
            phase=phase.id,
            state="ready",
            dots=phase.dots,
            per_item=phase.per_item,
            revealed=False,
        )
        db.session.add(found)
    return found


def _label(event: CafeEvent, phase: TemplatePhase) -> str:
    """The phase's name for the audit trail, in the event's language."""
    return template_of(event).label(phase.id, event.language)


def phase_entered(event: CafeEvent) -> TemplatePhase | None:
    """The event has just been moved to its current phase (not committed yet): if that is
    a vote phase, it is returned (the screens are sent its round), and its round opens
    unless it has been opened before: a round the facilitator closed stays closed
    (``vote_open`` opens it again)."""
    phase = state.vote_phase(event)
    if phase is None:
        return None
    found = _round(event, phase)
    if found.state != "ready":
        return phase
    found.state = "open"
    state.forget_round(event.id, phase.id)
    audit.record(event.id, "vote_open", _label(event, phase))
    log.info("vote %s of event %s opened", phase.id, event.id)
    return phase


def open_voting(event: CafeEvent, phase_id: object = None) -> RoundView:
    """Open (or open again) a round: phones may place and move dots. Refused once its
    results were revealed (``results_revealed``): a vote reopened then would follow them."""
    phase = _phase_of(event, phase_id)
    found = _round(event, phase)
    if found.revealed:
        raise DomainError("results_revealed")
    if found.state != "open":
        found.state = "open"
        audit.record(event.id, "vote_open", _label(event, phase))
    return _committed(event, phase, "opened")


def close_voting(event: CafeEvent, phase_id: object = None) -> RoundView:
    """Close a round: its votes are frozen (a phone's vote is then ``voting_closed``)."""
    phase = _phase_of(event, phase_id)
    found = _round(event, phase)
    if found.state != "closed":
        found.state = "closed"
        audit.record(event.id, "vote_close", _label(event, phase))
    return _committed(event, phase, "closed")


def reveal_results(event: CafeEvent, phase_id: object = None) -> RoundView:
    """Show the round's ranking on boards and phones; an open round is closed first, so
    that nobody votes after seeing it."""
    phase = _phase_of(event, phase_id)
    found = _round(event, phase)
    if found.state == "ready":
        raise DomainError("voting_not_opened")
    if not found.revealed:
        found.state = "closed"
        found.revealed = True
        audit.record(event.id, "vote_reveal", _label(event, phase))
    return _committed(event, phase, "revealed")


def set_dots(event: CafeEvent, phase_id: object, dots: object, per_item: object) -> RoundView:
    """Change the dots each phone spreads (1–10) and the most on one item (1 to the dots),
    before or while the round is open. Lowering them below what a phone has already
    placed is refused (``dots_in_use``): its dots would count beyond the new rule.

    The new dots are written before the dots in use are counted, and undone if a phone
    has more: the write holds the round (PostgreSQL's row lock, SQLite's write lock) until
    the commit, so a vote under way is counted and a vote after it meets the new rule in
    its guard. Counted first, a vote stored between the count and the commit (another
    worker, another thread) was left above the lowered rule.
    """
    phase = _phase_of(event, phase_id)
    total = _whole(dots, "bad_dots_setting", {"max": MAX_DOTS})
    most_allowed = _whole(per_item, "bad_dots_setting", {"max": MAX_DOTS})
    if not 1 <= total <= MAX_DOTS or not 1 <= most_allowed <= total:
        raise DomainError("bad_dots_setting", {"max": MAX_DOTS})
    found = _round(event, phase)
    if found.state == "closed":
        raise DomainError("voting_closed")
    if (found.dots, found.per_item) == (total, most_allowed):
        return _committed(event, phase, "set")
    found.dots, found.per_item = total, most_allowed
    db.session.flush()
    used, most = _in_use(event.id, phase.id)
    if total < used or most_allowed < most:
        db.session.rollback()
        raise DomainError("dots_in_use", {"used": used, "most": most})
    audit.record(event.id, "vote_dots", f"{_label(event, phase)}: {total} / {most_allowed}")
    return _committed(event, phase, "set")


def _in_use(event_id: int, phase: str) -> tuple[int, int]:
    """The most dots one phone has placed in the round, and the most on one item."""
    per_phone: dict[str, int] = {}
    most = 0
    for ballot in state.ballots(event_id, phase):
        per_phone[ballot.device] = per_phone.get(ballot.device, 0) + ballot.dots
        most = max(most, ballot.dots)
    return max(per_phone.values(), default=0), most


def _committed(event: CafeEvent, phase: TemplatePhase, what: str) -> RoundView:
    """Commit the round's change and send every screen the round as it now is."""
    db.session.commit()
    state.forget_round(event.id, phase.id)
    view = state.round_view(event, phase)
    log.info("vote %s of event %s %s", phase.id, event.id, what)
    broadcast.vote_changed(event, view)
    return view
