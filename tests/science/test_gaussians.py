"""“Where Gaussians really do appear”, asserted on the numbers the section shows: medians over seeds (5 for the
sums, 50 for the depth curves), every threshold at most half the effect measured when the section was written
(and every "stays small" bound at least twice the value measured), as tests/science/test_lessons.py explains.
"""

from __future__ import annotations

import json

import pytest

from explorer.teaching import gaussians

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def clt() -> dict:
    return gaussians.clt_at_work()


@pytest.fixture(scope="module")
def depth() -> dict:
    return gaussians.shape_vs_scale()


def _row(clt: dict, kind: str, d: int, init: str) -> dict:
    return next(r for r in clt["rows"] if (r["kind"], r["d"], r["init"]) == (kind, d, init))


def test_every_experiment_runs_several_seeds_and_is_json_ready(clt, depth):
    assert clt["seeds"] >= 5 and depth["seeds"] >= 5
    json.dumps({"clt": clt, "shape_vs_scale": depth}, allow_nan=False)


@pytest.mark.parametrize("kind", ["skewed", "binary"])
@pytest.mark.parametrize("init", gaussians.CLT_INITS)
def test_a_wide_layers_sum_is_near_gaussian_while_its_inputs_stay_skewed(clt, kind, init):
    one, wide = _row(clt, kind, 1, init), _row(clt, kind, 64, init)
    # the inputs' own shape does not depend on how many there are
    assert wide["input_abs_skew"] > 1.0  # measured 5.1 (skewed), 2.7 (binary)
    assert 0.5 < wide["input_abs_skew"] / one["input_abs_skew"] < 2  # measured 0.99, 1.00
    # one input: the pre-activation is that input, rescaled; 64: skew and kurtosis are mostly gone
    assert one["abs_skew"] == pytest.approx(one["input_abs_skew"])
    assert wide["abs_skew"] < 0.15 * wide["input_abs_skew"]  # measured 0.03-0.05 of it
    assert wide["abs_excess_kurtosis"] < 0.2 * wide["input_abs_excess_kurtosis"]  # measured 0.03-0.07 of it


@pytest.mark.parametrize("kind", ["skewed", "binary"])
@pytest.mark.parametrize("init", gaussians.CLT_INITS)
def test_skew_and_kurtosis_of_the_sum_fall_roughly_like_one_over_d(clt, kind, init):
    slope = next(s for s in clt["slopes"] if (s["kind"], s["init"]) == (kind, init))
    assert slope["skew_slope"] < -0.4  # measured -0.87 to -1.11 (1/d is -1; an average's 1/√d, -0.5)
    assert slope["excess_kurtosis_slope"] < -0.3  # measured -0.64 to -0.96
    falling = [_row(clt, kind, d, init)["abs_skew"] for d in gaussians.CLT_INPUTS]
    assert falling == sorted(falling, reverse=True)


def test_a_one_hot_inputs_sum_has_one_term_and_copies_the_weights_shape(clt):
    for d in (2, 4, 16, 64):
        assert _row(clt, "one-hot", d, "he")["distinct_values"] == d  # one weight per category
    # the inputs get more skewed as categories get rarer; the sum does not become Gaussian for it
    assert _row(clt, "one-hot", 64, "he")["input_abs_skew"] > 3.0  # measured 7.8
    uniform, normal = _row(clt, "one-hot", 64, "default"), _row(clt, "one-hot", 64, "he")
    assert uniform["excess_kurtosis"] < -0.6  # measured -1.15: a uniform's is -1.2 (the default's weights)
    assert abs(normal["excess_kurtosis"]) < 0.5 * abs(uniform["excess_kurtosis"])  # measured -0.10: a normal's 0
    assert _row(clt, "one-hot", 2, "he")["excess_kurtosis"] == pytest.approx(-2.0, abs=0.01)  # two values


def test_the_noise_floor_is_a_gaussian_samples(clt):
    floor = clt["noise_floor"]
    assert 0.01 < floor["abs_skew"] < 0.05  # measured 0.025: √(6/4000)·0.67
    assert 0.02 < floor["abs_excess_kurtosis"] < 0.1  # measured 0.050: √(24/4000)·0.67


@pytest.mark.parametrize("activation", list(gaussians.TRIOS))
def test_the_weights_std_sets_the_scale_through_depth_not_their_shape(depth, activation):
    row = next(s for s in depth["summary"] if s["activation"] == activation)
    # halving the std: at least a third less at layer 1, and compounding (measured 0.5 and 0.37; 0.001, 0.003)
    assert row["scale_min_rel_change"] > 0.18
    assert row["scale_last_ratio"] < 0.01
    # the shape: far less than halving the std does anywhere, and within one seed's spread
    assert row["shape_max_rel_diff"] < 0.5 * row["scale_min_rel_change"]  # measured 0.064 (ReLU), 0.011 (tanh)
    assert row["shape_max_rel_diff"] < {"relu": 0.15, "tanh": 0.05}[activation]
    assert row["shape_max_rel_diff"] < row["seed_spread_last"]  # measured 0.17 (ReLU), 0.029 (tanh)


def test_he_normal_and_he_uniform_keep_the_same_scale(depth):
    assert depth["named"]["shape_max_rel_diff"] < 0.15  # measured 0.064
    he = next(c for c in depth["curves"] if c["init"] == "he")["std_by_layer"]
    assert 0.5 < he[-1] / he[0] < 2  # measured 0.90: He keeps a ReLU net's scale
