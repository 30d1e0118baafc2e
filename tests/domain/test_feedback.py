"""Feedback per role: counts, averages, rating spread and texts, with the three-phone rule."""

from __future__ import annotations

import itertools

import pytest

from cafe.domain.errors import DomainError
from cafe.domain.feedback import (
    Answer,
    RoleFeedback,
    check_answer,
    feedback_summary,
    format_average,
)


def test_roles_show_figures_and_texts_only_from_three_answers() -> None:
    answers = [
        Answer("asiakas", 5, "Tuli kuulluksi."),
        Answer("asiakas", 4, ""),
        Answer("asiakas", 3, "Liian lyhyt."),
        Answer("asiakas", 4, ""),
        Answer("työntekijä", 2, "Tämä tunnistaisi minut"),
        Answer("työntekijä", 1, ""),
        Answer(None, 5, ""),
        Answer(None, 4, "Ei roolia"),
        Answer(None, 3, ""),
    ]
    total, lines = feedback_summary(answers, ["asiakas", "kokemusohjaaja", "työntekijä"])

    assert (total.count, total.shown, total.average) == (9, True, 3.44)
    assert total.ratings == (1, 1, 2, 3, 2)
    assert [line.role for line in lines] == ["asiakas", "kokemusohjaaja", "työntekijä", None]
    client = lines[0]
    assert (client.count, client.shown, client.average) == (4, True, 4.0)
    assert client.texts == ("Tuli kuulluksi.", "Liian lyhyt.")
    # Two workers are too few, and everyone minus the clients would show the two: the
    # smallest shown group, the three without a role, is hidden too ("no role" is a group).
    assert lines[2] == RoleFeedback("työntekijä", None, False, None, (), ())
    assert lines[3] == RoleFeedback(None, None, False, None, (), ())
    # Nobody answered as an experience guide: a zero reveals nobody.
    assert (lines[1].count, lines[1].shown, lines[1].average) == (0, True, None)


def test_everyone_line_follows_the_same_rule_and_unknown_tags_get_a_line() -> None:
    total, lines = feedback_summary([Answer("vanha", 4, "x"), Answer(None, 2, "")], ["asiakas"])
    assert (total.count, total.shown, total.texts) == (2, False, ())
    assert [line.role for line in lines] == ["asiakas", "vanha", None]


@pytest.mark.parametrize("rating", [0, 6, True, "5", None, 4.5])
def test_a_rating_is_a_whole_number_from_one_to_five(rating: object) -> None:
    with pytest.raises(DomainError) as caught:
        check_answer(rating, "")
    assert caught.value.code == "bad_rating"


def test_text_is_optional_cleaned_and_limited() -> None:
    assert check_answer(5, None) == (5, "")
    assert check_answer(1, "  Hyvä\r\nilmapiiri  ") == (1, "Hyvä\nilmapiiri")
    with pytest.raises(DomainError) as caught:
        check_answer(3, "x" * 1001)
    assert caught.value.code == "text_too_long"


# --- no small group by subtraction -------------------------------------------------------

ROLES = ["asiakas", "kokemusohjaaja", "työntekijä"]


def with_contents(answers: list[Answer], order: tuple[int, ...], pool: list[int]) -> list[Answer]:
    """``answers`` with the ratings and texts of the ``pool`` answers handed round in
    ``order``; every answer keeps its role."""
    moved = list(answers)
    for target, source in zip(pool, order, strict=True):
        moved[target] = Answer(answers[target].role, answers[source].rating, answers[source].text)
    return moved


def assert_no_small_group_by_subtraction(answers: list[Answer]) -> None:
    """What the summary shows is the same however the hidden lines' answers are handed
    round among them: no rating, spread or text can be pinned on one hidden role, and
    the hidden roles together are at least three phones."""
    total, lines = feedback_summary(answers, ROLES)
    hidden = {line.role for line in lines if not line.shown}
    pool = [i for i, answer in enumerate(answers) if answer.role in hidden]
    if total.shown:
        assert len(pool) == 0 or len(pool) >= 3
    for line in lines:
        if not line.shown:
            assert line == RoleFeedback(line.role, None, False, None, (), ())
    pool_texts = {answers[i].text for i in pool if answers[i].text}
    shown_texts = {text for line in lines if line.shown for text in line.texts}
    assert not pool_texts & shown_texts
    for order in itertools.permutations(pool):
        assert feedback_summary(with_contents(answers, order, pool), ROLES) == (total, lines)


def test_the_single_answer_of_three_three_one_cannot_be_worked_out() -> None:
    """The issue's case: 7 answers from roles 3 + 3 + 1. Everyone minus the two threes
    used to be the single guide's rating and text; now one three is hidden with it."""
    answers = [
        Answer("asiakas", 5, "Sain puhua."),
        Answer("asiakas", 4, ""),
        Answer("asiakas", 4, "Kahvi loppui."),
        Answer("työntekijä", 3, "Hyvä rytmi."),
        Answer("työntekijä", 2, ""),
        Answer("työntekijä", 4, "Lisää aikaa."),
        Answer("kokemusohjaaja", 1, "Minut ohitettiin."),
    ]
    total, lines = feedback_summary(answers, ROLES)

    assert [(line.role, line.shown) for line in lines] == [
        ("asiakas", False),  # the first of the two smallest shown groups
        ("kokemusohjaaja", False),
        ("työntekijä", True),
        (None, True),
    ]
    assert (total.count, total.average, total.ratings) == (7, 3.29, (1, 1, 1, 3, 1))
    workers = lines[2]
    assert (workers.count, workers.average, workers.texts) == (
        3,
        3.0,
        ("Hyvä rytmi.", "Lisää aikaa."),
    )
    # Everyone minus the shown lines is the four hidden answers together, not the one.
    assert total.average is not None and workers.average is not None
    hidden_sum = total.average * 7 - workers.average * 3
    assert round(hidden_sum) == 5 + 4 + 4 + 1
    # The texts are everyone's, sorted: the order of answering does not point at the last.
    assert total.texts == (
        "Hyvä rytmi.",
        "Kahvi loppui.",
        "Lisää aikaa.",
        "Minut ohitettiin.",
        "Sain puhua.",
    )
    assert not any("Minut ohitettiin." in line.texts for line in lines)
    assert_no_small_group_by_subtraction(answers)
    # The guide rating 1 or 5 gives the same summary: the rating cannot be computed.
    swapped = with_contents(answers, (6, 1, 2, 0), [0, 1, 2, 6])
    assert swapped[6] == Answer("kokemusohjaaja", 5, "Sain puhua.")
    assert feedback_summary(swapped, ROLES) == (total, lines)


@pytest.mark.parametrize(
    ("sizes", "shown"),
    [
        ((3, 1, 1, 0), (False, False, False, True)),  # 2 hidden phones: the three goes too
        ((4, 0, 2, 0), (False, True, False, True)),  # the four goes; everyone still shows
        ((3, 3, 3, 0), (True, True, True, True)),  # nothing to hide
        ((3, 0, 4, 1), (False, True, True, False)),  # "no role" is a small group too
        ((0, 0, 1, 1), (False, False, False, False)),  # two answers in all: every line hides
    ],
)
def test_small_groups_are_hidden_together_with_the_next_smallest(
    sizes: tuple[int, ...], shown: tuple[bool, ...]
) -> None:
    ratings = itertools.cycle([5, 1, 4, 2, 3, 3])
    answers = [
        Answer(role, next(ratings), f"{role} {n}")
        for role, size in zip([*ROLES, None], sizes, strict=True)
        for n in range(size)
    ]
    total, lines = feedback_summary(answers, ROLES)
    assert tuple(line.shown for line in lines) == shown
    assert total.shown == (len(answers) >= 3)
    assert total.count == len(answers)
    assert_no_small_group_by_subtraction(answers)


@pytest.mark.parametrize(
    ("language", "written"), [("fi", "3,7"), ("sv", "3,7"), ("en", "3.7"), ("fi", "4,0")]
)
def test_averages_are_written_with_the_languages_decimal_sign(language: str, written: str) -> None:
    value = 4.0 if written == "4,0" else 11 / 3
    assert format_average(value, language) == written
