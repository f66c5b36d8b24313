"""A | B: a second run beside the page's run, the same seed and data, one key apart, trained in lockstep.

Why: question 2 ("wouldn't the activation undo what BN did?") is best answered by watching both placements
at once, stage by stage. B is A's Config with one key changed; every button acts on both (`state.runs`),
and the loss chart draws B's curve beside A's. The pair travels in the link as `ab=<key>:<value>`, so a
shared link opens on the same comparison.
"""

from __future__ import annotations

import streamlit as st

from explorer.config import Config, ConfigError, format_value, parse_value
from explorer.errors import shown
from explorer.teaching import labels
from ui import lesson, shared_config
from ui.help import HELP, LABELS
from ui.train import state

KEYS = ("norm", "scaler", "skew", "activation", "init", "optimizer", "lr")  # what B may differ in
URL_PARAM = "ab"  # "norm:bn_after"
ON, KEY, VALUE = "train.pair_on", "train.pair_key", "train.pair_value"  # the sidebar's widgets
PROBLEM = "train.pair_problem"  # why the pair cannot be built, shown once under the widgets
FIRST_PAIR = ("norm", "bn_after")  # with A at bn_before and sigmoid: question 2, answered by watching
FIRST_A = {"norm": "bn_before", "activation": "sigmoid"}


def parse_pair(text: str) -> tuple[str, str]:
    """'norm:bn_after' → ('norm', 'bn_after'); a key outside KEYS or an unreadable value raises ConfigError."""
    key, sep, value = text.partition(":")
    if not sep or key not in KEYS:
        raise ConfigError(f"{URL_PARAM}={shown(text)}: expected <key>:<value> with a key among {', '.join(KEYS)}")
    parse_value(key, value)
    return key, value


def b_config(a: Config, key: str, value: str) -> Config:
    """A's Config with `key` set to `value` (validated like any Config)."""
    return a.replace(**{key: parse_value(key, value)})


def pair() -> tuple[str, str] | None:
    """B's key and value while A | B is on, else None."""
    if not st.session_state.get(ON):
        return None
    return st.session_state[KEY], st.session_state[VALUE]


def url_value() -> str | None:
    """What the link carries for the pair (None: A alone)."""
    chosen = pair()
    return None if chosen is None else f"{chosen[0]}:{chosen[1]}"


def from_link(text: str | None) -> None:
    """A link's `ab=key:value` turns A | B on with that pair (once per session, when the page first opens)."""
    if text is None or ON in st.session_state:
        return
    try:
        key, value = parse_pair(text)
    except ConfigError as err:
        shared_config.add_problem(f"ignored URL parameter {err}")
        return
    st.session_state.update({ON: True, KEY: key, VALUE: value})


def _turned_on() -> None:
    """The first time A | B is switched on: BN before vs after with sigmoid units, unless a pair was set."""
    if not st.session_state.get(ON) or st.session_state.get(KEY) in KEYS:
        return
    st.session_state[KEY], st.session_state[VALUE] = FIRST_PAIR
    a = shared_config.current()
    if any(getattr(a, k) != v for k, v in FIRST_A.items()):
        shared_config.set(a.replace(**FIRST_A))  # the sidebar follows it; A restarts, saying what changed


def _value_widget(key: str, a: Config, off: bool) -> None:
    if key in labels.CHOICES:  # a key with a fixed list of values: every value but A's
        options = [v for v in labels.CHOICES[key] if v != getattr(a, key)] or list(labels.CHOICES[key])
        if st.session_state.get(VALUE) not in options:
            st.session_state[VALUE] = options[0]
        st.selectbox("B's value", options, key=VALUE, format_func=lambda v: labels.label(key, v), disabled=off)
    else:
        st.session_state.setdefault(VALUE, format_value(getattr(a, key)))
        st.text_input("B's value", key=VALUE, help=HELP[key], disabled=off)


def sidebar(a: Config) -> None:
    """The A | B switch and, when on, which key B changes and to what (greyed out, or not drawn, in a lesson
    that made A | B read-only or hid it: the link's pair, if any, stays)."""
    view = lesson.view("ab")
    if view == lesson.HIDDEN:
        return
    off = view == lesson.READ_ONLY
    with st.sidebar.expander("A | B", expanded=bool(st.session_state.get(ON))):
        st.toggle(
            "Train B beside A", key=ON, on_change=_turned_on, disabled=off,
            help="A second run with the same seed and data, one setting apart, trained in lockstep: both loss "
            "curves on one chart and both networks side by side. The first pair is batch norm before vs after "
            "a sigmoid activation.",
        )  # fmt: skip
        if not st.session_state.get(ON):
            return
        st.selectbox("B differs in", KEYS, key=KEY, format_func=lambda k: LABELS[k], disabled=off)
        _value_widget(st.session_state[KEY], a, off)
        problem = st.session_state.pop(PROBLEM, "")
        if problem:
            st.error(shared_config.plain(problem), icon=":material/error:")  # its value may come from a link


def keep(a: Config) -> None:
    """Make the session's B match A and the pair: built (or rebuilt) when either changed, dropped when off.

    B's data are A's when the key leaves them alone; a pair that cannot be built is said once and B dropped.
    """
    chosen, current = pair(), state.b_run()
    if chosen is None:
        if current is not None:
            state.drop_b()
        return
    try:
        wanted = b_config(a, *chosen)
    except ConfigError as err:
        st.session_state[PROBLEM] = f"B cannot be built: {err}"
        if current is not None:
            state.drop_b()
        return
    if current is None or current.config != wanted:
        problem = state.build_b(wanted)
        if problem:
            st.session_state[PROBLEM] = f"B cannot be built: {problem}"


def label() -> str:
    """'B: norm=bn_after', the name of B's curve and figure."""
    chosen = pair()
    return "" if chosen is None else f"B: {chosen[0]}={chosen[1]}"
