import json

import numpy as np
import pytest

from explorer.charts import inputs


def test_histogram_bars_integrate_to_one_and_carry_the_matching_normal():
    values = np.random.default_rng(0).lognormal(size=3000)
    bars, curve = inputs.histogram_rows(values)
    assert sum(bar["density"] * (bar["x1"] - bar["x0"]) for bar in bars) == pytest.approx(1.0)
    peak = max(curve, key=lambda point: point["pdf"])
    assert peak["x"] == pytest.approx(values.mean(), abs=0.1)
    assert peak["pdf"] == pytest.approx(1 / (values.std() * np.sqrt(2 * np.pi)), rel=1e-3)


def test_a_constant_feature_has_bars_but_no_normal_curve():
    bars, curve = inputs.histogram_rows(np.full(50, 3.0))
    assert sum(bar["count"] for bar in bars) == 50 and curve == []


def test_qq_points_lie_on_the_line_for_gaussian_data_whatever_the_scale():
    z = np.random.default_rng(1).normal(size=5000)
    for values in (z, 1000 * z + 7):
        rows = inputs.qq_rows(values)
        inner = [row for row in rows if abs(row["normal"]) < 2]
        assert max(abs(row["sample"] - row["normal"]) for row in inner) < 0.1
    skewed = inputs.qq_rows(np.exp(z))
    assert skewed[-1]["sample"] > skewed[-1]["normal"] + 3  # the long right tail leaves the line


def test_the_zoomed_scatter_keeps_only_points_inside_the_box():
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=1000), rng.normal(size=1000)
    x[0] = 1e6
    box = inputs.percentile_box(x, y)
    spec = inputs.scatter_with_marginals(
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
    values = inputs.kappa_by_scaler_chart(rows, "standard")["data"]["values"]
    assert [v["label"] for v in values] == ["5e+06", "∞ · 147", "fails on this data"]
    assert [v["current"] for v in values] == ["other", "current", "other"]


def test_grids_facet_by_feature_and_stage_or_wrap():
    panels = [inputs.Panel(f, s, np.arange(10.0)) for f in ("a", "b") for s in ("raw", "scaled")]
    grid = inputs.distribution_grid(panels)
    assert grid["facet"]["row"]["sort"] == ["a", "b"] and grid["facet"]["column"]["sort"] == ["raw", "scaled"]
    wrapped = inputs.qq_grid(panels, wrap=3)
    assert wrapped["columns"] == 3 and "row" not in wrapped["facet"]
