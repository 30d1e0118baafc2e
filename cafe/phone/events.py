"""The ``/phone`` Socket.IO namespace: what participants' phones send and receive.

See ``docs/protocol.md`` for payloads. Handlers only parse, call one operation and answer.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, session
from flask_babel import get_locale
from flask_socketio import join_room

from cafe import broadcast
from cafe.domain.codes import device_hash, is_valid_device_token
from cafe.domain.errors import DomainError
from cafe.feedback.operations import give_feedback, own_feedback
from cafe.host_role import claim_table_host, release_table_host
from cafe.lookups import check_role, find_table, get_event
from cafe.models import CafeEvent
from cafe.phone import operations as ops
from cafe.phone import state
from cafe.phone.rejoin import event_facts
from cafe.presence import Seat, current_presence
from cafe.sockets import CafeNamespace, acknowledged, refuse, socket_session, socket_sid
from cafe.tips.operations import add_tip
from cafe.voting.events import PhoneVoting


def _event() -> CafeEvent:
    return get_event(session.get("event_id"))


def _device() -> str:
    device = socket_session().get("device")
    if not isinstance(device, str):
        raise DomainError("bad_device")
    return device


def _language() -> str:
    """The phone's language: the page's (``lang`` at connect), else the event's."""
    return str(get_locale())


class PhoneNamespace(PhoneVoting, CafeNamespace):
    """Participants' phones. Rooms: the event, the phone's table, the phone's own device.
    Their dot-voting is :class:`PhoneVoting`'s."""

    #: Served under an app context only (see CafeNamespace): the post path, the hot one,
    #: what every phone sends after every reconnect, all at once after a restart, and the
    #: vote (a whole room votes within seconds).
    lean_events = frozenset({"post", "join", "sync", "vote"})

    def on_connect(self, auth: Any = None) -> None:
        """A phone connects with ``{code, device, lang?}``; a wrong code or token is refused.

        ``lang`` is the language the page is shown in: the phases' labels and prompts and
        every answer come in it (without it, the person's choice, else the event's).
        """
        if not isinstance(auth, dict):
            raise refuse("bad_request")
        limiter = current_app.extensions["cafe_join_limiter"]
        try:
            event = ops.event_for_socket(auth.get("code"))
        except DomainError as error:
            if not limiter.allow(request.remote_addr or "?"):
                raise refuse("too_many_attempts") from error
            raise refuse(error.code) from error
        token = auth.get("device")
        if not isinstance(token, str) or not is_valid_device_token(token):
            raise refuse("bad_device")
        device = device_hash(token)
        language = auth.get("lang")
        if language is not None and language not in current_app.config["CAFE_LANGUAGES"]:
            raise refuse("bad_request")
        if language is not None:
            session["lang"] = language
        session["event_id"] = event.event_id
        session["event_lang"] = event.language
        session["device"] = device
        session["table_id"] = None
        session["role"] = None
        join_room(broadcast.event_room(event.event_id))
        join_room(broadcast.device_room(event.event_id, device))

    def on_disconnect(self, reason: Any = None) -> None:
        """The phone left; boards see the table's phone count drop."""
        seat = current_presence().leave(request.sid)  # type: ignore[attr-defined]
        if seat is not None:
            try:
                broadcast.presence_changed(event_facts(seat.event_id))
            except DomainError:
                pass

    @acknowledged
    def on_join(self, data: dict[str, Any]) -> dict[str, Any]:
        """Sit at ``{table, role}``; answers with the table's state. Sent again after reconnect.

        Served under an app context only (:attr:`lean_events`): the socket's session and
        sid come from :func:`socket_session` and :func:`socket_sid`.
        """
        seat_session = socket_session()
        facts = event_facts(seat_session.get("event_id"))
        table = facts.table(data.get("table"))
        role = check_role(facts, data.get("role"))
        sid = socket_sid()
        previous = seat_session.get("table_id")
        if previous is not None and previous != table.id:
            self.leave_room(sid, broadcast.table_room(previous))
        self.enter_room(sid, broadcast.table_room(table.id))
        seat_session["table_id"] = table.id
        seat_session["role"] = role
        seat = Seat(event_id=facts.id, table_id=table.id, device=_device())
        if current_presence().sit(sid, seat):
            broadcast.presence_changed(facts)
        return {"ok": True, "state": state.phone_state(facts, table, _device(), _language())}

    @acknowledged
    def on_sync(self, data: dict[str, Any]) -> dict[str, Any]:
        """Resend the full state of the phone's event and table (app context only, as join)."""
        seat_session = socket_session()
        facts = event_facts(seat_session.get("event_id"))
        table_id = seat_session.get("table_id")
        table = facts.table(table_id) if table_id is not None else None
        return {"ok": True, "state": state.phone_state(facts, table, _device(), _language())}

    def _table(self, event: CafeEvent) -> Any:
        table_id = session.get("table_id")
        if table_id is None:
            raise DomainError("not_at_table")
        return find_table(event, table_id)

    @acknowledged
    def on_post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Post ``{id, text, core?, table?, phase?}``; idempotent on ``id``.

        ``table`` is the table the phone sat at when the idea was written, and ``phase`` the
        phase it was written in: an outbox resent after the phone moved, or after the
        facilitator moved on, still lands where (and in the section) it was written.
        """
        seat = socket_session()
        event_id = seat.get("event_id")
        if not isinstance(event_id, int):
            raise DomainError("unknown_event")
        table_id = data["table"] if "table" in data else seat.get("table_id")
        if table_id is None:
            raise DomainError("not_at_table")
        result = ops.submit_post(
            event_id,
            table_id=table_id,
            device=_device(),
            client_id=data.get("id"),
            text=data.get("text"),
            role=seat.get("role"),
            core=data.get("core", False),
            phase=data.get("phase"),
        )
        return {
            "ok": True,
            "post": broadcast.post_payload(result.post, own=True),
            "duplicate": result.duplicate,
        }

    @acknowledged
    def on_edit(self, data: dict[str, Any]) -> dict[str, Any]:
        """Change the text of one's own post ``{id, text}``; screened again like a new post."""
        post = ops.edit_post(_event(), _device(), data.get("id"), data.get("text"))
        return {"ok": True, "post": broadcast.post_payload(post, own=True)}

    @acknowledged
    def on_request_review(self, data: dict[str, Any]) -> dict[str, Any]:
        """Send one's own held post ``{id}`` to the facilitators as it is written."""
        post = ops.request_review(_event(), _device(), data.get("id"))
        return {"ok": True, "post": broadcast.post_payload(post, own=True)}

    @acknowledged
    def on_delete(self, data: dict[str, Any]) -> dict[str, Any]:
        """Delete one's own post ``{id}``."""
        post = ops.delete_post(_event(), _device(), data.get("id"))
        return {"ok": True, "id": post.client_id}

    @acknowledged
    def on_mark_core(self, data: dict[str, Any]) -> dict[str, Any]:
        """Table host marks ``{id, core}`` as a core idea or not."""
        post = ops.mark_core(_event(), _device(), data.get("id"), data.get("core"))
        return {"ok": True, "post": broadcast.post_payload(post)}

    @acknowledged
    def on_claim_host(self, data: dict[str, Any]) -> dict[str, Any]:
        """Take the free host role of the phone's table."""
        event = _event()
        table = claim_table_host(event, self._table(event).id, _device())
        return {"ok": True, "table": broadcast.table_payload(table)}

    @acknowledged
    def on_release_host(self, data: dict[str, Any]) -> dict[str, Any]:
        """Give up the host role of the phone's table."""
        event = _event()
        table = release_table_host(event, self._table(event).id, _device())
        return {"ok": True, "table": broadcast.table_payload(table)}

    @acknowledged
    def on_tip(self, data: dict[str, Any]) -> dict[str, Any]:
        """Suggest ``{text}`` (≤300 chars) as a topic for a next Cafe Social; anonymous.

        No seat needed: the join screen may tip too. The device hash only counts against the
        phone's post rate limit (shared with posts); the tip stores event, text and time.
        """
        add_tip(_event(), data.get("text"), _device())
        return {"ok": True}

    @acknowledged
    def on_feedback(self, data: dict[str, Any]) -> dict[str, Any]:
        """Give (or change) this phone's anonymous feedback ``{rating: 1-5, text?, role?}``;
        ``role`` defaults to the role chosen when sitting down."""
        role = data["role"] if "role" in data else session.get("role")
        give_feedback(
            _event(), _device(), rating=data.get("rating"), text=data.get("text"), role=role
        )
        return {"ok": True, "feedback": own_feedback(_event(), _device())}
