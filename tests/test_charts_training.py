"""The Train page's chart builders: bounded rows, specs without data, stages in the placement's order."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.charts import training as charts
from explorer.config import Config
from explorer.training import Trainer

SMALL = Config(n_samples=200, epochs=3, hidden=(8, 8))


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
    assert set(built) == {"loss", "metric", "inputs", "histograms", "band", "fractions", "grad_norms", "surface"}
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
