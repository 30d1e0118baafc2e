"""Suggested theme groupings of core ideas (pure core: no Flask, no database).

The pipeline, for a list of short texts in one language (and, optionally, the event's
topic):

1. **Words**: runs of letters (hyphens and digits split words), lowercased, NFC.
2. **Lemmas**: Finnish through Voikko when its library and dictionary are installed (the
   BASEFORM of the reading with the fewest roots, so "luukulta" is luukku and not luu +
   kulta, plus the parts of compounds found from WORDBASES, so "kokemusasiantuntijoiden"
   gives kokemusasiantuntija + kokemus + asiantuntija). Without Voikko, and always for
   Swedish and English, the Snowball stemmer of the language; the result says which
   (``mode``) and why.
3. **Stop words** of the language are dropped (checked on the word and on its lemma), and
   so are the topic's lemmas: every idea is about the topic, so its words group nothing.
4. **Features**: lemmas weigh 1, compound parts 0.5, both scaled by the word class with
   Voikko (nouns 1, adjectives 0.7, verbs 0.5, adverbs 0.3); for Finnish, each related-word
   group of social work a lemma or part belongs to (``data/themes_concepts_fi.txt``:
   "vanhus", "ikäihminen" and "eläkeläinen" are all *ikääntyminen*) weighs
   ``CONCEPT_WEIGHT``. A term in more than ``FREQUENT_SHARE`` of the ideas is left out
   (the topic's words when no topic is given: "nuori" in every idea would otherwise hold
   unrelated ideas in one catch-all group). Sublinear TF × smoothed IDF, unit length.
   Separately, the character 4-grams of the lemmas, weighted the same way.
5. **Similarity**: the mean of the term cosine and the 4-gram cosine (the 4-grams join
   forms the lemmatiser keeps apart), then blended with the cosine of the ideas' rows of
   nearest neighbours ("second order": two ideas are close when they are close to the same
   other ideas), which helps texts of five words that share no lemma with each other.
6. **Grouping**: average-linkage agglomerative clustering, merging while the best pair of
   groups is at least ``MERGE_THRESHOLD`` similar; then each idea left alone joins the group
   it is most similar to on average when that is at least ``SINGLETON_THRESHOLD``.
7. **Titles**: the group's strongest word in its base form, capitalised — a noun first,
   then a word several ideas share (one of the group's strongest related-word group
   counting as shared once more), then the highest weight in the group's centroid — and a
   second word joined in the event's language when it is as widely shared and nearly as
   strong: "Päihde ja alkoholi", "Bostadslösa och bostäder". In Snowball mode a stem is
   shown as the group's commonest word with that stem that does not look like a Finnish
   case form ("luukulta", "Kelan"); the same check keeps out words Voikko does not know.

Everything is deterministic: no randomness, ties broken by index and then alphabetically,
no result depending on the order of a set. The merge and singleton thresholds were tuned on
``tests/data/themes_small_fi.tsv``; the concept weight, the frequent-term share and the
related-word groups on the tuning sets in ``bench/data`` (``themes_fi.tsv``,
``themes_fi_dev2.tsv``); ``themes_fi_holdout.tsv`` is scored once after tuning. See
``bench/themes_quality.py`` and ``bench/README.md``.
"""

from __future__ import annotations

import heapq
import math
import re
import threading
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
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
#: A title names a second word when its weight in the group is at least this share of the
#: first's (and it is shared as widely); otherwise one word is clearer than a weak pair.
SECOND_TITLE_SHARE = 0.6
#: A term in more than this share of the ideas is left out (see ``_frequent_terms``).
FREQUENT_SHARE = 0.25
#: ... from this many ideas on (in a handful, one theme's word can be in half of them).
FREQUENT_MIN_IDEAS = 12
#: Weight of a compound part relative to the whole lemma.
PART_WEIGHT = 0.5
#: Weight of a related-word group (``data/themes_concepts_fi.txt``) relative to a lemma.
CONCEPT_WEIGHT = 1.5
#: A concept word matches the end of a longer lemma from this many letters on.
CONCEPT_SUFFIX_MIN = 5
CONCEPTS_PATH = Path(__file__).resolve().parent / "data" / "themes_concepts_fi.txt"
#: Snowball stems closer than this many first letters are never taken for one word.
_STEM_PREFIX = 4
#: Prefix of concept features, which no lemma (letters only) can begin with.
CONCEPT_MARK = "@"

_WORD = re.compile(r"[^\W\d_]+")
#: Between two words, the end of a sentence (the next word's capital is no name's).
_SENTENCE_END = re.compile(r"[.!?:;\n]")

#: Title kinds of a lemma, best first: a noun (or a word Voikko knows no class for), an
#: adjective, anything else (verbs, adverbs), an unknown word that looks inflected.
_TITLE_NOUN, _TITLE_ADJECTIVE, _TITLE_OTHER, _TITLE_INFLECTED = 0, 1, 2, 3
_NOUN_CLASSES = frozenset(
    {"nimisana", "nimisana_laatusana", "nimi", "etunimi", "sukunimi", "paikannimi", "lyhenne"}
)
#: Finnish case endings: a word ending so is rarely its own base form ("luukulta",
#: "kunnassa", "Kelasta"). Used to keep such forms out of titles when no lemmatiser gave
#: the base form (Snowball, or a word Voikko does not know).
_FI_CASE_ENDINGS = tuple(
    """
    ssa ssä sta stä lla llä lta ltä lle ksi tta ttä iden itten ille ihin ineen jen ien
    an än en on ön un yn hin iin seen aan ään oon öön uun yyn na nä ita itä aa ää ua yä oa öä
    """.split()
)
#: Base forms ending like a case form: "-nen" (ihminen), "-in" (puhelin), "-ton" (asunnoton).
_FI_BASE_ENDINGS = ("nen", "in", "ton", "tön")
#: "X and Y" in titles, by the event's language.
_AND: dict[Language, str] = {"fi": "ja", "sv": "och", "en": "and"}

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
        mä sä niinku tosiaan jopa edes enää heti nopeasti vaan oikeasti moni
        pitäis tarvittais vois sais tulis kannattais muuta muuhun voi voisi voidaan
        voivat pitäisi täytyy tulee tulisi saa saisi saadaan tekee tehdään menee pääse
        tarvitaan tarvitse tarvii päästä
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

    def title_kind(self, word: str) -> int:
        """How well the word's lemma reads as a title (after ``features``): nouns best,
        a word Voikko does not know only when it does not look inflected."""
        if word not in self._classes:
            return _TITLE_INFLECTED if looks_inflected(word, "fi") else _TITLE_NOUN
        word_class = self._classes[word]
        if word_class in _NOUN_CLASSES or not word_class:
            return _TITLE_NOUN
        return _TITLE_ADJECTIVE if word_class == "laatusana" else _TITLE_OTHER

    def _analyse(self, word: str) -> dict[str, str] | None:
        with self._lock:
            analyses: list[dict[str, str]] = self._voikko.analyze(word)
        if not analyses:
            return None
        # The base form of the reading with the fewest roots: "luukulta" is luukku's
        # ablative far more often than a compound of luu + kulta (Voikko lists the
        # compound first). Of the readings with that base form the first is kept, since it
        # carries the compound's parts ("+vertais+tuki(tuki)", not "+vertaistuki(...)").
        fewest = min(analyses, key=_root_count)
        return next(a for a in analyses if a.get("BASEFORM") == fewest.get("BASEFORM"))

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


def _root_count(analysis: Mapping[str, str]) -> int:
    """How many roots (not derivational suffixes) an analysis's WORDBASES has."""
    return sum(
        1
        for _, base in _wordbase_segments(analysis.get("WORDBASES", ""))
        if not base.startswith("+")
    )


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
    #: What a lemma can be in a title (``_TITLE_NOUN`` best); absent: a noun or unknown.
    kinds: Mapping[str, int] = field(default_factory=dict)
    #: Lemmas written with a capital inside a sentence (names: "Kela", "Ohjaamo").
    proper: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Concepts:
    """Groups of related words (``data/themes_concepts_fi.txt``): each word (a base form, or
    Snowball's stem of one) and prefix mapped to the names of the groups it belongs to."""

    words: Mapping[str, tuple[str, ...]]
    #: Words that match a whole lemma only, never a compound part or a lemma's end.
    lemma_only: Mapping[str, tuple[str, ...]]
    prefixes: tuple[tuple[str, tuple[str, ...]], ...]
    #: Snowball: also words whose stem is close (``stems_close``), by their first letters.
    fuzzy: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def of(self, term: str, whole: bool = True) -> tuple[str, ...]:
        """The groups of a lemma (``whole``) or of a compound part."""
        found: list[str] = list(self.words.get(term, ()))
        if whole:
            found.extend(self.lemma_only.get(term, ()))
        for word in self.fuzzy.get(term[:_STEM_PREFIX], ()):
            if word != term and stems_close(word, term):
                found.extend(self.words.get(word, ()))
        # The head of a Finnish compound is its last part: "nettikasino" is a "kasino".
        for start in range(1, len(term) - CONCEPT_SUFFIX_MIN + 1):
            found.extend(self.words.get(term[start:], ()))
        for prefix, names in self.prefixes:
            if term.startswith(prefix):
                found.extend(names)
        return tuple(dict.fromkeys(found))


def parse_concepts(text: str, stem: Any = None) -> Concepts:
    """Read ``name: word =word prefix* ...`` lines (``#`` starts a comment); with ``stem``
    (Snowball's, when lemmas are not base forms) each word is also keyed by its stem. A
    word must be letters only (hyphens split words before they are looked up)."""
    tables: dict[str, dict[str, list[str]]] = {
        "words": defaultdict(list),
        "lemma_only": defaultdict(list),
        "prefixes": defaultdict(list),
    }
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        name, colon, rest = line.partition(":")
        if not colon or not name.strip():
            raise ValueError(f"line {number}: expected 'name: words'")
        for entry in rest.lower().split():
            table = (
                "prefixes" if entry.endswith("*") else "lemma_only" if entry[0] == "=" else "words"
            )
            word = entry.strip("=*")
            if not word.isalpha():
                raise ValueError(f"line {number}: {entry!r} is not a word")
            keys = {word}
            if stem is not None and table != "prefixes":
                # Both: the stem of an inflected form, and the word itself when it is
                # written in its base form (stems of one word's forms differ).
                keys.add(str(stem(word)))
            for key in sorted(keys):
                tables[table][key].append(name.strip())
    words, lemma_only, prefixes = (
        {k: tuple(dict.fromkeys(v)) for k, v in tables[t].items()}
        for t in ("words", "lemma_only", "prefixes")
    )
    fuzzy: dict[str, list[str]] = defaultdict(list)
    if stem is not None:
        for word in sorted(words):
            if len(word) >= _STEM_PREFIX:
                fuzzy[word[:_STEM_PREFIX]].append(word)
    return Concepts(
        words,
        lemma_only,
        tuple(sorted(prefixes.items())),
        {k: tuple(v) for k, v in fuzzy.items()},
    )


def stems_close(a: str, b: str) -> bool:
    """Whether two Snowball stems are likely forms of one word: they agree up to the last
    two letters of the shorter, and on at least four ("vanhus"/"vanhuks", "nuore"/"nuort",
    "ikäihmin"/"ikäihmist"). Finnish stems of one word differ at the end (consonant
    gradation, case vowels), which Snowball does not undo."""
    common = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        common += 1
    return common >= max(_STEM_PREFIX, min(len(a), len(b)) - 2)


@cache
def _concepts(language: Language, mode: Mode) -> Concepts | None:
    """The related-word groups for a language and lemmatiser (Finnish only so far)."""
    if language != "fi":
        return None
    text = CONCEPTS_PATH.read_text("utf-8")
    if mode == "voikko":
        return parse_concepts(text)
    import snowballstemmer

    stemmer: Any = snowballstemmer.stemmer("finnish")
    return parse_concepts(text, stemmer.stemWord)


def _document(
    text: str,
    lemmatiser: Lemmatiser,
    stop: frozenset[str],
    *,
    topic: frozenset[str] = frozenset(),
    concepts: Concepts | None = None,
) -> _Doc:
    terms: dict[str, float] = defaultdict(float)
    lemmas: list[str] = []
    surfaces: list[tuple[str, str]] = []
    kinds: dict[str, int] = {}
    proper: set[str] = set()
    # Only Voikko knows word classes; a Snowball stem (or a test's lemmatiser) weighs 1.
    weigh = getattr(lemmatiser, "weight", None)
    kind_of = getattr(lemmatiser, "title_kind", None)
    normal = unicodedata.normalize("NFC", text)
    previous_end = 0
    for match in _WORD.finditer(normal):
        written = match.group()
        raw = written.lower()
        # A capital after the idea's start or a sentence's end says nothing; elsewhere it
        # marks a name ("Kela", "Ohjaamo"), which a title keeps capitalised.
        gap = normal[previous_end : match.start()]
        capital_inside = (
            written[:1].isupper() and previous_end > 0 and not _SENTENCE_END.search(gap)
        )
        previous_end = match.end()
        if len(raw) < 2 or raw in stop:
            continue
        lemma, parts = lemmatiser.features(raw)
        if lemma in stop or len(lemma) < 2 or _in_topic(lemma, topic, lemmatiser.mode):
            continue
        factor = weigh(raw) if weigh is not None else 1.0
        terms[lemma] += factor
        lemmas.append(lemma)
        surfaces.append((lemma, raw))
        if kind_of is not None:
            kinds[lemma] = min(kinds.get(lemma, _TITLE_OTHER), kind_of(raw))
        if capital_inside:
            proper.add(lemma)
        for part in parts:
            if part not in stop and not _in_topic(part, topic, lemmatiser.mode):
                terms[part] += PART_WEIGHT * factor
        if concepts is not None:
            names: dict[str, None] = {}
            names.update(dict.fromkeys(concepts.of(lemma)))
            if lemmatiser.mode == "snowball":
                names.update(dict.fromkeys(concepts.of(raw)))
            for part in parts:
                names.update(dict.fromkeys(concepts.of(part, whole=False)))
            for name in names:
                terms[CONCEPT_MARK + name] += CONCEPT_WEIGHT * factor
    return _Doc(dict(terms), tuple(lemmas), tuple(surfaces), kinds, frozenset(proper))


def _frequent_terms(docs: Sequence[_Doc]) -> frozenset[str]:
    """Terms in more than ``FREQUENT_SHARE`` of the ideas (from ``FREQUENT_MIN_IDEAS`` on).

    Such a word is the topic's or the event's own ("nuori", "asiakas"): it says what all
    the ideas are about, not which of them belong together, and alone it would hold
    unrelated ideas in one catch-all group.
    """
    if len(docs) < FREQUENT_MIN_IDEAS:
        return frozenset()
    df: Counter[str] = Counter()
    for doc in docs:
        df.update(doc.terms.keys())
    limit = FREQUENT_SHARE * len(docs)
    return frozenset(term for term, count in df.items() if count > limit)


def _vectors(docs: Sequence[_Doc], drop: frozenset[str] = frozenset()) -> list[dict[str, float]]:
    """Sublinear TF × smoothed IDF, L2-normalised (empty dict for an idea with no terms);
    terms in ``drop`` are left out."""
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
            if term not in drop
        }
        norm = math.sqrt(sum(w * w for w in vec.values()))
        vectors.append({t: w / norm for t, w in vec.items()} if norm else {})
    return vectors


def _sparse_products(vectors: Sequence[Mapping[Any, float]]) -> list[dict[int, float]]:
    """Dot products between sparse vectors (no self-products), via an inverted index.

    Each pair is summed once, in its smaller index's row (postings are in index order),
    then mirrored: half the dictionary updates of filling both rows as we go, which is most
    of the time for 500 ideas.
    """
    index: dict[Any, list[tuple[int, float]]] = defaultdict(list)
    for i, vec in enumerate(vectors):
        for key, weight in vec.items():
            index[key].append((i, weight))
    upper: list[dict[int, float]] = [defaultdict(float) for _ in vectors]
    for postings in index.values():
        for a in range(len(postings) - 1):
            i, wi = postings[a]
            row = upper[i]
            for j, wj in postings[a + 1 :]:
                row[j] += wi * wj
    rows: list[dict[int, float]] = [{} for _ in vectors]
    for i, row in enumerate(upper):
        for j, total in sorted(row.items()):
            rows[i][j] = total
            rows[j][i] = total
    return rows


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
        members_a, members_b = members[a], members[b]
        average = total / (len(members_a) * len(members_b))
        if average >= threshold:
            # The group with the smaller first index goes first (groups never share one).
            if members_a[0] < members_b[0]:
                heapq.heappush(heap, (-average, members_a[0], members_b[0], a, b))
            else:
                heapq.heappush(heap, (-average, members_b[0], members_a[0], b, a))

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


def looks_inflected(word: str, language: Language) -> bool:
    """Whether a Finnish word looks like a case form rather than a base form ("luukulta",
    "Kelan"); always False for Swedish and English, whose inflected forms read as words."""
    if language != "fi" or len(word) < 4:
        return False
    case = max((len(e) for e in _FI_CASE_ENDINGS if word.endswith(e)), default=0)
    base = max((len(e) for e in _FI_BASE_ENDINGS if word.endswith(e)), default=0)
    # The longer ending decides: "väliin" is an illative, "puhelin" a base form.
    return case > base


def _display(
    term: str, group: Sequence[int], *, docs: Sequence[_Doc], mode: Mode, language: Language
) -> str | None:
    """A term as a reader sees it: the lemma, or in Snowball mode the group's commonest
    word with that stem that does not look inflected (None when every one does)."""
    proper = any(term in docs[i].proper for i in group)
    if mode == "voikko":
        shown = term
    else:
        words = Counter(
            raw
            for i in group
            for lemma, raw in docs[i].surfaces
            if lemma == term and not looks_inflected(raw, language)
        )
        if not words:
            return None
        shown = min(words.items(), key=lambda item: (-item[1], len(item[0]), item[0]))[0]
    return shown[:1].upper() + shown[1:] if proper else shown


def _related(a: str, b: str) -> bool:
    """Whether two title words say the same ("asiantuntija" in the compound; "hoito" and
    "hoitaa" of one root)."""
    return a in b or b in a or a[:4] == b[:4]


def _title(
    group: Sequence[int],
    vectors: Sequence[dict[str, float]],
    *,
    docs: Sequence[_Doc],
    mode: Mode,
    language: Language,
    concepts: Concepts | None = None,
) -> str:
    """The group's strongest word in its base form, capitalised: nouns first, then the
    words several ideas share (a word of the group's strongest related-word group counting
    as shared once more), then the highest weight in the group's centroid. A second word
    joins it ("Päihde ja hoito") when it is as well shared and nearly as strong."""
    weight: dict[str, float] = defaultdict(float)
    share: Counter[str] = Counter()
    concept_weight: dict[str, float] = defaultdict(float)
    for i in group:
        for term, w in vectors[i].items():
            if term.startswith(CONCEPT_MARK):
                concept_weight[term[len(CONCEPT_MARK) :]] += w
            else:
                weight[term] += w
        share.update(set(vectors[i]))
    if concepts is not None and concept_weight:
        top = max(concept_weight, key=lambda c: (concept_weight[c], c))
        for term in weight:
            if top in concepts.of(term):
                share[term] += 1
    kinds: dict[str, int] = {}
    for i in group:
        for term, kind in docs[i].kinds.items():
            kinds[term] = min(kinds.get(term, _TITLE_OTHER), kind)
    if not weight:
        return ""

    def rank(term: str) -> tuple[int, int, float, str]:
        return (kinds.get(term, _TITLE_NOUN), -min(share[term], 3), -weight[term], term)

    candidates: list[tuple[str, str]] = []
    for term in sorted(weight, key=rank):
        if kinds.get(term, _TITLE_NOUN) == _TITLE_INFLECTED:
            continue
        shown = _display(term, group, docs=docs, mode=mode, language=language)
        if shown is not None:
            candidates.append((term, shown))
    if not candidates:
        # Nothing reads as a base form: the plain strongest term rather than no title.
        best = max(weight, key=lambda t: (weight[t], t))
        return best[:1].upper() + best[1:]
    first, shown = candidates[0]
    title = shown[:1].upper() + shown[1:]
    for term, second in candidates[1:]:
        if _related(first, term):
            continue
        if (
            share[term] >= 2
            and share[term] >= share[first] - 1
            and kinds.get(term, _TITLE_NOUN) <= kinds.get(first, _TITLE_NOUN)
            and weight[term] >= SECOND_TITLE_SHARE * weight[first]
        ):
            title = f"{title} {_AND[language]} {second}"
        break
    return title


def _in_topic(term: str, topic: frozenset[str], mode: Mode) -> bool:
    """Whether a lemma is one of the topic's; a Snowball stem also when it is close to one
    ("nuore" of "nuoren" and "nuort" of the topic's "nuorten")."""
    if not topic:
        return False
    if term in topic:
        return True
    return mode == "snowball" and any(stems_close(term, t) for t in topic)


def _topic_terms(topic: str, lemmatiser: Lemmatiser, stop: frozenset[str]) -> frozenset[str]:
    """The lemmas of the topic's words: every idea is about them, so they group nothing."""
    doc = _document(topic, lemmatiser, stop)
    return frozenset(doc.lemmas)


def suggest_themes(
    ideas: Sequence[str],
    language: Language = "fi",
    *,
    prefer_voikko: bool = True,
    lemmatiser: Lemmatiser | None = None,
    topic: str | None = None,
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
    topic_terms = _topic_terms(topic or "", lemmatiser, stop)
    concepts = _concepts(language, lemmatiser.mode)
    docs = [
        _document(text, lemmatiser, stop, topic=topic_terms, concepts=concepts) for text in ideas
    ]
    vectors = _vectors(docs, _frequent_terms(docs))
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
    themes = [
        Theme(
            _title(
                g,
                vectors,
                docs=docs,
                mode=lemmatiser.mode,
                language=language,
                concepts=concepts,
            ),
            tuple(g),
        )
        for g in groups
    ]
    if empty:
        themes.append(Theme("", tuple(empty)))
    themes.sort(key=lambda theme: theme.ideas[0])
    return ThemeSuggestion(tuple(themes), lemmatiser.mode, reason)


# No request uses this: it measures suggestions against labelled sets, in the domain tests
# (which keep the engine's quality from slipping) and in bench/themes_quality.py.
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
