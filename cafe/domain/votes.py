"""Dot-voting: the spread rule, the ranking, the voice balance and the chart (SVG and PNG).

Each phone has ``total`` dots to spread over the items (themes, or a section's posts), at
most ``per_item`` on one. A phone's ballot for an item is the number of dots it has on it
now; a change replaces it. The ranking sorts the items by dots (ties keep the items' own
order and share a rank: 1, 2, 2, 4).

The voice balance ranks the items once per role tag, so that an organizer sees whether the
clients and the professionals ranked differently, under the same small-group rule as the
other per-role figures (``cafe.domain.suppression``): the ranking over everyone is shown,
so a role line is hidden when fewer than three phones voted with it, or when the ranking
over everyone minus the shown roles would give a smaller group's dots away.

The chart is one layout, computed here once and written out twice, as the process diagram
is (``cafe.domain.diagram``, whose text-width estimate and fonts it shares): SVG for the
board, the HTML and the PDF, where the texts stay real text, and PNG for Word, which cannot
place SVG alone. The SVG uses presentation attributes only (the pages' Content Security
Policy forbids ``style``) and is drawn 1,600 units wide with labels of 32 units, so that
shown about 1,600 px wide on a 1080p projector a label is 32 px high: legible from the back
of the room (the board's own 28 px floor).

The documents' side is here too, so that the memo and the pilot report print a ranking
alike: its words in each event language ("Äänestyksen tulos:", "12 pistettä"), its
Markdown and plain-text forms, and its forms as stored in a revision and as a document
part taken in again (``cafe.domain.merge``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

from cafe.domain.errors import DomainError
from cafe.domain.markup import escape_line, escape_specials
from cafe.domain.suppression import MIN_PHONES_PER_ROLE, shown_groups

if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

# The chart shares the process diagram's font and width estimate on purpose (one font, so
# that a label that fits in one drawing fits in the other), but imports it (and with it
# Pillow) only when a chart is drawn: the rules and the ranking serve every vote and the
# text exports, which need neither.

# --- the spread rule ---------------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    """One thing to vote on: ``key`` is ``"theme:<id>"`` or ``"post:<id>"``."""

    key: str
    label: str


@dataclass(frozen=True)
class Ballot:
    """One phone's dots on one item, and the role tag the phone carried (None: no tag)."""

    device: str
    item: str
    dots: int
    role: str | None


def spread_problem(
    placed: Mapping[str, int], item: str, dots: int, *, total: int, per_item: int
) -> str | None:
    """Why a phone whose dots per item are now ``placed`` may not set ``item`` to ``dots``,
    or None when it may.

    ``"negative"`` for fewer than no dots, ``"too-many-on-item"`` above ``per_item``,
    ``"too-many-dots"`` when the phone's dots together would exceed ``total``. Taking dots
    away is always allowed (down to zero): when the facilitator lowers the limits while
    phones have voted, a phone above them can still come down, step by step.
    """
    if dots < 0:
        return "negative"
    current = placed.get(item, 0)
    if dots <= current:
        return None
    if dots > per_item:
        return "too-many-on-item"
    if sum(placed.values()) - current + dots > total:
        return "too-many-dots"
    return None


# --- the ranking -------------------------------------------------------------------------


@dataclass(frozen=True)
class Ranked:
    """One item's line of the ranking: its dots, how many phones gave it any, its rank."""

    key: str
    label: str
    dots: int
    voters: int
    rank: int


def _current(ballots: Iterable[Ballot]) -> dict[tuple[str, str], Ballot]:
    """Each phone's latest ballot per item: a later ballot replaces an earlier one, as a
    changed vote does (whether the store keeps one row per phone and item or a log)."""
    latest: dict[tuple[str, str], Ballot] = {}
    for ballot in ballots:
        latest[(ballot.device, ballot.item)] = ballot
    return latest


def _rank(items: Sequence[Item], ballots: Iterable[Ballot]) -> list[Ranked]:
    dots = {item.key: 0 for item in items}
    voters: dict[str, set[str]] = {item.key: set() for item in items}
    for ballot in ballots:
        # A ballot for an item no longer on the list (a deleted theme) counts for nothing.
        if ballot.item in dots and ballot.dots > 0:
            dots[ballot.item] += ballot.dots
            voters[ballot.item].add(ballot.device)
    # sorted() is stable: equal dots keep the items' order.
    ordered = sorted(items, key=lambda item: -dots[item.key])
    ranked: list[Ranked] = []
    for position, item in enumerate(ordered, start=1):
        tied = ranked and ranked[-1].dots == dots[item.key]
        rank = ranked[-1].rank if tied else position
        ranked.append(Ranked(item.key, item.label, dots[item.key], len(voters[item.key]), rank))
    return ranked


def tally(items: Sequence[Item], ballots: Iterable[Ballot]) -> list[Ranked]:
    """Every item with its dots, most dots first, then in the items' order; equal dots share
    a rank and the next rank skips (1, 2, 2, 4). Items nobody voted for are listed with 0."""
    return _rank(items, _current(ballots).values())


# --- the voice balance -------------------------------------------------------------------


@dataclass(frozen=True)
class RoleRanking:
    """One role tag's line: how many phones voted with it and their ranking, both None
    when the line is hidden (too few phones, or its dots would let a smaller group's be
    worked out from the ranking over everyone)."""

    role: str | None
    phones: int | None
    ranked: tuple[Ranked, ...] | None


@dataclass(frozen=True)
class VoteBalance:
    """The ranking over everyone and one line per role tag (offered ones first, then any
    other tag seen, then "no role")."""

    phones: int
    everyone: tuple[Ranked, ...]
    roles: tuple[RoleRanking, ...]


def balance(
    items: Sequence[Item],
    ballots: Iterable[Ballot],
    *,
    roles: Iterable[str] = (),
    minimum: int = MIN_PHONES_PER_ROLE,
) -> VoteBalance:
    """Rank ``items`` over everyone and per role tag, hiding the roles that
    :func:`cafe.domain.suppression.shown_groups` hides.

    A role's group is the phones that placed at least one dot while carrying the tag (a
    phone that changed its tag between votes is in both groups, as the rule allows). An
    offered tag nobody voted with is shown with zeros, unless so few phones voted at all
    that telling the empty groups would tell the others'.
    """
    current = list(_current(ballots).values())
    offered = list(dict.fromkeys(roles))
    seen = list(dict.fromkeys(b.role for b in current if b.role is not None))
    ordered: list[str | None] = [*offered, *(r for r in seen if r not in offered), None]
    phones: dict[str | None, set[str]] = {role: set() for role in ordered}
    for ballot in current:
        if ballot.dots > 0:
            phones[ballot.role].add(ballot.device)
    shown = shown_groups([phones[role] for role in ordered], minimum)
    lines = tuple(
        RoleRanking(
            role,
            len(phones[role]),
            tuple(_rank(items, [b for b in current if b.role == role])),
        )
        if visible
        else RoleRanking(role, None, None)
        for role, visible in zip(ordered, shown, strict=True)
    )
    voted = {b.device for b in current if b.dots > 0}
    return VoteBalance(len(voted), tuple(_rank(items, current)), lines)


# --- the ranking in the documents ----------------------------------------------------------

#: The documents' words for a ranking, in each event language: the memo's and the pilot
#: report's heading, a count ("12 pistettä"), and the chart's column of counts.
RANKING_TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "memo": "Äänestyksen tulos",
        "report": "Kehittämisehdotukset äänestyksen mukaan",
        "one": "{n} piste",
        "many": "{n} pistettä",
        "column": "Pisteet",
    },
    "sv": {
        "memo": "Omröstningens resultat",
        "report": "Utvecklingsförslagen enligt omröstningen",
        "one": "{n} poäng",
        "many": "{n} poäng",
        "column": "Poäng",
    },
    "en": {
        "memo": "Result of the vote",
        "report": "Development proposals by votes",
        "one": "{n} dot",
        "many": "{n} dots",
        "column": "Dots",
    },
}


def ranking_words(language: str) -> dict[str, str]:
    """The ranking's words in ``language`` (Finnish for an unknown one)."""
    return RANKING_TEXTS.get(language, RANKING_TEXTS["fi"])


def count_words(dots: int, language: str) -> str:
    """``12 pistettä``, ``1 piste``: a count of dots as the documents write it."""
    words = ranking_words(language)
    return words["one" if dots == 1 else "many"].format(n=dots)


def ranking_lines(ranked: Sequence[Ranked], language: str) -> list[str]:
    """One plain line per item: ``2. Asuminen – 7 pistettä`` (equal ranks repeat)."""
    return [
        f"{r.rank}. {' '.join(r.label.split())} – {count_words(r.dots, language)}" for r in ranked
    ]


def ranking_text(ranked: Sequence[Ranked], *, heading: str, language: str) -> str:
    """The ranking as plain text: the heading with a colon, then one line per item."""
    return "\n".join([f"{heading}:", *ranking_lines(ranked, language)])


def ranking_markdown(ranked: Sequence[Ranked], *, heading: str, language: str) -> str:
    """The ranking as one Markdown paragraph: the bold heading, then one line per item
    (hard line breaks, not a numbered list, which would renumber equal ranks 1, 2, 3)."""
    lines = [f"**{escape_specials(heading)}:**"]
    lines += [escape_line(line) for line in ranking_lines(ranked, language)]
    return "  \n".join(lines)


def ranked_to_content(ranked: Sequence[Ranked]) -> list[dict[str, object]]:
    """The ranking as JSON-ready data, for a stored document revision."""
    return [
        {"key": r.key, "label": r.label, "dots": r.dots, "voters": r.voters, "rank": r.rank}
        for r in ranked
    ]


def ranked_from_content(content: Iterable[Mapping[str, object]]) -> tuple[Ranked, ...]:
    """The ranking of a stored revision (the inverse of :func:`ranked_to_content`)."""
    return tuple(
        Ranked(
            key=str(line["key"]),
            label=str(line["label"]),
            dots=int(str(line["dots"])),
            voters=int(str(line["voters"])),
            rank=int(str(line["rank"])),
        )
        for line in content
    )


#: Strings per line of a ranking held as a document part (``cafe.domain.merge.Text``).
_PART_FIELDS = 5


def ranked_part(ranked: Sequence[Ranked]) -> tuple[str, ...]:
    """The ranking as a document part's text (key, label, dots, voters, rank per line), so
    that taking the live source in again offers a changed ranking like a changed theme."""
    return tuple(
        text for r in ranked for text in (r.key, r.label, str(r.dots), str(r.voters), str(r.rank))
    )


def ranked_from_part(text: Sequence[str]) -> tuple[Ranked, ...]:
    """The ranking a part's text holds (the inverse of :func:`ranked_part`)."""
    return tuple(
        Ranked(text[i], text[i + 1], int(text[i + 2]), int(text[i + 3]), int(text[i + 4]))
        for i in range(0, len(text) - _PART_FIELDS + 1, _PART_FIELDS)
    )


#: The editor's keep-or-drop field of a document's ranking, and its two values.
KEEP, DROP = "keep", "drop"


def shown_choice(raw: object, default: bool) -> bool:
    """Whether the organizer keeps the ranking in the document: the editor's field (``keep``
    or ``drop``; absent: ``default``), else ``DomainError("bad_request")``."""
    if raw is None:
        return default
    if raw not in (KEEP, DROP):
        raise DomainError("bad_request", {"field": "votes"})
    return raw == KEEP


# --- the chart's layout ------------------------------------------------------------------

#: The canvas is this wide in SVG user units (and the PNG in pixels).
CHART_WIDTH = 1600
MARGIN = 32
TITLE_SIZE = 44
TITLE_LINE = 54
MAX_TITLE_LINES = 2
HEADING_SIZE = 28
LABEL_SIZE = 32
LABEL_LINE = 40
#: A label longer than this many lines ends in "…"; its count is never cut.
MAX_LABEL_LINES = 2
COUNT_SIZE = 36
BAR_HEIGHT = 40
ROW_PADDING = 10
ROW_GAP = 8
GAP = 24
#: Room for the labels: a little over a third of the width, the rest for bars and counts.
LABEL_WIDTH = 600

PAPER = "#ffffff"
INK = "#1f3f66"
TRACK = "#e3e9f0"
TEXT = "#111111"
#: Bold DejaVu Sans is at most this much wider than regular (digits: 696 against 636).
_BOLD = 1.1


@dataclass(frozen=True)
class Row:
    """One item's row: its rank, label lines, count, where it sits, and its bar's length."""

    rank: int
    lines: tuple[str, ...]
    dots: int
    y: float
    height: float
    bar: float


@dataclass(frozen=True)
class ChartLayout:
    """The whole chart: canvas size, title lines, the count column's heading, the columns'
    x positions (the counts are right-aligned on ``count_right``) and the rows."""

    width: float
    height: float
    title: tuple[str, ...]
    heading: str
    heading_y: float
    rank_x: float
    label_x: float
    bar_x: float
    bar_room: float
    count_right: float
    rows: tuple[Row, ...]


def _wrap(text: str, width: float, size: float) -> list[str]:
    from cafe.domain.diagram import FONT_SIZE, wrap

    # The diagram's wrap() measures at its own font size; widths scale with the size.
    return wrap(text, width * FONT_SIZE / size)


def text_width(text: str, size: float) -> float:
    """The estimated width of ``text`` in DejaVu Sans at ``size`` (the diagram's estimate:
    never narrower than the real text)."""
    from cafe.domain.diagram import text_width as width

    return width(text, size)


def _fit(text: str, width: float, size: float, max_lines: int) -> tuple[str, ...]:
    """``text`` wrapped to ``width``, at most ``max_lines`` lines, the last one ending in
    "…" when text was left out."""
    lines = _wrap(" ".join(text.split()), width, size) or [""]
    if len(lines) <= max_lines:
        return tuple(lines)
    last = lines[max_lines - 1]
    while last and text_width(last + "…", size) > width:
        last = last[:-1]
    return (*lines[: max_lines - 1], last.rstrip() + "…")


def chart_layout(ranked: Sequence[Ranked], *, title: str, dots_word: str) -> ChartLayout:
    """Place the title, the count column's heading and one row per line of ``ranked``."""
    inner = CHART_WIDTH - 2 * MARGIN
    title_lines = _fit(title, inner, TITLE_SIZE, MAX_TITLE_LINES)
    y = MARGIN + len(title_lines) * TITLE_LINE
    heading = " ".join(dots_word.split())
    heading_y = y + HEADING_SIZE
    y = heading_y + ROW_GAP * 2

    widest_rank = max((text_width(f"{r.rank}.", LABEL_SIZE) * _BOLD for r in ranked), default=0)
    widest_count = max((text_width(str(r.dots), COUNT_SIZE) * _BOLD for r in ranked), default=0)
    rank_x = float(MARGIN)
    label_x = rank_x + widest_rank + GAP / 2
    bar_x = label_x + LABEL_WIDTH + GAP
    count_right = float(CHART_WIDTH - MARGIN)
    bar_room = max(count_right - widest_count - GAP - bar_x, 1.0)
    most = max((r.dots for r in ranked), default=0)

    rows: list[Row] = []
    for line in ranked:
        lines = _fit(line.label, LABEL_WIDTH, LABEL_SIZE, MAX_LABEL_LINES)
        height = max(BAR_HEIGHT, len(lines) * LABEL_LINE) + 2 * ROW_PADDING
        # A bar is never so short that a single dot vanishes next to a hundred.
        bar = max(bar_room * line.dots / most, 6.0) if line.dots > 0 else 0.0
        rows.append(Row(line.rank, lines, line.dots, y, height, bar))
        y += height + ROW_GAP
    height = y - ROW_GAP + MARGIN if rows else y + MARGIN
    return ChartLayout(
        width=CHART_WIDTH,
        height=height,
        title=title_lines,
        heading=heading,
        heading_y=heading_y,
        rank_x=rank_x,
        label_x=label_x,
        bar_x=bar_x,
        bar_room=bar_room,
        count_right=count_right,
        rows=tuple(rows),
    )


def _label_baselines(row: Row) -> list[float]:
    # The lines are centred in the row; a baseline sits 0.8 of a line under the line's top.
    top = row.y + (row.height - len(row.lines) * LABEL_LINE) / 2
    return [top + index * LABEL_LINE + 0.8 * LABEL_LINE for index in range(len(row.lines))]


def _middle_baseline(row: Row, size: float) -> float:
    # Digits are 0.73 em high: their baseline half of that under the row's middle.
    return row.y + row.height / 2 + 0.365 * size


def _bar_top(row: Row) -> float:
    return row.y + (row.height - BAR_HEIGHT) / 2


def chart_text(ranked: Sequence[Ranked], *, title: str, dots_word: str) -> str:
    """The chart said in words, one sentence per item: what a screen reader announces and
    what stands in for the drawing where no image can go."""
    heading = " ".join(dots_word.split())
    lines = [f"{r.rank}. {' '.join(r.label.split())} — {heading}: {r.dots}" for r in ranked]
    return "; ".join([" ".join(title.split()), *lines])


# --- SVG ---------------------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate, rounded to a tenth and written without a needless ``.0``."""
    return f"{round(value, 1):g}"


def chart_svg(ranked: Sequence[Ranked], *, title: str, dots_word: str) -> str:
    """The ranking as a standalone SVG horizontal bar chart (UTF-8 text without XML
    declaration, fit to be placed inline in HTML).

    ``ranked`` is :func:`tally`'s list (or its first lines); ``title`` heads the chart and
    names it for screen readers; ``dots_word`` heads the column of counts ("Dots",
    "Pisteet"). Every text is XML-escaped; the same input gives the same bytes.
    """
    from cafe.domain.diagram import FONT_FAMILY

    chart = chart_layout(ranked, title=title, dots_word=dots_word)
    width, height = _n(chart.width), _n(chart.height)
    font = f"font-family={quoteattr(FONT_FAMILY)}"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="vote-chart" role="img"'
        f' viewBox="0 0 {width} {height}" width="{width}" height="{height}">',
        f"<title>{escape(' '.join(title.split()))}</title>",
        f"<desc>{escape(chart_text(ranked, title=title, dots_word=dots_word))}</desc>",
        f'<rect class="chart-paper" x="0" y="0" width="{width}" height="{height}" fill="{PAPER}"/>',
    ]
    for index, line in enumerate(chart.title):
        baseline = MARGIN + index * TITLE_LINE + 0.8 * TITLE_LINE
        out.append(
            f'<text class="chart-title" x="{_n(MARGIN)}" y="{_n(baseline)}" {font}'
            f' font-size="{TITLE_SIZE}" font-weight="bold" fill="{TEXT}">{escape(line)}</text>'
        )
    out.append(
        f'<text class="chart-heading" x="{_n(chart.count_right)}" y="{_n(chart.heading_y)}"'
        f' {font} font-size="{HEADING_SIZE}" fill="{TEXT}" text-anchor="end">'
        f"{escape(chart.heading)}</text>"
    )
    for row in chart.rows:
        top = _bar_top(row)
        out.append('<g class="chart-row">')
        out.append(
            f'<text class="chart-rank" x="{_n(chart.rank_x)}" y="{_n(_label_baselines(row)[0])}"'
            f' {font} font-size="{LABEL_SIZE}" font-weight="bold" fill="{TEXT}">'
            f"{row.rank}.</text>"
        )
        for line, baseline in zip(row.lines, _label_baselines(row), strict=True):
            out.append(
                f'<text class="chart-label" x="{_n(chart.label_x)}" y="{_n(baseline)}" {font}'
                f' font-size="{LABEL_SIZE}" fill="{TEXT}">{escape(line)}</text>'
            )
        out.append(
            f'<rect class="chart-track" x="{_n(chart.bar_x)}" y="{_n(top)}"'
            f' width="{_n(chart.bar_room)}" height="{BAR_HEIGHT}" fill="{TRACK}"/>'
        )
        if row.bar:
            out.append(
                f'<rect class="chart-bar" x="{_n(chart.bar_x)}" y="{_n(top)}"'
                f' width="{_n(row.bar)}" height="{BAR_HEIGHT}" fill="{INK}"/>'
            )
        out.append(
            f'<text class="chart-count" x="{_n(chart.count_right)}"'
            f' y="{_n(_middle_baseline(row, COUNT_SIZE))}" {font} font-size="{COUNT_SIZE}"'
            f' font-weight="bold" fill="{TEXT}" text-anchor="end">{row.dots}</text>'
        )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- PNG ---------------------------------------------------------------------------------

#: Drawn at twice the size and scaled down, so that edges and text are smooth.
_SUPERSAMPLE = 2


def _draw_text(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    text: str,
    font: ImageFont.FreeTypeFont | ImageFont.ImageFont,
    *,
    right: bool = False,
) -> None:
    """Draw ``text`` with its baseline at ``at`` (its left end, or its right end)."""
    from PIL import ImageFont

    from cafe.domain.diagram import _hex

    if isinstance(font, ImageFont.FreeTypeFont):
        draw.text(at, text, font=font, fill=_hex(TEXT), anchor="rs" if right else "ls")
        return
    # A bitmap font knows no anchors: place its top-left corner from its own box.
    left, _top, end, bottom = draw.textbbox((0, 0), text, font=font)
    x = at[0] - (end - left) if right else at[0]
    draw.text((x, at[1] - bottom), text, font=font, fill=_hex(TEXT))


def chart_png(ranked: Sequence[Ranked], *, title: str, dots_word: str) -> bytes:
    """The same chart as :func:`chart_svg`, as PNG bytes (for Word), 1,600 px wide (about
    250 dpi across A4's text width). The title and :func:`chart_text` are stored as the
    image's ``Title`` and ``Description``; the bytes carry no time stamp, so the same input
    gives the same file."""
    from PIL import Image, ImageDraw
    from PIL.PngImagePlugin import PngInfo

    # The diagram's font loader: DejaVu Sans, else Pillow's own font at the same size.
    from cafe.domain.diagram import _font, _hex

    chart = chart_layout(ranked, title=title, dots_word=dots_word)
    scale = _SUPERSAMPLE
    image = Image.new(
        "RGB", (math.ceil(chart.width * scale), math.ceil(chart.height * scale)), PAPER
    )
    draw = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[float, float]:
        return x * scale, y * scale

    title_font = _font(True, round(TITLE_SIZE * scale))
    for index, line in enumerate(chart.title):
        _draw_text(
            draw, at(MARGIN, MARGIN + index * TITLE_LINE + 0.8 * TITLE_LINE), line, title_font
        )
    heading_font = _font(False, round(HEADING_SIZE * scale))
    _draw_text(
        draw, at(chart.count_right, chart.heading_y), chart.heading, heading_font, right=True
    )
    rank_font = _font(True, round(LABEL_SIZE * scale))
    label_font = _font(False, round(LABEL_SIZE * scale))
    count_font = _font(True, round(COUNT_SIZE * scale))
    for row in chart.rows:
        baselines = _label_baselines(row)
        _draw_text(draw, at(chart.rank_x, baselines[0]), f"{row.rank}.", rank_font)
        for line, baseline in zip(row.lines, baselines, strict=True):
            _draw_text(draw, at(chart.label_x, baseline), line, label_font)
        top = _bar_top(row)
        draw.rectangle(
            (at(chart.bar_x, top), at(chart.bar_x + chart.bar_room, top + BAR_HEIGHT)),
            fill=_hex(TRACK),
        )
        if row.bar:
            draw.rectangle(
                (at(chart.bar_x, top), at(chart.bar_x + row.bar, top + BAR_HEIGHT)),
                fill=_hex(INK),
            )
        _draw_text(
            draw,
            at(chart.count_right, _middle_baseline(row, COUNT_SIZE)),
            str(row.dots),
            count_font,
            right=True,
        )

    final = image.resize(
        (math.ceil(chart.width), math.ceil(chart.height)), Image.Resampling.LANCZOS
    )
    info = PngInfo()
    info.add_text("Title", " ".join(title.split()))
    info.add_itxt("Description", chart_text(ranked, title=title, dots_word=dots_word))
    out = io.BytesIO()
    final.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()
