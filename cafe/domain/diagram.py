"""The pilot's process model: its numbered steps drawn as a flow diagram, SVG and PNG.

The service-pilot report ends with its process drawn as boxes joined by arrows
(``../shared/memo-format.md``, part 2, item 9). Each box holds the step's number in a
badge and its lead sentence wrapped into lines. Boxes flow left to right in rows of at most
three; a row's last box leads down to the next row's first (a "Z" reading order, as text is
read). One layout, computed here once, is written out twice: as SVG for the HTML and PDF
exports, where the step texts stay real text (selectable, searchable, read aloud), and as
PNG for Word, which cannot place SVG alone.

Text widths are estimated from a built-in table of DejaVu Sans advance widths instead of
measuring a font file, so the SVG is pure string building and the same on every machine.
DejaVu Sans is wider than most sans-serif fonts a viewer would fall back to, so a line
that fits here fits there too.
"""

from __future__ import annotations

import functools
import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape, quoteattr

# Pillow only draws the PNG for Word: the SVG (HTML, PDF) and the commands that import this
# module without drawing (`cafe export` in Markdown) do not wait for it (issue 14).
if TYPE_CHECKING:
    from PIL import ImageDraw, ImageFont

#: A process has 1 to this many steps (the report's limit too).
MAX_STEPS = 20
#: A lead longer than this many lines is cut with "…": the report prints it whole.
MAX_LINES = 8

#: The canvas is this wide in SVG user units; it is scaled to the page's text width
#: (166 mm on A4 with the memo's margins: one unit is about 0.25 mm, the text about 9 pt).
WIDTH = 680
MARGIN = 16
#: Room between boxes in a row for a horizontal arrow, and between rows for the connector
#: and for the number badge sitting on a box's top edge.
COLUMN_GAP = 40
ROW_GAP = 46
FONT_SIZE = 13
LINE_HEIGHT = 17
PADDING = 12
#: Under a box's top edge: the lower half of the badge and a little air.
PADDING_TOP = 20
BADGE_RADIUS = 12
NUMBER_SIZE = 12
ARROW = 8

FONT_FAMILY = "'DejaVu Sans', Verdana, Arial, sans-serif"
BOX_FILL = "#eef4fa"
INK = "#1f3f66"
TEXT = "#111111"
LINE = "#4a4a4a"

#: DejaVu Sans advance widths (thousandths of an em) by character, measured from
#: DejaVuSans.ttf and rounded up to the next 50: an overestimate only wraps a line earlier.
#: Other characters count as 650, capitals as 800, wide East Asian ones as 1000.
_ADVANCES = {
    300: "ijlIJ'",
    350: " .,:;/|’‘",
    400: "ft-()[]",
    450: "r!",
    500: '"*–',
    550: "csz?”“",
    600: "kvxyFL",
    650: "abdeghnopquEPSTY0123456789{}äöåéè",
    700: "ABCKRVXZÄÅ",
    750: "NU",
    800: "DGHOQ&Ö",
    850: "w<>=+~",
    900: "M",
    1000: "mW%@—…",
}
_ADVANCE = {char: width for width, chars in _ADVANCES.items() for char in chars}
_DEFAULT_ADVANCE = 650

# A word may break after a slash or a hyphen inside it ("sosiaalityöntekijä/" |
# "sosiaaliohjaaja"), not after one that starts it ("-osahanke").
_BREAK_AFTER = re.compile(r"(?<=\w[/\-–])(?=\w)")

FONT_DIR = Path("/usr/share/fonts/truetype/dejavu")
#: The PNG is drawn at twice the SVG's size (1360 px wide: about 200 dpi across A4's text
#: width), supersampled twice more so that edges and circles are smooth.
PNG_SCALE = 2
_SUPERSAMPLE = 2


def _advance(char: str) -> int:
    width = _ADVANCE.get(char)
    if width is not None:
        return width
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1000
    return 800 if char.isupper() else _DEFAULT_ADVANCE


def text_width(text: str, size: float = FONT_SIZE) -> float:
    """The estimated width of ``text`` in DejaVu Sans at ``size`` (user units)."""
    return sum(_advance(char) for char in text) * size / 1000


def _split_to_fit(piece: str, width: float) -> tuple[str, str]:
    # The longest head that fits, at least one character so that wrapping always ends.
    end = 1
    while end < len(piece) and text_width(piece[: end + 1]) <= width:
        end += 1
    return piece[:end], piece[end:]


def wrap(text: str, width: float) -> list[str]:
    """``text`` broken into lines no wider than ``width`` (estimated at the diagram's font
    size): between words, else after a hyphen or slash inside a word, else anywhere in a
    word too long for a line of its own."""
    lines: list[str] = []
    line = ""
    for word in text.split():
        pieces = _BREAK_AFTER.split(word)
        for index, piece in enumerate(pieces):
            # The first piece of a word follows a space; the rest join the piece before.
            joined = (line + (" " if index == 0 else "") + piece) if line else piece
            if text_width(joined) <= width:
                line = joined
                continue
            if line:
                lines.append(line)
            while text_width(piece) > width:
                head, piece = _split_to_fit(piece, width)
                lines.append(head)
            line = piece
    if line:
        lines.append(line)
    return lines


def _cut(lines: list[str], width: float) -> list[str]:
    """At most :data:`MAX_LINES` lines, the last one ending in "…" if text was left out."""
    if len(lines) <= MAX_LINES:
        return lines
    last = lines[MAX_LINES - 1]
    while last and text_width(last + "…") > width:
        last = last[:-1]
    return [*lines[: MAX_LINES - 1], last.rstrip() + "…"]


# --- layout ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    """One step's box: its number, its text lines and where it sits."""

    number: int
    lines: tuple[str, ...]
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Layout:
    """The whole drawing: canvas size, the boxes and the arrows (polylines ending in a
    head, each a tuple of points)."""

    width: float
    height: float
    boxes: tuple[Box, ...]
    arrows: tuple[tuple[tuple[float, float], ...], ...]


def columns(count: int) -> int:
    """Boxes per row: all in one row up to three, two rows of two for four, else three."""
    if count <= 3:
        return max(count, 1)
    return 2 if count == 4 else 3


def layout(steps: Sequence[str]) -> Layout:
    """Place the boxes and arrows of ``steps`` (their lead texts, in order)."""
    if not 1 <= len(steps) <= MAX_STEPS:
        raise ValueError(f"a process has 1 to {MAX_STEPS} steps, not {len(steps)}")
    cols = columns(len(steps))
    box_width = (WIDTH - 2 * MARGIN - (cols - 1) * COLUMN_GAP) / cols
    text_room = box_width - 2 * PADDING
    wrapped = [_cut(wrap(step, text_room), text_room) for step in steps]

    boxes: list[Box] = []
    y = float(MARGIN)
    for start in range(0, len(steps), cols):
        row = wrapped[start : start + cols]
        # One height per row, so that the arrows between its boxes are level.
        height = PADDING_TOP + max(1, *(len(lines) for lines in row)) * LINE_HEIGHT + PADDING
        for column, lines in enumerate(row):
            x = MARGIN + column * (box_width + COLUMN_GAP)
            boxes.append(Box(start + column + 1, tuple(lines), x, y, box_width, height))
        y += height + ROW_GAP
    total_height = y - ROW_GAP + MARGIN

    arrows: list[tuple[tuple[float, float], ...]] = []
    for before, after in zip(boxes, boxes[1:], strict=False):
        if after.y == before.y:
            middle = before.y + before.height / 2
            arrows.append(((before.x + before.width, middle), (after.x, middle)))
        else:
            # Down from the row's last box, back along the gap, down into the next row.
            bottom = before.y + before.height
            gap_middle = bottom + (after.y - bottom) / 2
            start_x = before.x + before.width / 2
            end_x = after.x + after.width / 2
            arrows.append(
                ((start_x, bottom), (start_x, gap_middle), (end_x, gap_middle), (end_x, after.y))
            )
    return Layout(WIDTH, total_height, tuple(boxes), tuple(arrows))


def _arrow_head(
    points: tuple[tuple[float, float], ...],
) -> tuple[tuple[tuple[float, float], ...], tuple[tuple[float, float], ...]]:
    """The polyline shortened to the head's base, and the head as a triangle."""
    (x0, y0), (x1, y1) = points[-2], points[-1]
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    dx, dy = (x1 - x0) / length, (y1 - y0) / length
    base = (x1 - dx * ARROW, y1 - dy * ARROW)
    half = ARROW * 0.6
    head = (
        (x1, y1),
        (base[0] - dy * half, base[1] + dx * half),
        (base[0] + dy * half, base[1] - dx * half),
    )
    return (*points[:-1], base), head


def _badge_centre(box: Box) -> tuple[float, float]:
    # On the box's top-left edge, like a tab, so that the text below keeps the full width.
    return box.x + PADDING + BADGE_RADIUS, box.y


def _line_baselines(box: Box) -> list[float]:
    # The lines are centred in the room under the badge; the baseline sits 0.8 em
    # under the top of its line.
    room = box.height - PADDING_TOP - PADDING
    top = box.y + PADDING_TOP + (room - len(box.lines) * LINE_HEIGHT) / 2
    return [top + index * LINE_HEIGHT + 0.8 * LINE_HEIGHT for index in range(len(box.lines))]


#: Baseline of a centred number: half the digits' height (0.73 em) under the centre.
_NUMBER_DROP = 0.365 * NUMBER_SIZE


# --- SVG ---------------------------------------------------------------------------------


def _n(value: float) -> str:
    """A coordinate, rounded to a tenth and written without a needless ``.0``."""
    return f"{round(value, 1):g}"


def _points(points: Sequence[tuple[float, float]]) -> str:
    return " ".join(f"{_n(x)},{_n(y)}" for x, y in points)


def process_svg(steps: Sequence[str], caption: str) -> str:
    """The process as an SVG document (a string, UTF-8 text without XML declaration, fit
    to be placed inline in HTML).

    ``steps`` are the steps' lead texts in order, 1 to :data:`MAX_STEPS` of them
    (``ValueError`` otherwise); ``caption`` names the drawing (its ``<title>``, what a
    screen reader announces: the visible caption is the page's). Every text is
    XML-escaped; the same input gives the same bytes.
    """
    drawing = layout([" ".join(step.split()) for step in steps])
    width, height = _n(drawing.width), _n(drawing.height)
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="process" viewBox="0 0 {width} {height}"'
        f' width="{width}" height="{height}">',
        f"<title>{escape(' '.join(caption.split()))}</title>",
    ]
    for points in drawing.arrows:
        shaft, head = _arrow_head(points)
        out.append(
            f'<polyline class="arrow" points="{_points(shaft)}" fill="none" stroke="{LINE}"'
            ' stroke-width="1.6"/>'
        )
        out.append(f'<polygon class="arrow-head" points="{_points(head)}" fill="{LINE}"/>')
    font = f"font-family={quoteattr(FONT_FAMILY)}"
    for box in drawing.boxes:
        cx, cy = _badge_centre(box)
        out.append('<g class="step">')
        out.append(
            f'<rect class="step-box" x="{_n(box.x)}" y="{_n(box.y)}" width="{_n(box.width)}"'
            f' height="{_n(box.height)}" rx="6" fill="{BOX_FILL}" stroke="{INK}"'
            ' stroke-width="1.4"/>'
        )
        out.append(
            f'<circle class="step-badge" cx="{_n(cx)}" cy="{_n(cy)}" r="{BADGE_RADIUS}"'
            f' fill="{INK}"/>'
        )
        out.append(
            f'<text class="step-number" x="{_n(cx)}" y="{_n(cy + _NUMBER_DROP)}" {font}'
            f' font-size="{NUMBER_SIZE}" font-weight="bold" fill="#ffffff"'
            f' text-anchor="middle">{box.number}</text>'
        )
        for line, baseline in zip(box.lines, _line_baselines(box), strict=True):
            out.append(
                f'<text class="step-text" x="{_n(box.x + PADDING)}" y="{_n(baseline)}" {font}'
                f' font-size="{FONT_SIZE}" fill="{TEXT}">{escape(line)}</text>'
            )
        out.append("</g>")
    out.append("</svg>")
    return "\n".join(out) + "\n"


# --- PNG ---------------------------------------------------------------------------------

if TYPE_CHECKING:
    _Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


@functools.lru_cache(maxsize=8)
def _font(bold: bool, size: int) -> _Font:
    """DejaVu Sans (Debian's fonts-dejavu-core), else Pillow's own default font."""
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    try:
        return ImageFont.truetype(str(FONT_DIR / name), size)
    except OSError:
        return ImageFont.load_default(size)


def _hex(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _text(
    draw: ImageDraw.ImageDraw,
    at: tuple[float, float],
    text: str,
    *,
    font: _Font,
    fill: str,
    centred: bool = False,
) -> None:
    """Draw ``text`` with its baseline at ``at`` (its left end, or its middle)."""
    from PIL import ImageFont

    if isinstance(font, ImageFont.FreeTypeFont):
        draw.text(at, text, font=font, fill=_hex(fill), anchor="ms" if centred else "ls")
        return
    # A bitmap font knows no anchors: place its top-left corner from its own box.
    left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
    x = at[0] - (right - left) / 2 if centred else at[0]
    draw.text((x, at[1] - bottom), text, font=font, fill=_hex(fill))


def process_png(steps: Sequence[str], caption: str) -> bytes:
    """The same drawing as :func:`process_svg`, as PNG bytes (for Word), drawn twice the
    SVG's size. ``caption`` is stored as the image's ``Title`` text; the bytes carry no
    time stamp, so the same input gives the same file."""
    from PIL import Image, ImageDraw
    from PIL.PngImagePlugin import PngInfo

    drawing = layout([" ".join(step.split()) for step in steps])
    scale = PNG_SCALE * _SUPERSAMPLE
    size = (math.ceil(drawing.width * scale), math.ceil(drawing.height * scale))
    image = Image.new("RGB", size, "#ffffff")
    draw = ImageDraw.Draw(image)

    def at(x: float, y: float) -> tuple[float, float]:
        return x * scale, y * scale

    for points in drawing.arrows:
        shaft, head = _arrow_head(points)
        draw.line(
            [at(x, y) for x, y in shaft], fill=_hex(LINE), width=round(1.6 * scale), joint="curve"
        )
        draw.polygon([at(x, y) for x, y in head], fill=_hex(LINE))
    text_font = _font(False, round(FONT_SIZE * scale))
    number_font = _font(True, round(NUMBER_SIZE * scale))
    for box in drawing.boxes:
        draw.rounded_rectangle(
            (at(box.x, box.y), at(box.x + box.width, box.y + box.height)),
            radius=6 * scale,
            fill=_hex(BOX_FILL),
            outline=_hex(INK),
            width=round(1.4 * scale),
        )
        cx, cy = _badge_centre(box)
        r = BADGE_RADIUS
        draw.ellipse((at(cx - r, cy - r), at(cx + r, cy + r)), fill=_hex(INK))
        _text(
            draw,
            at(cx, cy + _NUMBER_DROP),
            str(box.number),
            font=number_font,
            fill="#ffffff",
            centred=True,
        )
        for line, baseline in zip(box.lines, _line_baselines(box), strict=True):
            _text(draw, at(box.x + PADDING, baseline), line, font=text_font, fill=TEXT)

    final = image.resize(
        (math.ceil(drawing.width * PNG_SCALE), math.ceil(drawing.height * PNG_SCALE)),
        Image.Resampling.LANCZOS,
    )
    info = PngInfo()
    info.add_text("Title", " ".join(caption.split()))
    out = io.BytesIO()
    final.save(out, format="PNG", pnginfo=info, optimize=True)
    return out.getvalue()
