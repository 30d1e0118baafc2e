"""The memo's pure rendering: title date, openers sentence, next-session line, languages,
escaping, and Markdown and plain text saying the same."""

from __future__ import annotations

import datetime as dt

from cafe.domain.markup import markdown_to_text
from cafe.domain.minutes import (
    Memo,
    MemoOpener,
    default_openers_sentence,
    memo_markdown,
    memo_text,
    memo_title,
    next_session_line,
    short_date,
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
    assert "Krook kertoi *tutkimuksestaan*." in text
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


def test_markdown_to_text_keeps_emphasis_marks_lists_and_link_targets() -> None:
    source = (
        "**Otsikko.** Kuinka *osallisuuden kokemuksen* saisi\n\n- yksi\n- kaksi\n\n"
        "1. a\n2. b\n\n[linkki](https://example.fi) ja ”lainaus” & <b>"
    )
    assert markdown_to_text(source) == (
        "Otsikko. Kuinka *osallisuuden kokemuksen* saisi\n\n- yksi\n- kaksi\n\n1. a\n2. b\n\n"
        "linkki (https://example.fi) ja ”lainaus” & <b>"
    )
    assert markdown_to_text("   ") == ""
    assert markdown_to_text("[x](javascript:alert(1))") == "x"


def test_markdown_to_text_keeps_loose_list_items_and_hard_breaks_on_their_lines() -> None:
    assert markdown_to_text("1. A. Eka.\n\n2. Toka\n\n   jatkuu") == "1. A. Eka.\n2. Toka\n\njatkuu"
    assert markdown_to_text("rivi  \ntoinen") == "rivi\ntoinen"
