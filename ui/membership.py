"""This session's place in a workshop room, and the runs it posts there.

A session joins a room by its code (on the Rooms page, or from a lesson link's room); the store hands it a member
token, kept in this session's state and nowhere else: it is what ties the session's runs to it, so another
session can neither post as it nor change its runs. While the session is in a room, each run it finishes on
Train and each sweep it finishes on Compare is posted once. A post that fails (the room closed, the database
away) is one line on the page that posted; the page goes on as it was.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from explorer.config import Config
from explorer.rooms import NICKNAME_MAX, RoomError, StoreUnavailable
from ui import room_store, router
from ui.user_text import escape_markdown

MEMBER = "rooms.member"  # this session's Membership while it is in a room
POSTED = "rooms.posted"  # (kind, line) about the last post, for the page that posted
NICKNAME, JOIN = "rooms.join_nickname", "rooms.join_lesson"  # the lesson's join box


@dataclass(frozen=True)
class Membership:
    code: str
    title: str
    nickname: str
    member_id: int
    token: str = field(repr=False)


@dataclass(frozen=True)
class Finished:
    """A finished run as a room stores it: its settings (the seed among them), final metrics, curve and time."""

    config: Config
    metrics: Mapping[str, float | None]
    curve: Sequence[Mapping[str, Any]]
    seconds: float | None = None


def current() -> Membership | None:
    return st.session_state.get(MEMBER)


def join(code: str, nickname: str = "") -> str:
    """Join the room with `code` (leaving any other); returns '' or the one line saying why it failed."""
    try:
        joined = room_store.store().join(code, nickname)
    except (RoomError, StoreUnavailable) as err:
        return str(err)
    room = joined.room
    st.session_state[MEMBER] = Membership(room.code, room.title, joined.nickname, joined.member_id, joined.member_token)
    st.session_state.pop(POSTED, None)
    return ""


def leave() -> None:
    st.session_state.pop(MEMBER, None)
    st.session_state.pop(POSTED, None)


def post(runs: Sequence[Finished]) -> None:
    """Post `runs` to this session's room (nothing when it is in none), and keep one line saying how it went."""
    member = current()
    if member is None or not runs:
        return
    posted, problem = 0, ""
    try:
        store = room_store.store()
        for run in runs:
            store.post_run(member.code, member.token, run.config, run.metrics, run.curve, run.seconds)
            posted += 1
    except (RoomError, StoreUnavailable) as err:
        problem = str(err)
    st.session_state[POSTED] = _posted_line(member.code, posted, len(runs), problem)


def _posted_line(code: str, posted: int, total: int, problem: str) -> tuple[str, str]:
    runs = "your run" if total == 1 else f"{total} runs"
    if not problem:
        return "success", f"Posted {runs} to room {code}'s board."
    if posted:
        return "warning", f"Posted {posted} of {total} runs to room {code}; the rest were not: {problem}"
    return "error", f"Not posted to room {code}: {problem}"


def last_post() -> tuple[str, str] | None:
    """(kind, line) about the last post of this session, until the next one."""
    return st.session_state.get(POSTED)


def show_last_post() -> None:
    """The last post's line, as a caption under the page's status (an error in red)."""
    shown = last_post()
    if shown is None:
        return
    kind, line = shown
    colour = {"success": "green", "warning": "orange"}.get(kind, "red")
    st.caption(f":{colour}[{escape_markdown(line)}]")


def _board_link(code: str) -> None:
    with contextlib.suppress(StreamlitPageNotFoundError):  # a page run alone (AppTest) has no Rooms page
        st.page_link(
            router.ROOMS.path, label="The room's board", icon=":material/groups:", query_params={"room": code},
            help="Every run posted to this room, grouped by what differs, live.",
        )  # fmt: skip


def _join_from_banner(code: str) -> None:
    problem = join(code, st.session_state.get(NICKNAME, ""))
    if problem:
        st.session_state[POSTED] = ("error", f"Could not join room {code}: {problem}")


def banner(room: str | None) -> None:
    """Where this session posts: its room and a way out, or, when a lesson names a room, a way in."""
    member = current()
    if member is not None:
        with st.container(horizontal=True, vertical_alignment="center", key="rooms-banner"):
            who = f" as {escape_markdown(member.nickname)}" if member.nickname else ""
            st.caption(
                f"In room **{member.code}**{who}: each run you finish here is posted to its board.",
                help="Your settings, seed, final numbers and learning curve go to the room; others in it see them "
                "on the board. Leave to stop posting.",
            )
            _board_link(member.code)
            st.button("Leave", key="rooms.leave", on_click=leave, type="tertiary", icon=":material/logout:")
        return
    if not room:
        return
    with st.container(horizontal=True, vertical_alignment="bottom", key="rooms-join"):
        st.text_input(
            "Nickname (optional)", key=NICKNAME, max_chars=NICKNAME_MAX, width=220,
            help="How the board names your runs; leave it empty to post without a name.",
        )  # fmt: skip
        st.button(
            f"Join room {room}", key=JOIN, on_click=_join_from_banner, args=(room,), icon=":material/login:",
            help="This lesson posts to a room: join it, and each run you finish here goes to its board.",
        )  # fmt: skip
    shown = last_post()
    if shown is not None and shown[0] == "error":
        show_last_post()
