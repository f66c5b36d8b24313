"""The hand-written step must be backprop exactly: same gradients and BN statistics as autograd."""

import copy

import pytest
import torch
import torch.nn.functional as F

from explorer.backprop import Backprop
from explorer.config import ACTIVATIONS, NORMS, OPTIMIZERS, Config
from explorer.model import build
from explorer.optim import FlatOptimizer


def _batch(task: str, n_in: int = 5, n_out: int = 3, rows: int = 16):
    gen = torch.Generator().manual_seed(7)
    x = torch.randn(rows, n_in, generator=gen)
    if task == "classification":
        return x, torch.randint(0, n_out, (rows,), generator=gen)
    return x, torch.randn(rows, 1, generator=gen)


@pytest.mark.parametrize("task", ["classification", "regression"])
@pytest.mark.parametrize("norm", NORMS)
@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_gradients_match_autograd(activation, norm, task):
    config = Config(hidden=(8, 6), activation=activation, norm=norm, seed=3)
    n_out = 3 if task == "classification" else 1
    model = build(5, n_out, config)
    reference = copy.deepcopy(model)
    x, y = _batch(task, n_out=n_out)

    out = reference(x)
    loss = F.cross_entropy(out, y) if task == "classification" else F.mse_loss(out, y)
    expected = torch.autograd.grad(loss, list(reference.parameters()))

    with torch.inference_mode():
        ours = Backprop(model, task).step(x, y)
    assert float(ours) == pytest.approx(float(loss.detach()), rel=1e-6)
    for (name, param), grad in zip(model.named_parameters(), expected, strict=True):
        torch.testing.assert_close(param.grad, grad, rtol=1e-5, atol=1e-6, msg=name)
    theirs = dict(reference.named_buffers())
    for name, buffer in model.named_buffers():
        if not name.endswith("num_batches_tracked"):  # only used when BN's momentum is None; ours is 0.1
            torch.testing.assert_close(buffer, theirs[name], msg=name)  # BN running statistics


def test_parameters_share_one_flat_buffer():
    model = build(4, 2, Config(hidden=(8, 8)))
    assert model.flat.numel() == sum(p.numel() for p in model.parameters())
    model.flat.zero_()
    assert all(float(p.detach().abs().sum()) == 0 for p in model.parameters())


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
    assert torch.equal(a.flat, b.flat)
    he = build(64, 2, Config(init="he", hidden=(256,), norm="none"))
    assert float(he.blocks[0].linear.weight.detach().std()) == pytest.approx((2 / 64) ** 0.5, rel=0.1)
    narrow = build(64, 2, Config(init="normal:0.01", hidden=(256,), norm="none"))
    assert float(narrow.blocks[0].linear.weight.detach().std()) == pytest.approx(0.01, rel=0.1)


def test_bn_before_drops_the_redundant_linear_bias():
    before = build(3, 2, Config(norm="bn_before"))
    after = build(3, 2, Config(norm="bn_after"))
    assert before.blocks[0].linear.bias is None
    assert after.blocks[0].linear.bias is not None
    assert before.blocks[0].order == ["linear", "norm", "act"]
    assert after.blocks[0].order == ["linear", "act", "norm"]
    assert build(3, 2, Config(norm="none")).blocks[0].order == ["linear", "act"]
