"""The service-pilot report ("palvelupilotin raportti") in the house format.

A co-development workshop ends with this report; its shape is the seed report's
(``../shared/memo-format.md``, part 2; the seed wins where they differ). Top to bottom:

1. the title line, ``<what the pilot offers>: <pilot name>, <project / sub-project>``;
2. ``Kokeilun kesto ja toteuttajatahot:`` (duration, organisations, coordination);
3. ``Osallistujat:`` (who took part: counts, ages, reasons, who stopped and why);
4. ``Resurssit:`` with up to five run-in sub-items (``Kokemusohjaajat:``,
   ``Työntekijät:``, ``Tilat:``, ``Tarvikkeet:``, ``Muut resurssit:``); an empty one is left
   out;
5. ``Pilottikokeilun tavoite:``;
6. ``Kokeilun kuvaus:``, an introduction and the numbered process steps, each opened by a
   bold lead sentence (``1. **Palvelutarpeen arvioinnin yhteydessä …**``);
7. ``Arvioinnin ja palautteen kerääminen:``;
8. ``Palvelupilotin tulokset ja jatkokehittäminen:``;
9. the process drawn as a diagram (:mod:`cafe.domain.diagram`), its caption
   (``Kokemusohjauspilotin prosessi …``) and a credit line under it (the seed's
   ``PRO SOS -osahanke Verso``).

The seed starts the text of some parts on the heading's own line and puts the others
under their heading; the exports keep that layout. The goal, the description and the
resources' sub-items are *run-in* (``Pilottikokeilun tavoite: Kokemusohjaus on…``), bold
in Markdown, HTML, PDF and Word like the memo's themes; the other headings stand alone.

A step's lead is closed by the memo's full-stop rule (:func:`~cafe.domain.summary.
run_in_title`), except when its body starts with a small letter: then the lead is the start
of a sentence the body finishes, as in the seed's ``2. **Ensimmäisessä tapaamisessa**
keskustellaan …``, and gets no full stop.

This module is pure: no Flask, no database. The exports are in :mod:`cafe.reports.export`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from cafe.domain.errors import DomainError
from cafe.domain.markup import escape_line, escape_specials, markdown_to_text

# ``form_field`` is the memo form's field cleaner (NFC, control characters, limit, the field's
# name in the error): private there, reused so both forms clean text the same way.
from cafe.domain.minutes import form_field
from cafe.domain.plan import LANGUAGES, ReportPlan

# The five resource sub-items, in the report's order, live with the plans, which name them
# too; re-exported for the report's readers.
from cafe.domain.plan import RESOURCE_KEYS as RESOURCE_KEYS
from cafe.domain.summary import run_in, run_in_title
from cafe.domain.votes import (
    DROP,
    KEEP,
    Ranked,
    ranked_from_content,
    ranked_from_part,
    ranked_part,
    ranked_to_content,
    ranking_markdown,
    ranking_text,
    ranking_words,
    shown_choice,
)

#: Steps in a report: the diagram's limit (``cafe.domain.diagram.MAX_STEPS``, not imported
#: so that the text exports do not load Pillow).
MAX_STEPS = 20
#: Longest title, caption and credit line (characters).
MAX_LINE = 300
#: Longest step lead.
MAX_LEAD = 500
#: Longest section text, step body or resource text (Markdown).
MAX_SECTION = 20_000


#: Headings in each report language; ``fi`` is the seed's wording.
HEADINGS: dict[str, dict[str, str]] = {
    "fi": {
        "duration": "Kokeilun kesto ja toteuttajatahot:",
        "participants": "Osallistujat:",
        "resources": "Resurssit:",
        "goal": "Pilottikokeilun tavoite:",
        "description": "Kokeilun kuvaus:",
        "evaluation": "Arvioinnin ja palautteen kerääminen:",
        "results": "Palvelupilotin tulokset ja jatkokehittäminen:",
    },
    "sv": {
        "duration": "Försökets längd och genomförare:",
        "participants": "Deltagare:",
        "resources": "Resurser:",
        "goal": "Pilotförsökets mål:",
        "description": "Beskrivning av försöket:",
        "evaluation": "Insamling av utvärdering och respons:",
        "results": "Servicepilotens resultat och vidareutveckling:",
    },
    "en": {
        "duration": "Duration and organisations:",
        "participants": "Participants:",
        "resources": "Resources:",
        "goal": "Aim of the pilot:",
        "description": "Description of the pilot:",
        "evaluation": "Collecting evaluation and feedback:",
        "results": "Results of the service pilot and further development:",
    },
}
#: The resource sub-items' labels in each language (the workshop templates' role words:
#: "erfarenhetshandledare", "experience guide").
RESOURCE_LABELS: dict[str, dict[str, str]] = {
    "fi": {
        "experience_guides": "Kokemusohjaajat:",
        "workers": "Työntekijät:",
        "premises": "Tilat:",
        "supplies": "Tarvikkeet:",
        "other": "Muut resurssit:",
    },
    "sv": {
        "experience_guides": "Erfarenhetshandledare:",
        "workers": "Anställda:",
        "premises": "Lokaler:",
        "supplies": "Material:",
        "other": "Övriga resurser:",
    },
    "en": {
        "experience_guides": "Experience guides:",
        "workers": "Workers:",
        "premises": "Premises:",
        "supplies": "Supplies:",
        "other": "Other resources:",
    },
}


@dataclass(frozen=True)
class PilotReport:
    """Everything the report says. Texts are Markdown unless said otherwise; an empty
    section keeps its heading (the report's frame), an empty resource is left out."""

    #: One line, plain text.
    title: str
    #: "Kokeilun kesto ja toteuttajatahot".
    duration: str = ""
    participants: str = ""
    #: (key, Markdown) pairs, keys from :data:`RESOURCE_KEYS`; printed in that order.
    resources: tuple[tuple[str, str], ...] = ()
    goal: str = ""
    #: The introduction of "Kokeilun kuvaus", before the steps.
    description: str = ""
    #: (lead sentence, body) per process step, numbered 1…n; the lead is plain text.
    steps: tuple[tuple[str, str], ...] = ()
    evaluation: str = ""
    results: str = ""
    #: The diagram's caption, plain text ("Kokemusohjauspilotin prosessi …").
    caption: str = ""
    #: A line under the caption naming who drew the model, plain text.
    credit: str = ""
    language: str = "fi"
    #: The proposals (or whatever the room voted on) ranked by the dot-vote, as taken in
    #: from the workshop (empty: no vote); printed at the end of the results.
    votes: tuple[Ranked, ...] = ()
    #: The organizer keeps the ranking in the report (it may be dropped).
    votes_shown: bool = True

    def __post_init__(self) -> None:
        # Programming errors, not the organizer's: forms and plans are checked before.
        if self.language not in LANGUAGES:
            raise ValueError(f"unknown report language {self.language!r}")
        keys = [key for key, _ in self.resources]
        if len(set(keys)) != len(keys) or not set(keys) <= set(RESOURCE_KEYS):
            raise ValueError(f"resource keys must be distinct, from {RESOURCE_KEYS}: {keys}")


def headings(language: str) -> dict[str, str]:
    """The section headings in ``language`` (Finnish for an unknown one)."""
    return HEADINGS.get(language, HEADINGS["fi"])


def resource_items(report: PilotReport) -> list[tuple[str, str]]:
    """The resources as (label, Markdown) in the report's order, empty ones left out."""
    labels = RESOURCE_LABELS.get(report.language, RESOURCE_LABELS["fi"])
    given = dict(report.resources)
    return [
        (labels[key], given[key].strip()) for key in RESOURCE_KEYS if given.get(key, "").strip()
    ]


def _finishes_lead(body: str) -> bool:
    # A body starting with a small letter finishes the sentence its lead began.
    first = body.lstrip()[:1]
    return first.isalpha() and first.islower()


def step_lead(lead: str, body: str) -> str:
    """A step's lead as printed: on one line, closed by a full stop by the memo's rule
    (:func:`~cafe.domain.summary.run_in_title`) unless ``body`` starts with a small
    letter and so finishes the lead's sentence."""
    return " ".join(lead.split()) if _finishes_lead(body) else run_in_title(lead)


def step_labels(report: PilotReport) -> list[str]:
    """The leads as the report prints them: the diagram's box texts."""
    return [step_lead(lead, body) for lead, body in report.steps]


def _step_item(lead: str, body: str) -> str:
    """One step's Markdown, without its number: ``**Lead.** body``."""
    body = body.strip()
    if not _finishes_lead(body):
        # The memo's run-in paragraph: the full stop, escaping, and a body opening with a
        # list or a quote put after the lead on its own.
        return run_in(lead, body)
    text = " ".join(lead.split())
    # The body starts with a letter, so it cannot open a list or a quote.
    return f"**{escape_specials(text)}** {body}" if text else body


def steps_markdown(steps: tuple[tuple[str, str], ...]) -> str:
    """The steps as a Markdown ordered list: ``1. **Lead.** body`` per step.

    A body of several paragraphs makes a loose list (items apart by a blank line) whose
    further paragraphs are indented under their item, as Markdown needs.
    """
    items = [_step_item(lead, body) for lead, body in steps]
    loose = any("\n\n" in item for item in items)
    out = []
    for number, item in enumerate(items, 1):
        lines = item.split("\n")
        rest = ["    " + line if line.strip() else "" for line in lines[1:]]
        out.append("\n".join([f"{number}. {lines[0]}", *rest]))
    return ("\n\n" if loose else "\n").join(out)


def _sections(report: PilotReport) -> dict[str, str]:
    """The texts under the standing headings, by heading key."""
    return {
        "duration": report.duration,
        "participants": report.participants,
        "evaluation": report.evaluation,
        "results": report.results,
    }


def _run_in(label: str, body: str) -> str:
    # A label ends in ":" already, so run_in adds no full stop.
    return run_in(label, body.strip())


def closing_lines(report: PilotReport) -> list[str]:
    """The caption and the credit line, each on one line; empty ones left out."""
    return [
        line for line in (" ".join(report.caption.split()), " ".join(report.credit.split())) if line
    ]


def report_ranking(report: PilotReport) -> tuple[Ranked, ...]:
    """The ranking the report prints: its votes, unless the organizer dropped them."""
    return report.votes if report.votes_shown else ()


def report_ranking_title(report: PilotReport) -> str:
    """The ranking's heading in the report's language (also its chart's title)."""
    return ranking_words(report.language)["report"]


def report_markdown(report: PilotReport, *, closing: bool = True) -> str:
    """The report as Markdown: the title ``#``, the standing headings ``##``, the run-in
    ones bold at the start of their paragraph, the steps a numbered list. The caption and
    credit end it as plain lines, unless ``closing`` is false (the HTML prints them under
    the diagram instead)."""
    texts = headings(report.language)
    sections = _sections(report)
    blocks = ["# " + escape_line(" ".join(report.title.split()))]
    for key in ("duration", "participants"):
        blocks += ["## " + escape_line(texts[key]), sections[key].strip()]
    blocks.append("## " + escape_line(texts["resources"]))
    blocks += [_run_in(label, body) for label, body in resource_items(report)]
    blocks.append(_run_in(texts["goal"], report.goal))
    blocks.append(_run_in(texts["description"], report.description))
    blocks.append(steps_markdown(report.steps))
    for key in ("evaluation", "results"):
        blocks += ["## " + escape_line(texts[key]), sections[key].strip()]
    ranked = report_ranking(report)
    if ranked:
        title = report_ranking_title(report)
        blocks.append(ranking_markdown(ranked, heading=title, language=report.language))
    if closing:
        blocks += [escape_line(line) for line in closing_lines(report)]
    return "\n\n".join(block for block in blocks if block) + "\n"


def _steps_text(steps: tuple[tuple[str, str], ...]) -> str:
    """The steps as plain text, ``1. Lead. body`` one under the other, or a blank line
    apart when a step has several paragraphs.

    Each step is read on its own and then numbered: the plain-text reader puts a loose
    list item's number on a line of its own, away from the item's first paragraph.
    """
    items = [_step_item(lead, body) for lead, body in steps]
    # Loose exactly when the Markdown list is (:func:`steps_markdown`).
    loose = any("\n\n" in item for item in items)
    numbered = [f"{number}. {markdown_to_text(item)}" for number, item in enumerate(items, 1)]
    return ("\n\n" if loose else "\n").join(numbered)


def report_text(report: PilotReport) -> str:
    """The report as plain text, laid out as an organizer types it: one blank line between
    paragraphs, headings as their own lines or run in, the bold gone, the steps numbered
    ``1. `` one under the other."""
    texts = headings(report.language)
    sections = _sections(report)
    blocks = [" ".join(report.title.split())]
    for key in ("duration", "participants"):
        blocks += [texts[key], markdown_to_text(sections[key])]
    blocks.append(texts["resources"])
    blocks += [markdown_to_text(_run_in(label, body)) for label, body in resource_items(report)]
    blocks.append(markdown_to_text(_run_in(texts["goal"], report.goal)))
    blocks.append(markdown_to_text(_run_in(texts["description"], report.description)))
    blocks.append(_steps_text(report.steps))
    for key in ("evaluation", "results"):
        blocks += [texts[key], markdown_to_text(sections[key])]
    ranked = report_ranking(report)
    if ranked:
        title = report_ranking_title(report)
        blocks.append(ranking_text(ranked, heading=title, language=report.language))
    blocks += closing_lines(report)
    return "\n\n".join(block for block in blocks if block) + "\n"


# --- stored revisions --------------------------------------------------------------------


def report_to_content(report: PilotReport) -> dict[str, Any]:
    """The report as JSON-ready data, for a stored revision."""
    return {
        "language": report.language,
        "title": report.title,
        "duration": report.duration,
        "participants": report.participants,
        "resources": {key: body for key, body in report.resources},
        "goal": report.goal,
        "description": report.description,
        "steps": [[lead, body] for lead, body in report.steps],
        "evaluation": report.evaluation,
        "results": report.results,
        "caption": report.caption,
        "credit": report.credit,
        # A report without a vote stores what it stored before votes existed.
        **(
            {"votes": ranked_to_content(report.votes), "votes_shown": report.votes_shown}
            if report.votes
            else {}
        ),
    }


def report_from_content(content: Mapping[str, Any]) -> PilotReport:
    """The report of a stored revision (the inverse of :func:`report_to_content`)."""
    # A JSON object keeps its keys' order: the resources come back as they were given.
    resources: Mapping[str, str] = content["resources"]
    return PilotReport(
        language=content["language"],
        title=content["title"],
        duration=content["duration"],
        participants=content["participants"],
        resources=tuple((key, body) for key, body in resources.items()),
        goal=content["goal"],
        description=content["description"],
        steps=tuple((lead, body) for lead, body in content["steps"]),
        evaluation=content["evaluation"],
        results=content["results"],
        caption=content["caption"],
        credit=content["credit"],
        votes=ranked_from_content(content.get("votes", ())),
        votes_shown=bool(content.get("votes_shown", True)),
    )


# --- the organizer's edits ---------------------------------------------------------------


def _line(data: Mapping[str, object], key: str, limit: int, *, required: bool = False) -> str:
    # A line of plain text: cleaned like the rest, then folded onto one line.
    return " ".join(form_field(data, key, limit, required=required).split())


def report_from_form(
    data: Mapping[str, object], *, language: str = "fi", like: PilotReport | None = None
) -> PilotReport:
    """The report as the organizer edited it, validated; ``language`` is the workshop's.
    The ranking (which the organizer cannot edit: it is the room's) is ``like``'s; the
    field ``votes`` keeps (``keep``) or drops (``drop``) it.

    Fields: ``title`` (required), ``duration``, ``participants``, ``resource-<key>`` per
    key of :data:`RESOURCE_KEYS`, ``goal``, ``description``, ``step-lead-<n>`` and
    ``step-body-<n>`` for n = 0, 1, … while either is present (a step whose lead and body
    are both emptied is dropped; a body needs a lead), ``evaluation``, ``results``,
    ``caption`` and ``credit``. Errors are ``DomainError`` with the field's name in
    ``params["field"]``: ``text_invalid``, ``text_too_long``, ``text_empty``, and
    ``report_too_many_steps`` beyond :data:`MAX_STEPS`.
    """
    if language not in LANGUAGES:
        raise DomainError("plan_bad_language", {"choices": ", ".join(LANGUAGES)})
    steps = []
    number = 0
    while f"step-lead-{number}" in data or f"step-body-{number}" in data:
        lead = _line(data, f"step-lead-{number}", MAX_LEAD)
        body = form_field(data, f"step-body-{number}", MAX_SECTION)
        if body and not lead:
            raise DomainError("text_empty", {"field": f"step-lead-{number}"})
        if lead:
            steps.append((lead, body))
        number += 1
    if len(steps) > MAX_STEPS:
        raise DomainError("report_too_many_steps", {"max": MAX_STEPS, "field": "steps"})
    resources = []
    for key in RESOURCE_KEYS:
        body = form_field(data, f"resource-{key}", MAX_SECTION)
        if body:
            resources.append((key, body))
    return PilotReport(
        language=language,
        title=_line(data, "title", MAX_LINE, required=True),
        duration=form_field(data, "duration", MAX_SECTION),
        participants=form_field(data, "participants", MAX_SECTION),
        resources=tuple(resources),
        goal=form_field(data, "goal", MAX_SECTION),
        description=form_field(data, "description", MAX_SECTION),
        steps=tuple(steps),
        evaluation=form_field(data, "evaluation", MAX_SECTION),
        results=form_field(data, "results", MAX_SECTION),
        caption=_line(data, "caption", MAX_LINE),
        credit=_line(data, "credit", MAX_LINE),
        votes=like.votes if like is not None else (),
        votes_shown=shown_choice(data.get("votes"), like.votes_shown if like else True),
    )


# --- assembly from a workshop's sections -------------------------------------------------

#: The part holding the ranking (when the room voted).
VOTES_PART = "votes"
#: The section whose themes are the numbered process steps.
PROCESS_SECTION = "process"
#: The section whose themes are the pilot's goal.
GOAL_SECTION = "goal"
#: The section of the development proposals, which the room may rank by a dot-vote.
PROPOSALS_SECTION = "proposals"
#: Sections feeding the report's "results and further development", in this order.
RESULT_SECTIONS = ("worked", "change", PROPOSALS_SECTION)


def _section_text(themes: Sequence[tuple[str | None, str, str]], section: str) -> str:
    """A section's themes as run-in paragraphs, in order."""
    parts = [run_in(title, body) for where, title, body in themes if where == section]
    return "\n\n".join(part for part in parts if part)


def assemble_report(
    title: str,
    language: str,
    themes: Sequence[tuple[str | None, str, str]],
    evaluation: str = "",
) -> PilotReport:
    """The report a workshop's sections give: ``themes`` are (section, title, body) in the
    facilitator's order (a theme without a paragraph has its ideas as body). The goal
    section is the goal, the process section's themes the numbered steps (title = lead),
    the result sections the results; the title is also the diagram's caption until the
    organizer writes one."""
    steps = tuple((lead, body) for where, lead, body in themes if where == PROCESS_SECTION)
    results = "\n\n".join(
        part for part in (_section_text(themes, s) for s in RESULT_SECTIONS) if part
    )
    return PilotReport(
        title=title,
        goal=_section_text(themes, GOAL_SECTION),
        steps=steps,
        evaluation=evaluation,
        results=results,
        caption=title,
        language=language,
    )


def with_plan(report: PilotReport, plan: ReportPlan) -> PilotReport:
    """``report`` (as a workshop assembles it) with the fields an event plan's ``[report]``
    gives: duration, participants, resources, description and credit as written; the
    evaluation and the caption only where the plan gives them (else the feedback's
    evaluation and the topic as caption stay)."""
    return replace(
        report,
        duration=plan.duration,
        participants=plan.participants,
        resources=plan.resources,
        description=plan.description,
        evaluation=plan.evaluation or report.evaluation,
        caption=plan.caption or report.caption,
        credit=plan.credit,
    )


# --- parts taken in from the workshop (cafe.domain.merge) --------------------------------


def report_parts(report: PilotReport) -> dict[str, tuple[str, ...]]:
    """The report's parts that come from the workshop: the goal, the process steps (one
    part: leads and bodies in turn), the results and the evaluation; then the ranking,
    when the room voted."""
    parts = {
        "goal": (report.goal,),
        "steps": tuple(text for step in report.steps for text in step),
        "results": (report.results,),
        "evaluation": (report.evaluation,),
    }
    if report.votes:
        parts[VOTES_PART] = ranked_part(report.votes)
    return parts


def report_with_parts(report: PilotReport, parts: Mapping[str, tuple[str, ...]]) -> PilotReport:
    """``report`` with its workshop parts replaced by ``parts`` (:func:`report_parts`)."""
    flat = parts.get("steps", ())
    return replace(
        report,
        goal=parts.get("goal", ("",))[0],
        steps=tuple((flat[i], flat[i + 1]) for i in range(0, len(flat) - 1, 2)),
        results=parts.get("results", ("",))[0],
        evaluation=parts.get("evaluation", ("",))[0],
        votes=ranked_from_part(parts.get(VOTES_PART, ())),
    )


def report_form_values(report: PilotReport) -> dict[str, str]:
    """The editor's fields for ``report`` (the inverse of :func:`report_from_form`)."""
    values: dict[str, str] = {
        "title": report.title,
        "duration": report.duration,
        "participants": report.participants,
        "goal": report.goal,
        "description": report.description,
        "evaluation": report.evaluation,
        "results": report.results,
        "caption": report.caption,
        "credit": report.credit,
    }
    if report.votes:
        values["votes"] = KEEP if report.votes_shown else DROP
    for key, body in report.resources:
        values[f"resource-{key}"] = body
    for n, (lead, body) in enumerate(report.steps):
        values[f"step-lead-{n}"], values[f"step-body-{n}"] = lead, body
    return values


_REPORT_FIELDS = (
    "title",
    "duration",
    "participants",
    *(f"resource-{key}" for key in RESOURCE_KEYS),
    "goal",
    "description",
    "evaluation",
    "results",
    "caption",
    "credit",
    "votes",
)


def report_fields(values: Mapping[str, object]) -> dict[str, str]:
    """The report editor's own fields among ``values`` (a step by its position:
    ``step-lead-0``), for merging a stale save (:func:`cafe.domain.merge.three_way`)."""
    fields = {key: str(values[key]) for key in _REPORT_FIELDS if values.get(key) is not None}
    number = 0
    while f"step-lead-{number}" in values or f"step-body-{number}" in values:
        for name in (f"step-lead-{number}", f"step-body-{number}"):
            fields[name] = str(values.get(name) or "")
        number += 1
    return fields
