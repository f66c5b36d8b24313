"""Synthetic generators, scikit-learn's bundled datasets and user CSVs: nothing is downloaded."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
from sklearn import datasets as skd

from explorer.config import Config, ConfigError

CSV_MAX_BYTES = 20_000_000
CSV_MAX_CLASSES = 50


@dataclass(frozen=True)
class Dataset:
    """Features, target and what kind of learning problem they pose."""

    X: np.ndarray  # float64, (n, d)
    y: np.ndarray  # int64 class labels or float64 targets, (n,)
    task: str  # "classification" | "regression"
    feature_names: tuple[str, ...]
    class_names: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()  # what loading changed that a learner should know (e.g. rows dropped)

    @property
    def n_classes(self) -> int:
        return len(self.class_names)


def _two_arm_spiral(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(n) % 2
    t = np.sqrt(rng.uniform(0, 1, n)) * 3 * np.pi  # sqrt spreads points evenly along the arm
    angle = t + np.pi * y
    X = np.column_stack([t * np.cos(angle), t * np.sin(angle)]) / (3 * np.pi)
    return X + rng.normal(0, noise * 0.25, X.shape), y


def _xor(n: int, noise: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    X = rng.uniform(-1, 1, (n, 2))
    y = ((X[:, 0] > 0) ^ (X[:, 1] > 0)).astype(np.int64)
    return X + rng.normal(0, noise * 0.25, X.shape), y


def _skewed_regression(n: int, d: int, noise: float, rng: np.random.Generator) -> Dataset:
    """Right-skewed (lognormal) features and a target that is linear in them, as incomes and prices often
    are: the case where a Gaussianizing scaler bends a straight relation and hurts a linear model."""
    X = np.exp(0.8 * rng.standard_normal((n, d)))
    signal = X @ rng.normal(0, 1, d)
    y = signal + rng.normal(0, noise * 0.5 * signal.std(), n)
    return Dataset(X, y, "regression", tuple(f"x{i}" for i in range(d)))


def _synthetic(config: Config) -> Dataset:
    n, noise, seed = config.n_samples, config.noise, config.seed
    rng = np.random.default_rng(seed)
    two = ("x0", "x1")
    if config.dataset == "moons":
        X, y = skd.make_moons(n, noise=noise, random_state=seed)
    elif config.dataset == "circles":
        X, y = skd.make_circles(n, noise=noise * 0.5, factor=0.5, random_state=seed)
    elif config.dataset == "xor":
        X, y = _xor(n, noise, rng)
    elif config.dataset == "spiral":
        X, y = _two_arm_spiral(n, noise, rng)
    elif config.dataset == "blobs":
        X, y = skd.make_blobs(n, n_features=config.n_features, centers=3, cluster_std=1 + 2 * noise, random_state=seed)
    elif config.dataset == "classification":
        d = config.n_features
        informative = max(2, d // 2)
        X, y = skd.make_classification(
            n,
            n_features=d,
            n_informative=informative,
            n_redundant=min(d - informative, d // 4),
            flip_y=min(0.5, noise * 0.1),
            random_state=seed,
        )
    elif config.dataset == "skewed_regression":
        return _skewed_regression(n, config.n_features, noise, rng)
    else:  # regression
        d = config.n_features
        X, y, *_ = skd.make_regression(
            n, n_features=d, n_informative=max(1, d // 2), noise=noise * 10, random_state=seed
        )
        return Dataset(X.astype(np.float64), y.astype(np.float64), "regression", tuple(f"x{i}" for i in range(d)))
    d = X.shape[1]
    names = two if d == 2 else tuple(f"x{i}" for i in range(d))
    classes = tuple(str(c) for c in np.unique(y))
    return Dataset(X.astype(np.float64), y.astype(np.int64), "classification", names, classes)


_LOADERS = {
    "iris": skd.load_iris,
    "wine": skd.load_wine,
    "breast_cancer": skd.load_breast_cancer,
    "digits": skd.load_digits,
    "diabetes": skd.load_diabetes,
}


def _bundled(name: str) -> Dataset:
    bunch = _LOADERS[name]()
    names = tuple(str(f) for f in getattr(bunch, "feature_names", [f"x{i}" for i in range(bunch.data.shape[1])]))
    X = np.asarray(bunch.data, dtype=np.float64)
    if name == "diabetes":
        return Dataset(X, np.asarray(bunch.target, dtype=np.float64), "regression", names)
    classes = tuple(str(c) for c in getattr(bunch, "target_names", np.unique(bunch.target)))
    return Dataset(X, np.asarray(bunch.target, dtype=np.int64), "classification", names, classes)


def dropped_note(dropped: int, read: int) -> str:
    """The line every page shows when rows were left out: statistics silently on fewer rows mislead."""
    return f"dropped {dropped:,} of {read:,} rows with missing values (every statistic and run uses the other rows)"


def load_csv(source: str | Path | IO[bytes] | IO[str] | bytes, target: str = "") -> Dataset:
    """A user's CSV: numeric feature columns, and a target (default: the last column).

    The task is classification when the target is text or holds few distinct integers.
    Problems raise ConfigError with one line that says what to fix.
    """
    import pandas as pd

    if isinstance(source, bytes):
        source = io.BytesIO(source)
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"csv_path={str(source)!r}: no such file")
        if path.stat().st_size > CSV_MAX_BYTES:
            raise ConfigError(f"csv_path={str(source)!r}: larger than {CSV_MAX_BYTES // 1_000_000} MB")
    try:
        frame = pd.read_csv(source, nrows=50_000)
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ConfigError(f"could not read the CSV: {first_line}") from None
    if frame.shape[1] < 2 or len(frame) < 10:
        raise ConfigError(f"the CSV needs at least 2 columns and 10 rows; it has {frame.shape[1]} and {len(frame)}")
    target = target or str(frame.columns[-1])
    if target not in frame.columns:
        raise ConfigError(f"target={target!r}: not a column of the CSV (columns: {', '.join(map(str, frame.columns))})")
    features = frame.drop(columns=[target])
    non_numeric = [str(c) for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if non_numeric:
        raise ConfigError(f"the CSV's feature columns must be numeric; not numeric: {', '.join(non_numeric[:5])}")
    read = len(frame)
    frame = frame.dropna()
    if len(frame) < 10:
        raise ConfigError("the CSV has fewer than 10 complete rows (rows with empty cells are dropped)")
    notes = (dropped_note(read - len(frame), read),) if len(frame) < read else ()
    X = frame.drop(columns=[target]).to_numpy(dtype=np.float64)
    column = frame[target]
    numeric = pd.api.types.is_numeric_dtype(column)
    if not np.isfinite(X).all() or (numeric and not np.isfinite(column.to_numpy(dtype=np.float64)).all()):
        raise ConfigError("the CSV holds infinite values (inf); replace or remove those rows")
    integral = numeric and np.all(np.mod(column.to_numpy(dtype=float), 1) == 0)
    if not numeric or (integral and column.nunique() <= CSV_MAX_CLASSES):
        classes, y = np.unique(column.astype(str).to_numpy(), return_inverse=True)
        if len(classes) < 2:
            raise ConfigError(f"target={target!r} has a single class; it needs at least 2")
        names = tuple(map(str, features.columns))
        return Dataset(X, y.astype(np.int64), "classification", names, tuple(classes), notes)
    return Dataset(X, column.to_numpy(dtype=np.float64), "regression", tuple(map(str, features.columns)), (), notes)


def load(config: Config) -> Dataset:
    """The config's dataset, deterministic from its seed."""
    if config.dataset in _LOADERS:
        return _bundled(config.dataset)
    if config.dataset == "csv":
        return load_csv(config.csv_path, config.target)
    return _synthetic(config)
