"""The hand-written batched step must be backprop exactly: each member gets the gradients and BN statistics
that autograd gives that member's network alone."""

import pytest
import torch
import torch.nn.functional as F

from explorer.config import ACTIVATIONS, NORMS, OPTIMIZERS, Config, ConfigError
from explorer.core import backprop
from explorer.core.model import build
from explorer.core.network import Network
from explorer.core.optim import FlatOptimizer


def _batch(task: str, n_in: int = 5, n_out: int = 3, rows: int = 16, seed: int = 7):
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(rows, n_in, generator=gen)
    if task == "classification":
        return x, torch.randint(0, n_out, (rows,), generator=gen)
    return x, torch.randn(rows, 1, generator=gen)


def _member_configs(activation: str, norm: str) -> list[Config]:
    """Three members of one architecture that differ in seed, init and noise, so a mix-up between them shows."""
    base = Config(hidden=(8, 6), activation=activation, norm=norm)
    return [
        base.replace(seed=3, norm_noise=0.5),
        base.replace(seed=4, init="xavier", norm_noise=2.0),
        base.replace(seed=5, init="he", norm_noise=0.0),
    ]


def _noise_draws(network: Network, rows: int) -> list[tuple | None]:
    """What bn_noisy will draw in the next step, per layer, without using up the network's generators."""
    draws = []
    for layer in network.layers:
        if layer.noise is None:
            draws.append(None)
            continue
        twins = [torch.Generator().set_state(g.get_state()) for g in layer.noise.generators]
        draws.append(type(layer.noise)(layer.noise.strength, twins).draw(layer.width, rows))
    return draws


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_each_members_gradients_match_autograd_on_that_member_alone(activation, norm, task):
    configs = _member_configs(activation, norm)
    n_out = 3 if task == "classification" else 1
    network = Network(5, n_out, configs)
    batches = [_batch(task, n_out=n_out, seed=7 + i) for i in range(len(configs))]
    x = torch.stack([xb.T for xb, _ in batches])
    y = torch.stack([yb.reshape(1, -1) for _, yb in batches])
    draws = _noise_draws(network, rows=x.shape[2])
    with torch.inference_mode():
        losses = backprop.step(network, x, y, task)

    for member, (config, (xb, yb)) in enumerate(zip(configs, batches, strict=True)):
        reference = build(5, n_out, config)
        for block, draw in zip(reference.blocks, draws, strict=True):
            if draw is not None:  # the same noise, in the module's (rows, units) layout
                block.noise = tuple(t[member].T for t in draw)
        out = reference(xb)
        loss = F.cross_entropy(out, yb) if task == "classification" else F.mse_loss(out, yb)
        expected = torch.autograd.grad(loss, list(reference.parameters()))
        assert float(losses[member]) == pytest.approx(float(loss.detach()), rel=1e-5)
        for (name, _), grad in zip(reference.named_parameters(), expected, strict=True):
            # noisy BN multiplies values by up to 1 + s: float32 rounding grows with them
            atol = 1e-5 if norm == "bn_noisy" else 1e-6
            torch.testing.assert_close(network.grads[name][member], grad, rtol=1e-5, atol=atol, msg=name)
        for name, buffer in reference.named_buffers():
            if not name.endswith("num_batches_tracked"):  # only used when BN's momentum is None; ours is 0.1
                torch.testing.assert_close(network.buffers[name][member], buffer, msg=name)  # running statistics


def test_members_start_from_the_single_networks_weights():
    configs = _member_configs("relu", "bn_before")
    network = Network(4, 2, configs)
    for member, config in enumerate(configs):
        for name, param in build(4, 2, config).named_parameters():
            assert torch.equal(network.params[name][member], param.detach()), name


def test_members_that_share_seed_and_init_start_from_the_same_draw_and_the_others_from_their_own():
    base = Config(hidden=(8, 6), activation="relu", norm="none")
    configs = [
        base.replace(seed=seed, init=init, lr=lr) for lr in (0.1, 0.2) for seed in (3, 4) for init in ("default", "he")
    ]
    network = Network(4, 2, configs)
    for member, config in enumerate(configs):
        for name, param in build(4, 2, config).named_parameters():
            assert torch.equal(network.params[name][member], param.detach()), (member, name)


def test_finite_members_flags_only_the_members_holding_inf_or_nan():
    network = Network(4, 2, _member_configs("relu", "bn_after"))
    assert network.finite_members().tolist() == [True, True, True]
    network.params["blocks.0.linear.weight"][0, 0, 0] = 3e38  # finite, though a sum over the buffer overflows
    network.params["head.weight"][1, 0, 0] = 3e38
    assert network.finite_members().tolist() == [True, True, True]
    network.params["head.weight"][1, 0, 1] = float("nan")
    network.buffers["blocks.1.norm.running_var"][2, 0] = float("inf")
    assert network.finite_members().tolist() == [True, False, False]


def test_members_of_different_architectures_do_not_stack():
    with pytest.raises(ConfigError, match="share hidden"):
        Network(4, 2, [Config(hidden=(8,)), Config(hidden=(9,))])


def test_parameters_share_one_flat_buffer():
    network = Network(4, 2, _member_configs("relu", "bn_after"))
    assert network.flat.numel() == sum(p.numel() for p in network.params.values())
    network.flat.zero_()
    assert all(float(p.abs().sum()) == 0 for p in network.params.values())


def test_per_member_learning_rates_move_each_member_by_its_own_step():
    network = Network(3, 2, _member_configs("relu", "none"))
    before = network.flat.clone()
    network.flat_grad.fill_(1.0)
    FlatOptimizer(network.flat, network.flat_grad, "sgd", lr=network.member_vector([0.1, 0.2, 0.3])).step()
    moved = before - network.flat
    for member, lr in enumerate([0.1, 0.2, 0.3]):
        for param in network.params.values():
            offset = param.storage_offset() - network.flat.storage_offset()
            chunk = moved[offset : offset + param.numel()].view(param.shape)[member]
            torch.testing.assert_close(chunk, torch.full_like(chunk, lr))


@pytest.mark.parametrize("kind", OPTIMIZERS)
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_flat_optimizer_matches_torch_optim(kind, weight_decay):
    gen = torch.Generator().manual_seed(0)
    params = torch.randn(50, generator=gen)
    grads = torch.zeros(50)
    reference = params.clone().requires_grad_()
    if kind == "adam":
        torch_opt = torch.optim.Adam([reference], lr=0.01, weight_decay=weight_decay)
    else:
        torch_opt = torch.optim.SGD(
            [reference], lr=0.01, momentum=0.9 if kind == "momentum" else 0, weight_decay=weight_decay
        )
    ours = FlatOptimizer(params, grads, kind, lr=0.01, momentum=0.9, weight_decay=weight_decay)
    for _ in range(5):
        g = torch.randn(50, generator=gen)
        grads.copy_(g)
        reference.grad = g.clone()
        ours.step()
        torch_opt.step()
    torch.testing.assert_close(params, reference.detach(), rtol=1e-5, atol=1e-6)


def test_seeded_build_is_reproducible_and_inits_differ():
    a = build(3, 2, Config(seed=5))
    b = build(3, 2, Config(seed=5))
    assert all(torch.equal(p, q) for p, q in zip(a.parameters(), b.parameters(), strict=True))
    he = build(64, 2, Config(init="he", hidden=(256,), norm="none"))
    assert float(he.blocks[0].linear.weight.detach().std()) == pytest.approx((2 / 64) ** 0.5, rel=0.1)
    narrow = build(64, 2, Config(init="normal:0.01", hidden=(256,), norm="none"))
    assert float(narrow.blocks[0].linear.weight.detach().std()) == pytest.approx(0.01, rel=0.1)


def test_noisy_bn_at_strength_zero_is_bn_before():
    x, y = _batch("classification")
    losses = []
    for norm in ("bn_before", "bn_noisy"):
        network = Network(5, 3, [Config(hidden=(8, 6), norm=norm, norm_noise=0.0, seed=1)])
        with torch.inference_mode():
            losses.append(backprop.step(network, x.T[None], y[None, None], "classification"))
    torch.testing.assert_close(losses[0], losses[1], rtol=0, atol=0)


def test_noisy_bn_noise_changes_every_step_and_grows_with_strength():
    network = Network(5, 3, [Config(hidden=(64,), norm="bn_noisy", norm_noise=s) for s in (0.5, 4.0)])
    noise = network.layers[0].noise
    first, second = noise.draw(64, 16), noise.draw(64, 16)
    assert not torch.equal(first[1], second[1])  # a new shift at every step
    spread = [float(first[1][m].std()) for m in range(2)]
    assert spread[1] > 4 * spread[0]


def test_xavier_is_glorots_formula_whatever_the_activation():
    relu = build(64, 2, Config(init="xavier", hidden=(256,), norm="none", activation="relu"))
    bound = (6 / (64 + 256)) ** 0.5
    weight = relu.blocks[0].linear.weight.detach()
    assert float(weight.abs().max()) <= bound and float(weight.abs().max()) > 0.95 * bound
    he = build(64, 2, Config(init="he", hidden=(256,), norm="none", activation="relu"))
    assert float(he.blocks[0].linear.weight.detach().std()) > 1.5 * float(weight.std())  # they differ on ReLU
    head = build(64, 2, Config(init="normal:0.05", hidden=(256,), norm="none")).head.weight.detach()
    assert float(head.std()) == pytest.approx(0.05, rel=0.2)  # the output layer follows the chosen init


def test_bn_before_drops_the_redundant_linear_bias():
    before = build(3, 2, Config(norm="bn_before"))
    after = build(3, 2, Config(norm="bn_after"))
    assert before.blocks[0].linear.bias is None
    assert after.blocks[0].linear.bias is not None
    assert before.blocks[0].order == ["linear", "norm", "act"]
    assert after.blocks[0].order == ["linear", "act", "norm"]
    assert build(3, 2, Config(norm="none")).blocks[0].order == ["linear", "act"]
