"""The previous run stays as a ghost when a setting restarts the run: one change becomes one comparison."""

from __future__ import annotations

from tests.support.apptest import metric, open_app, trainer
from ui.train import state


def _ghost_caption(at) -> str:
    return next((c.value for c in at.caption if c.value.startswith("Faded lines")), "")


def test_a_restarting_change_keeps_the_trained_run_as_a_labelled_ghost():
    at = open_app(scaler="standard")
    at.button(key="train.step").click().run()
    at.button(key="train.step").click().run()
    finished = trainer(at).curve[-1]
    at.selectbox(key="train.scaler").set_value("none").run()
    assert metric(at, "Epoch") == "0 / 5"  # a new run ...
    ghost = at.session_state[state.GHOST]
    assert ghost.curve[-1] == finished and ghost.config.scaler == "standard"  # ... and the old one kept
    caption = _ghost_caption(at)
    assert "before: scaler=standard" in caption and "epoch 2" in caption and f"{finished['test_loss']:.4g}" in caption


def test_two_changes_before_training_compare_with_the_last_run_that_trained():
    at = open_app(scaler="standard", activation="relu")
    at.button(key="train.step").click().run()
    at.selectbox(key="train.scaler").set_value("none").run()
    at.selectbox(key="train.activation").set_value("tanh").run()  # the scaler=none run never trained
    assert "before: scaler=standard, activation=relu" in _ghost_caption(at)


def test_live_changes_and_reset_make_no_ghost_and_dismiss_removes_it():
    at = open_app()
    at.button(key="train.step").click().run()
    at.select_slider(key="train.lr").set_value(0.1).run()  # applies to the running training
    at.button(key="train.reset").click().run()
    assert state.GHOST not in at.session_state and not _ghost_caption(at)
    at.button(key="train.step").click().run()
    at.number_input(key="train.seed").set_value(3).run()
    assert "before: seed=0" in _ghost_caption(at)
    at.button(key="train.dismiss_ghost").click().run()
    assert state.GHOST not in at.session_state and not _ghost_caption(at)


def test_an_overfitting_regression_run_says_so():
    at = open_app(dataset="diabetes", optimizer="adam", lr="0.01", norm="none", epochs="40", weight_decay="0")
    for _ in range(3):
        at.button(key="train.step").click().run()
    trainer(at).advance(epochs=37)
    at.run()
    assert any(w.value.startswith("Overfitting: the test loss is") for w in at.warning)
