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
OPTIMIZERS = {"sgd": "SGD", "momentum": "SGD with momentum", "adam": "Adam"}
INITS = {
    "default": "PyTorch default (uniform ±1/√fan-in)",
    "xavier": "Xavier / Glorot",
    "he": "He / Kaiming",
    "normal": "Normal with a chosen std",
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
        return f"Normal, std {std}" if kind == "normal" else INITS.get(kind, str(value))
    return cfg.format_value(value) if not isinstance(value, str) else value
