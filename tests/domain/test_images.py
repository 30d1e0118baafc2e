"""The footer logo check: PNG and JPEG by their own headers, size and dimension limits,
and everything else (other formats, text, empty, cut-off or damaged files) refused."""

from __future__ import annotations

import struct

import pytest

from cafe.domain.errors import DomainError
from cafe.domain.images import MAX_KB, check_logo
from tests.imagefiles import jpeg, photo, png, png_chunk


def refused(data: object) -> DomainError:
    with pytest.raises(DomainError) as caught:
        check_logo(data)  # type: ignore[arg-type]
    return caught.value


def test_png_and_jpeg_are_accepted_with_their_media_types() -> None:
    assert check_logo(png(1, 1)) == "image/png"
    assert check_logo(png(120, 40)) == "image/png"
    assert check_logo(photo(64, 48)) == "image/jpeg"


def test_the_largest_allowed_sides_and_file_size_pass() -> None:
    assert check_logo(png(4000, 4000)) == "image/png"
    assert check_logo(photo(4000, 1)) == "image/jpeg"
    base = png(2, 2)
    padded = png(2, 2, extra=b"x" * (MAX_KB * 1024 - len(base) - 20))
    assert len(padded) == MAX_KB * 1024
    assert check_logo(padded) == "image/png"


def test_a_file_over_512_kb_is_refused_as_too_large() -> None:
    big = png(2, 2, extra=b"x" * 600 * 1024)
    error = refused(big)
    assert error.code == "logo_too_large"
    assert error.params == {"max_kb": 512}
    assert refused(png(2, 2, extra=b"x" * (MAX_KB * 1024))).code == "logo_too_large"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", id="gif"),
        pytest.param("Kestävää kasvua".encode(), id="text"),
        pytest.param(b"<svg xmlns='http://www.w3.org/2000/svg'/>", id="svg"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="png-signature-only"),
        pytest.param(png(10, 10)[:30], id="png-cut-in-ihdr"),
        pytest.param(png(10, 10)[:-12], id="png-without-iend"),
        pytest.param(png(10, 10)[:-1], id="png-cut-in-last-crc"),
        pytest.param(png(10, 10).replace(b"IDAT", b"IDAX"), id="png-bad-crc"),
        pytest.param(
            b"\x89PNG\r\n\x1a\n"
            + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 10, 10, 8, 2, 0, 0, 0))
            + png_chunk(b"IEND", b""),
            id="png-without-image-data",
        ),
        pytest.param(
            b"\x89PNG\r\n\x1a\n" + png_chunk(b"IDAT", b"") + png_chunk(b"IEND", b""),
            id="png-without-ihdr",
        ),
        pytest.param(b"\xff\xd8\xff", id="jpeg-marker-only"),
        pytest.param(b"\xff\xd8\xff\xda\x00\x02\xff\xd9", id="jpeg-without-frame"),
        pytest.param(jpeg(10, 10)[:26], id="jpeg-cut-in-frame"),
        pytest.param(jpeg(10, 10, components=0), id="jpeg-no-components"),
    ],
)
def test_other_formats_and_damaged_files_are_refused_as_bad_images(data: bytes) -> None:
    error = refused(data)
    assert error.code == "logo_bad_image"
    assert error.params == {"max_px": 4000}


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(png(5000, 10, pixels=False), id="png-5000x10"),
        pytest.param(png(10, 4001, pixels=False), id="png-10x4001"),
        pytest.param(png(0, 10, pixels=False), id="png-zero-width"),
        pytest.param(jpeg(5000, 10), id="jpeg-5000x10"),
        pytest.param(jpeg(10, 0), id="jpeg-zero-height"),
    ],
)
def test_dimensions_over_4000_or_zero_are_refused(data: bytes) -> None:
    assert refused(data).code == "logo_bad_image"


def test_only_bytes_are_read() -> None:
    assert refused("\x89PNG").code == "logo_bad_image"
    assert refused(None).code == "logo_bad_image"


def _corrupt_idat() -> bytes:
    """A PNG whose chunks and checksums are right but whose compressed pixels are not."""
    header = struct.pack(">IIBBBBB", 10, 10, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", b"not zlib at all")
        + png_chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(photo(120, 80)[: len(photo(120, 80)) // 2], id="jpeg-cut-in-half"),
        pytest.param(photo(120, 80)[:-2], id="jpeg-without-end-marker"),
        pytest.param(jpeg(640, 480), id="jpeg-header-without-image-data"),
        pytest.param(_corrupt_idat(), id="png-pixels-not-compressed"),
        pytest.param(png(10, 10, pixels=False), id="png-too-few-pixels"),
    ],
)
def test_an_image_whose_header_is_right_but_whose_pixels_do_not_decode_is_refused_as_damaged(
    data: bytes,
) -> None:
    error = refused(data)
    assert error.code == "logo_damaged"
