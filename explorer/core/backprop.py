"""One training step of K stacked networks, forward and backward written out by hand: the training core.

The single-run Trainer is K = 1 and a sweep group is K members; both run this code, so a new norm or
activation is written here once.

Why not autograd: for nets this small a step is ~30 tensor ops of a few microseconds each, and autograd's
graph bookkeeping plus `torch.optim`'s per-parameter loop cost more than the arithmetic (a plain
PyTorch loop runs at about half the speed of scikit-learn's MLPClassifier here). So this module calls
the very ATen kernels that autograd would call for each layer's backward (`native_batch_norm_backward`,
`threshold_backward`, …) in the order backprop visits them, batched over members (`bmm`), and writes the
gradients straight into the network's flat gradient buffer. `tests/engine/test_backprop.py` checks every
member's gradients against autograd on that member alone.
"""

from __future__ import annotations

import torch

from explorer.core.network import ACTIVATIONS, BN_EPS, Layer, LayerNorm, Network, activate, linear, normalize

aten = torch.ops.aten


def _forward(layer: Layer, x: torch.Tensor) -> tuple[torch.Tensor, tuple]:
    """Train-mode forward through Linear, norm and activation, keeping what backward needs."""
    h = linear(layer, x)
    saved_norm = None
    if layer.norm is not None and layer.norm_first:
        h, saved_norm = normalize(layer, h, training=True)
    out = activate(layer, h, in_place=True)
    saved_act = (h, out)  # the same tensor when in place: backward then reads only the output
    if layer.norm is not None and not layer.norm_first:
        out, saved_norm = normalize(layer, out, training=True)
    return out, (x, saved_act, saved_norm)


def _norm_backward(layer: Layer, grad: torch.Tensor, saved: tuple) -> torch.Tensor:
    norm = layer.norm
    if isinstance(norm, LayerNorm):
        return _layer_norm_backward(norm, grad, *saved)
    x, mean, invstd, *noise_scale = saved
    if noise_scale:  # bn_noisy: out = BN(x)·scale + shift + noise; the noise is a constant to backprop
        grad = grad * noise_scale[0]
    dx, dgamma, dbeta = aten.native_batch_norm_backward.default(
        grad.reshape(x.shape), x, norm.gamma, norm.running_mean, norm.running_var, mean, invstd, True, BN_EPS,
        [True, True, True],
    )  # fmt: skip
    norm.gamma_grad.copy_(dgamma)
    norm.beta_grad.copy_(dbeta)
    return dx.view(grad.shape)


def _layer_norm_backward(norm: LayerNorm, grad: torch.Tensor, normalized: torch.Tensor, invstd: torch.Tensor):
    """LayerNorm's backward over the units (dim 1), as autograd computes it."""
    torch.sum(grad * normalized, 2, keepdim=True, out=norm.gamma_grad)
    torch.sum(grad, 2, keepdim=True, out=norm.beta_grad)
    g = grad * norm.gamma
    centred = g - g.mean(1, keepdim=True)
    return centred.sub_(normalized * (g * normalized).mean(1, keepdim=True)).mul_(invstd)


def _backward(layer: Layer, grad: torch.Tensor, saved: tuple, need_input_grad: bool) -> torch.Tensor | None:
    x, saved_act, saved_norm = saved
    if layer.norm is not None and not layer.norm_first:
        grad = _norm_backward(layer, grad, saved_norm)
    grad = ACTIVATIONS[layer.activation][1](grad, *saved_act)
    if layer.norm is not None and layer.norm_first:
        grad = _norm_backward(layer, grad, saved_norm)
    torch.bmm(grad, x.transpose(1, 2), out=layer.weight_grad)
    if layer.bias_grad is not None:
        torch.sum(grad, 2, out=layer.bias_grad)
    return torch.bmm(layer.weight_t, grad) if need_input_grad else None


def cross_entropy_weights(classes: torch.Tensor, n_classes: int, rows: int | None = None) -> torch.Tensor:
    """−one-hot / rows, (…, classes, rows) from class indices (…, 1, rows): d(mean cross-entropy) / d(log-
    probabilities). Given these, a step's loss and gradient take three kernels instead of seven; `Members`
    makes them once per epoch where they fit. `rows` (default: the last axis) is the batch they average over."""
    one_hot = classes == torch.arange(n_classes).view(n_classes, 1)  # faster than zeros + scatter_
    return one_hot * (-1.0 / (rows or classes.shape[-1]))


def mean_loss(logits: torch.Tensor, target: torch.Tensor, task: str) -> torch.Tensor:
    """Each member's mean cross-entropy (classification) or mean squared error (regression), shape (K,).

    logits are (K, outputs, rows); target is (K, 1, rows): class indices, or the standardized target.
    """
    if task == "classification":
        log_probs = aten._log_softmax.default(logits, 1, False)
        return log_probs.gather(1, target).mean((1, 2)).neg_()
    return (logits - target).square_().mean((1, 2))


def _loss_and_grad(logits: torch.Tensor, target: torch.Tensor, task: str) -> tuple[torch.Tensor, torch.Tensor]:
    """`mean_loss`, and d(sum of the members' losses) / d logits; for classification target holds
    `cross_entropy_weights`. (A log-probability of −inf, from logits beyond float range, makes that member's
    loss NaN: it is then marked diverged, as its weights are about to be.)"""
    k, outputs, rows = logits.shape
    if task == "classification":
        log_probs = aten._log_softmax.default(logits, 1, False)
        grad = aten._log_softmax_backward_data.default(target, log_probs, 1, log_probs.dtype)  # softmax − one-hot
        per_member = torch.bmm(log_probs.view(k, 1, outputs * rows), target.reshape(k, outputs * rows, 1))
        return per_member.view(k), grad
    diff = logits - target
    loss = diff.square().sum((1, 2)).mul_(1.0 / rows)
    return loss, diff.mul_(2.0 / rows)


def step(network: Network, x: torch.Tensor, target: torch.Tensor, task: str) -> torch.Tensor:
    """Forward and backward on one batch per member in train mode; fills `network.flat_grad`.

    x is (K, features, rows); target is as for `mean_loss`, or for classification its `cross_entropy_weights`.
    Returns each member's loss (K,). BN's running statistics are updated as `nn.BatchNorm1d` would update
    them, per member.
    """
    if task == "classification" and not target.is_floating_point():
        target = cross_entropy_weights(target, network.n_out)
    saved = []
    h = x
    for layer in network.layers:
        h, tape = _forward(layer, h)
        saved.append(tape)
    logits, head_tape = _forward(network.head, h)
    loss, grad = _loss_and_grad(logits, target, task)
    grad = _backward(network.head, grad, head_tape, need_input_grad=bool(network.layers))
    for index in range(len(network.layers) - 1, -1, -1):
        grad = _backward(network.layers[index], grad, saved[index], need_input_grad=index > 0)
    return loss
