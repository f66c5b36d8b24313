"""Published effects, checked on medians over seeds with wide margins (never one lucky run).

LeCun, Bottou, Orr & Müller, "Efficient BackProp" (1998), §4.3: inputs on very different scales slow
gradient descent (an ill-conditioned problem); standardizing them fixes it. Shape matters less: a
monotone skew at the same scale costs a little, and a rank-based (quantile) scaler undoes it entirely.
"""

import statistics

import pytest

from explorer.config import Config
from explorer.runs.training import Trainer

SEEDS = range(5)
BASE = Config(n_samples=1000, epochs=20, norm="none", optimizer="momentum", lr=0.01)


def median_accuracy(**changes) -> float:
    scores = []
    for seed in SEEDS:
        trainer = Trainer(BASE.replace(seed=seed, **changes))
        trainer.advance(epochs=BASE.epochs)
        scores.append(0.0 if trainer.diverged else trainer.curve[-1]["test_accuracy"])
    return statistics.median(scores)


@pytest.fixture(scope="module")
def standardized() -> float:
    return median_accuracy(scaler="standard")


@pytest.mark.slow
def test_one_feature_a_thousand_times_larger_stalls_sgd(standardized):
    unscaled = median_accuracy(scaler="none", skew="0:scale:1000")
    assert standardized > 0.9
    assert standardized - unscaled > 0.25


@pytest.mark.slow
def test_standardizing_undoes_a_pure_scale_change(standardized):
    assert median_accuracy(scaler="standard", skew="0:scale:1000;1:shift:50") == pytest.approx(standardized, abs=0.01)


@pytest.mark.slow
def test_skew_at_the_same_scale_hurts_less_than_scale_and_quantile_scaling_undoes_it(standardized):
    skewed = median_accuracy(scaler="standard", skew="all:lognormal:1.5")
    unscaled = median_accuracy(scaler="none", skew="0:scale:1000")
    assert skewed < standardized - 0.02  # heavy skew does hurt …
    assert standardized - skewed < (standardized - unscaled) / 2  # … but far less than scale
    assert median_accuracy(scaler="quantile_normal", skew="all:lognormal:1.5") > standardized - 0.02
