"""The Train page's sidebar: a preset picker, then a widget for every Config key, grouped, seeded from the
session's Config.

Widgets keep what the user set; the Config is built from them and validated in one place, so a bad value
gets one line naming its control and the last valid run goes on. Widgets are re-seeded only when the
session's Config changed without them (first load, a link, another page, a preset), never to undo what
the user typed; their bounds are the Config's ranges (both from `ui.shared_config`, which the Data page's
widgets use too). Every control says in `help` what it is and what changing it does.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import streamlit as st

from explorer import config as cfg
from explorer.config import Config, ConfigError
from explorer.data.scaling import DESCRIPTIONS
from explorer.teaching import labels
from ui import lesson, shared_config, skew_editor
from ui.help import HELP, LABELS
from ui.scenario_picker import Picker
from ui.shared_config import BOUNDS

K = "train."  # prefix of this page's widget keys in session_state
SEEDED = K + "seeded"  # the Config the widgets are known to agree with
SKEW = K + "skew."  # prefix of the skew editor's state
CSV_SAVED = K + "csv_saved"  # (file name, saved path, upload id) of the last upload, kept across page switches
PRESET = K + "preset"  # the preset selectbox (back to None once applied, so the same one can be picked again)
SCENARIO = K + "scenario"  # name of the preset in force, for the page to show its question; cleared on leaving it
LR_STEPS = (1e-4, 2e-4, 5e-4, 1e-3, 2e-3, 5e-3, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0)
WEIGHT_DECAYS = (0.0, 1e-5, 1e-4, 1e-3, 1e-2, 0.1)
INITS = (*cfg.INITS, *cfg.INIT_SHAPES)  # normal:<std> and uniform:<std> are a choice plus a number input
WITH_FEATURES = ("classification", "regression", "skewed_regression", "blobs")
TWO_FEATURES = ("moons", "circles", "xor", "spiral")

PRESETS = Picker(PRESET, SCENARIO, K + "preset_problem", "Presets", HELP["preset"])


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


def _seed(config: Config) -> None:
    """Point the widgets at `config` if it changed without them; fill in widgets not drawn last run."""
    values = {K + name: value for name, value in _widget_values(config).items()}
    if shared_config.seed_widgets(SEEDED, values, config):
        skew_editor.seed(SKEW, config.skew)


def agree(config: Config) -> None:
    """The session took the widgets' Config: they need no re-seeding for it."""
    shared_config.agree(SEEDED, config)


def _options(steps: tuple[float, ...], current: float) -> list[float]:
    """Fixed steps plus the current value when a link brought one between them."""
    return sorted({*steps, current})


# ---- a lesson's read-only and hidden controls ----------------------------------------------------
def _control(name: str, config: Config, values: dict[str, Any], draw: Callable[[bool], Any]) -> None:
    """`values[name]` from its widget, drawn greyed out when a lesson link made it read-only (`draw(True)`),
    or from the session's Config, undrawn, when the link hid it."""
    view = lesson.view(name)
    values[name] = getattr(config, name) if view == lesson.HIDDEN else draw(view == lesson.READ_ONLY)


def _any_shown(*names: str) -> bool:
    return any(lesson.view(name) != lesson.HIDDEN for name in names)


# ---- the groups --------------------------------------------------------------------------------
@functools.cache
def _bundled_features(dataset: str) -> int:
    from explorer.data.datasets import load  # local: only bundled datasets need it, and only once each

    return load(Config(dataset=dataset)).X.shape[1]


def _n_features(values: dict[str, Any], columns: list[str]) -> int | None:
    """How many features the chosen data has, when the sidebar can tell without preparing it."""
    dataset = values["dataset"]
    if dataset in TWO_FEATURES:
        return 2
    if dataset in WITH_FEATURES:
        return int(values["n_features"])
    if dataset in cfg.BUNDLED_DATASETS:
        return _bundled_features(dataset)
    return len(columns) - 1 if columns else None


def _data(config: Config, values: dict[str, Any], problems: list[str]) -> tuple[str, list[str]]:
    """Returns a to-do line when the CSV is still missing, and the CSV's columns when there is one."""
    _control("dataset", config, values, lambda off: st.selectbox(
        "Dataset", cfg.DATASETS, key=K + "dataset", format_func=labels.DATASETS.get, help=HELP["dataset"],
        disabled=off,
    ))  # fmt: skip
    dataset = values["dataset"]
    synthetic = dataset in cfg.SYNTHETIC_DATASETS
    _control("n_samples", config, values, lambda off: st.number_input(
        "Samples", *BOUNDS["n_samples"], step=100, key=K + "n_samples", disabled=off or not synthetic,
        help=HELP["n_samples"],
    ))  # fmt: skip
    _control("noise", config, values, lambda off: st.number_input(
        "Noise", *BOUNDS["noise"], step=0.05, key=K + "noise", disabled=off or not synthetic, help=HELP["noise"]
    ))  # fmt: skip
    if dataset in WITH_FEATURES:
        _control("n_features", config, values, lambda off: st.number_input(
            "Features", *BOUNDS["n_features"], key=K + "n_features", disabled=off, help=HELP["n_features"]
        ))  # fmt: skip
    else:
        values["n_features"] = config.n_features  # unused by this dataset: keep it as it was
    _control("test_size", config, values, lambda off: st.slider(
        "Test share", *BOUNDS["test_size"], step=0.05, key=K + "test_size", disabled=off, help=HELP["test_size"]
    ))  # fmt: skip
    if dataset == "csv":
        return _csv(values, problems)
    return "", []


@functools.lru_cache(maxsize=16)
def _csv_header(path: str, stamp: tuple[int, int]) -> tuple[tuple[str, ...], str]:
    """(header columns, '') of a saved upload, or ((), the reason it cannot be read as a table).
    Cached by the file's (size, mtime), like `_csv_features`."""
    from explorer.data.datasets import csv_columns  # local, like _bundled_features: only CSVs need it

    try:
        return tuple(csv_columns(path)), ""
    except ConfigError as err:
        return (), str(err)


@functools.lru_cache(maxsize=16)
def _csv_features(path: str, target: str, stamp: tuple[int, int]) -> tuple[tuple[str, ...], str]:
    """(feature columns the network would see, '') for `target`, or ((), the loader's one line). Cached by
    the file's (size, mtime): a 20 MB file takes about a second to parse, and the sidebar runs on every click."""
    from explorer.data.datasets import load_csv

    try:
        return load_csv(path, target).feature_names, ""
    except ConfigError as err:
        return (), problem_of(err)


def _csv(values: dict[str, Any], problems: list[str]) -> tuple[str, list[str]]:
    """The uploader and the target column. Returns a to-do line while there is no file, and the columns the
    network would see plus the target (so the skew editor counts one-hot columns). A file the loader refuses
    is a problem line (Play stays off), never a traceback."""
    from explorer.data.datasets import CSV_MAX_BYTES, CSV_MAX_MB
    from ui.train import uploads

    upload = st.file_uploader(
        "CSV file", type=["csv"], key=K + "csv_upload", help=HELP["csv_upload"], max_upload_size=CSV_MAX_MB
    )
    saved = st.session_state.get(CSV_SAVED)
    if upload is not None and (saved is None or saved[2] != upload.file_id or not Path(saved[1]).is_file()):
        if upload.size > CSV_MAX_BYTES:  # the uploader refuses these already; a changed server setting must not
            problems.append(f"CSV file: {upload.name} is over {CSV_MAX_MB} MB — keep a sample of the rows")
            return "", []
        saved = (upload.name, str(uploads.save(upload.getvalue(), K + "csv_dir")), upload.file_id)
        st.session_state[CSV_SAVED] = saved
    if saved is not None and not Path(saved[1]).is_file():  # removed while the session was away; re-upload
        del st.session_state[CSV_SAVED]
        return "Upload the CSV file again in the sidebar (Data → CSV file): the saved copy was removed.", []
    if saved is None:
        return "Upload a CSV file in the sidebar (Data → CSV file) to train on it.", []
    name, path, _ = saved
    if upload is None:
        st.caption(f"Using {name}; upload another file to replace it.")
    stat = Path(path).stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    columns, problem = _csv_header(path, stamp)
    if not columns:
        problems.append(f"CSV file: could not read {name}: {problem.removeprefix('CSV file: ')}")
        return "", []
    if len(columns) < 2:
        problems.append(_csv_features(path, "", stamp)[1].replace("CSV file: ", f"CSV file: {name}: ", 1))
        return "", []
    if st.session_state.get(K + "target") not in columns:
        st.session_state[K + "target"] = columns[-1]
    values["csv_path"] = path
    values["target"] = st.selectbox("Target column", columns, key=K + "target", help=HELP["target"])
    features, problem = _csv_features(path, values["target"], stamp)
    if problem:
        problems.append(problem.replace("CSV file: ", f"CSV file: {name}: ", 1))
        return "", []
    return "", [*features, values["target"]]


def _skews(config: Config, values: dict[str, Any], problems: list[str], n_features: int | None) -> None:
    if lesson.view("skew") != lesson.SHOWN:  # read-only: the rows as text, no editor; hidden: not drawn at all
        values["skew"] = config.skew
        if lesson.view("skew") == lesson.READ_ONLY:
            listed = [skew_editor.row_label(item) for item in skew_editor.items(config.skew)]
            st.caption("Set by the lesson: " + ("; ".join(listed) if listed else "no skews") + ".")
        return
    values["skew"] = skew_editor.skew_editor(SKEW, config.skew, n_features)
    problem = skew_editor.skew_problem(values["skew"], n_features)
    if problem:
        problems.append(f"Skews: {problem}")


def _scaling(config: Config, values: dict[str, Any]) -> None:
    _control("scaler", config, values, lambda off: st.selectbox(
        "Scaler", cfg.SCALERS, key=K + "scaler", format_func=labels.SCALERS.get, help=HELP["scaler"], disabled=off
    ))  # fmt: skip
    if lesson.view("scaler") != lesson.HIDDEN:
        st.caption(DESCRIPTIONS[values["scaler"]])


def _hidden(text: str) -> tuple[tuple[int, ...], str]:
    """The widths typed, or why they cannot be used (naming the control)."""
    try:
        widths = cfg.parse_value("hidden", text)
    except ConfigError:
        return (), f"Hidden widths: {text!r} is not a list of whole numbers, e.g. 64,32 (one per hidden layer)"
    if not cfg.KEYS["hidden"].check(widths):
        return (), (
            f"Hidden widths: {text!r} is not usable: give 1 to {cfg.MAX_LAYERS} hidden layer widths, "
            f"each from 1 to {cfg.MAX_WIDTH}, e.g. 64,32"
        )
    return widths, ""


def _network(config: Config, values: dict[str, Any], problems: list[str]) -> None:
    view = lesson.view("hidden")
    if view == lesson.HIDDEN:
        values["hidden"] = config.hidden
    else:
        text = st.text_input("Hidden widths", key=K + "hidden", help=HELP["hidden"], disabled=view == lesson.READ_ONLY)
        hidden, problem = _hidden(text)
        if problem:
            problems.append(problem)
        else:
            values["hidden"] = hidden
    _control("activation", config, values, lambda off: st.selectbox(
        "Activation", cfg.ACTIVATIONS, key=K + "activation", format_func=labels.ACTIVATIONS.get,
        help=HELP["activation"], disabled=off,
    ))  # fmt: skip
    _control("norm", config, values, lambda off: st.selectbox(
        "Normalisation", cfg.NORMS, key=K + "norm", format_func=labels.NORMS.get, help=HELP["norm"], disabled=off
    ))  # fmt: skip
    _control("norm_noise", config, values, lambda off: st.slider(
        "Noise strength", *BOUNDS["norm_noise"], step=0.25, key=K + "norm_noise",
        disabled=off or values["norm"] not in cfg.NOISY_NORMS,
        help=HELP["norm_noise"],
    ))  # fmt: skip
    _control("init", config, values, lambda off: _init(off))


def _init(off: bool) -> str:
    init = st.selectbox("Init", INITS, key=K + "init", format_func=labels.INITS.get, help=HELP["init"], disabled=off)
    if init not in cfg.INIT_SHAPES:
        return init
    std = st.number_input(
        "Init std", *BOUNDS["init_std"], step=0.05, format="%g", key=K + "init_std", help=HELP["init_std"],
        disabled=off,
    )  # fmt: skip
    return f"{init}:{std:g}"


def _training(config: Config, values: dict[str, Any]) -> None:
    _control("optimizer", config, values, lambda off: st.selectbox(
        "Optimizer", cfg.OPTIMIZERS, key=K + "optimizer", format_func=labels.OPTIMIZERS.get, help=HELP["optimizer"],
        disabled=off,
    ))  # fmt: skip
    _control("lr", config, values, lambda off: st.select_slider(
        "Learning rate", _options(LR_STEPS, st.session_state[K + "lr"]), key=K + "lr",
        format_func=lambda v: f"{v:g}", help=HELP["lr"], disabled=off,
    ))  # fmt: skip
    _control("momentum", config, values, lambda off: st.slider(
        "Momentum", *BOUNDS["momentum"], step=0.01, key=K + "momentum",
        disabled=off or values["optimizer"] != "momentum", help=HELP["momentum"],
    ))  # fmt: skip
    _control("weight_decay", config, values, lambda off: st.select_slider(
        "Weight decay", _options(WEIGHT_DECAYS, st.session_state[K + "weight_decay"]), key=K + "weight_decay",
        format_func=lambda v: f"{v:g}", help=HELP["weight_decay"], disabled=off,
    ))  # fmt: skip
    _control("batch_size", config, values, lambda off: st.number_input(
        "Batch size", *BOUNDS["batch_size"], key=K + "batch_size", help=HELP["batch_size"], disabled=off
    ))  # fmt: skip
    _control("epochs", config, values, lambda off: st.number_input(
        "Epochs", *BOUNDS["epochs"], step=50, key=K + "epochs", help=HELP["epochs"], disabled=off
    ))  # fmt: skip
    _control("seed", config, values, lambda off: st.number_input(
        "Seed", *BOUNDS["seed"], key=K + "seed", help=HELP["seed"], disabled=off
    ))  # fmt: skip


def problem_of(err: ConfigError) -> str:
    """A Config's complaint, led by the control that holds the bad value."""
    label = LABELS.get(err.key or "")
    return f"{label}: {err}" if label and not str(err).startswith(label) else str(err)


DATA_KEYS = ("dataset", "n_samples", "noise", "n_features", "test_size")
NETWORK_KEYS = ("hidden", "activation", "norm", "norm_noise", "init")
TRAINING_KEYS = ("optimizer", "lr", "momentum", "weight_decay", "batch_size", "epochs", "seed")


def _group(title: str, *names: str) -> Any:
    """A sidebar group's expander, or none when a lesson hid every control in it (they draw nothing then)."""
    return st.expander(title, expanded=True) if _any_shown(*names) else contextlib.nullcontext()


def sidebar(config: Config) -> Choice:
    """Draw the preset picker and the grouped controls, and read them back as a Config (or why there is none)."""
    _seed(config)
    values: dict[str, Any] = {}
    problems: list[str] = []
    with st.sidebar:
        if lesson.view("preset") != lesson.HIDDEN:
            PRESETS.draw(disabled=lesson.view("preset") == lesson.READ_ONLY)
        scenario = PRESETS.scenario()
        if scenario is not None:
            st.caption(f"Preset in force: **{scenario.title}**. Change one of its settings to leave it.")
        with _group("Data", *DATA_KEYS):
            todo, columns = _data(config, values, problems)
        with _group("Skews", "skew"):
            _skews(config, values, problems, _n_features(values, columns))
        with _group("Scaling", "scaler"):
            _scaling(config, values)
        with _group("Network", *NETWORK_KEYS):
            _network(config, values, problems)
        with _group("Training", *TRAINING_KEYS):
            _training(config, values)
    PRESETS.leave_if_changed(values)
    if todo:
        return Choice(None, todo, waiting=True)
    if problems:
        return Choice(None, problems[0])
    if values["dataset"] != "csv":
        values.update(csv_path="", target="")
    try:
        return Choice(Config(**values))
    except ConfigError as err:
        return Choice(None, problem_of(err))
