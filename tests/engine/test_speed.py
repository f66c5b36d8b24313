"""A playing run's speed limit: epochs arrive on schedule, one at a time, and never in a burst."""

from __future__ import annotations

import pytest

from explorer.config import Config
from explorer.runs.speed import SpeedLimit
from explorer.runs.training import Trainer


def test_without_a_limit_everything_is_due_at_once():
    limit = SpeedLimit(None)
    assert limit.epochs_now(0.0, 0) is None and limit.due_in(0.0, 0) == 0.0


def test_the_first_epoch_is_due_at_once_and_the_next_one_interval_later():
    limit = SpeedLimit(4.0)
    limit.restart(100.0, 0)
    assert limit.epochs_now(100.0, 0) == 1
    assert limit.due_in(100.0, 1) == pytest.approx(0.25)
    assert limit.epochs_now(100.1, 1) == 0
    assert limit.epochs_now(100.26, 1) == 1


def test_a_tick_that_comes_late_may_finish_the_epochs_due_by_then():
    limit = SpeedLimit(4.0)
    limit.restart(0.0, 0)
    assert limit.epochs_now(0.5, 0) == 3  # epochs 1, 2, 3 were due at 0, 0.25, 0.5


def test_far_behind_the_schedule_starts_again_from_now_instead_of_a_burst():
    limit = SpeedLimit(10.0)
    limit.restart(0.0, 0)
    assert limit.epochs_now(5.0, 1) == 1  # 48 epochs behind: one now, the next one interval later
    assert limit.due_in(5.0, 2) == pytest.approx(0.1)


def test_a_new_rate_counts_from_where_the_run_is():
    limit = SpeedLimit(1.0)
    limit.restart(0.0, 0)
    limit.set_rate(5.0, 10.0, 7)
    assert limit.epochs_now(10.0, 7) == 1 and limit.due_in(10.0, 8) == pytest.approx(0.2)


@pytest.mark.parametrize("rate", [0.0, -1.0, float("nan"), float("inf")])
def test_a_rate_must_be_a_positive_number(rate):
    with pytest.raises(ValueError, match="epochs per second"):
        SpeedLimit(rate)


def test_a_limited_run_trains_the_same_numbers_as_an_unlimited_one():
    """The limit decides when epochs are trained, never what: a paced run equals `explorer train`."""
    config = Config(n_samples=200, hidden=(8,), epochs=6)
    paced, free = Trainer(config), Trainer(config)
    limit = SpeedLimit(3.0)
    limit.restart(0.0, 0)
    now = 0.0
    while not paced.done:
        epochs = limit.epochs_now(now, paced.epoch)
        if epochs:
            paced.advance(epochs=epochs, steps=3)  # stopping within epochs too
        now += 0.1
    free.advance(epochs=6)
    assert paced.curve == free.curve
