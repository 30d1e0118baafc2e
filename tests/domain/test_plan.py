"""Event plans from TOML and mappings (pure core)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Any

import pytest

import cafe.domain.plan as plan_module
from cafe.domain.errors import DomainError
from cafe.domain.plan import (
    DEFAULT_ROLE_TAGS,
    DEFAULT_TITLE,
    EventPlan,
    PlanTheme,
    ReportPlan,
    parse_plan,
    plan_from_mapping,
)

SAMPLE = Path(__file__).resolve().parents[2] / "sessions" / "cafe-social-2017-10-31.toml"
MINIMAL = 'topic = "Aihe"\ndate = 2017-10-31\n'


def parse(extra: str) -> EventPlan:
    return parse_plan(MINIMAL + extra)


def test_shipped_sample_plan_parses_with_its_real_content() -> None:
    plan = parse_plan(SAMPLE.read_text(encoding="utf-8"))
    assert plan.topic == "Yhdessä asiakkaan kanssa"
    assert plan.title == "Cafe Social -keskustelukahvila"
    assert plan.date == dt.date(2017, 10, 31)
    assert (plan.start, plan.end) == (dt.time(14, 0), dt.time(16, 0))
    assert plan.language == "fi"
    assert [o.name for o in plan.openers] == ["Birgitta Pekkanen", "Iina Suvanto", "Päivi Krook"]
    assert plan.openers[0].organisation == "Sovatek-säätiö, OK-hanke"
    krook = plan.openers[2]
    assert (krook.name, krook.title) == ("Päivi Krook", "sosiaalityöntekijä")
    assert krook.organisation == ""
    assert krook.talk.startswith("Päivi Krookilla on yli 10 vuoden kokemus")
    assert plan.openers[1].talk == ""
    assert plan.openers_sentence.startswith("Keskustelun alustajina Birgitta Pekkanen")
    assert plan.summary_intro.startswith("Kokemusasiantuntijalla on myös tarve")
    assert [t.title for t in plan.summary_themes][:2] == [
        "Osallisuuden mahdollistaminen",
        "Asiakkuus murroksessa",
    ]
    assert plan.tables == ("Pöytä 1", "Pöytä 2", "Pöytä 3", "Pöytä 4", "Pöytä 5")
    assert plan.role_tags == DEFAULT_ROLE_TAGS
    assert plan.next_date == dt.date(2018, 1, 24)
    assert (plan.next_start, plan.next_end) == (dt.time(14, 0), dt.time(16, 0))
    assert "Vipuvoimaa EU:lta 2014–2020" in plan.footer
    assert plan.warnings == ()


def test_minimal_plan_gets_the_documented_defaults() -> None:
    plan = parse("")
    assert plan.title == DEFAULT_TITLE
    assert (plan.start, plan.end) == (dt.time(14, 0), dt.time(16, 0))
    assert plan.language == "fi"
    assert plan.tables == ("Pöytä 1", "Pöytä 2", "Pöytä 3", "Pöytä 4")
    assert plan.role_tags == DEFAULT_ROLE_TAGS
    assert plan.openers == ()
    assert plan.next_date is None


@pytest.mark.parametrize(
    ("extra", "tables"),
    [
        ("tables = 1\n", ("Pöytä 1",)),
        ("tables = 3\n", ("Pöytä 1", "Pöytä 2", "Pöytä 3")),
        ('tables = 2\nlanguage = "sv"\n', ("Bord 1", "Bord 2")),
        ('tables = 2\nlanguage = "en"\n', ("Table 1", "Table 2")),
        ('tables = ["Ikkunapöytä", " Nurkka "]\n', ("Ikkunapöytä", "Nurkka")),
    ],
)
def test_tables_are_a_count_or_a_list_of_names(extra: str, tables: tuple[str, ...]) -> None:
    assert parse(extra).tables == tables


def test_sixty_tables_is_the_most() -> None:
    assert len(parse("tables = 60\n").tables) == 60


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("date", '"31.10.2017"', dt.date(2017, 10, 31)),
        ("date", '"2017-10-31"', dt.date(2017, 10, 31)),
        ("start", '"9.30"', dt.time(9, 30)),
        ("start", '"9"', dt.time(9, 0)),
        ("start", "09:30:15", dt.time(9, 30)),
    ],
)
def test_dates_and_times_accept_the_documented_forms(
    field: str, value: str, expected: object
) -> None:
    keys = {"topic": '"Aihe"', "date": "2017-10-31", field: value}
    plan = parse_plan("".join(f"{key} = {toml}\n" for key, toml in keys.items()))
    assert getattr(plan, field) == expected


#: One minimal bad plan per error code the plan module can raise.
BAD_PLANS = [
    ("plan_syntax", 'topic = "Aihe"\ndate = 2017-10-31\nstart = \n'),
    ("plan_unknown_key", MINIMAL + 'colour = "red"\n'),
    ("plan_missing", "date = 2017-10-31\n"),
    ("plan_missing", 'topic = "Aihe"\n'),
    ("plan_missing", 'topic = "   "\ndate = 2017-10-31\n'),
    ("plan_missing", MINIMAL + '[[openers]]\ntitle = "nimetön"\n'),
    ("plan_not_text", "topic = 5\ndate = 2017-10-31\n"),
    ("plan_not_text", MINIMAL + "place = true\n"),
    ("plan_not_flag", MINIMAL + 'premoderation = "yes"\n'),
    ("plan_too_long", f'topic = "{"x" * 201}"\ndate = 2017-10-31\n'),
    ("plan_too_long", MINIMAL + f'tables = ["{"x" * 61}"]\n'),
    ("plan_bad_date", 'topic = "Aihe"\ndate = "31/10/2017"\n'),
    ("plan_bad_date", 'topic = "Aihe"\ndate = 20171031\n'),
    ("plan_bad_date", 'topic = "Aihe"\ndate = "2017-02-30"\n'),
    ("plan_date_has_time", 'topic = "Aihe"\ndate = 1979-05-27T07:32:00Z\n'),
    ("plan_date_has_time", 'topic = "Aihe"\ndate = 2017-10-31T09:00:00\n'),
    ("plan_date_has_time", MINIMAL + "[next_session]\ndate = 2018-01-24 14:00:00\n"),
    ("plan_time_has_date", MINIMAL + "start = 2017-10-31T14:00:00\n"),
    (
        "plan_time_has_date",
        MINIMAL + "[next_session]\ndate = 2018-01-24\nend = 1979-05-27T07:32:00Z\n",
    ),
    ("plan_too_deep", MINIMAL + "tables = " + "[" * 100_000 + "]" * 100_000 + "\n"),
    ("plan_too_deep", MINIMAL + "x = " + "{a = " * 2_000 + "1" + "}" * 2_000 + "\n"),
    ("plan_too_deep", MINIMAL + "a" + ".a" * 1_000 + " = 1\n"),
    ("plan_too_deep", MINIMAL + "[summary" + ".x" * 50 + "]\n"),
    ("plan_missing", 'topic = "\u200f\u200b\u202e\u2066\u2069"\ndate = 2017-10-31\n'),
    ("plan_missing", MINIMAL + '[[openers]]\nname = "\u200b\ufeff"\n'),
    ("plan_bad_tables", MINIMAL + 'tables = ["Ikkuna", "\u200e\u200f"]\n'),
    ("plan_bad_roles", MINIMAL + 'role_tags = ["asiakas", "\u2060\u3164"]\n'),
    ("plan_bad_themes", MINIMAL + '[[summary.themes]]\ntitle = "\u200b"\nbody = "\u2800"\n'),
    ("plan_bad_time", MINIMAL + 'start = "kaksi"\n'),
    ("plan_bad_time", MINIMAL + 'start = "25:00"\n'),
    ("plan_bad_time", MINIMAL + "end = 16\n"),
    ("plan_end_before_start", MINIMAL + 'start = "16:00"\nend = "14:00"\n'),
    ("plan_end_before_start", MINIMAL + 'start = "14:00"\nend = "14:00"\n'),
    (
        "plan_end_before_start",
        MINIMAL + '[next_session]\ndate = 2018-01-24\nstart = "16"\nend = "14"\n',
    ),
    ("plan_bad_language", MINIMAL + 'language = "de"\n'),
    ("plan_bad_tables", MINIMAL + "tables = true\n"),
    ("plan_bad_tables", MINIMAL + "tables = []\n"),
    ("plan_bad_tables", MINIMAL + 'tables = ["Pöytä 1", ""]\n'),
    ("plan_bad_tables", MINIMAL + 'tables = "neljä"\n'),
    ("plan_bad_tables", MINIMAL + "tables = [1, 2]\n"),
    ("plan_table_count", MINIMAL + "tables = 0\n"),
    ("plan_table_count", MINIMAL + "tables = 61\n"),
    ("plan_table_count", MINIMAL + "tables = [" + ", ".join(f'"T{n}"' for n in range(61)) + "]\n"),
    ("plan_duplicate_table", MINIMAL + 'tables = ["Ikkuna", "ikkuna"]\n'),
    ("plan_bad_roles", MINIMAL + 'role_tags = "asiakas"\n'),
    ("plan_bad_roles", MINIMAL + 'role_tags = ["asiakas", "asiakas"]\n'),
    ("plan_bad_roles", MINIMAL + 'role_tags = ["asiakas", ""]\n'),
    ("plan_bad_roles", MINIMAL + f'role_tags = ["{"x" * 41}"]\n'),
    ("plan_bad_roles", MINIMAL + "role_tags = [" + ", ".join(f'"r{n}"' for n in range(13)) + "]\n"),
    ("plan_bad_openers", MINIMAL + 'openers = "Birgitta"\n'),
    ("plan_bad_openers", MINIMAL + '[[openers]]\nname = "B"\nphone = "0401234567"\n'),
    ("plan_bad_openers", MINIMAL + 'openers = ["Birgitta"]\n'),
    ("plan_bad_next", MINIMAL + 'next_session = "24.1.2018"\n'),
    ("plan_bad_next", MINIMAL + '[next_session]\nstart = "14:00"\n'),
    ("plan_bad_next", MINIMAL + '[next_session]\ndate = 2018-01-24\nroom = "A"\n'),
    ("plan_not_table", MINIMAL + 'minutes = "muistio"\n'),
    ("plan_bad_template", MINIMAL + 'template = "../etc/passwd"\n'),
    ("plan_bad_template", MINIMAL + 'template = "Yhteiskehittäminen"\n'),
    ("plan_not_table", MINIMAL + "summary = [1]\n"),
    ("plan_unknown_key", MINIMAL + '[minutes]\nopener_sentence = "x"\n'),
    ("plan_unknown_key", MINIMAL + '[summary]\nclosing = "x"\n'),
    ("plan_bad_themes", MINIMAL + '[summary]\nthemes = "Osallisuus"\n'),
    ("plan_bad_themes", MINIMAL + '[[summary.themes]]\ntitle = "T"\nparagraph = "x"\n'),
    ("plan_bad_themes", MINIMAL + '[[summary.themes]]\ntitle = ""\nbody = " "\n'),
    ("plan_not_text", MINIMAL + '[[openers]]\nname = "B"\ntalk = 3\n'),
    ("plan_too_long", MINIMAL + '[summary]\nintro = "' + "x" * 20_001 + '"\n'),
]


@pytest.mark.parametrize(("code", "source"), BAD_PLANS)
def test_bad_plan_is_refused_with_its_code(code: str, source: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_plan(source)
    assert caught.value.code == code


def test_every_plan_error_code_has_a_bad_plan_example() -> None:
    raised = set(
        re.findall(r'DomainError\(\s*"(plan_\w+)"', Path(plan_module.__file__).read_text())
    )
    assert raised == {code for code, _ in BAD_PLANS}


def test_toml_syntax_error_names_the_line() -> None:
    with pytest.raises(DomainError) as caught:
        parse_plan('topic = "Aihe"\ndate = 2017-10-31\nstart = \n')
    assert "line 3" in caught.value.params["detail"]


@pytest.mark.parametrize(
    ("source", "key"),
    [
        (MINIMAL + 'colour = "red"\n', "colour"),
        (MINIMAL + "zeta = 1\nalpha = 2\n", "alpha"),
        (MINIMAL + "[next]\ndate = 2018-01-24\n", "next"),
    ],
)
def test_unknown_key_is_named(source: str, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_plan(source)
    assert caught.value.code == "plan_unknown_key"
    assert caught.value.params == {"key": key}


@pytest.mark.parametrize(
    ("key", "param"),
    [
        ('date = "eilen"', "date"),
        ('start = "x"', "start"),
        ("place = 5", "place"),
    ],
)
def test_error_names_the_offending_key(key: str, param: str) -> None:
    source = 'topic = "Aihe"\n' + ("" if key.startswith("date") else "date = 2017-10-31\n") + key
    with pytest.raises(DomainError) as caught:
        parse_plan(source)
    assert caught.value.params["key"] == param


@pytest.mark.parametrize(
    ("source", "key"),
    [
        (MINIMAL + "tables = " + "[" * 100_000 + "]" * 100_000 + "\n", "tables"),
        (MINIMAL + "\n\nx = " + "{a = " * 9 + "1" + "}" * 9 + "\n", "x"),
        (MINIMAL + "a" + ".a" * 1_000 + " = 1\n", "a" + ".a" * 8),
        (MINIMAL + "[summary.x.y.z.u.v.w.q.r]\n", "summary.x.y.z.u.v.w.q.r"),
        (
            MINIMAL + "[[openers]]\nname = [[[[[[[[1]]]]]]]]\n",
            "openers[1].name[1][1][1][1][1][1]",
        ),
    ],
)
def test_nesting_too_deep_is_refused_naming_the_key(source: str, key: str) -> None:
    """No RecursionError from tomllib or later: a clear refusal that says where."""
    with pytest.raises(DomainError) as caught:
        parse_plan(source)
    assert caught.value.code == "plan_too_deep"
    assert caught.value.params == {"key": key, "max": 8}


def test_eight_levels_of_nesting_pass_the_depth_check() -> None:
    """The limit is 8: the plan then fails on its own rules, not on depth."""
    with pytest.raises(DomainError) as caught:
        parse_plan(MINIMAL + "tables = " + "[" * 8 + '"T"' + "]" * 8 + "\n")
    assert caught.value.code == "plan_bad_tables"


@pytest.mark.parametrize(
    ("source", "key", "code"),
    [
        ('topic = "Aihe"\ndate = 1979-05-27T07:32:00Z\n', "date", "plan_date_has_time"),
        ('topic = "Aihe"\ndate = 2017-10-31T14:00:00\n', "date", "plan_date_has_time"),
        (
            MINIMAL + "[next_session]\ndate = 2018-01-24T14:00:00+02:00\n",
            "next_session.date",
            "plan_date_has_time",
        ),
        (MINIMAL + "end = 2017-10-31T16:00:00\n", "end", "plan_time_has_date"),
        (
            MINIMAL + "[next_session]\ndate = 2018-01-24\nstart = 2018-01-24T14:00:00\n",
            "next_session.start",
            "plan_time_has_date",
        ),
    ],
)
def test_a_date_time_is_neither_a_date_nor_a_time(source: str, key: str, code: str) -> None:
    """``1979-05-27T07:32:00Z`` used to be cut to its day; now the key is named."""
    with pytest.raises(DomainError) as caught:
        parse_plan(source)
    assert (caught.value.code, caught.value.params) == (code, {"key": key})


#: Characters that show nothing: right-to-left and left-to-right marks, zero-width space,
#: joiner and non-joiner, word joiner, BOM, the bidi overrides and isolates, line and
#: paragraph separators, a Hangul filler, the blank Braille pattern, a variation selector.
INVISIBLE = (
    "\u200f\u200e\u200b\u200c\u200d\u2060\ufeff\u202a\u202b\u202c\u202d\u202e"
    "\u2066\u2067\u2068\u2069\u2028\u2029\u3164\u2800\ufe0f\u00a0\t"
)


@pytest.mark.parametrize("topic", [INVISIBLE, "\u200f" * 50, "\u200b \u200b", "\u202e\u200b"])
def test_a_topic_of_invisible_characters_counts_as_missing(topic: str) -> None:
    with pytest.raises(DomainError) as caught:
        plan_from_mapping({"topic": topic, "date": "31.10.2017"})
    assert (caught.value.code, caught.value.params) == ("plan_missing", {"key": "topic"})


def test_invisible_optional_texts_count_as_empty() -> None:
    """An invisible title gets the default title; an invisible place is no place."""
    plan = parse(f'title = "{INVISIBLE}"\nplace = "\u200b"\nfooter = "\u200f\u200e"\n')
    assert (plan.title, plan.place, plan.footer) == (DEFAULT_TITLE, "", "")


def test_bidi_overrides_and_isolates_are_removed_from_every_stored_text() -> None:
    """A right-to-left override in the topic would reverse the board's text after it."""
    source = (
        'topic = "\u202eAihe\u202c"\ndate = 2017-10-31\nplace = "Sali \u2067A\u2069"\n'
        'tables = ["\u202dIkkuna"]\nrole_tags = ["\u202bmuu"]\n'
        '[[openers]]\nname = "\u202eB"\ntalk = "x\u202e"\n'
        '[summary]\nintro = "\u2066i"\n[[summary.themes]]\ntitle = "\u202aT"\nbody = "b\u202e"\n'
    )
    plan = parse_plan(source)
    assert (plan.topic, plan.place, plan.tables, plan.role_tags) == (
        "Aihe",
        "Sali A",
        ("Ikkuna",),
        ("muu",),
    )
    assert (plan.openers[0].name, plan.openers[0].talk) == ("B", "x")
    assert (plan.summary_intro, plan.summary_themes) == ("i", (("T", "b", None),))


def test_marks_inside_visible_text_are_kept() -> None:
    """Right-to-left marks and zero-width joiners are part of real text (Arabic, emoji)."""
    topic = "\u05e9\u05dc\u05d5\u05dd\u200f (Shalom) \U0001f469\u200d\U0001f4bb"
    assert plan_from_mapping({"topic": topic, "date": "31.10.2017"}).topic == topic


@pytest.mark.parametrize("next_date", ["2017-10-30", "2017-10-31"])
def test_next_session_not_after_the_event_is_a_warning_not_an_error(next_date: str) -> None:
    plan = parse(f"[next_session]\ndate = {next_date}\n")
    assert plan.next_date == dt.date.fromisoformat(next_date)
    assert plan.warnings == ("next_before_event",)


def test_next_session_after_the_event_has_no_warning() -> None:
    assert parse("[next_session]\ndate = 2018-01-24\n").warnings == ()


def test_plan_from_mapping_obeys_the_same_rules_as_the_file() -> None:
    data: dict[str, Any] = {"topic": "Aihe", "date": "31.10.2017", "tables": ["A", "B"]}
    assert plan_from_mapping(data).tables == ("A", "B")
    with pytest.raises(DomainError) as caught:
        plan_from_mapping({**data, "tabels": 3})
    assert caught.value.code == "plan_unknown_key"


# --- a co-development workshop's report fields -------------------------------------------

REPORT_BASE = 'topic = "Pilotti"\ndate = 2018-11-27\ntemplate = "co-development"\n'


def test_a_workshop_plan_carries_the_report_fields_and_section_themes() -> None:
    plan = parse_plan(
        REPORT_BASE
        + '[report]\nduration = "Vuosi."\ncaption = "Prosessi  syksy"\ncredit = "Hanke"\n'
        + '[report.resources]\nother = "Palkkiot."\nworkers = "Työntekijät."\n'
        + '[[summary.themes]]\nsection = "process"\ntitle = "Alku"\nbody = "x"\n'
    )
    assert plan.report == ReportPlan(
        duration="Vuosi.",
        resources=(("workers", "Työntekijät."), ("other", "Palkkiot.")),
        caption="Prosessi syksy",
        credit="Hanke",
    )
    assert plan.summary_themes == (PlanTheme("Alku", "x", "process"),)
    assert parse_plan(REPORT_BASE).report is None


@pytest.mark.parametrize(
    ("extra", "code", "key"),
    [
        ('[report]\ngoals = "x"\n', "plan_unknown_key", "report.goals"),
        ('[report]\nresources.coffee = "x"\n', "plan_unknown_key", "report.resources.coffee"),
        ('[report]\nresources = "x"\n', "plan_not_table", "report.resources"),
        ("[report]\nduration = 3\n", "plan_not_text", "report.duration"),
        (f'[report]\ncaption = "{"x" * 301}"\n', "plan_too_long", "report.caption"),
        ('report = "x"\n', "plan_not_table", "report"),
    ],
)
def test_report_plan_errors_name_the_key(extra: str, code: str, key: str) -> None:
    with pytest.raises(DomainError) as caught:
        parse_plan(REPORT_BASE + extra)
    assert caught.value.code == code
    assert caught.value.params["key"] == key
