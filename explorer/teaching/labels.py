"""Readable names for Config values, the same on every page, chart legend and table.

Config values are ids fit for URLs and the CLI (`yeo_johnson`, `bn_before`); a learner reads these labels
instead. Every value has one, so a page never falls back to an id (tests/engine/test_labels.py checks it).
"""

from __future__ import annotations

from typing import Any

from explorer import config as cfg

SCALERS = {
    "none": "None (raw features)",
    "standard": "Standardize (z-score)",
    "minmax": "Min-max to [0, 1]",
    "maxabs": "Max-abs to [−1, 1]",
    "robust": "Robust (median and IQR)",
    "quantile_normal": "Quantile → normal",
    "quantile_uniform": "Quantile → uniform",
    "yeo_johnson": "Yeo-Johnson power transform",
    "box_cox": "Box-Cox power transform",
    "l2": "L2 row normalisation (per sample)",
    "pca_whiten": "PCA whitening",
}
NORMS = {
    "none": "No normalisation",
    "bn_before": "BN before the activation",
    "bn_after": "BN after the activation",
    "bn_noisy": "Noisy BN before the activation",
    "ln_before": "LayerNorm before the activation",
    "ln_after": "LayerNorm after the activation",
}
NORMS_SHORT = {  # where a chart legend or a table cell has little room
    "none": "no norm",
    "bn_before": "BN → act",
    "bn_after": "act → BN",
    "bn_noisy": "noisy BN → act",
    "ln_before": "LN → act",
    "ln_after": "act → LN",
}
ACTIVATIONS = {
    "relu": "ReLU",
    "leaky_relu": "Leaky ReLU",
    "elu": "ELU",
    "gelu": "GELU",
    "tanh": "tanh",
    "sigmoid": "sigmoid",
    "linear": "linear (none)",
}
NORM_STAGES = {  # the norm stage of a layer, heading a chart panel: short, lower case
    "bn_before": "batch norm",
    "bn_after": "batch norm",
    "bn_noisy": "noisy batch norm",
    "ln_before": "layer norm",
    "ln_after": "layer norm",
}
STAGES = {  # a layer's stages in general: when the runs on one chart differ in their norm or activation
    "linear": "linear (W·u + b)",
    "norm": "normalisation",
    "act": "activation",
}
METRICS = {"test_accuracy": "test accuracy", "test_r2": "test R²"}  # Trainer.metric_name's values
METRICS_SHORT = {"test_accuracy": "accuracy", "test_r2": "R²"}  # an axis under a title that already says "test"
FINAL_METRICS = {**METRICS, "test_loss": "test loss", "train_loss": "train loss"}  # what a room's board may rank
LOWER_IS_BETTER = frozenset({"test_loss", "train_loss"})  # a board ranks these low first
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}
INITS = {
    "default": "PyTorch default (uniform ±1/√fan-in)",
    "xavier": "Xavier / Glorot",
    "he": "He / Kaiming",
    "he_uniform": "He / Kaiming, uniform",
    "normal": "Normal with a chosen std",
    "uniform": "Uniform with a chosen std",
}
SKEW_KINDS = {  # the skew grammar's kinds (explorer/config/skew_grammar.py)
    "lognormal": "Lognormal (right skew)",
    "heavy_tail": "Heavy tails",
    "uniform": "Towards uniform",
    "bimodal": "Bimodal (two modes)",
    "discretize": "Discretized (few levels)",
    "scale": "Scale (× a factor)",
    "shift": "Shift (+ an offset)",
    "outliers": "Outliers",
}
DATASETS = {
    "moons": "Two moons (2 features)",
    "circles": "Circles (2 features)",
    "blobs": "Blobs",
    "xor": "XOR (2 features)",
    "spiral": "Spiral (2 features)",
    "classification": "Synthetic classification",
    "regression": "Synthetic regression",
    "skewed_regression": "Skewed regression",
    "iris": "Iris (bundled)",
    "wine": "Wine (bundled)",
    "breast_cancer": "Breast cancer (bundled)",
    "digits": "Digits 8×8 (bundled)",
    "diabetes": "Diabetes, regression (bundled)",
    "csv": "Your CSV file",
}
BY_KEY: dict[str, dict[str, str]] = {
    "scaler": SCALERS,
    "norm": NORMS,
    "activation": ACTIVATIONS,
    "optimizer": OPTIMIZERS,
    "dataset": DATASETS,
}
CHOICES: dict[str, tuple[str, ...]] = {
    "scaler": cfg.SCALERS,
    "norm": cfg.NORMS,
    "activation": cfg.ACTIVATIONS,
    "optimizer": cfg.OPTIMIZERS,
    "dataset": cfg.DATASETS,
}


def label(key: str, value: Any) -> str:
    """The readable label of a Config value (its own text when the key has no labels, e.g. lr)."""
    labels = BY_KEY.get(key)
    if labels is not None and value in labels:
        return labels[value]
    if key == "init":
        kind, _, std = str(value).partition(":")
        return f"{kind.capitalize()}, std {std}" if kind in cfg.INIT_SHAPES and std else INITS.get(kind, str(value))
    if key == "skew":
        return skew_text(str(value))
    return cfg.format_value(value) if not isinstance(value, str) else value


def skew_text(skew: str) -> str:
    """'all:outliers:0.01;1:scale:1000' → 'Outliers 1%; Scale (× a factor) 1000 on feature 1' ('' → 'No skew')."""
    items = [item for item in (part.strip() for part in skew.split(";")) if item]
    if not items:
        return "No skew"
    words = []
    for item in items:
        features, kind, amount = (part.strip() for part in item.split(":"))
        value = f"{float(amount) * 100:g}%" if kind == "outliers" else f"{float(amount):g}"
        text = f"{SKEW_KINDS.get(kind, kind)} {value}"
        words.append(text if features == "all" else f"{text} on feature {features}")
    return "; ".join(words)


def norm_stage(norm: str) -> str:
    """The name of a layer's norm stage under `norm` ('batch norm' for a value with no stage of its own)."""
    return NORM_STAGES.get(norm, NORM_STAGES["bn_before"])


def metric_words(name: str) -> str:
    """A final metric as a learner reads it ('test_loss' → 'test loss'); an unknown name with spaces for `_`."""
    return FINAL_METRICS.get(name, name.replace("_", " "))


def capitalised(words: str) -> str:
    """Words as a heading or a metric's caption: 'test R²' → 'Test R²' (str.capitalize would lower the R)."""
    return words[:1].upper() + words[1:]
