"""The memo's optional footer logo: a small PNG or JPEG, checked before it is stored.

The checks read the file's own header (PNG's IHDR chunk, JPEG's start-of-frame segment)
instead of trusting a file name or a browser's media type, and without an image library:
what is refused here never reaches WeasyPrint or Word. A PNG must also be whole (every
chunk present with a correct checksum, up to IEND), so that a cut-off upload is refused at
once instead of printing as an empty box in every exported file.
"""

from __future__ import annotations

import struct
import zlib

from cafe.domain.errors import DomainError

#: Largest logo file, in KB (a footer logo of a few centimetres needs far less).
MAX_KB = 512
#: Largest width and height, in pixels.
MAX_SIDE = 4000

PNG = "image/png"
JPEG = "image/jpeg"

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
# Start-of-frame markers (baseline, progressive, lossless, arithmetic): they carry the size.
# C4 (Huffman tables), C8 (reserved) and CC (arithmetic conditioning) are not frames.
_JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
# Markers that stand alone, without a length: TEM and the restart markers RST0-7.
_JPEG_STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})
_JPEG_SOS = 0xDA
_JPEG_EOI = 0xD9


def _bad() -> DomainError:
    return DomainError("logo_bad_image", {"max_px": MAX_SIDE})


def _png_size(data: bytes) -> tuple[int, int]:
    """The width and height of a whole PNG; raises ``logo_bad_image`` otherwise."""
    position = len(_PNG_SIGNATURE)
    size: tuple[int, int] | None = None
    seen_data = False
    while True:
        if position + 8 > len(data):
            raise _bad()
        length, kind = struct.unpack_from(">I4s", data, position)
        end = position + 8 + length + 4
        if end > len(data):
            raise _bad()
        body = data[position + 8 : position + 8 + length]
        (crc,) = struct.unpack_from(">I", data, end - 4)
        if zlib.crc32(kind + body) != crc:
            raise _bad()
        if size is None:
            # IHDR must come first and is exactly 13 bytes.
            if kind != b"IHDR" or length != 13:
                raise _bad()
            size = struct.unpack_from(">II", body)
        elif kind == b"IDAT":
            seen_data = True
        elif kind == b"IEND":
            if not seen_data:
                raise _bad()
            return size
        position = end


def _jpeg_size(data: bytes) -> tuple[int, int]:
    """The width and height in a JPEG's start-of-frame segment; ``logo_bad_image`` if the
    segments before it do not hold together or there is none."""
    position = 2
    while position < len(data):
        if data[position] != 0xFF:
            raise _bad()
        # Any number of 0xFF fill bytes may precede a marker.
        while position < len(data) and data[position] == 0xFF:
            position += 1
        if position >= len(data):
            break
        marker = data[position]
        position += 1
        if marker in _JPEG_STANDALONE:
            continue
        if marker in (_JPEG_SOS, _JPEG_EOI) or position + 2 > len(data):
            # Image data or the end before any frame header: nothing says how big it is.
            break
        (length,) = struct.unpack_from(">H", data, position)
        if length < 2 or position + length > len(data):
            raise _bad()
        if marker in _JPEG_SOF:
            # Length, precision, height, width, component count, 3 bytes per component.
            if length < 8:
                raise _bad()
            height, width, components = struct.unpack_from(">HHB", data, position + 3)
            if components == 0 or length != 8 + 3 * components:
                raise _bad()
            return width, height
        position += length
    raise _bad()


def check_logo(data: bytes) -> str:
    """Return the media type of a footer logo (``"image/png"`` or ``"image/jpeg"``), or
    raise ``DomainError``.

    ``logo_too_large`` (``max_kb``) for a file over :data:`MAX_KB` KB; ``logo_bad_image``
    (``max_px``) for anything else refused: not bytes, empty, neither PNG nor JPEG by its
    first bytes, a header that does not parse (a cut-off or damaged PNG), or a width or
    height of 0 or over :data:`MAX_SIDE` pixels.
    """
    if not isinstance(data, bytes) or not data:
        raise _bad()
    if len(data) > MAX_KB * 1024:
        raise DomainError("logo_too_large", {"max_kb": MAX_KB})
    if data.startswith(_PNG_SIGNATURE):
        kind = PNG
        width, height = _png_size(data)
    elif data.startswith(b"\xff\xd8\xff"):
        kind = JPEG
        width, height = _jpeg_size(data)
    else:
        raise _bad()
    if not (0 < width <= MAX_SIDE and 0 < height <= MAX_SIDE):
        raise _bad()
    return kind
