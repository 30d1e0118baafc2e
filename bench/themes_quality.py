"""Quality and speed of suggested themes on the labelled Finnish sets.

Reads each labelled set (header ``theme<TAB>idea``, optionally after ``# topic: TEXT``; by
default the tuning sets ``bench/data/themes_fi.tsv``, ``bench/data/themes_fi_dev2.tsv`` and
``tests/data/themes_small_fi.tsv``, then the held-out ``bench/data/themes_fi_holdout.tsv``),
groups the ideas with :func:`cafe.domain.themes.suggest_themes` (the set's topic as the
topic) and prints the adjusted Rand index and pairwise precision/recall/F1 against the
labels, the number of themes found and labelled, the lemmatiser mode and the time taken;
then, for the first set, times ``cafe themes suggest`` once as a subprocess, and the engine
on 500 ideas (the set cycled, each copy varied by a suffix word so that no two lines are
identical).

    .venv/bin/python -m bench.themes_quality [--data FILE ...] [--dev] [--lang fi] [--snowball]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from cafe.domain.themes import (
    Language,
    ThemeSuggestion,
    adjusted_rand_index,
    suggest_themes,
)

DATA = Path(__file__).resolve().parent / "data" / "themes_fi.tsv"
#: A second tuning set, on other topics, whose every idea carries the topic's words.
DEV2 = Path(__file__).resolve().parent / "data" / "themes_fi_dev2.tsv"
#: The small set written for the unit tests (also tuned on).
SMALL = Path(__file__).resolve().parent.parent / "tests" / "data" / "themes_small_fi.tsv"
#: Written on different topics before any tuning, and never changed to suit the engine.
HOLDOUT = Path(__file__).resolve().parent / "data" / "themes_fi_holdout.tsv"
#: Words appended to the copies of the 500-idea run; ordinary, so they change the vectors.
VARIATIONS = ("", " nyt", " meillä", " tänään", " kunnassa", " hankkeessa", " yhdessä")


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


def read_labelled(path: Path) -> tuple[list[str], list[str], str | None]:
    """(labels, ideas, topic) from a TSV file with the header ``theme<TAB>idea``.

    Lines beginning with ``#`` before the header are comments; ``# topic: TEXT`` gives the
    event's topic, which the engine may use as stop words (None when the set has none).
    """
    lines = path.read_text("utf-8").splitlines()
    topic: str | None = None
    skip = 0
    while skip < len(lines) and lines[skip].startswith("#"):
        comment = lines[skip][1:].strip()
        if comment.lower().startswith("topic:"):
            topic = comment[len("topic:") :].strip()
        skip += 1
    if len(lines) <= skip or lines[skip].split("\t")[:2] != ["theme", "idea"]:
        raise SystemExit(f"{path}: expected the header 'theme<TAB>idea'")
    labels: list[str] = []
    ideas: list[str] = []
    for number, line in enumerate(lines[skip + 1 :], start=skip + 2):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < 2:
            raise SystemExit(f"{path}:{number}: expected two tab-separated fields")
        labels.append(fields[0])
        ideas.append(fields[1])
    return labels, ideas, topic


def predicted_labels(result: ThemeSuggestion, n: int) -> list[int]:
    """The theme number of each idea, checking every index appears exactly once."""
    labels = [-1] * n
    for number, theme in enumerate(result.themes):
        for i in theme.ideas:
            if labels[i] != -1:
                raise AssertionError(f"idea {i} in two themes")
            labels[i] = number
    if -1 in labels:
        raise AssertionError("an idea in no theme")
    return labels


def score(path: Path, language: Language, snowball: bool, show: bool) -> tuple[float, float]:
    """Group one labelled set, print its figures and return (ARI, pairwise F1)."""
    labels, ideas, topic = read_labelled(path)
    start = time.perf_counter()
    result = suggest_themes(ideas, language, prefer_voikko=not snowball, topic=topic)
    elapsed = time.perf_counter() - start
    predicted = predicted_labels(result, len(ideas))
    ari = adjusted_rand_index(labels, predicted)
    precision, recall, f1 = pairwise_scores(labels, predicted)
    mode = result.mode + (f" ({result.fallback_reason})" if result.fallback_reason else "")
    print(f"data:           {path} ({len(ideas)} ideas, {len(set(labels))} themes)")
    if topic:
        print(f"topic:          {topic}")
    print(f"lemmatiser:     {mode}")
    print(f"themes found:   {len(result.themes)} (labelled {len(set(labels))})")
    print(f"ARI:            {ari:.3f}")
    print(f"pairwise:       precision {precision:.3f}  recall {recall:.3f}  F1 {f1:.3f}")
    print(f"engine time:    {elapsed * 1000:.0f} ms")
    if show:
        for theme in result.themes:
            print(f"  {theme.title or '(no content words)'}")
            for i in theme.ideas:
                print(f"      [{labels[i]}] {ideas[i]}")
    return ari, f1


def timings(path: Path, language: Language, lang: str, snowball: bool) -> None:
    """Time the command once as a subprocess and the engine on 500 ideas from ``path``."""
    labels, ideas, topic = read_labelled(path)
    with tempfile.TemporaryDirectory() as folder:
        file = Path(folder) / "ideas.txt"
        file.write_text("\n".join(ideas) + "\n", "utf-8")
        command = [sys.executable, "-m", "cafe", "themes", "suggest", str(file), "--lang", lang]
        if topic:
            command += ["--topic", topic]
        start = time.perf_counter()
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        print(
            f"command time:   {elapsed * 1000:.0f} ms for `cafe themes suggest` "
            f"(exit {done.returncode}, {done.stderr.strip()})"
        )

    many = [
        ideas[i % len(ideas)] + VARIATIONS[(i // len(ideas)) % len(VARIATIONS)] for i in range(500)
    ]
    start, cpu = time.perf_counter(), time.process_time()
    big = suggest_themes(many, language, prefer_voikko=not snowball, topic=topic)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    many_labels = [labels[i % len(labels)] for i in range(500)]
    big_ari = adjusted_rand_index(many_labels, predicted_labels(big, len(many)))
    print(
        f"500 ideas:      {elapsed * 1000:.0f} ms ({cpu * 1000:.0f} ms CPU), "
        f"{len(big.themes)} themes, ARI {big_ari:.3f} (the set cycled)"
    )


def main() -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--data",
        type=Path,
        action="append",
        help="A labelled set to score (repeatable; default: the tuning sets and the holdout).",
    )
    parser.add_argument(
        "--dev", action="store_true", help="Score the tuning sets only (never the holdout)."
    )
    parser.add_argument("--lang", choices=["fi", "sv", "en"], default="fi")
    parser.add_argument("--snowball", action="store_true", help="Force the Snowball stemmer.")
    parser.add_argument("--show", action="store_true", help="Print the themes found.")
    parser.add_argument("--quick", action="store_true", help="Skip the timings.")
    args = parser.parse_args()
    language: Language = "fi" if args.lang == "fi" else "sv" if args.lang == "sv" else "en"
    paths: list[Path] = args.data or (
        [DATA, DEV2, SMALL] if args.dev else [DATA, DEV2, SMALL, HOLDOUT]
    )
    for number, path in enumerate(paths):
        if number:
            print()
        score(path, language, args.snowball, args.show)
    if not args.quick:
        print()
        timings(paths[0], language, args.lang, args.snowball)


if __name__ == "__main__":
    main()
