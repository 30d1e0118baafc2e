"""The registry of document kinds: the memo of a Cafe Social and the service-pilot report of
a co-development workshop. Each kind says how its document is read, assembled from the
live source, stored, and split into the parts the live source feeds."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _

from cafe.domain.merge import Text
from cafe.domain.minutes import (
    INTRO_PART,
    THEME_PART,
    Memo,
    keyed_like,
    memo_fields,
    memo_form_values,
    memo_from_content,
    memo_from_fields,
    memo_parts,
    memo_to_content,
    memo_with_parts,
)
from cafe.domain.report import (
    RESOURCE_LABELS,
    PilotReport,
    headings,
    report_fields,
    report_form_values,
    report_from_content,
    report_from_form,
    report_parts,
    report_to_content,
    report_with_parts,
    steps_markdown,
)
from cafe.domain.summary import run_in
from cafe.minutes import operations as minutes_ops
from cafe.minutes.export import Export, assembled_memo
from cafe.minutes.export import export as export_memo
from cafe.models import CafeEvent
from cafe.reports import operations as report_ops
from cafe.reports.export import render_report
from cafe.workshops import template_of


@dataclass(frozen=True)
class DocumentKind:
    """One kind of document and how the shared verbs handle it."""

    #: The template's ``export`` value that names this kind.
    name: str
    #: The endpoint of its editor page.
    editor: str
    #: The newest saved document, or the assembled one while nothing is saved.
    current: Callable[[CafeEvent], Any]
    #: The document as the live source gives it now.
    live: Callable[[CafeEvent], Any]
    to_content: Callable[[Any], dict[str, Any]]
    from_content: Callable[[Mapping[str, Any]], Any]
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
    #: The editor's fields of a document, and the editor's form values laid out for a
    #: document, keyed to mean the same in every revision (for merging stale saves).
    form_values: Callable[[Any], dict[str, str]]
    fields: Callable[[Mapping[str, object], Any], dict[str, str]]
    #: The document such fields describe, validated; the second is any revision of it.
    from_fields: Callable[[Mapping[str, str], Any], Any]
    #: A field's name for the organizer (the document helps: a theme's title).
    field_label: Callable[[str, Any], str]
    #: Store the editor's form values as revision ``base + 1``: (event, base, values,
    #: author, correction reason).
    save: Callable[[CafeEvent, int, dict[str, Any], int | None, object], Any]
    #: The document as a file in a format of ``cafe.minutes.export.FORMATS``.
    export: Callable[[CafeEvent, str, Any], Export]


def _memo_label(key: str, text: Text) -> str:
    if key == INTRO_PART:
        return str(_("Paragraphs before the themes"))
    title = text[0] if text else ""
    if title:
        return str(_("Theme: %(title)s", title=title))
    return str(_("Paragraph among the themes"))


def _memo_markdown(key: str, text: Text) -> str:
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
    return str({"title": _("Title line"), "caption": _("Caption"), "credit": _("Credit line")}[key])


def _save_memo(
    event: CafeEvent, base: int, values: dict[str, Any], author: int | None, why: object
) -> Any:
    return minutes_ops.save(event, base, values, author, why)


def _save_report(
    event: CafeEvent, base: int, values: dict[str, Any], author: int | None, why: object
) -> Any:
    return report_ops.save_report(event, base, values, author)


_REPORT_LABELS = {
    "goal": lambda: _("Aim of the pilot"),
    "steps": lambda: _("Process steps"),
    "results": lambda: _("Results and further development"),
    "evaluation": lambda: _("Evaluation and feedback"),
}


def _report_markdown(key: str, text: Text) -> str:
    if key == "steps":
        pairs = tuple((text[i], text[i + 1]) for i in range(0, len(text) - 1, 2))
        return steps_markdown(pairs)
    return text[0]


MEMO = DocumentKind(
    name="memo",
    editor="minutes.edit",
    current=minutes_ops.current_memo,
    live=assembled_memo,
    to_content=memo_to_content,
    from_content=lambda content: memo_from_content(dict(content)),
    parts=lambda memo, live: memo_parts(keyed_like(memo, live)),
    with_parts=memo_with_parts,
    label=_memo_label,
    markdown=_memo_markdown,
    refresh_title=lambda: str(_("Take the shared summary in again")),
    form_values=memo_form_values,
    fields=memo_fields,
    from_fields=memo_from_fields,
    field_label=_memo_field_label,
    save=_save_memo,
    # The memo's footer logo is the event's: the export reads it.
    export=lambda event, fmt, memo: export_memo(event, fmt, memo),
)
REPORT = DocumentKind(
    name="pilot-report",
    editor="reports.edit",
    current=report_ops.current_report,
    live=report_ops.assembled_report,
    to_content=report_to_content,
    from_content=report_from_content,
    parts=lambda report, live: report_parts(report),
    with_parts=report_with_parts,
    label=lambda key, text: str(_REPORT_LABELS[key]()),
    markdown=_report_markdown,
    refresh_title=lambda: str(_("Take the workshop's sections and feedback in again")),
    form_values=report_form_values,
    fields=lambda values, report: report_fields(values),
    from_fields=lambda fields, report: report_from_form(fields, language=report.language),
    field_label=_report_field_label,
    save=_save_report,
    export=lambda event, fmt, report: render_report(report, fmt),
)

#: Every kind, by the template ``export`` value that names it.
KINDS: dict[str, DocumentKind] = {kind.name: kind for kind in (MEMO, REPORT)}


def kind_of(event: CafeEvent) -> DocumentKind:
    """The kind of document ``event`` exports (compare it with :data:`MEMO` or
    :data:`REPORT`, never its name with a string)."""
    return KINDS[template_of(event).export]
