"""Vega-Lite specs for the Data page: pure functions from arrays to complete spec dicts (data inline).

Every chart here answers "what did this stage do to the feature's shape or scale?": histograms carry
the normal density of the same mean and std, Q-Q plots compare standardized quantiles with a normal's,
and the conditioning charts put κ on a log axis, where factors of 10 look like the steps they are.
Inputs are bounded by the caller (rows sampled for scatters, a few features at a time); histograms and
Q-Q plots reduce any number of rows to a fixed number of marks. They are single views, not facets: a single
view can take its Streamlit column's width (so a grid of them shrinks with the window), and Vega's row ×
column facets with a set order logged "Cannot read properties of undefined (reading 'sort')" in Chromium.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
from scipy import stats

from explorer.charts.base import RED, Spec

BINS = 30
CURVE_POINTS = 120
QQ_POINTS = 150
NORMAL_COLOR = RED
BAR_COLOR = "#4c78a8"


def _clean(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def histogram_rows(values: np.ndarray, bins: int = BINS) -> tuple[list[dict], list[dict]]:
    """Density-scaled histogram bars and the normal density with the same mean and std.

    Bars are counts / (n · bin width), so they and the curve both integrate to 1 and can be compared
    by eye. The curve spans the data and mean ± 3 std, so a bounded feature shows the tails it lacks.
    A constant feature has no curve.
    """
    values = np.asarray(values, dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return [], []
    counts, edges = np.histogram(values, bins=bins)
    widths = np.diff(edges)
    density = counts / (values.size * widths)
    bars = [
        {"x0": float(a), "x1": float(b), "density": float(d), "count": int(c)}
        for a, b, d, c in zip(edges[:-1], edges[1:], density, counts, strict=True)
    ]
    mean, std = float(values.mean()), float(values.std())
    if std <= 0 or not math.isfinite(std):
        return bars, []
    lo, hi = min(values.min(), mean - 3 * std), max(values.max(), mean + 3 * std)
    grid = np.linspace(lo, hi, CURVE_POINTS)
    pdf = stats.norm.pdf(grid, mean, std)
    return bars, [{"x": float(x), "pdf": float(p)} for x, p in zip(grid, pdf, strict=True)]


def qq_rows(values: np.ndarray, points: int = QQ_POINTS) -> list[dict]:
    """Order statistics of the standardized values against the normal quantiles at the same ranks.

    Points lie on the line y = x exactly when the shape is Gaussian; since the values are standardized
    first, no shift or rescaling moves them: only a change of shape does. Ranks are spaced evenly in
    normal-quantile space, so both tails (including min and max) are always drawn.
    """
    values = np.sort(np.asarray(values, dtype=np.float64))
    n = values.size
    if n < 2:
        return []
    std = values.std()
    z = (values - values.mean()) / std if std > 0 else np.zeros(n)
    grid = np.linspace(stats.norm.ppf(0.5 / n), stats.norm.ppf(1 - 0.5 / n), points)
    ranks = np.unique(np.clip(np.round(stats.norm.cdf(grid) * n - 0.5), 0, n - 1).astype(int))
    theoretical = stats.norm.ppf((ranks + 0.5) / n)
    return [{"normal": float(t), "sample": float(s)} for t, s in zip(theoretical, z[ranks], strict=True)]


def _title(title: str, subtitle: str | None) -> dict:
    """A chart title that is never shortened with an ellipsis: callers keep it to a few words."""
    spec: dict[str, Any] = {"text": title, "fontSize": 12, "anchor": "start", "limit": 0}
    if subtitle:
        spec |= {"subtitle": subtitle, "subtitleFontSize": 11, "subtitleLimit": 0}
    return spec


def _sized(width: int | str, height: int) -> dict:
    """Width and height; "container" fills the Streamlit column, axes included, so no chart overflows it.

    The autosize is always set: left out, Streamlit fits the chart to a height of its own, squashing the plot.
    """
    if width == "container":
        fit = {"type": "fit-x", "contains": "padding"}
        return {"width": "container", "height": height, "autosize": fit, "padding": {"left": 8, "right": 4}}
    return {"width": width, "height": height, "autosize": {"type": "pad"}}


def histogram_chart(
    values: np.ndarray,
    *,
    title: str,
    x_title: str,
    subtitle: str | None = None,
    width: int | str = "container",
    height: int = 110,
    bins: int = BINS,
) -> Spec:
    """One feature's density histogram with the normal density of the same mean and std.

    A single layered view (no facets), so it can take its column's width: a grid of these in Streamlit
    columns shrinks with the window. The y axis is left out: its density units say nothing to a learner,
    the shape against the curve does; a bar's tooltip gives its rows.
    """
    bars, curve = histogram_rows(values, bins)
    data = [{"kind": "bar", **bar} for bar in bars] + [{"kind": "normal", **point} for point in curve]
    x = {"type": "quantitative", "title": x_title, "scale": {"zero": False}, "axis": {"tickCount": 4}}
    bars_layer = {
        "transform": [{"filter": "datum.kind === 'bar'"}],
        "mark": {"type": "rect", "color": BAR_COLOR, "opacity": 0.75},
        "encoding": {
            "x": {"field": "x0", **x},
            "x2": {"field": "x1"},
            "y": {"field": "density", "type": "quantitative", "axis": None},
            "y2": {"datum": 0},
            "tooltip": [
                {"field": "x0", "type": "quantitative", "title": "from", "format": ".4~g"},
                {"field": "x1", "type": "quantitative", "title": "to", "format": ".4~g"},
                {"field": "count", "type": "quantitative", "title": "rows", "format": ","},
            ],
        },
    }
    curve_layer = {
        "transform": [{"filter": "datum.kind === 'normal'"}],
        "mark": {"type": "line", "color": NORMAL_COLOR, "strokeWidth": 1.5},
        "encoding": {
            "x": {"field": "x", **x},
            "y": {"field": "pdf", "type": "quantitative", "axis": None},
        },
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": _title(title, subtitle),
        **_sized(width, height),
        "data": {"values": data},
        "layer": [bars_layer, curve_layer],
        "config": {"view": {"stroke": "#ddd"}, "axis": {"labelFontSize": 10, "titleFontSize": 10}},
    }


def qq_chart(
    values: np.ndarray, *, title: str, subtitle: str | None = None, width: int | str = "container", height: int = 130
) -> Spec:
    """A normal Q-Q plot of one feature with the line y = x: off the line is a shape a Gaussian lacks."""
    rows = qq_rows(values)
    data = [{"kind": "point", **row} for row in rows]
    if rows:
        lo, hi = rows[0]["normal"], rows[-1]["normal"]
        data += [{"kind": "line", "normal": lo, "sample": lo}, {"kind": "line", "normal": hi, "sample": hi}]
    x = {"field": "normal", "type": "quantitative", "title": "normal quantile", "axis": {"tickCount": 4}}
    y = {"field": "sample", "type": "quantitative", "title": "data (z)", "axis": {"tickCount": 4}}
    line = {
        "transform": [{"filter": "datum.kind === 'line'"}],
        "mark": {"type": "line", "color": NORMAL_COLOR, "strokeDash": [4, 3]},
        "encoding": {"x": x, "y": y},
    }
    points = {
        "transform": [{"filter": "datum.kind === 'point'"}],
        "mark": {"type": "circle", "size": 14, "color": BAR_COLOR, "opacity": 0.8},
        "encoding": {
            "x": x,
            "y": y,
            "tooltip": [
                {"field": "normal", "type": "quantitative", "title": "a normal's quantile", "format": ".2f"},
                {"field": "sample", "type": "quantitative", "title": "the data's (z)", "format": ".2f"},
            ],
        },
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": _title(title, subtitle),
        **_sized(width, height),
        "data": {"values": data},
        "layer": [line, points],
        "config": {"view": {"stroke": "#ddd"}, "axis": {"labelFontSize": 10, "titleFontSize": 10}},
    }


def percentile_box(x: np.ndarray, y: np.ndarray, low: float = 1, high: float = 99) -> tuple[list[float], list[float]]:
    """The [low, high] percentile range of x and of y: the zoom that hides outliers."""
    return [float(v) for v in np.percentile(x, [low, high])], [float(v) for v in np.percentile(y, [low, high])]


def scatter_with_marginals(
    x: np.ndarray,
    y: np.ndarray,
    target: np.ndarray,
    *,
    x_title: str,
    y_title: str,
    task: str,
    title: str,
    box: tuple[Sequence[float], Sequence[float]] | None = None,
    size: int = 260,
) -> Spec:
    """Two features against each other, coloured by target, with a histogram of each on its side.

    With `box` (x range, y range) only the points inside are drawn, on those ranges: scikit-learn's
    "compare scalers on data with outliers" zoom, where a single outlier no longer sets the axes.
    """
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    target = np.asarray(target)
    if box is not None:
        (x_lo, x_hi), (y_lo, y_hi) = box
        inside = (x >= x_lo) & (x <= x_hi) & (y >= y_lo) & (y <= y_hi)
        x, y, target = x[inside], y[inside], target[inside]
    classification = task == "classification"
    values = [
        {"x": float(a), "y": float(b), "target": str(t) if classification else float(t)}
        for a, b, t in zip(x, y, target, strict=True)
    ]
    x_domain = list(box[0]) if box is not None else [float(x.min()), float(x.max())] if x.size else [0.0, 1.0]
    y_domain = list(box[1]) if box is not None else [float(y.min()), float(y.max())] if y.size else [0.0, 1.0]
    if classification:
        color: dict = {"field": "target", "type": "nominal", "title": "class", "scale": {"scheme": "category10"}}
        bar_color: dict = color
    else:
        color = {"field": "target", "type": "quantitative", "title": "target", "scale": {"scheme": "viridis"}}
        bar_color = {"value": BAR_COLOR}
    x_scale = {"domain": x_domain, "zero": False, "nice": False}
    y_scale = {"domain": y_domain, "zero": False, "nice": False}
    top = {
        "width": size,
        "height": 60,
        "mark": {"type": "bar", "opacity": 0.8},
        "encoding": {
            "x": {"field": "x", "bin": {"maxbins": 40, "extent": x_domain}, "scale": x_scale, "axis": None},
            "y": {"aggregate": "count", "type": "quantitative", "title": None, "axis": {"tickCount": 2}},
            "color": bar_color,
        },
    }
    scatter = {
        "width": size,
        "height": size,
        "mark": {"type": "circle", "size": 12, "opacity": 0.6, "clip": True},
        "encoding": {
            "x": {"field": "x", "type": "quantitative", "title": x_title, "scale": x_scale},
            "y": {"field": "y", "type": "quantitative", "title": y_title, "scale": y_scale},
            "color": color,
            "tooltip": [
                {"field": "x", "type": "quantitative", "title": x_title, "format": ".4~g"},
                {"field": "y", "type": "quantitative", "title": y_title, "format": ".4~g"},
                {"field": "target", "title": "class"}
                if classification
                else {"field": "target", "type": "quantitative", "title": "target", "format": ".4~g"},
            ],
        },
    }
    right = {
        "width": 60,
        "height": size,
        "mark": {"type": "bar", "opacity": 0.8},
        "encoding": {
            "y": {"field": "y", "bin": {"maxbins": 40, "extent": y_domain}, "scale": y_scale, "axis": None},
            "x": {"aggregate": "count", "type": "quantitative", "title": None, "axis": {"tickCount": 2}},
            "color": bar_color,
        },
    }
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "title": {"text": title, "fontSize": 13},
        "data": {"values": values},
        "vconcat": [top, {"hconcat": [scatter, right], "spacing": 10}],
        "spacing": 4,
        "config": {"view": {"stroke": None}, "legend": {"orient": "bottom"}},
    }


def eigenvalue_chart(
    eigenvalues: Sequence[float], rank: int, *, width: int | str = "container", height: int = 200
) -> Spec:
    """The eigenvalues of H on a log axis, largest first; directions without curvature drawn at a floor.

    κ is the ratio of the first bar to the last curved one, so on a log axis it is the visible drop.
    """
    eigenvalues = [float(v) for v in eigenvalues]
    curved = [v for v in eigenvalues[:rank] if v > 0]
    floor = min(curved) / 100 if curved else 1e-12
    values = [
        {
            "index": i + 1,
            "eigenvalue": value if i < rank else floor,
            "exact": value,
            "kind": "curvature" if i < rank else "none (singular)",
        }
        for i, value in enumerate(eigenvalues)
    ]
    domain = [floor / 3, max(eigenvalues) * 3] if eigenvalues and max(eigenvalues) > 0 else [1e-12, 1.0]
    kinds = ["curvature", "none (singular)"] if rank < len(eigenvalues) else ["curvature"]
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        **_sized(width, height),
        "data": {"values": values},
        "mark": {"type": "bar"},
        "encoding": {
            "x": {
                "field": "index",
                "type": "ordinal",
                "title": "eigenvalue (largest first)",
                "axis": {"labelAngle": 0},
            },
            "y": {
                "field": "eigenvalue",
                "type": "quantitative",
                "scale": {"type": "log", "domain": domain},
                "title": "λ (log scale)",
            },
            "y2": {"datum": domain[0]},  # a log axis has no zero for bars to start from
            "color": {
                "field": "kind",
                "type": "nominal",
                "title": None,
                "scale": {"domain": kinds, "range": [BAR_COLOR, "#bbbbbb"][: len(kinds)]},
            },
            "tooltip": [
                {"field": "index", "type": "ordinal", "title": "eigenvalue number"},
                {"field": "exact", "type": "quantitative", "title": "λ (curvature)", "format": ".4~g"},
                {"field": "kind", "type": "nominal", "title": "direction"},
            ],
        },
        "config": {"legend": {"orient": "top"}},
    }


def kappa_by_scaler_chart(
    rows: Sequence[dict], current: str, *, names: Mapping[str, str] | None = None, width: int | str = "container"
) -> Spec:
    """κ for every scaler on the same data, log axis, the current one highlighted.

    `rows` are `ScalerOutcome.summary()` dicts; `names` maps scaler ids to what the axis shows (readable
    labels; the ids when None). A singular H is drawn at its effective κ (over the directions with
    curvature) and labelled "∞ · that κ"; a scaler that failed on this data says so.
    """
    names = names or {}
    values = []
    for row in rows:
        failed = "error" in row
        kappa = row.get("condition_number")
        effective = row.get("effective_condition_number")
        shown = None if failed else (kappa if kappa is not None else effective)
        if failed:
            label = "fails on this data"
        elif kappa is None:
            label = f"∞ · {effective:.3g}" if effective is not None else "∞"
        else:
            label = f"{kappa:.3g}"
        values.append(
            {
                "scaler": row["scaler"],
                "name": names.get(row["scaler"], row["scaler"]),
                "kappa": _clean(shown) if shown is not None else None,
                "bar": _clean(shown) if shown is not None else 1.0,
                "label": label,
                "current": "current" if row["scaler"] == current else "other",
                "steps": row.get("predicted_gd_iterations"),
            }
        )
    order = [value["name"] for value in values]
    largest = max((v["bar"] for v in values if v["bar"] is not None), default=1.0)
    domain = [0.5, max(largest, 10.0) * 1e4]  # room on the right for the labels
    y = {"field": "name", "type": "nominal", "sort": order, "title": None, "axis": {"labelLimit": 0}}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        **_sized(width, 22 * len(values)),
        "data": {"values": values},
        "layer": [
            {
                "transform": [{"filter": "datum.kappa !== null"}],
                "mark": {"type": "bar"},
                "encoding": {
                    "y": y,
                    "x": {
                        "field": "bar",
                        "type": "quantitative",
                        "scale": {"type": "log", "domain": domain},
                        "title": "κ of H (log scale; 1 is perfect)",
                    },
                    "x2": {"datum": domain[0]},
                    "color": {
                        "field": "current",
                        "type": "nominal",
                        "legend": None,
                        "scale": {"domain": ["current", "other"], "range": [NORMAL_COLOR, BAR_COLOR]},
                    },
                    "tooltip": [
                        {"field": "name", "type": "nominal", "title": "scaler"},
                        {"field": "label", "type": "nominal", "title": "κ (condition number)"},
                        {"field": "steps", "type": "quantitative", "title": "predicted GD steps", "format": ",.0f"},
                    ],
                },
            },
            {
                "mark": {"type": "text", "align": "left", "dx": 4, "fontSize": 11},
                "encoding": {
                    "y": y,
                    "x": {"field": "bar", "type": "quantitative", "scale": {"type": "log", "domain": domain}},
                    "text": {"field": "label"},
                },
            },
        ],
    }
