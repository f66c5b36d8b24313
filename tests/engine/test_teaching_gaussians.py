"""The parts of explorer/teaching/gaussians.py's experiments, quickly (the claims: tests/science/test_gaussians.py)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from explorer.config import Config
from explorer.teaching import gaussians


def test_the_moments_are_scipys():
    x = np.random.default_rng(0).lognormal(0, 1, (500, 3))
    skew, kurtosis = gaussians._moments(x)
    np.testing.assert_allclose(skew, stats.skew(x, axis=0), rtol=1e-10)
    np.testing.assert_allclose(kurtosis, stats.kurtosis(x, axis=0), rtol=1e-10)


def test_each_kind_of_input_is_what_it_says():
    rng = np.random.default_rng(1)
    skewed = gaussians._inputs("skewed", 4, rng)
    assert skewed.shape == (gaussians.CLT_ROWS, 4)
    assert abs(skewed.mean()) < 0.1 and skewed.std() == pytest.approx(1.0, rel=0.2)  # standardized
    assert (stats.skew(skewed, axis=0) > 2).all()
    binary = gaussians._inputs("binary", 4, rng)
    assert set(np.unique(binary)) == {0.0, 1.0}
    assert binary.mean() == pytest.approx(gaussians.BINARY_P, abs=0.02)
    one_hot = gaussians._inputs("one-hot", 16, rng)
    assert (one_hot.sum(axis=1) == 1).all() and (one_hot.sum(axis=0) > 0).all()


def test_the_first_layer_is_the_apps():
    from explorer.core.model import build

    weight, bias = gaussians._first_layer(8, "he_uniform", 3)
    linear = build(8, 2, Config(hidden=(gaussians.CLT_UNITS,), init="he_uniform", seed=3)).blocks[0].linear
    assert np.array_equal(weight, linear.weight.detach().double().numpy())
    assert weight.shape == (gaussians.CLT_UNITS, 8) and not bias.any()


def test_the_trios_differ_in_shape_or_in_std_only():
    for normal, uniform, half in gaussians.TRIOS.values():
        std = float(normal.split(":")[1])
        assert uniform == f"uniform:{std:g}" and float(half.split(":")[1]) == pytest.approx(std / 2, rel=1e-3)
    assert Config(init=gaussians.TRIOS["relu"][0]).init  # valid values of the init key
    assert gaussians.SETUP.init == "he_uniform" and gaussians.PAGE in ("train", "data", "compare")


def test_the_experiments_leave_torch_s_thread_count_as_it_was(monkeypatch):
    monkeypatch.setattr(gaussians, "DEPTH_SEEDS", 2)
    threads = torch.get_num_threads()
    result = gaussians.shape_vs_scale()
    assert torch.get_num_threads() == threads
    assert {c["init"] for c in result["curves"]} == {*sum(gaussians.TRIOS.values(), ()), *gaussians.NAMED}
    assert all(len(c["std_by_layer"]) == 10 for c in result["curves"])
