"""A | B on the Train page: a second run one key apart, in lockstep, on the same chart and screen, in the link."""

from __future__ import annotations

from tests.support.apptest import as_shown, charts, open_app, trainer
from ui.train import pair, state


def _b(at):
    return at.session_state[state.B_RUN].trainer


def test_switching_it_on_first_pairs_bn_before_and_after_a_sigmoid_and_both_step_together():
    at = open_app()
    at.toggle(key=pair.ON).set_value(True).run()
    assert trainer(at).config.norm == "bn_before" and trainer(at).config.activation == "sigmoid"
    assert _b(at).config == trainer(at).config.replace(norm="bn_after")  # the same seed and data, one key apart
    assert at.query_params["ab"] == "norm:bn_after"  # a shared link shows the same pair
    at.button(key="train.step").click().run()
    at.button(key="train.step").click().run()
    assert trainer(at).epoch == _b(at).epoch == 2
    loss = charts(at)["Loss"][1]
    assert set(loss["run"].astype(str)) == {"", "B: norm=bn_after"}  # both curves on one chart
    assert {"The network, stage by stage"} <= set(charts(at))
    test_loss = next(m for m in at.metric if m.label == "Test loss")
    assert test_loss.proto.delta.startswith("B: ")  # both final numbers in the status row


def test_a_link_opens_on_its_pair_and_a_bad_pair_is_named_and_ignored():
    at = open_app(ab="scaler:none")
    assert _b(at).config.scaler == "none" and trainer(at).config.scaler == "standard"
    bad = open_app(ab="hidden:8")
    assert state.B_RUN not in bad.session_state
    assert any("ab='hidden:8'" in as_shown(w.value) for w in bad.warning)


def test_play_pause_and_reset_act_on_both_and_a_new_value_restarts_both_in_step():
    at = open_app(ab="lr:0.05", epochs="400")
    at.button(key="train.step").click().run()
    at.text_input(key=pair.VALUE).set_value("0.2").run()  # a learning rate applies live: still in step
    assert _b(at).config.lr == 0.2 and trainer(at).config.lr == 0.01 and trainer(at).epoch == _b(at).epoch == 1
    at.selectbox(key=pair.KEY).set_value("norm").run()  # another key: both start again from epoch 0, in step
    assert _b(at).config.norm != trainer(at).config.norm and trainer(at).epoch == _b(at).epoch == 0
    at.button(key="train.step").click().run()
    at.button(key="train.reset").click().run()
    assert trainer(at).epoch == _b(at).epoch == 0
    at.toggle(key=pair.ON).set_value(False).run()
    assert state.B_RUN not in at.session_state and "ab" not in at.query_params
