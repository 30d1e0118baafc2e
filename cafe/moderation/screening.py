"""The personal-data screen as the app calls it: cached per text, as JSON-ready findings.

The gathering view, the summary and the document editors show what the screen finds in
texts that change rarely but are rendered often (every broadcast of the gathering carries
every card), so each distinct text is screened once per process.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from cafe.domain.errors import DomainError
from cafe.domain.privacy import KINDS, Finding, findings_payload, mask, screen


@lru_cache(maxsize=8192)
def _screened(text: str, language: str, allow: tuple[str, ...]) -> tuple[Finding, ...]:
    return tuple(screen(text, language, allow))


def findings_in(text: str, language: str, allow: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """What the screen finds in ``text`` (``[{"kind", "start", "end"}]``; empty when clean).
    ``allow``: words known not to be personal data here (the openers' names, say)."""
    if not text:
        return []
    return findings_payload(_screened(text, language, allow))


#: Document fields that hold dates and times, not text.
_NOT_TEXT = ("next_date", "next_start", "next_end", "base", "csrf_token", "correction")


def document_findings(
    values: dict[str, Any], language: str, allow: tuple[str, ...] = ()
) -> list[dict[str, Any]]:
    """What the screen finds in a document editor's fields: ``[{"field", "kind", "start",
    "end", "words"}]`` in field order, so the organizer can mask each one or mark it as not
    personal data. ``allow`` holds the openers' names (named with their consent) and the
    words already marked as not personal data."""
    found: list[dict[str, Any]] = []
    for field, text in values.items():
        if field in _NOT_TEXT or not isinstance(text, str):
            continue
        for finding in findings_in(text, language, allow):
            words = text[finding["start"] : finding["end"]]
            found.append({"field": field, **finding, "words": words})
    return found


def mask_span(
    text: object, *, kind: object, start: object, end: object, words: object, language: str
) -> str:
    """``text`` with ``words`` at ``start``–``end`` replaced by the placeholder of ``kind``;
    ``finding_moved`` when the text no longer holds those words there (edited meanwhile)."""
    if not isinstance(text, str) or kind not in KINDS:
        raise DomainError("finding_moved")
    begin, stop = _index(start), _index(end)
    if begin is None or stop is None or text[begin:stop] != words or begin >= stop:
        raise DomainError("finding_moved")
    return mask(text, [Finding(kind, begin, stop)], language)


def _index(raw: object) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw if raw >= 0 else None
    if isinstance(raw, str) and raw.isdigit() and len(raw) < 8:
        return int(raw)
    return None
