"""The network drawn as its data path: each hidden layer a row of boxes, one per stage, in the order the
placement puts them (linear → BN → activation, or linear → activation → BN), each with its live histogram
and its numbers.

Why one figure: question 2 ("wouldn't the activation undo what BN did?") is answered by watching what each
stage does to the distribution, and where the BN box sits; a change of `norm` visibly moves the orange box.
One faceted Vega-Lite view (not a view per stage) keeps a redraw cheap for the browser. Optionally an earlier
epoch's histograms are drawn faintly behind the current ones, so drift is one picture.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from explorer.charts.base import CANVAS, GREY, Spec, compact_frame
from explorer.charts.insides import STAGE_COLORS, stage_name, stage_title
from explorer.core.model import NORM_FIRST
from explorer.teaching import labels

CELL_WIDTH, CELL_HEIGHT = 108, 58  # three boxes and the layer labels fit beside the decision surface
BOUNDED_ACTIVATIONS = ("sigmoid", "tanh")  # their values saturate at a bound; the others' units die at 0
_FIELDS = ("layer", "row", "step", "column", "panel", "order", "stage", "kind", "x0", "x1", "share", "text")


def _stats_text(stats: dict[str, Any], stage: str, activation: str) -> str:
    text = f"mean {stats['mean']:.2g}\nstd {stats['std']:.2g}"
    if stage == "act" and activation in BOUNDED_ACTIVATIONS:
        return f"{text}\nsaturated {stats['frac_saturated']:.0%}"
    if stage == "act" and activation != "linear":
        return f"{text}\ndead {stats['frac_dead']:.0%}"
    return text


def diagram_frame(
    layers: Sequence[dict[str, Any]],
    activation: str,
    norm: str,
    earlier: Sequence[dict[str, Any]] = (),
) -> pd.DataFrame:
    """One row per (layer, stage, bin) of `layers` (a record's "layers"), a "stat" row per box with its
    numbers, and `earlier` (an earlier record's layers, or none) as faint "past" bins on the same boxes."""
    parts: dict[str, list[np.ndarray]] = {k: [] for k in _FIELDS}

    def add(layer: dict[str, Any], step: int, stage: str, kind: str, x0, x1, share, text: str = "") -> None:
        n = len(x0)
        parts["layer"].append(np.full(n, layer["index"], dtype=np.int64))
        parts["row"].append(np.full(n, row_label(layer["index"], layer["width"]), dtype=object))
        parts["step"].append(np.full(n, step, dtype=np.int64))
        parts["column"].append(np.full(n, stage_title(step, stage, activation, norm), dtype=object))
        parts["panel"].append(
            np.full(n, f"layer {layer['index'] + 1}: {stage_name(stage, activation, norm)}", dtype=object)
        )
        parts["order"].append(np.full(n, layer["index"] * 10 + step, dtype=np.int64))
        parts["stage"].append(np.full(n, stage, dtype=object))
        parts["kind"].append(np.full(n, kind, dtype=object))
        parts["x0"].append(np.asarray(x0, dtype=np.float64))
        parts["x1"].append(np.asarray(x1, dtype=np.float64))
        parts["share"].append(np.asarray(share, dtype=np.float64))
        parts["text"].append(np.full(n, text, dtype=object))

    for source, kind in ((earlier, "past"), (layers, "bin")):
        for layer in source:
            for step, stage in enumerate(layer["order"], start=1):
                stats = layer["stages"][stage]
                edges = np.asarray(stats["hist"]["edges"], dtype=np.float64)
                counts = np.asarray(stats["hist"]["counts"], dtype=np.float64)
                add(layer, step, stage, kind, edges[:-1], edges[1:], counts / max(counts.sum(), 1.0))
                if kind == "bin":
                    add(layer, step, stage, "stat", [np.nan], [np.nan], [np.nan], _stats_text(stats, stage, activation))
    if not parts["x0"]:
        return compact_frame({k: np.array([], dtype=object) for k in _FIELDS})
    return compact_frame({k: np.concatenate(v) for k, v in parts.items()})


def heading(norm: str, activation: str) -> tuple[str, str]:
    """The figure's title and the line under it: the data path in words, e.g. 'inputs → linear (W·u + b) →
    ReLU → batch norm: BN after the activation.' (Drawn by the page: Vega-Lite leaves a faceted view's title
    out of Streamlit's chart.)"""
    order = " → ".join(["inputs", *(stage_name(stage, activation, norm) for stage in stage_order(norm))])
    return "The network, stage by stage", f"{order}: {labels.NORMS.get(norm, norm)}."


def row_label(index: int, width: int) -> str:
    return f"layer {index + 1} ({width})"


@lru_cache(maxsize=16)
def diagram_spec(norm: str, activation: str, cell_width: int = CELL_WIDTH) -> Spec:
    """The boxes faceted by layer (rows) and stage (columns, in the placement's order); the normalisation's
    boxes in orange, its header marked. Bins of an earlier epoch, when sent, are drawn faintly behind."""
    stage_color = {
        "field": "stage",
        "type": "nominal",
        "legend": None,
        "scale": {"domain": list(STAGE_COLORS), "range": list(STAGE_COLORS.values())},
    }
    x = {
        "field": "x0",
        "type": "quantitative",
        "title": None,
        "scale": {"zero": False, "nice": False},
        "axis": {"format": ".2~g", "tickCount": 3, "labelFontSize": 9},
    }
    y = {"field": "share", "type": "quantitative", "title": None, "axis": None}
    tooltip = [
        {"field": "x0", "type": "quantitative", "title": "values from", "format": ".3g"},
        {"field": "x1", "type": "quantitative", "title": "to", "format": ".3g"},
        {"field": "share", "type": "quantitative", "title": "share of values", "format": ".1%"},
    ]
    return {
        "name": heading(norm, activation)[0],  # the page draws the heading; the name says which chart this is
        "description": " ".join(heading(norm, activation)),
        # One panel per box, wrapped a layer to a row. (A row × column facet would read better, but Streamlit's
        # Vega fails on one whose rows are sorted; a wrapped facet sorted by a field works.)
        "facet": {
            "field": "panel",
            "type": "nominal",
            "title": None,
            "sort": {"field": "order", "op": "min"},
            "header": {"labelFontSize": 10, "labelLimit": cell_width + 8},
        },
        "columns": len(stage_order(norm)),
        "spec": {
            "width": cell_width,
            "height": CELL_HEIGHT,
            "layer": [
                {
                    "transform": [{"filter": "datum.kind === 'past'"}],
                    "mark": {"type": "rect", "color": GREY, "opacity": 0.35},
                    "encoding": {"x": x, "x2": {"field": "x1"}, "y": y, "y2": {"datum": 0}},
                },
                {
                    "transform": [{"filter": "datum.kind === 'bin'"}],
                    "mark": {"type": "rect", "opacity": 0.85},
                    "encoding": {
                        "x": x,
                        "x2": {"field": "x1"},
                        "y": y,
                        "y2": {"datum": 0},
                        "color": stage_color,
                        "tooltip": tooltip,
                    },
                },
                {
                    "transform": [{"filter": "datum.kind === 'stat'"}],
                    "mark": {
                        "type": "text",
                        "align": "left",
                        "baseline": "top",
                        "fontSize": 9,
                        "dx": 2,
                        "dy": 1,
                        "lineBreak": "\n",
                    },
                    "encoding": {"text": {"field": "text"}, "x": {"value": 0}, "y": {"value": 0}},
                },
                {  # the normalisation's box, framed: where it sits is the point of question 2
                    "transform": [{"filter": "datum.kind === 'stat' && datum.stage === 'norm'"}],
                    "mark": {"type": "rect", "fill": None, "stroke": STAGE_COLORS["norm"], "strokeWidth": 2},
                    "encoding": {
                        "x": {"value": 0},
                        "x2": {"value": "width"},
                        "y": {"value": 0},
                        "y2": {"value": "height"},
                    },
                },
            ],
        },
        "resolve": {"scale": {"x": "independent", "y": "independent"}},
        "spacing": 10,
        "usermeta": CANVAS,
    }


def stage_order(norm: str) -> tuple[str, ...]:
    """The stages of a hidden layer in the order `norm` puts them."""
    if norm == "none":
        return ("linear", "act")
    return ("linear", "norm", "act") if norm in NORM_FIRST else ("linear", "act", "norm")


def stage_record(records: Sequence[dict[str, Any]], epoch: int | None = None) -> dict[str, Any] | None:
    """The record of `epoch` (the latest at or before it; None: the latest of all), or None before any."""
    if not records:
        return None
    if epoch is None:
        return records[-1]
    kept = [r for r in records if r["epoch"] <= epoch]
    return kept[-1] if kept else records[0]
