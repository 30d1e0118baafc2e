"""What the gathering view, the boards and the phones are shown: read-only queries.

Kept apart from :mod:`cafe.gathering.operations` so that :mod:`cafe.broadcast` can
rebuild the live summary when a phone changes a core idea that reached a theme.
"""

from __future__ import annotations

import threading
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import current_app
from sqlalchemy import select

from cafe.domain.markup import render_markdown
from cafe.domain.summary import Source, run_in, trace
from cafe.domain.voice import PostFact, voice_balance
from cafe.extensions import db
from cafe.models import CafeEvent, GatherItem, Post, SummaryIntro, Theme
from cafe.workshops import template_of

# The privacy screen (word lists, patterns) is imported by the two payloads that show its
# findings, not here: an export reads the themes' order from this module (issue 14).

#: The section whose themes are the numbered steps of the service process.
PROCESS_SECTION = "process"

#: A core idea phones and boards can see: what the gathering is made of.
VISIBLE_CORE = (Post.is_core.is_(True), *Post.visible_filter())


@dataclass
class Card:
    """A gathering item with the visible core ideas behind it."""

    item: GatherItem
    posts: list[Post]

    @property
    def text(self) -> str:
        """The facilitator's wording, else the first source's words."""
        return self.item.text if self.item.text is not None else self.posts[0].text


@dataclass
class Gathering:
    """The whole gathering of one event, as the database holds it now."""

    event: CafeEvent
    themes: list[Theme]
    #: Theme id (None: un-themed) → its cards in order.
    cards: dict[int | None, list[Card]]
    intro: SummaryIntro | None

    def theme_cards(self, theme: Theme | None) -> list[Card]:
        """The cards of a theme, or the un-themed ones."""
        return self.cards.get(theme.id if theme is not None else None, [])


def ordered_themes(event: CafeEvent) -> list[Theme]:
    """The event's themes in the order every screen lists them: the gathering's order, and
    a workshop's section by section in its template's order."""
    themes = list(
        db.session.execute(
            select(Theme).where(Theme.event_id == event.id).order_by(Theme.position, Theme.id)
        ).scalars()
    )
    order = {section: n for n, section in enumerate(template_of(event).sections)}
    themes.sort(key=lambda theme: order.get(theme.section, -1) if theme.section else -1)
    return themes


def load(event: CafeEvent) -> Gathering:
    """Read themes, items and their visible core ideas in three queries.

    An item all of whose core ideas were hidden, deleted or unmarked is left out but kept:
    if its idea comes back, it returns to its theme.
    """
    themes = ordered_themes(event)
    items = db.session.execute(
        select(GatherItem)
        .where(GatherItem.event_id == event.id)
        .order_by(GatherItem.position, GatherItem.id)
    ).scalars()
    posts_by_item: dict[int, list[Post]] = defaultdict(list)
    for post in db.session.execute(
        select(Post)
        .where(Post.event_id == event.id, Post.item_id.is_not(None), *VISIBLE_CORE)
        .order_by(Post.id)
    ).scalars():
        if post.item_id is not None:  # always, by the query; says so to the type checker
            posts_by_item[post.item_id].append(post)
    known = {theme.id for theme in themes}
    cards: dict[int | None, list[Card]] = defaultdict(list)
    for item in items:
        posts = posts_by_item.get(item.id)
        if posts:
            cards[item.theme_id if item.theme_id in known else None].append(Card(item, posts))
    return Gathering(event, themes, dict(cards), db.session.get(SummaryIntro, event.id))


def _table_names(event: CafeEvent) -> dict[int, tuple[int, str]]:
    return {t.id: (t.position, t.name) for t in event.tables}


def card_payload(card: Card, tables: dict[int, tuple[int, str]], language: str) -> dict[str, Any]:
    """An item as the gathering view shows it: text, sources and its trace."""
    from cafe.moderation.screening import findings_in

    sources = [Source(tables[p.table_id][0], tables[p.table_id][1], p.role_tag) for p in card.posts]
    where = trace(sources)
    return {
        "id": card.item.id,
        "text": card.text,
        # What the personal-data screen finds in the card's wording (shown marked).
        "findings": findings_in(card.text, language),
        "rewritten": card.item.text is not None,
        "theme": card.item.theme_id,
        # The section its first idea was posted into (a workshop's "worked", say).
        "section": card.posts[0].section,
        "sources": [
            {"id": p.client_id, "table": p.table_id, "text": p.text, "role": p.role_tag}
            for p in card.posts
        ],
        "tables": list(where.tables),
        "roles": list(where.roles),
    }


def theme_html(theme: Theme) -> str:
    """The theme as the memo prints it: a run-in bold title, then its paragraph."""
    return render_markdown(run_in(theme.title, theme.body))


def section_labels(event: CafeEvent) -> dict[str, str]:
    """A workshop's sections with their labels in the event's language (the label of the
    first phase posting into each); empty for a format with one shared summary."""
    # Imported here: the document kinds assemble their documents from this module's state.
    from cafe.documents.kinds import kind_of

    if not kind_of(event).sectioned:
        return {}
    template = template_of(event)
    labels: dict[str, str] = {}
    for phase in template.phases:
        if phase.section is not None and phase.section not in labels:
            labels[phase.section] = template.label(phase.id, event.language)
    return labels


def summary_payload(event: CafeEvent, gathering: Gathering | None = None) -> dict[str, Any]:
    """The live summary for boards and phones: sanitised HTML, in the facilitator's order.

    A theme whose paragraph is not written yet shows its items, so an idea dragged into a
    theme is on the projector at once (a client's idea visibly reaches the summary). In a
    workshop the themes come section by section under the section's label, and the
    themes of the process section are its numbered steps.
    """
    gathering = gathering or load(event)
    intro = gathering.intro.body if gathering.intro is not None else ""
    labels = section_labels(event)
    numbers: dict[str | None, int] = {}
    themes = []
    for theme in gathering.themes:
        numbers[theme.section] = numbers.get(theme.section, 0) + 1
        shown: dict[str, Any] = {
            "id": theme.id,
            "html": theme_html(theme),
            "items": [] if theme.body else [c.text for c in gathering.theme_cards(theme)],
        }
        if labels:
            # A workshop's summary reads section by section (a Cafe Social has one).
            shown["section"] = theme.section
            shown["section_label"] = labels.get(theme.section or "", "")
            shown["step"] = numbers[theme.section] if theme.section == PROCESS_SECTION else None
        themes.append(shown)
    return {"intro": render_markdown(intro), "themes": themes}


class SummaryCache:
    """The live summary of each event as boards and phones are sent it, built once and kept
    until it changes: a herd of phones rejoining after a restart is sent it without reading
    the gathering again for each of them.

    Per process, and per app (``app.extensions["cafe_summaries"]``, so that apps on other
    databases, as in the tests, never share entries). Every change to a summary is
    broadcast through :func:`cafe.broadcast.summary_sent` (the gathering's operations, and a
    phone or facilitator changing a gathered core idea), which puts the new summary here;
    nothing else changes a summary (the retention purge only unlinks core ideas from phones).
    With several server processes behind a message queue (``CAFE_MESSAGE_QUEUE``) a change
    made in another process would not reach this one, so there the cache is off and every
    read builds the summary afresh.

    A generation number per event keeps a summary built from an older read from being
    stored after a newer one was put (a build that yielded to another greenlet meanwhile).
    Entries are shared: callers must not change them.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._summaries: dict[int, dict[str, Any]] = {}
        self._generations: Counter[int] = Counter()

    def get(self, event_id: int, build: Callable[[], dict[str, Any]]) -> dict[str, Any]:
        """The event's summary: the kept one, or ``build()``'s, then kept."""
        with self._lock:
            kept = self._summaries.get(event_id)
            generation = self._generations[event_id]
        if kept is not None:
            return kept
        summary = build()
        with self._lock:
            if self._generations[event_id] == generation:
                self._summaries[event_id] = summary
        return summary

    def put(self, event_id: int, summary: dict[str, Any]) -> None:
        """The event's summary changed to ``summary`` (as just broadcast)."""
        with self._lock:
            self._generations[event_id] += 1
            self._summaries[event_id] = summary


def _summaries() -> SummaryCache | None:
    """The app's summary cache; None when it is off (several processes)."""
    app = current_app
    if app.config.get("CAFE_MESSAGE_QUEUE"):
        return None
    cache: SummaryCache | None = app.extensions.get("cafe_summaries")
    if cache is None:
        # setdefault: of two requests making it at once, both keep the first one stored.
        cache = app.extensions.setdefault("cafe_summaries", SummaryCache())
    return cache


def live_summary(event: CafeEvent) -> dict[str, Any]:
    """:func:`summary_payload` of the event, kept until it changes (:class:`SummaryCache`)."""
    return live_summary_of(event.id, lambda: event)


def live_summary_of(event_id: int, load: Callable[[], CafeEvent]) -> dict[str, Any]:
    """:func:`live_summary` of event ``event_id``, which ``load`` reads only when the
    summary has to be built (a phone's rejoin reads no ORM event otherwise)."""
    cache = _summaries()
    if cache is None:
        return summary_payload(load())
    return cache.get(event_id, lambda: summary_payload(load()))


def summary_changed(event_id: int, summary: dict[str, Any]) -> None:
    """Keep ``summary`` as the event's live summary (called as it is broadcast)."""
    cache = _summaries()
    if cache is not None:
        cache.put(event_id, summary)


def balance_payload(event: CafeEvent, gathering: Gathering) -> dict[str, Any]:
    """The voice-balance panel: per table and per role tag, posts → core → themed."""
    themed_items = {
        card.item.id for theme in gathering.themes for card in gathering.theme_cards(theme)
    }
    rows = db.session.execute(
        select(Post.table_id, Post.role_tag, Post.device_hash, Post.is_core, Post.item_id).where(
            Post.event_id == event.id, *Post.visible_filter()
        )
    )
    facts = [
        PostFact(table=t, role=r, device=d, core=c, themed=i is not None and i in themed_items)
        for t, r, d, c, i in rows
    ]
    balance = voice_balance(facts, [t.id for t in event.tables], event.role_tags)
    tables = _table_names(event)

    def counts(value: Any) -> dict[str, int] | None:
        if value is None:
            return None
        return {"posts": value.posts, "core": value.core, "themed": value.themed}

    return {
        "tables": [
            {"id": tid, "name": tables[tid][1], **(counts(c) or {})}
            for tid, c in balance.tables.items()
            if tid in tables
        ],
        "roles": [{"role": line.role, "counts": counts(line.counts)} for line in balance.roles],
    }


def gathering_payload(event: CafeEvent, gathering: Gathering | None = None) -> dict[str, Any]:
    """Everything the gathering view needs: themes with revisions, cards, intro, balance."""
    from cafe.moderation.screening import findings_in

    gathering = gathering or load(event)
    tables = _table_names(event)
    intro = gathering.intro
    return {
        "intro": {
            "body": intro.body if intro is not None else "",
            "revision": intro.revision if intro is not None else 0,
            "findings": findings_in(intro.body if intro is not None else "", event.language),
        },
        "themes": [
            {
                "id": theme.id,
                "title": theme.title,
                "body": theme.body,
                "revision": theme.revision,
                "findings": {
                    "title": findings_in(theme.title, event.language),
                    "body": findings_in(theme.body, event.language),
                },
                "section": theme.section,
                "items": [
                    card_payload(c, tables, event.language) for c in gathering.theme_cards(theme)
                ],
            }
            for theme in gathering.themes
        ],
        "loose": [card_payload(c, tables, event.language) for c in gathering.theme_cards(None)],
        "sections": [{"id": key, "label": label} for key, label in section_labels(event).items()],
        "balance": balance_payload(event, gathering),
        "summary": summary_payload(event, gathering),
    }
