"""Per-feature transforms that change one thing at a time (their grammar: `explorer.config.skew_grammar`).

Shape kinds change a feature's distribution and then restore its mean and std exactly, so "same scale,
different shape" is a real experiment; scale kinds change only location and scale, so "same shape,
different scale" is one too. All shape kinds are monotone: they hide no information from the network.
"""

from __future__ import annotations

import functools

import numpy as np
from scipy import stats

from explorer.config.skew_grammar import Skew


def _ranks(column: np.ndarray) -> np.ndarray:
    """Each value's 0-based rank, ties in row order: one stable sort (the inverse of the sorting
    permutation), where ranking by sorting the permutation again cost a second sort."""
    order = np.argsort(column, kind="stable")
    ranks = np.empty(len(column), dtype=np.int64)
    ranks[order] = np.arange(len(column))
    return ranks


def _standardized_ranks(column: np.ndarray) -> np.ndarray:
    return (_ranks(column) + 0.5) / len(column)


@functools.lru_cache(maxsize=4)
def _t_quantiles(n: int, df: float) -> np.ndarray:
    """Student t's quantiles at the standardized ranks (i + 0.5) / n. Ranks are a permutation of 0..n-1, so
    every feature of an item indexes the same n values: t.ppf (about 0.5 µs a value) runs once per item, not
    once per value (50,000 rows × 100 features took 3 s), and gives the same numbers."""
    quantiles = stats.t.ppf((np.arange(n) + 0.5) / n, df=df)
    quantiles.flags.writeable = False  # shared between calls
    return quantiles


def _reshape(z: np.ndarray, kind: str, amount: float) -> np.ndarray:
    """A new shape for standardized values z; the caller restores mean and std."""
    if kind == "lognormal":
        return np.exp(amount * np.clip(z, -20 / max(amount, 1e-9), 20 / max(amount, 1e-9)))
    if kind == "heavy_tail":  # Student t with 4 + 6/amount degrees of freedom has excess kurtosis = amount
        if amount <= 0:
            return z
        return _t_quantiles(len(z), 4 + 6 / amount)[_ranks(z)]
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
