"""Synthetic generators, scikit-learn's bundled datasets and user CSVs: nothing is downloaded."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING

import numpy as np
from sklearn import datasets as skd

from explorer.config import MAX_SAMPLES, Config, ConfigError

if TYPE_CHECKING:
    import pandas as pd

# A user's CSV: the one place its limits live (the Train sidebar's uploader and every message use these).
CSV_MAX_MB = 20  # Streamlit's MB (server.maxUploadSize, file_uploader's max_upload_size) is 2**20 bytes
CSV_MAX_BYTES = CSV_MAX_MB * 1024 * 1024
CSV_MAX_ROWS = MAX_SAMPLES  # as many as a synthetic dataset may have
CSV_MAX_FEATURES = 200  # after one-hot encoding; separate from config.MAX_FEATURES (synthetic data)
CSV_MAX_CLASSES = 50  # a target with more distinct labels is not a class label
CSV_MAX_CATEGORIES = 50  # a text feature with more distinct values is refused, not one-hot encoded
CSV_MIN_ROWS = 10


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


# (rows, features, outputs) of the bundled sets, so a cost can be estimated without loading them
# (tests/engine/test_datasets.py checks them against the loaders).
BUNDLED_SHAPES = {"iris": (150, 4, 3), "wine": (178, 13, 3), "breast_cancer": (569, 30, 2), "digits": (1797, 64, 10),
                  "diabetes": (442, 10, 1)}  # fmt: skip
TWO_FEATURE_SETS = ("moons", "circles", "xor", "spiral")
SYNTHETIC_OUTPUTS = {"blobs": 3, "regression": 1, "skewed_regression": 1}  # the others: 2 classes


def shape(config: Config) -> tuple[int, int, int] | None:
    """(rows, features, outputs) of `config`'s data, read from the config alone (nothing is generated or
    loaded); None for a CSV, whose shape only its file knows."""
    if config.dataset in BUNDLED_SHAPES:
        return BUNDLED_SHAPES[config.dataset]
    if config.dataset == "csv":
        return None
    features = 2 if config.dataset in TWO_FEATURE_SETS else config.n_features
    return config.n_samples, features, SYNTHETIC_OUTPUTS.get(config.dataset, 2)


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


def _csv_problem(text: str) -> ConfigError:
    """Every CSV complaint starts with the control that holds the file, so the page and the CLI read the same."""
    return ConfigError(f"CSV file: {text}", key="csv_path")


def _quoted(names: list[str], most: int = 5) -> str:
    shown = ", ".join(repr(n) for n in names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def _megabytes(size: int) -> str:
    return f"{size / 2**20:.1f} MB"


def _csv_bytes(source: str | Path | IO[bytes] | IO[str] | bytes) -> bytes:
    """The file's bytes, refusing a file over the size limit before reading it whole."""
    if isinstance(source, (str, Path)):
        path = Path(source)
        if not path.is_file():
            raise ConfigError(f"csv_path={str(source)!r}: no such file", key="csv_path")
        size = path.stat().st_size
        if size > CSV_MAX_BYTES:
            raise _csv_problem(f"{_megabytes(size)}; the limit is {CSV_MAX_MB} MB — keep a sample of the rows")
        return path.read_bytes()
    raw = source if isinstance(source, bytes) else source.read(CSV_MAX_BYTES + 1)
    if isinstance(raw, str):
        raw = raw.encode("utf-8")
    if len(raw) > CSV_MAX_BYTES:
        shown = _megabytes(len(raw)) if isinstance(source, bytes) else f"more than {CSV_MAX_MB} MB"
        raise _csv_problem(f"{shown}; the limit is {CSV_MAX_MB} MB — keep a sample of the rows")
    return raw


def _csv_text(raw: bytes) -> str:
    """Decoded text, or a refusal naming what the file seems to be: a spreadsheet or binary data parsed as CSV
    would give columns of nonsense instead of a message."""
    if not raw.strip():
        raise _csv_problem("the file is empty — upload a CSV with a header row and at least 10 rows")
    head = raw[:65536]
    if head.startswith(b"PK\x03\x04") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _csv_problem("this is a spreadsheet or archive, not text — save it as CSV (comma-separated) first")
    controls = sum(1 for b in head if b < 32 and b not in (9, 10, 13))
    if b"\x00" in head or controls > len(head) // 100:
        raise _csv_problem("this is binary data, not text — upload a CSV saved as text (comma-separated)")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("latin-1")  # spreadsheets on Windows often save in a Latin code page


def _delimiter(text: str) -> str:
    """The separator the header line uses most (a comma when tied): semicolon CSVs come from locales whose
    decimal mark is a comma, tab-separated ones from copy-paste."""
    header = text.lstrip().splitlines()[0]
    counts = {sep: header.count(sep) for sep in (",", ";", "\t", "|")}
    best = max(counts, key=lambda sep: (counts[sep], sep == ","))
    return best if counts[best] else ","


_SEPARATOR_NAMES = {";": "semicolons", "\t": "tabs", "|": "'|'"}


def _read_frame(source: str | Path | IO[bytes] | IO[str] | bytes) -> tuple[pd.DataFrame, str]:
    """The parsed table (a pandas DataFrame) and its separator; only the bytes limit is checked here."""
    import pandas as pd

    text = _csv_text(_csv_bytes(source))
    sep = _delimiter(text)
    try:
        frame = pd.read_csv(io.StringIO(text), sep=sep, skipinitialspace=True)
    except pd.errors.EmptyDataError:
        raise _csv_problem("the file is empty — upload a CSV with a header row and at least 10 rows") from None
    except (ValueError, pd.errors.ParserError) as err:
        first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise _csv_problem(
            f"could not read it ({first_line}) — check that every row has as many cells as the header"
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, sep


def csv_columns(source: str | Path | IO[bytes] | IO[str] | bytes) -> list[str]:
    """The header's column names, read as `load_csv` reads them (the sidebar offers them as targets)."""
    frame, _ = _read_frame(source)
    return list(frame.columns)


def _decimal_commas(frame: pd.DataFrame, columns: list[str]) -> list[str]:
    """Text columns that are numbers written with a decimal comma (1,5) become numeric in place."""
    import pandas as pd

    converted = []
    for name in columns:
        values = pd.to_numeric(frame[name].str.replace(",", ".", regex=False), errors="coerce")
        if values.notna().sum() == frame[name].notna().sum():
            frame[name] = values
            converted.append(name)
    return converted


def _refuse_stray_text(column: pd.Series, what: str) -> None:
    """A column of numbers with a few text cells ('?', 'n/a') is a typo to fix, not a text column."""
    import pandas as pd

    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.notna().mean() >= 0.9:
        stray = column[numeric.isna()].iloc[0]
        raise _csv_problem(
            f"{what} is numbers mixed with text such as {stray!r} — "
            "empty those cells (rows with empty cells are dropped) or fix them"
        )


def _one_hot(features: pd.DataFrame, text: list[str]) -> tuple[pd.DataFrame, str]:
    """Text feature columns as one 0/1 column per value, in place; a note saying so. Refuses columns that look
    like names, IDs or numbers with stray text, and encodings over the feature limit."""
    import pandas as pd

    most = min(CSV_MAX_CATEGORIES, len(features) // 2)  # more distinct values than half the rows: names or IDs
    refused = [c for c in text if features[c].nunique() > most]
    if refused:
        first = features[refused[0]]
        _refuse_stray_text(first, f"column {refused[0]!r}")
        others = f" (so are {_quoted(refused[1:])})" if len(refused) > 1 else ""
        raise _csv_problem(
            f"column {refused[0]!r} is text with {first.nunique():,} distinct values{others}, too many to one-hot "
            f"encode (at most {most} here) — remove it or turn it into numbers"
        )
    parts, added = [], 0
    for name in features.columns:
        if name in text:
            dummies = pd.get_dummies(features[name].astype(str), prefix=name, prefix_sep="=", dtype=np.float64)
            parts.append(dummies)
            added += dummies.shape[1]
        else:
            parts.append(features[[name]])
    encoded = pd.concat(parts, axis=1)
    if encoded.shape[1] > CSV_MAX_FEATURES:
        raise _csv_problem(
            f"one-hot encoding the text columns {_quoted(text)} would make {encoded.shape[1]:,} feature columns; "
            f"the limit is {CSV_MAX_FEATURES} — remove some of them"
        )
    are = "is text: it was" if len(text) == 1 else "are text: they were"
    noun = "column" if len(text) == 1 else "columns"
    return encoded, f"CSV file: {noun} {_quoted(text)} {are} one-hot encoded into {added} columns"


def _target(column: pd.Series, name: str) -> tuple[np.ndarray, str, tuple[str, ...]]:
    """(y, task, class names): text, or few distinct integers, are class labels; other numbers are regressed."""
    import pandas as pd

    numeric = pd.api.types.is_numeric_dtype(column)
    values = column.to_numpy(dtype=np.float64) if numeric else None
    if values is not None and not np.isfinite(values).all():
        raise _csv_problem("it holds infinite values (inf) — replace or remove those rows")
    integral = values is not None and bool(np.all(np.mod(values, 1) == 0))
    if values is not None and not (integral and column.nunique() <= CSV_MAX_CLASSES):
        return values, "regression", ()
    if not numeric and column.nunique() > CSV_MAX_CLASSES:
        _refuse_stray_text(column, f"target {name!r}")
        raise _csv_problem(
            f"target {name!r} is text with {column.nunique():,} distinct values, too many to be class labels "
            f"(at most {CSV_MAX_CLASSES}) — pick a numeric target, or a column of class labels"
        )
    classes, y = np.unique(column.astype(str).to_numpy(), return_inverse=True)
    if len(classes) < 2:
        raise ConfigError(f"target={name!r} has a single class; it needs at least 2", key="target")
    return y.astype(np.int64), "classification", tuple(str(c) for c in classes)


def load_csv(source: str | Path | IO[bytes] | IO[str] | bytes, target: str = "") -> Dataset:
    """A user's CSV: feature columns and a target (default: the last column).

    Text feature columns with few distinct values are one-hot encoded (and noted); the task is classification
    when the target is text or holds few distinct integers. Rows with empty cells are dropped and counted.
    Problems raise ConfigError with one line that says what is wrong and what to do: the app shows it
    instead of a traceback, and the CLI exits with it.
    """
    import pandas as pd

    frame, sep = _read_frame(source)
    notes: list[str] = []
    if sep != ",":
        notes.append(f"CSV file: its columns are separated by {_SEPARATOR_NAMES[sep]}, not commas: read them that way")
    if frame.shape[1] < 2:
        raise _csv_problem(
            f"it has one column ({_quoted(list(frame.columns), 1)}) — it needs a header row with at least one "
            "feature column and a target column, separated by commas"
        )
    if len(frame) > CSV_MAX_ROWS:
        raise _csv_problem(f"{len(frame):,} rows; the limit is {CSV_MAX_ROWS:,} — keep a sample of the rows")
    if frame.shape[1] - 1 > CSV_MAX_FEATURES:
        raise _csv_problem(
            f"{frame.shape[1] - 1:,} feature columns; the limit is {CSV_MAX_FEATURES} — keep the columns that matter"
        )
    target = target or str(frame.columns[-1])
    if target not in frame.columns:
        raise ConfigError(
            f"target={target!r}: not a column of the CSV (columns: {_quoted(list(frame.columns), 10)})", key="target"
        )
    if frame[target].isna().all():
        raise _csv_problem(f"target {target!r} is empty in every row — pick another target column")
    empty = [str(c) for c in frame.columns if c != target and frame[c].isna().all()]
    if empty:
        frame = frame.drop(columns=empty)
        noun = "column" if len(empty) == 1 else "columns"
        notes.append(
            f"CSV file: {noun} {_quoted(empty)} {'is' if len(empty) == 1 else 'are'} empty in every row: left out"
        )
        if frame.shape[1] < 2:
            raise _csv_problem("no feature column has any values — it needs at least one")
    read = len(frame)
    frame = frame.dropna()
    if len(frame) < CSV_MIN_ROWS:
        raise _csv_problem(
            f"{len(frame)} complete rows of {read:,}; it needs at least {CSV_MIN_ROWS} "
            "(rows with empty cells are dropped) — fill in or add rows"
        )
    if len(frame) < read:
        notes.append(dropped_note(read - len(frame), read))
    if sep != ",":  # the separator is not a comma: the comma may be the decimal mark
        frame = frame.copy()
        converted = _decimal_commas(
            frame, [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        )
        if converted:
            notes[0] += f" (and decimal commas in {_quoted(converted)})"
    features = frame.drop(columns=[target])
    text = [str(c) for c in features.columns if not pd.api.types.is_numeric_dtype(features[c])]
    if text:
        features, note = _one_hot(features, text)
        notes.append(note)
    X = features.to_numpy(dtype=np.float64)
    if not np.isfinite(X).all():
        raise _csv_problem("it holds infinite values (inf) — replace or remove those rows")
    y, task, classes = _target(frame[target], target)
    return Dataset(X, y, task, tuple(map(str, features.columns)), classes, tuple(notes))


def load(config: Config) -> Dataset:
    """The config's dataset, deterministic from its seed."""
    if config.dataset in _LOADERS:
        return _bundled(config.dataset)
    if config.dataset == "csv":
        return load_csv(config.csv_path, config.target)
    return _synthetic(config)
