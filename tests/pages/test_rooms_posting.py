"""Runs posted to a room from Train and Compare (AppTest, a fresh SQLite database per test): each finished run
once, with its settings, seed, final numbers and curve; nothing outside a room; a post that fails is one line
and the page goes on."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from explorer.rooms import Store
from tests.support.apptest import open_app, trainer
from tests.support.rooms import rooms_database
from ui import membership

COMPARE = str(Path(__file__).resolve().parents[2] / "pages" / "compare.py")


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with rooms_database(tmp_path) as opened:
        yield opened


def join(at: AppTest, nickname: str = "") -> AppTest:
    at.text_input(key=membership.NICKNAME).input(nickname)
    at.button(key=membership.JOIN).click()
    return at.run()


def step_to_the_end(at: AppTest) -> AppTest:
    while not trainer(at).done:
        at.button(key="train.step").click().run()
    return at


def posted_lines(at: AppTest) -> list[str]:
    return [c.value for c in at.caption if "osted" in c.value]


def test_a_run_finished_in_a_room_is_posted_once_with_its_settings_and_curve(store: Store):
    made = store.create_room("Moons")
    at = open_app(room=made.room.code, epochs="3", seed="7", norm="bn_before")
    join(at, "ann")
    assert at.session_state[membership.MEMBER].nickname == "ann"
    assert any(f"In room **{made.room.code}**" in c.value for c in at.caption)
    step_to_the_end(at)
    at.run()
    at.run()  # reruns post nothing more
    board = store.board(made.room.code)
    assert board.runs == 1 and board.members == 1
    (run,) = board.groups[0].runs
    assert run.nickname == "ann" and run.seed == 7 and run.config["norm"] == "bn_before"
    assert [p["epoch"] for p in run.curve] == [1, 2, 3]
    assert run.metrics["test_accuracy"] == pytest.approx(trainer(at).curve[-1]["test_accuracy"])
    assert set(run.metrics) == {"test_loss", "test_accuracy"}
    assert any("Posted your run to room" in line for line in posted_lines(at))
    at.button(key="train.reset").click().run()  # Reset: a new run, posted when it finishes
    step_to_the_end(at)
    assert store.board(made.room.code).runs == 2


def test_a_b_posts_both_runs_and_a_run_finished_before_joining_is_not_posted(store: Store):
    made = store.create_room("Moons")
    at = open_app(room=made.room.code, epochs="2", ab="norm:bn_before")
    step_to_the_end(at)  # finished outside the room
    join(at)
    at.run()
    assert store.board(made.room.code).runs == 0
    at.button(key="train.reset").click().run()
    step_to_the_end(at)
    board = store.board(made.room.code)
    assert board.runs == 2 and [g.label for g in board.groups] == ["norm=none", "norm=bn_before"]


def test_outside_a_room_nothing_is_posted_and_nothing_is_said(store: Store):
    made = store.create_room("Moons")
    at = open_app(epochs="2")
    step_to_the_end(at)
    assert store.board(made.room.code).runs == 0 and not posted_lines(at)


def test_a_post_the_room_refuses_is_one_line_and_training_goes_on(store: Store):
    made = store.create_room("Moons")
    at = open_app(room=made.room.code, epochs="2")
    join(at)
    store.close_room(made.room.code, made.instructor_key)
    step_to_the_end(at)
    assert not at.exception
    assert any("Not posted to room" in line and "closed" in line for line in posted_lines(at))
    at.button(key="train.reset").click().run()
    at.button(key="train.step").click().run()
    assert trainer(at).epoch == 1


def test_an_unreachable_database_is_one_line_on_train_and_the_page_keeps_working(
    store: Store, monkeypatch: pytest.MonkeyPatch
):
    made = store.create_room("Moons")
    at = open_app(room=made.room.code, epochs="2")
    join(at)
    monkeypatch.setenv("EXPLORER_DATABASE_URL", "postgresql://nobody@127.0.0.1:1/rooms")  # the database goes away
    step_to_the_end(at)
    assert not at.exception
    (line,) = [line for line in posted_lines(at) if "Not posted" in line]
    assert "cannot be reached" in line
    fresh = open_app(room=made.room.code)
    join(fresh)
    assert not fresh.exception and fresh.button(key="train.step")  # Train draws; joining says why it failed
    assert any("Could not join room" in c.value for c in fresh.caption)


def test_a_finished_compare_sweep_posts_its_runs_once(store: Store):
    made = store.create_room("Moons")
    at = AppTest.from_file(COMPARE, default_timeout=60)
    at.query_params.update({"n_samples": "200", "epochs": "3", "hidden": "8", "grid": "norm=none|bn_before"})
    at.query_params.update({"seeds": "2", "room": made.room.code})
    at.run()
    join(at, "bob")
    at.button(key="compare.run").click().run()
    for _ in range(200):
        if not at.session_state["compare.sweep"].running:
            break
        at.run()
    at.run()
    board = store.board(made.room.code)
    assert board.runs == 4 and board.posters == 1
    assert {g.label: len(g.runs) for g in board.groups} == {"norm=none": 2, "norm=bn_before": 2}
    assert sorted(r.seed for g in board.groups for r in g.runs) == [0, 0, 1, 1]
    assert all(len(r.curve) == 3 for g in board.groups for r in g.runs)
    assert any("Posted 4 runs" in c.value for c in at.caption)
