"""Each Learn section's claim, asserted on the numbers the page shows: medians over 5 seeds, and every
threshold at most half the effect measured when the section was written (so seed noise or a faster
machine cannot flip a result that holds, and a result that stops holding fails).
"""

from __future__ import annotations

import pytest

from explorer.teaching import lessons, questions

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def evidence() -> dict[str, dict]:
    return {}


def _evidence(evidence: dict[str, dict], key: str) -> dict:
    if key not in evidence:
        evidence[key] = lessons.LESSONS_BY_KEY[key].evidence()
    return evidence[key]


def _median(rows: list[dict], **keys) -> float:
    return next(row["median"] for row in rows if all(row["config"].get(k) == v for k, v in keys.items()))


def test_every_lesson_runs_several_seeds():
    assert all(lesson.seeds >= 5 for lesson in lessons.LESSONS)


def test_standardizing_fixes_the_moments_not_the_shape(evidence):
    e = _evidence(evidence, "normal")
    standard, quantile = e["standard"], e["quantile_normal"]
    assert abs(standard["mean"]) < 1e-9 and standard["std"] == pytest.approx(1.0)
    assert standard["skew"] > 1.0  # measured 2.3: still a long right tail
    assert abs(quantile["skew"]) < 0.5 * standard["skew"] / 2
    # a Gaussian has 68% within one std; the standardized lognormal piles up far more near its centre
    assert standard["share_within_one_std"] - 0.683 > 0.09  # measured +0.19
    assert abs(quantile["share_within_one_std"] - 0.683) < 0.03


def test_gradient_descent_steps_follow_kappa_and_standardizing_fixes_it(evidence):
    e = _evidence(evidence, "scale")
    rows = {(r["scale"], r["scaler"]): r for r in e["conditioning"]}
    for factor in lessons.GD_SCALES:
        assert rows[factor, "standard"]["kappa"] < 5
    assert rows[1000, "none"]["kappa"] > 1e5 and rows[1000, "none"]["measured"] is None  # beyond the cap
    for factor in (10, 30):  # measured where reachable, and as predicted (LeCun §5)
        raw = rows[factor, "none"]
        assert raw["measured"] == pytest.approx(raw["predicted"], rel=0.05)
        assert raw["measured"] > 100 * rows[factor, "standard"]["measured"]
    mlp = e["mlp"]
    raw, standard = _median(mlp, scaler="none", norm="none"), _median(mlp, scaler="standard", norm="none")
    rescued = _median(mlp, scaler="none", norm="bn_before")
    assert standard - raw > 0.2  # measured 0.46
    assert rescued - raw > 0.1 and standard - rescued > 0.1  # BN first: a partial rescue (0.25 and 0.22)


def test_outliers_lower_the_largest_step_that_trains_and_gaussianizing_can_hurt(evidence):
    e = _evidence(evidence, "shape")
    largest = e["largest_training_step"]
    assert largest[""] is not None and largest["all:outliers:0.01"] is not None
    assert largest["all:outliers:0.01"] <= largest[""] / 2  # measured 0.3 vs 1.0
    steps = e["steps"]
    clean_error = 1 - _median(steps, skew="", lr=1.0)
    outlier_error = 1 - _median(steps, skew="all:outliers:0.01", lr=1.0)
    assert outlier_error > 4 * clean_error  # measured 0.5 vs 0.048
    r2 = {row["config"]["scaler"]: row["median"] for row in e["gaussianize"]}
    assert (1 - r2["quantile_normal"]) > 4 * (1 - r2["standard"])  # measured 0.26 vs 0.013


def test_bn_on_either_side_of_a_sigmoid_beats_none_and_the_side_is_within_noise(evidence):
    e = _evidence(evidence, "placement")
    rows = e["summary"]
    error = {norm: 1 - _median(rows, activation="sigmoid", norm=norm) for norm in ("none", "bn_before", "bn_after")}
    assert error["none"] > 2 * error["bn_before"] and error["none"] > 2 * error["bn_after"]  # 0.12 vs 0.03
    assert abs(error["bn_before"] - error["bn_after"]) < 0.03
    inside = {(r["activation"], r["norm"]) for r in e["inside"]}
    assert len(inside) == 6  # what the activation receives is shown for every placement
    received = {(r["activation"], r["norm"]): r for r in e["inside"]}
    assert received["sigmoid", "bn_before"]["input_hist"]["counts"]


def test_bn_keeps_a_sigmoids_input_from_drifting(evidence):
    e = _evidence(evidence, "ics")
    assert e["none"]["drift_median"] > 2 * 1.5 * e["bn_before"]["drift_median"]  # measured 3.4×
    assert len(e["none"]["unit_percentiles"]["p50"]) == lessons.ICS_SETUP.epochs


def test_bn_allows_larger_steps_and_noisy_bn_still_trains(evidence):
    e = _evidence(evidence, "smoothness")
    landscape = e["landscape"]
    assert (
        landscape["bn_before"]["largest_lowering_step_median"]
        >= 1.25 * landscape["none"]["largest_lowering_step_median"]
    )  # measured 2.5×
    noisy = {row["config"]["norm"]: row["median"] for row in e["noisy"]}
    assert noisy["bn_noisy"] - noisy["none"] > 0.35  # measured 0.85
    assert noisy["bn_before"] - noisy["bn_noisy"] < 0.1  # measured 0.002


def test_init_sets_the_scale_through_depth(evidence):
    e = _evidence(evidence, "init")
    std = {(r["activation"], r["init"]): r["std_by_layer"][: questions.DEPTH_ASKED] for r in e["rows"]}
    for activation in ("tanh", "relu"):
        assert std[activation, "normal:0.01"][-1] < 1e-3 * std[activation, "xavier"][-1]  # vanished
    relu_he, relu_xavier = std["relu", "he"], std["relu", "xavier"]
    assert relu_he[-1] / relu_he[0] > 0.4  # measured 0.8: He holds ReLU's scale
    assert relu_xavier[-1] / relu_xavier[0] < 0.1  # measured 0.05: Xavier halves the variance per ReLU layer
    tanh_xavier = std["tanh", "xavier"]
    assert tanh_xavier[-1] / tanh_xavier[0] > 0.2  # measured 0.39: same order of magnitude through tanh


CLAIMED = {  # each section's claim, as the choice of its question it amounts to
    "normal": "no", "scale": "many", "shape": "smaller", "placement": "same", "ics": "less",
    "smoothness": "same", "init": "shrinks", "gaussians": "closer",
}  # fmt: skip


@pytest.mark.parametrize("key", list(CLAIMED))
def test_each_question_is_answered_by_the_evidence_as_the_claim_says(evidence, key: str):
    """A learner's prediction is judged against what the numbers say, and those agree with the section's claim."""
    assert questions.QUESTIONS[key].measured(_evidence(evidence, key)) == CLAIMED[key]


def test_a_longer_tail_keeps_more_skew_after_standardizing():
    lesson = lessons.LESSONS_BY_KEY["normal"]
    short, long = lesson.evidence(sigma=0.5), lesson.evidence(sigma=2.0)
    assert long["standard"]["skew"] > 2 * short["standard"]["skew"]  # measured 0.85 vs 3.08
    assert abs(long["quantile_normal"]["skew"]) < 0.5  # the quantile scaler makes any tail Gaussian


def test_on_a_common_scale_standardizing_changes_little():
    """The knob at ×1: nothing to fix, so raw and standardized train alike, where ×1,000 split them by 0.46."""
    e = lessons.LESSONS_BY_KEY["scale"].evidence(scale=1)
    mlp = e["mlp"]
    assert abs(_median(mlp, scaler="standard", norm="none") - _median(mlp, scaler="none", norm="none")) < 0.1
