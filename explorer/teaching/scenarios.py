"""The named setups that show the app's effects: one list for Train, Data, Compare and Learn.

A scenario sets several keys at once (a single run's Config: what Train and Data open on) and the keys
Compare varies over seeds to test it. Each says what question it answers and where to look, in a
learner's words. tests/science/test_scenarios.py checks that each shows the effect it names.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from explorer.config import Config

if TYPE_CHECKING:  # the Data page reads the scenarios and must not load torch (explorer.sweeps.sweep does)
    from explorer.sweeps.sweep import Sweep


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
        from explorer.sweeps.sweep import Sweep

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

_SLOW_MOONS = {"dataset": "moons", "n_samples": 1000, "optimizer": "momentum", "lr": 0.01, "epochs": 40}

FEATURE_X1000 = Scenario(
    name="feature_x1000",
    title="One feature ×1000, no scaler, no BN",
    question="What does one feature on a 1,000× larger scale do to learning when nothing rescales it?",
    look_at="The loss falls slowly or jumps while the other feature barely moves its weights; pick scaler "
    "Standardize and the same network learns in a few epochs.",
    overrides={**_SLOW_MOONS, "skew": "0:scale:1000", "scaler": "none", "norm": "none"},
    grid=(("scaler", ("none", "standard")),),
)

LOGNORMAL_SAME_SCALE = Scenario(
    name="lognormal_same_scale",
    title="Same scale, lognormal shape",
    question="Every feature skewed to a lognormal shape with mean and std unchanged, then standardized: does "
    "the shape alone slow learning?",
    look_at="The input histograms: standardized, yet piled up on the left with a long right tail. Compare it "
    "with skew none: a smaller effect than scale's, and Quantile → normal removes it.",
    overrides={**_SLOW_MOONS, "skew": "all:lognormal:1.5", "scaler": "standard", "norm": "none"},
    grid=(("skew", ("", "all:lognormal:1.5")), ("scaler", ("standard", "quantile_normal"))),
)

SIGMOID_BN_AFTER = Scenario(
    name="sigmoid_bn_after",
    title="Sigmoid, BN after the activation",
    question="With BN after a sigmoid, what does the sigmoid itself see?",
    look_at="In the histograms, the sigmoid's input (linear) is not normalised and drifts to its flat ends; "
    "switch to BN before the activation and it stays centred where the slope is largest.",
    overrides={**BN_PLACEMENT.overrides, "norm": "bn_after"},
    grid=(("norm", ("bn_before", "bn_after")),),
)

OUTLIERS = Scenario(
    name="outliers",
    title="2% outliers, standardized",
    question="A few rows 8 to 15 stds out: how much do they hurt, and which scaler copes?",
    look_at="The input histograms: Standardize divides by a std the outliers inflated, so the ordinary rows "
    "crowd into a sliver. On moons the cost in accuracy is small (about a point): compare Robust and "
    "Quantile → normal over seeds before believing a single run.",
    overrides={**_SLOW_MOONS, "skew": "all:outliers:0.02", "scaler": "standard", "norm": "none"},
    grid=(("scaler", ("standard", "robust", "quantile_normal")),),
)

SCENARIOS: dict[str, Scenario] = {
    s.name: s for s in (SCALE_VS_SHAPE, BN_PLACEMENT, FEATURE_X1000, LOGNORMAL_SAME_SCALE, SIGMOID_BN_AFTER, OUTLIERS)
}
