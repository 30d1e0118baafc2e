"""The service-pilot report of a co-development workshop, assembled from the event.

The curated sections become the report's parts: the ``goal`` section its goal, the
``process`` section's themes its numbered steps (title = the bold lead, paragraph = the
body, or the ideas while no paragraph is written), ``worked``, ``change`` and
``proposals`` its results and development proposals, and the phones' feedback per role
its evaluation. What no workshop can know (duration, organisations, participant counts,
resources) is left for the organizer to fill in.
"""

from __future__ import annotations

from dataclasses import replace

from cafe.documents.revisions import document_row, newest_content, store_revision, with_taken
from cafe.documents.votes import on_proposals, ranking
from cafe.domain.feedback import RoleFeedback, format_average
from cafe.domain.plan import ReportPlan
from cafe.domain.report import (
    PilotReport,
    assemble_report,
    report_from_content,
    report_parts,
    report_to_content,
    with_plan,
)
from cafe.domain.suppression import MIN_PHONES_PER_ROLE
from cafe.feedback.operations import summary_lines
from cafe.gathering import state
from cafe.i18n import role_label
from cafe.models import CafeEvent

#: Sentences of the evaluation part, per language.
EVALUATION = {
    "fi": (
        "Palautetta kerättiin työpajassa nimettömästi puhelimilla ({n} vastausta, "
        "keskiarvo {average} asteikolla 1–5)."
    ),
    "sv": (
        "Respons samlades in anonymt med telefoner under workshopen ({n} svar, "
        "medelvärde {average} på skalan 1–5)."
    ),
    "en": (
        "Feedback was collected anonymously on phones during the workshop ({n} answers, "
        "average {average} on a scale of 1–5)."
    ),
}
ROLE_LINE = {
    "fi": "{role}: {n} vastausta, keskiarvo {average}.",
    "sv": "{role}: {n} svar, medelvärde {average}.",
    "en": "{role}: {n} answers, average {average}.",
}
#: Said once when some role's figures are left out (too few answers, or complementary
#: suppression: see ``cafe.domain.suppression``), so that a reader does not look for them.
HIDDEN_ROLES = {
    "fi": (
        "Ryhmiä, joissa on alle {n} vastaajaa, ei eritellä, eikä ryhmää, jonka luvuista "
        "pienen ryhmän vastaukset voisi laskea; ne sisältyvät kaikkien lukuihin."
    ),
    "sv": (
        "Grupper med färre än {n} svarande redovisas inte separat, inte heller en grupp ur "
        "vars siffror en liten grupps svar kunde räknas ut; de ingår i siffrorna för alla."
    ),
    "en": (
        "Groups with fewer than {n} respondents are not reported separately, nor is a group "
        "from whose figures a small group's answers could be worked out; they are included "
        "in the figures for everyone."
    ),
}


def _evaluation(event: CafeEvent, total: RoleFeedback, roles: tuple[RoleFeedback, ...]) -> str:
    """Who gave feedback and how it went, per role where the summary shows the role (at
    least three phones, and no smaller group to be worked out from the rest); a sentence
    says when some role is left out. The report is published: it gets exactly the
    facilitator's lines, never a figure they hide."""
    if not total.shown or total.average is None:
        return ""
    language = event.language if event.language in EVALUATION else "fi"
    lines = [
        EVALUATION[language].format(n=total.count, average=format_average(total.average, language))
    ]
    for line in roles:
        if line.shown and line.role is not None and line.average is not None:
            lines.append(
                ROLE_LINE[language].format(
                    role=role_label(line.role).capitalize(),
                    n=line.count,
                    average=format_average(line.average, language),
                )
            )
    if any(not line.shown for line in roles):
        lines.append(HIDDEN_ROLES[language].format(n=MIN_PHONES_PER_ROLE))
    return " ".join(lines)


def assembled_report(event: CafeEvent) -> PilotReport:
    """The report as the workshop gives it."""
    gathering = state.load(event)
    themes = [
        (
            theme.section,
            theme.title,
            theme.body or " ".join(card.text for card in gathering.theme_cards(theme)),
        )
        for theme in gathering.themes
    ]
    total, roles = summary_lines(event)
    report = assemble_report(event.topic, event.language, themes, _evaluation(event, total, roles))
    # The room's dot-vote on the proposals, if it voted (nothing otherwise).
    return replace(report, votes=ranking(event, on_proposals))


# --- the organizer's edits ---------------------------------------------------------------


def current_report(event: CafeEvent) -> PilotReport:
    """The newest saved report, or the one the workshop assembles while there is none."""
    content = newest_content(event)
    return report_from_content(content) if content is not None else assembled_report(event)


def store_planned_report(event: CafeEvent, plan: ReportPlan, author_id: int | None) -> None:
    """Store the report an event plan's ``[report]`` describes as its first revision: the
    workshop's sections (the plan's summary themes) with the fields only the organizer
    knows, as if typed into the editor."""
    assembled = assembled_report(event)
    content = report_to_content(with_plan(assembled, plan))
    store_revision(
        event,
        document_row(event),
        base=0,
        content=with_taken(content, report_parts(assembled)),
        author_id=author_id,
    )
