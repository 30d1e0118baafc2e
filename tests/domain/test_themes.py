"""Suggested themes (pure core): grouping, lemmas, titles, determinism, the scores."""

from __future__ import annotations

import pytest

from bench.themes_quality import pairwise_scores
from cafe.domain.themes import (
    Language,
    SnowballLemmatiser,
    adjusted_rand_index,
    choose_lemmatiser,
    suggest_themes,
    voikko_available,
)
from tests.domain.helpers import OBVIOUS_FI, labels_of, small_set

needs_voikko = pytest.mark.skipif(
    not voikko_available(),
    reason="Voikko (Debian libvoikko1 + voikko-fi) is not installed; `make test` installs it",
)

#: The theme of each idea of OBVIOUS_FI.
OBVIOUS_LABELS = ["asunto", "vertais", "digi"] * 5


# --- the scores -------------------------------------------------------------------------


def test_adjusted_rand_index_reference_values() -> None:
    # Reference values computed with scikit-learn's adjusted_rand_score.
    assert adjusted_rand_index([0, 0, 1, 1], [0, 0, 1, 1]) == pytest.approx(1.0)
    assert adjusted_rand_index([0, 0, 1, 1], [1, 1, 0, 0]) == pytest.approx(1.0)
    assert adjusted_rand_index([0, 0, 1, 2], [0, 0, 1, 1]) == pytest.approx(0.5714285714)
    assert adjusted_rand_index([0, 0, 1, 1], [0, 1, 0, 1]) == pytest.approx(-0.5)
    assert adjusted_rand_index([0, 0, 0, 1, 1, 1], [0, 0, 1, 1, 2, 2]) == pytest.approx(
        0.2424242424
    )
    assert adjusted_rand_index(["a", "a", "b"], ["x", "x", "x"]) == pytest.approx(0.0)


def test_pairwise_scores() -> None:
    precision, recall, f1 = pairwise_scores([0, 0, 0, 1], [0, 0, 1, 1])
    # True pairs: (0,1) (0,2) (1,2); predicted: (0,1) (2,3); shared: (0,1).
    assert precision == pytest.approx(0.5)
    assert recall == pytest.approx(1 / 3)
    assert f1 == pytest.approx(0.4)


# --- the engine -------------------------------------------------------------------------


@pytest.mark.parametrize("prefer_voikko", [True, False])
def test_every_index_once_and_deterministic(prefer_voikko: bool) -> None:
    ideas = [*OBVIOUS_FI, "", "ja tai mutta", "Yksinäinen ajatus ilman pareja"]
    first = suggest_themes(ideas, "fi", prefer_voikko=prefer_voikko)
    second = suggest_themes(list(ideas), "fi", prefer_voikko=prefer_voikko)
    assert first == second
    labels_of(first, len(ideas))
    # Ideas without content words share one theme with an empty title.
    empty = [theme for theme in first.themes if theme.title == ""]
    assert [theme.ideas for theme in empty] == [(15, 16)]
    assert [theme.ideas[0] for theme in first.themes] == sorted(
        theme.ideas[0] for theme in first.themes
    )


def test_no_ideas_gives_no_themes() -> None:
    assert suggest_themes([], "fi").themes == ()


@pytest.mark.parametrize("prefer_voikko", [True, False])
def test_obvious_themes_are_found(prefer_voikko: bool) -> None:
    result = suggest_themes(OBVIOUS_FI, "fi", prefer_voikko=prefer_voikko)
    ari = adjusted_rand_index(OBVIOUS_LABELS, labels_of(result, len(OBVIOUS_FI)))
    # Stems without compound parts split "vertaistuki" from "vertaistukea" more often.
    assert ari >= (0.8 if prefer_voikko else 0.7), result


def test_snowball_mode_is_reported_when_forced() -> None:
    result = suggest_themes(OBVIOUS_FI, "fi", prefer_voikko=False)
    assert result.mode == "snowball"
    assert result.fallback_reason == "Voikko not requested"


def test_snowball_titles_are_words_of_the_group() -> None:
    result = suggest_themes(OBVIOUS_FI, "fi", prefer_voikko=False)
    for theme in result.themes:
        words = " ".join(OBVIOUS_FI[i] for i in theme.ideas).lower()
        for word in theme.title.lower().split(", "):
            assert word in words, (theme.title, words)


@pytest.mark.parametrize(
    ("language", "ideas"),
    [
        (
            "sv",
            [
                "Bostadslösheten bland unga ökar",
                "Kamratstöd hjälper i vardagen",
                "Unga bostadslösa behöver bostäder",
                "Kamratstödet borde finnas överallt",
            ],
        ),
        (
            "en",
            [
                "Homelessness among young people is growing",
                "Peer support helps in everyday life",
                "Young homeless people need homes",
                "Peer support groups should be everywhere",
            ],
        ),
    ],
)
def test_swedish_and_english_use_snowball(language: Language, ideas: list[str]) -> None:
    result = suggest_themes(ideas, language)
    assert result.mode == "snowball"
    assert result.fallback_reason is None
    assert adjusted_rand_index([0, 1, 0, 1], labels_of(result, 4)) == pytest.approx(1.0)


def test_unknown_language_is_refused() -> None:
    with pytest.raises(ValueError):
        suggest_themes(["x"], "de")  # type: ignore[arg-type]


def test_snowball_stems() -> None:
    stemmer = SnowballLemmatiser("fi")
    stems = {stemmer.features(word) for word in ("palvelut", "palveluiden", "palvelu")}
    assert stems == {("palvelu", ())}


# Inflected forms whose Snowball stems differ ("asunnottom", "asunnoto", "asunnottoma";
# "vertaistukiryhm", "vertaistu", "vertaistuk"): the 4-grams of the stems still join them.
INFLECTED_FI = [
    "Asunnottomien nuorten määrä kasvaa",
    "Vertaistukiryhmä kokoontuu kirjastossa",
    "Asunnoton tarvitsee asunnon heti",
    "Vertaistuen ryhmiin pääsy helpoksi",
    "Asunnottomalle oma koti",
    "Vertaistukea kaikille",
]


@pytest.mark.parametrize("prefer_voikko", [True, False])
def test_inflected_forms_group_together(prefer_voikko: bool) -> None:
    result = suggest_themes(INFLECTED_FI, "fi", prefer_voikko=prefer_voikko)
    assert [theme.ideas for theme in result.themes] == [(0, 2, 4), (1, 3, 5)], result


@pytest.mark.parametrize("prefer_voikko", [True, False])
def test_larger_input_is_deterministic(prefer_voikko: bool) -> None:
    """Nearest neighbours and 4-grams break ties by index, so repeated runs agree."""
    _, ideas = small_set()
    many = [f"{idea} {suffix}" for suffix in ("", "nyt", "meillä") for idea in ideas]
    first = suggest_themes(many, "fi", prefer_voikko=prefer_voikko)
    assert suggest_themes(list(many), "fi", prefer_voikko=prefer_voikko) == first
    labels_of(first, len(many))


def test_small_labelled_set_quality() -> None:
    """The set the thresholds were tuned on: a floor, so a change that breaks grouping shows."""
    labels, ideas = small_set()
    result = suggest_themes(ideas, "fi")
    assert adjusted_rand_index(labels, labels_of(result, len(ideas))) >= (
        0.4 if result.mode == "voikko" else 0.2
    )


# --- Voikko -----------------------------------------------------------------------------


@needs_voikko
def test_voikko_is_chosen_for_finnish() -> None:
    lemmatiser, reason = choose_lemmatiser("fi")
    assert lemmatiser.mode == "voikko"
    assert reason is None
    assert suggest_themes(["Vertaistuki"], "fi").mode == "voikko"


@needs_voikko
def test_voikko_splits_compounds() -> None:
    lemmatiser, _ = choose_lemmatiser("fi")
    lemma, parts = lemmatiser.features("kokemusasiantuntijoiden")
    assert lemma == "kokemusasiantuntija"
    assert {"kokemus", "asiantuntija"} <= set(parts)
    lemma, parts = lemmatiser.features("vertaistuen")
    assert lemma == "vertaistuki"
    assert "tuki" in parts


@needs_voikko
def test_voikko_word_classes_weigh_nouns_most() -> None:
    lemmatiser, _ = choose_lemmatiser("fi")
    weights = {}
    for word in ("asunto", "helppo", "estää"):
        lemmatiser.features(word)
        weights[word] = lemmatiser.weight(word)  # type: ignore[attr-defined]
    assert weights["asunto"] == 1.0
    assert weights["asunto"] > weights["helppo"] > weights["estää"] > 0


@needs_voikko
def test_voikko_titles_are_base_forms_of_the_group() -> None:
    ideas = [
        "Kokemusasiantuntijoiden palkkiot",
        "Kokemusasiantuntijat mukaan suunnitteluun",
        "Kokemusasiantuntijoille palkkio",
    ]
    result = suggest_themes(ideas, "fi")
    assert [theme.ideas for theme in result.themes] == [(0, 1, 2)]
    assert result.themes[0].title.startswith("Kokemusasiantuntija")


def test_voikko_missing_falls_back(monkeypatch: pytest.MonkeyPatch) -> None:
    from cafe.domain import themes

    monkeypatch.setattr(themes, "_voikko_handle", lambda: (None, "Voikko not installed"))
    result = suggest_themes(OBVIOUS_FI, "fi")
    assert result.mode == "snowball"
    assert result.fallback_reason == "Voikko not installed"
