"""Vega-Lite specs and data for the Compare page: pure functions of a sweep, its runs and its summary.

As on the Train page, a spec never holds data and is cached per sweep (its configurations fix the colour
domain), so a live chart keeps its identity while only its rows change. Curves are bounded per tick: each
configuration is thinned to a share of `MAX_CURVE_ROWS`, and the bootstrap band of an epoch, which is
fixed once every seed has trained that epoch, is computed once and cached (`CurveBands`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from explorer.charts.base import EPOCH_X, Spec, compact_frame, finite, noise_sentence, scheme, thin_indices
from explorer.config import format_value
from explorer.sweeps import stats
from explorer.sweeps.sweep import RunResult
from explorer.teaching.labels import ACTIVATIONS, METRICS, STAGES, capitalised, norm_stage

MAX_CURVE_ROWS = 4_000  # rows of curve data per tick, all configurations together
MAX_POINTS = 200  # per configuration
MIN_POINTS = 20  # per configuration, however many there are
PLOT_HEIGHT = 330  # the curves' height without their legend (title and axes included)
LEGEND_ROW = 22
HISTOGRAM_COLUMNS = 3  # small multiples per row
MEASURES = ("loss", "metric")
SHARED_AXIS_SPREAD = 100  # panels whose value ranges differ more than this share no value axis by default


# ---- names ------------------------------------------------------------------------------------
def value_text(value: Any) -> str:
    """A grid value as a learner reads it (an empty skew is 'none')."""
    return format_value(value) or "none"


def labels(grid: Sequence[tuple[str, Sequence[Any]]], configurations: Sequence[dict[str, Any]]) -> list[str]:
    """One legend entry per configuration naming only what differs: keys with a single value are left out."""
    varied = [name for name, values in grid if len(values) > 1]
    return [", ".join(f"{k}={value_text(c[k])}" for k in varied) or "your settings" for c in configurations]


def metric_title(names: Iterable[str]) -> str:
    """'test accuracy', 'test R²', or both when a sweep mixes classification and regression data."""
    found = sorted(set(names)) or ["test_accuracy"]
    return " or ".join(METRICS[n] for n in found)


def is_accuracy(names: Iterable[str]) -> bool:
    return set(names) <= {"test_accuracy"}


def metric_text(value: float | None, accuracy: bool) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.1%}" if accuracy else f"{value:.3f}"


def loss_text(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{value:.4g}"


def interval_text(summary: dict[str, float | None], fmt: Any) -> str:
    """'[low, high]' of a stats.summarize result."""
    low, high = summary.get("ci95_low"), summary.get("ci95_high")
    return "–" if low is None or high is None else f"[{fmt(low)}, {fmt(high)}]"


def _legend_columns(n: int) -> int:
    return 1 if n <= 8 else 2


def _color(names: tuple[str, ...], legend: bool = True) -> Spec:
    color: Spec = {
        "field": "configuration",
        "type": "nominal",
        "title": "configuration",
        "scale": {"domain": list(names), **scheme(len(names))},
    }
    color["legend"] = (
        {
            "orient": "bottom",
            "direction": "vertical",
            "columns": _legend_columns(len(names)),
            "labelLimit": 600,
            "symbolOpacity": 1,
            "symbolType": "stroke",
            "symbolStrokeWidth": 3,
        }
        if legend
        else None
    )
    return color


# ---- (a) loss and metric curves: median over seeds and its 95% band ----------------------------
def points_per_configuration(n_configurations: int) -> int:
    return max(MIN_POINTS, min(MAX_POINTS, MAX_CURVE_ROWS // max(n_configurations, 1)))


def _bands(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per row (epochs × seeds, NaN where a seed has no value): seeds counted, median, and the bootstrap
    interval of the median over the seeds present. Rows with the same count are computed in one call."""
    count = np.isfinite(values).sum(axis=1)
    median, low, high = (np.full(len(values), np.nan) for _ in range(3))
    ordered = np.sort(values, axis=1)  # NaN sorts last: a row's values are its first `count` columns
    for n in np.unique(count[count > 0]):
        rows = np.flatnonzero(count == n)
        block = ordered[rows, :n]
        median[rows] = np.median(block, axis=1)
        low[rows], high[rows] = stats.median_band(block)
    return count, median, low, high


class CurveBands:
    """The curve rows of a sweep, tick after tick. An epoch's median and band change only when the number
    of seeds that trained it changes (all seeds of a configuration train in step), so each is computed
    once and kept: a tick costs the new epochs only."""

    def __init__(self, names: Sequence[str]) -> None:
        self.names = list(names)
        self._cache: dict[tuple[int, int], tuple[float, ...]] = {}  # (index, epoch) → seeds, loss…, metric…

    def frame(self, runs: Sequence[RunResult]) -> pd.DataFrame:
        """One row per configuration and kept epoch: seeds, loss and metric medians with their bands."""
        points = points_per_configuration(len(self.names))
        by_index: dict[int, list[RunResult]] = {}
        for run in runs:
            if run.curve:
                by_index.setdefault(run.index, []).append(run)
        rows: list[tuple[int, int, tuple[float, ...]]] = []
        for index in sorted(by_index):
            mine = by_index[index]
            lengths = np.array([len(r.curve) for r in mine])
            kept = thin_indices(int(lengths.max()), points)
            stale = [p for p in kept if self._cache.get((index, p + 1), (-1,))[0] != (lengths > p).sum()]
            if stale:
                self._fill(index, mine, np.asarray(stale, dtype=np.int64))
            rows.extend((index, p + 1, self._cache[(index, p + 1)]) for p in kept.tolist())
        values = np.array([v for _, _, v in rows], dtype=np.float64).reshape(len(rows), 7)
        columns: dict[str, Any] = {
            "configuration": np.array([self.names[i] for i, _, _ in rows], dtype=object),
            "order": np.array([i for i, _, _ in rows], dtype=np.int64),
            "epoch": np.array([e for _, e, _ in rows], dtype=np.int64),
            "seeds": values[:, 0].astype(np.int64),
        }
        for k, name in enumerate(("loss", "loss_low", "loss_high", "metric", "metric_low", "metric_high"), 1):
            columns[name] = values[:, k]
        return compact_frame(columns)

    def _fill(self, index: int, runs: Sequence[RunResult], positions: np.ndarray) -> None:
        loss = np.full((len(positions), len(runs)), np.nan)
        metric = np.full_like(loss, np.nan)
        for j, run in enumerate(runs):
            for row in np.flatnonzero(positions < len(run.curve)):
                record = run.curve[positions[row]]
                loss[row, j] = record["test_loss"]
                metric[row, j] = record[run.metric_name]
        seeds = (positions[:, None] < np.array([len(r.curve) for r in runs])[None, :]).sum(axis=1)
        _, *loss_band = _bands(finite(loss, positive=True))  # drawn on a log axis
        _, *metric_band = _bands(finite(metric))
        for row, position in enumerate(positions.tolist()):
            self._cache[(index, position + 1)] = (
                float(seeds[row]),
                *(float(b[row]) for b in loss_band),
                *(float(b[row]) for b in metric_band),
            )


def _band_tooltip(measure: str, fmt: str) -> list[Spec]:
    return [
        {"field": "configuration", "type": "nominal", "title": "configuration"},
        {"field": "epoch", "type": "quantitative", "title": "epoch"},
        {"field": measure, "type": "quantitative", "title": "median over seeds", "format": fmt},
        {"field": f"{measure}_low", "type": "quantitative", "title": "95% interval from", "format": fmt},
        {"field": f"{measure}_high", "type": "quantitative", "title": "95% interval to", "format": fmt},
        {"field": "seeds", "type": "quantitative", "title": "seeds"},
    ]


@lru_cache(maxsize=16)
def curve_spec(measure: str, names: tuple[str, ...], metric_names: tuple[str, ...] = ("test_accuracy",)) -> Spec:
    """Median line and 95% band per configuration; `measure` is 'loss' (log axis) or 'metric'."""
    if measure == "loss":
        title, y_title, fmt = "Test loss", "test loss (log scale)", ".4~g"
        scale: Spec = {"type": "log"}
    else:
        metric = metric_title(metric_names)
        title, y_title = capitalised(metric), metric
        accuracy = is_accuracy(metric_names)
        fmt = ".1%" if accuracy else ".3f"
        scale = {"domain": [0, 1] if accuracy else [-1, 1]}
    color = _color(names)
    x = EPOCH_X
    y = {"field": measure, "type": "quantitative", "title": y_title, "scale": scale, "axis": {"format": fmt}}
    hover = {
        "name": "hover",
        "select": {"type": "point", "fields": ["epoch"], "nearest": True, "on": "pointerover", "clear": "pointerout"},
    }
    legend_rows = math.ceil(len(names) / _legend_columns(len(names)))
    return {
        "height": PLOT_HEIGHT + LEGEND_ROW * legend_rows,  # the legend sits below, inside the chart's height
        "title": {"text": title, "anchor": "start", "subtitle": "median over seeds (line), its 95% interval (band)"},
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.16, "clip": True},
                "encoding": {
                    "x": x,
                    "y": {**y, "field": f"{measure}_low"},
                    "y2": {"field": f"{measure}_high"},
                    "color": color,
                },
            },
            {"mark": {"type": "line", "clip": True}, "encoding": {"x": x, "y": y, "color": color}},
            {
                "params": [hover],
                "mark": {"type": "point", "filled": True, "size": 40, "clip": True},
                "encoding": {
                    "x": x,
                    "y": y,
                    "color": color,
                    "opacity": {"condition": {"param": "hover", "empty": False, "value": 1}, "value": 0},
                    "tooltip": _band_tooltip(measure, fmt),
                },
            },
        ],
    }


# ---- (b) one layer's stage, every configuration side by side ------------------------------------
def stage_title(stage: str, activations: Iterable[str], norms: Iterable[str] = ("bn_before",)) -> str:
    """'linear (W·u + b)', the normalisation's name, or the activation's label ('activation' when several)."""
    if stage == "norm":
        found = {norm_stage(n) for n in norms if n != "none"}
        return found.pop() if len(found) == 1 else STAGES["norm"]
    if stage == "linear":
        return STAGES["linear"]
    found = sorted(set(activations))
    return ACTIVATIONS.get(found[0], found[0]) if len(found) == 1 else STAGES["act"]


def value_spread(frame: pd.DataFrame) -> float:
    """How many times wider the widest panel's value range is than the narrowest's (1 when one panel)."""
    if not len(frame):
        return 1.0
    spans = frame.groupby("configuration", observed=True).agg(low=("x0", "min"), high=("x1", "max"))
    widths = (spans["high"] - spans["low"]).astype(np.float64)
    return float(widths.max() / max(widths.min(), 1e-300))


def layer_choices(runs: Sequence[RunResult]) -> tuple[list[int], list[str]]:
    """The layers and stages some median-seed run has, stages in pipeline order."""
    layers: set[int] = set()
    stages: set[str] = set()
    for run in runs:
        for layer in run.layers or []:
            layers.add(int(layer["index"]))
            stages.update(layer["stages"])
    return sorted(layers), [s for s in ("linear", "norm", "act") if s in stages]


def histogram_frame(
    runs: Sequence[RunResult], names: Sequence[str], layer: int, stage: str
) -> tuple[pd.DataFrame, list[str]]:
    """Per configuration (its median seed), the histogram of `stage` of hidden layer `layer` at the end, as
    shares of the probe values; and the configurations that have no such stage (e.g. no batch norm)."""
    parts: dict[str, list[np.ndarray]] = {
        k: [] for k in ("configuration", "order", "x0", "x1", "share", "saturated", "dead", "mean", "std")
    }
    shown: set[int] = set()
    for run in sorted((r for r in runs if r.layers), key=lambda r: r.index):
        records = [item for item in run.layers or [] if int(item["index"]) == layer]
        if not records or stage not in records[0]["stages"]:
            continue
        values = records[0]["stages"][stage]
        edges = np.asarray(values["hist"]["edges"], dtype=np.float64)
        counts = np.asarray(values["hist"]["counts"], dtype=np.float64)
        bins = len(counts)
        shown.add(run.index)
        parts["configuration"].append(np.full(bins, names[run.index], dtype=object))
        parts["order"].append(np.full(bins, run.index, dtype=np.int64))
        parts["x0"].append(edges[:-1])
        parts["x1"].append(edges[1:])
        parts["share"].append(counts / max(counts.sum(), 1.0))
        for name, field in (("saturated", "frac_saturated"), ("dead", "frac_dead"), ("mean", "mean"), ("std", "std")):
            parts[name].append(np.full(bins, float(values[field]), dtype=np.float64))
    missing = [name for i, name in enumerate(names) if i not in shown]
    if not parts["x0"]:
        return compact_frame({k: np.array([], dtype=object) for k in parts}), missing
    return compact_frame({k: np.concatenate(v) for k, v in parts.items()}), missing


@lru_cache(maxsize=16)
def histogram_spec(names: tuple[str, ...], title: str, shared_x: bool = True) -> Spec:
    """Small multiples, one panel per configuration in sweep order, on a shared y (and by default x) axis."""
    return {
        "title": {"text": title, "anchor": "start"},
        "facet": {
            "field": "configuration",
            "type": "nominal",
            "title": None,
            "sort": list(names),
            "header": {"labelFontSize": 12, "labelLimit": 320},
        },
        "columns": min(HISTOGRAM_COLUMNS, max(len(names), 1)),
        "spec": {
            "width": 230,
            "height": 120,
            "mark": {"type": "rect"},
            "encoding": {
                "x": {
                    "field": "x0",
                    "type": "quantitative",
                    "title": "value",
                    "scale": {"zero": False, "nice": False},
                    "axis": {"format": ".3~g", "tickCount": 5},
                },
                "x2": {"field": "x1"},
                "y": {"field": "share", "type": "quantitative", "title": "share of values", "axis": {"format": ".0%"}},
                "y2": {"datum": 0},
                "color": _color(names, legend=False),
                "tooltip": [
                    {"field": "configuration", "type": "nominal", "title": "configuration"},
                    {"field": "x0", "type": "quantitative", "title": "from", "format": ".3g"},
                    {"field": "x1", "type": "quantitative", "title": "to", "format": ".3g"},
                    {"field": "share", "type": "quantitative", "title": "share of values", "format": ".1%"},
                    {"field": "mean", "type": "quantitative", "title": "mean (all values)", "format": ".3g"},
                    {"field": "std", "type": "quantitative", "title": "std (all values)", "format": ".3g"},
                    {"field": "saturated", "type": "quantitative", "title": "units saturated", "format": ".0%"},
                    {"field": "dead", "type": "quantitative", "title": "units dead", "format": ".0%"},
                ],
            },
        },
        "resolve": {"scale": {"x": "shared" if shared_x else "independent", "y": "shared"}},
    }


# ---- (c) the ranked table and what seed noise allows one to say ---------------------------------
def ranked(summary: Sequence[dict[str, Any]]) -> list[int]:
    """Positions in `summary`, best final metric median first; configurations with no median (all diverged) last."""

    def key(i: int) -> tuple[bool, float]:
        median = summary[i]["metric"]["median"]
        return (median is None, -(median if median is not None else 0.0))

    return sorted(range(len(summary)), key=key)


def noise_note(summary: Sequence[dict[str, Any]], names: Sequence[str], seeds: int) -> str:
    """One sentence on the best configuration against the others: within seed noise or beyond it."""
    order = [i for i in ranked(summary) if summary[i]["metric"]["median"] is not None]
    if len(order) < 2:
        return ""
    if seeds < 2:
        return "With one seed there is no interval, so nothing here can be told from seed noise: run 3 or more seeds."
    best, others = order[0], order[1:]
    close = [names[i] for i in others if stats.overlaps(summary[best]["metric"], summary[i]["metric"])]
    return noise_sentence(names[best], close, "configuration", f"these {seeds} seeds")


def table_frame(summary: Sequence[dict[str, Any]], names: Sequence[str], links: Sequence[str]) -> pd.DataFrame:
    """The ranked table's rows: readable columns, numbers kept numeric so they sort."""
    accuracy = is_accuracy(s["metric"]["name"] for s in summary)
    rows = []
    for rank, i in enumerate(ranked(summary), 1):
        item = summary[i]
        rows.append(
            {
                "rank": rank,
                "configuration": names[i],
                "metric": item["metric"]["median"],
                "metric_interval": interval_text(item["metric"], lambda v: metric_text(v, accuracy)),
                "test_loss": item["test_loss"]["median"],
                "loss_interval": interval_text(item["test_loss"], loss_text),
                "diverged": f"{item['n_diverged']} of {item['n']}",
                "seconds": item["seconds"],
                "link": links[i],
            }
        )
    return pd.DataFrame(rows)


# ---- (d) the median metric over two keys ------------------------------------------------------
def heatmap_frame(
    summary: Sequence[dict[str, Any]], configurations: Sequence[dict[str, Any]], row_key: str, column_key: str
) -> pd.DataFrame:
    """One cell per configuration: the two keys' values, the median metric and its interval as text."""
    accuracy = is_accuracy(s["metric"]["name"] for s in summary)
    fmt = lambda v: metric_text(v, accuracy)  # noqa: E731
    return pd.DataFrame(
        {
            "row": [value_text(c[row_key]) for c in configurations],
            "column": [value_text(c[column_key]) for c in configurations],
            "median": [np.nan if s["metric"]["median"] is None else s["metric"]["median"] for s in summary],
            "text": [fmt(s["metric"]["median"]) if s["metric"]["median"] is not None else "diverged" for s in summary],
            "interval": [interval_text(s["metric"], fmt) for s in summary],
            "diverged": [f"{s['n_diverged']} of {s['n']}" for s in summary],
        }
    )


@lru_cache(maxsize=8)
def heatmap_spec(
    row_key: str,
    column_key: str,
    rows: tuple[str, ...],
    columns: tuple[str, ...],
    metric_names: tuple[str, ...] = ("test_accuracy",),
) -> Spec:
    words = metric_title(metric_names)
    fmt = ".1%" if is_accuracy(metric_names) else ".3f"
    return {
        "title": {
            "text": f"Median {words} by {row_key} and {column_key}",
            "anchor": "start",
            "subtitle": "final epoch, median over seeds; hover a cell for its 95% interval",
        },
        "width": min(140 * len(columns), 700),
        "height": 110 + 56 * len(rows),  # title and axis included (the chart is fitted to its size)
        "encoding": {
            "x": {
                "field": "column",
                "type": "ordinal",
                "sort": list(columns),
                "title": column_key,
                "axis": {"labelAngle": 0, "labelLimit": 200},
            },
            "y": {"field": "row", "type": "ordinal", "sort": list(rows), "title": row_key, "axis": {"labelLimit": 200}},
        },
        "layer": [
            {
                "mark": {"type": "rect"},
                "encoding": {
                    "color": {
                        "field": "median",
                        "type": "quantitative",
                        "title": f"median {words}",
                        "scale": {"scheme": "viridis"},
                        "legend": {"format": fmt},
                    },
                    "tooltip": [
                        {"field": "row", "type": "nominal", "title": row_key},
                        {"field": "column", "type": "nominal", "title": column_key},
                        {"field": "text", "type": "nominal", "title": f"median {words}"},
                        {"field": "interval", "type": "nominal", "title": "95% interval"},
                        {"field": "diverged", "type": "nominal", "title": "diverged"},
                    ],
                },
            },
            {
                "transform": [
                    {
                        "joinaggregate": [
                            {"op": "min", "field": "median", "as": "lowest"},
                            {"op": "max", "field": "median", "as": "highest"},
                        ]
                    }
                ],
                "mark": {"type": "text", "fontSize": 14},
                "encoding": {
                    "text": {"field": "text", "type": "nominal"},
                    "color": {
                        "condition": {"test": "datum.median < (datum.lowest + datum.highest) / 2", "value": "white"},
                        "value": "black",
                    },
                },
            },
        ],
    }


# ---- (e) the downloads ------------------------------------------------------------------------
def runs_frame(runs: Sequence[RunResult], names: Sequence[str], keys: Sequence[str]) -> pd.DataFrame:
    """One row per run (configuration × seed) with its grid values and final numbers, for the CSV."""
    rows = []
    for run in sorted(runs, key=lambda r: (r.index, r.seed)):
        final = run.final
        row: dict[str, Any] = {"configuration": names[run.index]}
        row.update({k: format_value(getattr(run.config, k)) for k in keys})
        row.update(
            {
                "seed": run.seed,
                "diverged": run.diverged,
                "epochs_run": final["epochs_run"],
                "final_train_loss": final["train_loss"],
                "final_test_loss": final["test_loss"],
                f"final_{run.metric_name}": final[run.metric_name],
                "seconds": round(run.seconds, 4),
                "message": run.message,
            }
        )
        rows.append(row)
    return pd.DataFrame(rows)
