"""What every document of the platform renders the same way: PDF (WeasyPrint) and Word
(.docx, python-docx), for the memo and the service-pilot report alike.

The PDF is a document's print-ready HTML export laid out by WeasyPrint, so both say and
look the same. WeasyPrint may fetch nothing: a page carries its images as ``data:`` URIs
and every other scheme is refused, so a document cannot make the server reach the network
or read its files.

A Word document is built from its document's structure, not converted from HTML, so each
part gets a proper Word style. The Markdown inside its parts is read by the same Markdown
renderer and sanitiser as every other export (:mod:`cafe.domain.markup`), through
:func:`markdown_blocks` and :class:`DocxWriter`: the formats cannot disagree about what is
italic, and a ``javascript:`` link or a typed ``<script>`` is dealt with in one place.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from html.parser import HTMLParser
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    # python-docx costs a fifth of a second to import: only a Word export loads it.
    from docx.document import Document
    from docx.text.paragraph import Paragraph

from cafe.domain.markup import escape_specials, render_inline, render_markdown
from cafe.domain.summary import run_in_title

#: The Word page's text width (A4 less 22 mm margins), in EMU as python-docx measures
#: (36,000 per mm), and the tallest a figure (process drawing, vote chart) may be.
TEXT_WIDTH = 166 * 36_000
FIGURE_MAX_HEIGHT = 225 * 36_000

#: Word's language tags for the documents' languages (spelling and hyphenation in Word).
WORD_LANGUAGES = {"fi": "fi-FI", "sv": "sv-FI", "en": "en-GB"}

#: Export formats of every document kind, with their file suffixes and media types.
FORMATS: dict[str, tuple[str, str]] = {
    "md": (".md", "text/markdown; charset=utf-8"),
    "txt": (".txt", "text/plain; charset=utf-8"),
    "html": (".html", "text/html; charset=utf-8"),
    "pdf": (".pdf", "application/pdf"),
    "docx": (
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
}


@dataclass(frozen=True)
class Export:
    """One exported file: its bytes, media type and a suggested file name."""

    content: bytes
    media_type: str
    filename: str
    #: Nothing came from the event yet: the document has its frame but nothing from the
    #: tables (the memo's summary, the report's sections are empty).
    summary_empty: bool


# --- PDF ---------------------------------------------------------------------------------


# Browsers print the memo page's footer as text in the page's bottom margin box (they
# cannot put an element there) and hide the element itself. WeasyPrint can: this sheet,
# read by WeasyPrint alone (a user sheet: important, so it wins over the page's own
# rules), makes the footer element (logo included) the running content
# of that margin box on every page.
_PDF_STYLE = """
@page { @bottom-center { content: element(memofooter) !important; } }
.memo-footer { display: block !important; position: running(memofooter) !important; }
"""


class PdfUnavailable(RuntimeError):
    """WeasyPrint, or Debian's Pango it draws text with, cannot be loaded here: only the
    PDF export is off (the views answer 503 with a message, ``cafe export`` exits 1)."""


def load_weasyprint() -> ModuleType:
    """The ``weasyprint`` module, or :class:`PdfUnavailable` when it cannot be loaded.

    Imported here, not at the top: loading WeasyPrint takes about a second and needs
    Pango (a missing library raises ``OSError`` on import), and only the PDF export uses
    it, so a server without Pango still starts and serves everything else.
    """
    try:
        import weasyprint  # type: ignore[import-untyped]
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(
            "the PDF export needs WeasyPrint and Debian's Pango (libpango-1.0-0, "
            f"libpangoft2-1.0-0), which cannot be loaded ({exc}); "
            "install them with: bash scripts/ensure-pango"
        ) from exc
    module: ModuleType = weasyprint
    return module


def html_to_pdf(html: str) -> bytes:
    """Lay out a print-ready document page as a tagged PDF. Only ``data:`` URLs are loaded.

    Raises :class:`PdfUnavailable` when WeasyPrint or Pango cannot be loaded
    (``scripts/ensure-pango`` installs Pango).
    """
    weasyprint = load_weasyprint()
    fetcher = weasyprint.URLFetcher(allowed_protocols=("data",))
    page = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher)
    # Tagged (headings, paragraphs, reading order) so that screen readers can read the
    # memo: documents of public-sector services must be accessible.
    style = weasyprint.CSS(string=_PDF_STYLE, url_fetcher=fetcher)
    pdf: bytes = page.write_pdf(stylesheets=[style], pdf_tags=True)
    return pdf


# --- Markdown → Word paragraphs ----------------------------------------------------------


@dataclass
class Run:
    """A piece of text with one formatting; ``text == "\\n"`` is a line break."""

    text: str
    bold: bool = False
    italic: bool = False
    code: bool = False


@dataclass
class Block:
    """One Word paragraph: a plain one, a list item (``level`` from 0) or a quote."""

    kind: str = "p"  # "p", "bullet", "number" or "continue" (an item's next paragraph)
    level: int = 0
    quote: bool = False
    #: Which ordered list an item belongs to: each list starts again from 1.
    list_id: int = 0
    #: A plain paragraph of its own (``<p>`` outside lists and quotes): a run-in theme
    #: title may start it.
    plain: bool = False
    runs: list[Run] = field(default_factory=list)


# Collapses HTML white space (not the no-break space a Finn types in "8 h").
_SPACE = re.compile(r"[ \t\r\n\f]+")


class _Blocks(HTMLParser):
    """Sanitised Markdown HTML (:func:`~cafe.domain.markup.render_markdown`) → blocks.

    Knows exactly the allow-listed tags: ``p``, lists, ``blockquote``, ``strong``/``b``,
    ``em``/``i``, ``code``, ``br`` and ``a`` (its address follows its text in brackets,
    as in the plain-text export). Text the sanitiser left outside any block (a typed
    ``# heading`` loses its tag, never its words) becomes a paragraph of its own.
    """

    def __init__(self, *, bold: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.current: Block | None = None
        self.bold = 1 if bold else 0
        self.italic = 0
        self.code = 0
        self.quote = 0
        #: Open lists: (ordered, id).
        self.lists: list[tuple[bool, int]] = []
        self.list_count = 0
        self.href: str | None = None
        self.link_text: list[str] = []

    def _open(self, block: Block) -> None:
        self._close()
        self.current = block

    def _close(self) -> None:
        block = self.current
        self.current = None
        if block is None:
            return
        while block.runs and block.runs[-1].text == "\n":
            block.runs.pop()
        if block.runs:
            block.runs[-1].text = block.runs[-1].text.rstrip(" ")
        block.runs = [run for run in block.runs if run.text]
        if block.runs:
            self.blocks.append(block)

    def _append(self, text: str) -> None:
        if self.current is None:
            if not text.strip():
                return
            self.current = Block(quote=self.quote > 0)
        runs = self.current.runs
        if not runs or runs[-1].text == "\n" or runs[-1].text.endswith(" "):
            # HTML white space after a block start, a break or a space is not shown.
            text = text.lstrip(" ") if text != "\n" else text
        if not text:
            return
        run = Run(text, bold=self.bold > 0, italic=self.italic > 0, code=self.code > 0)
        last = runs[-1] if runs else None
        if (
            last is not None
            and "\n" not in (last.text, text)
            and (last.bold, last.italic, last.code) == (run.bold, run.italic, run.code)
        ):
            last.text += text
        else:
            runs.append(run)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open blocks, start formatting, break lines, remember a link's address."""
        if tag == "p":
            item = self.current
            if item is not None and item.kind != "p" and not item.runs:
                return  # the first paragraph of a loose list's item: the item itself
            if self.lists:
                # A further paragraph of a list item: indented like the item, no bullet.
                self._open(Block(kind="continue", level=len(self.lists) - 1))
            else:
                self._open(Block(quote=self.quote > 0, plain=self.quote == 0))
        elif tag in ("ul", "ol"):
            self._close()
            self.list_count += 1
            self.lists.append((tag == "ol", self.list_count))
        elif tag == "li":
            ordered, list_id = self.lists[-1] if self.lists else (False, 0)
            self._open(
                Block(
                    kind="number" if ordered else "bullet",
                    level=max(0, len(self.lists) - 1),
                    quote=self.quote > 0,
                    list_id=list_id,
                )
            )
        elif tag == "blockquote":
            self._close()
            self.quote += 1
        elif tag in ("strong", "b"):
            self.bold += 1
        elif tag in ("em", "i"):
            self.italic += 1
        elif tag == "code":
            self.code += 1
        elif tag == "br":
            self._append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        """Close blocks and formatting; write a link's address after its text."""
        if tag in ("p", "li"):
            self._close()
        elif tag in ("ul", "ol"):
            self._close()
            if self.lists:
                self.lists.pop()
        elif tag == "blockquote":
            self._close()
            self.quote = max(0, self.quote - 1)
        elif tag in ("strong", "b"):
            self.bold = max(0, self.bold - 1)
        elif tag in ("em", "i"):
            self.italic = max(0, self.italic - 1)
        elif tag == "code":
            self.code = max(0, self.code - 1)
        elif tag == "a":
            text = "".join(self.link_text)
            if self.href and self.href not in (text, f"mailto:{text}"):
                bold, italic, self.bold, self.italic = self.bold, self.italic, 0, 0
                self._append(f" ({self.href})")
                self.bold, self.italic = bold, italic
            self.href = None

    def handle_data(self, data: str) -> None:
        """Text, its HTML white space collapsed as a browser would show it."""
        text = _SPACE.sub(" ", data)
        self._append(text)
        if self.href is not None:
            self.link_text.append(text)

    def result(self) -> list[Block]:
        """The blocks, once the whole fragment was fed."""
        self.close()
        self._close()
        return self.blocks


def markdown_blocks(text: str) -> list[Block]:
    """The paragraphs, list items and quotes of user Markdown, sanitised like the HTML."""
    parser = _Blocks()
    parser.feed(render_markdown(text))
    return parser.result()


def title_runs(title: str) -> list[Run]:
    # A theme title is plain text, bold as a whole, closed by the same full-stop rule as
    # the Markdown export; its characters are escaped there, so here too they are literal.
    parser = _Blocks(bold=True)
    parser.feed(render_inline(escape_specials(run_in_title(title))))
    return [run for block in parser.result() for run in block.runs]


# --- the Word document ---------------------------------------------------------------


class DocxWriter:
    """Adds blocks to a document with the styles of the default template."""

    def __init__(self, document: Document) -> None:
        self.document = document
        #: Ordered list id → its restarted Word numbering.
        self.numbering: dict[int, int] = {}

    def paragraph(self, text: str = "", style: str | None = None) -> Paragraph:
        """A paragraph of plain text (nothing in it is read as Markdown)."""
        return self.document.add_paragraph(text, style)

    def blocks(self, blocks: Iterable[Block], lead: list[Run] | None = None) -> None:
        """Write ``blocks``; ``lead`` (a run-in theme title) starts the first one when it
        is a plain paragraph, else stands as a paragraph of its own before them."""
        blocks = list(blocks)
        if lead:
            if blocks and blocks[0].plain:
                first = blocks[0]
                body = first.runs[0]
                if (body.bold, body.italic, body.code) == (False, False, False):
                    # The space after the title belongs to the body's own first run.
                    spaced = [replace(body, text=" " + body.text), *first.runs[1:]]
                else:
                    spaced = [Run(" "), *first.runs]
                blocks[0] = replace(first, runs=[*lead, *spaced])
            else:
                blocks.insert(0, Block(plain=True, runs=lead))
        for block in blocks:
            self._block(block)

    def _block(self, block: Block) -> None:
        level = min(block.level, 2)
        suffix = f" {level + 1}" if level else ""
        if block.kind == "bullet":
            style = "List Bullet" + suffix
        elif block.kind == "number":
            style = "List Number" + suffix
        elif block.kind == "continue":
            style = "List Continue" + suffix
        elif block.quote:
            style = "Quote"
        else:
            style = None
        paragraph = self.document.add_paragraph(style=style)
        if block.kind == "number":
            self._number(paragraph, style or "List Number", block.list_id)
        for piece in block.runs:
            if piece.text == "\n":
                paragraph.add_run().add_break()
                continue
            run = paragraph.add_run(piece.text)
            run.bold = piece.bold or None
            run.italic = piece.italic or None
            if piece.code:
                run.font.name = "Courier New"

    def _number(self, paragraph: Paragraph, style: str, list_id: int) -> None:
        # The template's "List Number" numbering runs on through the whole document; each
        # Markdown list gets its own instance of it that starts again from 1.
        num_id = self.numbering.get(list_id)
        if num_id is None:
            numbering = self.document.part.numbering_part.element
            style_numbering = self.document.styles[style].element.pPr.numPr
            abstract = numbering.num_having_numId(style_numbering.numId.val).abstractNumId.val
            num = numbering.add_num(abstract)
            num.add_lvlOverride(ilvl=0).add_startOverride(1)
            num_id = self.numbering[list_id] = int(num.numId)
        num_pr = paragraph._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = 0
        num_pr.get_or_add_numId().val = num_id


def set_up_document(
    document: Document,
    *,
    language: str,
    title: str,
    subject: str,
    keywords: str,
    bottom_margin: float = 30,
) -> None:
    """A4, sober black headings and captions, the document's language and properties
    (the memo leaves ``bottom_margin`` room for its page footer)."""
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt, RGBColor

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(22)
    section.top_margin = Mm(20)
    section.bottom_margin = Mm(bottom_margin)
    section.footer_distance = Mm(8)
    for name, size in (("Title", 16), ("Heading 1", 13)):
        font = document.styles[name].font
        font.size = Pt(size)
        font.bold = True
        font.color.rgb = RGBColor(0, 0, 0)
    caption = document.styles["Caption"].font
    caption.size = Pt(10)
    caption.bold = False
    caption.color.rgb = RGBColor(0, 0, 0)
    # The default template says en-US for every run: Word would spell-check Finnish as
    # English. Its default language is the document's.
    lang = document.styles.element.find(qn("w:docDefaults") + "/" + qn("w:rPrDefault"))
    if lang is not None:
        tag = lang.find(qn("w:rPr") + "/" + qn("w:lang"))
        if tag is not None:
            tag.set(qn("w:val"), WORD_LANGUAGES.get(language, language))
    properties = document.core_properties
    properties.title = title
    properties.subject = subject
    properties.language = language
    properties.author = properties.last_modified_by = properties.comments = ""
    properties.keywords = keywords
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    properties.created = properties.modified = now
    properties.revision = 1


def add_figure(document: Document, png: bytes, *, description: str) -> Paragraph:
    """Put ``png`` into a Word document as a centred picture the text's width, or narrower
    when that would make it taller than :data:`FIGURE_MAX_HEIGHT`; ``description`` is what
    a screen reader says for it. Returns the picture's paragraph."""
    import io

    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from PIL import Image

    with Image.open(io.BytesIO(png)) as image:
        pixels_wide, pixels_high = image.size
    width = min(TEXT_WIDTH, int(FIGURE_MAX_HEIGHT * pixels_wide / pixels_high))
    document.add_picture(io.BytesIO(png), width=width)
    picture = document.paragraphs[-1]
    picture.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for properties in picture._p.xpath(".//wp:docPr"):
        properties.set("descr", description)
    return picture
