"""The Learn page's sections: each a claim, the experiment that shows it, and its source.

Every experiment is seeded and runs in seconds with the engine (several seeds through the sweep engine),
so the page can show it live, a server can cache it once for a whole room, and `tests/science/` asserts
each claim on the very numbers the page shows. The text here is the page's text: plain words, each term
defined at first use (see GLOSSARY).
"""

from __future__ import annotations

import itertools
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats as scipy_stats

from explorer.config import Config
from explorer.core.members import Members
from explorer.data.pipeline import prepare, prepare_all
from explorer.runs import conditioning, describe, probes
from explorer.runs.landscape import probe as landscape_probe
from explorer.runs.training import PROBE_ROWS, Trainer, to_jsonable
from explorer.sweeps.sweep import Sweep, median_member, run
from explorer.teaching import gaussians

SEEDS = 5


@dataclass(frozen=True)
class Knob:
    """A setting the learner turns inside a section. `computed` knobs change the experiment (every value is
    computed ahead, `explorer.teaching.evidence`); the others only choose what the section shows of it."""

    name: str  # the experiment's keyword argument, or the view's
    label: str  # what the widget says
    values: tuple[Any, ...]
    default: Any
    computed: bool = True
    unit: str = ""  # how a value reads: "×{:,}" for a scale, "" for the value as is

    def text(self, value: Any) -> str:
        return self.unit.format(value) if self.unit else f"{value:g}" if isinstance(value, float) else str(value)


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    claim: str  # one sentence
    belief: str  # what the common belief gets wrong
    source: str  # paper, section or figure
    page: str  # where the button opens the setup: "train", "data" or "compare"
    config: Config  # the setup the button opens
    grid: tuple[tuple[str, tuple[Any, ...]], ...] = ()  # the keys Compare varies, if page == "compare"
    experiment: Callable[..., dict[str, Any]] = field(default=lambda: {}, compare=False, repr=False)
    knobs: tuple[Knob, ...] = ()

    @property
    def seeds(self) -> int:
        """Every experiment runs SEEDS seeds; Compare opens with the same number."""
        return SEEDS

    @property
    def computed_knobs(self) -> tuple[Knob, ...]:
        return tuple(knob for knob in self.knobs if knob.computed)

    def defaults(self) -> dict[str, Any]:
        """The computed knobs at their defaults: the setting the section opens on."""
        return {knob.name: knob.default for knob in self.computed_knobs}

    def settings(self) -> list[dict[str, Any]]:
        """Every setting of the computed knobs (the default first): what the evidence cache holds ahead."""
        combos = [dict(zip([k.name for k in self.computed_knobs], values, strict=True))
                  for values in itertools.product(*(k.values for k in self.computed_knobs))]  # fmt: skip
        return sorted(combos, key=lambda combo: combo != self.defaults())

    def evidence(self, **settings: Any) -> dict[str, Any]:
        """The experiment's numbers at these knob settings (unset: defaults), JSON-ready (lists, not arrays;
        None for non-finite)."""
        unknown = set(settings) - {knob.name for knob in self.computed_knobs}
        if unknown:
            raise ValueError(f"{self.key} has no knob {sorted(unknown)}")
        return to_jsonable(self.experiment(**{**self.defaults(), **settings}))


def _summary_rows(result: Any) -> list[dict[str, Any]]:
    return [
        {
            "label": row["label"],
            "config": row["config"],
            "n": row["n"],
            "n_diverged": row["n_diverged"],
            **row["metric"],
        }
        for row in result.summary
    ]


def _median(result: Any, **keys: Any) -> float:
    """The median final metric of the configuration whose grid keys equal `keys`."""
    for row in result.summary:
        if all(row["config"].get(k) == v for k, v in keys.items()):
            return row["metric"]["median"]
    raise KeyError(keys)


# ---- 1. Normalised is not normal ---------------------------------------------------------------
NORMAL_SETUP = Config(dataset="moons", n_samples=2000, skew="0:lognormal:1.5", scaler="standard")


SIGMAS = (0.5, 1.0, 1.5, 2.0)  # the knob: the lognormal's σ, how long its tail is


def normalised_not_normal(sigma: float = 1.5) -> dict[str, Any]:
    """Feature 0 after a lognormal skew of `sigma`, standardized and quantile-normalised: moments, share near
    the centre, and Q-Q points against a Gaussian."""
    out: dict[str, Any] = {"sigma": sigma}
    for scaler in ("standard", "quantile_normal"):
        x = prepare(NORMAL_SETUP.replace(scaler=scaler, skew=f"0:lognormal:{sigma:g}")).X_train[:, 0]
        centred = x - x.mean()
        std = centred.std()
        probabilities = (np.arange(1, 100) - 0.5) / 99
        out[scaler] = {
            "mean": float(x.mean()),
            "std": float(std),
            "skew": float(scipy_stats.skew(x)),
            "excess_kurtosis": float(scipy_stats.kurtosis(x)),
            "share_within_half_std": float(np.mean(np.abs(centred) <= 0.5 * std)),
            "share_within_one_std": float(np.mean(np.abs(centred) <= std)),
            "qq": {
                "normal": scipy_stats.norm.ppf(probabilities).tolist(),
                "sample": np.quantile((x - x.mean()) / std, probabilities).tolist(),
            },
        }
    out["gaussian"] = {"share_within_half_std": 0.3829, "share_within_one_std": 0.6827, "skew": 0.0}
    return out


# ---- 2. Scale and conditioning -----------------------------------------------------------------
SCALE_SETUP = Config(
    dataset="moons", n_samples=1000, skew="0:scale:1000", scaler="none", norm="none", optimizer="momentum",
    lr=0.01, epochs=20,
)  # fmt: skip
SCALE_GRID = (("scaler", ("none", "standard")), ("norm", ("none", "bn_before")))
GD_SCALES = (1, 10, 30, 100, 1000)  # also the knob: feature 0's scale


def scale_and_conditioning(scale: int = 1000) -> dict[str, Any]:
    """κ and gradient-descent steps (predicted and measured) for feature 0 at several scales, raw and
    standardized; then the MLP under SGD with momentum on feature 0 at `scale`, raw or standardized, without
    or with BN first."""
    conditioning_rows = []
    for factor in GD_SCALES:
        for scaler in ("none", "standard"):
            config = SCALE_SETUP.replace(skew=f"0:scale:{factor}" if factor != 1 else "", scaler=scaler)
            prepared = prepare(config)
            report = describe.verify(describe.describe(config, prepared, compare_scalers=False), prepared)
            conditioning_rows.append(
                {
                    "scale": factor,
                    "scaler": scaler,
                    "kappa": report["condition_number"],
                    "predicted": report["predicted_gd_iterations"],
                    "measured": report["measured_gd_iterations"],
                    "cap": conditioning.DEFAULT_CAP,
                }
            )
    setup = SCALE_SETUP.replace(skew=f"0:scale:{scale}" if scale != 1 else "")
    result = run(Sweep(setup, SCALE_GRID, SEEDS))
    return {"scale": scale, "conditioning": conditioning_rows, "mlp": _summary_rows(result)}


# ---- 3. Same scale, different shape ------------------------------------------------------------
SHAPE_SETUP = Config(
    dataset="moons", n_samples=1000, scaler="standard", norm="none", optimizer="sgd", batch_size=8, epochs=10
)
SHAPE_GRID = (("skew", ("", "all:outliers:0.01", "all:heavy_tail:8")), ("lr", (0.1, 0.3, 1.0)))
GAUSSIANIZE_SETUP = Config(
    dataset="skewed_regression", n_features=4, n_samples=1000, noise=0.2, activation="linear", norm="none",
    optimizer="adam", lr=0.01, epochs=30,
)  # fmt: skip
GAUSSIANIZE_GRID = (("scaler", ("standard", "quantile_normal")),)
STABLE_SHARE = 0.9  # a step size "trains" when the median accuracy reaches 90%
OUTLIER_SHARES = (0.001, 0.01, 0.05)  # the knob: the share of rows made rare extremes


def shape_grid(outliers: float) -> tuple[tuple[str, tuple[Any, ...]], ...]:
    """SHAPE_GRID with `outliers` as the outlier share."""
    return (("skew", ("", f"all:outliers:{outliers:g}", "all:heavy_tail:8")), SHAPE_GRID[1])


def same_scale_different_shape(outliers: float = 0.01) -> dict[str, Any]:
    """Moons standardized, SGD at three step sizes, with clean features, a share `outliers` of outliers or
    heavy tails: the largest step that still trains. Then a target linear in skewed raw features: standard vs
    quantile."""
    grid = shape_grid(outliers)
    steps = run(Sweep(SHAPE_SETUP, grid, SEEDS))
    largest: dict[str, float | None] = {}
    for skew in grid[0][1]:
        ok = [lr for lr in grid[1][1] if _median(steps, skew=skew, lr=lr) >= STABLE_SHARE]
        largest[skew] = max(ok) if ok else None
    gaussianize = run(Sweep(GAUSSIANIZE_SETUP, GAUSSIANIZE_GRID, SEEDS))
    return {
        "outliers": outliers, "steps": _summary_rows(steps), "largest_training_step": largest,
        "gaussianize": _summary_rows(gaussianize),
    }  # fmt: skip


# ---- 4. Before or after the activation ---------------------------------------------------------
PLACEMENT_SETUP = Config(
    dataset="moons", n_samples=1000, scaler="standard", optimizer="momentum", lr=0.05, epochs=30, activation="sigmoid"
)
PLACEMENT_GRID = (("activation", ("sigmoid", "relu")), ("norm", ("none", "bn_before", "bn_after")))


def activation_input(layer: dict[str, Any]) -> dict[str, Any]:
    """The statistics of what the activation receives: the stage just before 'act' in this layer's order."""
    order = layer["order"]
    return layer["stages"][order[order.index("act") - 1]]


def before_or_after() -> dict[str, Any]:
    """Sigmoid and ReLU, each without BN, BN before and BN after: final metric over seeds, and for the
    median seed what the first layer's activation receives, its saturated and dead shares."""
    result = run(Sweep(PLACEMENT_SETUP, PLACEMENT_GRID, SEEDS), with_layers=True)
    inside = []
    for index, overrides in enumerate(result.sweep.configurations()):
        runs = [r for r in result.runs if r.index == index]
        chosen = median_member(runs)
        if chosen is None or runs[chosen].layers is None:
            continue
        layer = runs[chosen].layers[0]
        received = activation_input(layer)
        inside.append(
            {
                **overrides,
                "input_hist": received["hist"],
                "input_mean": received["mean"],
                "input_std": received["std"],
                "frac_saturated": layer["stages"]["act"]["frac_saturated"],
                "frac_dead": layer["stages"]["act"]["frac_dead"],
            }
        )
    return {"summary": _summary_rows(result), "inside": inside}


# ---- 5. Internal covariate shift, reproduced ---------------------------------------------------
ICS_SETUP = Config(
    dataset="digits", hidden=(100, 100, 100), activation="sigmoid", scaler="standard", optimizer="momentum",
    lr=0.05, epochs=20, norm="none",
)  # fmt: skip
ICS_UNIT = 0
QUANTILES = ("p15", "p50", "p85")


ICS_RATES = (0.01, 0.05, 0.2)  # the knob: the learning rate


def _sigmoid_inputs(norm: str, lr: float) -> tuple[np.ndarray, list[float]]:
    """Train all seeds together; after every epoch, the p15/p50/p85 of each unit's input to the sigmoid in
    the last hidden layer, on the probe rows: (seeds, epochs, 3, units); and the final accuracies."""
    configs = [ICS_SETUP.replace(norm=norm, seed=seed, lr=lr) for seed in range(SEEDS)]
    stage = "linear" if norm == "none" else "norm"
    trajectory: list[np.ndarray] = []

    def record(_: dict[str, Any]) -> None:
        values = group.stage_values(group.X_test[:, :, :PROBE_ROWS], range(group.k))
        trajectory.append(
            np.stack([probes.percentiles(dict(member[-1])[stage], axis=0) for member in values])
        )  # (seeds, 3, units)

    group = Members(configs, prepare_all(configs), on_epoch=record)
    group.advance(epochs=ICS_SETUP.epochs)
    accuracies = [curve[-1]["test_accuracy"] for curve in group.curves]
    return np.stack(trajectory, axis=1), accuracies


def internal_covariate_shift(lr: float = 0.05) -> dict[str, Any]:
    """Ioffe & Szegedy's Fig. 1 on digits: how far one sigmoid's input distribution moves over training,
    without and with BN, at learning rate `lr`; the drift is the range of each unit's median over the epochs."""
    out: dict[str, Any] = {"lr": lr}
    for norm in ("none", "bn_before"):
        trajectory, accuracies = _sigmoid_inputs(norm, lr)
        p50 = trajectory[:, :, 1, :]  # seeds × epochs × units
        drifts = np.median(p50.max(1) - p50.min(1), axis=1).tolist()  # per seed: the median unit's drift
        out[norm] = {
            "drift_median": statistics.median(drifts),
            "drifts": drifts,
            "accuracy_median": statistics.median(accuracies),
            "unit_percentiles": {q: trajectory[0, :, i, ICS_UNIT].tolist() for i, q in enumerate(QUANTILES)},
            "epochs": list(range(1, trajectory.shape[1] + 1)),
        }
    return out


# ---- 6. What BN really helps -------------------------------------------------------------------
LANDSCAPE_SETUP = Config(
    dataset="digits", hidden=(100, 100, 100), activation="relu", scaler="standard", optimizer="momentum",
    lr=0.05, epochs=1, norm="none",
)  # fmt: skip
NOISY_SETUP = Config(
    dataset="digits", hidden=(100, 100, 100), activation="sigmoid", scaler="standard", optimizer="momentum",
    lr=0.05, epochs=10, norm="bn_noisy", norm_noise=1.0,
)  # fmt: skip
NOISY_GRID = (("norm", ("none", "bn_before", "bn_noisy")),)
NOISE_STRENGTHS = (0.25, 1.0, 2.0, 4.0)  # the knob: noisy BN's strength (norm_noise)


def what_bn_helps(noise: float = 1.0) -> dict[str, Any]:
    """The loss along the gradient after one epoch, without and with BN (largest step that still lowers
    it); then noisy BN of strength `noise` against plain BN and none."""
    landscape = {}
    for norm in ("none", "bn_before"):
        probes = []
        for seed in range(SEEDS):
            trainer = Trainer(LANDSCAPE_SETUP.replace(norm=norm, seed=seed))
            trainer.advance(epochs=1)
            probes.append(landscape_probe(trainer))
        steps = [p["largest_lowering_step"] or 0.0 for p in probes]
        landscape[norm] = {
            "largest_lowering_step_median": statistics.median(steps),
            "largest_lowering_steps": steps,
            "median_seed_probe": probes[int(np.argsort(steps)[(len(steps) - 1) // 2])],
        }
    noisy = run(Sweep(NOISY_SETUP.replace(norm_noise=noise), NOISY_GRID, SEEDS))
    return {"noise": noise, "landscape": landscape, "noisy": _summary_rows(noisy)}


# ---- 7. Initialization through depth -----------------------------------------------------------
# The button opens ReLU with Xavier: the histograms shrink layer by layer; switch Init to he to see them hold.
DEPTH_SETUP = Config(
    dataset="digits", hidden=(100,) * 10, norm="none", scaler="standard", activation="relu", init="xavier"
)
INITS = ("normal:0.01", "xavier", "he")
DEPTHS = tuple(range(2, 13))  # the knob: how many layers the section shows (computed once, at the deepest)


def init_through_depth() -> dict[str, Any]:
    """The std of each layer's activation output at initialisation (before any training), up to 12 layers
    of 100 units (a layer's output at initialisation does not depend on the layers above it, so one deep
    network answers every depth), for each init under tanh and under ReLU; median over seeds."""
    rows = []
    deepest = DEPTH_SETUP.replace(hidden=(100,) * max(DEPTHS))
    for activation in ("tanh", "relu"):
        for init in INITS:
            per_seed = []
            for seed in range(SEEDS):
                trainer = Trainer(deepest.replace(activation=activation, init=init, seed=seed))
                per_seed.append([layer["stages"]["act"]["std"] for layer in trainer.probe()])
            medians = np.median(np.array(per_seed), axis=0)
            rows.append({"activation": activation, "init": init, "std_by_layer": medians.tolist()})
    return {"rows": rows}


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "normal",
        "Normalised is not normal",
        "Standardizing a feature sets its mean to 0 and its std to 1, but leaves its shape, skew and tails "
        "exactly as they were; only a rank-based (quantile) scaler makes it Gaussian.",
        "“Normalise your inputs” is often heard as “make them normally distributed”. Standardization only "
        "shifts and rescales: a long right tail stays a long right tail.",
        "Any statistics text: the z-score is a linear map, and skew and kurtosis are invariant under it; "
        "scikit-learn's QuantileTransformer documentation for the rank-based alternative.",
        "data",
        NORMAL_SETUP,
        experiment=normalised_not_normal,
        knobs=(Knob("sigma", "The lognormal's σ (how long feature 0's tail is)", SIGMAS, 1.5),),
    ),
    Lesson(
        "scale",
        "Scale and conditioning",
        "A feature on a 1,000× larger scale makes the problem ill-conditioned (κ explodes), and gradient "
        "descent needs about κ times more steps; standardizing fixes it, BN in the first layer only partly.",
        "The worry is usually the distribution's shape; what slows learning most is the spread of scales "
        "across features, which sets the ratio of the largest to the smallest curvature.",
        "LeCun, Bottou, Orr & Müller, “Efficient BackProp” (1998), §4.3 (normalising the inputs) and §5 "
        "(convergence of gradient descent, the eigenvalue ratio).",
        "compare",
        SCALE_SETUP,
        SCALE_GRID,
        experiment=scale_and_conditioning,
        knobs=(Knob("scale", "Feature 0's scale", GD_SCALES, 1000, unit="×{:,}"),),
    ),
    Lesson(
        "shape",
        "Same scale, different shape",
        "At the same scale, shape matters less: rare outliers lower the largest SGD step that still trains, "
        "while heavy but bounded tails did not here; and Gaussianizing can hurt when the target is linear in "
        "the raw feature.",
        "“Make every feature Gaussian” is not a rule: a rank-based scaler bends a straight relation, and "
        "what hurts SGD is rare extreme values, not a non-Gaussian shape as such.",
        "LeCun et al. (1998), §4.3–4.4: inputs with large values make large weight updates; the largest "
        "stable step is set by the largest curvature, which outliers raise.",
        "compare",
        SHAPE_SETUP,
        SHAPE_GRID,
        experiment=same_scale_different_shape,
        knobs=(Knob("outliers", "Share of rows made outliers", OUTLIER_SHARES, 0.01, unit="{:.1%}"),),
    ),
    Lesson(
        "placement",
        "Before or after the activation",
        "Where BN sits decides what the activation receives; with sigmoid units BN on either side beats none "
        "here, and before vs after is within seed noise: an empirical question, not a rule.",
        "“BN must go before the activation” is the paper's argument, not a law: many practitioners put it "
        "after the ReLU and report equal or better results.",
        "Ioffe & Szegedy (2015), §3.2 (normalise Wu + b, before the nonlinearity, for a more Gaussian input); "
        "keras-team/keras issue 1802 and the ducha-aiki caffenet-benchmark (BN after ReLU 0.499 accuracy vs "
        "before 0.474).",
        "compare",
        PLACEMENT_SETUP,
        PLACEMENT_GRID,
        experiment=before_or_after,
        knobs=(Knob("activation", "Activation", ("sigmoid", "relu"), "sigmoid", computed=False),),
    ),
    Lesson(
        "ics",
        "Internal covariate shift, reproduced",
        "Without BN, the input of a sigmoid unit in the last hidden layer drifts as the layers below learn; "
        "with BN before the sigmoid its median moves about three times less.",
        "That BN works *because* it removes this shift is the original paper's explanation, and a later "
        "paper questions it (next section): the shift is real, its role in training speed is disputed.",
        "Ioffe & Szegedy (2015), Figure 1 (b, c): the 15th, 50th and 85th percentiles of a sigmoid's input "
        "over training, on MNIST with three hidden layers of 100 sigmoid units.",
        "train",
        ICS_SETUP,
        experiment=internal_covariate_shift,
        knobs=(Knob("lr", "Learning rate", ICS_RATES, 0.05),),
    ),
    Lesson(
        "smoothness",
        "What BN really helps",
        "BN makes the loss smoother along the gradient, so larger steps still lower it; and BN with noise "
        "that shifts and scales every unit at every step still trains as well as plain BN, where the same net "
        "without BN stays at chance.",
        "If BN worked by keeping distributions stable, injecting a changing shift and scale after it should "
        "break it; it does not, which points to smoothness rather than stability.",
        "Santurkar, Tsipras, Ilyas & Madry, “How Does Batch Normalization Help Optimization?” (NeurIPS 2018), "
        "§2.2 (noisy BN, Fig. 2) and §3.1 (loss landscape and gradient predictiveness, Fig. 4).",
        "compare",
        NOISY_SETUP,
        NOISY_GRID,
        experiment=what_bn_helps,
        knobs=(Knob("noise", "Noisy BN's strength", NOISE_STRENGTHS, 1.0),),
    ),
    Lesson(
        "init",
        "Initialization through depth",
        "Through 10 layers, small random weights make activations vanish; with ReLU, Xavier's outputs shrink "
        "about 20× while He's hold steady; with tanh both stay within one order of magnitude.",
        "Initialization is not a detail BN makes irrelevant: without BN the scale of every layer's output is "
        "set by the weights' variance times the activation's gain, compounded over depth.",
        "Glorot & Bengio (2010), §4.2 and eq. 16 (normalised init); He, Zhang, Ren & Sun (2015), §2.2 "
        "(the √(2/fan_in) rule for ReLU).",
        "train",
        DEPTH_SETUP,
        experiment=init_through_depth,
        knobs=(
            Knob("depth", "Hidden layers", DEPTHS, 10, computed=False),
            Knob("init", "Initialization read out", INITS, "he", computed=False),
        ),
    ),
    Lesson(
        gaussians.KEY,
        gaussians.TITLE,
        gaussians.CLAIM,
        gaussians.BELIEF,
        gaussians.SOURCE,
        gaussians.PAGE,
        gaussians.SETUP,
        experiment=gaussians.where_gaussians_appear,
        knobs=(
            Knob("kind", "The layer's inputs", gaussians.CLT_KINDS, "skewed", computed=False),
            Knob("activation", "Activation through depth", ("relu", "tanh"), "relu", computed=False),
        ),
    ),
)
LESSONS_BY_KEY = {lesson.key: lesson for lesson in LESSONS}

GLOSSARY: dict[str, str] = {
    "feature": "one input column of the data, e.g. a pixel's brightness or a person's income.",
    "standardize": "subtract the mean and divide by the standard deviation (std): the z-score. Mean 0, std 1.",
    "normalise": "loosely, put on a common scale (standardize, min-max, …). Not the same as making Gaussian.",
    "normal distribution": "the Gaussian bell curve: symmetric, skew 0, 68% of values within one std.",
    "skew": "how lopsided a distribution is: 0 when symmetric, positive with a long right tail.",
    "excess kurtosis": "how heavy the tails are compared with a Gaussian (which has 0).",
    "Q-Q plot": "sample quantiles against a Gaussian's: a straight diagonal line means Gaussian shape.",
    "quantile scaler": "maps each value to its rank, then to the Gaussian (or uniform) with that rank.",
    "condition number κ": "largest over smallest curvature of the loss: how stretched its valleys are.",
    "curvature": "how fast the slope changes along a direction (an eigenvalue λ of the Hessian).",
    "gradient descent": "repeatedly step against the gradient (the direction of steepest increase).",
    "learning rate (step size)": "how far each gradient step moves the weights.",
    "SGD": "stochastic gradient descent: gradient steps on small random batches of rows.",
    "momentum": "SGD that keeps a running direction, so steps build up along consistent slopes.",
    "batch normalisation (BN)": "standardizes each unit over the batch's rows, then applies a learned scale "
    "γ and shift β. At test time it uses running averages of the batch statistics.",
    "layer normalisation (LN)": "standardizes each row over its units, then applies a learned γ and β.",
    "activation": "the nonlinearity applied to each unit: ReLU, sigmoid, tanh, …",
    "saturated": "a sigmoid or tanh unit near its flat ends, where its slope (and gradient) is nearly 0.",
    "dead unit": "a ReLU unit that outputs 0 on every probe row: it passes no gradient.",
    "seed": "the number that fixes all randomness of a run: data, split, weights and shuffling.",
    "median over seeds": "the middle result of several runs that differ only in their seed.",
    "95% bootstrap interval": "resample the seeds' results with replacement many times; the middle 95% "
    "of the resampled medians. Overlapping intervals mean the difference is within seed noise.",
    "internal covariate shift": "the change in a layer's input distribution as earlier layers learn.",
    "loss landscape": "the loss as a function of the weights; smooth when the gradient changes slowly.",
    "Xavier (Glorot) init": "weights uniform in ±√(6/(fan_in + fan_out)): keeps the scale through tanh layers.",
    "He (Kaiming) init": "weights with std √(2/fan_in): keeps the scale through ReLU layers.",
    "fan_in": "the number of inputs to a unit.",
    **gaussians.GLOSSARY,
}
