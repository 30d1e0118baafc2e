"""Join codes, board tokens and device tokens (pure core)."""

from __future__ import annotations

import hashlib
import string

import pytest

from cafe.domain.codes import (
    JOIN_ALPHABET,
    JOIN_CODE_LENGTH,
    device_hash,
    is_valid_device_token,
    new_board_token,
    new_join_code,
    normalise_join_code,
)


@pytest.mark.parametrize("look_alike", ["I", "L", "O", "0", "1"])
def test_join_alphabet_leaves_out_look_alike(look_alike: str) -> None:
    assert look_alike not in JOIN_ALPHABET


def test_join_alphabet_is_31_distinct_upper_case_letters_and_digits() -> None:
    assert len(JOIN_ALPHABET) == len(set(JOIN_ALPHABET)) == 31
    assert set(JOIN_ALPHABET) <= set(string.ascii_uppercase + string.digits)


def test_new_join_codes_are_six_characters_from_the_alphabet_and_vary() -> None:
    codes = {new_join_code() for _ in range(200)}
    assert all(len(code) == JOIN_CODE_LENGTH == 6 for code in codes)
    assert all(set(code) <= set(JOIN_ALPHABET) for code in codes)
    assert len(codes) > 190  # 31**6 possibilities: collisions in 200 draws are rare


@pytest.mark.parametrize(
    ("typed", "canonical"),
    [
        ("ABC234", "ABC234"),
        ("abc234", "ABC234"),
        ("abc 234", "ABC234"),
        ("ABC-234", "ABC234"),
        ("  abc - 234 ", "ABC234"),
        ("abc\t234", "ABC234"),
        ("xyz789", "XYZ789"),
    ],
)
def test_normalise_join_code_accepts_how_people_type_it(typed: str, canonical: str) -> None:
    assert normalise_join_code(typed) == canonical


@pytest.mark.parametrize(
    "typed",
    [
        "ABI234",  # I looks like 1
        "ABL234",  # L looks like 1
        "ABO234",  # O looks like 0
        "AB0234",
        "AB1234",
        "ABC23",  # too short
        "ABC2345",  # too long
        "",
        "      ",
        "ABC_234",
        "ABC.234",
        "ÄBC234",
        "ＡＢＣ２３４",  # full-width forms
    ],
)
def test_normalise_join_code_rejects_look_alikes_and_wrong_lengths(typed: str) -> None:
    assert normalise_join_code(typed) is None


def test_board_tokens_are_long_url_safe_and_unique() -> None:
    tokens = {new_board_token() for _ in range(50)}
    assert len(tokens) == 50
    for token in tokens:
        assert len(token) == 32
        assert set(token) <= set(string.ascii_letters + string.digits + "-_")


def test_device_hash_is_hex_sha256_of_the_token_and_never_the_token() -> None:
    token = "a" * 22 + "B-_9"
    hashed = device_hash(token)
    assert hashed == hashlib.sha256(token.encode()).hexdigest()
    assert len(hashed) == 64 and set(hashed) <= set("0123456789abcdef")
    assert hashed != token and token not in hashed


def test_device_hash_differs_between_tokens() -> None:
    assert device_hash("x" * 22) != device_hash("x" * 21 + "y")


@pytest.mark.parametrize(
    ("token", "valid"),
    [
        ("a" * 22, True),
        ("a" * 21, False),
        ("a" * 128, True),
        ("a" * 129, False),
        ("Az09-_" * 5, True),
        ("0123456789abcdef0123456789abcdef01234567", True),
        ("a" * 21 + ".", False),
        ("a" * 21 + " ", False),
        ("a" * 21 + "/", False),
        ("a" * 21 + "=", False),
        ("ä" * 22, False),  # alphanumeric, but not ASCII
        ("٣" * 22, False),  # an Arabic-Indic digit
        ("", False),
        (None, False),
        (12345678901234567890123, False),
        (b"a" * 22, False),
        (["a" * 22], False),
    ],
)
def test_is_valid_device_token(token: object, valid: bool) -> None:
    assert is_valid_device_token(token) is valid
