"""The named setups that show the app's effects: one list for Train, Data, Compare and Learn.

A scenario sets several keys at once (a single run's Config) and, for Compare, the keys to vary over seeds.
Each says what question it answers and where to look, in a learner's words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from explorer.config import Config
from explorer.sweep import Sweep


@dataclass(frozen=True)
class Scenario:
    name: str  # stable id, used in URLs
    title: str
    question: str
    look_at: str
    overrides: dict[str, Any]  # keys set on top of the user's current Config
    grid: tuple[tuple[str, tuple[Any, ...]], ...] = field(default=())
    seeds: int = 5

    def config(self, base: Config | None = None) -> Config:
        return (base or Config()).replace(**self.overrides)

    def sweep(self, base: Config | None = None) -> Sweep:
        return Sweep(self.config(base), self.grid, self.seeds)


SCALE_VS_SHAPE = Scenario(
    name="scale_vs_shape",
    title="Scale vs shape",
    question="Does a feature's shape matter when its scale is equal, and how does that compare with a feature "
    "on a 1,000× larger scale?",
    look_at="Compare the ×1000 row with the lognormal row under scaler=none: scale hurts far more than shape. "
    "Then see how standardization removes the scale problem but leaves the skewed shape.",
    overrides={
        "dataset": "moons",
        "n_samples": 1000,
        "norm": "none",
        "optimizer": "momentum",
        "lr": 0.05,
        "epochs": 30,
    },
    grid=(("skew", ("", "0:scale:1000", "all:lognormal:1.5")), ("scaler", ("none", "standard"))),
)

BN_PLACEMENT = Scenario(
    name="bn_placement",
    title="BN placement",
    question="With sigmoid units, does batch norm before the activation, after it, or not at all train best?",
    look_at="Pick the activation stage in the histograms: without BN and with BN after, sigmoid inputs drift "
    "towards its flat ends; before, they stay centred where its slope is largest.",
    overrides={
        "dataset": "moons",
        "n_samples": 1000,
        "activation": "sigmoid",
        "scaler": "standard",
        "skew": "",
        "optimizer": "momentum",
        "lr": 0.05,
        "epochs": 50,
    },
    grid=(("norm", ("none", "bn_before", "bn_after")),),
)

SCENARIOS: dict[str, Scenario] = {s.name: s for s in (SCALE_VS_SHAPE, BN_PLACEMENT)}
