"""What one epoch of a single run costs, estimated from the setup alone, so a page can say it before Play.

Why: the limits allow an epoch of minutes (12 layers of 512, 50,000 rows, batch size 1), and nothing on the
page said so; a learner pressed Play and watched a counter stand still. The estimate is a model of where a
run's time goes (`Trainer` in one thread, as a training process runs it), calibrated once against
measurements (`bench/epoch_cost.py` prints estimate ÷ measured for a range of setups):

- every step pays a fixed price: dispatching its tensor ops (more with every layer) and the optimizer's
  passes over every parameter, whatever the batch size;
- every training row pays the arithmetic of a forward and a backward pass through every parameter;
- every epoch ends with an evaluation of both splits (a forward pass) and the probes: statistics of each
  layer's stages on up to 2,000 test rows.

Pure: the shape comes from the config (`explorer.data.datasets.shape`) or from data already prepared.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

from explorer.config import SCALERS, SYNTHETIC_DATASETS, Config, skew_grammar
from explorer.data import datasets
from explorer.runs.probes import PROBE_ROWS

# Seconds, calibrated on this project's 2-core machine with one thread (bench/epoch_cost.py).
STEP_S = 70e-6  # a step's fixed ops (loss, output layer, optimizer call)
LAYER_STEP_S = 40e-6  # ... and each hidden layer's, forward and backward
PARAMETER_STEP_S = 1.7e-9  # the optimizer's and the gradient statistics' passes over every parameter, per step
PARAMETER_ROW_S = 1.2e-10  # forward and backward arithmetic, per parameter and training row
EVAL_PARAMETER_ROW_S = 6e-11  # the epoch's end: a forward pass of both splits, per parameter and row
ROW_END_S = 2e-6  # the epoch's end: per row of both splits (the losses, the next epoch's shuffle)
PROBE_VALUE_S = 1.2e-7  # the epoch's end: statistics of one probed value (a row × a unit × a stage)
EPOCH_END_S = 1e-3

# Preparing the data (load, skews, split, scaler), per value (a row × a feature), from the measurements of
# bench/epoch_cost.py's second table: what decides whether a page prepares it itself or a training process does.
PREPARE_VALUE_S = 1.2e-7  # generating, splitting, standard scaling
SKEW_VALUE_S = {"heavy_tail": 1.2e-7, "uniform": 1.2e-7, "discretize": 1.1e-7, "bimodal": 5e-8, "outliers": 2e-8}
OTHER_SKEW_VALUE_S = 1e-8  # lognormal, scale, shift: one vectorised pass
SCALER_VALUE_S = {"quantile_normal": 1.6e-7, "quantile_uniform": 1.6e-7, "yeo_johnson": 3e-7, "box_cox": 2.5e-7}
# The power transforms fit each feature's exponent on its own, through SciPy's optimizer: a price per feature
# whatever the rows (100 features of box_cox: about 4 s on 3,000 rows as on 37,500); the quantile ones
# interpolate each feature through its own 1,000 quantiles.
SCALER_FEATURE_S = {"yeo_johnson": 0.012, "box_cox": 0.04, "quantile_normal": 0.0015, "quantile_uniform": 0.0015}

PREPARE_IN_PAGE_S = 0.3  # above this a page leaves preparing the data to a training process (a share of its 1 s)
PAGE_PAUSE_S = 1.0  # the longest a page may hold the server's shared process in one piece (the Compare page's sweep)
SLOW_EPOCH_S = 5.0  # above this, the page warns before Play and says what to change
PROGRESS_EPOCH_S = 1.0  # above this, the epoch counter shows the steps within the epoch


@dataclass(frozen=True)
class Cost:
    """One epoch's estimated seconds, and its parts: what a change of setup would save."""

    config: Config
    rows: int  # training rows
    steps: int  # per epoch
    parameters: int
    stepping: float  # steps × each step's fixed price: a larger batch size cuts it
    arithmetic: float  # rows × parameters, training and evaluating: fewer rows or parameters cut it
    probing: float  # the probes' statistics: narrower or fewer layers cut it
    step: float = 0.0  # one step, its fixed price and its arithmetic
    test_rows: int = 0

    @property
    def seconds(self) -> float:
        return self.stepping + self.arithmetic + self.probing + EPOCH_END_S

    @property
    def slow(self) -> bool:
        return self.seconds > SLOW_EPOCH_S

    def caption(self) -> str:
        """'about 0.02 s per epoch (estimate)'."""
        return f"about {duration(self.seconds)} per epoch (estimate)"

    def advice(self, shape: tuple[int, int, int]) -> str:
        """What makes an epoch slow, and what to change, with what that change would give (for `shape`'s data)."""
        config = self.config
        widths = (
            f"{len(config.hidden)} hidden layer{'s' * (len(config.hidden) > 1)} of up to {max(config.hidden)} units"
        )
        cause = max(("stepping", self.stepping), ("arithmetic", self.arithmetic), ("probing", self.probing),
                    key=lambda part: part[1])[0]  # fmt: skip
        if cause == "stepping":
            bigger = 64 if config.batch_size < 64 else min(config.batch_size * 4, 4096)
            faster = _changed(config, shape, batch_size=bigger)
            return (
                f"Most of it is {self.steps:,} steps of {config.batch_size} row{'s' * (config.batch_size > 1)} "
                f"each: every step costs the same whatever its size. Raise Batch size (at {bigger}: about "
                f"{duration(faster)} per epoch)."
            )
        small = _changed(config, shape, hidden=(64, 64))
        fewer = max(20, config.n_samples // 10)
        rows = _changed(config, shape, n_samples=fewer) if config.dataset in SYNTHETIC_DATASETS else None
        than = f"; Samples {fewer:,}: about {duration(rows)}" if rows is not None else ""
        if cause == "arithmetic":
            what = f"{self.parameters:,} weights ({widths}) times {self.rows:,} training rows"
        else:
            what = f"measuring every unit of {widths} on the probe rows after each epoch"
        return (
            f"Most of it is {what}. Fewer or narrower layers cut it (Hidden widths 64,64: about {duration(small)} "
            f"per epoch{than})."
        )


def estimate(config: Config, shape: tuple[int, int, int] | None = None) -> Cost | None:
    """One epoch's cost for `config` on data of `shape` (rows, features, outputs; by default read from the
    config); None when the shape is unknown (a CSV not prepared yet)."""
    shape = shape or datasets.shape(config)
    if shape is None:
        return None
    rows, features, outputs = shape
    test = math.ceil(rows * config.test_size)  # scikit-learn's train_test_split rounds the test split up
    train = rows - test
    widths = [features, *config.hidden, outputs]
    parameters = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(widths))
    steps = max(1, math.ceil(train / config.batch_size))
    per_step = STEP_S + LAYER_STEP_S * len(config.hidden) + PARAMETER_STEP_S * parameters
    stages = 2 if config.norm == "none" else 3
    probed = min(PROBE_ROWS, test) * sum(config.hidden) * stages
    return Cost(
        config,
        train,
        steps,
        parameters,
        stepping=steps * per_step,
        arithmetic=parameters * (train * PARAMETER_ROW_S + rows * EVAL_PARAMETER_ROW_S) + rows * ROW_END_S,
        probing=probed * PROBE_VALUE_S,
        step=per_step + parameters * min(config.batch_size, train) * PARAMETER_ROW_S,
        test_rows=test,
    )


def sweep_pauses(config: Config, members: int, shape: tuple[int, int, int] | None = None) -> dict[str, float]:
    """The pieces of a sweep group's training that cannot be cut into time slices, in seconds: preparing its
    data, one step of its `members` stacked runs, and an epoch's end (evaluating each on the test split). A page
    that trains a sweep tick by tick holds the server's shared process this long at least once."""
    shape = shape or datasets.shape(config)
    epoch = estimate(config, shape)
    if epoch is None:
        return {}
    return {
        "preparing the data": prepare_seconds(config, shape) or 0.0,
        "one step": members * epoch.step,
        "evaluating at an epoch's end": members * epoch.parameters * epoch.test_rows * EVAL_PARAMETER_ROW_S,
    }


def page_sweep_problem(groups: list[tuple[Config, int]]) -> str:
    """Why a sweep of these groups (a config and its member count each) cannot train in a page's ticks, in one
    line, or "": its longest unsliceable piece (`sweep_pauses`) is over PAGE_PAUSE_S."""
    worst, what, size = 0.0, "", 0
    for config, members in groups:
        for name, seconds in sweep_pauses(config, members).items():
            if seconds > worst:
                worst, what, size = seconds, name, members
    if worst <= PAGE_PAUSE_S:
        return ""
    return (
        f"This comparison would hold the server for about {duration(worst)} at a time ({what}, {size} run"
        f"{'s' * (size > 1)} together), longer than a page may while others use it: try fewer rows or features, "
        "narrower layers or fewer seeds here, or `explorer sweep` with the same settings on your own machine."
    )


def sweep_seconds(groups: list[tuple[Config, int]]) -> float | None:
    """About how long a sweep's training takes in one thread (None when a shape is unknown)."""
    total = 0.0
    for config, members in groups:
        epoch = estimate(config)
        if epoch is None:
            return None
        total += members * config.epochs * (epoch.seconds - epoch.probing)  # members are not probed each epoch
    return total


def prepare_seconds(config: Config, shape: tuple[int, int, int] | None = None) -> float | None:
    """About how long preparing `config`'s data takes (None for a CSV, whose shape only its file knows)."""
    shape = shape or datasets.shape(config)
    if shape is None:
        return None
    rows, features, _ = shape
    per_value = PREPARE_VALUE_S + SCALER_VALUE_S.get(config.scaler, 0.0)
    for item in skew_grammar.parse_skew(config.skew):
        share = min(1.0, len(item.columns(features)) / features) if features else 0.0
        per_value += share * SKEW_VALUE_S.get(item.kind, OTHER_SKEW_VALUE_S)
    return rows * features * per_value + features * SCALER_FEATURE_S.get(config.scaler, 0.0)


def every_scaler_seconds(config: Config, shape: tuple[int, int, int] | None = None) -> float | None:
    """About how long applying every scaler to `config`'s data takes (the Data page's Conditioning and
    Compare scalers tabs): each scaler's own price, on the training rows."""
    shape = shape or datasets.shape(config)
    if shape is None:
        return None
    rows, features, _ = shape
    train = rows - math.ceil(rows * config.test_size)
    return sum(
        train * features * (PREPARE_VALUE_S / 4 + SCALER_VALUE_S.get(scaler, 0.0))
        + features * SCALER_FEATURE_S.get(scaler, 0.0)
        for scaler in SCALERS
    )


def measured(seconds_training: float, steps: int, steps_per_epoch: int) -> float | None:
    """Seconds per epoch from what a run has trained so far; None before it has trained a second or an epoch
    (too little to go on)."""
    if steps <= 0 or (seconds_training < 1.0 and steps < steps_per_epoch):
        return None
    return seconds_training * steps_per_epoch / steps


def _changed(config: Config, shape: tuple[int, int, int], **changes: object) -> float:
    """The estimate with some keys changed (the shape follows a change of rows)."""
    changed = config.replace(**changes)
    if "n_samples" in changes:
        shape = (changed.n_samples, *shape[1:])
    cost = estimate(changed, shape)
    assert cost is not None
    return cost.seconds


def duration(seconds: float) -> str:
    """'0.02 s', '3 s', '4 min', '2.5 h': as precise as an estimate deserves."""
    if seconds < 0.1:
        return f"{seconds:.2f} s"
    if seconds < 10:
        return f"{seconds:.1g} s" if seconds < 1 else f"{seconds:.0f} s"
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
