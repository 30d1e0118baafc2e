"""Workshop templates from TOML files (pure core)."""

from __future__ import annotations

from pathlib import Path

import pytest

from cafe.domain.errors import DomainError
from cafe.domain.plan import DEFAULT_ROLE_TAGS
from cafe.domain.workshops import (
    EXPORTS,
    PHASE_KEYS,
    PHASE_KINDS,
    TEMPLATE_KEYS,
    TemplateError,
    TemplatePhase,
    WorkshopTemplate,
    load_template,
    load_templates,
    parse_template,
)

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ROOT / "sessions" / "templates"
BAD = ROOT / "tests" / "data" / "templates"
#: The Cafe Social's phase ids, as the Cafe Social screens were built around them, and the
#: dot-vote on the themes before the summary.
PHASES = ("opening", "tables", "gathering", "vote", "summary")

#: The smallest valid template; the line numbers below refer to it.
MINIMAL = """\
name = "mini"
export = "memo"
role_tags = ["asiakas", "muu"]

[title]
fi = "Työpaja"

[[phases]]
id = "tables"
kind = "post"
section = "ideas"
label = { fi = "Pöytäkeskustelut" }
prompt = { fi = "Kirjoittakaa ajatuksia." }
"""
PHASE_2 = 15  # the line of the [[phases]] header that add_phase() writes


def add_phase(body: str) -> str:
    """MINIMAL plus a second phase whose keys are ``body``."""
    return MINIMAL + "\n[[phases]]\n" + body


def refusal(source: str | bytes, path: str = "t.toml") -> TemplateError:
    data = source.encode("utf-8") if isinstance(source, str) else source
    with pytest.raises(TemplateError) as caught:
        parse_template(data, path)
    return caught.value


def test_both_shipped_templates_load_from_the_directory() -> None:
    catalogue = load_templates(SHIPPED)
    assert catalogue.errors == []
    assert list(catalogue.templates) == ["cafe-social", "co-development"]
    for name, template in catalogue.templates.items():
        assert template.path == str(SHIPPED / f"{name}.toml")
        assert template == load_template(SHIPPED / f"{name}.toml")


def test_cafe_social_template_is_todays_format_unchanged() -> None:
    template = load_template(SHIPPED / "cafe-social.toml")
    assert template.phase_ids == PHASES
    assert [(p.kind, p.section) for p in template.phases] == [
        ("opening", None),
        ("post", "ideas"),
        ("gather", "ideas"),
        ("vote", None),
        ("summary", None),
    ]
    assert template.export == "memo"
    assert template.role_tags == DEFAULT_ROLE_TAGS
    assert template.sections == ("ideas",)
    assert [template.label(p, "fi") for p in PHASES] == [
        "Avaus / Alustukset",
        "Pöytäkeskustelut",
        "Yhteinen kokoaminen",
        "Äänestys",
        "Yhteenveto",
    ]
    assert template.label("tables", "sv") == "Bordsdiskussioner"
    assert template.label("opening", "en") == "Opening / Openers' talks"
    assert template.prompt("tables", "fi") == (
        "Keskustelkaa pöydässä ja kirjoittakaa ajatuksia. "
        "Pöytäisäntä merkitsee pöydän ydinajatukset."
    )


def test_co_development_template_follows_the_pilot_report() -> None:
    template = load_template(SHIPPED / "co-development.toml")
    assert template.export == "pilot-report"
    assert template.role_tags == ("asiakas", "kokemusohjaaja", "työntekijä", "muu")
    assert template.phase_ids == (
        "opening",
        "goal",
        "process",
        "worked",
        "change",
        "proposals",
        "vote",
        "gathering",
        "feedback",
    )
    assert [p.kind for p in template.phases] == [
        "opening",
        "post",
        "post",
        "post",
        "post",
        "post",
        "vote",
        "gather",
        "feedback",
    ]
    # The room votes on the proposals' core ideas with the template's dots.
    vote = template.phase("vote")
    assert vote is not None and (vote.section, vote.dots, vote.per_item) == ("proposals", 3, 2)
    assert template.sections == ("goal", "process", "worked", "change", "proposals")
    assert template.title_in("sv") == "Workshop för samutveckling"


@pytest.mark.parametrize("name", ["cafe-social", "co-development"])
def test_shipped_templates_speak_all_three_languages(name: str) -> None:
    template = load_template(SHIPPED / f"{name}.toml")
    assert set(template.title) == {"fi", "sv", "en"}
    for phase in template.phases:
        assert set(phase.label) == set(phase.prompt) == {"fi", "sv", "en"}, phase.id
        # Multi-line TOML strings end lines with a backslash: no stray breaks or doubles.
        for text in phase.prompt.values():
            assert "\n" not in text and "  " not in text, phase.id


@pytest.mark.parametrize(
    ("file", "line", "reason"),
    [
        ("missing-label.toml", 22, 'phase 3 ("worked") has no label: write label = { fi = "…" }'),
        ("unknown-export.toml", 4, 'unknown export "minutes": choose memo or pilot-report'),
        ("duplicate-phase.toml", 30, 'phase id "goal" is used twice (phases 1 and 4)'),
        (
            "bad-roles.toml",
            4,
            "role_tags must be a list of 1 to 12 different names of at most 40 characters",
        ),
    ],
)
def test_malformed_template_file_is_refused_with_file_line_and_reason(
    file: str, line: int, reason: str
) -> None:
    path = BAD / file
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert caught.value.code == "template_invalid"
    assert caught.value.params == {"file": str(path), "line": line, "reason": reason}


def test_template_that_is_not_utf8_names_the_byte_and_its_line(tmp_path: Path) -> None:
    # Written here rather than committed: an editor or a checkout could "fix" a Latin-1 file.
    text = MINIMAL.replace('fi = "Työpaja"', 'fi = "Yhteiskehittämisen työpaja"')
    path = tmp_path / "latin-1.toml"
    path.write_bytes(text.encode("latin-1"))
    with pytest.raises(TemplateError) as caught:
        load_template(path)
    assert caught.value.params == {
        "file": str(path),
        "line": 6,
        "reason": "not UTF-8 text (byte 0xe4 at line 6): save the file as UTF-8",
    }


def test_error_reads_file_colon_line_colon_reason() -> None:
    error = refusal(MINIMAL.replace('"memo"', '"minutes"'), "sessions/templates/mine.toml")
    assert str(error) == (
        'sessions/templates/mine.toml:2: unknown export "minutes": choose memo or pilot-report'
    )
    assert isinstance(error, DomainError)
    assert (error.file, error.line) == ("sessions/templates/mine.toml", 2)


def test_error_without_a_line_reads_file_colon_reason() -> None:
    error = refusal(MINIMAL.replace('name = "mini"\n', ""), "mine.toml")
    assert error.line is None
    assert (
        str(error) == 'mine.toml: name is missing: write name = "…" (the file name without .toml)'
    )


#: (source, line, reason): one bad template per rule, each refused with a precise message.
BAD_TEMPLATES = [
    # TOML syntax: tomllib's own line.
    (
        MINIMAL.replace('export = "memo"', "export = "),
        2,
        "TOML syntax error: Invalid value (column 10)",
    ),
    (
        MINIMAL + "[[phases]\n",
        14,
        "TOML syntax error: Expected ']]' at the end of an array declaration (column 9)",
    ),
    (MINIMAL + 'role = ["a",\n', 14, "TOML syntax error: Invalid value (at the end of the file)"),
    # Unknown keys: a typo must not be silently ignored.
    (
        MINIMAL.replace('export = "memo"', 'exprot = "memo"'),
        2,
        'unknown key "exprot": the keys are name, title, export, role_tags, phases',
    ),
    (
        add_phase('id = "summary"\nkind = "summary"\nlabel = { fi = "Y" }\npromt = { fi = "Y" }\n'),
        PHASE_2,
        'phase 2 ("summary") has unknown key "promt": the keys are id, kind, section, label, '
        "prompt, dots, per_item",
    ),
    (
        MINIMAL + 'export = "pilot-report"\n',
        8,
        'phase 1 ("tables") has unknown key "export": the keys are id, kind, section, label, '
        "prompt, dots, per_item (export is a top-level key: move it above [title] and the "
        "[[phases]] blocks)",
    ),
    (
        # export written below [title] belongs to the title.
        MINIMAL.replace('export = "memo"\n', "").replace("[title]", '[title]\nexport = "memo"'),
        4,
        'title has unknown language "export": use fi, sv or en (export is a top-level key: '
        "move it above [title] and the [[phases]] blocks)",
    ),
    # Top-level keys.
    (
        MINIMAL.replace('"mini"', '"Minun pohja"'),
        1,
        'name "Minun pohja" is not a template name: use lowercase letters, digits, "-" or "_", '
        "starting with a letter, at most 32 characters",
    ),
    (
        MINIMAL.replace('[title]\nfi = "Työpaja"\n', ""),
        None,
        'title is missing: write [title] with fi = "…"',
    ),
    (
        MINIMAL.replace('fi = "Työpaja"', 'sv = "Workshop"'),
        5,
        'title has no fi text: write fi = "…"',
    ),
    (MINIMAL.replace('fi = "Työpaja"', 'fi = "  "'), 5, "title in fi is empty"),
    # The plans' rules for invisible text and nesting (cafe.domain.tomlfile).
    (
        MINIMAL.replace('fi = "Työpaja"', 'fi = "\u200f\u200b\u202e"'),
        5,
        "title in fi is empty (it has only invisible characters)",
    ),
    (
        add_phase(
            'id = "summary"\nkind = "summary"\nlabel = { fi = "\u2800" }\nprompt = { fi = "Y" }\n'
        ),
        PHASE_2,
        'phase 2 ("summary") label in fi is empty (it has only invisible characters)',
    ),
    (
        MINIMAL + "x = " + "[" * 50_000 + "]" * 50_000 + "\n",
        14,
        "x nests arrays or tables more than 8 levels deep",
    ),
    (
        MINIMAL.replace('fi = "Työpaja"', 'fi = "Työpaja"\nsv' + ".a" * 10 + " = 1"),
        5,
        "title.sv.a.a.a.a.a.a.a nests arrays or tables more than 8 levels deep",
    ),
    (
        MINIMAL.replace('export = "memo"\n', ""),
        None,
        'export is missing: write export = "…" (memo or pilot-report)',
    ),
    (MINIMAL.replace('"memo"', "1"), 2, "unknown export 1: choose memo or pilot-report"),
    (
        MINIMAL.replace('role_tags = ["asiakas", "muu"]\n', ""),
        None,
        'role_tags is missing: write role_tags = ["asiakas", "muu"]',
    ),
    # Phases.
    (
        MINIMAL.split("[[phases]]")[0],
        None,
        "phases is missing: add at least one [[phases]] block",
    ),
    (
        MINIMAL.split("[[phases]]")[0].replace("[title]", 'phases = "avaus"\n[title]'),
        5,
        'phases must be [[phases]] blocks, not "avaus"',
    ),
    (
        MINIMAL.split("[[phases]]")[0].replace(
            "[title]", 'phases = [{ id = "a", kind = "post", label = { fi = "A" } }]\n[title]'
        ),
        5,
        'phase 1 ("a") of kind post has no section: write section = "…" (where its ideas go)',
    ),
    (
        add_phase('kind = "summary"\nlabel = { fi = "Y" }\nprompt = { fi = "Y" }\n'),
        PHASE_2,
        'phase 2 has no id: write id = "…" (lowercase letters, digits, "-" or "_", starting with '
        "a letter, at most 32 characters)",
    ),
    (
        add_phase('id = "Yhteenveto"\nkind = "summary"\n'),
        PHASE_2,
        'phase 2 has a bad id "Yhteenveto": use lowercase letters, digits, "-" or "_", starting '
        "with a letter, at most 32 characters",
    ),
    (
        add_phase('id = "summary"\nlabel = { fi = "Y" }\nprompt = { fi = "Y" }\n'),
        PHASE_2,
        'phase 2 ("summary") has no kind: write kind = "…" (opening, post, gather, summary, '
        "feedback or vote)",
    ),
    (
        add_phase('id = "summary"\nkind = "recap"\n'),
        PHASE_2,
        'phase 2 ("summary") has unknown kind "recap": choose opening, post, gather, summary, '
        "feedback or vote",
    ),
    (
        add_phase('id = "goal"\nkind = "post"\nlabel = { fi = "T" }\nprompt = { fi = "T" }\n'),
        PHASE_2,
        'phase 2 ("goal") of kind post has no section: write section = "…" (where its ideas go)',
    ),
    (
        add_phase('id = "opening"\nkind = "opening"\nsection = "ideas"\n'),
        PHASE_2,
        'phase 2 ("opening") of kind opening cannot have a section: only post, gather and vote '
        "phases have one",
    ),
    (
        add_phase('id = "goal"\nkind = "post"\nsection = "Tavoite"\n'),
        PHASE_2,
        'phase 2 ("goal") has a bad section "Tavoite": use lowercase letters, digits, "-" or "_", '
        "starting with a letter, at most 32 characters",
    ),
    (
        add_phase(
            'id = "gathering"\nkind = "gather"\nsection = "idaes"\n'
            'label = { fi = "K" }\nprompt = { fi = "K" }\n'
        ),
        PHASE_2,
        'phase 2 ("gathering") gathers section "idaes", which no post phase fills',
    ),
    (
        add_phase('id = "summary"\nkind = "summary"\nlabel = { fi = "Y" }\n'),
        PHASE_2,
        'phase 2 ("summary") has no prompt: write prompt = { fi = "…" }',
    ),
    (
        add_phase(
            'id = "summary"\nkind = "summary"\nlabel = "Yhteenveto"\nprompt = { fi = "Y" }\n'
        ),
        PHASE_2,
        'phase 2 ("summary") label must be texts per language, like { fi = "…" }, not "Yhteenveto"',
    ),
    (
        add_phase(
            'id = "summary"\nkind = "summary"\nlabel = { fi = "Y", de = "Z" }\n'
            'prompt = { fi = "Y" }\n'
        ),
        PHASE_2,
        'phase 2 ("summary") label has unknown language "de": use fi, sv or en',
    ),
    (
        add_phase(
            'id = "summary"\nkind = "summary"\nlabel = { en = "S" }\nprompt = { fi = "Y" }\n'
        ),
        PHASE_2,
        'phase 2 ("summary") label has no fi text: write fi = "…"',
    ),
    (
        add_phase('id = "summary"\nkind = "summary"\nlabel = { fi = "Y" }\nprompt = { fi = 3 }\n'),
        PHASE_2,
        'phase 2 ("summary") prompt in fi must be text, not 3',
    ),
    (
        add_phase(
            f'id = "summary"\nkind = "summary"\nlabel = {{ fi = "{"x" * 81}" }}\n'
            'prompt = { fi = "Y" }\n'
        ),
        PHASE_2,
        'phase 2 ("summary") label in fi has 81 characters: at most 80',
    ),
    (
        add_phase('id = "tables"\nkind = "summary"\n'),
        PHASE_2,
        'phase id "tables" is used twice (phases 1 and 2)',
    ),
    # Texts per language go inside their key; the message says which key to write.
    (
        add_phase(
            'id = "summary"\nkind = "summary"\nlabel = { fi = "Y" }\nlabel_sv = "S"\n'
            'prompt = { fi = "Y" }\n'
        ),
        PHASE_2,
        'phase 2 ("summary") has unknown key "label_sv": the keys are id, kind, section, label, '
        'prompt, dots, per_item (a label\'s languages go inside it: write label.sv = "…", or '
        'label = { fi = "…", sv = "…", en = "…" })',
    ),
    (
        add_phase(
            'id = "summary"\nkind = "summary"\nlabel = { fi = "Y" }\nprompt = { fi = "Y" }\n'
            'prompt-de = "Z"\n'
        ),
        PHASE_2,
        'phase 2 ("summary") has unknown key "prompt-de": the keys are id, kind, section, '
        "label, prompt, dots, per_item (a prompt's languages, fi, sv or en, go inside it: "
        'write prompt = { fi = "…", sv = "…", en = "…" })',
    ),
    (
        add_phase(
            'id = "summary"\nkind = "summary"\nlabel = { fi = "Y" }\nprompt = { fi = "Y" }\n'
            'en = "Summary"\n'
        ),
        PHASE_2,
        'phase 2 ("summary") has unknown key "en": the keys are id, kind, section, label, '
        'prompt, dots, per_item (a text in en belongs to label or prompt: write label.en = "…" '
        'or prompt.en = "…")',
    ),
    (
        MINIMAL.replace('export = "memo"', 'export = "memo"\ntitle_sv = "Verkstad"'),
        3,
        'unknown key "title_sv": the keys are name, title, export, role_tags, phases (a '
        'title\'s languages go inside it: write title.sv = "…", or title = { fi = "…", '
        'sv = "…", en = "…" })',
    ),
    (
        add_phase(""),
        PHASE_2,
        'phase 2 has no id: write id = "…" (lowercase letters, digits, "-" or "_", starting with '
        "a letter, at most 32 characters)",
    ),
]


@pytest.mark.parametrize(("source", "line", "reason"), BAD_TEMPLATES)
def test_bad_template_is_refused_at_the_line_to_fix(
    source: str, line: int | None, reason: str
) -> None:
    error = refusal(source)
    assert (error.line, error.reason) == (line, reason)
    assert error.params == {"file": "t.toml", "line": line, "reason": reason}


@pytest.mark.parametrize(
    "role_tags",
    [
        "[]",
        '"asiakas"',
        '["asiakas", ""]',
        f'["{"x" * 41}"]',
        "[" + ", ".join(f'"r{n}"' for n in range(13)) + "]",
    ],
)
def test_role_tags_follow_the_plan_rules_and_need_at_least_one(role_tags: str) -> None:
    error = refusal(MINIMAL.replace('["asiakas", "muu"]', role_tags))
    assert error.line == 3
    assert error.reason.startswith("role_tags must be a list of 1 to 12 different names")


def test_twelve_role_tags_are_the_most() -> None:
    tags = "[" + ", ".join(f'"r{n}"' for n in range(12)) + "]"
    template = parse_template(MINIMAL.replace('["asiakas", "muu"]', tags).encode(), "t.toml")
    assert len(template.role_tags) == 12


def test_byte_order_mark_from_windows_editors_is_accepted() -> None:
    template = parse_template(b"\xef\xbb\xbf" + MINIMAL.encode(), "t.toml")
    assert template.name == "mini"


def test_phase_keys_may_be_dotted_or_a_sub_table() -> None:
    source = add_phase(
        'id = "summary"\nkind = "summary"\nlabel.fi = "Yhteenveto"\n'
        '[phases.prompt]\nfi = """\nTässä on \\\n  yhteenveto."""\n'
    )
    template = parse_template(source.encode(), "t.toml")
    assert template.phases[1] == TemplatePhase(
        id="summary",
        kind="summary",
        label={"fi": "Yhteenveto"},
        prompt={"fi": "Tässä on yhteenveto."},
    )


def test_label_falls_back_to_finnish_then_to_the_id() -> None:
    template = parse_template(MINIMAL.encode(), "t.toml")
    assert template.label("tables", "sv") == "Pöytäkeskustelut"
    assert template.label("nosuch", "fi") == "nosuch"
    assert template.phase("nosuch") is None
    assert template.prompt("nosuch", "fi") == ""
    bare = WorkshopTemplate(
        name="x",
        title={"fi": "X"},
        export="memo",
        role_tags=("muu",),
        phases=(TemplatePhase(id="a", kind="summary", label={}, prompt={}),),
        path="x.toml",
    )
    assert bare.label("a", "en") == "a"


TRANSLATED = MINIMAL.replace(
    'label = { fi = "Pöytäkeskustelut" }',
    'label = { fi = "Pöytäkeskustelut", en = "Table discussions" }',
).replace('prompt = { fi = "Kirjoittakaa ajatuksia." }', 'prompt.fi = "Kirjoittakaa ajatuksia."')


@pytest.mark.parametrize(
    ("languages", "label", "prompt", "title"),
    [
        # The reader's language when the template has it.
        (("en", "fi"), "Table discussions", "Kirjoittakaa ajatuksia.", "Työpaja"),
        # No Swedish: the event's language (English) next, then Finnish.
        (("sv", "en"), "Table discussions", "Kirjoittakaa ajatuksia.", "Työpaja"),
        (("sv", "sv"), "Pöytäkeskustelut", "Kirjoittakaa ajatuksia.", "Työpaja"),
        (("sv",), "Pöytäkeskustelut", "Kirjoittakaa ajatuksia.", "Työpaja"),
    ],
)
def test_a_missing_language_falls_back_to_the_events_then_finnish(
    languages: tuple[str, ...], label: str, prompt: str, title: str
) -> None:
    template = parse_template(TRANSLATED.encode(), "t.toml")
    assert template.label("tables", *languages) == label
    assert template.prompt("tables", *languages) == prompt
    assert template.title_in(*languages) == title


def test_missing_texts_are_listed_per_language() -> None:
    template = parse_template(TRANSLATED.encode(), "t.toml")
    assert template.missing_texts() == {
        "sv": ["title", "phase tables label", "phase tables prompt"],
        "en": ["title", "phase tables prompt"],
    }
    for name in ("cafe-social", "co-development"):
        assert load_template(SHIPPED / f"{name}.toml").missing_texts() == {}


def test_gather_phase_may_curate_every_section() -> None:
    source = add_phase(
        'id = "gathering"\nkind = "gather"\nlabel = { fi = "K" }\nprompt = { fi = "K" }\n'
    )
    template = parse_template(source.encode(), "t.toml")
    assert template.phase("gathering") == TemplatePhase(
        id="gathering", kind="gather", label={"fi": "K"}, prompt={"fi": "K"}, section=None
    )
    assert template.sections == ("ideas",)


def write(directory: Path, stem: str, name: str) -> Path:
    path = directory / f"{stem}.toml"
    path.write_text(MINIMAL.replace('"mini"', f'"{name}"'), encoding="utf-8")
    return path


def test_copied_template_must_be_renamed_to_its_file_name(tmp_path: Path) -> None:
    write(tmp_path, "cafe-social", "cafe-social")
    copy = write(tmp_path, "oma-kahvila", "cafe-social")
    catalogue = load_templates(tmp_path)
    assert [str(error) for error in catalogue.errors] == [
        f'{copy}:1: name "cafe-social" is already used by {tmp_path / "cafe-social.toml"}: '
        "give each template its own name, the same as its file name"
    ]
    # The original still loads: the copy is refused, not the directory.
    assert list(catalogue.templates) == ["cafe-social"]


def test_template_name_must_equal_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, "oma-kahvila", "minun-kahvila")
    catalogue = load_templates(tmp_path)
    assert [str(error) for error in catalogue.errors] == [
        f'{path}:1: name "minun-kahvila" does not match the file name oma-kahvila.toml: '
        'rename the file to minun-kahvila.toml or write name = "oma-kahvila"'
    ]
    assert catalogue.templates == {}


def test_file_name_that_is_no_template_name_gets_one_fix(tmp_path: Path) -> None:
    path = write(tmp_path, "Oma kahvila", "oma-kahvila")
    (error,) = load_templates(tmp_path).errors
    assert error.reason == (
        'name "oma-kahvila" does not match the file name Oma kahvila.toml: '
        "rename the file to oma-kahvila.toml"
    )
    assert error.file == str(path)


def test_a_malformed_file_is_refused_and_the_others_load(tmp_path: Path) -> None:
    write(tmp_path, "mini", "mini")
    broken = tmp_path / "broken.toml"
    broken.write_text('name = "broken"\ntitle = \n', encoding="utf-8")
    catalogue = load_templates(tmp_path)
    assert list(catalogue.templates) == ["mini"]
    (error,) = catalogue.errors
    assert error.file == str(broken)
    assert error.line == 2
    assert error.reason.startswith("TOML syntax error")


def test_only_toml_files_are_templates(tmp_path: Path) -> None:
    write(tmp_path, "mini", "mini")
    (tmp_path / "README.md").write_text("# Templates\n", encoding="utf-8")
    assert list(load_templates(tmp_path).templates) == ["mini"]


def test_missing_directory_or_file_is_refused_without_a_line(tmp_path: Path) -> None:
    with pytest.raises(TemplateError) as caught:
        load_templates(tmp_path / "nosuch")
    assert str(caught.value) == f"{tmp_path / 'nosuch'}: not a directory of templates"
    with pytest.raises(TemplateError) as caught:
        load_template(tmp_path / "nosuch.toml")
    assert caught.value.params["line"] is None
    assert caught.value.reason.startswith("cannot read the file: ")


def test_readme_documents_every_key_kind_and_export() -> None:
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    for word in (*TEMPLATE_KEYS, *PHASE_KEYS, *PHASE_KINDS, *EXPORTS):
        assert f"`{word}`" in readme or f"`[{word}]`" in readme or f"`[[{word}]]`" in readme, word


@pytest.mark.parametrize(
    ("keys", "reason"),
    [
        ("dots = 0\n", 'phase 2 ("vote") has dots = 0: write a whole number from 1 to 10'),
        ("dots = 11\n", 'phase 2 ("vote") has dots = 11: write a whole number from 1 to 10'),
        ('dots = "3"\n', 'phase 2 ("vote") has dots = "3": write a whole number from 1 to 10'),
        (
            "dots = 3\nper_item = 4\n",
            'phase 2 ("vote") has per_item = 4: write a whole number from 1 to dots (3)',
        ),
        (
            "per_item = true\n",
            'phase 2 ("vote") has per_item = true: write a whole number from 1 to dots (3)',
        ),
        (
            'section = "proposals"\n',
            'phase 2 ("vote") votes on section "proposals", which no post phase fills',
        ),
    ],
)
def test_a_vote_phase_takes_dots_within_the_rules(keys: str, reason: str) -> None:
    source = add_phase(
        f'id = "vote"\nkind = "vote"\n{keys}label = {{ fi = "Ä" }}\nprompt = {{ fi = "Ä" }}\n'
    )
    error = refusal(source)
    assert (error.line, error.reason) == (PHASE_2, reason)


def test_a_vote_phase_has_default_dots_and_only_a_vote_phase_has_dots() -> None:
    vote = 'id = "vote"\nkind = "vote"\nlabel = { fi = "Ä" }\nprompt = { fi = "Ä" }\n'
    phase = parse_template(add_phase(vote).encode(), "t.toml").phase("vote")
    assert phase is not None and (phase.section, phase.dots, phase.per_item) == (None, 3, 2)
    one = parse_template(add_phase(vote + "dots = 1\n").encode(), "t.toml").phase("vote")
    assert one is not None and (one.dots, one.per_item) == (1, 1)
    error = refusal(add_phase(vote.replace('"vote"\nlabel', '"summary"\nlabel') + "dots = 2\n"))
    assert error.reason == (
        'phase 2 ("vote") of kind summary cannot have dots: only vote phases have dots'
    )
