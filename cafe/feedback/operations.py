"""Verbs of the feedback form: validate, write, commit, then broadcast."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import bindparam, select

from cafe import broadcast
from cafe.broadcast import EventFields
from cafe.domain.feedback import Answer, RoleFeedback, check_answer, feedback_summary
from cafe.extensions import db
from cafe.lookups import check_role
from cafe.models import CafeEvent, Feedback, utcnow

#: Answers are anonymous: a line names the event only, never the rating, text or phone.
log = logging.getLogger(__name__)


def give_feedback(
    event: CafeEvent, device: str, *, rating: object, text: object, role: object
) -> Feedback:
    """Store (or change) this phone's feedback; facilitators see the new summary."""
    clean_rating, clean_text = check_answer(rating, text)
    tag = check_role(event, role)
    answer = db.session.execute(
        select(Feedback).where(Feedback.event_id == event.id, Feedback.device_hash == device)
    ).scalar_one_or_none()
    if answer is None:
        answer = Feedback(event_id=event.id, device_hash=device)
        db.session.add(answer)
    answer.rating, answer.text, answer.role_tag = clean_rating, clean_text, tag
    answer.updated_at = utcnow()
    db.session.commit()
    log.debug("feedback given: event %s", event.id)
    broadcast.feedback_changed(event.id, summary_payload(event))
    return answer


def own_feedback(event: EventFields, device: str) -> dict[str, Any] | None:
    """What this phone answered, so its form can show it and let it be changed."""
    # Every (re)joining phone asks this: three columns, in a statement built once.
    answer = db.session.connection().execute(_OWN, {"event": event.id, "device": device}).first()
    if answer is None:
        return None
    return {"rating": answer.rating, "text": answer.text, "role": answer.role_tag}


_COLUMNS = Feedback.__table__.c
_OWN = select(_COLUMNS.rating, _COLUMNS.text, _COLUMNS.role_tag).where(
    _COLUMNS.event_id == bindparam("event"), _COLUMNS.device_hash == bindparam("device")
)


def _line(line: RoleFeedback) -> dict[str, Any]:
    return {
        "role": line.role,
        "count": line.count,
        "shown": line.shown,
        "average": line.average,
        "ratings": list(line.ratings),
        "texts": list(line.texts),
    }


def summary_lines(event: CafeEvent) -> tuple[RoleFeedback, tuple[RoleFeedback, ...]]:
    """Everyone's line and one per role (a role's figures from 3 phones on, and only when
    the others do not give a smaller group away: ``cafe.domain.suppression``)."""
    rows = db.session.execute(
        select(Feedback.role_tag, Feedback.rating, Feedback.text)
        .where(Feedback.event_id == event.id)
        .order_by(Feedback.id)
    )
    return feedback_summary(
        (Answer(role, rating, text) for role, rating, text in rows), event.role_tags
    )


def summary_payload(event: CafeEvent) -> dict[str, Any]:
    """The facilitator's feedback panel: everyone, then per role (≥ 3 phones to show; a
    hidden line has ``shown`` false and ``count`` null)."""
    total, roles = summary_lines(event)
    return {"total": _line(total), "roles": [_line(line) for line in roles]}
