"""Exporting an event's memo: built from the database, rendered in each format.

The memo's text comes from the event (date, topic, openers and the organizer's notes of
their talks, the next session, the footer) and from the shared summary as the facilitator
left it (intro and themes, in their order). Rendering is the pure
:mod:`cafe.domain.minutes`, :mod:`cafe.documents.rendering` for PDF and
:mod:`cafe.minutes.documents` for Word; this module only reads.
"""

from __future__ import annotations

import base64
import logging
from dataclasses import replace

from flask import render_template
from sqlalchemy import select

from cafe.documents.rendering import FORMATS, Export, html_to_pdf
from cafe.documents.votes import chart_figure, on_themes, ranking
from cafe.domain.errors import DomainError
from cafe.domain.images import check_logo
from cafe.domain.markup import css_string, render_document
from cafe.domain.minutes import (
    Memo,
    MemoOpener,
    memo_markdown,
    memo_markdown_halves,
    memo_ranking,
    memo_ranking_title,
    memo_text,
    memo_title,
    named_title,
)
from cafe.domain.plan import DEFAULT_TITLE
from cafe.extensions import db
from cafe.models import CafeEvent, Document, SummaryIntro, Theme
from cafe.workshops import template_of

log = logging.getLogger(__name__)


def assembled_memo(event: CafeEvent) -> Memo:
    """The memo as the event and its shared summary give it (a new draft's text)."""
    themes = db.session.execute(
        select(Theme.id, Theme.title, Theme.body)
        .where(Theme.event_id == event.id)
        .order_by(Theme.position, Theme.id)
    ).all()
    intro = db.session.get(SummaryIntro, event.id)
    return Memo(
        language=event.language,
        date=event.date,
        topic=event.topic,
        openers=tuple(MemoOpener(o.name, o.title, o.organisation, o.talk) for o in event.openers),
        themes=tuple((title, body) for _, title, body in themes),
        # Theme ids are never reused (SQLite AUTOINCREMENT): a stable key per theme.
        theme_keys=tuple(str(key) for key, _, _ in themes),
        intro=intro.body if intro is not None else "",
        next_date=event.next_date,
        next_start=event.next_start,
        next_end=event.next_end,
        footer=event.footer,
        # The house format's own line for the format's own name; an event named otherwise
        # (the plan's title) gets its name on the title line.
        title=""
        if event.title in {DEFAULT_TITLE, *template_of(event).title.values()}
        else named_title(event.title, event.date, event.language),
        openers_sentence=event.openers_sentence,
        method_sentence=event.method_sentence,
        # The room's dot-vote on the themes, if it voted (nothing otherwise).
        votes=ranking(event, on_themes),
    )


#: The formats that print the footer logo.
_WITH_LOGO = frozenset({"html", "pdf", "docx"})


def render(
    memo: Memo,
    fmt: str,
    *,
    stem: str = "muistio",
    logo: bytes | None = None,
    logo_type: str | None = None,
) -> Export:
    """Render ``memo`` as ``md``, ``txt``, ``html`` (print-ready A4), ``pdf`` or ``docx``.

    ``logo`` (PNG or JPEG) is printed in the footer of the paged formats and the HTML.
    It is checked again (:func:`~cafe.domain.images.check_logo`) and the type its bytes
    have is used: ``logo_type``, the type stored with it, is only a label and cannot make
    a file claim to be what it is not. A stored logo that fails the check (one accepted
    before logos were decoded whole) is left out with a log line: the organizer still
    gets the document.
    """
    if fmt not in FORMATS:
        raise DomainError("bad_export_format", {"choices": ", ".join(FORMATS)})
    # Checked only where it is printed: a text export never looks at it.
    kind = _printable(logo) if logo is not None and fmt in _WITH_LOGO else None
    if fmt == "md":
        content = memo_markdown(memo).encode("utf-8")
    elif fmt == "txt":
        content = memo_text(memo).encode("utf-8")
    elif fmt == "docx":
        # The Word writer is imported by a Word export only (python-docx's is lazier still).
        from cafe.minutes.documents import memo_docx

        content = memo_docx(memo, logo=logo if kind is not None else None)
    else:
        lines = [line.strip() for line in memo.footer.splitlines() if line.strip()]
        html = render_template(
            "minutes/memo.html",
            memo=memo,
            title=memo_title(memo),
            body=_body_html(_without_footer(memo)),
            footer_lines=lines,
            footer_css=css_string("\n".join(lines)),
            logo_src=_data_uri(logo, kind) if logo is not None and kind is not None else None,
        )
        content = html.encode("utf-8") if fmt == "html" else html_to_pdf(html)
    suffix, media_type = FORMATS[fmt]
    return Export(
        content=content,
        media_type=media_type,
        filename=f"{stem}-{memo.date.isoformat()}{suffix}",
        summary_empty=not (memo.intro.strip() or memo.themes),
    )


def export(event: CafeEvent, fmt: str, memo: Memo | None = None) -> Export:
    """Export ``memo`` (default: the one the event assembles) of ``event`` in ``fmt``,
    with the minutes' footer logo if the organizer gave one."""
    minutes = db.session.get(Document, event.id)
    return render(
        memo if memo is not None else assembled_memo(event),
        fmt,
        # bytes(): some database drivers hand binary columns back as memoryview.
        logo=bytes(minutes.logo) if minutes is not None and minutes.logo else None,
        logo_type=minutes.logo_type if minutes is not None else None,
    )


def _printable(logo: bytes) -> str | None:
    """The logo's media type, or None (logged) when it does not pass the check."""
    try:
        return check_logo(logo)
    except DomainError as error:
        log.warning("footer logo left out of an export: %s", error.code)
        return None


def _data_uri(data: bytes, kind: str) -> str:
    # Inline, so the HTML file stands alone and WeasyPrint has nothing to fetch.
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def _body_html(memo: Memo) -> str:
    """The memo's text as HTML, the ranked themes' chart right under their list."""
    ranked = memo_ranking(memo)
    if not ranked:
        return render_document(memo_markdown(memo))
    head, tail = memo_markdown_halves(memo)
    chart = chart_figure(ranked, title=memo_ranking_title(memo), language=memo.language)
    return render_document(head) + str(chart) + (render_document(tail) if tail else "")


def _without_footer(memo: Memo) -> Memo:
    # In HTML the footer is the printed page footer, not the end of the text.
    return replace(memo, footer="")
