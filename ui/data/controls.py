"""The Data page's sidebar: compact widgets for the keys that shape the input data, and the scenarios.

The widgets edit the session's shared Config (a link, another page, the last edit); they are re-seeded
only when it changed without them, never to undo what the user typed (`ui.shared_config`, as on Train).
Labels and choices read as on the Train page (`explorer.teaching.labels`), so a learner moving between the two
pages sees the same words for the same settings.
"""

from __future__ import annotations

import streamlit as st

from explorer.config import BUNDLED_DATASETS, DATASETS, SCALERS, Config
from explorer.data.scaling import DESCRIPTIONS
from explorer.teaching import labels
from explorer.teaching.scenarios import Scenario
from ui import shared_config
from ui.help import HELP
from ui.scenario_picker import Picker
from ui.shared_config import BOUNDS
from ui.skew_editor import skew_editor

CONTROLS = ("dataset", "n_samples", "noise", "scaler", "seed")  # the Config keys this page's plain widgets edit
SKEW_EDITOR = "data.skew."  # the skew editor's state prefix (the same editor as Train's, its own rows)
SYNCED = "data_synced"  # the Config the widgets are known to agree with
PRESET = "data_preset"  # the scenario picker (cleared after each pick)
SCENARIO = "data_scenario"  # the scenario in force, until one of its keys changes
SCENARIOS_PICKER = Picker(PRESET, SCENARIO, "data_preset_problem", "Scenario", HELP["preset"])


def key(name: str) -> str:
    """The widget key for a Config key (prefixed, so the pages' widgets never collide)."""
    return f"data_{name}"


def _sync(config: Config) -> None:
    """Put the config into the widgets when it changed outside them (a link, another page, a scenario)."""
    shared_config.seed_widgets(SYNCED, {key(name): getattr(config, name) for name in CONTROLS}, config)


def agree(config: Config) -> None:
    """The widgets describe `config` (the page took their edit): no re-seeding for it."""
    shared_config.agree(SYNCED, config)
    SCENARIOS_PICKER.leave_if_changed(config.to_dict())  # a key it set changed: it no longer describes the page


def scenario_in_force() -> Scenario | None:
    """The scenario picked last, while every key it set still has its value."""
    return SCENARIOS_PICKER.scenario()


def sidebar(config: Config) -> Config:
    """Draw the controls and return the config they describe (may raise ConfigError)."""
    _sync(config)
    with st.sidebar:
        st.subheader("Data")
        SCENARIOS_PICKER.draw()
        options = list(DATASETS) if config.dataset == "csv" else [d for d in DATASETS if d != "csv"]
        dataset = st.selectbox(
            "Dataset", options, key=key("dataset"), format_func=labels.DATASETS.get, help=HELP["dataset"]
        )
        bundled = dataset in BUNDLED_DATASETS or dataset == "csv"
        left, right = st.columns(2)
        left.number_input(
            "Samples", *BOUNDS["n_samples"], step=100, key=key("n_samples"), disabled=bundled, help=HELP["n_samples"]
        )
        right.number_input("Noise", *BOUNDS["noise"], step=0.05, key=key("noise"), disabled=bundled, help=HELP["noise"])
        st.markdown("**Skews**", help=HELP["skew"])
        skew = skew_editor(SKEW_EDITOR, config.skew)
        st.selectbox("Scaler", SCALERS, key=key("scaler"), format_func=labels.SCALERS.get, help=HELP["scaler"])
        st.caption(DESCRIPTIONS[st.session_state[key("scaler")]])
        st.number_input("Seed", *BOUNDS["seed"], step=1, key=key("seed"), help=HELP["seed"])
    return config.replace(skew=skew, **{name: st.session_state[key(name)] for name in CONTROLS})
