"""The Train page's chart builders (explorer/charts/train.py) and a whole tick: bounded rows, specs without data
that stay the same from tick to tick, the ghost and the decision surface."""

from __future__ import annotations

import json

import pytest

from explorer.charts import base, insides, network
from explorer.charts import train as charts
from explorer.config import Config
from explorer.runs.training import Trainer

SMALL = Config(n_samples=200, epochs=3, hidden=(8, 8), norm="bn_before")


@pytest.fixture(scope="module")
def trained() -> Trainer:
    trainer = Trainer(SMALL)
    trainer.advance(epochs=3)
    return trainer


def _fake_curve(epochs: int) -> list[dict[str, float]]:
    return [
        {"epoch": e, "train_loss": 1 / e, "test_loss": 1.1 / e, "test_accuracy": 1 - 1 / e}
        for e in range(1, epochs + 1)
    ]


def test_a_long_run_sends_as_many_rows_as_a_short_one(trained: Trainer):
    long_curve = charts.curve_frame(_fake_curve(2_000), "test_accuracy")
    assert len(long_curve) <= base.MAX_POINTS and long_curve["epoch"].iloc[-1] == 2_000
    records = [dict(trained.records[-1], epoch=e) for e in range(1, 2_001)]
    assert len(insides.band_frame(records, 0, "act")) <= base.MAX_POINTS
    assert len(insides.health_frame(records)) <= base.MAX_POINTS * 2  # a row per layer (two) and epoch


def test_non_finite_values_become_gaps_not_broken_scales():
    curve = _fake_curve(3)
    curve[1]["test_loss"] = float("inf")
    curve[2]["train_loss"] = 0.0  # a log axis cannot show zero
    frame = charts.curve_frame(curve, "test_accuracy")
    assert frame["test"].isna().tolist() == [False, True, False]
    assert frame["train"].isna().tolist() == [False, False, True]


def test_every_spec_is_cached_json_and_holds_no_data():
    specs = [
        charts.loss_spec(),
        charts.metric_spec("test_accuracy"),
        charts.metric_spec("test_r2"),
        network.diagram_spec("bn_before", "relu"),
        insides.input_spec(),
        insides.band_spec(),
        insides.fractions_spec(),
        insides.grad_norm_spec(),
        insides.update_ratio_spec(),
        insides.history_spec("Layer 1 after ReLU, per epoch"),
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
        "loss", "metric", "network", "inputs", "band", "history", "fractions", "grad_norms", "update_ratio",
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
    wide = {"inputs", "network"}  # full width or a column of their own; the others share a row
    for key, chart in built.items():
        if key == "network":
            continue  # headed by the page (tests/charts/test_network.py)
        title = chart.spec["title"]
        subtitle = title.get("subtitle", [])
        lines = [subtitle] if isinstance(subtitle, str) else subtitle
        assert len(title["text"]) <= 50, key
        assert all(len(line) <= (80 if key in wide else 60) for line in lines), key
    assert "how hard each layer is pushed" in json.dumps(built["grad_norms"].spec, ensure_ascii=False).lower()
    assert "15th to 85th percentile" in json.dumps(built["band"].spec)
    assert "W·u + b" in network.heading("none", "relu")[1]
    assert built["history"].spec["title"]["text"] == "Layer 1 after W·u + b (weighted sum), per epoch"


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
def test_the_history_follows_the_chosen_layer_and_stage(trained: Trainer):
    built = charts.TrainCharts(trained).build(trained, 1, "linear")
    stats = trained.records[0]["layers"][1]["stages"]["linear"]["hist"]
    first = built["history"].data
    assert first["x0"].iloc[0] == pytest.approx(stats["edges"][0], rel=1e-6)
    assert "Layer 2" in built["history"].spec["title"]["text"]
    assert insides.history_frame(trained.records, 5, "act").empty  # no such layer: an empty frame, no error
