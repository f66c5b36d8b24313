"""The Rooms page's main area: the room on screen, its board refreshing on its own, and the instructor's tools.

The board is a fragment that reruns every `BOARD_EVERY` seconds, so new runs appear without a rerun of the page
and the sidebar stays usable; its charts are cached specs drawn with new rows (explorer/charts/rooms.py). What
people typed (titles, nicknames) is shown as text: escaped where it sits in Markdown, plain cells in tables.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

import streamlit as st

from explorer.charts import rooms as charts
from explorer.config import Config, ConfigError
from explorer.rooms import Board, Created, RoomError, StoreUnavailable
from explorer.sweeps import stats
from explorer.teaching.labels import capitalised, metric_words
from ui import fragments, room_store, router
from ui.help import LABELS
from ui.rooms import state
from ui.user_text import escape_markdown

BOARD_EVERY = 3.0  # seconds between the board's refreshes
METRIC = "rooms.metric"  # the final metric the board ranks by


def database_reachable() -> bool:
    """Whether the rooms' database answers; if not, the one line that says so (the rest of the app is unaffected)."""
    try:
        room_store.store()
    except StoreUnavailable as err:
        st.error(f"{err}. Rooms are unavailable until it is back; Train, Data and Compare work as usual.")
        return False
    return True


def notices() -> None:
    shown = state.notice()
    if shown is not None:
        kind, line = shown
        {"success": st.success, "error": st.error}.get(kind, st.info)(escape_markdown(line))


def created(made: Created | None) -> None:
    """A new room's code and its instructor key, shown this once."""
    if made is None:
        return
    st.success(
        f"Room **{made.room.code}** is open. Learners join it with that code on this page, or from a lesson link "
        "made on Train or Compare with the code as its room.",
        icon=":material/check_circle:",
    )
    st.warning(
        "Your instructor key, shown only now: copy it. It unlocks closing the room, hiding runs, clearing and "
        "downloading, here or on another device; nobody can show it to you again.",
        icon=":material/key:",
    )
    st.code(made.instructor_key, language=None)


def intro() -> None:
    st.info(
        "Join a room with the code your instructor gave you (in the sidebar), then train on Train or Compare: "
        "each run you finish is posted to the room's board, where everyone's runs are grouped by what differs. "
        "Instructors: open a room in the sidebar.",
        icon=":material/groups:",
    )


def train_link(config: dict) -> str | None:
    """The link that opens Train on a posted run's settings (None if they no longer make a Config)."""
    try:
        query = Config.from_dict(config).to_query()
    except ConfigError:
        return None
    return f"{router.TRAIN.url_path}?{urlencode(query)}"


# ---- the board ---------------------------------------------------------------------------------------------------
def board(code: str) -> None:
    """The room's board, refreshed every BOARD_EVERY seconds without rerunning the page."""

    @st.fragment(run_every=BOARD_EVERY)
    def live() -> None:
        try:
            shown = room_store.store().board(code, st.session_state.get(METRIC))
        except (RoomError, StoreUnavailable) as err:
            st.error(str(err))
            return
        _heading(shown)
        _counts(shown)
        if not shown.runs:
            st.info(
                "No runs yet: they appear here as the room's members finish them on Train or Compare.",
                icon=":material/hourglass_top:",
            )
            return
        _metric_choice(shown)
        _charts(shown)
        _tables(shown)

    fragments.each_in_own_container(live)


def _heading(board: Board) -> None:
    room = board.room
    st.header(escape_markdown(room.title), anchor=False)
    status = "closed: it takes no new runs" if room.closed else "open: finished runs are posted here"
    st.caption(
        f"Room **{room.code}**, {status}. It lasts until {room.expires_at:%Y-%m-%d %H:%M} UTC. The board refreshes "
        f"every {BOARD_EVERY:g} s."
    )


def _counts(board: Board) -> None:
    with st.container(horizontal=True, key="rooms-counts"):
        st.metric("Joined", board.members, border=True, help="People who joined this room.")
        st.metric("Posted", board.posters, border=True, help="Of them, how many have a run on the board.")
        st.metric(
            "Runs", board.runs, border=True,
            help="Runs on the board, every member's together"
            + (f"; {board.hidden} more hidden by the instructor." if board.hidden else "."),
        )  # fmt: skip
        st.metric("Groups", len(board.groups), border=True, help="Sets of runs with the same compared settings.")


def _metric_choice(board: Board) -> None:
    if st.session_state.get(METRIC) not in board.metrics:
        st.session_state[METRIC] = board.metric
    st.segmented_control(
        "Ranked by", list(board.metrics), key=METRIC, required=True, format_func=metric_words,
        help="The final metric the groups are compared on (each run's value after its last epoch).",
    )  # fmt: skip


def _grouped_by(board: Board) -> str:
    if not board.keys:
        return "Every run has the same settings but its seed: one group."
    names = ", ".join(f"{LABELS.get(k, k)} ({k})" for k in board.keys)
    why = "the room's chosen settings" if board.room.keys else "the settings in which the posted runs differ"
    return f"Runs are grouped by {names}: {why}. A group's runs differ in their seed (and their author) only."


def _charts(board: Board) -> None:
    if board.metric is None:
        return
    groups = tuple(g.label for g in board.groups)
    st.caption(_grouped_by(board))
    curves, intervals = st.columns([1.4, 1], gap="medium")
    with curves, st.container(key="rooms-curves"):
        st.vega_lite_chart(charts.curve_frame(board), charts.curve_spec(groups, board.metric))
    with intervals, st.container(key="rooms-intervals"):
        st.vega_lite_chart(charts.interval_frame(board), charts.interval_spec(groups, board.metric))
    note = charts.noise_note(board)
    if note:
        st.markdown(note)


def _tables(board: Board) -> None:
    words = metric_words(board.metric or "")
    title = capitalised(words)
    share = charts.is_share(board.metric)
    groups = charts.groups_frame(board)
    if share:
        groups["median"] = groups["median"] * 100
    st.subheader(f"Groups, ranked by the final {words}")
    with st.container(key="rooms-groups"):
        st.dataframe(
            groups, hide_index=True,
            column_config={
                "rank": st.column_config.NumberColumn("Rank", help=f"1 = the best median {words}", width="small"),
                "group": st.column_config.TextColumn("Group", help="the compared settings of its runs"),
                "runs": st.column_config.NumberColumn("Runs", help="runs in the group (its seeds)"),
                "people": st.column_config.NumberColumn("People", help="members who posted them"),
                "median": st.column_config.NumberColumn(
                    f"{title} (median)", format="%.1f%%" if share else "%.4g",
                    help=f"the median over the group's runs of their {words} after the last epoch",
                ),
                "interval": st.column_config.TextColumn("95% interval", help=stats.INTERVAL_TEXT),
            },
        )  # fmt: skip
    links = {run.id: train_link(dict(run.config)) for g in board.groups for run in g.runs}
    runs = charts.runs_frame(board, links)
    if share:
        runs["metric"] = runs["metric"] * 100
    st.subheader("Every run on the board")
    with st.container(key="rooms-runs"):
        st.dataframe(
            runs, hide_index=True,
            column_config={
                "run": st.column_config.NumberColumn("Run", help="the run's number in this room", format="%d"),
                "who": st.column_config.TextColumn("Posted by", help="the nickname its author joined with"),
                "group": st.column_config.TextColumn("Group"),
                "seed": st.column_config.NumberColumn("Seed", format="%d"),
                "metric": st.column_config.NumberColumn(
                    title, format="%.1f%%" if share else "%.4g", help=f"{words} after the run's last epoch"
                ),
                "test_loss": st.column_config.NumberColumn("Test loss", format="%.4g", help="after the last epoch"),
                "epochs": st.column_config.NumberColumn("Epochs", help="epochs trained"),
                "seconds": st.column_config.NumberColumn("Seconds", format="%.1f", help="training time"),
                "posted": st.column_config.TextColumn("Posted", help="when the run was posted (UTC)"),
                "link": st.column_config.LinkColumn(
                    "Open in Train", display_text="Open in Train",
                    help="opens the Train page (new tab) on this run's settings, its seed included",
                ),
            },
        )  # fmt: skip


# ---- the instructor's tools --------------------------------------------------------------------------------------
def _export(code: str, key: str, kind: str) -> Callable[[], str]:
    """The download's content, made when it is clicked (the key is checked again then)."""

    def make() -> str:
        try:
            store = room_store.store()
            return store.export_csv(code, key) if kind == "csv" else store.export_json(code, key)
        except (RoomError, StoreUnavailable) as err:
            return f"{err}\n"

    return make


def instructor(code: str) -> None:
    """The instructor key's tools: close or reopen, hide a run, clear, download. Without the key, where to type it."""
    key = state.held_key(code)
    with st.expander("Instructor tools", icon=":material/key:", expanded=key is not None):
        if key is None:
            with st.container(horizontal=True, vertical_alignment="bottom"):
                st.text_input(
                    "Instructor key", type="password", key=state.KEY_INPUT, width=360,
                    help="The key shown once when the room was created.",
                )  # fmt: skip
                st.button(
                    "Unlock", key="rooms.unlock", on_click=state.unlock, args=(code,), icon=":material/lock_open:"
                )
            return
        try:
            room = room_store.store().room(code)
        except (RoomError, StoreUnavailable) as err:
            st.error(str(err))
            return
        with st.container(horizontal=True, key="rooms-instructor"):
            if room.closed:
                st.button("Reopen the room", key="rooms.reopen", on_click=state.reopen_room, args=(code,),
                          icon=":material/lock_open:", help="take finished runs again")  # fmt: skip
            else:
                st.button("Close to new runs", key="rooms.close", on_click=state.close_room, args=(code,),
                          icon=":material/lock:", help="the board stays; no new runs are taken")  # fmt: skip
            st.download_button(
                "Runs CSV", _export(code, key, "csv"), file_name=f"room-{code}.csv", mime="text/csv",
                on_click="ignore", key="rooms.csv", icon=":material/download:",
                help="one row per run, hidden ones marked: settings, seed, final numbers, who and when",
            )  # fmt: skip
            st.download_button(
                "Runs JSON", _export(code, key, "json"), file_name=f"room-{code}.json", mime="application/json",
                on_click="ignore", key="rooms.json", icon=":material/download:",
                help="the room and every run, curves included",
            )  # fmt: skip
            st.button("Forget the key here", key="rooms.lock", on_click=state.lock, args=(code,), type="tertiary",
                      icon=":material/logout:", help="this tab stops showing these tools")  # fmt: skip
        with st.container(horizontal=True, vertical_alignment="bottom"):
            st.number_input(
                "Run number", min_value=1, step=1, value=None, key=state.RUN_ID, width=180,
                help="As in the table's Run column.",
            )  # fmt: skip
            st.button(
                "Hide from the board",
                key="rooms.hide",
                on_click=state.hide_run,
                args=(code, True),
                icon=":material/visibility_off:",
                help="left out of the board, kept in the downloads",
            )
            st.button("Show again", key="rooms.unhide", on_click=state.hide_run, args=(code, False),
                      icon=":material/visibility:")  # fmt: skip
        with st.container(horizontal=True, vertical_alignment="center"):
            st.checkbox("Yes, delete every run", key=state.CONFIRM_CLEAR)
            st.button("Clear the room", key="rooms.clear", on_click=state.clear_room, args=(code,),
                      icon=":material/delete:", help="deletes every run; members stay joined")  # fmt: skip
