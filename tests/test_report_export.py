"""The service-pilot report exported, read back: the seed report's plan as PDF (pypdf), Word
(python-docx) and HTML says what the seed says, with its headings in order, the steps
numbered with bold leads and the process diagram drawn (vector text in the PDF, a picture in
Word, inline SVG in HTML); nothing is fetched or run; every format exports a bare frame."""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import cast

import docx
import pypdf
import pytest
from docx.document import Document
from docx.shared import Mm
from flask import Flask
from pypdf.generic import DictionaryObject
from sqlalchemy import select

from cafe import create_app
from cafe.documents.rendering import FORMATS
from cafe.domain.errors import DomainError
from cafe.domain.report import PilotReport, step_labels
from cafe.extensions import db
from cafe.models import CafeEvent
from cafe.reports.export import render_report, report_html
from cafe.reports.operations import current_report
from tests.conftest import ROOT, app_config
from tests.helpers import cafe, created

PLAN = ROOT / "sessions" / "pilot-report-kokemusohjaus.toml"
#: The seed report (a copy of ../shared/seeds/003_60ec04cca74eb0e9.txt, in the repository
#: so that the fidelity test runs on any clone).
SEED = ROOT / "tests" / "data" / "seeds" / "003_60ec04cca74eb0e9.txt"
TITLE = (
    "Kokemusohjauksella sisältöä, tukea ja apua arkeen: Palvelupilotti III, PRO SOS -osahanke Verso"
)
CAPTION = "Kokemusohjauspilotin prosessi aikuissosiaalityössä syksy 2018"
CREDIT = "PRO SOS -osahanke Verso"
STANDING = [
    "Kokeilun kesto ja toteuttajatahot:",
    "Osallistujat:",
    "Resurssit:",
    "Arvioinnin ja palautteen kerääminen:",
    "Palvelupilotin tulokset ja jatkokehittäminen:",
]
RUN_IN = [
    "Kokemusohjaajat:",
    "Työntekijät:",
    "Tilat:",
    "Tarvikkeet:",
    "Muut resurssit:",
    "Pilottikokeilun tavoite:",
    "Kokeilun kuvaus:",
]
#: Every heading and run-in label of the seed, top to bottom, then the closing lines.
IN_ORDER = [*STANDING[:3], *RUN_IN, *STANDING[3:], CAPTION, CREDIT]


@dataclass
class Rendered:
    """The seed report rendered once per module (a PDF takes about a second)."""

    report: PilotReport
    app: Flask
    html: str
    pdf: bytes
    docx: bytes
    seconds: dict[str, float]


@dataclass
class Planned:
    """The seed report's plan created as an event with ``cafe event create``."""

    instance: Path
    code: str
    report: PilotReport


@pytest.fixture(scope="module")
def planned(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Planned]:
    """``cafe event create sessions/pilot-report-kokemusohjaus.toml`` in an instance of its
    own, and the report the event then has (its first revision)."""
    folder = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as patch:
        for variable in ("CAFE_DATABASE_URL", "CAFE_PUBLIC_URL", "CAFE_SECRET_KEY"):
            patch.delenv(variable, raising=False)
        patch.setenv("CAFE_INSTANCE_PATH", str(folder / "instance"))
        code = created(PLAN)
        app = create_app()
        with app.app_context():
            event = db.session.execute(
                select(CafeEvent).where(CafeEvent.join_code == code)
            ).scalar_one()
            report = current_report(event)
            db.engine.dispose()
        yield Planned(folder, code, report)


@pytest.fixture(scope="module")
def rendered(planned: Planned) -> Iterator[Rendered]:
    app = create_app(app_config(planned.instance / "render.db"))
    seconds = {}
    content = {}
    with app.test_request_context():
        for fmt in ("html", "pdf", "docx"):
            start = time.perf_counter()
            content[fmt] = render_report(planned.report, fmt).content
            seconds[fmt] = time.perf_counter() - start
    yield Rendered(
        planned.report,
        app,
        content["html"].decode("utf-8"),
        content["pdf"],
        content["docx"],
        seconds,
    )


def test_cafe_event_create_then_cafe_export_rebuilds_the_seed_report(
    planned: Planned, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAFE_INSTANCE_PATH", str(planned.instance / "instance"))
    target = planned.instance / "raportti.txt"
    result = cafe("export", planned.code, "--format", "txt", "-o", str(target))
    assert result.exit_code == 0, result.output
    text = target.read_text("utf-8")
    # The plain text has no bold: the seed's "**" around the steps' leads go.
    assert words(text) == words(SEED.read_text("utf-8").replace("**", ""))
    assert text.startswith(TITLE + "\n\nKokeilun kesto ja toteuttajatahot:\n\n")
    assert text.endswith(f"{CAPTION}\n\n{CREDIT}\n")


def words(text: str) -> str:
    return " ".join(text.split())


def flowing(text: str) -> str:
    """White space normalised, and a line broken after a hyphen or a slash joined again:
    WeasyPrint breaks lines there and pypdf reads the break as white space."""
    return re.sub(r"([-/])\s+", r"\1", words(text))


def squeezed(text: str) -> str:
    """All white space gone: the diagram wraps its lines wherever they fit."""
    return "".join(text.split())


def pdf_text(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages)


def seed_paragraphs() -> list[str]:
    """The seed's paragraphs as the PDF prints them: the bold markers gone, and the steps'
    numbers too (WeasyPrint draws list numbers apart, pypdf reads them elsewhere)."""
    text = SEED.read_text("utf-8").replace("**", "")
    text = re.sub(r"(?m)^\d\. ", "", text)
    # The seed's page break inside the goal's paragraph is white space, not a paragraph.
    text = text.replace("omakohtainen\n\nkokemus", "omakohtainen kokemus")
    return [words(part) for part in re.split(r"\n\s*\n|\n(?=\S)", text) if part.strip()]


# --- PDF ---------------------------------------------------------------------------------


def test_pdf_has_the_title_and_the_headings_in_order(rendered: Rendered) -> None:
    assert rendered.pdf.startswith(b"%PDF-")
    reader = pypdf.PdfReader(io.BytesIO(rendered.pdf))
    first = reader.pages[0].extract_text().splitlines()
    assert flowing(" ".join(first[:2])).startswith(flowing(TITLE))
    text = flowing(pdf_text(rendered.pdf))
    position = 0
    for heading in IN_ORDER:
        found = text.find(heading, position)
        assert found >= position, heading
        position = found + len(heading)
    assert reader.metadata is not None and reader.metadata.title == TITLE
    assert reader.root_object.get("/Lang") == "fi"


def test_pdf_holds_every_paragraph_of_the_seed_in_order(rendered: Rendered) -> None:
    # The list numbers ("2.") are read at the end of their page, wherever that cuts a
    # paragraph: every lone "<number>." is left out, on both sides ("miehiä 3." too).
    def unnumbered(text: str) -> str:
        return flowing(re.sub(r"(?<!\S)\d{1,2}\.(?!\S)", " ", text))

    text = unnumbered(pdf_text(rendered.pdf))
    position = 0
    for paragraph in map(unnumbered, seed_paragraphs()):
        found = text.find(paragraph, position)
        assert found >= 0, paragraph[:60]
        position = found + len(paragraph)


def test_pdf_draws_the_process_as_vector_text_after_the_report(rendered: Rendered) -> None:
    reader = pypdf.PdfReader(io.BytesIO(rendered.pdf))
    text = pdf_text(rendered.pdf)
    results_end = text.find("jos sille saadaan rahoitus.")
    assert results_end > 0
    diagram = squeezed(text[results_end:])
    labels = step_labels(rendered.report)
    assert labels[1] == "Ensimmäisessä tapaamisessa"
    for label in labels:
        # Each lead is printed twice: bold in its step, and in its box of the diagram.
        assert squeezed(text).count(squeezed(label)) == 2, label
        assert squeezed(label) in diagram, label
    assert squeezed(CAPTION) in diagram
    # Drawn, not pasted: no raster image anywhere in the file.
    assert all(len(page.images) == 0 for page in reader.pages)
    # The diagram's page holds all of it: boxes are never split across pages.
    last = squeezed(reader.pages[-1].extract_text())
    assert all(squeezed(label) in last for label in labels)


def test_pdf_uses_dejavu_only(rendered: Rendered) -> None:
    fonts = set()
    for page in pypdf.PdfReader(io.BytesIO(rendered.pdf)).pages:
        resources = cast(DictionaryObject, page["/Resources"].get_object())
        for font in cast(DictionaryObject, resources["/Font"].get_object()).values():
            fonts.add(str(cast(DictionaryObject, font.get_object())["/BaseFont"]))
    assert any("DejaVu-Serif" in font for font in fonts), fonts
    assert any("DejaVu-Sans" in font for font in fonts), fonts  # the diagram's
    assert all("DejaVu" in font for font in fonts), fonts


# --- Word --------------------------------------------------------------------------------


def document(rendered: Rendered) -> Document:
    return docx.Document(io.BytesIO(rendered.docx))


def test_docx_has_the_title_and_headings_in_order(rendered: Rendered) -> None:
    paragraphs = document(rendered).paragraphs

    assert paragraphs[0].text == TITLE
    assert paragraphs[0].style is not None and paragraphs[0].style.name == "Title"
    headings = [p.text for p in paragraphs if p.style is not None and p.style.name == "Heading 1"]
    assert headings == STANDING
    labels = [p.runs[0].text for p in paragraphs if p.runs and p.runs[0].bold]
    assert [label for label in labels if label in RUN_IN] == RUN_IN
    position = 0
    texts = [p.text for p in paragraphs]
    for heading in IN_ORDER:
        found = next(i for i, text in enumerate(texts) if text.startswith(heading))
        assert found >= position, heading
        position = found


def test_docx_numbers_the_steps_with_bold_leads(rendered: Rendered) -> None:
    paragraphs = document(rendered).paragraphs
    steps = [p for p in paragraphs if p.style is not None and p.style.name == "List Number"]
    labels = step_labels(rendered.report)

    assert [p.runs[0].text for p in steps] == labels
    assert all(p.runs[0].bold is True and not p.runs[1].bold for p in steps)
    assert steps[0].runs[1].text.startswith(" Työntekijä keskustele")
    assert steps[1].text.startswith("Ensimmäisessä tapaamisessa keskustellaan")
    # One Word list, numbered by Word from 1.
    num_ids = {p._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")[0] for p in steps}
    assert len(num_ids) == 1
    (num_id,) = num_ids
    numbering = document(rendered).part.numbering_part.element
    (start,) = numbering.xpath(f'./w:num[@w:numId="{num_id}"]//w:startOverride/@w:val')
    assert start == "1"


def test_docx_has_the_diagram_picture_with_its_caption_under_it(rendered: Rendered) -> None:
    doc = document(rendered)
    (shape,) = doc.inline_shapes
    assert shape.width is not None and 0 < shape.width <= Mm(166)
    paragraphs = doc.paragraphs
    (index,) = [i for i, p in enumerate(paragraphs) if p._p.xpath(".//pic:pic")]
    assert [p.text for p in paragraphs[index + 1 :]] == [CAPTION, CREDIT]
    assert all(p.style is not None and p.style.name == "Caption" for p in paragraphs[index + 1 :])
    (description,) = paragraphs[index]._p.xpath(".//wp:docPr/@descr")
    assert description.startswith(CAPTION + " 1. Palvelutarpeen")
    assert "2. Ensimmäisessä tapaamisessa 3." in description
    properties = doc.core_properties
    assert (properties.title, properties.language) == (TITLE, "fi")
    section = doc.sections[0]
    assert section.page_width is not None and round(section.page_width.mm) == 210


def test_docx_puts_a_steps_further_paragraphs_and_lists_under_its_item() -> None:
    steps = (
        ("Alku", "Eka *kohta*.\n\nToka."),
        ("Lista", "- yksi\n- kaksi\n\n1. a\n2. b"),
        ("Kolmas", "jatkuu **tästä**."),
    )
    doc = docx.Document(io.BytesIO(render_report(PilotReport("T", steps=steps), "docx").content))
    rows = [
        (p.style.name if p.style is not None else "", p.text)
        for p in doc.paragraphs
        if p.style is not None and p.style.name.startswith("List")
    ]
    assert rows == [
        ("List Number", "Alku. Eka kohta."),
        ("List Continue", "Toka."),
        ("List Number", "Lista."),
        ("List Bullet 2", "yksi"),
        ("List Bullet 2", "kaksi"),
        ("List Number 2", "a"),
        ("List Number 2", "b"),
        ("List Number", "Kolmas jatkuu tästä."),
    ]
    items = [p for p in doc.paragraphs if p.style is not None and p.style.name == "List Number"]
    plain, bold, italic = (None, None), (True, None), (None, True)
    assert [[(r.text, r.bold, r.italic) for r in p.runs] for p in items] == [
        [("Alku.", *bold), (" Eka ", *plain), ("kohta", *italic), (".", *plain)],
        [("Lista.", *bold)],
        [("Kolmas", *bold), (" jatkuu ", *plain), ("tästä", *bold), (".", *plain)],
    ]
    # The steps are one list; the list inside step 2 is numbered apart, from 1.
    (steps_id,) = {p._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")[0] for p in items}
    nested = [p for p in doc.paragraphs if p.text in ("a", "b")]
    assert {p._p.xpath("./w:pPr/w:numPr/w:numId/@w:val")[0] for p in nested} != {steps_id}


def test_docx_says_word_for_word_what_the_seed_says(rendered: Rendered) -> None:
    # The numbers are Word's own (not text) and the diagram is a picture; the seed's
    # "**" are the bold Word shows as bold.
    text = "\n".join(p.text for p in document(rendered).paragraphs)
    seed = re.sub(r"(?m)^\d\. ", "", SEED.read_text("utf-8").replace("**", ""))
    assert words(text) == words(seed)


# --- HTML --------------------------------------------------------------------------------

# The SVG namespace is a name, not an address anything is fetched from.
_URL = re.compile(r"(?:https?:|ftp:|file:)?//[^\s\"'<>)]+", re.IGNORECASE)


def test_html_is_a_self_contained_print_page_with_the_svg_inline(rendered: Rendered) -> None:
    html = rendered.html

    assert html.startswith("<!doctype html>")
    assert '<html lang="fi">' in html
    assert "@page { size: A4;" in html
    assert f"<title>{TITLE}</title>" in html
    assert f"<h1>{TITLE}</h1>" in html
    assert "<h2>Kokeilun kesto ja toteuttajatahot:</h2>" in html
    assert "<p><strong>Pilottikokeilun tavoite:</strong> Kokemusohjaus on" in html
    assert "<li><strong>Ensimmäisessä tapaamisessa</strong> keskustellaan" in html
    assert html.count("<svg") == 1 and html.count('class="step-box"') == 4
    assert f"<figcaption><p>{CAPTION}</p><p>{CREDIT}</p></figcaption>" in html
    assert "<script" not in html.lower()
    assert [url for url in _URL.findall(html) if url != "http://www.w3.org/2000/svg"] == []
    assert "<link" not in html and "<img" not in html and "url(" not in html
    assert "@import" not in html


HOSTILE = PilotReport(
    title="Pilotti <script>alert(1)</script>",
    goal="[linkki](javascript:alert(2)) <img src=x onerror=alert(3)>",
    steps=(('Askel <script>alert(4)</script> & "lainaus"', "Teksti."),),
    caption="Kuva </figcaption><script>alert(5)</script>",
    credit="Hanke & co",
)


def test_hostile_text_is_shown_never_run(rendered: Rendered) -> None:
    with rendered.app.test_request_context():
        html = render_report(HOSTILE, "html").content.decode("utf-8")
        document_bytes = render_report(HOSTILE, "docx").content

    assert "<script" not in html and "<img src=x" not in html
    assert "javascript:" not in html.lower()
    assert "Askel &lt;script&gt;alert(4)&lt;/script&gt; &amp;" in html
    assert "Hanke &amp; co" in html
    paragraphs = [p.text for p in docx.Document(io.BytesIO(document_bytes)).paragraphs]
    assert paragraphs[0] == "Pilotti <script>alert(1)</script>"
    assert 'Askel <script>alert(4)</script> & "lainaus". Teksti.' in paragraphs


# --- every format, errors ----------------------------------------------------------------


def test_every_format_has_its_name_and_type_and_text_formats_need_no_app(
    planned: Planned,
) -> None:
    report = planned.report
    markdown = render_report(report, "md", stem="kokemusohjaus")
    assert markdown.filename == "kokemusohjaus.md"
    assert markdown.media_type == FORMATS["md"][1]
    assert markdown.content.startswith(f"# {TITLE}\n".encode())
    text = render_report(report, "txt")
    assert text.filename == "raportti.txt"
    assert text.content.decode("utf-8").endswith(f"{CAPTION}\n\n{CREDIT}\n")
    assert not text.summary_empty
    with pytest.raises(DomainError) as caught:
        render_report(report, "odt")
    assert caught.value.code == "bad_export_format"


def test_a_bare_frame_exports_in_every_format(rendered: Rendered, tmp_path: Path) -> None:
    frame = PilotReport(title="Uusi pilotti", language="en")
    with rendered.app.test_request_context():
        exports = {fmt: render_report(frame, fmt) for fmt in FORMATS}

    assert all(export.summary_empty for export in exports.values())
    html = exports["html"].content.decode("utf-8")
    assert "<svg" not in html and "<figure" not in html
    assert "<h2>Duration and organisations:</h2>" in html
    assert "Aim of the pilot:" in pdf_text(exports["pdf"].content)
    doc = docx.Document(io.BytesIO(exports["docx"].content))
    assert len(doc.inline_shapes) == 0
    assert doc.paragraphs[-1].text == "Results of the service pilot and further development:"


def test_a_long_process_still_draws_on_one_page(rendered: Rendered) -> None:
    base = rendered.report
    long = replace(
        base,
        steps=tuple((f"Vaihe {n}: " + "pitkä kuvaus " * 12, "Teksti.") for n in range(1, 21)),
    )
    with rendered.app.test_request_context():
        html = report_html(long)
        pdf = render_report(long, "pdf").content
    assert html.count('class="step-box"') == 20
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    last = reader.pages[-1].extract_text()
    assert CAPTION in last
    assert all(f"Vaihe {n}:" in last for n in range(1, 21))


def test_render_times_are_reasonable(rendered: Rendered) -> None:
    # Generous bounds: a regression to seconds per page would show here.
    assert rendered.seconds["html"] < 2
    assert rendered.seconds["docx"] < 5
    assert rendered.seconds["pdf"] < 20
