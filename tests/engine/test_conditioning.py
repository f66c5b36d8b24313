import math

import numpy as np
import pytest

from explorer.config import Config
from explorer.data.pipeline import prepare
from explorer.runs import conditioning


def _standardized(X: np.ndarray) -> np.ndarray:
    return (X - X.mean(0)) / X.std(0)


def test_hessian_includes_the_bias_and_divides_by_n():
    X = np.array([[1.0], [2.0], [3.0]])  # X̃ = [[1, 1], [2, 1], [3, 1]]
    np.testing.assert_allclose(conditioning.hessian(X), [[14 / 3, 2.0], [2.0, 1.0]])


@pytest.mark.parametrize(
    "X",
    [
        np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0], [2.0, -1.0]]),
        np.random.default_rng(0).normal(size=(200, 5)) * [1, 2, 3, 4, 5] + [0, 1, 0, -2, 0],
        np.random.default_rng(1).uniform(0, 1, size=(50, 3)) * [1, 100, 0.01],
    ],
)
def test_kappa_and_eigenvalues_match_numpy(X):
    H = conditioning.with_bias(X).T @ conditioning.with_bias(X) / len(X)
    result = conditioning.analyse(X)
    assert not result.singular
    assert result.condition_number == pytest.approx(np.linalg.cond(H), rel=1e-6)
    np.testing.assert_allclose(result.eigenvalues, np.sort(np.linalg.eigvalsh(H))[::-1], rtol=1e-8)


def test_two_independent_standardized_features_have_kappa_near_one():
    X = _standardized(np.random.default_rng(0).normal(size=(5000, 2)))
    assert conditioning.condition_number(X) < 1.1


def test_features_on_scales_1_and_1000_have_kappa_above_1e5():
    X = _standardized(np.random.default_rng(0).normal(size=(5000, 2))) * [1.0, 1000.0]
    assert conditioning.condition_number(X) > 1e5


def test_an_uncentred_feature_worsens_kappa():
    """Centring matters, not only scale: a mean far from 0 couples the weight with the bias."""
    X = _standardized(np.random.default_rng(0).normal(size=(2000, 2)))
    shifted = X + np.array([10.0, 0.0])
    assert conditioning.condition_number(shifted) > 50 * conditioning.condition_number(X)


def test_predicted_iterations_follow_the_contraction_rate():
    assert conditioning.predicted_iterations(1.0) == 1
    assert conditioning.predicted_iterations(2.0) == math.ceil(math.log(1000) / math.log(2))  # halves per step
    assert conditioning.predicted_iterations(1e4) == pytest.approx(1e4 * math.log(1000), rel=1e-3)
    assert conditioning.predicted_iterations(math.inf) == math.inf


def test_a_constant_feature_makes_h_singular_and_is_named():
    X = np.column_stack([np.random.default_rng(0).normal(size=300), np.full(300, 5.0)])
    result = conditioning.analyse(X)
    assert result.singular and result.rank == 2 and result.condition_number == math.inf
    assert result.constant_features == (1,)
    assert math.isfinite(result.effective_condition_number)
    assert "constant feature (b)" in result.explain_singular(("a", "b"))


def test_a_duplicated_feature_makes_h_singular():
    z = np.random.default_rng(0).normal(size=(300, 2))
    X = np.column_stack([z, z[:, 0] * 3 - z[:, 1]])
    result = conditioning.analyse(X)
    assert result.singular and result.constant_features == ()
    assert "linear dependency" in result.explain_singular()


def _kappa_cases():
    rng = np.random.default_rng(3)
    z = _standardized(rng.normal(size=(400, 3)))
    return {
        "moons maxabs": prepare(Config(scaler="maxabs")),
        "moons minmax": prepare(Config(scaler="minmax")),
        "moons quantile_uniform": prepare(Config(scaler="quantile_uniform")),
        "moons none, x0 × 10": prepare(Config(scaler="none", skew="0:scale:10")),
        "diabetes standard": prepare(Config(dataset="diabetes", scaler="standard")),
        "classification minmax (singular)": prepare(Config(dataset="classification", scaler="minmax")),
        "synthetic scales 1, 5, 30": (z * [1, 5, 30], z @ [1.0, -2.0, 0.5] + rng.normal(size=400)),
    }


@pytest.mark.parametrize("case", list(_kappa_cases()))
def test_measured_iterations_lie_within_20_percent_of_the_prediction(case):
    data = _kappa_cases()[case]
    X, y = (data.X_train, data.y_train) if hasattr(data, "X_train") else data
    run = conditioning.run_gradient_descent(X, np.asarray(y, dtype=float))
    assert run.kappa > 10 and run.predicted < conditioning.DEFAULT_CAP
    assert abs(run.measured_slowest - run.predicted) <= 0.2 * run.predicted
    assert run.measured_distance <= run.predicted + 1  # every component contracts at least as fast
    assert not run.capped


def test_a_start_without_a_slow_component_is_replaced():
    """If w* lies exactly across the slowest direction, w_0 = 0 would leave nothing to measure there."""
    q, _ = np.linalg.qr(np.column_stack([np.ones(500), np.random.default_rng(0).normal(size=(500, 2))]))
    X = q[:, 1:] * math.sqrt(500) * [0.1, 1.0]  # centred, orthogonal, feature 0 the slow one
    y = q[:, 2] * math.sqrt(500)  # depends on feature 1 only
    run = conditioning.run_gradient_descent(X, y)
    assert "v_slow" in run.start
    assert abs(run.measured_slowest - run.predicted) <= 0.2 * run.predicted


def test_the_cap_stops_the_run_and_the_shrink_matches_theory():
    prepared = prepare(Config(scaler="none", skew="0:scale:1000"))
    calls = []
    run = conditioning.run_gradient_descent(
        prepared.X_train, prepared.y_train, cap=5_000, progress=lambda step, limit: calls.append((step, limit))
    )
    assert run.capped and run.iterations_run == 5_000 and run.measured_slowest is None
    assert run.predicted > 1e7
    assert (1 - run.slowest_ratio) == pytest.approx(1 - run.predicted_ratio_at_end, rel=0.02)
    assert calls[-1] == (5_000, 5_000) and len(calls) >= 2
