"""The epoch-cost estimate (explorer/runs/cost.py): what the page says before Play, and what it blames."""

from __future__ import annotations

import pytest

from explorer.config import Config
from explorer.runs.cost import PROGRESS_EPOCH_S, SLOW_EPOCH_S, duration, estimate

HEAVIEST = Config(hidden=(512,) * 12, n_samples=50_000, batch_size=1, epochs=5000)


def test_the_default_setup_is_a_fraction_of_a_second_an_epoch_and_says_so():
    cost = estimate(Config())
    assert cost is not None and cost.seconds < 0.1 and not cost.slow
    assert cost.caption() == f"about {duration(cost.seconds)} per epoch (estimate)"
    assert cost.steps == 24 and cost.rows == 750  # 1,000 rows, a quarter held out, batches of 32


def test_the_heaviest_setup_the_limits_allow_takes_minutes_an_epoch_and_blames_its_batch_size():
    cost = estimate(HEAVIEST)
    assert cost.seconds > 60 and cost.slow
    assert cost.steps == 37_500
    advice = cost.advice((50_000, 2, 2))
    assert "37,500 steps of 1 row" in advice and "Batch size" in advice
    faster = float(advice.split("(at 64: about ")[1].split(" ")[0])
    assert estimate(HEAVIEST.replace(batch_size=64)).seconds < cost.seconds / 5 and faster > 0


def test_a_wide_deep_network_on_many_rows_blames_its_layers_and_offers_smaller_ones():
    config = Config(dataset="classification", n_features=100, n_samples=50_000, hidden=(512,) * 12, batch_size=512)
    cost = estimate(config)
    assert cost.slow
    advice = cost.advice((50_000, 100, 2))
    assert "weights (12 hidden layers of up to 512 units)" in advice and "Hidden widths 64,64" in advice
    assert "Samples 5,000" in advice


@pytest.mark.parametrize(
    "change",
    [
        {"n_samples": 10_000},
        {"hidden": (128, 128)},
        {"hidden": (32, 32, 32, 32)},
        {"batch_size": 4},
        {"norm": "bn_before"},
    ],
)
def test_more_rows_parameters_layers_or_steps_cost_more(change):
    assert estimate(Config().replace(**change)).seconds > estimate(Config()).seconds


def test_the_shape_comes_from_the_config_or_is_given_and_a_csv_alone_has_none():
    assert estimate(Config(dataset="digits")).rows == 1797 - 450  # scikit-learn rounds the test split up
    assert estimate(Config(dataset="csv", csv_path="/tmp/x.csv")) is None
    given = estimate(Config(dataset="csv", csv_path="/tmp/x.csv"), (400, 3, 2))
    assert given is not None and given.rows == 300


def test_the_thresholds_leave_room_between_showing_steps_and_warning():
    assert 0 < PROGRESS_EPOCH_S < SLOW_EPOCH_S


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0123, "0.01 s"), (0.34, "0.3 s"), (4.4, "4 s"), (75, "75 s"), (540, "9 min"), (9000, "2.5 h")],
)
def test_durations_are_as_precise_as_an_estimate_deserves(seconds, text):
    assert duration(seconds) == text
