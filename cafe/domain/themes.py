"""Suggested theme groupings of core ideas (pure core: no Flask, no database).

The pipeline, for a list of short texts in one language:

1. **Words**: runs of letters (hyphens and digits split words), lowercased, NFC.
2. **Lemmas**: Finnish through Voikko when its library and dictionary are installed (the
   analysis BASEFORM, plus the parts of compounds found from WORDBASES, so
   "kokemusasiantuntijoiden" gives kokemusasiantuntija + kokemus + asiantuntija). Without
   Voikko, and always for Swedish and English, the Snowball stemmer of the language; the
   result says which (``mode``) and why.
3. **Stop words** of the language are dropped (checked on the word and on its lemma).
4. **Features**: lemmas weigh 1, compound parts 0.5, both scaled by the word class with
   Voikko (nouns 1, adjectives 0.7, verbs 0.5, adverbs 0.3); sublinear TF × smoothed IDF,
   unit length. Separately, the character 4-grams of the lemmas, weighted the same way.
5. **Similarity**: the mean of the lemma cosine and the 4-gram cosine (the 4-grams join
   forms the lemmatiser keeps apart), then blended with the cosine of the ideas' rows of
   nearest neighbours ("second order": two ideas are close when they are close to the same
   other ideas), which helps texts of five words that share no lemma with each other.
6. **Grouping**: average-linkage agglomerative clustering, merging while the best pair of
   groups is at least ``MERGE_THRESHOLD`` similar; then each idea left alone joins the group
   it is most similar to on average when that is at least ``SINGLETON_THRESHOLD``.
7. **Titles**: the two most central lemmas of the group (highest weight in the group's
   centroid, preferring lemmas that several ideas share), first letter capitalised, joined
   with ", " — e.g. "Vertaistuki, kokemusasiantuntija". In Snowball mode a stem is shown as
   the group's most frequent word with that stem.

Everything is deterministic: no randomness, ties broken by index and then alphabetically.
The thresholds were tuned on ``tests/data/themes_small_fi.tsv`` (a small labelled set
written for the unit tests). The 4-grams, word-class weights and nearest neighbours were
kept because they raised the scores of both labelled sets in ``bench/data`` (the second
written on other topics before any of them was tried), in both modes; see
``bench/themes_quality.py``.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from cafe.domain.voikko import VOIKKO_LOCK, voikko_handle

Language = Literal["fi", "sv", "en"]
Mode = Literal["voikko", "snowball"]
LANGUAGES: tuple[Language, ...] = ("fi", "sv", "en")

#: Average-linkage groups merge while their average (blended) similarity is at least this.
MERGE_THRESHOLD = 0.10
#: An idea left alone joins its most similar group when the average similarity is this much.
SINGLETON_THRESHOLD = 0.03
#: Weight of the second-order similarity in the blend (0: plain cosine).
SECOND_ORDER_WEIGHT = 0.7
#: Weight of the cosine of character 4-grams of the lemmas in the first-order similarity:
#: ties forms the lemmatiser keeps apart ("asunto"/"asunnoton", "yksin"/"yksinäinen") and,
#: for Snowball, stems of one word that differ ("vertaistuki"/"vertaistuen" → "vertaistu").
NGRAM_WEIGHT = 0.5
NGRAM_SIZE = 4
#: Second-order similarity looks only at each idea's this many nearest ideas (and those
#: that count it among theirs): far weaker links are mostly noise, and the sparse rows keep
#: the second-order products fast (500 ideas: about 9 s dense, under 1 s with this).
NEIGHBOURS = 30
#: Term weight by Voikko word class: topics are carried by nouns; verbs, adjectives and
#: adverbs ("estää", "helppo", "usein") link ideas of different themes more than the same.
CLASS_WEIGHTS: dict[str, float] = {"teonsana": 0.5, "laatusana": 0.7, "seikkasana": 0.3}
#: Weight of a compound part relative to the whole lemma.
PART_WEIGHT = 0.5

_WORD = re.compile(r"[^\W\d_]+")

# Short lists of function words and the vaguest verbs and adverbs of discussion-café
# notes; content words ("palvelu", "nuori") are never here, however frequent.
_STOP_WORDS: dict[Language, frozenset[str]] = {
    "fi": frozenset(
        """
        ja tai sekä mutta vaan että kun jos koska vaikka kuin niin myös vain jo vielä
        ei en et emme ette eivät olla on ovat oli olisi ole ollut olleet
        se ne tämä nämä tuo nuo joka jotka mikä mitkä kuka ken jokin jotain jokainen
        kaikki kaikkia muu muut mikään mitään kukaan ei-kukaan itse oma omat
        minä sinä hän me te he meidän teidän heidän minun sinun hänen
        siis sitten nyt aina usein joskus paljon vähän enemmän vähemmän liian hyvin
        tulla voida pitää täytyä saada antaa tehdä mennä kuten eli esim esimerkiksi
        mm yms jne ym ihan aivan tosi todella erittäin kovin melko hyvä parempi
        yksi kaksi kolme osa kanssa ilman kautta mukaan myötä yli alle ennen jälkeen
        missä mihin mistä miten miksi milloin jossa johon josta joten siksi sen sitä
        asia asiat juttu tapa tapaan lisää entistä aika tarvita siellä täällä tässä
        siinä tuossa kyllä ehkä vai koko joku jotkut muuten toinen sama eri olis ois
        mä sä niinku tosiaan jopa edes enää heti nopeasti
        """.split()
    ),
    "sv": frozenset(
        """
        och eller men att som när om för med på i av till från är var vara har hade ha
        inte ej det den de dem detta dessa denna vi ni han hon jag du man sig sin sitt
        sina vår vårt våra er ert era deras hans hennes min mitt mina din ditt dina
        en ett någon något några alla allt annan andra så också bara redan än ännu
        mycket mer mest lite mindre kan kunna ska skulle bör måste få göra blir bli
        vid under över efter före genom utan mellan hos mot sedan då nu här där hur
        varför vad vilken vilka vem ju väl ganska mycket sak saker sätt
        """.split()
    ),
    "en": frozenset(
        """
        a an the and or but if then than that this these those is are was were be been
        being have has had do does did to of in on at by for with from into about as
        it its they them their we our you your he she his her i me my not no nor so
        too very can could should would will shall may might must also just more most
        less some any all each every other such what which who whom how why when where
        there here one two get make thing things way lot lots
        """.split()
    ),
}


class Lemmatiser(Protocol):
    """Turns a lowercased word into features: its lemma and, for compounds, the parts."""

    mode: Mode

    def features(self, word: str) -> tuple[str, tuple[str, ...]]:
        """Return ``(lemma, compound_parts)`` for one lowercased word."""
        ...


class SnowballLemmatiser:
    """Snowball stemmer of the language (pure Python ``snowballstemmer``); no compounds."""

    mode: Mode = "snowball"

    def __init__(self, language: Language) -> None:
        import snowballstemmer

        name = {"fi": "finnish", "sv": "swedish", "en": "english"}[language]
        self._stemmer: Any = snowballstemmer.stemmer(name)
        self._cache: dict[str, tuple[str, tuple[str, ...]]] = {}

    def features(self, word: str) -> tuple[str, tuple[str, ...]]:
        """Return the stem as the lemma and no parts."""
        found = self._cache.get(word)
        if found is None:
            found = (str(self._stemmer.stemWord(word)), ())
            self._cache[word] = found
        return found


class VoikkoLemmatiser:
    """Finnish lemmas and compound parts from Voikko's morphological analysis."""

    mode: Mode = "voikko"

    def __init__(self, voikko: Any, lock: threading.Lock) -> None:
        self._voikko = voikko
        # One libvoikko handle is shared by the process and is not thread-safe.
        self._lock = lock
        self._cache: dict[str, tuple[str, tuple[str, ...]]] = {}
        self._classes: dict[str, str] = {}

    def weight(self, word: str) -> float:
        """How much a word says about the topic, from its word class (after ``features``)."""
        return CLASS_WEIGHTS.get(self._classes.get(word, ""), 1.0)

    def _analyse(self, word: str) -> dict[str, str] | None:
        with self._lock:
            analyses: list[dict[str, str]] = self._voikko.analyze(word)
        return analyses[0] if analyses else None

    def features(self, word: str) -> tuple[str, tuple[str, ...]]:
        """Return Voikko's base form and the base forms of the compound's parts.

        A word unknown to Voikko is its own lemma. Parts come from WORDBASES: at every
        boundary between two roots the base form is cut in two and each side is kept
        when Voikko knows it as a word (its base form) — the first root also by the base
        Voikko gives it — so "kokemusasiantuntija" yields kokemus and asiantuntija (and
        tuntija, kokemusasia, which carry little weight once IDF has had its say).
        """
        found = self._cache.get(word)
        if found is not None:
            return found
        analysis = self._analyse(word)
        if analysis is None:
            found = (word, ())
        else:
            self._classes[word] = analysis.get("CLASS", "")
            lemma = analysis.get("BASEFORM", word).lower().replace("=", "")
            found = (lemma, self._parts(lemma, analysis.get("WORDBASES", "")))
        self._cache[word] = found
        return found

    def _parts(self, lemma: str, wordbases: str) -> tuple[str, ...]:
        segments = _wordbase_segments(wordbases)
        # The bases of the roots tie derivations to their word: asuminen and
        # asumisneuvonta to asua, asunnottomuus to asunto.
        parts: list[str] = [
            base.lower().replace("=", "")
            for _, base in segments
            if base and not base.startswith("+")
        ]
        if sum(1 for _, base in segments if not base.startswith("+")) < 2:
            return tuple(dict.fromkeys(p for p in parts if len(p) > 2 and p != lemma))
        if "".join(surface for surface, _ in segments).lower() != lemma:
            return tuple(dict.fromkeys(p for p in parts if len(p) > 2 and p != lemma))
        offset = 0
        for index, (surface, base) in enumerate(segments):
            if index > 0 and not base.startswith("+"):
                for side in (lemma[:offset], lemma[offset:]):
                    known = self._known(side)
                    if known and known != lemma:
                        parts.append(known)
            offset += len(surface)
        first_surface, first_base = segments[0]
        if not first_base and len(first_surface) > 2:
            parts.append(first_surface.lower())  # "+digi+palvel(palvella)": digi
        return tuple(dict.fromkeys(p for p in parts if len(p) > 2 and p != lemma))

    def _known(self, text: str) -> str | None:
        if len(text) < 3:
            return None
        analysis = self._analyse(text)
        return analysis.get("BASEFORM", text).lower().replace("=", "") if analysis else None


def _wordbase_segments(wordbases: str) -> list[tuple[str, str]]:
    """Split "+kokemus(kokemus)+asian(asia)+tunti(tuntea)+ja(+ja)" into (surface, base).

    A base beginning with "+" marks a derivational suffix; an empty base a root Voikko
    gives no base for ("+vertais+tuki(tuki)").
    """
    segments: list[tuple[str, str]] = []
    for match in re.finditer(r"\+([^+(]*)(?:\(([^)]*)\))?", wordbases):
        surface, base = match.group(1), match.group(2) or ""
        if surface:
            segments.append((surface, base))
    return segments


# The handle is shared with the personal-data screen (cafe/domain/voikko.py); the names
# stay module attributes here so a test can pretend Voikko is missing.
_VOIKKO_LOCK = VOIKKO_LOCK
_voikko_handle = voikko_handle


def voikko_available() -> bool:
    """Whether Finnish text can be lemmatised with Voikko in this process."""
    return _voikko_handle()[0] is not None


def choose_lemmatiser(
    language: Language, prefer_voikko: bool = True
) -> tuple[Lemmatiser, str | None]:
    """The lemmatiser for ``language`` and, when Finnish falls back to Snowball, why."""
    if language == "fi" and prefer_voikko:
        handle, reason = _voikko_handle()
        if handle is not None:
            return VoikkoLemmatiser(handle, _VOIKKO_LOCK), None
        return SnowballLemmatiser(language), reason
    if language == "fi":
        return SnowballLemmatiser(language), "Voikko not requested"
    return SnowballLemmatiser(language), None


@dataclass(frozen=True)
class Theme:
    """One suggested group: a proposed title and the 0-based indices of its ideas."""

    title: str
    ideas: tuple[int, ...]


@dataclass(frozen=True)
class ThemeSuggestion:
    """Every idea in exactly one theme, themes ordered by their first idea."""

    themes: tuple[Theme, ...]
    mode: Mode
    #: Why Finnish was stemmed with Snowball instead of Voikko (None otherwise).
    fallback_reason: str | None = None

    def as_json(self) -> dict[str, list[dict[str, object]]]:
        """The ``{"themes": [{"title": ..., "ideas": [...]}, ...]}`` shape of the command."""
        return {"themes": [{"title": t.title, "ideas": list(t.ideas)} for t in self.themes]}


@dataclass(frozen=True)
class _Doc:
    """One idea's features: weighted terms and, for titles, which word each came from."""

    terms: dict[str, float]
    lemmas: tuple[str, ...]
    surfaces: tuple[tuple[str, str], ...]


def _document(text: str, lemmatiser: Lemmatiser, stop: frozenset[str]) -> _Doc:
    terms: dict[str, float] = defaultdict(float)
    lemmas: list[str] = []
    surfaces: list[tuple[str, str]] = []
    # Only Voikko knows word classes; a Snowball stem (or a test's lemmatiser) weighs 1.
    weigh = getattr(lemmatiser, "weight", None)
    for raw in _WORD.findall(unicodedata.normalize("NFC", text).lower()):
        if len(raw) < 2 or raw in stop:
            continue
        lemma, parts = lemmatiser.features(raw)
        if lemma in stop or len(lemma) < 2:
            continue
        factor = weigh(raw) if weigh is not None else 1.0
        terms[lemma] += factor
        lemmas.append(lemma)
        surfaces.append((lemma, raw))
        for part in parts:
            if part not in stop:
                terms[part] += PART_WEIGHT * factor
    return _Doc(dict(terms), tuple(lemmas), tuple(surfaces))


def _vectors(docs: Sequence[_Doc]) -> list[dict[str, float]]:
    """Sublinear TF × smoothed IDF, L2-normalised (empty dict for an idea with no terms)."""
    n = len(docs)
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.terms.keys())
    vectors: list[dict[str, float]] = []
    for doc in docs:
        vec = {
            term: (1.0 + math.log(tf)) * (math.log((1 + n) / (1 + df[term])) + 1.0)
            if tf >= 1
            else tf * (math.log((1 + n) / (1 + df[term])) + 1.0)
            for term, tf in doc.terms.items()
        }
        norm = math.sqrt(sum(w * w for w in vec.values()))
        vectors.append({t: w / norm for t, w in vec.items()} if norm else {})
    return vectors


def _sparse_products(vectors: Sequence[Mapping[Any, float]]) -> list[dict[int, float]]:
    """Dot products between sparse vectors (no self-products), via an inverted index."""
    index: dict[Any, list[tuple[int, float]]] = defaultdict(list)
    for i, vec in enumerate(vectors):
        for key, weight in vec.items():
            index[key].append((i, weight))
    rows: list[dict[int, float]] = [defaultdict(float) for _ in vectors]
    for postings in index.values():
        for a in range(len(postings)):
            i, wi = postings[a]
            for b in range(a + 1, len(postings)):
                j, wj = postings[b]
                rows[i][j] += wi * wj
                rows[j][i] += wi * wj
    return [dict(row) for row in rows]


def _ngram_vectors(docs: Sequence[_Doc], size: int) -> list[dict[str, float]]:
    """Character n-grams of each idea's lemmas ("<asunto>" → "<asu", "asun", ...), weighted
    like the lemmas (sublinear TF × smoothed IDF, unit length)."""
    grams: list[_Doc] = []
    for doc in docs:
        terms: dict[str, float] = defaultdict(float)
        for lemma in doc.lemmas:
            padded = f"<{lemma}>"
            for start in range(len(padded) - size + 1):
                terms[padded[start : start + size]] += 1.0
        grams.append(_Doc(dict(terms), (), ()))
    return _vectors(grams)


def _blend(
    a: Sequence[dict[int, float]], b: Sequence[dict[int, float]], weight: float
) -> list[dict[int, float]]:
    """(1 - weight) × a + weight × b, row by row."""
    out: list[dict[int, float]] = []
    for row_a, row_b in zip(a, b, strict=True):
        keys = set(row_a) | set(row_b)
        out.append({j: (1 - weight) * row_a.get(j, 0.0) + weight * row_b.get(j, 0.0) for j in keys})
    return out


def _nearest(rows: Sequence[dict[int, float]], k: int) -> list[dict[int, float]]:
    """Each idea's ``k`` most similar ideas (ties to the smaller index), made symmetric: a
    link is kept when either end counts the other among its ``k``."""
    kept: list[dict[int, float]] = [{} for _ in rows]
    for i, row in enumerate(rows):
        for negative, j in heapq.nsmallest(k, ((-v, j) for j, v in row.items() if v > 0)):
            kept[i][j] = -negative
            kept[j][i] = -negative
    return kept


def _cosine_rows(vectors: Sequence[dict[str, float]]) -> list[dict[int, float]]:
    """Cosine similarities between ideas (vectors are L2-normalised already)."""
    return _sparse_products(vectors)


def _blend_second_order(
    rows: Sequence[dict[int, float]], weight: float, base: Sequence[dict[int, float]] | None = None
) -> list[dict[int, float]]:
    """(1 - weight) × similarity + weight × cosine of the rows of ``base`` (self counted as 1).

    ``base`` defaults to ``rows``; a sparser one (the nearest neighbours only) is faster and
    keeps weak, noisy links out of the second-order term.
    """
    if weight <= 0:
        return [dict(row) for row in rows]
    full = [{**row, i: 1.0} for i, row in enumerate(base if base is not None else rows)]
    norms = [math.sqrt(sum(v * v for v in row.values())) for row in full]
    unit = [{k: v / norms[i] for k, v in row.items()} for i, row in enumerate(full)]
    # Ideas i and j meet through every neighbour k they have in common.
    second = _sparse_products(unit)
    blended: list[dict[int, float]] = []
    for i in range(len(rows)):
        keys = set(rows[i]) | set(second[i])
        blended.append(
            {j: (1 - weight) * rows[i].get(j, 0.0) + weight * second[i].get(j, 0.0) for j in keys}
        )
    return blended


def _average_linkage(rows: Sequence[dict[int, float]], threshold: float) -> list[list[int]]:
    """Agglomerative clustering, average linkage, stopping below ``threshold``.

    Sums of pairwise similarities are kept per pair of groups, so a merge costs the number
    of groups touching the merged two; a heap with lazy deletion finds the best pair. Ties
    go to the pair whose smallest indices are smallest, so the result never depends on
    dict or heap internals.
    """
    members: dict[int, list[int]] = {i: [i] for i in range(len(rows))}
    links: dict[int, dict[int, float]] = {i: dict(rows[i]) for i in range(len(rows))}
    heap: list[tuple[float, int, int, int, int]] = []

    def push(a: int, b: int, total: float) -> None:
        average = total / (len(members[a]) * len(members[b]))
        if average >= threshold:
            first, second = sorted((a, b), key=lambda c: members[c][0])
            heapq.heappush(heap, (-average, members[first][0], members[second][0], first, second))

    for i, row in links.items():
        for j, total in row.items():
            if i < j:
                push(i, j, total)
    next_id = len(rows)
    while heap:
        _, _, _, a, b = heapq.heappop(heap)
        if a not in members or b not in members:
            continue  # one side already merged: a stale entry
        merged = sorted(members.pop(a) + members.pop(b))
        joined: dict[int, float] = defaultdict(float)
        for side in (a, b):
            for k, total in links.pop(side).items():
                if k not in (a, b):
                    joined[k] += total
        new = next_id
        next_id += 1
        members[new] = merged
        links[new] = dict(joined)
        for k, total in joined.items():
            links[k].pop(a, None)
            links[k].pop(b, None)
            links[k][new] = total
            push(new, k, total)
    return sorted(members.values(), key=lambda group: group[0])


def _attach_singletons(
    groups: list[list[int]], rows: Sequence[dict[int, float]], threshold: float
) -> list[list[int]]:
    """Let each idea left alone join the group it is most similar to, if similar enough."""
    big = [list(g) for g in groups if len(g) > 1]
    alone = [g[0] for g in groups if len(g) == 1]
    if not big:
        return groups
    # Decide against the groups as they were, so the order of the lone ideas does not matter.
    additions: dict[int, list[int]] = defaultdict(list)
    kept: list[list[int]] = []
    for i in alone:
        best, best_score = -1, threshold
        for g, group in enumerate(big):
            score = sum(rows[i].get(j, 0.0) for j in group) / len(group)
            if score >= best_score and (best < 0 or score > best_score):
                best, best_score = g, score
        if best >= 0:
            additions[best].append(i)
        else:
            kept.append([i])
    result = [sorted(group + additions[g]) for g, group in enumerate(big)] + kept
    return sorted(result, key=lambda group: group[0])


def _display(term: str, group: Sequence[int], docs: Sequence[_Doc], mode: Mode) -> str:
    """A term as a reader sees it: the lemma, or in Snowball mode the commonest word."""
    if mode == "voikko":
        return term
    words = Counter(raw for i in group for lemma, raw in docs[i].surfaces if lemma == term)
    if not words:
        return term
    return min(words.items(), key=lambda item: (-item[1], item[0]))[0]


def _title(
    group: Sequence[int],
    vectors: Sequence[dict[str, float]],
    docs: Sequence[_Doc],
    mode: Mode,
    words: int = 2,
) -> str:
    """The group's most central lemmas: highest centroid weight, shared ones first."""
    weight: dict[str, float] = defaultdict(float)
    share: Counter[str] = Counter()
    for i in group:
        for term, w in vectors[i].items():
            weight[term] += w
        share.update(set(vectors[i]))
    if not weight:
        return ""
    shared = len(group) > 1 and any(share[t] > 1 for t in weight)
    ranked = sorted(
        weight,
        key=lambda t: (-(share[t] > 1) if shared else 0, -weight[t], t),
    )
    chosen: list[str] = []
    for term in ranked:
        # Skip a term already said by a chosen one ("asiantuntija" after the compound).
        if any(term in c or c in term for c in chosen):
            continue
        chosen.append(term)
        if len(chosen) == words:
            break
    shown = [_display(t, group, docs, mode) for t in chosen]
    text = ", ".join(shown)
    return text[:1].upper() + text[1:]


def suggest_themes(
    ideas: Sequence[str],
    language: Language = "fi",
    *,
    prefer_voikko: bool = True,
    lemmatiser: Lemmatiser | None = None,
) -> ThemeSuggestion:
    """Group ``ideas`` into suggested themes; every index lands in exactly one theme.

    ``prefer_voikko=False`` forces Snowball for Finnish (tests, comparisons). Ideas with no
    content words (blank lines, only stop words) form a theme of their own with an empty
    title, so the caller still sees every index once.
    """
    if language not in LANGUAGES:
        raise ValueError(f"unsupported language: {language!r}")
    reason: str | None = None
    if lemmatiser is None:
        lemmatiser, reason = choose_lemmatiser(language, prefer_voikko)
    stop = _STOP_WORDS[language]
    docs = [_document(text, lemmatiser, stop) for text in ideas]
    vectors = _vectors(docs)
    content = [i for i, vec in enumerate(vectors) if vec]
    empty = [i for i, vec in enumerate(vectors) if not vec]

    groups: list[list[int]] = []
    if content:
        sub_vectors = [vectors[i] for i in content]
        grams = _ngram_vectors([docs[i] for i in content], NGRAM_SIZE)
        first = _blend(_cosine_rows(sub_vectors), _cosine_rows(grams), NGRAM_WEIGHT)
        rows = _blend_second_order(first, SECOND_ORDER_WEIGHT, _nearest(first, NEIGHBOURS))
        local = _average_linkage(rows, MERGE_THRESHOLD)
        local = _attach_singletons(local, rows, SINGLETON_THRESHOLD)
        groups = [[content[i] for i in group] for group in local]
    themes = [Theme(_title(g, vectors, docs, lemmatiser.mode), tuple(g)) for g in groups]
    if empty:
        themes.append(Theme("", tuple(empty)))
    themes.sort(key=lambda theme: theme.ideas[0])
    return ThemeSuggestion(tuple(themes), lemmatiser.mode, reason)


def adjusted_rand_index(labels_true: Sequence[object], labels_pred: Sequence[object]) -> float:
    """Hubert and Arabie's adjusted Rand index of two labellings of the same items.

    1.0 for identical partitions, about 0 for chance agreement. When both partitions are
    trivial (all in one group, or all apart) the index is undefined; 1.0 is returned, as
    scikit-learn does.
    """
    if len(labels_true) != len(labels_pred):
        raise ValueError("labellings differ in length")
    n = len(labels_true)

    def pairs(count: int) -> int:
        return count * (count - 1) // 2

    contingency = Counter(zip(labels_true, labels_pred, strict=True))
    index = sum(pairs(c) for c in contingency.values())
    rows = sum(pairs(c) for c in Counter(labels_true).values())
    cols = sum(pairs(c) for c in Counter(labels_pred).values())
    total = pairs(n)
    if total == 0:
        return 1.0
    expected = rows * cols / total
    maximum = (rows + cols) / 2
    if maximum == expected:
        return 1.0
    return (index - expected) / (maximum - expected)


def pairwise_scores(
    labels_true: Sequence[object], labels_pred: Sequence[object]
) -> tuple[float, float, float]:
    """Precision, recall and F1 over pairs of items put in the same group."""
    if len(labels_true) != len(labels_pred):
        raise ValueError("labellings differ in length")

    def pairs(count: int) -> int:
        return count * (count - 1) // 2

    both = sum(pairs(c) for c in Counter(zip(labels_true, labels_pred, strict=True)).values())
    true_pairs = sum(pairs(c) for c in Counter(labels_true).values())
    pred_pairs = sum(pairs(c) for c in Counter(labels_pred).values())
    precision = both / pred_pairs if pred_pairs else 1.0
    recall = both / true_pairs if true_pairs else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1
