"""The app's pages in one place: `app.py` routes with them, and a page opened directly routes itself.

Why a page may need to: while a `pages/` folder exists and no script run in this server process has
called `st.navigation` yet, Streamlit falls back to its legacy folder discovery. A fresh server whose
first visitor opens a deep link (a shared `/data?…` link, a bookmark after a container restart) then
runs `pages/data.py` on its own: no page config, and a sidebar listing "app, data, train".
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

if TYPE_CHECKING:  # the class st.Page returns, as its API reference names it
    from streamlit.navigation.page import StreamlitPage

PAGE_TITLE = "Normalization Explorer"
ICON_FILE = Path(__file__).resolve().parents[1] / "static" / "icon.png"
# Inline, as a data URI: no font host to reach, and no /media/… URL that a page switch can expire before
# the browser fetched it (a path here is served as a session media file and 404s now and then).
ICON = "data:image/png;base64," + base64.b64encode(ICON_FILE.read_bytes()).decode()


@dataclass(frozen=True)
class AppPage:
    """One screen of the app: its file, what the sidebar calls it, and the path in its address.

    `st.Page` objects can only be made while a script runs, so the router exports these and makes the
    `st.Page` from one when asked (`page()`); `path` is what `st.switch_page`, `st.page_link` and
    AppTest's `switch_page` take, `url_path` what a shared link starts with (`/train?…`).
    """

    path: str
    title: str
    icon: str
    default: bool = False

    @property
    def url_path(self) -> str:
        return Path(self.path).stem

    def page(self) -> StreamlitPage:
        return st.Page(self.path, title=self.title, icon=self.icon, default=self.default)


LEARN = AppPage("pages/learn.py", "Learn", ":material/school:", default=True)
TRAIN = AppPage("pages/train.py", "Train", ":material/model_training:")
DATA = AppPage("pages/data.py", "Data", ":material/bar_chart:")
COMPARE = AppPage("pages/compare.py", "Compare", ":material/compare_arrows:")
ROOMS = AppPage("pages/rooms.py", "Rooms", ":material/groups:")
PAGES = (LEARN, TRAIN, DATA, COMPARE, ROOMS)  # the sidebar's order
BY_NAME = {page.url_path: page for page in PAGES}  # "train" → TRAIN: what a lesson names as its page


def route() -> None:
    """Set the page up and run the page the URL asks for."""
    st.set_page_config(page_title=PAGE_TITLE, page_icon=str(ICON), layout="wide", initial_sidebar_state=360)
    _warm_training()
    st.navigation([page.page() for page in PAGES]).run()


_warming = threading.Event()


def _warm_training() -> None:
    """Start the training processes when the server draws its first page, whichever it is, in a background
    thread (they take seconds to import torch), so they are ready before a learner presses Play on Train;
    once they are warm, the Learn page's missing evidence (`ui.learn.evidence`). The imports are in the thread
    too: the Data page stays light. Under `python -m ui.serve` all of it has happened already."""
    if not _warming.is_set():
        _warming.set()
        threading.Thread(target=_start_training, daemon=True, name="explorer-warm-training").start()


def _start_training() -> None:
    from ui.learn import evidence
    from ui.train import workers

    pool = workers.pool()
    if pool is not None:  # a server that trains in processes computes the Learn page's evidence in one too
        pool.wait_ready(timeout=120)
        evidence.start_computing()


def ensure_routed() -> None:
    """Called first by every page: under legacy discovery, route through the app's navigation instead.

    `st.navigation` switches Streamlit off legacy discovery for good, then runs this page again
    (nested, now routed); the direct run stops here. Streamlit has no public way to ask whether it is
    discovering pages from the folder, so this reads `PagesManager.uses_pages_directory`: the app's one
    private import, kept here alone (tests/browser/test_links.py opens a fresh server on a deep link).
    """
    if PagesManager.uses_pages_directory:
        route()
        st.stop()
