"""The Train page's sidebar: a widget for every Config key, grouped, seeded from the session's Config.

Widgets keep what the user set; the Config is built from them and validated in one place, so a bad value
gets one line and the last valid run goes on. Widgets are re-seeded only when the session's Config
changed without them (first load, a link, another page), never to undo what the user typed; their bounds
are the Config's ranges (both from `ui.shared_config`, which the Data page's widgets use too).
"""

from __future__ import annotations

import hashlib
import math
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import streamlit as st

from explorer import config as cfg
from explorer.config import Config, ConfigError
from explorer.scaling import DESCRIPTIONS
from explorer.skews import KINDS, SCALE_KINDS, SHAPE_KINDS
from ui import shared_config
from ui.shared_config import BOUNDS

K = "train."  # prefix of this page's widget keys in session_state
SEEDED = K + "seeded"  # the Config the widgets are known to agree with
SKEW_ROWS = K + "skew_rows"  # the editor's starting rows (edits live in the editor's own state)
SKEW_EDITOR = K + "skew_editor"
CSV_SAVED = K + "csv_saved"  # (file name, saved path) of the last upload, kept across page switches
LR_STEPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
WEIGHT_DECAYS = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1)
NORM_LABELS = {
    "none": "none",
    "bn_before": "BN → act",
    "bn_after": "act → BN",
    "bn_noisy": "noisy BN → act",
    "ln_before": "LN → act",
    "ln_after": "act → LN",
}
WITH_FEATURES = ("classification", "regression", "skewed_regression", "blobs")
SKEW_PRESETS = {
    "same scale, different shape": "0:lognormal:1.5",
    "same shape, different scale": "1:scale:1000",
    "outliers": "all:outliers:0.02",
    "heavy tails": "all:heavy_tail:1.5",
    "none": "",
}


@dataclass(frozen=True)
class Choice:
    """What the sidebar asks for: a valid Config, or one line saying why there is none."""

    config: Config | None
    problem: str = ""
    waiting: bool = False  # the problem is a step still to do (upload a CSV), not a mistake


# ---- seeding -----------------------------------------------------------------------------------
def _widget_values(config: Config) -> dict[str, Any]:
    init_kind, _, init_std = config.init.partition(":")
    return {
        "dataset": config.dataset,
        "n_samples": config.n_samples,
        "noise": float(config.noise),
        "n_features": config.n_features,
        "test_size": float(config.test_size),
        "target": config.target,
        "scaler": config.scaler,
        "hidden": cfg.format_value(config.hidden),
        "activation": config.activation,
        "norm": config.norm,
        "norm_noise": float(config.norm_noise),
        "init": init_kind,
        "init_std": float(init_std or 0.1),
        "optimizer": config.optimizer,
        "lr": config.lr,
        "momentum": float(config.momentum),
        "weight_decay": config.weight_decay,
        "batch_size": config.batch_size,
        "epochs": config.epochs,
        "seed": config.seed,
    }


def skew_rows(skew: str) -> pd.DataFrame:
    """The skew key as editable rows (features, kind, amount)."""
    items = [item.split(":") for item in skew.split(";") if item.strip()]
    return pd.DataFrame(
        {
            "features": pd.Series([i[0].strip() for i in items], dtype=object),
            "kind": pd.Series([i[1].strip() for i in items], dtype=object),
            "amount": pd.Series([float(i[2]) for i in items], dtype="float64"),
        }
    )


def _set_skew_rows(skew: str) -> None:
    st.session_state[SKEW_ROWS] = skew_rows(skew)
    st.session_state.pop(SKEW_EDITOR, None)  # the editor starts again from these rows


def _seed(config: Config) -> None:
    """Point the widgets at `config` if it changed without them; fill in widgets not drawn last run."""
    values = {K + name: value for name, value in _widget_values(config).items()}
    if shared_config.seed_widgets(SEEDED, values, config) or SKEW_ROWS not in st.session_state:
        _set_skew_rows(config.skew)


def agree(config: Config) -> None:
    """The session took the widgets' Config: they need no re-seeding for it."""
    shared_config.agree(SEEDED, config)


def _options(steps: tuple[float, ...], current: float) -> list[float]:
    """Fixed steps plus the current value when a link brought one between them."""
    return sorted({*steps, current})


# ---- the groups --------------------------------------------------------------------------------
def _data(config: Config, values: dict[str, Any], problems: list[str]) -> str:
    """Returns a to-do line when the CSV is still missing."""
    dataset = st.selectbox("Dataset", cfg.DATASETS, key=K + "dataset", help=cfg.KEYS["dataset"].help)
    synthetic = dataset in cfg.SYNTHETIC_DATASETS
    values["dataset"] = dataset
    values["n_samples"] = st.number_input(
        "Samples", *BOUNDS["n_samples"], step=100, key=K + "n_samples", disabled=not synthetic,
        help="rows generated (synthetic datasets only)",
    )  # fmt: skip
    values["noise"] = st.number_input(
        "Noise", *BOUNDS["noise"], step=0.05, key=K + "noise", disabled=not synthetic, help=cfg.KEYS["noise"].help
    )
    if dataset in WITH_FEATURES:
        values["n_features"] = st.number_input("Features", *BOUNDS["n_features"], key=K + "n_features")
    else:
        values["n_features"] = config.n_features  # unused by this dataset: keep it as it was
    values["test_size"] = st.slider("Test share", *BOUNDS["test_size"], step=0.05, key=K + "test_size")
    if dataset == "csv":
        return _csv(values, problems)
    return ""


def _csv(values: dict[str, Any], problems: list[str]) -> str:
    upload = st.file_uploader("CSV file", type=["csv"], key=K + "csv_upload", help="numeric features; a target")
    if upload is not None:
        content = upload.getvalue()
        folder = Path(st.session_state.setdefault(K + "csv_dir", tempfile.mkdtemp(prefix="normexp-csv-")))
        path = folder / f"{hashlib.sha256(content).hexdigest()[:16]}.csv"  # never the user's file name
        if not path.exists():
            path.write_bytes(content)
        st.session_state[CSV_SAVED] = (upload.name, str(path))
    saved = st.session_state.get(CSV_SAVED)
    if saved is None:
        return "Upload a CSV file in the sidebar (Data → CSV file) to train on it."
    name, path = saved
    if upload is None:
        st.caption(f"Using {name}; upload another file to replace it.")
    try:
        columns = [str(c) for c in pd.read_csv(path, nrows=0).columns]
    except (ValueError, UnicodeDecodeError) as err:
        problems.append(f"could not read {name}: {str(err).splitlines()[0] if str(err) else type(err).__name__}")
        return ""
    if st.session_state.get(K + "target") not in columns and columns:
        st.session_state[K + "target"] = columns[-1]
    values["csv_path"] = path
    values["target"] = st.selectbox("Target column", columns, key=K + "target")
    return ""


def _apply_preset() -> None:
    preset = st.session_state.get(K + "skew_preset")
    if preset is not None:
        _set_skew_rows(SKEW_PRESETS[preset])
    st.session_state[K + "skew_preset"] = None


def _skews(values: dict[str, Any], problems: list[str]) -> None:
    st.pills("Presets", list(SKEW_PRESETS), key=K + "skew_preset", on_change=_apply_preset)
    edited = st.data_editor(
        st.session_state[SKEW_ROWS],
        key=SKEW_EDITOR,
        num_rows="dynamic",
        hide_index=True,
        width="stretch",
        column_config={
            "features": st.column_config.TextColumn("features", help="all, even, odd, 3, 0,2 or 0-9", width=50),
            "kind": st.column_config.SelectboxColumn(
                "kind", options=list(KINDS), help="shape kinds keep mean and std; scale kinds keep the shape", width=76
            ),
            "amount": st.column_config.NumberColumn("amount", format="%g", width=50),
        },
    )
    items = []
    for number, row in enumerate(edited.itertuples(index=False), start=1):
        features = "" if row.features is None or pd.isna(row.features) else str(row.features).strip()
        kind = "" if row.kind is None or pd.isna(row.kind) else str(row.kind)
        if not features and not kind:
            continue  # an empty row, e.g. just added
        amount = row.amount
        if not features or not kind or amount is None or (isinstance(amount, float) and math.isnan(amount)):
            problems.append(f"skew row {number}: set features, kind and amount (or delete the row)")
            continue
        items.append(f"{features}:{kind}:{float(amount):g}")
    values["skew"] = ";".join(items)
    st.caption(
        "Each row: features (all, even, odd, 3, 0,2 or 0-9) · kind · amount, applied in order before the split. "
        f"Shape kinds keep mean and std: {', '.join(SHAPE_KINDS)}. Scale kinds keep the shape: "
        f"{', '.join(SCALE_KINDS)}. And outliers."
    )


def _scaling(values: dict[str, Any]) -> None:
    values["scaler"] = st.selectbox("Scaler", cfg.SCALERS, key=K + "scaler", help=cfg.KEYS["scaler"].help)
    st.caption(DESCRIPTIONS[values["scaler"]])


def _network(values: dict[str, Any], problems: list[str]) -> None:
    hidden = st.text_input("Hidden widths", key=K + "hidden", help="comma-separated widths, e.g. 32,32")
    try:
        values["hidden"] = cfg.parse_value("hidden", hidden)
    except ConfigError as err:
        problems.append(str(err))
    values["activation"] = st.selectbox("Activation", cfg.ACTIVATIONS, key=K + "activation")
    values["norm"] = st.selectbox(
        "Normalisation",
        cfg.NORMS,
        key=K + "norm",
        format_func=NORM_LABELS.get,
        help="none; batch norm (BN: each unit over the batch's rows) before the activation (linear → norm → "
        "act) or after it (linear → act → norm); noisy BN (BN before the activation, then a random shift and "
        "scale per unit at every step: Santurkar et al. 2018); layer norm (LN: each row over its units)",
    )
    noise = st.slider(
        "Noise strength",
        0.0,
        5.0,
        step=0.25,
        key=K + "norm_noise",
        disabled=values["norm"] != "bn_noisy",
        help="only for noisy BN: at each step every unit is scaled by a random factor in [1, 1+s], shifted by a "
        "random amount in [−s, s], and each value gets Gaussian noise of std s/4. 0 is plain BN → act",
    )
    values["norm_noise"] = noise
    init = st.selectbox("Init", ("default", "xavier", "he", "normal"), key=K + "init")
    if init == "normal":
        std = st.number_input("Init std", *BOUNDS["init_std"], step=0.05, format="%g", key=K + "init_std")
        values["init"] = f"normal:{std:g}"
    else:
        values["init"] = init


def _training(values: dict[str, Any]) -> None:
    values["optimizer"] = st.selectbox("Optimizer", cfg.OPTIMIZERS, key=K + "optimizer")
    values["lr"] = st.select_slider(
        "Learning rate",
        _options(LR_STEPS, st.session_state[K + "lr"]),
        key=K + "lr",
        format_func=lambda v: f"{v:g}",
        help="log steps; a change applies to the running training",
    )
    values["momentum"] = st.slider(
        "Momentum", *BOUNDS["momentum"], step=0.01, key=K + "momentum", disabled=values["optimizer"] != "momentum"
    )
    values["weight_decay"] = st.select_slider(
        "Weight decay",
        _options(WEIGHT_DECAYS, st.session_state[K + "weight_decay"]),
        key=K + "weight_decay",
        format_func=lambda v: f"{v:g}",
    )
    values["batch_size"] = st.number_input("Batch size", *BOUNDS["batch_size"], key=K + "batch_size")
    values["epochs"] = st.number_input(
        "Epochs", *BOUNDS["epochs"], step=50, key=K + "epochs", help="a change applies to the running training"
    )
    values["seed"] = st.number_input("Seed", *BOUNDS["seed"], key=K + "seed", help=cfg.KEYS["seed"].help)


def sidebar(config: Config) -> Choice:
    """Draw the grouped controls and read them back as a Config (or the one reason there is none)."""
    _seed(config)
    values: dict[str, Any] = {}
    problems: list[str] = []
    with st.sidebar:
        with st.expander("Data", expanded=True):
            todo = _data(config, values, problems)
        with st.expander("Skews", expanded=True):
            _skews(values, problems)
        with st.expander("Scaling", expanded=True):
            _scaling(values)
        with st.expander("Network", expanded=True):
            _network(values, problems)
        with st.expander("Training", expanded=True):
            _training(values)
    if todo:
        return Choice(None, todo, waiting=True)
    if problems:
        return Choice(None, problems[0])
    if values["dataset"] != "csv":
        values.update(csv_path="", target="")
    try:
        return Choice(Config(**values))
    except ConfigError as err:
        return Choice(None, str(err))
