"""Event plans: the data that sets up a Cafe Social, from a form or a TOML plan file.

A plan file is human-editable TOML; ``sessions/README.md`` documents every key. Parsing
and validation live here, free of Flask, so the web form and ``cafe event create`` obey
exactly the same rules.
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from cafe.domain.errors import DomainError
from cafe.domain.text import is_blank, strip_bidi_controls
from cafe.domain.tomlfile import TomlTooDeep, load_toml

LANGUAGES = ("fi", "sv", "en")
DEFAULT_ROLE_TAGS = ("asiakas", "kokemusasiantuntija", "ammattilainen", "opiskelija", "muu")
DEFAULT_TITLE = "Cafe Social -keskustelukahvila"
MAX_TABLES = 60
MAX_OPENERS = 20
MAX_ROLE_TAGS = 12
SHORT_TEXT = 200
LONG_TEXT = 2000
#: The service-pilot report's five resource sub-items, in the report's order.
RESOURCE_KEYS = ("experience_guides", "workers", "premises", "supplies", "other")
#: Longest caption and credit line of a report plan.
REPORT_LINE = 300


@dataclass(frozen=True)
class Opener:
    """An invited opener ("alustaja"); the only people ever named in an event."""

    name: str
    title: str = ""
    organisation: str = ""
    #: The organizer's notes of the opening talk (Markdown), for the memo.
    talk: str = ""


class PlanTheme(NamedTuple):
    """A theme of a summary typed in advance: its run-in title, Markdown body and, in a
    workshop, the template's section it belongs to (``process``: a numbered step)."""

    title: str
    body: str
    section: str | None = None


@dataclass(frozen=True)
class ReportPlan:
    """What only the organizer of a co-development workshop knows, for its service-pilot
    report (``[report]`` of a plan): stored as the report's first revision, as if typed
    into the report editor. Markdown unless said otherwise; "" leaves a part to the
    workshop (the evaluation then comes from the phones' feedback)."""

    duration: str = ""
    participants: str = ""
    #: (key, Markdown) pairs, keys from :data:`RESOURCE_KEYS`, in that order.
    resources: tuple[tuple[str, str], ...] = ()
    description: str = ""
    evaluation: str = ""
    #: One line each, plain text.
    caption: str = ""
    credit: str = ""


@dataclass(frozen=True)
class EventPlan:
    """Everything needed to create an event, validated."""

    topic: str
    date: dt.date
    start: dt.time
    end: dt.time
    title: str = DEFAULT_TITLE
    place: str = ""
    language: str = "fi"
    openers: tuple[Opener, ...] = ()
    tables: tuple[str, ...] = ()
    role_tags: tuple[str, ...] = DEFAULT_ROLE_TAGS
    next_date: dt.date | None = None
    next_start: dt.time | None = None
    next_end: dt.time | None = None
    footer: str = ""
    #: The memo's own wording of the openers sentence and the method sentence ("" = default).
    openers_sentence: str = ""
    method_sentence: str = ""
    #: The shared summary typed in advance (a memo typed up afterwards): un-headed
    #: paragraphs, then (title, body) themes, Markdown.
    summary_intro: str = ""
    summary_themes: tuple[PlanTheme, ...] = ()
    #: A workshop's report fields only the organizer knows; None: none given.
    report: ReportPlan | None = None
    #: The workshop template (``sessions/templates/<name>.toml``) the event runs.
    template: str = "cafe-social"
    #: Every post waits for a facilitator's approval before anyone else sees it.
    premoderation: bool = False
    #: False when the plan left ``role_tags`` out: the template's tags apply then.
    role_tags_given: bool = field(default=True, compare=False)
    warnings: tuple[str, ...] = field(default=(), compare=False)


PLAN_KEYS = {
    "title",
    "topic",
    "date",
    "start",
    "end",
    "place",
    "language",
    "openers",
    "tables",
    "role_tags",
    "next_session",
    "footer",
    "minutes",
    "summary",
    "template",
    "premoderation",
    "report",
}
#: Longest opening-talk notes, summary intro and theme body in a plan (characters).
NOTES_TEXT = 20_000


def clean_plan_text(value: str) -> str:
    """A text of the plan as it is stored: without bidirectional override and isolate
    controls (so a topic cannot reverse the board's text), trimmed, and ``""`` if nothing
    visible is left (zero-width spaces and right-to-left marks alone count as empty)."""
    value = strip_bidi_controls(value).strip()
    return "" if is_blank(value) else value


def _text(
    data: dict[str, Any], key: str, *, required: bool = False, limit: int = SHORT_TEXT
) -> str:
    value = data.get(key, "")
    if not isinstance(value, str):
        raise DomainError("plan_not_text", {"key": key})
    value = clean_plan_text(value)
    if required and not value:
        raise DomainError("plan_missing", {"key": key})
    if len(value) > limit:
        raise DomainError("plan_too_long", {"key": key, "max": limit})
    return value


def parse_date(value: object, key: str) -> dt.date:
    """Accept a TOML date, ``2017-10-31`` or the Finnish ``31.10.2017``.

    A TOML date-time (``1979-05-27T07:32:00Z``) is refused rather than cut to its day: the
    time in it says the writer meant something else (a start time, or another zone's day).
    """
    if isinstance(value, dt.datetime):
        raise DomainError("plan_date_has_time", {"key": key})
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
            try:
                return dt.datetime.strptime(text, fmt).date()
            except ValueError:
                continue
    raise DomainError("plan_bad_date", {"key": key})


def parse_time(value: object, key: str) -> dt.time:
    """Accept a TOML time, ``14:00``, ``14.00`` or a bare hour ``14``; not a date-time."""
    if isinstance(value, dt.datetime):
        raise DomainError("plan_time_has_date", {"key": key})
    if isinstance(value, dt.time):
        return value.replace(second=0, microsecond=0)
    if isinstance(value, str):
        text = value.strip().replace(".", ":")
        for fmt in ("%H:%M", "%H"):
            try:
                return dt.datetime.strptime(text, fmt).time()
            except ValueError:
                continue
    raise DomainError("plan_bad_time", {"key": key})


def default_table_names(count: int, language: str) -> tuple[str, ...]:
    """Name tables "Pöytä 1", "Bord 1" or "Table 1" in the event's language."""
    word = {"fi": "Pöytä", "sv": "Bord", "en": "Table"}[language]
    return tuple(f"{word} {n}" for n in range(1, count + 1))


def _tables(value: object, language: str) -> tuple[str, ...]:
    if isinstance(value, bool):
        raise DomainError("plan_bad_tables")
    if isinstance(value, int):
        if not 1 <= value <= MAX_TABLES:
            raise DomainError("plan_table_count", {"max": MAX_TABLES})
        return default_table_names(value, language)
    if not isinstance(value, list) or not value:
        raise DomainError("plan_bad_tables")
    names = []
    for item in value:
        name = clean_plan_text(item) if isinstance(item, str) else ""
        if not name:
            raise DomainError("plan_bad_tables")
        if len(name) > 60:
            raise DomainError("plan_too_long", {"key": "tables", "max": 60})
        names.append(name)
    if len(names) > MAX_TABLES:
        raise DomainError("plan_table_count", {"max": MAX_TABLES})
    if len(set(n.casefold() for n in names)) != len(names):
        raise DomainError("plan_duplicate_table")
    return tuple(names)


def _role_tags(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > MAX_ROLE_TAGS:
        raise DomainError("plan_bad_roles", {"max": MAX_ROLE_TAGS})
    tags = []
    for item in value:
        tag = clean_plan_text(item) if isinstance(item, str) else ""
        if not tag or len(tag) > 40:
            raise DomainError("plan_bad_roles", {"max": MAX_ROLE_TAGS})
        tags.append(tag)
    if len(set(tags)) != len(tags):
        raise DomainError("plan_bad_roles", {"max": MAX_ROLE_TAGS})
    return tuple(tags)


def _openers(value: object) -> tuple[Opener, ...]:
    if not isinstance(value, list) or len(value) > MAX_OPENERS:
        raise DomainError("plan_bad_openers", {"max": MAX_OPENERS})
    openers = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"name", "title", "organisation", "talk"}:
            raise DomainError("plan_bad_openers", {"max": MAX_OPENERS})
        openers.append(
            Opener(
                name=_text(item, "name", required=True),
                title=_text(item, "title"),
                organisation=_text(item, "organisation"),
                talk=_text(item, "talk", limit=NOTES_TEXT),
            )
        )
    return tuple(openers)


def _section(data: dict[str, Any], key: str, allowed: set[str]) -> dict[str, Any]:
    """A TOML table of the plan (``[minutes]``, ``[summary]``), checked for unknown keys."""
    section = data.get(key, {})
    if not isinstance(section, dict):
        raise DomainError("plan_not_table", {"key": key})
    unknown = sorted(set(section) - allowed)
    if unknown:
        raise DomainError("plan_unknown_key", {"key": f"{key}.{unknown[0]}"})
    return section


def _themes(value: object) -> tuple[PlanTheme, ...]:
    if not isinstance(value, list):
        raise DomainError("plan_bad_themes")
    themes = []
    for item in value:
        if not isinstance(item, dict) or set(item) - {"title", "body", "section"}:
            raise DomainError("plan_bad_themes")
        # An empty title is an un-headed paragraph among the themes (the seed's closing
        # statements); but a theme must say something.
        title = _text(item, "title")
        body = _text(item, "body", limit=NOTES_TEXT)
        if not (title or body):
            raise DomainError("plan_bad_themes")
        # Only the shape here: whether the template has such a section is the app's to
        # check (cafe.facilitator.operations.create_event).
        section = _text(item, "section", limit=32) or None
        themes.append(PlanTheme(title, body, section))
    return tuple(themes)


def _report(data: dict[str, Any]) -> ReportPlan | None:
    """The ``[report]`` table: the report fields only the organizer knows. Errors name
    the key under ``report.``."""
    if "report" not in data:
        return None
    try:
        return _report_fields(_section(data, "report", REPORT_PLAN_KEYS))
    except DomainError as error:
        key = error.params.get("key")
        if isinstance(key, str) and key != "report" and not key.startswith("report."):
            raise DomainError(error.code, {**error.params, "key": f"report.{key}"}) from None
        raise


REPORT_PLAN_KEYS = {
    "duration",
    "participants",
    "resources",
    "description",
    "evaluation",
    "caption",
    "credit",
}


def _report_fields(report: dict[str, Any]) -> ReportPlan:
    resources = _section(report, "resources", set(RESOURCE_KEYS))
    return ReportPlan(
        duration=_text(report, "duration", limit=NOTES_TEXT),
        participants=_text(report, "participants", limit=NOTES_TEXT),
        resources=tuple(
            (key, text)
            for key in RESOURCE_KEYS
            if (text := _text(resources, key, limit=NOTES_TEXT))
        ),
        description=_text(report, "description", limit=NOTES_TEXT),
        evaluation=_text(report, "evaluation", limit=NOTES_TEXT),
        caption=" ".join(_text(report, "caption", limit=REPORT_LINE).split()),
        credit=" ".join(_text(report, "credit", limit=REPORT_LINE).split()),
    )


def _template(data: dict[str, Any]) -> str:
    # Only the shape here: whether such a template is installed is the app's to check.
    name = _text(data, "template", limit=40) or "cafe-social"
    if not re.fullmatch(r"[a-z][a-z0-9_-]*", name):
        raise DomainError("plan_bad_template")
    return name


def _flag(data: dict[str, Any], key: str) -> bool:
    value = data.get(key, False)
    if not isinstance(value, bool):
        raise DomainError("plan_not_flag", {"key": key})
    return value


def plan_from_mapping(data: dict[str, Any]) -> EventPlan:
    """Validate a plan given as a mapping (parsed TOML or a web form) and return it."""
    unknown = sorted(set(data) - PLAN_KEYS)
    if unknown:
        raise DomainError("plan_unknown_key", {"key": unknown[0]})
    language = _text(data, "language") or "fi"
    if language not in LANGUAGES:
        raise DomainError("plan_bad_language", {"choices": ", ".join(LANGUAGES)})
    if "date" not in data:
        raise DomainError("plan_missing", {"key": "date"})
    start = parse_time(data.get("start", "14:00"), "start")
    end = parse_time(data.get("end", "16:00"), "end")
    if end <= start:
        raise DomainError("plan_end_before_start")
    next_date = next_start = next_end = None
    nxt = data.get("next_session")
    if nxt is not None:
        if not isinstance(nxt, dict) or set(nxt) - {"date", "start", "end"} or "date" not in nxt:
            raise DomainError("plan_bad_next")
        next_date = parse_date(nxt["date"], "next_session.date")
        next_start = parse_time(nxt["start"], "next_session.start") if "start" in nxt else None
        next_end = parse_time(nxt["end"], "next_session.end") if "end" in nxt else None
        if next_start and next_end and next_end <= next_start:
            raise DomainError("plan_end_before_start")
    date = parse_date(data["date"], "date")
    minutes = _section(data, "minutes", {"openers_sentence", "method_sentence"})
    summary = _section(data, "summary", {"intro", "themes"})
    warnings = []
    if next_date is not None and next_date <= date:
        warnings.append("next_before_event")
    return EventPlan(
        title=_text(data, "title") or DEFAULT_TITLE,
        topic=_text(data, "topic", required=True),
        date=date,
        start=start,
        end=end,
        place=_text(data, "place"),
        language=language,
        openers=_openers(data.get("openers", [])),
        tables=_tables(data.get("tables", 4), language),
        role_tags=_role_tags(data["role_tags"]) if "role_tags" in data else DEFAULT_ROLE_TAGS,
        next_date=next_date,
        next_start=next_start,
        next_end=next_end,
        footer=_text(data, "footer", limit=LONG_TEXT),
        openers_sentence=_text(minutes, "openers_sentence", limit=LONG_TEXT),
        method_sentence=_text(minutes, "method_sentence", limit=LONG_TEXT),
        summary_intro=_text(summary, "intro", limit=NOTES_TEXT),
        summary_themes=_themes(summary.get("themes", [])),
        report=_report(data),
        template=_template(data),
        premoderation=_flag(data, "premoderation"),
        role_tags_given="role_tags" in data,
        warnings=tuple(warnings),
    )


def parse_plan(source: str) -> EventPlan:
    """Parse a TOML plan file's text; a syntax error names the line, nesting too deep
    (see :mod:`cafe.domain.tomlfile`) the key."""
    try:
        data = load_toml(source)
    except tomllib.TOMLDecodeError as exc:
        raise DomainError("plan_syntax", {"detail": str(exc)}) from exc
    except TomlTooDeep as exc:
        raise DomainError("plan_too_deep", {"key": exc.key, "max": exc.limit}) from None
    return plan_from_mapping(data)
