"""The Learn page's chart builders (explorer/charts/learn.py) on small hand-made results shaped like
`Lesson.evidence()`'s: every field a spec names is in its rows, log axes are where promised, and values
a log axis or a learner cannot read (None, 0, a capped run) come out as gaps or words, not crashes."""

from __future__ import annotations

import json
import math
from typing import Any

import numpy as np
import scipy.stats

from explorer.charts import learn
from explorer.charts.base import Chart
from explorer.teaching.labels import label

CHANNELS_WITH_FIELDS = ("x", "x2", "y", "y2", "color", "opacity", "xOffset", "row", "column")


def fields(spec: Any) -> set[str]:
    """Every data field an encoding, facet, tooltip or filter of `spec` reads."""
    found: set[str] = set()
    if isinstance(spec, dict):
        for name, value in spec.items():
            if name in (*CHANNELS_WITH_FIELDS, "facet") and isinstance(value, dict):
                if "field" in value:
                    found.add(value["field"])
                found |= fields(value)
            elif name == "tooltip" and isinstance(value, list):
                found |= {item["field"] for item in value}
            elif name == "filter" and isinstance(value, dict) and "field" in value:
                found.add(value["field"])
            else:
                found |= fields(value)
    elif isinstance(spec, list):
        for item in spec:
            found |= fields(item)
    return found


def log_fields(spec: Any) -> set[str]:
    """The fields drawn on a log scale anywhere in `spec`."""
    found: set[str] = set()
    if isinstance(spec, dict):
        if spec.get("scale", {}).get("type") == "log" and "field" in spec:
            found.add(spec["field"])
        for value in spec.values():
            found |= log_fields(value)
    elif isinstance(spec, list):
        for item in spec:
            found |= log_fields(item)
    return found


def check(chart: Chart) -> None:
    """What every chart must satisfy: JSON-serialisable, and no field missing from its rows."""
    json.dumps(chart.spec)
    missing = fields(chart.spec) - set(chart.data.columns)
    assert not missing, missing


def summary_row(config: dict[str, Any], median: float, name: str = "test_accuracy", **more: Any) -> dict[str, Any]:
    return {
        "label": ", ".join(f"{k}={v}" for k, v in config.items()),
        "config": config,
        "n": 5,
        "n_diverged": 0,
        "name": name,
        "median": median,
        "mean": median,
        "ci95_low": median - 0.02,
        "ci95_high": median + 0.01,
        **more,
    }


# ---- 1. the Q-Q plot ---------------------------------------------------------------------------
def normal_result() -> dict[str, Any]:
    probabilities = (np.arange(1, 100) - 0.5) / 99
    gaussian = scipy.stats.norm.ppf(probabilities)
    skewed = np.quantile(np.random.default_rng(0).lognormal(0, 1.5, 2000), probabilities)
    skewed = (skewed - skewed.mean()) / skewed.std()
    base = {"mean": 0.0, "std": 1.0, "skew": 0.0, "excess_kurtosis": 0.0}
    return {
        "standard": {**base, "qq": {"normal": gaussian.tolist(), "sample": skewed.tolist()}},
        "quantile_normal": {**base, "qq": {"normal": gaussian.tolist(), "sample": gaussian.tolist()}},
        "gaussian": {"share_within_half_std": 0.3829, "share_within_one_std": 0.6827, "skew": 0.0},
    }


def test_the_qq_plot_has_both_scalers_and_the_diagonal_drawn_as_a_line():
    chart = learn.qq_chart(normal_result())
    check(chart)
    counts = chart.data["scaler"].value_counts().to_dict()
    assert counts == {label("scaler", "standard"): 99, label("scaler", "quantile_normal"): 99, learn.DIAGONAL: 99}
    diagonal = chart.data[chart.data["scaler"] == learn.DIAGONAL]
    assert np.allclose(diagonal["gaussian"], diagonal["sample"])
    line, points = chart.spec["layer"]
    assert line["mark"]["type"] == "line" and line["transform"][0]["filter"]["equal"] == learn.DIAGONAL
    assert points["mark"]["type"] == "point" and "not" in points["transform"][0]["filter"]


# ---- 2. steps of gradient descent --------------------------------------------------------------
CONDITIONING = [
    {"scale": 1, "scaler": "none", "kappa": 8.3, "predicted": 54.0, "measured": 54, "cap": 200_000},
    {"scale": 1, "scaler": "standard", "kappa": 2.37, "predicted": 13.0, "measured": 13, "cap": 200_000},
    {"scale": 1000, "scaler": "none", "kappa": 5.07e6, "predicted": 3.5e7, "measured": None, "cap": 200_000},
    {"scale": 1000, "scaler": "standard", "kappa": 2.37, "predicted": 13.0, "measured": 13, "cap": 200_000},
]


def test_steps_are_on_a_log_axis_and_a_run_that_hit_the_cap_is_drawn_at_the_cap_and_named_so():
    chart = learn.steps_chart(CONDITIONING)
    check(chart)
    assert {"measured", "predicted"} <= log_fields(chart.spec)
    assert chart.spec["layer"][0]["encoding"]["y2"] == {"datum": 1}  # bars on a log axis: a positive base
    capped = chart.data[(chart.data["scale"] == "×1,000") & (chart.data["scaling"] == label("scaler", "none"))].iloc[0]
    assert capped["measured"] == 200_000 and capped["reached"] == "no"
    assert capped["measured_text"] == "not reached within 200,000 steps"
    assert list(chart.spec["encoding"]["x"]["sort"]) == ["×1", "×1,000"]
    titles = {item["title"] for item in chart.spec["encoding"]["tooltip"]}
    assert "κ (condition number)" in titles and "steps measured" in titles


def test_the_conditioning_table_says_not_reached_in_words():
    table = learn.conditioning_table(CONDITIONING)
    assert list(table["steps measured"]) == ["54", "13", "not reached within 200,000", "13"]
    assert list(table["κ (condition number)"]) == ["8.3", "2.37", "5,070,000", "2.37"]
    assert list(table["steps predicted from κ"])[2] == "35,000,000"


# ---- summaries over seeds ----------------------------------------------------------------------
def test_a_summary_has_one_line_per_setup_and_splits_into_panels_when_grouped():
    rows = [summary_row({"activation": a, "norm": n}, 0.9) for a in ("sigmoid", "relu") for n in ("none", "bn_before")]
    labels = ["no BN", "BN before the activation"] * 2
    chart = learn.summary_chart(rows, labels, "t", groups=["sigmoid", "sigmoid", "relu", "relu"])
    check(chart)
    assert len(chart.data) == 4 and chart.spec["facet"]["row"]["field"] == "group"
    assert chart.spec["spec"]["layer"][0]["encoding"]["x"]["field"] == "low"
    assert chart.spec["spec"]["layer"][0]["encoding"]["x2"]["field"] == "high"
    x = chart.spec["spec"]["layer"][1]["encoding"]["x"]
    assert x["axis"]["format"] == ".0%" and x["scale"]["zero"] is False  # 96% vs 98% must stay readable

    r2 = learn.summary_chart([summary_row({"scaler": "standard"}, 0.98, name="test_r2")], ["standardized"], "t")
    check(r2)
    assert "facet" not in r2.spec
    x = r2.spec["layer"][1]["encoding"]["x"]
    assert "R²" in x["title"] and x["axis"]["format"] == ".2f"


def test_the_step_size_chart_has_a_log_x_and_names_each_shape():
    rows = [
        summary_row({"skew": skew, "lr": lr}, 0.95)
        for skew in ("", "all:outliers:0.01", "all:heavy_tail:8")
        for lr in (0.1, 0.3, 1.0)
    ]
    chart = learn.step_size_chart(rows)
    check(chart)
    assert log_fields(chart.spec) == {"lr"}
    assert set(chart.data["shape"]) == {"No skew", "Outliers 1%", "Heavy tails 8"}


# ---- 4. what the activation receives -----------------------------------------------------------
def test_the_activation_input_panels_share_a_clipped_x_range_and_each_sums_to_one():
    inside = []
    for activation in ("sigmoid", "relu"):
        for norm in ("none", "bn_before", "bn_after"):
            edges = np.linspace(-12, 12, 41)
            counts = np.random.default_rng(1).integers(0, 50, 40)
            inside.append(
                {
                    "activation": activation,
                    "norm": norm,
                    "input_hist": {"edges": edges.tolist(), "counts": counts.tolist()},
                    "input_mean": 0.0,
                    "input_std": 1.0,
                    "frac_saturated": 0.02,
                    "frac_dead": 0.0,
                }
            )
    chart = learn.activation_input_chart(inside, clip=8.0)
    check(chart)
    assert len(chart.data) == 6 * 40
    assert chart.data["x0"].min() >= -8 and chart.data["x1"].max() <= 8
    assert np.allclose(chart.data.groupby(["activation", "placement"])["share"].sum(), 1.0)
    assert chart.spec["spec"]["encoding"]["x"]["scale"]["domain"] == [-8.0, 8.0]
    assert chart.spec["columns"] == 1 and chart.spec["facet"]["sort"][:3] == [  # stacked: fits a narrow page
        "sigmoid · No normalisation",
        "sigmoid · BN before the activation",
        "sigmoid · BN after the activation",
    ]
    table = learn.placement_table(inside)
    assert list(table.columns) == [
        "activation",
        "batch norm",
        "mean of its input",
        "std of its input",
        "saturated outputs",
        "dead units",
    ]


# ---- 5. percentiles over training --------------------------------------------------------------
def test_the_percentile_band_has_both_placements_on_a_shared_y_axis():
    def trajectory(shift: float) -> dict[str, Any]:
        p50 = [shift * e for e in range(5)]
        return {
            "unit_percentiles": {"p15": [v - 1 for v in p50], "p50": p50, "p85": [v + 1 for v in p50]},
            "epochs": list(range(1, 6)),
        }

    chart = learn.percentile_chart({"none": trajectory(0.5), "bn_before": trajectory(0.0)})
    check(chart)
    assert len(chart.data) == 10 and set(chart.data["placement"]) == {"No normalisation", "BN before the activation"}
    assert chart.spec["resolve"]["scale"]["y"] == "shared"
    area, line = chart.spec["spec"]["layer"]
    assert (area["encoding"]["y"]["field"], area["encoding"]["y2"]["field"]) == ("p15", "p85")
    assert line["encoding"]["y"]["field"] == "p50"


# ---- 6. the loss along the gradient ------------------------------------------------------------
def probe(largest: float | None) -> dict[str, Any]:
    steps = [1e-3, 1e-2, 1e-1, 1.0, 10.0]
    return {
        "median_seed_probe": {
            "steps": steps,
            "loss": [0.5, 0.4, 0.3, None, 80.0],  # None: a loss that was not finite
            "grad_change": [0.001, 0.01, 0.1, 1.0, 0.0],
            "largest_lowering_step": largest,
        }
    }


def test_the_landscape_is_log_log_and_marks_the_largest_lowering_step_once_per_placement_and_panel():
    chart = learn.landscape_chart({"none": probe(0.1), "bn_before": probe(None)})
    check(chart)
    assert log_fields(chart.spec) == {"step", "value"}
    marked = chart.data[chart.data["largest"]]
    assert len(marked) == 2 and set(marked["step"]) == {0.1}  # loss and gradient panels, no norm only
    assert set(marked["placement"]) == {"No normalisation"}
    assert chart.data["value"].isna().sum() == 4  # the non-finite loss and the zero change, twice each
    rule = chart.spec["spec"]["layer"][1]
    assert rule["mark"]["type"] == "rule" and rule["transform"] == [{"filter": "datum.largest"}]


# ---- 7. std through depth ----------------------------------------------------------------------
def test_std_by_layer_is_on_a_log_axis_and_a_vanished_std_is_a_gap():
    rows = [
        {
            "activation": activation,
            "init": init,
            "std_by_layer": [0.5, 0.05, 0.0] if init == "normal:0.01" else [0.5] * 3,
        }
        for activation in ("tanh", "relu")
        for init in ("normal:0.01", "xavier", "he")
    ]
    chart = learn.depth_chart(rows)
    check(chart)
    assert log_fields(chart.spec) == {"std"}
    assert len(chart.data) == 18 and list(chart.data["layer"][:3]) == [1, 2, 3]
    small = chart.data[chart.data["init"] == "Normal, std 0.01"]
    assert small["std"].isna().sum() == 2 and not math.isnan(small["std"].iloc[0])


def test_the_central_limit_chart_draws_inputs_and_pre_activations_for_the_chosen_kind():
    rows = [
        {"kind": kind, "d": d, "init": "default", "input_abs_skew": 5.0, "input_abs_excess_kurtosis": 40.0,
         "abs_skew": 5.0 / d, "abs_excess_kurtosis": 40.0 / d if d > 1 else 0.0}
        for kind in ("skewed", "binary") for d in (1, 4, 64)
    ]  # fmt: skip
    chart = learn.clt_chart({"rows": rows}, "binary")
    check(chart)
    assert len(chart.data) == 3 * 2 * 2  # three d, two measures, inputs and pre-activation
    assert set(chart.data["series"]) == set(learn.CLT_SERIES)
    assert {"d", "value"} <= log_fields(chart.spec)
    assert chart.data["value"].isna().sum() == 1  # 0 on a log axis: a gap, not a crash
    assert chart.spec["title"]["text"].startswith("Binary inputs")


def test_the_shape_against_scale_chart_draws_the_chosen_activations_three_curves():
    curves = [
        {"activation": act, "init": init, "std_by_layer": [1.0, 0.9, 0.8]}
        for act, trio in (("relu", ("normal:0.1414", "uniform:0.1414", "normal:0.0707")),
                          ("tanh", ("normal:0.1", "uniform:0.1", "normal:0.05")))
        for init in trio
    ]  # fmt: skip
    summary = [
        {"activation": "relu", "normal": "normal:0.1414", "uniform": "uniform:0.1414", "half": "normal:0.0707"},
        {"activation": "tanh", "normal": "normal:0.1", "uniform": "uniform:0.1", "half": "normal:0.05"},
    ]
    chart = learn.shape_scale_chart({"curves": curves, "summary": summary, "seeds": 50}, "tanh")
    check(chart)
    assert chart.data["weights"].nunique() == 3 and len(chart.data) == 9
    assert "std" in log_fields(chart.spec)
