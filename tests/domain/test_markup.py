"""Markdown rendering: what users type is shown, nothing they type runs (pure core)."""

from __future__ import annotations

import pytest

from cafe.domain.markup import render_inline, render_markdown, sanitise_html

REL = 'rel="noopener noreferrer nofollow"'


def test_renders_the_markdown_a_summary_uses() -> None:
    """Paragraphs, emphasis, lists, quotes, code and line breaks come through."""
    text = (
        "**Osallisuus** ja *kuuleminen*\n\n"
        "- yksi\n- kaksi\n\n"
        "1. eka\n2. toka\n\n"
        "> lainaus\n\n"
        "`koodi` ja rivi  \nvaihto"
    )
    assert render_markdown(text) == (
        "<p><strong>Osallisuus</strong> ja <em>kuuleminen</em></p>\n"
        "<ul>\n<li>yksi</li>\n<li>kaksi</li>\n</ul>\n"
        "<ol>\n<li>eka</li>\n<li>toka</li>\n</ol>\n"
        "<blockquote>\n<p>lainaus</p>\n</blockquote>\n"
        "<p><code>koodi</code> ja rivi<br>\nvaihto</p>"
    )


def test_finnish_letters_and_typographic_quotes_survive() -> None:
    """Nothing is entity-encoded or lost: ä, ö, å, ”lainausmerkit” and the ellipsis."""
    text = "Äänestäjät ”pöydän ääressä” – yöllä Åbossa…"
    assert render_markdown(text) == f"<p>{text}</p>"


@pytest.mark.parametrize("blank", ["", " ", "\n\n", " \t\n "])
def test_blank_input_renders_nothing(blank: str) -> None:
    assert render_markdown(blank) == ""
    assert render_inline(blank) == ""


@pytest.mark.parametrize(
    ("typed", "shown"),
    [
        ("<script>alert(1)</script>", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("<b onclick=x>hi</b>", "&lt;b onclick=x&gt;hi&lt;/b&gt;"),
        ("<img src=x onerror=alert(1)>", "&lt;img src=x onerror=alert(1)&gt;"),
        ('<iframe src="https://evil.example"></iframe>', "&lt;iframe src="),
        ("<!-- piilossa -->", "&lt;!-- piilossa --&gt;"),
        ("a < b & c", "a &lt; b &amp; c"),
    ],
)
def test_raw_html_a_user_types_is_shown_escaped(typed: str, shown: str) -> None:
    """Typed tags are text: visible to everyone, executed by no one."""
    html = render_markdown(typed)
    assert shown in html
    for tag in ("<script", "<b ", "<img", "<iframe", "<!--"):
        assert tag not in html


def test_raw_html_block_is_escaped_not_passed_through() -> None:
    """Python-Markdown would pass an HTML block through untouched; here it is text."""
    html = render_markdown('<div onmouseover="alert(1)">\n<p>x</p>\n</div>')
    assert html.startswith("<p>&lt;div onmouseover=")
    assert "<div" not in html


@pytest.mark.parametrize(
    ("html", "clean"),
    [
        ("<b onclick=x>hi</b>", "<b>hi</b>"),
        ("<img src=x onerror=alert(1)>", ""),
        ("<p>a<script>alert(1)</script>b</p>", "<p>ab</p>"),
        ('<iframe src="https://evil.example">x</iframe>', "x"),
        ("<style>p{}</style><em style=color:red>x</em>", "<em>x</em>"),
        ('<a href="javascript:alert(1)" onclick=x>x</a>', f"<a {REL}>x</a>"),
        (
            '<a href="https://a.fi" target=_blank rel=opener>x</a>',
            f'<a href="https://a.fi" {REL}>x</a>',
        ),
        ("<p class=x id=y title=z lang=fi>x</p>", "<p>x</p>"),
    ],
)
def test_the_sanitiser_strips_what_markdown_might_let_through(html: str, clean: str) -> None:
    """The second layer alone: raw HTML is stripped to the allow-list, not escaped."""
    assert sanitise_html(html) == clean


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "JavaScript:alert(1)",
        "java&#115;cript:alert(1)",
        "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
        "vbscript:msgbox(1)",
        "/admin/poista",
        "//evil.example/",
    ],
)
def test_links_to_other_schemes_or_relative_paths_lose_their_target(url: str) -> None:
    """The link text stays, the dangerous or pointless target goes."""
    assert render_markdown(f"[klikkaa]({url})") == f"<p><a {REL}>klikkaa</a></p>"


@pytest.mark.parametrize(
    ("markdown", "href"),
    [
        ("[sivu](https://example.fi/a?b=1&c=2)", "https://example.fi/a?b=1&amp;c=2"),
        ("[sivu](http://example.fi)", "http://example.fi"),
        ("[sivu](mailto:info@example.fi)", "mailto:info@example.fi"),
    ],
)
def test_http_https_and_mailto_links_stay_and_get_rel(markdown: str, href: str) -> None:
    assert render_markdown(markdown) == f'<p><a href="{href}" {REL}>sivu</a></p>'


def test_autolinks_work_and_get_rel() -> None:
    assert render_markdown("<https://example.fi>") == (
        f'<p><a href="https://example.fi" {REL}>https://example.fi</a></p>'
    )


def test_only_href_survives_on_a_link() -> None:
    """Markdown's link title would otherwise reach the page as a ``title`` attribute."""
    html = render_markdown('[sivu](https://example.fi "vinkki")')
    assert html == f'<p><a href="https://example.fi" {REL}>sivu</a></p>'


def test_images_are_dropped() -> None:
    """An image could track readers or fill the projector; ``img`` is not allowed."""
    html = render_markdown("Kuva ![kissa](https://example.fi/k.png) tässä")
    assert "<img" not in html
    assert html.startswith("<p>Kuva ")


def test_disallowed_tags_from_markdown_keep_their_text() -> None:
    """A heading loses its size and a code block its ``pre``, not their words."""
    html = render_markdown("# Otsikko\n\n    koodia")
    assert "<h1" not in html and "<pre" not in html
    assert "Otsikko" in html and "<code>koodia" in html


def test_inline_strips_the_paragraph_wrapper() -> None:
    assert render_inline("Osallisuuden *mahdollistaminen*") == (
        "Osallisuuden <em>mahdollistaminen</em>"
    )
    assert render_inline("”Yhdessä” – äänestys") == "”Yhdessä” – äänestys"


def test_inline_folds_lines_into_one() -> None:
    """A title is one line: a blank line inside it does not make two paragraphs."""
    assert render_inline("Ensimmäinen\n\n toinen") == "Ensimmäinen toinen"


@pytest.mark.parametrize(
    ("title", "html"),
    [
        ("1. Osallisuus", "1. Osallisuus"),
        ("# aihe", "# aihe"),
        ("#aihe", "#aihe"),
        ("> lainaus", "&gt; lainaus"),
        ("- luettelo", "- luettelo"),
        ("+ plus", "+ plus"),
        ("---", "---"),
        ("*korostus* alussa", "<em>korostus</em> alussa"),
        ("2.5 miljoonaa", "2.5 miljoonaa"),
    ],
)
def test_inline_never_becomes_a_block(title: str, html: str) -> None:
    """A title starting like a list, heading, quote or rule is still plain text."""
    assert render_inline(title) == html


@pytest.mark.parametrize(
    "typed",
    [
        "<script>alert(1)</script>",
        "<img src=x onerror=alert(1)>",
        "[x](javascript:alert(1))",
        "<iframe src=x></iframe>",
    ],
)
def test_inline_is_sanitised_too(typed: str) -> None:
    html = render_inline(typed)
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "javascript:" not in html
    assert not html.startswith("<p>")
