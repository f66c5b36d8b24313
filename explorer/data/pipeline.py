"""The input pipeline of DESIGN.md: load → skew → split → scale (fitted on train only).

Every stage is kept, so the Data page can show what each one did and the Trainer can take the last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from sklearn.model_selection import train_test_split

from explorer.config import LOAD_KEYS, Config, ConfigError, skew_grammar
from explorer.data import datasets, scaling, skews


@dataclass(frozen=True)
class Prepared:
    """The data of one run at every stage; `train_idx`/`test_idx` index the raw and skewed rows."""

    config: Config
    dataset: datasets.Dataset
    skewed: np.ndarray
    train_idx: np.ndarray
    test_idx: np.ndarray
    X_train: np.ndarray  # scaled
    X_test: np.ndarray  # scaled
    scaler: object
    notes: list[str] = field(default_factory=list)

    @property
    def task(self) -> str:
        return self.dataset.task

    @property
    def raw(self) -> np.ndarray:
        return self.dataset.X

    @property
    def y_train(self) -> np.ndarray:
        return self.dataset.y[self.train_idx]

    @property
    def y_test(self) -> np.ndarray:
        return self.dataset.y[self.test_idx]

    @property
    def n_outputs(self) -> int:
        return self.dataset.n_classes if self.task == "classification" else 1


def split(dataset: datasets.Dataset, test_size: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Row indices of the train and test split, stratified for classification."""
    rows = np.arange(len(dataset.y))
    stratify = dataset.y if dataset.task == "classification" else None
    if stratify is not None and np.bincount(stratify).min() < 2:
        stratify = None  # a class with one row cannot be split both ways
    try:
        train, test = train_test_split(rows, test_size=test_size, random_state=seed, stratify=stratify)
    except ValueError as err:
        raise ConfigError(f"test_size={test_size:g}: {str(err).splitlines()[0]}", key="test_size") from None
    return np.sort(train), np.sort(test)


@dataclass(frozen=True)
class Unscaled:
    """The pipeline up to the scaler: the part every scaler shares."""

    config: Config
    dataset: datasets.Dataset
    skewed: np.ndarray
    train_idx: np.ndarray
    test_idx: np.ndarray


def load_and_split(config: Config, dataset: datasets.Dataset | None = None) -> Unscaled:
    """Load (unless `dataset` is given, e.g. an uploaded CSV), skew, and split into train and test rows."""
    dataset = dataset or datasets.load(config)
    skewed = skews.apply(dataset.X, skew_grammar.parse_skew(config.skew), config.seed)
    train_idx, test_idx = split(dataset, config.test_size, config.seed)
    return Unscaled(config, dataset, skewed, train_idx, test_idx)


def scale(unscaled: Unscaled, scaler_name: str) -> Prepared:
    """Fit the scaler on the training rows alone, then transform both splits."""
    config = unscaled.config.replace(scaler=scaler_name)
    train, test = unscaled.skewed[unscaled.train_idx], unscaled.skewed[unscaled.test_idx]
    scaler = scaling.make_scaler(scaler_name, len(train), config.seed)
    try:
        X_train = scaler.fit_transform(train)
        X_test = scaler.transform(test)
    except ValueError as err:
        raise ConfigError(f"scaler={scaler_name}: {str(err).splitlines()[0]}", key="scaler") from None
    if not (np.isfinite(X_train).all() and np.isfinite(X_test).all()):
        raise ConfigError(
            f"scaler={scaler_name} produced non-finite values on this data; try another scaler", key="scaler"
        )
    return Prepared(
        config,
        unscaled.dataset,
        unscaled.skewed,
        unscaled.train_idx,
        unscaled.test_idx,
        np.asarray(X_train, dtype=np.float64),
        np.asarray(X_test, dtype=np.float64),
        scaler,
        [*unscaled.dataset.notes, *scaling.scaler_notes(scaler_name, scaler)],
    )


def prepare(config: Config, dataset: datasets.Dataset | None = None) -> Prepared:
    """Run the whole input pipeline; `dataset` overrides loading (e.g. an uploaded CSV)."""
    return scale(load_and_split(config, dataset), config.scaler)


def prepare_all(configs: list[Config]) -> list[Prepared]:
    """`prepare` for many configs, loading, skewing and splitting once per distinct data keys and scaling
    once per scaler on top: a sweep's configurations often differ only in training or network keys."""
    unscaled: dict[tuple, Unscaled] = {}
    scaled: dict[tuple, Prepared] = {}
    out = []
    for config in configs:
        data_key = tuple(str(getattr(config, k)) for k in LOAD_KEYS)
        if data_key not in unscaled:
            unscaled[data_key] = load_and_split(config)
        if (data_key, config.scaler) not in scaled:
            scaled[data_key, config.scaler] = scale(unscaled[data_key], config.scaler)
        out.append(scaled[data_key, config.scaler])
    return out
