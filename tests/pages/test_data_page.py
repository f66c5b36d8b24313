import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.config import SCALERS, Config
from explorer.teaching import labels
from explorer.teaching.scenarios import SCENARIOS
from ui.data import cache, views
from ui.help import HELP

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "data.py")
TABS = ("Distributions", "Statistics", "Scatter", "Conditioning", "Compare scalers")


def _page(tab: str = "Distributions", **query: str) -> AppTest:
    """The Data page opened on a link, once what a helper process computes for it is there."""
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update(query)
    at.session_state["data_tab"] = tab
    return _done(at.run())


def _helping(at: AppTest) -> bool:
    return any("in a helper process" in i.value for i in at.info)


def _done(at: AppTest, timeout: float = 120) -> AppTest:
    """Rerun the page until no placeholder waits for the helper process (a browser's fragment looks by itself)."""
    deadline = time.monotonic() + timeout
    while _helping(at):
        assert time.monotonic() < deadline, "the helper process did not finish in time"
        time.sleep(0.3)
        at.run()
    return at


def _metric(at: AppTest, label_start: str) -> str:
    return next(m.value for m in at.metric if m.label.startswith(label_start))


def _steps(text: str) -> int:
    return int(text.replace(",", ""))


@pytest.mark.parametrize(("tab", "charts"), [("Distributions", 12), ("Scatter", 2), ("Conditioning", 2)])
def test_each_tab_renders_its_charts(tab, charts):  # Distributions: 2 features × 3 stages, histogram and Q-Q
    at = _page(tab, skew="0:lognormal:1.5")
    assert not at.exception and not at.error
    assert len(at.get("vega_lite_chart")) == charts


def test_statistics_tab_has_a_table_per_stage():
    at = _page("Statistics")
    assert not at.exception
    assert len(at.dataframe) == 3
    assert list(at.dataframe[2].value["feature"]) == ["x0", "x1"]


def test_compare_scalers_draws_one_panel_per_scaler_under_its_readable_name():
    at = _page("Compare scalers", skew="0:lognormal:1.5")
    assert not at.exception
    titles = [json.loads(chart.proto.spec)["title"]["text"] for chart in at.get("vega_lite_chart")]
    assert titles == [labels.SCALERS[scaler] for scaler in SCALERS]
    axes = [json.loads(chart.proto.spec)["layer"][0]["encoding"]["x"]["title"] for chart in at.get("vega_lite_chart")]
    assert axes[0] == "x0, not scaled" and not any("scaled feature" in axis for axis in axes)
    assert list(at.dataframe[0].value["scaler"]) == titles


def test_the_url_sets_the_data_and_kappa_shows_the_effect_of_scale():
    bad = _page("Conditioning", skew="0:scale:1000", scaler="none")
    good = _page("Conditioning", skew="0:scale:1000", scaler="standard")
    assert float(_metric(bad, "κ")) > 1e5
    assert float(_metric(good, "κ")) < 10
    assert bad.session_state["data.skew.rows"] == ["0:scale:1000"]  # the skew editor's rows


def test_changing_a_control_updates_the_url():
    at = _page()
    at.sidebar.selectbox(key="data_scaler").select("minmax").run()
    assert not at.exception
    assert at.query_params["scaler"] == "minmax"


def test_a_scenario_sets_all_its_keys_and_says_what_to_look_at():
    at = _page()
    at.sidebar.selectbox(key="data_preset").select("feature_x1000").run()
    assert not at.exception
    assert at.session_state["data.skew.rows"] == ["0:scale:1000"]
    assert at.sidebar.selectbox(key="data_scaler").value == "none"
    assert at.query_params["skew"] == "0:scale:1000"
    shared = at.session_state["config"]  # what the Train page opens on: the training keys too
    assert (shared.norm, shared.optimizer, shared.lr, shared.epochs) == ("none", "momentum", 0.01, 40)
    scenario = SCENARIOS["feature_x1000"]
    assert any(scenario.question in info.value and scenario.look_at in info.value for info in at.info)
    at.sidebar.selectbox(key="data_scaler").select("standard").run()  # leaving the scenario's setup
    assert not any(scenario.question in info.value for info in at.info)


def test_every_sidebar_control_has_help_and_trains_words():
    at = _page()
    widgets = [*at.sidebar.selectbox, *at.sidebar.number_input, *at.sidebar.text_input, *at.sidebar.slider]
    assert {w.label for w in widgets} == {
        "Scenario", "Dataset", "Samples", "Noise", "Features to skew", "Kind", "Amount", "Scaler", "Seed",
    }  # fmt: skip
    assert all(len(w.help or "") > 40 for w in widgets), [w.label for w in widgets if len(w.help or "") <= 40]
    skew_help = HELP["skew"]
    assert all(word in skew_help for word in ("Shape kinds", "Scale kinds", "0 is the first", "Example"))
    assert at.sidebar.selectbox(key="data_scaler").options == [labels.SCALERS[s] for s in SCALERS]
    assert "Two moons (2 features)" in at.sidebar.selectbox(key="data_dataset").options


def test_statistics_headers_are_words_with_help():
    for name, column in views.STAT_COLUMNS.items():
        assert "_" not in column["label"] and len(column["help"]) > 15, name
    at = _page("Statistics")
    assert "D'Agostino–Pearson" in views.STAT_COLUMNS["normality_p"]["help"]
    assert "Gaussian" in views.STAT_COLUMNS["kurtosis"]["help"]
    assert list(at.dataframe[0].value.columns) == list(views.STAT_COLUMNS)


def test_rows_dropped_for_missing_values_are_shown_in_plain_sight(tmp_path):
    lines = [f"{i},{i % 7},{i % 2}" for i in range(40)]
    lines[3], lines[10] = "3,,1", ",3,0"
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,label\n" + "\n".join(lines) + "\n")
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.session_state["config"] = Config(dataset="csv", csv_path=str(path))
    at.session_state["data_tab"] = "Statistics"
    at.run()
    assert not at.exception
    assert any("dropped 2 of 40 rows with missing values" in info.value for info in at.info)


def test_axis_titles_never_call_unscaled_values_scaled():
    assert views.stage_axis_title("x0", "scaled", "none") == "x0, not scaled"
    assert views.stage_axis_title("x0", "scaled", "standard") == "x0, scaled"
    at = _page("Distributions", scaler="none")
    titles = [json.loads(chart.proto.spec)["title"]["text"] for chart in at.get("vega_lite_chart")]
    assert "no scaler" in titles and not any("scaler" in t and t != "no scaler" for t in titles)


def test_a_bad_skew_shows_one_line_and_keeps_the_last_good_data():
    at = _page("Conditioning", scaler="none", skew="0:scale:1000")
    kappa = _metric(at, "κ")
    at.sidebar.text_input(key="data.skew.features").input("7").run()  # moons has features 0 and 1
    at.sidebar.button(key="data.skew.add").click().run()
    assert not at.exception
    (error,) = at.error
    assert "skew" in error.value and "Traceback" not in error.value and "\n" not in error.value
    assert _metric(at, "κ") == kappa
    assert at.query_params["skew"] == "0:scale:1000"


def test_verify_measures_gradient_descent_beside_the_prediction():
    at = _page("Conditioning", scaler="minmax")
    at.button(key="data_verify").click().run()
    assert not at.exception
    predicted = _steps(_metric(at, "predicted steps"))
    measured = _steps(_metric(at, "measured (slowest)"))
    assert predicted > 100
    assert abs(measured - predicted) <= 0.2 * predicted


def test_a_run_past_the_cap_says_so():
    at = _page("Conditioning", scaler="none", skew="0:scale:1000")
    at.button(key="data_verify").click().run()
    assert _metric(at, "measured (slowest)") == "not reached"
    assert any("Stopped at the cap" in w.value for w in at.warning)


def test_digits_explains_the_singular_h_and_skips_constant_pixels():
    at = _page("Conditioning", dataset="digits")
    assert _metric(at, "κ (condition number)") == "∞"
    assert any("H is singular" in w.value and "pixel_0_0" in w.value for w in at.warning)
    at.session_state["data_tab"] = "Distributions"
    at.run()
    shown = at.multiselect[0].value
    assert len(shown) == 4 and 0 not in shown  # pixel_0_0 is constant


def test_a_bad_url_value_is_named_once_and_the_address_bar_is_corrected():
    at = _page(lr="abc", scaler="minmax")
    (warning,) = at.warning
    assert "lr" in warning.value
    assert at.query_params["lr"] == "0.01" and at.query_params["scaler"] == "minmax"
    at.session_state["data_tab"] = "Statistics"
    at.run()
    assert not at.exception and not at.warning
    assert at.query_params["lr"] == "0.01" and at.sidebar.selectbox(key="data_scaler").value == "minmax"


def test_only_the_tabs_that_show_every_scaler_apply_every_scaler(monkeypatch):
    calls = []
    real = cache.scaler_outcomes
    monkeypatch.setattr(cache, "scaler_outcomes", lambda *args: calls.append(args) or real(*args))
    at = _page(seed="90210")  # a config no other test has cached
    at.sidebar.selectbox(key="data_scaler").select("minmax").run()
    at.session_state["data_tab"] = "Statistics"
    at.run()
    assert not at.exception and not calls
    at.session_state["data_tab"] = "Conditioning"
    at.run()
    assert len(calls) == 1 and not at.exception
    at.session_state["data_tab"] = "Compare scalers"
    at.run()
    assert len(calls) == 1  # the same outcomes, from the cache


HEAVY_LINK = {"dataset": "classification", "n_samples": "50000", "n_features": "100", "scaler": "box_cox",
              "skew": ";".join(["all:heavy_tail:10"] * 10)}  # fmt: skip


def test_a_heavy_link_is_described_on_fewer_rows_and_the_page_says_so_keeping_the_links_rows():
    from explorer.runs.describe import MAX_DESCRIBED_VALUES

    at = _page("Distributions", **HEAVY_LINK)
    assert not at.exception and not at.error
    note = next(i.value for i in at.info if i.value.startswith("Described on"))
    assert f"Described on {MAX_DESCRIBED_VALUES // 100:,} of the 50,000 rows" in note
    assert at.query_params["n_samples"] == "50000" and at.sidebar.number_input(key="data_n_samples").value == 50000


def test_heavy_work_waits_in_a_placeholder_and_never_runs_in_the_servers_process(monkeypatch):
    """Every scaler on the digits (box_cox fits 64 exponents) took 5 s of the process every session shares."""
    monkeypatch.setattr(cache, "scaler_outcomes", lambda *_: pytest.fail("every scaler ran in this process"))
    at = AppTest.from_file(PAGE, default_timeout=120)
    at.query_params.update({"dataset": "digits", "seed": "4242"})  # a config no other test has computed
    at.session_state["data_tab"] = "Conditioning"
    at.run()
    assert not at.exception and _helping(at)
    at = _done(at)
    assert not at.exception and not at.error and len(at.get("vega_lite_chart")) >= 2


def test_light_data_is_described_on_every_row_without_a_note():
    at = _page("Distributions", n_samples="20000")  # 2 features: 40,000 values
    assert not at.exception and not [i for i in at.info if i.value.startswith("Described on")]
