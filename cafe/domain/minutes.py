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
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from cafe.domain.errors import DomainError
from cafe.domain.markup import escape_line, markdown_to_text
from cafe.domain.plan import parse_date, parse_time
from cafe.domain.summary import clean_body, summary_markdown
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

#: Fixed texts of the memo in each event language.
TEXTS: dict[str, dict[str, str]] = {
    "fi": {
        "title": "Cafe Social -keskustelukahvilan muistio {date}",
        "named": "{name}: muistio {date}",
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
        "named": "{name}: minnesanteckningar {date}",
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
        "named": "{name}: minutes of {date}",
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
    #: Per theme, the key of the shared summary's theme it came from ("" for a theme the
    #: organizer's draft has of its own): how taking the summary in again finds it.
    theme_keys: tuple[str, ...] = ()
    #: The themes ranked by the room's dot-vote, as taken in (empty: no vote).
    votes: tuple[Ranked, ...] = ()
    #: The organizer keeps the ranking in the memo (it may be dropped).
    votes_shown: bool = True

    def theme_key(self, index: int) -> str:
        """The key of theme ``index`` ("" if it has none)."""
        return self.theme_keys[index] if index < len(self.theme_keys) else ""


def short_date(day: dt.date) -> str:
    """``31.10.17``: the memo's title date, without leading zeros."""
    return f"{day.day}.{day.month}.{day.year % 100:02d}"


def _hour(moment: dt.time) -> str:
    # The house style writes whole hours bare ("14-16") and others as 14.30.
    return str(moment.hour) if moment.minute == 0 else f"{moment.hour}.{moment.minute:02d}"


def _texts(language: str) -> dict[str, str]:
    return TEXTS.get(language, TEXTS["fi"])


def _title_date(day: dt.date, language: str) -> str:
    return day.strftime("%-d %B %Y") if language == "en" else short_date(day)


def memo_title(memo: Memo) -> str:
    """The title line: the override, or the default with the date."""
    if memo.title.strip():
        return memo.title.strip()
    return _texts(memo.language)["title"].format(date=_title_date(memo.date, memo.language))


def named_title(name: str, day: dt.date, language: str) -> str:
    """The title line of an event with a name of its own (a plan's ``title``, "Cafe Social
    -etäkahvila"): ``Cafe Social -etäkahvila: muistio 12.3.20``. The house format's line
    puts the name in the genitive ("-keskustelukahvilan muistio"), which a person writes:
    the organizer may reword this one in the editor."""
    return _texts(language)["named"].format(
        name=" ".join(name.split()), date=_title_date(day, language)
    )


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


def memo_ranking(memo: Memo) -> tuple[Ranked, ...]:
    """The ranking the memo prints: its votes, unless the organizer dropped them."""
    return memo.votes if memo.votes_shown else ()


def memo_ranking_title(memo: Memo) -> str:
    """The ranking's heading in the memo's language (also its chart's title)."""
    return ranking_words(memo.language)["memo"]


def memo_markdown(memo: Memo) -> str:
    """The memo as Markdown: what an organizer would type, with the run-in themes bold."""
    head, tail = memo_markdown_halves(memo)
    return "\n\n".join(block for block in (head, tail) if block) + "\n"


def memo_markdown_halves(memo: Memo) -> tuple[str, str]:
    """The memo's Markdown in two: up to the ranked themes (or the summary), and the rest
    (next session, footer). The HTML puts the ranking's chart between them; each half is
    whole blocks, so the two render as the whole does."""
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
    ranked = memo_ranking(memo)
    if ranked:
        blocks.append(
            ranking_markdown(ranked, heading=memo_ranking_title(memo), language=memo.language)
        )
    rest: list[str] = []
    nxt = next_session_line(memo)
    if nxt:
        rest.append(escape_line(nxt))
    lines = _footer_lines(memo.footer)
    if lines:
        # A rule, then the footer's lines kept apart by hard line breaks.
        rest.append("---")
        rest.append("  \n".join(escape_line(line) for line in lines))
    return "\n\n".join(blocks), "\n\n".join(rest)


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
    ranked = memo_ranking(memo)
    if ranked:
        blocks.append(
            ranking_text(ranked, heading=memo_ranking_title(memo), language=memo.language)
        )
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

    # A memo without a vote stores what it stored before votes existed.
    votes: dict[str, Any] = (
        {"votes": ranked_to_content(memo.votes), "votes_shown": memo.votes_shown}
        if memo.votes
        else {}
    )
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
        "theme_keys": list(memo.theme_keys),
        **votes,
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
        # Revisions stored before themes kept their keys have none.
        theme_keys=tuple(content.get("theme_keys", ())),
        votes=ranked_from_content(content.get("votes", ())),
        votes_shown=bool(content.get("votes_shown", True)),
    )


# --- parts taken in from the shared summary (cafe.domain.merge) ---------------------------

#: The part holding the summary's un-headed paragraphs.
INTRO_PART = "intro"
#: Prefix of a theme's part; a theme of the organizer's own has ``#<position>`` as key.
THEME_PART = "theme:"
#: The part holding the ranked themes (when the room voted).
VOTES_PART = "votes"


def memo_parts(memo: Memo) -> dict[str, tuple[str, ...]]:
    """The memo's parts that come from the shared summary: the intro and each theme
    (title, paragraph), in order; then the ranked themes, when the room voted."""
    parts: dict[str, tuple[str, ...]] = {INTRO_PART: (memo.intro,)}
    for index, (title, body) in enumerate(memo.themes):
        parts[THEME_PART + (memo.theme_key(index) or f"#{index}")] = (title, body)
    if memo.votes:
        parts[VOTES_PART] = ranked_part(memo.votes)
    return parts


def memo_with_parts(memo: Memo, parts: Mapping[str, tuple[str, ...]]) -> Memo:
    """``memo`` with its summary parts replaced by ``parts`` (as :func:`memo_parts` gives
    them), in their order."""
    themes = [
        (key.removeprefix(THEME_PART), text)
        for key, text in parts.items()
        if key not in (INTRO_PART, VOTES_PART)
    ]
    return replace(
        memo,
        intro=parts.get(INTRO_PART, ("",))[0],
        themes=tuple((text[0], text[1]) for _, text in themes),
        theme_keys=tuple("" if key.startswith("#") else key for key, _ in themes),
        votes=ranked_from_part(parts.get(VOTES_PART, ())),
    )


def keyed_like(memo: Memo, live: Memo) -> Memo:
    """``memo`` with keys for its themes that have none (revisions stored before themes
    kept their keys): the live theme of the same title, when exactly one has it."""
    if all(memo.theme_key(i) for i in range(len(memo.themes))):
        return memo
    by_title: dict[str, list[str]] = {}
    for index, (title, _) in enumerate(live.themes):
        by_title.setdefault(title, []).append(live.theme_key(index))
    used = {memo.theme_key(i) for i in range(len(memo.themes))}
    keys = []
    for index, (title, _) in enumerate(memo.themes):
        key = memo.theme_key(index)
        found = by_title.get(title, [])
        if not key and len(found) == 1 and found[0] and found[0] not in used:
            key = found[0]
            used.add(key)
        keys.append(key)
    return replace(memo, theme_keys=tuple(keys))


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
    ``next_start``, ``next_end``, ``footer``, and ``votes`` (``keep`` or ``drop`` the
    ranked themes of ``base``, which the organizer cannot edit: they are the room's).
    """
    openers = tuple(
        MemoOpener(o.name, o.title, o.organisation, form_field(data, f"talk-{n}", MAX_NOTES))
        for n, o in enumerate(base.openers)
    )
    themes = []
    keys = []
    for n in range(len(base.themes)):
        title = " ".join(form_field(data, f"theme-title-{n}", MAX_LINE).split())
        body = form_field(data, f"theme-body-{n}", MAX_NOTES)
        if title or body:
            themes.append((title, body))
            keys.append(base.theme_key(n))
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
        theme_keys=tuple(keys),
        votes=base.votes,
        votes_shown=shown_choice(data.get("votes"), base.votes_shown),
    )


def memo_form_values(memo: Memo) -> dict[str, str]:
    """The editor's field values for ``memo`` (the inverse of :func:`memo_from_form`)."""
    values: dict[str, str] = {
        "title": memo.title,
        "topic": memo.topic,
        "openers_sentence": memo.openers_sentence,
        "method_sentence": memo.method_sentence,
        "intro": memo.intro,
        "footer": memo.footer,
        "next_date": memo.next_date.isoformat() if memo.next_date else "",
        "next_start": memo.next_start.strftime("%H:%M") if memo.next_start else "",
        "next_end": memo.next_end.strftime("%H:%M") if memo.next_end else "",
    }
    if memo.votes:
        values["votes"] = KEEP if memo.votes_shown else DROP
    for n, opener in enumerate(memo.openers):
        values[f"talk-{n}"] = opener.talk
    for n, (title, body) in enumerate(memo.themes):
        values[f"theme-title-{n}"] = title
        values[f"theme-body-{n}"] = body
    return values


# --- review by table hosts ---------------------------------------------------------------


@dataclass(frozen=True)
class ReviewPart:
    """A part of the memo a table host may comment on and propose new text for."""

    #: Stable across saves: ``title``, ``openers_sentence``, ``talk-<n>``,
    #: ``method_sentence``, ``intro``, ``theme:<key>`` (see :func:`memo_parts`), ``footer``.
    key: str
    #: The editor's field that holds the part's text.
    field: str
    #: What the label names: an opener's name, a theme's title ("" otherwise).
    name: str = ""


def review_parts(memo: Memo) -> list[ReviewPart]:
    """Every part of the memo, top to bottom: the title line, the openers sentence, each
    talk's notes, the method sentence, the intro, each theme's paragraph, the footer."""
    parts = [ReviewPart("title", "title"), ReviewPart("openers_sentence", "openers_sentence")]
    parts += [ReviewPart(f"talk-{n}", f"talk-{n}", o.name) for n, o in enumerate(memo.openers)]
    parts += [ReviewPart("method_sentence", "method_sentence"), ReviewPart(INTRO_PART, "intro")]
    for index, (title, _) in enumerate(memo.themes):
        key = THEME_PART + (memo.theme_key(index) or f"#{index}")
        parts.append(ReviewPart(key, f"theme-body-{index}", title))
    parts.append(ReviewPart("footer", "footer"))
    return parts


def review_texts(memo: Memo) -> dict[str, str]:
    """Each review part's text as the memo reads now, a generated line included (the
    default title line, openers sentence and method sentence), for a table host to start
    a proposal from."""
    values = memo_form_values(memo)
    texts = {part.key: values[part.field] for part in review_parts(memo)}
    texts["title"] = memo_title(memo)
    texts["openers_sentence"] = _sentence(
        memo.openers_sentence, default_openers_sentence(memo.openers, memo.language)
    )
    texts["method_sentence"] = _sentence(memo.method_sentence, _texts(memo.language)["method"])
    return texts


def with_replacement(memo: Memo, part_key: str, text: str) -> Memo:
    """``memo`` with the text of part ``part_key`` replaced by ``text``, validated as the
    editor validates it; ``unknown_part`` if the memo no longer has that part (a theme
    deleted since)."""
    found = next((part for part in review_parts(memo) if part.key == part_key), None)
    if found is None:
        raise DomainError("unknown_part")
    values: dict[str, object] = {**memo_form_values(memo), found.field: text}
    return memo_from_form(values, memo)


# --- stale saves merged field by field (cafe.domain.merge.three_way) ---------------------

_THEME_FIELD = re.compile(r"theme-(title|body)-(\d+)")


def memo_fields(values: Mapping[str, object], memo: Memo) -> dict[str, str]:
    """The editor's fields ``values`` (laid out for ``memo``: ``theme-body-2`` is its third
    theme) keyed so that they mean the same in another revision: a theme's fields by the
    theme's key (``theme:12.body``). Only the editor's own fields are read."""
    fields: dict[str, str] = {}
    for name in memo_form_values(memo):
        raw = values.get(name)
        if raw is None:
            continue
        text = str(raw)
        found = _THEME_FIELD.fullmatch(name)
        if found is None:
            fields[name] = text
            continue
        index = int(found.group(2))
        key = THEME_PART + (memo.theme_key(index) or f"#{index}")
        fields[f"{key}.{found.group(1)}"] = text
    return fields


def memo_from_fields(fields: Mapping[str, str], like: Memo) -> Memo:
    """The memo ``fields`` (:func:`memo_fields`) describe, validated as the editor's form:
    its themes in the order the fields name them; the event's own data from ``like``."""
    keys = list(
        dict.fromkeys(name.rsplit(".", 1)[0] for name in fields if name.startswith(THEME_PART))
    )
    values: dict[str, object] = {k: v for k, v in fields.items() if not k.startswith(THEME_PART)}
    for index, key in enumerate(keys):
        values[f"theme-title-{index}"] = fields.get(f"{key}.title", "")
        values[f"theme-body-{index}"] = fields.get(f"{key}.body", "")
    own = [key.removeprefix(THEME_PART) for key in keys]
    skeleton = replace(
        like,
        themes=tuple(("", "") for _ in keys),
        theme_keys=tuple("" if key.startswith("#") else key for key in own),
    )
    return memo_from_form(values, skeleton)
