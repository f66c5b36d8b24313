"""Vega-Lite specs and per-tick data for the Train page: pure functions of a run's records.

A spec is built once (cached) and never holds data, so the chart in the browser keeps its identity and
only its rows change from tick to tick. Every frame is bounded: histograms are counts on the run's fixed
edges and histories are thinned to at most `MAX_POINTS` per series, so a tick at epoch 2,000 costs what a
tick at epoch 20 does. Specs are shared, cached objects: callers must not mutate them.

This module draws the top of the page (loss and metric with the previous run as a ghost, the decision
surface) and puts a tick together (`TrainCharts`); the network's insides are in `explorer.charts.insides`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from explorer.charts import insides, network
from explorer.charts.base import (
    BLUE,
    CANVAS,
    EPOCH_TIP,
    EPOCH_X,
    GREEN,
    GREY,
    MAX_POINTS,
    ORANGE,
    Chart,
    Spec,
    compact_frame,
    finite,
    thin_indices,
    with_latest,
)
from explorer.runs.training import Trainer
from explorer.teaching import labels

MAX_SURFACE_POINTS = 400  # test points drawn over the decision surface
GRID = 36  # cells per side of the decision-surface grid


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


def curve_frame(
    curve: Sequence[dict[str, float]], metric_name: str, max_points: int = MAX_POINTS, shown: int | None = None
) -> pd.DataFrame:
    """Epoch, train/test loss and the test metric, thinned; one row per kept epoch. `shown`: the epoch the
    scrubber shows, marked on the last kept row at or before it (`shown` column; none while live)."""
    kept = [curve[i] for i in thin_indices(len(curve), max_points)]
    epochs = np.array([row["epoch"] for row in kept], dtype=np.int64)
    marked = np.zeros(len(kept), dtype=bool)
    if shown is not None and len(kept):
        marked[max(int(np.searchsorted(epochs, shown, side="right")) - 1, 0)] = True
    return compact_frame(
        {
            "epoch": epochs,
            "train": finite([row["train_loss"] for row in kept], positive=True),
            "test": finite([row["test_loss"] for row in kept], positive=True),
            "metric": finite([row.get(metric_name, math.nan) for row in kept]),
            "shown": marked,
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
    "legend": {"symbolOpacity": 0.5, "labelLimit": 260, "orient": "top", "direction": "horizontal"},
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
    now_line, now_dot = with_latest(line)
    now_dot = {**now_dot, "transform": [_NOW, *now_dot["transform"]]}
    return [ghost, {**now_line, "transform": [_NOW]}, now_dot]


_RUN_TIP: Spec = {"field": "run", "type": "nominal", "title": "run"}
LOSS_HEIGHT = 215  # with the metrics row and the buttons, it leaves the network's first layer on screen
SHOWN_RULE: Spec = {  # the epoch the scrubber shows (no rows while the page follows training live)
    "transform": [{"filter": "datum.shown && datum.split == 'train'"}],
    "mark": {"type": "rule", "color": GREY, "strokeDash": [4, 3], "strokeWidth": 1.5},
    "encoding": {"x": EPOCH_X},
}


@lru_cache(maxsize=1)
def loss_spec() -> Spec:
    tooltip = [
        EPOCH_TIP,
        {"field": "split", "type": "nominal", "title": "split"},
        {"field": "loss", "type": "quantitative", "title": "loss", "format": ".4g"},
    ]
    return {
        "height": LOSS_HEIGHT,
        "title": {
            "text": "Loss",
            "subtitle": ["How wrong the network is (lower is better), per split"],
            "anchor": "start",
        },
        "transform": [{"fold": ["train", "test"], "as": ["split", "loss"]}],
        "layer": [
            *_now_and_ghost(
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
                            "title": None,
                            "scale": {"domain": ["train", "test"], "range": [BLUE, ORANGE]},
                            # above the plot, in one line: a legend beside a short plot would squeeze it
                            "legend": {
                                "orient": "top",
                                "direction": "horizontal",
                                "labelExpr": "datum.label + ' split'",
                            },
                        },
                        "tooltip": tooltip,
                    },
                },
                [*tooltip, _RUN_TIP],
            ),
            SHOWN_RULE,
        ],
    }


@lru_cache(maxsize=4)
def metric_spec(metric_name: str) -> Spec:
    """The axis fits the data (`zero: false`, Vega-Lite's `nice`), so 89% and 97% look apart; no number
    from the data is in the spec. R² below −1 is drawn at −1, where a bad start would flatten the rest."""
    accuracy = metric_name == "test_accuracy"
    known = "test_accuracy" if accuracy else "test_r2"  # any other name is drawn as R² is
    value_format = ".1%" if accuracy else ".3f"
    short = labels.METRICS_SHORT[known]
    tooltip = [EPOCH_TIP, {"field": "metric", "type": "quantitative", "title": short, "format": value_format}]
    subtitle = (
        ["Share of the test rows classified right;", "the axis zooms in on the values"]
        if accuracy
        else ["1 is perfect, 0 no better than guessing the mean;", "values below −1 are drawn at −1"]
    )
    return {
        "height": 190,
        "title": {"text": labels.capitalised(labels.METRICS[known]), "subtitle": subtitle, "anchor": "start"},
        "transform": [{"calculate": "datum.metric" if accuracy else "max(datum.metric, -1)", "as": "shown"}],
        "layer": _now_and_ghost(
            {
                "mark": {"type": "line", "clip": True, "color": GREEN},
                "encoding": {
                    "x": EPOCH_X,
                    "y": {
                        "field": "shown",
                        "type": "quantitative",
                        "title": short,
                        "scale": {"zero": False},
                        "axis": {"format": ".0%" if accuracy else ".2~f"},
                    },
                    "tooltip": tooltip,
                },
            },
            [*tooltip, _RUN_TIP],
        ),
    }


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
        columns["confidence"] = np.concatenate([finite(predictions.max(1)), gap])
    else:
        columns["value"] = np.concatenate([finite(predictions), plane.points["value"]])
    return compact_frame(columns)


@lru_cache(maxsize=16)
def surface_spec(task: str, n_classes: int = 2, scaled: bool = True, height: int = 330) -> Spec:
    """`scaled` is False when the run's scaler is 'none': the axes are then the raw features. `height`: less
    in A | B mode, where B's network sits under the surface."""
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
        if height < 330:  # short (A | B): no legend to squeeze the plot; the tooltips name each point's class
            color["legend"] = None
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
        "height": height,
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
class SurfaceHistory:
    """The decision surface as drawn at past epochs, so the scrubber can show an earlier boundary without
    training again; at most `size` epochs, every other one dropped when full (older ones sparser)."""

    def __init__(self, size: int = 120) -> None:
        self.size = size
        self.frames: dict[int, pd.DataFrame] = {}

    def keep(self, epoch: int, frame: pd.DataFrame) -> None:
        self.frames[epoch] = frame
        if len(self.frames) > self.size:
            epochs = sorted(self.frames)
            for old in epochs[: len(epochs) // 2 : 2]:  # thin the older half
                del self.frames[old]

    def at(self, epoch: int) -> tuple[int | None, pd.DataFrame | None]:
        """The latest kept epoch at or before `epoch` and its frame (the earliest kept one if none)."""
        if not self.frames:
            return None, None
        before = [e for e in self.frames if e <= epoch]
        chosen = max(before) if before else min(self.frames)
        return chosen, self.frames[chosen]


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
        self.inputs = insides.input_frame(prepared.X_train, prepared.dataset.feature_names)
        self.plane = plane(prepared.X_train, prepared.X_test, prepared.y_test, self.task, self.class_names)
        self._ghost: tuple[Ghost | None, str, pd.DataFrame | None] = (None, "", None)
        self.surfaces = SurfaceHistory()  # the boundary at the epochs it was drawn, for the scrubber

    def _ghost_curve(self, ghost: Ghost | None, metric_name: str) -> pd.DataFrame | None:
        """The ghost's thinned curve, computed once per ghost (it does not change while this run trains)."""
        if ghost is None or not ghost.curve:
            return None
        if self._ghost[0] is not ghost or self._ghost[1] != metric_name:
            self._ghost = (ghost, metric_name, curve_frame(ghost.curve, metric_name))
        return self._ghost[2]

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
        return insides.build(trainer.records, self.inputs, self.activation, self.norm, band_layer, band_stage)

    def network_chart(
        self, trainer: Trainer, epoch: int | None = None, overlay: bool = False, cell_width: int = network.CELL_WIDTH
    ) -> Chart:
        """The network drawn as its data path at `epoch` (None: the latest), epoch 1 faintly behind if `overlay`."""
        record = network.stage_record(trainer.records, epoch)
        first = trainer.records[0] if overlay and trainer.records else None
        layers, earlier = (record["layers"] if record else []), (first["layers"] if first else [])
        spec = network.diagram_spec(self.norm, self.activation, cell_width)
        return Chart(spec, network.diagram_frame(layers, self.activation, self.norm, earlier))

    def build_top(
        self,
        trainer: Trainer,
        ghost: Ghost | None = None,
        epoch: int | None = None,
        overlay: bool = False,
        surface_height: int = 330,
        cell_width: int = network.CELL_WIDTH,
    ) -> dict[str, Chart]:
        """The charts beside the buttons, redrawn every tick: "loss", "metric", "network" (the data path,
        `explorer.charts.network`) and "surface".

        `epoch`: the epoch the scrubber shows (None: follow training): the loss marks it, the network shows
        its record, the surface the boundary as drawn at the latest epoch up to it (`surface_epoch` says
        which). `overlay`: the first recorded epoch's histograms faintly behind the shown ones (drift)."""
        metric = trainer.metric_name
        curve = curve_frame(trainer.curve, metric, shown=epoch)
        ghost_curve = self._ghost_curve(ghost, metric)
        label = ghost.label if ghost is not None else ""
        same_metric = ghost is not None and ghost.metric_name == metric
        charts = {
            "loss": Chart(loss_spec(), with_ghost(curve, ghost_curve, label)),
            "metric": Chart(metric_spec(metric), with_ghost(curve, ghost_curve if same_metric else None, label)),
            "network": self.network_chart(trainer, epoch, overlay, cell_width),
        }
        self.surface_epoch = None
        if self.plane is not None and not trainer.diverged:
            if epoch is None or epoch >= trainer.epoch:
                predictions = trainer.predict(self.plane.centres)
                if np.isfinite(predictions).all():
                    frame = surface_frame(self.plane, predictions, self.class_names)
                    self.surfaces.keep(trainer.epoch, frame)
                    self.surface_epoch = trainer.epoch
            else:
                self.surface_epoch, frame = self.surfaces.at(epoch)
            if self.surface_epoch is not None:
                spec = surface_spec(self.task, max(len(self.class_names), 2), self.scaled, surface_height)
                charts["surface"] = Chart(spec, frame)
        return charts
