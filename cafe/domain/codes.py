"""Join codes and secret tokens."""

from __future__ import annotations

import hashlib
import secrets

#: Upper-case letters and digits without the look-alikes I/1/L and O/0.
JOIN_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
JOIN_CODE_LENGTH = 6


def new_join_code() -> str:
    """Return a random join code: 31**6, about 887 million possibilities."""
    return "".join(secrets.choice(JOIN_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def normalise_join_code(raw: str) -> str | None:
    """Return the code a person typed in canonical form, or None if it cannot be a code.

    People type codes in lower case, with spaces or a dash in the middle
    ("abc 234", "ABC-234"); all of those are accepted.
    """
    cleaned = "".join(ch for ch in raw.upper() if ch not in " -\t")
    if len(cleaned) != JOIN_CODE_LENGTH or any(ch not in JOIN_ALPHABET for ch in cleaned):
        return None
    return cleaned


def new_board_token() -> str:
    """Return the secret that makes a board's read-only link (192 bits)."""
    return secrets.token_urlsafe(24)


def device_hash(token: str) -> str:
    """Return the stored form of a phone's device token.

    The token is 128+ random bits generated in the browser, so a plain SHA-256 cannot be
    reversed by guessing; the server never stores the token itself.
    """
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def is_valid_device_token(token: object) -> bool:
    """Tell whether a value looks like a device token the phone script generates."""
    return (
        isinstance(token, str)
        and 22 <= len(token) <= 128
        and all(ch.isascii() and (ch.isalnum() or ch in "-_") for ch in token)
    )
