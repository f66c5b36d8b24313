"""What the input pipeline does to each feature, stage by stage, and how conditioned the result is.

The report answers "normalised is not normal" with numbers: per-stage moments, the share of values
within ±0.5 std (0.383 for a Gaussian) and a normality test show that a standardized feature can be far
from Gaussian; κ of H = X̃ᵀX̃/n shows what scaling does change, the speed of gradient descent. Every
statistic is taken on the training split, the rows the scaler is fitted on. The same dict feeds the
Data page and `python -m explorer describe --json`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from explorer.config import KEYS, SCALERS, SYNTHETIC_DATASETS, Config, ConfigError, skew_grammar
from explorer.data import datasets
from explorer.data.pipeline import Prepared, load_and_split, prepare, scale
from explorer.data.scaling import DESCRIPTIONS
from explorer.runs import conditioning

STAGES = ("raw", "skewed", "scaled")
GAUSSIAN_WITHIN_HALF_STD = 0.3829  # P(|Z| ≤ 0.5) for a standard normal
STAT_KEYS = ("mean", "std", "skew", "kurtosis", "min", "max", "within_half_std", "normality_p")
MIN_ROWS_FOR_TEST = 20  # D'Agostino-Pearson's kurtosis test is unreliable below this
# The Data page describes synthetic data on at most this many values (rows × features), so a heavy link (50,000
# rows × 100 features, ten skews, box_cox) costs the server's shared process about a second, not a minute.
MAX_DESCRIBED_VALUES = 400_000


def bounded(config: Config) -> Config:
    """The config the Data page describes: `config` itself, or for synthetic data of more than
    MAX_DESCRIBED_VALUES values the same generator and seed with fewer rows (shapes, statistics and conditioning
    barely change; `explorer describe` describes every row). Bundled sets are small; a CSV is uploaded, not linked."""
    shape = datasets.shape(config)
    if config.dataset not in SYNTHETIC_DATASETS or shape is None or shape[0] * shape[1] <= MAX_DESCRIBED_VALUES:
        return config
    return config.replace(n_samples=max(KEYS["n_samples"].bounds[0], MAX_DESCRIBED_VALUES // shape[1]))


def _number(value: float) -> float | None:
    """A JSON-safe float: NaN and ±inf become None (JSON has no such values)."""
    return float(value) if value is not None and math.isfinite(value) else None


def stage_matrices(prepared: Prepared) -> dict[str, np.ndarray]:
    """The training rows at each stage: raw, after the skews, after the scaler."""
    return {
        "raw": prepared.raw[prepared.train_idx],
        "skewed": prepared.skewed[prepared.train_idx],
        "scaled": prepared.X_train,
    }


def stage_feature_names(prepared: Prepared) -> dict[str, tuple[str, ...]]:
    """Column names per stage; PCA whitening outputs components, not the original features."""
    names = prepared.dataset.feature_names
    scaled = names
    if prepared.config.scaler == "pca_whiten":
        scaled = tuple(f"pc{i}" for i in range(prepared.X_train.shape[1]))
    return {"raw": names, "skewed": names, "scaled": scaled}


def feature_stats(X: np.ndarray, names: tuple[str, ...] | list[str]) -> list[dict[str, Any]]:
    """Moments, range, mass near the mean and a normality p-value for each column of X.

    Skewness and excess kurtosis are 0 for a Gaussian; both are undefined (None) for a constant column.
    The p-value is D'Agostino and Pearson's test (scipy.stats.normaltest): small means "not Gaussian".
    With thousands of rows any visible departure gives p ≈ 0, and with few rows little is detectable.
    """
    X = np.asarray(X, dtype=np.float64)
    n = len(X)
    mean, std = X.mean(axis=0), X.std(axis=0)
    mean = np.where(np.abs(mean) <= 1e-12 * np.abs(X).max(axis=0, initial=0.0), 0.0, mean)  # rounding error, not data
    constant = np.ptp(X, axis=0) <= 1e-12 * np.maximum(np.abs(X).max(axis=0), 1e-300)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        skewness = stats.skew(X, axis=0)
        kurt = stats.kurtosis(X, axis=0)
        pvalues = stats.normaltest(X, axis=0).pvalue if n >= MIN_ROWS_FOR_TEST else np.full(X.shape[1], np.nan)
        within = (np.abs(X - mean) <= 0.5 * std).mean(axis=0)
    rows = []
    for j, name in enumerate(names):
        undefined = bool(constant[j])
        rows.append(
            {
                "feature": str(name),
                "mean": _number(mean[j]),
                "std": _number(std[j]),
                "skew": None if undefined else _number(skewness[j]),
                "kurtosis": None if undefined else _number(kurt[j]),
                "min": _number(X[:, j].min()),
                "max": _number(X[:, j].max()),
                "within_half_std": _number(within[j]),
                "normality_p": None if undefined else _number(pvalues[j]),
            }
        )
    return rows


@dataclass(frozen=True)
class ScalerOutcome:
    """One scaler applied to the current data: its scaled training rows and their conditioning."""

    scaler: str
    X_train: np.ndarray | None
    conditioning: conditioning.Conditioning | None
    error: str = ""

    def summary(self) -> dict[str, Any]:
        c = self.conditioning
        if c is None:
            return {"scaler": self.scaler, "error": self.error}
        return {
            "scaler": self.scaler,
            "condition_number": _number(c.condition_number),
            "effective_condition_number": _number(c.effective_condition_number),
            "predicted_gd_iterations": _number(c.predicted_iterations),
            "singular": c.singular,
        }


def scaler_outcomes(config: Config, dataset: datasets.Dataset | None = None) -> list[ScalerOutcome]:
    """Every scaler on the config's data (same rows, skews and split), for side-by-side comparison.

    A scaler that cannot handle this data (e.g. Box-Cox on constant features) gets its error, not a crash.
    """
    unscaled = load_and_split(config, dataset)  # once: skews and split are the same for every scaler
    outcomes = []
    for scaler in SCALERS:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # e.g. power transforms overflowing on outliers
                prepared = scale(unscaled, scaler)
        except ConfigError as err:
            outcomes.append(ScalerOutcome(scaler, None, None, str(err)))
            continue
        outcomes.append(ScalerOutcome(scaler, prepared.X_train, conditioning.analyse(prepared.X_train)))
    return outcomes


def prepared_and_report(config_json: str) -> tuple[Prepared, dict[str, Any]]:
    """The Data page's first work for a config: its data at every stage and its report (the config's own
    scaler). By name, so a helper process can run it."""
    config = Config.from_json(config_json)
    prepared = prepare(config)
    return prepared, describe(config, prepared, compare_scalers=False)


def every_scaler(config_json: str) -> list[ScalerOutcome]:
    """`scaler_outcomes` of a config given as JSON (by name, for a helper process)."""
    return scaler_outcomes(Config.from_json(config_json))


def default_features(config: Config, n_features: int, k: int = 4, constant: tuple[int, ...] = ()) -> list[int]:
    """Which features to show first: those the skews touch, then the rest; constant ones last."""
    touched: list[int] = []
    for item in skew_grammar.parse_skew(config.skew):
        touched.extend(j for j in item.columns(n_features) if j not in touched)
    order = touched + [j for j in range(n_features) if j not in touched]
    order = [j for j in order if j not in constant] + [j for j in order if j in constant]
    return order[:k]


def _notes(prepared: Prepared, scaled: list[dict[str, Any]], spectrum: conditioning.Conditioning) -> list[str]:
    """Plain-language findings a learner should not miss."""
    notes = list(prepared.notes)
    far = [
        f"{row['feature']} (skew {row['skew']:.2g}, excess kurtosis {row['kurtosis']:.2g})"
        for row in scaled
        if row["skew"] is not None and (abs(row["skew"]) >= 1 or abs(row["kurtosis"]) >= 3)
    ]
    if far:
        shown = ", ".join(far[:4]) + (f" and {len(far) - 4} more" if len(far) > 4 else "")
        notes.append(f"after scaling, still far from Gaussian: {shown}. Normalised is not normal.")
    squeezed = [
        f"{row['feature']} (std {row['std']:.2g} over a range of {row['max'] - row['min']:.3g})"
        for row in scaled
        if row["skew"] is not None and row["std"] < 0.08 * (row["max"] - row["min"])
    ]
    if squeezed:
        shown = ", ".join(squeezed[:4]) + (f" and {len(squeezed) - 4} more" if len(squeezed) > 4 else "")
        notes.append(f"a few extreme values squeeze the rest into a small part of the range: {shown}")
    stds = [row["std"] for row in scaled if row["skew"] is not None and row["std"]]
    if len(stds) > 1 and max(stds) / min(stds) > 100:
        notes.append(f"after scaling, feature stds still differ by a factor of {max(stds) / min(stds):.3g}")
    if spectrum.singular:
        notes.append(spectrum.explain_singular(stage_feature_names(prepared)["scaled"]))
    elif spectrum.condition_number > 1e12:
        notes.append(
            f"κ = {spectrum.condition_number:.3g}: H is numerically almost singular (nearly dependent features)"
        )
    return notes


def describe(config: Config, prepared: Prepared | None = None, *, compare_scalers: bool = True) -> dict[str, Any]:
    """The Data page's numbers as a JSON-safe dict: per-stage feature stats, conditioning, notes.

    `condition_number` and `predicted_gd_iterations` are None (JSON null) when H is singular, i.e.
    infinite; the `effective_*` keys then give the values over the directions with curvature.
    """
    prepared = prepared or prepare(config)
    matrices = stage_matrices(prepared)
    names = stage_feature_names(prepared)
    stages = {stage: feature_stats(matrices[stage], names[stage]) for stage in STAGES}
    spectrum = conditioning.analyse(prepared.X_train)
    report: dict[str, Any] = {
        "config": config.to_dict(),
        "task": prepared.task,
        "n_train": len(prepared.train_idx),
        "n_test": len(prepared.test_idx),
        "features": list(prepared.dataset.feature_names),
        "scaler_description": DESCRIPTIONS[config.scaler],
        "stages": stages,
        "condition_number": _number(spectrum.condition_number),
        "predicted_gd_iterations": _number(spectrum.predicted_iterations),
        "singular": spectrum.singular,
        "rank": spectrum.rank,
        "n_parameters": spectrum.n_parameters,
        "effective_condition_number": _number(spectrum.effective_condition_number),
        "effective_predicted_gd_iterations": _number(spectrum.effective_predicted_iterations),
        "eigenvalues": [float(v) for v in spectrum.eigenvalues],
        "notes": _notes(prepared, stages["scaled"], spectrum),
    }
    if compare_scalers:
        report["by_scaler"] = [outcome.summary() for outcome in scaler_outcomes(config, prepared.dataset)]
    return report


def verify(report: dict[str, Any], prepared: Prepared, cap: int = conditioning.DEFAULT_CAP) -> dict[str, Any]:
    """Add the Data page's gradient-descent check: steps measured on this data beside the prediction.

    `measured_gd_iterations` counts steps until the error along the slowest direction shrank as much as
    the prediction assumes (None when the run stopped at `cap` first).
    """
    run = conditioning.run_gradient_descent(prepared.X_train, prepared.y_train.astype(np.float64), cap=cap)
    report["measured_gd_iterations"] = run.measured_slowest
    report["gd_verification"] = {
        "kappa": _number(run.kappa),
        "predicted": _number(run.predicted),
        "measured_slowest_direction": run.measured_slowest,
        "measured_distance_to_optimum": run.measured_distance,
        "iterations_run": run.iterations_run,
        "cap": run.cap,
        "capped": run.capped,
        "start": run.start,
        "what": "full-batch gradient descent on linear least squares at step 1/λmax, until the error along "
        "the slowest direction shrank by the factor the prediction uses",
    }
    return report


# ---- readable output -------------------------------------------------------------------
