"""The process diagram: well-formed SVG with one numbered box per step and arrows between
them, every text escaped, long texts wrapped inside their boxes, the same bytes for the same
steps; and the PNG for Word, drawn from the same layout."""

from __future__ import annotations

import io
import math
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageFont

import cafe.domain.diagram as diagram
from cafe.domain.diagram import (
    MAX_LINES,
    MAX_STEPS,
    PADDING,
    PNG_SCALE,
    WIDTH,
    columns,
    layout,
    process_png,
    process_svg,
    text_width,
    wrap,
)

SVG = "{http://www.w3.org/2000/svg}"
SEED_LEADS = [
    "Palvelutarpeen arvioinnin yhteydessä sosiaalityöntekijä/sosiaaliohjaaja tekee arvon "
    "siitä, hyötyisikö asiakas kokemushjauksesta.",
    "Ensimmäisessä tapaamisessa",
    "Asiakas ja kokemushjaaja aloittavat työskentelyn ja sopivat ensimmäisen tapaamisen.",
    "Kokemushjaus päättyy asiakkaan ja kokemushjaajan yhteisellä päätöksellä.",
]
CAPTION = "Kokemusohjauspilotin prosessi aikuissosiaalityössä syksy 2018"


def parsed(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def by_class(root: ET.Element, name: str) -> list[ET.Element]:
    return [element for element in root.iter() if element.get("class") == name]


def texts(root: ET.Element, name: str) -> list[str]:
    return [element.text or "" for element in by_class(root, name)]


@pytest.mark.parametrize("count", [1, 2, 3, 4, 5, 7, 12, MAX_STEPS])
def test_one_numbered_box_per_step_and_an_arrow_between_each_two(count: int) -> None:
    steps = [f"Vaihe {n}" for n in range(1, count + 1)]
    root = parsed(process_svg(steps, CAPTION))

    assert root.tag == f"{SVG}svg"
    assert len(by_class(root, "step-box")) == count
    assert texts(root, "step-number") == [str(n) for n in range(1, count + 1)]
    assert texts(root, "step-text") == steps
    assert len(by_class(root, "arrow")) == len(by_class(root, "arrow-head")) == count - 1
    assert root.find(f"{SVG}title") is not None
    assert root.findtext(f"{SVG}title") == CAPTION


def test_the_seed_process_is_two_rows_of_two_read_left_to_right() -> None:
    drawing = layout(SEED_LEADS)
    first, second, third, fourth = drawing.boxes

    assert first.y == second.y < third.y == fourth.y
    assert first.x == third.x < second.x == fourth.x
    # 2 → 3 goes down from the row's end back to the next row's start.
    assert drawing.arrows[1][0][1] == second.y + second.height
    assert drawing.arrows[1][-1] == (third.x + third.width / 2, third.y)
    assert [columns(n) for n in (1, 2, 3, 4, 5, 6, 9, 20)] == [1, 2, 3, 2, 3, 3, 3, 3]


def test_boxes_stay_on_the_canvas_apart_and_their_lines_fit_them() -> None:
    steps = [f"Vaihe {n}: " + "pitkä sana " * (n * 3) for n in range(1, MAX_STEPS + 1)]
    drawing = layout(steps)

    for box in drawing.boxes:
        assert 0 < box.x and box.x + box.width < WIDTH
        assert 0 < box.y and box.y + box.height < drawing.height
        assert 1 <= len(box.lines) <= MAX_LINES
        assert all(text_width(line) <= box.width - 2 * PADDING for line in box.lines)
    for one, other in zip(drawing.boxes, drawing.boxes[1:], strict=False):
        apart = one.x + one.width < other.x or one.y + one.height < other.y
        assert apart, (one.number, other.number)
    # The last steps' texts are too long for their boxes: cut with an ellipsis.
    assert drawing.boxes[-1].lines[-1].endswith("…")
    assert not drawing.boxes[0].lines[-1].endswith("…")


def test_wrapping_breaks_between_words_then_after_a_slash_or_hyphen_then_anywhere() -> None:
    assert wrap("yksi kaksi kolme", 1000) == ["yksi kaksi kolme"]
    assert wrap("yksi kaksi kolme", text_width("yksi kaksi")) == ["yksi kaksi", "kolme"]
    room = text_width("sosiaalityöntekijä/sos")
    assert wrap("sosiaalityöntekijä/sosiaaliohjaaja", room) == [
        "sosiaalityöntekijä/",
        "sosiaaliohjaaja",
    ]
    # A hyphen that opens a word ("-osahanke") is not a place to break.
    assert wrap("SOS -osahanke", text_width("-osahanke")) == ["SOS", "-osahanke"]
    broken = wrap("a" * 100, text_width("a" * 30))
    assert "".join(broken) == "a" * 100 and len(broken) == 4
    assert wrap("   ", 100) == []


def test_estimated_widths_are_never_below_dejavu_sans_own() -> None:
    # The estimate decides where lines break: under the real width, text would overflow.
    # `make test` installs fonts-dejavu-core (scripts/ensure-pango): a missing font fails.
    font = ImageFont.truetype(str(diagram.FONT_DIR / "DejaVuSans.ttf"), 1000)
    samples = [*SEED_LEADS, CAPTION, "ÄÖÅ äöå ”lainaus” – 1.3.2017 (PHHYKY) & W@M%", "Üß Ø"]
    for sample in samples:
        assert text_width(sample, 1000) >= font.getlength(sample), sample


def test_texts_are_escaped_and_the_svg_stays_well_formed() -> None:
    hostile = ['<script>alert("x")</script> & <b>', "]]> <!-- --> &amp;", "Tavallinen"]
    svg = process_svg(hostile, 'Kuva "<&>"')
    root = parsed(svg)

    assert "<script" not in svg and "<b>" not in svg and "<!--" not in svg
    shown = "".join(texts(root, "step-text")).replace(" ", "")
    assert shown.startswith('<script>alert("x")</script>&<b>]]><!---->&amp;')
    assert "&amp;amp;" in svg
    assert root.findtext(f"{SVG}title") == 'Kuva "<&>"'


def test_white_space_in_steps_is_folded_and_the_output_is_deterministic() -> None:
    assert process_svg(SEED_LEADS, CAPTION) == process_svg(list(SEED_LEADS), CAPTION)
    assert process_svg(["a\n  b"], "c") == process_svg(["a b"], "c")
    assert process_png(SEED_LEADS, CAPTION) == process_png(SEED_LEADS, CAPTION)


@pytest.mark.parametrize("count", [0, MAX_STEPS + 1])
def test_a_process_has_one_to_twenty_steps(count: int) -> None:
    with pytest.raises(ValueError, match="1 to 20 steps"):
        process_svg(["x"] * count, CAPTION)
    with pytest.raises(ValueError, match="1 to 20 steps"):
        process_png(["x"] * count, CAPTION)


def test_the_png_decodes_at_twice_the_svg_size_with_its_caption() -> None:
    png = process_png(SEED_LEADS, CAPTION)
    drawing = layout(SEED_LEADS)

    with Image.open(io.BytesIO(png)) as image:
        assert image.format == "PNG"
        assert image.size == (
            math.ceil(drawing.width * PNG_SCALE),
            math.ceil(drawing.height * PNG_SCALE),
        )
        assert image.info["Title"] == CAPTION
        pixels = image.convert("RGB")
        # Not blank: the boxes' ink and fill are there.
        colours = pixels.getcolors(maxcolors=1_000_000)
        assert colours is not None and len(colours) > 10
    with Image.open(io.BytesIO(process_png(["x"] * MAX_STEPS, CAPTION))) as image:
        assert image.width == WIDTH * PNG_SCALE and image.height < 4 * image.width


@pytest.fixture
def no_dejavu(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """A machine without fonts-dejavu-core (the fonts' cache emptied around the test)."""
    monkeypatch.setattr(diagram, "FONT_DIR", tmp_path)
    diagram._font.cache_clear()
    yield
    diagram._font.cache_clear()


@pytest.mark.usefixtures("no_dejavu")
def test_the_png_falls_back_to_pillows_own_font() -> None:
    with Image.open(io.BytesIO(process_png(SEED_LEADS, CAPTION))) as image:
        assert image.width == WIDTH * PNG_SCALE
