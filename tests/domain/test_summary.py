"""The shared summary: limits, run-in paragraphs, drafts, traces, order, revisions."""

from __future__ import annotations

import pytest

from cafe.domain.errors import DomainError
from cafe.domain.markup import render_markdown
from cafe.domain.summary import (
    MAX_BODY,
    MAX_INTRO,
    MAX_ITEM,
    MAX_TITLE,
    Source,
    Trace,
    check_base_revision,
    clean_body,
    clean_title,
    draft_paragraph,
    move,
    run_in,
    summary_markdown,
    trace,
)


def test_limits() -> None:
    assert (MAX_TITLE, MAX_BODY, MAX_INTRO, MAX_ITEM) == (200, 10_000, 20_000, 1_000)


# --- clean_title ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Osallisuuden mahdollistaminen", "Osallisuuden mahdollistaminen"),
        ("  Yhteistyö\n\tja   luottamus \r\n", "Yhteistyö ja luottamus"),
        ("a\u0308a\u0308nesta\u0308minen", "äänestäminen"),
        ("rivi\r\n\r\ntoinen", "rivi toinen"),
        ("nolla\x00merkki", "nollamerkki"),
    ],
)
def test_clean_title_is_one_normalised_line(raw: str, clean: str) -> None:
    assert clean_title(raw) == clean


@pytest.mark.parametrize("raw", ["", "  \n\t ", "\u200b"])
def test_clean_title_refuses_empty(raw: str) -> None:
    with pytest.raises(DomainError) as caught:
        clean_title(raw)
    assert caught.value.code == "text_empty"


@pytest.mark.parametrize("raw", [None, 5, b"otsikko", ["otsikko"]])
def test_clean_title_refuses_non_text(raw: object) -> None:
    with pytest.raises(DomainError) as caught:
        clean_title(raw)
    assert caught.value.code == "text_invalid"


def test_clean_title_limit() -> None:
    assert clean_title("x" * MAX_TITLE) == "x" * MAX_TITLE
    with pytest.raises(DomainError) as caught:
        clean_title("x" * (MAX_TITLE + 1))
    assert caught.value.code == "text_too_long"
    assert caught.value.params == {"max": MAX_TITLE, "length": MAX_TITLE + 1}


# --- clean_body -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Kappale.\r\n\r\nToinen.", "Kappale.\n\nToinen."),
        ("  - yksi\n  - kaksi \n", "- yksi\n  - kaksi"),
        ("sarake\tarvo\x07", "sarake\tarvo"),
        ("a\u0308iti", "äiti"),
        ("", ""),
        ("  \n\n \t", ""),
        ("\x00\u200b", ""),
    ],
)
def test_clean_body_normalises_and_allows_empty(raw: str, clean: str) -> None:
    assert clean_body(raw) == clean


@pytest.mark.parametrize("raw", [None, 3, b"teksti"])
def test_clean_body_refuses_non_text(raw: object) -> None:
    with pytest.raises(DomainError) as caught:
        clean_body(raw)
    assert caught.value.code == "text_invalid"


def test_clean_body_limit_defaults_to_max_body() -> None:
    assert clean_body("x" * MAX_BODY) == "x" * MAX_BODY
    with pytest.raises(DomainError) as caught:
        clean_body("x" * (MAX_BODY + 1))
    assert caught.value.code == "text_too_long"
    assert caught.value.params == {"max": MAX_BODY, "length": MAX_BODY + 1}


def test_clean_body_takes_another_limit_for_the_intro() -> None:
    assert clean_body("x" * MAX_INTRO, MAX_INTRO) == "x" * MAX_INTRO
    with pytest.raises(DomainError) as caught:
        clean_body("x" * (MAX_INTRO + 1), MAX_INTRO)
    assert caught.value.params == {"max": MAX_INTRO, "length": MAX_INTRO + 1}


# --- run_in ---------------------------------------------------------------------------


def test_run_in_puts_the_bold_title_in_front_of_the_paragraph() -> None:
    assert run_in("Osallisuuden mahdollistaminen", "Esimerkiksi OK-hankkeessa…") == (
        "**Osallisuuden mahdollistaminen.** Esimerkiksi OK-hankkeessa…"
    )


@pytest.mark.parametrize(
    ("title", "heading"),
    [
        ("Yhteistyö", "**Yhteistyö.**"),
        ("Jne.", "**Jne.**"),
        ("Miksi?", "**Miksi?**"),
        ("Nyt!", "**Nyt!**"),
        ("Ja sitten…", "**Ja sitten…**"),
        ("Kolme asiaa:", "**Kolme asiaa:**"),
        ("Osallisuus (OK-hanke)", "**Osallisuus (OK-hanke).**"),
        ("Teema ”yhdessä”", "**Teema ”yhdessä”.**"),
    ],
)
def test_run_in_full_stop_only_when_the_title_has_no_ending(title: str, heading: str) -> None:
    assert run_in(title, "") == heading


def test_run_in_empty_body_is_the_title_alone() -> None:
    assert run_in("Luottamus", "") == "**Luottamus.**"
    assert run_in("Luottamus", " \n\n ") == "**Luottamus.**"


def test_run_in_empty_title_is_the_body_alone() -> None:
    assert run_in("", "Pelkkä kappale.") == "Pelkkä kappale."
    assert run_in(" ", "") == ""


def test_run_in_heads_only_the_first_of_several_paragraphs() -> None:
    body = "Ensimmäinen kappale.\n\nToinen kappale.\n\nKolmas."
    markdown = run_in("Teema", body)
    assert markdown == "**Teema.** Ensimmäinen kappale.\n\nToinen kappale.\n\nKolmas."
    assert render_markdown(markdown) == (
        "<p><strong>Teema.</strong> Ensimmäinen kappale.</p>\n"
        "<p>Toinen kappale.</p>\n"
        "<p>Kolmas.</p>"
    )


def test_run_in_keeps_a_list_body_a_list() -> None:
    """Put in front of '- a', the title would swallow the list into a paragraph."""
    markdown = run_in("Ehdotukset", "- yksi\n- kaksi")
    assert markdown == "**Ehdotukset.**\n\n- yksi\n- kaksi"
    assert "<ul>" in render_markdown(markdown)


def test_run_in_escapes_markdown_in_the_title() -> None:
    title = r"*Tähti* _alaviiva_ `koodi` [linkki](https://x.fi) \kenoviiva"
    markdown = run_in(title, "Teksti.")
    assert markdown == (
        r"**\*Tähti\* \_alaviiva\_ \`koodi\` \[linkki\](https://x.fi) \\kenoviiva.** Teksti."
    )
    html = render_markdown(markdown)
    assert html == (
        "<p><strong>*Tähti* _alaviiva_ `koodi` [linkki](https://x.fi) \\kenoviiva.</strong>"
        " Teksti.</p>"
    )


def test_run_in_title_cannot_close_the_bold_early() -> None:
    html = render_markdown(run_in("Alku** ja <b>loppu</b>", "Teksti."))
    assert html == ("<p><strong>Alku** ja &lt;b&gt;loppu&lt;/b&gt;.</strong> Teksti.</p>")


def test_run_in_title_is_one_line() -> None:
    assert run_in("Kaksi\nriviä", "") == "**Kaksi riviä.**"


# --- summary_markdown -----------------------------------------------------------------


def test_summary_is_intro_then_themes_one_blank_line_apart() -> None:
    markdown = summary_markdown(
        "Johdanto.\n\nToinen johdanto.\n",
        [("Osallisuus", "Kaikki mukaan."), ("Luottamus", "")],
    )
    assert markdown == (
        "Johdanto.\n\nToinen johdanto.\n\n**Osallisuus.** Kaikki mukaan.\n\n**Luottamus.**\n"
    )


def test_summary_without_intro_starts_with_the_first_theme() -> None:
    assert summary_markdown("", [("Teema", "Teksti.")]) == "**Teema.** Teksti.\n"
    assert summary_markdown("  \n", [("Teema", "")]) == "**Teema.**\n"


def test_summary_intro_alone() -> None:
    assert summary_markdown("Vain johdanto.", []) == "Vain johdanto.\n"


def test_summary_of_nothing_is_empty() -> None:
    assert summary_markdown("", []) == ""
    assert summary_markdown(" \n", [("", ""), (" ", " ")]) == ""


# --- draft_paragraph ------------------------------------------------------------------


def test_draft_makes_sentences_of_the_items() -> None:
    texts = ["  kahvi   on\nhyvää ", "ääni kuuluu", "mitä seuraavaksi?", "Nyt!", "ja sitten…"]
    assert draft_paragraph(texts) == (
        "Kahvi on hyvää. Ääni kuuluu. Mitä seuraavaksi? Nyt! Ja sitten…"
    )


def test_draft_keeps_a_repeat_once() -> None:
    """The same idea from two tables, told in another case or spacing, is written once."""
    texts = ["Kahvi on hyvää.", "kahvi  on hyvää", "KAHVI ON HYVÄÄ", "Tee on hyvää"]
    assert draft_paragraph(texts) == "Kahvi on hyvää. Tee on hyvää."


def test_draft_skips_empty_texts() -> None:
    assert draft_paragraph(["", "  ", "\n", "yksi"]) == "Yksi."
    assert draft_paragraph([]) == ""
    assert draft_paragraph(["", " "]) == ""


def test_draft_upper_cases_the_first_letter_not_the_first_character() -> None:
    assert draft_paragraph(["”lainaus” tässä"]) == "”Lainaus” tässä."
    assert draft_paragraph(["3 kertaa viikossa"]) == "3 kertaa viikossa."


def test_draft_sees_punctuation_inside_a_closing_quote() -> None:
    assert draft_paragraph(["hän sanoi ”kiitos.”"]) == "Hän sanoi ”kiitos.”"
    assert draft_paragraph(["hän sanoi ”kiitos”"]) == "Hän sanoi ”kiitos”."


def test_draft_drops_a_typed_bullet() -> None:
    assert draft_paragraph(["- yksi", "• kaksi", "* kolme"]) == "Yksi. Kaksi. Kolme."


def test_draft_is_deterministic_and_keeps_order() -> None:
    texts = ["b", "a", "c", "a"]
    assert draft_paragraph(texts) == draft_paragraph(list(texts)) == "B. A. C."


# --- trace ----------------------------------------------------------------------------


def test_trace_orders_tables_by_number_and_roles_by_first_sight() -> None:
    sources = [
        Source(10, "Pöytä 10", "asiakas"),
        Source(2, "Keittiö", None),
        Source(2, "Keittiö", "ammattilainen"),
        Source(1, "Sali", "asiakas"),
        Source(10, "Pöytä 10", "kokemusasiantuntija"),
    ]
    assert trace(sources) == Trace(
        tables=("Sali", "Keittiö", "Pöytä 10"),
        roles=("asiakas", "ammattilainen", "kokemusasiantuntija"),
    )


def test_trace_without_roles_or_sources() -> None:
    assert trace([Source(1, "Pöytä 1", None)]) == Trace(tables=("Pöytä 1",), roles=())
    assert trace([]) == Trace(tables=(), roles=())


def test_trace_takes_any_iterable() -> None:
    generated = (Source(n, f"Pöytä {n}", None) for n in (3, 1, 2))
    assert trace(generated).tables == ("Pöytä 1", "Pöytä 2", "Pöytä 3")


# --- move -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "result"),
    [
        (0, ["c", "a", "b", "d"]),
        (1, ["a", "c", "b", "d"]),
        (2, ["a", "b", "c", "d"]),
        (3, ["a", "b", "d", "c"]),
        (99, ["a", "b", "d", "c"]),
        (-1, ["c", "a", "b", "d"]),
    ],
)
def test_move_counts_positions_without_the_item(index: int, result: list[str]) -> None:
    assert move(["a", "b", "c", "d"], "c", index) == result


@pytest.mark.parametrize(
    ("index", "result"),
    [(0, [9, 1, 2]), (1, [1, 9, 2]), (2, [1, 2, 9]), (7, [1, 2, 9]), (-3, [9, 1, 2])],
)
def test_move_inserts_an_absent_item(index: int, result: list[int]) -> None:
    assert move([1, 2], 9, index) == result


def test_move_returns_a_new_list() -> None:
    order = (1, 2, 3)
    moved = move(order, 1, 2)
    assert moved == [2, 3, 1]
    assert order == (1, 2, 3)
    original = [1, 2, 3]
    assert move(original, 2, 1) is not original


def test_move_into_an_empty_list() -> None:
    assert move([], "x", 5) == ["x"]


def test_move_leaves_one_copy() -> None:
    assert move([1, 2, 1, 3], 1, 1) == [2, 1, 3]


# --- check_base_revision --------------------------------------------------------------


def test_a_save_on_the_current_revision_makes_the_next() -> None:
    assert check_base_revision(0, 0) == 1
    assert check_base_revision(7, 7) == 8


@pytest.mark.parametrize("base", [6, 8, 0])
def test_a_save_on_another_revision_is_stale(base: int) -> None:
    with pytest.raises(DomainError) as caught:
        check_base_revision(7, base)
    assert caught.value.code == "summary_stale"
    assert caught.value.params == {"revision": 7}


@pytest.mark.parametrize("base", [True, False, "7", "0", 7.0, None, -1, [7]])
def test_a_base_that_is_not_a_revision_is_a_bad_request(base: object) -> None:
    """JSON ``true`` is a bool, which Python counts as the int 1: it must not pass."""
    current = 1 if base is True else 0 if base is False else 7
    with pytest.raises(DomainError) as caught:
        check_base_revision(current, base)
    assert caught.value.code == "bad_request"


def test_trace_of_merged_duplicates_names_every_table_and_role_once() -> None:
    # Two tables said the same thing: the merged item's sources are both ideas.
    client_idea = [Source(3, "Pöytä 3", "asiakas")]
    worker_ideas = [Source(1, "Pöytä 1", "ammattilainen"), Source(3, "Pöytä 3", "asiakas")]
    merged = trace(worker_ideas + client_idea)
    assert merged == Trace(tables=("Pöytä 1", "Pöytä 3"), roles=("ammattilainen", "asiakas"))
