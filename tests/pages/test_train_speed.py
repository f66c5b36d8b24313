"""The Speed control: a run plays at a pace a learner can watch, and a new speed applies at once."""

from __future__ import annotations

import time

from streamlit.testing.v1 import AppTest

from explorer.runs.speed import DEFAULT_SPEED
from tests.support.apptest import metric, open_app, trainer
from ui.train import state, views


def _play_for(at: AppTest, seconds: float) -> int:
    """Rerun the page (its tick trains) for `seconds`; the epochs trained meanwhile."""
    start, end = trainer(at).epoch, time.monotonic() + seconds
    while time.monotonic() < end:
        at.run()
        time.sleep(0.1)
    return trainer(at).epoch - start


def test_the_default_speed_is_watchable_and_as_fast_as_it_goes_is_not_limited():
    at = open_app(epochs="400", n_samples="300")
    speed = at.select_slider(key=views.SPEED_CHOICE)
    assert speed.value == state.speed_text(DEFAULT_SPEED) == "3 epochs / s"
    at.button(key="train.play").click().run()
    paced = _play_for(at, 2.0)
    assert 3 <= paced <= 9, paced  # ~3 a second: each redraw (2 a second) shows a new epoch
    assert "epochs / s" in at.metric[0].proto.delta  # the counter says how fast it trains now
    speed.set_value("as fast as it goes").run()
    assert trainer(at).epoch < 400 and at.session_state[state.SPEED] is None  # live: the run goes on
    flat_out = _play_for(at, 2.0)
    assert flat_out > 3 * paced, (paced, flat_out)


def test_a_new_speed_does_not_restart_the_run():
    at = open_app(epochs="400")
    at.button(key="train.step").click().run()
    before = trainer(at)
    at.select_slider(key=views.SPEED_CHOICE).set_value("1 epoch / s").run()
    assert trainer(at) is before and metric(at, "Epoch") == "1 / 400" and not at.toast
