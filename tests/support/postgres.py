"""A throwaway PostgreSQL server for the rooms tests: Debian's binaries, a temporary data folder, loopback only.

`initdb` refuses to run as root, so as root the server's commands run as `nobody` (runuser, else setpriv) on
folders handed to that user. Trust authentication is safe here: the server listens on 127.0.0.1 and a socket
in its own temporary folder, and is gone when the block ends. fsync is off: nothing it holds must survive.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url

SEARCH = "/usr/lib/postgresql/*/bin"
SERVER_USER = "nobody"
SUPERUSER = "postgres"  # the role initdb creates
START_TIMEOUT_S = 60


def binaries() -> Path | None:
    """The newest installed PostgreSQL's bin folder (Debian keeps each major version apart)."""
    found = [Path(p) for p in glob.glob(SEARCH) if (Path(p) / "initdb").exists() and (Path(p) / "pg_ctl").exists()]
    return max(found, key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0) if found else None


def _as_server_user() -> list[str]:
    """The command prefix that drops root to SERVER_USER; nothing when not root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser"):
        return ["runuser", "-u", SERVER_USER, "--"]
    if shutil.which("setpriv"):
        user = pwd.getpwnam(SERVER_USER)
        return ["setpriv", f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups", "--"]
    pytest.skip("running as root and neither runuser nor setpriv can drop to a user initdb accepts")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _run(argv: list[str], log: Path | None = None) -> None:
    done = subprocess.run(argv, capture_output=True, text=True, timeout=START_TIMEOUT_S, check=False)
    if done.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
        pytest.fail(f"{' '.join(argv)} exited {done.returncode}:\n{done.stdout}{done.stderr}{tail}")


_RUNNING: dict[str, tuple[list[str], Path]] = {}  # a running server's URL → (its pg_ctl command, its log)


def restart(server_url: str) -> None:
    """Stop the server of `server_url` at once (as a crash would) and start it again on the same data and port."""
    pg_ctl, log = _RUNNING[server_url]
    _run([*pg_ctl, "-m", "immediate", "-w", "stop"], log)
    _run([*pg_ctl, "-l", str(log), "-w", "-t", str(START_TIMEOUT_S), "start"], log)


@contextlib.contextmanager
def postgres_server() -> Iterator[str]:
    """Start a server; yield the SQLAlchemy URL of its `postgres` database (a superuser may create more)."""
    bin_dir = binaries()
    if bin_dir is None:
        pytest.skip(f"PostgreSQL is not installed (no {SEARCH}/initdb): apt-get install postgresql")
    prefix = _as_server_user()
    base = Path(tempfile.mkdtemp(prefix="explorer-postgres-"))
    data, sockets, log = base / "data", base / "sockets", base / "server.log"
    sockets.mkdir()
    if prefix:  # the server's user owns its folders; mkdtemp's folder is root's and 0700
        user = pwd.getpwnam(SERVER_USER)
        for path in (base, sockets):
            os.chown(path, user.pw_uid, user.pw_gid)
    port = _free_port()
    pg_ctl = [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data)]
    try:
        _run([*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", SUPERUSER, "-A", "trust", "-E", "UTF8",
              "--locale=C", "--no-sync"])  # fmt: skip
        options = (
            f"-p {port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={sockets} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        _run([*pg_ctl, "-l", str(log), "-w", "-t", str(START_TIMEOUT_S), "-o", options, "start"], log)
        url = f"postgresql+psycopg://{SUPERUSER}@127.0.0.1:{port}/postgres"
        _RUNNING[url] = ([*pg_ctl, "-o", options], log)
        yield url
        _RUNNING.pop(url, None)
    finally:
        if (data / "postmaster.pid").exists():
            subprocess.run([*pg_ctl, "-m", "immediate", "-w", "stop"], capture_output=True, timeout=60, check=False)
        shutil.rmtree(base, ignore_errors=True)


def create_database(server_url: str, name: str) -> str:
    """A new empty database on the server of `server_url`; returns its URL."""
    engine = create_engine(server_url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.exec_driver_sql(f'CREATE DATABASE "{name}"')
    finally:
        engine.dispose()
    return make_url(server_url).set(database=name).render_as_string(hide_password=False)
