"""The room's dot-vote in the documents, one module for both kinds.

What each kind takes in: the memo the ranking of a vote on the shared summary's themes,
the service-pilot report the ranking of the vote on its development proposals (the
``proposals`` section's core ideas); with no dot placed, neither gets a ranking, so a
document of an event without a vote is what it was before votes existed. The organizer's
editor also gets the vote's voice balance (the ranking per role tag, under the small-group
rule), which never goes into a document: a document is shared, the balance is for the
organizer's eyes.

And the drawing: the chart as a figure in the HTML and PDF (SVG, whose texts stay text)
and as a picture in Word (PNG, with the ranking as its alternative text). The words
(heading, one line per item) are the pure :mod:`cafe.domain.votes`'s, put in place by the
memo's and the report's own Markdown, text and Word writers.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup

from cafe.domain.report import PROPOSALS_SECTION
from cafe.domain.votes import (
    Ranked,
    VoteBalance,
    balance,
    chart_png,
    chart_svg,
    chart_text,
    ranking_words,
)
from cafe.domain.workshops import TemplatePhase
from cafe.models import CafeEvent
from cafe.voting import state

if TYPE_CHECKING:
    from docx.document import Document

#: The Word page's text width (A4 less 22 mm margins), and the tallest the chart may be
#: (EMU, as python-docx measures: 36,000 per mm).
TEXT_WIDTH = 166 * 36_000
CHART_MAX_HEIGHT = 225 * 36_000


def on_themes(phase: TemplatePhase) -> bool:
    """A vote on the shared summary's themes (the memo's ranking)."""
    return phase.section is None


def on_proposals(phase: TemplatePhase) -> bool:
    """A vote on the development proposals (the pilot report's ranking)."""
    return phase.section == PROPOSALS_SECTION


def _voted_phase(event: CafeEvent, wanted: Callable[[TemplatePhase], bool]) -> TemplatePhase | None:
    """The last of the event's vote phases ``wanted`` picks in which some phone placed a
    dot (a template may vote twice: the later vote is the room's last word)."""
    for phase in reversed(state.vote_phases(event)):
        if wanted(phase) and state.voters(event.id, phase.id):
            return phase
    return None


def ranking(event: CafeEvent, wanted: Callable[[TemplatePhase], bool]) -> tuple[Ranked, ...]:
    """The ranking of that vote (every item, those without dots last), or nothing when no
    phone voted: documents read it whether or not the board has revealed it."""
    phase = _voted_phase(event, wanted)
    return tuple(state.ranking(event, phase)) if phase is not None else ()


def voice_balance(event: CafeEvent, wanted: Callable[[TemplatePhase], bool]) -> VoteBalance | None:
    """That vote ranked over everyone and per role tag the event offers (a role shown only
    under :mod:`cafe.domain.suppression`'s rule), or None when no phone voted."""
    phase = _voted_phase(event, wanted)
    if phase is None:
        return None
    return balance(
        state.items(event, phase), state.ballots(event.id, phase.id), roles=event.role_tags
    )


def chart_figure(ranked: Sequence[Ranked], *, title: str, language: str) -> Markup:
    """The chart as an HTML ``<figure>`` (inline SVG: built by :func:`chart_svg` with every
    text escaped), or nothing when there is no ranking."""
    if not ranked:
        return Markup("")
    svg = chart_svg(ranked, title=title, dots_word=ranking_words(language)["column"])
    # The SVG is made here from escaped texts only: safe to place as it is.
    return Markup('<figure class="votes-chart">\n{}</figure>\n').format(Markup(svg))


def add_chart(document: Document, ranked: Sequence[Ranked], *, title: str, language: str) -> None:
    """Put the chart into a Word document as a picture the page's width (or shorter, for a
    long ranking), centred, with the ranking in words as what a screen reader says."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from PIL import Image

    if not ranked:
        return
    column = ranking_words(language)["column"]
    png = chart_png(ranked, title=title, dots_word=column)
    with Image.open(io.BytesIO(png)) as image:
        pixels_wide, pixels_high = image.size
    width = min(TEXT_WIDTH, int(CHART_MAX_HEIGHT * pixels_wide / pixels_high))
    document.add_picture(io.BytesIO(png), width=width)
    picture = document.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for properties in picture._p.xpath(".//wp:docPr"):
        properties.set("descr", chart_text(ranked, title=title, dots_word=column))
