"""The Train page with its runs in a training process (AppTest): Step shows the worker's epoch, and a
training process that dies costs the run, not the page."""

from __future__ import annotations

import threading
import time
from types import SimpleNamespace

import pytest
from streamlit.testing.v1 import AppTest

from explorer.config import Config
from explorer.runs.remote_training import TrainingPool
from tests.support.apptest import APP, metric, open_app, trainer
from ui import router
from ui.train import state, workers


@pytest.fixture
def one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(workers.WORKERS_ENV, "1")


def _step(at: AppTest) -> AppTest:
    return at.button(key="train.step").click().run()


def test_step_trains_in_the_worker_and_the_page_shows_its_epoch(one_worker):
    at = _step(open_app())
    run = at.session_state["train.run"]
    assert run.remote is not None  # trained there, not in the script thread
    assert metric(at, "Epoch") == "1 / 5" and trainer(at).epoch == 1 and len(trainer(at).curve) == 1


def test_a_dead_training_process_costs_nothing_the_run_is_replayed_to_its_epoch_and_says_so(one_worker):
    at = _step(_step(open_app()))
    before = list(trainer(at).curve)
    (channel,) = workers.pool().warm()
    channel.process.kill()
    channel.process.join(10)
    at = _step(at)  # the Step finds the process gone: the run is replayed in a new one, to where it was
    assert not at.exception and not at.error
    assert metric(at, "Epoch") == "2 / 5" and trainer(at).curve == before  # seeded: the same numbers
    assert any("restored to epoch 2" in info.value for info in at.info)  # one line says what happened
    assert state.GHOST not in at.session_state  # nothing to compare: it is the same run
    at = _step(at)
    assert metric(at, "Epoch") == "3 / 5"


@pytest.mark.parametrize(
    ("playing", "tick", "charts", "inside"),
    [(0, 0.5, 0.5, 2.0), (2, 0.5, 0.5, 2.0), (8, 0.5, 1.4, 5.0), (30, 0.6, 5.25, 18.75)],
)
def test_the_page_redraws_less_often_the_more_sessions_play(monkeypatch, playing, tick, charts, inside):
    """Every playing session's redraws share about one core: their cost stays within its budget, and the
    epoch counter still moves at least once a second with 30 sessions."""
    monkeypatch.setattr(workers, "pool", lambda: SimpleNamespace(playing=playing))
    assert state.tick_every() == pytest.approx(tick, abs=0.01)
    assert state.charts_every() == pytest.approx(charts, abs=0.01)
    assert state.inside_every() == pytest.approx(inside, abs=0.01)
    assert playing * state.CHART_COST_S / state.charts_every() <= state.CHARTS_SHARE + 1e-9


def test_a_pool_counts_the_runs_that_play_until_they_finish(one_worker):
    pool = TrainingPool(1)
    try:
        first, second = pool.start(Config(n_samples=200, hidden=(4,), epochs=2)), pool.start(Config(n_samples=200))
        first.play()
        second.play()
        assert pool.playing == 2
        second.pause()
        assert pool.playing == 1
        deadline = time.monotonic() + 60
        while not first.trainer.done:
            assert time.monotonic() < deadline
            time.sleep(0.05)
            first.look()
            first.sync()
        assert pool.playing == 0
    finally:
        pool.close()


def test_the_first_page_of_any_kind_starts_the_training_processes(one_worker, monkeypatch):
    """Opening Learn (the landing page) starts them in the background, so a first Play on Train does not
    wait seconds for them to import torch."""
    monkeypatch.setattr(router, "_warming", threading.Event())  # as on a fresh server
    monkeypatch.setattr(workers, "_POOLS", {})
    AppTest.from_file(str(APP), default_timeout=60).run()  # the Learn page
    deadline = time.monotonic() + 30
    while not workers._POOLS and time.monotonic() < deadline:
        time.sleep(0.05)
    assert workers._POOLS and all(channel.alive for channel in workers._POOLS[1].warm())
