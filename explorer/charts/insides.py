"""Vega-Lite specs and per-tick data for the network's insides on the Train page: one run's layers, stage by stage.

Every hidden layer's histograms (and the scaled inputs as "layer 0"), one layer's spread and whole histogram
history over the epochs, dead and saturated units, and the size of gradients and updates. As in
`explorer.charts.train`, a spec is cached and holds no data, and every frame is bounded (counts on the run's
fixed edges, histories thinned), so a tick late in a long run costs what an early one does.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from explorer.charts.base import (
    BLUE,
    CANVAS,
    EPOCH_TIP,
    EPOCH_X,
    GREY,
    MAX_POINTS,
    ORANGE,
    PURPLE,
    Chart,
    Spec,
    compact_frame,
    finite,
    thin_indices,
    with_latest,
)
from explorer.runs import probes
from explorer.teaching import labels

MAX_INPUT_FEATURES = 12  # "layer 0" panels; more would bury the hidden layers below them
MAX_HISTORY_COLUMNS = 200  # epochs (columns) of the history heatmap: 200 × 40 bins stays a small frame
HEALTHY_LOG_UPDATE = -3  # Karpathy's rule of thumb: one step moves a layer's weights by about 1e-3 of their size
LINEAR_WORDS = "linear = W·u + b: the weighted sum of the layer's inputs"


# ---- stage names -------------------------------------------------------------------------------
def stage_name(stage: str, activation: str, norm: str = "bn_before") -> str:
    """A stage as a learner reads it: 'linear (W·u + b)', 'batch norm' or 'layer norm', or the activation's
    label ('ReLU'); short, since it heads a histogram panel 200 px wide."""
    if stage == "norm":
        return labels.norm_stage(norm)
    if stage == "linear":
        return labels.STAGES["linear"]
    return labels.ACTIVATIONS.get(activation, activation)


def stage_phrase(stage: str, activation: str, norm: str = "bn_before") -> str:
    """Where in a layer a value is taken, for a title: 'after ReLU', 'after W·u + b (weighted sum)'."""
    if stage == "linear":
        return "after W·u + b (weighted sum)"
    return f"after {stage_name(stage, activation, norm)}"


def stage_title(step: int, stage: str, activation: str, norm: str) -> str:
    """A stage's panel heading, numbered in the placement's order: '2 · batch norm'."""
    return f"{step} · {stage_name(stage, activation, norm)}"


def _histogram_cell(color: Spec, width: int, height: int) -> Spec:
    return {
        "width": width,
        "height": height,
        "mark": {"type": "rect"},
        "encoding": {
            "x": {
                "field": "x0",
                "type": "quantitative",
                "title": None,
                "scale": {"zero": False, "nice": False},
                "axis": {"format": ".3~g", "tickCount": 4},
            },
            "x2": {"field": "x1"},
            "y": {"field": "share", "type": "quantitative", "title": None, "axis": {"format": ".0%", "tickCount": 3}},
            "y2": {"datum": 0},
            "color": color,
            "tooltip": [
                {"field": "x0", "type": "quantitative", "title": "values from", "format": ".3g"},
                {"field": "x1", "type": "quantitative", "title": "to", "format": ".3g"},
                {"field": "share", "type": "quantitative", "title": "share of values", "format": ".1%"},
            ],
        },
    }


STAGE_COLORS = {"linear": GREY, "norm": ORANGE, "act": BLUE}  # the network diagram's boxes


# ---- the scaled inputs as "layer 0" ------------------------------------------------------------
def input_frame(X: np.ndarray, feature_names: Sequence[str], max_features: int = MAX_INPUT_FEATURES) -> pd.DataFrame:
    """'Layer 0': each scaled input feature's histogram on edges chosen like the probes' (fixed per run)."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in ("feature", "order", "x0", "x1", "share")}
    for j in range(min(X.shape[1], max_features)):
        column = np.asarray(X[:, j], dtype=np.float64)
        column = column[np.isfinite(column)]
        if column.size == 0:
            continue
        edges = probes.choose_edges(column)
        counts = probes.histogram(column, edges).astype(np.float64)
        name = str(feature_names[j]) if j < len(feature_names) else f"x{j}"
        parts["feature"].append(np.full(len(counts), f"{j} · {name}", dtype=object))
        parts["order"].append(np.full(len(counts), j, dtype=np.int64))
        parts["x0"].append(edges[:-1])
        parts["x1"].append(edges[1:])
        parts["share"].append(counts / max(counts.sum(), 1.0))
    if not parts["x0"]:
        return compact_frame({k: np.array([], dtype=object) for k in parts})
    return compact_frame({k: np.concatenate(v) for k, v in parts.items()})


@lru_cache(maxsize=1)
def input_spec() -> Spec:
    return {
        "title": {
            "text": "Layer 0: the inputs the network receives",
            "subtitle": "Each feature after the scaler, training split; bars: share of rows per bin",
            "anchor": "start",
        },
        "facet": {
            "field": "feature",
            "type": "nominal",
            "title": None,
            "sort": {"field": "order", "op": "min"},
            "header": {"labelFontSize": 12},
        },
        "columns": 3,
        "spec": _histogram_cell({"value": PURPLE}, 110, 60),
        "resolve": {"scale": {"x": "independent", "y": "independent"}},
    }


# ---- (c) a percentile band over epochs ---------------------------------------------------------
def band_frame(records: Sequence[dict[str, Any]], layer: int, stage: str, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """p15/p50/p85 and min/max of one layer's stage over the recorded epochs (thinned)."""
    fields = ("p15", "p50", "p85", "min", "max")
    rows = [r for r in records if layer < len(r["layers"]) and stage in r["layers"][layer]["stages"]]
    rows = [rows[i] for i in thin_indices(len(rows), max_points)]
    columns: dict[str, Any] = {"epoch": np.array([r["epoch"] for r in rows], dtype=np.int64)}
    for name in fields:
        columns[name] = finite([r["layers"][layer]["stages"][stage][name] for r in rows])
    return compact_frame(columns)


BAND_TITLES = {
    "max": "highest",
    "p85": "85th percentile",
    "p50": "median",
    "p15": "15th percentile",
    "min": "lowest",
}


@lru_cache(maxsize=1)
def band_spec() -> Spec:
    x = EPOCH_X
    return {
        "height": 240,
        "title": {
            "text": "How the values spread, epoch by epoch",
            "subtitle": [
                "Line: the median. Dark band: the middle 70% of values",
                "(15th to 85th percentile). Light band: lowest to highest.",
            ],
            "anchor": "start",
        },
        "layer": [
            {
                "mark": {"type": "area", "opacity": 0.12, "color": BLUE},
                "encoding": {
                    "x": x,
                    "y": {"field": "min", "type": "quantitative", "title": "value", "axis": {"format": ".3~g"}},
                    "y2": {"field": "max"},
                },
            },
            {
                "mark": {"type": "area", "opacity": 0.35, "color": BLUE},
                "encoding": {"x": x, "y": {"field": "p15", "type": "quantitative"}, "y2": {"field": "p85"}},
            },
            *with_latest(
                {
                    "mark": {"type": "line", "color": BLUE},
                    "encoding": {
                        "x": x,
                        "y": {"field": "p50", "type": "quantitative"},
                        "tooltip": [
                            EPOCH_TIP,
                            *(
                                {"field": f, "type": "quantitative", "title": title, "format": ".3g"}
                                for f, title in BAND_TITLES.items()
                            ),
                        ],
                    },
                }
            ),
        ],
    }


# ---- (d) dead and saturated units, gradient norms ---------------------------------------------
def health_frame(records: Sequence[dict[str, Any]], max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Per recorded epoch and layer: share of dead and saturated units (activation stage) and grad norm."""
    rows = [records[i] for i in thin_indices(len(records), max_points)]
    items = [(record["epoch"], item) for record in rows for item in record["layers"]]
    return compact_frame(
        {
            "epoch": np.array([epoch for epoch, _ in items], dtype=np.int64),
            "layer": np.array([f"layer {item['index'] + 1}" for _, item in items], dtype=object),
            "dead": finite([item["stages"]["act"]["frac_dead"] for _, item in items]),
            "saturated": finite([item["stages"]["act"]["frac_saturated"] for _, item in items]),
            "grad_norm": finite([item["grad_norm"] for _, item in items], positive=True),  # log axis
        }
    )


@lru_cache(maxsize=1)
def fractions_spec() -> Spec:
    return {
        "height": 260,
        "title": {
            "text": "Dead and saturated units",
            "subtitle": ["Dead: always 0 on the probe rows.", "Saturated: stuck at the activation's bound."],
            "anchor": "start",
        },
        "transform": [{"fold": ["dead", "saturated"], "as": ["measure", "value"]}],
        "layer": with_latest(
            {
                "mark": {"type": "line"},
                "encoding": {
                    "x": EPOCH_X,
                    "y": {
                        "field": "value",
                        "type": "quantitative",
                        "title": "share of units",
                        "scale": {"domain": [0, 1]},
                        "axis": {"format": ".0%"},
                    },
                    "color": {"field": "layer", "type": "nominal", "title": "layer"},
                    "strokeDash": {"field": "measure", "type": "nominal", "title": "units"},
                    "tooltip": [
                        EPOCH_TIP,
                        {"field": "layer", "type": "nominal", "title": "layer"},
                        {"field": "measure", "type": "nominal", "title": "units"},
                        {"field": "value", "type": "quantitative", "title": "share of units", "format": ".1%"},
                    ],
                },
            }
        ),
    }


HEALTH_HEIGHT = 260  # the gradient-size and update-size charts sit side by side: same height


@lru_cache(maxsize=1)
def grad_norm_spec() -> Spec:
    return {
        "height": HEALTH_HEIGHT,
        "title": {
            "text": "Gradient size ‖∇W‖ of each layer",
            "subtitle": [
                "How hard each layer is pushed: the size of the",
                "gradient of its weights, root-mean-square over",
                "the epoch's steps (log scale)",
            ],
            "anchor": "start",
        },
        "layer": with_latest(
            {
                "mark": {"type": "line"},
                "encoding": {
                    "x": EPOCH_X,
                    "y": {
                        "field": "grad_norm",
                        "type": "quantitative",
                        "title": "‖∇W‖ (log scale)",
                        "scale": {"type": "log"},
                    },
                    "color": {"field": "layer", "type": "nominal", "title": "layer"},
                    "tooltip": [
                        EPOCH_TIP,
                        {"field": "layer", "type": "nominal", "title": "layer"},
                        {"field": "grad_norm", "type": "quantitative", "title": "gradient size", "format": ".3g"},
                    ],
                },
            }
        ),
    }


def update_ratio_frame(records: Sequence[dict[str, Any]], max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Per recorded epoch and layer (hidden layers, then 'output'): ‖ΔW‖ / ‖W‖ and its log10."""
    rows = [records[i] for i in thin_indices(len(records), max_points)]
    epochs, names, ratios = [], [], []
    for record in rows:
        values = record.get("update_ratio") or []
        for index, ratio in enumerate(values):
            epochs.append(record["epoch"])
            names.append("output" if index == len(values) - 1 else f"layer {index + 1}")
            ratios.append(ratio)
    ratio = finite(ratios, positive=True)
    return compact_frame(
        {
            "epoch": np.array(epochs, dtype=np.int64),
            "layer": np.array(names, dtype=object),
            "ratio": ratio,
            "log_ratio": np.log10(ratio),
        }
    )


@lru_cache(maxsize=1)
def update_ratio_spec() -> Spec:
    """log10 of ‖ΔW‖ / ‖W‖ with a rule at −3, Karpathy's 'about 1e-3 is healthy'."""
    return {
        "height": HEALTH_HEIGHT,
        "title": {
            "text": "Update size ÷ weight size, per layer",
            "subtitle": [
                "How far one step moves each layer's weights, at the",
                "epoch's last full batch. Near −3 (dashed) is healthy;",
                "far below, the layer barely learns; far above, unstable.",
            ],
            "anchor": "start",
        },
        "layer": [
            {
                "mark": {"type": "rule", "color": GREY, "strokeDash": [4, 4]},
                "encoding": {"y": {"datum": HEALTHY_LOG_UPDATE}},
            },
            *with_latest(
                {
                    "mark": {"type": "line"},
                    "encoding": {
                        "x": EPOCH_X,
                        "y": {
                            "field": "log_ratio",
                            "type": "quantitative",
                            "title": "log10(‖ΔW‖ / ‖W‖)",
                            "scale": {"zero": False},
                            "axis": {"format": "d", "tickMinStep": 1},
                        },
                        "color": {"field": "layer", "type": "nominal", "title": "layer"},
                        "tooltip": [
                            EPOCH_TIP,
                            {"field": "layer", "type": "nominal", "title": "layer"},
                            {"field": "ratio", "type": "quantitative", "title": "‖ΔW‖ / ‖W‖", "format": ".2e"},
                            {"field": "log_ratio", "type": "quantitative", "title": "log10", "format": ".2f"},
                        ],
                    },
                }
            ),
        ],
    }


# ---- (g) one histogram's whole history as a heatmap --------------------------------------------
def history_frame(
    records: Sequence[dict[str, Any]], layer: int, stage: str, max_columns: int = MAX_HISTORY_COLUMNS
) -> pd.DataFrame:
    """One rect per (kept epoch, bin): the epoch's share of values in the bin, on the run's fixed bins.

    A kept epoch's column reaches back to the previous kept epoch, so thinned (older, sparser) records
    still tile the time axis without gaps.
    """
    rows = [r for r in records if layer < len(r["layers"]) and stage in r["layers"][layer]["stages"]]
    rows = [rows[i] for i in thin_indices(len(rows), max_columns)]
    if not rows:
        return compact_frame({k: np.array([], dtype=np.float64) for k in ("start", "epoch", "x0", "x1", "share")})
    hists = [r["layers"][layer]["stages"][stage]["hist"] for r in rows]
    edges = np.asarray(hists[-1]["edges"], dtype=np.float64)  # fixed per run: the same for every epoch
    counts = np.stack([np.asarray(h["counts"], dtype=np.float64) for h in hists])
    share = counts / np.maximum(counts.sum(1, keepdims=True), 1.0)
    epochs = np.array([r["epoch"] for r in rows], dtype=np.int64)
    starts = np.concatenate([[epochs[0] - 1], epochs[:-1]])
    bins = counts.shape[1]
    return compact_frame(
        {
            "start": np.repeat(starts, bins),
            "epoch": np.repeat(epochs, bins),
            "x0": np.tile(edges[:-1], len(rows)),
            "x1": np.tile(edges[1:], len(rows)),
            "share": share.reshape(-1),
        }
    )


HISTORY_SHARE_DOMAIN = [0.001, 1.0]  # shares from 0.1% (lighter ones are drawn as 0.1%) to all of the values


@lru_cache(maxsize=64)
def history_spec(title: str) -> Spec:
    """The title names the layer and stage, so the spec changes only when the choice does."""
    return {
        "height": 240,
        "title": {
            "text": title,
            "subtitle": [
                "Each column: one epoch's histogram of these values;",
                "darker: a larger share in that bin, on a log scale",
                "(so one bin of 50% does not wash out the bins of 2%)",
            ],
            "anchor": "start",
        },
        "transform": [{"filter": "datum.share > 0"}],  # an empty bin stays blank (a log scale has no 0)
        "mark": {"type": "rect"},
        "encoding": {
            "x": {**EPOCH_X, "field": "start"},
            "x2": {"field": "epoch"},
            "y": {
                "field": "x0",
                "type": "quantitative",
                "title": "value",
                "scale": {"zero": False, "nice": False},
                "axis": {"format": ".3~g"},
            },
            "y2": {"field": "x1"},
            "color": {
                "field": "share",
                "type": "quantitative",
                "title": "share (log)",
                "scale": {"type": "log", "domain": HISTORY_SHARE_DOMAIN, "clamp": True, "scheme": "blues"},
                "legend": {"format": ".1~%"},
            },
            "tooltip": [
                EPOCH_TIP,
                {"field": "x0", "type": "quantitative", "title": "values from", "format": ".3g"},
                {"field": "x1", "type": "quantitative", "title": "to", "format": ".3g"},
                {"field": "share", "type": "quantitative", "title": "share of values", "format": ".1%"},
            ],
        },
        "usermeta": CANVAS,
    }


def history_title(layer: int, stage: str, activation: str, norm: str) -> str:
    return f"Layer {layer + 1} {stage_phrase(stage, activation, norm)}, per epoch"


# ---- one tick ----------------------------------------------------------------------------------
def build(
    records: Sequence[dict[str, Any]],
    inputs: pd.DataFrame,
    activation: str,
    norm: str,
    band_layer: int = 0,
    band_stage: str = "act",
) -> dict[str, Chart]:
    """One tick of the insides: "inputs" (`inputs`, an `input_frame` made once per run), "histograms",
    "band" and "history" (following `band_layer` and `band_stage`), "fractions", "grad_norms", "update_ratio"."""
    health = health_frame(records)
    title = history_title(band_layer, band_stage, activation, norm)
    return {
        "inputs": Chart(input_spec(), inputs),
        "band": Chart(band_spec(), band_frame(records, band_layer, band_stage)),
        "history": Chart(history_spec(title), history_frame(records, band_layer, band_stage)),
        "fractions": Chart(fractions_spec(), health),
        "grad_norms": Chart(grad_norm_spec(), health),
        "update_ratio": Chart(update_ratio_spec(), update_ratio_frame(records)),
    }
