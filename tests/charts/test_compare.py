"""The Compare page's chart builders: legends that name only what differs, bands that are the bootstrap
interval of the median and are computed once per epoch, bounded rows, the ranking and the noise sentence."""

from __future__ import annotations

import json

import numpy as np
import pytest

from explorer.charts import compare as charts
from explorer.config import Config
from explorer.sweeps import stats
from explorer.sweeps.sweep import LiveSweep, RunResult, Sweep

BASE = Config(n_samples=200, epochs=3, hidden=(8, 8))


def fake_run(index: int, seed: int, accuracies: list[float], diverged: bool = False) -> RunResult:
    curve = [
        {"epoch": e, "train_loss": 1.0 / e, "test_loss": 1.0 - a + 0.01, "test_accuracy": a}
        for e, a in enumerate(accuracies, 1)
    ]
    return RunResult(index, seed, BASE.replace(seed=seed), "classification", curve, diverged)


def summary_item(median: float, low: float, high: float, name: str = "test_accuracy") -> dict:
    band = {"median": median, "mean": median, "ci95_low": low, "ci95_high": high}
    return {"metric": {"name": name, **band}, "test_loss": band, "n": 3, "n_diverged": 0, "seconds": 0.1}


@pytest.fixture(scope="module")
def trained() -> tuple[Sweep, list[RunResult]]:
    sweep = Sweep.parse(BASE.replace(activation="sigmoid"), ["norm=none,bn_before,bn_after"], 2)
    live = LiveSweep(sweep)
    while not live.done:
        live.advance(1.0)
    return sweep, live.result().runs


def test_legend_names_only_the_keys_that_differ():
    sweep = Sweep.parse(BASE, ["skew=none|0:scale:1000", "scaler=standard", "norm=none,bn_after"], 1)
    assert charts.labels(sweep.grid, sweep.configurations()) == [
        "skew=none, norm=none",
        "skew=none, norm=bn_after",
        "skew=0:scale:1000, norm=none",
        "skew=0:scale:1000, norm=bn_after",
    ]
    assert charts.labels((), [{}]) == ["your settings"]


def test_the_band_is_the_bootstrap_interval_of_the_median_over_the_seeds():
    runs = [fake_run(0, s, [0.5 + 0.1 * s, 0.6 + 0.05 * s]) for s in range(4)]
    frame = charts.CurveBands(["a"]).frame(runs)
    values = np.array([[r.curve[1]["test_accuracy"] for r in runs]])
    low, high = stats.median_band(values)
    last = frame[frame["epoch"] == 2].iloc[0]
    assert last["seeds"] == 4
    assert last["metric"] == pytest.approx(np.median(values), abs=1e-6)
    assert (last["metric_low"], last["metric_high"]) == (
        pytest.approx(low[0], abs=1e-6),
        pytest.approx(high[0], abs=1e-6),
    )


def test_a_diverged_seed_leaves_the_epochs_it_did_not_reach():
    runs = [fake_run(0, 0, [0.5, 0.6, 0.7]), fake_run(0, 1, [0.5, 0.7, 0.8]), fake_run(0, 2, [0.4], diverged=True)]
    frame = charts.CurveBands(["a"]).frame(runs)
    assert frame["seeds"].tolist() == [3, 2, 2]
    assert frame["metric"].iloc[2] == pytest.approx(0.75, abs=1e-6)


def test_each_epoch_is_computed_once_as_the_curves_grow(monkeypatch: pytest.MonkeyPatch):
    rows_computed = []
    real = stats.median_band

    def counting(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        rows_computed.append(len(values))
        return real(values)

    monkeypatch.setattr(charts.stats, "median_band", counting)
    bands = charts.CurveBands(["a", "b"])
    grown = [[0.5 + 0.001 * e for e in range(n)] for n in (10, 11)]
    bands.frame([fake_run(i, s, grown[0]) for i in range(2) for s in range(3)])
    first = sum(rows_computed)
    bands.frame([fake_run(i, s, grown[1]) for i in range(2) for s in range(3)])
    assert first == 2 * 10 * 2  # configurations × epochs × (loss, metric)
    assert sum(rows_computed) - first == 2 * 1 * 2  # then only the new epoch


def test_curve_rows_stay_bounded_however_many_configurations_and_epochs():
    runs = [fake_run(i, 0, [0.5] * 3_000) for i in range(40)]
    frame = charts.CurveBands([str(i) for i in range(40)]).frame(runs)
    assert len(frame) <= charts.MAX_CURVE_ROWS + 40  # + each configuration's latest epoch
    assert frame.groupby("configuration", observed=True)["epoch"].max().eq(3_000).all()


def test_specs_hold_no_data_are_cached_and_colour_every_configuration():
    names = ("norm=none", "norm=bn_before")
    spec = charts.curve_spec("loss", names)
    assert spec is charts.curve_spec("loss", names)
    assert "data" not in json.dumps(spec).replace('"field"', "")  # no rows, only field names
    colors = [layer["encoding"]["color"]["scale"]["domain"] for layer in spec["layer"]]
    assert colors == [list(names)] * 3
    assert charts.curve_spec("metric", names, ("test_r2",))["layer"][1]["encoding"]["y"]["scale"] == {"domain": [-1, 1]}


def test_histograms_put_every_configuration_on_one_stage(trained: tuple[Sweep, list[RunResult]]):
    sweep, runs = trained
    names = charts.labels(sweep.grid, sweep.configurations())
    layers, stages = charts.layer_choices(runs)
    assert layers == [0, 1] and stages == ["linear", "norm", "act"]
    frame, missing = charts.histogram_frame(runs, names, 0, "act")
    assert missing == [] and set(frame["configuration"]) == set(names)
    shares = frame.groupby("configuration", observed=True)["share"].sum()
    assert np.allclose(shares.to_numpy(), 1.0, atol=1e-3)
    _, missing = charts.histogram_frame(runs, names, 0, "norm")
    assert missing == ["norm=none"]  # no batch norm, no such stage
    assert charts.stage_title("norm", {"sigmoid"}, {"none", "bn_before"}) == "batch norm"
    assert charts.stage_title("act", {"sigmoid"}) == "sigmoid"
    assert charts.stage_title("act", {"relu"}) == "ReLU"  # the label every page uses, not the id
    assert charts.stage_title("act", {"sigmoid", "relu"}) == "activation"


def test_value_spread_compares_the_panels_ranges(trained: tuple[Sweep, list[RunResult]]):
    sweep, runs = trained
    frame, _ = charts.histogram_frame(runs, charts.labels(sweep.grid, sweep.configurations()), 0, "act")
    assert 1 <= charts.value_spread(frame) < charts.SHARED_AXIS_SPREAD  # sigmoid: all within (0, 1)


def test_the_table_ranks_by_median_with_the_diverged_last():
    summary = [summary_item(0.8, 0.7, 0.9), summary_item(0.95, 0.9, 0.97), summary_item(0.5, 0.4, 0.6)]
    summary.append({**summary_item(0.0, 0.0, 0.0), "metric": {"name": "test_accuracy", **dict.fromkeys(
        ("median", "mean", "ci95_low", "ci95_high"))}})  # fmt: skip
    frame = charts.table_frame(summary, ["a", "b", "c", "d"], ["la", "lb", "lc", "ld"])
    assert frame["configuration"].tolist() == ["b", "a", "c", "d"]
    assert frame["link"].tolist() == ["lb", "la", "lc", "ld"]
    assert frame["metric_interval"].iloc[0] == "[90.0%, 97.0%]"


def test_the_noise_sentence_says_what_the_intervals_allow():
    names = ["a", "b", "c"]
    close = [summary_item(0.9, 0.85, 0.95), summary_item(0.88, 0.8, 0.9), summary_item(0.5, 0.4, 0.6)]
    note = charts.noise_note(close, names, 5)
    assert "**a** and **b** is within seed noise" in note and "**c**" not in note
    apart = [summary_item(0.9, 0.89, 0.95), summary_item(0.8, 0.7, 0.85)]
    assert "more than seed noise" in charts.noise_note(apart, names, 5)
    assert "one seed" in charts.noise_note(apart, names, 1)
    assert charts.noise_note(apart[:1], names, 5) == ""  # nothing to compare with


def test_the_heatmap_has_one_cell_per_configuration():
    sweep = Sweep.parse(BASE, ["skew=none|0:scale:1000", "norm=none,bn_after"], 1)
    summary = [summary_item(0.9 - 0.1 * i, 0.8 - 0.1 * i, 0.95 - 0.1 * i) for i in range(4)]
    frame = charts.heatmap_frame(summary, sweep.configurations(), "skew", "norm")
    assert frame[["row", "column", "text"]].values.tolist() == [
        ["none", "none", "90.0%"],
        ["none", "bn_after", "80.0%"],
        ["0:scale:1000", "none", "70.0%"],
        ["0:scale:1000", "bn_after", "60.0%"],
    ]
    spec = charts.heatmap_spec("skew", "norm", ("none", "0:scale:1000"), ("none", "bn_after"))
    assert spec["encoding"]["y"]["sort"] == ["none", "0:scale:1000"]


def test_the_runs_csv_has_a_row_per_run(trained: tuple[Sweep, list[RunResult]]):
    sweep, runs = trained
    frame = charts.runs_frame(runs, charts.labels(sweep.grid, sweep.configurations()), sweep.keys)
    assert len(frame) == 6
    assert {"configuration", "norm", "seed", "final_test_loss", "final_test_accuracy"} <= set(frame.columns)
    assert frame["seed"].tolist() == [0, 1] * 3
