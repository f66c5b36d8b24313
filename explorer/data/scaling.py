"""The scalers: each a scikit-learn transformer, fitted on the training split only."""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import (
    FunctionTransformer,
    MaxAbsScaler,
    MinMaxScaler,
    Normalizer,
    PowerTransformer,
    QuantileTransformer,
    RobustScaler,
    StandardScaler,
)

DESCRIPTIONS = {
    "none": "raw features, as they are",
    "standard": "subtract the mean, divide by the std (centred and scaled, not made Gaussian)",
    "minmax": "map each feature's min..max to 0..1 (one outlier squeezes the rest)",
    "maxabs": "divide by the largest absolute value",
    "robust": "subtract the median, divide by the inter-quartile range",
    "quantile_normal": "map ranks to a normal distribution (changes the shape)",
    "quantile_uniform": "map ranks to a uniform distribution (changes the shape)",
    "yeo_johnson": "power transform towards Gaussian, then standardize",
    "box_cox": "power transform for positive data (shifted first if needed), then standardize",
    "l2": "scale each row (sample) to unit length: not a per-feature scaler",
    "pca_whiten": "rotate to principal components and scale each to unit variance",
}


class PositiveShift(TransformerMixin, BaseEstimator):
    """Shift features so the training split is strictly positive, as Box-Cox requires.

    The shift is fitted on train; later values at or below the fitted floor are clipped to it, and
    `shift_` says what was added so the UI can show it instead of hiding it.
    """

    def fit(self, X: np.ndarray, y: object = None) -> PositiveShift:
        X = np.asarray(X, dtype=np.float64)
        low, high = X.min(axis=0), X.max(axis=0)
        margin = np.maximum((high - low) * 0.01, 1e-3)
        self.shift_ = np.where(low <= 0, margin - low, 0.0)
        self.floor_ = np.minimum(low + self.shift_, margin) / 10
        return self

    def transform(self, X: np.ndarray) -> np.ndarray:
        return np.maximum(np.asarray(X, dtype=np.float64) + self.shift_, self.floor_)


def make_scaler(name: str, n_train: int, seed: int) -> TransformerMixin:
    """An unfitted transformer for the `scaler` key."""
    quantiles = max(10, min(1000, n_train))
    scalers = {
        "none": lambda: FunctionTransformer(None, validate=True),
        "standard": StandardScaler,
        "minmax": MinMaxScaler,
        "maxabs": MaxAbsScaler,
        "robust": RobustScaler,
        "quantile_normal": lambda: QuantileTransformer(
            n_quantiles=quantiles, output_distribution="normal", random_state=seed
        ),
        "quantile_uniform": lambda: QuantileTransformer(n_quantiles=quantiles, random_state=seed),
        "yeo_johnson": lambda: PowerTransformer("yeo-johnson"),
        "box_cox": lambda: Pipeline([("shift", PositiveShift()), ("box_cox", PowerTransformer("box-cox"))]),
        "l2": Normalizer,
        "pca_whiten": lambda: PCA(whiten=True, random_state=seed),
    }
    return scalers[name]()


def scaler_notes(name: str, fitted: TransformerMixin) -> list[str]:
    """What a fitted scaler did that a user should know about (e.g. a Box-Cox shift)."""
    if name == "box_cox":
        shift = fitted.named_steps["shift"].shift_
        moved = np.flatnonzero(shift)
        if moved.size:
            shown = ", ".join(f"{j} (+{shift[j]:.3g})" for j in moved[:6]) + (" …" if moved.size > 6 else "")
            return [f"box_cox needs positive data: shifted features {shown}, fitted on the training split"]
    return []
