"""Socket handlers of the gathering view, on the ``/facilitator`` namespace.

A mixin, so that the control page and the gathering view share one logged-in
connection type; each handler parses, calls one operation and answers.
"""

from __future__ import annotations

from typing import Any

from flask_login import current_user

from cafe.gathering import operations as ops
from cafe.gathering import state
from cafe.messages import error_ack
from cafe.moderation.screening import findings_in
from cafe.sockets import acknowledged, facilitator_event


def _author() -> int | None:
    return current_user.id if current_user.is_authenticated else None


def _stale(error: ops.StaleRevision) -> dict[str, Any]:
    """ "Modified in the meantime", with the newer text for the facilitator to compare."""
    return {**error_ack(error), "current": error.current}


def _done(change: ops.Undoable[Any], **answer: Any) -> dict[str, Any]:
    """An undoable change's answer: ``undo`` is the change that takes it back, to send as it
    is (its own answer's ``undo`` is then the redo; see :mod:`cafe.gathering.undo`)."""
    return {"ok": True, **answer, "undo": change.undo}


class GatheringHandlers:
    """Themes, items, the summary text and suggestions (see ``docs/protocol.md``).

    Every change to the gathering goes to the event's facilitators (``gathering``) and its
    boards and phones (``summary``) once committed.
    """

    @acknowledged
    def on_gather_sync(self, data: dict[str, Any]) -> dict[str, Any]:
        """The whole gathering, after gathering any new core ideas into un-themed items."""
        event = facilitator_event()
        ops.ensure_items(event)
        return {"ok": True, "gathering": state.gathering_payload(event)}

    @acknowledged
    def on_theme_create(self, data: dict[str, Any]) -> dict[str, Any]:
        """New theme ``{title, items?, section?}`` at the end; ``items`` moves those items
        into it; ``section`` is a workshop's section (``process``: a numbered step)."""
        change = ops.create_theme(
            facilitator_event(),
            data.get("title"),
            author_id=_author(),
            items=data.get("items", []),
            section=data.get("section"),
        )
        return _done(change, theme=change.value.id)

    @acknowledged
    def on_theme_save(self, data: dict[str, Any]) -> dict[str, Any]:
        """Save ``{theme, base, title, body}``; refused with the newer text if ``base`` is old."""
        try:
            theme = ops.save_theme(
                facilitator_event(),
                data.get("theme"),
                base=data.get("base"),
                title=data.get("title"),
                body=data.get("body"),
                author_id=_author(),
            )
        except ops.StaleRevision as error:
            return _stale(error)
        # Saved; what the personal-data screen finds in it is shown beside the editor.
        language = facilitator_event().language
        return {
            "ok": True,
            "revision": theme.revision,
            "findings": {
                "title": findings_in(theme.title, language),
                "body": findings_in(theme.body, language),
            },
        }

    @acknowledged
    def on_theme_move(self, data: dict[str, Any]) -> dict[str, Any]:
        """Move theme ``{theme, index}`` in the summary's order."""
        ops.move_theme(facilitator_event(), data.get("theme"), data.get("index"))
        return {"ok": True}

    @acknowledged
    def on_theme_delete(self, data: dict[str, Any]) -> dict[str, Any]:
        """Delete theme ``{theme, expect?}``; its items become un-themed."""
        change = ops.delete_theme(facilitator_event(), data.get("theme"), data.get("expect"))
        return _done(change)

    @acknowledged
    def on_theme_restore(self, data: dict[str, Any]) -> dict[str, Any]:
        """Bring a deleted theme back ``{theme, title, body, section, index, created, items,
        expect}`` (the undo of ``theme_delete``, sent as its answer gave it)."""
        change = ops.restore_theme(
            facilitator_event(),
            data.get("theme"),
            title=data.get("title"),
            body=data.get("body"),
            section=data.get("section"),
            index=data.get("index"),
            created=data.get("created"),
            items=data.get("items"),
            author_id=_author(),
            expect=data.get("expect"),
        )
        return _done(change, theme=change.value.id)

    @acknowledged
    def on_theme_draft(self, data: dict[str, Any]) -> dict[str, Any]:
        """A draft paragraph for theme ``{theme}`` from its items (not saved)."""
        return {"ok": True, "text": ops.draft_theme(facilitator_event(), data.get("theme"))}

    @acknowledged
    def on_history(self, data: dict[str, Any]) -> dict[str, Any]:
        """Saved revisions of ``{theme}`` (``theme: null``: of the intro), newest first."""
        return {"ok": True, "revisions": ops.history(facilitator_event(), data.get("theme"))}

    @acknowledged
    def on_intro_save(self, data: dict[str, Any]) -> dict[str, Any]:
        """Save the un-headed opening paragraphs ``{base, body}``."""
        try:
            intro = ops.save_intro(
                facilitator_event(), data.get("base"), data.get("body"), _author()
            )
        except ops.StaleRevision as error:
            return _stale(error)
        findings = findings_in(intro.body, facilitator_event().language)
        return {"ok": True, "revision": intro.revision, "findings": findings}

    @acknowledged
    def on_item_move(self, data: dict[str, Any]) -> dict[str, Any]:
        """Drop item ``{item, theme, index, expect?}`` into a theme (``theme: null``:
        un-themed)."""
        change = ops.move_item(
            facilitator_event(),
            data.get("item"),
            theme_id=data.get("theme"),
            index=data.get("index"),
            expect=data.get("expect"),
        )
        return _done(change)

    @acknowledged
    def on_item_merge(self, data: dict[str, Any]) -> dict[str, Any]:
        """Merge item ``{item}`` into item ``{into}`` (``expect?``); the result remembers
        both sources."""
        change = ops.merge_items(
            facilitator_event(), data.get("item"), data.get("into"), data.get("expect")
        )
        return _done(change, item=change.value.id)

    @acknowledged
    def on_item_unmerge(self, data: dict[str, Any]) -> dict[str, Any]:
        """Take core ideas ``{sources}`` out of item ``{item}`` into an item of their own
        ``{theme, index, text, as?, expect?}`` (the undo of ``item_merge``)."""
        change = ops.unmerge_item(
            facilitator_event(),
            data.get("item"),
            sources=data.get("sources"),
            theme_id=data.get("theme"),
            index=data.get("index"),
            text=data.get("text"),
            as_id=data.get("as"),
            expect=data.get("expect"),
        )
        return _done(change, item=change.value.id)

    @acknowledged
    def on_item_split(self, data: dict[str, Any]) -> dict[str, Any]:
        """Take core idea ``{source}`` (a post id) out of merged item ``{item}``."""
        change = ops.split_item(facilitator_event(), data.get("item"), data.get("source"))
        return _done(change, item=change.value.id)

    @acknowledged
    def on_item_text(self, data: dict[str, Any]) -> dict[str, Any]:
        """Reword item ``{item, text}``; ``text: null`` goes back to the idea's own words."""
        ops.set_item_text(facilitator_event(), data.get("item"), data.get("text"))
        return {"ok": True}

    @acknowledged
    def on_suggest(self, data: dict[str, Any]) -> dict[str, Any]:
        """Suggested groupings of the un-themed items, each with a proposed title."""
        return {"ok": True, **ops.suggest(facilitator_event()).payload()}
