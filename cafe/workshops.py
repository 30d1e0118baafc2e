"""The workshop templates of ``sessions/templates/``, loaded once per process.

Each event names its template (``CafeEvent.kind``): its phases, the prompts phones show,
its role tags and the document it exports. A malformed file is refused at load time with
its file, line and reason: it is logged, left out, and listed by ``cafe templates check``;
the app still starts with the others.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from cafe import resource_dir
from cafe.domain.errors import DomainError
from cafe.domain.plan import DEFAULT_TITLE
from cafe.domain.workshops import Catalogue, WorkshopTemplate, load_templates

log = logging.getLogger(__name__)

#: The template of every event created without naming one (and of events from before
#: templates existed).
DEFAULT_TEMPLATE = "cafe-social"


_catalogue: Catalogue | None = None


def load_catalogue() -> Catalogue:
    """Read every ``*.toml`` of ``sessions/templates/`` file by file
    (:func:`cafe.domain.workshops.load_templates`), logging each refusal; the default
    template must load."""
    folder = Path(resource_dir("sessions")) / "templates"
    catalogue = load_templates(folder)
    for error in catalogue.errors:
        log.warning("workshop template refused: %s", error)
    if DEFAULT_TEMPLATE not in catalogue.templates:
        raise RuntimeError(f"{folder}: the {DEFAULT_TEMPLATE!r} template is missing or broken")
    return catalogue


def catalogue() -> Catalogue:
    """The process's templates (loaded on first use)."""
    global _catalogue
    if _catalogue is None:
        _catalogue = load_catalogue()
    return _catalogue


def title_for(title: str, template: WorkshopTemplate, language: str) -> str:
    """The name an event of ``template`` goes by: its own ``title``, or the format's name
    in ``language`` ("Yhteiskehittämisen työpaja") when it has none of its own. The Cafe
    Social's default name counts as none (a plan or form that left it in place, an event
    created before formats had names), so a workshop is never called a Cafe Social."""
    if not title.strip() or title == DEFAULT_TITLE:
        return template.title_in(language)
    return title


def event_title(event: Any) -> str:
    """The name ``event`` shows on every page, board and phone (:func:`title_for`)."""
    return title_for(event.title, template_of(event), event.language)


def template_named(name: object) -> WorkshopTemplate:
    """The template called ``name`` or ``unknown_template``."""
    found = catalogue().templates.get(name) if isinstance(name, str) else None
    if found is None:
        raise DomainError("unknown_template", {"choices": ", ".join(catalogue().templates)})
    return found


def template_of_kind(kind: str) -> WorkshopTemplate:
    """The template called ``kind``; the default for a name no longer loaded."""
    templates = catalogue().templates
    return templates.get(kind) or templates[DEFAULT_TEMPLATE]


def template_of(event: Any) -> WorkshopTemplate:
    """The template an event runs (its ``kind``)."""
    return template_of_kind(event.kind)


def phases_payload(template: WorkshopTemplate, *languages: str) -> list[dict[str, Any]]:
    """The phases as screens need them, in the first of ``languages`` each text is written
    in (the reader's, then the event's), else in Finnish.

    Screens keep this list and look a phase up by the id the ``phase`` broadcast names, so
    each screen shows the texts in its own language while the broadcast stays one small
    payload per event.
    """
    return [
        {
            "id": phase.id,
            "kind": phase.kind,
            "section": phase.section,
            "label": template.label(phase.id, *languages),
            "prompt": template.prompt(phase.id, *languages),
        }
        for phase in template.phases
    ]
