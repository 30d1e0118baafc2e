"""The memo's optional footer logo: a small PNG or JPEG, checked before it is stored.

The checks first read the file's own header (PNG's IHDR chunk, JPEG's start-of-frame
segment) instead of trusting a file name or a browser's media type, so that nothing too big
is ever decoded. Then Pillow decodes the whole image (``verify``, then a fresh ``open`` and
``load``: ``verify`` leaves the image unusable and, for a JPEG, reads only its headers): a
cut-off or damaged upload is refused at once, with its own message, instead of breaking
every exported file afterwards.
"""

from __future__ import annotations

import io
import struct
import warnings
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


def _decodes(data: bytes, kind: str) -> None:
    """Raise ``logo_damaged`` unless Pillow decodes every pixel of ``data`` as ``kind``."""
    # Imported here: only a logo's check decodes an image (an export without one need not
    # wait for Pillow).
    from PIL import Image, ImageFile

    expected = {PNG: "PNG", JPEG: "JPEG"}[kind]
    # WeasyPrint sets Pillow's global LOAD_TRUNCATED_IMAGES when the PDF export is first
    # imported, and a cut-off JPEG then "loads" with grey where its pixels were missing.
    tolerant = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        with warnings.catch_warnings():
            # Pillow warns of a decompression bomb; the header check has bounded the size.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                image.verify()
            # verify() leaves the image unusable; only a fresh load decodes the pixels (a
            # truncated JPEG passes verify() and fails here).
            with Image.open(io.BytesIO(data), formats=[expected]) as image:
                image.load()
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise DomainError("logo_damaged") from None
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = tolerant


def check_logo(data: bytes) -> str:
    """Return the media type of a footer logo (``"image/png"`` or ``"image/jpeg"``), or
    raise ``DomainError``.

    ``logo_too_large`` (``max_kb``) for a file over :data:`MAX_KB` KB; ``logo_bad_image``
    (``max_px``) for anything else refused: not bytes, empty, neither PNG nor JPEG by its
    first bytes, a header that does not parse (a cut-off or damaged PNG), or a width or
    height of 0 or over :data:`MAX_SIDE` pixels; ``logo_damaged`` for a PNG or JPEG whose
    header is right but whose image data does not decode whole (cut off while uploading, a
    damaged file).
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
    _decodes(data, kind)
    return kind
