"""The Rooms page in `st.session_state`: which room is on screen, the instructor keys this session holds, and the
one-off lines the page shows after an action.

Every instructor action hands the held key to the store, which checks it against the room's hash each time:
what this session holds only decides which buttons are drawn, never what they may do. The actions are the
buttons' callbacks, so the page that follows draws their outcome.
"""

from __future__ import annotations

from collections.abc import Iterable

import streamlit as st

from explorer.rooms import Created, RoomError, StoreUnavailable
from ui import lesson, membership, room_store

SHOWN = "rooms.shown"  # the code of the room on screen
KEYS = "rooms.keys"  # code → the instructor key this session created or unlocked it with
CREATED = "rooms.created"  # (code, key) of a room just created: its key is shown once, then forgotten
NOTICE = "rooms.notice"  # (kind, line) to show once after an action
CODE, NICKNAME = "rooms.code", "rooms.nickname"  # the join form
TITLE, COMPARE_KEYS = "rooms.title", "rooms.compare_keys"  # the create form
KEY_INPUT, RUN_ID = "rooms.key_input", "rooms.run_id"  # the instructor's key and the run to hide or show
CONFIRM_CLEAR = "rooms.confirm_clear"


def shown() -> str:
    """The room on screen: the last one created, joined or looked at, else the link's, else the session's own."""
    if SHOWN not in st.session_state:
        member = membership.current()
        st.session_state[SHOWN] = lesson.current().room or (member.code if member else "")
    return st.session_state[SHOWN]


def notice() -> tuple[str, str] | None:
    return st.session_state.pop(NOTICE, None)


def _say(kind: str, line: str) -> None:
    st.session_state[NOTICE] = (kind, line)


def held_key(code: str) -> str | None:
    return st.session_state.get(KEYS, {}).get(code)


def _hold(code: str, key: str) -> None:
    st.session_state[KEYS] = {**st.session_state.get(KEYS, {}), code: key}


def created() -> Created | None:
    """The room this session just created, once (its key is then only in the instructor's hands)."""
    return st.session_state.pop(CREATED, None)


# ---- the forms' callbacks --------------------------------------------------------------------------------------
def create(title: str, keys: Iterable[str]) -> None:
    try:
        made = room_store.store().create_room(title, list(keys))
    except (RoomError, StoreUnavailable) as err:
        _say("error", str(err))
        return
    st.session_state[SHOWN] = made.room.code
    st.session_state[CREATED] = made
    _hold(made.room.code, made.instructor_key)
    st.session_state[TITLE] = ""


def join() -> None:
    code = st.session_state.get(CODE, "")
    problem = membership.join(code, st.session_state.get(NICKNAME, ""))
    if problem:
        _say("error", problem)
        return
    member = membership.current()
    st.session_state[SHOWN] = member.code
    _say("success", f"You joined room {member.code}: each run you finish on Train or Compare is posted here.")


def look() -> None:
    """Show a room's board without joining it (an instructor, a projector)."""
    try:
        room = room_store.store().room(st.session_state.get(CODE, ""))
    except (RoomError, StoreUnavailable) as err:
        _say("error", str(err))
        return
    st.session_state[SHOWN] = room.code


def unlock(code: str) -> None:
    key = st.session_state.get(KEY_INPUT, "")
    try:
        room_store.store().check_key(code, key)
    except (RoomError, StoreUnavailable) as err:
        _say("error", str(err))
        return
    _hold(code, key.strip())
    st.session_state[KEY_INPUT] = ""


def lock(code: str) -> None:
    """Forget this room's key in this session (the instructor hands the screen over)."""
    st.session_state[KEYS] = {c: k for c, k in st.session_state.get(KEYS, {}).items() if c != code}


def _instructor(code: str, action: str, success: str) -> None:
    """Run a store action with the key this session holds; the store checks it, so a forged one is refused."""
    try:
        getattr(room_store.store(), action)(code, held_key(code))
    except (RoomError, StoreUnavailable) as err:
        _say("error", str(err))
        return
    _say("success", success)


def close_room(code: str) -> None:
    _instructor(code, "close_room", "The room is closed: it takes no more runs until you reopen it.")


def reopen_room(code: str) -> None:
    _instructor(code, "reopen_room", "The room is open again.")


def clear_room(code: str) -> None:
    if not st.session_state.get(CONFIRM_CLEAR):
        _say("error", "Tick 'Yes, delete every run' first.")
        return
    st.session_state[CONFIRM_CLEAR] = False
    _instructor(code, "clear_room", "Every run of the room was deleted; its members stay joined.")


def hide_run(code: str, hidden: bool) -> None:
    run_id = st.session_state.get(RUN_ID)
    try:
        run = room_store.store().hide_run(code, held_key(code), run_id, hidden)
    except (RoomError, StoreUnavailable) as err:
        _say("error", str(err))
        return
    _say("success", f"Run {run.id} is {'off' if hidden else 'back on'} the board.")
