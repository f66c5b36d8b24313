"""Per-feature transforms that change one thing at a time (their grammar: `explorer.config.skew_grammar`).

Shape kinds change a feature's distribution and then restore its mean and std exactly, so "same scale,
different shape" is a real experiment; scale kinds change only location and scale, so "same shape,
different scale" is one too. All shape kinds are monotone: they hide no information from the network.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from explorer.config.skew_grammar import Skew


def _standardized_ranks(column: np.ndarray) -> np.ndarray:
    ranks = np.argsort(np.argsort(column, kind="stable"), kind="stable")
    return (ranks + 0.5) / len(column)


def _reshape(z: np.ndarray, kind: str, amount: float) -> np.ndarray:
    """A new shape for standardized values z; the caller restores mean and std."""
    if kind == "lognormal":
        return np.exp(amount * np.clip(z, -20 / max(amount, 1e-9), 20 / max(amount, 1e-9)))
    if kind == "heavy_tail":  # Student t with 4 + 6/amount degrees of freedom has excess kurtosis = amount
        return stats.t.ppf(_standardized_ranks(z), df=4 + 6 / amount) if amount > 0 else z
    if kind == "uniform":
        return (1 - amount) * z + amount * (_standardized_ranks(z) - 0.5) * np.sqrt(12)
    if kind == "bimodal":
        return z + amount * np.where(z >= np.median(z), 1.0, -1.0)
    levels = round(amount)  # discretize: equal-count bins, each value replaced by its bin's level
    return np.floor(_standardized_ranks(z) * levels)


def apply(X: np.ndarray, skews: list[Skew], seed: int) -> np.ndarray:
    """The skews applied in order to a copy of X (float64)."""
    X = np.array(X, dtype=np.float64, copy=True)
    rng = np.random.default_rng([seed, 1789])
    for skew in skews:
        for j in skew.columns(X.shape[1]):
            X[:, j] = _apply_one(X[:, j], skew.kind, skew.amount, rng)
    return X


def _apply_one(column: np.ndarray, kind: str, amount: float, rng: np.random.Generator) -> np.ndarray:
    if kind == "scale":
        return column * amount
    if kind == "shift":
        return column + amount
    mean, std = column.mean(), column.std()
    if std == 0:
        return column
    if kind == "outliers":
        out = column.copy()
        count = max(1, round(amount * len(column)))
        rows = rng.choice(len(column), size=count, replace=False)
        out[rows] = mean + rng.choice([-1.0, 1.0], count) * rng.uniform(8, 15, count) * std
        return out
    shaped = _reshape((column - mean) / std, kind, amount)
    shaped_std = shaped.std()
    if shaped_std == 0:
        return column
    return (shaped - shaped.mean()) / shaped_std * std + mean
