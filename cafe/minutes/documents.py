"""The memo's Word document (.docx, python-docx); its PDF is its HTML export laid out by
:func:`cafe.documents.rendering.html_to_pdf`, with the footer a running element printed in
every page's bottom margin.

The Word document is built from the memo's structure (title line, topic, openers, talks,
heading, method, intro, run-in themes, next session) with the shared Markdown → Word
machinery (:mod:`cafe.documents.rendering`); the footer goes into the section's page
footer, which Word repeats on every page.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # python-docx is imported by the Word export alone (a fifth of a second at start-up).
    from docx.document import Document
    from docx.text.paragraph import Paragraph

from cafe.documents.rendering import DocxWriter, markdown_blocks, set_up_document, title_runs
from cafe.documents.votes import add_ranking
from cafe.domain.minutes import (
    TEXTS,
    Memo,
    default_openers_sentence,
    memo_ranking,
    memo_ranking_title,
    memo_title,
    next_session_line,
)

#: Width of the footer logo in the Word document: 3 cm in EMU (``docx.shared.Cm(3)``).
LOGO_WIDTH = 3 * 360_000


def _footer(document: Document, lines: list[str], logo: bytes | None) -> None:
    """The funder's logo block in the page footer: Word prints it on every page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    footer = document.sections[0].footer
    paragraphs: list[Paragraph] = []
    if logo is not None:
        paragraphs.append(footer.paragraphs[0])
        paragraphs[0].add_run().add_picture(io.BytesIO(logo), width=LOGO_WIDTH)
    for line in lines:
        if not paragraphs and footer.paragraphs and not footer.paragraphs[0].text:
            paragraph = footer.paragraphs[0]
        else:
            paragraph = footer.add_paragraph()
        run = paragraph.add_run(line)
        run.font.size = Pt(9)
        paragraphs.append(paragraph)
    for paragraph in paragraphs:
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.space_after = Pt(0)


def memo_docx(memo: Memo, *, logo: bytes | None = None) -> bytes:
    """The memo as a Word document (.docx bytes).

    Parts as in :func:`cafe.domain.minutes.memo_text`: the title line (Title style), the
    topic, the openers sentence, the talks, the heading (Heading 1), the method sentence,
    the intro, each theme as one paragraph whose bold run-in title is followed by its
    body, the ranked themes and their chart (when the room voted and the organizer kept
    them), the next session. The footer's lines and ``logo`` (an image already checked by
    :func:`cafe.domain.images.check_logo`) form the page footer of every page.
    """
    texts = TEXTS.get(memo.language, TEXTS["fi"])
    import docx

    title = memo_title(memo)
    document = docx.Document()
    set_up_document(
        document, language=memo.language, title=title, subject=memo.topic, keywords="Cafe Social"
    )
    writer = DocxWriter(document)

    document.add_heading(title, level=0)
    writer.paragraph(texts["topic"].format(topic=memo.topic))
    openers = memo.openers_sentence.strip() or default_openers_sentence(memo.openers, memo.language)
    if openers:
        writer.paragraph(openers)
    for opener in memo.openers:
        writer.blocks(markdown_blocks(opener.talk))
    document.add_heading(texts["heading"], level=1)
    writer.paragraph(memo.method_sentence.strip() or texts["method"])
    writer.blocks(markdown_blocks(memo.intro))
    for theme_title, body in memo.themes:
        writer.blocks(markdown_blocks(body), lead=title_runs(theme_title))
    add_ranking(
        writer, memo_ranking(memo), heading=memo_ranking_title(memo), language=memo.language
    )
    nxt = next_session_line(memo)
    if nxt:
        writer.paragraph(nxt)

    lines = [line.strip() for line in memo.footer.splitlines() if line.strip()]
    if lines or logo is not None:
        _footer(document, lines, logo)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
