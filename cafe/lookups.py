"""Finding what a request names: an event by id or board link, a table, a post, the
visible posts of tables, a role tag. Each raises the ``DomainError`` its caller answers
with; every feature reads through here, none writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from cafe.domain.errors import DomainError
from cafe.domain.keys import MAX_ID
from cafe.extensions import db
from cafe.models import CafeEvent, EventTable, Post

if TYPE_CHECKING:
    from cafe.broadcast import EventFields


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


def visible_posts(table_ids: list[int], *, core_only: bool = False) -> list[Post]:
    """Visible posts at the given tables, oldest first."""
    if not table_ids:
        return []
    query = select(Post).where(Post.table_id.in_(table_ids), *Post.visible_filter())
    if core_only:
        query = query.where(Post.is_core.is_(True))
    return list(db.session.execute(query.order_by(Post.id)).scalars())


def check_role(event: EventFields, role: object) -> str | None:
    """Return the chosen role tag, None for "no tag", or raise ``bad_role``."""
    if role is None or role == "":
        return None
    if not isinstance(role, str) or role not in event.role_tags:
        raise DomainError("bad_role")
    return role
