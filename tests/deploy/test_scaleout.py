"""docker-compose.yml's scale-out, reproduced on loopback with real processes (tests/support/scaleout.py):
nginx running deploy/nginx.conf in front of two Streamlit replicas, a Dask scheduler with one worker, and one
PostgreSQL server (tests/support/postgres.py) holding both replicas' rooms.

What "keeps its session" means there, as Streamlit 1.67 behaves and as asserted below:
- every request of a browser goes to one replica (the affinity cookie; nginx's log and the replicas' own
  sockets agree), while different browsers spread over both;
- a dropped websocket reconnects to the same server session (the frontend sends its session id, and only
  the replica that holds it can resume it): training carries on where it was;
- a reload is a new server session on that same replica (the frontend keeps its session id in memory
  only), so the run starts over; the Config survives in the URL.
"""

from __future__ import annotations

import contextlib
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from playwright.sync_api import Page, WebSocket, WebSocketRoute
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

from explorer.rooms import open_store
from tests.support.browser import LONG_RUN, WAIT_MS, chromium_page, running_app, watch_console_and_requests
from tests.support.postgres import create_database, postgres_server, restart
from tests.support.scaleout import (
    AFFINITY_COOKIE,
    COMPOSE,
    NGINX_CONF,
    ROOT,
    UPSTREAM_SERVER,
    access_log,
    cluster_counts,
    established,
    require_nginx,
    running_dask,
    running_nginx,
    wait_for_workers,
)

EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"
STREAM = re.compile(r"/_stcore/stream$")
ADVANCED = "([sel, n]) => { const e = document.querySelector(sel); return e && parseInt(e.innerText) > n; }"
# The frontend's own note when its auto-rerun fires while the test has cut the websocket on purpose.
DISCONNECTED_RERUN = "Cannot send rerun backMessage when disconnected from server."
MB = 1024 * 1024


@dataclass(frozen=True)
class Topology:
    """The running stack: nginx's URL, the replicas' host:port, the scheduler, nginx's work dir, and the rooms'
    PostgreSQL (its server's URL and the replicas' database on it)."""

    url: str
    replicas: tuple[str, ...]
    scheduler: str
    workdir: Path
    postgres: str
    database: str
    replica_stacks: list[contextlib.ExitStack] = field(repr=False)

    def restart_replica(self, index: int) -> None:
        """Stop a replica and start a new server where nginx expects it, as a restarted container comes back."""
        self.replica_stacks[index].close()
        stack = contextlib.ExitStack()
        stack.enter_context(running_app(port=_port(self.replicas[index])))
        self.replica_stacks[index] = stack


@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    require_nginx()  # before starting anything else
    workdir = tmp_path_factory.mktemp("scaleout")
    with contextlib.ExitStack() as stack, pytest.MonkeyPatch.context() as env:
        scheduler = stack.enter_context(running_dask(workdir))  # joins while the replicas start
        env.setenv("EXPLORER_DASK_SCHEDULER", scheduler)  # as docker-compose.yml sets it for app1 and app2
        postgres = stack.enter_context(postgres_server())
        database = create_database(postgres, "rooms")
        env.setenv("EXPLORER_DATABASE_URL", database)  # as docker-compose.yml sets it for app1 and app2
        replica_stacks = [contextlib.ExitStack() for _ in range(2)]
        stack.callback(lambda: [replica.close() for replica in replica_stacks])
        replicas = tuple(r.enter_context(running_app()).removeprefix("http://") for r in replica_stacks)
        url = stack.enter_context(running_nginx(replicas, workdir))
        yield Topology(url, replicas, scheduler, workdir, postgres, database, replica_stacks)


def _port(replica: str) -> int:
    return int(replica.rsplit(":", 1)[1])


def _get(url: str, cookie: str | None = None, data: bytes | None = None) -> tuple[int, str]:
    """(status, nginx's affinity Set-Cookie or "") of one request through nginx, as a browser with `cookie`."""
    headers = {"Cookie": f"{AFFINITY_COOKIE}={cookie}"} if cookie else {}
    request = urllib.request.Request(url, data=data, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as reply:
            status, set_cookies = reply.status, reply.headers.get_all("Set-Cookie") or []
    except urllib.error.HTTPError as err:
        status, set_cookies = err.code, err.headers.get_all("Set-Cookie") or []
    ours = [value for value in set_cookies if value.startswith(f"{AFFINITY_COOKIE}=")]  # Streamlit sets its own
    assert len(ours) <= 1
    return status, "".join(ours)


def _upstreams(workdir: Path, affinity: str, requests: int = 1) -> set[str]:
    """The replicas nginx sent this browser's requests to, once at least `requests` of them are logged
    (nginx writes a line after the response has gone out: a client can be faster)."""
    deadline = time.monotonic() + 10
    while True:
        lines = [line for line in access_log(workdir) if line.affinity == affinity]
        if len(lines) >= requests or time.monotonic() > deadline:
            return {line.upstream for line in lines}
        time.sleep(0.05)


# ---- the files themselves ------------------------------------------------------------------------
def test_compose_runs_two_replicas_behind_nginx_and_a_dask_cluster_from_one_image() -> None:
    compose = yaml.safe_load(COMPOSE.read_text())
    services = compose["services"]
    apps = sorted(name for name in services if re.fullmatch(r"app\d+", name))
    assert len(apps) >= 2
    for name in [*apps, "scheduler", "worker"]:
        assert services[name]["build"]["context"] == "."  # the Dockerfile, with its two build arguments
        assert set(services[name]["build"]["args"]) == {"BASE_IMAGE", "TORCH_INDEX_URL"}
        assert services[name]["image"] == services["app1"]["image"]
    for name in apps:
        assert services[name]["environment"]["EXPLORER_DASK_SCHEDULER"] == "tcp://scheduler:8786"
        # one PostgreSQL for every replica: a room works whichever replica a learner lands on
        database = services[name]["environment"]["EXPLORER_DATABASE_URL"]
        assert re.fullmatch(r"postgresql://explorer:\$\{POSTGRES_PASSWORD:-explorer\}@postgres:5432/explorer", database)
        assert services[name]["depends_on"]["postgres"] == {"condition": "service_healthy"}
    postgres = services["postgres"]
    assert postgres["image"].endswith("postgres:16}") and "build" not in postgres
    volume, mount = postgres["volumes"][0].split(":")[:2]
    assert mount == "/var/lib/postgresql/data" and volume in compose["volumes"]  # a named volume: runs outlive it
    assert "pg_isready" in postgres["healthcheck"]["test"] and "ports" not in postgres  # only the replicas reach it
    assert services["scheduler"]["command"][:2] == ["dask", "scheduler"] and "8786" in services["scheduler"]["command"]
    assert services["worker"]["command"][:3] == ["dask", "worker", "tcp://scheduler:8786"]
    assert "explorer.sweeps.sweep" in services["worker"]["command"]  # --preload: torch and the sweep code, at start
    for name in ("scheduler", "worker"):  # `dask` does not put the working dir on sys.path: explorer must import
        assert services[name]["environment"]["PYTHONPATH"] == "/app"
    nginx = services["nginx"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert set(nginx["depends_on"]) == set(apps)
    # nginx's upstream lists exactly the compose app services, on the port the Dockerfile serves.
    conf = NGINX_CONF.read_text()
    named = sorted(re.search(r"server (app\d+):", m.group(0))[1] for m in UPSTREAM_SERVER.finditer(conf))
    assert named == apps


def test_nginx_conf_is_sticky_upgrades_websockets_and_allows_streamlits_uploads() -> None:
    conf = NGINX_CONF.read_text()
    assert re.search(r"hash \$explorer_affinity consistent;", conf)
    assert re.search(rf"map \$cookie_{AFFINITY_COOKIE} \$explorer_affinity ", conf)
    assert "proxy_set_header Upgrade $http_upgrade;" in conf
    assert "proxy_set_header Connection $connection_upgrade;" in conf
    for directive in ("proxy_read_timeout", "proxy_send_timeout"):
        value = re.search(rf"{directive} (\d+)([smh]);", conf)
        assert value and int(value[1]) * {"s": 1, "m": 60, "h": 3600}[value[2]] >= 3600, directive
    upload_mb = int(re.search(r"maxUploadSize = (\d+)", (ROOT / ".streamlit" / "config.toml").read_text())[1])
    body_mb = int(re.search(r"client_max_body_size (\d+)m;", conf)[1])
    assert upload_mb <= body_mb <= upload_mb + 2  # room for the multipart envelope, no more


# ---- nginx in front of real replicas ---------------------------------------------------------------
@pytest.mark.scaleout
def test_each_browser_sticks_to_one_replica_and_browsers_spread_over_both(topology: Topology) -> None:
    status, set_cookie = _get(f"{topology.url}/_stcore/health")
    assert status == 200
    handed_out = re.fullmatch(rf"{AFFINITY_COOKIE}=([0-9a-f]{{32}}); Path=/; HttpOnly; SameSite=Lax", set_cookie)
    assert handed_out, set_cookie
    # That first, cookie-less request was routed on the very id it handed out: the browser stays there.
    assert len(_upstreams(topology.workdir, handed_out[1])) == 1

    browsers = [f"browser{i}" for i in range(12)]
    for _ in range(3):
        for cookie in browsers:
            assert _get(f"{topology.url}/_stcore/health", cookie) == (200, "")  # no new cookie once it has one
    for cookie in browsers:
        assert len(_upstreams(topology.workdir, cookie, requests=3)) == 1, cookie  # three requests, one replica
    used = set().union(*(_upstreams(topology.workdir, cookie) for cookie in browsers))
    assert used == set(topology.replicas)  # consistent hashing spreads browsers over every replica


@pytest.mark.scaleout
def test_nginx_passes_an_upload_of_streamlits_limit_and_refuses_more(topology: Topology) -> None:
    # Only nginx answers 413 (it checks Content-Length first). A body it lets through reaches the replica,
    # which takes no POST there: 405, or 502 when it hangs up before reading all of it.
    assert _get(f"{topology.url}/_stcore/health", "uploader", b"x" * (20 * MB + 4096))[0] in (405, 502)
    assert _get(f"{topology.url}/_stcore/health", "uploader", b"x" * (22 * MB))[0] == 413


@dataclass
class Sockets:
    """The page's websockets to /_stcore/stream: Streamlit's session id seen on each, and the routes that
    let the test cut the live one."""

    session_ids: list[list[str]]
    routes: list[WebSocketRoute]

    def watch(self, page: Page) -> None:
        page.route_web_socket(STREAM, self._route)
        page.on("websocket", self._opened)

    def _route(self, route: WebSocketRoute) -> None:
        route.connect_to_server()  # a transparent pass-through until the test closes it
        self.routes.append(route)

    def _opened(self, socket: WebSocket) -> None:
        if not STREAM.search(socket.url):
            return
        ids: list[str] = []
        self.session_ids.append(ids)

        def received(payload: str | bytes) -> None:
            if isinstance(payload, bytes):
                message = ForwardMsg()
                message.ParseFromString(payload)
                if message.WhichOneof("type") == "new_session":
                    ids.append(message.new_session.initialize.session_id)

        socket.on("framereceived", received)

    def session(self, page: Page, index: int) -> str:
        """The server session that connection `index` talks to (waits for its first NewSession)."""
        deadline = time.monotonic() + WAIT_MS / 1000
        while len(self.session_ids) <= index or not self.session_ids[index]:
            assert time.monotonic() < deadline, f"no session on websocket {index}"
            page.wait_for_timeout(100)  # Playwright delivers the frames while it waits, not during time.sleep
        assert len(set(self.session_ids[index])) == 1  # one connection, one session
        return self.session_ids[index][0]


def _epoch(page: Page) -> int:
    return int(page.locator(EPOCH).inner_text().split("/")[0])


@pytest.mark.browser
@pytest.mark.scaleout
def test_a_browser_through_nginx_trains_keeps_its_replica_and_session_and_sweeps_on_dask(
    topology: Topology,
) -> None:
    sockets = Sockets([], [])
    # conftest's `page`, by hand: the same console and request checks, less the one note a deliberately
    # cut websocket causes (filtered at the end).
    with chromium_page() as page:
        problems = watch_console_and_requests(page)
        sockets.watch(page)

        # Train: a setting changed on the page (not in the link), then Play.
        page.goto(f"{topology.url}/train?{LONG_RUN}")
        page.wait_for_selector(EPOCH)
        cookie = next(c for c in page.context.cookies() if c["name"] == AFFINITY_COOKIE)
        assert cookie["httpOnly"]
        epochs = page.get_by_label("Epochs", exact=True)
        epochs.fill("4500")
        epochs.press("Enter")
        page.wait_for_url("**epochs=4500**")
        page.get_by_role("button", name="Play", exact=True).click()
        page.get_by_role("button", name="Pause", exact=True).wait_for()
        page.wait_for_function(ADVANCED, arg=[EPOCH, 0])
        page.wait_for_function(ADVANCED, arg=[EPOCH, _epoch(page)])  # tick after tick

        # One replica serves this browser: nginx says so, and only that replica holds a live connection.
        (chosen,) = _upstreams(topology.workdir, cookie["value"])
        (other,) = set(topology.replicas) - {chosen}
        assert established(_port(chosen)) >= 1 and established(_port(other)) == 0
        first_session = sockets.session(page, 0)

        # A dropped websocket: the frontend reconnects with its session id and, through the same replica,
        # gets the same server session back: the run goes on from where it was, still playing.
        before = _epoch(page)
        sockets.routes[-1].close()
        assert sockets.session(page, 1) == first_session
        page.wait_for_function(ADVANCED, arg=[EPOCH, before])
        assert page.get_by_role("button", name="Pause", exact=True).is_visible()

        # A reload: the frontend forgets its session id, so the same replica starts a new session; the
        # run starts over, and the Config comes back from the URL.
        page.get_by_role("button", name="Pause", exact=True).click()
        page.get_by_role("button", name="Play", exact=True).wait_for()
        page.reload()
        page.wait_for_selector(EPOCH)
        assert sockets.session(page, 2) != first_session
        page.wait_for_function("sel => document.querySelector(sel)?.innerText === '0 / 4500'", arg=EPOCH)
        assert page.get_by_label("Epochs", exact=True).input_value() == "4500" and "epochs=4500" in page.url
        assert next(c for c in page.context.cookies() if c["name"] == AFFINITY_COOKIE) == cookie

        # Compare: a small sweep, trained by the Dask worker, not by the replica.
        wait_for_workers(topology.scheduler, topology.workdir)
        done_before, executed_before = cluster_counts(topology.scheduler, "train_group")
        page.get_by_role("link", name="Compare").click()
        page.get_by_role("button", name="Run", exact=True).wait_for()
        sweep_epochs = page.get_by_label("Epochs", exact=True)
        sweep_epochs.fill("8")
        sweep_epochs.press("Enter")
        page.get_by_text("= 5 runs").wait_for()  # 1 configuration × 5 seeds
        page.get_by_role("button", name="Run", exact=True).click()
        page.get_by_text("Trained 5 runs").wait_for(timeout=WAIT_MS)
        done, executed = cluster_counts(topology.scheduler, "train_group")
        assert done > done_before, f"no sweep task finished on the cluster ({done_before} before, {done} after)"
        assert executed - executed_before >= done - done_before  # and the worker process ran them

        page.goto("about:blank")  # closes the last websocket, so nginx logs it too
        deadline = time.monotonic() + 10
        while sum(line.status == 101 for line in access_log(topology.workdir)) < 3 and time.monotonic() < deadline:
            page.wait_for_timeout(100)
    streams = [line for line in access_log(topology.workdir) if line.status == 101]
    assert len(streams) == 3 and {line.affinity for line in streams} == {cookie["value"]}
    assert _upstreams(topology.workdir, cookie["value"]) == {chosen}  # every request, all along
    unexpected = [p for p in problems if DISCONNECTED_RERUN not in p]
    assert not unexpected, "\n".join(unexpected)


# ---- one room, two replicas, one PostgreSQL ------------------------------------------------------------
RUNS_SHOWN = """n => [...document.querySelectorAll('[data-testid=stMetric]')].some(
    m => m.innerText.startsWith('Runs') && m.querySelector('[data-testid=stMetricValue]').innerText.trim() === n)"""


def _cookie_for_each_replica(topology: Topology) -> dict[str, str]:
    """replica → an affinity cookie that nginx routes to it."""
    found: dict[str, str] = {}
    for i in range(64):
        cookie = f"rooms{i:02d}"
        _get(f"{topology.url}/_stcore/health", cookie)
        found.setdefault(next(iter(_upstreams(topology.workdir, cookie))), cookie)
        if len(found) == len(topology.replicas):
            return found
    pytest.fail(f"64 cookies reached only {sorted(found)}")


@contextlib.contextmanager
def _browser_on(topology: Topology, cookie: str) -> Iterator[Page]:
    """A fresh Chromium that nginx sends to the replica of `cookie`; fails on console errors and outside requests."""
    with chromium_page() as page:
        problems = watch_console_and_requests(page)
        page.context.add_cookies([{"name": AFFINITY_COOKIE, "value": cookie, "url": topology.url}])
        yield page
        assert not problems, "\n".join(problems)


def _runs_on_board(topology: Topology, cookie: str, code: str, expected: int) -> None:
    with _browser_on(topology, cookie) as page:
        page.goto(f"{topology.url}/rooms?room={code}")
        page.wait_for_function(RUNS_SHOWN, arg=str(expected))


@pytest.mark.browser
@pytest.mark.scaleout
def test_a_room_gathers_runs_posted_through_both_replicas_and_survives_restarts(topology: Topology) -> None:
    store = open_store(topology.database)  # the test's own door to the replicas' database
    code = store.create_room("Two replicas, one room").room.code
    cookies = _cookie_for_each_replica(topology)
    for seed, (replica, cookie) in enumerate(sorted(cookies.items())):
        with _browser_on(topology, cookie) as page:
            page.goto(f"{topology.url}/train?room={code}&n_samples=200&epochs=3&hidden=8&seed={seed}")
            page.get_by_role("textbox", name="Nickname (optional)").fill(f"learner {seed}")
            page.get_by_role("button", name=f"Join room {code}").click()
            page.get_by_text("each run you finish here is posted to its board").wait_for()
            page.get_by_role("button", name="Play", exact=True).click()
            page.get_by_text(f"Posted your run to room {code}").wait_for()
        assert _upstreams(topology.workdir, cookie) == {replica}  # this learner's every request went there
    board = store.board(code)
    assert (board.members, board.posters, board.runs) == (2, 2, 2)
    assert {run.nickname for group in board.groups for run in group.runs} == {"learner 0", "learner 1"}
    for cookie in cookies.values():  # each replica's board shows both
        _runs_on_board(topology, cookie, code, 2)

    restart(topology.postgres)  # the database server goes down and comes back
    topology.restart_replica(0)  # and a replica
    for cookie in cookies.values():
        _runs_on_board(topology, cookie, code, 2)  # nothing posted was lost; the board is back on both
    store.close()
