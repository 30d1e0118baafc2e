"""The personal-data screen (pure core): each kind with its hard cases, both name engines."""

from __future__ import annotations

import pytest

from cafe.domain import privacy
from cafe.domain.privacy import (
    KINDS,
    Finding,
    NameEngine,
    findings_payload,
    listed_names,
    mask,
    name_engine,
    name_forms,
    parse_lexicon,
    placeholder,
    screen,
)

VOIKKO = privacy._voikko_handle()[0] is not None
needs_voikko = pytest.mark.skipif(
    not VOIKKO,
    reason="Voikko (Debian libvoikko1 + voikko-fi) is not installed; `make test` installs it",
)
#: The lexicon engine is tested everywhere; Voikko's only where it is installed.
ENGINES = [
    pytest.param("lexicon", id="lexicon"),
    pytest.param("voikko", id="voikko", marks=needs_voikko),
]


def found(text: str, lang: str = "fi", engine: NameEngine | None = None) -> list[tuple[str, str]]:
    """(kind, words) of every finding, in order."""
    return [(f.kind, text[f.start : f.end]) for f in screen(text, lang, engine=engine)]


def words_of(text: str, kind: str, lang: str = "fi", engine: NameEngine | None = None) -> list[str]:
    return [w for k, w in found(text, lang, engine) if k == kind]


# --- henkilötunnus -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "code",
    [
        "131052-308T",  # the issue's example, "-" 1900s
        "010150+002D",  # "+" 1800s
        "010203A1230",  # "A" 2000s
        "150623B013V",  # 2023 additions: B-F for the 2000s...
        "150623F013V",
        "010185U123B",  # ...and U-Y for the 1900s
        "010185Y123B",
        "311280-999J",  # temporary identity code (900-999)
    ],
)
def test_hetu_every_century_sign(code: str) -> None:
    text = f"hetuni {code} näkyi kuoressa"
    assert found(text) == [("hetu", code)]
    assert screen(text) == [Finding("hetu", 7, 18)]


@pytest.mark.parametrize(
    "code",
    [
        "131052-308U",  # wrong check character
        "131052-309T",
        "310252-308T",  # 31 February
        "290223-123A",  # 29 February 1923
        "131052G308T",  # G is no century sign
        "131052-001K",  # individual numbers 000 and 001 are not given
    ],
)
def test_hetu_checksum_and_date_failures_rejected(code: str) -> None:
    assert words_of(f"numero {code} tässä", "hetu") == []


def test_hetu_lower_case_and_inside_punctuation() -> None:
    assert words_of("(131052-308t)", "hetu") == ["131052-308t"]
    assert words_of("1131052-308T", "hetu") == []  # inside a longer number
    assert words_of("+131052-308T", "hetu") == []


def test_hetu_glued_to_the_word_before_it() -> None:
    # The date and the check character make a code typed without a space safe to find.
    assert words_of("hetu131052-308T ja muuta", "hetu") == ["131052-308T"]
    assert words_of("henkilötunnus:010203A1230", "hetu") == ["010203A1230"]
    assert words_of("hetu131052-308U", "hetu") == []  # the check still counts


# --- IBAN ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "iban",
    [
        "FI21 1234 5600 0007 85",
        "FI2112345600000785",
        "FI37 1590 3000 0007 76",
        "fi4950009420028730",
    ],
)
def test_iban_with_and_without_spaces(iban: str) -> None:
    assert found(f"tilille {iban} kiitos") == [("iban", iban)]


@pytest.mark.parametrize(
    ("text", "iban"),
    [
        ("kontot SE6060063633743554050759 står på mig", "SE6060063633743554050759"),
        ("till SE34 6003 8572 2750 4665 8591 eller Swish", "SE34 6003 8572 2750 4665 8591"),
        ("tili FI21 1234 5600 0007 85 ok", "FI21 1234 5600 0007 85"),
    ],
)
def test_iban_ends_before_the_next_word(text: str, iban: str) -> None:
    assert words_of(text, "iban") == [iban]


@pytest.mark.parametrize(
    "text",
    [
        "tilille FI21 1234 5600 0007 86",  # mod-97 fails
        "tilille FI21 1234 5600 0007 8",  # too short for Finland
        "SE21 1234 5600 0007 85",  # Swedish IBANs have 24 characters
    ],
)
def test_iban_checksum_and_length_failures_rejected(text: str) -> None:
    assert words_of(text, "iban") == []


# --- e-mail --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "address",
    [
        "liisa.korhonen@gmail.com",
        "matti.m (at) kunta.fi",
        "anna at gmail dot com",
        "p.virtanen[at]hotmail.com",
        "pekka(at)luukku(dot)com",
        "pekka @ gmail.com",
    ],
)
def test_email_and_its_spelt_out_forms(address: str) -> None:
    assert found(f"laita viestiä {address} niin vastaan") == [("email", address)]


@pytest.mark.parametrize(
    "text",
    [
        "we met at kela.fi yesterday",  # " at " after an ordinary word
        "ota yhteyttä info@kunta.fi",  # an organisation's shared mailbox
        "kirjaamo@hel.fi vastaa",
        "see you at home dot later",  # no known top-level domain
    ],
)
def test_email_look_alikes_not_flagged(text: str) -> None:
    assert words_of(text, "email") == []


def test_email_wins_over_the_name_inside_it() -> None:
    text = "Kirjoita liisa.korhonen@gmail.com"
    assert found(text) == [("email", "liisa.korhonen@gmail.com")]


@pytest.mark.parametrize("engine", ENGINES)
def test_a_name_next_to_an_address_keeps_its_own_span(engine: NameEngine) -> None:
    text = "Liisa Korhonen liisa.korhonen@gmail.com hoitaa kahvit"
    assert found(text, engine=engine) == [
        ("name", "Liisa Korhonen"),
        ("email", "liisa.korhonen@gmail.com"),
    ]
    text = "lähetä Virtaselle Aleksis Kiven katu 5 B 7"
    assert found(text, engine=engine) == [
        ("name", "Virtaselle"),
        ("address", "Aleksis Kiven katu 5 B 7"),
    ]


# --- phone numbers -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "number",
    [
        "0451123344",
        "040 123 4567",
        "040-123 4567",
        "045-1234567",
        "050 12 34 567",
        "0400 123 456",
        "09 876 5432",
        "(09) 123 4567",
        "+358 50 765 4321",
        "+358401234567",
        "+358 (0)40 123 4567",
        "00358 40 123 4567",
        "070-123 45 67",  # Swedish mobile
        "+46 70 123 45 67",
        "+44 20 7946 0958",
    ],
)
def test_phone_numbers(number: str) -> None:
    assert found(f"soita {number} illalla") == [("phone", number)]


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("puh0445230871 jos tarvii", "0445230871"),
        ("tel+46701234567 kvällar", "+46701234567"),
        ("nro0501234567", "0501234567"),
        ("puh.040-1234567", "040-1234567"),
        ("ring 070 - 123 45 67 nu", "070 - 123 45 67"),  # spaces around the dash
    ],
)
def test_phone_numbers_glued_to_a_label_or_spaced(text: str, number: str) -> None:
    assert words_of(text, "phone", engine="lexicon") == [number]


@pytest.mark.parametrize(
    "text",
    ["puh0800123456", "ohjelma2023 alkaa", "klo 14 - 16 ja 2017 - 2019", "typ020692202"],
)
def test_glued_and_spaced_look_alikes_are_not_phones(text: str) -> None:
    assert words_of(text, "phone", engine="lexicon") == []


@pytest.mark.parametrize(
    "text",
    [
        "Cafe Social pidettiin 31.10.2017 klo 14-16",  # dates and times
        "Seuraava tapaaminen 24.1. klo 14.00–16.00",
        "vastaanotto 8.30-11.00, puhelinaika 9–11",
        "kokous 02-03-2023 kaupungintalolla",
        "Vuokra nousi 1 200 €:oon, tuki 350 euroa",  # euro sums
        "vuokra 1 250,50 € kuussa",
        "Sosiaalihuoltolain 36 § ja § 20",  # section and statute numbers
        "Laki 1301/2014 velvoittaa",
        "Vuonna 2019 ja vuosina 2017-2019",  # years
        "Noin 45 % vastaajista",  # percentages
        "Meitä oli 12 ja kokemusasiantuntijoita 3",  # counts
        "Postinumero 00100 on keskusta",  # a postcode without a town
        "asiakasnumero 123456 ja Y-tunnus 1234567-8",
        "Kelan numero 020 692 202 ja neuvonta 0800 123 456",  # service numbers
        "Ring 112 i nödsituationer",
    ],
)
def test_numbers_that_are_not_phones(text: str) -> None:
    assert found(text, engine="lexicon") == []


# --- addresses -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("Asun osoitteessa Mannerheimintie 12 B 34 ja", "Mannerheimintie 12 B 34"),
        ("Kotikatu 5 as. 3 on kaukana", "Kotikatu 5 as. 3"),
        ("Jag bor på Storgatan 7 lgh 1102 nu", "Storgatan 7 lgh 1102"),
        ("Asun Kotikadulla 5 B 12", "Kotikadulla 5 B 12"),
        ("asun kotikatu 5 as 3", "kotikatu 5 as 3"),
        ("Hämeentie 45 A 7, 00500 Helsinki on kallis", "Hämeentie 45 A 7, 00500 Helsinki"),
        ("Toimisto: Toinen linja 4, 00530 Helsinki", "Toinen linja 4, 00530 Helsinki"),
        ("posti 00100 Helsinki", "00100 Helsinki"),
        ("Adressen Alexandersgatan 3, 00100 Helsingfors", "Alexandersgatan 3, 00100 Helsingfors"),
        ("I live at 12 Baker Street now", "12 Baker Street"),
        ("Nils bor på Åsvägen 3 i Borgå", "Åsvägen 3"),  # a one-letter stem; "i" is "in"
        ("Hon bor på Ågatan 4", "Ågatan 4"),
        ("jag bor på Östra Allén 4", "Östra Allén 4"),  # the street word alone
        ("Asun Mannerheimintie 12B34 nyt", "Mannerheimintie 12B34"),
        ("Kissankellonpolku 3 A on uusi", "Kissankellonpolku 3 A"),
    ],
)
def test_addresses(text: str, address: str) -> None:
    assert words_of(text, "address", engine="lexicon") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "Hämeentiellä on uusi toimipiste",  # a street without a house number
        "Pöytä 4 ehdotti kolmea asiaa",
        "Teema 2: asuminen",
        "Palvelupolku 2.0 julkaistaan",
        "Tulevaisuuden tie 2030",
        "12345 Euroa",
    ],
)
def test_not_addresses(text: str) -> None:
    assert words_of(text, "address", engine="lexicon") == []


# --- names ---------------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Olli Kettunen odotti päätöstä", ["Olli Kettunen"]),
        ("Pekan mielestä asumisneuvonta on tärkein", ["Pekan"]),  # inflected
        ("Soitin Virtaselle monta kertaa", ["Virtaselle"]),
        ("kysyin Annelta miten hakemus tehdään", ["Annelta"]),
        ("tapasin Saikkosen eilen", ["Saikkosen"]),
        ("Kuulin Riitalta että jonot pitenivät", ["Riitalta"]),
        ("pekka sanoi et kela ei ymmärrä", ["pekka"]),  # lower case
        ("tiina ja mikko oli samaa mieltä", ["tiina", "mikko"]),
        ("mä ja jenni mentiin sossuun", ["jenni"]),
        ("Jukka-Pekan kanssa sovittiin", ["Jukka-Pekan"]),
        ("Olli-Pekka Koivisto ei päässyt", ["Olli-Pekka Koivisto"]),
        ("Asiakas Matti Mäkinen joutui odottamaan", ["Matti Mäkinen"]),
    ],
)
def test_names_in_any_case_form(text: str, names: list[str], engine: NameEngine) -> None:
    assert words_of(text, "name", engine=engine) == names


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "text",
    [
        "Rauha ja turvallisuus kotona ovat perusoikeuksia",
        "Lempi ja välittäminen kuuluvat sosiaalityöhön",
        "Into oli kova mutta resurssit loppuivat",
        "Armas aika kun jonot ovat näin pitkät",
        "Onni on saada oma asunto",
        "Toivo on tärkeää kun odottaa päätöstä",
        "Aino keino on lisätä henkilökuntaa",
        "Usko omiin kykyihin kasvaa ryhmässä",
        "Tuuli kääntyy kun päättäjät kuulevat",
        "Kaisla kasvaa rannalla",
        "Satu on hyvä tapa kertoa lapselle",
        "Anna palautetta nimettömästi",
        "anna aikaa asiakkaalle ja kuuntele",
        "Pian alkaa uusi hankekausi",
        "Päivin ja öin pitäisi saada apua",
        "Toivon mukaan tämä jatkuu",
        "Arvo ja arvostus tulevat kohtaamisesta",
    ],
)
def test_common_nouns_that_are_names_are_not_names_alone(text: str, engine: NameEngine) -> None:
    assert found(text, engine=engine) == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("Lempi Virtanen kertoi kokemuksestaan", ["Lempi Virtanen"]),  # next to a surname
        ("Armas sanoi että vertaistuki auttoi", ["Armas"]),  # a verb of speech after it
        ("kysyin Onnilta miten menee", ["Onnilta"]),  # capitalised inside a sentence
        ("Satun mielestä ryhmä auttoi", ["Satun"]),
        ("Satu Laine ja Kari Niemi olivat eri mieltä", ["Satu Laine", "Kari Niemi"]),
        ("ohjaaja Laine lupasi selvittää", ["Laine"]),  # a title before it
        ("Elin och Oskar kom för sent", ["Elin", "Oskar"]),  # coordinated with a name
    ],
)
def test_common_nouns_are_names_in_context(text: str, names: list[str], engine: NameEngine) -> None:
    lang = "sv" if "och" in text else "fi"
    assert words_of(text, "name", lang, engine) == names


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    "text",
    [
        "Kela ja THL pitäisi saada samaan pöytään",
        "Tampereen kaupunki kokeili jalkautuvaa työtä",
        "Vantaalla on pitkät jonot, Helsingissä myös",
        "OK-hanke toi kokemusasiantuntijat mukaan",
        "Soskun ja Sokran koulutukset olivat hyviä",
        "Alustajina Kalliolan setlementti ja Helsingin Diakonissalaitos",
        "Mannerheimin Lastensuojeluliitto tekee hyvää työtä",
        "Lahdessa ja Salossa on hyviä kokemuksia",
        "Kallio on muuttunut paljon",
        "Wilma-viestit eivät tavoita kaikkia",
        "Mehiläinen ja Terveystalo hoitavat ostopalveluja",
        "Kohtaaminen, Kuuleminen ja Luottamus",
        "Olimme Toivo-talossa koko päivän",
    ],
)
def test_organisations_services_and_places_are_not_names(text: str, engine: NameEngine) -> None:
    assert words_of(text, "name", engine=engine) == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "lang", "names"),
    [
        ("sosiaalityöntekijä Virtanen ei vastannut", "fi", ["Virtanen"]),
        ("Dr Smith helped my family", "en", ["Smith"]),
        ("Dr Kowalczyk helped my family", "en", ["Kowalczyk"]),  # unknown, after a title
        ("The social worker, Ms Korhonen, was helpful", "en", ["Korhonen"]),
        ("handläggare Nyström lovade att ringa", "sv", ["Nyström"]),
        ("My neighbour Pat helps me", "en", ["Pat"]),
    ],
)
def test_titles_announce_names(text: str, lang: str, names: list[str], engine: NameEngine) -> None:
    # The title stays outside the span: masking leaves "sosiaalityöntekijä [nimi]".
    assert words_of(text, "name", lang, engine) == names


@pytest.mark.parametrize("engine", ENGINES)
def test_finnish_names_in_swedish_and_english_text(engine: NameEngine) -> None:
    assert words_of("Virtanen från Kela sa nej", "name", "sv", engine) == ["Virtanen"]
    assert words_of("Virtasen office is closed", "name", "en", engine) == ["Virtasen"]
    assert words_of("Sarah said the forms are hard", "name", "en", engine) == ["Sarah"]
    assert words_of("Jenny's advice was the best", "name", "en", engine) == ["Jenny"]


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Will the city fund this next year?", "en"),
        ("May we have more evening appointments", "en"),
        ("Hope is what keeps people going", "en"),
        ("The meeting was on Monday in August", "en"),
        ("Mark your calendars", "en"),
        ("Hans erfarenhet var att ingen lyssnade", "sv"),
        ("Per person blir det 30 euro", "sv"),
        ("Bo kvar hemma så länge som möjligt", "sv"),
        ("we will mark it down", "en"),  # lower case names only count in Finnish text
    ],
)
def test_words_that_are_names_elsewhere(text: str, lang: str, engine: NameEngine) -> None:
    assert found(text, lang, engine) == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "lang", "names"),
    [
        # being someone's relative or worker
        ("Taimi on mun kummitäti ja asuu Lahdessa", "fi", ["Taimi"]),
        ("Meri on meidän uus kokemusasiantuntija", "fi", ["Meri"]),
        ("Will is my brother and he came with me", "en", ["Will"]),
        # a genitive before what only a person has
        ("Kaislan numero 041 377 8920 jos tarvitsette", "fi", ["Kaislan"]),
        ("Tuulin meili tuuli.k@gmail.com", "fi", ["Tuulin"]),
        ("Annan poika pääsi kouluun", "fi", ["Annan"]),
        ("Harjun perheellä ei ollut varaa", "fi", ["Harjun"]),
        ("robin's number is +46 72-518 33 90", "en", ["robin"]),
        # the word names an e-mail address of the post
        ("Ilona (ilona.s@luukku.com) kokoaa listan", "fi", ["Ilona"]),
        ("Hope from our table wants a copy, her mail is hope.k at yahoo.com", "en", ["Hope"]),
        # a title in brackets, a signature, a mention, not coming
        ("Rauha (kokemusasiantuntija) kertoi kuntoutuksesta", "fi", ["Rauha"]),
        ("kiitos kaikille! -Satu", "fi", ["Satu"]),
        ("@helmi kiitos kahveista", "fi", ["helmi"]),
        ("Valo ei päässyt tänään", "fi", ["Valo"]),
        ("Pihlaja lähetti meille viestin", "fi", ["Pihlaja"]),
        # a common-noun surname after a title; a kinship word that is also a name
        ("omaohjaaja Kivi on kova kivi", "fi", ["Kivi"]),
        ("Veli Virtanen tuli myöhässä", "fi", ["Veli Virtanen"]),
        # a Swedish surname by its ending, also in the genitive
        ("Henrikssons pappa har bott här länge", "sv", ["Henrikssons"]),
        # an unknown surname at the start, with a verb of speech
        ("Pölkkynen sanoi että hakemus on kesken", "fi", ["Pölkkynen"]),
        # a surname's initial, a list of names, a naming word, what only a person does
        ("Helmi K. kertoi kokemuksistaan", "fi", ["Helmi"]),
        ("Aamu, Pekka ja Jari tulivat yhdessä", "fi", ["Aamu", "Pekka", "Jari"]),
        ("tyttö nimeltä helmi kysyi neuvoa", "fi", ["helmi"]),
        ("jag heter stig och har varit klient länge", "sv", ["stig"]),
        ("Lempi osallistui ryhmään ensimmäistä kertaa", "fi", ["Lempi"]),
        ("Will's idea was the best one", "en", ["Will"]),
    ],
)
def test_context_makes_an_ambiguous_word_a_name(
    text: str, lang: str, names: list[str], engine: NameEngine
) -> None:
    assert words_of(text, "name", lang, engine) == names


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "lang", "names"),
    [
        ("mats sa att han kan skjutsa", "sv", ["mats"]),  # a verb of speech after it
        ("will couldnt come today", "en", ["will"]),  # ...or of not coming
        ("eva och kristoffer kommer senare", "sv", ["eva", "kristoffer"]),  # two names
        ("thanks ahmed for translating", "en", ["ahmed"]),  # a greeting before it
        ("tack karin!", "sv", ["karin"]),
    ],
)
def test_lower_case_names_in_swedish_and_english_need_a_cue(
    text: str, lang: str, names: list[str], engine: NameEngine
) -> None:
    assert words_of(text, "name", lang, engine) == names


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Toivo on meidän työntekijöiden voimavara", "fi"),  # a genitive, not a worker
        ("Sisko soitti eilen ja kysyi kuulumisia", "fi"),  # a kinship word takes no cue
        ("Veli sanoi ettei jaksa enää", "fi"),
        ("kiitos anna palautetta lomakkeella", "fi"),  # no greeting cue for "anna"
        ("työntekijä Ohjaamosta kävi kertomassa", "fi"),  # an organisation after a title
        ("Hans mamma fick vänta länge", "sv"),  # "his mother"
        ("Tack alla för idag", "sv"),
        ("mats och dryck fanns i köket", "sv"),
        ("Klara besked behövs från FPA", "sv"),
        ("thanks, will do", "en"),
        ("ok thanks will do", "en"),
        ("the worker said it takes a month", "en"),  # "said" is no name here
        ("the bill said we owe 300 euros", "en"),  # an article before it
        ("Grace is what we need more of", "en"),
        ("Hope's not enough to pay the rent", "en"),  # "'s" is "is" here
        ("Lessons from the pilot were shared", "en"),  # not a Swedish surname
        ("Tuuli muutti suuntaa ja sade alkoi", "fi"),
        ("Onni asuu pienissä asioissa", "fi"),
        ("Usko, toivo ja rakkaus kantavat", "fi"),
    ],
)
def test_cues_do_not_fire_on_ordinary_words(text: str, lang: str, engine: NameEngine) -> None:
    assert found(text, lang, engine) == []


@needs_voikko
def test_voikko_tells_a_verb_from_a_genitive() -> None:
    # "Toivon perheille lisää tukea" is "I wish families more support"; the lists alone
    # cannot tell "toivon" (I hope) from Toivo's.
    assert found("Toivon perheille lisää tukea", engine="voikko") == []
    assert words_of("Harjun perheellä ei ollut varaa", "name", engine="voikko") == ["Harjun"]


def test_lexicon_collisions_hold_with_a_clitic() -> None:
    # "ollenkaan" is "ollen" (a form of olla, listed as a collision) with "-kaan", not Olli.
    text = "mun sossu virtanen ei vastaa ollenkaan"
    assert words_of(text, "name", engine="lexicon") == ["virtanen"]


@needs_voikko
def test_voikko_knows_names_the_lexicon_does_not() -> None:
    assert words_of("iivari sanoi että jono oli pitkä", "name", engine="voikko") == ["iivari"]
    assert words_of("iivari sanoi että jono oli pitkä", "name", engine="lexicon") == []
    assert words_of("Soitin Rytköselle eilen", "name", engine="voikko") == ["Rytköselle"]
    # A word Voikko does not know at all, before a verb of speech: a foreign name.
    text = "Tesfamariam sanoi että jono on pitkä"
    assert words_of(text, "name", engine="voikko") == ["Tesfamariam"]
    assert words_of(text, "name", engine="lexicon") == []


def test_unknown_surname_by_its_ending_in_finnish_text() -> None:
    assert words_of("tapasin Pölkkysen eilen", "name", engine="lexicon") == ["Pölkkysen"]
    assert words_of("Asukastalo Kohtaamossa on kahvila", "name", engine="lexicon") == []


# --- engines -------------------------------------------------------------------------------


def test_engine_is_voikko_when_installed() -> None:
    assert name_engine() == ("voikko" if VOIKKO else "lexicon")


def test_without_voikko_the_lexicon_is_used(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(privacy, "_voikko_handle", lambda: (None, "Voikko not installed"))
    assert name_engine() == "lexicon"
    assert words_of("Pekka sanoi että Virtasen jono on pitkä", "name") == ["Pekka", "Virtasen"]
    with pytest.raises(ValueError):
        screen("Pekka", engine="voikko")


def test_name_forms_follow_finnish_inflection() -> None:
    assert {"pekan", "pekalle", "pekkaa", "pekkaan"} <= name_forms("pekka")
    assert {"virtasen", "virtaselle", "virtasta", "virtaseen"} <= name_forms("virtanen")
    assert {"niemen", "niemeen", "niemeä"} <= name_forms("niemi", surname=True)
    assert {"lahden", "lahdessa"} <= name_forms("lahti", surname=True)
    assert {"ollin", "ollille", "ollia"} <= name_forms("olli")
    assert "ollen" not in name_forms("olli")  # "ollen" is a form of olla, not of Olli
    assert {"tuomaksen", "tuomasta"} <= name_forms("tuomas")
    assert {"erikin", "erikille"} <= name_forms("erik")
    assert listed_names("pekkakin") == {"pekka"}
    assert "olle" not in listed_names("olleet")


def test_lexicon_file_errors() -> None:
    with pytest.raises(ValueError, match="unknown section"):
        parse_lexicon("[nonsense]\nword\n")
    with pytest.raises(ValueError, match="before the first section"):
        parse_lexicon("word\n")
    lexicon = parse_lexicon(
        "[first]\nPekka  # comment\n[titles]\nohjaaj* Dr\n[possessions]\nnumero\n"
        "[greetings]\nkiitos\n[cues]\nsanoi ei_päässyt\n[matters]\nKuntoutus\n"
    )
    assert lexicon.first == {"pekka"}
    assert lexicon.titles == {"dr"}
    assert lexicon.title_stems == ("ohjaaj",)
    assert lexicon.possessions == {"numero"}
    assert lexicon.greetings == {"kiitos"}
    assert lexicon.cues == {"sanoi", "ei_päässyt"}
    assert lexicon.matters == {"kuntoutus"}


# --- the whole screen ----------------------------------------------------------------------


def test_the_issue_examples_with_exact_spans() -> None:
    text = "Olli Kettunen (puh. 0451123344) odotti päätöstä puoli vuotta"
    assert screen(text) == [Finding("name", 0, 13), Finding("phone", 20, 30)]
    assert screen("hetuni 131052-308T näkyi kuoressa") == [Finding("hetu", 7, 18)]


def test_findings_sorted_and_never_overlapping() -> None:
    text = (
        "Olli Kettunen, Vaasankatu 3 A 5, 00500 Helsinki, puh 044 123 9876, "
        "olli.kettunen@gmail.com, tili FI21 1234 5600 0007 85, hetu 131052-308T"
    )
    findings = screen(text, engine="lexicon")
    assert [f.kind for f in findings] == ["name", "address", "phone", "email", "iban", "hetu"]
    assert all(a.end <= b.start for a, b in zip(findings, findings[1:], strict=False))
    assert text[findings[1].start : findings[1].end] == "Vaasankatu 3 A 5, 00500 Helsinki"


def test_empty_and_clean_texts() -> None:
    assert screen("") == []
    assert screen("Vertaistuki auttaa jaksamaan", "fi") == []


# --- the allow list ------------------------------------------------------------------------


@pytest.mark.parametrize("engine", ENGINES)
def test_allowed_names_in_any_case_form(engine: NameEngine) -> None:
    text = "Paula Saikkonen alusti. Saikkosen mukaan jono on pitkä. Pekka kysyi Paulalta."
    allow = ["Paula Saikkonen"]
    assert words_of(text, "name", engine=engine) == [
        "Paula Saikkonen",
        "Saikkosen",
        "Pekka",
        "Paulalta",
    ]
    kept = [text[f.start : f.end] for f in screen(text, "fi", allow, engine=engine)]
    assert kept == ["Pekka"]


def test_allowed_strings_of_other_kinds() -> None:
    text = "Toimiston numero 09 310 1691 ja oma 040 123 4567"
    assert [w for _, w in found(text)] == ["09 310 1691", "040 123 4567"]
    kept = [text[f.start : f.end] for f in screen(text, "fi", ["09 3101691"])]
    assert kept == ["040 123 4567"]


def test_allowing_a_word_keeps_the_other_names() -> None:
    text = "Sokra ja Virtanen"
    assert screen(text, "fi", ["Sokra"], engine="lexicon") == [Finding("name", 9, 17)]
    assert screen(text, "fi", ["", "  "], engine="lexicon") == [Finding("name", 9, 17)]


# --- placeholders and masking --------------------------------------------------------------


def test_placeholders_in_three_languages() -> None:
    assert [placeholder(kind, "fi") for kind in KINDS] == [
        "[henkilötunnus]",
        "[puhelinnumero]",
        "[sähköposti]",
        "[tilinumero]",
        "[osoite]",
        "[nimi]",
    ]
    assert [placeholder(kind, "sv") for kind in KINDS] == [
        "[personbeteckning]",
        "[telefonnummer]",
        "[e-post]",
        "[kontonummer]",
        "[adress]",
        "[namn]",
    ]
    assert [placeholder(kind, "en") for kind in KINDS] == [
        "[personal ID]",
        "[phone number]",
        "[email]",
        "[account number]",
        "[address]",
        "[name]",
    ]
    assert placeholder("name", "de") == "[nimi]"


def test_mask_replaces_each_span() -> None:
    text = "Olli Kettunen (puh. 0451123344) odotti päätöstä"
    assert mask(text, screen(text), "fi") == "[nimi] (puh. [puhelinnumero]) odotti päätöstä"
    assert mask(text, screen(text), "en") == "[name] (puh. [phone number]) odotti päätöstä"


def test_mask_takes_findings_in_any_order_and_skips_overlaps() -> None:
    text = "abc Pekka def 040 123 4567"
    findings = [Finding("phone", 14, 26), Finding("name", 4, 9), Finding("name", 5, 12)]
    assert mask(text, findings, "sv") == "abc [namn] def [telefonnummer]"
    assert mask(text, [], "fi") == text


def test_findings_payload() -> None:
    assert findings_payload([Finding("hetu", 7, 18), Finding("name", 0, 5)]) == [
        {"kind": "hetu", "start": 7, "end": 18},
        {"kind": "name", "start": 0, "end": 5},
    ]


# --- third round: cues for names that are also words, public service numbers ---------------


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "lang", "names"),
    [
        # coordinated with "I"
        ("Lempi ja minä mentiin yhdessä Kelaan", "fi", ["Lempi"]),
        ("Usko ja mä järjestettiin kahvit", "fi", ["Usko"]),
        ("Hope and I wrote the feedback together", "en", ["Hope"]),
        ("Dag och jag satt vid samma bord", "sv", ["Dag"]),
        ("me and will went to the office", "en", ["will"]),
        ("June and I met at the library", "en", ["June"]),  # a month, but beside "I"
        # an age after it
        ("Helmi (45) kertoi kokemuksistaan", "fi", ["Helmi"]),
        ("Tuuli (12 v) sai vihdoin paikan", "fi", ["Tuuli"]),
        ("Stig (67 år) bor ensam", "sv", ["Stig"]),
        ("Valo 7v odottaa terapiaa", "fi", ["Valo"]),
        # introducing oneself at the start of a post
        ("usko täällä, oon ollu asiakkaana kauan", "fi", ["usko"]),
        ("Onni tässä. Haluun kertoa kokemuksen", "fi", ["Onni"]),
        ("Will here, I was a client for years", "en", ["Will"]),
        ("hej, bo här! jag har bott på härbärget", "sv", ["bo"]),
        # what only a person does to a session or a text
        ("Mark ran the session and it went well", "en", ["Mark"]),
        ("Faith translated the forms for us", "en", ["Faith"]),
        ("Dag ledde gruppen i höstas", "sv", ["Dag"]),
        # a first name's genitive before what only a person goes through or gets
        ("Ilon päätös tuli vihdoin", "fi", ["Ilon"]),
        ("Onnin hoito alkoi viime viikolla", "fi", ["Onnin"]),
        ("Taimin asunto on liian pieni", "fi", ["Taimin"]),
        # at the office, from the group; also after a surname no list knows
        ("Hope at the housing office was kind to me", "en", ["Hope"]),
        ("Stig från föreningen ringde mig", "sv", ["Stig"]),
        ("Frank Mensah from the council explained the rules", "en", ["Frank Mensah"]),
        ("Bill Nkemelu said it was fine", "en", ["Bill Nkemelu"]),
        # a Swedish genitive of a name no list knows, before what only a person has
        ("ring Zlatans nummer om du vill", "sv", ["Zlatans"]),
    ],
)
def test_third_round_cues_make_a_name(
    text: str, lang: str, names: list[str], engine: NameEngine
) -> None:
    assert words_of(text, "name", lang, engine) == names


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Work and I do not mix well", "en"),  # not a name at all
        ("The meetings in May and June were the best", "en"),  # months, no "I"
        ("May Day parade was fun for the kids", "en"),
        ("Tuuli (5 m/s) kaatoi puita pihalla", "fi"),  # not an age
        ("Onni (2019) oli hyvä elokuva", "fi"),  # a year
        ("Rauha täällä on ihana verrattuna kotiin", "fi"),  # "the peace here"
        ("Hope here is hard to find", "en"),
        ("Time ran out before we got to the end", "en"),
        ("Hope led us through the winter", "en"),
        ("Toivon päätös tulee pian", "fi"),  # "I hope the decision comes soon"
        ("Uskon päätös on oikea", "fi"),  # "I believe the decision is right"
        ("Järven hoito on kaupungin asia", "fi"),  # a surname's word: the lake's
        ("Kelan päätös tuli vihdoin", "fi"),
        ("Grace at the end of the day is what we need", "en"),  # no office or group
        ("Help from the housing office was slow", "en"),
        ("ring Folkhälsans nummer om du behöver stöd", "sv"),  # an organisation
        ("ring Röda Korsets nummer på kvällen", "sv"),  # the end of a longer name
        ("Kommunens nummer finns på nätet", "sv"),
    ],
)
def test_third_round_cues_leave_ordinary_words(text: str, lang: str, engine: NameEngine) -> None:
    assert found(text, lang, engine) == []


@needs_voikko
def test_voikko_reads_a_swedish_genitive_of_a_name_it_knows() -> None:
    # "Kristers" is not a word Voikko knows; "Krister" is a first name it knows. The lists
    # do not know Krister, and "texten" is nothing only a person has.
    text = "vi läste Kristers texten igår"
    assert words_of(text, "name", "sv", engine="voikko") == ["Kristers"]
    assert words_of(text, "name", "sv", engine="lexicon") == []


@pytest.mark.parametrize(
    "text",
    [
        "MIELI ry:n kriisipuhelin 09 2525 0111 auttoi mua",
        "Sininauha Oy:n vaihde 09 1234 567 vastaa arkisin",
        "vaihteen numero on 09 310 11111",
        "Espoon kaupunki 09 816 21 on kaupungin vaihde",
        "Kundtjänst 08-123 456 78 svarar inte",
        "the helpline is 01234 567890 and it is free",
    ],
)
def test_a_public_service_number_is_not_personal(text: str) -> None:
    assert words_of(text, "phone") == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("kriisipuhelin ei vastannut, soita mulle 040 123 4567", "040 123 4567"),
        ("vaihteesta sain Pekan numeron 040 765 4321", "040 765 4321"),
        ("soita 040 111 2233 jos tarvitset apua", "040 111 2233"),
        ("call me on 07700 900123, the helpline was busy", "07700 900123"),
        ("asiakaspalvelija Jaana 040 222 3344", "040 222 3344"),
    ],
)
def test_a_persons_number_near_a_service_word_stays_found(text: str, number: str) -> None:
    assert words_of(text, "phone") == [number]


# --- fourth round: names no list knows, kinship, signatures, streets, abbreviations --------


@needs_voikko
@pytest.mark.parametrize(
    ("text", "names"),
    [
        ("eilen juttelin Dilnozan kanssa hakemuksista", ["Dilnozan"]),
        ("eilen tapasin Gulnaran kirjastossa", ["Gulnaran"]),
        ("annoin lomakkeen Aigerimille eilen", ["Aigerimille"]),
    ],
)
def test_voikko_a_word_it_cannot_read_inside_a_finnish_sentence_is_a_name(
    text: str, names: list[str]
) -> None:
    assert words_of(text, "name", "fi", engine="voikko") == names
    # The lists alone cannot tell an unknown word from a Finnish one: no cue, no name.
    assert words_of(text, "name", "fi", engine="lexicon") == []


@needs_voikko
@pytest.mark.parametrize(
    "text",
    [
        "Kävin viime vuonna Manchesterissa tapaamassa sukulaisia",  # a place's case
        "Kuuntelin Spotifysta podcastin kokemusasiantuntijuudesta",
        "Tilasin Wolttilla ruokaa kun ei jaksanut kokata",  # a listed service
        "Tää oli Cafe Socialin paras kerta",  # a loanword beside it
        "Sosiaali- ja terveysministeriön rahoitus loppuu",  # a truncated compound
        "seuraava tapaaminen on 3 March koska kouluttaja on englantilainen",  # after a number
        "we met in Leeds and talked about housing",  # after an English word
        "Helsingin Diakonissalaitoksen Vamos auttoi paljon",  # a body, not a title's name
        "Kokemushjauksessa pidetään taukoja",  # a typo at the start of a sentence
        "Hilma-järjestelmässä näkyy hakemukset",  # a hyphenated compound
    ],
)
def test_voikko_open_vocabulary_leaves_places_brands_and_loans(text: str) -> None:
    assert found(text, "fi", engine="voikko") == []


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "lang", "names"),
    [
        # a name no list knows, with a strong cue
        ("Aigerim ja hänen poikansa odottavat päätöstä", "fi", ["Aigerim"]),
        ("Saltanat and I went to the housing office", "en", ["Saltanat"]),
        ("Anvar said the forms were only in Finnish", "en", ["Anvar"]),
        ("text Bakhyt on 040 765 1234 if you need a lift", "en", ["Bakhyt"]),
        ("thanks to everyone who came today 🙏 Nodira", "en", ["Nodira"]),
        ("Temirlan (our peer worker) explained the appeal", "en", ["Temirlan"]),
        ("Zhyldyz och jag väntade på beslut", "sv", ["Zhyldyz"]),
        # the longer lists of first names
        ("Olena tuli vasta keväällä ja etsii töitä", "fi", ["Olena"]),
        ("Oluwaseun runs the homework club", "en", ["Oluwaseun"]),
        # a listed name at the end of the post after an emoji or a full stop
        ("jos joku tarvii apua niin kysykää 😊 Aila", "fi", ["Aila"]),
        ("kiitos tästä illasta. Irja", "fi", ["Irja"]),
        ("we got the flat at last 🙏 Kari", "en", ["Kari"]),
        # a kinship word before a system's name that is a first name too
        ("tyttäreni Wilma aloitti eskarin", "fi", ["Wilma"]),
        ("min dotter Hilma fick ingen plats", "sv", ["Hilma"]),
        # a lower-case listed name at the start of a Swedish or English post
        ("ahmed fick vänta tre månader", "sv", ["ahmed"]),
        # ambiguous names with a verb of speaking, from our table, a title in brackets
        ("Faith spoke about the waiting lists", "en", ["Faith"]),
        ("Mark from our table said the forms are long", "en", ["Mark"]),
        ("Stig från vårt bord sa att väntan var lång", "sv", ["Stig"]),
        ("Joy (my support worker) came with me", "en", ["Joy"]),
        # a listed name Voikko reads only as a case form of another word
        ("Oksana asuu nyt Vantaalla", "fi", ["Oksana"]),
    ],
)
def test_fourth_round_cues_make_a_name(
    text: str, lang: str, names: list[str], engine: NameEngine
) -> None:
    assert words_of(text, "name", lang, engine) == names


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("Everyone said the room was too cold", "en"),
        ("Research says the waiting is the hardest part", "en"),
        ("Dear Colleagues, thanks for coming", "en"),
        ("Arbetsförmedlingen ville att jag skulle söka jobb", "sv"),
        ("Kommunen sa att det tar tid", "sv"),
        ("Kiitos kaikille 😊 Tervetuloa", "fi"),
        ("Joku sanoi että jonot on pitkiä", "fi"),
        ("kirjaudu Wilmaan ja katso viestit", "fi"),  # the school system, no kinship word
        ("alla fick vänta tre månader på beslutet", "sv"),
        ("Grace at the table was said in three languages", "en"),
        ("enligt LsL och SoL har man rätt till stöd", "sv"),  # statute abbreviations
        ("SoL ja SHL mainittiin esityksessä", "fi"),
        ("Helsingin Sanomat kirjoitti asiasta", "fi"),
    ],
)
def test_fourth_round_cues_leave_ordinary_words(text: str, lang: str, engine: NameEngine) -> None:
    assert found(text, lang, engine) == []


@pytest.mark.parametrize(
    ("text", "address"),
    [
        ("asun nykyään mannerheimintie 40 b 12 ja vuokra on iso", "mannerheimintie 40 b 12"),
        ("uusi osoite on koivukuja 3, tervetuloa", "koivukuja 3"),
        ("asun hämeenkatu 15 b 8, ohjaaja käy", "hämeenkatu 15 b 8"),
    ],
)
def test_a_lower_case_street_with_a_number(text: str, address: str) -> None:
    assert words_of(text, "address") == [address]


@pytest.mark.parametrize(
    "text",
    [
        "valtatie 4 oli ruuhkainen koko matkan",  # a numbered road
        "kävelimme kävelykadulla 2 tuntia",  # a case form before hours
        "kotikatu 5 kertaa viikossa",  # a number of times, not the end of a clause
    ],
)
def test_a_lower_case_street_word_without_an_address(text: str) -> None:
    assert words_of(text, "address") == []


@pytest.mark.parametrize(
    "text",
    [
        "hätätilanteessa 112, kriisipuhelin päivystää 09 2525 0111 ympäri vuorokauden",
        "neuvonta palvelee joka päivä numerossa 09 816 21",
    ],
)
def test_a_service_word_earlier_in_the_clause_names_the_number(text: str) -> None:
    assert words_of(text, "phone") == []


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("kriisipuhelin päivystää aina, soita mulle 040 765 4321", "040 765 4321"),
        ("soitin kriisipuhelimeen ja sain sieltä Pekan numeron 040 123 4567", "040 123 4567"),
        ("neuvonnasta annettiin hänelle numero 040 222 3344", "040 222 3344"),
    ],
)
def test_a_persons_number_later_in_a_service_clause_stays_found(text: str, number: str) -> None:
    assert words_of(text, "phone") == [number]


def test_lexicon_loanwords_section_is_optional() -> None:
    lexicon = parse_lexicon("[first]\nanna\n")
    assert lexicon.loanwords == frozenset()
    assert parse_lexicon("[loanwords]\nCafe social\n").loanwords == {"cafe", "social"}
