"""The Data page's sidebar: compact widgets for the keys that shape the input data, and skew presets.

The widgets edit the session's shared Config (a link, another page, the last edit); they are re-seeded
only when it changed without them, never to undo what the user typed (`ui.shared_config`, as on Train).
"""

from __future__ import annotations

import streamlit as st

from explorer.config import BUNDLED_DATASETS, DATASETS, SCALERS, Config
from explorer.scaling import DESCRIPTIONS
from ui import shared_config
from ui.shared_config import BOUNDS

CONTROLS = ("dataset", "n_samples", "noise", "skew", "scaler", "seed")  # the Config keys this page edits
SYNCED = "data_synced"  # the Config the widgets are known to agree with
PRESET = "data_preset"
SKEW_PRESETS = {
    "": "none",
    "0:lognormal:1.5": "feature 0 right-skewed (same mean and std)",
    "0:heavy_tail:6": "feature 0 heavy-tailed (same mean and std)",
    "0:bimodal:3": "feature 0 bimodal (same mean and std)",
    "0:discretize:3": "feature 0 in three levels",
    "0:scale:1000": "feature 0 × 1000 (same shape)",
    "0:shift:50": "feature 0 + 50 (same shape)",
    "all:outliers:0.01": "1% outliers in every feature",
    "0:lognormal:1.5;1:scale:1000": "skewed feature 0, feature 1 × 1000",
}


def key(name: str) -> str:
    """The widget key for a Config key (prefixed, so the pages' widgets never collide)."""
    return f"data_{name}"


def _sync(config: Config) -> None:
    """Put the config into the widgets when it changed outside them (a link, another page)."""
    shared_config.seed_widgets(SYNCED, {key(name): getattr(config, name) for name in CONTROLS}, config)


def agree(config: Config) -> None:
    """The widgets describe `config` (the page took their edit): no re-seeding for it."""
    shared_config.agree(SYNCED, config)


def _use_preset() -> None:
    st.session_state[key("skew")] = st.session_state[PRESET]
    st.session_state[PRESET] = None  # so picking the same preset again works after an edit


def sidebar(config: Config) -> Config:
    """Draw the controls and return the config they describe (may raise ConfigError)."""
    _sync(config)
    with st.sidebar:
        st.subheader("Data")
        options = list(DATASETS) if config.dataset == "csv" else [d for d in DATASETS if d != "csv"]
        dataset = st.selectbox("dataset", options, key=key("dataset"))
        bundled = dataset in BUNDLED_DATASETS or dataset == "csv"
        left, right = st.columns(2)
        left.number_input("rows", *BOUNDS["n_samples"], step=100, key=key("n_samples"), disabled=bundled)
        right.number_input("noise", *BOUNDS["noise"], step=0.05, key=key("noise"), disabled=bundled)
        st.text_input(
            "skew", key=key("skew"), placeholder="e.g. 0:lognormal:1.5;1:scale:1000", help="features:kind:amount"
        )
        st.selectbox(
            "skew presets",
            list(SKEW_PRESETS),
            format_func=lambda text: f"{text or '—'}  ({SKEW_PRESETS[text]})",
            key=PRESET,
            on_change=_use_preset,
            index=None,
            placeholder="pick a preset…",
        )
        st.selectbox("scaler", SCALERS, key=key("scaler"))
        st.caption(DESCRIPTIONS[st.session_state[key("scaler")]])
        st.number_input("seed", *BOUNDS["seed"], step=1, key=key("seed"))
    return config.replace(**{name: st.session_state[key(name)] for name in CONTROLS})
