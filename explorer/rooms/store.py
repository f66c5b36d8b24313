"""The rooms' one door to the database: instructors create and run rooms, learners join and post runs.

Every operation is one short transaction and returns plain records (`explorer.rooms.records`), so a page
never holds a database session. What a person may do follows from what they hold: the code lets anyone see
a room and join it; a member token posts runs as that member (there is no operation that edits or deletes a
run for a learner); the instructor key, checked against its salted hash, closes, hides, clears and exports.
A refused request raises `RoomError` and an unreachable database `StoreUnavailable`, each one line for the
page to show.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import PurePath
from typing import Any

from sqlalchemy import Engine, delete, func, select
from sqlalchemy.orm import Session

from explorer.config import Config, ConfigError
from explorer.rooms import export, inputs
from explorer.rooms.board import Board, build_board
from explorer.rooms.codes import hash_key, key_matches, new_code, new_token, normalize_code, token_digest
from explorer.rooms.database import WRITE, database_url, make_engine, reachable, room_days, upgrade
from explorer.rooms.errors import RoomError
from explorer.rooms.records import Created, Joined, Room, RunRecord
from explorer.rooms.schema import MemberRow, RoomRow, RunRow

MAX_ROOMS = 200  # open rooms on one server
MAX_MEMBERS = 500  # per room: joining costs nothing, so it is bounded too
MAX_RUNS_PER_MEMBER = 50  # per member, in their room
CODE_TRIES = 50

NO_ROOM = "No room has that code: check it with your instructor."
WRONG_KEY = "That is not this room's instructor key."
NOT_A_MEMBER = "Join this room with its code before posting a run to it."
CLOSED = "This room is closed: the instructor is not taking runs now."
FULL_SERVER = "This server already has {} open rooms, its most: close one, or wait until one expires."
FULL_ROOM = "This room already has {} members, its most."
TOO_MANY_RUNS = (
    "You have posted {} runs to this room, the most one person may: ask your instructor to clear it for more."
)


def _utc_now() -> datetime:
    return datetime.now(UTC)


def open_store(url: str | None = None, *, days: float | None = None, clock: Callable[[], datetime] = _utc_now) -> Store:
    """The store at `url` (default EXPLORER_DATABASE_URL, else data_dir()/rooms.db), migrated to the newest
    schema, its expired rooms purged. `days` is how long a room lasts (default EXPLORER_ROOM_DAYS, else 7);
    `clock` gives the time in UTC (tests move it)."""
    engine = make_engine(url or database_url())
    try:
        upgrade(engine)
        store = Store(engine, room_days() if days is None else days, clock)
        store.purge_expired()
    except BaseException:
        engine.dispose()
        raise
    return store


class Store:
    """Thread-safe: share one per process (each call opens and ends its own transaction)."""

    def __init__(self, engine: Engine, days: float, clock: Callable[[], datetime] = _utc_now) -> None:
        self.engine = engine
        self.days = days
        self._clock = clock
        self._writer = engine.execution_options(**{WRITE: True})

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.engine.dispose()

    # ---- anyone with the code --------------------------------------------------------------------------------
    def room(self, code: str) -> Room:
        with self._reading() as session:
            return self._room(self._room_row(session, code))

    def board(self, code: str, metric: str | None = None) -> Board:
        """The board of visible runs, grouped and summarised on `metric` (default: the test metric)."""
        with self._reading() as session:
            row = self._room_row(session, code)
            members = session.scalar(select(func.count()).where(MemberRow.room_id == row.id)) or 0
            runs = self._runs(session, row.id)
            room = self._room(row)
        return build_board(room, runs, members, metric)

    # ---- instructors -----------------------------------------------------------------------------------------
    def create_room(self, title: str, keys: Iterable[str] | None = None) -> Created:
        """A new room with a fresh code; its instructor key is in the result and nowhere else."""
        clean_title, chosen = inputs.title(title), inputs.compare_keys(keys)
        key = new_token()
        salt, digest = hash_key(key)
        with self._writing() as session:
            self._lock_rooms(session)
            self._purge(session)
            if self._open_rooms(session) >= MAX_ROOMS:
                raise RoomError(FULL_SERVER.format(MAX_ROOMS))
            row = RoomRow(
                code=self._free_code(session),
                title=clean_title,
                compare_keys=json.dumps(list(chosen)),
                key_salt=salt,
                key_hash=digest,
                closed=False,
                created_at=self._now(),
            )
            session.add(row)
            session.flush()
            return Created(self._room(row), key)

    def check_key(self, code: str, key: str | None) -> Room:
        """The room, if `key` is its instructor key; else RoomError (the same for a wrong, missing or other key).

        Hashing happens outside any writing transaction, so guessing keys cannot hold up learners' posts.
        """
        with self._reading() as session:
            row = self._room_row(session, code)
            salt, digest, room = row.key_salt, row.key_hash, self._room(row)
        if not key_matches(key, salt, digest):
            raise RoomError(WRONG_KEY)
        return room

    def close_room(self, code: str, key: str | None) -> Room:
        return self._set_closed(code, key, closed=True)

    def reopen_room(self, code: str, key: str | None) -> Room:
        return self._set_closed(code, key, closed=False)

    def hide_run(self, code: str, key: str | None, run_id: int, hidden: bool = True) -> RunRecord:
        """Keep a run off the board (or put it back); it stays in the exports."""
        self.check_key(code, key)
        try:
            run_id = int(run_id)
        except (TypeError, ValueError):
            raise RoomError(f"{run_id!r:.40} is not a run number.") from None
        with self._writing() as session:
            room = self._room_row(session, code)
            found = session.execute(
                select(RunRow, MemberRow.nickname)
                .join(MemberRow, RunRow.member_id == MemberRow.id)
                .where(RunRow.id == run_id, RunRow.room_id == room.id)
            ).one_or_none()
            if found is None:
                raise RoomError(f"This room has no run {run_id}.")
            run, nickname = found
            run.hidden = hidden
            session.flush()
            return self._run(run, nickname)

    def clear_room(self, code: str, key: str | None) -> int:
        """Delete every run of the room (members stay); returns how many went."""
        self.check_key(code, key)
        with self._writing() as session:
            room = self._room_row(session, code)
            return session.execute(delete(RunRow).where(RunRow.room_id == room.id)).rowcount

    def export_csv(self, code: str, key: str | None) -> str:
        self.check_key(code, key)
        with self._reading() as session:
            return export.to_csv(self._runs(session, self._room_row(session, code).id))

    def export_json(self, code: str, key: str | None) -> str:
        self.check_key(code, key)
        with self._reading() as session:
            row = self._room_row(session, code)
            return export.to_json(self._room(row), self._runs(session, row.id))

    # ---- learners --------------------------------------------------------------------------------------------
    def join(self, code: str, nickname: str = "") -> Joined:
        """A new member of the room; the token in the result is theirs alone (only its hash is stored)."""
        name = inputs.nickname(nickname)
        token = new_token()
        with self._writing() as session:
            room = self._room_row(session, code, lock=True)
            if (session.scalar(select(func.count()).where(MemberRow.room_id == room.id)) or 0) >= MAX_MEMBERS:
                raise RoomError(FULL_ROOM.format(MAX_MEMBERS))
            member = MemberRow(room_id=room.id, token_hash=token_digest(token), nickname=name, joined_at=self._now())
            session.add(member)
            session.flush()
            return Joined(self._room(room), member.id, name, token)

    def post_run(
        self,
        code: str,
        member_token: str,
        config: Config | Mapping[str, Any],
        metrics: Mapping[str, float],
        curve: Sequence[Mapping[str, Any]] = (),
        seconds: float | None = None,
    ) -> RunRecord:
        """Record a run as the member holding `member_token`; a curve over 200 epochs is thinned to 200 or fewer."""
        config = _config(config)
        values, points, time = inputs.metrics(metrics), inputs.curve(curve), inputs.seconds(seconds)
        digest = token_digest(member_token or "")
        with self._writing() as session:
            room = self._room_row(session, code)
            member = session.scalars(
                select(MemberRow)
                .where(MemberRow.token_hash == digest, MemberRow.room_id == room.id)
                .with_for_update(key_share=True)  # PostgreSQL: one post at a time per member, so the count holds
            ).one_or_none()
            if member is None:
                raise RoomError(NOT_A_MEMBER)
            if room.closed:
                raise RoomError(CLOSED)
            posted = session.scalar(select(func.count()).where(RunRow.member_id == member.id)) or 0
            if posted >= MAX_RUNS_PER_MEMBER:
                raise RoomError(TOO_MANY_RUNS.format(MAX_RUNS_PER_MEMBER))
            run = RunRow(
                room_id=room.id,
                member_id=member.id,
                config=config.to_json(),
                seed=config.seed,
                metrics=json.dumps(values, allow_nan=False),
                curve=json.dumps(points, allow_nan=False),
                seconds=time,
                hidden=False,
                posted_at=self._now(),
            )
            session.add(run)
            session.flush()
            return self._run(run, member.nickname)

    # ---- upkeep ----------------------------------------------------------------------------------------------
    def purge_expired(self) -> int:
        """Delete rooms older than `days` with their members and runs; returns how many rooms went."""
        with self._writing() as session:
            return self._purge(session)

    # ---- inside ----------------------------------------------------------------------------------------------
    @contextmanager
    def _reading(self) -> Iterator[Session]:
        with reachable(), Session(self.engine, expire_on_commit=False) as session, session.begin():
            yield session

    @contextmanager
    def _writing(self) -> Iterator[Session]:
        """A transaction that holds SQLite's write lock from its start (see explorer.rooms.database)."""
        with reachable(), Session(self._writer, expire_on_commit=False) as session, session.begin():
            yield session

    def _now(self) -> datetime:
        return self._clock().astimezone(UTC).replace(tzinfo=None)

    def _cutoff(self) -> datetime:
        return self._now() - timedelta(days=self.days)

    def _room_row(self, session: Session, code: str, lock: bool = False) -> RoomRow:
        query = select(RoomRow).where(RoomRow.code == normalize_code(code), RoomRow.created_at >= self._cutoff())
        row = session.scalars(query.with_for_update(key_share=True) if lock else query).one_or_none()
        if row is None:
            raise RoomError(NO_ROOM)
        return row

    def _room(self, row: RoomRow) -> Room:
        created = row.created_at.replace(tzinfo=UTC)
        return Room(
            code=row.code,
            title=row.title,
            keys=tuple(json.loads(row.compare_keys)),
            closed=row.closed,
            created_at=created,
            expires_at=created + timedelta(days=self.days),
        )

    @staticmethod
    def _run(row: RunRow, nickname: str) -> RunRecord:
        return RunRecord(
            id=row.id,
            member_id=row.member_id,
            nickname=nickname,
            config=json.loads(row.config),
            seed=row.seed,
            metrics=json.loads(row.metrics),
            curve=tuple(json.loads(row.curve)),
            seconds=row.seconds,
            posted_at=row.posted_at.replace(tzinfo=UTC),
            hidden=row.hidden,
        )

    def _runs(self, session: Session, room_id: int) -> list[RunRecord]:
        found = session.execute(
            select(RunRow, MemberRow.nickname)
            .join(MemberRow, RunRow.member_id == MemberRow.id)
            .where(RunRow.room_id == room_id)
            .order_by(RunRow.id)
        )
        return [self._run(run, nickname) for run, nickname in found]

    def _set_closed(self, code: str, key: str | None, closed: bool) -> Room:
        self.check_key(code, key)
        with self._writing() as session:
            if not closed:
                self._lock_rooms(session)
            row = self._room_row(session, code)
            if row.closed and not closed and self._open_rooms(session) >= MAX_ROOMS:
                raise RoomError(FULL_SERVER.format(MAX_ROOMS))
            row.closed = closed
            session.flush()
            return self._room(row)

    @staticmethod
    def _lock_rooms(session: Session) -> None:
        """PostgreSQL: one transaction at a time counts open rooms and adds one (SQLite's BEGIN IMMEDIATE does it)."""
        if session.get_bind().dialect.name == "postgresql":
            session.connection().exec_driver_sql("LOCK TABLE rooms IN SHARE ROW EXCLUSIVE MODE")

    def _open_rooms(self, session: Session) -> int:
        query = select(func.count()).where(RoomRow.closed.is_(False), RoomRow.created_at >= self._cutoff())
        return session.scalar(query) or 0

    def _free_code(self, session: Session) -> str:
        for _ in range(CODE_TRIES):
            code = new_code()
            if session.scalar(select(func.count()).where(RoomRow.code == code)) == 0:
                return code
        raise RoomError("No free room code was found; try again.")

    def _purge(self, session: Session) -> int:
        expired = select(RoomRow.id).where(RoomRow.created_at < self._cutoff())
        unsynced = {"synchronize_session": False}
        session.execute(delete(RunRow).where(RunRow.room_id.in_(expired)), execution_options=unsynced)
        session.execute(delete(MemberRow).where(MemberRow.room_id.in_(expired)), execution_options=unsynced)
        gone = session.execute(delete(RoomRow).where(RoomRow.id.in_(expired)), execution_options=unsynced)
        return gone.rowcount


def _config(config: Config | Mapping[str, Any]) -> Config:
    """The run's settings as the room keeps them: of an uploaded CSV's path on the server only the file's
    name is posted (the board and the exports show every key; a link never carries a path either)."""
    if isinstance(config, Config):
        return config.replace(csv_path=PurePath(config.csv_path).name) if config.csv_path else config
    try:
        return _config(Config.from_dict(config))
    except ConfigError as err:
        raise RoomError(str(err)) from None
    except (TypeError, AttributeError):
        raise RoomError("A run's settings must be a Config.") from None
