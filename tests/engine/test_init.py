"""The init rules' weights: uniform:<std> and he_uniform have the std they promise (uniform on ±std·√3), the
same seed draws the same weights, and a stacked member starts from the weights `model.build` draws."""

from __future__ import annotations

import math

import pytest
import torch

from explorer.config import Config
from explorer.core.model import build, init_linear_
from explorer.core.network import Network

FAN_IN, UNITS = 256, 512  # 131,072 weights: the sample std is within 0.4% of the true one (3 sigma)


def _drawn(init: str, activation: str = "relu", seed: int = 0) -> tuple[torch.Tensor, torch.Tensor]:
    weight, bias = torch.empty(UNITS, FAN_IN), torch.full((UNITS,), 7.0)
    init_linear_(weight, bias, init, activation, torch.Generator().manual_seed(seed))
    return weight, bias


@pytest.mark.parametrize("std", [1e-4, 0.05, 0.3, 10.0])
def test_uniform_std_has_that_std_on_plus_minus_std_root_3(std):
    weight, bias = _drawn(f"uniform:{std:g}")
    assert float(weight.std()) == pytest.approx(std, rel=0.01)
    bound = std * math.sqrt(3)
    assert float(weight.abs().max()) <= bound and float(weight.abs().max()) > 0.999 * bound
    assert float(weight.mean()) == pytest.approx(0.0, abs=0.02 * std)
    assert torch.equal(bias, torch.zeros(UNITS))


@pytest.mark.parametrize(
    ("activation", "gain"), [("relu", math.sqrt(2)), ("tanh", math.sqrt(2)), ("leaky_relu", math.sqrt(2 / (1 + 1e-4))),
                             ("linear", 1.0)],
)  # fmt: skip
def test_he_uniform_has_hes_std_from_a_uniform(activation, gain):
    uniform, bias = _drawn("he_uniform", activation)
    normal, _ = _drawn("he", activation)
    std = gain / math.sqrt(FAN_IN)
    assert float(uniform.std()) == pytest.approx(std, rel=0.01)
    assert float(normal.std()) == pytest.approx(std, rel=0.01)  # the same scale, another shape
    assert float(uniform.abs().max()) <= std * math.sqrt(3) * (1 + 1e-6)
    assert float(normal.abs().max()) > 1.5 * std * math.sqrt(3)  # a normal's tails go past the uniform's edge
    assert torch.equal(bias, torch.zeros(UNITS))


def test_the_shapes_differ_in_kurtosis_only():
    """Equal std, other shape: a uniform's excess kurtosis is −1.2, a normal's 0."""
    for init, expected in (("uniform:0.1", -1.2), ("normal:0.1", 0.0), ("he_uniform", -1.2), ("he", 0.0)):
        weight = _drawn(init)[0].double().reshape(-1)
        z = (weight - weight.mean()) / weight.std()
        assert float((z**4).mean() - 3) == pytest.approx(expected, abs=0.05), init


@pytest.mark.parametrize("init", ["uniform:0.2", "he_uniform"])
def test_the_same_seed_draws_the_same_weights(init):
    a = build(4, 2, Config(init=init, seed=3, hidden=(16, 8)))
    b = build(4, 2, Config(init=init, seed=3, hidden=(16, 8)))
    c = build(4, 2, Config(init=init, seed=4, hidden=(16, 8)))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    assert not torch.equal(a.blocks[0].linear.weight, c.blocks[0].linear.weight)
    normal = build(4, 2, Config(init="normal:0.2" if init == "uniform:0.2" else "he", seed=3, hidden=(16, 8)))
    assert not torch.equal(a.blocks[0].linear.weight, normal.blocks[0].linear.weight)


def test_the_head_follows_the_chosen_init():
    model = build(64, 2, Config(init="he_uniform", hidden=(256,), norm="none"))
    head = model.head.weight.detach()
    assert float(head.abs().max()) <= math.sqrt(3 / 256) * (1 + 1e-6)  # √(1/fan_in)'s uniform: no ReLU after it
    first = model.blocks[0].linear.weight.detach()
    assert float(first.abs().max()) <= math.sqrt(6 / 64) * (1 + 1e-6)


def test_stacked_members_start_from_the_weights_build_draws():
    configs = [Config(init=init, seed=seed, hidden=(8, 6)) for init in ("uniform:0.3", "he_uniform") for seed in (0, 1)]
    network = Network(5, 3, configs)
    for member, config in enumerate(configs):
        for name, param in build(5, 3, config).named_parameters():
            assert torch.equal(network.params[name][member], param.detach()), (config.init, config.seed, name)
