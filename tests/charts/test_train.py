"""The Train page's chart builders: bounded rows, specs without data, stages in the placement's order."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.charts import train as charts
from explorer.config import Config
from explorer.runs.training import Trainer

SMALL = Config(n_samples=200, epochs=3, hidden=(8, 8), norm="bn_before")


@pytest.fixture(scope="module")
def trained() -> Trainer:
    trainer = Trainer(SMALL)
    trainer.advance(epochs=3)
    return trainer


@pytest.mark.parametrize("n", [0, 1, 299, 300, 301, 599, 2_000, 5_000])
def test_thinning_keeps_at_most_max_points_with_the_first_and_last(n: int):
    kept = charts.thin_indices(n, 300)
    assert len(kept) <= 300 and len(kept) == min(n, len(kept))
    if n:
        assert kept[0] == 0 and kept[-1] == n - 1
        assert np.all(np.diff(kept) > 0)


def test_thinned_points_stay_put_as_a_run_grows():
    """Between stride doublings the kept epochs of a longer run include those of a shorter one."""
    short, longer = set(charts.thin_indices(1_000)), set(charts.thin_indices(1_100))
    assert len(short - longer) <= 1  # only the old "last" point may go


def _fake_curve(epochs: int) -> list[dict[str, float]]:
    return [
        {"epoch": e, "train_loss": 1 / e, "test_loss": 1.1 / e, "test_accuracy": 1 - 1 / e}
        for e in range(1, epochs + 1)
    ]


def test_a_long_run_sends_as_many_rows_as_a_short_one(trained: Trainer):
    long_curve = charts.curve_frame(_fake_curve(2_000), "test_accuracy")
    assert len(long_curve) <= charts.MAX_POINTS and long_curve["epoch"].iloc[-1] == 2_000
    records = [dict(trained.records[-1], epoch=e) for e in range(1, 2_001)]
    assert len(charts.band_frame(records, 0, "act")) <= charts.MAX_POINTS
    assert len(charts.health_frame(records)) <= charts.MAX_POINTS * 2  # a row per layer (two) and epoch


def test_non_finite_values_become_gaps_not_broken_scales():
    curve = _fake_curve(3)
    curve[1]["test_loss"] = float("inf")
    curve[2]["train_loss"] = 0.0  # a log axis cannot show zero
    frame = charts.curve_frame(curve, "test_accuracy")
    assert frame["test"].isna().tolist() == [False, True, False]
    assert frame["train"].isna().tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("norm", "columns"),
    [
        ("bn_before", ["1 · linear (W·u + b)", "2 · batch norm", "3 · tanh"]),
        ("bn_after", ["1 · linear (W·u + b)", "2 · tanh", "3 · batch norm"]),
        ("none", ["1 · linear (W·u + b)", "2 · tanh"]),
    ],
)
def test_histograms_follow_the_placement_and_each_panel_sums_to_one(norm: str, columns: list[str]):
    trainer = Trainer(SMALL.replace(norm=norm, activation="tanh"))
    trainer.advance(epochs=1)
    frame = charts.histogram_frame(trainer.records[-1]["layers"], "tanh")
    assert sorted(frame["column"].unique()) == columns
    assert set(frame["layer"]) == {"layer 1 · 8 units", "layer 2 · 8 units"}
    sums = frame.groupby(["layer", "column"])["share"].sum()
    assert np.allclose(sums, 1.0)
    panels = frame.sort_values("order")["panel"].unique().tolist()  # the wrapped grid: layer by layer
    assert panels == [f"layer {i} · {c}" for i in (1, 2) for c in columns]


def test_the_histogram_bins_stay_fixed_from_epoch_to_epoch(trained: Trainer):
    first = charts.histogram_frame(trained.records[0]["layers"], "relu")
    last = charts.histogram_frame(trained.records[-1]["layers"], "relu")
    assert first[["x0", "x1"]].equals(last[["x0", "x1"]])
    assert not first["share"].equals(last["share"])


def test_inputs_are_layer_zero_capped_at_a_few_features():
    X = np.random.default_rng(0).normal(size=(100, 20))
    frame = charts.input_frame(X, [f"f{j}" for j in range(20)])
    assert frame["order"].nunique() == charts.MAX_INPUT_FEATURES
    assert frame["feature"].iloc[0] == "0 · f0"


def test_the_band_follows_the_chosen_layer_and_stage(trained: Trainer):
    frame = charts.band_frame(trained.records, 1, "norm")
    stats = trained.records[-1]["layers"][1]["stages"]["norm"]
    assert frame.iloc[-1][["p15", "p50", "p85"]].tolist() == pytest.approx([stats["p15"], stats["p50"], stats["p85"]])
    assert (frame["p15"] <= frame["p50"]).all() and (frame["p50"] <= frame["p85"]).all()
    assert (frame["min"] <= frame["p15"]).all() and (frame["p85"] <= frame["max"]).all()


def test_every_spec_is_cached_json_and_holds_no_data():
    specs = [
        charts.loss_spec(),
        charts.metric_spec("test_accuracy"),
        charts.metric_spec("test_r2"),
        charts.histogram_spec(),
        charts.input_spec(),
        charts.band_spec(),
        charts.fractions_spec(),
        charts.grad_norm_spec(),
        charts.update_ratio_spec(),
        charts.history_spec("Layer 1 after ReLU, per epoch"),
        charts.surface_spec("classification", 3),
        charts.surface_spec("regression"),
    ]
    for spec in specs:
        text = json.dumps(spec)
        assert '"values"' not in text and '"datasets"' not in text and '"data"' not in text
    assert charts.loss_spec() is charts.loss_spec()
    assert charts.surface_spec("classification", 3) is charts.surface_spec("classification", 3)


def test_a_tick_builds_every_chart_and_the_surface_for_two_features(trained: Trainer):
    built = charts.TrainCharts(trained).build(trained, 0, "act")
    assert set(built) == {
        "loss", "metric", "inputs", "histograms", "band", "history", "fractions", "grad_norms", "update_ratio",
        "surface",
    }  # fmt: skip
    surface = built["surface"].data
    grid = surface[surface["kind"] == "grid"]
    assert len(grid) == charts.GRID**2 and grid["confidence"].between(0.5, 1).all()
    assert set(surface.loc[surface["kind"] == "point", "label"]) == {"0", "1"}


def test_the_surface_is_a_regression_surface_for_regression_and_absent_beyond_two_features():
    regression = Trainer(SMALL.replace(dataset="regression", n_features=2))
    regression.advance(epochs=1)
    surface = charts.TrainCharts(regression).build(regression)["surface"]
    assert "value" in surface.data and surface.data["value"].notna().all()
    wide = Trainer(SMALL.replace(dataset="classification", n_features=5))
    wide.advance(epochs=1)
    assert "surface" not in charts.TrainCharts(wide).build(wide)


# ---- the same spec on every tick ---------------------------------------------------------------
def _ghost(metric: str = "test_accuracy") -> charts.Ghost:
    curve = _fake_curve(8)
    if metric != "test_accuracy":
        curve = [{**{k: v for k, v in row.items() if k != "test_accuracy"}, metric: 0.5} for row in curve]
    return charts.Ghost(curve, "before: scaler=none")


@pytest.mark.parametrize("norm", ["bn_before", "none"])
def test_every_spec_is_the_same_at_epoch_1_and_5_with_and_without_a_ghost(norm: str):
    trainer = Trainer(SMALL.replace(epochs=5, norm=norm, activation="tanh"))
    tick = charts.TrainCharts(trainer)
    trainer.advance(epochs=1)
    early = tick.build(trainer, 1, "act")
    trainer.advance(epochs=4)
    late = tick.build(trainer, 1, "act")
    haunted = tick.build(trainer, 1, "act", ghost=_ghost())
    assert set(early) == set(late) == set(haunted)
    for key in early:
        assert early[key].spec == late[key].spec == haunted[key].spec, key
        assert json.dumps(early[key].spec) == json.dumps(late[key].spec)  # no numbers from the data either
    assert len(late["history"].data) > len(early["history"].data)  # the data grew; the specs did not


def _walk(node, found: list) -> list:
    """Every dict in a spec, depth first."""
    if isinstance(node, dict):
        found.append(node)
        for value in node.values():
            _walk(value, found)
    elif isinstance(node, list):
        for value in node:
            _walk(value, found)
    return found


def test_every_tooltip_names_its_fields_and_rounds_its_numbers(trained: Trainer):
    built = charts.TrainCharts(trained).build(trained, 0, "act", ghost=_ghost())
    for key, chart in built.items():
        nodes = _walk(chart.spec, [])
        assert not any(node.get("tooltip") is True for node in nodes), key  # would list internal columns
        tips = [tip for node in nodes if isinstance(node.get("tooltip"), list) for tip in node["tooltip"]]
        assert tips, key
        for tip in tips:
            assert tip.get("title") and "_" not in tip["title"] and tip["title"] not in ("x0", "x1"), (key, tip)
            if tip["type"] == "quantitative":
                assert "format" in tip, (key, tip)


def test_titles_fit_their_charts_and_say_what_the_jargon_means(trained: Trainer):
    built = charts.TrainCharts(trained).build(trained, 0, "linear")
    wide = {"inputs", "histograms"}  # full width; the others share a row
    for key, chart in built.items():
        title = chart.spec["title"]
        subtitle = title.get("subtitle", [])
        lines = [subtitle] if isinstance(subtitle, str) else subtitle
        assert len(title["text"]) <= 50, key
        assert all(len(line) <= (80 if key in wide else 60) for line in lines), key
    assert "how hard each layer is pushed" in json.dumps(built["grad_norms"].spec, ensure_ascii=False).lower()
    assert "15th to 85th percentile" in json.dumps(built["band"].spec)
    assert "weighted sum" in json.dumps(built["histograms"].spec)
    assert built["history"].spec["title"]["text"] == "Layer 1 after W·u + b (weighted sum), per epoch"


def test_stage_names_use_the_readable_activation_labels():
    assert charts.stage_name("act", "relu") == "ReLU"
    assert charts.stage_name("act", "leaky_relu") == "Leaky ReLU"
    assert charts.stage_name("norm", "relu", "ln_after") == "layer norm"
    assert charts.history_title(0, "act", "gelu", "none") == "Layer 1 after GELU, per epoch"
    assert "No normalisation" in json.dumps(charts.histogram_spec("none"))


def test_the_surface_axes_say_raw_without_a_scaler_and_scaled_with_one():
    raw = Trainer(SMALL.replace(scaler="none"))
    scaled = Trainer(SMALL.replace(scaler="standard"))
    for trainer, word in ((raw, "raw"), (scaled, "scaled")):
        spec = charts.TrainCharts(trainer).build(trainer)["surface"].spec
        axes = spec["layer"][0]["encoding"]
        assert (axes["x"]["title"], axes["y"]["title"]) == (f"{word} feature 0", f"{word} feature 1")


# ---- metric axes -------------------------------------------------------------------------------
@pytest.mark.parametrize("metric", ["test_accuracy", "test_r2"])
def test_metric_axes_zoom_to_the_data_instead_of_a_fixed_domain(metric: str):
    spec = charts.metric_spec(metric)
    y_axes = [node["y"] for node in _walk(spec, []) if isinstance(node.get("y"), dict) and "field" in node["y"]]
    assert y_axes
    for y in y_axes:
        assert "domain" not in y.get("scale", {})
    assert spec["layer"][0]["encoding"]["y"]["scale"] == {"zero": False}


# ---- the previous run as a ghost ---------------------------------------------------------------
def test_the_ghost_is_drawn_under_this_run_with_its_label(trained: Trainer):
    tick = charts.TrainCharts(trained)
    built = tick.build(trained, ghost=_ghost())
    loss = built["loss"].data
    ghost_rows = loss[loss["run"] == "before: scaler=none"]
    assert len(ghost_rows) == 8 and len(loss) == 8 + trained.epoch
    assert (loss.loc[loss["run"] == "", "epoch"] == [1, 2, 3]).all()
    metric = built["metric"].data
    assert (metric["run"] == "before: scaler=none").sum() == 8
    ghost_layer = built["loss"].spec["layer"][0]
    assert ghost_layer["transform"] == [{"filter": "datum.run != ''"}]
    assert ghost_layer["mark"]["opacity"] < 1 and ghost_layer["encoding"]["strokeDash"]["field"] == "run"
    without = tick.build(trained)
    assert set(without["loss"].data["run"]) == {""}


def test_a_ghost_of_another_metric_is_left_out_of_the_metric_chart_only(trained: Trainer):
    built = charts.TrainCharts(trained).build(trained, ghost=_ghost("test_r2"))
    assert set(built["metric"].data["run"]) == {""}
    assert (built["loss"].data["run"] == "before: scaler=none").sum() == 8


# ---- the history heatmap -----------------------------------------------------------------------
def test_the_history_holds_every_epochs_histogram_on_fixed_bins(trained: Trainer):
    frame = charts.history_frame(trained.records, 1, "norm")
    assert sorted(frame["epoch"].unique()) == [1, 2, 3]
    assert np.allclose(frame.groupby("epoch")["share"].sum(), 1.0)
    bins = [group[["x0", "x1"]].to_numpy() for _, group in frame.groupby("epoch")]
    assert all(np.array_equal(bins[0], other) for other in bins[1:])
    counts = np.asarray(trained.records[-1]["layers"][1]["stages"]["norm"]["hist"]["counts"], dtype=np.float64)
    latest = frame[frame["epoch"] == 3]["share"].to_numpy()
    assert latest == pytest.approx(counts / counts.sum(), abs=1e-6)
    assert (frame.groupby("epoch")["start"].first().tolist()) == [0, 1, 2]  # columns tile the time axis


def test_a_long_history_is_thinned_to_a_bounded_number_of_columns(trained: Trainer):
    records = [dict(trained.records[-1], epoch=e) for e in range(1, 1_001)]
    frame = charts.history_frame(records, 0, "act")
    columns = frame["epoch"].nunique()
    assert columns <= charts.MAX_HISTORY_COLUMNS and frame["epoch"].max() == 1_000
    assert len(frame) == columns * len(trained.records[-1]["layers"][0]["stages"]["act"]["hist"]["counts"])
    starts = frame.groupby("epoch")["start"].first()
    assert (starts.iloc[1:].to_numpy() == starts.index[:-1].to_numpy()).all()  # no gaps between columns


def test_the_history_follows_the_chosen_layer_and_stage(trained: Trainer):
    built = charts.TrainCharts(trained).build(trained, 1, "linear")
    stats = trained.records[0]["layers"][1]["stages"]["linear"]["hist"]
    first = built["history"].data
    assert first["x0"].iloc[0] == pytest.approx(stats["edges"][0], rel=1e-6)
    assert "Layer 2" in built["history"].spec["title"]["text"]
    assert charts.history_frame(trained.records, 5, "act").empty  # no such layer: an empty frame, no error


# ---- update-to-weight ratio --------------------------------------------------------------------
def test_the_update_ratio_chart_has_every_layer_and_the_output_in_log10(trained: Trainer):
    frame = charts.update_ratio_frame(trained.records)
    assert set(frame["layer"]) == {"layer 1", "layer 2", "output"}
    assert len(frame) == 3 * len(trained.records)
    last = trained.records[-1]["update_ratio"]
    shown = frame[frame["epoch"] == trained.epoch].sort_values("layer")
    assert shown["ratio"].tolist() == pytest.approx(last, rel=1e-6)
    assert shown["log_ratio"].tolist() == pytest.approx(np.log10(last).tolist(), rel=1e-5)


def test_the_update_ratio_chart_has_the_rule_at_minus_three_and_the_gradient_charts_height():
    spec = charts.update_ratio_spec()
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert [rule["encoding"]["y"]["datum"] for rule in rules] == [-3]
    assert spec["height"] == charts.grad_norm_spec()["height"]
    assert "last full batch" in json.dumps(spec)  # says when it is measured


def test_non_finite_update_ratios_are_gaps():
    records = [{"epoch": 1, "update_ratio": [0.001, float("nan"), 0.0]}]
    frame = charts.update_ratio_frame(records)
    assert frame["log_ratio"].isna().tolist() == [False, True, True]
    assert frame["log_ratio"].iloc[0] == pytest.approx(-3)
