"""The Data page's engine work, cached per config: reruns redraw from memory instead of recomputing.

Each function is keyed by the config's JSON (a string hashes cheaply and exactly), and keeps the last few
configs so stepping back and forth between settings stays instant.
"""

from __future__ import annotations

import streamlit as st

from explorer.config import Config
from explorer.data.pipeline import Prepared, prepare
from explorer.runs.describe import ScalerOutcome, describe, scaler_outcomes


@st.cache_data(max_entries=8, show_spinner="Preparing the data…")
def prepared(config_json: str) -> Prepared:
    """Every stage's data for the config; raises ConfigError when it cannot be prepared."""
    return prepare(Config.from_json(config_json))


@st.cache_data(max_entries=8, show_spinner="Applying every scaler…")
def outcomes(config_json: str) -> list[ScalerOutcome]:
    """The skewed training rows through every scaler: only the tabs that show them ask (Conditioning, Compare)."""
    return scaler_outcomes(Config.from_json(config_json), prepared(config_json).dataset)


@st.cache_data(max_entries=8, show_spinner="Describing every stage…")
def report(config_json: str) -> dict:
    """The describe report for the config's own scaler (every scaler's outcome is `outcomes`, asked separately)."""
    return describe(Config.from_json(config_json), prepared(config_json), compare_scalers=False)
