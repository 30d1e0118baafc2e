"""The labelled posts of the personal-data bench parse (a malformed line fails here).

Only the format is checked: recall and false alarms are the bench's business
(``python -m bench.screen``), not a test's.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.screen import DEV, DEV2, DEV3, DEV4, HOLDOUT, Post, parse_post, read_posts
from cafe.domain.privacy import KINDS


@pytest.mark.parametrize(
    "path", [DEV, DEV2, DEV3, DEV4, HOLDOUT], ids=["dev", "dev2", "dev3", "dev4", "holdout"]
)
def test_labelled_file_parses(path: Path) -> None:
    posts = read_posts(path)
    assert posts
    for post in posts:
        assert post.lang in ("fi", "sv", "en")
        for span in post.gold:
            assert span.kind in KINDS
            words = post.text[span.start : span.end]
            assert words and words == words.strip(), (post.number, words)


def test_dev_set_size_and_mix() -> None:
    posts = read_posts(DEV)
    assert len(posts) >= 150
    dirty = sum(1 for p in posts if p.gold)
    assert 0.35 <= dirty / len(posts) <= 0.65
    assert {p.lang for p in posts} == {"fi", "sv", "en"}
    assert {g.kind for p in posts for g in p.gold} == set(KINDS)


def test_marks_become_spans_of_the_plain_text() -> None:
    post = parse_post("fi\t[[name:Olli Kettunen]] (puh. [[phone:0451123344]]) odotti", 7)
    assert post == Post(7, "fi", "Olli Kettunen (puh. 0451123344) odotti", post.gold)
    assert [(g.kind, post.text[g.start : g.end]) for g in post.gold] == [
        ("name", "Olli Kettunen"),
        ("phone", "0451123344"),
    ]
    spelt = parse_post("fi\tmeili [[email:p.virtanen[at]hotmail.com]] ok")
    assert spelt.text == "meili p.virtanen[at]hotmail.com ok"


@pytest.mark.parametrize(
    "line",
    [
        "no tab here",
        "de\tunknown language",
        "fi\t",
        "fi\t[[nimi:Pekka]] unknown kind",
        "fi\t[[name:Pekka] unbalanced",
        "fi\tPekka]] unbalanced",
        "fi\t[[name: Pekka]] spaces inside the mark",
    ],
)
def test_malformed_lines_refused(line: str) -> None:
    with pytest.raises(ValueError):
        parse_post(line, 3)
