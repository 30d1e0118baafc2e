"""Feedback per role: counts, averages, rating spread and texts, with the three-phone rule."""

from __future__ import annotations

import pytest

from cafe.domain.errors import DomainError
from cafe.domain.feedback import Answer, check_answer, feedback_summary


def test_roles_show_figures_and_texts_only_from_three_answers() -> None:
    answers = [
        Answer("asiakas", 5, "Tuli kuulluksi."),
        Answer("asiakas", 4, ""),
        Answer("asiakas", 3, "Liian lyhyt."),
        Answer("työntekijä", 2, "Tämä tunnistaisi minut"),
        Answer(None, 5, ""),
    ]
    total, lines = feedback_summary(answers, ["asiakas", "kokemusohjaaja", "työntekijä"])

    assert (total.count, total.shown, total.average) == (5, True, 3.8)
    assert total.ratings == (0, 1, 1, 1, 2)
    assert [line.role for line in lines] == ["asiakas", "kokemusohjaaja", "työntekijä", None]
    client = lines[0]
    assert (client.count, client.shown, client.average) == (3, True, 4.0)
    assert client.texts == ("Tuli kuulluksi.", "Liian lyhyt.")
    worker = lines[2]
    assert (worker.count, worker.shown, worker.average, worker.texts) == (1, False, None, ())
    assert lines[1].count == 0 and not lines[1].shown


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
