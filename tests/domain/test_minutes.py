"""The memo's pure rendering: title date, openers sentence, next-session line, languages,
escaping, and Markdown and plain text saying the same."""

from __future__ import annotations

import datetime as dt

import pytest

from cafe.domain.errors import DomainError
from cafe.domain.markup import markdown_to_text
from cafe.domain.merge import three_way
from cafe.domain.minutes import (
    Memo,
    MemoOpener,
    default_openers_sentence,
    keyed_like,
    memo_fields,
    memo_form_values,
    memo_from_fields,
    memo_markdown,
    memo_parts,
    memo_text,
    memo_title,
    memo_with_parts,
    next_session_line,
    review_parts,
    review_texts,
    short_date,
    with_replacement,
)

OPENERS = (
    MemoOpener("Birgitta Pekkanen", organisation="Sovatek-säätiö, OK-hanke"),
    MemoOpener("Iina Suvanto", organisation="Sovatek-säätiö, OK-hanke"),
    MemoOpener("Päivi Krook", title="sosiaalityöntekijä"),
)


def memo(**changes: object) -> Memo:
    base: dict[str, object] = {
        "language": "fi",
        "date": dt.date(2017, 10, 31),
        "topic": "Yhdessä asiakkaan kanssa",
        "openers": OPENERS,
    }
    base.update(changes)
    return Memo(**base)  # type: ignore[arg-type]


def test_title_date_has_no_leading_zeros_and_two_digit_year() -> None:
    assert short_date(dt.date(2018, 1, 4)) == "4.1.18"
    assert short_date(dt.date(2009, 12, 31)) == "31.12.09"
    assert memo_title(memo()) == "Cafe Social -keskustelukahvilan muistio 31.10.17"
    assert memo_title(memo(title="  Oma otsikko ")) == "Oma otsikko"
    assert (
        memo_title(memo(language="en")) == "Cafe Social discussion café: minutes of 31 October 2017"
    )


def test_generated_openers_sentence_groups_one_organisation_and_names_titles() -> None:
    assert default_openers_sentence(OPENERS, "fi") == (
        "Keskustelun alustajina Birgitta Pekkanen ja Iina Suvanto (Sovatek-säätiö, OK-hanke) "
        "ja sosiaalityöntekijä Päivi Krook."
    )
    assert default_openers_sentence(OPENERS[2:], "sv") == (
        "Diskussionen inleddes av sosiaalityöntekijä Päivi Krook."
    )
    three = (MemoOpener("A"), MemoOpener("B"), MemoOpener("C"))
    assert default_openers_sentence(three, "en") == "The discussion was opened by A, B and C."
    assert default_openers_sentence((), "fi") == ""


def test_the_organizers_own_openers_sentence_wins() -> None:
    own = "Keskustelun alustajina Birgitta Pekkanen ja Iina Suvanto Sovatek -säätiön OK-hankkeesta."
    assert own in memo_text(memo(openers_sentence=own))
    assert "(Sovatek-säätiö, OK-hanke)" not in memo_text(memo(openers_sentence=own))


def test_next_session_line_in_the_house_style() -> None:
    nxt = {"next_date": dt.date(2018, 1, 24)}
    assert next_session_line(memo()) == ""
    assert next_session_line(memo(**nxt)) == (
        "Seuraava Cafe Social 24.1. Vinkkejä aiheista otetaan vastaan!"
    )
    assert (
        next_session_line(memo(**nxt, next_start=dt.time(14), next_end=dt.time(16)))
        == "Seuraava Cafe Social 24.1. klo: 14-16. Vinkkejä aiheista otetaan vastaan!"
    )
    assert (
        next_session_line(memo(**nxt, next_start=dt.time(14, 30)))
        == "Seuraava Cafe Social 24.1. klo: 14.30. Vinkkejä aiheista otetaan vastaan!"
    )
    assert (
        next_session_line(
            memo(**nxt, language="sv", next_start=dt.time(9), next_end=dt.time(11, 15))
        )
        == "Nästa Cafe Social 24.1. kl. 9-11.15. Förslag på ämnen tas gärna emot!"
    )


def test_markdown_and_text_carry_the_same_words_in_order() -> None:
    full = memo(
        openers=(MemoOpener("Päivi Krook", talk="Krook kertoi *tutkimuksestaan*."),),
        intro="Avaava kappale.",
        themes=(("Osallisuuden mahdollistaminen", "Esimerkiksi Lift."), ("Miksi?", "")),
        footer="Rahoittaja\n  Ohjelma 2014–2020 ",
        next_date=dt.date(2018, 1, 24),
    )
    markdown = memo_markdown(full)
    text = memo_text(full)

    assert markdown.startswith("# Cafe Social -keskustelukahvilan muistio 31.10.17\n\n")
    assert "\n\n## Keskustelun yhteenvetoa\n\n" in markdown
    assert "**Osallisuuden mahdollistaminen.** Esimerkiksi Lift." in markdown
    assert "**Miksi?**" in markdown
    assert markdown.endswith("---\n\nRahoittaja  \nOhjelma 2014–2020\n")
    assert text.splitlines()[:3] == [
        "Cafe Social -keskustelukahvilan muistio 31.10.17",
        "",
        "Aihe: Yhdessä asiakkaan kanssa",
    ]
    assert "Krook kertoi tutkimuksestaan." in text
    assert "Osallisuuden mahdollistaminen. Esimerkiksi Lift.\n\nMiksi?\n\n" in text
    assert text.endswith("Rahoittaja\nOhjelma 2014–2020\n")


def test_plain_texts_in_markdown_are_escaped_and_come_out_as_typed() -> None:
    odd = memo(topic="*Tähdet* ja [hakasulut]", openers=(), method_sentence="1. Ensin pöydät")
    markdown = memo_markdown(odd)
    assert "Aihe: \\*Tähdet\\* ja \\[hakasulut\\]" in markdown
    assert "\n\n1\\. Ensin pöydät\n" in markdown
    assert "Aihe: *Tähdet* ja [hakasulut]" in memo_text(odd)
    assert "\n\n1. Ensin pöydät\n" in memo_text(odd)


def test_swedish_and_english_memos_use_their_own_fixed_texts() -> None:
    swedish = memo_text(memo(language="sv"))
    assert "Ämne: Yhdessä asiakkaan kanssa" in swedish
    assert "Sammanfattning av diskussionen" in swedish
    assert "Minnesanteckningar från diskussionskaféet Cafe Social 31.10.17" in swedish
    assert "Summary of the discussion" in memo_text(memo(language="en"))


def test_markdown_to_text_drops_bold_and_italic_markers_alike_keeps_lists_and_links() -> None:
    source = (
        "**Otsikko.** Kuinka *osallisuuden kokemuksen* saisi __näin__ _tai_ ***näin***\n\n"
        "- yksi\n- kaksi\n\n1. a\n2. b\n\n[linkki](https://example.fi) ja ”lainaus” & <b>"
    )
    assert markdown_to_text(source) == (
        "Otsikko. Kuinka osallisuuden kokemuksen saisi näin tai näin\n\n- yksi\n- kaksi\n\n"
        "1. a\n2. b\n\nlinkki (https://example.fi) ja ”lainaus” & <b>"
    )
    # A star typed as text (escaped in Markdown) is a character, not a marker: it stays.
    assert markdown_to_text("5 \\* arvosana") == "5 * arvosana"
    assert markdown_to_text("   ") == ""
    assert markdown_to_text("[x](javascript:alert(1))") == "x"


def test_markdown_to_text_keeps_loose_list_items_and_hard_breaks_on_their_lines() -> None:
    assert markdown_to_text("1. A. Eka.\n\n2. Toka\n\n   jatkuu") == "1. A. Eka.\n2. Toka\n\njatkuu"
    assert markdown_to_text("rivi  \ntoinen") == "rivi\ntoinen"


# --- parts, review proposals and merged saves ---------------------------------------------

KEYED = memo(
    themes=(("Luottamus", "Luottamus syntyy."), ("", "Irrallinen kappale."), ("Kiire", "Kiire.")),
    theme_keys=("12", "", "14"),
    intro="Alku.",
)


def test_parts_are_keyed_by_theme_and_put_back_in_their_order() -> None:
    parts = memo_parts(KEYED)
    assert list(parts) == ["intro", "theme:12", "theme:#1", "theme:14"]
    reordered = {"intro": ("Uusi alku.",), "theme:14": ("Kiire", "Uusi."), "theme:#1": ("", "x")}
    back = memo_with_parts(KEYED, reordered)
    assert back.intro == "Uusi alku."
    assert back.themes == (("Kiire", "Uusi."), ("", "x"))
    assert back.theme_keys == ("14", "")


def test_a_draft_without_keys_gets_them_from_the_live_themes_of_the_same_title() -> None:
    old = memo(themes=(("Luottamus", "Oma."), ("Kiire", "Oma 2.")))
    assert keyed_like(old, KEYED).theme_keys == ("12", "14")


def test_every_part_is_offered_for_review_with_its_text_as_the_memo_reads() -> None:
    keys = [part.key for part in review_parts(KEYED)]
    assert keys == [
        "title",
        "openers_sentence",
        "talk-0",
        "talk-1",
        "talk-2",
        "method_sentence",
        "intro",
        "theme:12",
        "theme:#1",
        "theme:14",
        "footer",
    ]
    texts = review_texts(KEYED)
    assert texts["title"] == "Cafe Social -keskustelukahvilan muistio 31.10.17"
    assert texts["method_sentence"].startswith("Keskustelua jatkettiin aluksi")
    assert texts["theme:14"] == "Kiire."


def test_a_proposal_replaces_exactly_its_part_and_a_gone_part_is_refused() -> None:
    changed = with_replacement(KEYED, "theme:14", "Kiire estää *kohtaamisen*.")
    assert changed.themes[2] == ("Kiire", "Kiire estää *kohtaamisen*.")
    assert changed.themes[:2] == KEYED.themes[:2] and changed.theme_keys == KEYED.theme_keys
    assert with_replacement(KEYED, "talk-1", "Suvanto kertoi.").openers[1].talk == "Suvanto kertoi."
    with pytest.raises(DomainError) as caught:
        with_replacement(KEYED, "theme:99", "x")
    assert caught.value.code == "unknown_part"


def test_a_stale_save_merges_by_theme_key_even_when_the_themes_moved() -> None:
    started = KEYED
    mine = memo_form_values(started) | {"theme-body-0": "Minun luottamus."}
    # Saved meanwhile: the themes reordered, one paragraph and the footer changed.
    theirs = memo(
        themes=(("Kiire", "Heidän kiire."), ("Luottamus", "Luottamus syntyy.")),
        theme_keys=("14", "12"),
        intro="Alku.",
        footer="Rahoittaja",
    )
    fields, conflicts = three_way(
        memo_fields(memo_form_values(started), started),
        memo_fields(mine, started),
        memo_fields(memo_form_values(theirs), theirs),
    )
    merged = memo_from_fields(fields, theirs)
    assert conflicts == []
    assert merged.themes == (("Kiire", "Heidän kiire."), ("Luottamus", "Minun luottamus."))
    assert merged.footer == "Rahoittaja"
