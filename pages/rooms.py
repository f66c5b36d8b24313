"""Rooms: a workshop's runs pooled on one live board.

The screen, top to bottom: what the opening link got wrong (if anything), one line if the rooms' database cannot
be reached (and nothing else), what the last action did, a new room's instructor key (once), then the room on
screen: its board, refreshing on its own, and the instructor's tools. Joining and opening rooms is in the sidebar.
"""

import streamlit as st

from ui import lesson, router, shared_config
from ui.glossary import glossary_link
from ui.rooms import controls, state, views

router.ensure_routed()

st.title("Rooms")
st.caption(
    "An instructor opens a room; learners join it with its code, and every run they finish on Train or Compare "
    "lands on one board, grouped by what differs, with medians and their intervals."
)
glossary_link()

shared = shared_config.current()  # the session's shared Config (on a session's first page: from the URL)
lesson.current()  # a lesson link's room opens its board here
shared_config.warn_url_problems()
if not views.database_reachable():
    st.stop()

controls.sidebar()
code = state.shown()
shared_config.write_url(shared, {lesson.ROOM: code or None})
views.notices()
views.created(state.created())
if code:
    views.board(code)
    views.instructor(code)
else:
    views.intro()
