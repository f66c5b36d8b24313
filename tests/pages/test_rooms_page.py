"""The Rooms page through AppTest, on a fresh SQLite database per test: opening a room (its key shown once),
joining it, the board of posted runs, the instructor's tools behind the key, text people typed shown as text,
and an unreachable database as one line."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from streamlit.testing.v1 import AppTest

from explorer.rooms import Store
from tests.support.rooms import HOSTILE, post, rooms_database
from ui import membership
from ui.rooms import state
from ui.user_text import escape_markdown

PAGE = str(Path(__file__).resolve().parents[2] / "pages" / "rooms.py")
NO_ROOM = "No room has that code: check it with your instructor."
WRONG_KEY = escape_markdown("That is not this room's instructor key.")  # as the page shows it


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with rooms_database(tmp_path) as opened:
        yield opened


def open_page(**params: str) -> AppTest:
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params.update(params)
    return at.run()


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def create(at: AppTest, title: str, keys: list[str] | None = None) -> str:
    at.sidebar.text_input(key=state.TITLE).input(title)
    if keys:
        at.sidebar.multiselect(key=state.COMPARE_KEYS).set_value(keys)
    click(at, "Create the room")
    return at.session_state[state.SHOWN]


def join(at: AppTest, code: str, nickname: str = "") -> AppTest:
    at.sidebar.text_input(key=state.CODE).input(code)
    at.sidebar.text_input(key=state.NICKNAME).input(nickname)
    return click(at, "Join")


def has_button(at: AppTest, key: str) -> bool:
    return any(b.key == key for b in at.button)


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_an_instructor_opens_a_room_and_sees_its_key_once(store: Store):
    at = open_page()
    assert not at.exception and not at.error
    assert "Join a room" in at.info[0].value  # nothing on screen yet: how to start
    code = create(at, "BN before or after?", ["norm"])
    assert not at.exception and not at.error
    key = at.code[0].value
    store.check_key(code, key)  # the key shown is the room's instructor key
    assert at.query_params["room"] == code  # the page's link opens this room's board
    assert at.header[0].value == "BN before or after?"
    assert metrics(at) == {"Joined": "0", "Posted": "0", "Runs": "0", "Groups": "0"}
    at.run()
    assert not at.code  # shown once
    assert has_button(at, "rooms.close")  # this session holds the key: the tools are there


def test_learners_join_by_code_and_the_board_groups_their_runs_by_what_differs(store: Store):
    made = store.create_room("Moons")
    ann, bob = store.join(made.room.code, "ann"), store.join(made.room.code, "bob")
    for seed in range(3):
        post(store, made.room.code, ann.member_token, 0.80 + seed / 1000, seed=seed, norm="none")
        post(store, made.room.code, bob.member_token, 0.95 + seed / 1000, seed=seed, norm="bn_before")
    at = open_page()
    join(at, made.room.code.upper(), "cleo")  # codes are typed in any case
    assert not at.exception and not at.error
    member = at.session_state[membership.MEMBER]
    assert (member.code, member.nickname) == (made.room.code, "cleo")
    assert metrics(at) == {"Joined": "3", "Posted": "2", "Runs": "6", "Groups": "2"}
    assert any("grouped by Normalisation (norm)" in c.value for c in at.caption)
    assert any("**norm=bn_before** is ahead of every other group" in m.value for m in at.markdown)
    groups = at.dataframe[0].value
    assert list(groups["group"]) == ["norm=bn_before", "norm=none"] and list(groups["runs"]) == [3, 3]
    runs = at.dataframe[1].value
    assert len(runs) == 6 and set(runs["who"]) == {"ann", "bob"}
    link = runs["link"][0]
    query = dict(parse_qsl(urlsplit(link).query))
    assert urlsplit(link).path == "train" and query["norm"] == "bn_before" and query["seed"] == "2"
    # the board refreshes: a new run shows without anything clicked
    post(store, made.room.code, ann.member_token, 0.81, seed=3, norm="none")
    at.run()
    assert metrics(at)["Runs"] == "7"


def test_a_bad_code_or_nickname_is_one_line_and_the_page_goes_on(store: Store):
    at = open_page()
    join(at, "moons-xx-0000")
    assert not at.exception and at.error[0].value == escape_markdown(NO_ROOM)
    assert membership.MEMBER not in at.session_state
    made = store.create_room("Moons")
    join(at, made.room.code, "x" * 31)  # more than the field takes: the widget drops it (the store would refuse it)
    assert not at.exception and len(at.session_state[membership.MEMBER].nickname) <= 30


def test_a_link_to_a_room_opens_its_board_and_a_malformed_one_is_named(store: Store):
    made = store.create_room("Moons")
    at = open_page(room=made.room.code)
    assert not at.exception and at.header[0].value == "Moons"
    assert membership.MEMBER not in at.session_state  # looking is not joining
    bad = open_page(room="<b>nope</b>")
    assert not bad.exception and "ignored URL parameter room=" in bad.warning[0].value
    assert "Join a room" in bad.info[0].value and "room" not in bad.query_params


def test_titles_and_nicknames_are_shown_as_text_never_as_html_or_markdown(store: Store):
    made = store.create_room(" ".join(HOSTILE))
    for nickname in HOSTILE:
        member = store.join(made.room.code, nickname)
        post(store, made.room.code, member.member_token, 0.9)
    at = open_page(room=made.room.code)
    assert not at.exception
    heading = at.header[0].value
    assert "\\*\\*bold\\*\\*" in heading and "\\<script\\>" in heading and "\\[link\\]\\(javascript" in heading
    assert set(at.dataframe[1].value["who"]) == set(HOSTILE)  # table cells are text as typed
    at = open_page()
    join(at, made.room.code, "**bold**")
    assert any("as \\*\\*bold\\*\\*" in c.value for c in at.sidebar.caption)


def test_the_instructor_key_unlocks_close_hide_and_clear(store: Store):
    made = store.create_room("Moons")
    other = store.create_room("Other")
    ann = store.join(made.room.code, "ann")
    runs = [post(store, made.room.code, ann.member_token, 0.8 + s / 100, seed=s) for s in range(3)]
    at = open_page(room=made.room.code)
    assert not has_button(at, "rooms.close")  # no key: no tools
    click(at, "Unlock")  # a missing key
    assert at.error[0].value == WRONG_KEY and not has_button(at, "rooms.close")
    at.text_input(key=state.KEY_INPUT).input("not-the-key")
    click(at, "Unlock")
    assert at.error[0].value == WRONG_KEY and not has_button(at, "rooms.close")
    at.text_input(key=state.KEY_INPUT).input(other.instructor_key)  # another room's key
    click(at, "Unlock")
    assert at.error[0].value == WRONG_KEY and not has_button(at, "rooms.close")

    at.text_input(key=state.KEY_INPUT).input(made.instructor_key)
    click(at, "Unlock")
    assert not at.error and has_button(at, "rooms.close")
    at.number_input(key=state.RUN_ID).set_value(runs[0].id)
    click(at, "Hide from the board")
    assert metrics(at)["Runs"] == "2" and escape_markdown(f"Run {runs[0].id} is off the board.") in at.success[0].value
    click(at, "Close to new runs")
    assert store.room(made.room.code).closed
    with pytest.raises(Exception, match="closed"):
        post(store, made.room.code, ann.member_token, 0.9)
    click(at, "Reopen the room")
    click(at, "Clear the room")  # not confirmed: nothing deleted
    assert metrics(at)["Runs"] == "2" and "Tick" in at.error[0].value
    at.checkbox(key=state.CONFIRM_CLEAR).check()
    click(at, "Clear the room")
    assert metrics(at)["Runs"] == "0"


def test_a_forged_key_in_the_session_draws_the_tools_but_every_action_is_refused(store: Store):
    """What a session holds only decides which buttons are drawn: the store checks the key on every action."""
    made = store.create_room("Moons")
    ann = store.join(made.room.code, "ann")
    run = post(store, made.room.code, ann.member_token, 0.8)
    at = AppTest.from_file(PAGE, default_timeout=60)
    at.query_params["room"] = made.room.code
    at.session_state[state.KEYS] = {made.room.code: "forged"}
    at.run()
    at.number_input(key=state.RUN_ID).set_value(run.id)
    click(at, "Hide from the board")
    assert at.error[0].value == WRONG_KEY and metrics(at)["Runs"] == "1"
    click(at, "Close to new runs")
    assert at.error[0].value == WRONG_KEY and not store.room(made.room.code).closed
    at.checkbox(key=state.CONFIRM_CLEAR).check()
    click(at, "Clear the room")
    assert at.error[0].value == WRONG_KEY and metrics(at)["Runs"] == "1"


def test_an_unreachable_database_is_one_line_on_the_rooms_page(monkeypatch: pytest.MonkeyPatch):
    from ui import room_store

    monkeypatch.setenv("EXPLORER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/rooms")
    try:
        at = open_page()
        assert not at.exception
        assert len(at.error) == 1 and at.error[0].value.startswith("The rooms database cannot be reached")
        assert not at.sidebar.text_input  # nothing that would need it
    finally:
        room_store.forget()
