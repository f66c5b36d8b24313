"""The one Config the pages share in a browser session, its copy in the address bar, and the widgets on it.

One rule for every page: the URL is read once, when the session has no Config yet (a shared link opens
as sent, and what it got wrong is shown once); from then on the session's Config wins and the URL is only
written, as the canonical link to what is on screen. Re-reading the URL later would lose settings: it is a
lossy copy by design (`Config.to_query` never carries a file path, so a CSV config cannot come back from it).

Each page's widgets edit the shared Config; they are re-seeded only when it changed outside them (first
load, a link, another page), never to undo what the user typed. Their bounds are the Config's own ranges,
so no valid link is clamped by a widget.

No torch here: the Data page imports this module and must stay light.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import streamlit as st

from explorer import config as cfg
from explorer.config import Config
from explorer.config.settings import last_value

CONFIG = "config"  # the session's current valid Config; every page reads and writes it here
URL_PROBLEMS = "config.url_problems"  # what the opening URL got wrong, until a page has shown it
LINK_EXTRAS = "config.link_extras"  # the opening URL's page-owned parameters (PAGE_PARAMS), for their page
# Parameters beside the Config's keys: Train's A | B pair (ab), Compare's varied keys and seeds (grid, grid2,
# seeds), and a lesson link's (ui/lesson.py: lock, hide, prompt, room; the Rooms page opens the room's board).
PAGE_PARAMS = ("ab", "grid", "grid2", "seeds", "lock", "hide", "prompt", "room")
KEPT = "config.kept_params"  # link parameters that every page keeps in the address bar (a lesson's)

# Widget bounds (min, max): the Config's own ranges, and the std of init=normal:<std> (a widget of its own).
BOUNDS: dict[str, tuple[Any, Any]] = {**cfg.BOUNDS, "init_std": cfg.INIT_STD_RANGE}


# ---- the Config and the URL ---------------------------------------------------------------------
def current() -> Config:
    """The session's Config; the first call of a session takes it from the URL (problems kept for later)."""
    if CONFIG not in st.session_state:
        query: dict[str, list[str]] = {name: st.query_params.get_all(name) for name in st.query_params}
        extras, problems = {}, []
        for name in PAGE_PARAMS:
            if name in query:
                extras[name], repeated = last_value(name, query.pop(name))
                problems.extend([repeated] if repeated else [])
        st.session_state[LINK_EXTRAS] = extras
        config, found = Config.from_query(query)  # a repeated key: its last value, and a line that says so
        st.session_state[CONFIG] = config
        st.session_state[URL_PROBLEMS] = [*found, *problems]
    return st.session_state[CONFIG]


def set(config: Config) -> None:  # shadows the builtin in this module only; read as shared_config.set
    """Make `config` the session's Config: every page opens on it from now on."""
    st.session_state[CONFIG] = config


def add_problem(problem: str) -> None:
    """One more thing to tell the user about the opening link (e.g. its settings could not be built)."""
    st.session_state.setdefault(URL_PROBLEMS, []).append(problem)


def url_problems() -> list[str]:
    """What the opening URL got wrong, once (then forgotten)."""
    return st.session_state.pop(URL_PROBLEMS, [])


def warn_url_problems() -> None:
    """Show what the opening URL got wrong, in one warning, on the first page drawn (and only there). A
    link's text is shown as text: its Markdown, HTML and Streamlit directives are escaped."""
    problems = url_problems()
    if problems:
        st.warning("The link's settings were partly used:\n" + "\n".join(f"- {plain(p)}" for p in problems))


# What Markdown within a line (emphasis, code, links, images), HTML and LaTeX ($) can read. Not `_`: the keys'
# names are full of it, and at worst it sets a word of a link's text in italics.
_MARKDOWN = re.compile(r"([\\`*\[\]<>$&~|])")


def plain(text: str) -> str:
    """`text` as Markdown that shows it as it is: every mark that Markdown within a line (emphasis, code, links
    and images), HTML, Streamlit's directives (:red[…]) or LaTeX ($) could read is escaped with a backslash, and
    line breaks become spaces (one line stays one line)."""
    return _MARKDOWN.sub(r"\\\1", " ".join(text.split("\n")))


def link_extra(name: str) -> str | None:
    """The opening URL's value of a page-owned parameter (one of PAGE_PARAMS), or None."""
    return st.session_state.get(LINK_EXTRAS, {}).get(name)


def keep_in_url(params: Mapping[str, str]) -> None:
    """Parameters every page writes into the address bar from now on (a lesson's), so a reload keeps them."""
    st.session_state[KEPT] = dict(params)


def write_url(config: Config, extras: Mapping[str, str | None] | None = None) -> None:
    """Keep the address bar the canonical link to `config` (an uploaded file cannot travel in it), with the
    parameters kept for the session (`keep_in_url`) and the page's own (`extras`; None leaves one out)."""
    query = config.to_query()
    query.update(st.session_state.get(KEPT, {}))
    query.update({name: value for name, value in (extras or {}).items() if value is not None})
    if st.query_params.to_dict() != query:
        st.query_params.from_dict(query)


# ---- the widgets that edit it -------------------------------------------------------------------
def seed_widgets(marker: str, values: Mapping[str, Any], config: Config) -> bool:
    """Point the widgets (session-state key → value for `config`) at `config` if it changed without them.

    `marker` is the session-state key of the Config the widgets are known to agree with. Widgets that
    were not drawn last run lost their state (Streamlit drops it): they start again from `config`.
    Returns True when the widgets were re-seeded.
    """
    changed = st.session_state.get(marker) != config
    for key, value in values.items():
        if changed:
            st.session_state[key] = value
        else:
            st.session_state.setdefault(key, value)
    if changed:
        agree(marker, config)
    return changed


def agree(marker: str, config: Config) -> None:
    """The page took its widgets' Config: they need no re-seeding for it."""
    st.session_state[marker] = config
