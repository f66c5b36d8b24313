"""Statistics of one stage's activations (rows × units), as the run report's STATS.

Histograms use edges fixed per (layer, stage) for the whole run, so a chart can animate the same bins;
values beyond the edges are counted in the end bins, and min/max still show how far they go.
numpy, not torch: its partition-based percentiles are ~20× cheaper than `torch.quantile` at this size,
and the probes run after every epoch.
"""

from __future__ import annotations

from typing import Any

import numpy as np

PROBE_ROWS = 2_000  # the probe set: the test split's first rows, the same every epoch
N_BINS = 40
SATURATION_MARGIN = 0.01  # share of the activation's range near a bound that counts as saturated
_QUANTILES = np.array([0.15, 0.5, 0.85])


def percentiles(values: np.ndarray, axis: int | None = None) -> np.ndarray:
    """p15, p50, p85 (linear interpolation, as np.percentile) from one partial sort."""
    values = values.reshape(-1) if axis is None else values
    n = values.shape[0]
    position = _QUANTILES * (n - 1)
    lo = np.floor(position).astype(np.int64)
    hi = np.minimum(lo + 1, n - 1)
    parted = np.partition(values, np.unique(np.concatenate([lo, hi])), axis=0)
    weight = position - lo if axis is None else (position - lo)[:, None]
    return parted[lo] + (parted[hi] - parted[lo]) * weight


def choose_edges(values: np.ndarray, bounds: tuple[float, float] | None = None) -> np.ndarray:
    """Bin edges that cover the bulk of the first values seen, with room for the run to move."""
    if bounds is not None:
        return np.linspace(bounds[0], bounds[1], N_BINS + 1)
    flat = values.reshape(-1)
    lo, hi = np.percentile(flat, [0.5, 99.5])
    if not (np.isfinite(lo) and np.isfinite(hi)):
        lo, hi = -1.0, 1.0
    span = hi - lo
    if span <= 1e-12:
        span = max(abs(lo), 1.0)
        lo, hi = lo - span / 2, hi + span / 2
    lo, hi = lo - 0.5 * span, hi + 0.5 * span
    if flat.min() >= 0 > lo:  # e.g. after ReLU: nothing to show below zero
        lo = 0.0
    return np.linspace(lo, hi, N_BINS + 1)


def histogram(flat: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Counts on fixed, equal-width edges; out-of-range values land in the end bins, NaN in none."""
    bins = len(edges) - 1
    flat = flat[np.isfinite(flat)]
    position = (flat - edges[0]) * (bins / (edges[-1] - edges[0]))
    index = np.clip(position, 0, bins - 1).astype(np.int64)
    return np.bincount(index, minlength=bins)


def stage_stats(values: np.ndarray, edges: np.ndarray, bounds: tuple[float, float] | None = None) -> dict[str, Any]:
    """STATS of DESIGN.md for one stage; `bounds` marks a bounded activation's output (for saturation)."""
    v = np.asarray(values, dtype=np.float64)
    flat = v.reshape(-1)
    mean = flat.mean()
    centred = flat - mean
    squared = centred * centred  # not centred**3: numpy's generic pow is ~50x slower than multiplying
    std = np.sqrt(squared.mean())
    skew = float(np.dot(squared, centred) / flat.size / std**3) if std > 0 else 0.0
    p15, p50, p85 = percentiles(flat)
    per_unit = percentiles(v, axis=0).astype(np.float32)
    frac_saturated = 0.0
    if bounds is not None:
        margin = (bounds[1] - bounds[0]) * SATURATION_MARGIN
        frac_saturated = float(np.mean((flat <= bounds[0] + margin) | (flat >= bounds[1] - margin)))
    return {
        "mean": float(mean),
        "std": float(std),
        "skew": skew,
        "p15": float(p15),
        "p50": float(p50),
        "p85": float(p85),
        "min": float(flat.min()),
        "max": float(flat.max()),
        "frac_dead": float(np.mean(np.all(v == 0, axis=0))),
        "frac_saturated": frac_saturated,
        "hist": {"edges": edges, "counts": histogram(flat, edges)},
        "unit_percentiles": {"p15": per_unit[0], "p50": per_unit[1], "p85": per_unit[2]},
    }


def layer_records(
    layers: list,
    stages: list[list[tuple[str, np.ndarray]]],
    bounds: tuple[float, float] | None,
    edges: dict[tuple[int, str], np.ndarray],
    grad_norms: list[float] | None = None,
) -> list[dict[str, Any]]:
    """The run report's per-layer records from each hidden layer's stage values (rows × units).

    `edges` keeps each (layer, stage)'s bins: filled on first sight, reused after, so bins stay fixed.
    `bounds` is the activation's output range, for the saturated share of its stage.
    """
    records = []
    for index, (layer, kept) in enumerate(zip(layers, stages, strict=True)):
        stats = {}
        for stage, array in kept:
            stage_bounds = bounds if stage == "act" else None
            key = (index, stage)
            if key not in edges:
                edges[key] = choose_edges(array, stage_bounds)
            stats[stage] = stage_stats(array, edges[key], stage_bounds)
        records.append(
            {
                "index": index,
                "width": layer.width,
                "order": layer.order,
                "grad_norm": grad_norms[index] if grad_norms else float("nan"),
                "stages": stats,
            }
        )
    return records
