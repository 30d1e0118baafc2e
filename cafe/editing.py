"""What the two document editors (the memo and the workshop report) share on the web:
reading the revision a form was based on, naming the field a message is about, and
sending an exported file."""

from __future__ import annotations

from flask import Response, request

from cafe.documents.rendering import Export
from cafe.domain.errors import DomainError
from cafe.messages import message_for


def form_base() -> object:
    """The ``base`` revision the posted form was edited from (an int when it is one; any
    other value is left for the stale-save check to refuse as a bad request)."""
    raw = request.form.get("base", "")
    return int(raw) if raw.isdigit() and len(raw) < 10 else raw


def field_message(error: DomainError) -> str:
    """The rule's message, prefixed with the field it is about when known."""
    field = error.params.get("field")
    message = message_for(error)
    return f"{field}: {message}" if field else message


def attachment(result: Export) -> Response:
    """An exported document as a download."""
    return Response(
        result.content,
        mimetype=result.media_type,
        headers={"Content-Disposition": f'attachment; filename="{result.filename}"'},
    )
