"""The skew editor (ui/skew_editor.py) alone and in the Train sidebar, and the sidebar's presets, labels,
help texts and problem lines (ui/train/controls.py), driven through AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.teaching.scenarios import SCENARIOS
from ui import router, skew_editor
from ui.skew_editor import features_problem, items, row_label, skew_problem
from ui.train import controls as train_controls

APP = Path(__file__).resolve().parents[2] / "app.py"
SMALL = {"n_samples": "200", "epochs": "5", "hidden": "8,8"}


# ---- pure helpers ----------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["all", "even", "odd", "0", "0,2", "0-2", " 0, 2 "])
def test_valid_feature_selectors_have_no_problem(text: str):
    assert features_problem(text, 3) == ""


@pytest.mark.parametrize(
    ("text", "n_features", "expected"),
    [
        ("", None, "Type which features"),
        ("   ", 2, "Type which features"),
        ("abc", None, "use all, even, odd"),
        ("0;1", None, "use all, even, odd"),
        ("3-1", None, "is empty or negative"),
        ("5", 2, "feature 5 does not exist"),
        ("0-9", 4, "feature 9 does not exist"),
    ],
)
def test_invalid_feature_selectors_say_why(text: str, n_features: int | None, expected: str):
    assert expected in features_problem(text, n_features)


def test_rows_read_like_sentences_and_items_are_canonical():
    assert row_label("0:lognormal:1.5") == "feature 0 · lognormal · 1.5"
    assert row_label("0,2:scale:1000") == "features 0,2 · scale · 1000"
    assert row_label("all:heavy_tail:6") == "all features · heavy tail · 6"
    assert items("0:lognormal:1.50; 1:scale:1e3") == ["0:lognormal:1.5", "1:scale:1000"]
    assert items("0:nonsense:1") == []
    assert skew_problem("0:scale:10;3:shift:5", 2).endswith("this data has features 0-1")
    assert skew_problem("3:shift:5", None) == skew_problem("3:shift:5", 4) == ""


def test_every_kind_has_a_label_a_default_in_range_and_help():
    from explorer.config.skew_grammar import AMOUNT_RANGES, KINDS, parse_skew

    assert set(skew_editor.KIND_LABELS) == set(KINDS) == set(skew_editor.DEFAULT_AMOUNTS)
    for kind, amount in skew_editor.DEFAULT_AMOUNTS.items():
        parse_skew(f"0:{kind}:{amount}")  # raises when out of range
        assert skew_editor.KIND_LABELS[kind] in skew_editor.KIND_HELP
    for steps, kind in ((skew_editor.SCALE_STEPS, "scale"), (skew_editor.SHIFT_STEPS, "shift")):
        lo, hi = AMOUNT_RANGES[kind]
        assert all(lo <= s <= hi for s in steps) and skew_editor.DEFAULT_AMOUNTS[kind] in steps


# ---- the editor alone ------------------------------------------------------------------------
def _editor_script(n_features: int | None, take: bool) -> None:
    import streamlit as st

    from ui.skew_editor import skew_editor

    st.session_state["out"] = skew_editor("t.", st.session_state.get("source", ""), n_features)
    if take:  # as a page does: the editor's skew becomes the Config's, seen on the next run
        st.session_state["source"] = st.session_state["out"]


def editor(n_features: int | None = 2, source: str = "", take: bool = False) -> AppTest:
    at = AppTest.from_function(_editor_script, args=(n_features, take), default_timeout=30)
    at.session_state["source"] = source
    return at.run()


def _row_texts(at: AppTest) -> list[str]:
    return [m.value for m in at.markdown if "·" in m.value]


@pytest.mark.parametrize(("text", "message"), [("", "Type which features"), ("x1", "use all"), ("2", "feature 2")])
def test_add_is_disabled_with_a_one_line_reason_while_the_features_text_is_invalid(text: str, message: str):
    at = editor(n_features=2)
    assert not at.button(key="t.add").disabled  # starts on a valid "0"
    at.text_input(key="t.features").input(text).run()
    assert at.button(key="t.add").disabled
    assert [c.value for c in at.caption if message in c.value], "the reason is shown under the input"
    assert at.session_state["out"] == "" and not _row_texts(at)
    at.text_input(key="t.features").input("1").run()
    assert not at.button(key="t.add").disabled and not [c for c in at.caption if message in c.value]


def test_adding_and_removing_rows_changes_the_skew_in_order():
    at = editor()
    at.slider(key="t.amount.lognormal").set_value(2.0)
    at.button(key="t.add").click().run()
    assert at.session_state["out"] == "0:lognormal:2"
    at.text_input(key="t.features").input("all").run()
    at.selectbox(key="t.kind").set_value("scale").run()
    assert at.select_slider(key="t.amount.scale").value == 1000  # each kind starts at its own default
    at.select_slider(key="t.amount.scale").set_value(0.01)
    at.button(key="t.add").click().run()
    assert at.session_state["out"] == "0:lognormal:2;all:scale:0.01"
    assert _row_texts(at) == ["feature 0 · lognormal · 2", "all features · scale · 0.01"]
    at.button(key="t.remove.0").click().run()
    assert at.session_state["out"] == "all:scale:0.01"
    assert _row_texts(at) == ["all features · scale · 0.01"]
    at.button(key="t.remove.0").click().run()
    assert at.session_state["out"] == "" and not _row_texts(at)


def test_add_is_disabled_at_the_configs_cap_with_its_own_line():
    at = editor()
    for _ in range(skew_editor.MAX_SKEW_ITEMS):
        assert not at.button(key="t.add").disabled
        at.button(key="t.add").click().run()
    assert len(_row_texts(at)) == skew_editor.MAX_SKEW_ITEMS
    assert at.button(key="t.add").disabled
    assert [c.value for c in at.caption if f"at most {skew_editor.MAX_SKEW_ITEMS}" in c.value]
    at.button(key="t.remove.0").click().run()
    assert not at.button(key="t.add").disabled
    assert not [c.value for c in at.caption if f"at most {skew_editor.MAX_SKEW_ITEMS}" in c.value]


def test_each_kinds_amount_widget_covers_its_valid_range():
    at = editor()
    for kind in ("heavy_tail", "uniform", "bimodal", "discretize", "outliers", "lognormal"):
        at.selectbox(key="t.kind").set_value(kind).run()
        slider = at.slider(key=f"t.amount.{kind}")
        assert slider.value == skew_editor.DEFAULT_AMOUNTS[kind]
        assert slider.max == skew_editor.AMOUNT_RANGES[kind][1]
    assert at.slider(key="t.amount.lognormal").min == 0.0
    at.selectbox(key="t.kind").set_value("outliers").run()
    assert at.slider(key="t.amount.outliers").min > 0  # a share of 0 outliers is not a valid skew
    at.selectbox(key="t.kind").set_value("shift").run()
    assert at.select_slider(key="t.amount.shift").value == 50


def test_the_list_reseeds_when_the_skew_changes_outside_but_keeps_edits_otherwise():
    at = editor(source="1:shift:5")
    assert _row_texts(at) == ["feature 1 · shift · 5"]
    at.button(key="t.add").click().run()  # an edit the caller has not taken: the source is unchanged
    at.run()
    assert at.session_state["out"] == "1:shift:5;0:lognormal:1.5"
    at.session_state["source"] = "all:outliers:0.02"  # e.g. a preset or a link
    at.run()
    assert at.session_state["out"] == "all:outliers:0.02"
    assert _row_texts(at) == ["all features · outliers · 0.02"]


def test_edits_taken_by_the_caller_are_not_undone_on_the_next_run():
    at = editor(take=True)
    at.button(key="t.add").click().run()
    at.button(key="t.add").click().run()
    assert at.session_state["out"] == "0:lognormal:1.5;0:lognormal:1.5"
    at.button(key="t.remove.1").click().run()
    assert at.session_state["out"] == "0:lognormal:1.5"
    at.button(key="t.remove.0").click().run()
    at.run()
    assert at.session_state["out"] == "" and not _row_texts(at)


def test_a_row_on_a_missing_feature_is_marked():
    at = editor(n_features=2, source="5:scale:10")
    assert any("feature 5 does not exist" in c.value for c in at.caption)


# ---- the Train sidebar -----------------------------------------------------------------------
def open_train(**params: str) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page(router.TRAIN.path)
    at.query_params.update({**SMALL, **params})
    return at.run()


def run_config(at: AppTest):
    return at.session_state["train.run"].trainer.config


def test_train_sidebar_rows_edit_the_runs_skew_and_a_bad_feature_cannot_be_added():
    at = open_train()
    assert not at.exception
    at.text_input(key="train.skew.features").input("7").run()
    assert at.button(key="train.skew.add").disabled
    assert any("feature 7 does not exist" in c.value for c in at.caption)  # moons has features 0 and 1
    at.text_input(key="train.skew.features").input("1").run()
    at.selectbox(key="train.skew.kind").set_value("scale").run()
    at.button(key="train.skew.add").click().run()
    assert not at.exception and not at.error
    assert run_config(at).skew == "1:scale:1000" and at.query_params["skew"] == "1:scale:1000"
    at.button(key="train.skew.remove.0").click().run()
    assert run_config(at).skew == "" and "skew" not in at.query_params


def test_a_link_seeds_the_skew_rows():
    at = open_train(skew="0:lognormal:1.5;1:scale:100")
    assert _row_texts(at) == ["feature 0 · lognormal · 1.5", "feature 1 · scale · 100"]


def test_a_preset_sets_all_its_keys_at_once_and_reseeds_the_widgets():
    at = open_train(activation="tanh", seed="3")
    at.selectbox(key="train.preset").set_value("feature_x1000").run()
    assert not at.exception and not at.error
    scenario = SCENARIOS["feature_x1000"]
    config = run_config(at)
    for key, value in scenario.overrides.items():
        assert getattr(config, key) == value, key
    assert config.activation == "tanh" and config.seed == 3  # keys it doesn't set stay as they were
    assert at.session_state[train_controls.SCENARIO] == "feature_x1000"
    assert at.selectbox(key="train.scaler").value == "none" and at.selectbox(key="train.norm").value == "none"
    assert at.select_slider(key="train.lr").value == 0.01 and at.number_input(key="train.epochs").value == 40
    assert _row_texts(at) == ["feature 0 · scale · 1000"]
    assert at.selectbox(key="train.preset").value is None  # ready to be picked again


def test_changing_a_preset_key_leaves_the_preset_and_the_same_preset_can_be_picked_again():
    at = open_train()
    at.selectbox(key="train.preset").set_value("bn_placement").run()
    assert at.session_state[train_controls.SCENARIO] == "bn_placement"
    at.number_input(key="train.seed").set_value(4).run()  # not a key the preset set
    assert at.session_state[train_controls.SCENARIO] == "bn_placement"
    at.selectbox(key="train.activation").set_value("relu").run()
    assert train_controls.SCENARIO not in at.session_state and run_config(at).activation == "relu"
    at.selectbox(key="train.preset").set_value("bn_placement").run()
    assert at.session_state[train_controls.SCENARIO] == "bn_placement"
    assert run_config(at).activation == "sigmoid" and at.selectbox(key="train.activation").value == "sigmoid"


def test_a_preset_that_clashes_with_the_settings_says_why_and_changes_nothing():
    at = open_train(norm="none", batch_size="1")
    at.selectbox(key="train.preset").set_value("sigmoid_bn_after").run()  # BN after, batch of 1
    assert not at.exception
    assert any("Sigmoid, BN after the activation cannot apply" in w.value for w in at.sidebar.warning)
    assert train_controls.SCENARIO not in at.session_state and run_config(at).norm == "none"


SIDEBAR_WIDGETS = ("selectbox", "number_input", "slider", "select_slider", "text_input", "button")
CONTROLS = {
    "Presets", "Dataset", "Samples", "Noise", "Features", "Test share", "Features to skew", "Kind", "Amount", "Add",
    "✕", "Scaler", "Hidden widths", "Activation", "Normalisation", "Noise strength", "Init", "Init std", "Optimizer",
    "Learning rate", "Momentum", "Weight decay", "Batch size", "Epochs", "Seed",
    "Room code (optional)",  # the lesson link panel's (its other widgets are multiselects and a text area)
}  # fmt: skip


def test_every_sidebar_control_explains_itself():
    at = open_train(
        dataset="classification", n_features="4", norm="bn_noisy", init="normal:0.1", optimizer="momentum",
        skew="0:shift:5",
    )  # fmt: skip
    widgets = [w for kind in SIDEBAR_WIDGETS for w in getattr(at.sidebar, kind)]
    assert {w.label for w in widgets} == CONTROLS
    for widget in widgets:
        assert len(widget.help.strip()) > 20, widget.label
    at.selectbox(key="train.dataset").set_value("csv").run()
    uploader = at.get("file_uploader")[0].proto
    assert uploader.label == "CSV file" and len(uploader.help) > 20


def test_choice_boxes_show_readable_names():
    at = open_train()
    assert "Yeo-Johnson power transform" in at.selectbox(key="train.scaler").options
    assert "PCA whitening" in at.selectbox(key="train.scaler").options
    assert "BN before the activation" in at.selectbox(key="train.norm").options
    assert "SGD with momentum" in at.selectbox(key="train.optimizer").options
    assert "He / Kaiming" in at.selectbox(key="train.init").options
    assert "Two moons (2 features)" in at.selectbox(key="train.dataset").options
    assert "Lognormal (right skew)" in at.selectbox(key="train.skew.kind").options


def _error_text(at: AppTest) -> str:
    return " ".join(e.value for e in at.error)


def test_a_bad_value_names_its_control():
    at = open_train()
    at.text_input(key="train.hidden").input("64,abc").run()
    assert "Hidden widths: '64,abc' is not a list of whole numbers, e.g. 64,32" in _error_text(at)
    at.text_input(key="train.hidden").input("0").run()
    assert "Hidden widths: '0' is not usable" in _error_text(at)
    at.text_input(key="train.hidden").input("8").run()
    at.selectbox(key="train.norm").set_value("bn_before").run()
    at.number_input(key="train.batch_size").set_value(1).run()
    assert "Batch size: " in _error_text(at)


@pytest.mark.parametrize(
    ("content", "message"),
    [(b"", "CSV file: could not read broken.csv"), (b"a\n1\n2\n", "needs a header row with at least one feature")],
)
def test_an_unreadable_csv_is_a_problem_not_a_note(content: bytes, message: str):
    at = open_train()
    at.selectbox(key="train.dataset").set_value("csv").run()
    at.get("file_uploader")[0].upload("broken.csv", content, "text/csv")
    at.run()
    assert not at.exception
    assert message in _error_text(at)
    assert run_config(at).dataset == "moons"
