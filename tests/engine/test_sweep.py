"""The sweep engine: validation, grid parsing, summaries over seeds, the JSON schema, live slices, median-seed
layer statistics and local worker processes."""

import contextlib
import json
import time

import numpy as np
import pytest

from explorer.config import Config, ConfigError
from explorer.runs.training import Trainer
from explorer.sweeps import executors, stats
from explorer.sweeps.sweep import (
    MAX_MEMBERS,
    LiveSweep,
    PooledSweep,
    RunResult,
    Sweep,
    median_member,
    parse_grid_item,
    run,
    summarize,
    train_group,
)

BASE = Config(n_samples=240, hidden=(8, 8), epochs=3)
RUN_KEYS = {"config", "seed", "final", "diverged", "curve"}
SUMMARY_KEYS = {"config", "n", "n_diverged", "interval", "metric", "test_loss"}
STAT_KEYS = {"median", "mean", "ci95_low", "ci95_high"}


def _train_final_keys(config: Config) -> set[str]:
    """The keys of `train --json`'s final for this config (the run report, before any training)."""
    return set(Trainer(config.replace(epochs=1)).report()["final"])


def _without_seconds(report: dict) -> dict:
    """The sweep's JSON minus wall-clock times, which no two runs share."""
    report = json.loads(json.dumps(report))
    for row in report["summary"]:
        row.pop("seconds", None)
    return report


@pytest.fixture(scope="module")
def two_groups() -> Sweep:
    """Two norms (two groups) × two scalers × three seeds."""
    return Sweep(BASE, (("norm", ("none", "bn_before")), ("scaler", ("none", "standard"))), seeds=3)


@pytest.fixture(scope="module")
def inline(two_groups):
    return run(two_groups)


# ---- validation ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("grid", "seeds", "fragment"),
    [
        ((("colour", ("red",)),), 1, "unknown grid key 'colour'"),
        ((("norm", ()),), 1, "grid key 'norm' has no values"),
        ((("seed", (1, 2)),), 1, "grid key 'seed' cannot vary: use --seeds"),
        ((("csv_path", ("a.csv",)),), 1, "grid key 'csv_path' cannot vary"),
        ((("norm", ("none",)), ("norm", ("bn_after",))), 1, "grid key 'norm' is given twice"),
        (
            (("lr", tuple(0.001 * (i + 1) for i in range(52))),),
            5,
            "52 configurations × 5 seeds = 260 runs; at most 256",
        ),
        ((("norm", ("none",)),), 0, "seeds=0: expected an integer in [1, 256]"),
        ((("norm", ("none",)),), 257, "seeds=257"),
        ((("batch_size", (1, 32)),), 1, "batch_size=1 with norm=bn_before: batch norm needs at least 2 rows"),
        ((("lr", (0.1, -1.0)),), 1, "lr=-1: expected a number in (0, 10]"),
    ],
)
def test_a_sweep_refuses_bad_input_with_one_clear_line(grid, seeds, fragment):
    with pytest.raises(ConfigError) as caught:
        Sweep(BASE.replace(norm="bn_before"), grid, seeds)
    message = str(caught.value)
    assert fragment in message and "\n" not in message


def test_seeds_beyond_the_largest_seed_are_refused_when_the_sweep_is_made():
    with pytest.raises(ConfigError, match="seed=2147483648"):
        Sweep(BASE.replace(seed=2**31 - 1), (("norm", ("none",)),), seeds=2)
    assert len(Sweep(BASE.replace(seed=2**31 - 2), (("norm", ("none",)),), seeds=2).members()) == 2


def test_exactly_the_limit_is_allowed():
    sweep = Sweep(BASE, (("lr", tuple(0.001 * (i + 1) for i in range(64))),), seeds=4)
    assert len(sweep.members()) == MAX_MEMBERS == 256


@pytest.mark.parametrize(
    ("item", "fragment"),
    [
        ("colour=red", "unknown key 'colour'"),
        ("norm=", "key 'norm' has no values"),
        ("skew=", "key 'skew' has no values"),
        ("hidden=", "key 'hidden' has no values"),
        ("norm", "expected KEY=VALUE"),
        ("=none", "expected KEY=VALUE"),
        ("norm=none,,bn_after", "an empty value; separate values with ','"),
        ("hidden=8,8|", "an empty value; separate values with '|'"),
        ("norm=sideways", "norm=sideways: expected one of none, bn_before, bn_after"),
        ("lr=fast", "lr='fast'"),
        ("hidden=8,x", "hidden='8,x'"),
    ],
)
def test_grid_items_that_cannot_be_read_raise_one_line(item, fragment):
    with pytest.raises(ConfigError) as caught:
        Sweep.parse(BASE, [item])
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("item", "parsed"),
    [
        ("norm=none,bn_before,bn_after", ("norm", ("none", "bn_before", "bn_after"))),
        ("lr=0.1, 0.01", ("lr", (0.1, 0.01))),
        ("n-samples=200,300", ("n_samples", (200, 300))),
        ("batch_size=16,32,16", ("batch_size", (16, 32))),  # repeats once
        ("hidden=8,8|16", ("hidden", ((8, 8), (16,)))),
        ("hidden=8,8", ("hidden", ((8, 8),))),  # a single value keeps its commas
        (
            "skew=none|0:scale:1000|0,1:lognormal:1.5;1:shift:5",
            ("skew", ("", "0:scale:1000", "0,1:lognormal:1.5;1:shift:5")),
        ),
        ("skew=none", ("skew", ("",))),
        ("scaler=none|standard", ("scaler", ("none", "standard"))),
    ],
)
def test_grid_items_parse(item, parsed):
    assert parse_grid_item(item) == parsed


def test_configurations_members_and_labels():
    sweep = Sweep.parse(BASE.replace(seed=10), ["scaler=none,standard", "hidden=8|4,4"], seeds=2)
    assert sweep.keys == ["scaler", "hidden"]
    assert sweep.configurations() == [
        {"scaler": "none", "hidden": (8,)},
        {"scaler": "none", "hidden": (4, 4)},
        {"scaler": "standard", "hidden": (8,)},
        {"scaler": "standard", "hidden": (4, 4)},
    ]
    members = sweep.members()
    assert [(m.index, m.seed) for m in members] == [(i, s) for i in range(4) for s in (10, 11)]
    assert all(m.config.seed == m.seed for m in members)
    assert members[3].config == BASE.replace(scaler="none", hidden=(4, 4), seed=11)
    assert sweep.label(1) == "scaler=none, hidden=4,4"
    assert Sweep.parse(BASE, ["skew=none|0:scale:10"]).label(0) == "skew=none"
    assert len(sweep.groups()) == 2  # by hidden; scalers and seeds stack


# ---- summaries -----------------------------------------------------------------------------------
def _order(run: RunResult) -> tuple[int, int]:
    return run.index, run.seed


def _median_seed(runs: list[RunResult], index: int) -> int:
    mine = sorted((r.final["test_accuracy"], r.seed) for r in runs if r.index == index and not r.diverged)
    return mine[(len(mine) - 1) // 2][1]


def _fake(index: int, seed: int, accuracy: float | None, diverged: bool = False) -> RunResult:
    curve = [] if accuracy is None else [{"epoch": 1, "train_loss": 1 - accuracy, "test_loss": 2 - accuracy,
                                          "test_accuracy": accuracy}]  # fmt: skip
    return RunResult(index, seed, BASE.replace(seed=seed), "classification", curve, diverged)


def test_summary_counts_every_seed_and_computes_statistics_over_those_that_did_not_diverge():
    sweep = Sweep(BASE, (("scaler", ("none", "standard")),), seeds=5)
    runs = [
        _fake(0, 0, 0.6),
        _fake(0, 1, 0.1, diverged=True),  # its last finite epoch must not pull the statistics down
        _fake(0, 2, 0.7),
        _fake(0, 3, None, diverged=True),  # diverged in the first epoch: no curve at all
        _fake(0, 4, 0.8),
        *(_fake(1, s, None, diverged=True) for s in range(5)),
    ]
    none, standard = summarize(sweep, runs)
    assert (none["n"], none["n_diverged"]) == (5, 2)
    assert none["metric"] == {"name": "test_accuracy", **stats.summarize([0.6, 0.7, 0.8])}
    assert none["metric"]["median"] == pytest.approx(0.7)
    assert none["test_loss"] == stats.summarize([1.4, 1.3, 1.2])
    assert (standard["n"], standard["n_diverged"]) == (5, 5)  # reported, not dropped
    assert standard["metric"] == {"name": "test_accuracy", "median": None, "mean": None, "ci95_low": None,
                                  "ci95_high": None}  # fmt: skip
    assert none["config"] == {"scaler": "none"} and standard["config"] == {"scaler": "standard"}


def test_a_real_sweep_with_a_diverging_configuration():
    base = Config(n_samples=300, hidden=(8, 8), epochs=3, optimizer="sgd", norm="none", activation="linear")
    result = run(Sweep(base, (("lr", (0.05, 2.0)),), seeds=3))
    calm, wild = result.summary
    assert (calm["n"], calm["n_diverged"]) == (3, 0) and calm["metric"]["median"] is not None
    assert (wild["n"], wild["n_diverged"]) == (3, 3) and wild["metric"]["median"] is None
    diverged = [r for r in result.runs if r.diverged]
    assert len(diverged) == 3 and all(r.config.lr == 2.0 and r.message for r in diverged)
    report = result.to_json()
    json.dumps(report, allow_nan=False)
    assert [r["diverged"] for r in report["runs"]] == [False] * 3 + [True] * 3
    assert all(r["message"].startswith("diverged at epoch") for r in report["runs"][3:])


# ---- the JSON ------------------------------------------------------------------------------------
def test_json_has_the_issue_schema(two_groups, inline):
    report = json.loads(json.dumps(inline.to_json(), allow_nan=False))
    assert set(report) == {"runs", "summary"}
    assert len(report["runs"]) == 12 and len(report["summary"]) == 4
    for run_json in report["runs"]:
        assert set(run_json) == RUN_KEYS  # a message only when diverged
        assert set(run_json["config"]) == set(Config().to_dict())  # the full config
        assert run_json["config"]["seed"] == run_json["seed"]
        assert set(run_json["final"]) == _train_final_keys(BASE)  # the shape of train --json's final
        assert set(run_json["final"]) >= {"epochs_run", "train_loss", "test_loss", "test_accuracy"}
        assert run_json["final"]["epochs_run"] == 3 and run_json["diverged"] is False
        assert [p["epoch"] for p in run_json["curve"]] == [1, 2, 3]
        for point in run_json["curve"]:
            assert set(point) == {"epoch", "train_loss", "test_loss", "test_accuracy"}
        assert run_json["final"]["test_loss"] == run_json["curve"][-1]["test_loss"]
    assert [(r["config"]["norm"], r["config"]["scaler"], r["seed"]) for r in report["runs"]] == [
        (norm, scaler, seed) for norm in ("none", "bn_before") for scaler in ("none", "standard") for seed in range(3)
    ]
    for row, overrides in zip(report["summary"], two_groups.configurations(), strict=True):
        assert set(row) >= SUMMARY_KEYS
        assert row["config"] == overrides  # the grid's keys only
        assert (row["n"], row["n_diverged"], row["interval"]) == (3, 0, "bootstrap")
        assert set(row["metric"]) == STAT_KEYS | {"name"} and row["metric"]["name"] == "test_accuracy"
        assert set(row["test_loss"]) == STAT_KEYS
        mine = [r for r in report["runs"] if all(r["config"][k] == v for k, v in overrides.items())]
        finals = [r["final"]["test_accuracy"] for r in mine]
        assert row["metric"]["median"] == pytest.approx(float(np.median(finals)))
        assert row["metric"]["mean"] == pytest.approx(float(np.mean(finals)))
        assert row["metric"]["ci95_low"] <= row["metric"]["median"] <= row["metric"]["ci95_high"]


def test_regression_names_its_metric_test_r2():
    base = Config(dataset="regression", n_features=3, n_samples=200, hidden=(8, 8), epochs=2)
    report = run(Sweep(base, (("norm", ("none", "bn_after")),), seeds=2)).to_json()
    assert {row["metric"]["name"] for row in report["summary"]} == {"test_r2"}
    assert all(set(r["final"]) == _train_final_keys(base) for r in report["runs"])
    assert all(set(r["final"]) >= {"epochs_run", "train_loss", "test_loss", "test_r2"} for r in report["runs"])
    assert all("test_r2" in point for r in report["runs"] for point in r["curve"])


def test_hidden_in_the_summary_config_is_written_as_in_the_runs():
    report = run(Sweep.parse(BASE.replace(epochs=1), ["hidden=8|4,4"])).to_json()
    assert [row["config"] for row in report["summary"]] == [{"hidden": [8]}, {"hidden": [4, 4]}]
    assert [r["config"]["hidden"] for r in report["runs"]] == [[8], [4, 4]]


def test_each_run_equals_the_single_run_trainer(inline):
    for result in inline.runs[::5]:
        trainer = Trainer(result.config)
        trainer.advance(epochs=result.config.epochs)
        single = trainer.report()["final"]
        assert set(result.final) == set(single)
        for key, value in single.items():
            assert result.final[key] == pytest.approx(value, rel=1e-4), key


def test_runs_are_deterministic(two_groups, inline):
    assert _without_seconds(run(two_groups).to_json()) == _without_seconds(inline.to_json())


def test_progress_is_reported_per_group(two_groups):
    calls = []
    run(
        Sweep(BASE.replace(epochs=1), two_groups.grid, seeds=1),
        on_progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 2), (2, 2)]


# ---- median-seed layers --------------------------------------------------------------------------
def test_the_median_seed_of_each_configuration_carries_its_layer_statistics(two_groups, inline):
    assert all(r.layers is None for r in inline.runs)  # the CLI's run() needs none: not computed
    runs = sorted((r for g in two_groups.groups() for r in train_group(g, with_layers=True)), key=_order)
    assert [r.curve for r in runs] == [r.curve for r in inline.runs]
    for index in range(len(two_groups.configurations())):
        mine = [r for r in runs if r.index == index]
        with_layers = [r for r in mine if r.layers is not None]
        assert len(with_layers) == 1
        chosen = with_layers[0]
        ranked = sorted(r.final["test_accuracy"] for r in mine)
        assert chosen.final["test_accuracy"] == ranked[(len(ranked) - 1) // 2]
        order = ["linear", "act"] if chosen.config.norm == "none" else ["linear", "norm", "act"]
        assert [layer["order"] for layer in chosen.layers] == [order, order]
        # the statistics are that member's own: the Trainer of its config and seed measures the same at the end
        trainer = Trainer(chosen.config)
        trainer.advance(epochs=chosen.config.epochs)
        for ours, theirs in zip(chosen.layers, trainer.records[-1]["layers"], strict=True):
            assert ours["width"] == theirs["width"] == 8
            assert list(ours["stages"]) == order
            for stage in order:
                for key in ("mean", "std", "p50", "frac_dead"):
                    assert ours["stages"][stage][key] == pytest.approx(theirs["stages"][stage][key], rel=1e-3, abs=1e-5)


def test_median_member_ignores_diverged_runs_and_takes_the_lower_middle():
    runs = [_fake(0, 0, 0.9), _fake(0, 1, 0.99, diverged=True), _fake(0, 2, 0.5), _fake(0, 3, 0.7), _fake(0, 4, 0.8)]
    assert median_member(runs) == 3  # 0.5, 0.7, 0.8, 0.9: the lower middle is 0.7
    assert median_member(runs[:3]) in (0, 2) and median_member([runs[1]]) is None


# ---- live, a slice at a time ---------------------------------------------------------------------
def test_a_live_sweep_advanced_in_slices_equals_run(two_groups, inline):
    live = LiveSweep(two_groups)
    assert not live.done and live.progress == 0 and live.runs() == []
    slices = 0
    while not live.done:
        live.advance(seconds=0.002)
        slices += 1
        if not live.done:
            assert all(r.layers is None for r in live.runs())
            so_far = [(r.index, r.seed, r.curve) for r in sorted(live.runs(), key=_order)]
            assert [(r.index, r.seed, r.curve) for r in live.result().runs] == so_far
        assert slices < 10_000
    assert slices > 3  # it really went in slices
    assert live.progress == 1.0 and live.finished is not None
    result = live.result()
    assert result is live.result()  # kept once done
    assert _without_seconds(result.to_json()) == _without_seconds(inline.to_json())
    assert [r.curve for r in result.runs] == [r.curve for r in inline.runs]
    assert sum(r.layers is not None for r in result.runs) == 4  # median-seed layers once done
    assert all(r.layers is not None for r in result.runs if r.seed == _median_seed(result.runs, r.index))


def test_a_live_sweep_shows_partial_curves_while_training(two_groups):
    # 30 epochs, not 3: a slice of two_groups' 3 epochs (18 steps of tiny nets) can finish a group outright
    live = LiveSweep(Sweep(BASE.replace(epochs=30), two_groups.grid, seeds=two_groups.seeds))
    live.advance(seconds=0.01)  # the first slice prepares the data
    while live.progress == 0:
        live.advance(seconds=0.01)
    partial = live.runs()
    assert len(partial) == 12 and 0 < live.progress < 1
    assert any(len(r.curve) < 30 for r in partial)  # a curve still growing


def test_a_live_sweep_whose_members_all_diverge_still_finishes_at_full_progress():
    base = Config(n_samples=300, hidden=(8, 8), epochs=4, optimizer="sgd", norm="none", activation="linear")
    live = LiveSweep(Sweep(base, (("lr", (2.0,)),), seeds=3))  # one group, every member diverges early
    while not live.done:
        live.advance(seconds=0.05)
    assert live.progress == 1.0
    result = live.result()
    assert [(row["n"], row["n_diverged"]) for row in result.summary] == [(3, 3)]
    assert all(r.diverged and len(r.curve) < 4 for r in result.runs)


# ---- cutting groups for idle workers --------------------------------------------------------------
LARGE_GROUP = Sweep(BASE, (("lr", (0.001, 0.003, 0.01, 0.03)), ("scaler", ("none", "standard", "robust"))), seeds=3)


@pytest.mark.parametrize(("slots", "sizes"), [(1, [36]), (2, [18, 18]), (3, [12, 12, 12]), (8, [9, 9, 9, 9])])
def test_a_large_group_is_cut_into_near_equal_parts_for_idle_workers(slots, sizes):
    parts = LARGE_GROUP.groups(slots)
    assert [len(part) for part in parts] == sizes  # never below MIN_PART_MEMBERS (8), so 8 slots get 4 parts
    assert [m for part in parts for m in part] == LARGE_GROUP.members()  # each run once, in order


def test_small_groups_are_not_cut(two_groups):
    assert [len(g) for g in two_groups.groups(2)] == [6, 6]  # 12 runs: parts of 6 would fall below 8
    assert [len(g) for g in two_groups.groups(16)] == [6, 6]


@pytest.mark.parametrize("norm", ["none", "bn_before"])
def test_a_runs_results_do_not_depend_on_the_part_it_is_trained_in(norm):
    sweep = Sweep(BASE.replace(norm=norm), LARGE_GROUP.grid, seeds=2)
    (group,) = sweep.groups()
    whole = {(r.index, r.seed): r.to_json() for r in train_group(group)}
    for parts in (sweep.groups(3), [group[i::5] for i in range(5)]):  # near-equal parts, and interleaved ones
        cut = {(r.index, r.seed): r.to_json() for part in parts for r in train_group(part)}
        assert cut == whole  # bit for bit: each member's arithmetic is its own


def test_the_training_time_estimate_grows_with_runs_epochs_and_width():
    small = Sweep(BASE, (("lr", (0.001, 0.01)),))
    assert 0 < small.estimated_seconds() < 1  # 2 runs × 3 epochs of 180 rows: well under a second
    assert Sweep(BASE.replace(epochs=30), small.grid).estimated_seconds() == pytest.approx(
        10 * small.estimated_seconds()
    )
    assert Sweep(BASE.replace(hidden=(256, 256)), small.grid).estimated_seconds() > small.estimated_seconds()
    assert LARGE_GROUP.estimated_seconds() > small.estimated_seconds()


# ---- executors -----------------------------------------------------------------------------------
def test_executor_for_picks_this_thread_when_processes_would_not_help(two_groups, monkeypatch):
    monkeypatch.delenv(executors.SCHEDULER_ENV, raising=False)
    monkeypatch.setattr(executors, "cores", lambda: 2)
    with executors.executor_for(two_groups) as executor:
        assert executor is None  # two groups, but a second's training: starting processes would cost more
    with executors.executor_for(two_groups, workers=1) as executor:
        assert executor is None
    with executors.executor_for(Sweep(BASE, (("scaler", ("none", "standard")),)), workers=2) as executor:
        assert executor is None  # one group of two runs: nothing to share
    with pytest.raises(executors.ExecutorError, match="--workers 0"), executors.executor_for(two_groups, workers=0):
        pass


def test_a_long_sweep_gets_local_processes_without_asking(two_groups, monkeypatch):
    monkeypatch.delenv(executors.SCHEDULER_ENV, raising=False)
    monkeypatch.setattr(executors, "cores", lambda: 2)
    monkeypatch.setattr(executors, "POOL_WORTH_SECONDS", 0.0)  # as if the sweep were long
    monkeypatch.setattr(executors, "local_processes", lambda workers: _named_pool(workers))
    with executors.executor_for(two_groups) as executor:
        assert executor == ("pool", 2)


@contextlib.contextmanager
def _named_pool(workers: int):
    yield ("pool", workers)


def test_local_processes_give_exactly_the_inline_results(two_groups, inline, monkeypatch):
    monkeypatch.delenv(executors.SCHEDULER_ENV, raising=False)
    monkeypatch.setattr(executors, "cores", lambda: 2)  # at least two, whatever this machine has
    assert len(two_groups.groups(2)) == 2
    with executors.executor_for(two_groups, workers=2) as executor:  # asked for: processes, however short
        assert executor is not None and executors.slots(executor) == 2
        pooled = run(two_groups, executor)
        assert _without_seconds(pooled.to_json()) == _without_seconds(inline.to_json())
        # one large group, cut in two: both processes train a part of it
        progress = []
        cut = run(LARGE_GROUP, executor, lambda done, total: progress.append((done, total)))
        assert progress == [(1, 2), (2, 2)]
        assert _without_seconds(cut.to_json()) == _without_seconds(run(LARGE_GROUP).to_json())
        # the page's non-blocking collector over the same executor
        collector = PooledSweep(two_groups, executor)
        while not collector.done:
            collector.advance(seconds=0.05)  # only collects: never blocks
            time.sleep(0.05)
        assert collector.error == "" and collector.progress == 1.0
        pooled = collector.result()
        assert _without_seconds(pooled.to_json()) == _without_seconds(inline.to_json())
        assert sum(r.layers is not None for r in pooled.runs) == 4  # the page draws the median seed's histograms


def test_a_live_sweep_prepares_its_groups_a_slice_at_a_time():
    live = LiveSweep(Sweep.parse(BASE, ["norm=none,bn_before,bn_after", "hidden=8|4"]))  # six groups
    live.advance(seconds=0.0)
    assert sum(g.built for g in live.groups) == 1  # the first call prepared one group, not all six
    while not live.done:
        live.advance(seconds=0.05)
    assert all(g.built for g in live.groups) and len(live.result().runs) == 6
