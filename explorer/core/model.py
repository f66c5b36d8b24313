"""The MLP as a plain `nn.Module`: hidden blocks of Linear, an optional normalisation (BatchNorm or
LayerNorm) placed before or after the activation, and a linear head. Each block names its stages
(linear, norm, act) in the order data passes through them.

It is the reference: `build` draws a member's initial weights (the training core in `network.py` stacks
them), and the tests run it through autograd to check the hand-written backward. Noisy BN's noise is
whatever `Block.noise` holds (the core draws it; a test hands the same draw to this module).
"""

from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F
from torch import nn

from explorer.config import Config

_ACTIVATIONS = {
    "relu": torch.relu,
    "leaky_relu": lambda x: F.leaky_relu(x, 0.01),
    "elu": F.elu,
    "gelu": F.gelu,
    "tanh": torch.tanh,
    "sigmoid": torch.sigmoid,
    "linear": lambda x: x,
}
BOUNDED = {"tanh": (-1.0, 1.0), "sigmoid": (0.0, 1.0)}


NORM_FIRST = ("bn_before", "bn_noisy", "ln_before")


class Block(nn.Module):
    """One hidden layer: Linear, then norm and activation in the placement's order."""

    def __init__(self, n_in: int, width: int, activation: str, norm: str) -> None:
        super().__init__()
        self.norm_first = norm in NORM_FIRST
        # Before the activation BN's beta replaces the Linear's bias, which BN would cancel anyway
        # (LayerNorm would not: it centres each row over the units, not each unit over the rows).
        self.linear = nn.Linear(n_in, width, bias=not (self.norm_first and norm.startswith("bn")))
        self.norm: nn.Module | None = None
        if norm.startswith("bn"):
            self.norm = nn.BatchNorm1d(width)
        elif norm.startswith("ln"):
            self.norm = nn.LayerNorm(width)
        self.noise: tuple[torch.Tensor, torch.Tensor, torch.Tensor] | None = None  # (scale, shift, per value)
        self.activation = activation
        self.act = _ACTIVATIONS[activation]

    @property
    def order(self) -> list[str]:
        if self.norm is None:
            return ["linear", "act"]
        return ["linear", "norm", "act"] if self.norm_first else ["linear", "act", "norm"]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.stages(x)[-1][1]

    def stages(self, x: torch.Tensor) -> list[tuple[str, torch.Tensor]]:
        """The output of every stage, in order."""
        out = []
        for stage in self.order:
            x = self.linear(x) if stage == "linear" else self._norm(x) if stage == "norm" else self.act(x)
            out.append((stage, x))
        return out

    def _norm(self, x: torch.Tensor) -> torch.Tensor:
        x = self.norm(x)
        if self.noise is not None and self.training:
            scale, shift, per_value = self.noise
            x = x * scale + shift + per_value
        return x


class MLP(nn.Module):
    def __init__(self, n_in: int, n_out: int, config: Config) -> None:
        super().__init__()
        widths = [n_in, *config.hidden]
        self.blocks = nn.ModuleList(Block(a, b, config.activation, config.norm) for a, b in itertools.pairwise(widths))
        self.head = nn.Linear(widths[-1], n_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for block in self.blocks:
            x = block(x)
        return self.head(x)


def init_linear_(
    weight: torch.Tensor, bias: torch.Tensor | None, init: str, activation: str, gen: torch.Generator
) -> None:
    """One Linear's weight (out, in) and bias (out,) by the named rule; `activation` is what follows the
    layer ("linear" for the head). Works on bare tensors, so `network.Network` draws each member's weights
    straight into its stacked buffer without making a module per member (32 modules cost ~50 ms)."""
    fan_in = weight.shape[1]
    if init == "default":  # PyTorch's own default, drawn from our generator
        nn.init.kaiming_uniform_(weight, a=math.sqrt(5), generator=gen)
        if bias is not None:
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            nn.init.uniform_(bias, -bound, bound, generator=gen)
        return
    if init == "xavier":  # Glorot & Bengio (2010), eq. 16: gain 1 whatever the activation
        nn.init.xavier_uniform_(weight, gain=1.0, generator=gen)
    elif init in ("he", "he_uniform"):  # He et al. (2015): std √(2/fan_in) before a ReLU; √(1/fan_in) before nothing
        kaiming = nn.init.kaiming_normal_ if init == "he" else nn.init.kaiming_uniform_  # uniform: ±std·√3
        if activation == "linear":
            kaiming(weight, nonlinearity="linear", generator=gen)
        else:
            slope = "leaky_relu" if activation == "leaky_relu" else "relu"
            kaiming(weight, a=0.01 if slope == "leaky_relu" else 0, nonlinearity=slope, generator=gen)
    else:  # normal:<std> or uniform:<std>, the latter on ±std·√3 so that its std is <std>
        shape, _, std = init.partition(":")
        if shape == "uniform":
            bound = math.sqrt(3.0) * float(std)
            nn.init.uniform_(weight, -bound, bound, generator=gen)
        else:
            nn.init.normal_(weight, 0.0, float(std), generator=gen)
    if bias is not None:
        nn.init.zeros_(bias)


def init_weights_(layers: list[tuple[torch.Tensor, torch.Tensor | None]], config: Config) -> None:
    """Draw (weight, bias) of each hidden Linear, then of the head, from the config's seed: `build`'s weights."""
    gen = torch.Generator().manual_seed(config.seed)
    with torch.no_grad():
        for index, (weight, bias) in enumerate(layers):
            activation = config.activation if index < len(layers) - 1 else "linear"
            init_linear_(weight, bias, config.init, activation, gen)


def build(n_in: int, n_out: int, config: Config) -> MLP:
    """A seeded MLP; the same config gives the same weights (`network.Network` stacks them for training)."""
    model = MLP(n_in, n_out, config)
    init_weights_([(layer.weight, layer.bias) for layer in linears(model)], config)
    return model


def linears(model: MLP) -> list[nn.Linear]:
    """The hidden Linears in order, then the head: the order in which `build` draws their weights."""
    return [*(block.linear for block in model.blocks), model.head]
