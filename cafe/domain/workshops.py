"""Workshop templates: the phases, phone prompts, role tags and export of an event format.

A template is a human-editable TOML file in ``sessions/templates/``;
``sessions/templates/README.md`` documents every key. An event is created from one: the
template says which phases the event runs through, what phones are asked in each, which
role tags they may pick and which document the event exports. Organizers copy and edit
these files, so a malformed one is refused at load time with the file, the line and an
English reason precise enough to fix it without reading this code.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn

from cafe.domain.errors import DomainError

# The rules for role tags and for what text counts as empty are the plan's; importing its
# checkers keeps a template's texts and a plan's from drifting apart (plan.py owns them).
from cafe.domain.plan import (
    LANGUAGES,
    LONG_TEXT,
    MAX_ROLE_TAGS,
    SHORT_TEXT,
    _role_tags,
    clean_plan_text,
)
from cafe.domain.tomlfile import TomlTooDeep, load_toml

#: What phones do in a phase of each kind.
PHASE_KINDS: dict[str, str] = {
    "opening": "openers speak; phones just follow",
    "post": "phones post ideas into the phase's section",
    "gather": "the facilitator curates; phones follow",
    "summary": "the shared text is shown",
    "feedback": "phones fill in the anonymous feedback form",
    "vote": "phones spread dots over the themes, or over a section's core ideas",
}
#: The documents an event can export, each a kind of ``cafe.documents.kinds.KINDS``.
EXPORTS = ("memo", "pilot-report")
TEMPLATE_KEYS = ("name", "title", "export", "role_tags", "phases")
PHASE_KEYS = ("id", "kind", "section", "label", "prompt", "dots", "per_item")
#: Dots each phone spreads in a vote phase (the template's default; the facilitator may
#: change it on the control page), and the most it may put on one item.
DEFAULT_DOTS = 3
DEFAULT_PER_ITEM = 2
MAX_DOTS = 10
#: Phase ids, section ids and template names: short, lowercase, safe in URLs and file names.
ID_RE = re.compile(r"[a-z][a-z0-9_-]{0,31}")
ID_RULE = 'lowercase letters, digits, "-" or "_", starting with a letter, at most 32 characters'
MAX_PHASES = 20
#: A phase label is a button and a board heading, so it must stay short.
LABEL_TEXT = 80
#: The length limit of one role tag in ``plan._role_tags``, repeated only to say it.
ROLE_TAG_TEXT = 40

_LANGUAGE_LIST = ", ".join(LANGUAGES[:-1]) + " or " + LANGUAGES[-1]
_KIND_LIST = ", ".join(list(PHASE_KINDS)[:-1]) + " or " + list(PHASE_KINDS)[-1]
_EXPORT_LIST = " or ".join(EXPORTS)
_SYNTAX_RE = re.compile(
    r"^(?P<msg>.*) \(at (?:line (?P<line>\d+), column (?P<col>\d+)|end of document)\)$"
)
_PHASE_HEADER_RE = re.compile(r"""^\s*\[\[\s*["']?phases["']?\s*\]\]""")


class TemplateError(DomainError):
    """A template was refused: which file, which line (``None`` if unknown) and why.

    The reason is English on purpose: it is read by the organizer who edits the file, next
    to the file, like a compiler message. ``str(error)`` reads ``file:line: reason``.
    """

    def __init__(self, file: str, line: int | None, reason: str) -> None:
        super().__init__("template_invalid", {"file": file, "line": line, "reason": reason})
        self.file = file
        self.line = line
        self.reason = reason

    def __str__(self) -> str:
        where = self.file if self.line is None else f"{self.file}:{self.line}"
        return f"{where}: {self.reason}"


@dataclass(frozen=True)
class TemplatePhase:
    """One phase of a workshop: what kind it is, its label and the prompt phones show."""

    id: str
    kind: str
    #: Per language (``fi`` always present).
    label: dict[str, str]
    prompt: dict[str, str]
    #: Where a "post" phase's ideas go, which section a "gather" phase curates, or whose
    #: core ideas a "vote" phase votes on (None: the summary's themes).
    section: str | None = None
    #: A "vote" phase's dots per phone and most dots on one item (unused by other kinds).
    dots: int = DEFAULT_DOTS
    per_item: int = DEFAULT_PER_ITEM


@dataclass(frozen=True)
class WorkshopTemplate:
    """A validated workshop template (see ``sessions/templates/README.md``)."""

    name: str
    title: dict[str, str]
    export: str
    role_tags: tuple[str, ...]
    phases: tuple[TemplatePhase, ...]
    #: The file it was read from, for messages.
    path: str

    def phase(self, phase_id: str) -> TemplatePhase | None:
        """Return the phase with this id, or ``None``."""
        return next((p for p in self.phases if p.id == phase_id), None)

    @property
    def phase_ids(self) -> tuple[str, ...]:
        """The phase ids in the order the event runs through them."""
        return tuple(p.id for p in self.phases)

    @property
    def sections(self) -> tuple[str, ...]:
        """The distinct sections named by phases, in phase order."""
        return tuple(dict.fromkeys(p.section for p in self.phases if p.section is not None))

    def label(self, phase_id: str, *languages: str) -> str:
        """A phase's label in the first of ``languages`` the template has it in, else in
        Finnish, else the id: ``label("worked", "sv", event.language)``."""
        phase = self.phase(phase_id)
        return (_pick(phase.label, languages) if phase else "") or phase_id

    def prompt(self, phase_id: str, *languages: str) -> str:
        """A phase's prompt, chosen as :meth:`label` chooses ("" for no such phase)."""
        phase = self.phase(phase_id)
        return _pick(phase.prompt, languages) if phase else ""

    def title_in(self, *languages: str) -> str:
        """The template's title, chosen as :meth:`label` chooses."""
        return _pick(self.title, languages)

    def missing_texts(self) -> dict[str, list[str]]:
        """Per language other than Finnish, the texts written without it ("title", "phase
        goal prompt"): shown in those languages' screens in the event's language or Finnish."""
        missing: dict[str, list[str]] = {}
        for language in LANGUAGES:
            if language == "fi":
                continue
            found = ["title"] if language not in self.title else []
            for phase in self.phases:
                found += [
                    f"phase {phase.id} {what}"
                    for what, texts in (("label", phase.label), ("prompt", phase.prompt))
                    if language not in texts
                ]
            if found:
                missing[language] = found
        return missing


def _pick(texts: dict[str, str], languages: tuple[str, ...]) -> str:
    """The text in the first of ``languages`` that has one, else the Finnish text.

    A screen asks for its reader's language, then the event's: a template an organizer
    translated only in part shows its untranslated texts in the event's language first.
    """
    for language in (*languages, "fi"):
        if texts.get(language):
            return texts[language]
    return ""


def _show(value: object) -> str:
    """A value as the organizer would recognise it from the file, kept short."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _misplaced(key: str) -> str:
    """A hint for TOML's classic trap: a top-level key written below a table belongs to it."""
    if key not in TEMPLATE_KEYS:
        return ""
    return f" ({key} is a top-level key: move it above [title] and the [[phases]] blocks)"


_LANGUAGE_SUFFIX_RE = re.compile(r"(?P<key>[a-z]+)[_-](?P<language>[a-z]{2})", re.IGNORECASE)


def _per_language(key: str, text_keys: tuple[str, ...]) -> str:
    """A hint for a text written per language outside its table (``label_sv = "…"`` or a
    bare ``sv = "…"``): where it goes instead, with the key named."""
    found = _LANGUAGE_SUFFIX_RE.fullmatch(key)
    if found and found["key"].lower() in text_keys:
        text, language = found["key"].lower(), found["language"].lower()
        inline = f'{text} = {{ fi = "…", sv = "…", en = "…" }}'
        if language not in LANGUAGES:
            return f" (a {text}'s languages, {_LANGUAGE_LIST}, go inside it: write {inline})"
        dotted = f'{text}.{language} = "…"'
        return f" (a {text}'s languages go inside it: write {dotted}, or {inline})"
    if key in LANGUAGES:
        where = " or ".join(f'{text}.{key} = "…"' for text in text_keys)
        return f" (a text in {key} belongs to {' or '.join(text_keys)}: write {where})"
    return ""


class _Source:
    """The text of one template file, to point errors at the line the organizer must fix."""

    def __init__(self, path: str, text: str) -> None:
        self.path = path
        self.lines = text.split("\n")

    def key_line(self, key: str) -> int | None:
        """The first line that sets a top-level key (``key =``, ``key.fi =``, ``[key]``).

        Top-level keys come before every table in TOML, so the first match is the key
        itself, not a same-named key inside a phase.
        """
        pattern = re.compile(rf"""^\s*\[{{0,2}}\s*["']?{re.escape(key)}["']?\s*[=.\]]""")
        return next((n for n, line in enumerate(self.lines, 1) if pattern.match(line)), None)

    def phase_line(self, number: int) -> int | None:
        """The line of the ``[[phases]]`` header of phase ``number`` (1-based)."""
        headers = [n for n, line in enumerate(self.lines, 1) if _PHASE_HEADER_RE.match(line)]
        if number <= len(headers):
            return headers[number - 1]
        # Phases written as an inline array have no headers: the array's line is next best.
        return self.key_line("phases")

    def fail(self, reason: str, *, key: str | None = None, phase: int | None = None) -> NoReturn:
        """Refuse the template, pointing at a top-level key or at a phase if given."""
        line = self.phase_line(phase) if phase is not None else None
        if line is None and key is not None:
            line = self.key_line(key)
        raise TemplateError(self.path, line, reason)


def _decode(source: bytes, path: str) -> str:
    try:
        text = source.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = source.count(b"\n", 0, exc.start) + 1
        byte = source[exc.start]
        reason = f"not UTF-8 text (byte 0x{byte:02x} at line {line}): save the file as UTF-8"
        raise TemplateError(path, line, reason) from None
    # Windows editors may save UTF-8 with a byte order mark, which TOML does not allow.
    return text.removeprefix("\ufeff")


def _load_toml(text: str, path: str) -> dict[str, Any]:
    try:
        # The plans' reader, so templates get the same guard against deep nesting.
        return load_toml(text)
    except TomlTooDeep as exc:
        reason = f"{exc.key} nests arrays or tables more than {exc.limit} levels deep"
        line = exc.line
        if line is None:
            # Found in the parsed data (dotted keys, table headers): the top-level key's line.
            line = _Source(path, text).key_line(re.split(r"[.\[]", exc.key)[0])
        raise TemplateError(path, line, reason) from None
    except tomllib.TOMLDecodeError as exc:
        # Python 3.11's TOMLDecodeError has no line attribute; its message ends in one.
        found = _SYNTAX_RE.match(str(exc))
        if found is None:
            raise TemplateError(path, None, f"TOML syntax error: {exc}") from None
        if found["line"] is None:
            line = text.rstrip("\n").count("\n") + 1
            reason = f"TOML syntax error: {found['msg']} (at the end of the file)"
        else:
            line = int(found["line"])
            reason = f"TOML syntax error: {found['msg']} (column {found['col']})"
        raise TemplateError(path, line, reason) from None


def _texts(
    src: _Source,
    value: object,
    what: str,
    limit: int,
    *,
    key: str | None = None,
    phase: int | None = None,
) -> dict[str, str]:
    """Texts per language (``fi`` required), as in ``label = { fi = "…", sv = "…" }``."""
    where: dict[str, Any] = {"key": key, "phase": phase}
    if not isinstance(value, dict):
        src.fail(
            f'{what} must be texts per language, like {{ fi = "…" }}, not {_show(value)}', **where
        )
    unknown = sorted(set(value) - set(LANGUAGES))
    if unknown:
        reason = f'{what} has unknown language "{unknown[0]}": use {_LANGUAGE_LIST}'
        src.fail(reason + _misplaced(unknown[0]), **where)
    if "fi" not in value:
        src.fail(f'{what} has no fi text: write fi = "…"', **where)
    texts = {}
    for language in LANGUAGES:
        if language not in value:
            continue
        text = value[language]
        if not isinstance(text, str):
            src.fail(f"{what} in {language} must be text, not {_show(text)}", **where)
        # The plans' rule: no bidi overrides, and invisible characters alone are empty.
        cleaned = clean_plan_text(text)
        if not cleaned:
            hidden = " (it has only invisible characters)" if text.strip() else ""
            src.fail(f"{what} in {language} is empty{hidden}", **where)
        text = cleaned
        if len(text) > limit:
            src.fail(f"{what} in {language} has {len(text)} characters: at most {limit}", **where)
        texts[language] = text
    return texts


def _phase(src: _Source, value: object, number: int, seen: dict[str, int]) -> TemplatePhase:
    """Validate phase ``number`` (1-based); ``seen`` maps ids already used to their phase."""
    if not isinstance(value, dict):
        src.fail(f"phase {number} must be a [[phases]] block, not {_show(value)}", phase=number)
    phase_id = value.get("id")
    name = f'phase {number} ("{phase_id}")' if isinstance(phase_id, str) else f"phase {number}"

    def fail(reason: str) -> NoReturn:
        src.fail(reason, phase=number)

    unknown = sorted(set(value) - set(PHASE_KEYS))
    if unknown:
        reason = f'{name} has unknown key "{unknown[0]}": the keys are {", ".join(PHASE_KEYS)}'
        fail(reason + (_misplaced(unknown[0]) or _per_language(unknown[0], ("label", "prompt"))))
    if phase_id is None:
        fail(f'phase {number} has no id: write id = "…" ({ID_RULE})')
    if not isinstance(phase_id, str) or not ID_RE.fullmatch(phase_id):
        fail(f"phase {number} has a bad id {_show(phase_id)}: use {ID_RULE}")
    if phase_id in seen:
        fail(f'phase id "{phase_id}" is used twice (phases {seen[phase_id]} and {number})')
    seen[phase_id] = number

    kind = value.get("kind")
    if kind is None:
        fail(f'{name} has no kind: write kind = "…" ({_KIND_LIST})')
    if not isinstance(kind, str) or kind not in PHASE_KINDS:
        fail(f"{name} has unknown kind {_show(kind)}: choose {_KIND_LIST}")

    section = value.get("section")
    if section is None and kind == "post":
        fail(f'{name} of kind post has no section: write section = "…" (where its ideas go)')
    if section is not None and kind not in ("post", "gather", "vote"):
        fail(
            f"{name} of kind {kind} cannot have a section: "
            "only post, gather and vote phases have one"
        )
    if section is not None and (not isinstance(section, str) or not ID_RE.fullmatch(section)):
        fail(f"{name} has a bad section {_show(section)}: use {ID_RULE}")

    dots, per_item = _dots(value, name, kind, fail)

    if "label" not in value:
        fail(f'{name} has no label: write label = {{ fi = "…" }}')
    if "prompt" not in value:
        fail(f'{name} has no prompt: write prompt = {{ fi = "…" }}')
    return TemplatePhase(
        id=phase_id,
        kind=kind,
        label=_texts(src, value["label"], f"{name} label", LABEL_TEXT, phase=number),
        prompt=_texts(src, value["prompt"], f"{name} prompt", LONG_TEXT, phase=number),
        section=section,
        dots=dots,
        per_item=per_item,
    )


def _dots(
    value: dict[str, Any], name: str, kind: str, fail: Callable[[str], NoReturn]
) -> tuple[int, int]:
    """A vote phase's ``dots`` (1 to :data:`MAX_DOTS`) and ``per_item`` (1 to ``dots``);
    only a vote phase may set them."""
    given = [key for key in ("dots", "per_item") if key in value]
    if given and kind != "vote":
        fail(f"{name} of kind {kind} cannot have {given[0]}: only vote phases have dots")
    dots = value.get("dots", DEFAULT_DOTS)
    if isinstance(dots, bool) or not isinstance(dots, int) or not 1 <= dots <= MAX_DOTS:
        fail(f"{name} has dots = {_show(dots)}: write a whole number from 1 to {MAX_DOTS}")
    per_item = value.get("per_item", min(DEFAULT_PER_ITEM, dots))
    if isinstance(per_item, bool) or not isinstance(per_item, int) or not 1 <= per_item <= dots:
        fail(
            f"{name} has per_item = {_show(per_item)}: write a whole number from 1 to dots ({dots})"
        )
    return dots, per_item


def _phases(src: _Source, value: object) -> tuple[TemplatePhase, ...]:
    if value is None or value == []:
        src.fail("phases is missing: add at least one [[phases]] block", key="phases")
    if not isinstance(value, list):
        src.fail(f"phases must be [[phases]] blocks, not {_show(value)}", key="phases")
    if len(value) > MAX_PHASES:
        src.fail(f"a template has at most {MAX_PHASES} phases, this one {len(value)}", key="phases")
    seen: dict[str, int] = {}
    phases = tuple(_phase(src, item, n, seen) for n, item in enumerate(value, 1))
    # A gather or vote phase on a section nobody posts into is almost surely a typo.
    posted = {p.section for p in phases if p.kind == "post"}
    for number, phase in enumerate(phases, 1):
        if phase.kind in ("gather", "vote") and phase.section not in (None, *posted):
            verb = "gathers" if phase.kind == "gather" else "votes on"
            src.fail(
                f'phase {number} ("{phase.id}") {verb} section "{phase.section}", '
                "which no post phase fills",
                phase=number,
            )
    return phases


def _template(src: _Source, data: dict[str, Any]) -> WorkshopTemplate:
    unknown = sorted(set(data) - set(TEMPLATE_KEYS))
    if unknown:
        src.fail(
            f'unknown key "{unknown[0]}": the keys are {", ".join(TEMPLATE_KEYS)}'
            + _per_language(unknown[0], ("title",)),
            key=unknown[0],
        )
    name = data.get("name")
    if name is None:
        src.fail('name is missing: write name = "…" (the file name without .toml)')
    if not isinstance(name, str) or not ID_RE.fullmatch(name):
        src.fail(f"name {_show(name)} is not a template name: use {ID_RULE}", key="name")
    if "title" not in data:
        src.fail('title is missing: write [title] with fi = "…"')
    title = _texts(src, data["title"], "title", SHORT_TEXT, key="title")
    export = data.get("export")
    if export is None:
        src.fail(f'export is missing: write export = "…" ({_EXPORT_LIST})')
    if not isinstance(export, str) or export not in EXPORTS:
        src.fail(f"unknown export {_show(export)}: choose {_EXPORT_LIST}", key="export")
    if "role_tags" not in data:
        src.fail('role_tags is missing: write role_tags = ["asiakas", "muu"]')
    try:
        role_tags = _role_tags(data["role_tags"])
    except DomainError:
        role_tags = ()
    if not role_tags:
        src.fail(
            f"role_tags must be a list of 1 to {MAX_ROLE_TAGS} different names "
            f"of at most {ROLE_TAG_TEXT} characters",
            key="role_tags",
        )
    return WorkshopTemplate(
        name=name,
        title=title,
        export=export,
        role_tags=role_tags,
        phases=_phases(src, data.get("phases")),
        path=src.path,
    )


def _parse(source: bytes, path: str) -> tuple[WorkshopTemplate, _Source]:
    text = _decode(source, path)
    data = _load_toml(text, path)
    src = _Source(path, text)
    return _template(src, data), src


def parse_template(source: bytes, path: str) -> WorkshopTemplate:
    """Parse and validate a template file's bytes; ``path`` names the file in errors.

    Raises :class:`TemplateError` for anything malformed: bytes that are not UTF-8, TOML
    syntax, unknown keys, or a rule of ``sessions/templates/README.md`` broken.
    """
    return _parse(source, path)[0]


def load_template(path: Path) -> WorkshopTemplate:
    """Read and validate one template file (its name need not match the file name)."""
    return _load(path)[0]


def _load(path: Path) -> tuple[WorkshopTemplate, _Source]:
    try:
        source = path.read_bytes()
    except OSError as exc:
        raise TemplateError(str(path), None, f"cannot read the file: {exc.strerror}") from None
    return _parse(source, str(path))


@dataclass
class Catalogue:
    """The templates of a directory that loaded, keyed by name in file-name order, and the
    refusals of those that did not."""

    templates: dict[str, WorkshopTemplate] = field(default_factory=dict)
    errors: list[TemplateError] = field(default_factory=list)


def load_templates(directory: Path) -> Catalogue:
    """Load every ``*.toml`` of a directory, file by file: a malformed file is refused with
    its file, line and reason and left out, and the others still load.

    Each name must equal its file name without ``.toml`` and be used once, so a copied
    file whose name was not changed is caught instead of shadowing the original.
    """
    if not directory.is_dir():
        raise TemplateError(str(directory), None, "not a directory of templates")
    catalogue = Catalogue()
    for path in sorted(directory.glob("*.toml")):
        try:
            template = _load_named(path, catalogue.templates)
        except TemplateError as error:
            catalogue.errors.append(error)
        else:
            catalogue.templates[template.name] = template
    return catalogue


def _load_named(path: Path, loaded: dict[str, WorkshopTemplate]) -> WorkshopTemplate:
    """One file of a directory: valid, named as its file and not as one ``loaded`` before."""
    template, src = _load(path)
    other = loaded.get(template.name)
    if other is not None:
        src.fail(
            f'name "{template.name}" is already used by {other.path}: '
            "give each template its own name, the same as its file name",
            key="name",
        )
    if template.name != path.stem:
        fix = f"rename the file to {template.name}.toml"
        if ID_RE.fullmatch(path.stem):
            fix += f' or write name = "{path.stem}"'
        src.fail(
            f'name "{template.name}" does not match the file name {path.name}: {fix}',
            key="name",
        )
    return template
