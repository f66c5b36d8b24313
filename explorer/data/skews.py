"""Per-feature transforms that change one thing at a time.

Shape kinds change a feature's distribution and then restore its mean and std exactly, so "same scale,
different shape" is a real experiment; scale kinds change only location and scale, so "same shape,
different scale" is one too. All shape kinds are monotone: they hide no information from the network.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

from explorer.config import ConfigError

SHAPE_KINDS = {
    "lognormal": "right skew: exp(sigma·z); amount = sigma (0.1 to 3)",
    "heavy_tail": "symmetric heavy tails: ranks mapped to a Student t; amount = its excess kurtosis (0 to 10)",
    "uniform": "flattened towards uniform ranks; amount = share in [0, 1]",
    "bimodal": "split at the median into two modes; amount = gap in stds (0 to 10)",
    "discretize": "rounded to a few levels by quantile; amount = levels (2 to 100)",
}
SCALE_KINDS = {
    "scale": "multiplied by a factor > 0 (e.g. 1000)",
    "shift": "offset added (e.g. 50)",
}
OUTLIER_KINDS = {"outliers": "that share of rows pushed 8 to 15 stds out; amount in (0, 0.5]"}
KINDS = {**SHAPE_KINDS, **SCALE_KINDS, **OUTLIER_KINDS}

_AMOUNT_RANGES = {
    "lognormal": (0.0, 3.0),
    "heavy_tail": (0.0, 10.0),
    "uniform": (0.0, 1.0),
    "bimodal": (0.0, 10.0),
    "discretize": (2.0, 100.0),
    "scale": (1e-6, 1e6),
    "shift": (-1e6, 1e6),
    "outliers": (0.0, 0.5),
}


@dataclass(frozen=True)
class Skew:
    """One `<features>:<kind>:<amount>` item."""

    features: str
    kind: str
    amount: float

    def __str__(self) -> str:
        return f"{self.features}:{self.kind}:{self.amount:g}"

    def columns(self, n_features: int) -> list[int]:
        return select_features(self.features, n_features)


def parse_skew(text: str) -> list[Skew]:
    """Parse the `skew` key; feature indices are checked later, against the data."""
    skews = []
    for item in (part.strip() for part in text.split(";")):
        if not item:
            continue
        parts = item.split(":")
        if len(parts) != 3:
            raise ConfigError(f"skew item {item!r}: expected <features>:<kind>:<amount>, e.g. 0:lognormal:1.5")
        features, kind, amount_text = (p.strip() for p in parts)
        if kind not in KINDS:
            raise ConfigError(f"skew item {item!r}: unknown kind {kind!r}; kinds: {', '.join(KINDS)}")
        try:
            amount = float(amount_text)
        except ValueError:
            raise ConfigError(f"skew item {item!r}: amount {amount_text!r} is not a number") from None
        lo, hi = _AMOUNT_RANGES[kind]
        if not (lo <= amount <= hi) or (kind in ("outliers", "scale") and amount <= 0):
            raise ConfigError(f"skew item {item!r}: {kind} amount must be in [{lo:g}, {hi:g}]")
        select_features(features, None)  # syntax check
        skews.append(Skew(features, kind, amount))
    return skews


def select_features(selector: str, n_features: int | None) -> list[int]:
    """`all`, `even`, `odd`, `3`, `0,2`, `0-9` or a comma list of those numbers and ranges."""
    if selector in ("all", "even", "odd"):
        if n_features is None:
            return []
        start, step = {"all": (0, 1), "even": (0, 2), "odd": (1, 2)}[selector]
        return list(range(start, n_features, step))
    picked: list[int] = []
    for part in selector.split(","):
        lo_text, dash, hi_text = part.strip().partition("-")
        try:
            lo = int(lo_text)
            hi = int(hi_text) if dash else lo
        except ValueError:
            raise ConfigError(
                f"skew features {selector!r}: use all, even, odd, an index (3), a list (0,2) or a range (0-9)"
            ) from None
        if lo < 0 or hi < lo:
            raise ConfigError(f"skew features {selector!r}: range {part.strip()!r} is empty or negative")
        picked.extend(range(lo, hi + 1))
    if n_features is not None and picked and max(picked) >= n_features:
        raise ConfigError(
            f"skew features {selector!r}: feature {max(picked)} does not exist; "
            f"this data has features 0-{n_features - 1}"
        )
    return sorted(set(picked))


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
