"""The Cafe Social memo ("muistio") in the house format, as Markdown and as plain text.

The parts, top to bottom (``../shared/memo-format.md``, part 1): the title line with the
date as ``d.m.yy``, ``Aihe:``, the openers sentence, the notes of each opening talk, the
heading "Keskustelun yhteenvetoa", the method sentence, the shared summary (un-headed
paragraphs, then run-in themed paragraphs), the next-session line, and the footer.

Everything the organizer may reword (the openers sentence, whose Finnish case endings a
person writes; the method sentence; the title line) has a default generated here in the
event's language and an override. Participants are never named: only the openers are.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cafe.domain.errors import DomainError
from cafe.domain.markup import escape_line, markdown_to_text
from cafe.domain.plan import parse_date, parse_time
from cafe.domain.summary import clean_body, summary_markdown

#: Fixed texts of the memo in each event language.
TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Cafe Social -keskustelukahvilan muistio {date}",
        "topic": "Aihe: {topic}",
        "openers": "Keskustelun alustajina {names}.",
        "and": "ja",
        "heading": "Keskustelun yhteenvetoa",
        "method": (
            "Keskustelua jatkettiin aluksi pöytäkunnittain, jonka jälkeen pöytien "
            "ydinajatukset koottiin yhteisesti. Esille nousi muun muassa seuraavia "
            "ajatuksia ja pohdintoja:"
        ),
        "next": "Seuraava Cafe Social {date}{time}. Vinkkejä aiheista otetaan vastaan!",
        "time": " klo: {hours}",
    },
    "sv": {
        "title": "Minnesanteckningar från diskussionskaféet Cafe Social {date}",
        "topic": "Ämne: {topic}",
        "openers": "Diskussionen inleddes av {names}.",
        "and": "och",
        "heading": "Sammanfattning av diskussionen",
        "method": (
            "Diskussionen fortsatte först bordsvis, varefter bordens kärnidéer "
            "sammanställdes gemensamt. Bland annat följande tankar och funderingar kom fram:"
        ),
        "next": "Nästa Cafe Social {date}{time}. Förslag på ämnen tas gärna emot!",
        "time": " kl. {hours}",
    },
    "en": {
        "title": "Cafe Social discussion café: minutes of {date}",
        "topic": "Topic: {topic}",
        "openers": "The discussion was opened by {names}.",
        "and": "and",
        "heading": "Summary of the discussion",
        "method": (
            "The discussion continued first table by table, after which the tables' core "
            "ideas were gathered together. Among other things, the following thoughts and "
            "reflections came up:"
        ),
        "next": "Next Cafe Social {date}{time}. Topic suggestions are welcome!",
        "time": " at {hours}",
    },
}


@dataclass(frozen=True)
class MemoOpener:
    """An opener as the memo names them, with the organizer's notes of the talk."""

    name: str
    title: str = ""
    organisation: str = ""
    #: Markdown; one or more paragraphs, third person, past tense.
    talk: str = ""


@dataclass(frozen=True)
class Memo:
    """Everything the memo says. Empty overrides mean "use the generated default"."""

    language: str
    date: dt.date
    topic: str
    openers: tuple[MemoOpener, ...] = ()
    #: (title, Markdown body) in the facilitator's order.
    themes: tuple[tuple[str, str], ...] = ()
    intro: str = ""
    next_date: dt.date | None = None
    next_start: dt.time | None = None
    next_end: dt.time | None = None
    footer: str = ""
    title: str = ""
    openers_sentence: str = ""
    method_sentence: str = ""


def short_date(day: dt.date) -> str:
    """``31.10.17``: the memo's title date, without leading zeros."""
    return f"{day.day}.{day.month}.{day.year % 100:02d}"


def _hour(moment: dt.time) -> str:
    # The house style writes whole hours bare ("14-16") and others as 14.30.
    return str(moment.hour) if moment.minute == 0 else f"{moment.hour}.{moment.minute:02d}"


def _texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["fi"])


def memo_title(memo: Memo) -> str:
    """The title line: the override, or the default with the date."""
    if memo.title.strip():
        return memo.title.strip()
    day = memo.date.strftime("%-d %B %Y") if memo.language == "en" else short_date(memo.date)
    return _texts(memo.language)["title"].format(date=day)


def default_openers_sentence(openers: tuple[MemoOpener, ...], language: str) -> str:
    """A first version of the openers sentence, for the organizer to put into good Finnish.

    Consecutive openers from one organisation share it: "A ja B (Sovatek-säätiö, OK-hanke)
    ja sosiaalityöntekijä C". The organisation is in brackets because its case ending
    ("Sovatek-säätiön OK-hankkeesta") is for a person to write.
    """
    if not openers:
        return ""
    word = _texts(language)["and"]

    def listed(items: list[str]) -> str:
        return items[0] if len(items) == 1 else ", ".join(items[:-1]) + f" {word} " + items[-1]

    groups: list[tuple[str, list[str]]] = []
    for opener in openers:
        person = f"{opener.title} {opener.name}".strip()
        if groups and opener.organisation and groups[-1][0] == opener.organisation:
            groups[-1][1].append(person)
        else:
            groups.append((opener.organisation, [person]))
    parts = [
        f"{listed(people)} ({organisation})" if organisation else listed(people)
        for organisation, people in groups
    ]
    return _texts(language)["openers"].format(names=listed(parts))


def next_session_line(memo: Memo) -> str:
    """``Seuraava Cafe Social 24.1. klo: 14-16. Vinkkejä aiheista otetaan vastaan!``;
    ``""`` when no next session is planned."""
    if memo.next_date is None:
        return ""
    texts = _texts(memo.language)
    if memo.language == "en":
        day = memo.next_date.strftime("%-d %B")
    else:
        day = f"{memo.next_date.day}.{memo.next_date.month}."
    time = ""
    if memo.next_start is not None:
        hours = _hour(memo.next_start)
        if memo.next_end is not None:
            hours += "-" + _hour(memo.next_end)
        time = texts["time"].format(hours=hours)
    # "24.1." closes its own sentence when no time follows: never "24.1.. Vinkkejä".
    when = (day + time).removesuffix(".")
    return texts["next"].format(date=when, time="")


def _sentence(override: str, default: str) -> str:
    return override.strip() or default


def _footer_lines(footer: str) -> list[str]:
    return [line.strip() for line in footer.splitlines() if line.strip()]


def memo_markdown(memo: Memo) -> str:
    """The memo as Markdown: what an organizer would type, with the run-in themes bold."""
    texts = _texts(memo.language)
    blocks = [
        "# " + escape_line(memo_title(memo)),
        escape_line(texts["topic"].format(topic=memo.topic)),
    ]
    openers = _sentence(
        memo.openers_sentence, default_openers_sentence(memo.openers, memo.language)
    )
    if openers:
        blocks.append(escape_line(openers))
    blocks += [opener.talk.strip() for opener in memo.openers if opener.talk.strip()]
    blocks.append("## " + escape_line(texts["heading"]))
    blocks.append(escape_line(_sentence(memo.method_sentence, texts["method"])))
    summary = summary_markdown(memo.intro, memo.themes).strip()
    if summary:
        blocks.append(summary)
    nxt = next_session_line(memo)
    if nxt:
        blocks.append(escape_line(nxt))
    lines = _footer_lines(memo.footer)
    if lines:
        # A rule, then the footer's lines kept apart by hard line breaks.
        blocks.append("---")
        blocks.append("  \n".join(escape_line(line) for line in lines))
    return "\n\n".join(blocks) + "\n"


def memo_text(memo: Memo) -> str:
    """The memo as plain text, laid out as an organizer types it: one blank line between
    paragraphs, run-in theme titles as ordinary text, the footer's lines as they are."""
    texts = _texts(memo.language)
    blocks = [memo_title(memo), texts["topic"].format(topic=memo.topic)]
    openers = _sentence(
        memo.openers_sentence, default_openers_sentence(memo.openers, memo.language)
    )
    if openers:
        blocks.append(openers)
    blocks += [markdown_to_text(o.talk) for o in memo.openers if o.talk.strip()]
    blocks.append(texts["heading"])
    blocks.append(_sentence(memo.method_sentence, texts["method"]))
    summary = markdown_to_text(summary_markdown(memo.intro, memo.themes))
    if summary:
        blocks.append(summary)
    nxt = next_session_line(memo)
    if nxt:
        blocks.append(nxt)
    lines = _footer_lines(memo.footer)
    if lines:
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


# --- stored revisions --------------------------------------------------------------------


def memo_to_content(memo: Memo) -> dict[str, Any]:
    """The memo as JSON-ready data, for a stored revision."""

    def time(value: dt.time | None) -> str | None:
        return value.strftime("%H:%M") if value is not None else None

    return {
        "language": memo.language,
        "date": memo.date.isoformat(),
        "topic": memo.topic,
        "openers": [
            {"name": o.name, "title": o.title, "organisation": o.organisation, "talk": o.talk}
            for o in memo.openers
        ],
        "themes": [[title, body] for title, body in memo.themes],
        "intro": memo.intro,
        "next_date": memo.next_date.isoformat() if memo.next_date else None,
        "next_start": time(memo.next_start),
        "next_end": time(memo.next_end),
        "footer": memo.footer,
        "title": memo.title,
        "openers_sentence": memo.openers_sentence,
        "method_sentence": memo.method_sentence,
    }


def memo_from_content(content: dict[str, Any]) -> Memo:
    """The memo of a stored revision (the inverse of :func:`memo_to_content`)."""

    def time(value: str | None) -> dt.time | None:
        return dt.time.fromisoformat(value) if value else None

    return Memo(
        language=content["language"],
        date=dt.date.fromisoformat(content["date"]),
        topic=content["topic"],
        openers=tuple(MemoOpener(**o) for o in content["openers"]),
        themes=tuple((title, body) for title, body in content["themes"]),
        intro=content["intro"],
        next_date=dt.date.fromisoformat(content["next_date"]) if content["next_date"] else None,
        next_start=time(content["next_start"]),
        next_end=time(content["next_end"]),
        footer=content["footer"],
        title=content["title"],
        openers_sentence=content["openers_sentence"],
        method_sentence=content["method_sentence"],
    )


# --- the organizer's edits ---------------------------------------------------------------

#: Longest title line, topic and sentence; longest talk notes, intro, theme body and footer.
MAX_LINE = 200
MAX_SENTENCE = 2_000
MAX_NOTES = 20_000
MAX_FOOTER = 2_000


def form_field(data: Mapping[str, object], key: str, limit: int, *, required: bool = False) -> str:
    """A form field cleaned like every other text (NFC, no control characters), with its
    name in the error so the form can point at it."""
    raw = data.get(key, "")
    try:
        value = clean_body(raw if raw is not None else "", limit)
    except DomainError as error:
        raise DomainError(error.code, {**error.params, "field": key}) from error
    if required and not value:
        raise DomainError("text_empty", {"field": key})
    return value


def _optional_date(data: Mapping[str, object], key: str) -> dt.date | None:
    raw = data.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_date(raw, key)


def _optional_time(data: Mapping[str, object], key: str) -> dt.time | None:
    raw = data.get(key)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    return parse_time(raw, key)


def memo_from_form(data: Mapping[str, object], base: Memo) -> Memo:
    """The memo as the organizer edited it, validated; the openers' names, the date and
    the language stay those of ``base`` (they belong to the event).

    Fields: ``title``, ``topic`` (required), ``openers_sentence``, ``talk-<n>`` per opener,
    ``method_sentence``, ``intro``, ``theme-title-<n>`` and ``theme-body-<n>`` per theme of
    ``base`` (a theme whose title and body are both emptied is dropped), ``next_date``,
    ``next_start``, ``next_end`` and ``footer``.
    """
    openers = tuple(
        MemoOpener(o.name, o.title, o.organisation, form_field(data, f"talk-{n}", MAX_NOTES))
        for n, o in enumerate(base.openers)
    )
    themes = []
    for n in range(len(base.themes)):
        title = " ".join(form_field(data, f"theme-title-{n}", MAX_LINE).split())
        body = form_field(data, f"theme-body-{n}", MAX_NOTES)
        if title or body:
            themes.append((title, body))
    next_date = _optional_date(data, "next_date")
    next_start = _optional_time(data, "next_start")
    next_end = _optional_time(data, "next_end")
    if next_date is None and (next_start or next_end):
        raise DomainError("plan_bad_next")
    if next_date is not None and next_date <= base.date:
        raise DomainError("next_before_event")
    if next_start and next_end and next_end <= next_start:
        raise DomainError("plan_end_before_start")
    return Memo(
        language=base.language,
        date=base.date,
        topic=" ".join(form_field(data, "topic", MAX_LINE, required=True).split()),
        openers=openers,
        themes=tuple(themes),
        intro=form_field(data, "intro", MAX_NOTES),
        next_date=next_date,
        next_start=next_start,
        next_end=next_end,
        footer=form_field(data, "footer", MAX_FOOTER),
        title=" ".join(form_field(data, "title", MAX_LINE).split()),
        openers_sentence=" ".join(form_field(data, "openers_sentence", MAX_SENTENCE).split()),
        method_sentence=" ".join(form_field(data, "method_sentence", MAX_SENTENCE).split()),
    )
