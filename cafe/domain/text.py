"""Rules for the short texts participants write."""

from __future__ import annotations

import unicodedata
from typing import TypeGuard

from cafe.domain.errors import DomainError


def clean_idea_text(raw: object, max_chars: int) -> str:
    """Return a post's text normalised, or raise ``DomainError``.

    Normalises to NFC (so "ä" typed two ways counts once), turns CRLF into LF, strips
    control characters other than newlines and tabs and the bidi overrides and isolates,
    and trims the ends. Refuses a
    text that is empty (or invisible) afterwards or longer than ``max_chars`` characters.
    """
    if not isinstance(raw, str):
        raise DomainError("text_invalid")
    text = unicodedata.normalize("NFC", raw).replace("\r\n", "\n").replace("\r", "\n")
    # Bidi overrides and isolates go too: one in a post would reverse how every phone and
    # the board draw the text after it.
    text = "".join(
        ch
        for ch in text
        if ch in "\n\t"
        or (unicodedata.category(ch) not in ("Cc", "Cs") and ch not in BIDI_CONTROLS)
    ).strip()
    # Format characters alone (zero-width space, BOM, word joiner) show nothing at all.
    if is_blank(text):
        raise DomainError("text_empty")
    if len(text) > max_chars:
        raise DomainError("text_too_long", {"max": max_chars, "length": len(text)})
    return text


def is_client_id(value: object) -> TypeGuard[str]:
    """Tell whether a value is a client-generated post id (a UUID in canonical text form)."""
    if not isinstance(value, str) or len(value) != 36:
        return False
    parts = value.split("-")
    if [len(p) for p in parts] != [8, 4, 4, 4, 12]:
        return False
    return all(ch in "0123456789abcdef" for p in parts for ch in p)


#: Letters and marks that draw nothing yet are neither format characters nor spaces: the
#: Hangul fillers, the blank Braille pattern, the combining grapheme joiner and the
#: variation selectors. Text made of them looks empty, so it counts as empty.
_BLANK_GLYPHS = frozenset(
    "\u115f\u1160\u3164\uffa0\u2800\u034f"
    + "".join(chr(c) for c in range(0xFE00, 0xFE10))
    + "".join(chr(c) for c in range(0xE0100, 0xE01F0))
)
#: The bidirectional embedding, override and isolate controls (LRE, RLE, PDF, LRO, RLO,
#: LRI, RLI, FSI, PDI): one of them in a topic can reverse how the board draws the text
#: after it. The left-to-right and right-to-left *marks* stay: they only nudge neutral
#: characters and are part of ordinary Arabic or Hebrew text.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def is_blank(text: str) -> bool:
    """Tell whether a text shows nothing: after dropping format and control characters
    (Unicode Cf, Cc), line and paragraph separators (Zl, Zp), whitespace and blank glyphs
    nothing is left. A topic of zero-width spaces and right-to-left marks is blank."""
    return all(
        ch.isspace() or ch in _BLANK_GLYPHS or unicodedata.category(ch) in ("Cf", "Cc", "Zl", "Zp")
        for ch in text
    )


def strip_bidi_controls(text: str) -> str:
    """Remove the bidirectional override and isolate controls (:data:`BIDI_CONTROLS`)."""
    return "".join(ch for ch in text if ch not in BIDI_CONTROLS)
