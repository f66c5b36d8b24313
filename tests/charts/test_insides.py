"""The Train page's charts of the network's insides (explorer/charts/insides.py): stages in the placement's
order, bins fixed per run, bounded histories, and stage names a learner reads."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer import config as cfg
from explorer.charts import insides
from explorer.config import Config
from explorer.runs.training import Trainer
from explorer.teaching import labels

SMALL = Config(n_samples=200, epochs=3, hidden=(8, 8), norm="bn_before")


@pytest.fixture(scope="module")
def trained() -> Trainer:
    trainer = Trainer(SMALL)
    trainer.advance(epochs=3)
    return trainer


# ---- the inputs as layer 0, the band ---------------------------------------------------------------
def test_inputs_are_layer_zero_capped_at_a_few_features():
    X = np.random.default_rng(0).normal(size=(100, 20))
    frame = insides.input_frame(X, [f"f{j}" for j in range(20)])
    assert frame["order"].nunique() == insides.MAX_INPUT_FEATURES
    assert frame["feature"].iloc[0] == "0 · f0"


def test_the_band_follows_the_chosen_layer_and_stage(trained: Trainer):
    frame = insides.band_frame(trained.records, 1, "norm")
    stats = trained.records[-1]["layers"][1]["stages"]["norm"]
    assert frame.iloc[-1][["p15", "p50", "p85"]].tolist() == pytest.approx([stats["p15"], stats["p50"], stats["p85"]])
    assert (frame["p15"] <= frame["p50"]).all() and (frame["p50"] <= frame["p85"]).all()
    assert (frame["min"] <= frame["p15"]).all() and (frame["p85"] <= frame["max"]).all()


# ---- stage names -------------------------------------------------------------------------------
def test_stage_names_use_the_readable_activation_labels():
    assert insides.stage_name("act", "relu") == "ReLU"
    assert insides.stage_name("act", "leaky_relu") == "Leaky ReLU"
    assert insides.stage_name("norm", "relu", "ln_after") == "layer norm"
    assert insides.history_title(0, "act", "gelu", "none") == "Layer 1 after GELU, per epoch"


def test_every_norm_stage_is_named_as_the_labels_name_it():
    for norm in cfg.NORMS:
        if norm != "none":
            assert insides.stage_name("norm", "relu", norm) == labels.NORM_STAGES[norm]
    assert insides.stage_name("linear", "relu") == labels.STAGES["linear"]
    assert insides.stage_title(2, "norm", "relu", "bn_noisy") == "2 · noisy batch norm"


# ---- the history heatmap -----------------------------------------------------------------------
def test_the_history_holds_every_epochs_histogram_on_fixed_bins(trained: Trainer):
    frame = insides.history_frame(trained.records, 1, "norm")
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
    frame = insides.history_frame(records, 0, "act")
    columns = frame["epoch"].nunique()
    assert columns <= insides.MAX_HISTORY_COLUMNS and frame["epoch"].max() == 1_000
    assert len(frame) == columns * len(trained.records[-1]["layers"][0]["stages"]["act"]["hist"]["counts"])
    starts = frame.groupby("epoch")["start"].first()
    assert (starts.iloc[1:].to_numpy() == starts.index[:-1].to_numpy()).all()  # no gaps between columns


# ---- update-to-weight ratio --------------------------------------------------------------------
def test_the_update_ratio_chart_has_every_layer_and_the_output_in_log10(trained: Trainer):
    frame = insides.update_ratio_frame(trained.records)
    assert set(frame["layer"]) == {"layer 1", "layer 2", "output"}
    assert len(frame) == 3 * len(trained.records)
    last = trained.records[-1]["update_ratio"]
    shown = frame[frame["epoch"] == trained.epoch].sort_values("layer")
    assert shown["ratio"].tolist() == pytest.approx(last, rel=1e-6)
    assert shown["log_ratio"].tolist() == pytest.approx(np.log10(last).tolist(), rel=1e-5)


def test_the_update_ratio_chart_has_the_rule_at_minus_three_and_the_gradient_charts_height():
    spec = insides.update_ratio_spec()
    rules = [layer for layer in spec["layer"] if layer["mark"]["type"] == "rule"]
    assert [rule["encoding"]["y"]["datum"] for rule in rules] == [-3]
    assert spec["height"] == insides.grad_norm_spec()["height"]
    assert "last full batch" in json.dumps(spec)  # says when it is measured


def test_non_finite_update_ratios_are_gaps():
    records = [{"epoch": 1, "update_ratio": [0.001, float("nan"), 0.0]}]
    frame = insides.update_ratio_frame(records)
    assert frame["log_ratio"].isna().tolist() == [False, True, True]
    assert frame["log_ratio"].iloc[0] == pytest.approx(-3)


def test_the_history_heatmap_stays_readable_when_one_bin_holds_half_the_values():
    """After ReLU the zero bin holds 40-60% of the values: a linear colour scale paints every other bin
    near white. The scale is logarithmic from 0.1%, empty bins stay blank, and the legend says 'log'."""
    color = insides.history_spec("t")["encoding"]["color"]
    assert color["scale"]["type"] == "log" and color["scale"]["domain"][0] == 0.001 and color["scale"]["clamp"]
    assert "log" in color["title"]
    assert {"filter": "datum.share > 0"} in insides.history_spec("t")["transform"]
