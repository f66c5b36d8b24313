"""The Compare page driven through AppTest: tiny sweeps (200 rows, a few epochs, 2 seeds) set up with the
sidebar's widgets, trained by running the page until the sweep is done (each run is one tick)."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from explorer.config import Config
from explorer.teaching.scenarios import SCENARIOS
from tests.support.apptest import charts
from ui.compare import controls as compare_controls
from ui.compare import state

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "compare.py")
SMALL = {"n_samples": "200", "epochs": "4", "hidden": "8,8"}


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params.update({**SMALL, **params})
    return at.run()


def setup_grid(at: AppTest, seeds: int = 2, **values: list[str] | str) -> AppTest:
    """Vary the given keys with the given values (a list for a multiselect, text for a text input)."""
    at.multiselect(key="compare.keys").set_value(list(values)).run()
    for name, chosen in values.items():
        widget = at.multiselect if isinstance(chosen, list) else at.text_input
        widget(key=f"compare.values.{name}").set_value(chosen).run()
    at.slider(key="compare.seeds").set_value(seeds).run()
    return at


def run_to_the_end(at: AppTest, ticks: int = 200) -> AppTest:
    at.button(key="compare.run").click().run()
    for _ in range(ticks):
        active = at.session_state[state.SWEEP]
        if not active.running:
            break
        at.run()
    assert not at.session_state[state.SWEEP].running, "the sweep did not finish"
    return at.run()


def texts(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def run_button(at: AppTest):
    return at.button(key="compare.run")


def test_the_page_renders_and_invites_a_setup():
    at = open_page()
    assert not at.exception and not at.error
    assert at.title[0].value == "Compare"
    assert "press **Run**" in at.info[0].value
    assert not run_button(at).disabled  # no key picked: the base over seeds is a valid sweep
    assert any("1** configuration × **5** seeds" in m.value for m in at.sidebar.markdown)


def test_a_preset_fills_the_grid_and_says_what_it_asks():
    at = open_page()
    at.selectbox(key="compare.preset").set_value("bn_placement").run()
    scenario = SCENARIOS["bn_placement"]
    assert not at.exception and not at.error
    assert at.multiselect(key="compare.keys").value == ["norm"]
    assert at.multiselect(key="compare.values.norm").value == ["none", "bn_before", "bn_after"]
    assert at.slider(key="compare.seeds").value == scenario.seeds
    assert at.number_input(key="compare.epochs").value == scenario.overrides["epochs"]
    assert scenario.question in at.info[0].value and scenario.look_at in at.info[0].value
    assert any("activation=sigmoid" in c.value for c in at.caption)  # what the preset sets, said on screen
    assert any("3** configurations × **5** seeds = **15** runs" in m.value for m in at.sidebar.markdown)


def test_run_trains_to_a_ranked_table_a_noise_sentence_and_a_heatmap():
    at = setup_grid(open_page(), scaler=["none", "standard"], norm=["none", "bn_before"])
    shared_before = at.session_state["config"]
    run_to_the_end(at)
    assert not at.exception and not at.error
    drawn = charts(at)
    assert {"Test loss", "Test accuracy", "Median test accuracy by scaler and norm"} <= set(drawn)
    curves = drawn["Test loss"][1]
    assert set(curves["configuration"]) == {
        "scaler=none, norm=none", "scaler=none, norm=bn_before", "scaler=standard, norm=none",
        "scaler=standard, norm=bn_before",
    }  # fmt: skip
    assert (curves["loss_low"] <= curves["loss"] + 1e-6).all() and (curves["loss"] <= curves["loss_high"] + 1e-6).all()
    assert len(drawn["Median test accuracy by scaler and norm"][1]) == 4

    table = at.dataframe[0].value
    assert len(table) == 4 and list(table["rank"]) == [1, 2, 3, 4]
    assert table["metric"].is_monotonic_decreasing
    assert all(text.startswith("[") for text in table["metric_interval"])
    assert "seed noise" in texts(at)
    assert any("95% bootstrap interval of the median" in c.value for c in at.caption)  # the interval is named
    assert at.session_state["config"] == shared_before  # Compare never changes the Train page's settings

    assert at.success[0].value.startswith("Trained 8 runs (4 configurations × 2 seeds) in ")
    assert [b.label for b in at.get("download_button")] == ["Sweep JSON", "Runs CSV"]
    files = at.session_state[state.SWEEP].files
    assert len(json.loads(files["json"])["runs"]) == 8 and len(json.loads(files["json"])["summary"]) == 4
    assert len(files["csv"].splitlines()) == 1 + 8  # a header and a row per run


def test_one_run_of_your_settings_is_counted_in_the_singular():
    at = open_page()
    at.slider(key="compare.seeds").set_value(1).run()
    run_to_the_end(at)
    assert not at.exception and not at.error
    assert at.success[0].value.startswith("Trained 1 run (1 configuration × 1 seed) in ")


def test_the_curves_keep_their_spec_while_only_rows_change():
    # long enough to still run after three ticks: 4 runs of 400 epochs are done in under 3 s
    at = setup_grid(open_page(epochs="2000"), scaler=["none", "standard"])
    at.button(key="compare.run").click().run()
    seen = []
    for _ in range(60):
        at.run()
        drawn = charts(at)
        if "Test loss" in drawn:
            seen.append(drawn["Test loss"])
        if len(seen) >= 3:
            break
    assert len(seen) >= 3, "the curves never showed up while training"
    assert len({spec for spec, _ in seen}) == 1  # the browser keeps the chart: only its data changes
    assert seen[-1][1]["epoch"].max() > seen[0][1]["epoch"].max()  # and the data grows, tick after tick
    assert at.session_state[state.SWEEP].running
    assert at.button(key="compare.cancel")  # while it trains, Cancel stands where Run was


def test_cancel_clears_the_running_sweep_and_keeps_the_setup():
    at = setup_grid(open_page(epochs="2000"), scaler=["none", "standard"])
    at.button(key="compare.run").click().run()
    at.run()
    assert at.session_state[state.SWEEP].running
    at.button(key="compare.cancel").click().run()
    assert state.SWEEP not in at.session_state
    assert not at.exception and "Sweep cancelled" in at.info[0].value
    assert not run_button(at).disabled
    assert at.multiselect(key="compare.values.scaler").value == ["none", "standard"]  # nothing set up is lost


@pytest.mark.parametrize(
    ("key", "text", "message"),
    [
        ("lr", "0.01, abc", "lr='abc'"),
        ("lr", "0.01, 20", "lr=20: expected a number in (0, 10]"),
        ("hidden", "8 | 8,,8 |", "an empty value"),
        ("batch_size", "1, 32", "batch norm needs at least 2 rows"),  # a combination the Config refuses
    ],
)
def test_a_bad_value_shows_one_line_and_disables_run(key: str, text: str, message: str):
    at = setup_grid(open_page(norm="bn_before"), **{key: text})
    assert not at.exception
    assert len(at.error) == 1 and message in at.error[0].value
    assert run_button(at).disabled
    assert at.text_input(key=f"compare.values.{key}").value == text  # what the user typed stays


def test_too_many_runs_is_refused_with_the_count():
    at = setup_grid(open_page(), seeds=10, lr=", ".join(str(0.001 * k) for k in range(1, 31)))
    assert len(at.error) == 1 and "30 configurations × 10 seeds = 300 runs" in at.error[0].value
    assert run_button(at).disabled


def test_no_heatmap_with_one_key_and_train_links_carry_each_configuration():
    at = setup_grid(open_page(), norm=["none", "bn_after"])
    run_to_the_end(at)
    assert not at.exception and not at.error
    assert not any(title.startswith("Median") for title in charts(at))  # one key: no heatmap

    table = at.dataframe[0].value
    for label, link in zip(table["configuration"], table["link"], strict=True):
        path, query = urlsplit(link).path, dict(parse_qsl(urlsplit(link).query))
        assert path == "train"  # relative: the Train page next to this one
        config, problems = Config.from_query(query)
        assert not problems
        assert label == f"norm={config.norm}"
        assert (config.n_samples, config.epochs, config.hidden) == (200, 4, (8, 8))  # the rest: the base's
        assert query == config.to_query()  # exactly the shared link of that configuration


def test_the_histograms_show_every_configuration_on_the_chosen_stage():
    at = setup_grid(open_page(activation="sigmoid"), norm=["none", "bn_before", "bn_after"])
    run_to_the_end(at)
    title = next(t for t in charts(at) if t.startswith("Hidden layer 1"))
    assert title == "Hidden layer 1 · sigmoid"
    frame = charts(at)[title][1]
    assert set(frame["configuration"]) == {"norm=none", "norm=bn_before", "norm=bn_after"}
    at.segmented_control(key="compare.stage").set_value("norm").run()
    frame = charts(at)["Hidden layer 1 · batch norm"][1]
    assert set(frame["configuration"]) == {"norm=bn_before", "norm=bn_after"}
    assert any("Not shown" in c.value and "norm=none" in c.value for c in at.caption)


def test_a_sweep_that_fails_while_preparing_data_says_why_and_run_comes_back():
    at = setup_grid(open_page(), skew="none | 5:scale:10")  # moons has 2 features: no feature 5
    run_to_the_end(at)
    assert not at.exception
    assert len(at.error) == 1 and at.error[0].value.startswith("The sweep stopped:")
    assert "feature 5 does not exist" in at.error[0].value
    assert not run_button(at).disabled


def test_an_unreachable_dask_scheduler_is_one_line_and_the_page_goes_on(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("EXPLORER_DASK_SCHEDULER", "tcp://127.0.0.1:9")  # nothing listens there
    at = setup_grid(open_page(), scaler=["none", "standard"])
    at.button(key="compare.run").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "cannot reach the Dask scheduler" in at.error[0].value
    assert state.SWEEP not in at.session_state and not run_button(at).disabled


def test_a_comparison_requested_by_another_page_fills_the_setup():
    from explorer.teaching.lessons import LESSONS_BY_KEY

    lesson = LESSONS_BY_KEY["placement"]
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.session_state["config"] = lesson.config
    at.session_state[compare_controls.REQUEST] = {"grid": lesson.grid, "seeds": lesson.seeds}
    at.run()
    assert not at.exception
    assert at.session_state["compare.keys"] == ["activation", "norm"]
    assert at.session_state["compare.seeds"] == lesson.seeds
    assert at.session_state["compare.epochs"] == lesson.config.epochs
    assert "compare.request" not in at.session_state
    assert "6** configurations" in " ".join(m.value for m in at.markdown)


def test_the_setup_says_how_long_its_training_takes():
    at = setup_grid(open_page(), norm=["none", "bn_before"])
    assert any(c.value.startswith("About ") and c.value.endswith("of training (estimate).") for c in at.caption)
    assert not run_button(at).disabled


def test_a_sweep_that_would_hold_the_server_in_one_piece_is_refused_in_one_line():
    """A step of 12 × 512 units on 4,096 rows, or box_cox's 100 exponents, cannot be cut into a page's ticks."""
    at = setup_grid(open_page(n_samples="50000", hidden=",".join(["512"] * 12), batch_size="4096"), lr="0.01, 0.1")
    assert run_button(at).disabled
    (error,) = [e.value for e in at.error if "hold the server" in e.value]
    assert "explorer sweep" in error and "\n" not in error
    at = setup_grid(open_page(dataset="classification", n_samples="20000", n_features="100", scaler="box_cox"),
                    norm=["none", "bn_before"])  # fmt: skip
    assert run_button(at).disabled and any("preparing the data" in e.value for e in at.error)
