"""Opening the rooms database: which one (EXPLORER_DATABASE_URL), how SQLite is set up, migrating to the
newest schema, and turning "cannot connect" into one `StoreUnavailable` line.

SQLite runs in WAL mode (readers never wait for a writer) with a busy timeout, and a writing transaction
starts with BEGIN IMMEDIATE: it takes the write lock before it reads, so a check such as "fewer than 50 runs"
and the insert that follows cannot interleave with another writer's. PostgreSQL gets the same guarantees
from row and table locks taken by the store.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config as AlembicConfig
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from explorer.config.environment import data_dir
from explorer.rooms.errors import StoreUnavailable

DATABASE_URL_ENV = "EXPLORER_DATABASE_URL"
ROOM_DAYS_ENV = "EXPLORER_ROOM_DAYS"
DEFAULT_ROOM_DAYS = 7.0
SQLITE_BUSY_TIMEOUT_MS = 15_000  # 30 learners posting at once wait their turn, well within this
CONNECT_TIMEOUT_S = 5  # an unreachable server is reported after this, not after the OS's minutes
MIGRATIONS = Path(__file__).resolve().with_name("migrations")
WRITE = "rooms_write"  # execution option: this transaction writes (SQLite: BEGIN IMMEDIATE)
MIGRATION_LOCK = 720_431  # PostgreSQL advisory lock id: one process migrates at a time
_ALEMBIC = threading.Lock()  # alembic.context is one module-wide proxy: one migration per process at a time


def database_url() -> str:
    """EXPLORER_DATABASE_URL, else a SQLite file in the data folder that outlives the process."""
    configured = os.environ.get(DATABASE_URL_ENV, "").strip()
    return configured or f"sqlite:///{data_dir() / 'rooms.db'}"


def room_days() -> float:
    """How long a room lasts: EXPLORER_ROOM_DAYS if it is a positive number, else 7 days."""
    try:
        days = float(os.environ.get(ROOM_DAYS_ENV, "").strip())
    except ValueError:
        return DEFAULT_ROOM_DAYS
    return days if days > 0 and days != float("inf") else DEFAULT_ROOM_DAYS


@contextmanager
def reachable() -> Iterator[None]:
    """Database failures to connect or to run (not a refused request) as one StoreUnavailable line."""
    try:
        yield
    except (exc.OperationalError, exc.InterfaceError) as err:
        raise StoreUnavailable.because(str(err.orig) if err.orig is not None else str(err)) from err
    except exc.TimeoutError as err:  # every pooled connection busy for the pool's timeout
        raise StoreUnavailable.because("every connection stayed busy; try again in a moment") from err
    except exc.DBAPIError as err:
        if err.connection_invalidated:
            raise StoreUnavailable.because(str(err.orig)) from err
        raise


def make_engine(url: str) -> Engine:
    """An engine for `url`; `postgresql://` means psycopg 3 (the driver the requirements install)."""
    try:
        parsed = make_url(url)
        if parsed.drivername in ("postgresql", "postgres"):
            parsed = parsed.set(drivername="postgresql+psycopg")
        if parsed.get_backend_name() == "sqlite":
            if parsed.database in (None, "", ":memory:"):
                raise StoreUnavailable.because("the rooms need a SQLite file, not an in-memory database")
            engine = create_engine(parsed)
            _set_up_sqlite(engine)
        else:
            engine = create_engine(parsed, pool_pre_ping=True, connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    # not the errors' text: it may quote the URL, password and all
    except (exc.ArgumentError, exc.NoSuchModuleError) as err:
        raise StoreUnavailable.because(f"{DATABASE_URL_ENV} is not a database URL this app can use") from err
    except ImportError as err:
        raise StoreUnavailable.because(f"the driver for {DATABASE_URL_ENV}'s database is not installed") from err
    return engine


def _set_up_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # sqlite3 leaves BEGIN to us (see _on_begin)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE) else "BEGIN")


def _alembic_config() -> AlembicConfig:
    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    """The newest schema version the package ships."""
    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "explorer/rooms/migrations/versions holds no migration"
    return head


def current_revision(engine: Engine) -> str | None:
    with reachable(), engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def upgrade(engine: Engine) -> None:
    """Migrate to the newest schema, in one transaction that a second process waits for rather than races."""
    config = _alembic_config()
    with _ALEMBIC, reachable(), engine.connect() as connection:
        connection.execution_options(**{WRITE: True})
        with connection.begin():
            if connection.dialect.name == "postgresql":
                connection.exec_driver_sql(f"SELECT pg_advisory_xact_lock({MIGRATION_LOCK})")
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
