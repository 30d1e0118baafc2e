"""Socket handlers of dot-voting: a phone's ``vote`` (on ``/phone``) and the facilitator's
``vote_open``, ``vote_close``, ``vote_reveal`` and ``vote_dots`` (on ``/facilitator``).

Mixins, so that each namespace keeps one connection type; each handler parses, calls one
operation and answers.
"""

from __future__ import annotations

from typing import Any

from flask_babel import get_locale

from cafe.domain.errors import DomainError
from cafe.sockets import acknowledged, facilitator_event, socket_session
from cafe.voting import operations as ops
from cafe.voting import state


class PhoneVoting:
    """A phone spreads its dots (see ``docs/protocol.md``)."""

    @acknowledged
    def on_vote(self, data: dict[str, Any]) -> dict[str, Any]:
        """Put ``{item, dots, phase?, client_id?}``: ``dots`` of this phone's dots on one
        item (an absolute count: 0 takes them off, a resend changes nothing). Answers with
        the phone's dots per item and the dots it has left; its other tabs get ``votes``.

        A hot path (a room votes within seconds): it reads the socket's session through
        :func:`~cafe.sockets.socket_session` only, so that the namespace may serve it under
        an app context (``lean_events``)."""
        seat = socket_session()
        device, event_id = seat.get("device"), seat.get("event_id")
        if not isinstance(device, str):
            raise DomainError("bad_device")
        if isinstance(event_id, bool) or not isinstance(event_id, int):
            raise DomainError("unknown_event")
        cast = ops.cast_vote(
            event_id,
            device,
            role=seat.get("role"),
            item=data.get("item"),
            dots=data.get("dots"),
            phase=data.get("phase"),
            client_id=data.get("client_id"),
        )
        answer = {"ok": True, **state.own_payload(cast.view, cast.mine), "changed": cast.changed}
        if "client_id" in data:
            answer["client_id"] = data["client_id"]
        return answer


def _round(view: state.RoundView) -> dict[str, Any]:
    """A facilitator's answer: the round as the control page shows it."""
    event = facilitator_event()
    return {"ok": True, "vote": state.round_payload(event, view, language=str(get_locale()))}


class FacilitatorVoting:
    """The facilitator steers a vote round; ``phase`` defaults to the current phase."""

    @acknowledged
    def on_vote_open(self, data: dict[str, Any]) -> dict[str, Any]:
        """Open (or open again) voting ``{phase?}``; every phone of the event may vote."""
        return _round(ops.open_voting(facilitator_event(), data.get("phase")))

    @acknowledged
    def on_vote_close(self, data: dict[str, Any]) -> dict[str, Any]:
        """Close voting ``{phase?}``: the votes are frozen."""
        return _round(ops.close_voting(facilitator_event(), data.get("phase")))

    @acknowledged
    def on_vote_reveal(self, data: dict[str, Any]) -> dict[str, Any]:
        """Show the ranking of ``{phase?}`` on boards and phones (closing it if open)."""
        return _round(ops.reveal_results(facilitator_event(), data.get("phase")))

    @acknowledged
    def on_vote_dots(self, data: dict[str, Any]) -> dict[str, Any]:
        """Set ``{phase?, dots: 1-10, per_item: 1-dots}`` before or while voting is open."""
        view = ops.set_dots(
            facilitator_event(), data.get("phase"), data.get("dots"), data.get("per_item")
        )
        return _round(view)
