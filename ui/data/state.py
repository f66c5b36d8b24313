"""The Data page's config: the session's shared Config, edited by the sidebar.

The shared Config comes from the URL only when the session has none yet (`ui.shared_config`); every
config this page prepares becomes the shared one, so the Train page opens on it, and the address bar
is rewritten as its canonical link. An edit that cannot be prepared shows one line and the page keeps
showing the last good data (the shared Config: only prepared or built configs are stored there).
"""

from __future__ import annotations

import streamlit as st

from explorer.config import Config, ConfigError
from explorer.data.pipeline import Prepared
from explorer.runs.describe import bounded
from ui import shared_config
from ui.data import cache, controls


def described_json(config: Config) -> str:
    """The JSON of the config the page describes (heavy synthetic data on fewer rows): the caches' key."""
    return bounded(config).to_json()


def _fallback(shared: Config) -> tuple[Config, Prepared | None]:
    """The last good config and its data; the defaults when even that cannot be prepared (a bad link)."""
    for config in (shared, Config()):
        try:
            return config, cache.prepared(described_json(config))
        except ConfigError:
            continue
    st.stop()


def current() -> tuple[Config, Prepared | None]:
    """The config to show and its prepared data; a bad edit shows one line and keeps the last good one.

    Heavy synthetic data is described on fewer rows (`explorer.runs.describe.bounded`: `prepared.config` says
    which); the session's Config and the link keep every row. Data still too heavy to prepare here is prepared
    by a helper process (`ui.data.offload`): `prepared` is None until it is done."""
    shared = shared_config.current()
    try:
        config = controls.sidebar(shared)
        prepared = cache.prepared(described_json(config))
    except ConfigError as err:
        st.error(str(err))
        config, prepared = _fallback(shared)
    else:
        controls.agree(config)
    shared_config.set(config)  # the other pages open on what is shown here
    shared_config.write_url(config)
    return config, prepared
