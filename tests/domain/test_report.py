"""The service-pilot report's pure rendering: the seed report rebuilt word for word from its
plan, the seed's layout (standing and run-in headings, ``1. **Lead.** body`` steps),
Swedish and English headings, stored revisions, and the checks on forms and plans."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import cafe.domain.diagram as diagram
from cafe.domain.errors import DomainError
from cafe.domain.markup import render_markdown
from cafe.domain.plan import parse_plan
from cafe.domain.report import (
    HEADINGS,
    MAX_LEAD,
    MAX_SECTION,
    MAX_STEPS,
    RESOURCE_KEYS,
    PilotReport,
    assemble_report,
    report_from_content,
    report_from_form,
    report_markdown,
    report_text,
    report_to_content,
    resource_items,
    step_labels,
    step_lead,
    steps_markdown,
    with_plan,
)

ROOT = Path(__file__).resolve().parents[2]
PLAN = ROOT / "sessions" / "pilot-report-kokemusohjaus.toml"
#: The seed report (a copy of ../shared/seeds/003_60ec04cca74eb0e9.txt, in the repository
#: so that the fidelity test runs on any clone).
SEED = ROOT / "tests" / "data" / "seeds" / "003_60ec04cca74eb0e9.txt"
TITLE = (
    "Kokemusohjauksella sisältöä, tukea ja apua arkeen: Palvelupilotti III, PRO SOS -osahanke Verso"
)
#: The seed's headings and run-in labels, top to bottom.
SEED_HEADINGS = [
    "Kokeilun kesto ja toteuttajatahot:",
    "Osallistujat:",
    "Resurssit:",
    "Kokemusohjaajat:",
    "Työntekijät:",
    "Tilat:",
    "Tarvikkeet:",
    "Muut resurssit:",
    "Pilottikokeilun tavoite:",
    "Kokeilun kuvaus:",
    "Arvioinnin ja palautteen kerääminen:",
    "Palvelupilotin tulokset ja jatkokehittäminen:",
    "Kokemusohjauspilotin prosessi aikuissosiaalityössä syksy 2018",
]


def words(text: str) -> str:
    """White space normalised: every run of it is one space."""
    return " ".join(text.split())


def seed_text() -> str:
    """The seed report as an organizer would have typed it.

    The seed was exported from a PDF, which wrote the steps' bold leads as Markdown
    (``1. **Palvelutarpeen …**``): those ``**`` go, as the plain-text export has no bold.
    It has no page furniture to strip (no page numbers, no running header or footer: its
    last line, "PRO SOS -osahanke Verso", occurs once, as the credit under the diagram's
    caption); the page break inside the goal only left a blank line, which is white space.
    """
    return SEED.read_text("utf-8").replace("**", "")


def seed_report() -> PilotReport:
    """The seed report as the app builds it from its event plan, without the app: the
    plan's section themes assembled as a workshop's, with the plan's ``[report]`` fields
    (``tests/test_report_export.py`` builds it through ``cafe event create``)."""
    plan = parse_plan(PLAN.read_text("utf-8"))
    themes = [(theme.section, theme.title, theme.body) for theme in plan.summary_themes]
    assert plan.report is not None
    return with_plan(assemble_report(plan.topic, plan.language, themes), plan.report)


def report(**changes: object) -> PilotReport:
    base: dict[str, object] = {"title": "Otsikko"}
    base.update(changes)
    return PilotReport(**base)  # type: ignore[arg-type]


# --- the seed ----------------------------------------------------------------------------


def test_seed_report_plain_text_is_the_seed_word_for_word() -> None:
    assert words(report_text(seed_report())) == words(seed_text())


def test_seed_report_markdown_reads_as_the_seed_and_has_its_bold_steps_verbatim() -> None:
    markdown = report_markdown(seed_report())
    typed = re.sub(r"(?m)^#{1,2} ", "", markdown).replace("**", "")
    assert words(typed) == words(seed_text())
    # The seed's step lines, with their Markdown bold, are in the export as they are.
    seed_steps = [line for line in SEED.read_text("utf-8").splitlines() if re.match(r"\d\. ", line)]
    assert len(seed_steps) == 4
    assert "\n".join(seed_steps) in markdown


def test_seed_plan_has_the_seed_parts() -> None:
    seed = seed_report()
    assert seed.title == TITLE
    assert seed.language == "fi"
    assert [key for key, _ in seed.resources] == list(RESOURCE_KEYS)
    assert len(seed.steps) == 4
    assert step_labels(seed)[1] == "Ensimmäisessä tapaamisessa"
    assert step_labels(seed)[0].endswith("hyötyisikö asiakas kokemushjauksesta.")
    assert seed.caption == "Kokemusohjauspilotin prosessi aikuissosiaalityössä syksy 2018"
    assert seed.credit == "PRO SOS -osahanke Verso"


def test_plain_text_keeps_the_seed_layout_of_standing_and_run_in_headings() -> None:
    text = report_text(seed_report())

    assert text.startswith(TITLE + "\n\nKokeilun kesto ja toteuttajatahot:\n\nKokemusohjauksen ")
    assert "\n\nOsallistujat:\n\nVuosina 2017-2018" in text
    assert "\n\nResurssit:\n\nKokemusohjaajat: Kokemusohjaajina työskenteli" in text
    assert "\n\nMuut resurssit: Kokemusohjaajille" in text
    assert "\n\nPilottikokeilun tavoite: Kokemusohjaus on" in text
    assert "ulkopuolella.\n\nPilotissa selvitettiin" in text
    assert "seuraavasti:\n\n1. Palvelutarpeen arvioinnin" in text
    assert "vastaanotolle.\n2. Ensimmäisessä tapaamisessa keskustellaan" in text
    assert "\n\nArvioinnin ja palautteen kerääminen:\n\nPalautetta" in text
    assert text.endswith(
        "rahoitus.\n\nKokemusohjauspilotin prosessi aikuissosiaalityössä syksy 2018\n\n"
        "PRO SOS -osahanke Verso\n"
    )
    assert "**" not in text


def test_markdown_has_the_headings_in_order_and_bold_numbered_steps() -> None:
    markdown = report_markdown(seed_report())
    lines = markdown.splitlines()

    assert lines[0] == "# " + TITLE
    standing = [line for line in lines if line.startswith("## ")]
    assert standing == [
        "## Kokeilun kesto ja toteuttajatahot:",
        "## Osallistujat:",
        "## Resurssit:",
        "## Arvioinnin ja palautteen kerääminen:",
        "## Palvelupilotin tulokset ja jatkokehittäminen:",
    ]
    position = 0
    for heading in SEED_HEADINGS:
        found = markdown.find(heading, position)
        assert found > position, heading
        position = found
    assert "\n\n**Pilottikokeilun tavoite:** Kokemusohjaus on" in markdown
    assert "\n\n**Tilat:** Kokemusohjaajat tarvitsivat" in markdown
    steps = [line for line in lines if re.match(r"\d+\. ", line)]
    assert [line[:5] for line in steps] == ["1. **", "2. **", "3. **", "4. **"]
    assert steps[1].startswith("2. **Ensimmäisessä tapaamisessa** keskustellaan")
    assert "<ol>\n<li><strong>Palvelutarpeen" in render_markdown(markdown)
    assert report_markdown(seed_report(), closing=False).endswith("saadaan rahoitus.\n")


# --- steps -------------------------------------------------------------------------------


def test_a_step_lead_gets_the_memos_full_stop_unless_the_body_finishes_its_sentence() -> None:
    assert step_lead("Ensimmäinen tapaaminen", "Sovitaan tavoitteet.") == (
        "Ensimmäinen tapaaminen."
    )
    assert step_lead("Ensimmäisessä  tapaamisessa", " keskustellaan") == (
        "Ensimmäisessä tapaamisessa"
    )
    assert step_lead("Miksi?", "Koska.") == "Miksi?"
    assert step_lead("Loppu.", "") == "Loppu."
    assert step_lead("Numero", "3 kertaa") == "Numero."


def test_steps_markdown_escapes_leads_and_indents_further_paragraphs() -> None:
    assert steps_markdown((("A", "Yksi."), ("B", "kaksi."))) == ("1. **A.** Yksi.\n2. **B** kaksi.")
    assert steps_markdown((("Tähti *ja* [linkki]", ""),)) == ("1. **Tähti \\*ja\\* \\[linkki\\].**")
    loose = steps_markdown((("A", "Eka.\n\nToka."), ("B", "- kohta\n- toinen")))
    assert loose == "1. **A.** Eka.\n\n    Toka.\n\n2. **B.**\n\n    - kohta\n    - toinen"
    assert "<li>\n<p><strong>A.</strong> Eka.</p>\n<p>Toka.</p>" in render_markdown(loose)
    text = report_text(report(steps=(("A", "Eka.\n\nToka."), ("B", "- kohta\n- toinen"))))
    assert "\n\n1. A. Eka.\n\nToka.\n\n2. B.\n\n- kohta\n- toinen\n\n" in text


# --- languages, empty parts ----------------------------------------------------------------


@pytest.mark.parametrize("language", ["sv", "en"])
def test_swedish_and_english_reports_have_their_own_headings(language: str) -> None:
    seed = seed_report()
    translated = PilotReport(**{**seed.__dict__, "language": language})
    text = report_text(translated)
    markdown = report_markdown(translated)

    for heading in HEADINGS[language].values():
        assert heading in text and heading in markdown
    assert "Osallistujat:" not in text
    labels = [label for label, _ in resource_items(translated)]
    assert labels == (
        ["Erfarenhetshandledare:", "Anställda:", "Lokaler:", "Material:", "Övriga resurser:"]
        if language == "sv"
        else ["Experience guides:", "Workers:", "Premises:", "Supplies:", "Other resources:"]
    )
    assert f"## {HEADINGS[language]['duration']}" in markdown


def test_an_empty_resource_is_left_out_and_empty_sections_keep_their_headings() -> None:
    draft = report(resources=(("supplies", "Puhelimet."), ("workers", "  ")))
    text = report_text(draft)

    assert [label for label, _ in resource_items(draft)] == ["Tarvikkeet:"]
    assert "Työntekijät:" not in text
    assert text == (
        "Otsikko\n\nKokeilun kesto ja toteuttajatahot:\n\nOsallistujat:\n\nResurssit:\n\n"
        "Tarvikkeet: Puhelimet.\n\nPilottikokeilun tavoite:\n\nKokeilun kuvaus:\n\n"
        "Arvioinnin ja palautteen kerääminen:\n\n"
        "Palvelupilotin tulokset ja jatkokehittäminen:\n"
    )


def test_resources_are_printed_in_the_fixed_order_whatever_order_they_come_in() -> None:
    draft = report(resources=(("other", "Muu."), ("experience_guides", "Ohjaajat.")))
    assert resource_items(draft) == [("Kokemusohjaajat:", "Ohjaajat."), ("Muut resurssit:", "Muu.")]


def test_the_report_refuses_unknown_languages_and_resource_keys() -> None:
    with pytest.raises(ValueError, match="language"):
        report(language="de")
    with pytest.raises(ValueError, match="resource"):
        report(resources=(("coffee", "Kahvi."),))
    with pytest.raises(ValueError, match="resource"):
        report(resources=(("other", "a"), ("other", "b")))


def test_markdown_specials_in_titles_and_captions_are_printed_as_typed() -> None:
    draft = report(title="# Pilotti *1*", caption="1. kuva_1", credit="[Hanke]")
    markdown = report_markdown(draft)
    assert markdown.startswith("# \\# Pilotti \\*1\\*\n")
    assert markdown.endswith("\n\n1\\. kuva\\_1\n\n\\[Hanke\\]\n")
    assert report_text(draft).endswith("\n\n1. kuva_1\n\n[Hanke]\n")


# --- stored revisions --------------------------------------------------------------------


def test_content_round_trips_through_json() -> None:
    seed = seed_report()
    content = json.loads(json.dumps(report_to_content(seed)))
    assert report_from_content(content) == seed
    unordered = report(resources=(("other", "Muu."), ("workers", "Työ.")), language="en")
    assert report_from_content(json.loads(json.dumps(report_to_content(unordered)))) == unordered
    assert content["steps"][1][0] == "Ensimmäisessä tapaamisessa"
    assert list(content["resources"]) == list(RESOURCE_KEYS)


# --- the organizer's form ----------------------------------------------------------------


def test_form_builds_a_report_dropping_emptied_steps() -> None:
    data = {
        "title": "  Kokeilu:\n pilotti ",
        "goal": "Tavoite.\r\n\r\nToinen.",
        "resource-premises": "Tila.",
        "resource-other": "",
        "step-lead-0": "Alku",
        "step-body-0": "Teksti.",
        "step-lead-1": "",
        "step-body-1": "",
        "step-lead-2": "Loppu",
        "caption": " Prosessi\n",
    }
    built = report_from_form(data, language="sv")

    assert built.title == "Kokeilu: pilotti"
    assert built.goal == "Tavoite.\n\nToinen."
    assert built.resources == (("premises", "Tila."),)
    assert built.steps == (("Alku", "Teksti."), ("Loppu", ""))
    assert (built.caption, built.language) == ("Prosessi", "sv")


@pytest.mark.parametrize(
    ("data", "code", "field"),
    [
        ({}, "text_empty", "title"),
        ({"title": " \u200b "}, "text_empty", "title"),
        ({"title": "T", "goal": "x" * (MAX_SECTION + 1)}, "text_too_long", "goal"),
        ({"title": "T", "duration": 5}, "text_invalid", "duration"),
        (
            {"title": "T", "step-lead-0": "", "step-body-0": "Ilman johdantoa."},
            "text_empty",
            "step-lead-0",
        ),
        ({"title": "T", "step-lead-0": "x" * (MAX_LEAD + 1)}, "text_too_long", "step-lead-0"),
        (
            {"title": "T", "resource-workers": "x" * (MAX_SECTION + 1)},
            "text_too_long",
            "resource-workers",
        ),
    ],
)
def test_form_errors_name_the_field(data: dict[str, object], code: str, field: str) -> None:
    with pytest.raises(DomainError) as caught:
        report_from_form(data)
    assert caught.value.code == code
    assert caught.value.params["field"] == field


def test_form_refuses_more_steps_than_the_diagram_holds_and_unknown_languages() -> None:
    assert MAX_STEPS == diagram.MAX_STEPS
    data: dict[str, object] = {"title": "T"}
    data.update({f"step-lead-{n}": f"Vaihe {n}" for n in range(MAX_STEPS + 1)})
    with pytest.raises(DomainError) as caught:
        report_from_form(data)
    assert caught.value.code == "report_too_many_steps"
    assert caught.value.params == {"max": MAX_STEPS, "field": "steps"}
    with pytest.raises(DomainError) as caught:
        report_from_form({"title": "T"}, language="de")
    assert caught.value.code == "plan_bad_language"
