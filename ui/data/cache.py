"""The Data page's engine work, cached per config: reruns redraw from memory instead of recomputing.

Each function is keyed by the config's JSON (a string hashes cheaply and exactly), and keeps the last few
configs so stepping back and forth between settings stays instant. Work estimated above
`cost.PREPARE_IN_PAGE_S` runs in a helper process (`ui.data.offload`): then a function returns None until it
is done, and the page shows a placeholder meanwhile.
"""

from __future__ import annotations

import streamlit as st

from explorer.config import Config
from explorer.data.pipeline import Prepared, prepare
from explorer.runs import cost
from explorer.runs.describe import ScalerOutcome, describe, every_scaler, prepared_and_report, scaler_outcomes
from ui.data import offload


def heavy(config_json: str) -> bool:
    """Preparing this config's data would hold the server's shared process too long: a helper process does it."""
    return (cost.prepare_seconds(Config.from_json(config_json)) or 0.0) > cost.PREPARE_IN_PAGE_S


def heavy_scalers(config_json: str) -> bool:
    """The same for applying every scaler (the Conditioning and Compare scalers tabs)."""
    return (cost.every_scaler_seconds(Config.from_json(config_json)) or 0.0) > cost.PREPARE_IN_PAGE_S


@st.cache_data(max_entries=8, show_spinner="Preparing the data…")
def _prepared(config_json: str) -> Prepared:
    return prepare(Config.from_json(config_json))


@st.cache_data(max_entries=8, show_spinner="Applying every scaler…")
def _outcomes(config_json: str) -> list[ScalerOutcome]:
    return scaler_outcomes(Config.from_json(config_json), prepared(config_json).dataset)


@st.cache_data(max_entries=8, show_spinner="Describing every stage…")
def _report(config_json: str) -> dict:
    return describe(Config.from_json(config_json), prepared(config_json), compare_scalers=False)


def prepared(config_json: str) -> Prepared | None:
    """Every stage's data for the config (None while a helper process prepares it); raises ConfigError when it
    cannot be prepared."""
    if heavy(config_json):
        done = offload.result(("prepared", config_json), prepared_and_report, config_json)
        return None if done is None else done[0]
    return _prepared(config_json)


def report(config_json: str) -> dict | None:
    """The describe report for the config's own scaler (every scaler's outcome is `outcomes`, asked separately)."""
    if heavy(config_json):
        done = offload.result(("prepared", config_json), prepared_and_report, config_json)
        return None if done is None else done[1]
    return _report(config_json)


def outcomes(config_json: str) -> list[ScalerOutcome] | None:
    """The skewed training rows through every scaler: only the tabs that show them ask (Conditioning, Compare);
    None while a helper process applies them."""
    if heavy_scalers(config_json):
        return offload.result(("scalers", config_json), every_scaler, config_json)
    return _outcomes(config_json)
