"""docker-compose.yml's topology on loopback, with real processes: Debian's nginx running deploy/nginx.conf,
`python -m ui.serve` replicas (tests/support/browser.py's `running_app`), `dask scheduler` and `dask worker`.

nginx runs the deploy file itself, with only its upstream servers, listen address and file paths swapped
(each swap must match exactly, so an edit there that the test no longer covers fails loudly instead of
the two configs drifting apart), in the foreground, everything under a tmp dir: as root or not.
"""

from __future__ import annotations

import contextlib
import os
import re
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from tests.support.browser import ROOT, _free_port, stop, wait_for_http

NGINX = Path("/usr/sbin/nginx")
NGINX_CONF = ROOT / "deploy" / "nginx.conf"
COMPOSE = ROOT / "docker-compose.yml"
AFFINITY_COOKIE = "explorer_affinity"
DASK = Path(sys.executable).with_name("dask")  # the venv's, next to the python running the tests
TEMP_PATHS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")  # Debian's defaults are under /var/lib/nginx
UPSTREAM_SERVER = re.compile(r"^(?P<indent>[ \t]*)server app\d+:8501(?P<params>[^;\n]*);$", re.MULTILINE)
LOG_LINE = re.compile(
    r'"(?P<request>[^"]*)" (?P<status>\d{3}) \d+ \S+ upstream=(?P<upstream>\S+) affinity=(?P<affinity>\S+)$'
)


def _swap(text: str, old: str, new: str, count: int) -> str:
    found = text.count(old)
    if found != count:
        pytest.fail(f"deploy/nginx.conf changed: expected {old!r} {count} time(s), found {found}: update the test")
    return text.replace(old, new)


def nginx_config(upstreams: Sequence[str], port: int, workdir: Path) -> str:
    """deploy/nginx.conf for loopback: `upstreams` (host:port) in place of app1:8501…, listening on
    127.0.0.1:`port`, with its logs and temp files in `workdir`."""
    text = NGINX_CONF.read_text()
    servers = list(UPSTREAM_SERVER.finditer(text))
    if len(servers) != len(upstreams):
        pytest.fail(f"deploy/nginx.conf names {len(servers)} app servers, the test runs {len(upstreams)}")
    for match, upstream in zip(reversed(servers), reversed(upstreams), strict=True):  # from the end: offsets hold
        line = f"{match['indent']}server {upstream}{match['params']};"
        text = text[: match.start()] + line + text[match.end() :]
    text = _swap(text, "listen 80;", f"listen 127.0.0.1:{port};", 1)
    text = _swap(text, "/var/log/nginx/", f"{workdir}/", 2)
    temp = "".join(f"    {name}_temp_path {workdir / name};\n" for name in TEMP_PATHS)
    return _swap(text, "\nhttp {\n", f"\nhttp {{\n{temp}", 1)


def require_nginx() -> None:
    """Skip, saying why, where Debian's nginx is not installed (the only reason these tests skip)."""
    if not NGINX.exists():
        pytest.skip(f"the scale-out tests run Debian's nginx: {NGINX} is missing (apt-get install nginx)")


@contextlib.contextmanager
def running_nginx(upstreams: Sequence[str], workdir: Path) -> Iterator[str]:
    """nginx in the foreground on a free loopback port in front of `upstreams`; yields its base URL once
    it answers (a health check through it to a replica)."""
    require_nginx()
    port = _free_port()
    conf = workdir / "nginx.conf"
    conf.write_text(nginx_config(upstreams, port, workdir))
    # Root's workers would otherwise drop to `nobody`, who cannot enter pytest's 0700 tmp dirs.
    main = f"daemon off; pid {workdir / 'nginx.pid'};" + (" user root;" if os.geteuid() == 0 else "")
    command = [str(NGINX), "-p", str(workdir), "-e", str(workdir / "startup.log"), "-c", str(conf), "-g", main]
    check = subprocess.run([*command, "-t"], capture_output=True, text=True, timeout=30)
    assert check.returncode == 0, f"nginx -t refused the generated config:\n{check.stderr}"
    output = workdir / "nginx.out"
    with output.open("wb") as sink:
        process = subprocess.Popen(command, stdout=sink, stderr=subprocess.STDOUT)
    try:
        wait_for_http(
            f"http://127.0.0.1:{port}/_stcore/health", "nginx", 30, dead=lambda: process.poll() is not None,
            logs=lambda: (workdir / "error.log").read_text()[-2000:], pause=0.2,
        )  # fmt: skip
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process, timeout=10)


@dataclass(frozen=True)
class LogLine:
    """One request in nginx's access log (deploy/nginx.conf's `explorer` format)."""

    request: str
    status: int
    upstream: str
    affinity: str


def access_log(workdir: Path) -> list[LogLine]:
    """The requests nginx has logged so far (a websocket is logged when it closes)."""
    path = workdir / "access.log"
    lines = path.read_text().splitlines() if path.exists() else []
    found = [LOG_LINE.search(line) for line in lines]
    return [LogLine(m["request"], int(m["status"]), m["upstream"], m["affinity"]) for m in found if m]


def established(port: int) -> int:
    """Open TCP connections into the server listening on loopback `port`: evidence from the replica's own
    sockets, not from nginx's say-so."""
    return sum(
        1
        for conn in psutil.net_connections("tcp4")
        if conn.status == psutil.CONN_ESTABLISHED and conn.laddr and conn.laddr.port == port
    )


@contextlib.contextmanager
def running_dask(workdir: Path) -> Iterator[str]:
    """`dask scheduler` and one `dask worker` (one thread) on 127.0.0.1, as docker-compose.yml runs them;
    yields the scheduler's address at once (they start while the replicas do: `wait_for_workers`)."""
    address = f"tcp://127.0.0.1:{_free_port()}"
    # As docker-compose.yml's PYTHONPATH=/app: the worker imports the sweep's functions from the checkout.
    env = {**os.environ, "PYTHONPATH": str(ROOT), "OMP_NUM_THREADS": "1"}
    port = address.rsplit(":", 1)[1]
    commands = {
        "scheduler": [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", port, "--no-dashboard"],
        "worker": [str(DASK), "worker", address, "--nthreads", "1", "--no-dashboard",
                   "--preload", "explorer.sweeps.sweep",
                   "--host", "127.0.0.1", "--local-directory", str(workdir / "dask-worker")],
    }  # fmt: skip
    processes: list[subprocess.Popen] = []
    try:
        for name, command in commands.items():
            with (workdir / f"dask-{name}.log").open("wb") as sink:
                processes.append(subprocess.Popen(command, cwd=ROOT, env=env, stdout=sink, stderr=subprocess.STDOUT))
        yield address
    finally:
        for process in reversed(processes):  # the worker first: it would retry a gone scheduler
            stop(process, timeout=10)


def wait_for_workers(address: str, workdir: Path, seconds: float = 60) -> None:
    """Return once a worker has joined the scheduler at `address`; fail with the Dask logs if none does."""
    from distributed import Client

    deadline = time.monotonic() + seconds
    while True:
        try:
            with Client(address, timeout=5, set_as_default=False) as client:
                client.wait_for_workers(1, timeout=max(1.0, deadline - time.monotonic()))
            return
        except (OSError, TimeoutError) as err:
            if time.monotonic() > deadline:
                logs = "\n".join(log.read_text()[-1500:] for log in sorted(workdir.glob("dask-*.log")))
                pytest.fail(f"no Dask worker joined {address} in {seconds:.0f} s ({err}):\n{logs}")
            time.sleep(0.5)


def cluster_counts(address: str, prefix: str) -> tuple[int, int]:
    """(tasks named `prefix` the scheduler has seen finish, tasks the cluster's workers have executed):
    read from the scheduler and the worker processes themselves, so a sweep run anywhere else adds nothing."""
    from distributed import Client, Scheduler, Worker

    def finished(dask_scheduler: Scheduler) -> int:  # Dask passes its Scheduler by this parameter's name
        task_prefix = dask_scheduler.task_prefixes.get(prefix)
        return 0 if task_prefix is None else int(task_prefix.state_counts.get("memory", 0))

    def executed(dask_worker: Worker) -> int:
        return dask_worker.state.executed_count

    with Client(address, timeout=5, set_as_default=False) as client:
        return client.run_on_scheduler(finished), sum(client.run(executed).values())
