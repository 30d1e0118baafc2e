"""Exporting an event's memo: built from the database, rendered in each format.

The memo's text comes from the event (date, topic, openers and the organizer's notes of
their talks, the next session, the footer) and from the shared summary as the facilitator
left it (intro and themes, in their order). Rendering is the pure
:mod:`cafe.domain.minutes`; this module only reads.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from flask import render_template
from sqlalchemy import select

from cafe.domain.errors import DomainError
from cafe.domain.markup import render_document
from cafe.domain.minutes import Memo, MemoOpener, memo_markdown, memo_text, memo_title
from cafe.extensions import db
from cafe.models import CafeEvent, SummaryIntro, Theme

#: Export formats and their file suffixes and media types.
FORMATS: dict[str, tuple[str, str]] = {
    "md": (".md", "text/markdown; charset=utf-8"),
    "txt": (".txt", "text/plain; charset=utf-8"),
    "html": (".html", "text/html; charset=utf-8"),
}


def assembled_memo(event: CafeEvent) -> Memo:
    """The memo as the event and its shared summary give it (a new draft's text)."""
    themes = db.session.execute(
        select(Theme.title, Theme.body)
        .where(Theme.event_id == event.id)
        .order_by(Theme.position, Theme.id)
    ).all()
    intro = db.session.get(SummaryIntro, event.id)
    return Memo(
        language=event.language,
        date=event.date,
        topic=event.topic,
        openers=tuple(MemoOpener(o.name, o.title, o.organisation, o.talk) for o in event.openers),
        themes=tuple((title, body) for title, body in themes),
        intro=intro.body if intro is not None else "",
        next_date=event.next_date,
        next_start=event.next_start,
        next_end=event.next_end,
        footer=event.footer,
        openers_sentence=event.openers_sentence,
        method_sentence=event.method_sentence,
    )


@dataclass(frozen=True)
class Export:
    """One exported file: its bytes, media type and a suggested file name."""

    content: bytes
    media_type: str
    filename: str
    #: The summary had no text yet: the memo has its frame but nothing from the tables.
    summary_empty: bool


def render(memo: Memo, fmt: str, *, stem: str = "muistio") -> Export:
    """Render ``memo`` as ``md``, ``txt`` or ``html`` (print-ready A4)."""
    if fmt not in FORMATS:
        raise DomainError("bad_export_format", {"choices": ", ".join(FORMATS)})
    if fmt == "md":
        text = memo_markdown(memo)
    elif fmt == "txt":
        text = memo_text(memo)
    else:
        text = render_template(
            "minutes/memo.html",
            memo=memo,
            title=memo_title(memo),
            body=render_document(memo_markdown(_without_footer(memo))),
            footer_lines=[line.strip() for line in memo.footer.splitlines() if line.strip()],
        )
    suffix, media_type = FORMATS[fmt]
    return Export(
        content=text.encode("utf-8"),
        media_type=media_type,
        filename=f"{stem}-{memo.date.isoformat()}{suffix}",
        summary_empty=not (memo.intro.strip() or memo.themes),
    )


def export(event: CafeEvent, fmt: str, memo: Memo | None = None) -> Export:
    """Export ``memo`` (default: the one the event assembles) of ``event`` in ``fmt``."""
    return render(memo if memo is not None else assembled_memo(event), fmt)


def _without_footer(memo: Memo) -> Memo:
    # In HTML the footer is the printed page footer, not the end of the text.
    return replace(memo, footer="")
