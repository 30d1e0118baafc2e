"""Dot-voting's pure core: the spread rule, the ranking with shared ranks, the voice balance
under the small-group rule, and the chart, one layout drawn as SVG and as PNG."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import replace

import pytest
from PIL import Image

from cafe.domain.diagram import text_width
from cafe.domain.errors import DomainError
from cafe.domain.minutes import (
    Memo,
    memo_form_values,
    memo_from_content,
    memo_from_form,
    memo_markdown,
    memo_markdown_halves,
    memo_parts,
    memo_text,
    memo_to_content,
    memo_with_parts,
)
from cafe.domain.report import (
    PilotReport,
    report_fields,
    report_form_values,
    report_from_content,
    report_from_form,
    report_markdown,
    report_parts,
    report_text,
    report_to_content,
    report_with_parts,
)
from cafe.domain.votes import (
    CHART_WIDTH,
    LABEL_SIZE,
    LABEL_WIDTH,
    MAX_LABEL_LINES,
    Ballot,
    Item,
    Ranked,
    balance,
    chart_layout,
    chart_png,
    chart_svg,
    chart_text,
    count_words,
    ranked_from_content,
    ranked_from_part,
    ranked_part,
    ranked_to_content,
    ranking_lines,
    ranking_markdown,
    ranking_text,
    shown_choice,
    spread_problem,
    tally,
)

SVG = "{http://www.w3.org/2000/svg}"
ITEMS = [Item("theme:1", "Päihteet"), Item("theme:2", "Asuminen"), Item("theme:3", "Työ")]


# --- the spread rule ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("placed", "item", "dots", "problem"),
    [
        ({}, "theme:1", 2, None),
        ({}, "theme:1", 0, None),
        ({}, "theme:1", -1, "negative"),
        ({}, "theme:1", 4, "too-many-on-item"),  # per item 3
        ({"theme:1": 3, "theme:2": 2}, "theme:3", 1, None),  # exactly the 6 dots
        ({"theme:1": 3, "theme:2": 3}, "theme:3", 1, "too-many-dots"),
        ({"theme:1": 3, "theme:2": 3}, "theme:1", 2, None),  # moving dots off an item
        ({"theme:1": 3, "theme:2": 2, "theme:3": 1}, "theme:2", 3, "too-many-dots"),
        ({"theme:1": 3, "theme:2": 2}, "theme:2", 3, None),  # its own 2 dots count once
        ({"theme:1": 2, "theme:2": 2}, "theme:2", 3, None),
    ],
)
def test_spread_problem_names_the_broken_limit(
    placed: dict[str, int], item: str, dots: int, problem: str | None
) -> None:
    assert spread_problem(placed, item, dots, total=6, per_item=3) == problem


def test_a_phone_above_lowered_limits_may_still_take_dots_away() -> None:
    # The facilitator lowered 10 dots / 5 per item to 3 / 1 after this phone voted.
    placed = {"theme:1": 5, "theme:2": 5}
    assert spread_problem(placed, "theme:1", 4, total=3, per_item=1) is None
    assert spread_problem(placed, "theme:1", 0, total=3, per_item=1) is None
    assert spread_problem(placed, "theme:3", 1, total=3, per_item=1) == "too-many-dots"
    assert spread_problem(placed, "theme:1", 6, total=3, per_item=1) == "too-many-on-item"


# --- the ranking -------------------------------------------------------------------------


def ballots(spec: dict[str, dict[str, int]], role: str | None = None) -> list[Ballot]:
    """Ballots from ``{device: {item: dots}}``."""
    return [
        Ballot(device, item, dots, role)
        for device, votes in spec.items()
        for item, dots in votes.items()
    ]


def test_tally_orders_by_dots_and_counts_phones() -> None:
    ranked = tally(ITEMS, ballots({"a": {"theme:2": 3}, "b": {"theme:2": 1, "theme:3": 2}}))
    assert ranked == [
        Ranked("theme:2", "Asuminen", 4, 2, 1),
        Ranked("theme:3", "Työ", 2, 1, 2),
        Ranked("theme:1", "Päihteet", 0, 0, 3),
    ]


def test_equal_dots_share_a_rank_and_keep_the_items_order() -> None:
    items = [Item(f"post:{n}", f"P{n}") for n in range(1, 6)]
    votes = ballots({"a": {"post:4": 2, "post:2": 1, "post:3": 1, "post:5": 1}})
    ranked = tally(items, votes)
    assert [(r.key, r.rank) for r in ranked] == [
        ("post:4", 1),
        ("post:2", 2),
        ("post:3", 2),
        ("post:5", 2),
        ("post:1", 5),
    ]
    assert [r.rank for r in tally(items, [])] == [1, 1, 1, 1, 1]


def test_a_later_ballot_replaces_the_phones_earlier_one() -> None:
    votes = [
        Ballot("a", "theme:1", 3, None),
        Ballot("a", "theme:1", 0, None),  # taken back
        Ballot("a", "theme:2", 1, None),
        Ballot("a", "theme:2", 2, None),
    ]
    ranked = {r.key: r for r in tally(ITEMS, votes)}
    assert (ranked["theme:1"].dots, ranked["theme:1"].voters) == (0, 0)
    assert (ranked["theme:2"].dots, ranked["theme:2"].voters) == (2, 1)
    assert balance(ITEMS, votes).phones == 1
    assert balance(ITEMS, votes[:2]).phones == 0


def test_ballots_for_items_not_listed_count_for_nothing() -> None:
    ranked = tally(ITEMS[:1], ballots({"a": {"theme:9": 5, "theme:1": 1}}))
    assert ranked == [Ranked("theme:1", "Päihteet", 1, 1, 1)]


# --- the voice balance -------------------------------------------------------------------


def role_votes(role: str | None, phones: int, item: str, start: int) -> list[Ballot]:
    return [Ballot(f"{role}-{start + n}", item, 1, role) for n in range(phones)]


def test_balance_ranks_each_role_that_enough_phones_voted_with() -> None:
    votes = [
        *role_votes("client", 3, "theme:1", 0),
        *role_votes("professional", 4, "theme:2", 0),
        *role_votes(None, 3, "theme:3", 0),
    ]
    result = balance(ITEMS, votes, roles=["client", "professional", "expert"])
    assert result.phones == 10
    assert [r.key for r in result.everyone] == ["theme:2", "theme:1", "theme:3"]
    lines = {line.role: line for line in result.roles}
    assert [line.role for line in result.roles] == ["client", "professional", "expert", None]
    client = lines["client"].ranked
    assert client is not None and client[0] == Ranked("theme:1", "Päihteet", 3, 3, 1)
    assert lines["professional"].phones == 4
    # Nobody voted as an expert: shown as zeros, the thing an organizer looks for.
    expert = lines["expert"].ranked
    assert lines["expert"].phones == 0 and expert is not None
    assert all(r.dots == 0 for r in expert)


def test_balance_hides_a_small_role_and_the_next_smallest_with_it() -> None:
    # 3 + 4 + 1: the one phone's dots are the total minus the others', so the 3 go too.
    votes = [
        *role_votes("client", 3, "theme:1", 0),
        *role_votes("professional", 4, "theme:2", 0),
        *role_votes("expert", 1, "theme:3", 0),
    ]
    lines = {line.role: line for line in balance(ITEMS, votes, roles=["client"]).roles}
    assert lines["expert"].ranked is None and lines["expert"].phones is None
    assert lines["client"].ranked is None
    assert lines["professional"].ranked is not None


def test_balance_hides_everything_when_fewer_than_three_phones_voted() -> None:
    votes = [*role_votes("client", 2, "theme:1", 0)]
    result = balance(ITEMS, votes, roles=["client", "professional"])
    assert all(line.ranked is None for line in result.roles)


@pytest.mark.parametrize("sizes", list(itertools.product(range(0, 5), repeat=3)))
def test_no_hidden_group_smaller_than_three_is_recoverable(sizes: tuple[int, ...]) -> None:
    roles = ["a", "b", "c"]
    votes = [
        ballot
        for role, size in zip(roles, sizes, strict=True)
        for ballot in role_votes(role, size, "theme:1", 0)
    ]
    result = balance(ITEMS, votes, roles=roles)
    hidden = [size for line, size in zip(result.roles, sizes, strict=False) if line.ranked is None]
    # The ranking over everyone minus the shown lines is the hidden lines' dots together.
    assert sum(hidden) == 0 or sum(hidden) >= 3 or result.phones < 3


# --- the chart ---------------------------------------------------------------------------


def sample() -> list[Ranked]:
    long = (
        "Asumisen & <toimeentulon> tuki, joka jatkuu niin pitkään että otsikko ei mahdu "
        "kahdelle riville millään, vaan se on katkaistava ja merkittävä kolmella pisteellä"
    )
    items = [Item("theme:1", "Päihteet"), Item("theme:2", long), Item("theme:3", "Työ")]
    return tally(items, ballots({"a": {"theme:2": 3, "theme:1": 1}, "b": {"theme:2": 2}}))


def test_chart_svg_is_well_formed_escaped_and_without_inline_styles() -> None:
    svg = chart_svg(sample(), title="Mikä <tärkeintä> & miksi", dots_word="Pisteet")
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    assert root.find(f"{SVG}title") is not None
    assert root.find(f"{SVG}title").text == "Mikä <tärkeintä> & miksi"  # type: ignore[union-attr]
    desc = root.find(f"{SVG}desc")
    assert (
        desc is not None
        and "1. Asumisen" in (desc.text or "")
        and "Pisteet: 5" in (desc.text or "")
    )
    assert "style" not in svg
    assert "<tärkeintä>" not in svg and "&lt;toimeentulon&gt;" in svg
    assert chart_svg(sample(), title="T", dots_word="D") == chart_svg(
        sample(), title="T", dots_word="D"
    )


def elements(root: ET.Element, name: str) -> list[ET.Element]:
    return [element for element in root.iter() if element.get("class") == name]


def test_long_labels_are_cut_but_every_count_stays() -> None:
    ranked = sample()
    root = ET.fromstring(chart_svg(ranked, title="T", dots_word="Pisteet"))
    rows = elements(root, "chart-row")
    assert len(rows) == 3
    counts = [element.text for element in elements(root, "chart-count")]
    assert counts == ["5", "1", "0"]
    first = [e.text or "" for e in rows[0].iter() if e.get("class") == "chart-label"]
    assert len(first) == MAX_LABEL_LINES and first[-1].endswith("…")
    for label in elements(root, "chart-label"):
        assert text_width(label.text or "", LABEL_SIZE) <= LABEL_WIDTH
    assert int(float(root.get("width") or 0)) == CHART_WIDTH


def test_labels_are_large_enough_for_the_back_of_the_room() -> None:
    # Shown 1,600 px wide, a user unit is a pixel: labels at least 28 px (the board's floor).
    root = ET.fromstring(chart_svg(sample(), title="T", dots_word="D"))
    sizes = [float(e.get("font-size") or 0) for e in root.iter() if e.tag == f"{SVG}text"]
    assert min(sizes) >= 28


def test_bars_are_proportional_and_zero_draws_no_bar() -> None:
    chart = chart_layout(sample(), title="T", dots_word="D")
    assert chart.rows[0].bar == pytest.approx(chart.bar_room)
    assert chart.rows[1].bar == pytest.approx(chart.bar_room / 5)
    assert chart.rows[2].bar == 0
    root = ET.fromstring(chart_svg(sample(), title="T", dots_word="D"))
    assert len(elements(root, "chart-bar")) == 2


def test_an_empty_ranking_still_draws_its_title() -> None:
    root = ET.fromstring(chart_svg([], title="Ei ääniä", dots_word="Pisteet"))
    assert [e.text for e in elements(root, "chart-title")] == ["Ei ääniä"]
    assert elements(root, "chart-row") == []
    assert (
        Image.open(io.BytesIO(chart_png([], title="Ei ääniä", dots_word="P"))).width == CHART_WIDTH
    )


def test_chart_png_draws_the_same_layout() -> None:
    ranked = sample()
    data = chart_png(ranked, title="Äänestys", dots_word="Pisteet")
    image = Image.open(io.BytesIO(data))
    chart = chart_layout(ranked, title="Äänestys", dots_word="Pisteet")
    assert image.format == "PNG"
    assert image.size == (CHART_WIDTH, round(chart.height))
    assert image.text["Title"] == "Äänestys"  # type: ignore[attr-defined]
    assert image.text["Description"] == chart_text(ranked, title="Äänestys", dots_word="Pisteet")  # type: ignore[attr-defined]
    rgb = image.convert("RGB")
    # The first bar's middle is ink, the third row's track is not.
    row = chart.rows[0]
    x = round(chart.bar_x + row.bar / 2)
    y = round(row.y + row.height / 2)
    assert rgb.getpixel((x, y)) == (0x1F, 0x3F, 0x66)
    empty = chart.rows[2]
    assert rgb.getpixel((x, round(empty.y + empty.height / 2))) != (0x1F, 0x3F, 0x66)
    assert chart_png(ranked, title="Äänestys", dots_word="Pisteet") == data


def test_the_rules_and_the_ranking_load_without_pillow() -> None:
    # Every vote and every text export uses them; only a drawn chart pays for Pillow.
    probe = "import sys, cafe.domain.votes\nprint('PIL' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# --- the ranking in the documents --------------------------------------------------------


def test_ranking_lines_count_dots_in_the_documents_language() -> None:
    ranked = tally(ITEMS, ballots({"a": {"theme:2": 1}, "b": {"theme:3": 1}, "c": {"theme:3": 1}}))
    assert ranking_lines(ranked, "fi") == [
        "1. Työ – 2 pistettä",
        "2. Asuminen – 1 piste",
        "3. Päihteet – 0 pistettä",
    ]
    assert ranking_lines(ranked, "sv")[1] == "2. Asuminen – 1 poäng"
    assert ranking_lines(ranked, "en")[0] == "1. Työ – 2 dots"
    assert ranking_lines(ranked, "en")[1] == "2. Asuminen – 1 dot"
    assert count_words(5, "xx") == "5 pistettä"  # an unknown language: Finnish


def test_ranking_markdown_keeps_equal_ranks_and_escapes_labels() -> None:
    items = [Item("theme:1", "*Tähti* [linkki](x)"), Item("theme:2", "# Otsikko")]
    ranked = tally(items, ballots({"a": {"theme:1": 1, "theme:2": 1}}))
    md = ranking_markdown(ranked, heading="Äänestyksen tulos", language="fi")
    assert md == (
        "**Äänestyksen tulos:**  \n"
        "1\\. \\*Tähti\\* \\[linkki\\](x) – 1 piste  \n"
        "1\\. # Otsikko – 1 piste"
    )
    text = ranking_text(ranked, heading="Äänestyksen tulos", language="fi")
    assert text == "Äänestyksen tulos:\n1. *Tähti* [linkki](x) – 1 piste\n1. # Otsikko – 1 piste"


def test_a_ranking_survives_storage_and_the_parts_it_is_merged_as() -> None:
    ranked = tuple(sample())
    assert ranked_from_content(ranked_to_content(ranked)) == ranked
    assert ranked_from_part(ranked_part(ranked)) == ranked
    assert ranked_from_part(()) == ()


@pytest.mark.parametrize(
    ("raw", "default", "kept"),
    [(None, True, True), (None, False, False), ("keep", False, True), ("drop", True, False)],
)
def test_the_organizer_keeps_or_drops_the_ranking(
    raw: str | None, default: bool, kept: bool
) -> None:
    assert shown_choice(raw, default) is kept


@pytest.mark.parametrize("raw", ["", "yes", 1, True, ["keep"]])
def test_any_other_choice_is_refused(raw: object) -> None:
    with pytest.raises(DomainError) as refused:
        shown_choice(raw, True)
    assert refused.value.code == "bad_request"


# --- the memo's and the report's ranking -------------------------------------------------


def voted_memo(**changes: object) -> Memo:
    base: dict[str, object] = {
        "language": "fi",
        "date": dt.date(2017, 10, 31),
        "topic": "Yhdessä",
        "themes": (("Päihteet", "Teksti."), ("Työ", "")),
        "theme_keys": ("1", "3"),
        "votes": tuple(sample()),
        "next_date": dt.date(2017, 11, 28),
    }
    base.update(changes)
    return Memo(**base)  # type: ignore[arg-type]


def test_the_memo_prints_its_ranking_after_the_themes_unless_dropped() -> None:
    memo = voted_memo()
    md = memo_markdown(memo)
    assert md.index("**Työ.**") < md.index("**Äänestyksen tulos:**") < md.index("Seuraava")
    head, tail = memo_markdown_halves(memo)
    assert head.endswith("0 pistettä") and tail.startswith("Seuraava Cafe Social")
    assert "Äänestyksen tulos:\n1. Asumisen" in memo_text(memo)
    dropped = replace(memo, votes_shown=False)
    assert "Äänestyksen" not in memo_markdown(dropped) + memo_text(dropped)
    assert memo_markdown(replace(memo, votes=())) == memo_markdown(dropped)
    assert "Result of the vote:" in memo_markdown(replace(memo, language="en"))


def test_the_memos_ranking_is_a_part_kept_through_storage_and_forms() -> None:
    memo = voted_memo()
    assert memo_from_content(memo_to_content(memo)) == memo
    # A memo without a vote stores exactly what it stored before votes existed.
    assert "votes" not in memo_to_content(replace(memo, votes=()))
    parts = memo_parts(memo)
    assert list(parts) == ["intro", "theme:1", "theme:3", "votes"]
    assert memo_with_parts(memo, parts) == memo
    assert memo_with_parts(memo, {k: v for k, v in parts.items() if k != "votes"}).votes == ()
    values = memo_form_values(memo)
    assert values["votes"] == "keep"
    assert memo_from_form({**values, "votes": "drop"}, memo) == replace(memo, votes_shown=False)
    assert "votes" not in memo_form_values(replace(memo, votes=()))


def test_the_report_prints_the_ranked_proposals_at_the_end_of_its_results() -> None:
    report = PilotReport(
        title="Pilotti", results="Tulokset.", caption="Kuva", votes=tuple(sample())
    )
    md = report_markdown(report)
    assert md.index("Tulokset.") < md.index("**Kehittämisehdotukset äänestyksen mukaan:**")
    assert md.index("Kehittämisehdotukset") < md.index("Kuva")
    assert "Kehittämisehdotukset äänestyksen mukaan:\n1. Asumisen" in report_text(report)
    assert report_from_content(report_to_content(report)) == report
    assert "votes" not in report_to_content(replace(report, votes=()))
    assert report_with_parts(report, report_parts(report)) == report
    values = report_form_values(report)
    dropped = report_from_form({**values, "votes": "drop"}, like=report)
    assert dropped == replace(report, votes_shown=False)
    assert "Kehittämisehdotukset" not in report_markdown(dropped)
    assert report_fields({**values, "votes": "drop"})["votes"] == "drop"
