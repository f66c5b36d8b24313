"""Vega-Lite specs and per-tick data for the Train page: pure functions of a run's records.

A spec is built once (cached) and never holds data, so the chart in the browser keeps its identity and
only its rows change from tick to tick. Every frame is bounded: histograms are counts on the run's fixed
edges and histories are thinned to at most `MAX_POINTS` per series, so a tick at epoch 2,000 costs what a
tick at epoch 20 does. Specs are shared, cached objects: callers must not mutate them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from explorer.runs import probes
from explorer.runs.training import Trainer
from explorer.teaching import labels

MAX_POINTS = 300  # per series: enough for a smooth line, small enough to resend every tick
MAX_INPUT_FEATURES = 12  # "layer 0" panels; more would bury the hidden layers below them
MAX_SURFACE_POINTS = 400  # test points drawn over the decision surface
MAX_HISTORY_COLUMNS = 200  # epochs (columns) of the history heatmap: 200 × 40 bins stays a small frame
GRID = 36  # cells per side of the decision-surface grid
HEALTHY_LOG_UPDATE = -3  # Karpathy's rule of thumb: one step moves a layer's weights by about 1e-3 of their size
STAGE_NAMES = {"linear": "linear (W·u + b)", "norm": "batch norm"}
NORM_STAGE_NAMES = {"bn_noisy": "noisy batch norm", "ln_before": "layer norm", "ln_after": "layer norm"}
LINEAR_WORDS = "linear = W·u + b: the weighted sum of the layer's inputs"


def stage_name(stage: str, activation: str, norm: str = "bn_before") -> str:
    """A stage as a learner reads it: 'linear (W·u + b)', 'batch norm' or 'layer norm', or the activation's
    label ('ReLU'); short, since it heads a histogram panel 200 px wide."""
    if stage == "norm":
        return NORM_STAGE_NAMES.get(norm, STAGE_NAMES["norm"])
    return STAGE_NAMES.get(stage, labels.ACTIVATIONS.get(activation, activation))


def stage_phrase(stage: str, activation: str, norm: str = "bn_before") -> str:
    """Where in a layer a value is taken, for a title: 'after ReLU', 'after W·u + b (weighted sum)'."""
    if stage == "linear":
        return "after W·u + b (weighted sum)"
    return f"after {stage_name(stage, activation, norm)}"


Spec = dict[str, Any]
CANVAS = {"embedOptions": {"renderer": "canvas"}}  # many marks redrawn every tick: canvas is cheaper than SVG


@dataclass(frozen=True)
class Chart:
    """One chart of a tick: a cached spec (no data in it) and the rows to draw with it."""

    spec: Spec
    data: pd.DataFrame

    @cached_property
    def table(self) -> pa.Table:
        """The rows as Arrow, what st.vega_lite_chart sends, made once however often the chart is drawn.

        Column by column it costs a fifth of pandas' own converter, which builds metadata a chart never
        reads: with many sessions on one server, a tick's conversions were a fifth of the server's time.
        """
        return pa.table({str(name): pa.array(column) for name, column in self.data.items()})


# ---- thinning and cleaning ---------------------------------------------------------------------
def thin_indices(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Every k-th index plus the last, k a power of two, at most `max_points` in all.

    A power-of-two stride keeps the same points from tick to tick (they only change when k doubles),
    so a thinned line grows instead of shimmering as a long run goes on.
    """
    if n <= max_points:
        return np.arange(n)
    stride = 1 << math.ceil(math.log2(n / (max_points - 1)))
    kept = np.arange(0, n, stride)
    return kept if kept[-1] == n - 1 else np.append(kept, n - 1)


def _finite(values: Any, positive: bool = False) -> np.ndarray:
    """NaN (drawn as a gap) where a value is not finite, or not positive on a log axis."""
    array = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(array) & (array > 0) if positive else np.isfinite(array)
    return np.where(ok, array, np.nan)


def compact_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A frame that is cheap to send every tick: text as categories, numbers as float32 (ample on screen)."""
    typed = {}
    for name, column in columns.items():
        values = np.asarray(column)
        if values.dtype == object or values.dtype.kind == "U":
            codes, categories = pd.factorize(values)  # by hashing: a third of pd.Categorical(values)'s cost
            typed[name] = pd.Categorical.from_codes(codes, pd.Index(categories, dtype=object))
        elif values.dtype == np.float64:
            typed[name] = values.astype(np.float32)
        else:
            typed[name] = values
    return pd.DataFrame(typed, copy=False)  # typed first: a frame's own column-by-column astype costs 2×


def _stage_title(step: int, stage: str, activation: str, norm: str) -> str:
    return f"{step} · {stage_name(stage, activation, norm)}"


EPOCH_X: Spec = {"field": "epoch", "type": "quantitative", "title": "epoch", "axis": {"format": "d", "tickMinStep": 1}}
_LATEST = [
    {"joinaggregate": [{"op": "max", "field": "epoch", "as": "latest"}]},
    {"filter": "datum.epoch == datum.latest"},
]


def _with_latest(line: Spec) -> list[Spec]:
    """A line layer and a dot on its latest epoch: where the run is now, visible from the first epoch on."""
    mark = {k: v for k, v in line["mark"].items() if k != "tooltip"}
    encoding = {k: v for k, v in line["encoding"].items() if k != "strokeDash"}  # not a point's channel
    return [
        line,
        {"transform": _LATEST, "mark": {**mark, "type": "point", "filled": True, "size": 36}, "encoding": encoding},
    ]


# ---- (a) losses and the test metric, with the previous run as a ghost ---------------------------
@dataclass(frozen=True)
class Ghost:
    """The previous run's curve, drawn faded under this one so a change of setting shows its effect.

    `curve` is a Trainer's `curve` (epoch, train_loss, test_loss, and test_accuracy or test_r2);
    `label` names it in the legend, e.g. "before: scaler=none".
    """

    curve: Sequence[dict[str, float]]
    label: str

    @property
    def metric_name(self) -> str | None:
        """test_accuracy or test_r2, whichever the curve holds (None for an empty curve)."""
        first = self.curve[0] if self.curve else {}
        return next((name for name in ("test_accuracy", "test_r2") if name in first), None)


def curve_frame(curve: Sequence[dict[str, float]], metric_name: str, max_points: int = MAX_POINTS) -> pd.DataFrame:
    """Epoch, train/test loss and the test metric, thinned; one row per kept epoch."""
    kept = [curve[i] for i in thin_indices(len(curve), max_points)]
    return compact_frame(
        {
            "epoch": np.array([row["epoch"] for row in kept], dtype=np.int64),
            "train": _finite([row["train_loss"] for row in kept], positive=True),
            "test": _finite([row["test_loss"] for row in kept], positive=True),
            "metric": _finite([row.get(metric_name, math.nan) for row in kept]),
        }
    )


def with_ghost(frame: pd.DataFrame, ghost: pd.DataFrame | None, label: str = "") -> pd.DataFrame:
    """This run's rows (`run` empty) and the ghost's (`run` = its label) in one frame, as the layers want."""
    shown = ghost is not None and len(ghost) > 0
    joined = pd.concat([frame, ghost], ignore_index=True) if shown else frame.reset_index(drop=True)
    codes = np.zeros(len(joined), dtype=np.int8)
    codes[len(frame) :] = 1
    categories = pd.Index(["", label or "before"] if shown else [""], dtype=object)
    return joined.assign(run=pd.Categorical.from_codes(codes, categories))


_NOW = {"filter": "datum.run == ''"}
_GHOST = {"filter": "datum.run != ''"}
GHOST_DASH: Spec = {  # the ghost's legend entry: its label beside a faded dashed line; no title, so no ghost, no legend
    "field": "run",
    "type": "nominal",
    "title": None,
    "scale": {"range": [[5, 3]]},
    "legend": {"symbolOpacity": 0.5, "labelLimit": 260},
}


def _now_and_ghost(line: Spec, ghost_tooltip: list[Spec]) -> list[Spec]:
    """The ghost (faded, dashed, under), then this run's line and its latest-epoch dot.

    The ghost layer is always in the spec, with no rows when there is no ghost, so the spec is the same
    with and without one and from tick to tick.
    """
    ghost = {
        "transform": [_GHOST],
        "mark": {**line["mark"], "opacity": 0.4, "strokeWidth": 1.5},
        "encoding": {**line["encoding"], "strokeDash": GHOST_DASH, "tooltip": ghost_tooltip},
    }
    now_line, now_dot = _with_latest(line)
    now_dot = {**now_dot, "transform": [_NOW, *now_dot["transform"]]}
    return [ghost, {**now_line, "transform": [_NOW]}, now_dot]


_EPOCH_TIP: Spec = {"field": "epoch", "type": "quantitative", "title": "epoch", "format": "d"}
_RUN_TIP: Spec = {"field": "run", "type": "nominal", "title": "run"}


@lru_cache(maxsize=1)
def loss_spec() -> Spec:
    tooltip = [
        _EPOCH_TIP,
        {"field": "split", "type": "nominal", "title": "split"},
        {"field": "loss", "type": "quantitative", "title": "loss", "format": ".4g"},
    ]
    return {
        "height": 260,
        "title": {
            "text": "Loss",
            "subtitle": ["How wrong the network is (lower is better),", "on the training and on the test split"],
            "anchor": "start",
        },
        "transform": [{"fold": ["train", "test"], "as": ["split", "loss"]}],
        "layer": _now_and_ghost(
            {
                "mark": {"type": "line", "clip": True},
                "encoding": {
                    "x": EPOCH_X,
                    "y": {
                        "field": "loss",
                        "type": "quantitative",
                        "scale": {"type": "log"},
                        "title": "loss (log scale)",
                    },
                    "color": {
                        "field": "split",
                        "type": "nominal",
                        "title": "split",
                        "scale": {"domain": ["train", "test"], "range": ["#1f77b4", "#ff7f0e"]},
                    },
                    "tooltip": tooltip,
                },
            },
            [*tooltip, _RUN_TIP],
        ),
    }


@lru_cache(maxsize=4)
def metric_spec(metric_name: str) -> Spec:
    """The axis fits the data (`zero: false`, Vega-Lite's `nice`), so 89% and 97% look apart; no number
    from the data is in the spec. R² below −1 is drawn at −1, where a bad start would flatten the rest."""
    accuracy = metric_name == "test_accuracy"
    value_format = ".1%" if accuracy else ".3f"
    tooltip = [
        _EPOCH_TIP,
        {"field": "metric", "type": "quantitative", "title": "accuracy" if accuracy else "R²", "format": value_format},
    ]
    subtitle = (
        ["Share of the test rows classified right;", "the axis zooms in on the values"]
        if accuracy
        else ["1 is perfect, 0 no better than guessing the mean;", "values below −1 are drawn at −1"]
    )
    return {
        "height": 190,
        "title": {"text": "Test accuracy" if accuracy else "Test R²", "subtitle": subtitle, "anchor": "start"},
        "transform": [{"calculate": "datum.metric" if accuracy else "max(datum.metric, -1)", "as": "shown"}],
        "layer": _now_and_ghost(
            {
                "mark": {"type": "line", "clip": True, "color": "#2ca02c"},
                "encoding": {
                    "x": EPOCH_X,
                    "y": {
                        "field": "shown",
                        "type": "quantitative",
                        "title": "accuracy" if accuracy else "R²",
                        "scale": {"zero": False},
                        "axis": {"format": ".0%" if accuracy else ".2~f"},
                    },
                    "tooltip": tooltip,
                },
            },
            [*tooltip, _RUN_TIP],
        ),
    }


# ---- (b) activation histograms, (f) the scaled inputs as "layer 0" -----------------------------
def histogram_frame(layers: Sequence[dict[str, Any]], activation: str, norm: str = "bn_before") -> pd.DataFrame:
    """Every hidden layer's stages in the placement's order: one row per bin, share of the probe values.

    `panel` ("layer 1 · 2 · batch norm") heads each small chart and `order` sorts them layer by layer, so the
    grid can wrap to the page's width instead of running off it.
    """
    keys = ("layer", "stage", "column", "panel", "order", "x0", "x1", "share")
    parts: dict[str, list[np.ndarray]] = {k: [] for k in keys}
    for layer in layers:
        row_title = f"layer {layer['index'] + 1} · {layer['width']} units"
        for step, stage in enumerate(layer["order"], start=1):
            hist = layer["stages"][stage]["hist"]
            edges = np.asarray(hist["edges"], dtype=np.float64)
            counts = np.asarray(hist["counts"], dtype=np.float64)
            bins = len(counts)
            column = _stage_title(step, stage, activation, norm)
            parts["layer"].append(np.full(bins, row_title, dtype=object))
            parts["stage"].append(np.full(bins, stage, dtype=object))
            parts["column"].append(np.full(bins, column, dtype=object))
            parts["panel"].append(np.full(bins, f"layer {layer['index'] + 1} · {column}", dtype=object))
            parts["order"].append(np.full(bins, layer["index"] * 10 + step, dtype=np.int64))
            parts["x0"].append(edges[:-1])
            parts["x1"].append(edges[1:])
            parts["share"].append(counts / max(counts.sum(), 1.0))
    if not parts["x0"]:
        return compact_frame({k: np.array([], dtype=object) for k in parts})
    return compact_frame({k: np.concatenate(v) for k, v in parts.items()})


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


STAGE_COLORS = {"linear": "#7f7f7f", "norm": "#ff7f0e", "act": "#1f77b4"}
HISTOGRAM_COLUMNS = 3  # one layer per row (linear, norm, act) when the network has a norm


@lru_cache(maxsize=8)
def histogram_spec(norm: str = "bn_before") -> Spec:
    """Subtitled with the run's placement in words and what 'linear' means; small panels in rows of three,
    about 520 px wide in all, so the grid fits a laptop's window beside the sidebar."""
    stage_color = {
        "field": "stage",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": list(STAGE_COLORS), "range": list(STAGE_COLORS.values())},
    }
    return {
        "title": {
            "text": "Every hidden layer, stage by stage",
            "subtitle": [
                f"{labels.NORMS.get(norm, norm)}. Bars: share of the values in each bin.",
                f"{LINEAR_WORDS}.",
            ],
            "anchor": "start",
        },
        "facet": {
            "field": "panel",
            "type": "nominal",
            "title": None,
            "sort": {"field": "order", "op": "min"},
            "header": {"labelFontSize": 11, "labelLimit": 150},
        },
        "columns": HISTOGRAM_COLUMNS,
        "spec": _histogram_cell(stage_color, 120, 60),
        "resolve": {"scale": {"x": "independent", "y": "independent"}},
        "usermeta": CANVAS,
    }


@lru_cache(maxsize=32)
def stage_histogram_spec(title: str, stage: str) -> Spec:
    """One stage of one layer, as wide as its column: the first hidden layer at the top of the page."""
    cell = _histogram_cell({"value": STAGE_COLORS.get(stage, "#1f77b4")}, 0, 80)
    # Fill the column (three share a row at any window width); the autosize keeps Streamlit from
    # fitting the chart to a height of its own, which squashes the plot.
    cell.update(width="container", autosize={"type": "fit-x", "contains": "padding"})
    return {"title": {"text": title, "anchor": "start", "fontSize": 12}, **cell, "usermeta": CANVAS}


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
        "spec": _histogram_cell({"value": "#9467bd"}, 110, 60),
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
        columns[name] = _finite([r["layers"][layer]["stages"][stage][name] for r in rows])
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
                "mark": {"type": "area", "opacity": 0.12, "color": "#1f77b4"},
                "encoding": {
                    "x": x,
                    "y": {"field": "min", "type": "quantitative", "title": "value", "axis": {"format": ".3~g"}},
                    "y2": {"field": "max"},
                },
            },
            {
                "mark": {"type": "area", "opacity": 0.35, "color": "#1f77b4"},
                "encoding": {"x": x, "y": {"field": "p15", "type": "quantitative"}, "y2": {"field": "p85"}},
            },
            *_with_latest(
                {
                    "mark": {"type": "line", "color": "#1f77b4"},
                    "encoding": {
                        "x": x,
                        "y": {"field": "p50", "type": "quantitative"},
                        "tooltip": [
                            _EPOCH_TIP,
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
            "dead": _finite([item["stages"]["act"]["frac_dead"] for _, item in items]),
            "saturated": _finite([item["stages"]["act"]["frac_saturated"] for _, item in items]),
            "grad_norm": _finite([item["grad_norm"] for _, item in items], positive=True),  # log axis
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
        "layer": _with_latest(
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
                        _EPOCH_TIP,
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
        "layer": _with_latest(
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
                        _EPOCH_TIP,
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
    ratio = _finite(ratios, positive=True)
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
                "mark": {"type": "rule", "color": "#7f7f7f", "strokeDash": [4, 4]},
                "encoding": {"y": {"datum": HEALTHY_LOG_UPDATE}},
            },
            *_with_latest(
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
                            _EPOCH_TIP,
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


@lru_cache(maxsize=64)
def history_spec(title: str) -> Spec:
    """The title names the layer and stage, so the spec changes only when the choice does."""
    return {
        "height": 240,
        "title": {
            "text": title,
            "subtitle": [
                "Each column: one epoch's histogram of these values;",
                "darker: a larger share of the values in that bin",
            ],
            "anchor": "start",
        },
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
                "title": "share",
                "scale": {"type": "sqrt", "scheme": "blues"},
                "legend": {"format": ".0%"},
            },
            "tooltip": [
                _EPOCH_TIP,
                {"field": "x0", "type": "quantitative", "title": "values from", "format": ".3g"},
                {"field": "x1", "type": "quantitative", "title": "to", "format": ".3g"},
                {"field": "share", "type": "quantitative", "title": "share of values", "format": ".1%"},
            ],
        },
        "usermeta": CANVAS,
    }


def history_title(layer: int, stage: str, activation: str, norm: str) -> str:
    return f"Layer {layer + 1} {stage_phrase(stage, activation, norm)}, per epoch"


# ---- (e) the decision boundary or regression surface -------------------------------------------
@dataclass(frozen=True)
class Plane:
    """A fixed grid over two scaled inputs, and the test points drawn on it (computed once per run)."""

    centres: np.ndarray  # (GRID², 2): where the network is asked for a prediction
    cells: dict[str, np.ndarray]  # x0, x0_end, x1, x1_end of each grid cell
    points: dict[str, np.ndarray]  # x0, x1 and label (classes) or value (regression) of the drawn test points


def plane(
    X_train: np.ndarray,
    X_test: np.ndarray,
    y_test: np.ndarray,
    task: str,
    class_names: Sequence[str],
    grid: int = GRID,
) -> Plane | None:
    """The grid over the bulk of the data (0.5–99.5 percentiles, padded); None unless there are 2 features."""
    if X_train.shape[1] != 2:
        return None
    lo, hi = np.percentile(np.concatenate([X_train, X_test]), [0.5, 99.5], axis=0)
    pad = np.maximum((hi - lo) * 0.08, 1e-6)
    edges = [np.linspace(lo[k] - pad[k], hi[k] + pad[k], grid + 1) for k in range(2)]
    ix, iy = (index.ravel() for index in np.meshgrid(np.arange(grid), np.arange(grid)))
    cells = {"x0": edges[0][ix], "x0_end": edges[0][ix + 1], "x1": edges[1][iy], "x1_end": edges[1][iy + 1]}
    centres = np.column_stack([(cells["x0"] + cells["x0_end"]) / 2, (cells["x1"] + cells["x1_end"]) / 2])
    shown = thin_indices(len(X_test), MAX_SURFACE_POINTS)
    points = {"x0": X_test[shown, 0], "x1": X_test[shown, 1]}
    if task == "classification":
        points["label"] = np.asarray(class_names, dtype=object)[np.asarray(y_test)[shown]]
    else:
        points["value"] = np.asarray(y_test, dtype=np.float64)[shown]
    return Plane(centres, cells, points)


def surface_frame(plane: Plane, predictions: np.ndarray, class_names: Sequence[str]) -> pd.DataFrame:
    """Grid cells with the network's answer (class and confidence, or value), then the test points."""
    n_cells, n_points = len(plane.centres), len(plane.points["x0"])
    gap = np.full(n_points, np.nan)
    columns: dict[str, Any] = {
        "kind": np.array(["grid"] * n_cells + ["point"] * n_points, dtype=object),
        "x0": np.concatenate([plane.cells["x0"], plane.points["x0"]]),
        "x1": np.concatenate([plane.cells["x1"], plane.points["x1"]]),
        "x0_end": np.concatenate([plane.cells["x0_end"], gap]),
        "x1_end": np.concatenate([plane.cells["x1_end"], gap]),
    }
    if predictions.ndim == 2:  # class probabilities
        labels = np.asarray(class_names, dtype=object)[predictions.argmax(1)]
        columns["label"] = np.concatenate([labels, plane.points["label"]])
        columns["confidence"] = np.concatenate([_finite(predictions.max(1)), gap])
    else:
        columns["value"] = np.concatenate([_finite(predictions), plane.points["value"]])
    return compact_frame(columns)


@lru_cache(maxsize=16)
def surface_spec(task: str, n_classes: int = 2, scaled: bool = True) -> Spec:
    """`scaled` is False when the run's scaler is 'none': the axes are then the raw features."""
    word = "scaled" if scaled else "raw"
    axes = {
        "x": {
            "field": "x0",
            "type": "quantitative",
            "title": f"{word} feature 0",
            "scale": {"zero": False, "nice": False},
        },
        "y": {
            "field": "x1",
            "type": "quantitative",
            "title": f"{word} feature 1",
            "scale": {"zero": False, "nice": False},
        },
    }
    point_tips = [
        {"field": "x0", "type": "quantitative", "title": f"{word} feature 0", "format": ".3g"},
        {"field": "x1", "type": "quantitative", "title": f"{word} feature 1", "format": ".3g"},
    ]
    if task == "classification":
        color = {"field": "label", "type": "nominal", "title": "class"}
        cell_extra = {
            "opacity": {
                "field": "confidence",
                "type": "quantitative",
                "legend": None,
                "scale": {"domain": [1 / max(n_classes, 2), 1], "range": [0.02, 0.6]},
            }
        }
        point_mark = {"type": "circle", "size": 26, "stroke": "white", "strokeWidth": 0.7, "opacity": 1}
        title = "Decision boundary and test points"
        subtitle = ["Background: the class the network predicts,", "paler where it is less sure"]
        cell_tips = [
            {"field": "label", "type": "nominal", "title": "predicted class"},
            {"field": "confidence", "type": "quantitative", "title": "confidence", "format": ".0%"},
        ]
        point_tips.append({"field": "label", "type": "nominal", "title": "true class"})
    else:
        color = {"field": "value", "type": "quantitative", "title": "target", "scale": {"scheme": "viridis"}}
        cell_extra = {}
        point_mark = {"type": "circle", "size": 26, "stroke": "black", "strokeWidth": 0.6, "opacity": 1}
        title = "Regression surface and test points"
        subtitle = ["Background: the network's prediction;", "dots: the test rows' true targets"]
        cell_tips = [{"field": "value", "type": "quantitative", "title": "prediction", "format": ".3g"}]
        point_tips.append({"field": "value", "type": "quantitative", "title": "true target", "format": ".3g"})
    return {
        "height": 330,
        "title": {"text": title, "subtitle": subtitle, "anchor": "start"},
        "layer": [
            {
                "transform": [{"filter": "datum.kind == 'grid'"}],
                "mark": {"type": "rect", "clip": True},
                "encoding": {
                    **axes,
                    "x2": {"field": "x0_end"},
                    "y2": {"field": "x1_end"},
                    "color": color,
                    **cell_extra,
                    "tooltip": cell_tips,
                },
            },
            {
                "transform": [{"filter": "datum.kind == 'point'"}],
                "mark": {**point_mark, "clip": True},
                "encoding": {**axes, "color": color, "tooltip": point_tips},
            },
        ],
        "config": {"aria": False},
        "usermeta": CANVAS,
    }


# ---- one tick ----------------------------------------------------------------------------------
class TrainCharts:
    """The Train page's charts for one run: what never changes is built once, the rest on each tick."""

    def __init__(self, trainer: Trainer) -> None:
        prepared = trainer.prepared
        self.task: str = trainer.task
        self.activation: str = trainer.config.activation
        self.norm: str = trainer.config.norm
        self.scaled: bool = trainer.config.scaler != "none"
        self.class_names: tuple[str, ...] = tuple(prepared.dataset.class_names)
        self.n_features: int = int(prepared.X_train.shape[1])
        self.inputs = input_frame(prepared.X_train, prepared.dataset.feature_names)
        self.plane = plane(prepared.X_train, prepared.X_test, prepared.y_test, self.task, self.class_names)
        self._ghost: tuple[Ghost | None, str, pd.DataFrame | None] = (None, "", None)

    def _ghost_curve(self, ghost: Ghost | None, metric_name: str) -> pd.DataFrame | None:
        """The ghost's thinned curve, computed once per ghost (it does not change while this run trains)."""
        if ghost is None or not ghost.curve:
            return None
        if self._ghost[0] is not ghost or self._ghost[1] != metric_name:
            self._ghost = (ghost, metric_name, curve_frame(ghost.curve, metric_name))
        return self._ghost[2]

    def first_layer(self, trainer: Trainer) -> list[Chart]:
        """The first hidden layer's stages, one chart each, from the latest probe (empty before epoch 1 too:
        the charts keep their place)."""
        layers = trainer.records[-1]["layers"][:1] if trainer.records else []
        frame = histogram_frame(layers, self.activation, self.norm)
        order = trainer.network.layers[0].order
        charts = []
        for step, stage in enumerate(order, start=1):
            title = f"Layer 1 · {_stage_title(step, stage, self.activation, self.norm)}"
            rows = frame[frame["stage"] == stage] if len(frame) else frame
            charts.append(Chart(stage_histogram_spec(title, stage), rows))
        return charts

    def build(
        self, trainer: Trainer, band_layer: int = 0, band_stage: str = "act", ghost: Ghost | None = None
    ) -> dict[str, Chart]:
        """Every live chart's cached spec and this tick's data: `build_top` and `build_inside` together.

        `band_layer` (0-based hidden layer) and `band_stage` ("linear", "norm" or "act") choose what the
        band and history charts follow. `ghost`: the previous run's curve and label (see `Ghost`), drawn
        faded and dashed under this run's loss and metric; its metric is left out when it is another
        metric (accuracy vs R²). With or without a ghost, and from tick to tick, every spec stays the same.

        Keys, and a layout that fits their sizes (each chart fills its container's width):
          "loss" (260 px high) above "metric" (190), in a wide left column; "surface" (330, only for
          two-feature data while the weights are finite) in the right column beside them;
          "inputs" (layer 0's histograms) and "histograms" (every hidden layer's stages, latest epoch), full width;
          "band" (spread over epochs) beside "history" (the chosen histogram for every epoch, a heatmap), both
          240 px, in two columns;
          "fractions" (dead and saturated units), full width or beside the band;
          "grad_norms" (gradient size per layer) beside "update_ratio" (log10 ‖ΔW‖/‖W‖ per layer and the
          output layer, with a rule at −3), both 260 px, in two columns.
        """
        return {**self.build_top(trainer, ghost), **self.build_inside(trainer, band_layer, band_stage)}

    def build_inside(self, trainer: Trainer, band_layer: int = 0, band_stage: str = "act") -> dict[str, Chart]:
        """The charts of the network's insides: "inputs", "histograms", "band", "history", "fractions",
        "grad_norms", "update_ratio" (the page redraws them less often than the top)."""
        health = health_frame(trainer.records)
        latest = trainer.records[-1]["layers"] if trainer.records else []
        title = history_title(band_layer, band_stage, self.activation, self.norm)
        return {
            "inputs": Chart(input_spec(), self.inputs),
            "histograms": Chart(histogram_spec(self.norm), histogram_frame(latest, self.activation, self.norm)),
            "band": Chart(band_spec(), band_frame(trainer.records, band_layer, band_stage)),
            "history": Chart(history_spec(title), history_frame(trainer.records, band_layer, band_stage)),
            "fractions": Chart(fractions_spec(), health),
            "grad_norms": Chart(grad_norm_spec(), health),
            "update_ratio": Chart(update_ratio_spec(), update_ratio_frame(trainer.records)),
        }

    def build_top(self, trainer: Trainer, ghost: Ghost | None = None) -> dict[str, Chart]:
        """The charts beside the buttons, redrawn every tick: "loss", "metric" and "surface"."""
        metric = trainer.metric_name
        curve = curve_frame(trainer.curve, metric)
        ghost_curve = self._ghost_curve(ghost, metric)
        label = ghost.label if ghost is not None else ""
        same_metric = ghost is not None and ghost.metric_name == metric
        charts = {
            "loss": Chart(loss_spec(), with_ghost(curve, ghost_curve, label)),
            "metric": Chart(metric_spec(metric), with_ghost(curve, ghost_curve if same_metric else None, label)),
        }
        if self.plane is not None and not trainer.diverged:
            predictions = trainer.predict(self.plane.centres)
            if np.isfinite(predictions).all():
                spec = surface_spec(self.task, max(len(self.class_names), 2), self.scaled)
                charts["surface"] = Chart(spec, surface_frame(self.plane, predictions, self.class_names))
        return charts
