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


def test_preparing_is_cheap_for_small_data_and_the_power_transforms_pay_per_feature():
    from explorer.runs.cost import PREPARE_IN_PAGE_S, every_scaler_seconds, prepare_seconds

    assert prepare_seconds(Config()) < PREPARE_IN_PAGE_S / 10
    wide = Config(dataset="classification", n_samples=4_000, n_features=100)
    assert prepare_seconds(wide) < PREPARE_IN_PAGE_S < prepare_seconds(wide.replace(scaler="box_cox"))
    skewed = wide.replace(skew=";".join(["all:heavy_tail:10"] * 10))
    assert prepare_seconds(skewed) > prepare_seconds(wide.replace(skew="0:heavy_tail:10"))  # per feature covered
    assert every_scaler_seconds(Config(dataset="digits")) > PREPARE_IN_PAGE_S > every_scaler_seconds(Config())
    assert prepare_seconds(Config(dataset="csv", csv_path="/tmp/x.csv")) is None


def test_a_sweep_a_page_can_train_in_slices_passes_and_one_with_an_unsliceable_second_is_named():
    from explorer.runs.cost import page_sweep_problem, sweep_pauses, sweep_seconds

    assert page_sweep_problem([(Config(), 8)]) == ""
    assert 0 < sweep_seconds([(Config(), 8)]) < 60
    heavy = Config(hidden=(512,) * 12, n_samples=50_000, batch_size=4096)
    pauses = sweep_pauses(heavy, 2)
    assert pauses["one step"] > 1 and pauses["evaluating at an epoch's end"] > 1
    problem = page_sweep_problem([(Config(), 8), (heavy, 2)])
    assert problem.startswith("This comparison would hold the server for about") and "2 runs together" in problem


def test_the_measured_pace_needs_a_second_or_an_epoch_to_go_on():
    from explorer.runs.cost import measured

    assert measured(0.2, 10, 24) is None
    assert measured(0.2, 24, 24) == pytest.approx(0.2)
    assert measured(3.0, 100, 37_500) == pytest.approx(1125.0)
