"""Rules for the texts participants write (pure core)."""

from __future__ import annotations

import uuid

import pytest

from cafe.domain.errors import DomainError
from cafe.domain.text import clean_idea_text, is_client_id

MAX = 500


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Kahvia ja pullaa", "Kahvia ja pullaa"),
        ("a\u0308iti", "äiti"),  # decomposed ä becomes one character (NFC)
        ("rivi 1\r\nrivi 2", "rivi 1\nrivi 2"),
        ("rivi 1\rrivi 2", "rivi 1\nrivi 2"),
        ("sarake\tarvo", "sarake\tarvo"),
        ("a\x00b\x07c\x1bd\x7fe", "abcde"),
        ("a\x85b", "ab"),  # C1 control (NEL)
        ("a\ud800b", "ab"),  # a lone surrogate
        ("  \n reunat pois \t\n", "reunat pois"),
        ("\x00 keskellä \x00", "keskellä"),
        # A right-to-left override would reverse the text after it on every screen.
        ("\u202eolleh\u202c tervehdys", "olleh tervehdys"),
        ("\u2067isolated\u2069", "isolated"),
        ("שלום \u200fmark", "שלום \u200fmark"),  # a right-to-left *mark* stays
    ],
)
def test_clean_idea_text_normalises(raw: str, clean: str) -> None:
    assert clean_idea_text(raw, MAX) == clean


@pytest.mark.parametrize(
    "raw",
    [
        "",
        " ",
        "\n\n",
        " \t\r\n ",
        "\x00\x01\x02",
        "\u00a0\u3000",
        "\u200b",
        " \ufeff\u2060 ",
        "\u202e\u200f\u200b",
        "\u3164\u2800",
    ],
)
def test_clean_idea_text_refuses_empty_or_blank(raw: str) -> None:
    with pytest.raises(DomainError) as caught:
        clean_idea_text(raw, MAX)
    assert caught.value.code == "text_empty"


def test_clean_idea_text_keeps_a_visible_character_joined_by_format_characters() -> None:
    family = "\U0001f469\u200d\U0001f467"  # woman ZWJ girl: one emoji, format char inside
    assert clean_idea_text(family, MAX) == family


@pytest.mark.parametrize(
    ("raw", "accepted"),
    [
        ("x" * 500, True),
        ("x" * 501, False),
        ("  " + "x" * 500 + "\n", True),  # the trimmed ends do not count
        ("a\u0308" * 500, True),  # 1000 code points, 500 characters after NFC
        ("a\u0308" * 501, False),
        ("\x00" + "x" * 500, True),  # stripped control characters do not count
    ],
)
def test_clean_idea_text_limit_counts_normalised_characters(raw: str, accepted: bool) -> None:
    if accepted:
        assert len(clean_idea_text(raw, MAX)) == 500
    else:
        with pytest.raises(DomainError) as caught:
            clean_idea_text(raw, MAX)
        assert caught.value.code == "text_too_long"
        assert caught.value.params == {"max": 500, "length": 501}


@pytest.mark.parametrize("raw", [None, 5, 5.0, True, b"bytes", ["x"], {"text": "x"}])
def test_clean_idea_text_refuses_non_strings(raw: object) -> None:
    with pytest.raises(DomainError) as caught:
        clean_idea_text(raw, MAX)
    assert caught.value.code == "text_invalid"


@pytest.mark.parametrize(
    ("value", "valid"),
    [
        (str(uuid.uuid4()), True),
        ("00000000-0000-4000-8000-000000000000", True),
        (str(uuid.uuid4()).upper(), False),
        (uuid.uuid4().hex, False),
        ("{" + str(uuid.uuid4()) + "}", False),
        ("0000000-00000-4000-8000-000000000000", False),  # right length, wrong groups
        ("g0000000-0000-4000-8000-000000000000", False),
        ("00000000-0000-4000-8000-0000000000000", False),
        ("00000000-0000-4000-8000-00000000000", False),
        ("", False),
        (None, False),
        (12345, False),
        (uuid.uuid4(), False),
        (["00000000-0000-4000-8000-000000000000"], False),
    ],
)
def test_is_client_id(value: object, valid: bool) -> None:
    assert is_client_id(value) is valid
