"""The one typed, validated `Config` behind the UI, the URL, the CLI and sweeps.

Every key has a parser from text (URL query values and CLI flags are text) and a validator that
names the key, the value and what is allowed, so a bad link or flag gets one clear line.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

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
OPTIMIZERS = ("sgd", "momentum", "adam")

MAX_SAMPLES = 50_000
MAX_LAYERS = 12
MAX_WIDTH = 512
MAX_EPOCHS = 5_000
MAX_FEATURES = 100
MAX_SEED = 2**31 - 1
INIT_STD_RANGE = (1e-4, 10.0)  # for init=normal:<std>


FILE_KEYS = ("csv_path", "target")  # a link must never make the server read a file of its choosing


class ConfigError(ValueError):
    """A key has a value outside what is allowed; the message is meant for the user as is."""


def _parse_hidden(text: str) -> tuple[int, ...]:
    text = text.strip()
    if text in ("", "none", "()"):
        return ()
    return tuple(int(part) for part in text.replace(" ", "").strip("()[]").split(",") if part)


@dataclass(frozen=True)
class _Key:
    """How one Config key is read from text, checked and explained."""

    parse: Callable[[str], Any]
    check: Callable[[Any], bool]
    allowed: str
    help: str


def _choice(options: tuple[str, ...], help_text: str) -> _Key:
    return _Key(str, lambda v: v in options, "one of " + ", ".join(options), help_text)


def _between(lo: float, hi: float, kind: type, help_text: str, lo_open: bool = False) -> _Key:
    def check(v: Any) -> bool:
        return math.isfinite(v) and (v > lo if lo_open else v >= lo) and v <= hi

    bracket = "(" if lo_open else "["
    return _Key(kind, check, f"a{'n integer' if kind is int else ' number'} in {bracket}{lo:g}, {hi:g}]", help_text)


def _valid_init(value: str) -> bool:
    if value in ("default", "xavier", "he"):
        return True
    kind, _, std = value.partition(":")
    try:
        return kind == "normal" and INIT_STD_RANGE[0] <= float(std) <= INIT_STD_RANGE[1]
    except ValueError:
        return False


def _valid_skew(value: str) -> bool:
    from explorer.data.skews import parse_skew  # local: skews imports config's error type

    parse_skew(value)  # raises ConfigError with the precise reason
    return True


KEYS: dict[str, _Key] = {
    "dataset": _choice(DATASETS, "which data to learn"),
    "n_samples": _between(20, MAX_SAMPLES, int, "rows generated for synthetic datasets"),
    "noise": _between(0, 5, float, "label/feature noise for synthetic datasets"),
    "n_features": _between(
        2, MAX_FEATURES, int, "features of the classification, regression, skewed_regression and blobs datasets"
    ),
    "test_size": _between(0.05, 0.9, float, "fraction held out for testing (stratified for classification)"),
    "csv_path": _Key(str, lambda v: True, "a path to a CSV file", "the CSV to load when dataset=csv"),
    "target": _Key(str, lambda v: True, "a column name of the CSV", "CSV target column (default: the last)"),
    "skew": _Key(str, _valid_skew, "items like 0:lognormal:1.5 joined by ';'", "per-feature transforms, in order"),
    "scaler": _choice(SCALERS, "input scaling, fitted on the training split only"),
    "hidden": _Key(
        _parse_hidden,
        lambda v: 1 <= len(v) <= MAX_LAYERS and all(1 <= w <= MAX_WIDTH for w in v),
        f"1 to {MAX_LAYERS} comma-separated widths, each in [1, {MAX_WIDTH}]",
        "hidden layer widths, e.g. 64,64",
    ),
    "activation": _choice(ACTIVATIONS, "hidden-layer activation"),
    "norm": _choice(
        NORMS,
        "normalisation and its place: batch norm before/after the activation, bn_noisy (BN before the "
        "activation plus noise that shifts and scales each unit at every step), LayerNorm before/after",
    ),
    "norm_noise": _between(0, 5, float, "strength of bn_noisy's noise (0: exactly bn_before)"),
    "init": _Key(
        str,
        _valid_init,
        f"default, xavier, he or normal:<std> with {INIT_STD_RANGE[0]:g} <= std <= {INIT_STD_RANGE[1]:g}",
        "weights of every layer, the output layer included: default is PyTorch's (uniform ±1/√fan_in); xavier "
        "is Glorot's uniform ±√(6/(fan_in+fan_out)); he is Kaiming's normal, std √(2/fan_in) (the linear "
        "output layer: √(1/fan_in)); normal:<std> draws N(0, std²); biases start at 0 except under default",
    ),
    "optimizer": _choice(OPTIMIZERS, "sgd, sgd with momentum, or adam"),
    "lr": _between(0, 10, float, "learning rate", lo_open=True),
    "momentum": _between(0, 0.999, float, "momentum for the momentum optimizer"),
    "weight_decay": _between(0, 1, float, "L2 penalty added to the gradients"),
    "batch_size": _between(1, 4096, int, "rows per gradient step"),
    "epochs": _between(1, MAX_EPOCHS, int, "passes over the training split"),
    "seed": _between(0, MAX_SEED, int, "seeds data, split, init and shuffling"),
}


@dataclass(frozen=True)
class Config:
    """Everything that defines a run; equal configs give identical numbers on the same machine."""

    dataset: str = "moons"
    n_samples: int = 1000
    noise: float = 0.2
    n_features: int = 10
    test_size: float = 0.25
    csv_path: str = ""
    target: str = ""
    skew: str = ""
    scaler: str = "standard"
    hidden: tuple[int, ...] = field(default=(32, 32))
    activation: str = "relu"
    norm: str = "none"  # the first screen trains without BN, so turning BN on is a visible comparison
    norm_noise: float = 1.0
    init: str = "default"
    optimizer: str = "momentum"  # SGD with momentum: the optimizer conditioning speaks about (Adam hides scale)
    lr: float = 0.01
    momentum: float = 0.9
    weight_decay: float = 0.0
    batch_size: int = 32
    epochs: int = 60  # moons with these defaults learns over ~20 epochs: the curve is not flat for most of the run
    seed: int = 0

    def __post_init__(self) -> None:
        if self.dataset != "csv":  # file keys only mean something for a CSV; don't let them ride along
            object.__setattr__(self, "csv_path", "")
            object.__setattr__(self, "target", "")
        for name, key in KEYS.items():
            value = getattr(self, name)
            if isinstance(value, list):
                object.__setattr__(self, name, tuple(value))
                value = tuple(value)
            try:
                ok = key.check(value)
            except ConfigError:
                raise
            except (TypeError, ValueError):
                ok = False
            if not ok:
                raise ConfigError(f"{name}={format_value(value)!s}: expected {key.allowed}")
        if self.dataset == "csv" and not self.csv_path:
            raise ConfigError("dataset=csv: set csv_path to the CSV file to load")
        if self.norm in BATCH_NORMS and self.batch_size < 2:
            raise ConfigError(
                f"batch_size={self.batch_size} with norm={self.norm}: batch norm needs at least 2 rows per batch"
            )

    # ---- (de)serialisation -------------------------------------------------------------
    def replace(self, **changes: Any) -> Config:
        """A copy with some keys changed (validated like any Config)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        return {name: list(v) if isinstance(v, tuple) else v for name, v in dataclasses.asdict(self).items()}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())

    def to_query(self) -> dict[str, str]:
        """All keys as text, for a URL that reproduces the run even if defaults change later.

        Never a file path: a link cannot carry an uploaded CSV (see `from_query`).
        """
        return {
            name: format_value(value) for name, value in self.to_dict().items() if value != "" and name not in FILE_KEYS
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Config:
        """Strict: unknown keys and bad values raise ConfigError (for JSON files and the CLI)."""
        unknown = sorted(set(values) - set(KEYS))
        if unknown:
            raise ConfigError(f"unknown key {unknown[0]!r}; known keys: {', '.join(KEYS)}")
        return cls(**{name: parse_value(name, value) for name, value in values.items()})

    @classmethod
    def from_json(cls, text: str) -> Config:
        try:
            values = json.loads(text)
        except json.JSONDecodeError as err:
            raise ConfigError(f"config is not valid JSON: {err.msg} at line {err.lineno}") from None
        if not isinstance(values, dict):
            raise ConfigError("config JSON must be an object of key: value pairs")
        return cls.from_dict(values)

    @classmethod
    def from_query(cls, params: Mapping[str, str], base: Config | None = None) -> tuple[Config, list[str]]:
        """Lenient: a shared link with one bad value still opens, with that key at its default.

        Returns the config and one message per key that was ignored, so the UI can show them.
        """
        config = base or cls()
        problems: list[str] = []
        params = dict(params)
        dropped = [name for name in FILE_KEYS if params.pop(name, None) is not None]
        if dropped:
            problems.append("ignored URL parameter csv_path: a link cannot point at a file on the server")
        if params.get("dataset") == "csv":
            del params["dataset"]
            problems.append("this link was made with an uploaded CSV: upload it again (dataset is back to the default)")
        for name, raw in params.items():
            if name not in KEYS:
                problems.append(f"ignored unknown URL parameter {name!r}")
                continue
            try:
                config = config.replace(**{name: parse_value(name, raw)})
            except ConfigError as err:
                problems.append(f"ignored URL parameter {err}")
        try:
            config.__post_init__()
        except ConfigError as err:  # a combination of individually valid values
            problems.append(f"ignored the URL's settings: {err}")
            config = base or cls()
        return config, problems


def parse_value(name: str, value: Any) -> Any:
    """Text (or JSON) to the key's type; a value that cannot be read raises ConfigError."""
    key = KEYS[name]
    if not isinstance(value, str):
        if name == "hidden" and isinstance(value, (list, tuple)):
            return tuple(value)
        if isinstance(value, bool) or (isinstance(value, float) and key.parse is int and not value.is_integer()):
            raise ConfigError(f"{name}={value!r}: expected {key.allowed}")
        return key.parse(value) if key.parse in (int, float) else value
    try:
        return key.parse(value)
    except (TypeError, ValueError):
        raise ConfigError(f"{name}={value!r}: expected {key.allowed}") from None


def format_value(value: Any) -> str:
    if isinstance(value, (tuple, list)):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return f"{value:g}" if abs(value) >= 1e-4 or value == 0 else repr(value)
    return str(value)
