"""The memo as PDF and Word, read back: the seed memo of 31.10.17 exported by ``cafe export``
says the same as the seed, with the funder's footer on every page; the optional logo is
embedded; Word gets real structure (styles, bold run-in titles, lists, a page footer); bad
input never reaches a file as a script or a ``javascript:`` link; a memo without a summary
still exports in every format."""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import docx
import pypdf
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.text.paragraph import Paragraph
from flask import Flask
from pypdf.generic import DictionaryObject
from sqlalchemy import select

from cafe import create_app
from cafe.documents.rendering import FORMATS, html_to_pdf
from cafe.domain.errors import DomainError
from cafe.domain.minutes import Memo, MemoOpener
from cafe.extensions import db
from cafe.messages import message_for
from cafe.minutes.documents import memo_docx
from cafe.minutes.export import render
from cafe.models import CafeEvent, Document
from tests.helpers import (
    SEED_FOOTER,
    SEED_PLAN,
    cafe,
    created,
    seed_memo,
    words,
)
from tests.imagefiles import png

TITLE = "Cafe Social -keskustelukahvilan muistio 31.10.17"
FOOTER_LINE = "Kestävää kasvua ja työtä -ohjelma"
#: Long sentences of the seed from its start, middle and end, in this order.
SEED_SENTENCES = [
    "Keskustelun alustajina Birgitta Pekkanen ja Iina Suvanto Sovatek -säätiön OK-hankkeesta "
    "ja sosiaalityöntekijä Päivi Krook.",
    "Hankkeessa hoidon sisältöjä ja toteutusmuotoja suunnitellaan ja viedään käytäntöön "
    "yhdessä asiakkaiden kanssa, eikä oikeastaan mitään tehdä ilman asiakkaita.",
    "Näennäisosallisuus lamaannuttaa toimintaa – kehittäjäasiakkaalla tulee olla aito "
    "mahdollisuus vaikuttaa esimerkiksi päätöksentekoon.",
    "Keskustelun yhteenvetoa",
    "Osallisuuden mahdollistaminen. Esimerkiksi OK-hankkeessa Sovatekillä on aloitettu "
    "asiakkaiden idean pohjalta pilottina Lift-toiminta, joka on matalan kynnyksen "
    "työtoimintaa.",
    "Esim. Karstulassa perustettu ”Minä olen tärkeä” -ryhmä nuorille naisille, jotka eivät "
    "ole kiinnittyneet mihinkään.",
    "Asiakkaan näkökulmasta työntekijät ovat myös ihmisiä: tulevat omista lähtökohdistaan ja "
    "elämäntilanteistaan.",
    "Seuraava Cafe Social 24.1. klo: 14-16. Vinkkejä aiheista otetaan vastaan!",
]


LOGO = png(90, 30)


@dataclass
class Seed:
    """The seed event in its own instance folder, exported once as PDF and Word."""

    instance: Path
    code: str
    pdf: bytes
    docx: bytes


def export_file(code: str, fmt: str, target: Path) -> bytes:
    """``cafe export CODE --format FMT -o TARGET``; the file's bytes."""
    result = cafe("export", code, "--format", fmt, "-o", str(target))
    assert result.exit_code == 0, result.output
    return target.read_bytes()


@pytest.fixture(scope="module")
def seed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Seed]:
    """The seed plan as an event, its memo exported as PDF and DOCX through the CLI (a
    PDF takes about a second: once for the module)."""
    folder = tmp_path_factory.mktemp("documents")
    with pytest.MonkeyPatch.context() as patch:
        for variable in ("CAFE_DATABASE_URL", "CAFE_PUBLIC_URL", "CAFE_SECRET_KEY"):
            patch.delenv(variable, raising=False)
        patch.setenv("CAFE_INSTANCE_PATH", str(folder / "instance"))
        code = created(SEED_PLAN)
        yield Seed(
            instance=folder,
            code=code,
            pdf=export_file(code, "pdf", folder / "memo.pdf"),
            docx=export_file(code, "docx", folder / "memo.docx"),
        )


def page_texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def flowing(text: str) -> str:
    """White space normalised, and a line broken after a hyphen ("OK-" / "hankkeesta")
    joined again: WeasyPrint breaks there and pypdf reads the break as white space."""
    return re.sub(r"-\s+", "-", words(text))


def without_footers(text: str) -> str:
    return SEED_FOOTER.sub(" ", text)


# --- PDF ---------------------------------------------------------------------------------


def test_seed_pdf_starts_with_the_title_and_prints_the_footer_on_every_page(seed: Seed) -> None:
    assert seed.pdf.startswith(b"%PDF-")
    pages = page_texts(seed.pdf)

    assert len(pages) >= 2
    lines = pages[0].splitlines()
    assert lines[0] == TITLE
    assert lines[1] == "Aihe: Yhdessä asiakkaan kanssa"
    for number, text in enumerate(pages, 1):
        assert FOOTER_LINE in text, f"page {number}"
        assert len(SEED_FOOTER.findall(text)) == 1, f"page {number}"
        # The footer is the page's last text, below everything else on it.
        assert words(text).endswith("Vipuvoimaa EU:lta 2014–2020"), f"page {number}"


def test_seed_pdf_keeps_finnish_letters_quotes_and_dashes(seed: Seed) -> None:
    text = flowing(" ".join(page_texts(seed.pdf)))

    assert "”Asiakkaat kehittämistyön resurssina...”" in text
    assert "Aihe: Yhdessä asiakkaan kanssa" in text
    assert "”alisteisesta”" in text
    assert "2014–2020" in text
    assert "Näennäisosallisuus lamaannuttaa toimintaa – kehittäjäasiakkaalla" in text
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(seed.pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for font in cast(DictionaryObject, resources["/Font"].get_object()).values():
            fonts.add(str(cast(DictionaryObject, font.get_object())["/BaseFont"]))
    assert fonts and all("DejaVu" in font for font in fonts), fonts


def test_seed_pdf_holds_the_seed_paragraphs_in_order(seed: Seed) -> None:
    text = flowing(without_footers(" ".join(page_texts(seed.pdf))))

    position = 0
    for sentence in SEED_SENTENCES:
        found = text.find(flowing(sentence), position)
        assert found >= 0, sentence
        position = found + len(sentence)


def test_seed_pdf_says_word_for_word_what_the_seed_says(seed: Seed) -> None:
    text = without_footers(" ".join(page_texts(seed.pdf)))
    # The PDF sets *osallisuuden kokemuksen* in italics, where the seed's text has stars.
    assert flowing(text) == flowing(without_footers(seed_memo()).replace("*", ""))


def test_pdf_metadata_names_the_memo(seed: Seed) -> None:
    reader = pypdf.PdfReader(io.BytesIO(seed.pdf))
    assert reader.metadata is not None
    assert reader.metadata.title == TITLE
    assert reader.pdf_header.startswith("%PDF-1.")
    assert reader.root_object.get("/Lang") == "fi"


def test_the_pdf_fetches_nothing_but_data_urls(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    logo.write_bytes(LOGO)
    inline = "data:image/png;base64," + base64.b64encode(LOGO).decode("ascii")
    page = (
        f'<!doctype html><html><head><link rel="stylesheet" href="{tmp_path.as_uri()}/x.css">'
        f'</head><body><p>Kuva</p><img src="{logo.as_uri()}"><img src="http://127.0.0.1:9/a.png">'
        "</body></html>"
    )
    reader = pypdf.PdfReader(io.BytesIO(html_to_pdf(page)))
    assert len(reader.pages[0].images) == 0

    reader = pypdf.PdfReader(io.BytesIO(html_to_pdf(page.replace(logo.as_uri(), inline))))
    assert len(reader.pages[0].images) == 1


# --- Word --------------------------------------------------------------------------------


def test_seed_docx_has_the_memo_structure(seed: Seed) -> None:
    document = docx.Document(io.BytesIO(seed.docx))
    paragraphs = document.paragraphs

    assert paragraphs[0].text == TITLE
    assert paragraphs[0].style is not None and paragraphs[0].style.name == "Title"
    assert paragraphs[1].text == "Aihe: Yhdessä asiakkaan kanssa"
    assert paragraphs[2].text.startswith("Keskustelun alustajina Birgitta Pekkanen")
    (heading,) = [p for p in paragraphs if p.text == "Keskustelun yhteenvetoa"]
    assert heading.style is not None and heading.style.name == "Heading 1"

    (theme,) = [
        p for p in paragraphs if p.runs and p.runs[0].text == "Osallisuuden mahdollistaminen."
    ]
    assert theme.runs[0].bold is True
    assert theme.runs[1].text.startswith(" Esimerkiksi OK-hankkeessa")
    assert not theme.runs[1].bold
    italic = [run for p in paragraphs for run in p.runs if run.italic]
    assert [run.text for run in italic] == ["osallisuuden kokemuksen"]
    assert not italic[0].bold  # an un-headed closing paragraph of the summary
    assert paragraphs[-1].text == (
        "Seuraava Cafe Social 24.1. klo: 14-16. Vinkkejä aiheista otetaan vastaan!"
    )


def test_seed_docx_puts_the_footer_in_the_page_footer(seed: Seed) -> None:
    document = docx.Document(io.BytesIO(seed.docx))
    section = document.sections[0]
    footer = [p for p in section.footer.paragraphs if p.text]

    assert [p.text for p in footer] == [FOOTER_LINE, "Vipuvoimaa EU:lta 2014–2020"]
    assert all(p.alignment == WD_ALIGN_PARAGRAPH.CENTER for p in footer)
    assert all(FOOTER_LINE not in p.text for p in document.paragraphs)
    assert section.page_width is not None and round(section.page_width.mm) == 210
    assert section.page_height is not None and round(section.page_height.mm) == 297
    properties = document.core_properties
    assert (properties.title, properties.language) == (TITLE, "fi")
    styles = document.styles.element.xml
    assert 'w:lang w:val="fi-FI"' in styles


def test_seed_docx_says_word_for_word_what_the_seed_says(seed: Seed) -> None:
    document = docx.Document(io.BytesIO(seed.docx))
    text = "\n".join(p.text for p in document.paragraphs)
    # The seed's asterisks are the italics Word shows as italics.
    assert words(text) == words(without_footers(seed_memo()).replace("*", ""))


def test_docx_reads_the_markdown_of_talks_and_themes() -> None:
    memo = Memo(
        language="fi",
        date=dt.date(2026, 3, 14),
        topic="Markdown",
        openers=(
            MemoOpener(
                "Anna",
                talk=(
                    "Ensin *kursiivi*, **lihava** ja \\*tähdet\\*.\n\n"
                    "- yksi\n- kaksi\n\n1. a\n2. b\n\nväli\n\n1. c\n\n"
                    "> lainaus\n\nrivi  \ntoinen [sivu](https://example.org)"
                ),
            ),
        ),
        themes=(("Lista edellä", "- kohta"), ("Kysymys?", "Vastaus."), ("", "Ilman otsikkoa")),
    )
    document = docx.Document(io.BytesIO(memo_docx(memo)))
    paragraphs = {p.text: p for p in document.paragraphs}

    first = paragraphs["Ensin kursiivi, lihava ja *tähdet*."]
    assert [(r.text, r.italic, r.bold) for r in first.runs] == [
        ("Ensin ", None, None),
        ("kursiivi", True, None),
        (", ", None, None),
        ("lihava", None, True),
        (" ja *tähdet*.", None, None),
    ]
    styles = {text: p.style.name for text, p in paragraphs.items() if p.style is not None}
    assert styles["yksi"] == styles["kaksi"] == "List Bullet"
    assert styles["a"] == styles["c"] == "List Number"
    assert styles["lainaus"] == "Quote"
    # Each numbered list starts from 1 again: its own numbering instance.
    assert _num_id(paragraphs["a"]) == _num_id(paragraphs["b"]) != _num_id(paragraphs["c"])
    assert paragraphs["rivi\ntoinen sivu (https://example.org)"].runs[1].text == "\n"
    # A body starting with a list leaves the title on its own; "?" needs no full stop.
    assert paragraphs["Lista edellä."].runs[0].bold
    assert styles["kohta"] == "List Bullet"
    assert paragraphs["Kysymys? Vastaus."].runs[0].text == "Kysymys?"
    assert "Ilman otsikkoa" in paragraphs


def _num_id(paragraph: Paragraph) -> int:
    (value,) = paragraph._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")
    return int(value)


# --- the logo ----------------------------------------------------------------------------


def test_the_minutes_logo_is_in_the_footer_of_every_pdf_page_and_the_docx(
    seed: Seed,
) -> None:
    code = created(SEED_PLAN)
    app = create_app()
    with app.app_context():
        event_id = db.session.execute(
            select(CafeEvent.id).where(CafeEvent.join_code == code)
        ).scalar_one()
        db.session.add(Document(event_id=event_id, logo=LOGO, logo_type="image/png"))
        db.session.commit()

    pdf = pypdf.PdfReader(io.BytesIO(export_file(code, "pdf", seed.instance / "logo.pdf")))
    assert len(pdf.pages) >= 2
    for page in pdf.pages:
        assert len(page.images) == 1
        assert FOOTER_LINE in page.extract_text()

    document = export_file(code, "docx", seed.instance / "logo.docx")
    footer = docx.Document(io.BytesIO(document)).sections[0].footer
    assert [rel.reltype for rel in footer.part.rels.values()].count(RT.IMAGE) == 1
    pictures = footer._element.xpath(".//pic:pic")
    assert len(pictures) == 1
    (inline,) = footer._element.xpath(".//wp:inline/wp:extent/@cx")
    assert round(int(inline) / 360_000, 1) == 3.0  # 3 cm wide, in EMU
    assert [p.text for p in footer.paragraphs if p.text] == [
        FOOTER_LINE,
        "Vipuvoimaa EU:lta 2014–2020",
    ]

    html = export_file(code, "html", seed.instance / "logo.html").decode("utf-8")
    assert '<img src="data:image/png;base64,' in html
    assert base64.b64encode(LOGO).decode("ascii") in html


def test_render_checks_the_logo_again_and_uses_its_own_type(app: Flask) -> None:
    memo = Memo(language="fi", date=dt.date(2026, 3, 14), topic="Logo", footer="Rahoittaja")
    with app.test_request_context():
        html = render(memo, "html", logo=LOGO, logo_type="image/jpeg").content.decode()
        assert "data:image/png;base64," in html
        # A stored logo that fails the check is left out; the document is still made.
        document = render(memo, "docx", logo=b"GIF89a", logo_type="image/png").content
        footer = docx.Document(io.BytesIO(document)).sections[0].footer
        assert footer._element.xpath(".//pic:pic") == []
        # Text formats do not print the logo: a bad one does not stop them.
        assert render(memo, "md", logo=b"GIF89a").content.startswith(b"# Cafe Social")
        assert "512" in message_for(DomainError("logo_too_large", {"max_kb": 512}))
        assert "4000 × 4000" in message_for(DomainError("logo_bad_image", {"max_px": 4000}))


# --- bad input and empty memos ------------------------------------------------------------

HOSTILE = Memo(
    language="fi",
    date=dt.date(2026, 3, 14),
    topic="<script>alert('aihe')</script>",
    themes=(
        (
            "Otsikko <script>alert(1)</script>",
            "Teksti <script>alert(2)</script> ja [linkki](javascript:alert(1)) "
            "[toinen](JaVaScRiPt:alert(3)) <img src=x onerror=alert(4)>",
        ),
    ),
    intro="[data](data:text/html;base64,PHNjcmlwdD4=) ja [oikea](https://example.org)",
    footer="Alaviite <b>",
)


def test_hostile_markdown_exports_without_scripts_or_javascript_links(app: Flask) -> None:
    with app.test_request_context():
        html = render(HOSTILE, "html").content.decode("utf-8")
        pdf = render(HOSTILE, "pdf").content
        document = render(HOSTILE, "docx").content

    assert "<script" not in html and "<img src=x" not in html
    assert "javascript:" not in html.lower() and "data:text" not in html

    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Teksti" in text and "Alaviite <b>" in text
    assert b"/JavaScript" not in pdf and b"/JS " not in pdf and b"/JS(" not in pdf
    targets = [
        str(annotation.get_object()["/A"].get("/URI"))
        for page in reader.pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    assert targets == ["https://example.org"]

    with zipfile.ZipFile(io.BytesIO(document)) as archive:
        parts = {name: archive.read(name) for name in archive.namelist()}
    for name, content in parts.items():
        assert b"javascript:" not in content.lower(), name
        assert b"<script" not in content, name
        assert b'TargetMode="External"' not in content, name
    paragraphs = [p.text for p in docx.Document(io.BytesIO(document)).paragraphs]
    assert "Otsikko <script>alert(1)</script>. Teksti <script>alert(2)</script> ja linkki" in (
        " ".join(paragraphs)
    )


def test_an_event_without_summary_exports_every_format(seed: Seed) -> None:
    plan = seed.instance / "empty.toml"
    plan.write_text('topic = "Uusi aihe"\ndate = 2026-12-01\n', "utf-8")
    code = created(plan)

    for fmt in FORMATS:
        target = seed.instance / f"empty.{fmt}"
        result = cafe("export", code, "--format", fmt, "-o", str(target))
        assert result.exit_code == 0, result.output
        assert "warning: the shared summary is still empty" in result.stderr
        assert target.stat().st_size > 0

    pages = page_texts((seed.instance / "empty.pdf").read_bytes())
    assert len(pages) == 1
    assert pages[0].splitlines()[:2] == [
        "Cafe Social -keskustelukahvilan muistio 1.12.26",
        "Aihe: Uusi aihe",
    ]
    document = docx.Document(str(seed.instance / "empty.docx"))
    assert [p.text for p in document.paragraphs][:2] == [
        "Cafe Social -keskustelukahvilan muistio 1.12.26",
        "Aihe: Uusi aihe",
    ]
    assert [p.text for p in document.sections[0].footer.paragraphs if p.text] == []

    # Binary formats go to standard output as they are.
    result = cafe("export", code, "--format", "docx")
    assert result.exit_code == 0
    assert result.stdout_bytes.startswith(b"PK\x03\x04")
    assert zipfile.ZipFile(io.BytesIO(result.stdout_bytes)).testzip() is None


def test_formats_name_their_media_types_and_suffixes() -> None:
    assert FORMATS["pdf"] == (".pdf", "application/pdf")
    assert FORMATS["docx"] == (
        ".docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )
