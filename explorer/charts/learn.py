"""Vega-Lite specs and rows for the Learn page's experiments: pure functions of `Lesson.evidence()` results.

An experiment's numbers are fixed once computed, so nothing here is redrawn per tick (unlike the Train
page). What matters is that a learner can read every chart without the code: axes, legends and tooltips
name what they show in words ("steps of gradient descent", "std of the activation's output"), numbers are
rounded, and a log axis says so in its title.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from explorer.charts.base import BLUE, EPOCH_X, GREEN, GREY, ORANGE, PALETTE, Chart, Spec
from explorer.teaching.labels import METRICS, NORMS, label

DIAGONAL = "Gaussian (the diagonal)"
# A panel of a faceted chart (Vega-Lite sizes those in pixels, not to their container): panels are stacked,
# never side by side, so a chart fits the page's narrowest main column (480 px at 1000×800 with the sidebar).
PANEL_WIDTH = 320
SCALER_COLORS = {
    label("scaler", "none"): ORANGE,
    label("scaler", "standard"): BLUE,
    label("scaler", "quantile_normal"): GREEN,
}


def _name(names: Mapping[str, str], value: Any) -> str:
    return names.get(value, str(value))


def _number(value: Any) -> float:
    """NaN (a gap, never a crash) for None or a non-finite value."""
    return float(value) if value is not None and math.isfinite(float(value)) else math.nan


def _positive(value: Any) -> float:
    """For a log axis: NaN where the value is not a positive number."""
    number = _number(value)
    return number if number > 0 else math.nan


def _title(text: str) -> Spec:
    return {"text": text, "anchor": "start"}


def _head(text: str, how_to_read: str | None = None) -> Spec:
    """The spec's title, and how to read the chart as its `description` (the page shows it as a caption:
    a Vega subtitle gets clipped under Streamlit's layout)."""
    return {"title": _title(text), **({"description": how_to_read} if how_to_read else {})}


LAYER_X: Spec = {
    "field": "layer",
    "type": "quantitative",
    "title": "hidden layer",
    "axis": {"format": "d", "tickMinStep": 1},
}


def _log_std_y(title: str) -> Spec:
    """A layer's std on a log axis (the depth charts: a signal that shrinks tenfold per layer stays readable)."""
    return {"field": "std", "type": "quantitative", "title": title, "scale": {"type": "log"}}


# ---- 1. Normalised is not normal: the Q-Q plot -------------------------------------------------
def qq_chart(normal: Mapping[str, Any]) -> Chart:
    """Sample quantiles of feature 0 against a Gaussian's, after each scaler; the diagonal is Gaussian shape."""
    parts = []
    for scaler in ("standard", "quantile_normal"):
        qq = normal[scaler]["qq"]
        parts.append(
            pd.DataFrame({"scaler": label("scaler", scaler), "gaussian": qq["normal"], "sample": qq["sample"]})
        )
    gaussian = np.asarray(normal["standard"]["qq"]["normal"], dtype=np.float64)
    parts.append(pd.DataFrame({"scaler": DIAGONAL, "gaussian": gaussian, "sample": gaussian}))
    data = pd.concat(parts, ignore_index=True)
    domain = [label("scaler", "standard"), label("scaler", "quantile_normal"), DIAGONAL]
    color = {
        "field": "scaler",
        "type": "nominal",
        "title": "feature 0 after",
        "scale": {"domain": domain, "range": [SCALER_COLORS[domain[0]], SCALER_COLORS[domain[1]], GREY]},
    }
    x = {"field": "gaussian", "type": "quantitative", "title": "quantile of a Gaussian (in stds)"}
    y = {"field": "sample", "type": "quantitative", "title": "quantile of the feature (in its stds)"}
    tooltip = [
        {"field": "scaler", "title": "feature 0 after"},
        {"field": "gaussian", "type": "quantitative", "title": "Gaussian quantile", "format": ".2f"},
        {"field": "sample", "type": "quantitative", "title": "feature's quantile", "format": ".2f"},
    ]
    spec = {
        **_head(
            "Q-Q plot of feature 0",
            "On the dashed diagonal = Gaussian shape; a curve away from it = a different shape.",
        ),
        "height": 300,
        "layer": [
            {
                "transform": [{"filter": {"field": "scaler", "equal": DIAGONAL}}],
                "mark": {"type": "line", "strokeDash": [4, 4]},
                "encoding": {"x": x, "y": y, "color": color},
            },
            {
                "transform": [{"filter": {"not": {"field": "scaler", "equal": DIAGONAL}}}],
                "mark": {"type": "point", "filled": True, "size": 28},
                "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip},
            },
        ],
    }
    return Chart(spec, data)


# ---- 2. Scale and conditioning -----------------------------------------------------------------
def scale_label(factor: Any) -> str:
    return f"×{factor:,}"


def steps_chart(rows: Sequence[Mapping[str, Any]]) -> Chart:
    """Gradient-descent steps to converge, measured (bars) and predicted from κ (dots), log scale; a run that
    hit the cap is drawn at the cap, faded, and its tooltip says it was not reached."""
    records = []
    for row in rows:
        reached = row["measured"] is not None
        records.append(
            {
                "scale": scale_label(row["scale"]),
                "scaling": label("scaler", row["scaler"]),
                "kappa": _positive(row["kappa"]),
                "predicted": _positive(row["predicted"]),
                "measured": _positive(row["measured"] if reached else row["cap"]),
                "measured_text": f"{row['measured']:,}" if reached else f"not reached within {row['cap']:,} steps",
                "reached": "yes" if reached else "no",
            }
        )
    data = pd.DataFrame(records)
    order = [scale_label(factor) for factor in dict.fromkeys(row["scale"] for row in rows)]
    scalings = list(dict.fromkeys(data["scaling"])) if len(data) else []
    x = {"field": "scale", "type": "ordinal", "title": "scale of feature 0", "sort": order, "axis": {"labelAngle": 0}}
    color = {
        "field": "scaling",
        "type": "nominal",
        "title": "inputs",
        "scale": {"domain": scalings, "range": [SCALER_COLORS.get(s, GREY) for s in scalings]},
    }
    tooltip = [
        {"field": "scale", "title": "scale of feature 0"},
        {"field": "scaling", "title": "inputs"},
        {"field": "kappa", "type": "quantitative", "title": "κ (condition number)", "format": ",.3~g"},
        {"field": "predicted", "type": "quantitative", "title": "steps predicted from κ", "format": ",.0f"},
        {"field": "measured_text", "title": "steps measured"},
    ]
    log_y = {"type": "log"}
    spec = {
        **_head(
            "Steps of gradient descent to converge",
            "Bars: steps measured (faded: stopped at the cap, not converged). Diamonds: steps predicted from κ.",
        ),
        "height": 280,
        "encoding": {
            "x": x,
            "xOffset": {"field": "scaling", "type": "nominal", "sort": scalings},
            "color": color,
            "tooltip": tooltip,
        },
        "layer": [
            {
                "mark": {"type": "bar"},
                "encoding": {
                    "y": {
                        "field": "measured",
                        "type": "quantitative",
                        "scale": log_y,
                        "title": "steps (log scale)",
                    },
                    "y2": {"datum": 1},  # a bar on a log axis needs a positive base (0 breaks the chart)
                    "opacity": {
                        "field": "reached",
                        "type": "nominal",
                        "title": "converged within the cap",
                        "scale": {"domain": ["yes", "no"], "range": [0.9, 0.3]},
                    },
                },
            },
            {
                "mark": {"type": "point", "filled": True, "size": 60, "color": "black", "shape": "diamond"},
                "encoding": {
                    "y": {"field": "predicted", "type": "quantitative", "scale": log_y},
                    "color": {"value": "black"},
                },
            },
        ],
    }
    return Chart(spec, data)


def conditioning_table(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """The same numbers as a table a learner reads row by row (text, so 'not reached' can be said)."""
    return pd.DataFrame(
        {
            "scale of feature 0": [scale_label(row["scale"]) for row in rows],
            "inputs": [label("scaler", row["scaler"]) for row in rows],
            "κ (condition number)": [_round_text(row["kappa"]) for row in rows],
            "steps predicted from κ": [_count_text(row["predicted"]) for row in rows],
            "steps measured": [
                _count_text(row["measured"]) if row["measured"] is not None else f"not reached within {row['cap']:,}"
                for row in rows
            ],
        }
    )


def _round_text(value: float | None) -> str:
    if value is None or not math.isfinite(value):
        return "∞"
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _count_text(value: float | None) -> str:
    return "–" if value is None or not math.isfinite(value) else f"{round(value):,}"


# ---- summaries over seeds: a median and its 95% interval per configuration ---------------------
def summary_chart(
    rows: Sequence[Mapping[str, Any]], labels: Sequence[str], title: str, groups: Sequence[str] | None = None
) -> Chart:
    """The median final metric over seeds (dot) and its bootstrap 95% interval (bar), one line per configuration;
    `groups` (optional) splits the lines into panels, e.g. by activation."""
    metric = rows[0]["name"] if rows else "test_accuracy"
    accuracy = metric == "test_accuracy"
    data = pd.DataFrame(
        {
            "setup": list(labels),
            "group": list(groups) if groups is not None else [""] * len(rows),
            "median": [_number(row["median"]) for row in rows],
            "low": [_number(row["ci95_low"]) for row in rows],
            "high": [_number(row["ci95_high"]) for row in rows],
            "seeds": [f"{row['n'] - row['n_diverged']} of {row['n']}" for row in rows],
        }
    )
    value_format = ".1%" if accuracy else ".3f"
    metric_name = METRICS.get(metric, metric)
    x = {
        "field": "median",
        "type": "quantitative",
        "title": f"{metric_name}: median over seeds, with 95% interval",
        "scale": {"zero": False, "nice": True},  # differences of a point or two must stay visible
        "axis": {"format": ".0%" if accuracy else ".2f"},
    }
    y = {
        "field": "setup",
        "type": "nominal",
        "title": None,
        "sort": list(dict.fromkeys(labels)),
        "axis": {"labelLimit": 320},
    }
    tooltip = [
        {"field": "setup", "title": "setup"},
        {"field": "median", "type": "quantitative", "title": f"median {metric_name}", "format": value_format},
        {"field": "low", "type": "quantitative", "title": "95% interval from", "format": value_format},
        {"field": "high", "type": "quantitative", "title": "95% interval to", "format": value_format},
        {"field": "seeds", "title": "seeds that trained (did not diverge)"},
    ]
    inner: Spec = {
        "encoding": {"y": y, "tooltip": tooltip},
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.5},
                "encoding": {"x": {**x, "field": "low"}, "x2": {"field": "high"}},
            },
            {"mark": {"type": "point", "filled": True, "size": 80}, "encoding": {"x": x}},
        ],
    }
    if groups is None:
        return Chart({"title": _title(title), **inner}, data)
    spec = {
        "title": _title(title),
        "facet": {"row": {"field": "group", "type": "nominal", "title": None, "header": {"labelAngle": 0}}},
        "spec": {"width": 360, **inner},
        "resolve": {"scale": {"y": "independent"}},
    }
    return Chart(spec, data)


def step_size_chart(rows: Sequence[Mapping[str, Any]]) -> Chart:
    """Median test accuracy against the SGD step size (log x), one line per feature shape, with intervals."""
    data = pd.DataFrame(
        {
            "shape": [label("skew", row["config"]["skew"]) for row in rows],
            "lr": [float(row["config"]["lr"]) for row in rows],
            "median": [_number(row["median"]) for row in rows],
            "low": [_number(row["ci95_low"]) for row in rows],
            "high": [_number(row["ci95_high"]) for row in rows],
        }
    )
    shapes = list(dict.fromkeys(data["shape"]))
    x = {
        "field": "lr",
        "type": "quantitative",
        "title": "SGD step size (learning rate, log scale)",
        "scale": {"type": "log"},
    }
    color = {"field": "shape", "type": "nominal", "title": "features", "sort": shapes}
    tooltip = [
        {"field": "shape", "title": "features"},
        {"field": "lr", "type": "quantitative", "title": "step size", "format": "g"},
        {"field": "median", "type": "quantitative", "title": "median test accuracy", "format": ".1%"},
        {"field": "low", "type": "quantitative", "title": "95% interval from", "format": ".1%"},
        {"field": "high", "type": "quantitative", "title": "95% interval to", "format": ".1%"},
    ]
    y = {
        "field": "median",
        "type": "quantitative",
        "title": "test accuracy (median over seeds)",
        "scale": {"domain": [0.4, 1]},
        "axis": {"format": ".0%"},
    }
    spec = {
        **_head(
            "Test accuracy against the SGD step size",
            "Dots: median over seeds; vertical bars: the 95% interval of that median.",
        ),
        "height": 260,
        "encoding": {"x": x, "color": color, "tooltip": tooltip},
        "layer": [
            {"mark": {"type": "line", "point": True}, "encoding": {"y": y}},
            {
                "mark": {"type": "rule", "opacity": 0.5},
                "encoding": {"y": {**y, "field": "low"}, "y2": {"field": "high"}},
            },
        ],
    }
    return Chart(spec, data)


# ---- 4. What the activation receives -----------------------------------------------------------
def activation_input_chart(inside: Sequence[Mapping[str, Any]], clip: float = 8.0) -> Chart:
    """Histograms of the first layer's activation input (median seed), one panel per activation × placement
    (three placements a row), on one shared x range (±`clip`: what lies beyond is rare and sits in the end
    bins). One wrapped facet field, not row × column facets: those raised a Vega error in the browser."""
    parts = []
    for row in inside:
        edges = np.asarray(row["input_hist"]["edges"], dtype=np.float64)
        counts = np.asarray(row["input_hist"]["counts"], dtype=np.float64)
        parts.append(
            pd.DataFrame(
                {
                    "activation": row["activation"],
                    "placement": _name(NORMS, row["norm"]),
                    "panel": f"{row['activation']} · {_name(NORMS, row['norm'])}",
                    "x0": np.clip(edges[:-1], -clip, clip),
                    "x1": np.clip(edges[1:], -clip, clip),
                    "share": counts / max(counts.sum(), 1.0),
                }
            )
        )
    data = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["panel"])
    spec = {
        "title": _title("What the activation receives (first hidden layer, median seed)"),
        "facet": {"field": "panel", "type": "nominal", "title": None, "sort": list(dict.fromkeys(data["panel"]))},
        "columns": 1,
        "spec": {
            "width": PANEL_WIDTH,
            "height": 70,
            "mark": {"type": "rect", "color": PALETTE[0]},
            "encoding": {
                "x": {
                    "field": "x0",
                    "type": "quantitative",
                    "title": "input to the activation",
                    "scale": {"domain": [-clip, clip], "nice": False},
                },
                "x2": {"field": "x1"},
                "y": {"field": "share", "type": "quantitative", "title": "share", "axis": {"format": ".0%"}},
                "y2": {"datum": 0},
                "tooltip": [
                    {"field": "x0", "type": "quantitative", "title": "from", "format": ".2f"},
                    {"field": "x1", "type": "quantitative", "title": "to", "format": ".2f"},
                    {"field": "share", "type": "quantitative", "title": "share of values", "format": ".1%"},
                ],
            },
        },
        "resolve": {"scale": {"y": "independent"}},
    }
    return Chart(spec, data)


def placement_table(inside: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Mean and std of what the activation receives, and its saturated and dead shares, per panel."""
    return pd.DataFrame(
        {
            "activation": [row["activation"] for row in inside],
            "batch norm": [_name(NORMS, row["norm"]) for row in inside],
            "mean of its input": [_number(row["input_mean"]) for row in inside],
            "std of its input": [_number(row["input_std"]) for row in inside],
            "saturated outputs": [_number(row["frac_saturated"]) for row in inside],
            "dead units": [_number(row["frac_dead"]) for row in inside],
        }
    )


# ---- 5. Internal covariate shift: one unit's input over training -------------------------------
def percentile_chart(ics: Mapping[str, Any]) -> Chart:
    """The 15th–85th percentile band and the median of one sigmoid unit's input per epoch, without and with
    BN side by side on a shared y axis (Ioffe & Szegedy, Fig. 1)."""
    parts = []
    for norm in ("none", "bn_before"):
        result = ics[norm]
        percentiles = result["unit_percentiles"]
        parts.append(
            pd.DataFrame(
                {
                    "placement": _name(NORMS, norm),
                    "epoch": result["epochs"],
                    "p15": [_number(v) for v in percentiles["p15"]],
                    "p50": [_number(v) for v in percentiles["p50"]],
                    "p85": [_number(v) for v in percentiles["p85"]],
                }
            )
        )
    data = pd.concat(parts, ignore_index=True)
    y_title = "input to the sigmoid"
    tooltip = [
        {"field": "epoch", "type": "quantitative", "title": "epoch"},
        {"field": "p15", "type": "quantitative", "title": "15th percentile", "format": ".2f"},
        {"field": "p50", "type": "quantitative", "title": "median (50th)", "format": ".2f"},
        {"field": "p85", "type": "quantitative", "title": "85th percentile", "format": ".2f"},
    ]
    x = EPOCH_X
    spec = {
        **_head(
            "One sigmoid unit's input over training (last hidden layer, seed 0)",
            "Band: 15th to 85th percentile of the unit's input over the probe rows (the test split); line: median.",
        ),
        "facet": {
            "row": {
                "field": "placement",
                "type": "nominal",
                "title": None,
                "sort": [_name(NORMS, "none"), _name(NORMS, "bn_before")],
            }
        },
        "spec": {
            "width": PANEL_WIDTH,
            "height": 150,
            "encoding": {"x": x, "tooltip": tooltip},
            "layer": [
                {
                    "mark": {"type": "area", "opacity": 0.3, "color": PALETTE[0]},
                    "encoding": {
                        "y": {"field": "p15", "type": "quantitative", "title": y_title},
                        "y2": {"field": "p85"},
                    },
                },
                {
                    "mark": {"type": "line", "color": PALETTE[0], "point": True},
                    "encoding": {"y": {"field": "p50", "type": "quantitative", "title": y_title}},
                },
            ],
        },
        "resolve": {"scale": {"y": "shared"}},
    }
    return Chart(spec, data)


# ---- 6. The loss along the gradient -------------------------------------------------------------
MEASURES = {"loss": "loss", "grad_change": "gradient change ‖∇L(w − ηg) − ∇L(w)‖"}


def landscape_chart(landscape: Mapping[str, Any]) -> Chart:
    """Loss and gradient change after a step of size η along −g (log x, log y), without and with BN; a
    vertical rule marks each one's largest step that still lowers the loss."""
    parts = []
    for norm in ("none", "bn_before"):
        probe = landscape[norm]["median_seed_probe"]
        largest = probe["largest_lowering_step"]
        steps = np.asarray(probe["steps"], dtype=np.float64)
        for measure, title in MEASURES.items():
            parts.append(
                pd.DataFrame(
                    {
                        "placement": _name(NORMS, norm),
                        "measure": title,
                        "step": steps,
                        "value": [_positive(v) for v in probe[measure]],
                        "largest": [largest is not None and math.isclose(s, largest) for s in steps],
                    }
                )
            )
    data = pd.concat(parts, ignore_index=True)
    placements = [_name(NORMS, "none"), _name(NORMS, "bn_before")]
    color = {
        "field": "placement",
        "type": "nominal",
        "title": None,
        "scale": {"domain": placements, "range": [PALETTE[1], PALETTE[0]]},
        "legend": {"orient": "bottom"},
    }
    x = {"field": "step", "type": "quantitative", "title": "step size η (log scale)", "scale": {"type": "log"}}
    spec = {
        **_head(
            "Loss along the gradient, one epoch into training (median seed)",
            "Dashed: the largest step that still lowers the loss. Both axes on a log scale.",
        ),
        "facet": {"row": {"field": "measure", "type": "nominal", "title": None, "sort": list(MEASURES.values())}},
        "spec": {
            "width": PANEL_WIDTH,
            "height": 150,
            "layer": [
                {
                    "mark": {"type": "line", "point": True},
                    "encoding": {
                        "x": x,
                        "y": {
                            "field": "value",
                            "type": "quantitative",
                            "title": "value (log scale)",
                            "scale": {"type": "log"},
                        },
                        "color": color,
                        "tooltip": [
                            {"field": "placement", "title": "batch norm"},
                            {"field": "step", "type": "quantitative", "title": "step size η", "format": ".3g"},
                            {"field": "measure", "title": "measure"},
                            {"field": "value", "type": "quantitative", "title": "value", "format": ".4g"},
                        ],
                    },
                },
                {
                    "transform": [{"filter": "datum.largest"}],
                    "mark": {"type": "rule", "strokeDash": [5, 3], "strokeWidth": 2},
                    "encoding": {
                        "x": x,
                        "color": color,
                        "tooltip": [
                            {"field": "placement", "title": "batch norm"},
                            {
                                "field": "step",
                                "type": "quantitative",
                                "title": "largest lowering step",
                                "format": ".3g",
                            },
                        ],
                    },
                },
            ],
        },
        "resolve": {"scale": {"y": "independent"}},
    }
    return Chart(spec, data)


# ---- 7. Initialization through depth ------------------------------------------------------------
def depth_chart(rows: Sequence[Mapping[str, Any]]) -> Chart:
    """Std of each layer's activation output at initialisation (log y), one line per init, tanh and ReLU
    side by side; a std that underflows to 0 leaves a gap rather than breaking the log axis."""
    parts = []
    for row in rows:
        stds = row["std_by_layer"]
        parts.append(
            pd.DataFrame(
                {
                    "activation": row["activation"],
                    "init": label("init", row["init"]),
                    "layer": np.arange(1, len(stds) + 1),
                    "std": [_positive(v) for v in stds],
                }
            )
        )
    data = pd.concat(parts, ignore_index=True)
    inits = list(dict.fromkeys(data["init"]))  # in the lesson's order
    spec = {
        "title": _title("Std of each layer's output at initialisation (median over seeds)"),
        "facet": {"row": {"field": "activation", "type": "nominal", "title": None, "sort": ["tanh", "relu"]}},
        "spec": {
            "width": PANEL_WIDTH,
            "height": 180,
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": LAYER_X,
                "y": _log_std_y("std of the activation's output (log scale)"),
                "color": {
                    "field": "init",
                    "type": "nominal",
                    "title": "initialization",
                    "sort": inits,
                    "legend": {"orient": "bottom"},
                },
                "tooltip": [
                    {"field": "activation", "title": "activation"},
                    {"field": "init", "title": "initialization"},
                    {"field": "layer", "type": "quantitative", "title": "hidden layer"},
                    {"field": "std", "type": "quantitative", "title": "std of its output", "format": ".3g"},
                ],
            },
        },
    }
    return Chart(spec, data)


# ---- 8. Where Gaussians really do appear ---------------------------------------------------------
CLT_MEASURES = {"abs_skew": "|skew|", "abs_excess_kurtosis": "|excess kurtosis|"}
CLT_SERIES = ("each input", "each unit's pre-activation W·u + b")


def clt_chart(clt: Mapping[str, Any], kind: str, init: str = "default") -> Chart:
    """|skew| and |excess kurtosis| of the inputs and of the first layer's pre-activation against the number
    of inputs d (log-log), for one kind of input; the pre-activation's fall like 1/d, the inputs' stay put."""
    records = []
    for row in clt["rows"]:
        if row["kind"] != kind or row["init"] != init:
            continue
        for field, measure in CLT_MEASURES.items():
            records.append(
                {"d": row["d"], "measure": measure, "series": CLT_SERIES[0], "value": _positive(row[f"input_{field}"])}
            )
            records.append({"d": row["d"], "measure": measure, "series": CLT_SERIES[1], "value": _positive(row[field])})
    data = pd.DataFrame(records, columns=["d", "measure", "series", "value"])
    spec = {
        **_head(
            f"{kind.capitalize()} inputs: how far from Gaussian, against the number of inputs",
            "A Gaussian has 0 for both (here the floor is about 0.03: 4,000 rows). Log scales; medians over "
            "units and 5 seeds, the app's default weights.",
        ),
        "facet": {"row": {"field": "measure", "type": "nominal", "title": None, "sort": list(CLT_MEASURES.values())}},
        "spec": {
            "width": PANEL_WIDTH,
            "height": 130,
            "mark": {"type": "line", "point": True},
            "encoding": {
                "x": {"field": "d", "type": "quantitative", "title": "inputs (d, log scale)", "scale": {"type": "log"}},
                "y": {"field": "value", "type": "quantitative", "title": None, "scale": {"type": "log"}},
                "color": {
                    "field": "series",
                    "type": "nominal",
                    "title": None,
                    "sort": list(CLT_SERIES),
                    "legend": {"orient": "bottom", "labelLimit": 300},
                },
                "tooltip": [
                    {"field": "series", "title": "what"},
                    {"field": "d", "type": "quantitative", "title": "inputs"},
                    {"field": "measure", "title": "measure"},
                    {"field": "value", "type": "quantitative", "title": "value", "format": ".3g"},
                ],
            },
        },
        "resolve": {"scale": {"y": "independent"}},
    }
    return Chart(spec, data)


def shape_scale_chart(shape_vs_scale: Mapping[str, Any], activation: str) -> Chart:
    """Each layer's activation std at initialisation for normal weights, uniform weights of the same std and
    normal weights of half the std (log y): the first two lie on each other, the third falls away."""
    summary = next(row for row in shape_vs_scale["summary"] if row["activation"] == activation)
    names = {
        summary["normal"]: "normal weights",
        summary["uniform"]: "uniform, same std",
        summary["half"]: "normal, half the std",
    }
    parts = []
    for curve in shape_vs_scale["curves"]:
        if curve["activation"] != activation or curve["init"] not in names:
            continue
        stds = curve["std_by_layer"]
        weights = f"{names[curve['init']]} ({label('init', curve['init'])})"
        layers = np.arange(1, len(stds) + 1)
        parts.append(pd.DataFrame({"weights": weights, "layer": layers, "std": [_positive(v) for v in stds]}))
    data = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=["weights", "layer", "std"])
    spec = {
        **_head(
            f"{activation.capitalize()}: std of each layer's output at initialisation",
            f"Median over {shape_vs_scale['seeds']} seeds; log scale.",
        ),
        "height": 220,
        "mark": {"type": "line", "point": True},
        "encoding": {
            "x": LAYER_X,
            "y": _log_std_y("std of the output (log scale)"),
            "color": {
                "field": "weights",
                "type": "nominal",
                "title": None,
                "legend": {"orient": "bottom", "columns": 1, "labelLimit": 400},
            },
            "strokeDash": {"field": "weights", "type": "nominal", "legend": None},
            "tooltip": [
                {"field": "weights", "title": "weights"},
                {"field": "layer", "type": "quantitative", "title": "hidden layer"},
                {"field": "std", "type": "quantitative", "title": "std of its output", "format": ".3g"},
            ],
        },
    }
    return Chart(spec, data)
