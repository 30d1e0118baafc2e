"""Verbs on events: validate, write, commit, then broadcast."""

from __future__ import annotations

import logging
import time
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from cafe import audit, broadcast
from cafe.domain import timer as timers
from cafe.domain.codes import new_board_token, new_join_code
from cafe.domain.errors import DomainError
from cafe.domain.keys import MAX_ID
from cafe.domain.plan import EventPlan
from cafe.domain.workshops import WorkshopTemplate
from cafe.extensions import db
from cafe.gathering.state import live_summary
from cafe.models import (
    CafeEvent,
    EventOwner,
    EventTable,
    Opener,
    Post,
    SummaryIntro,
    SummaryRevision,
    Theme,
)
from cafe.voting import operations as voting
from cafe.voting.state import board_vote, facilitator_votes, round_view
from cafe.workshops import template_named, template_of, title_for

log = logging.getLogger(__name__)


def create_event(plan: EventPlan, created_by_id: int | None = None) -> CafeEvent:
    """Create an event with its openers and tables from a validated plan, running the
    plan's workshop template (``unknown_template`` if it is not installed), owned by the
    account ``created_by_id`` (none: by the admins only).

    The join code is random; on the rare collision with an existing code a new one is
    drawn (the unique constraint decides, so two processes cannot both win).
    """
    template = template_named(plan.template)
    _check_plan_fits(plan, template)
    role_tags = plan.role_tags if plan.role_tags_given else template.role_tags
    for _attempt in range(20):
        event = CafeEvent(
            kind=template.name,
            title=title_for(plan.title, template, plan.language),
            topic=plan.topic,
            date=plan.date,
            start_time=plan.start,
            end_time=plan.end,
            place=plan.place,
            language=plan.language,
            role_tags=list(role_tags),
            next_date=plan.next_date,
            next_start=plan.next_start,
            next_end=plan.next_end,
            footer=plan.footer,
            openers_sentence=plan.openers_sentence,
            method_sentence=plan.method_sentence,
            join_code=new_join_code(),
            board_token=new_board_token(),
            created_by_id=created_by_id,
            premoderation=plan.premoderation,
        )
        event.openers = [
            Opener(position=i, name=o.name, title=o.title, organisation=o.organisation, talk=o.talk)
            for i, o in enumerate(plan.openers, start=1)
        ]
        event.tables = [EventTable(position=i, name=n) for i, n in enumerate(plan.tables, start=1)]
        # Its creator owns it; an event made without one (``cafe event create`` without
        # ``--owner``) is seen by the admins only.
        event.owners = [] if created_by_id is None else [EventOwner(user_id=created_by_id)]
        db.session.add(event)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            continue
        _typed_summary(event, plan)
        db.session.commit()
        log.info("event %s created: %s, %d tables", event.id, template.name, len(event.tables))
        if plan.report is not None:
            # Imported here: the report's assembly reads feedback, whose verbs use this
            # module's check_role.
            from cafe.reports.operations import store_planned_report

            store_planned_report(event, plan.report, created_by_id)
        return event
    raise RuntimeError("could not draw a free join code in 20 attempts")


def _check_plan_fits(plan: EventPlan, template: WorkshopTemplate) -> None:
    """A plan's summary themes name only the template's sections (a Cafe Social has none),
    and only a workshop that exports the service-pilot report takes ``[report]``."""
    for theme in plan.summary_themes:
        if theme.section is not None and theme.section not in template.sections:
            raise DomainError("unknown_section", {"choices": ", ".join(template.sections) or "-"})
    # Imported here, as store_planned_report above: the kinds' assembly reads feedback.
    from cafe.documents.kinds import KINDS

    if plan.report is not None and not KINDS[template.export].planned:
        raise DomainError("plan_report_not_workshop")


def _typed_summary(event: CafeEvent, plan: EventPlan) -> None:
    """Store a summary typed into the plan (a memo written up afterwards) as revision 1 of
    its intro and themes, as if a facilitator had saved them."""
    if plan.summary_intro:
        db.session.add(SummaryIntro(event_id=event.id, body=plan.summary_intro, revision=1))
        db.session.add(
            SummaryRevision(event_id=event.id, part="intro", number=1, body=plan.summary_intro)
        )
    for position, (title, body, section) in enumerate(plan.summary_themes):
        theme = Theme(
            event_id=event.id,
            position=position,
            title=title,
            body=body,
            revision=1,
            section=section,
        )
        db.session.add(theme)
        db.session.flush()
        db.session.add(
            SummaryRevision(
                event_id=event.id,
                part=SummaryRevision.theme_part(theme.id),
                number=1,
                title=title,
                body=body,
            )
        )


def check_role(event: broadcast.EventFields, role: object) -> str | None:
    """Return the chosen role tag, None for "no tag", or raise ``bad_role``."""
    if role is None or role == "":
        return None
    if not isinstance(role, str) or role not in event.role_tags:
        raise DomainError("bad_role")
    return role


def get_event(event_id: object) -> CafeEvent:
    """Return the event or raise ``unknown_event``."""
    if isinstance(event_id, bool) or not isinstance(event_id, int) or not 0 < event_id <= MAX_ID:
        raise DomainError("unknown_event")
    event = db.session.get(CafeEvent, event_id)
    if event is None:
        raise DomainError("unknown_event")
    return event


def event_by_board_token(token: object) -> CafeEvent:
    """Return the event whose board link carries ``token`` or raise ``bad_board_token``."""
    if not isinstance(token, str) or not 16 <= len(token) <= 64:
        raise DomainError("bad_board_token")
    event = db.session.execute(
        select(CafeEvent).where(CafeEvent.board_token == token)
    ).scalar_one_or_none()
    if event is None:
        raise DomainError("bad_board_token")
    return event


def set_phase(event: CafeEvent, phase: object) -> CafeEvent:
    """Move the event to another phase; every screen follows."""
    if not isinstance(phase, str) or template_of(event).phase(phase) is None:
        raise DomainError("bad_phase")
    event.phase = phase
    # Entering a vote phase opens its voting, in the same transaction as the move.
    voting_phase = voting.phase_entered(event)
    db.session.commit()
    log.info("event %s: phase %s", event.id, phase)
    broadcast.phase_changed(event)
    if voting_phase is not None:
        broadcast.vote_changed(event, round_view(event, voting_phase))
    return event


def control_timer(event: CafeEvent, action: object, seconds: object = None) -> CafeEvent:
    """Set (``seconds``), start, pause or reset the countdown; every screen follows."""
    now = time.time()
    current = event.timer
    if action == "set":
        new = timers.set_duration(seconds)
    elif action == "start":
        new = timers.start(current, now)
    elif action == "pause":
        new = timers.pause(current, now)
    elif action == "reset":
        new = timers.reset(current)
    else:
        raise DomainError("bad_timer_action")
    event.timer = new
    db.session.commit()
    log.info("event %s: timer %s", event.id, action)
    broadcast.timer_changed(event)
    return event


def find_table(event: CafeEvent, table_id: object) -> EventTable:
    """Return the event's table with ``table_id`` or raise ``unknown_table``."""
    if isinstance(table_id, bool) or not isinstance(table_id, int):
        raise DomainError("unknown_table")
    for table in event.tables:
        if table.id == table_id:
            return table
    raise DomainError("unknown_table")


def find_post(event: CafeEvent, client_id: object) -> Post:
    """Return the event's post with ``client_id`` or raise ``unknown_post``."""
    if not isinstance(client_id, str) or len(client_id) > 36:
        raise DomainError("unknown_post")
    post = db.session.execute(
        select(Post).where(Post.event_id == event.id, Post.client_id == client_id)
    ).scalar_one_or_none()
    if post is None:
        raise DomainError("unknown_post")
    return post


def hide_post(event: CafeEvent, client_id: object, hidden: object) -> Post:
    """Hide a post from phones and boards (or show it again); the writer stays unknown."""
    if not isinstance(hidden, bool):
        raise DomainError("bad_request")
    post = find_post(event, client_id)
    if post.deleted:
        raise DomainError("post_gone")
    was_visible, was_held = post.visible, post.held
    if post.hidden != hidden:
        # The table, never the post's words: the trail must not keep what was hidden.
        audit.record(event.id, "hide" if hidden else "show", post.table.name)
    post.hidden = hidden
    db.session.commit()
    broadcast.post_changed(post, was_core=post.is_core, was_visible=was_visible, was_held=was_held)
    return post


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


def visible_posts(table_ids: list[int], *, core_only: bool = False) -> list[Post]:
    """Visible posts at the given tables, oldest first."""
    if not table_ids:
        return []
    query = select(Post).where(Post.table_id.in_(table_ids), *Post.visible_filter())
    if core_only:
        query = query.where(Post.is_core.is_(True))
    return list(db.session.execute(query.order_by(Post.id)).scalars())


def board_state(event: CafeEvent) -> dict[str, Any]:
    """Everything a board needs after (re)connecting: event, core ideas, presence, summary."""
    cores = visible_posts([t.id for t in event.tables], core_only=True)
    return {
        "event": broadcast.event_payload(event),
        "cores": [broadcast.post_payload(p) for p in cores],
        "presence": broadcast.presence_payload(event),
        "summary": live_summary(event),
        # The vote round of a vote phase (its chart once revealed), else null.
        "vote": board_vote(event),
    }


def facilitator_state(event: CafeEvent, language: str | None = None) -> dict[str, Any]:
    """Everything the control page needs: every post (hidden and held ones flagged, held
    ones with what the screen found), presence, and whether pre-moderation is on; the
    phases in the facilitator's ``language``."""
    posts = db.session.execute(
        select(Post).where(Post.event_id == event.id, Post.deleted.is_(False)).order_by(Post.id)
    ).scalars()
    carriers = broadcast.role_carriers(event.id)
    return {
        "event": broadcast.event_payload(event, language),
        "posts": [
            broadcast.post_payload(p, moderation=True, role_shown=broadcast.role_shown(p, carriers))
            for p in posts
        ],
        "presence": broadcast.presence_payload(event),
        "premoderation": event.premoderation,
        # The audit trail's newest entries; later ones arrive as ``audit`` broadcasts.
        "audit": audit.trail_payload(event.id),
        # Every vote phase's round, set up or not yet (the template's dots).
        "votes": facilitator_votes(event, language or event.language),
    }
