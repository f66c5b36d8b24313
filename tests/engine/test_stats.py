"""Statistics over seeds: median, mean and a seeded bootstrap 95% interval of the median."""

import math

import numpy as np
import pytest

from explorer.sweeps import stats

SCORES = [0.81, 0.86, 0.84, 0.79, 0.88, 0.83, 0.85]


def test_summary_has_median_mean_and_an_interval_that_contains_the_median():
    summary = stats.summarize(SCORES)
    assert set(summary) == {"median", "mean", "ci95_low", "ci95_high"}
    assert summary["median"] == pytest.approx(float(np.median(SCORES)))
    assert summary["mean"] == pytest.approx(float(np.mean(SCORES)))
    assert min(SCORES) <= summary["ci95_low"] <= summary["median"] <= summary["ci95_high"] <= max(SCORES)
    assert summary["ci95_low"] < summary["ci95_high"]


@pytest.mark.parametrize("n", [2, 3, 4, 5, 8, 10])
def test_interval_contains_the_median_for_small_even_and_odd_counts(n):
    values = np.random.default_rng(n).lognormal(size=n)
    summary = stats.summarize(values.tolist())
    assert summary["ci95_low"] <= summary["median"] <= summary["ci95_high"]


def test_less_spread_gives_a_narrower_interval():
    centre = np.median(SCORES)
    wide = stats.summarize(SCORES)
    narrow = stats.summarize([centre + (s - centre) / 10 for s in SCORES])
    assert narrow["median"] == pytest.approx(wide["median"])
    wide_width, narrow_width = wide["ci95_high"] - wide["ci95_low"], narrow["ci95_high"] - narrow["ci95_low"]
    assert narrow_width == pytest.approx(wide_width / 10)
    assert narrow_width < wide_width


def test_the_same_values_always_give_the_same_interval():
    first = stats.summarize(SCORES)
    np.random.seed(123)  # the global generator plays no part
    assert stats.summarize(list(SCORES)) == first
    assert stats.summarize(np.array(SCORES)) == first


def test_one_seed_gives_a_zero_width_interval():
    assert stats.summarize([0.7]) == {"median": 0.7, "mean": 0.7, "ci95_low": 0.7, "ci95_high": 0.7}
    low, high = stats.median_band(np.array([[1.0], [2.0]]))
    assert low.tolist() == high.tolist() == [1.0, 2.0]


def test_identical_values_give_a_zero_width_interval():
    summary = stats.summarize([0.5] * 6)
    assert summary["ci95_low"] == summary["ci95_high"] == summary["median"] == 0.5


def test_none_and_non_finite_values_are_left_out():
    clean = stats.summarize([0.8, 0.9, 0.7])
    assert stats.summarize([0.8, None, 0.9, math.nan, 0.7, math.inf]) == clean
    assert stats.summarize([np.float64(0.8), np.float32(0.9), 0.7])["median"] == pytest.approx(0.8)


@pytest.mark.parametrize("values", [[], [None], [None, math.nan], [math.inf, -math.inf]])
def test_no_usable_values_gives_none_everywhere(values):
    assert stats.summarize(values) == {"median": None, "mean": None, "ci95_low": None, "ci95_high": None}


def test_median_band_gives_one_interval_per_row():
    rng = np.random.default_rng(0)
    values = np.stack([rng.normal(1.0, 0.01, 5), rng.normal(5.0, 1.0, 5), np.full(5, 3.0)])  # rows × seeds
    low, high = stats.median_band(values)
    assert low.shape == high.shape == (3,)
    medians = np.median(values, axis=1)
    assert np.all(low <= medians) and np.all(medians <= high)
    widths = high - low
    assert widths[2] == 0 and widths[0] < widths[1]
    # each row's band is the interval summarize gives that row alone
    for row in range(3):
        alone = stats.summarize(values[row].tolist())
        assert (alone["ci95_low"], alone["ci95_high"]) == pytest.approx((low[row], high[row]))


def test_overlaps():
    a = {"median": 0.8, "mean": 0.8, "ci95_low": 0.75, "ci95_high": 0.85}
    b = {"median": 0.9, "mean": 0.9, "ci95_low": 0.84, "ci95_high": 0.95}
    c = {"median": 0.95, "mean": 0.95, "ci95_low": 0.9, "ci95_high": 0.99}
    touching = {"median": 0.7, "mean": 0.7, "ci95_low": 0.6, "ci95_high": 0.75}
    assert stats.overlaps(a, b) and stats.overlaps(b, a)
    assert not stats.overlaps(a, c) and not stats.overlaps(c, a)
    assert stats.overlaps(a, touching)
    assert stats.overlaps(a, a)
    nothing = stats.summarize([])
    assert stats.overlaps(a, nothing)  # nothing to tell them apart with


def test_well_separated_configurations_do_not_overlap_and_noisy_ones_do():
    rng = np.random.default_rng(1)
    good = stats.summarize((0.95 + rng.normal(0, 0.01, 5)).tolist())
    bad = stats.summarize((0.60 + rng.normal(0, 0.01, 5)).tolist())
    noisy = stats.summarize((0.93 + rng.normal(0, 0.1, 5)).tolist())
    assert not stats.overlaps(good, bad)
    assert stats.overlaps(good, noisy)


def test_interval_is_named():
    assert stats.INTERVAL in ("bootstrap", "t")
    assert "95%" in stats.INTERVAL_TEXT and "median" in stats.INTERVAL_TEXT
