"""The Compare page's setup in the sidebar: a preset, the keys to vary and their values, seeds and epochs.

Everything not varied comes from the session's shared Config (the Train and Data pages' settings); a preset
adds its own settings on top for this comparison only, so the Train page's run is never changed from here.
The widgets keep their values across page switches (`persist_state="session"`), and what they ask for is
validated in one place: a value that doesn't parse, a combination the Config refuses or too many runs
gives one line, and the page keeps what the user typed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from explorer import config as cfg
from explorer.charts.compare import value_text
from explorer.config import Config, ConfigError, parse_value
from explorer.runs import cost
from explorer.sweeps.sweep import MAX_MEMBERS, NOT_GRID_KEYS, Sweep, parse_values
from explorer.teaching.scenarios import SCENARIOS, Scenario
from ui import lesson, shared_config
from ui.help import HELP
from ui.shared_config import BOUNDS

K = "compare."  # prefix of this page's widget keys
PRESET, KEYS, SEEDS, EPOCHS = K + "preset", K + "keys", K + "seeds", K + "epochs"
MAX_KEYS = 2
MAX_SEEDS = 10
DEFAULT_SEEDS = 5
GRID_KEYS = tuple(name for name in cfg.KEYS if name not in NOT_GRID_KEYS)
CHOICES: dict[str, tuple[str, ...]] = {  # keys picked from a fixed list
    "dataset": tuple(d for d in cfg.DATASETS if d != "csv"),
    "scaler": cfg.SCALERS,
    "activation": cfg.ACTIVATIONS,
    "norm": cfg.NORMS,
    "optimizer": cfg.OPTIMIZERS,
    # init: more may be typed (normal:<std>, uniform:<std>)
    "init": ("default", "xavier", "he", "he_uniform", "normal:0.01", "normal:0.1", "normal:1", "uniform:0.1"),
}
PIPE_KEYS = ("hidden", "skew")  # their values contain commas: `|` separates them
SUGGESTED: dict[str, tuple[Any, ...]] = {  # what a key starts with when picked (besides the current value)
    "scaler": ("none", "standard"),
    "norm": ("none", "bn_before", "bn_after"),
    "activation": ("relu", "sigmoid"),
    "optimizer": cfg.OPTIMIZERS,
    "init": ("default", "he"),
    "skew": ("", "0:scale:1000"),
    "lr": (0.001, 0.01, 0.1),
    "hidden": ((8,), (32, 32)),
    "batch_size": (16, 128),
}
EXAMPLES = {
    "hidden": "8 | 32,32 | 64,64,64",
    "skew": "none | 0:scale:1000 | all:lognormal:1.5",
    "lr": "0.001, 0.01, 0.1",
}


@dataclass(frozen=True)
class Setup:
    """What the sidebar asks for: a valid Sweep, or one line saying why there is none."""

    sweep: Sweep | None
    problem: str = ""
    preset: Scenario | None = None
    preset_keys: dict[str, Any] = field(default_factory=dict)  # what the preset set beyond the grid


def values_key(name: str) -> str:
    return f"{K}values.{name}"


# ---- values as text ---------------------------------------------------------------------------
def values_text(name: str, values: tuple[Any, ...]) -> str:
    """The text-input form of a key's values (what `parse_values` reads back)."""
    return (" | " if name in PIPE_KEYS else ", ").join(value_text(v) for v in values)


def _starting_values(name: str, base: Config) -> tuple[Any, ...]:
    """The current value and a suggested alternative or two, so the key varies as soon as it is picked."""
    values = dict.fromkeys((getattr(base, name), *SUGGESTED.get(name, ())))
    if name in CHOICES and name != "init":  # e.g. dataset=csv cannot be picked here
        return tuple(v for v in values if v in CHOICES[name])
    return tuple(values)


# ---- presets ----------------------------------------------------------------------------------
def _set_grid(grid: tuple[tuple[str, tuple[Any, ...]], ...]) -> None:
    st.session_state[KEYS] = [name for name, _ in grid]
    for name, values in grid:
        st.session_state[values_key(name)] = (
            [value_text(v) for v in values] if name in CHOICES else values_text(name, values)
        )


def _apply_preset() -> None:
    """The preset's keys, values, seeds and epochs fill the widgets (its other settings apply on Run)."""
    scenario = SCENARIOS.get(st.session_state.get(PRESET) or "")
    if scenario is None:
        return
    _set_grid(scenario.grid)
    st.session_state[SEEDS] = scenario.seeds
    if "epochs" in scenario.overrides:
        st.session_state[EPOCHS] = scenario.overrides["epochs"]


REQUEST = K + "request"  # {"grid", "seeds"} left by another page (Learn) or a link that opens a comparison here
GRID_PARAMS = ("grid", "grid2")  # the link's varied keys, `KEY=V1|V2` as the CLI's --grid
SEEDS_PARAM = "seeds"
LINK_READ = K + "link_read"  # the opening link's grid was read (once per session)


def ask(grid: tuple[tuple[str, tuple[Any, ...]], ...], seeds: int) -> None:
    """Another page's way to open this comparison here: the grid and seeds fill the widgets on the next run."""
    st.session_state[REQUEST] = {"grid": grid, "seeds": seeds}


def _take_request(shared: Config) -> None:
    """A comparison another page asked for: its keys, values and seeds fill the widgets, once; the rest of
    its setup is already the shared Config (that page set it), so no preset applies on top."""
    request = st.session_state.pop(REQUEST, None)
    if not request:
        return
    st.session_state[PRESET] = None
    _set_grid(tuple(request["grid"]))
    st.session_state[SEEDS] = min(MAX_SEEDS, int(request.get("seeds", DEFAULT_SEEDS)))
    st.session_state[EPOCHS] = shared.epochs


# ---- the link ---------------------------------------------------------------------------------
def _link_item(text: str) -> tuple[str, tuple[Any, ...]]:
    """`KEY=V1|V2` (the CLI's --grid) to a key this page can vary and its values; ConfigError otherwise."""
    name, sep, values = text.partition("=")
    name = name.strip()
    if not sep or name not in GRID_KEYS:
        raise ConfigError("expected <key>=<value>|<value>… with a key this page can vary, e.g. norm=none|bn_before")
    parsed = parse_values(name, values)
    if name in CHOICES and name != "init" and any(value_text(v) not in CHOICES[name] for v in parsed):
        raise ConfigError(f"{name} takes {', '.join(CHOICES[name])} here")
    return name, parsed


def from_link(extras: Mapping[str, str | None]) -> None:
    """The opening link's grid and seeds fill the widgets, once per session; what it got wrong is named in the
    link's notice and left out."""
    if st.session_state.get(LINK_READ):
        return
    st.session_state[LINK_READ] = True
    grid: list[tuple[str, tuple[Any, ...]]] = []
    for param in GRID_PARAMS:
        text = extras.get(param)
        if not text:
            continue
        try:
            name, values = _link_item(text)
            if name in (n for n, _ in grid):
                raise ConfigError(f"{name} is varied already")
        except ConfigError as err:
            shared_config.add_problem(f"ignored URL parameter {param}={text[:60]!r}: {err}")
            continue
        grid.append((name, values))
    seeds, text = DEFAULT_SEEDS, extras.get(SEEDS_PARAM)
    if text is not None:
        if text.strip().isdigit() and 1 <= int(text) <= MAX_SEEDS:
            seeds = int(text)
        else:
            shared_config.add_problem(f"ignored URL parameter {SEEDS_PARAM}={text[:20]!r}: expected 1 to {MAX_SEEDS}")
    if grid or seeds != DEFAULT_SEEDS:
        ask(tuple(grid), seeds)


def url_params(setup: Setup) -> dict[str, str | None]:
    """What the link carries of the setup on screen: the varied keys with their values, and the seeds."""
    params: dict[str, str | None] = dict.fromkeys((*GRID_PARAMS, SEEDS_PARAM))
    if setup.sweep is None:
        return params
    for param, (name, values) in zip(GRID_PARAMS, setup.sweep.grid, strict=False):
        params[param] = f"{name}={'|'.join(value_text(v) for v in values)}"
    params[SEEDS_PARAM] = str(setup.sweep.seeds)
    return params


# ---- the widgets ------------------------------------------------------------------------------
def _widget(control: str, key: str, draw: Callable[[bool], Any]) -> Any:
    """The widget's value: greyed out where a lesson link made `control` read-only (`draw(True)`); not drawn,
    its kept value, where the link hid it."""
    view = lesson.view(control)
    return st.session_state.get(key) if view == lesson.HIDDEN else draw(view == lesson.READ_ONLY)


def _value_widget(name: str, base: Config) -> Any:
    key = values_key(name)
    help_text = f"{HELP[name]} Allowed: {cfg.KEYS[name].allowed}."
    if name in CHOICES:
        st.session_state.setdefault(key, [value_text(v) for v in _starting_values(name, base)])
        return _widget("keys", key, lambda off: st.multiselect(
            f"Values of {name}", CHOICES[name], key=key, persist_state="session", disabled=off,
            accept_new_options=name == "init", help=help_text + " Each value is one configuration.",
        ))  # fmt: skip
    st.session_state.setdefault(key, values_text(name, _starting_values(name, base)))
    separator = "'|' (a value contains commas)" if name in PIPE_KEYS else "commas"
    return _widget("keys", key, lambda off: st.text_input(
        f"Values of {name}", key=key, persist_state="session", placeholder=EXAMPLES.get(name, ""), disabled=off,
        help=f"{help_text} Separate values with {separator}, e.g. {EXAMPLES.get(name, '1, 2')}.",
    ))  # fmt: skip


def _grid(keys: list[str], base: Config) -> tuple[tuple[tuple[str, tuple[Any, ...]], ...], str]:
    """Each picked key with its parsed values; the first problem found as one line."""
    grid, problem = [], ""
    for name in keys:
        raw = _value_widget(name, base)
        try:
            if name in CHOICES:
                if not raw:
                    raise ConfigError(f"{name}: pick at least one value")
                values = tuple(dict.fromkeys(parse_value(name, str(v).strip()) for v in raw))
            else:
                values = parse_values(name, raw)
        except ConfigError as err:
            problem = problem or str(err)
            continue
        grid.append((name, values))
    return tuple(grid), problem


def sidebar(shared: Config) -> Setup:
    """Draw the setup in the sidebar; returns the sweep it describes (or why there is none)."""
    _take_request(shared)
    with st.sidebar:
        st.header("What to compare")
        _widget("preset", PRESET, lambda off: st.selectbox(
            "Preset", list(SCENARIOS), key=PRESET, format_func=lambda n: SCENARIOS[n].title, index=None,
            placeholder="pick a question to test…", on_change=_apply_preset, persist_state="session", disabled=off,
            help="Fills in the keys, values, seeds and epochs for one of the app's questions (the same presets "
            "as on Train and Data). Its other settings (listed on the page) apply to this comparison only: your "
            "Train settings stay as they are.",
        ))  # fmt: skip
        preset = SCENARIOS.get(st.session_state.get(PRESET) or "")
        base, preset_keys, problem = shared, {}, ""
        if preset is not None:
            preset_keys = {k: v for k, v in preset.overrides.items() if k != "epochs"}
            try:
                base = shared.replace(**preset_keys)
            except ConfigError as err:
                problem = f"the preset cannot apply to your settings: {err}"
        keys = _widget("keys", KEYS, lambda off: st.multiselect(
            "Keys to vary", GRID_KEYS, key=KEYS, max_selections=MAX_KEYS, persist_state="session",
            placeholder="pick one or two settings", disabled=off,
            help="One or two settings to change between configurations; every combination of their values is "
            "trained. Everything else stays as set on the Train page.",
        )) or []  # fmt: skip
        grid, bad_value = _grid(keys, base)
        problem = problem or bad_value
        st.session_state.setdefault(SEEDS, DEFAULT_SEEDS)
        seeds = _widget("seeds", SEEDS, lambda off: st.slider(
            "Seeds", 1, MAX_SEEDS, key=SEEDS, persist_state="session", disabled=off,
            help="Each configuration is trained this many times, each seed drawing its own data, split, starting "
            "weights and batch order. More seeds: narrower intervals, so smaller differences can be told from "
            "luck; each seed costs one more run.",
        ))  # fmt: skip
        st.session_state.setdefault(EPOCHS, base.epochs)
        varied_epochs = "epochs" in keys
        epochs = _widget("epochs", EPOCHS, lambda off: st.number_input(
            "Epochs", *BOUNDS["epochs"], key=EPOCHS, persist_state="session", disabled=off or varied_epochs,
            help="Passes over the training split for every run"
            + (" (set by the values of epochs above)." if varied_epochs else "."),
        ))  # fmt: skip
        if problem:
            return Setup(None, problem, preset, preset_keys)
        try:
            sweep = Sweep(base if varied_epochs else base.replace(epochs=int(epochs)), grid, int(seeds))
        except ConfigError as err:
            return Setup(None, str(err), preset, preset_keys)
        n = len(sweep.configurations())
        st.markdown(
            f"**{n}** configuration{'s' * (n != 1)} × **{seeds}** seed{'s' * (seeds != 1)} = **{n * seeds}** runs "
            f"(at most {MAX_MEMBERS})"
        )
        groups = [(group[0].config, len(group)) for group in sweep.groups()]
        seconds = cost.sweep_seconds(groups)
        if seconds is not None:
            st.caption(f"About {cost.duration(seconds)} of training (estimate).")
        too_heavy = cost.page_sweep_problem(groups)  # a piece that cannot be sliced would hold every session
        return Setup(None if too_heavy else sweep, too_heavy, preset, preset_keys)
