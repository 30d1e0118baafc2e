"""The registry of document kinds: the memo of a Cafe Social and the service-pilot report of
a co-development workshop. Each kind says how its document is read, assembled from the
live source, stored, split into the parts the live source feeds, shown in the editor and
exported; the engine (``cafe.documents.operations``, ``views``, ``revisions``) does the
rest the same way for every kind.

A new kind is one more :class:`DocumentKind` in :data:`KINDS`, named by the template
``export`` value that chooses it (``cafe.domain.workshops.EXPORTS``), with its editor
fragment in ``templates/documents/`` (see ``templates/documents/edit.html``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask import url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from cafe.documents.rendering import Export
from cafe.documents.votes import on_proposals, on_themes, voice_balance
from cafe.domain.markup import escape_line
from cafe.domain.merge import Text
from cafe.domain.minutes import (
    INTRO_PART,
    THEME_PART,
    VOTES_PART,
    Memo,
    keyed_like,
    memo_fields,
    memo_form_values,
    memo_from_content,
    memo_from_fields,
    memo_from_form,
    memo_markdown,
    memo_parts,
    memo_to_content,
    memo_with_parts,
)
from cafe.domain.report import (
    RESOURCE_KEYS,
    RESOURCE_LABELS,
    PilotReport,
    headings,
    report_fields,
    report_form_values,
    report_from_content,
    report_from_form,
    report_markdown,
    report_parts,
    report_to_content,
    report_with_parts,
    steps_markdown,
)
from cafe.domain.report import VOTES_PART as REPORT_VOTES_PART
from cafe.domain.summary import run_in
from cafe.domain.votes import ranked_from_part
from cafe.minutes import operations as minutes_ops
from cafe.minutes.export import assembled_memo
from cafe.minutes.export import export as export_memo
from cafe.models import CafeEvent
from cafe.workshops import template_of

# A kind's own reading and rendering modules are imported when one of its documents is
# read or exported (the report's below), not here: `cafe export` of a memo is waited for
# and need not load the service-pilot report's (issue 14).


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document and how the shared verbs handle it."""

    #: The template's ``export`` value that names this kind.
    name: str
    #: The last step of its pages' addresses: ``/events/<id>/<path>`` is its editor,
    #: ``…/preview`` and ``…/export/<fmt>`` the editor's preview and files.
    path: str
    #: What the document is called (the editor's heading, the control page's link).
    title: Callable[[], str]
    #: The editor's own parts for this kind: a template defining the macros ``fields()``
    #: (the form's fieldsets), ``export_extra()`` (under the export buttons) and
    #: ``cards()`` (more cards beside the form), see ``templates/documents/edit.html``.
    editor_parts: str
    #: The live source is a workshop's sections, each with its label (a memo has one
    #: shared summary).
    sectioned: bool
    #: An event plan may carry the document's own fields (the plan's ``[report]``).
    planned: bool
    #: The newest saved document, or the assembled one while nothing is saved.
    current: Callable[[CafeEvent], Any]
    #: The document as the live source gives it now.
    live: Callable[[CafeEvent], Any]
    to_content: Callable[[Any], dict[str, Any]]
    from_content: Callable[[Mapping[str, Any]], Any]
    #: The whole document as Markdown (the preview; the exports start from it too).
    document_markdown: Callable[[Any], str]
    #: The parts the live source feeds; the second document is the live one (for
    #: matching parts of documents stored before parts had keys).
    parts: Callable[[Any, Any], dict[str, Text]]
    with_parts: Callable[[Any, Mapping[str, Text]], Any]
    #: A part's name for the organizer, given the part's key and its text.
    label: Callable[[str, Text], str]
    #: A part's text as Markdown, to show it.
    markdown: Callable[[str, Text], str]
    #: The title of the page that takes the live source in again.
    refresh_title: Callable[[], str]
    #: The document the editor's posted form describes, validated; the second is the
    #: current document (what the form does not carry is kept from it).
    from_form: Callable[[Mapping[str, object], Any], Any]
    #: The editor's fields of a document, and the editor's form values laid out for a
    #: document, keyed to mean the same in every revision (for merging stale saves).
    form_values: Callable[[Any], dict[str, str]]
    fields: Callable[[Mapping[str, object], Any], dict[str, str]]
    #: The document such fields describe, validated; the second is any revision of it.
    from_fields: Callable[[Mapping[str, str], Any], Any]
    #: A field's name for the organizer (the document helps: a theme's title).
    field_label: Callable[[str, Any], str]
    #: What the kind's editor fragment needs besides the engine's values: (event, the
    #: current document, the form's values shown) → template values; among them
    #: ``resolve_findings`` (where a finding is masked or allowed; default: findings are
    #: only shown) and ``revision_endpoint`` (a version's read-only page; default: none).
    editor_values: Callable[[CafeEvent, Any, Mapping[str, str]], dict[str, Any]]
    #: The document as a file in a format of ``cafe.documents.rendering.FORMATS``.
    export: Callable[[CafeEvent, str, Any], Export]


def _ranking_markdown(text: Text) -> str:
    """A ranking part (``cafe.domain.votes.ranked_part``) as the organizer reads it when
    taking the source in again: one line per item, in the organizer's language."""
    lines = [
        escape_line(
            f"{r.rank}. {' '.join(r.label.split())} – "
            + ngettext("%(num)d dot", "%(num)d dots", r.dots)
        )
        for r in ranked_from_part(text)
    ]
    return "  \n".join(lines)


def _memo_label(key: str, text: Text) -> str:
    if key == INTRO_PART:
        return str(_("Paragraphs before the themes"))
    if key == VOTES_PART:
        return str(_("Ranked themes with votes"))
    title = text[0] if text else ""
    if title:
        return str(_("Theme: %(title)s", title=title))
    return str(_("Paragraph among the themes"))


def _memo_markdown(key: str, text: Text) -> str:
    if key == VOTES_PART:
        return _ranking_markdown(text)
    if key.startswith(THEME_PART):
        return run_in(text[0], text[1])
    return text[0]


def _memo_field_label(key: str, memo: Memo) -> str:
    fixed = {
        "title": _("Title line"),
        "topic": _("Topic"),
        "openers_sentence": _("Openers sentence"),
        "method_sentence": _("Method sentence"),
        "intro": _("Paragraphs before the themes"),
        "next_date": _("Next Cafe Social"),
        "next_start": _("Next Cafe Social"),
        "next_end": _("Next Cafe Social"),
        "footer": _("Footer"),
        "votes": _("Ranked themes with votes"),
    }
    if key in fixed:
        return str(fixed[key])
    if key.startswith("talk-"):
        index = int(key.removeprefix("talk-"))
        name = memo.openers[index].name if index < len(memo.openers) else ""
        return str(_("Opening talk: %(name)s", name=name))
    part = key.rsplit(".", 1)[0]
    titles = memo_parts(memo)
    title = titles[part][0] if part in titles else ""
    return _memo_label(part, (title,))


def _report_field_label(key: str, report: PilotReport) -> str:
    texts = headings(report.language)
    labels = RESOURCE_LABELS.get(report.language, RESOURCE_LABELS["fi"])
    if key in texts:
        return texts[key].rstrip(":")
    if key.startswith("resource-"):
        return labels.get(key.removeprefix("resource-"), key).rstrip(":")
    if key.startswith("step-"):
        return str(_("Step %(n)s", n=int(key.rsplit("-", 1)[1]) + 1))
    return str(
        {
            "title": _("Title line"),
            "caption": _("Caption"),
            "credit": _("Credit line"),
            "votes": _("Proposals ranked by votes"),
        }[key]
    )


def _memo_editor_values(event: CafeEvent, memo: Memo, values: Mapping[str, str]) -> dict[str, Any]:
    """The memo's openers and themes (a fieldset each), its review comments, where each
    personal-data finding is masked or allowed, each version's read-only page, and the
    ranked themes with the vote's voice balance (``documents/_votes.html``)."""
    return {
        "memo": memo,
        "comments": minutes_ops.comments(event),
        "resolve_findings": url_for("minutes.resolve_finding", event_id=event.id),
        "revision_endpoint": "minutes.revision",
        "ranking": memo.votes,
        "vote_balance": voice_balance(event, on_themes),
    }


def _report_editor_values(
    event: CafeEvent, report: PilotReport, values: Mapping[str, str]
) -> dict[str, Any]:
    """The report's standing headings and resource labels, one step's fields more than
    the form holds (to add a step), and the ranked proposals with the vote's voice balance
    (``documents/_votes.html``)."""
    labels = RESOURCE_LABELS.get(event.language, RESOURCE_LABELS["fi"])
    return {
        "steps": sum(1 for key in values if key.startswith("step-lead-")) + 1,
        "headings": headings(event.language),
        "resource_labels": [(key, labels[key]) for key in RESOURCE_KEYS],
        "ranking": report.votes,
        "vote_balance": voice_balance(event, on_proposals),
    }


def _current_report(event: CafeEvent) -> PilotReport:
    from cafe.reports.operations import current_report

    return current_report(event)


def _assembled_report(event: CafeEvent) -> PilotReport:
    from cafe.reports.operations import assembled_report

    return assembled_report(event)


def _export_report(event: CafeEvent, fmt: str, report: PilotReport) -> Export:
    from cafe.reports.export import render_report

    return render_report(report, fmt)


_REPORT_LABELS = {
    "goal": lambda: _("Aim of the pilot"),
    "steps": lambda: _("Process steps"),
    "results": lambda: _("Results and further development"),
    "evaluation": lambda: _("Evaluation and feedback"),
    "votes": lambda: _("Proposals ranked by votes"),
}


def _report_markdown(key: str, text: Text) -> str:
    if key == REPORT_VOTES_PART:
        return _ranking_markdown(text)
    if key == "steps":
        pairs = tuple((text[i], text[i + 1]) for i in range(0, len(text) - 1, 2))
        return steps_markdown(pairs)
    return text[0]


MEMO = DocumentKind(
    name="memo",
    path="minutes",
    title=lambda: str(_("Memo")),
    editor_parts="documents/_memo.html",
    sectioned=False,
    planned=False,
    current=minutes_ops.current_memo,
    live=assembled_memo,
    to_content=memo_to_content,
    from_content=lambda content: memo_from_content(dict(content)),
    document_markdown=memo_markdown,
    parts=lambda memo, live: memo_parts(keyed_like(memo, live)),
    with_parts=memo_with_parts,
    label=_memo_label,
    markdown=_memo_markdown,
    refresh_title=lambda: str(_("Take the shared summary in again")),
    from_form=memo_from_form,
    form_values=memo_form_values,
    fields=memo_fields,
    from_fields=memo_from_fields,
    field_label=_memo_field_label,
    editor_values=_memo_editor_values,
    # The memo's footer logo is the event's: the export reads it.
    export=lambda event, fmt, memo: export_memo(event, fmt, memo),
)
REPORT = DocumentKind(
    name="pilot-report",
    path="report",
    title=lambda: str(_("Service-pilot report")),
    editor_parts="documents/_report.html",
    sectioned=True,
    planned=True,
    current=_current_report,
    live=_assembled_report,
    to_content=report_to_content,
    from_content=report_from_content,
    document_markdown=report_markdown,
    parts=lambda report, live: report_parts(report),
    with_parts=report_with_parts,
    label=lambda key, text: str(_REPORT_LABELS[key]()),
    markdown=_report_markdown,
    refresh_title=lambda: str(_("Take the workshop's sections and feedback in again")),
    from_form=lambda form, report: report_from_form(form, language=report.language, like=report),
    form_values=report_form_values,
    fields=lambda values, report: report_fields(values),
    from_fields=lambda fields, report: report_from_form(
        fields, language=report.language, like=report
    ),
    field_label=_report_field_label,
    editor_values=_report_editor_values,
    export=_export_report,
)

#: Every kind, by the template ``export`` value that names it.
KINDS: dict[str, DocumentKind] = {kind.name: kind for kind in (MEMO, REPORT)}


def kind_of(event: CafeEvent) -> DocumentKind:
    """The kind of document ``event`` exports (compare it with :data:`MEMO` or
    :data:`REPORT`, or ask it a property, never its name with a string)."""
    return KINDS[template_of(event).export]
