"""Error pages in the reader's language; a bad request never becomes a 500."""

from __future__ import annotations

import logging

from flask import Flask, render_template, request
from flask_babel import gettext
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter, Map

from cafe.documents.rendering import PdfUnavailable
from cafe.domain.errors import DomainError
from cafe.domain.keys import MAX_ID
from cafe.messages import message_for

log = logging.getLogger(__name__)


class BoundedIntConverter(IntegerConverter):
    """``<int:…>`` in every route: a number no database key can hold is 404, like an id that
    does not exist, instead of an OverflowError (500) in the query."""

    def __init__(self, map: Map, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)  # type: ignore[arg-type]


def register_error_handlers(app: Flask) -> None:
    """Render HTTP errors with the site's layout."""

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError) -> tuple[str, int]:
        """The form was stale or forged: say so and ask to reload."""
        message = gettext("The form has expired. Reload the page and try again.")
        return render_template("error.html", code=400, message=message), 400

    @app.errorhandler(PdfUnavailable)
    def pdf_unavailable(error: PdfUnavailable) -> tuple[str, int]:
        """WeasyPrint or Pango is missing: only the PDF export is off, and says so (503,
        for the server lacks a part; the other formats still work)."""
        log.warning("PDF export unavailable: %s", error)
        # Every export route ends in its format: the same document as print-ready HTML.
        html = request.path.rsplit("/", 1)[0] + "/html"
        return render_template(
            "error.html",
            code=503,
            message=gettext("PDF export is not available on this server."),
            detail=message_for(DomainError("pdf_unavailable")),
            alternative={"href": html, "label": gettext("Download the HTML version")},
        ), 503

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> tuple[str, int]:
        """404, 405, 413 and friends, translated."""
        code = error.code or 500
        messages = {
            400: gettext("The request was malformed."),
            403: gettext("You may not open this page."),
            404: gettext("Page not found. Check the address or the code."),
            405: gettext("This address does not accept that kind of request."),
            413: gettext("The upload is too large."),
            429: gettext("Too many attempts. Wait a minute and try again."),
        }
        message = messages.get(code, gettext("Something went wrong."))
        return render_template("error.html", code=code, message=message), code
