"""The rooms' store against real databases: SQLite (always) and PostgreSQL (a throwaway server, when installed).

Each test gets an empty database: a SQLite file in its temporary folder, or a new database on the module's
PostgreSQL server.
"""

from __future__ import annotations

import csv
import inspect as pyinspect
import io
import itertools
import json
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import MetaData, create_engine, inspect, select, text

from explorer.config import Config
from explorer.rooms import MAX_CURVE_POINTS, RoomError, Store, StoreUnavailable, database, open_store
from explorer.rooms import store as store_module  # the module; `store` is the fixture
from explorer.rooms.schema import Base
from tests.support.postgres import create_database, postgres_server

WRONG_KEY = "That is not this room's instructor key."
HOSTILE = ("<script>alert(1)</script>", "**bold**", "[link](javascript:alert(1))")
_databases = itertools.count()
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def postgres() -> Iterator[str]:
    with postgres_server() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'rooms.db'}"
    return create_database(request.getfixturevalue("postgres"), f"rooms_{next(_databases)}")


@pytest.fixture
def store(url: str) -> Iterator[Store]:
    with open_store(url) as opened:
        yield opened


def post(store: Store, code: str, token: str, norm: str = "none", seed: int = 0, accuracy: float = 0.8, **kw):
    metrics = {"test_loss": 1 - accuracy, "test_accuracy": accuracy}
    return store.post_run(code, token, Config(norm=norm, seed=seed), metrics, **kw)


def count(url: str, table: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return connection.execute(text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
    finally:
        engine.dispose()


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


# ---- the round trip ----------------------------------------------------------------------------------------
def test_create_join_post_and_read_the_board(store: Store):
    created = store.create_room("BN or not?", ["norm"])
    code = created.room.code
    ann, bob = store.join(code, "Ann"), store.join(code, "Bob")
    store.join(code)  # joined, never posts
    curve = [{"epoch": e, "train_loss": 1 / e, "test_loss": 1.1 / e, "test_accuracy": 0.5} for e in range(1, 31)]
    for seed, (plain, bn) in enumerate([(0.80, 0.91), (0.82, 0.93), (0.81, 0.92)]):
        post(store, code, ann.member_token, "none", seed, plain, curve=curve, seconds=2.5)
        post(store, code, bob.member_token, "bn_before", seed, bn, curve=curve)
    board = store.board(code.upper())
    assert (board.members, board.posters, board.runs, board.hidden) == (3, 2, 6, 0)
    assert board.room.title == "BN or not?" and board.keys == ("norm",)
    assert [g.label for g in board.groups] == ["norm=none", "norm=bn_before"]
    none, bn = board.groups
    assert {r.nickname for r in none.runs} == {"Ann"} and {r.nickname for r in bn.runs} == {"Bob"}
    assert none.summary["median"] == pytest.approx(0.81) and bn.summary["median"] == pytest.approx(0.92)
    assert board.overlaps == {("norm=none", "norm=bn_before"): False}
    assert none.curve[-1] == {"epoch": 30, "train_loss": pytest.approx(1 / 30), "test_loss": pytest.approx(1.1 / 30),
                              "test_accuracy": 0.5}  # fmt: skip
    first = none.runs[0]
    assert Config.from_dict(first.config) == Config(norm="none", seed=0)
    assert (first.seed, first.seconds, first.member_id) == (0, 2.5, ann.member_id)
    assert first.metrics == {"test_loss": pytest.approx(0.2), "test_accuracy": 0.8}


def test_the_boards_keys_are_found_from_the_runs_when_the_room_chose_none(store: Store):
    code = store.create_room("Learning rates").room.code
    member = store.join(code, "Ann")
    for lr in (0.1, 0.01):
        for seed in range(2):
            store.post_run(code, member.member_token, Config(lr=lr, seed=seed), {"test_accuracy": lr})
    board = store.board(code)
    assert board.keys == ("lr",)
    assert [(g.label, len(g.runs)) for g in board.groups] == [("lr=0.01", 2), ("lr=0.1", 2)]


def test_codes_are_word_word_four_digits_unique_and_typed_any_case(store: Store):
    rooms = [store.create_room(f"room {i}").room for i in range(12)]
    assert len({r.code for r in rooms}) == 12
    assert all(re.fullmatch(r"[a-z]+-[a-z]+-[0-9]{4}", r.code) for r in rooms)
    code = rooms[0].code
    assert store.room(f"  {code.upper()}\n").title == "room 0"
    joined = store.join(code.replace("-", " ").title(), "Ann")
    assert joined.room.code == code
    with pytest.raises(RoomError, match="No room has that code"):
        store.join("nope-nope-0000")


def test_a_members_token_posts_only_to_its_own_room(store: Store):
    first, second = store.create_room("first").room.code, store.create_room("second").room.code
    member = store.join(first, "Ann")
    with pytest.raises(RoomError, match="Join this room"):
        post(store, second, member.member_token)
    with pytest.raises(RoomError, match="Join this room"):
        post(store, first, "not-a-token")
    with pytest.raises(RoomError, match="Join this room"):
        post(store, first, "")
    assert store.board(first).runs == store.board(second).runs == 0


def test_learners_have_no_operation_that_edits_or_deletes_a_run():
    """Changing runs needs the instructor key; the one operation a member token opens is posting a new run."""
    by_token = [name for name in dir(Store) if not name.startswith("_") and "member_token" in _params(name)]
    assert by_token == ["post_run"]
    for name in ("hide_run", "clear_room", "close_room", "reopen_room", "export_csv", "export_json"):
        assert "key" in _params(name), name


def _params(name: str) -> tuple[str, ...]:
    member = getattr(Store, name)
    return tuple(pyinspect.signature(member).parameters) if callable(member) else ()


# ---- the instructor key ------------------------------------------------------------------------------------
def test_every_instructor_operation_needs_this_rooms_key(store: Store):
    mine, other = store.create_room("mine"), store.create_room("other")
    code = mine.room.code
    member = store.join(code, "Ann")
    run = post(store, code, member.member_token)
    operations = {
        "close": lambda key: store.close_room(code, key),
        "reopen": lambda key: store.reopen_room(code, key),
        "hide": lambda key: store.hide_run(code, key, run.id),
        "clear": lambda key: store.clear_room(code, key),
        "csv": lambda key: store.export_csv(code, key),
        "json": lambda key: store.export_json(code, key),
        "check": lambda key: store.check_key(code, key),
    }
    for name, operation in operations.items():
        for key in ("wrong", "", None, other.instructor_key, mine.instructor_key[:-1]):
            with pytest.raises(RoomError) as refused:
                operation(key)
            assert str(refused.value) == WRONG_KEY, (name, key)
    board = store.board(code)
    assert (board.runs, board.hidden, board.room.closed) == (1, 0, False)  # nothing happened
    assert store.check_key(code, f" {mine.instructor_key} ").code == code
    assert store.close_room(code, mine.instructor_key).closed


def test_only_hashes_of_keys_and_tokens_are_stored(url: str, store: Store):
    created = store.create_room("secrets")
    member = store.join(created.room.code, "Ann")
    post(store, created.room.code, member.member_token)
    secrets = (created.instructor_key, member.member_token)
    assert "instructor_key" not in repr(created) and member.member_token not in repr(member)
    engine = create_engine(url)
    try:
        metadata = MetaData()
        metadata.reflect(engine)
        with engine.connect() as connection:
            stored = [
                str(value)
                for table in metadata.sorted_tables
                for row in connection.execute(select(table))
                for value in row
            ]
    finally:
        engine.dispose()
    assert any(created.room.code in value for value in stored)  # the dump did read the rooms
    for secret in secrets:
        assert not any(secret in value for value in stored)
    if url.startswith("sqlite"):  # and not in the file's bytes either (WAL included)
        path = Path(url.removeprefix("sqlite:///"))
        raw = b"".join(p.read_bytes() for p in path.parent.glob(path.name + "*"))
        assert created.room.code.encode() in raw
        assert not any(secret.encode() in raw for secret in secrets)


# ---- limits ------------------------------------------------------------------------------------------------
def test_past_the_open_rooms_limit_creating_is_refused_with_one_line(store: Store, monkeypatch):
    monkeypatch.setattr(store_module, "MAX_ROOMS", 3)
    created = [store.create_room(f"room {i}") for i in range(3)]
    with pytest.raises(RoomError, match=r"^This server already has 3 open rooms, its most: .*\.$") as refused:
        store.create_room("one too many")
    assert "\n" not in str(refused.value)
    first = created[0]
    store.close_room(first.room.code, first.instructor_key)  # a closed room does not count
    store.create_room("fits now")
    with pytest.raises(RoomError, match="already has 3 open rooms"):
        store.reopen_room(first.room.code, first.instructor_key)


def test_past_the_runs_limit_a_member_is_refused_until_the_room_is_cleared(store: Store, monkeypatch):
    monkeypatch.setattr(store_module, "MAX_RUNS_PER_MEMBER", 3)
    created = store.create_room("limits")
    code = created.room.code
    ann, bob = store.join(code, "Ann"), store.join(code, "Bob")
    for seed in range(3):
        post(store, code, ann.member_token, seed=seed)
    with pytest.raises(RoomError, match=r"^You have posted 3 runs to this room, the most one person may"):
        post(store, code, ann.member_token, seed=9)
    post(store, code, bob.member_token)  # the limit is per member
    assert store.board(code).runs == 4
    assert store.clear_room(code, created.instructor_key) == 4
    assert store.board(code).runs == 0
    post(store, code, ann.member_token)


def test_past_the_members_limit_joining_is_refused(store: Store, monkeypatch):
    monkeypatch.setattr(store_module, "MAX_MEMBERS", 2)
    code = store.create_room("small").room.code
    store.join(code)
    store.join(code)
    with pytest.raises(RoomError, match="already has 2 members"):
        store.join(code)


def test_too_long_text_and_unknown_keys_are_refused_with_a_message(store: Store):
    with pytest.raises(RoomError, match="at most 80 characters"):
        store.create_room("t" * 81)
    with pytest.raises(RoomError, match="not a setting"):
        store.create_room("keys", ["colour"])
    code = store.create_room("ok").room.code
    with pytest.raises(RoomError, match="at most 30 characters"):
        store.join(code, "n" * 31)
    member = store.join(code)
    with pytest.raises(RoomError, match="norm="):
        store.post_run(code, member.member_token, {"norm": "made_up"}, {"test_loss": 1.0})
    assert store.board(code).members == 1


def test_a_closed_room_refuses_posts_and_takes_them_again_when_reopened(store: Store):
    created = store.create_room("closing")
    code, key = created.room.code, created.instructor_key
    member = store.join(code, "Ann")
    post(store, code, member.member_token)
    assert store.close_room(code, key).closed
    with pytest.raises(RoomError, match="This room is closed"):
        post(store, code, member.member_token, seed=1)
    assert store.board(code).runs == 1  # its board still shows
    assert not store.reopen_room(code, key).closed
    post(store, code, member.member_token, seed=1)
    assert store.board(code).runs == 2


def test_a_hidden_run_leaves_the_board_but_stays_in_the_exports(store: Store):
    created = store.create_room("hiding")
    code, key = created.room.code, created.instructor_key
    member = store.join(code, "Ann")
    kept, hidden = post(store, code, member.member_token, seed=0), post(store, code, member.member_token, seed=1)
    assert store.hide_run(code, key, hidden.id).hidden
    board = store.board(code)
    assert (board.runs, board.hidden) == (1, 1)
    assert [r.id for g in board.groups for r in g.runs] == [kept.id]
    exported = json.loads(store.export_json(code, key))
    assert [(r["run"], r["hidden"]) for r in exported["runs"]] == [(kept.id, False), (hidden.id, True)]
    rows = list(csv.DictReader(io.StringIO(store.export_csv(code, key))))
    assert [(int(r["run"]), r["hidden_by_instructor"]) for r in rows] == [(kept.id, "False"), (hidden.id, "True")]
    assert not store.hide_run(code, key, hidden.id, hidden=False).hidden
    assert store.board(code).runs == 2
    other = store.create_room("other")
    with pytest.raises(RoomError, match="no run"):
        store.hide_run(other.room.code, other.instructor_key, kept.id)  # a run of another room


def test_the_exports_hold_every_run_with_its_settings_metrics_and_curve(store: Store):
    created = store.create_room("export", ["norm"])
    code, key = created.room.code, created.instructor_key
    member = store.join(code, "=HYPERLINK(1)")
    curve = [{"epoch": 1, "test_loss": 0.9}, {"epoch": 2, "test_loss": float("nan")}]
    post(store, code, member.member_token, "bn_before", 3, 0.9, curve=curve)
    rows = list(csv.DictReader(io.StringIO(store.export_csv(code, key))))
    assert len(rows) == 1
    row = rows[0]
    assert (row["norm"], row["seed"], row["hidden"], row["final_test_accuracy"]) == ("bn_before", "3", "32,32", "0.9")
    assert row["nickname"] == "'=HYPERLINK(1)"  # a spreadsheet shows it, does not run it
    document = json.loads(store.export_json(code, key))
    assert document["room"]["code"] == code and document["room"]["keys"] == ["norm"]
    (run,) = document["runs"]
    assert run["nickname"] == "=HYPERLINK(1)"
    assert run["config"] == Config(norm="bn_before", seed=3).to_dict()
    assert run["curve"] == [{"epoch": 1, "test_loss": 0.9}, {"epoch": 2, "test_loss": None}]


def test_a_long_curve_is_stored_thinned_to_at_most_200_points(store: Store):
    code = store.create_room("long").room.code
    member = store.join(code)
    curve = [{"epoch": e, "test_loss": 1 / e} for e in range(1, 2001)]
    posted = post(store, code, member.member_token, curve=curve)
    (stored,) = store.board(code).groups[0].runs
    assert len(stored.curve) <= MAX_CURVE_POINTS
    assert stored.curve == posted.curve
    assert stored.curve[0]["epoch"] == 1 and stored.curve[-1] == {"epoch": 2000, "test_loss": 1 / 2000}


# ---- plain text, kept as typed ------------------------------------------------------------------------------
@pytest.mark.parametrize("hostile", HOSTILE)
def test_markup_in_titles_and_nicknames_is_stored_and_read_back_unchanged(store: Store, hostile: str):
    created = store.create_room(hostile)
    code = created.room.code
    member = store.join(code, hostile)
    post(store, code, member.member_token)
    assert created.room.title == store.room(code).title == store.board(code).room.title == hostile
    assert member.nickname == store.board(code).groups[0].runs[0].nickname == hostile
    exported = json.loads(store.export_json(code, created.instructor_key))
    assert exported["room"]["title"] == exported["runs"][0]["nickname"] == hostile


def test_control_characters_are_stripped_before_storing(store: Store):
    created = store.create_room("Week\n3\x00 \u202edemo")
    member = store.join(created.room.code, "\tAnn\x1b")
    assert store.room(created.room.code).title == "Week 3 demo"
    assert member.nickname == "Ann"


# ---- time -------------------------------------------------------------------------------------------------
def test_an_expired_room_is_gone_and_purged_on_the_next_create(url: str):
    clock = Clock()
    with open_store(url, days=7, clock=clock) as store:
        old = store.create_room("last week")
        member = store.join(old.room.code, "Ann")
        post(store, old.room.code, member.member_token)
        assert old.room.expires_at == clock.now + timedelta(days=7)
        clock.now += timedelta(days=6, hours=23)
        assert store.board(old.room.code).runs == 1
        clock.now += timedelta(hours=2)
        for attempt in (
            lambda: store.join(old.room.code),
            lambda: store.board(old.room.code),
            lambda: post(store, old.room.code, member.member_token),
            lambda: store.export_json(old.room.code, old.instructor_key),
        ):
            with pytest.raises(RoomError, match="No room has that code"):
                attempt()
        assert (count(url, "rooms"), count(url, "runs")) == (1, 1)  # still on disk until a purge
        store.create_room("this week")
        assert (count(url, "rooms"), count(url, "members"), count(url, "runs")) == (1, 0, 0)


def test_opening_the_store_purges_expired_rooms(url: str):
    clock = Clock()
    with open_store(url, days=1, clock=clock) as store:
        store.create_room("yesterday")
    clock.now += timedelta(days=2)
    with open_store(url, days=1, clock=clock):
        assert count(url, "rooms") == 0


def test_room_days_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("EXPLORER_ROOM_DAYS", "2.5")
    assert database.room_days() == 2.5
    for ignored in ("", "soon", "0", "-1", "inf"):
        monkeypatch.setenv("EXPLORER_ROOM_DAYS", ignored)
        assert database.room_days() == 7.0


def test_the_default_database_is_a_sqlite_file_in_the_data_folder(monkeypatch, tmp_path: Path):
    monkeypatch.delenv("EXPLORER_DATABASE_URL", raising=False)
    monkeypatch.setenv("EXPLORER_DATA_DIR", str(tmp_path))
    assert database.database_url() == f"sqlite:///{tmp_path / 'rooms.db'}"
    with open_store() as store:
        store.create_room("default")
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() == 15_000
    assert (tmp_path / "rooms.db").exists()
    monkeypatch.setenv("EXPLORER_DATABASE_URL", "postgresql://u:p@db.example:5432/rooms")
    assert database.database_url() == "postgresql://u:p@db.example:5432/rooms"


# ---- reliability ------------------------------------------------------------------------------------------
def test_thirty_learners_posting_at_once_lose_no_run(url: str, store: Store):
    code = store.create_room("rush").room.code
    members = [store.join(code, f"learner {i}") for i in range(30)]
    start = threading.Barrier(len(members))
    failures: list[BaseException] = []

    def learner(token: str) -> None:
        try:
            start.wait()
            for seed in range(3):
                post(store, code, token, seed=seed)
        except BaseException as err:  # collected: a thread's exception would vanish
            failures.append(err)

    threads = [threading.Thread(target=learner, args=(m.member_token,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not failures, failures[:3]
    assert count(url, "runs") == 90
    board = store.board(code)
    assert (board.runs, board.posters) == (90, 30)


def _at_once(calls: int, call) -> tuple[int, list[BaseException]]:
    """Run `call(i)` in `calls` threads released together; how many returned, and what the others raised."""
    start, done, raised = threading.Barrier(calls), [], []

    def one(i: int) -> None:
        start.wait()
        try:
            call(i)
            done.append(i)
        except BaseException as err:
            raised.append(err)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return len(done), raised


def test_limits_hold_when_requests_race(url: str, store: Store, monkeypatch):
    """The count and the insert after it are one step: racing requests never pass a limit together."""
    monkeypatch.setattr(store_module, "MAX_RUNS_PER_MEMBER", 4)
    monkeypatch.setattr(store_module, "MAX_ROOMS", 3)
    code = store.create_room("race").room.code
    token = store.join(code, "Ann").member_token
    posted, refused = _at_once(10, lambda seed: post(store, code, token, seed=seed))
    assert posted == 4 and len(refused) == 6
    assert all(isinstance(err, RoomError) and "posted 4 runs" in str(err) for err in refused), refused[:2]
    created, refused = _at_once(6, lambda i: store.create_room(f"room {i}"))
    assert created == 2 and all("3 open rooms" in str(err) for err in refused), refused[:2]
    assert count(url, "rooms") == 3


def test_stores_opened_together_in_one_process_migrate_once(url: str):
    """Sessions of one server opening the store at once: one migrates, the others find it done."""
    opened: list[Store] = []
    started, raised = _at_once(4, lambda _: opened.append(open_store(url)))
    try:
        assert started == 4 and not raised, raised[:2]
        assert count(url, "alembic_version") == 1
        assert opened[0].create_room("after").room.title == "after"
    finally:
        for each in opened:
            each.close()


def test_replicas_starting_together_migrate_once(url: str):
    """Processes (replicas) opening an empty database at the same moment: one migrates, the others wait for it."""
    at = time.time() + 2  # each process imports first, then all open at this moment
    script = (
        "import sys, time; from explorer.rooms import open_store; "
        "time.sleep(max(0, float(sys.argv[2]) - time.time())); "
        "store = open_store(sys.argv[1]); store.create_room(sys.argv[3]); store.close()"
    )
    replicas = [
        subprocess.Popen([sys.executable, "-c", script, url, str(at), f"replica {i}"], cwd=ROOT, stderr=subprocess.PIPE)
        for i in range(3)
    ]
    errors = [p.communicate(timeout=120)[1].decode()[-2000:] for p in replicas]
    assert [p.returncode for p in replicas] == [0, 0, 0], errors
    assert (count(url, "alembic_version"), count(url, "rooms")) == (1, 3)


def test_runs_survive_a_restart(url: str):
    with open_store(url) as first:
        created = first.create_room("before the restart")
        member = first.join(created.room.code, "Ann")
        post(first, created.room.code, member.member_token, seed=1)
    with open_store(url) as second:  # a new process would do just this
        board = second.board(created.room.code)
        assert board.runs == 1 and board.groups[0].runs[0].nickname == "Ann"
        post(second, created.room.code, member.member_token, seed=2)  # the token still works
        assert second.check_key(created.room.code, created.instructor_key).title == "before the restart"
        assert second.board(created.room.code).runs == 2


def test_migrations_build_the_schema_from_empty_and_record_the_head(url: str, store: Store):
    engine = create_engine(url)
    try:
        assert {"rooms", "members", "runs", "alembic_version"} <= set(inspect(engine).get_table_names())
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == ["0001"]
            assert database.head_revision() == "0001"
            differences = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        assert differences == [], "explorer/rooms/schema.py and the migrations disagree"
    finally:
        engine.dispose()
    assert database.current_revision(store.engine) == "0001"
    with open_store(url):  # a second start finds the schema at head and changes nothing
        assert count(url, "alembic_version") == 1


def test_an_unreachable_database_raises_one_clear_error(tmp_path: Path):
    with pytest.raises(StoreUnavailable, match=r"^The rooms database cannot be reached: ") as refused:
        open_store(f"sqlite:///{tmp_path / 'no' / 'such' / 'folder' / 'rooms.db'}")
    assert "\n" not in str(refused.value)
    with pytest.raises(StoreUnavailable, match="not a database URL"):
        open_store("nosuchdb://user:secret@host/db")
    with pytest.raises(StoreUnavailable, match="cannot be reached") as refused:
        open_store("sqlite://")
    assert "secret" not in str(refused.value)


def test_a_database_that_goes_away_after_opening_raises_store_unavailable(tmp_path: Path):
    folder = tmp_path / "db"
    folder.mkdir()
    with open_store(f"sqlite:///{folder / 'rooms.db'}") as store:
        code = store.create_room("going").room.code
        store.engine.dispose()  # drop pooled connections, as a restart of the database would
        shutil.rmtree(folder)
        with pytest.raises(StoreUnavailable, match="cannot be reached"):
            store.board(code)


def test_an_unreachable_postgresql_server_raises_one_clear_error():
    pytest.importorskip("psycopg")
    with pytest.raises(StoreUnavailable, match=r"^The rooms database cannot be reached: .*") as refused:
        open_store("postgresql://explorer:secret@127.0.0.1:9/rooms")  # port 9 (discard): nothing listens
    assert "secret" not in str(refused.value) and "\n" not in str(refused.value)


def test_a_csv_runs_server_path_is_not_posted(tmp_path):
    """Only the uploaded file's name reaches the room: the board and the exports show every key."""
    store = open_store(f"sqlite:///{tmp_path / 'rooms.db'}")
    try:
        created = store.create_room("CSV room")
        member = store.join(created.room.code)
        config = Config(dataset="csv", csv_path="/srv/uploads/8f3a/grades.csv", target="passed")
        run = store.post_run(created.room.code, member.member_token, config, {"test_loss": 0.5})
        assert run.config["csv_path"] == "grades.csv" and "/srv" not in store.export_json(
            created.room.code, created.instructor_key
        )
    finally:
        store.close()
