"""Rules for the short texts participants write."""

from __future__ import annotations

import unicodedata

from cafe.domain.errors import DomainError


def clean_idea_text(raw: object, max_chars: int) -> str:
    """Return a post's text normalised, or raise ``DomainError``.

    Normalises to NFC (so "ä" typed two ways counts once), turns CRLF into LF, strips
    control characters other than newlines and tabs, and trims the ends. Refuses a
    text that is empty (or invisible) afterwards or longer than ``max_chars`` characters.
    """
    if not isinstance(raw, str):
        raise DomainError("text_invalid")
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    text = "".join(
        ch for ch in text if ch in "\n\t" or unicodedata.category(ch) not in ("Cc", "Cs")
    ).strip()
    # Format characters alone (zero-width space, BOM, word joiner) show nothing at all.
    if all(ch.isspace() or unicodedata.category(ch) == "Cf" for ch in text):
        raise DomainError("text_empty")
    if len(text) > max_chars:
        raise DomainError("text_too_long", {"max": max_chars, "length": len(text)})
    return text


def is_client_id(value: object) -> bool:
    """Tell whether a value is a client-generated post id (a UUID in canonical text form)."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    parts = value.split("-")
    if [len(p) for p in parts] != [8, 4, 4, 4, 12]:
        return False
    return all(ch in "0123456789abcdef" for p in parts for ch in p)
