"""Helpers for the pages' AppTests: open the app on a page's link, read its charts, metrics and run."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from streamlit import dataframe_util
from streamlit.testing.v1 import AppTest

from explorer.runs.training import Trainer
from ui import router
from ui.train import state as train_state

APP = Path(__file__).resolve().parents[2] / "app.py"
SMALL = {"n_samples": "200", "epochs": "5", "hidden": "8,8"}  # a Train run that takes a moment


def open_app(**params: str) -> AppTest:
    """A new session on a Train link (`/train?…`; `/` is the Learn page), small unless `params` say otherwise."""
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.switch_page(router.TRAIN.path)
    at.query_params.update({**SMALL, **params})
    return at.run()


def charts(at: AppTest) -> dict[str, tuple[str, pd.DataFrame]]:
    """Each drawn Vega-Lite chart by its title (or name, for one the page heads): (spec JSON as sent, its rows)."""
    found = {}
    for element in at.get("vega_lite_chart"):
        spec = element.proto.spec
        parsed = json.loads(spec)
        title = parsed["title"]["text"] if "title" in parsed else parsed["name"]
        found[title] = (spec, dataframe_util.convert_arrow_bytes_to_pandas_df(element.proto.data.data))
    return found


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def trainer(at: AppTest) -> Trainer:
    return at.session_state[train_state.RUN].trainer


def as_shown(markdown: str) -> str:
    """The text a Markdown source shows, for sources whose user text is escaped (`ui.shared_config.plain`)."""
    return re.sub(r"\\(.)", r"\1", markdown)
