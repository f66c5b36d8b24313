"""A skew editor that can only produce whole rows: features, kind and amount are picked first, then Add.

A free table let a learner leave a row half filled (a kind but no amount) and got a red line back; here
the features text is checked as it is typed (with `explorer.data.skews`' own parser, so the editor and the
Config agree on what is valid) and Add stays disabled until it reads, while kind and amount can only
take valid values. Rows are kept as skew items in `st.session_state` under the caller's prefix, so any
page can host an editor: `skew = skew_editor("data.skew.", config.skew, n_features)`.
"""

from __future__ import annotations

from collections.abc import Sequence

import streamlit as st

from explorer.config import ConfigError
from explorer.config.skew_grammar import (
    AMOUNT_RANGES,
    KINDS,
    MAX_SKEW_ITEMS,
    Skew,
    parse_skew,
    select_features,
    too_many_items,
)
from explorer.teaching import labels

KIND_LABELS = labels.SKEW_KINDS  # the selectbox's names; the ids stay in the Config and the URL
DEFAULT_AMOUNTS = {  # visible at once but not extreme
    "lognormal": 1.5,
    "heavy_tail": 6.0,
    "uniform": 1.0,
    "bimodal": 3.0,
    "discretize": 3.0,
    "scale": 1000.0,
    "shift": 50.0,
    "outliers": 0.02,
}
SCALE_STEPS = (
    0.001,
    0.002,
    0.005,
    0.01,
    0.02,
    0.05,
    0.1,
    0.2,
    0.5,
    2.0,
    5.0,
    10.0,
    20.0,
    50.0,
    100.0,
    200.0,
    500.0,
    1000.0,
)
SHIFT_STEPS = (-1000.0, -500.0, -100.0, -50.0, -10.0, -5.0, -1.0, 1.0, 5.0, 10.0, 50.0, 100.0, 500.0, 1000.0)
SLIDER_STEPS = {"lognormal": 0.1, "heavy_tail": 0.5, "uniform": 0.05, "bimodal": 0.5, "discretize": 1.0}
OUTLIER_STEP = 0.005  # outliers need a share > 0: the slider starts one step above 0
FEATURES_HELP = (
    "Which features (input columns) to change, counting from 0: all, even, odd, one index (0), "
    "a list (0,2) or a range (0-9)."
)
KIND_HELP = "Shape kinds change a feature's distribution but keep its mean and std; scale kinds keep its shape.\n\n" + (
    "\n".join(f"- **{KIND_LABELS[kind]}**: {text}" for kind, text in KINDS.items())
)
_WHICH = {"all": "all features", "even": "even features", "odd": "odd features"}


# ---- pure helpers -----------------------------------------------------------------------------
def features_problem(text: str, n_features: int | None = None) -> str:
    """Why `text` is not a feature selector (one line), or "" when it is; indices checked when known."""
    if not text.strip():
        return "Type which features to skew: all, even, odd, 3, 0,2 or 0-9."
    try:
        select_features(_compact(text), n_features)
    except ConfigError as err:
        return str(err)
    return ""


def skew_problem(skew: str, n_features: int | None) -> str:
    """Why `skew` cannot apply to data with `n_features` features (one line), or "" (also when unknown)."""
    if n_features is None:
        return ""
    try:
        for item in parse_skew(skew):
            item.columns(n_features)
    except ConfigError as err:
        return str(err)
    return ""


def row_label(item: str) -> str:
    """A skew item as a learner reads it: 'feature 0 · lognormal · 1.5'."""
    skew = parse_skew(item)[0]
    which = _WHICH.get(skew.features)
    if which is None:
        single = skew.features.isdigit()
        which = f"feature{'' if single else 's'} {skew.features}"
    return f"{which} · {skew.kind.replace('_', ' ')} · {skew.amount:g}"


def items(skew: str) -> list[str]:
    """The skew key as its items in order, each in canonical form ([] when it does not parse)."""
    try:
        return [str(s) for s in parse_skew(skew)]
    except ConfigError:
        return []


def _compact(text: str) -> str:
    return "".join(text.split())


# ---- state ------------------------------------------------------------------------------------
def _rows_key(key_prefix: str) -> str:
    return key_prefix + "rows"


def rows(key_prefix: str) -> list[str]:
    """The editor's items, in order."""
    return list(st.session_state.get(_rows_key(key_prefix), []))


def seed(key_prefix: str, skew: str) -> None:
    """Start the list again from `skew` (the Config changed outside the editor: a preset, a link, a page)."""
    st.session_state[_rows_key(key_prefix)] = items(skew)
    st.session_state[key_prefix + "source"] = skew


def _add(key_prefix: str, n_features: int | None) -> None:
    state = st.session_state
    kind = state[key_prefix + "kind"]
    text = _compact(state.get(key_prefix + "features", ""))
    if features_problem(text, n_features) or len(rows(key_prefix)) >= MAX_SKEW_ITEMS:
        return  # Add is disabled then; a click racing a keystroke must still add nothing
    amount = float(state.get(f"{key_prefix}amount.{kind}", DEFAULT_AMOUNTS[kind]))
    item = str(Skew(text, kind, amount))
    parse_skew(item)  # the widgets only offer valid values: this cannot fail, and must not pass silently
    state[_rows_key(key_prefix)] = [*rows(key_prefix), item]


def _remove(key_prefix: str, index: int) -> None:
    kept = rows(key_prefix)
    del kept[index]
    st.session_state[_rows_key(key_prefix)] = kept


# ---- widgets ----------------------------------------------------------------------------------
def _amount(key_prefix: str, kind: str) -> None:
    """One widget per kind (its own key), over that kind's valid range, starting at its default."""
    key = f"{key_prefix}amount.{kind}"
    lo, hi = AMOUNT_RANGES[kind]
    help_text = f"How strong: {KINDS[kind]}"
    if kind in ("scale", "shift"):
        steps: Sequence[float] = SCALE_STEPS if kind == "scale" else SHIFT_STEPS
        st.session_state.setdefault(key, DEFAULT_AMOUNTS[kind])
        st.select_slider("Amount", steps, key=key, format_func=lambda v: f"{v:g}", help=help_text)
        return
    if kind == "outliers":
        lo = OUTLIER_STEP
    st.session_state.setdefault(key, DEFAULT_AMOUNTS[kind])
    st.slider("Amount", float(lo), float(hi), step=SLIDER_STEPS.get(kind, OUTLIER_STEP), key=key, help=help_text)


def skew_editor(key_prefix: str, skew: str, n_features: int | None = None) -> str:
    """Draw the editor (in the current container) and return the skew string its rows describe.

    `skew` is the Config's skew: the rows start from it, and start again whenever it changes to something
    other than what the editor last returned (a preset, a link, another page). `n_features`, when known,
    lets the features text be checked against the data.
    """
    state = st.session_state
    if _rows_key(key_prefix) not in state:
        seed(key_prefix, skew)
    elif state.get(key_prefix + "source") != skew:
        if skew == state.get(key_prefix + "returned"):
            state[key_prefix + "source"] = skew  # the caller took the rows: nothing to re-seed
        else:
            seed(key_prefix, skew)  # changed outside the editor
    features_key = key_prefix + "features"
    st.session_state.setdefault(features_key, "0")
    text = st.text_input(
        "Features to skew", key=features_key, placeholder="all, even, odd, 3, 0,2 or 0-9", help=FEATURES_HELP
    )
    problem = features_problem(text, n_features)
    if problem:
        st.caption(f":red[{problem}]")
    kind = st.selectbox("Kind", list(KINDS), key=key_prefix + "kind", format_func=KIND_LABELS.get, help=KIND_HELP)
    _amount(key_prefix, kind)
    full = len(rows(key_prefix)) >= MAX_SKEW_ITEMS
    if full:  # the Config's own line for one more, so the editor and a link say the same
        st.caption(f"{too_many_items(MAX_SKEW_ITEMS + 1).removeprefix('skew: ')}: remove a skew to add another.")
    st.button(
        "Add",
        key=key_prefix + "add",
        disabled=bool(problem) or full,
        on_click=_add,
        args=(key_prefix, n_features),
        icon=":material/add:",
        help="Add this skew at the end of the list; the skews apply in order, top first, before the split.",
    )
    listed = rows(key_prefix)
    if not listed:
        st.caption("No skews: the features are as the dataset made them.")
    with st.container(key=key_prefix + "list"):
        for index, item in enumerate(listed):
            left, right = st.columns([5, 1], vertical_alignment="center")
            left.markdown(row_label(item))
            problem = skew_problem(item, n_features)
            if problem:
                left.caption(f":red[{problem}]")
            right.button(
                "✕", key=f"{key_prefix}remove.{index}", on_click=_remove, args=(key_prefix, index), type="tertiary",
                help=f"Remove this skew ({row_label(item)})",
            )  # fmt: skip
    state[key_prefix + "returned"] = ";".join(listed)
    return state[key_prefix + "returned"]
