"""Every fact about every Config key, declared once: how it is read from text, what it allows, its range,
which group it belongs to, whether a change applies to a running training, and whether the members of one
stacked sweep group may differ in it.

Everything else that groups keys or repeats a range (the pipeline's cache, the network's stacking rule,
the sweep's grouping, the pages' widgets and reset messages, the CLI's help) derives it from here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from explorer.config.skew_grammar import MAX_SKEW_ITEMS, parse_skew

SYNTHETIC_DATASETS = (
    "moons",
    "circles",
    "blobs",
    "xor",
    "spiral",
    "classification",
    "regression",
    "skewed_regression",
)
BUNDLED_DATASETS = ("iris", "wine", "breast_cancer", "digits", "diabetes")
DATASETS = SYNTHETIC_DATASETS + BUNDLED_DATASETS + ("csv",)
SCALERS = (
    "none",
    "standard",
    "minmax",
    "maxabs",
    "robust",
    "quantile_normal",
    "quantile_uniform",
    "yeo_johnson",
    "box_cox",
    "l2",
    "pca_whiten",
)
ACTIVATIONS = ("relu", "leaky_relu", "elu", "gelu", "tanh", "sigmoid", "linear")
NORMS = ("none", "bn_before", "bn_after", "bn_noisy", "ln_before", "ln_after")
BATCH_NORMS = ("bn_before", "bn_after", "bn_noisy")  # statistics over a batch's rows: a batch needs 2
NOISY_NORMS = ("bn_noisy",)  # norms that take norm_noise
OPTIMIZERS = ("sgd", "momentum", "adam")
INITS = ("default", "xavier", "he", "he_uniform")  # and normal:<std>, uniform:<std>
INIT_SHAPES = ("normal", "uniform")  # init=<shape>:<std>: weights of that shape and std, biases 0

MAX_SAMPLES = 50_000
MAX_LAYERS = 12
MAX_WIDTH = 512
MAX_EPOCHS = 5_000
MAX_FEATURES = 100
MAX_BATCH = 4096
MAX_SEED = 2**31 - 1
INIT_STD_RANGE = (1e-4, 10.0)  # for init=normal:<std> and uniform:<std>
MAX_VALUE_CHARS = 2_000  # any key's text (URL value, flag, JSON string): a 10-item skew of long feature lists fits

FILE_KEYS = ("csv_path", "target")  # a link must never make the server read a file of its choosing

Group = Literal["data", "network", "training"]
GROUP_ORDER: tuple[Group, ...] = ("data", "network", "training")  # the sidebar's order, and a reset's name


@dataclass(frozen=True)
class Key:
    """How one Config key is read from text, checked and explained, and where it belongs.

    group: the sidebar section that holds it and the word a restart uses ("Network changed (norm)").
    bounds: the inclusive (min, max) of a number, for widgets that must accept every valid value (None for
        a number whose range is open, such as lr > 0, and for text).
    loads: the loaded, skewed and split data depend on it (scaling comes after and is not such a key).
    live: a change applies to a running training without restarting it.
    per_member: the members of one stacked sweep group may differ in it (see `explorer.sweeps`).
    """

    parse: Callable[[str], Any]
    check: Callable[[Any], bool]
    allowed: str
    help: str
    group: Group
    bounds: tuple[Any, Any] | None = None
    loads: bool = False
    live: bool = False
    per_member: bool = False


def _parse_hidden(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text in ("", "none", "()"):
        return ()
    return tuple(int(part) for part in text.replace(" ", "").strip("()[]").split(",") if part)


def _choice(options: tuple[str, ...], help_text: str, group: Group, **facts: bool) -> Key:
    return Key(str, lambda v: v in options, "one of " + ", ".join(options), help_text, group, **facts)


def _between(
    lo: float, hi: float, kind: type, help_text: str, group: Group, lo_open: bool = False, **facts: bool
) -> Key:
    def check(v: Any) -> bool:
        return math.isfinite(v) and (v > lo if lo_open else v >= lo) and v <= hi

    bracket = "(" if lo_open else "["
    allowed = f"a{'n integer' if kind is int else ' number'} in {bracket}{lo:g}, {hi:g}]"
    bounds = None if lo_open else (kind(lo), kind(hi))  # a widget can only offer a closed range
    return Key(kind, check, allowed, help_text, group, bounds=bounds, **facts)


def _valid_init(value: str) -> bool:
    if value in INITS:
        return True
    kind, _, std = value.partition(":")
    try:
        return kind in INIT_SHAPES and INIT_STD_RANGE[0] <= float(std) <= INIT_STD_RANGE[1]
    except ValueError:
        return False


def _valid_skew(value: str) -> bool:
    parse_skew(value)  # raises ConfigError with the precise reason
    return True


KEYS: dict[str, Key] = {
    "dataset": _choice(DATASETS, "which data to learn", "data", loads=True),
    "n_samples": _between(20, MAX_SAMPLES, int, "rows generated for synthetic datasets", "data", loads=True),
    "noise": _between(0, 5, float, "label/feature noise for synthetic datasets", "data", loads=True, per_member=True),
    "n_features": _between(
        2,
        MAX_FEATURES,
        int,
        "features of the classification, regression, skewed_regression and blobs datasets",
        "data",
        loads=True,
    ),
    "test_size": _between(
        0.05, 0.9, float, "fraction held out for testing (stratified for classification)", "data", loads=True
    ),
    "csv_path": Key(
        str, lambda v: True, "a path to a CSV file", "the CSV to load when dataset=csv", "data", loads=True
    ),
    "target": Key(
        str, lambda v: True, "a column name of the CSV", "CSV target column (default: the last)", "data", loads=True
    ),
    "skew": Key(
        str,
        _valid_skew,
        f"at most {MAX_SKEW_ITEMS} items like 0:lognormal:1.5 joined by ';'",
        "per-feature transforms, in order",
        "data",
        loads=True,
        per_member=True,
    ),
    "scaler": _choice(SCALERS, "input scaling, fitted on the training split only", "data", per_member=True),
    "hidden": Key(
        _parse_hidden,
        lambda v: 1 <= len(v) <= MAX_LAYERS and all(1 <= w <= MAX_WIDTH for w in v),
        f"1 to {MAX_LAYERS} comma-separated widths, each in [1, {MAX_WIDTH}]",
        "hidden layer widths, e.g. 64,64",
        "network",
    ),
    "activation": _choice(ACTIVATIONS, "hidden-layer activation", "network"),
    "norm": _choice(
        NORMS,
        "normalisation and its place: batch norm before/after the activation, bn_noisy (BN before the "
        "activation plus noise that shifts and scales each unit at every step), LayerNorm before/after",
        "network",
    ),
    "norm_noise": _between(
        0, 5, float, "strength of bn_noisy's noise (0: exactly bn_before)", "network", per_member=True
    ),
    "init": Key(
        str,
        _valid_init,
        f"default, xavier, he, he_uniform, normal:<std> or uniform:<std> with "
        f"{INIT_STD_RANGE[0]:g} <= std <= {INIT_STD_RANGE[1]:g}",
        "weights of every layer, the output layer included: default is PyTorch's (uniform ±1/√fan_in); xavier "
        "is Glorot's uniform ±√(6/(fan_in+fan_out)); he is Kaiming's normal, std √(2/fan_in) (the linear "
        "output layer: √(1/fan_in)); he_uniform is the same std from a uniform, ±√(6/fan_in); normal:<std> "
        "draws N(0, std²) and uniform:<std> uniform ±std·√3 (the same std, another shape); biases start at 0 "
        "except under default",
        "network",
        per_member=True,
    ),
    "optimizer": _choice(OPTIMIZERS, "sgd, sgd with momentum, or adam", "training"),
    "lr": _between(0, 10, float, "learning rate", "training", lo_open=True, live=True, per_member=True),
    "momentum": _between(0, 0.999, float, "momentum for the momentum optimizer", "training", per_member=True),
    "weight_decay": _between(0, 1, float, "L2 penalty added to the gradients", "training", per_member=True),
    "batch_size": _between(1, MAX_BATCH, int, "rows per gradient step", "training"),
    "epochs": _between(1, MAX_EPOCHS, int, "passes over the training split", "training", live=True),
    "seed": _between(
        0, MAX_SEED, int, "seeds data, split, init and shuffling", "training", loads=True, per_member=True
    ),
}


def keys_where(**facts: Any) -> tuple[str, ...]:
    """The keys, in Config order, whose facts all equal the given values, e.g. `keys_where(group="data")`."""
    return tuple(name for name, key in KEYS.items() if all(getattr(key, f) == v for f, v in facts.items()))


GROUPS: dict[Group, tuple[str, ...]] = {group: keys_where(group=group) for group in GROUP_ORDER}
LOAD_KEYS = keys_where(loads=True)  # what the loaded, skewed and split data depend on
PREPARE_KEYS = tuple(name for name in KEYS if name in LOAD_KEYS or KEYS[name].group == "data")  # + the scaler
LIVE_KEYS = keys_where(live=True)
PER_MEMBER_KEYS = keys_where(per_member=True)
ARCHITECTURE_KEYS = keys_where(group="network", per_member=False)  # what members must share to stack
TRAINING_KEYS = keys_where(group="training", per_member=False)  # ... and to step together
BOUNDS: dict[str, tuple[Any, Any]] = {name: key.bounds for name, key in KEYS.items() if key.bounds is not None}
