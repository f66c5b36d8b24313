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
from ui.scenario_picker import Picker
from ui.shared_config import BOUNDS
from ui.skew_editor import skew_editor

CONTROLS = ("dataset", "n_samples", "noise", "scaler", "seed")  # the Config keys this page's plain widgets edit
SKEW_EDITOR = "data.skew."  # the skew editor's state prefix (the same editor as Train's, its own rows)
SYNCED = "data_synced"  # the Config the widgets are known to agree with
PRESET = "data_preset"  # the scenario picker (cleared after each pick)
SCENARIO = "data_scenario"  # the scenario in force, until one of its keys changes
HELP = {
    "preset": "A named setup that shows one effect. It sets several settings at once (the Train page opens on "
    "the same setup) and says what to look at.",
    "dataset": "Which data to look at. Synthetic sets are generated from the seed; bundled ones are small "
    "classic tables that ship with scikit-learn (nothing is downloaded).",
    "n_samples": "How many rows (samples) to generate; a quarter are held out as test rows. Synthetic data only.",
    "noise": "How much the synthetic data is blurred: more noise overlaps the classes. Synthetic data only.",
    "skew": "Changes applied to chosen features before scaling, in order. Features: a number (0 is the "
    "first), 0,2, 0-3, all, even or odd. Shape kinds keep the mean and std (lognormal: a long right tail; "
    "heavy tails; bimodal; a few levels; uniform). Scale kinds keep the shape (multiply, add). Outliers "
    "make a share of the rows extreme. Example: feature 0 lognormal 1.5, then feature 1 × 1000.",
    "scaler": "How each feature is rescaled before training, fitted on the training rows only. Linear "
    "scalers (Standardize, Min-max, Max-abs, Robust) move and stretch the axis but keep the shape; "
    "quantile and power transforms also change the shape. Robust uses the median and the IQR "
    "(inter-quartile range: the spread of the middle half of the values).",
    "seed": "The number that fixes all randomness: the generated data, the skews' noise and the train/test "
    "split. The same seed gives the same numbers.",
}
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
