"""`python -m explorer sweep`: JSON schema, seeds, the table, the config file, and exit codes."""

import json
import subprocess
import sys
from types import SimpleNamespace

import pytest

from explorer.cli import format_sweep, main

TINY = ["--n-samples", "240", "--hidden", "8,8", "--epochs", "3", "--workers", "1"]
DIVERGING = ["--optimizer", "sgd", "--norm", "none", "--activation", "linear", "--n-samples", "300"]


def _sweep_json(capsys, *argv: str) -> dict:
    assert main(["sweep", *TINY, *argv, "--json"]) == 0
    captured = capsys.readouterr()
    assert captured.err == ""  # no progress bar when stderr is not a terminal
    return json.loads(captured.out)


def test_json_has_runs_and_summary_in_the_issue_schema(capsys):
    report = _sweep_json(capsys, "--grid", "scaler=none,standard,quantile_normal", "--grid", "norm=none,bn_after",
                         "--seeds", "2")  # fmt: skip
    assert set(report) == {"runs", "summary"}
    assert len(report["runs"]) == 12 and len(report["summary"]) == 6
    for run in report["runs"]:
        assert set(run) == {"config", "seed", "final", "diverged", "curve"}
        assert run["config"]["n_samples"] == 240 and run["config"]["hidden"] == [8, 8]
        assert run["config"]["seed"] == run["seed"] and run["diverged"] is False
        assert set(run["final"]) >= {"epochs_run", "train_loss", "test_loss", "test_accuracy"}
        assert [set(point) for point in run["curve"]] == [{"epoch", "train_loss", "test_loss", "test_accuracy"}] * 3
    configs = [row["config"] for row in report["summary"]]
    assert configs == [{"scaler": s, "norm": n} for s in ("none", "standard", "quantile_normal")
                       for n in ("none", "bn_after")]  # fmt: skip
    for row in report["summary"]:
        assert set(row) >= {"config", "n", "n_diverged", "interval", "metric", "test_loss"}
        assert (row["n"], row["n_diverged"], row["interval"]) == (2, 0, "bootstrap")
        assert set(row["metric"]) == {"name", "median", "mean", "ci95_low", "ci95_high"}
        assert row["metric"]["name"] == "test_accuracy"
        assert set(row["test_loss"]) == {"median", "mean", "ci95_low", "ci95_high"}
        assert row["metric"]["ci95_low"] <= row["metric"]["median"] <= row["metric"]["ci95_high"]


def test_final_has_the_shape_and_numbers_of_train_json(capsys):
    report = _sweep_json(capsys, "--grid", "norm=bn_before", "--seed", "4")
    assert main(["train", *TINY[:-2], "--norm", "bn_before", "--seed", "4", "--json"]) == 0
    single = json.loads(capsys.readouterr().out)
    (run,) = report["runs"]
    assert run["config"] == single["config"]
    assert set(run["final"]) == set(single["final"])  # the same shape
    assert set(run["final"]) >= {"epochs_run", "train_loss", "test_loss", "test_accuracy"}
    for key, value in single["final"].items():
        assert run["final"][key] == pytest.approx(value, rel=1e-4), key


def test_seeds_n_runs_seed_to_seed_plus_n_minus_1(capsys):
    report = _sweep_json(capsys, "--seed", "7", "--seeds", "3", "--grid", "norm=none,bn_before")
    assert [(run["config"]["norm"], run["seed"]) for run in report["runs"]] == [
        ("none", 7), ("none", 8), ("none", 9), ("bn_before", 7), ("bn_before", 8), ("bn_before", 9),
    ]  # fmt: skip
    assert [row["n"] for row in report["summary"]] == [3, 3]


def test_regression_metric_is_test_r2(capsys):
    report = _sweep_json(capsys, "--dataset", "regression", "--n-features", "3", "--grid", "norm=none,bn_before")
    assert [row["metric"]["name"] for row in report["summary"]] == ["test_r2", "test_r2"]
    assert all("test_r2" in run["final"] for run in report["runs"])


def test_base_config_file_with_a_flag_override(tmp_path, capsys):
    path = tmp_path / "base.json"
    path.write_text(json.dumps({"dataset": "circles", "n_samples": 200, "epochs": 5, "lr": 0.05, "hidden": [8]}))
    assert main(["sweep", "--config", str(path), "--epochs", "2", "--grid", "scaler=none,minmax", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for run in report["runs"]:
        assert run["config"]["dataset"] == "circles" and run["config"]["lr"] == 0.05
        assert run["config"]["hidden"] == [8] and run["config"]["n_samples"] == 200
        assert run["config"]["epochs"] == 2 and run["final"]["epochs_run"] == 2  # the flag wins
    assert [run["config"]["scaler"] for run in report["runs"]] == ["none", "minmax"]


def test_grid_values_with_commas_are_separated_by_bars(capsys):
    report = _sweep_json(capsys, "--grid", "hidden=8|4,4", "--grid", "skew=none|0,1:scale:100")
    assert [(run["config"]["hidden"], run["config"]["skew"]) for run in report["runs"]] == [
        ([8], ""), ([8], "0,1:scale:100"), ([4, 4], ""), ([4, 4], "0,1:scale:100"),
    ]  # fmt: skip


def test_the_table_ranks_configurations_and_counts_divergence(capsys):
    argv = ["sweep", *TINY, *DIVERGING, "--grid", "lr=0.05,2", "--grid", "scaler=none,standard", "--seeds", "3"]
    assert main(argv) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("12 runs in ") and "95% bootstrap interval of the median" in lines[0]
    assert lines[1].split() == ["configuration", "test_accuracy", "test_loss", "diverged"]
    rows = lines[2:6]
    labels = [row.split("  ")[0].strip() for row in rows]
    assert sorted(labels) == ["lr=0.05, scaler=none", "lr=0.05, scaler=standard", "lr=2, scaler=none",
                              "lr=2, scaler=standard"]  # fmt: skip
    medians = [float(row.split()[2]) for row in rows[:2]]
    assert medians == sorted(medians, reverse=True)  # best median first
    for row in rows[:2]:
        assert row.endswith("0/3") and "[" in row
    for row in rows[2:]:  # every seed diverged: no statistics, and said so
        assert row.startswith("lr=2") and row.endswith("3/3") and row.split()[2:5] == ["-", "-", "3/3"]


def test_a_sweep_with_diverged_members_exits_0_and_reports_them(capsys):
    assert main(["sweep", *TINY, *DIVERGING, "--grid", "lr=0.05,2", "--seeds", "2", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert [run["diverged"] for run in report["runs"]] == [False, False, True, True]
    assert all("message" in run for run in report["runs"][2:])
    calm, wild = report["summary"]
    assert (calm["n"], calm["n_diverged"]) == (2, 0) and calm["metric"]["median"] is not None
    assert (wild["n"], wild["n_diverged"]) == (2, 2)
    assert wild["metric"]["median"] is None and wild["test_loss"]["median"] is None


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--grid", "colour=red"], "unknown key 'colour'"),
        (["--grid", "norm="], "key 'norm' has no values"),
        (["--grid", "norm=none,,bn_after"], "an empty value"),
        (["--grid", "norm=sideways"], "norm=sideways: expected one of"),
        (["--grid", "seed=1,2"], "grid key 'seed' cannot vary: use --seeds"),
        (["--grid", "batch_size=1,32", "--norm", "bn_before"], "batch norm needs at least 2 rows"),
        (["--grid", "lr=0.1,0.2,0.3", "--seeds", "86"], "3 configurations × 86 seeds = 258 runs; at most 256"),
        (["--grid", "norm=none", "--seeds", "0"], "--seeds 0: expected a positive integer"),
        (["--grid", "norm=none", "--seeds", "many"], "--seeds 'many': expected a positive integer"),
        (["--grid", "norm=none", "--workers", "0"], "--workers 0: expected a positive integer"),
        (["--grid", "norm=none", "--lr", "fast"], "lr='fast'"),
        (["--grid", "norm=none", "--colour", "red"], "unrecognized arguments: --colour"),
        (["--grid", "norm=none", "--config", "/nonexistent/base.json"], "No such file"),
        ([], "give at least one --grid"),
    ],
)
def test_bad_input_exits_2_with_one_line_on_stderr(argv, fragment, capsys):
    try:
        code = main(["sweep", *TINY, *argv])
    except SystemExit as stop:  # argparse's own errors
        code = stop.code
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert captured.err.count("\n") == 1 and captured.err.endswith("\n")
    assert fragment in captured.err, captured.err


def test_bad_input_from_a_real_shell_has_no_traceback():
    argv = [sys.executable, "-m", "explorer", "sweep", "--grid", "norm=", "--seeds", "2"]
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr == "python -m explorer sweep: error: --grid 'norm=': key 'norm' has no values; " \
                            "give at least one, e.g. norm=a,b\n"  # fmt: skip


def test_sweep_help_lists_the_sweep_flags(capsys):
    with pytest.raises(SystemExit) as stop:
        main(["sweep", "--help"])
    assert stop.value.code == 0
    out = capsys.readouterr().out
    for flag in ("--grid", "--seeds", "--workers", "--scheduler", "--json", "--config", "--n-samples"):
        assert flag in out


def _row(label: str, n_diverged: int, median: float | None, low: float | None, high: float | None) -> dict:
    metric = {"name": "test_accuracy", "median": median, "mean": median, "ci95_low": low, "ci95_high": high}
    loss = {"median": None if median is None else 1 - median, "mean": None, "ci95_low": None, "ci95_high": None}
    return {"config": {}, "label": label, "n": 3, "n_diverged": n_diverged, "interval": "bootstrap",
            "metric": metric, "test_loss": loss}  # fmt: skip


def _table(*rows: dict) -> list[str]:
    return format_sweep(SimpleNamespace(summary=list(rows), runs=[None] * 3 * len(rows), seconds=1.0)).splitlines()


def test_the_table_says_when_the_best_two_are_within_seed_noise():
    lines = _table(_row("a", 0, 0.80, 0.70, 0.85), _row("b", 0, 0.90, 0.84, 0.95), _row("c", 0, 0.5, 0.4, 0.6))
    assert [line.split()[0] for line in lines[2:5]] == ["b", "a", "c"]
    assert lines[-1] == "The best two (b; a) overlap: within seed noise."
    lines = _table(_row("a", 0, 0.80, 0.75, 0.82), _row("b", 0, 0.90, 0.84, 0.95))
    assert "overlap" not in lines[-1]


def test_configurations_where_every_seed_diverged_are_never_called_within_seed_noise():
    lines = _table(_row("wild", 3, None, None, None), _row("wilder", 3, None, None, None))
    assert not any("overlap" in line for line in lines)
    lines = _table(_row("calm", 0, 0.9, 0.85, 0.95), _row("wild", 3, None, None, None))
    assert not any("overlap" in line for line in lines)
    assert lines[-1].split() == ["wild", "-", "-", "3/3"]
