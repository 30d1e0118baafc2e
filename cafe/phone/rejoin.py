"""What a phone's ``join`` and ``sync`` read of its event, made cheap for the reconnect herd.

After a restart every phone of every event sends ``join`` within a few seconds, and the
server answers them one after another: each costs CPU that the next phone waits for
(bench/reconnect_path.py measures it, bench/README.md has the figures). What a join needs
of the event (its phase, timer, role tags, tables and their hosts) is therefore read in
one plain query, no ORM objects (:func:`event_facts`), and the part of the answer that is
the same for every phone of the event, the event's payload in the phone's language, is
built once and kept (:class:`EventPayloads`).

Nothing kept here can go stale: the facts are read afresh on every join, and a kept
payload is found by the facts it was built from (they are its key), so a phase, timer,
host or table changed by this process or by another worker on the same database gives
new facts and a new payload at the next join. What is saved is the building (and the
ORM), not the reading. The table's posts are read on every join too (one query): no
stamp in the database tells cheaply and surely that a table's posts are unchanged (a
hidden post or a core mark leaves its ``updated_at`` alone).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any

from flask import current_app
from sqlalchemy import bindparam, select

from cafe import broadcast
from cafe.domain.errors import DomainError
from cafe.domain.keys import MAX_ID
from cafe.domain.timer import Timer
from cafe.extensions import db
from cafe.models import CafeEvent, EventTable


@dataclass(frozen=True)
class TableFacts:
    """A table as a join needs it (:class:`~cafe.broadcast.TableFields`)."""

    id: int
    position: int
    name: str
    host_hash: str | None


@dataclass(frozen=True)
class EventFacts:
    """An event as a join needs it (:class:`~cafe.broadcast.EventFields`), read in one
    query. Equal facts give the same event payload, the timer's live figures aside: the
    timer takes no part in comparing or hashing them (:class:`EventPayloads`)."""

    id: int
    kind: str
    title: str
    topic: str
    date: dt.date
    start_time: dt.time
    end_time: dt.time
    place: str
    language: str
    join_code: str
    role_tags: tuple[str, ...]
    phase: str
    tables: tuple[TableFacts, ...]
    timer: Timer = field(compare=False)

    def table(self, table_id: object) -> TableFacts:
        """The event's table ``table_id`` or ``unknown_table`` (as
        :func:`cafe.lookups.find_table`)."""
        if isinstance(table_id, bool) or not isinstance(table_id, int):
            raise DomainError("unknown_table")
        for table in self.tables:
            if table.id == table_id:
                return table
        raise DomainError("unknown_table")


_EVENTS = CafeEvent.__table__.c
_TABLES = EventTable.__table__.c

#: The event and its tables in position order, one row per table (an event has at least one).
_FACTS = (
    select(
        _EVENTS.kind,
        _EVENTS.title,
        _EVENTS.topic,
        _EVENTS.date,
        _EVENTS.start_time,
        _EVENTS.end_time,
        _EVENTS.place,
        _EVENTS.language,
        _EVENTS.join_code,
        _EVENTS.role_tags,
        _EVENTS.phase,
        _EVENTS.timer_duration,
        _EVENTS.timer_ends_at,
        _EVENTS.timer_remaining,
        _TABLES.id.label("table_id"),
        _TABLES.position,
        _TABLES.name,
        _TABLES.host_hash,
    )
    .select_from(CafeEvent.__table__.outerjoin(EventTable.__table__))
    .where(_EVENTS.id == bindparam("eid"))
    .order_by(_TABLES.position, _TABLES.id)
)


def event_facts(event_id: object) -> EventFacts:
    """The event ``event_id`` as a join needs it, read now; ``unknown_event`` if none."""
    if isinstance(event_id, bool) or not isinstance(event_id, int) or not 0 < event_id <= MAX_ID:
        raise DomainError("unknown_event")
    rows = db.session.connection().execute(_FACTS, {"eid": event_id}).all()
    if not rows:
        raise DomainError("unknown_event")
    first = rows[0]
    return EventFacts(
        id=event_id,
        kind=first.kind,
        title=first.title,
        topic=first.topic,
        date=first.date,
        start_time=first.start_time,
        end_time=first.end_time,
        place=first.place,
        language=first.language,
        join_code=first.join_code,
        role_tags=tuple(first.role_tags or ()),
        phase=first.phase,
        tables=tuple(
            TableFacts(id=r.table_id, position=r.position, name=r.name, host_hash=r.host_hash)
            for r in rows
            if r.table_id is not None
        ),
        timer=Timer(
            duration=first.timer_duration,
            ends_at=first.timer_ends_at,
            remaining=first.timer_remaining,
        ),
    )


#: Kept payloads per app beyond which the oldest are dropped (a few events, three
#: languages, and a few phases, hosts or timers changed since: far fewer in practice).
KEPT_PAYLOADS = 256


class EventPayloads:
    """The event payload (:func:`cafe.broadcast.event_payload`) built once per event facts
    and language and shared by every phone that joins with the same facts; the timer's
    figures are filled in per answer (its ``remaining`` and ``server_now`` move).

    Per process and app (``app.extensions``), like the post path's kept facts. A kept
    payload is shared: callers must not change it.
    """

    def __init__(self, limit: int = KEPT_PAYLOADS) -> None:
        self._lock = threading.Lock()
        self._kept: dict[tuple[EventFacts, str | None], dict[str, Any]] = {}
        self.limit = limit

    def __len__(self) -> int:
        """How many payloads are kept."""
        with self._lock:
            return len(self._kept)

    def payload(self, facts: EventFacts, language: str | None) -> dict[str, Any]:
        """The event payload of ``facts`` in ``language``, with the timer as it is now."""
        key = (facts, language)
        with self._lock:
            kept = self._kept.get(key)
        if kept is None:
            kept = broadcast.event_payload(facts, language)
            with self._lock:
                if len(self._kept) >= self.limit:
                    # Dicts keep insertion order: the oldest go first.
                    for old in list(self._kept)[: self.limit // 2]:
                        del self._kept[old]
                self._kept[key] = kept
        return {**kept, "timer": broadcast.timer_payload(facts.timer)}


def event_payloads() -> EventPayloads:
    """The app's :class:`EventPayloads`."""
    kept: EventPayloads = current_app.extensions.setdefault("cafe_event_payloads", EventPayloads())
    return kept
