import json

import numpy as np
import pytest

from explorer.charts import data


def test_histogram_bars_integrate_to_one_and_carry_the_matching_normal():
    values = np.random.default_rng(0).lognormal(size=3000)
    bars, curve = data.histogram_rows(values)
    assert sum(bar["density"] * (bar["x1"] - bar["x0"]) for bar in bars) == pytest.approx(1.0)
    peak = max(curve, key=lambda point: point["pdf"])
    assert peak["x"] == pytest.approx(values.mean(), abs=0.1)
    assert peak["pdf"] == pytest.approx(1 / (values.std() * np.sqrt(2 * np.pi)), rel=1e-3)


def test_a_constant_feature_has_bars_but_no_normal_curve():
    bars, curve = data.histogram_rows(np.full(50, 3.0))
    assert sum(bar["count"] for bar in bars) == 50 and curve == []


def test_qq_points_lie_on_the_line_for_gaussian_data_whatever_the_scale():
    z = np.random.default_rng(1).normal(size=5000)
    for values in (z, 1000 * z + 7):
        rows = data.qq_rows(values)
        inner = [row for row in rows if abs(row["normal"]) < 2]
        assert max(abs(row["sample"] - row["normal"]) for row in inner) < 0.1
    skewed = data.qq_rows(np.exp(z))
    assert skewed[-1]["sample"] > skewed[-1]["normal"] + 3  # the long right tail leaves the line


def test_the_zoomed_scatter_keeps_only_points_inside_the_box():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=1000), rng.normal(size=1000)
    x[0] = 1e6
    box = data.percentile_box(x, y)
    spec = data.scatter_with_marginals(
        x, y, np.arange(1000) % 2, x_title="a", y_title="b", task="classification", title="t", box=box
    )
    xs = [row["x"] for row in spec["data"]["values"]]
    assert max(xs) <= box[0][1] and 900 < len(xs) < 1000
    json.dumps(spec, allow_nan=False)


def test_the_kappa_chart_labels_singular_and_failed_scalers():
    rows = [
        {"scaler": "none", "condition_number": 5e6, "effective_condition_number": 5e6},
        {"scaler": "standard", "condition_number": None, "effective_condition_number": 147.0, "singular": True},
        {"scaler": "box_cox", "error": "Data must not be constant."},
    ]
    values = data.kappa_by_scaler_chart(rows, "standard")["data"]["values"]
    assert [v["label"] for v in values] == ["5e+06", "∞ · 147", "fails on this data"]
    assert [v["current"] for v in values] == ["other", "current", "other"]


def _walk(spec):
    """Every dict inside a spec, depth first."""
    if isinstance(spec, dict):
        yield spec
        for value in spec.values():
            yield from _walk(value)
    elif isinstance(spec, list):
        for value in spec:
            yield from _walk(value)


def _tooltips(spec):
    return [item for d in _walk(spec) for item in d.get("tooltip", []) if isinstance(item, dict)]


def test_histogram_and_qq_charts_are_single_views_that_fit_their_column():
    values = np.random.default_rng(3).lognormal(size=500)
    for spec in (data.histogram_chart(values, title="raw", x_title="x0, raw"), data.qq_chart(values, title="raw")):
        assert spec["width"] == "container" and spec["autosize"]["type"] == "fit-x"
        assert not any("facet" in d or "sort" in d for d in _walk(spec))  # Vega's facet sort broke in Chromium
        assert spec["title"]["text"] == "raw" and spec["title"]["limit"] == 0  # never shortened with "…"
        json.dumps(spec, allow_nan=False)
    fixed = data.histogram_chart(values, title="t", x_title="x", width=200)
    assert fixed["width"] == 200 and fixed["autosize"] == {"type": "pad"}


def test_chart_tooltips_name_every_field_and_round_every_number():
    rng = np.random.default_rng(4)
    x, y = rng.normal(size=200), rng.normal(size=200)
    rows = [{"scaler": "none", "condition_number": 5e6, "effective_condition_number": 5e6}]
    specs = [
        data.histogram_chart(x, title="t", x_title="x0, raw"),
        data.qq_chart(x, title="t"),
        data.scatter_with_marginals(x, y, x, x_title="x0, raw", y_title="x1, raw", task="regression", title="t"),
        data.eigenvalue_chart([2.0, 1.0], 2),
        data.kappa_by_scaler_chart(rows, "none", names={"none": "None (raw features)"}),
    ]
    for spec in specs:
        tooltips = _tooltips(spec)
        assert tooltips
        for item in tooltips:
            assert item.get("title"), item
            if item.get("type") == "quantitative":
                assert "format" in item, item


def test_the_kappa_chart_shows_readable_scaler_names():
    rows = [{"scaler": "yeo_johnson", "condition_number": 3.0, "effective_condition_number": 3.0}]
    spec = data.kappa_by_scaler_chart(rows, "yeo_johnson", names={"yeo_johnson": "Yeo-Johnson power transform"})
    assert spec["data"]["values"][0]["name"] == "Yeo-Johnson power transform"
    assert spec["layer"][0]["encoding"]["y"]["field"] == "name"
