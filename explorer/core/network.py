"""K member networks of one architecture, stacked: the parameters the training core trains together.

A sweep trains many configurations × seeds that share data shape and architecture; a single run is the
K = 1 case of the same thing. Each parameter is stored with a leading member axis (a Linear weight is
(K, out, in)) and all of them live in one flat buffer, so the optimizer updates every member with a handful
of tensor ops. Activations flow feature-major, (K, units, rows): a Linear is one batched matmul
(`bmm(W, h)`), and viewing (K, units, rows) as (1, K·units, rows) lets BatchNorm's own ATen kernel
normalise each member's units over that member's rows only.

Members are initialised exactly as `model.build` initialises a single network from the same config, so a
member of a sweep and the single-run Trainer start from the same weights.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch

from explorer.config import ARCHITECTURE_KEYS, NOISY_NORMS, Config, ConfigError
from explorer.core.model import MLP, init_weights_

aten = torch.ops.aten
BN_EPS = 1e-5
BN_MOMENTUM = 0.1

# activation -> (forward(x), backward(grad_out, x, out)): the kernels autograd itself calls
ACTIVATIONS: dict[str, tuple[Callable, Callable]] = {
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
# Activations whose backward reads only their output, so `activate` may apply them in place.
IN_PLACE: dict[str, Callable] = {
    "relu": torch.relu_,
    "tanh": torch.tanh_,
    "sigmoid": torch.sigmoid_,
    "linear": lambda x: x,
}


@dataclass
class BatchNorm:
    """One layer's BN for all members; every tensor is (K·units,), member-major, as the ATen kernel wants."""

    gamma: torch.Tensor
    beta: torch.Tensor
    gamma_grad: torch.Tensor
    beta_grad: torch.Tensor
    running_mean: torch.Tensor
    running_var: torch.Tensor


@dataclass
class LayerNorm:
    """One layer's LayerNorm for all members: each row normalised over its units; gamma/beta (K, units, 1)."""

    gamma: torch.Tensor
    beta: torch.Tensor
    gamma_grad: torch.Tensor
    beta_grad: torch.Tensor


@dataclass
class Noise:
    """bn_noisy's noise: each member's strength (K, 1, 1) and its own generator, so a member's draws do not
    depend on which other members share its sweep group."""

    strength: torch.Tensor
    generators: list[torch.Generator]

    def draw(self, units: int, rows: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Per unit a scale in [1, 1+s] and a shift in [−s, s], per value N(0, (s/4)²): (K, units, 1|rows)."""
        u = torch.stack([torch.rand(2, units, 1, generator=g) for g in self.generators])  # (K, 2, units, 1)
        z = torch.stack([torch.randn(units, rows, generator=g) for g in self.generators])
        s = self.strength
        return 1 + s * u[:, 0], s * (2 * u[:, 1] - 1), z.mul_(s / 4)


@dataclass
class Layer:
    """A Linear (weight (K, out, in), bias (K, out, 1)), then norm and activation in the placement's order."""

    weight: torch.Tensor
    weight_grad: torch.Tensor
    bias: torch.Tensor | None
    bias_grad: torch.Tensor | None
    norm: BatchNorm | LayerNorm | None
    norm_first: bool
    activation: str
    noise: Noise | None = None

    def __post_init__(self) -> None:
        self.weight_t = self.weight.transpose(1, 2)  # a view: it follows the weights as they train

    @property
    def width(self) -> int:
        return self.weight.shape[1]

    @property
    def order(self) -> list[str]:
        if self.norm is None:
            return ["linear", "act"]
        return ["linear", "norm", "act"] if self.norm_first else ["linear", "act", "norm"]


def architecture(config: Config) -> tuple:
    return tuple(getattr(config, key) for key in ARCHITECTURE_KEYS)


class Network:
    """The stacked parameters of K members; `flat`/`flat_grad` hold them all, member-major per parameter."""

    def __init__(self, n_in: int, n_out: int, configs: Sequence[Config]) -> None:
        if not configs:
            raise ConfigError("a network needs at least one member")
        shapes = {architecture(c) for c in configs}
        if len(shapes) > 1:
            raise ConfigError(f"members must share {', '.join(ARCHITECTURE_KEYS)}; got {sorted(map(str, shapes))}")
        self.k = len(configs)
        self.n_in, self.n_out = n_in, n_out
        template = MLP(n_in, n_out, configs[0])  # names, shapes and norm parameters; weights drawn below
        self._stack_parameters(template)
        self._init_weights(template, configs)
        self.layers = [self._layer(template, i) for i in range(len(template.blocks))]
        self.head = self._head()
        if configs[0].norm in NOISY_NORMS:
            strength = torch.tensor([c.norm_noise for c in configs]).view(-1, 1, 1)
            for index, layer in enumerate(self.layers):  # seeds apart from init (seed) and shuffling (seed + 1)
                generators = [torch.Generator().manual_seed(c.seed + 2 + 7919 * index) for c in configs]
                layer.noise = Noise(strength, generators)

    def _stack_parameters(self, template: MLP) -> None:
        """The flat buffers, laid out as the template's parameters, each member holding the template's values."""
        named = dict(template.named_parameters())
        total = sum(p.numel() for p in named.values()) * self.k
        self.flat = torch.empty(total)
        self.flat_grad = torch.zeros(total)
        self.params: dict[str, torch.Tensor] = {}
        self.grads: dict[str, torch.Tensor] = {}
        offset = 0
        for name, param in named.items():
            shape = (self.k, *param.shape)
            size = self.k * param.numel()
            self.params[name] = self.flat[offset : offset + size].view(shape)
            self.grads[name] = self.flat_grad[offset : offset + size].view(shape)
            self.params[name].copy_(param.detach().expand(shape))
            offset += size
        self.buffers: dict[str, torch.Tensor] = {}
        for name, buffer in template.named_buffers():
            if name.endswith(("running_mean", "running_var")):
                self.buffers[name] = buffer.expand(self.k, *buffer.shape).clone(memory_format=torch.contiguous_format)

    def _init_weights(self, template: MLP, configs: Sequence[Config]) -> None:
        """Each member's weights as `model.build` draws them. They depend only on the seed and the init rule
        (the shapes and activation are the group's), so members that share both (a sweep's configurations
        at one seed) get a copy of the first one's draw: one draw per seed rather than per member."""
        names = [name for name, module in template.named_modules() if isinstance(module, torch.nn.Linear)]
        first: dict[tuple[int, str], int] = {}
        copies: list[tuple[int, int]] = []  # (member, the member whose draw it copies)
        for member, config in enumerate(configs):
            source = first.setdefault((config.seed, config.init), member)
            if source != member:
                copies.append((member, source))
                continue
            pairs = [(self.params[f"{n}.weight"][member], self.params.get(f"{n}.bias")) for n in names]
            init_weights_([(w, None if b is None else b[member]) for w, b in pairs], config)
        if copies:
            members, sources = (torch.tensor(column) for column in zip(*copies, strict=True))
            for param in self.params.values():  # one indexed copy per parameter, whatever the number of members
                param.index_copy_(0, members, param.index_select(0, sources))

    def _layer(self, template: MLP, index: int) -> Layer:
        block = template.blocks[index]
        prefix = f"blocks.{index}."
        norm: BatchNorm | LayerNorm | None = None
        if isinstance(block.norm, torch.nn.BatchNorm1d):
            norm = BatchNorm(
                *(self.params[prefix + f"norm.{p}"].view(-1) for p in ("weight", "bias")),
                *(self.grads[prefix + f"norm.{p}"].view(-1) for p in ("weight", "bias")),
                *(self.buffers[prefix + f"norm.{b}"].view(-1) for b in ("running_mean", "running_var")),
            )
        elif isinstance(block.norm, torch.nn.LayerNorm):
            norm = LayerNorm(
                *(self.params[prefix + f"norm.{p}"].unsqueeze(2) for p in ("weight", "bias")),
                *(self.grads[prefix + f"norm.{p}"].unsqueeze(2) for p in ("weight", "bias")),
            )
        return self._linear(prefix + "linear.", norm, block.norm_first, block.activation)

    def _head(self) -> Layer:
        return self._linear("head.", None, False, "linear")

    def _linear(self, prefix: str, norm: BatchNorm | None, norm_first: bool, activation: str) -> Layer:
        bias = self.params.get(prefix + "bias")
        return Layer(
            self.params[prefix + "weight"],
            self.grads[prefix + "weight"],
            None if bias is None else bias.unsqueeze(2),
            None if bias is None else self.grads[prefix + "bias"],
            norm,
            norm_first,
            activation,
        )

    # ---- per-member views ----------------------------------------------------------------
    def member_vector(self, values: Sequence[float]) -> torch.Tensor:
        """A flat-buffer-shaped tensor holding each member's value at that member's parameters."""
        out = torch.empty_like(self.flat)
        column = torch.as_tensor(values, dtype=out.dtype)
        offset = 0
        for param in self.params.values():
            size = param.numel()
            out[offset : offset + size].view(self.k, -1).copy_(column[:, None].expand(self.k, size // self.k))
            offset += size
        return out

    def finite_members(self) -> torch.Tensor:
        """(K,) bool: every parameter and BN running statistic of the member is finite.

        Checked once per epoch; almost always all is finite, which one sum per buffer settles: a finite sum
        has no inf or NaN among its terms (an overflowing sum of finite values only sends us to the exact test).
        """
        tensors = (self.flat, *self.buffers.values())
        if all(bool(t.sum().isfinite()) for t in tensors):
            return torch.ones(self.k, dtype=torch.bool)
        ok = torch.ones(self.k, dtype=torch.bool)
        for tensor in (*self.params.values(), *self.buffers.values()):
            ok &= torch.isfinite(tensor.reshape(self.k, -1)).all(1)
        return ok

    def weight_grad_sq_slices(self) -> list[tuple[int, int]]:
        """(start, stop) of each hidden layer's weight gradient in the flat buffer, for per-layer norms."""
        slices = []
        for layer in self.layers:
            start = layer.weight_grad.storage_offset() - self.flat_grad.storage_offset()
            slices.append((start, start + layer.weight_grad.numel()))
        return slices


def batch_norm(norm: BatchNorm, h: torch.Tensor, training: bool) -> tuple[torch.Tensor, tuple]:
    """Per member and unit, over that member's rows: (K, units, rows) seen as (1, K·units, rows)."""
    k, units, rows = h.shape
    x = h.reshape(1, k * units, rows)
    out, mean, invstd = aten.native_batch_norm.default(
        x, norm.gamma, norm.beta, norm.running_mean, norm.running_var, training, BN_MOMENTUM, BN_EPS
    )
    return out.view(k, units, rows), (x, mean, invstd)


def layer_norm(norm: LayerNorm, h: torch.Tensor) -> tuple[torch.Tensor, tuple]:
    """Per member and row, over that row's units (the same in training and eval): (K, units, rows)."""
    var, mean = torch.var_mean(h, 1, correction=0, keepdim=True)
    invstd = var.add_(BN_EPS).rsqrt_()
    normalized = (h - mean).mul_(invstd)
    return torch.addcmul(norm.beta, normalized, norm.gamma), (normalized, invstd)


def normalize(layer: Layer, h: torch.Tensor, training: bool) -> tuple[torch.Tensor, tuple]:
    """The layer's norm stage (BN or LN), plus bn_noisy's noise in training; returns what backward needs."""
    if isinstance(layer.norm, LayerNorm):
        return layer_norm(layer.norm, h)
    out, saved = batch_norm(layer.norm, h, training)
    if training and layer.noise is not None:
        scale, shift, per_value = layer.noise.draw(h.shape[1], h.shape[2])
        out = torch.addcmul(shift, out, scale).add_(per_value)
        return out, (*saved, scale)
    return out, saved


def linear(layer: Layer, x: torch.Tensor) -> torch.Tensor:
    """W·x + b for every member: x is (K, in, rows), the result (K, out, rows)."""
    if layer.bias is None:
        return torch.bmm(layer.weight, x)
    return torch.baddbmm(layer.bias, layer.weight, x)


def activate(layer: Layer, h: torch.Tensor, in_place: bool) -> torch.Tensor:
    """The layer's activation of a fresh tensor h; in place when allowed and the activation is in
    `IN_PLACE` (no new (K, units, rows) buffer: at K = 32 those cost more than the arithmetic)."""
    function = IN_PLACE.get(layer.activation) if in_place else None
    return function(h) if function is not None else ACTIVATIONS[layer.activation][0](h)


def forward(network: Network, x: torch.Tensor, keep_stages: bool = False) -> tuple[torch.Tensor, list]:
    """Eval-mode forward (BN uses running statistics): logits (K, outputs, rows), and each hidden layer's
    stages as [(name, (K, units, rows)), ...] when `keep_stages`."""
    stages: list[list[tuple[str, torch.Tensor]]] = []
    h = x
    for layer in network.layers:
        kept = []
        for stage in layer.order:
            if stage == "linear":
                h = linear(layer, h)
            elif stage == "norm":
                h = normalize(layer, h, training=False)[0]
            else:
                h = activate(layer, h, in_place=not keep_stages)
            if keep_stages:
                kept.append((stage, h))
        stages.append(kept)
    return linear(network.head, h), stages


EVAL_CHUNK_ROWS = 256  # eval in row blocks: (K, units, rows) temporaries stay small (no page faults on reuse)


def logits(network: Network, x: torch.Tensor) -> torch.Tensor:
    """Eval-mode outputs (K, outputs, rows) for many rows, computed a block of rows at a time."""
    rows = x.shape[2]
    if rows <= EVAL_CHUNK_ROWS:
        return forward(network, x)[0]
    return torch.cat(
        [forward(network, x[:, :, i : i + EVAL_CHUNK_ROWS])[0] for i in range(0, rows, EVAL_CHUNK_ROWS)], 2
    )
