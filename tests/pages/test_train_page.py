"""The Train page driven through AppTest: small runs set through the URL, as a shared link would."""

from __future__ import annotations

import threading

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from explorer.config import Config
from tests.support.apptest import APP, charts, metric, open_app, trainer
from ui import router
from ui.train import state
from ui.train.slots import TrainingSlots


def test_the_page_loads_with_defaults_and_writes_them_to_the_url():
    at = AppTest.from_file(str(APP), default_timeout=60).switch_page(router.TRAIN.path).run()
    assert not at.exception and not at.error
    assert at.title[0].value == "Train"
    assert metric(at, "Epoch") == "0 / 60"
    assert {"Loss", "Decision boundary and test points"} <= set(charts(at))
    assert at.query_params["norm"] == "none" and at.query_params["hidden"] == "32,32"


def test_step_advances_one_epoch_and_adds_points_to_the_charts():
    at = open_app(norm="bn_before")
    before = charts(at)
    assert len(before["Loss"][1]) == 0
    at.button(key="train.step").click().run()
    after = charts(at)
    assert metric(at, "Epoch") == "1 / 5"
    assert len(after["Loss"][1]) == 1
    assert len(after["The network, stage by stage"][1]) > 0  # every layer's boxes, at the top of the page
    for title, (spec, _) in before.items():  # only the rows changed: the browser keeps each chart
        assert spec == after[title][0], title


def _stage_columns(at: AppTest) -> list[str]:
    """The network figure's boxes of a layer, in the order they are drawn (the placement's)."""
    frame = charts(at)["The network, stage by stage"][1]
    return frame[frame["kind"] == "bin"].sort_values("step")["column"].unique().tolist()


def test_changing_the_placement_changes_the_stages_shown():
    at = open_app(norm="bn_before")
    at.button(key="train.step").click().run()
    assert _stage_columns(at) == ["1 · linear (W·u + b)", "2 · batch norm", "3 · ReLU"]

    at.selectbox(key="train.norm").set_value("bn_after").run()
    assert "restarted from epoch 0" in at.toast[0].value
    at.button(key="train.step").click().run()
    assert _stage_columns(at) == ["1 · linear (W·u + b)", "2 · ReLU", "3 · batch norm"]

    at.selectbox(key="train.norm").set_value("ln_before").run()
    at.button(key="train.step").click().run()
    assert _stage_columns(at) == ["1 · linear (W·u + b)", "2 · layer norm", "3 · ReLU"]

    at.selectbox(key="train.norm").set_value("none").run()
    at.button(key="train.step").click().run()
    assert _stage_columns(at) == ["1 · linear (W·u + b)", "2 · ReLU"]
    assert not at.exception


def test_batch_size_one_with_batch_norm_shows_one_line_and_keeps_the_run():
    at = open_app(norm="bn_before")
    at.button(key="train.step").click().run()
    at.number_input(key="train.batch_size").set_value(1).run()
    assert not at.exception
    assert len(at.error) == 1 and "batch norm needs at least 2 rows" in at.error[0].value
    assert "the charts below show the last valid run" in at.error[0].value
    assert metric(at, "Epoch") == "1 / 5"  # the previous run is still there ...
    assert at.button(key="train.step").disabled and at.button(key="train.play").disabled  # ... but won't train
    assert at.number_input(key="train.batch_size").value == 1  # and what the user typed is kept
    assert at.query_params["batch_size"] == "32"  # the link still describes the run on screen
    at.number_input(key="train.batch_size").set_value(16).run()
    assert not at.error and not at.button(key="train.step").disabled


def test_a_skew_on_a_feature_the_new_data_lacks_shows_one_line_and_keeps_the_run():
    at = open_app(dataset="classification", n_features="4", skew="3:scale:10")
    at.button(key="train.step").click().run()
    at.selectbox(key="train.dataset").set_value("moons").run()
    assert not at.exception
    assert len(at.error) == 1 and "feature 3 does not exist" in at.error[0].value
    assert trainer(at).config.dataset == "classification" and trainer(at).epoch == 1


def test_a_bad_hidden_width_is_reported_and_the_app_keeps_running():
    at = open_app()
    at.text_input(key="train.hidden").input("8,zero").run()
    assert len(at.error) == 1 and "hidden" in at.error[0].value.lower()
    assert at.button(key="train.step").disabled  # Step would train the last valid network, not "8,zero"
    at.text_input(key="train.hidden").input("8,8").run()
    at.button(key="train.step").click().run()
    assert metric(at, "Epoch") == "1 / 5"


def test_the_learning_rate_applies_to_the_running_training_without_reset():
    at = open_app()
    at.button(key="train.step").click().run()
    at.select_slider(key="train.lr").set_value(0.1).run()
    assert trainer(at).lr == 0.1 and trainer(at).epoch == 1
    assert not at.toast
    assert at.query_params["lr"] == "0.1"


def test_changing_the_data_resets_the_run_and_says_so():
    at = open_app()
    at.button(key="train.step").click().run()
    at.number_input(key="train.noise").set_value(0.3).run()
    assert trainer(at).epoch == 0
    assert "Data changed (noise)" in at.toast[0].value


def test_a_finished_run_can_be_lengthened_without_starting_again():
    at = open_app(epochs="1")
    at.button(key="train.step").click().run()
    assert at.button(key="train.play").disabled and "Finished 1 epochs" in at.success[0].value
    at.number_input(key="train.epochs").set_value(2).run()
    at.button(key="train.step").click().run()
    assert metric(at, "Epoch") == "2 / 2"


def test_divergence_shows_a_warning_with_a_hint_instead_of_broken_charts():
    at = open_app(hidden="32,32", optimizer="sgd", lr="10", norm="none", init="normal:3")
    at.button(key="train.step").click().run()
    at.button(key="train.step").click().run()
    assert not at.exception
    warning = " ".join(w.value for w in at.warning)
    assert "diverged" in warning and "Lower the learning rate" in warning
    loss = charts(at)["Loss"][1]
    assert len(loss) == trainer(at).epoch == 1
    assert loss[["train", "test"]].notna().all().all()  # only the finite epochs are drawn


def test_bad_url_values_are_named_and_the_rest_is_used():
    at = open_app(hidden="8,x", activation="tanh", colour="red")
    assert not at.exception
    text = at.warning[0].value
    assert "hidden" in text and "'colour'" in text
    assert trainer(at).config.activation == "tanh"


def test_a_link_cannot_point_the_app_at_a_server_file():
    at = open_app(dataset="csv", csv_path="/etc/passwd")
    assert "csv_path" in at.warning[0].value
    assert trainer(at).config.dataset == "moons" and "csv_path" not in at.query_params


@pytest.mark.parametrize(("dataset", "expected"), [("diabetes", "Test R²"), ("iris", "Test accuracy")])
def test_bundled_datasets_train_and_say_why_there_is_no_surface(dataset: str, expected: str):
    at = open_app(dataset=dataset)
    at.button(key="train.step").click().run()
    assert not at.exception and not at.error
    assert metric(at, expected) != "–"
    assert "Decision boundary and test points" not in charts(at)
    assert any("two-feature data" in c.value for c in at.caption)


def _csv(rows: int = 60) -> bytes:
    lines = ["a,b,label"] + [f"{i % 7},{(i * 3) % 11},{'yes' if i % 2 else 'no'}" for i in range(rows)]
    return "\n".join(lines).encode()


def test_csv_waits_for_an_upload_then_trains_on_it_and_keeps_its_path_out_of_the_link():
    at = open_app()
    at.selectbox(key="train.dataset").set_value("csv").run()
    assert "Upload a CSV" in at.info[0].value and trainer(at).config.dataset == "moons"
    at.get("file_uploader")[0].upload("mine.csv", _csv(), "text/csv")
    at.run()
    assert not at.exception and not at.error
    assert trainer(at).config.dataset == "csv" and trainer(at).config.target == "label"
    assert at.query_params["dataset"] == "csv" and "csv_path" not in at.query_params
    at.button(key="train.step").click().run()
    assert metric(at, "Epoch") == "1 / 5"


def test_a_csv_with_an_id_like_text_column_is_one_line_and_the_run_stays():
    at = open_app(dataset="iris")
    at.selectbox(key="train.dataset").set_value("csv").run()
    rows = b"".join(b"id%d,%d,%d\n" % (i, i % 5, i % 2) for i in range(60))
    at.get("file_uploader")[0].upload("ids.csv", b"name,x,y\n" + rows, "text/csv")
    at.run()
    assert len(at.error) == 1 and "column 'name' is text with 60 distinct values" in at.error[0].value
    assert trainer(at).config.dataset == "iris"
    assert at.button(key="train.play").disabled


def test_a_link_whose_settings_cannot_be_built_opens_on_the_defaults_and_says_why():
    at = open_app(skew="5:scale:2")  # moons has features 0 and 1
    assert not at.exception
    assert "feature 5 does not exist" in at.warning[0].value
    assert trainer(at).config.skew == "" and trainer(at).config.epochs == Config().epochs


def test_after_divergence_a_new_learning_rate_starts_a_fresh_run():
    at = open_app(hidden="32,32", optimizer="sgd", lr="10", norm="none", init="normal:3")
    at.button(key="train.step").click().run()
    at.button(key="train.step").click().run()
    assert trainer(at).diverged
    at.select_slider(key="train.lr").set_value(0.01).run()
    assert not trainer(at).diverged and trainer(at).epoch == 0 and trainer(at).lr == 0.01


def test_switching_to_the_data_page_and_back_keeps_the_run_and_the_settings():
    at = open_app()
    at.number_input(key="train.noise").set_value(0.3).run()
    at.button(key="train.step").click().run()
    at.switch_page(router.DATA.path).run()
    at.switch_page(router.TRAIN.path).run()
    assert not at.exception
    assert metric(at, "Epoch") == "1 / 5"
    assert at.number_input(key="train.noise").value == 0.3


def test_a_links_small_init_std_is_kept_as_sent():
    """The Init std widget's bounds are the Config's: a valid std below the old 0.001 floor is not clamped."""
    at = open_app(norm="none", init="normal:0.0002")
    assert not at.exception and not at.toast and not at.warning
    assert trainer(at).config.init == "normal:0.0002"
    assert at.number_input(key="train.init_std").value == 0.0002
    assert at.query_params["init"] == "normal:0.0002"


def test_the_init_control_offers_uniform_weights_of_a_chosen_std_and_he_uniform():
    at = open_app(norm="none", init="uniform:0.3")
    assert not at.exception and not at.warning
    assert at.selectbox(key="train.init").value == "uniform"
    assert at.number_input(key="train.init_std").value == 0.3
    assert trainer(at).config.init == "uniform:0.3"
    at.selectbox(key="train.init").set_value("normal").run()  # the same std, another shape
    assert trainer(at).config.init == "normal:0.3" and at.query_params["init"] == "normal:0.3"
    at.selectbox(key="train.init").set_value("he_uniform").run()
    assert trainer(at).config.init == "he_uniform" and at.query_params["init"] == "he_uniform"
    assert "train.init_std" not in [w.key for w in at.number_input]  # a named rule has its own std


def test_reset_and_network_or_training_changes_reuse_the_prepared_data():
    at = open_app()
    prepared = trainer(at).prepared
    at.button(key="train.step").click().run()
    at.button(key="train.reset").click().run()
    assert trainer(at).epoch == 0 and trainer(at).prepared is prepared
    at.selectbox(key="train.norm").set_value("bn_after").run()
    assert "Network changed (norm)" in at.toast[0].value and trainer(at).prepared is prepared
    at.selectbox(key="train.optimizer").set_value("sgd").run()
    assert trainer(at).config.optimizer == "sgd" and trainer(at).prepared is prepared
    at.number_input(key="train.seed").set_value(1).run()  # the seed also draws the data and the split
    assert trainer(at).config.seed == 1 and trainer(at).prepared is not prepared
    assert trainer(at).prepared.config.seed == 1


def test_a_click_during_a_tick_waits_for_it_and_then_sees_where_it_stopped():
    """A click's rerun can start in a new script thread while the old one is still inside `advance`.

    The tick is held inside `advance` until the click has tried the lock, so the order does not depend on
    how busy the machine is (its own slots: no other test's session can queue it)."""
    run = state._build(Config(n_samples=200, hidden=(8, 8), epochs=5_000))
    run.playing = True
    inside, go_on = threading.Event(), threading.Event()
    advance = run.trainer.advance

    def held_advance(**budget):
        inside.set()
        go_on.wait(timeout=10)
        return advance(**budget)

    run.trainer.advance = held_advance
    ticking = threading.Thread(target=state.tick, args=(run, TrainingSlots(1)))
    ticking.start()
    assert inside.wait(timeout=10), "the tick trains"
    assert run.lock.locked(), "the tick trains with the run's lock held"
    seen: list[int] = []

    def pause() -> None:  # as pause() does
        with run.lock:
            run.playing = False
            seen.append(run.trainer.epoch)

    clicking = threading.Thread(target=pause)
    clicking.start()
    clicking.join(timeout=0.2)
    assert clicking.is_alive() and not seen, "the click waits for the tick"
    go_on.set()
    ticking.join(timeout=10)
    clicking.join(timeout=10)
    assert run.trainer.epoch == seen[0] > 0


def _eval_loss(at) -> str:
    """Train loss in eval mode, shown under the running train loss ('eval: 0.3111')."""
    delta = next(m.proto.delta for m in at.metric if m.label == "Train loss")
    return delta.removeprefix("eval: ")


def test_train_loss_in_eval_mode_is_shown_beside_the_running_train_loss():
    at = open_app(norm="bn_before")
    assert _eval_loss(at) == "–"
    at.button(key="train.step").click().run()
    shown = float(_eval_loss(at))
    assert shown == pytest.approx(trainer(at).records[-1]["train_loss_eval"], rel=1e-3)
    assert shown != float(metric(at, "Train loss"))  # eval mode at the epoch's end, not the batches' mean
    assert not at.exception


def test_a_rerun_of_the_whole_page_while_playing_draws_the_charts_it_drew_last(monkeypatch):
    """A click while training plays (here: Epochs) need not re-render every chart in the browser: their own
    fragments redraw them on time. Identical rows are bytes the browser's charts skip."""
    monkeypatch.setattr(state, "charts_every", lambda: 60.0)  # the charts' own redraw is a minute away...
    monkeypatch.setattr(state, "inside_every", lambda: 60.0)
    at = open_app(epochs="4000")
    at.button(key="train.step").click().run()
    drawn = {title: rows for title, (_, rows) in charts(at).items()}
    at.button(key="train.play").click().run()  # a rerun of the whole page; the tick in it trains on
    at.number_input(key="train.epochs").set_value(4050).run()  # and another
    assert trainer(at).epoch > 1 and metric(at, "Epoch").endswith("/ 4050")
    again = {title: rows for title, (_, rows) in charts(at).items()}
    assert again.keys() == drawn.keys()
    for title, rows in drawn.items():
        pd.testing.assert_frame_equal(again[title], rows)  # the rows drawn at epoch 1, byte for byte
    monkeypatch.setattr(state, "charts_every", lambda: 0.0)  # ...and now it is due
    monkeypatch.setattr(state, "inside_every", lambda: 0.0)
    at.number_input(key="train.epochs").set_value(4100).run()
    assert charts(at)["Loss"][1]["epoch"].max() > drawn["Loss"]["epoch"].max()
    at.button(key="train.pause").click().run()  # paused: a rerun draws what the run has now
    assert charts(at)["Loss"][1]["epoch"].max() == trainer(at).epoch
