"""What a vote round is made of and what each screen is shown of it: read-only queries.

Kept apart from :mod:`cafe.voting.operations` so that :mod:`cafe.broadcast` and the
documents (the memo's ranking, the report's proposals) can read a round without its verbs.

An **item** is ``theme:<id>`` (a theme of the shared summary: a vote phase without a
section) or ``post:<id>`` (a visible core idea of the phase's section: what the board
already shows, so a vote never shows a phone another table's unpublished ideas).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import force_locale, gettext
from sqlalchemy import ColumnElement, Integer, bindparam, case, cast, exists, func, null, select

from cafe.domain.errors import DomainError
from cafe.domain.keys import MAX_ID
from cafe.domain.votes import Ballot, Item, Ranked, chart_svg, spread_problem, tally
from cafe.domain.workshops import TemplatePhase
from cafe.extensions import db
from cafe.gathering.state import ordered_themes
from cafe.models import CafeEvent, Post, Theme, Vote, VoteRound
from cafe.workshops import catalogue, template_of, template_of_kind

#: The board's chart shows this many lines of the ranking: at 1920×1080 eight rows of
#: two-line labels fit at full size (labels 32 px, above the board's 28 px floor).
BOARD_ROWS = 8

THEME = "theme:"
POST = "post:"


def vote_phase(event: CafeEvent, phase_id: object = None) -> TemplatePhase | None:
    """The vote phase ``phase_id`` of the event's template (default: the current phase), or
    None when that is no vote phase."""
    phase = template_of(event).phase(phase_id if isinstance(phase_id, str) else event.phase)
    return phase if phase is not None and phase.kind == "vote" else None


def vote_phases(event: CafeEvent) -> list[TemplatePhase]:
    """The template's vote phases, in the order the event runs through them."""
    return [phase for phase in template_of(event).phases if phase.kind == "vote"]


def find_round(event_id: int, phase_id: str) -> VoteRound | None:
    """The round of that phase, if it has been set up or opened."""
    return db.session.get(VoteRound, (event_id, phase_id))


@dataclass(frozen=True)
class RoundView:
    """A round as screens see it: its phase and settings (the template's until the
    facilitator sets dots or enters the phase)."""

    phase: TemplatePhase
    state: str
    dots: int
    per_item: int
    revealed: bool


def round_view(event: CafeEvent, phase: TemplatePhase) -> RoundView:
    """The round of ``phase``, stored or (not set up yet) as the template has it."""
    stored = find_round(event.id, phase.id)
    if stored is None:
        return RoundView(phase, "ready", phase.dots, phase.per_item, False)
    return RoundView(phase, stored.state, stored.dots, stored.per_item, stored.revealed)


# --- what a phone's vote needs, kept per process --------------------------------------------
#
# A vote burst is every phone of the room within seconds, so the vote path reads nothing it
# can keep: the event's template (its kind never changes) and each round's state and dots
# (a :class:`RoundView`). What is kept is never trusted blindly: the vote's guarded write
# (cafe.voting.operations) stores a vote only while the round is still open with the kept
# dots, and checks the item and the phone's other dots in the database, so a change made
# anywhere (in another worker too) costs the next vote one slow path, which reads afresh.

_EVENT_KIND = select(CafeEvent.__table__.c.kind, CafeEvent.__table__.c.phase).where(
    CafeEvent.__table__.c.id == bindparam("event_id")
)
_ROUND = select(
    VoteRound.__table__.c.state,
    VoteRound.__table__.c.dots,
    VoteRound.__table__.c.per_item,
    VoteRound.__table__.c.revealed,
).where(
    VoteRound.__table__.c.event_id == bindparam("event_id"),
    VoteRound.__table__.c.phase == bindparam("phase"),
)


def _kept(name: str) -> dict[Any, Any]:
    """The app's per-process store ``name`` (in ``app.extensions``, so per app too)."""
    kept: dict[Any, Any] = current_app.extensions.setdefault(name, {})
    return kept


def event_kind(event_id: int) -> str:
    """The event's template kind (``unknown_event``), kept per process and app: no verb
    changes it once the event is created, whichever process created it."""
    kinds = _kept("cafe_vote_event_kinds")
    kind: str | None = kinds.get(event_id)
    if kind is None:
        row = db.session.connection().execute(_EVENT_KIND, {"event_id": event_id}).first()
        if row is None:
            raise DomainError("unknown_event")
        kind = kinds[event_id] = row.kind
    return kind


def _voted(phases: Sequence[TemplatePhase]) -> set[str]:
    return {p.section for p in phases if p.kind == "vote" and p.section is not None}


def section_voted(event_id: int, section: str | None) -> bool:
    """Whether a vote phase of the event's template votes on the core ideas of
    ``section``. Asked for every core idea written, so a section no template votes on
    (a Cafe Social's ideas) is answered without looking the event up."""
    templates = catalogue().templates.values()
    if section is None or not any(section in _voted(t.phases) for t in templates):
        return False
    return section in _voted(template_of_kind(event_kind(event_id)).phases)


def kept_round(event_id: int, phase_id: str | None, *, fresh: bool = False) -> RoundView:
    """The round a phone votes in: vote phase ``phase_id`` of the event's template, or
    (None) the event's current phase, read then; ``unknown_event``, or ``not_voting`` when
    that is no vote phase. Its state and dots are kept per process and app (read when
    missing or ``fresh``), so they may be stale: see :func:`forget_round`."""
    if phase_id is None:
        row = db.session.connection().execute(_EVENT_KIND, {"event_id": event_id}).first()
        if row is None:
            raise DomainError("unknown_event")
        kind, phase_id = row.kind, row.phase
    else:
        kind = event_kind(event_id)
    phase = template_of_kind(kind).phase(phase_id)
    if phase is None or phase.kind != "vote":
        raise DomainError("not_voting")
    rounds = _kept("cafe_vote_rounds")
    view: RoundView | None = None if fresh else rounds.get((event_id, phase.id))
    if view is None:
        parameters = {"event_id": event_id, "phase": phase.id}
        row = db.session.connection().execute(_ROUND, parameters).first()
        if row is None:
            view = RoundView(phase, "ready", phase.dots, phase.per_item, False)
        else:
            view = RoundView(phase, row.state, row.dots, row.per_item, bool(row.revealed))
        rounds[(event_id, phase.id)] = view
    return view


def forget_round(event_id: int, phase_id: str) -> None:
    """This process changed the round (opened, closed, revealed it or set its dots): its
    next vote reads it afresh instead of paying for a slow path."""
    _kept("cafe_vote_rounds").pop((event_id, phase_id), None)


def item_id(phase: TemplatePhase, key: str) -> int | None:
    """The theme's or post's id in an item key of ``phase``'s round (``theme:12`` → 12), or
    None for a key that cannot name one of its items (the other kind, not a plain id)."""
    prefix = THEME if phase.section is None else POST
    digits = key[len(prefix) :]
    if not key.startswith(prefix) or not digits.isascii() or not digits.isdigit():
        return None
    if digits.startswith("0") or len(digits) > len(str(MAX_ID)) or int(digits) > MAX_ID:
        return None
    return int(digits)


_THEMES = Theme.__table__
_POSTS = Post.__table__
_VOTES = Vote.__table__


def key_id(key: ColumnElement[str], section: bool) -> ColumnElement[int]:
    """SQL: the id in a stored item key (``theme:12`` → 12), NULL for the other kind (the
    CASE keeps PostgreSQL from casting a key it does not hold; stored keys are plain ids,
    as :func:`item_id` admits only those)."""
    prefix = POST if section else THEME
    digits = func.substr(key, len(prefix) + 1)
    return cast(case((func.substr(key, 1, len(prefix)) == prefix, digits), else_=null()), Integer)


def listed_clause(item: ColumnElement[int], section: bool) -> ColumnElement[bool]:
    """SQL: the theme or post ``item`` (an id) is one of the round's items now, as
    :func:`items` lists them: a theme of the event (bound ``event_id``), or a visible core
    idea of the section (bound ``section``)."""
    if not section:
        return exists().where(_THEMES.c.id == item, _THEMES.c.event_id == bindparam("event_id"))
    return exists().where(
        _POSTS.c.id == item,
        _POSTS.c.event_id == bindparam("event_id"),
        _POSTS.c.section == bindparam("section"),
        _POSTS.c.is_core.is_(True),
        _POSTS.c.hidden.is_(False),
        _POSTS.c.deleted.is_(False),
        _POSTS.c.review.is_(None),
    )


def _own_dots(section: bool) -> Any:
    """A phone's dots per listed item of a round (bound ``event_id``, ``phase``,
    ``device``, ``section``); built once per kind of round (:data:`_OWN_DOTS`)."""
    return select(_VOTES.c.item, _VOTES.c.dots).where(
        _VOTES.c.event_id == bindparam("event_id"),
        _VOTES.c.phase == bindparam("phase"),
        _VOTES.c.device_hash == bindparam("device"),
        listed_clause(key_id(_VOTES.c.item, section), section),
    )


_OWN_DOTS = {section: _own_dots(section) for section in (False, True)}


def own_dots(event_id: int, phase: TemplatePhase, device: str) -> dict[str, int]:
    """One phone's dots per item of the round, on the items listed now only (dots on a
    theme deleted since count for nothing), in one query."""
    parameters = {
        "event_id": event_id,
        "phase": phase.id,
        "device": device,
        "section": phase.section,
    }
    rows = db.session.connection().execute(_OWN_DOTS[phase.section is not None], parameters)
    return {item: dots for item, dots in rows}


def items(event: CafeEvent, phase: TemplatePhase) -> list[Item]:
    """What the round votes on, in the order the screens list it: the summary's themes in
    the gathering's order, or the section's visible core ideas oldest first."""
    if phase.section is None:
        return [Item(f"{THEME}{theme.id}", _theme_label(theme)) for theme in ordered_themes(event)]
    rows = db.session.execute(_SECTION_CORES, {"event": event.id, "section": phase.section})
    return [Item(f"{POST}{row.id}", row.text) for row in rows]


#: Characters of a theme's paragraph that name a theme without a title.
UNTITLED_LABEL = 120


def _theme_label(theme: Theme) -> str:
    """A theme's title, or for a theme without one (a run-in paragraph only) the start of
    its paragraph, without Markdown's marks."""
    if theme.title.strip():
        return theme.title
    words = " ".join(theme.body.replace("*", "").replace("_", "").replace("#", "").split())
    return words if len(words) <= UNTITLED_LABEL else words[: UNTITLED_LABEL - 1].rstrip() + "…"


_SECTION_CORES = (
    select(Post.id, Post.text)
    .where(
        Post.event_id == bindparam("event"),
        Post.section == bindparam("section"),
        Post.is_core.is_(True),
        *Post.visible_filter(),
    )
    .order_by(Post.id)
)


def ballots(event_id: int, phase_id: str) -> list[Ballot]:
    """Every phone's dots per item in the round (rows with dots only)."""
    rows = db.session.execute(
        select(Vote.device_hash, Vote.item, Vote.dots, Vote.role_tag).where(
            Vote.event_id == event_id, Vote.phase == phase_id
        )
    )
    return [Ballot(device, item, dots, role) for device, item, dots, role in rows]


def placed(event_id: int, phase_id: str, device: str) -> dict[str, int]:
    """One phone's dots per item in the round, as stored (items since removed included)."""
    rows = db.session.execute(_PLACED, {"event": event_id, "phase": phase_id, "device": device})
    return {item: dots for item, dots in rows}


_PLACED = select(Vote.item, Vote.dots).where(
    Vote.event_id == bindparam("event"),
    Vote.phase == bindparam("phase"),
    Vote.device_hash == bindparam("device"),
)


def voters(event_id: int, phase_id: str) -> int:
    """How many phones have at least one dot in the round (a vote at zero is no row)."""
    count = db.session.execute(
        select(db.func.count(db.func.distinct(Vote.device_hash))).where(
            Vote.event_id == event_id, Vote.phase == phase_id
        )
    ).scalar_one()
    return int(count)


def ranking(event: CafeEvent, phase: TemplatePhase) -> list[Ranked]:
    """The round's ranking over everyone (documents read it whether revealed or not)."""
    return tally(items(event, phase), ballots(event.id, phase.id))


def dots_left(view: RoundView, mine: dict[str, int]) -> int:
    """The dots a phone still has to place (never below zero)."""
    return max(view.dots - sum(mine.values()), 0)


def own_payload(view: RoundView, mine: dict[str, int]) -> dict[str, Any]:
    """A phone's own dots in the round and the dots it has left (``votes``)."""
    return {"phase": view.phase.id, "mine": mine, "left": dots_left(view, mine)}


def _item(item: Item) -> dict[str, str]:
    return {"key": item.key, "label": item.label}


def _ranked(line: Ranked) -> dict[str, Any]:
    return {
        "key": line.key,
        "label": line.label,
        "dots": line.dots,
        "voters": line.voters,
        "rank": line.rank,
    }


def round_payload(
    event: CafeEvent,
    view: RoundView,
    *,
    language: str,
    chart: bool = False,
    count: bool = True,
) -> dict[str, Any]:
    """A round as every screen sees it (``vote``): its state and settings, its items, how
    many phones voted, and, once revealed, the ranking (``results``; null before: nobody
    sees how the others voted while voting). ``chart`` adds the board's SVG chart of the
    first :data:`BOARD_ROWS` lines, titled in ``language`` (the board's: the event's);
    without ``count``, ``voters`` is null (a rejoining phone, which never shows it, does
    not make a herd of phones count the voters once each)."""
    listed = items(event, view.phase)
    payload: dict[str, Any] = {
        "phase": view.phase.id,
        "section": view.phase.section,
        "state": view.state,
        "dots": view.dots,
        "per_item": view.per_item,
        "revealed": view.revealed,
        "items": [_item(item) for item in listed],
        "voters": voters(event.id, view.phase.id) if count else None,
        "results": None,
    }
    if view.revealed:
        ranked = revealed_ranking(event.id, view.phase.id, listed)
        payload["results"] = [_ranked(line) for line in ranked]
        if chart:
            payload["chart"] = board_chart(event, view.phase, ranked, language)
    elif chart:
        payload["chart"] = None
    return payload


@dataclass(frozen=True)
class _Revealed:
    """A revealed round's ballots (frozen: a revealed round is closed and never opened
    again) and its ranking over the items it was last ranked on."""

    ballots: tuple[Ballot, ...]
    items: tuple[Item, ...]
    ranked: tuple[Ranked, ...]


def revealed_ranking(event_id: int, phase_id: str, listed: Sequence[Item]) -> list[Ranked]:
    """The ranking of a revealed round over ``listed`` (its items as read now).

    After the reveal every phone may rejoin at once, and each gets the results: ranking
    them once per phone would read every ballot of the room once per phone. A revealed
    round's ballots never change again (its votes are frozen: no verb reopens it), so
    they are read once per process, and ranked again only when the items changed (a
    theme renamed, created or deleted, an idea hidden): always true, in every worker.
    """
    kept = _kept("cafe_vote_rankings")
    items = tuple(listed)
    found: _Revealed | None = kept.get((event_id, phase_id))
    if found is None:
        frozen = tuple(ballots(event_id, phase_id))
        found = _Revealed(frozen, items, tuple(tally(items, frozen)))
    elif found.items != items:
        found = _Revealed(found.ballots, items, tuple(tally(items, found.ballots)))
    kept[(event_id, phase_id)] = found
    return list(found.ranked)


def board_chart(
    event: CafeEvent, phase: TemplatePhase, ranked: Sequence[Ranked], language: str
) -> str:
    """The SVG bar chart of the ranking's first lines, in ``language``."""
    with force_locale(language):
        title = template_of(event).label(phase.id, language, event.language)
        dots_word = gettext("Dots")
    return chart_svg(ranked[:BOARD_ROWS], title=title, dots_word=dots_word)


def spread_error(
    view: RoundView, mine: dict[str, int], item: str, dots: int
) -> tuple[str, dict[str, Any]] | None:
    """The error code (and its parameters) for a phone setting ``item`` to ``dots``, or
    None when the spread rule allows it."""
    problem = spread_problem(mine, item, dots, total=view.dots, per_item=view.per_item)
    if problem is None:
        return None
    if problem == "too-many-on-item":
        return "too_many_on_item", {"max": view.per_item}
    if problem == "too-many-dots":
        return "no_dots_left", {"total": view.dots}
    return "bad_dots", {}


def phone_vote(event: CafeEvent, device: str) -> dict[str, Any] | None:
    """A (re)joining phone's round: the current phase's, with the phone's own dots per item
    (``mine``) and the dots it has left; None outside a vote phase."""
    phase = vote_phase(event)
    if phase is None:
        return None
    view = round_view(event, phase)
    payload = round_payload(event, view, language=event.language, count=False)
    listed = {item["key"] for item in payload["items"]}
    mine = {key: n for key, n in placed(event.id, phase.id, device).items() if key in listed}
    return {**payload, **own_payload(view, mine)}


def board_vote(event: CafeEvent) -> dict[str, Any] | None:
    """A (re)connecting board's round: the current phase's, with its chart once revealed;
    None outside a vote phase."""
    phase = vote_phase(event)
    if phase is None:
        return None
    return round_payload(event, round_view(event, phase), language=event.language, chart=True)


def facilitator_votes(event: CafeEvent, language: str) -> list[dict[str, Any]]:
    """Every vote phase's round for the control page, set up or not yet, in phase order."""
    return [
        round_payload(event, round_view(event, phase), language=language)
        for phase in vote_phases(event)
    ]
