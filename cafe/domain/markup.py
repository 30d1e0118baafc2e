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

import markdown
import nh3
from markdown.extensions import Extension

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

# The sanitiser's settings never change; building it once saves re-parsing them per call.
_CLEANER = nh3.Cleaner(
    tags=set(ALLOWED_TAGS),
    # Whatever sits inside these must not show up as text either.
    clean_content_tags={"script", "style"},
    # "*" must be given, empty: left out, ammonia keeps its default ``title`` and ``lang``
    # on every tag.
    attributes={"*": set(), **{tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()}},
    url_schemes=set(ALLOWED_URL_SCHEMES),
    # A relative or protocol-relative href would point into this app or to a host the
    # scheme check never saw; a summary has no reason to contain either.
    url_relative="deny",
    link_rel=LINK_REL,
)

# At the start of a one-line title these would turn it into a heading, a quote, a list or a
# rule ("1. Osallisuus" would become a numbered list), which a title never is.
_BLOCK_START = re.compile(r"^(?:[#>]|[-+*](?=\s)|[-*_](?=(?:\s*[-*_]){2,}\s*$)|\d+\.(?=\s))")
_PARAGRAPH = re.compile(r"<p>(.*)</p>", re.DOTALL)


class _NoRawHtml(Extension):
    """Make Python-Markdown treat ``<tags>`` a user typed as plain text (escaped)."""

    def extendMarkdown(self, md: markdown.Markdown) -> None:
        """Unregister the two places where Markdown passes raw HTML through."""
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")


def sanitise_html(html: str) -> str:
    """Clean an HTML fragment down to the allow-list above (tags, ``a[href]``, schemes).

    Disallowed tags are removed with their attributes; ``script`` and ``style`` with their
    content too. Exposed so the second layer can be relied on (and tested) on its own.
    """
    return _CLEANER.clean(html)


def _to_html(text: str) -> str:
    # A fresh Markdown instance per call: instances keep state between conversions and
    # are not safe to share between greenlets.
    return sanitise_html(markdown.markdown(text, extensions=[_NoRawHtml(), "sane_lists"]))


def _escape_marker(match: re.Match[str]) -> str:
    # A backslash before the marker's punctuation (\#, 1\.) makes Markdown print it as is.
    marker = match.group(0)
    return marker[:-1] + "\\." if marker.endswith(".") else "\\" + marker


def render_markdown(text: str) -> str:
    """Render user Markdown to sanitised HTML; ``""`` for blank input."""
    if not text.strip():
        return ""
    return _to_html(text)


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
