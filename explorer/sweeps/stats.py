"""Statistics over seeds: medians with a bootstrap 95% interval, so a difference can be told from seed noise.

Why the median and a bootstrap: with 3–10 seeds and the odd bad seed, the median is what a typical run
does, and a percentile bootstrap of it needs no normality assumption. The resampling is seeded, so the
same runs always give the same interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

INTERVAL = "bootstrap"  # named in the sweep JSON and on the page
INTERVAL_TEXT = "95% bootstrap interval of the median over seeds"
RESAMPLES = 2_000


def _resample_indices(n: int) -> np.ndarray:
    return np.random.default_rng(0).integers(0, n, size=(RESAMPLES, n))


def summarize(values: Sequence[float]) -> dict[str, float | None]:
    """median, mean and the bootstrap 95% interval of the median; all None when there are no values."""
    v = np.asarray([x for x in values if x is not None and math.isfinite(x)], dtype=np.float64)
    if v.size == 0:
        return {"median": None, "mean": None, "ci95_low": None, "ci95_high": None}
    if v.size == 1:  # one seed: no spread, so every figure is that value (and numpy's calls cost ~30 µs)
        value = float(v[0])
        return {"median": value, "mean": value, "ci95_low": value, "ci95_high": value}
    low, high = median_band(v[None, :])
    median, mean = float(np.median(v)), float(v.mean())
    return {"median": median, "mean": mean, "ci95_low": float(low[0]), "ci95_high": float(high[0])}


def median_band(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per row of `values` (rows × seeds), the bootstrap 95% interval of the median over the seeds.

    One seed gives a zero-width interval: there is no spread to measure.
    """
    values = np.asarray(values, dtype=np.float64)
    n = values.shape[1]
    if n == 1:
        return values[:, 0].copy(), values[:, 0].copy()
    medians = np.median(values[:, _resample_indices(n)], axis=2)  # rows × resamples
    low, high = np.percentile(medians, [2.5, 97.5], axis=1)
    return low, high


def overlaps(a: dict[str, float | None], b: dict[str, float | None]) -> bool:
    """Whether two summaries' intervals overlap (then their difference is within seed noise)."""
    if None in (a["ci95_low"], a["ci95_high"], b["ci95_low"], b["ci95_high"]):
        return True
    return a["ci95_low"] <= b["ci95_high"] and b["ci95_low"] <= a["ci95_high"]
