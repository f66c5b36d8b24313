"""The Data page's config: from the URL, else the config the pages share, edited by the sidebar.

The URL holds the config, so a shared link opens as sent and the address bar always reproduces the
screen. An edit that cannot be prepared shows one line and the page keeps showing the last good data.
"""

from __future__ import annotations

import streamlit as st

from explorer.config import KEYS, Config, ConfigError
from explorer.pipeline import Prepared
from ui import data_cache, data_controls
from ui.session import CONFIG

LAST_GOOD = "data_last_good"  # JSON of the last config this page could prepare


def _url_config() -> Config:
    """The config in the URL (a shared link opens as sent); bad keys are reported and ignored.

    Switching pages clears the URL's parameters; then the config the pages share in this session is
    used (`st.session_state[CONFIG]`, set by whichever page changed it last), else this page's last one.
    """
    params = st.query_params.to_dict()
    if not set(params) & set(KEYS):
        shared = st.session_state.get(CONFIG)
        if hasattr(shared, "to_json"):
            return Config.from_json(shared.to_json())
        if LAST_GOOD in st.session_state:
            return Config.from_json(st.session_state[LAST_GOOD])
    config, problems = Config.from_query(params)
    for problem in problems:
        st.warning(problem)
    return config


def current() -> tuple[Config, Prepared]:
    """The config to show and its prepared data; a bad edit shows one line and keeps the last good one."""
    url_config = _url_config()
    last_good = Config.from_json(st.session_state.get(LAST_GOOD, url_config.to_json()))
    try:
        config = data_controls.sidebar(url_config)
        prepared = data_cache.prepared(config.to_json())
    except ConfigError as err:
        st.error(str(err))
        for fallback in (url_config, last_good, Config()):
            try:
                return fallback, data_cache.prepared(fallback.to_json())
            except ConfigError:
                continue
        st.stop()
    st.session_state[LAST_GOOD] = config.to_json()
    if config != url_config or not set(st.query_params.to_dict()) & set(KEYS):
        st.query_params.from_dict(config.to_query())
        data_controls.agree(config)
    if config != url_config:
        st.session_state[CONFIG] = config  # the other pages pick up what was chosen here
    return config, prepared
