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

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from markupsafe import Markup

from cafe.documents.rendering import DocxWriter, add_figure, markdown_blocks
from cafe.domain.report import PROPOSALS_SECTION
from cafe.domain.votes import (
    Ranked,
    VoteBalance,
    balance,
    chart_png,
    chart_svg,
    chart_text,
    ranking_markdown,
    ranking_words,
)
from cafe.domain.workshops import TemplatePhase
from cafe.models import CafeEvent
from cafe.voting import state

if TYPE_CHECKING:
    pass


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


def add_ranking(
    writer: DocxWriter, ranked: Sequence[Ranked], *, heading: str, language: str
) -> None:
    """The ranking in a Word document: its list, then its chart as a picture with the
    ranking in words as what a screen reader says. Nothing without votes."""
    if not ranked:
        return
    writer.blocks(markdown_blocks(ranking_markdown(ranked, heading=heading, language=language)))
    column = ranking_words(language)["column"]
    add_figure(
        writer.document,
        chart_png(ranked, title=heading, dots_word=column),
        description=chart_text(ranked, title=heading, dots_word=column),
    )
