"""The one place that builds real-time payloads and sends them.

Every broadcast is ``socketio.emit(...)`` called *after* the database commit, so that a
receiver that asks for fresh state sees what it was told about, and so that switching on
Flask-SocketIO's ``message_queue`` (Redis) relays every broadcast between processes with
no change here. ``docs/protocol.md`` lists what goes to whom.

``socketio`` is looked up in ``cafe.extensions`` when something is sent, not imported here:
the operations import this module, and a command that only reads (``cafe export``) must
not import the socket layer with them (issue 14).
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Sequence
from typing import Any, Protocol

from flask import Flask, current_app
from sqlalchemy import func, select

from cafe import extensions
from cafe.domain.timer import Timer
from cafe.domain.voice import MIN_PHONES_PER_ROLE
from cafe.extensions import db
from cafe.gathering.state import summary_changed, summary_payload
from cafe.models import CafeEvent, EventTable, Post, VoteRound
from cafe.presence import Presence, PresenceThrottle, current_presence
from cafe.voting.state import (
    RoundView,
    round_payload,
    round_view,
    section_voted,
    vote_phase,
    voters,
)
from cafe.workshops import event_title, phases_payload, template_of

PHONE = "/phone"
BOARD = "/board"
FACILITATOR = "/facilitator"


# --- rooms -------------------------------------------------------------------------------


def event_room(event_id: int) -> str:
    """Every socket of an event, in each namespace."""
    return f"event:{event_id}"


def table_room(table_id: int) -> str:
    """The phones sitting at one table."""
    return f"table:{table_id}"


def device_room(event_id: int, device: str) -> str:
    """All sockets of one phone in one event (it may have two tabs open)."""
    return f"device:{event_id}:{device}"


# --- payloads ----------------------------------------------------------------------------


def timer_payload(timer: Timer, now: float | None = None) -> dict[str, Any]:
    """The countdown; clients tick locally, correcting by ``server_now``."""
    now = time.time() if now is None else now
    return {
        "duration": timer.duration,
        "running": timer.running,
        "ends_at": int(timer.ends_at * 1000) if timer.ends_at is not None else None,
        "remaining": timer.seconds_left(now),
        "server_now": int(now * 1000),
    }


class TableFields(Protocol):
    """What :func:`table_payload` reads of a table: an :class:`~cafe.models.EventTable`, or
    the plain facts a phone's rejoin reads (:class:`cafe.phone.rejoin.TableFacts`)."""

    @property
    def id(self) -> int: ...
    @property
    def position(self) -> int: ...
    @property
    def name(self) -> str: ...
    @property
    def host_hash(self) -> str | None: ...


class EventFields(Protocol):
    """What :func:`event_payload` reads of an event: a :class:`~cafe.models.CafeEvent`, or
    the plain facts a phone's rejoin reads in one query (:class:`cafe.phone.rejoin.EventFacts`)."""

    @property
    def id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def title(self) -> str: ...
    @property
    def topic(self) -> str: ...
    @property
    def date(self) -> dt.date: ...
    @property
    def start_time(self) -> dt.time: ...
    @property
    def end_time(self) -> dt.time: ...
    @property
    def place(self) -> str: ...
    @property
    def language(self) -> str: ...
    @property
    def join_code(self) -> str: ...
    @property
    def role_tags(self) -> Sequence[str]: ...
    @property
    def phase(self) -> str: ...
    @property
    def timer(self) -> Timer: ...
    @property
    def tables(self) -> Sequence[TableFields]: ...


def table_payload(table: TableFields) -> dict[str, Any]:
    """A table as everyone may see it (whether it has a host, never who)."""
    return {
        "id": table.id,
        "number": table.position,
        "name": table.name,
        "has_host": table.host_hash is not None,
    }


def event_payload(event: EventFields, language: str | None = None) -> dict[str, Any]:
    """The public description of a running event; its phases' labels and prompts in
    ``language`` (the reader's: a phone's, a facilitator's), by default the event's."""
    return {
        "id": event.id,
        "title": event_title(event),
        "topic": event.topic,
        "date": event.date.isoformat(),
        "start": event.start_time.strftime("%H:%M"),
        "end": event.end_time.strftime("%H:%M"),
        "place": event.place,
        "language": event.language,
        "join_code": event.join_code,
        "role_tags": list(event.role_tags),
        "phase": event.phase,
        # The template's phases (labels and prompts in the reader's language, else the
        # event's): screens follow a phase by its kind, not its name.
        "template": template_of(event).name,
        "phases": phases_payload(template_of(event), language or event.language, event.language),
        "timer": timer_payload(event.timer),
        "tables": [table_payload(t) for t in event.tables],
    }


class PostFields(Protocol):
    """What :func:`post_payload` reads of a post: a :class:`~cafe.models.Post`, or a row
    of those columns with ``held`` (a phone's rejoin reads its table's posts as plain rows:
    a herd of phones asks at once, and building ORM objects cost a fifth of a rejoin)."""

    @property
    def client_id(self) -> str: ...
    @property
    def table_id(self) -> int: ...
    @property
    def text(self) -> str: ...
    @property
    def role_tag(self) -> str | None: ...
    @property
    def is_core(self) -> bool: ...
    @property
    def created_at(self) -> dt.datetime: ...
    @property
    def updated_at(self) -> dt.datetime: ...
    @property
    def hidden(self) -> bool: ...
    @property
    def held(self) -> bool: ...
    @property
    def review(self) -> str | None: ...
    @property
    def findings(self) -> list[dict[str, Any]] | None: ...


def post_payload(
    post: PostFields, *, moderation: bool = False, own: bool = False, role_shown: bool = True
) -> dict[str, Any]:
    """A post as phones and boards see it.

    ``moderation`` (the control page) adds the hidden flag, the review state and what the
    personal-data screen found; ``own`` (the writer's phone) adds the review state and the
    findings to a held post, so the writer sees which words held it back.
    ``role_shown=False`` blanks the role tag of a post that would otherwise single out its
    writer on the control page.

    The writer's device hash never leaves the server: a phone recognises its own
    posts by the client ids it generated.
    """
    payload: dict[str, Any] = {
        "id": post.client_id,
        "table": post.table_id,
        "text": post.text,
        "role": post.role_tag if role_shown else None,
        "core": post.is_core,
        "created": post.created_at.isoformat() + "Z",
        "edited": post.updated_at > post.created_at,
    }
    if moderation:
        payload["hidden"] = post.hidden
    if moderation or (own and post.held):
        payload["review"] = post.review if post.held else None
        payload["findings"] = list(post.findings or []) if post.held else []
    return payload


def role_carriers(event_id: int) -> dict[tuple[int, str], int]:
    """Phones per (table, role tag) among the event's posts."""
    rows = db.session.execute(
        select(Post.table_id, Post.role_tag, func.count(func.distinct(Post.device_hash)))
        .where(Post.event_id == event_id, Post.role_tag.is_not(None))
        .group_by(Post.table_id, Post.role_tag)
    )
    return {(table, role): n for table, role, n in rows if role is not None}


def role_shown(post: Post, carriers: dict[tuple[int, str], int] | None = None) -> bool:
    """Whether the control page may show the role tag of this post.

    A post phones can see shows its tag anyway. A hidden or held one shows it only when
    at least three phones at its table carry the tag: otherwise "the hidden post is by the
    only client at table 3" tells who wrote it.
    """
    if post.visible or post.role_tag is None:
        return True
    if carriers is None:
        carriers = role_carriers(post.event_id)
    return carriers.get((post.table_id, post.role_tag), 0) >= MIN_PHONES_PER_ROLE


def presence_payload(event: CafeEvent) -> dict[str, Any]:
    """Connected phones per table id."""
    return _presence_of([t.id for t in event.tables], current_presence())


def _presence_of(table_ids: list[int], presence: Presence) -> dict[str, Any]:
    counts = presence.counts(table_ids)
    return {"tables": {str(tid): n for tid, n in counts.items()}}


# --- broadcasts --------------------------------------------------------------------------


def post_changed(
    post: Post,
    *,
    was_core: bool = False,
    was_visible: bool = True,
    was_held: bool = False,
) -> None:
    """A post was written, edited, marked, held, approved, masked, hidden, shown or deleted.

    Phones at its table get ``post`` or ``post_removed``; a held post goes only to its
    writer's own phone (its device room), with what the screen found. Facilitators get
    ``post`` with the hidden flag and the review state (the role tag only as
    :func:`role_shown` allows); boards get ``core`` or ``core_removed`` when it is, or was, a
    visible core idea. Nobody but the writer and the facilitators ever hears of a held post.
    """
    payload = post_payload(post)
    if post.visible:
        extensions.socketio.emit("post", payload, to=table_room(post.table_id), namespace=PHONE)
    elif was_visible:
        extensions.socketio.emit(
            "post_removed",
            {"id": post.client_id, "table": post.table_id},
            to=table_room(post.table_id),
            namespace=PHONE,
        )
    if post.held:
        extensions.socketio.emit(
            "post",
            post_payload(post, own=True),
            to=device_room(post.event_id, post.device_hash),
            namespace=PHONE,
        )
    elif was_held and not post.visible:
        # Hidden or deleted while held: gone from the writer's phone too.
        extensions.socketio.emit(
            "post_removed",
            {"id": post.client_id, "table": post.table_id},
            to=device_room(post.event_id, post.device_hash),
            namespace=PHONE,
        )
    if post.deleted:
        extensions.socketio.emit(
            "post_removed",
            {"id": post.client_id, "table": post.table_id},
            to=event_room(post.event_id),
            namespace=FACILITATOR,
        )
    else:
        extensions.socketio.emit(
            "post",
            post_payload(post, moderation=True, role_shown=role_shown(post)),
            to=event_room(post.event_id),
            namespace=FACILITATOR,
        )
    if post.visible and post.is_core:
        extensions.socketio.emit("core", payload, to=event_room(post.event_id), namespace=BOARD)
    elif was_core and was_visible:
        extensions.socketio.emit(
            "core_removed",
            {"id": post.client_id, "table": post.table_id},
            to=event_room(post.event_id),
            namespace=BOARD,
        )
    if post.item_id is not None:
        # A gathered core idea was edited, hidden or unmarked: the live summary shows it.
        _summary_refresh(post.event_id)
    if (post.is_core or was_core) and section_voted(post.event_id, post.section):
        _section_vote_refresh(post)


def _section_vote_refresh(post: Post) -> None:
    """A core idea of a section a vote phase votes on was written, edited, marked or
    unmarked, hidden, shown or deleted: during that vote it is (or was) one of the items,
    so every screen gets the round again with its items as they now are (a phone must
    not keep listing an idea the facilitator hid)."""
    event = db.session.get(CafeEvent, post.event_id)
    voting = vote_phase(event) if event is not None else None
    if event is not None and voting is not None and voting.section == post.section:
        vote_changed(event, round_view(event, voting))


def _summary_refresh(event_id: int) -> None:
    """Send boards and phones the summary as it now reads."""
    event = db.session.get(CafeEvent, event_id)
    if event is not None:
        summary_sent(event_id, summary_payload(event))


def summary_sent(event_id: int, summary: dict[str, Any]) -> None:
    """Every board and phone of the event shows this summary; so will those that (re)join
    later (it is kept as the event's live summary: :class:`cafe.gathering.state.SummaryCache`)."""
    summary_changed(event_id, summary)
    for namespace in (BOARD, PHONE):
        extensions.socketio.emit("summary", summary, to=event_room(event_id), namespace=namespace)


def gathering_changed(event_id: int, gathering: dict[str, Any]) -> None:
    """Facilitators get the whole gathering; boards and phones its summary. During a vote
    on the themes, everyone gets the round again: its items are the themes."""
    extensions.socketio.emit("gathering", gathering, to=event_room(event_id), namespace=FACILITATOR)
    summary_sent(event_id, gathering["summary"])
    event = db.session.get(CafeEvent, event_id)
    voting = vote_phase(event) if event is not None else None
    if event is not None and voting is not None and voting.section is None:
        vote_changed(event, round_view(event, voting))


def premoderation_changed(event: CafeEvent) -> None:
    """Facilitators' control pages follow the pre-moderation switch (phones are not told)."""
    extensions.socketio.emit(
        "premoderation",
        {"on": event.premoderation},
        to=event_room(event.id),
        namespace=FACILITATOR,
    )


def phase_changed(event: CafeEvent) -> None:
    """Every phone, board and facilitator of the event follows the new phase."""
    for namespace in (PHONE, BOARD, FACILITATOR):
        extensions.socketio.emit(
            "phase", {"phase": event.phase}, to=event_room(event.id), namespace=namespace
        )


def timer_changed(event: CafeEvent) -> None:
    """Every phone, board and facilitator of the event follows the countdown."""
    payload = timer_payload(event.timer)
    for namespace in (PHONE, BOARD, FACILITATOR):
        extensions.socketio.emit("timer", payload, to=event_room(event.id), namespace=namespace)


def host_changed(table: EventTable, previous_host: str | None) -> None:
    """A table's host role was taken, released or revoked.

    Everyone learns whether the table has a host; the phone that gained or lost the role
    learns it through its private device room.
    """
    payload = table_payload(table)
    for namespace in (BOARD, FACILITATOR):
        extensions.socketio.emit(
            "table", payload, to=event_room(table.event_id), namespace=namespace
        )
    extensions.socketio.emit("table", payload, to=table_room(table.id), namespace=PHONE)
    if previous_host and previous_host != table.host_hash:
        extensions.socketio.emit(
            "you_host",
            {"table": table.id, "host": False},
            to=device_room(table.event_id, previous_host),
            namespace=PHONE,
        )
    if table.host_hash:
        extensions.socketio.emit(
            "you_host",
            {"table": table.id, "host": True},
            to=device_room(table.event_id, table.host_hash),
            namespace=PHONE,
        )


def host_offered(table: EventTable) -> None:
    """The phones at a table are offered its free host role (its host's phone stayed away,
    or the facilitator handed the role on): the first ``claim_host`` takes it."""
    extensions.socketio.emit(
        "host_offer", {"table": table.id}, to=table_room(table.id), namespace=PHONE
    )


def presence_changed(event: EventFields) -> None:
    """Boards and facilitators see how many phones sit at each table: at most one
    ``presence`` per event every 0.25 s, the last one always (:class:`PresenceThrottle`)."""
    throttle = current_app.extensions.get("cafe_presence_throttle")
    if throttle is None:
        # The throttle sends from a background task, outside the app's context: it is
        # given the app's presence here.
        presence = current_presence()

        def send(event_id: int, table_ids: list[int]) -> None:
            _send_presence(event_id, table_ids, presence)

        throttle = current_app.extensions.setdefault(
            "cafe_presence_throttle",
            PresenceThrottle(
                send, extensions.socketio.start_background_task, extensions.socketio.sleep
            ),
        )
    throttle.changed(event.id, [t.id for t in event.tables])


def presence_lost(app: Flask, event_ids: list[int]) -> None:
    """A worker died with phones of these events connected (:mod:`cafe.presence`): their
    boards and control pages get the counts without them (any live worker sends this)."""
    with app.app_context():
        rows = db.session.execute(
            select(EventTable.event_id, EventTable.id).where(EventTable.event_id.in_(event_ids))
        ).all()
        db.session.rollback()
        tables: dict[int, list[int]] = {}
        for event_id, table_id in rows:
            tables.setdefault(event_id, []).append(table_id)
        for event_id, table_ids in tables.items():
            _send_presence(event_id, table_ids, current_presence())


def _send_presence(event_id: int, table_ids: list[int], presence: Presence) -> None:
    payload = _presence_of(table_ids, presence)
    for namespace in (BOARD, FACILITATOR):
        extensions.socketio.emit("presence", payload, to=event_room(event_id), namespace=namespace)


def vote_changed(event: CafeEvent, view: RoundView) -> None:
    """A vote round was opened, closed, revealed or given other dots: every phone,
    board and control page gets the round (``vote``); boards also its chart once revealed,
    titled in the event's language (theirs)."""
    board = round_payload(event, view, language=event.language, chart=True)
    payload = {key: value for key, value in board.items() if key != "chart"}
    for namespace in (PHONE, FACILITATOR):
        extensions.socketio.emit("vote", payload, to=event_room(event.id), namespace=namespace)
    extensions.socketio.emit("vote", board, to=event_room(event.id), namespace=BOARD)


def own_votes(event_id: int, device: str, votes: dict[str, Any]) -> None:
    """A phone's own dots per item and dots left (``votes``), to every tab of that phone
    (its device room): the tab that voted has them in its answer too."""
    extensions.socketio.emit("votes", votes, to=device_room(event_id, device), namespace=PHONE)


def vote_count_changed(event_id: int) -> None:
    """A phone placed its first dot, or took its last one off: boards and control pages
    see how many phones have voted (``vote_count``), never how, at most once every 0.25 s
    per event and always the last count (:class:`PresenceThrottle`, as presence)."""
    throttle = current_app.extensions.get("cafe_vote_count_throttle")
    if throttle is None:
        app = current_app._get_current_object()  # type: ignore[attr-defined]

        def send(event: int, _unused: list[int]) -> None:
            # Perhaps in a background task of its own: the count is read when it is sent.
            with app.app_context():
                _send_vote_count(event)

        throttle = current_app.extensions.setdefault(
            "cafe_vote_count_throttle",
            PresenceThrottle(
                send, extensions.socketio.start_background_task, extensions.socketio.sleep
            ),
        )
    throttle.changed(event_id, [])


def _send_vote_count(event_id: int) -> None:
    rounds = db.session.execute(
        select(VoteRound.phase).where(VoteRound.event_id == event_id)
    ).scalars()
    for phase in list(rounds):
        payload = {"phase": phase, "voters": voters(event_id, phase)}
        for namespace in (BOARD, FACILITATOR):
            extensions.socketio.emit(
                "vote_count", payload, to=event_room(event_id), namespace=namespace
            )


def feedback_changed(event_id: int, summary: dict[str, Any]) -> None:
    """Facilitators see the feedback summary change as phones answer."""
    extensions.socketio.emit("feedback", summary, to=event_room(event_id), namespace=FACILITATOR)


def audit_recorded(event_id: int, entry: dict[str, Any]) -> None:
    """Facilitators' control pages add a new entry of the audit trail (``cafe.audit``
    sends it once the action's commit has succeeded)."""
    extensions.socketio.emit("audit", entry, to=event_room(event_id), namespace=FACILITATOR)
