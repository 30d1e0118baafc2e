"""Helpers that several domain test modules share (pure: no app): the labelled idea sets
the theme suggestions are measured on."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from cafe.domain.themes import ThemeSuggestion

SMALL_SET = Path(__file__).resolve().parent.parent / "data" / "themes_small_fi.tsv"

# Three obvious themes × five ideas, shuffled: housing, peer support, digital services.
OBVIOUS_FI = [
    "Asunnottomuus on ratkaistava asunto ensin -periaatteella",
    "Vertaistuki auttaa jaksamaan",
    "Digipalvelut ovat vaikeita ikäihmisille",
    "Asunnottomien nuorten asunnot puuttuvat",
    "Vertaistukiryhmät kokoontuvat kirjastossa",
    "Digipalveluiden opastusta tarvitaan",
    "Kohtuuhintaisia asuntoja lisää asunnottomille",
    "Vertaistuen ryhmiin pitää päästä helposti",
    "Digipalvelut eivät saa syrjäyttää",
    "Asunnottomuuden ehkäisy ja asuntojen vuokrat",
    "Vertaistuesta apua arkeen",
    "Digipalveluiden käyttö ilman pankkitunnuksia",
    "Asunto on ihmisoikeus, asunnottomuus ei",
    "Vertaistukea pitää tarjota kaikille",
    "Digipalvelujen rinnalle kasvokkaista palvelua",
]


def labels_of(result: ThemeSuggestion, n: int) -> list[int]:
    """The theme number of every idea (and a check that each index appears exactly once)."""
    seen = Counter(i for theme in result.themes for i in theme.ideas)
    assert sorted(seen) == list(range(n))
    assert set(seen.values()) == {1}
    labels = [0] * n
    for number, theme in enumerate(result.themes):
        for i in theme.ideas:
            labels[i] = number
    return labels


def small_set() -> tuple[list[str], list[str]]:
    """The labelled set the thresholds were tuned on: (labels, ideas)."""
    rows = [line.split("\t") for line in SMALL_SET.read_text("utf-8").splitlines()[1:]]
    return [row[0] for row in rows], [row[1] for row in rows]
