"""Recall, false alarms and speed of the personal-data screen on labelled posts.

Each data file holds one post per line, ``lang<TAB>text``, with the personal data marked
inline as ``[[kind:the words]]`` (kind: hetu, phone, email, iban, address, name); lines
starting with ``#`` and blank lines are skipped. By default it scores the tuning sets
``bench/data/pii_dev.txt`` … ``pii_dev4.txt`` (dev2–dev4 are the first three blind sets:
scored once, then looked at, so now tuning data), and, when present, the held-out
``bench/data/pii_holdout.txt`` (written blind by someone else and never used for tuning).
``--data FILE`` (repeatable) scores only the files given: pass it while tuning, so that the
holdout stays unseen.

Printed per file: line recall (a line with personal data is caught when every marked span
is overlapped by some finding), span recall per kind, the false-alarm rate on clean lines
(any finding at all), spurious findings on lines with personal data (findings overlapping no
marked span), and the name engine; then the speed over 1,000 posts (the files' posts
cycled) on one core, with fresh caches and again with warm ones.

    .venv/bin/python -m bench.screen [--engine voikko|lexicon] [--show-misses] [--data FILE]
"""

from __future__ import annotations

import argparse
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import cast

from cafe.domain import privacy
from cafe.domain.privacy import KINDS, Finding, Kind, NameEngine, name_engine, screen

DATA_DIR = Path(__file__).resolve().parent / "data"
DEV = DATA_DIR / "pii_dev.txt"
#: The first blind set; its misses were studied, so it is tuning data now.
DEV2 = DATA_DIR / "pii_dev2.txt"
#: The second blind set; its misses were studied in the third round, so it is tuning data now.
DEV3 = DATA_DIR / "pii_dev3.txt"
DEV4 = DATA_DIR / "pii_dev4.txt"
#: Written blind by another engineer; never read while tuning the screen.
HOLDOUT = DATA_DIR / "pii_holdout.txt"
LANGUAGES = ("fi", "sv", "en")
SPEED_POSTS = 1000

_MARK = re.compile(r"\[\[([a-z]+):(.+?)\]\]")


@dataclass(frozen=True)
class Post:
    """One labelled post: its language, plain text and the marked spans."""

    number: int  # line number in the file
    lang: str
    text: str
    gold: tuple[Finding, ...]


def parse_post(line: str, number: int = 0) -> Post:
    """One ``lang<TAB>text`` line with ``[[kind:words]]`` marks; ``ValueError`` if malformed."""
    if "\t" not in line:
        raise ValueError(f"line {number}: expected lang<TAB>text")
    lang, marked = line.split("\t", 1)
    if lang not in LANGUAGES:
        raise ValueError(f"line {number}: unknown language {lang!r}")
    if not marked.strip():
        raise ValueError(f"line {number}: empty text")
    parts: list[str] = []
    gold: list[Finding] = []
    position = length = 0
    for m in _MARK.finditer(marked):
        plain = marked[position : m.start()]
        parts.append(plain)
        length += len(plain)
        kind, words = m.group(1), m.group(2)
        if kind not in KINDS:
            raise ValueError(f"line {number}: unknown kind {kind!r}")
        if words != words.strip():
            raise ValueError(f"line {number}: spaces at the ends of [[{kind}:{words}]]")
        gold.append(Finding(cast(Kind, kind), length, length + len(words)))
        parts.append(words)
        length += len(words)
        position = m.end()
    rest = marked[position:]
    if "[[" in rest or "]]" in rest or any("[[" in p or "]]" in p for p in parts):
        raise ValueError(f"line {number}: unbalanced or malformed [[kind:words]] mark")
    parts.append(rest)
    return Post(number, lang, "".join(parts), tuple(gold))


def read_posts(path: Path) -> list[Post]:
    """Every post of a labelled file (see :func:`parse_post`)."""
    posts = []
    for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
        if not line.strip() or line.startswith("#"):
            continue
        posts.append(parse_post(line, number))
    return posts


def _overlaps(a: Finding, b: Finding) -> bool:
    return a.start < b.end and b.start < a.end


@dataclass
class Scores:
    """The figures for one file."""

    dirty: int = 0
    caught: int = 0
    clean: int = 0
    alarms: int = 0
    spurious: int = 0
    wrong_kind: int = 0

    def __post_init__(self) -> None:
        self.spans: dict[str, list[int]] = {kind: [0, 0] for kind in KINDS}  # found, total


def score(posts: list[Post], engine: NameEngine, misses: list[str] | None = None) -> Scores:
    """Screen every post and compare with its marks; misses and false alarms go to ``misses``."""
    scores = Scores()
    for post in posts:
        found = screen(post.text, post.lang, engine=engine)
        if not post.gold:
            scores.clean += 1
            if found:
                scores.alarms += 1
                if misses is not None:
                    misses.append(_describe("false alarm", post, found))
            continue
        scores.dirty += 1
        all_caught = True
        for span in post.gold:
            hit = [f for f in found if _overlaps(f, span)]
            scores.spans[span.kind][1] += 1
            if hit:
                scores.spans[span.kind][0] += 1
                if all(f.kind != span.kind for f in hit):
                    scores.wrong_kind += 1
            else:
                all_caught = False
        spurious = [f for f in found if not any(_overlaps(f, g) for g in post.gold)]
        scores.spurious += len(spurious)
        if all_caught:
            scores.caught += 1
        if misses is not None and (not all_caught or spurious):
            label = "missed" if not all_caught else "spurious"
            misses.append(_describe(label, post, found))
    return scores


def _describe(label: str, post: Post, found: list[Finding]) -> str:
    gold = ", ".join(f"{g.kind}:{post.text[g.start : g.end]!r}" for g in post.gold) or "-"
    got = ", ".join(f"{f.kind}:{post.text[f.start : f.end]!r}" for f in found) or "-"
    return (
        f"  {label} (line {post.number}, {post.lang}): {post.text}\n"
        f"    marked {gold}\n    found  {got}"
    )


def _percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.1f} %" if whole else "-"


def report(path: Path, posts: list[Post], engine: NameEngine, show_misses: bool) -> None:
    """Print the figures for one file."""
    misses: list[str] = []
    s = score(posts, engine, misses if show_misses else None)
    print(f"{path.name}: {len(posts)} posts ({s.dirty} with personal data, {s.clean} clean)")
    print(f"  line recall          {_percent(s.caught, s.dirty)} ({s.caught}/{s.dirty})")
    per_kind = "  ".join(
        f"{kind} {_percent(found, total)} ({found}/{total})"
        for kind, (found, total) in s.spans.items()
        if total
    )
    print(f"  span recall          {per_kind}")
    print(f"  false alarms (clean) {_percent(s.alarms, s.clean)} ({s.alarms}/{s.clean})")
    print(
        f"  spurious findings    {s.spurious} on {s.dirty} lines with personal data;"
        f" {s.wrong_kind} spans found as another kind"
    )
    for line in misses:
        print(line)


def _reset_caches() -> None:
    """Forget every cached word analysis, as in a fresh process."""
    privacy._CLASSIFIERS.clear()
    privacy.finnish_bases.cache_clear()


def speed(posts: list[Post], engine: NameEngine) -> tuple[float, float]:
    """Posts per second over at least 1,000 posts: with fresh caches, then warm ones."""
    texts = [(p.text, p.lang) for p in posts]
    batch = (texts * (SPEED_POSTS // len(texts) + 1))[: max(SPEED_POSTS, len(texts))]
    _reset_caches()
    privacy._lexicon()  # read the word lists outside the timing (done once per process)
    rates = []
    for _ in range(2):
        began = time.perf_counter()
        for text, lang in batch:
            screen(text, lang, engine=engine)
        rates.append(len(batch) / (time.perf_counter() - began))
    return rates[0], rates[1]


def main(argv: list[str] | None = None) -> None:
    """Score the labelled files and time the screen."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--engine", choices=["voikko", "lexicon"], help="name engine")
    parser.add_argument("--show-misses", action="store_true", help="list misses and alarms")
    parser.add_argument("--data", type=Path, action="append", help="labelled file (repeatable)")
    args = parser.parse_args(argv)
    engine: NameEngine = args.engine or name_engine()
    if engine == "voikko" and name_engine() != "voikko":
        raise SystemExit("Voikko is not installed (bash scripts/ensure-voikko)")
    paths = args.data or [p for p in (DEV, DEV2, DEV3, DEV4, HOLDOUT) if p.exists()]
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})  # one core
    print(f"name engine: {engine}")
    everything: list[Post] = []
    for path in paths:
        posts = read_posts(path)
        everything += posts
        report(path, posts, engine, args.show_misses)
    cold, warm = speed(everything, engine)
    print(
        f"speed (one core, {max(SPEED_POSTS, len(everything))} posts):"
        f" {cold:,.0f} posts/s with fresh caches, {warm:,.0f} posts/s warm"
    )


if __name__ == "__main__":
    main()
