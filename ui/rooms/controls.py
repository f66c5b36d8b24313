"""The Rooms page's sidebar: join a room by its code (or just look at its board), and open a new room.

What people type here goes to the store as typed; the store cleans it and sets the limits (a title of at most 80
characters, a nickname of at most 30), and a refusal comes back as one line on the page.
"""

from __future__ import annotations

import streamlit as st

from explorer.config import KEYS
from explorer.rooms import NICKNAME_MAX, TITLE_MAX
from ui import membership
from ui.help import LABELS
from ui.rooms import state
from ui.user_text import escape_markdown

COMPARABLE = tuple(k for k in KEYS if k not in ("seed", "csv_path", "target"))  # what a room may group by


def sidebar() -> None:
    with st.sidebar:
        _membership()
        with st.form("rooms-join", border=False):
            st.subheader("Join a room")
            st.text_input(
                "Room code", key=state.CODE, placeholder="moons-bn-4821",
                help="The code your instructor gave you (letters, numbers and hyphens).",
            )  # fmt: skip
            st.text_input(
                "Nickname (optional)", key=state.NICKNAME, max_chars=NICKNAME_MAX,
                help="How the board names your runs; leave it empty to post without a name.",
            )  # fmt: skip
            with st.container(horizontal=True):
                st.form_submit_button("Join", icon=":material/login:", type="primary", on_click=state.join)
                st.form_submit_button(
                    "Just look", icon=":material/visibility:", on_click=state.look,
                    help="Show the room's board without joining: nothing you train is posted.",
                )  # fmt: skip
        st.divider()
        with st.form("rooms-create", border=False):
            st.subheader("Open a room")
            st.caption("For instructors: learners join with its code, and their runs gather on its board.")
            st.text_input("Title", key=state.TITLE, max_chars=TITLE_MAX, placeholder="BN before or after?")
            st.multiselect(
                "Compare by (optional)", COMPARABLE, key=state.COMPARE_KEYS, format_func=lambda k: f"{LABELS[k]} ({k})",
                help="The settings the board groups runs by. Left empty, it groups by every setting in which the "
                "posted runs differ (the seed aside: a group's runs are its seeds).",
            )  # fmt: skip
            st.form_submit_button("Create the room", icon=":material/add:", on_click=_create)


def _create() -> None:
    state.create(st.session_state.get(state.TITLE, ""), st.session_state.get(state.COMPARE_KEYS, []))


def _membership() -> None:
    """Where this session posts: its room and a way out."""
    member = membership.current()
    if member is None:
        return
    who = f" as {escape_markdown(member.nickname)}" if member.nickname else ""
    st.caption(f"You are in room **{member.code}**{who}: your finished runs on Train and Compare go to its board.")
    st.button("Leave the room", key="rooms.leave", on_click=membership.leave, icon=":material/logout:")
    st.divider()
