"""Verbs of the gathering view: validate, write, commit, then broadcast.

Every verb ends by sending the new gathering to the event's facilitators and the new
summary to its boards and phones (:func:`publish`). Text saves name the revision they
were based on; a save on an old base is refused with the newer text, so two facilitators
cannot silently overwrite each other.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from cafe import broadcast
from cafe.domain import summary
from cafe.domain.errors import DomainError
from cafe.domain.keys import MAX_ID
from cafe.domain.text import clean_idea_text
from cafe.domain.themes import ThemeSuggestion, suggest_themes
from cafe.extensions import db
from cafe.gathering import state, undo
from cafe.models import CafeEvent, GatherItem, Post, SummaryIntro, SummaryRevision, Theme

#: One line per change, naming the event, item and theme by id: never an idea's or a
#: theme's words.
log = logging.getLogger(__name__)

#: An event's summary holds at most this many themes (a projector shows far fewer).
MAX_THEMES = 60
#: At most this many core ideas go into one suggestion request.
MAX_SUGGEST = 1000


T = TypeVar("T")


@dataclass(frozen=True)
class Undoable(Generic[T]):
    """What a change made, and the change that takes it back (see :mod:`cafe.gathering.undo`)."""

    value: T
    undo: dict[str, Any]


class StaleRevision(DomainError):
    """A save based on an old revision; carries what is there now."""

    def __init__(self, current: dict[str, Any]) -> None:
        super().__init__("summary_stale", {"revision": current["revision"]})
        self.current = current


def publish(event: CafeEvent) -> dict[str, Any]:
    """Send the gathering to facilitators and the summary to boards and phones; return it."""
    gathering = state.load(event)
    payload = state.gathering_payload(event, gathering)
    broadcast.gathering_changed(event.id, payload)
    return payload


# --- items -------------------------------------------------------------------------------


def ensure_items(event: CafeEvent) -> int:
    """Give every visible core idea not yet gathered its own un-themed item.

    Done lazily (when a facilitator opens or changes the gathering) rather than on the
    phones' post path. The conditional UPDATE means two facilitators syncing at once cannot
    put one idea into two items: the loser's empty item is removed again.
    """
    loose = list(
        db.session.execute(
            select(Post.id)
            .where(Post.event_id == event.id, Post.item_id.is_(None), *state.VISIBLE_CORE)
            .order_by(Post.id)
        ).scalars()
    )
    if not loose:
        return 0
    position = _next_position(event.id, None)
    created = 0
    for post_id in loose:
        item = GatherItem(event_id=event.id, theme_id=None, position=position)
        db.session.add(item)
        db.session.flush()
        claimed = db.session.execute(
            update(Post).where(Post.id == post_id, Post.item_id.is_(None)).values(item_id=item.id)
        )
        if claimed.rowcount == 1:  # type: ignore[attr-defined]
            position += 1
            created += 1
        else:
            db.session.delete(item)
    db.session.commit()
    return created


def _next_position(event_id: int, theme_id: int | None) -> int:
    highest = db.session.execute(
        select(func.max(GatherItem.position)).where(
            GatherItem.event_id == event_id,
            GatherItem.theme_id.is_(None) if theme_id is None else GatherItem.theme_id == theme_id,
        )
    ).scalar()
    return 0 if highest is None else highest + 1


def _key(value: object, code: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        raise DomainError(code)
    return value


def find_item(event: CafeEvent, item_id: object) -> GatherItem:
    """The event's item ``item_id`` or ``unknown_item``."""
    item = db.session.get(GatherItem, _key(item_id, "unknown_item"))
    if item is None or item.event_id != event.id:
        raise DomainError("unknown_item")
    return item


def find_theme(event: CafeEvent, theme_id: object) -> Theme:
    """The event's theme ``theme_id`` or ``unknown_theme``."""
    theme = db.session.get(Theme, _key(theme_id, "unknown_theme"))
    if theme is None or theme.event_id != event.id:
        raise DomainError("unknown_theme")
    return theme


def _place(event: CafeEvent, items: Sequence[GatherItem], theme: Theme | None, index: int) -> None:
    """Put ``items`` (in order) into ``theme`` at ``index``, renumbering that list."""
    theme_id = theme.id if theme is not None else None
    current = [
        card.item for card in state.load(event).cards.get(theme_id, []) if card.item not in items
    ]
    order = current
    for offset, item in enumerate(items):
        order = summary.move(order, item, index + offset)
    for position, item in enumerate(order):
        item.theme_id = theme_id
        item.position = position


def _index(value: object) -> int:
    if value is None:
        return MAX_ID
    if isinstance(value, bool) or not isinstance(value, int):
        raise DomainError("bad_request")
    return value


def move_item(
    event: CafeEvent, item_id: object, *, theme_id: object, index: object, expect: object = None
) -> Undoable[GatherItem]:
    """Drop an item into a theme (``theme_id`` None: back among the un-themed) at ``index``.

    ``expect`` (an undo or redo): refused with ``changed_meanwhile`` unless the item and
    themes are as it says. The inverse moves the item back to where it was.
    """
    item = find_item(event, item_id)
    theme = None if theme_id is None else find_theme(event, theme_id)
    position = _index(index)
    undo.check(event, expect)
    was = db.session.get(Theme, item.theme_id) if item.theme_id is not None else None
    was_index = undo.card_index(event, item)
    _place(event, [item], theme, position)
    db.session.flush()
    back = undo.inverse(
        "item_move",
        item=item.id,
        theme=was.id if was is not None else None,
        index=was_index,
        expect=[undo.item_state(item), *undo.theme_ref(was)],
    )
    db.session.commit()
    log.info("event %s: item %s moved to theme %s", event.id, item.id, item.theme_id)
    publish(event)
    return Undoable(item, back)


def merge_items(
    event: CafeEvent, item_id: object, into_id: object, expect: object = None
) -> Undoable[GatherItem]:
    """Merge a duplicate into another item: its core ideas become the target's sources.

    The target keeps its place and wording; the trace now names both tables. The inverse
    (``item_unmerge``) takes the duplicate's ideas out again, as the item it was.
    """
    item = find_item(event, item_id)
    target = find_item(event, into_id)
    if item.id == target.id:
        raise DomainError("merge_same")
    undo.check(event, expect)
    was = db.session.get(Theme, item.theme_id) if item.theme_id is not None else None
    back = {
        "item": target.id,
        "sources": undo.sources_of(item.id),
        "as": item.id,
        "theme": item.theme_id,
        "index": undo.card_index(event, item),
        "text": item.text,
    }
    db.session.execute(update(Post).where(Post.item_id == item.id).values(item_id=target.id))
    db.session.delete(item)
    db.session.flush()
    back["expect"] = [undo.item_state(target), *undo.theme_ref(was)]
    db.session.commit()
    log.info("event %s: item merged into item %s", event.id, target.id)
    publish(event)
    return Undoable(target, undo.inverse("item_unmerge", **back))


def unmerge_item(
    event: CafeEvent,
    item_id: object,
    *,
    sources: object,
    theme_id: object,
    index: object,
    text: object,
    as_id: object = None,
    expect: object = None,
) -> Undoable[GatherItem]:
    """Take some core ideas (post client ids) out of a merged item into an item of their
    own, in ``theme_id`` at ``index`` with the wording ``text`` (None: the first idea's):
    the inverse of a merge.

    The new item gets the id ``as_id`` (the item the merge removed) when no other item has
    it, so that older undo steps naming it still find it; else a new one. The item keeps at
    least one idea (``not_merged``); ``unknown_source`` names an idea not in it.
    """
    item = find_item(event, item_id)
    theme = None if theme_id is None else find_theme(event, theme_id)
    position = _index(index)
    if not isinstance(sources, list) or not 0 < len(sources) <= undo.MAX_SOURCES:
        raise DomainError("bad_request")
    if not all(isinstance(source, str) for source in sources):
        raise DomainError("bad_request")
    wording = None if text is None else clean_idea_text(text, summary.MAX_ITEM)
    reuse = None if as_id is None else _key(as_id, "bad_request")
    undo.check(event, expect)
    held = undo.sources_of(item.id)
    if any(source not in held for source in sources):
        raise DomainError("unknown_source")
    if not set(held) - set(sources):
        raise DomainError("not_merged")
    if reuse is not None and db.session.get(GatherItem, reuse) is not None:
        reuse = None
    alone = GatherItem(event_id=event.id, theme_id=None, position=0, text=wording)
    if reuse is not None:
        alone.id = reuse
    db.session.add(alone)
    db.session.flush()
    db.session.execute(
        update(Post)
        .where(Post.item_id == item.id, Post.client_id.in_(sources))
        .values(item_id=alone.id)
    )
    return _separated(event, item, alone=alone, theme=theme, position=position)


def split_item(event: CafeEvent, item_id: object, source_id: object) -> Undoable[GatherItem]:
    """Take one core idea (by its post's client id) out of a merged item into its own item,
    placed right after the item it left. The inverse merges it back."""
    item = find_item(event, item_id)
    post = next((p for p in item.sources if p.client_id == source_id), None)
    if post is None:
        raise DomainError("unknown_source")
    if len(item.sources) < 2:
        raise DomainError("not_merged")
    theme = db.session.get(Theme, item.theme_id) if item.theme_id is not None else None
    alone = GatherItem(event_id=event.id, theme_id=item.theme_id, position=item.position + 1)
    db.session.add(alone)
    db.session.flush()
    post.item_id = alone.id
    return _separated(event, item, alone=alone, theme=theme, position=item.position + 1)


def _separated(
    event: CafeEvent, item: GatherItem, *, alone: GatherItem, theme: Theme | None, position: int
) -> Undoable[GatherItem]:
    """Place ``alone`` (ideas just taken out of ``item``) at ``position`` of ``theme`` (or
    among the un-themed), commit and broadcast; the inverse merges it back into ``item``."""
    _place(event, [alone], theme, position)
    db.session.flush()
    back = undo.inverse(
        "item_merge",
        item=alone.id,
        into=item.id,
        expect=[undo.item_state(alone), undo.item_state(item)],
    )
    db.session.commit()
    log.info("event %s: item %s separated from item %s", event.id, alone.id, item.id)
    publish(event)
    return Undoable(alone, back)


def set_item_text(event: CafeEvent, item_id: object, text: object) -> GatherItem:
    """Reword an item (a merged pair, say); ``None`` returns to its first idea's words."""
    item = find_item(event, item_id)
    item.text = None if text is None else clean_idea_text(text, summary.MAX_ITEM)
    db.session.commit()
    log.info("event %s: item %s reworded", event.id, item.id)
    publish(event)
    return item


# --- themes ------------------------------------------------------------------------------


def _record(
    event: CafeEvent, part: str, *, number: int, title: str, body: str, author_id: int | None
) -> None:
    db.session.add(
        SummaryRevision(
            event_id=event.id,
            part=part,
            number=number,
            title=title,
            body=body,
            author_id=author_id,
        )
    )


def create_theme(
    event: CafeEvent,
    title: object,
    *,
    author_id: int | None,
    items: object = (),
    section: object = None,
) -> Undoable[Theme]:
    """Add a theme at the end, optionally with items already in it (an accepted suggestion).

    In a workshop a theme belongs to one of the template's sections (``process``: a
    numbered step of the service process); in a Cafe Social there is one summary. The
    inverse deletes it again, unless its text or items have changed since.
    """
    clean = summary.clean_title(title)
    labels = state.section_labels(event)
    if section is not None and not isinstance(section, str):
        # (A list or an object cannot even be looked up among the labels: TypeError.)
        raise DomainError("bad_request")
    if section is not None and section not in labels:
        raise DomainError("unknown_section", {"choices": ", ".join(labels) or "-"})
    if not isinstance(items, list | tuple) or len(items) > MAX_SUGGEST:
        raise DomainError("bad_request")
    members = [find_item(event, i) for i in items]
    count = db.session.execute(
        select(func.count(Theme.id)).where(Theme.event_id == event.id)
    ).scalar_one()
    if count >= MAX_THEMES:
        raise DomainError("too_many_themes", {"max": MAX_THEMES})
    highest = db.session.execute(
        select(func.max(Theme.position)).where(Theme.event_id == event.id)
    ).scalar()
    theme = Theme(
        event_id=event.id,
        position=0 if highest is None else highest + 1,
        title=clean,
        body="",
        revision=1,
        section=section,
    )
    db.session.add(theme)
    db.session.flush()
    part = SummaryRevision.theme_part(theme.id)
    _record(event, part, number=1, title=clean, body="", author_id=author_id)
    if members:
        _place(event, members, theme, 0)
    db.session.flush()
    back = undo.inverse("theme_delete", theme=theme.id, expect=undo.theme_ref(theme, contents=True))
    db.session.commit()
    log.info("event %s: theme %s created", event.id, theme.id)
    publish(event)
    return Undoable(theme, back)


def _theme_current(theme: Theme) -> dict[str, Any]:
    return {"theme": theme.id, "title": theme.title, "body": theme.body, "revision": theme.revision}


def save_theme(
    event: CafeEvent,
    theme_id: object,
    *,
    base: object,
    title: object,
    body: object,
    author_id: int | None,
) -> Theme:
    """Store a new revision of a theme's title and paragraph, if based on the newest one.

    The conditional UPDATE and the unique revision number both stop a second save on the
    same base, even from another process; the loser gets the winner's text.
    """
    theme = find_theme(event, theme_id)
    # An emptied title turns the theme into an un-headed paragraph among the themes.
    clean_title = " ".join(summary.clean_body(title, summary.MAX_TITLE).split())
    clean_body = summary.clean_body(body)
    try:
        number = summary.check_base_revision(theme.revision, base)
    except DomainError as error:
        if error.code == "summary_stale":
            raise StaleRevision(_theme_current(theme)) from error
        raise
    if (clean_title, clean_body) == (theme.title, theme.body):
        return theme
    won = db.session.execute(
        update(Theme)
        .where(Theme.id == theme.id, Theme.revision == theme.revision)
        .values(title=clean_title, body=clean_body, revision=number)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        db.session.refresh(theme)
        raise StaleRevision(_theme_current(theme))
    _record(
        event,
        SummaryRevision.theme_part(theme.id),
        number=number,
        title=clean_title,
        body=clean_body,
        author_id=author_id,
    )
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        db.session.refresh(theme)
        raise StaleRevision(_theme_current(theme)) from None
    db.session.refresh(theme)
    log.info("event %s: theme %s saved as revision %s", event.id, theme.id, theme.revision)
    publish(event)
    return theme


def move_theme(event: CafeEvent, theme_id: object, index: object) -> Theme:
    """Reorder the themes: the summary and the minutes follow this order."""
    theme = find_theme(event, theme_id)
    themes = state.load(event).themes
    for position, each in enumerate(summary.move(themes, theme, _index(index))):
        each.position = position
    db.session.commit()
    log.info("event %s: theme %s moved", event.id, theme.id)
    publish(event)
    return theme


def delete_theme(event: CafeEvent, theme_id: object, expect: object = None) -> Undoable[None]:
    """Remove a theme; its items go back, in order, to the end of the un-themed ones.

    Its revisions stay in the history. The inverse (``theme_restore``) brings it back with
    its text, place and items.
    """
    theme = find_theme(event, theme_id)
    undo.check(event, expect)
    loaded = state.load(event)
    items = [card.item for card in loaded.theme_cards(theme)]
    back = {
        "theme": theme.id,
        "title": theme.title,
        "body": theme.body,
        "section": theme.section,
        "index": loaded.themes.index(theme),
        "created": undo.created_stamp(theme),
    }
    hidden_items = list(
        db.session.execute(select(GatherItem).where(GatherItem.theme_id == theme.id)).scalars()
    )
    # Items whose ideas are hidden now are kept too, out of the deleted theme.
    position = _next_position(event.id, None)
    for item in items + [i for i in hidden_items if i not in items]:
        item.theme_id = None
        item.position = position
        position += 1
    db.session.delete(theme)
    db.session.flush()
    kept = items + [i for i in hidden_items if i not in items]
    back["items"] = [item.id for item in kept]
    back["expect"] = [undo.item_state(item) for item in kept]
    db.session.commit()
    log.info("event %s: theme %s deleted", event.id, back["theme"])
    publish(event)
    return Undoable(None, undo.inverse("theme_restore", **back))


def restore_theme(
    event: CafeEvent,
    theme_id: object,
    *,
    title: object,
    body: object,
    section: object,
    index: object,
    created: object,
    items: object,
    author_id: int | None,
    expect: object = None,
) -> Undoable[Theme]:
    """Bring a deleted theme back: its title and paragraph, its place among the themes and
    its items in order (the inverse of a delete; ``expect`` says they are still un-themed).

    It gets its old id when no theme has it, so that its revisions are its history again
    and older undo steps naming it still find it; its text becomes a new revision.
    """
    reuse = _key(theme_id, "bad_request")
    clean_title = " ".join(summary.clean_body(title, summary.MAX_TITLE).split())
    clean_body = summary.clean_body(body)
    labels = state.section_labels(event)
    if section is not None and (not isinstance(section, str) or section not in labels):
        raise DomainError("unknown_section", {"choices": ", ".join(labels) or "-"})
    position = _index(index)
    if not isinstance(created, str) or len(created) > 40:
        raise DomainError("bad_request")
    try:
        created_at = dt.datetime.fromisoformat(created)
    except ValueError:
        raise DomainError("bad_request") from None
    if created_at.tzinfo is not None:
        raise DomainError("bad_request")
    if not isinstance(items, list) or len(items) > undo.MAX_SOURCES:
        raise DomainError("bad_request")
    members = [find_item(event, i) for i in items]
    undo.check(event, expect)
    count = db.session.execute(
        select(func.count(Theme.id)).where(Theme.event_id == event.id)
    ).scalar_one()
    if count >= MAX_THEMES:
        raise DomainError("too_many_themes", {"max": MAX_THEMES})
    theme = Theme(
        event_id=event.id,
        position=0,
        title=clean_title,
        body=clean_body,
        section=section,
        created_at=created_at,
    )
    if db.session.get(Theme, reuse) is None:
        theme.id = reuse
    db.session.add(theme)
    db.session.flush()
    part = SummaryRevision.theme_part(theme.id)
    last = db.session.execute(
        select(func.max(SummaryRevision.number)).where(
            SummaryRevision.event_id == event.id, SummaryRevision.part == part
        )
    ).scalar()
    theme.revision = (last or 0) + 1
    _record(
        event,
        part,
        number=theme.revision,
        title=clean_title,
        body=clean_body,
        author_id=author_id,
    )
    for number, each in enumerate(summary.move(state.load(event).themes, theme, position)):
        each.position = number
    if members:
        _place(event, members, theme, 0)
    db.session.flush()
    back = undo.inverse("theme_delete", theme=theme.id, expect=undo.theme_ref(theme, contents=True))
    db.session.commit()
    log.info("event %s: theme %s restored", event.id, theme.id)
    publish(event)
    return Undoable(theme, back)


def draft_theme(event: CafeEvent, theme_id: object) -> str:
    """A first paragraph for a theme from its items' words, for the facilitator to edit."""
    theme = find_theme(event, theme_id)
    return summary.draft_paragraph([card.text for card in state.load(event).theme_cards(theme)])


# --- intro -------------------------------------------------------------------------------


def save_intro(event: CafeEvent, base: object, body: object, author_id: int | None) -> SummaryIntro:
    """Store a new revision of the summary's un-headed opening paragraphs."""
    clean = summary.clean_body(body, summary.MAX_INTRO)
    intro = db.session.get(SummaryIntro, event.id)
    if intro is None:
        intro = SummaryIntro(event_id=event.id, body="", revision=0)
        db.session.add(intro)
        try:
            db.session.flush()
        except IntegrityError:
            db.session.rollback()
            intro = db.session.get(SummaryIntro, event.id)
            if intro is None:
                # The other writer's row is gone too: the event was deleted meanwhile.
                raise DomainError("unknown_event") from None
    current = {"theme": None, "title": "", "body": intro.body, "revision": intro.revision}
    try:
        number = summary.check_base_revision(intro.revision, base)
    except DomainError as error:
        if error.code == "summary_stale":
            raise StaleRevision(current) from error
        raise
    if clean == intro.body:
        db.session.commit()
        return intro
    won = db.session.execute(
        update(SummaryIntro)
        .where(SummaryIntro.event_id == event.id, SummaryIntro.revision == intro.revision)
        .values(body=clean, revision=number)
    )
    if won.rowcount != 1:  # type: ignore[attr-defined]
        db.session.rollback()
        db.session.refresh(intro)
        raise StaleRevision({**current, "body": intro.body, "revision": intro.revision})
    _record(event, "intro", number=number, title="", body=clean, author_id=author_id)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        db.session.refresh(intro)
        raise StaleRevision({**current, "body": intro.body, "revision": intro.revision}) from None
    db.session.refresh(intro)
    log.info("event %s: summary intro saved as revision %s", event.id, intro.revision)
    publish(event)
    return intro


def history(event: CafeEvent, theme_id: object) -> list[dict[str, Any]]:
    """Every saved revision of a theme (or of the intro when ``theme_id`` is None), newest
    first."""
    part = (
        "intro" if theme_id is None else SummaryRevision.theme_part(find_theme(event, theme_id).id)
    )
    rows = db.session.execute(
        select(SummaryRevision)
        .where(SummaryRevision.event_id == event.id, SummaryRevision.part == part)
        .order_by(SummaryRevision.number.desc())
    ).scalars()
    return [
        {
            "revision": r.number,
            "title": r.title,
            "body": r.body,
            "saved": r.created_at.isoformat() + "Z",
        }
        for r in rows
    ]


# --- suggestions -------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestions:
    """Suggested groupings of the un-themed items, and how the text was analysed."""

    result: ThemeSuggestion
    items: list[int]

    def payload(self) -> dict[str, Any]:
        """Groups of two or more items (single ideas stay where they are)."""
        return {
            "mode": self.result.mode,
            # Voikko missing: the UI says the Snowball stemmer is used, and why.
            "fallback": self.result.fallback_reason,
            "suggestions": [
                {"title": theme.title, "items": [self.items[i] for i in theme.ideas]}
                for theme in self.result.themes
                if len(theme.ideas) >= 2
            ],
        }


def suggest(event: CafeEvent) -> Suggestions:
    """Ask the theme engine to group the un-themed items, in the event's language."""
    ensure_items(event)
    cards = state.load(event).theme_cards(None)[:MAX_SUGGEST]
    if len(cards) < 2:
        raise DomainError("nothing_to_suggest")
    # The event's topic is in every idea: its words must not make a catch-all group.
    result = suggest_themes(
        [card.text for card in cards],
        event.language,  # type: ignore[arg-type]
        topic=f"{event.title}\n{event.topic}",
    )
    return Suggestions(result, [card.item.id for card in cards])
