"""Heavy setups on the Train page (AppTest): what one epoch costs is said beside Play, a slow setup is warned
about before Play and its epoch counter shows the steps within an epoch, and data that takes long to prepare
is prepared by a training process while the page shows placeholders."""

from __future__ import annotations

import time

import pytest
from streamlit.testing.v1 import AppTest

from explorer.runs import cost
from explorer.runs.remote_training import Progress
from tests.support.apptest import open_app, trainer
from ui.train import state, workers

HEAVIEST = {"hidden": ",".join(["512"] * 12), "n_samples": "50000", "batch_size": "1", "epochs": "5000"}
# Data a page should not prepare itself (about a second), yet quick for a training process to.
HEAVY_DATA = {"dataset": "classification", "n_samples": "20000", "n_features": "50", "scaler": "box_cox"}
SLOW_EPOCH = {"n_samples": "20000", "batch_size": "1", "hidden": "8", "epochs": "3"}  # about 2 s an epoch


def _epoch_metric(at: AppTest):
    return next(m for m in at.metric if m.label == "Epoch")


def test_beside_play_one_epoch_is_about_a_hundredth_of_a_second_for_the_default_setup():
    at = open_app(n_samples="1000", epochs="60", hidden="32,32")
    line = next(c.value for c in at.caption if c.value.startswith("One epoch: about"))
    assert line.endswith("(estimate)") and "0.01 s" in line
    assert not [w for w in at.warning if "One epoch of this setup" in w.value]
    at.button(key="train.step").click().run()
    line = next(c.value for c in at.caption if c.value.startswith("One epoch: about"))
    assert line.endswith("(measured)")  # once the run has trained an epoch, its own pace


def test_the_heaviest_setup_is_warned_about_before_play_naming_its_batch_size_and_what_to_change():
    at = open_app(**HEAVIEST)
    assert not at.exception
    line = next(c.value for c in at.caption if c.value.startswith("One epoch: about"))
    assert "min" in line  # minutes an epoch
    warning = next(w.value for w in at.warning if "One epoch of this setup" in w.value)
    assert "37,500 steps of 1 row" in warning and "Raise Batch size (at 64: about" in warning


def test_a_slow_epoch_shows_its_steps_on_the_epoch_counter():
    at = open_app(**SLOW_EPOCH)
    assert cost.estimate(trainer(at).config).seconds > cost.PROGRESS_EPOCH_S
    assert _epoch_metric(at).delta == "epoch 1: step 0 / 15,000 (paused)"
    at.button(key="train.play").click().run()  # the page's first tick trains a time slice of the epoch
    delta = _epoch_metric(at).delta
    done = int(delta.split("step ")[1].split(" /")[0].replace(",", ""))
    assert 0 < done < 15_000 and delta.startswith("epoch 1: step ") and delta.endswith("/ 15,000")


@pytest.fixture
def one_worker(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(workers.WORKERS_ENV, "1")


def _until_ready(at: AppTest, timeout: float = 60) -> AppTest:
    deadline = time.monotonic() + timeout
    while not at.session_state[state.RUN].ready:
        assert time.monotonic() < deadline, "the training process did not prepare the data in time"
        time.sleep(0.3)
        at.run()
    return at


def test_heavy_data_is_prepared_by_a_training_process_while_the_page_shows_placeholders(one_worker):
    at = open_app(**HEAVY_DATA)
    assert not at.exception and not at.error
    run = at.session_state[state.RUN]
    assert not run.ready and run.trainer is None  # nothing was prepared in the server's process
    assert any("Preparing the data in a training process" in i.value for i in at.info)
    assert "20,000 rows × 50 features" in next(i.value for i in at.info if "Preparing" in i.value)
    assert at.button(key="train.play").disabled and at.button(key="train.step").disabled
    _until_ready(at)
    assert not at.exception and not at.error
    assert not at.button(key="train.play").disabled
    at.button(key="train.step").click().run()
    assert trainer(at).epoch == 1 and trainer(at).prepared.X_train.shape == (15_000, 50)


def test_a_network_change_on_heavy_data_keeps_the_page_ready_and_the_process_prepares_its_own(one_worker):
    at = _until_ready(open_app(**HEAVY_DATA))
    prepared = trainer(at).prepared
    at.text_input(key="train.hidden").input("16").run()
    assert at.session_state[state.RUN].ready and trainer(at).prepared is prepared  # nothing to wait for here
    at.button(key="train.step").click().run()  # waits for the process's own copy (its cache), then trains
    assert trainer(at).epoch == 1 and trainer(at).config.hidden == (16,)


def test_data_a_training_process_cannot_prepare_is_one_line_and_play_stays_off(one_worker):
    at = open_app(**HEAVY_DATA)
    run = at.session_state[state.RUN]
    run.remote.receive(
        Progress(run.remote.id, 0, 0, 0.0, False, None, [], [], error="scaler=box_cox: boom", refused=True)
    )
    at.run()
    assert not at.exception
    assert any("could not be prepared: scaler=box_cox: boom" in e.value for e in at.error)
    assert at.button(key="train.play").disabled


def test_a_heavy_links_skew_on_a_missing_feature_is_named_at_once(one_worker):
    at = open_app(**HEAVY_DATA, skew="70:lognormal:1")
    assert not at.exception
    assert any("feature 70 does not exist" in w.value for w in at.warning)
    assert at.session_state[state.RUN].config.skew == ""  # the link's settings fell back, as for light data
    assert at.session_state[state.RUN].ready


def test_an_a_b_pair_on_heavy_data_waits_for_both_runs_then_steps_them_together(one_worker):
    at = open_app(**HEAVY_DATA, ab="norm:bn_after")
    assert not at.exception and not at.error
    deadline = time.monotonic() + 90
    while not (at.session_state[state.RUN].ready and at.session_state[state.B_RUN].ready):
        assert time.monotonic() < deadline, "the training process did not prepare both runs' data in time"
        time.sleep(0.3)
        at.run()
    assert not at.exception and not at.error
    at.button(key="train.step").click().run()
    assert trainer(at).epoch == 1 and at.session_state[state.B_RUN].trainer.epoch == 1
    assert at.session_state[state.B_RUN].config.norm == "bn_after"
