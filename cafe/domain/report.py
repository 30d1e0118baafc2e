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

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cafe.domain.errors import DomainError
from cafe.domain.markup import escape_line, escape_specials, markdown_to_text

# ``form_field`` is the memo form's field cleaner (NFC, control characters, limit, the field's
# name in the error): private there, reused so both forms clean text the same way.
from cafe.domain.minutes import form_field
from cafe.domain.plan import LANGUAGES, clean_plan_text
from cafe.domain.summary import clean_body, run_in, run_in_title
from cafe.domain.tomlfile import TomlTooDeep, load_toml

#: Steps in a report: the diagram's limit (``cafe.domain.diagram.MAX_STEPS``, not imported
#: so that the text exports do not load Pillow).
MAX_STEPS = 20
#: Longest title, caption and credit line (characters).
MAX_LINE = 300
#: Longest step lead.
MAX_LEAD = 500
#: Longest section text, step body or resource text (Markdown).
MAX_SECTION = 20_000

#: The five resource sub-items, in the report's order.
RESOURCE_KEYS = ("experience_guides", "workers", "premises", "supplies", "other")

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
    )


# --- the organizer's edits ---------------------------------------------------------------


def _line(data: Mapping[str, object], key: str, limit: int, *, required: bool = False) -> str:
    # A line of plain text: cleaned like the rest, then folded onto one line.
    return " ".join(form_field(data, key, limit, required=required).split())


def report_from_form(data: Mapping[str, object], *, language: str = "fi") -> PilotReport:
    """The report as the organizer edited it, validated; ``language`` is the workshop's.

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
    )


# --- report plans (TOML) -----------------------------------------------------------------

#: The top-level keys of a report plan; ``sessions/pilot-report-kokemusohjaus.toml``
#: documents them.
PLAN_KEYS = (
    "language",
    "title",
    "duration",
    "participants",
    "resources",
    "goal",
    "description",
    "steps",
    "evaluation",
    "results",
    "caption",
    "credit",
)


def _plan_text(
    data: Mapping[str, Any], key: str, path: str, limit: int, *, required: bool = False
) -> str:
    """A text of the plan, cleaned like a form field; errors name its ``path``."""
    value = data.get(key, "")
    if not isinstance(value, str):
        raise DomainError("plan_not_text", {"key": path})
    try:
        text = clean_body(value, limit)
    except DomainError as error:
        if error.code == "text_too_long":
            raise DomainError("plan_too_long", {"key": path, "max": limit}) from error
        raise DomainError(error.code, {**error.params, "key": path}) from error
    # The event plan's rule: no bidi overrides; invisible characters alone are empty.
    text = clean_plan_text(text)
    if required and not text:
        raise DomainError("plan_missing", {"key": path})
    return text


def _plan_steps(value: object) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, list) or not all(isinstance(item, dict) for item in value):
        raise DomainError("plan_not_table", {"key": "steps"})
    if len(value) > MAX_STEPS:
        raise DomainError("report_too_many_steps", {"max": MAX_STEPS, "field": "steps"})
    steps = []
    for number, item in enumerate(value, 1):
        unknown = sorted(set(item) - {"lead", "body"})
        if unknown:
            raise DomainError("plan_unknown_key", {"key": f"steps[{number}].{unknown[0]}"})
        lead = " ".join(
            _plan_text(item, "lead", f"steps[{number}].lead", MAX_LEAD, required=True).split()
        )
        steps.append((lead, _plan_text(item, "body", f"steps[{number}].body", MAX_SECTION)))
    return tuple(steps)


def report_from_plan(text: str) -> PilotReport:
    """The report a TOML plan holds, validated. Unknown keys are refused (a typo must not
    lose a section); errors are ``DomainError`` with the plan's codes (``plan_syntax``,
    ``plan_unknown_key``, ``plan_missing``, ``plan_not_text``, ``plan_too_long``,
    ``plan_not_table``, ``plan_bad_language``, ``plan_too_deep``) and
    ``report_too_many_steps``."""
    try:
        data = load_toml(text)
    except tomllib.TOMLDecodeError as exc:
        raise DomainError("plan_syntax", {"detail": str(exc)}) from exc
    except TomlTooDeep as exc:
        raise DomainError("plan_too_deep", {"key": exc.key, "max": exc.limit}) from None
    unknown = sorted(set(data) - set(PLAN_KEYS))
    if unknown:
        raise DomainError("plan_unknown_key", {"key": unknown[0]})
    language = _plan_text(data, "language", "language", 10) or "fi"
    if language not in LANGUAGES:
        raise DomainError("plan_bad_language", {"choices": ", ".join(LANGUAGES)})
    resources = data.get("resources", {})
    if not isinstance(resources, dict):
        raise DomainError("plan_not_table", {"key": "resources"})
    unknown = sorted(set(resources) - set(RESOURCE_KEYS))
    if unknown:
        raise DomainError("plan_unknown_key", {"key": f"resources.{unknown[0]}"})
    given = [
        (key, _plan_text(resources, key, f"resources.{key}", MAX_SECTION)) for key in RESOURCE_KEYS
    ]

    def section(key: str) -> str:
        return _plan_text(data, key, key, MAX_SECTION)

    def line(key: str, *, required: bool = False) -> str:
        return " ".join(_plan_text(data, key, key, MAX_LINE, required=required).split())

    return PilotReport(
        language=language,
        title=line("title", required=True),
        duration=section("duration"),
        participants=section("participants"),
        resources=tuple((key, body) for key, body in given if body),
        goal=section("goal"),
        description=section("description"),
        steps=_plan_steps(data.get("steps", [])),
        evaluation=section("evaluation"),
        results=section("results"),
        caption=line("caption"),
        credit=line("credit"),
    )
