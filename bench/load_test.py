"""Many learners on one server (`python -m ui.serve`, as `make run`) on loopback, N sessions all training at once on the
Train page, measured from the clients' side. Printed as a table with the goals.

Clients: `websocket` (default) speaks Streamlit's websocket protocol and draws nothing (tests/support/ws_client.py),
so the server gets the cores; `chromium` drives headless Chromium contexts, which render every redraw.

Per session: epochs per second while playing; click-to-redraw (a change of Epochs, which applies to the
running training without a restart, until the session sees the new total); the interval between two
visible updates of its epoch counter. For the server: the resident memory of its whole process tree.
Goals, on 2 cores: websocket, N = 8 and N = 30: every session progresses, p95 click-to-redraw ≤ 1 s, p95 update
interval ≤ 1 s (and for N = 30 server RSS < 2 GB); chromium, N = 8: every session progresses, p95
click-to-redraw ≤ 1.5 s. The intervals are also given for the window's second half: all sessions press Play
in the same second, and the server's first seconds go to those whole-page reruns.

A module, run from the checkout's root (it serves the checkout's app.py and borrows the tests' clients,
tests/support), with the project installed (`make` does both: `make load-test`):

    python -m bench.load_test [--clients websocket|chromium] [--sessions 8] [--seconds 60] [--clicks 5]
                              [--screenshots DIR]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import itertools
import math
import os
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from playwright.async_api import CDPSession, Page

try:
    from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, running_app, watch_console_and_requests
    from tests.support.ws_client import StreamlitClient
    from ui.train.state import TICK_EVERY
except ModuleNotFoundError as err:  # run as a file, or from elsewhere: the checkout's root is not on sys.path
    if (err.name or "").split(".")[0] not in ("tests", "ui"):
        raise
    raise SystemExit(f"{err}; run it from the checkout's root: python -m bench.load_test") from None

EPOCHS = 4000  # far more than a minute trains: no run finishes, so every Epochs change applies to a live run
QUERY = f"n_samples=1000&epochs={EPOCHS}&hidden=32,32"
EPOCH_KEY = "train-epoch"  # the container of the "k / total" metric
EPOCH = f".st-key-{EPOCH_KEY} [data-testid=stMetricValue]"
REDRAW_TIMEOUT = 30.0  # seconds; a click not redrawn by then counts as never (inf)
WATCH_COUNTER = """sel => {
    window.__ticks = [];
    let last = null;
    const record = () => {
        const el = document.querySelector(sel);
        const text = el ? el.textContent : null;
        if (text !== last) { last = text; window.__ticks.push([performance.now(), text]); }
    };
    new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
    record();
}"""


@dataclass
class Session:
    """What one session saw in the measured window."""

    epochs: int  # trained in the window
    seconds: float
    clicks: list[float] = field(default_factory=list)  # click-to-redraw; inf: never redrawn
    intervals: list[float] = field(default_factory=list)  # between two updates of the counter, in the window
    longest_wait: float = 0.0  # the same, with the window's start and end as updates: a stall shows
    errors: list[str] = field(default_factory=list)
    tick_every: float | None = None  # Chromium: the counter's redraw interval the page asked for at the end
    renderer_busy: float | None = None  # Chromium: the share of the window its page's main thread worked
    late_intervals: list[float] = field(default_factory=list)  # the same, in the window's second half


def _epoch(text: str) -> int:
    return int(text.split("/")[0])


def _counter(ticks: list[tuple[float, str]], start: float, end: float) -> tuple[int, list[float], float, list[float]]:
    """Epochs trained, update intervals and the longest wait, from (time, text) changes of the counter (a
    moment without it, such as a full rerun that has not drawn it yet, is no update)."""
    ticks = [(t, text) for t, text in ticks if text and text.split("/")[0].strip().isdigit()]
    before = [text for t, text in ticks if t <= start]
    during = [text for t, text in ticks if t <= end]
    trained = _epoch(during[-1]) - _epoch(before[-1]) if before and during else 0
    times = [t for t, text in ticks if start < t <= end and text and not text.startswith("0 /")]
    intervals = [b - a for a, b in itertools.pairwise(times)]
    longest = max(b - a for a, b in itertools.pairwise([start, *times, end]))
    middle = (start + end) / 2
    late = [b - a for a, b in itertools.pairwise(times) if a >= middle]
    return trained, intervals, longest, late


class Sampler:
    """Every half second, in a thread: the server tree's resident memory (peak) and the CPU seconds of the
    server's main process, of its children (training processes) and of the clients (this process's other
    children and itself), per process, so processes that come and go during the run still count."""

    def __init__(self, server_pid: int) -> None:
        self.server = psutil.Process(server_pid)
        self.rss_peak = 0
        self._cpu: dict[int, tuple[int, float]] = {}  # pid -> (0 server, 1 its children, 2 clients; CPU seconds)
        self._lock = threading.Lock()  # sample() runs in the thread and, through cpu(), in the caller's
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def cpu(self) -> list[float]:
        """CPU seconds so far: server, its children, clients, everything else on the machine. The last is
        other work on a shared machine, which the goals (2 cores for the server and its clients) assume away."""
        self.sample()
        with self._lock:
            ours = [sum(seconds for role, seconds in self._cpu.values() if role == r) for r in range(3)]
        machine = psutil.cpu_times()
        busy = sum(machine) - machine.idle - getattr(machine, "iowait", 0.0) - getattr(machine, "guest", 0.0)
        return [*ours, busy - getattr(machine, "guest_nice", 0.0) - sum(ours)]

    def sample(self) -> None:
        server_tree = [self.server, *self._children(self.server)]
        me = psutil.Process()
        server_pids = {p.pid for p in server_tree}
        rss = 0
        for process in server_tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                rss += process.memory_info().rss
        cpu = {}
        for process in [*server_tree, me, *[p for p in self._children(me) if p.pid not in server_pids]]:
            role = 0 if process.pid == self.server.pid else 1 if process.pid in server_pids else 2
            with contextlib.suppress(psutil.NoSuchProcess):
                times = process.cpu_times()
                cpu[process.pid] = (role, times.user + times.system)
        with self._lock:
            self.rss_peak = max(self.rss_peak, rss)
            self._cpu.update(cpu)

    @staticmethod
    def _children(process: psutil.Process) -> list[psutil.Process]:
        with contextlib.suppress(psutil.NoSuchProcess):
            return process.children(recursive=True)
        return []

    def _loop(self) -> None:
        while not self._stop.wait(0.5):
            self.sample()


# ---- websocket clients -------------------------------------------------------------------------------
async def _load(url: str, connecting: asyncio.Semaphore) -> StreamlitClient:
    """A session on the Train page, loaded and ready to play."""
    async with connecting:
        client = StreamlitClient(url, page="train", query=QUERY)
        await client.connect()

        def ready() -> bool:
            play = client.widgets.get("train.play")
            return client.metrics.get(EPOCH_KEY) == f"0 / {EPOCHS}" and play is not None and not play.proto.disabled

        await client.wait_for(ready, timeout=120)
        return client


async def _clicks(client: StreamlitClient, index: int, started: float, args: argparse.Namespace) -> list[float]:
    """`args.clicks` Epochs changes, spread over the window and staggered between sessions."""
    gap = args.seconds / (args.clicks + 1)
    seconds: list[float] = []
    for round_ in range(args.clicks):
        due = started + gap * (round_ + 1) + gap * index / args.sessions
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        total = EPOCHS + 10 * (round_ + 1) + index
        sent = client.set_number("train.epochs", total)
        try:
            shown = await client.wait_for(
                lambda total=total: client.metrics.get(EPOCH_KEY, "").endswith(f"/ {total}"), REDRAW_TIMEOUT
            )
            seconds.append(shown - sent)
        except (TimeoutError, ConnectionError):
            seconds.append(math.inf)
    return seconds


async def _websocket_sessions(
    url: str, args: argparse.Namespace, sampler: Sampler
) -> tuple[list[Session], list[float]]:
    connecting = asyncio.Semaphore(4)  # the first runs of the page queue for the same cores anyway
    clients = await asyncio.gather(*[_load(url, connecting) for _ in range(args.sessions)])
    try:
        for client in clients:
            client.click("train.play")
        started = time.perf_counter()
        cpu_start = sampler.cpu()
        clicking = [asyncio.create_task(_clicks(c, i, started, args)) for i, c in enumerate(clients)]
        await asyncio.sleep(args.seconds)
        ended = time.perf_counter()
        cpu = [(b - a) / (ended - started) for a, b in zip(cpu_start, sampler.cpu(), strict=True)]
        clicks = await asyncio.gather(*clicking)
    finally:
        await asyncio.gather(*[c.close() for c in clients])
    sessions = []
    for client, seconds in zip(clients, clicks, strict=True):
        trained, intervals, longest, late = _counter(client.changes.get(EPOCH_KEY, []), started, ended)
        sessions.append(
            Session(trained, ended - started, seconds, intervals, longest, client.errors, late_intervals=late)
        )
    return sessions, cpu


# ---- Chromium ----------------------------------------------------------------------------------------
async def _chromium_clicks(page: Page, index: int, started: float, args: argparse.Namespace) -> list[float]:
    """As `_clicks`, in a browser: type a new Epochs total; seconds until the page shows it. A page too busy
    to take the key press within REDRAW_TIMEOUT counts as never redrawn, and the run goes on."""
    from playwright.async_api import TimeoutError as PlaywrightTimeout

    gap = args.seconds / (args.clicks + 1)
    box = page.locator(".st-key-train-epochs input")
    seconds: list[float] = []
    for round_ in range(args.clicks):
        due = started + gap * (round_ + 1) + gap * index / args.sessions
        await asyncio.sleep(max(0.0, due - time.perf_counter()))
        total = EPOCHS + 10 * (round_ + 1) + index
        try:
            await box.fill(str(total), timeout=REDRAW_TIMEOUT * 1000)
            sent = time.perf_counter()
            await box.press("Enter", timeout=REDRAW_TIMEOUT * 1000)
            left = max(0.001, REDRAW_TIMEOUT - (time.perf_counter() - sent))
            await page.locator(EPOCH).filter(has_text=f"/ {total}").wait_for(timeout=left * 1000)
            seconds.append(time.perf_counter() - sent)
        except PlaywrightTimeout:
            seconds.append(math.inf)
    return seconds


async def _chromium_sessions(url: str, args: argparse.Namespace, sampler: Sampler) -> tuple[list[Session], list[float]]:
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        browser = await playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        pages, renderers, errors = [], [], []
        for _ in range(args.sessions):  # one at a time: the first runs of the page queue for the same cores anyway
            context = await browser.new_context(viewport={"width": 1400, "height": 1000})
            page = await context.new_page()
            errors.append(_watch_errors(page))
            await page.goto(f"{url}/train?{QUERY}")
            await page.locator(EPOCH).filter(has_text=f"0 / {EPOCHS}").wait_for(timeout=120_000)
            await page.evaluate(WATCH_COUNTER, EPOCH)
            cdp = await context.new_cdp_session(page)
            await cdp.send("Performance.enable")
            pages.append(page)
            renderers.append(cdp)
            print(f"session {len(pages)} of {args.sessions} loaded", file=sys.stderr, flush=True)
        for page in pages:
            await page.get_by_role("button", name="Play", exact=True).click()
        starts = [await page.evaluate("() => performance.now()") / 1000 for page in pages]
        busy_before = [await _main_thread_seconds(cdp) for cdp in renderers]
        started = time.perf_counter()
        cpu_start = sampler.cpu()
        clicking = [asyncio.create_task(_chromium_clicks(p, i, started, args)) for i, p in enumerate(pages)]
        await asyncio.sleep(args.seconds)
        elapsed = time.perf_counter() - started
        cpu = [(b - a) / elapsed for a, b in zip(cpu_start, sampler.cpu(), strict=True)]
        ends = [await page.evaluate("() => performance.now()") / 1000 for page in pages]
        busy = [(await _main_thread_seconds(cdp) - b) / elapsed for cdp, b in zip(renderers, busy_before, strict=True)]
        clicks = await asyncio.gather(*clicking)
        sessions = []
        for page, start, end, seconds, worked, said in zip(pages, starts, ends, clicks, busy, errors, strict=True):
            ticks = [(t / 1000, text or "") for t, text in await page.evaluate("() => window.__ticks")]
            trained, intervals, longest, late = _counter(ticks, start, end)
            session = Session(trained, end - start, seconds, intervals, longest, said, renderer_busy=worked)
            session.late_intervals = late
            session.tick_every = await _tick_every(page)
            if args.screenshots is not None:  # how each page looked at the end, e.g. one that stopped redrawing
                await page.screenshot(path=args.screenshots / f"session-{len(sessions) + 1}.png", full_page=True)
            sessions.append(session)
        await browser.close()
    return sessions, cpu


def _watch_errors(page: Page) -> list[str]:
    """What goes wrong in the page, as the browser tests see it (console errors, uncaught exceptions, a
    request off this machine), and a renderer crash."""
    errors = watch_console_and_requests(page)  # type: ignore[arg-type]  # the async Page takes the same handlers
    page.on("crash", lambda _: errors.append("the page's renderer crashed"))
    return errors


async def _main_thread_seconds(cdp: CDPSession) -> float:
    """Seconds the page's renderer main thread has worked (Chrome's TaskDuration)."""
    metrics = (await cdp.send("Performance.getMetrics"))["metrics"]
    return next(m["value"] for m in metrics if m["name"] == "TaskDuration")


async def _tick_every(page: Page) -> float:
    """The counter's redraw interval the page asks for now: its pace caption's, else the fastest."""
    captions = await page.get_by_text("Redrawing every").all_inner_texts()
    return float(captions[0].split()[2]) if captions else TICK_EVERY


# ---- the table ---------------------------------------------------------------------------------------
def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


@dataclass(frozen=True)
class Goals:
    """The issue's goals for a kind of client and a number of sessions, on 2 cores (None: no goal)."""

    name: str
    click_p95: float | None = None
    interval_p95: float | None = None
    rss_gb: float | None = None


def goals(clients: str, sessions: int) -> Goals:
    if clients == "chromium":
        return Goals("8 Chromium sessions", click_p95=1.5)
    if sessions <= 8:
        return Goals("8 websocket sessions", click_p95=1.0, interval_p95=1.0)
    return Goals("30 websocket sessions", click_p95=1.0, interval_p95=1.0, rss_gb=2.0)  # issue 22


def _second_half(sessions: list[Session]) -> str:
    late = [i for s in sessions for i in s.late_intervals]
    return f"{_percentile(late, 0.5):.2f} / {_percentile(late, 0.95):.2f}" if late else "-"


def report(clients: str, sessions: list[Session], rss_peak: int, cpu: list[float]) -> bool:
    """Print the table; True when every goal for this kind and number of clients is met."""
    goal = goals(clients, len(sessions))
    rates = [s.epochs / s.seconds for s in sessions]
    clicks = [c for s in sessions for c in s.clicks]
    intervals = [i for s in sessions for i in s.intervals]
    click_p95, interval_p95, rss_gb = _percentile(clicks, 0.95), _percentile(intervals, 0.95), rss_peak / 1e9
    progressed = sum(r > 0 for r in rates)
    click_text = f"{_percentile(clicks, 0.5):.2f} / {click_p95:.2f}"
    interval_text = f"{_percentile(intervals, 0.5):.2f} / {interval_p95:.2f}"
    rows: list[tuple[str, str, str, bool | None]] = [
        ("sessions that progressed", f"{progressed} / {len(sessions)}", "all", progressed == len(sessions)),
        ("epochs/s per session: min / median", f"{min(rates):.2f} / {statistics.median(rates):.2f}", "", None),
        ("click-to-redraw p50 / p95 (s)", click_text, *_limit(click_p95, goal.click_p95, "≤")),
        ("click-to-redraw p95 by round, first to last (s)", _by_round(sessions), "", None),
        ("clicks never redrawn (in 30 s)", f"{sum(math.isinf(c) for c in clicks)} / {len(clicks)}", "", None),
        ("epoch-counter update interval p50 / p95 (s)", interval_text, *_limit(interval_p95, goal.interval_p95, "≤")),
        ("... in the window's second half, p50 / p95 (s)", _second_half(sessions), "", None),
        ("longest wait for a counter update (s)", f"{max(s.longest_wait for s in sessions):.2f}", "", None),
        ("server RSS, whole process tree, peak (GB)", f"{rss_gb:.2f}", *_limit(rss_gb, goal.rss_gb, "<")),
        ("CPU cores busy: server / its children / clients / rest", " / ".join(f"{c:.2f}" for c in cpu), "", None),
        ("sessions with errors", f"{sum(bool(s.errors) for s in sessions)}", "", None),
    ]
    if clients == "chromium":
        asked = sorted(s.tick_every for s in sessions)
        busy = [s.renderer_busy for s in sessions]
        rows += [
            ("counter interval each page asked for at the end (s)", " ".join(f"{a:g}" for a in asked), "", None),
            ("page main thread busy, share of the window: median / max", f"{statistics.median(busy):.2f} / "
             f"{max(busy):.2f}", "", None),
        ]  # fmt: skip
    elapsed = statistics.median(s.seconds for s in sessions)
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(
        f"{len(sessions)} {clients} sessions training at once for {elapsed:.0f} s, one server (loopback, {cores} cores)"
    )
    print(f"{'measure':<56}{'value':>26}  {'goal':<8}verdict")
    for name, value, limit, ok in rows:
        print(f"{name:<56}{value:>26}  {limit:<8}{'' if ok is None else 'met' if ok else 'MISSED'}")
    for index, session in enumerate(sessions, 1):
        for error in session.errors[:3]:
            print(f"  session {index}: {error[:400]}")
    if cpu[-1] > 0.2:
        print(f"warning: other processes kept {cpu[-1]:.2f} cores busy during the run; the goals assume the cores")
        print("are the server's and its clients' (and any process the server runs at a lower priority loses to them)")
    met = all(ok is not False for *_, ok in rows)
    print(f"goals for {goal.name} on 2 cores: {'met' if met else 'missed'}")
    return met


def _by_round(sessions: list[Session]) -> str:
    """Each round of clicks' p95 (every session clicks once a round, staggered): the first rounds fall in
    the seconds after every page pressed Play at once, before each page's pace has settled."""
    rounds = zip(*(s.clicks for s in sessions), strict=True)
    return " / ".join(f"{_percentile(list(r), 0.95):.1f}" for r in rounds)


def _limit(value: float, limit: float | None, relation: str) -> tuple[str, bool | None]:
    if limit is None:
        return "", None
    return f"{relation} {limit:g}", value <= limit if relation == "≤" else value < limit


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.load_test", description=__doc__.splitlines()[0])
    parser.add_argument("--clients", choices=["websocket", "chromium"], default="websocket")
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clicks", type=int, default=5, help="Epochs changes per session during the run")
    parser.add_argument("--screenshots", type=Path, help="chromium: save each page as it looked at the end here")
    args = parser.parse_args()
    if args.screenshots is not None:
        args.screenshots.mkdir(parents=True, exist_ok=True)
    # The server computes no Learn evidence in the background here: that process runs once after a start (about a
    # minute, then it exits), and the goals are about sessions training, not about a server's first minute.
    with running_app(env={"EXPLORER_EVIDENCE_BACKGROUND": "0"}) as url:
        server_pid = next(
            p.pid
            for p in psutil.Process().children()
            if "ui.serve" in p.cmdline()  # the server, as `make run`
        )
        with Sampler(server_pid) as sampler:
            if args.clients == "websocket":
                sessions, cpu = asyncio.run(_websocket_sessions(url, args, sampler))
            else:
                sessions, cpu = asyncio.run(_chromium_sessions(url, args, sampler))
            rss_peak = sampler.rss_peak
    report(args.clients, sessions, rss_peak, cpu)


if __name__ == "__main__":
    main()
