"""Exports of a run: the report is the CLI's, the CSV is the curve, and the PyTorch script reproduces the run.

The script is run for several configs (data, skews, scalers, norms, optimizers) and its printed metric is
compared with the app's; two of them run as their own process, as a learner would run them, and the rest
in this process (importing torch once keeps the file fast).
"""

from __future__ import annotations

import ast
import contextlib
import csv
import io
import json
import re
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from sklearn.datasets import make_classification

from explorer import cli
from explorer.config import Config
from explorer.core.model import build
from explorer.runs import export
from explorer.runs.training import Trainer

SMALL = {"n_samples": 300, "epochs": 12, "hidden": (16, 16)}
CONFIGS = {
    "moons": Config(**SMALL),
    "skewed_quantile_bn_before_adam": Config(
        **SMALL, skew="0:lognormal:1.5;1:scale:1000;all:outliers:0.02", scaler="quantile_normal",
        norm="bn_before", optimizer="adam", lr=0.003,
    ),
    "diabetes_weight_decay": Config(dataset="diabetes", epochs=12, weight_decay=0.01, batch_size=16, lr=0.005),
    "sigmoid_bn_after": Config(**{**SMALL, "n_samples": 301}, activation="sigmoid", norm="bn_after", batch_size=25),
    "wine_ln_before_he_box_cox": Config(
        dataset="wine", epochs=10, norm="ln_before", init="he", skew="even:heavy_tail:3;odd:discretize:5",
        scaler="box_cox",
    ),
    "spiral_bn_noisy_xavier": Config(**SMALL, dataset="spiral", norm="bn_noisy", init="xavier", optimizer="sgd",
                                     lr=0.1),
    "regression_yeo_johnson_sgd": Config(
        **SMALL, dataset="regression", scaler="yeo_johnson", optimizer="sgd",
        skew="0-3:bimodal:2;4:uniform:0.5;5:shift:50",
    ),
    "xor_leaky_normal_init_minmax": Config(**SMALL, dataset="xor", activation="leaky_relu", init="normal:0.3",
                                           scaler="minmax", norm="ln_after"),
    "circles_tanh_uniform_init": Config(**SMALL, dataset="circles", activation="tanh", init="uniform:0.3"),
    "blobs_leaky_he_uniform": Config(**SMALL, dataset="blobs", activation="leaky_relu", init="he_uniform"),
}  # fmt: skip
OWN_PROCESS = ("moons",)  # run as `python script.py`; csv below is the other one
ALLOWED_IMPORTS = {"math", "sys", "numpy", "scipy", "torch", "sklearn", "pandas"}
TOLERANCE = 0.01


def trained(config: Config) -> Trainer:
    trainer = Trainer(config)
    trainer.advance(epochs=config.epochs)
    return trainer


def printed_metric(stdout: str, name: str) -> float:
    match = re.search(rf"^{name}=(-?[0-9.]+)$", stdout.strip().splitlines()[-1])
    assert match, f"the script's last line is not {name}=…: {stdout[-300:]!r}"
    return float(match.group(1))


def run_in_process(path: Path, argv: list[str] | None = None) -> str:
    """`python path` in this process: stdout captured, torch's thread count and sys.argv restored."""
    threads, old_argv = torch.get_num_threads(), sys.argv
    out = io.StringIO()
    try:
        sys.argv = [str(path), *(argv or [])]
        with contextlib.redirect_stdout(out):
            runpy.run_path(str(path), run_name="__main__")
    finally:
        sys.argv = old_argv
        torch.set_num_threads(threads)
    return out.getvalue()


def run_as_process(path: Path, *argv: str) -> str:
    result = subprocess.run([sys.executable, str(path), *argv], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


@pytest.fixture(scope="module")
def trainers() -> dict[str, Trainer]:
    return {name: trained(config) for name, config in CONFIGS.items()}


@pytest.mark.parametrize("name", list(CONFIGS))
def test_the_script_prints_the_runs_final_metric(name, trainers, tmp_path):
    trainer = trainers[name]
    app = trainer.curve[-1][trainer.metric_name]
    path = tmp_path / f"{export.file_stem(trainer.config)}.py"
    path.write_text(export.pytorch_script(trainer))
    stdout = run_as_process(path) if name in OWN_PROCESS else run_in_process(path)
    script = printed_metric(stdout, trainer.metric_name)
    assert script == pytest.approx(app, abs=TOLERANCE), f"{name}: app {app:.4f}, script {script:.4f}"
    assert len(stdout.splitlines()) > 2  # it shows progress, not just the answer


def test_the_script_imports_only_numpy_scipy_torch_and_sklearn(trainers):
    for name, trainer in trainers.items():
        tree = ast.parse(export.pytorch_script(trainer))
        modules = {
            alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        } | {node.module.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert modules <= ALLOWED_IMPORTS - {"pandas"}, (name, modules)
        assert "explorer" not in export.pytorch_script(trainer)


def test_the_script_is_clean_python_that_ruff_accepts(trainers, tmp_path):
    """A learner reads it: it is formatted and lint-clean under this project's own rules."""
    for name, trainer in trainers.items():
        (tmp_path / f"{name}.py").write_text(export.pytorch_script(trainer))
    ruff = Path(sys.executable).parent / "ruff"
    if not ruff.exists():
        pytest.skip("ruff is not installed beside this Python")
    config = Path(__file__).resolve().parents[2] / "pyproject.toml"
    for command in (["check"], ["format", "--check"]):
        result = subprocess.run([ruff, *command, "--config", config, tmp_path], capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr


def test_the_script_quotes_the_apps_result_and_only_the_skews_it_uses(trainers):
    text = export.pytorch_script(trainers["skewed_quantile_bn_before_adam"])
    assert "def lognormal(" in text and "def outliers(" in text
    assert "def heavy_tail(" not in text and "def bimodal(" not in text  # kinds this config does not use
    assert "bias=False" in text and "nn.BatchNorm1d(16)" in text
    assert re.search(r"the app showed test_accuracy=0\.\d{4}", text)
    plain = export.pytorch_script(trainers["moons"])
    assert "2. skews" in plain and "def reshape(" not in plain


def test_a_csv_run_reads_the_csv_named_on_the_command_line(tmp_path):
    X, y = make_classification(120, n_features=4, n_informative=3, n_redundant=0, random_state=3)
    path = tmp_path / "tiny.csv"
    with path.open("w", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["a", "b", "c", "d", "label"])
        for row, label in zip(X, y, strict=True):
            writer.writerow([*row, ["no", "yes"][label]])  # text classes: sorted as the app sorts them
        writer.writerow(["1.0", "", "2.0", "3.0", "yes"])  # an incomplete row both must drop
    config = Config(dataset="csv", csv_path=str(path), epochs=12, hidden=(8,), skew="0:scale:100", scaler="robust")
    trainer = trained(config)
    script = tmp_path / "run.py"
    script.write_text(export.pytorch_script(trainer))
    assert str(tmp_path) not in script.read_text()  # the server's copy of an upload is not named in it
    stdout = run_as_process(script, str(path))
    assert printed_metric(stdout, "test_accuracy") == pytest.approx(trainer.curve[-1]["test_accuracy"], abs=TOLERANCE)
    missing = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert missing.returncode != 0 and "usage" in missing.stderr


def test_the_report_is_what_the_cli_prints(tmp_path, capsys):
    config = Config(n_samples=200, epochs=3, hidden=(8,))
    trainer = trained(config)
    (tmp_path / "run.json").write_text(config.to_json())
    assert cli.main(["train", "--config", str(tmp_path / "run.json"), "--json"]) == 0
    printed = json.loads(capsys.readouterr().out)
    exported = json.loads(export.report_json(trainer))
    assert exported == printed
    assert exported["final"]["epochs_run"] == 3 and len(exported["epochs"]) == 3


def test_the_csv_has_one_row_per_epoch_with_the_curves_numbers(trainers):
    trainer = trainers["diabetes_weight_decay"]
    rows = list(csv.DictReader(io.StringIO(export.metrics_csv(trainer))))
    assert list(rows[0]) == ["epoch", "train_loss", "train_loss_eval", "test_loss", "test_r2"]
    assert [int(r["epoch"]) for r in rows] == list(range(1, trainer.config.epochs + 1))
    for row, point, record in zip(rows, trainer.curve, trainer.records, strict=True):
        assert float(row["train_loss"]) == point["train_loss"] and float(row["test_r2"]) == point["test_r2"]
        assert float(row["train_loss_eval"]) == record["train_loss_eval"]
        assert float(row["test_loss"]) == point["test_loss"]


@pytest.mark.parametrize("init", ["default", "xavier", "he", "he_uniform", "normal:0.2", "uniform:0.3"])
def test_the_scripts_network_starts_from_the_apps_weights(init):
    """Up to its training section, the script builds the network with exactly the weights `model.build` draws."""
    trainer = Trainer(Config(n_samples=100, epochs=1, hidden=(16, 8), activation="leaky_relu", init=init))
    text = export.pytorch_script(trainer)
    namespace: dict = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(text[: text.index("# ---- 6. ")], "script", "exec"), namespace)
    script = [m for m in namespace["model"] if isinstance(m, torch.nn.Linear)]
    app = build(2, 2, trainer.config)
    for ours, theirs in zip([*(block.linear for block in app.blocks), app.head], script, strict=True):
        assert torch.equal(ours.weight, theirs.weight) and torch.equal(ours.bias, theirs.bias)


def test_file_names_tell_configs_apart():
    stem = export.file_stem(Config())
    assert re.fullmatch(r"normexp-moons-[0-9a-f]{8}", stem)
    assert export.file_stem(Config()) == stem
    assert export.file_stem(Config(lr=0.02)) != stem
    assert export.file_stem(Config(dataset="wine")).startswith("normexp-wine-")


def test_scripts_of_unrun_configs_still_run_to_the_end(tmp_path):
    """Before the first epoch the docstring has no app result to quote, and the script still works."""
    trainer = Trainer(Config(n_samples=100, epochs=2, hidden=(4,)))
    text = export.pytorch_script(trainer)
    assert "the app showed" not in text
    path = tmp_path / "fresh.py"
    path.write_text(text)
    assert 0 <= printed_metric(run_in_process(path), "test_accuracy") <= 1
    assert np.isfinite(printed_metric(run_in_process(path), "test_accuracy"))
