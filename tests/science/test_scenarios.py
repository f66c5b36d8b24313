"""Each preset that names an effect shows it: medians over its 5 seeds, with thresholds at most half the
effect measured when the preset was written (in the comments), so seed noise cannot flip the result."""

from __future__ import annotations

import pytest

from explorer.sweeps.sweep import run
from explorer.teaching.scenarios import SCENARIOS

pytestmark = pytest.mark.slow


def _medians(name: str) -> dict[tuple, float]:
    result = run(SCENARIOS[name].sweep())
    return {tuple(row["config"].values()): row["metric"]["median"] for row in result.summary}


def test_one_feature_x1000_without_a_scaler_stalls_and_standardizing_fixes_it():
    medians = _medians("feature_x1000")
    assert medians[("none",)] < 0.65  # measured 0.50: chance on two balanced classes
    assert medians[("standard",)] - medians[("none",)] > 0.2  # measured 0.47


def test_a_lognormal_shape_at_equal_scale_costs_accuracy_and_quantile_normal_wins_it_back():
    medians = _medians("lognormal_same_scale")
    shape_cost = medians[("", "standard")] - medians[("all:lognormal:1.5", "standard")]
    assert shape_cost > 0.04  # measured 0.080
    gaussianized = medians[("all:lognormal:1.5", "quantile_normal")] - medians[("all:lognormal:1.5", "standard")]
    assert gaussianized > 0.035  # measured 0.076


def test_every_scenario_has_a_grid_and_words():
    for scenario in SCENARIOS.values():
        assert scenario.grid and scenario.question and scenario.look_at and scenario.title
        assert scenario.config().replace(**scenario.overrides) == scenario.config()
