"""The facilitator's verbs on an event: create it, move its phase, run its timer, hide or
show a post. Each validates, writes, commits, then broadcasts. Finding what a request names
is :mod:`cafe.lookups`; the table host role's verbs are :mod:`cafe.host_role`; the control
page's payload is :mod:`cafe.facilitator.state`."""

from __future__ import annotations

import logging
import time

from sqlalchemy.exc import IntegrityError

from cafe import audit, broadcast
from cafe.documents.kinds import KINDS
from cafe.domain import timer as timers
from cafe.domain.codes import new_board_token, new_join_code
from cafe.domain.errors import DomainError
from cafe.domain.plan import EventPlan
from cafe.domain.workshops import WorkshopTemplate
from cafe.extensions import db
from cafe.lookups import find_post
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
from cafe.reports.operations import store_planned_report
from cafe.voting import operations as voting
from cafe.voting.state import round_view
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
            store_planned_report(event, plan.report, created_by_id)
        return event
    raise RuntimeError("could not draw a free join code in 20 attempts")


def _check_plan_fits(plan: EventPlan, template: WorkshopTemplate) -> None:
    """A plan's summary themes name only the template's sections (a Cafe Social has none),
    and only a workshop that exports the service-pilot report takes ``[report]``."""
    for theme in plan.summary_themes:
        if theme.section is not None and theme.section not in template.sections:
            raise DomainError("unknown_section", {"choices": ", ".join(template.sections) or "-"})
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
