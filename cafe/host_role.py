"""The table host role's verbs: a phone claims a free role or gives its own up, the
facilitator revokes or offers one, and the sweeper of :mod:`cafe.hosts` releases the role of
a host long away. Each changes one table's ``host_hash`` with a conditional UPDATE where two
could race, commits, then broadcasts; the trail records the table, never the phone."""

from __future__ import annotations

import logging

from sqlalchemy import update

from cafe import audit, broadcast
from cafe.domain.errors import DomainError
from cafe.extensions import db
from cafe.lookups import find_table
from cafe.models import CafeEvent, EventTable

log = logging.getLogger(__name__)


def set_table_host(event: CafeEvent, table_id: object, host_hash: str | None) -> EventTable:
    """Give a table's host role to a device, or free it (facilitator's revoke)."""
    table = find_table(event, table_id)
    previous = table.host_hash
    table.host_hash = host_hash
    db.session.commit()
    log.info("event %s: host of table %s %s", event.id, table.id, "set" if host_hash else "freed")
    broadcast.host_changed(table, previous)
    return table


def revoke_table_host(event: CafeEvent, table_id: object) -> EventTable:
    """The facilitator frees a table's host role so another phone can take it; recorded in
    the audit trail (with the table, never the phone) when there was a host to revoke."""
    table = find_table(event, table_id)
    if table.host_hash is not None:
        audit.record(event.id, "revoke_host", table.name)
    return set_table_host(event, table.id, None)


def claim_table_host(event: CafeEvent, table_id: object, device: str) -> EventTable:
    """Let a phone take a free host role; one conditional UPDATE so two phones cannot both win."""
    table = find_table(event, table_id)
    if table.host_hash == device:
        return table
    result = db.session.execute(
        update(EventTable)
        .where(EventTable.id == table.id, EventTable.host_hash.is_(None))
        .values(host_hash=device)
    )
    db.session.commit()
    if result.rowcount != 1:  # type: ignore[attr-defined]
        raise DomainError("host_taken")
    db.session.refresh(table)
    log.info("event %s: host of table %s taken", event.id, table.id)
    broadcast.host_changed(table, None)
    return table


def release_absent_host(table_id: int, device: str) -> EventTable | None:
    """Free the host role of a phone that has been away from its table longer than the
    grace (the sweeper of :mod:`cafe.hosts` decides that), and offer it to the table's
    phones; recorded in the audit trail as automatic, with the table's name only.

    One conditional UPDATE (``WHERE host_hash = device``): a role that has changed hands
    since the sweeper looked is left alone, and None returned.
    """
    table = db.session.get(EventTable, table_id)
    if table is None or table.host_hash != device:
        return None
    result = db.session.execute(
        update(EventTable)
        .where(EventTable.id == table_id, EventTable.host_hash == device)
        .values(host_hash=None)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        return None
    audit.record(table.event_id, "release_host", table.name, automatic=True)
    db.session.commit()
    db.session.refresh(table)
    broadcast.host_changed(table, device)
    broadcast.host_offered(table)
    return table


def offer_table_host(event: CafeEvent, table_id: object) -> EventTable:
    """The facilitator hands a table's host role to whichever of its phones takes it first,
    without learning who: the role is freed if a phone holds it (``revoke_host`` in the
    audit trail) and the table's phones are offered it (``offer_host``).

    The role is freed with a conditional UPDATE on the holder it was read with, so a phone
    that claims it meanwhile is told it lost it (``you_host``) rather than left believing
    it hosts; the claims that follow the offer race through ``claim_table_host``.
    """
    table = find_table(event, table_id)
    for _attempt in range(3):
        previous = table.host_hash
        holder = (
            EventTable.host_hash.is_(None) if previous is None else EventTable.host_hash == previous
        )
        result = db.session.execute(
            update(EventTable).where(EventTable.id == table.id, holder).values(host_hash=None)
        )
        if result.rowcount == 1:  # type: ignore[attr-defined]
            break
        db.session.rollback()
        db.session.refresh(table)
    else:
        raise DomainError("host_taken")
    if previous is not None:
        audit.record(event.id, "revoke_host", table.name)
    audit.record(event.id, "offer_host", table.name)
    db.session.commit()
    db.session.refresh(table)
    broadcast.host_changed(table, previous)
    broadcast.host_offered(table)
    return table


def release_table_host(event: CafeEvent, table_id: object, device: str) -> EventTable:
    """Let the host phone give the role up."""
    table = find_table(event, table_id)
    if table.host_hash != device:
        raise DomainError("not_host")
    return set_table_host(event, table.id, None)
