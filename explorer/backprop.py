"""One training step of the MLP, forward and backward written out by hand.

Why not autograd: for nets this small a step is ~30 tensor ops of a few microseconds each, and autograd's
graph bookkeeping plus `torch.optim`'s per-parameter loop cost more than the arithmetic (a plain
PyTorch loop runs at about half the speed of scikit-learn's MLPClassifier here). So this module calls
the very ATen kernels that autograd would call for each layer's backward (`native_batch_norm_backward`,
`threshold_backward`, …) in the order backprop visits them, and writes the gradients straight into the
model's flat gradient buffer. `tests/test_backprop.py` checks the gradients against autograd's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch

from explorer.model import MLP

aten = torch.ops.aten
BN_EPS = 1e-5
BN_MOMENTUM = 0.1
_ONE = torch.ones(())

# activation -> (forward(x), backward(grad_out, x, out))
_ACT: dict[str, tuple[Callable, Callable]] = {
    "relu": (torch.relu, lambda g, x, y: aten.threshold_backward.default(g, y, 0)),
    "leaky_relu": (
        lambda x: aten.leaky_relu.default(x, 0.01),
        lambda g, x, y: aten.leaky_relu_backward.default(g, x, 0.01, False),
    ),
    "elu": (aten.elu.default, lambda g, x, y: aten.elu_backward.default(g, 1.0, 1.0, 1.0, False, x)),
    "gelu": (aten.gelu.default, lambda g, x, y: aten.gelu_backward.default(g, x)),
    "tanh": (torch.tanh, lambda g, x, y: aten.tanh_backward.default(g, y)),
    "sigmoid": (torch.sigmoid, lambda g, x, y: aten.sigmoid_backward.default(g, y)),
    "linear": (lambda x: x, lambda g, x, y: g),
}


@dataclass
class _Layer:
    """Plain tensors of one block, bound once: module attribute look-ups cost more than the maths."""

    weight: torch.Tensor
    weight_grad: torch.Tensor
    bias: torch.Tensor | None
    bias_grad: torch.Tensor | None
    norm: tuple[torch.Tensor, ...] | None  # gamma, beta, running mean, running var, d gamma, d beta
    norm_first: bool
    act_forward: Callable
    act_backward: Callable


def _bind(model: MLP) -> tuple[list[_Layer], _Layer]:
    layers = []
    for block in model.blocks:
        bn = block.norm
        norm = (
            None if bn is None else (bn.weight, bn.bias, bn.running_mean, bn.running_var, bn.weight.grad, bn.bias.grad)
        )
        forward, backward = _ACT[block.activation]
        layers.append(_layer(block.linear, norm, block.norm_first, forward, backward))
    head = _layer(model.head, None, False, *_ACT["linear"])
    return layers, head


def _layer(linear: torch.nn.Linear, norm: tuple | None, norm_first: bool, forward: Callable, backward: Callable):
    bias = linear.bias
    return _Layer(
        linear.weight,
        linear.weight.grad,
        bias,
        None if bias is None else bias.grad,
        norm,
        norm_first,
        forward,
        backward,
    )


def _norm_forward(norm: tuple, x: torch.Tensor) -> tuple[torch.Tensor, tuple]:
    out, mean, invstd = aten.native_batch_norm.default(x, norm[0], norm[1], norm[2], norm[3], True, BN_MOMENTUM, BN_EPS)
    return out, (x, mean, invstd)


def _norm_backward(norm: tuple, grad: torch.Tensor, saved: tuple) -> torch.Tensor:
    x, mean, invstd = saved
    dx, dgamma, dbeta = aten.native_batch_norm_backward.default(
        grad, x, norm[0], norm[2], norm[3], mean, invstd, True, BN_EPS, [True, True, True]
    )
    norm[4].copy_(dgamma)
    norm[5].copy_(dbeta)
    return dx


def _forward(layer: _Layer, x: torch.Tensor) -> tuple[torch.Tensor, tuple]:
    """Train-mode forward through Linear, norm and activation, keeping what backward needs."""
    h = torch.mm(x, layer.weight.t()) if layer.bias is None else torch.addmm(layer.bias, x, layer.weight.t())
    saved_norm = None
    if layer.norm is not None and layer.norm_first:
        h, saved_norm = _norm_forward(layer.norm, h)
    out = layer.act_forward(h)
    saved_act = (h, out)
    if layer.norm is not None and not layer.norm_first:
        out, saved_norm = _norm_forward(layer.norm, out)
    return out, (x, saved_act, saved_norm)


def _backward(layer: _Layer, grad: torch.Tensor, saved: tuple, need_input_grad: bool) -> torch.Tensor | None:
    x, saved_act, saved_norm = saved
    if layer.norm is not None and not layer.norm_first:
        grad = _norm_backward(layer.norm, grad, saved_norm)
    grad = layer.act_backward(grad, *saved_act)
    if layer.norm is not None and layer.norm_first:
        grad = _norm_backward(layer.norm, grad, saved_norm)
    torch.mm(grad.t(), x, out=layer.weight_grad)
    if layer.bias is not None:
        torch.sum(grad, 0, out=layer.bias_grad)
    return torch.mm(grad, layer.weight) if need_input_grad else None


def loss_and_grad(logits: torch.Tensor, target: torch.Tensor, task: str) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean cross-entropy (classification) or mean squared error (regression), and d loss / d logits."""
    if task == "classification":
        log_probs = aten._log_softmax.default(logits, 1, False)
        loss, total_weight = aten.nll_loss_forward.default(log_probs, target, None, 1, -100)
        d_log_probs = aten.nll_loss_backward.default(_ONE, log_probs, target, None, 1, -100, total_weight)
        return loss, aten._log_softmax_backward_data.default(d_log_probs, log_probs, 1, logits.dtype)
    loss = aten.mse_loss.default(logits, target, 1)
    return loss, aten.mse_loss_backward.default(_ONE, logits, target, 1)


class Backprop:
    """`step(x, y)`: forward and backward on one batch in train mode; fills `model.flat_grad`.

    BatchNorm's running statistics are updated as `nn.BatchNorm1d` would update them.
    """

    def __init__(self, model: MLP, task: str) -> None:
        self.layers, self.head = _bind(model)
        self.task = task

    def step(self, x: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        saved = []
        h = x
        for layer in self.layers:
            h, tape = _forward(layer, h)
            saved.append(tape)
        logits, head_tape = _forward(self.head, h)
        loss, grad = loss_and_grad(logits, target, self.task)
        grad = _backward(self.head, grad, head_tape, need_input_grad=bool(self.layers))
        for index in range(len(self.layers) - 1, -1, -1):
            grad = _backward(self.layers[index], grad, saved[index], need_input_grad=index > 0)
        return loss
