"""The shared summary of a Cafe Social: themes gathered from the tables' core ideas.

Each table writes core ideas; the facilitator gathers them into themes. A theme has a
title and a Markdown paragraph, and un-headed intro paragraphs may come first. In the
minutes a themed paragraph is "run-in": the bold title, ending with a full stop, starts
the paragraph on the same line::

    **Osallisuuden mahdollistaminen.** Esimerkiksi OK-hankkeessa…

This module holds the pure rules: the texts' limits, the Markdown of the summary, a first
draft of a paragraph, where an item came from, ordering, and the stale-save rule.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from cafe.domain.errors import DomainError
from cafe.domain.markup import escape_specials
from cafe.domain.text import clean_idea_text

#: Longest theme title, in characters.
MAX_TITLE = 200
#: Longest theme paragraph (Markdown), in characters.
MAX_BODY = 10_000
#: Longest intro (Markdown, several paragraphs), in characters.
MAX_INTRO = 20_000
#: Longest gathering item (the facilitator's rewording of a core idea), in characters.
MAX_ITEM = 1_000

T = TypeVar("T")

# A title ending in one of these already closes its sentence (or introduces what follows).
_TITLE_END = (".", "!", "?", "…", ":")
# A draft sentence ending in one of these needs no full stop.
_SENTENCE_END = (".", "!", "?", "…")
# Closing quotes and brackets after a sentence's own punctuation: 'hän sanoi ”kiitos.”'.
_CLOSERS = "\"'”’»)]"
# Blank lines (possibly holding spaces) separate Markdown paragraphs.
_BLANK_LINES = re.compile(r"\n[ \t]*\n\s*")
# A paragraph starting like this is a list, quote or heading: a bold title put in front
# of it would be swallowed into its first line, so the title gets a paragraph of its own.
_BLOCK_START = re.compile(r"(?:[-+*]\s|\d+\.\s|>|#)")
# A participant's typed bullet means nothing once the ideas run on in one paragraph.
_BULLET = re.compile(r"^[-*+•–—]\s+")


def clean_title(raw: object) -> str:
    """Return a theme title normalised to one line, or raise ``DomainError``.

    The rules of :func:`~cafe.domain.text.clean_idea_text` (``text_invalid``,
    ``text_empty``, ``text_too_long`` beyond :data:`MAX_TITLE`), then every run of
    whitespace, line breaks included, becomes one space: a title is printed in one line.
    """
    return " ".join(clean_idea_text(raw, MAX_TITLE).split())


def clean_body(raw: object, max_chars: int = MAX_BODY) -> str:
    """Return a Markdown paragraph or intro normalised; ``""`` when nothing is left.

    Normalised like :func:`~cafe.domain.text.clean_idea_text`, but an empty text is
    allowed: a theme may not have its paragraph written yet. Raises ``DomainError``
    ``text_invalid`` for a non-string and ``text_too_long`` beyond ``max_chars``.
    """
    try:
        return clean_idea_text(raw, max_chars)
    except DomainError as error:
        # The same normalisation, so one rule for "what counts as empty"; here empty is fine.
        if error.code == "text_empty":
            return ""
        raise


def run_in_title(title: str) -> str:
    """Return a theme title as it runs in at the start of its paragraph: on one line and
    closed by a full stop, which is not added after a title ending in ``. ! ? … :``.
    ``""`` for a blank title. Every format (Markdown, Word) closes titles by this rule."""
    title = " ".join(title.split())
    if title and not title.endswith(_TITLE_END):
        title += "."
    return title


def run_in(title: str, body: str) -> str:
    """Return the Markdown of one themed paragraph: ``**Title.** body``.

    No full stop is added after a title already ending in ``. ! ? … :``. Markdown's
    special characters in the title are escaped, so a title cannot end the bold early or
    become a link. Only the first of several paragraphs gets the run-in title; one that
    starts as a list, quote or heading is put after the title on its own. An empty body
    gives the title alone and an empty title the body alone.
    """
    title = run_in_title(title)
    body = body.strip()
    if not title:
        return body
    heading = f"**{escape_specials(title)}**"
    if not body:
        return heading
    separator = "\n\n" if _BLOCK_START.match(body) else " "
    return heading + separator + body


def summary_markdown(intro: str, themes: Sequence[tuple[str, str]]) -> str:
    """Return the whole summary as Markdown: the intro, then each theme run-in.

    ``themes`` holds ``(title, body)`` pairs in the facilitator's order. Parts are
    separated by one blank line and the text ends with one newline; ``""`` if all is empty.
    """
    parts = [intro.strip()] + [run_in(title, body) for title, body in themes]
    text = "\n\n".join(part for part in parts if part)
    return text + "\n" if text else ""


def _sentence(text: str) -> str:
    sentence = _BULLET.sub("", " ".join(text.split()))
    if not sentence:
        return ""
    # The first letter, not the first character: '”kahvi”' → '”Kahvi”'; '3 kertaa' stays.
    for index, char in enumerate(sentence):
        if char.isalnum():
            if char.isalpha():
                sentence = sentence[:index] + char.upper() + sentence[index + 1 :]
            break
    if not sentence.rstrip(_CLOSERS).endswith(_SENTENCE_END):
        sentence += "."
    return sentence


def draft_paragraph(texts: Sequence[str]) -> str:
    """Return a first draft of a theme's paragraph from its items' texts, in order.

    Each text becomes a sentence: trimmed, whitespace collapsed, a leading typed bullet
    dropped, its first letter upper-cased and a full stop added unless it ends in
    ``. ! ? …``. Empty texts are skipped and a repeat (ignoring case) is kept once. The
    facilitator edits the draft, so it is plain: the sentences joined by single spaces.
    """
    seen: set[str] = set()
    sentences: list[str] = []
    for text in texts:
        sentence = _sentence(text)
        key = sentence.casefold()
        if sentence and key not in seen:
            seen.add(key)
            sentences.append(sentence)
    return " ".join(sentences)


@dataclass(frozen=True)
class Source:
    """One core idea behind a gathering item: its table (number and name) and role tag."""

    table: int
    table_name: str
    role: str | None


@dataclass(frozen=True)
class Trace:
    """Where an item came from: its tables' names and its role tags, each once."""

    tables: tuple[str, ...]
    roles: tuple[str, ...]


def trace(sources: Iterable[Source]) -> Trace:
    """Return the distinct tables (by table number) and role tags (first seen first)."""
    tables: dict[str, int] = {}
    roles: dict[str, None] = {}
    for source in sources:
        # A name seen at two numbers sorts by the lower one, so it is still listed once.
        tables[source.table_name] = min(source.table, tables.get(source.table_name, source.table))
        if source.role is not None:
            roles.setdefault(source.role)
    ordered = sorted(tables.items(), key=lambda pair: (pair[1], pair[0]))
    return Trace(tables=tuple(name for name, _ in ordered), roles=tuple(roles))


def move(order: Sequence[T], item: T, index: int) -> list[T]:
    """Return a new list with ``item`` moved to (or, if absent, inserted at) ``index``.

    ``index`` counts positions in the list without the item, so it means the same
    whether the item was there or not, and is clamped to ``[0, len]``: a drop beyond
    the end lands last and a negative one first. Every copy of ``item`` is removed first,
    so it ends up in the list exactly once.
    """
    rest = [other for other in order if other != item]
    rest.insert(max(0, min(index, len(rest))), item)
    return rest


def check_base_revision(current: int, base: object) -> int:
    """Return the revision a save creates, or refuse a save made on a stale copy.

    ``base`` is the revision the editor started from, as the client sent it: anything but
    an ``int`` ≥ 0 raises ``DomainError("bad_request")``. If someone else saved since,
    ``DomainError("summary_stale", {"revision": current})`` tells the editor to reload
    rather than overwrite their work. Otherwise the new revision is ``current + 1``.
    """
    # bool is an int subclass: a JSON ``true`` must not pass as revision 1.
    if not isinstance(base, int) or isinstance(base, bool) or base < 0:
        raise DomainError("bad_request")
    if base != current:
        raise DomainError("summary_stale", {"revision": current})
    return current + 1
