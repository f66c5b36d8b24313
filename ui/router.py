"""The app's pages in one place: `app.py` routes with them, and a page opened directly routes itself.

Why a page may need to: while a `pages/` folder exists and no script run in this server process has
called `st.navigation` yet, Streamlit falls back to its legacy folder discovery. A fresh server whose
first visitor opens a deep link (a shared `/data?…` link, a bookmark after a container restart) then
runs `pages/data.py` on its own: no page config, and a sidebar listing "app, data, train".
"""

from __future__ import annotations

import base64
from pathlib import Path

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

PAGE_TITLE = "Normalization Explorer"
ICON_FILE = Path(__file__).resolve().parents[1] / "static" / "icon.png"
# Inline, as a data URI: no font host to reach, and no /media/… URL that a page switch can expire before
# the browser fetched it (a path here is served as a session media file and 404s now and then).
ICON = "data:image/png;base64," + base64.b64encode(ICON_FILE.read_bytes()).decode()


def route() -> None:
    """Set the page up and run the page the URL asks for."""
    st.set_page_config(page_title=PAGE_TITLE, page_icon=str(ICON), layout="wide", initial_sidebar_state=360)
    navigation = st.navigation(
        [
            st.Page("pages/learn.py", title="Learn", icon=":material/school:", default=True),
            st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
            st.Page("pages/data.py", title="Data", icon=":material/bar_chart:"),
            st.Page("pages/compare.py", title="Compare", icon=":material/compare_arrows:"),
        ]
    )
    navigation.run()


def ensure_routed() -> None:
    """Called first by every page: under legacy discovery, route through the app's navigation instead.

    `st.navigation` switches Streamlit off legacy discovery for good, then runs this page again
    (nested, now routed); the direct run stops here.
    """
    if PagesManager.uses_pages_directory:
        route()
        st.stop()
