"""Exporting a service-pilot report: Markdown, plain text, print-ready HTML, PDF and Word.

The words come from the pure :mod:`cafe.domain.report`, the process drawing from
:mod:`cafe.domain.diagram`. The rest is the memo's machinery, reused so the two documents
cannot drift apart in how they treat Markdown, what the PDF may fetch or what Word gets:
:class:`~cafe.documents.rendering.Export` and its formats, the memo's
:func:`~cafe.documents.rendering.html_to_pdf` (WeasyPrint, ``data:`` URLs only, tagged
PDF), and its Markdown → Word paragraphs.

HTML and PDF draw the process as inline SVG, so the boxes' texts stay text in the PDF;
Word gets the same drawing as a PNG picture with the step texts as its alternative text.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING

from flask import render_template

# The Markdown → Word machinery both documents share, so they read Markdown the same way.
from cafe.documents.rendering import (
    FORMATS,
    Block,
    DocxWriter,
    Export,
    Run,
    add_figure,
    html_to_pdf,
    markdown_blocks,
    set_up_document,
    title_runs,
)
from cafe.documents.votes import add_ranking, chart_figure
from cafe.domain.diagram import process_png, process_svg
from cafe.domain.errors import DomainError
from cafe.domain.markup import render_document
from cafe.domain.report import (
    PilotReport,
    closing_lines,
    headings,
    report_markdown,
    report_ranking,
    report_ranking_title,
    report_text,
    resource_items,
    step_labels,
)

if TYPE_CHECKING:
    from docx.document import Document

#: The Word page's text width (A4 less 22 mm margins) and the tallest the diagram may be,
#: leaving room for its caption on the same page (EMU, as python-docx measures).
#: The steps' numbered list, apart from the lists inside step bodies (numbered from 1 by
#: the Markdown reader, offset per step below).
_STEPS_LIST = -1
_NESTED_LISTS = 1000


def _is_empty(report: PilotReport) -> bool:
    """Nothing curated yet: the report is its frame of headings only."""
    texts = [
        report.duration,
        report.participants,
        report.goal,
        report.description,
        report.evaluation,
        report.results,
        *(body for _, body in report.resources),
    ]
    return not (report.steps or any(text.strip() for text in texts))


def report_html(report: PilotReport) -> str:
    """The print-ready HTML page (needs a Flask app context for the template)."""
    labels = step_labels(report)
    caption = " ".join(report.caption.split())
    return render_template(
        "reports/report.html",
        report=report,
        title=" ".join(report.title.split()),
        body=render_document(report_markdown(report, closing=False)),
        diagram=process_svg(labels, caption or report.title) if labels else "",
        votes_chart=chart_figure(
            report_ranking(report), title=report_ranking_title(report), language=report.language
        ),
        closing_lines=closing_lines(report),
    )


def render_report(report: PilotReport, fmt: str, *, stem: str = "raportti") -> Export:
    """Render ``report`` as ``md``, ``txt``, ``html`` (print-ready A4), ``pdf`` or
    ``docx``; ``DomainError("bad_export_format")`` for anything else. HTML and PDF need a
    Flask app context (the page is a template)."""
    if fmt not in FORMATS:
        raise DomainError("bad_export_format", {"choices": ", ".join(FORMATS)})
    if fmt == "md":
        content = report_markdown(report).encode("utf-8")
    elif fmt == "txt":
        content = report_text(report).encode("utf-8")
    elif fmt == "docx":
        content = report_docx(report)
    else:
        html = report_html(report)
        content = html.encode("utf-8") if fmt == "html" else html_to_pdf(html)
    suffix, media_type = FORMATS[fmt]
    return Export(
        content=content,
        media_type=media_type,
        filename=f"{stem}{suffix}",
        summary_empty=_is_empty(report),
    )


# --- Word --------------------------------------------------------------------------------


def _step_blocks(number: int, lead: str, body: str) -> list[Block]:
    """One step as Word blocks: a numbered item opened by the bold lead, then the body's
    further paragraphs under it and its own lists one level in."""
    blocks = markdown_blocks(body)
    lead_runs = [Run(lead, bold=True)] if lead else []
    item = Block(kind="number", list_id=_STEPS_LIST, runs=lead_runs)
    if blocks and blocks[0].plain:
        first = blocks.pop(0).runs
        if not lead_runs:
            item.runs = first
        elif (first[0].bold, first[0].italic, first[0].code) == (False, False, False):
            # The space after the lead belongs to the body's first run, as in the memo.
            item.runs = [*lead_runs, Run(" " + first[0].text), *first[1:]]
        else:
            item.runs = [*lead_runs, Run(" "), *first]
    out = [item] if item.runs else []
    for block in blocks:
        if block.kind == "p" and not block.quote:
            out.append(Block(kind="continue", runs=block.runs))
        elif block.kind in ("bullet", "number", "continue"):
            list_id = number * _NESTED_LISTS + block.list_id
            out.append(Block(block.kind, block.level + 1, block.quote, list_id, runs=block.runs))
        else:
            out.append(block)
    return out


def _diagram(document: Document, report: PilotReport) -> None:
    """The process drawing, as large as the page allows, its caption and credit under it."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    labels = step_labels(report)
    caption = " ".join(report.caption.split())
    if labels:
        # What a screen reader says for the picture: its caption and the steps in order.
        steps = " ".join(f"{n}. {label}" for n, label in enumerate(labels, 1))
        png = process_png(labels, caption or report.title)
        picture = add_figure(document, png, description=f"{caption} {steps}".strip())
        picture.paragraph_format.keep_with_next = True
    lines = closing_lines(report)
    for index, line in enumerate(lines):
        paragraph = document.add_paragraph(line, style="Caption")
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        paragraph.paragraph_format.keep_with_next = index < len(lines) - 1


def report_docx(report: PilotReport) -> bytes:
    """The report as a Word document (.docx bytes).

    The title (Title style); the standing headings (Heading 1) with their text; the
    resources, the goal and the description as paragraphs opened by their bold run-in
    label; the steps as a numbered list (Word's own numbering, from 1) whose items start
    with the bold lead; the ranking by votes and its chart at the end of the results (when
    the room voted and the organizer kept them); the process drawing as a picture, its
    caption and credit under it (Caption style). Markdown inside the texts is read as in
    the memo's Word export.
    """
    import docx  # only a Word export pays for importing python-docx

    texts = headings(report.language)
    title = " ".join(report.title.split())
    document = docx.Document()
    set_up_document(
        document,
        language=report.language,
        title=title,
        subject=" ".join(report.caption.split()),
        keywords="palvelupilotti",
        bottom_margin=20,
    )
    writer = DocxWriter(document)

    document.add_heading(title, level=0)
    for key, text in (("duration", report.duration), ("participants", report.participants)):
        document.add_heading(texts[key], level=1)
        writer.blocks(markdown_blocks(text))
    document.add_heading(texts["resources"], level=1)
    for label, body in resource_items(report):
        writer.blocks(markdown_blocks(body), lead=title_runs(label))
    writer.blocks(markdown_blocks(report.goal), lead=title_runs(texts["goal"]))
    writer.blocks(markdown_blocks(report.description), lead=title_runs(texts["description"]))
    for number, ((_, body), label) in enumerate(
        zip(report.steps, step_labels(report), strict=True), 1
    ):
        writer.blocks(_step_blocks(number, label, body))
    for key, text in (("evaluation", report.evaluation), ("results", report.results)):
        document.add_heading(texts[key], level=1)
        writer.blocks(markdown_blocks(text))
    add_ranking(
        writer,
        report_ranking(report),
        heading=report_ranking_title(report),
        language=report.language,
    )
    _diagram(document, report)

    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
