"""The network drawn as its data path (explorer/charts/network.py): boxes in the placement's order, the
normalisation marked, each box's numbers, an earlier epoch behind, and one view for all of it."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.charts import network
from explorer.config import Config
from explorer.runs.training import Trainer

SMALL = Config(n_samples=200, epochs=3, hidden=(8, 8), norm="bn_before")


@pytest.fixture(scope="module")
def trained() -> Trainer:
    trainer = Trainer(SMALL)
    trainer.advance(epochs=3)
    return trainer


@pytest.mark.parametrize(
    ("norm", "columns"),
    [
        ("bn_before", ["1 · linear (W·u + b)", "2 · batch norm", "3 · tanh"]),
        ("bn_after", ["1 · linear (W·u + b)", "2 · tanh", "3 · batch norm"]),
        ("ln_after", ["1 · linear (W·u + b)", "2 · tanh", "3 · layer norm"]),
        ("none", ["1 · linear (W·u + b)", "2 · tanh"]),
    ],
)
def test_the_boxes_follow_the_placement_and_each_histogram_sums_to_one(norm: str, columns: list[str]):
    """Changing norm moves the normalisation's box: before the activation or after it."""
    trainer = Trainer(SMALL.replace(norm=norm, activation="tanh"))
    trainer.advance(epochs=1)
    frame = network.diagram_frame(trainer.records[-1]["layers"], "tanh", norm)
    bins = frame[frame["kind"] == "bin"]
    ordered = bins.sort_values("step")["column"].unique().tolist()
    assert ordered == columns
    assert set(bins["row"]) == {"layer 1 (8)", "layer 2 (8)"}
    assert np.allclose(bins.groupby(["row", "column"])["share"].sum(), 1.0)
    assert network.stage_order(norm) == tuple(trainer.network.layers[0].order)


def test_each_box_says_its_mean_and_std_and_the_activation_its_dead_or_saturated_share():
    for activation, word in (("relu", "dead"), ("sigmoid", "saturated")):
        trainer = Trainer(SMALL.replace(activation=activation))
        trainer.advance(epochs=1)
        frame = network.diagram_frame(trainer.records[-1]["layers"], activation, "bn_before")
        stats = frame[frame["kind"] == "stat"].set_index(["row", "stage"])["text"]
        assert len(stats) == 6  # a line per box: 2 layers × 3 stages
        assert all(text.startswith("mean ") and "\nstd " in text for text in stats)
        assert word in stats[("layer 1 (8)", "act")] and word not in stats[("layer 1 (8)", "norm")]


def test_an_earlier_epoch_is_drawn_behind_on_the_same_bins(trained: Trainer):
    first, last = trained.records[0]["layers"], trained.records[-1]["layers"]
    frame = network.diagram_frame(last, "relu", "bn_before", earlier=first)
    past, now = frame[frame["kind"] == "past"], frame[frame["kind"] == "bin"]
    assert len(past) == len(now) and past[["x0", "x1"]].to_numpy().tolist() == now[["x0", "x1"]].to_numpy().tolist()
    assert not np.allclose(past["share"], now["share"])  # the run moved: drift is in the picture


def test_one_view_for_every_layer_and_stage_with_the_normalisation_framed():
    spec = network.diagram_spec("bn_after", "sigmoid")
    assert spec["facet"]["field"] == "panel" and spec["columns"] == 3 and "layer" in spec["spec"]  # one view
    frames = [layer for layer in spec["spec"]["layer"] if layer["mark"].get("stroke")]
    assert frames and "datum.stage === 'norm'" in frames[0]["transform"][0]["filter"]
    assert '"values"' not in json.dumps(spec)  # no data in the spec
    _, order = network.heading("bn_after", "sigmoid")
    assert order == "inputs → linear (W·u + b) → sigmoid → batch norm: BN after the activation."
    assert "batch norm → sigmoid" in network.heading("bn_before", "sigmoid")[1]
    assert network.diagram_spec("bn_after", "sigmoid") is spec  # cached: the browser keeps the chart


def test_the_scrubber_picks_the_latest_record_up_to_an_epoch(trained: Trainer):
    assert network.stage_record(trained.records) is trained.records[-1]
    assert network.stage_record(trained.records, 2)["epoch"] == 2
    assert network.stage_record([], 2) is None
