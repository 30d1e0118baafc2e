"""The ``/facilitator`` Socket.IO namespace: the control page of a logged-in facilitator."""

from __future__ import annotations

from typing import Any

from flask import session
from flask_babel import get_locale
from flask_login import current_user
from flask_socketio import join_room

from cafe import broadcast
from cafe.domain.errors import DomainError
from cafe.facilitator import operations as ops
from cafe.facilitator.state import facilitator_state
from cafe.feedback.operations import summary_payload as feedback_summary
from cafe.gathering.events import GatheringHandlers
from cafe.host_role import offer_table_host, revoke_table_host
from cafe.moderation import operations as moderation
from cafe.sockets import (
    CafeNamespace,
    acknowledged,
    facilitator_event,
    managed_event_of,
    refuse,
)
from cafe.voting.events import FacilitatorVoting


class FacilitatorNamespace(GatheringHandlers, FacilitatorVoting, CafeNamespace):
    """Facilitators connect with ``{event}`` and their login cookie; they steer the event,
    gather its core ideas into the summary (:class:`GatheringHandlers`) and run its votes
    (:class:`FacilitatorVoting`)."""

    def on_connect(self, auth: Any = None) -> None:
        """Refuse anyone not logged in, or an event that does not exist or is not shared
        with the account (the same ``unknown_event``)."""
        if not current_user.is_authenticated:
            raise refuse("not_logged_in")
        event_id = auth.get("event") if isinstance(auth, dict) else None
        try:
            event = managed_event_of(event_id)
        except DomainError as error:
            raise refuse(error.code) from error
        session["event_id"] = event.id
        join_room(broadcast.event_room(event.id))

    @acknowledged
    def on_sync(self, data: dict[str, Any]) -> dict[str, Any]:
        """Full control-page state: every post (hidden ones flagged), tables, presence; the
        phases in the facilitator's interface language."""
        state = facilitator_state(facilitator_event(), str(get_locale()))
        return {"ok": True, "state": state}

    @acknowledged
    def on_phase(self, data: dict[str, Any]) -> dict[str, Any]:
        """Set the phase ``{phase}``; every phone and board follows."""
        event = ops.set_phase(facilitator_event(), data.get("phase"))
        return {"ok": True, "phase": event.phase}

    @acknowledged
    def on_timer(self, data: dict[str, Any]) -> dict[str, Any]:
        """``{action: set|start|pause|reset, seconds?}``; every phone and board follows."""
        event = ops.control_timer(facilitator_event(), data.get("action"), data.get("seconds"))
        return {"ok": True, "timer": broadcast.timer_payload(event.timer)}

    @acknowledged
    def on_hide(self, data: dict[str, Any]) -> dict[str, Any]:
        """Hide ``{id, hidden: true}`` or show again a post (moderation)."""
        post = ops.hide_post(facilitator_event(), data.get("id"), data.get("hidden"))
        payload = broadcast.post_payload(
            post, moderation=True, role_shown=broadcast.role_shown(post)
        )
        return {"ok": True, "post": payload}

    @acknowledged
    def on_approve(self, data: dict[str, Any]) -> dict[str, Any]:
        """Let the held post ``{id}`` out as it is written."""
        post = moderation.approve_post(facilitator_event(), data.get("id"))
        return {"ok": True, "post": broadcast.post_payload(post, moderation=True)}

    @acknowledged
    def on_mask(self, data: dict[str, Any]) -> dict[str, Any]:
        """Replace what the screen found in the held post ``{id}`` with placeholders and let
        it out."""
        post = moderation.mask_post(facilitator_event(), data.get("id"))
        return {"ok": True, "post": broadcast.post_payload(post, moderation=True)}

    @acknowledged
    def on_premoderation(self, data: dict[str, Any]) -> dict[str, Any]:
        """Switch pre-moderation ``{on: bool}``: every post waits for a facilitator."""
        event = moderation.set_premoderation(facilitator_event(), data.get("on"))
        return {"ok": True, "on": event.premoderation}

    @acknowledged
    def on_feedback_summary(self, data: dict[str, Any]) -> dict[str, Any]:
        """The phones' feedback per role (a role's figures from 3 phones on)."""
        return {"ok": True, "summary": feedback_summary(facilitator_event())}

    @acknowledged
    def on_revoke_host(self, data: dict[str, Any]) -> dict[str, Any]:
        """Free the host role of table ``{table}`` so another phone can take it."""
        table = revoke_table_host(facilitator_event(), data.get("table"))
        return {"ok": True, "table": broadcast.table_payload(table)}

    @acknowledged
    def on_offer_host(self, data: dict[str, Any]) -> dict[str, Any]:
        """Offer the host role of table ``{table}`` to its phones (freed first if held);
        the first phone to claim it hosts. The facilitator never learns which phone."""
        table = offer_table_host(facilitator_event(), data.get("table"))
        return {"ok": True, "table": broadcast.table_payload(table)}
