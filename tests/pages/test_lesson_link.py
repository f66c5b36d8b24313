"""Lesson links (ui/lesson.py) on Train, Compare and Data through AppTest: read-only controls greyed out, hidden
ones not drawn, the prompt shown as typed, the parameters kept in the address bar, a bad part named and ignored,
and the 'Make a lesson link' panel making a link that opens the same lesson."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from streamlit.testing.v1 import AppTest

from tests.support.apptest import open_app, trainer
from tests.support.rooms import HOSTILE
from ui import lesson

COMPARE = str(Path(__file__).resolve().parents[2] / "pages" / "compare.py")
DATA = str(Path(__file__).resolve().parents[2] / "pages" / "data.py")
PANEL = "lesson.make.train."


def widget_keys(at: AppTest) -> set[str]:
    kinds = ("selectbox", "number_input", "slider", "select_slider", "text_input", "toggle", "multiselect")
    return {w.key for kind in kinds for w in at.sidebar.get(kind) if w.key}


def disabled(at: AppTest, key: str) -> bool:
    kinds = ("selectbox", "number_input", "slider", "select_slider", "text_input", "toggle", "multiselect")
    return next(w for kind in kinds for w in at.sidebar.get(kind) if w.key == key).disabled


def test_a_link_parses_its_lesson_and_names_what_it_ignores():
    found, problems = lesson.parse(
        {"lock": "norm, lr,bogus", "hide": "seed,lr", "prompt": "x" * 501, "room": "Moons-BN-4821"}
    )
    assert found.locked == {"norm"} and found.hidden == {"seed", "lr"}  # in both lists: hidden
    assert found.prompt == "" and found.room == "moons-bn-4821"
    assert any("lock='bogus'" in p and "no control" in p for p in problems)
    assert any("501 characters, at most 500" in p for p in problems)
    assert any("lr listed as both" in p for p in problems)
    assert lesson.parse({"room": "<b>x</b>"})[0].room == ""
    assert lesson.parse({"prompt": "line one\nline two\x07"})[0].prompt == "line one line two"
    assert lesson.parse({})[0].params() == {}


def test_on_train_read_only_controls_are_greyed_hidden_ones_are_not_drawn_and_the_prompt_is_text():
    prompt = " ".join(HOSTILE)
    at = open_app(lock="norm,lr,ab", hide="seed,skew,preset", prompt=prompt, norm="bn_before", lr="0.05")
    assert not at.exception and not at.warning
    assert disabled(at, "train.norm") and disabled(at, "train.lr") and disabled(at, "train.pair_on")
    assert not disabled(at, "train.activation") and not disabled(at, "train.scaler")
    keys = widget_keys(at)
    assert "train.seed" not in keys and "train.skew.features" not in keys and "train.preset" not in keys
    assert [t.value for t in at.text] == [prompt]  # shown by st.text: no Markdown, no HTML
    assert not any(prompt in m.value for m in at.markdown)
    assert trainer(at).config.norm == "bn_before" and trainer(at).config.lr == 0.05
    at.selectbox(key="train.activation").set_value("tanh").run()  # a shown control still works
    assert trainer(at).config.activation == "tanh"
    for name, value in (("lock", "ab,lr,norm"), ("hide", "preset,seed,skew"), ("prompt", prompt)):
        assert at.query_params[name] == value  # the lesson stays in the address bar as the learner goes on


def test_read_only_settings_keep_the_links_values_whatever_a_preset_sets():
    at = open_app(lock="norm", norm="none", activation="relu")
    at.selectbox(key="train.preset").set_value("bn_placement").run()  # sets norm and activation
    assert not at.exception
    assert trainer(at).config.norm == "none"  # locked: the link's value
    assert at.query_params["norm"] == "none"


def test_a_bad_lesson_link_is_named_once_and_the_page_works_with_the_defaults():
    at = open_app(hide="seed,flux", prompt="p" * 600, room="not a code!")
    assert not at.exception
    notice = at.warning[0].value
    assert "hide='flux'" in notice and "600 characters" in notice and "room=" in notice
    assert "train.seed" not in widget_keys(at) and not at.text  # the good part applies; no prompt
    assert "prompt" not in at.query_params and "room" not in at.query_params and at.query_params["hide"] == "seed"
    at.button(key="train.step").click().run()
    assert trainer(at).epoch == 1 and not at.warning  # said once


def test_the_panel_makes_a_link_that_opens_the_same_lesson():
    at = open_app(norm="bn_before")
    at.multiselect(key=PANEL + "lock").set_value(["norm", "lr"]).run()
    at.multiselect(key=PANEL + "hide").set_value(["seed"]).run()
    at.text_area(key=PANEL + "prompt").input("Watch the **histograms**").run()
    at.text_input(key=PANEL + "room").input("Moons-BN-4821").run()
    made = at.sidebar.code[-1].value
    url = urlsplit(made)
    query = dict(parse_qsl(url.query))
    assert url.path == "train" and query["norm"] == "bn_before" and query["n_samples"] == "200"
    assert (query["lock"], query["hide"], query["room"]) == ("lr,norm", "seed", "moons-bn-4821")
    assert query["prompt"] == "Watch the **histograms**"
    opened = open_app(**query)
    assert not opened.exception and not opened.warning
    assert disabled(opened, "train.norm") and "train.seed" not in widget_keys(opened)
    assert [t.value for t in opened.text] == ["Watch the **histograms**"]
    assert any(b.label == "Join room moons-bn-4821" for b in opened.button)  # the room is offered


def test_a_compare_lesson_carries_its_grid_and_seeds_and_greys_out_or_hides_them():
    at = AppTest.from_file(COMPARE, default_timeout=60)
    at.query_params.update(
        {"n_samples": "200", "epochs": "3", "grid": "norm=none|bn_before", "grid2": "bogus=1", "seeds": "3"}
    )
    at.query_params.update({"lock": "keys", "hide": "seeds,preset"})
    at.run()
    assert not at.exception and "grid2='bogus=1'" in at.warning[0].value
    keys = at.multiselect(key="compare.keys")
    assert keys.value == ["norm"] and keys.disabled
    assert at.multiselect(key="compare.values.norm").value == ["none", "bn_before"]
    assert "compare.seeds" not in widget_keys(at) and "compare.preset" not in widget_keys(at)
    assert any("2** configurations × **3** seeds" in m.value for m in at.sidebar.markdown)
    assert at.query_params["grid"] == "norm=none|bn_before" and at.query_params["seeds"] == "3"
    assert "grid2" not in at.query_params and at.query_params["lock"] == "keys"


def test_the_data_page_keeps_a_lessons_parameters_in_the_address_bar():
    at = AppTest.from_file(DATA, default_timeout=60)
    at.query_params.update({"n_samples": "200", "lock": "norm", "prompt": "Look at the shapes"})
    at.run()
    assert not at.exception
    assert at.query_params["lock"] == "norm" and at.query_params["prompt"] == "Look at the shapes"
