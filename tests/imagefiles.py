"""Tiny valid (and deliberately broken) image files for the logo tests. The PNGs and the
JPEG heads are built by hand, so that each byte a test breaks is in plain sight; a whole
JPEG (with its compressed image data) comes from Pillow."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image


def png_chunk(kind: bytes, data: bytes) -> bytes:
    """One PNG chunk: length, type, data and the CRC of type + data."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png(width: int, height: int, *, pixels: bool = True, extra: bytes = b"") -> bytes:
    """A PNG of ``width`` × ``height`` blue RGB pixels. ``pixels=False`` writes a token
    IDAT instead (the header check never inflates it), for sizes too big to build."""
    if pixels:
        row = b"\x00" + b"\x00\x33\x99" * width
        data = zlib.compress(row * height)
    else:
        data = zlib.compress(b"\x00")
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    ancillary = png_chunk(b"tEXt", b"Comment\x00" + extra) if extra else b""
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + ancillary
        + png_chunk(b"IDAT", data)
        + png_chunk(b"IEND", b"")
    )


def photo(width: int, height: int) -> bytes:
    """A whole baseline JPEG of ``width`` × ``height`` pixels, noisy enough that its image
    data is most of the file (so that cutting it off cuts the pixels)."""
    image = Image.effect_noise((width, height), 64).convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


def jpeg(width: int, height: int, *, components: int = 3) -> bytes:
    """The head of a baseline JPEG: SOI, a JFIF APP0 segment, SOF0 with the size, EOI (no
    image data: its header is right, its pixels are missing)."""
    app0 = b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    sof = struct.pack(">BHHB", 8, height, width, components) + b"\x01\x11\x00" * components
    return (
        b"\xff\xd8"
        + b"\xff\xe0"
        + struct.pack(">H", len(app0) + 2)
        + app0
        + b"\xff\xc0"
        + struct.pack(">H", len(sof) + 2)
        + sof
        + b"\xff\xd9"
    )
