"""How well conditioned the scaled inputs make learning, and how many gradient steps that costs.

For a linear least-squares model on inputs X (n rows) with a bias, f(w) = ||X̃w − y||² / (2n) where
X̃ = [X, 1]. Its Hessian is H = X̃ᵀX̃/n, the same everywhere, and depends on the inputs alone, not on y.
Gradient descent with step η = 1/λ_max multiplies the error's component along eigenvector i by
(1 − λ_i/λ_max) per step (LeCun et al., "Efficient BackProp", 1998, §5). The slowest component shrinks
by (1 − 1/κ) per step, κ = λ_max/λ_min, so shrinking it 1000× takes ln 1000 / −ln(1 − 1/κ) ≈ κ·ln 1000
steps. Badly scaled or uncentred features make κ large; that, not a non-Gaussian shape, is what slows
plain gradient descent.

Eigenvalues come from the SVD of X̃/√n (λ_i = s_i²), which is accurate far beyond what an eigensolver on
H itself could resolve. H is singular when X̃ has rank below its column count by numpy's rule
(s ≤ s_max·max(n, p)·eps): constant features, features that are linear combinations of others, or
fewer rows than parameters. Then κ is infinite, but gradient descent from w = 0 never moves along the
null directions, and they do not change the loss, so the effective κ over the others sets the speed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

SHRINK = 1e-3  # "shrink the error by 1e-3": the factor every prediction and measurement here refers to
DEFAULT_CAP = 200_000  # most gradient-descent steps a verification runs


def with_bias(X: np.ndarray) -> np.ndarray:
    """X̃ = [X, 1]: the bias is a weight on a constant input, so it belongs in the Hessian too."""
    X = np.asarray(X, dtype=np.float64)
    return np.column_stack([X, np.ones(len(X))])


def hessian(X: np.ndarray) -> np.ndarray:
    """H = X̃ᵀX̃/n, the Hessian of the least-squares loss of a linear model with bias on X."""
    Xt = with_bias(X)
    return Xt.T @ Xt / len(Xt)


def predicted_iterations(kappa: float, shrink: float = SHRINK) -> float:
    """Steps of GD at η = 1/λ_max for the slowest component to shrink by `shrink` (≈ κ·ln(1/shrink)).

    Exact for the slowest eigendirection: its error is multiplied by (1 − 1/κ) each step. At κ = 1
    one step lands on the minimum. Infinite κ gives infinity.
    """
    if not math.isfinite(kappa):
        return math.inf
    if kappa <= 1.0:
        return 1.0
    return float(max(1, math.ceil(math.log(1 / shrink) / -math.log1p(-1 / kappa) - 1e-9)))


@dataclass(frozen=True)
class Conditioning:
    """The spectrum of H for one input matrix and what it implies for gradient descent."""

    eigenvalues: np.ndarray  # of H, descending; those of null directions are 0 or rounding-error small
    rank: int  # numerical rank of X̃ (numpy's rule)
    constant_features: tuple[int, ...]  # columns of X with a single value: each removes one direction

    @property
    def n_parameters(self) -> int:
        return len(self.eigenvalues)

    @property
    def singular(self) -> bool:
        return self.rank < self.n_parameters

    @property
    def condition_number(self) -> float:
        """κ = λ_max/λ_min; infinite when H is singular."""
        return math.inf if self.singular else float(self.eigenvalues[0] / self.eigenvalues[-1])

    @property
    def effective_condition_number(self) -> float:
        """κ over the directions with curvature: what sets GD's speed from w = 0 when H is singular."""
        if self.rank == 0:
            return math.inf
        return float(self.eigenvalues[0] / self.eigenvalues[self.rank - 1])

    @property
    def predicted_iterations(self) -> float:
        return predicted_iterations(self.condition_number)

    @property
    def effective_predicted_iterations(self) -> float:
        return predicted_iterations(self.effective_condition_number)

    def explain_singular(self, feature_names: tuple[str, ...] | list[str] = ()) -> str:
        """One or two sentences on why H is singular, naming constant features; '' when it is not."""
        if not self.singular:
            return ""
        missing = self.n_parameters - self.rank
        parts = []
        if self.constant_features:
            names = [feature_names[j] if j < len(feature_names) else str(j) for j in self.constant_features]
            shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
            parts.append(f"{len(names)} constant feature{'s' if len(names) > 1 else ''} ({shown})")
        others = missing - len(self.constant_features)
        if others > 0:
            parts.append(
                f"{others} exact linear dependenc{'ies' if others > 1 else 'y'} among the features "
                "(e.g. redundant features, or fewer rows than parameters)"
            )
        return (
            f"H is singular (rank {self.rank} of {self.n_parameters}): {' and '.join(parts)}, so κ is infinite. "
            "Gradient descent from w = 0 never moves along those directions, and they do not change the loss; "
            f"over the other directions κ = {self.effective_condition_number:.3g}."
        )


def _rank(singular_values: np.ndarray, n: int, p: int) -> int:
    """numpy's matrix_rank rule: singular values above s_max·max(n, p)·eps count."""
    top = singular_values[0] if len(singular_values) else 0.0
    return int(np.sum(singular_values > top * max(n, p) * np.finfo(np.float64).eps)) if top > 0 else 0


def analyse(X: np.ndarray) -> Conditioning:
    """The spectrum of H = X̃ᵀX̃/n of inputs X (rows = samples), with numpy's rank rule."""
    Xt = with_bias(X)
    n, p = Xt.shape
    singular_values = np.linalg.svd(Xt / math.sqrt(n), compute_uv=False)
    eigenvalues = np.zeros(p)
    eigenvalues[: len(singular_values)] = singular_values**2
    rank = _rank(singular_values, n, p)
    X = np.asarray(X, dtype=np.float64)
    constant = tuple(int(j) for j in np.flatnonzero(np.ptp(X, axis=0) == 0)) if len(X) else ()
    return Conditioning(eigenvalues, rank, constant)


def condition_number(X: np.ndarray) -> float:
    """κ of H = X̃ᵀX̃/n; infinite when H is singular."""
    return analyse(X).condition_number


@dataclass(frozen=True)
class GDRun:
    """A measured gradient-descent run beside its prediction.

    `measured_slowest` counts steps until the error along the slowest eigendirection (with curvature)
    has shrunk by `shrink`: exactly what `predicted` predicts. `measured_distance` counts steps until
    ||w_t − w*|| ≤ shrink·||w_0 − w*||: what a learner watching the weights would see; it is never above
    the prediction and approaches it when the initial error lies mostly along the slowest direction.
    Either is None when the run stopped first: at `cap`, or 25% past the prediction.
    """

    kappa: float  # effective κ (= κ when H is not singular)
    predicted: float
    measured_slowest: int | None
    measured_distance: int | None
    iterations_run: int
    cap: int
    slowest_ratio: float  # |error along the slowest direction| now / at the start
    distance_ratio: float  # ||w_t − w*|| / ||w_0 − w*||
    start: str  # how w_0 was chosen, in words

    @property
    def capped(self) -> bool:
        """True when the run hit the cap before both errors had shrunk enough."""
        return self.iterations_run >= self.cap and (self.measured_slowest is None or self.measured_distance is None)

    @property
    def predicted_ratio_at_end(self) -> float:
        """(1 − 1/κ)^steps: the slowest component's shrink factor theory expects after the steps run."""
        return math.exp(self.iterations_run * math.log1p(-1 / self.kappa)) if self.kappa > 1 else 0.0


def run_gradient_descent(
    X: np.ndarray,
    y: np.ndarray,
    *,
    shrink: float = SHRINK,
    cap: int = DEFAULT_CAP,
    progress: Callable[[int, int], None] | None = None,
    report_every: int = 2_000,
) -> GDRun:
    """Full-batch GD on ||X̃w − y||²/(2n) at η = 1/λ_max, counting steps until the error shrinks by `shrink`.

    The gradient X̃ᵀ(X̃w − y)/n is computed as Hw − b with H = X̃ᵀX̃/n and b = X̃ᵀy/n: the same numbers,
    but p² work per step instead of n·p. w* is the minimum-norm least-squares solution, which GD from a
    point in the row space of X̃ converges to. The run starts at w_0 = 0 unless w* has almost no component
    along the slowest direction, in which case it starts at −||w*||·v_slow so that there is something
    to measure. `progress(step, limit)` is called every `report_every` steps.
    """
    Xt = with_bias(X)
    y = np.asarray(y, dtype=np.float64).ravel()
    n = len(Xt)
    if n == 0:
        raise ValueError("no training rows: there is nothing for gradient descent to learn")
    u, s, vt = np.linalg.svd(Xt / math.sqrt(n), full_matrices=False)
    rank = _rank(s, *Xt.shape)
    w_star = vt[:rank].T @ ((u[:, :rank].T @ (y / math.sqrt(n))) / s[:rank])
    v_slow = vt[rank - 1]
    eta = 1.0 / s[0] ** 2
    kappa = float(s[0] ** 2 / s[rank - 1] ** 2)
    predicted = predicted_iterations(kappa, shrink)

    w = np.zeros_like(w_star)
    start = "w₀ = 0"
    scale = max(float(np.linalg.norm(w_star)), 1.0)
    if abs(v_slow @ (w - w_star)) < 1e-3 * max(float(np.linalg.norm(w - w_star)), 1e-300):
        w = -scale * v_slow
        start = "w₀ = −||w*||·v_slow (w* has almost no component along the slowest direction)"

    H = Xt.T @ Xt / n
    b = Xt.T @ y / n
    error = w - w_star
    slow0 = abs(float(v_slow @ error))
    dist0 = float(np.linalg.norm(error))
    # Theory says both counts are at most `predicted`; the margin only absorbs rounding.
    limit = int(min(cap, math.ceil(1.25 * predicted) + 10)) if math.isfinite(predicted) else cap
    measured_slowest = 0 if slow0 == 0 else None
    measured_distance = 0 if dist0 == 0 else None
    slow_ratio = dist_ratio = 1.0
    step = 0
    while step < limit and (measured_slowest is None or measured_distance is None):
        w = w - eta * (H @ w - b)
        step += 1
        error = w - w_star
        slow_ratio = abs(float(v_slow @ error)) / slow0
        dist_ratio = float(np.linalg.norm(error)) / dist0
        if measured_slowest is None and slow_ratio <= shrink:
            measured_slowest = step
        if measured_distance is None and dist_ratio <= shrink:
            measured_distance = step
        if progress is not None and step % report_every == 0:
            progress(step, limit)
    if progress is not None:
        progress(step, limit)
    return GDRun(kappa, predicted, measured_slowest, measured_distance, step, cap, slow_ratio, dist_ratio, start)
