"""Markdown typed by facilitators and participants, rendered to HTML that is safe to show.

Two layers, because either alone has a gap:

1. Python-Markdown is told not to recognise raw HTML at all (its ``html_block``
   preprocessor and ``html`` inline pattern are removed). A user typing
   ``<img src=x onerror=alert(1)>`` therefore gets those characters shown as text, escaped,
   instead of having them silently vanish: what they typed stays visible and nothing runs.
2. The HTML Markdown produced is then cleaned with ``nh3`` (the Rust ``ammonia``
   sanitiser) against a short allow-list. Markdown itself happily emits
   ``<a href="javascript:…">`` or ``<img>`` from link and image syntax, so only the tags a
   summary needs survive, ``a[href]`` is the only attribute, and only absolute
   ``http``/``https``/``mailto`` links are kept. Every link gets
   ``rel="noopener noreferrer nofollow"`` so a summary cannot lend its standing to spam or
   reach back into the opener window.

Tags outside the list (headings, images, ``pre``, tables) are removed but their text is
kept, so a stray ``# `` loses its size, never its words.
"""

from __future__ import annotations

import re
from functools import cache
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import nh3

# Python-Markdown and nh3 are imported at the first rendering, not here: a Markdown export
# only escapes text with this module, and is waited for (issue 14).

#: The tags a summary paragraph may use.
ALLOWED_TAGS = frozenset(
    {"p", "br", "strong", "em", "b", "i", "a", "ul", "ol", "li", "blockquote", "code"}
)
#: ``href`` on links is the only attribute that survives.
ALLOWED_ATTRIBUTES = {"a": frozenset({"href"})}
#: Link targets other than these (``javascript:``, ``data:``, relative paths) are dropped.
ALLOWED_URL_SCHEMES = frozenset({"http", "https", "mailto"})
#: Added to every link.
LINK_REL = "noopener noreferrer nofollow"

#: A whole document (the memo) also has its title and section headings.
DOCUMENT_TAGS = ALLOWED_TAGS | {"h1", "h2", "h3", "hr"}


def _cleaner(tags: frozenset[str]) -> nh3.Cleaner:
    """A sanitiser allowing ``tags``, the link attributes and schemes above, nothing else."""
    import nh3

    return nh3.Cleaner(
        tags=set(tags),
        # Whatever sits inside these must not show up as text either.
        clean_content_tags={"script", "style"},
        # "*" must be given, empty: left out, ammonia keeps its default ``title`` and
        # ``lang`` on every tag.
        attributes={"*": set(), **{tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}},
        url_schemes=set(ALLOWED_URL_SCHEMES),
        # A relative or protocol-relative href would point into this app or to a host the
        # scheme check never saw; a summary has no reason to contain either.
        url_relative="deny",
        link_rel=LINK_REL,
    )


@cache
def _cleaners() -> tuple[nh3.Cleaner, nh3.Cleaner]:
    """The summary's and the whole document's sanitisers: their settings never change, so
    they are built once (at first use), not re-parsed per call."""
    return _cleaner(ALLOWED_TAGS), _cleaner(DOCUMENT_TAGS)


# At the start of a one-line title these would turn it into a heading, a quote, a list or a
# rule ("1. Osallisuus" would become a numbered list), which a title never is.
_BLOCK_START = re.compile(r"^(?:[#>]|[-+*](?=\s)|[-*_](?=(?:\s*[-*_]){2,}\s*$)|\d+\.(?=\s))")
_PARAGRAPH = re.compile(r"<p>(.*)</p>", re.DOTALL)


@cache
def _no_raw_html() -> Any:
    """The Python-Markdown extension class that makes ``<tags>`` a user typed plain text
    (escaped); made at first use, with Python-Markdown."""
    import markdown
    from markdown.extensions import Extension

    class NoRawHtml(Extension):
        def extendMarkdown(self, md: markdown.Markdown) -> None:
            """Unregister the two places where Markdown passes raw HTML through."""
            md.preprocessors.deregister("html_block")
            md.inlinePatterns.deregister("html")

    return NoRawHtml


def sanitise_html(html: str) -> str:
    """Clean an HTML fragment down to the allow-list above (tags, ``a[href]``, schemes).

    Disallowed tags are removed with their attributes; ``script`` and ``style`` with their
    content too. Exposed so the second layer can be relied on (and tested) on its own.
    """
    return _cleaners()[0].clean(html)


def _to_html(text: str, *, document: bool = False) -> str:
    import markdown

    # A fresh Markdown instance per call: instances keep state between conversions and
    # are not safe to share between greenlets.
    html = markdown.markdown(text, extensions=[_no_raw_html()(), "sane_lists"])
    return _cleaners()[1 if document else 0].clean(html)


def _escape_marker(match: re.Match[str]) -> str:
    # A backslash before the marker's punctuation (\#, 1\.) makes Markdown print it as is.
    marker = match.group(0)
    return marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker


def render_markdown(text: str) -> str:
    """Render user Markdown to sanitised HTML; ``""`` for blank input."""
    if not text.strip():
        return ""
    return _to_html(text)


def render_document(text: str) -> str:
    """Render a whole document (the memo) to sanitised HTML: as :func:`render_markdown`,
    with headings and rules allowed too."""
    return _to_html(text, document=True) if text.strip() else ""


def render_inline(text: str) -> str:
    """Render one line (a theme's title) to sanitised inline HTML, without the ``<p>``.

    Line breaks are folded into spaces and a leading ``#``, ``>``, ``-`` or ``1.`` is
    taken literally, so the result is always a single run of inline text.
    """
    line = " ".join(text.split())
    if not line:
        return ""
    html = _to_html(_BLOCK_START.sub(_escape_marker, line, count=1))
    wrapped = _PARAGRAPH.fullmatch(html)
    # Strip the one wrapper only: a second paragraph would leave unbalanced tags behind.
    if wrapped is not None and "<p>" not in wrapped.group(1):
        return wrapped.group(1)
    return html


#: Characters that would start emphasis, code or a link inside a line of plain text.
_SPECIAL = re.compile(r"([\\`*_\[\]])")


def escape_specials(text: str) -> str:
    """Backslash Markdown's inline markers so ``text`` prints exactly as written."""
    return _SPECIAL.sub(r"\\\1", text)


def escape_line(text: str) -> str:
    """A line of plain text (a topic, a generated sentence) as Markdown that renders as
    itself: inline markers escaped, and a leading ``#``, ``>``, ``-`` or ``1.`` too."""
    return _BLOCK_START.sub(_escape_marker, escape_specials(text), count=1)


class _TextWriter(HTMLParser):
    """Sanitised summary HTML → plain text as a person would type it.

    Paragraphs are separated by a blank line, list items start with ``- `` or ``1. ``,
    and a link shows its address after its text. Plain text has no typefaces, so bold (the
    run-in headings, the steps' leads) and italics (``*osallisuuden kokemuksen*``) alike
    lose their markers: the words stay, as in the seeds' headings. The Markdown export
    keeps both markers; HTML, PDF and Word set both typefaces.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        #: (text, follows a list item of the same list): such blocks take one newline only.
        self.blocks: list[tuple[str, bool]] = []
        self.current: list[str] = []
        self.in_item = False
        self.first_item = False
        #: Inside an <li> whose text has not begun (only its marker so far).
        self.item_open = False
        self.lists: list[list[int]] = []
        self.href: str | None = None
        self.link_text: list[str] = []

    def _flush(self) -> None:
        text = "".join(self.current).strip()
        if text:
            self.blocks.append((text, self.in_item))
        self.current = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        # In a loose list each item's text is a <p>: it stays on its "1. " marker's line.
        text = "".join(self.current).strip()
        marker_only = self.item_open and (text == "-" or text.rstrip(".").isdigit())
        if marker_only and tag == "p":
            self.current = [text + " "]
        if tag in ("blockquote", "ul", "ol") or (tag == "p" and not marker_only):
            self._flush()
        if tag in ("ol", "ul"):
            self.first_item = True
        if tag == "ol":
            self.lists.append([1])
        elif tag == "ul":
            self.lists.append([0])
        elif tag == "li":
            self._flush()
            self.item_open = True
            self.in_item = not self.first_item
            self.first_item = False
            counter = self.lists[-1] if self.lists else [0]
            self.current.append(f"{counter[0]}. " if counter[0] else "- ")
            if counter[0]:
                counter[0] += 1
        elif tag == "br":
            self.current.append("\n")
        elif tag == "a":
            self.href = dict(attrs).get("href")
            self.link_text = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("p", "blockquote", "li"):
            self._flush()
            self.in_item = False
            self.item_open = False
        elif tag in ("ul", "ol"):
            self._flush()
            if self.lists:
                self.lists.pop()
        elif tag == "a":
            text = "".join(self.link_text)
            if self.href and self.href not in (text, f"mailto:{text}"):
                self.current.append(f" ({self.href})")
            self.href = None

    def handle_data(self, data: str) -> None:
        if self.current and self.current[-1] == "\n":
            # Markdown writes "<br />\n": the break is already there.
            data = data.lstrip("\n")
        self.current.append(data)
        if self.href is not None:
            self.link_text.append(data)


def markdown_to_text(text: str) -> str:
    """Render user Markdown as plain text (blocks separated by a blank line); ``""`` if
    blank. Goes through the same sanitised HTML as the web, so both say the same."""
    writer = _TextWriter()
    writer.feed(render_markdown(text))
    writer.close()
    writer._flush()
    out = ""
    for text, joined in writer.blocks:
        if out:
            out += "\n" if joined else "\n\n"
        out += text
    return out


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that no content can break out of: every character
    but ASCII letters, digits and spaces is written as a hex escape (a newline becomes
    ``\\a``), so quotes, backslashes and ``</style>`` are inert."""
    out = []
    for char in text:
        if char.isascii() and (char.isalnum() or char == " "):
            out.append(char)
        else:
            # The trailing space ends the escape; CSS swallows it.
            out.append(f"\\{ord(char):x} ")
    return '"' + "".join(out) + '"'
