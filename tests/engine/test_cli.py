import json
import subprocess
import sys

import pytest

from explorer.cli import main


def test_train_json_prints_the_run_report(capsys):
    assert main(["train", "--epochs", "3", "--n-samples", "200", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["final"]["epochs_run"] == 3 and len(report["epochs"]) == 3
    assert report["config"]["n_samples"] == 200


def test_train_summary_is_readable(capsys):
    assert main(["train", "--epochs", "2", "--n-samples", "200", "--norm", "bn_after"]) == 0
    out = capsys.readouterr().out
    assert "test_accuracy" in out and "norm=bn_after" in out
    assert "0      act" in out and "0      norm" in out


@pytest.mark.parametrize("init", ["uniform:0.3", "he_uniform"])
def test_train_takes_the_uniform_inits(init, capsys):
    assert main(["train", "--epochs", "1", "--n-samples", "200", "--init", init, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["config"]["init"] == init


def test_config_file_with_flag_override(tmp_path, capsys):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"dataset": "iris", "epochs": 2, "hidden": [8]}))
    assert main(["train", "--config", str(path), "--epochs", "1", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["config"]["dataset"] == "iris" and report["final"]["epochs_run"] == 1


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["train", "--lr", "abc"], "lr='abc'"),
        (["train", "--hidden", "0"], "hidden=0"),
        (["train", "--no-such-flag", "1"], "unrecognized arguments"),
        (["train", "--config", "/nonexistent.json"], "No such file"),
        (["train", "--skew", "5:lognormal:1"], "feature 5 does not exist"),
        (["train", "--init", "uniform:0"], "init=uniform:0: expected"),
        (["fly"], "invalid choice"),
    ],
)
def test_bad_input_exits_2_with_one_line_and_no_traceback(argv, fragment):
    result = subprocess.run([sys.executable, "-m", "explorer", *argv], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and fragment in result.stderr
    assert "Traceback" not in result.stderr


def test_divergence_exits_1_with_the_reason(capsys):
    argv = ["train", "--scaler", "none", "--skew", "all:scale:1000", "--norm", "none", "--optimizer", "sgd"]
    assert main([*argv, "--lr", "10", "--epochs", "3"]) == 1
    assert "DIVERGED" in capsys.readouterr().out
