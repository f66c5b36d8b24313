"""Predict, then see: which answer a section's numbers support is read from those numbers, and the sentence
says whether the learner's prediction matched."""

from __future__ import annotations

import pytest

from explorer.teaching.lessons import LESSONS
from explorer.teaching.questions import QUESTIONS, score


def _summary(config: dict, median: float, low: float, high: float) -> dict:
    return {"config": config, "median": median, "ci95_low": low, "ci95_high": high}


def test_every_section_asks_one_question_with_two_to_four_choices():
    assert set(QUESTIONS) == {lesson.key for lesson in LESSONS}
    for question in QUESTIONS.values():
        assert 2 <= len(question.choices) <= 4 and question.prompt.endswith("?")
        assert len({key for key, _ in question.choices}) == len(question.choices)


@pytest.mark.parametrize(("skew", "answer"), [(2.3, "no"), (0.1, "yes")])
def test_normal_reads_the_standardized_skew(skew: float, answer: str):
    result = {"standard": {"skew": skew, "share_within_one_std": 0.87}}
    assert QUESTIONS["normal"].measured(result) == answer


@pytest.mark.parametrize(
    ("before", "after", "answer"),
    [((0.90, 0.85, 0.95), (0.91, 0.86, 0.96), "same"), ((0.95, 0.94, 0.96), (0.80, 0.78, 0.82), "before")],
)
def test_placement_calls_overlapping_intervals_the_same(before, after, answer):
    result = {
        "summary": [
            _summary({"activation": "sigmoid", "norm": "bn_before"}, *before),
            _summary({"activation": "sigmoid", "norm": "bn_after"}, *after),
        ]
    }
    assert QUESTIONS["placement"].measured(result) == answer


def test_the_verdict_says_whether_the_prediction_matched_and_gives_the_numbers():
    result = {"standard": {"skew": 2.31, "share_within_one_std": 0.871}}
    question = QUESTIONS["normal"]
    right, wrong, skipped = (question.verdict(c, result) for c in ("no", "yes", None))
    assert "the experiment agrees" in right and "2.31" in right and "87.1%" in right
    assert "the experiment says “No: it keeps its skew and its long tail”" in wrong
    assert skipped.startswith("Measured:") and "2.31" in skipped


def test_score_counts_matches_predictions_and_sections_seen_without_guessing():
    results = {"normal": {"standard": {"skew": 2.3, "share_within_one_std": 0.87}}}
    assert score({"normal": "no"}, results) == (1, 1, 0)
    assert score({"normal": "yes"}, results) == (0, 1, 0)
    assert score({"normal": None}, results) == (0, 0, 1)
    assert score({"normal": "no", "scale": "many"}, results) == (1, 1, 0)  # scale's result not known yet
