import json
import math
import subprocess
import sys

import numpy as np
import pytest
from scipy import stats

from explorer.cli import format_description, main
from explorer.config import SCALERS, Config
from explorer.data.pipeline import prepare
from explorer.runs.describe import STAGES, default_features, describe, feature_stats

CONTRACT_KEYS = {"feature", "mean", "std", "skew", "kurtosis", "min", "max"}


@pytest.fixture(scope="module")
def scaled_1000():
    """Moons with feature 0 × 1000, standardized; with every scaler's κ."""
    return describe(Config(skew="0:scale:1000", scaler="standard"))


def test_report_has_the_contract_keys(scaled_1000):
    assert set(scaled_1000["stages"]) == set(STAGES)
    for rows in scaled_1000["stages"].values():
        assert [row["feature"] for row in rows] == ["x0", "x1"]
        assert all(set(row) >= CONTRACT_KEYS for row in rows)
    assert isinstance(scaled_1000["condition_number"], float)
    assert isinstance(scaled_1000["predicted_gd_iterations"], float)
    assert len(scaled_1000["eigenvalues"]) == 3  # two features and the bias
    json.dumps(scaled_1000, allow_nan=False)


def test_statistics_are_those_of_the_training_rows():
    prepared = prepare(Config(skew="0:lognormal:1"))
    report = describe(prepared.config, prepared, compare_scalers=False)
    raw = prepared.raw[prepared.train_idx, 0]
    row = report["stages"]["raw"][0]
    assert row["mean"] == pytest.approx(raw.mean()) and row["std"] == pytest.approx(raw.std())
    assert row["skew"] == pytest.approx(stats.skew(raw)) and row["kurtosis"] == pytest.approx(stats.kurtosis(raw))
    assert row["within_half_std"] == pytest.approx(np.mean(np.abs(raw - raw.mean()) <= 0.5 * raw.std()))
    assert report["stages"]["scaled"][0]["mean"] == pytest.approx(prepared.X_train[:, 0].mean(), abs=1e-12)


def test_a_standardized_feature_can_be_far_from_gaussian():
    report = describe(Config(skew="0:lognormal:1.5", scaler="standard"), compare_scalers=False)
    x0 = report["stages"]["scaled"][0]
    assert x0["mean"] == pytest.approx(0, abs=1e-9) and x0["std"] == pytest.approx(1)
    assert x0["skew"] > 2 and x0["kurtosis"] > 3 and x0["normality_p"] < 1e-10
    assert any("Normalised is not normal" in note for note in report["notes"])


def test_a_gaussian_feature_passes_the_checks():
    values = np.random.default_rng(0).normal(size=(4000, 1))
    (row,) = feature_stats(values, ["z"])
    assert abs(row["skew"]) < 0.15 and abs(row["kurtosis"]) < 0.3 and row["normality_p"] > 0.001
    assert row["within_half_std"] == pytest.approx(0.383, abs=0.03)


def test_minmax_with_outliers_leaves_a_tiny_std():
    report = describe(Config(skew="all:outliers:0.01", scaler="minmax"), compare_scalers=False)
    for row in report["stages"]["scaled"]:
        assert row["min"] == 0 and row["max"] == 1 and row["std"] < 0.1
    assert any("squeeze" in note for note in report["notes"])


def test_a_scale_skew_changes_scale_not_shape(scaled_1000):
    raw, skewed = scaled_1000["stages"]["raw"][0], scaled_1000["stages"]["skewed"][0]
    assert skewed["std"] == pytest.approx(1000 * raw["std"])
    assert skewed["skew"] == pytest.approx(raw["skew"], abs=1e-9)
    assert skewed["kurtosis"] == pytest.approx(raw["kurtosis"], abs=1e-9)


def test_scaling_fixes_the_conditioning_that_a_large_feature_breaks(scaled_1000):
    by_scaler = {row["scaler"]: row for row in scaled_1000["by_scaler"]}
    assert set(by_scaler) == set(SCALERS)
    assert by_scaler["none"]["condition_number"] > 1e5
    assert by_scaler["standard"]["condition_number"] < 10
    assert by_scaler["standard"]["condition_number"] == pytest.approx(scaled_1000["condition_number"])
    assert scaled_1000["predicted_gd_iterations"] < 100


def test_a_singular_h_is_reported_as_null_with_effective_values():
    report = describe(Config(dataset="digits"))  # four pixels are always 0
    assert report["singular"] and report["rank"] == report["n_parameters"] - 4
    assert report["condition_number"] is None and report["predicted_gd_iterations"] is None
    assert math.isfinite(report["effective_condition_number"])
    assert any(note.startswith("H is singular") and "pixel_0_0" in note for note in report["notes"])
    box_cox = next(row for row in report["by_scaler"] if row["scaler"] == "box_cox")
    assert "constant" in box_cox["error"]  # a scaler that cannot take this data is reported, not raised
    json.dumps(report, allow_nan=False)
    assert all(row["skew"] is None for row in report["stages"]["raw"] if row["std"] == 0)


def test_default_features_put_skewed_first_and_constant_last():
    config = Config(dataset="digits", skew="5:lognormal:1;9:scale:10")
    assert default_features(config, 64, 4, constant=(0, 1)) == [5, 9, 2, 3]
    assert default_features(Config(), 2, 4) == [0, 1]


def test_format_description_is_a_table(scaled_1000):
    text = format_description(scaled_1000)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("stage"))
    assert all(word in header for word in ("mean", "std", "skew", "ex.kurt", "normal p"))
    assert sum(line.startswith(stage) for line in lines for stage in STAGES) == 6
    assert "κ = λmax/λmin" in text and "GD steps to shrink 1000×" in text
    assert any(line.strip().startswith("standard") and line.endswith("←") for line in lines)


# ---- the CLI ---------------------------------------------------------------------------------
def test_cli_describe_json(capsys):
    assert main(["describe", "--skew", "0:scale:1000", "--scaler", "none", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert {"stages", "condition_number", "predicted_gd_iterations"} <= set(report)
    assert report["condition_number"] > 1e5
    assert report["predicted_gd_iterations"] == pytest.approx(report["condition_number"] * math.log(1000), rel=1e-3)
    assert set(report["stages"]["scaled"][0]) >= CONTRACT_KEYS


def test_cli_describe_readable(capsys):
    assert main(["describe", "--dataset", "iris", "--scaler", "minmax"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Iris (bundled), classification")  # the words every page uses for the dataset...
    assert "scaled  petal length (cm)" in out and "minmax (Min-max to [0, 1])" in out  # ...and the scaler


def test_cli_describe_bad_skew_is_one_line(capsys):
    assert main(["describe", "--skew", "9:lognormal:1"]) == 2
    err = capsys.readouterr().err
    assert "feature 9 does not exist" in err and len(err.strip().splitlines()) == 1


def test_python_dash_m_explorer_describe_runs():
    result = subprocess.run(
        [sys.executable, "-m", "explorer", "describe", "--dataset", "wine", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert len(json.loads(result.stdout)["stages"]["raw"]) == 13


def test_the_data_page_describes_heavy_synthetic_data_on_fewer_rows_of_the_same_generator():
    from explorer.runs.describe import MAX_DESCRIBED_VALUES, bounded

    heavy = Config(dataset="classification", n_samples=50_000, n_features=100, seed=3)
    described = bounded(heavy)
    assert described == heavy.replace(n_samples=MAX_DESCRIBED_VALUES // 100)
    assert bounded(Config(n_samples=50_000)) == Config(n_samples=50_000)  # 2 features: 100,000 values
    assert bounded(Config(dataset="digits")) == Config(dataset="digits")  # bundled sets are small
