"""Undo and redo of the gathering view: what a change looked like, and whether it still does.

Every change a facilitator can undo (move, merge, separate, new theme, deleted theme) is
answered with its inverse: an ordinary gathering event with its payload, ready to send
back (``{"event": "item_move", "data": {…}}``). The page keeps these in its undo stack;
undoing sends one, and that answer's own inverse is the redo. So an undo is a new
operation like any other, broadcast to everyone, and there is one code path.

An inverse carries ``expect``: how the things it touches looked right after the change.
Before it writes anything the server checks them; if another facilitator has changed the
item or theme since, the undo is refused with ``changed_meanwhile`` and nothing moves, so
nobody's later change is silently taken back.

Expectations (a list of at most :data:`MAX_EXPECT` objects):

* ``{"item": id, "theme": id|null, "sources": [post id…]}``: the item exists, sits in that
  theme (null: un-themed) and holds exactly those core ideas (hidden ones included);
* ``{"theme": id, "created": iso}``, optionally with ``"revision": n`` and ``"items": [id…]``:
  the theme exists (the same one: an id a database reuses for a newer theme has another
  creation time), its text is at that revision and it holds exactly those items.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from cafe.domain.errors import DomainError
from cafe.domain.keys import MAX_ID
from cafe.extensions import db
from cafe.gathering import state
from cafe.models import CafeEvent, GatherItem, Post, Theme

#: At most this many expectations per change (a theme with every suggested idea, and more).
MAX_EXPECT = 1002
#: At most this many core ideas named in one expectation or one separation.
MAX_SOURCES = 1000


def sources_of(item_id: int) -> list[str]:
    """The client ids of every core idea in the item, hidden ones too, sorted."""
    return sorted(
        db.session.execute(select(Post.client_id).where(Post.item_id == item_id)).scalars()
    )


def items_of(theme_id: int) -> list[int]:
    """The ids of every item in the theme (hidden ones too), sorted."""
    return sorted(
        db.session.execute(select(GatherItem.id).where(GatherItem.theme_id == theme_id)).scalars()
    )


def item_state(item: GatherItem) -> dict[str, Any]:
    """How ``item`` looks now, as an expectation."""
    return {"item": item.id, "theme": item.theme_id, "sources": sources_of(item.id)}


def created_stamp(theme: Theme) -> str:
    """The theme's creation time as expectations name it."""
    return theme.created_at.isoformat()


def theme_ref(theme: Theme | None, *, contents: bool = False) -> list[dict[str, Any]]:
    """An expectation that ``theme`` still exists (and, with ``contents``, that its text and
    items are as now); none for "un-themed"."""
    if theme is None:
        return []
    ref: dict[str, Any] = {"theme": theme.id, "created": created_stamp(theme)}
    if contents:
        ref["revision"] = theme.revision
        ref["items"] = items_of(theme.id)
    return [ref]


def inverse(event: str, **data: Any) -> dict[str, Any]:
    """An inverse change as the page stores and sends it back."""
    return {"event": event, "data": data}


def card_index(event: CafeEvent, item: GatherItem) -> int | None:
    """Where ``item`` is among its list's shown cards (None: not shown, so at the end)."""
    cards = state.load(event).cards.get(item.theme_id, [])
    return next((n for n, card in enumerate(cards) if card.item.id == item.id), None)


def _id(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise DomainError("bad_request")
    return value


def _ids(value: object, kind: type) -> list[Any]:
    if not isinstance(value, list) or len(value) > MAX_SOURCES:
        raise DomainError("bad_request")
    if kind is int:
        return [_id(each) for each in value]
    if not all(isinstance(each, str) for each in value):
        raise DomainError("bad_request")
    return list(value)


def check(event: CafeEvent, expect: object) -> None:
    """Refuse with ``changed_meanwhile`` unless everything is as ``expect`` says.

    ``None`` (an ordinary change, not an undo or redo) expects nothing. A malformed list is
    ``bad_request``. Checked before any write, in the same transaction as the change.
    """
    if expect is None:
        return
    if not isinstance(expect, list) or len(expect) > MAX_EXPECT:
        raise DomainError("bad_request")
    for entry in expect:
        if not isinstance(entry, dict):
            raise DomainError("bad_request")
        if set(entry) == {"item", "theme", "sources"}:
            _check_item(event, entry)
        elif (
            "theme" in entry
            and "created" in entry
            and set(entry)
            <= {
                "theme",
                "created",
                "revision",
                "items",
            }
        ):
            _check_theme(event, entry)
        else:
            raise DomainError("bad_request")


def _check_item(event: CafeEvent, entry: dict[str, Any]) -> None:
    item_id = _id(entry["item"])
    theme_id = None if entry["theme"] is None else _id(entry["theme"])
    sources = _ids(entry["sources"], str)
    # An id beyond any key is no row's (and PostgreSQL would refuse the query).
    item = db.session.get(GatherItem, item_id) if item_id <= MAX_ID else None
    if item is None or item.event_id != event.id:
        raise DomainError("changed_meanwhile")
    if item.theme_id != theme_id or sources_of(item.id) != sorted(sources):
        raise DomainError("changed_meanwhile")


def _check_theme(event: CafeEvent, entry: dict[str, Any]) -> None:
    theme_id = _id(entry["theme"])
    created = entry["created"]
    if not isinstance(created, str) or len(created) > 40:
        raise DomainError("bad_request")
    revision = entry.get("revision")
    if "revision" in entry and (isinstance(revision, bool) or not isinstance(revision, int)):
        raise DomainError("bad_request")
    items = _ids(entry["items"], int) if "items" in entry else None
    theme = db.session.get(Theme, theme_id) if theme_id <= MAX_ID else None
    if theme is None or theme.event_id != event.id or created_stamp(theme) != created:
        raise DomainError("changed_meanwhile")
    if revision is not None and theme.revision != revision:
        raise DomainError("changed_meanwhile")
    if items is not None and items_of(theme.id) != sorted(items):
        raise DomainError("changed_meanwhile")
