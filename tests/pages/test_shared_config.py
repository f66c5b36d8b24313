"""The Config the pages share (ui/shared_config.py): read from the URL once per session, then only written.

The AppTests move between pages as the sidebar's links do in a browser: Streamlit clears the query on a
page switch (AppTest would keep it), so `switch` clears it too.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.config import Config, ConfigError
from explorer.runs.training import Trainer
from tests.support.apptest import as_shown
from ui import router
from ui.shared_config import BOUNDS

ROOT = Path(__file__).resolve().parents[2]
SMALL = {"n_samples": "200", "epochs": "5", "hidden": "8,8"}
CSV = "\n".join(["a,b,label"] + [f"{i % 7},{(i * 3) % 11},{'yes' if i % 2 else 'no'}" for i in range(60)]).encode()


def open_app(page: str | None = None, **params: str) -> AppTest:
    """A new session opened on a link: Train's (`/train?…`) or, with `page`, that page's."""
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.query_params.update({**SMALL, **params})
    at.switch_page(page or router.TRAIN.path)
    return at.run()


def switch(at: AppTest, page: str) -> AppTest:
    """Follow the sidebar's link to `page`: the new page opens without the old page's query."""
    at.query_params.clear()
    return at.switch_page(page).run()


def trainer(at: AppTest) -> Trainer:
    return at.session_state["train.run"].trainer


def test_a_csv_config_survives_the_data_pages_reruns_and_edits_and_the_run_goes_on_with_it():
    at = open_app()
    at.selectbox(key="train.dataset").set_value("csv").run()
    at.get("file_uploader")[0].upload("mine.csv", CSV, "text/csv")
    at.run()
    at.button(key="train.step").click().run()
    assert trainer(at).config.dataset == "csv" and trainer(at).epoch == 1

    switch(at, router.DATA.path)
    assert at.sidebar.selectbox(key="data_dataset").value == "csv"
    at.session_state["data_tab"] = "Statistics"
    at.run()  # a rerun on the URL the page wrote, which cannot carry the CSV
    assert not at.exception and not at.warning and not at.error
    assert at.sidebar.selectbox(key="data_dataset").value == "csv"
    assert at.query_params["dataset"] == "csv" and "csv_path" not in at.query_params

    switch(at, router.TRAIN.path)
    assert trainer(at).config.dataset == "csv" and trainer(at).epoch == 1  # nothing changed: the run goes on
    assert not at.toast

    switch(at, router.DATA.path)
    at.sidebar.selectbox(key="data_scaler").select("minmax").run()
    assert at.session_state["config"].dataset == "csv" and at.session_state["config"].scaler == "minmax"
    switch(at, router.TRAIN.path)
    assert trainer(at).config.dataset == "csv" and trainer(at).config.scaler == "minmax"
    assert "Data changed (scaler)" in at.toast[0].value


def test_a_shared_data_link_is_what_the_train_page_then_runs():
    at = open_app(router.DATA.path, dataset="wine", skew="0:scale:1000")
    assert not at.exception and at.title[0].value.startswith("Data")
    switch(at, router.TRAIN.path)
    config = trainer(at).config
    assert (config.dataset, config.skew, config.epochs) == ("wine", "0:scale:1000", 5)
    assert at.query_params["dataset"] == "wine" and at.query_params["skew"] == "0:scale:1000"
    assert not at.warning and not at.toast


def test_the_data_page_keeps_what_the_train_page_ran_even_when_its_url_differs():
    """Only a session's first page reads the URL: later, the session's Config wins over a stale address."""
    at = open_app(noise="0.3")
    at.query_params["noise"] = "0.4"  # e.g. an address left over in the browser's history
    at.switch_page(router.DATA.path).run()
    assert at.sidebar.number_input(key="data_noise").value == 0.3
    assert at.query_params["noise"] == "0.3"


@pytest.mark.parametrize("name", sorted(BOUNDS))
def test_each_widget_bound_is_exactly_the_configs_range(name):
    """A widget narrower than the Config would clamp a valid link; a wider one would offer invalid values."""
    lo, hi = BOUNDS[name]
    assert type(lo) is type(hi)  # Streamlit wants one numeric type per widget
    key = "init" if name == "init_std" else name

    def config(value: float) -> Config:
        return Config(**{key: f"normal:{value!r}" if name == "init_std" else value, "norm": "none"})

    assert getattr(config(lo), key) is not None and getattr(config(hi), key) is not None
    outside = 1 if isinstance(lo, int) else 1e-9
    for value in (lo - outside, hi + outside):
        with pytest.raises(ConfigError):
            config(value)


def test_the_data_pages_modules_do_not_load_torch():
    code = "import sys, ui.data.state, ui.data.views, ui.data.cache, ui.shared_config; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def _link_notice(at: AppTest) -> str:
    return next(w.value for w in at.warning if w.value.startswith("The link's settings were partly used"))


def test_a_repeated_key_uses_its_last_value_and_the_notice_says_which():
    at = open_app(norm=["bn_before", "bn_after"], ab=["norm:none", "norm:ln_after"])
    assert not at.exception
    assert trainer(at).config.norm == "bn_after" and at.session_state["train.pair_value"] == "ln_after"
    notice = as_shown(_link_notice(at))
    assert "norm is given 2 times" in notice and "used the last" in notice and "ab is given 2 times" in notice
    assert at.query_params["norm"] == "bn_after"  # the address bar is the canonical link again: one value


def test_a_links_markdown_and_html_reach_the_notice_as_text():
    at = open_app(dataset="**bold** <script>", lr="[x](javascript:1)", **{":red[hi] $x$": "1"})
    assert not at.exception
    notice = _link_notice(at)
    for raw in ("**bold**", "[x](", "<script>", ":red[", "$x$"):
        assert raw not in notice, raw  # every mark that Markdown, HTML or Streamlit could read is escaped
    assert as_shown(notice).count("**bold** <script>") == 1
    assert r"\*\*bold\*\* \<script\>" in notice and r"\[x\](javascript" in notice and r":red\[hi\]" in notice
