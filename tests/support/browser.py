"""Shared by the browser tests: the app served as `make run` serves it, on a free port, and Debian's Chromium.

Playwright drives /usr/bin/chromium (its own browser download does not work here). Waits are generous
and nothing is timed: speed is for bench/.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import ConsoleMessage, Page, Request, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WAIT_MS = 60_000
# A run that cannot finish while a test watches it: a training process trains 300 rows in batches of 32 at
# ~200 epochs/s, so a 2000-epoch run ended before a loaded browser had shown its first epochs, and Pause
# was never there to click. 1000 rows in batches of 4 take ~5 minutes of a core for 5000 epochs.
LONG_RUN = "n_samples=1000&batch_size=4&epochs=5000&hidden=16,16"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def running_app(port: int | None = None, env: dict[str, str] | None = None) -> Iterator[str]:
    """A fresh server for app.py, started as `make run` does (`python -m ui.serve`); yields its base URL once
    /_stcore/health answers (the pages' code imported and the training processes warm). `port`: a given one
    (a replica restarted where nginx expects it); `env`: variables set for this server alone."""
    port = port or _free_port()
    command = [
        sys.executable, "-m", "ui.serve", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    environment = {k: v for k, v in os.environ.items() if k != "EXPLORER_TRAINING_WORKERS"}  # default: processes
    environment.update(env or {})
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=environment)
    try:
        wait_for_http(
            f"http://127.0.0.1:{port}/_stcore/health", "streamlit", 90,
            dead=lambda: server.poll() is not None, logs=lambda: server.stderr.read().decode()[-2000:],
        )  # fmt: skip
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(server, timeout=10)


def wait_for_http(
    url: str, what: str, seconds: float, *, dead: Callable[[], bool], logs: Callable[[], str], pause: float = 0.3
) -> None:
    """Return once `url` answers 200. Fail the test, with `logs()`, as soon as `dead()` says the server
    stopped (so a crash shows at once, not after the wait) or after `seconds`."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2) as reply:
                if reply.status == 200:
                    return
        except OSError:
            pass
        if dead():
            pytest.fail(f"{what} exited before answering {url}:\n{logs()}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not answer {url} in {seconds:.0f} s:\n{logs()}")
        time.sleep(pause)


def stop(process: subprocess.Popen, timeout: float) -> None:
    """Ask a child process to end; kill it if it has not within `timeout` seconds."""
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextlib.contextmanager
def chromium_page() -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.fail("the browser tests need Debian's chromium: run `make chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        try:
            yield page
        finally:
            browser.close()


LOCAL_HOSTS = ("127.0.0.1", "localhost")
# Streamlit's frontend, opened on a page URL (/train), first probes /train/_stcore/health and
# /train/_stcore/host-config (404) before the app root's: streamlit/streamlit#7074, open upstream.
# Only that exact probe is let through; every other console error fails the test.
STREAMLIT_PAGE_PROBE = re.compile(r"status of 404 .*\(https?://[^/]+/[a-z_]+/_stcore/(health|host-config)\)$")


def watch_console_and_requests(page: Page, allow: tuple[str, ...] = ()) -> list[str]:
    """Opt-in: a list that fills with the page's console errors, uncaught errors and any request to a host
    other than this machine (the app must work offline and leak nothing); assert it stays empty.

    `allow`: URL prefixes of known, reported problems to leave out (requests to them and the console errors
    their loading causes), so a test stays strict about everything else.
    """
    problems: list[str] = []

    def allowed(url: str) -> bool:
        return any(url.startswith(prefix) for prefix in allow)

    def console(message: ConsoleMessage) -> None:
        url = message.location.get("url", "")
        text = f"console: {message.text} ({url})"
        if message.type == "error" and not allowed(url) and not STREAMLIT_PAGE_PROBE.search(text):
            problems.append(text)

    def request(req: Request) -> None:
        host = urlparse(req.url).hostname
        external = req.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS
        if external and not allowed(req.url):
            problems.append(f"request to {req.url}")

    page.on("console", console)
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    page.on("request", request)
    return problems


NAV_LINKS = "[data-testid=stSidebarNav] a"


def wait_until_drawn(page: Page) -> None:
    """Wait for the run in progress to finish drawing: no element left greyed out as stale, no status widget."""
    page.wait_for_function(
        "sel => !document.querySelector(sel + '[data-stale=true]')", arg="[data-testid=stElementContainer]"
    )
    page.wait_for_function("() => !document.querySelector('[data-testid=stStatusWidget]')")


def open_from_sidebar(page: Page, label: str, path: str) -> None:
    """Go to another page through the sidebar's navigation, as a user does.

    Clicked only once the present page has drawn and finished its run; a click that the frontend still
    drops (the URL does not change) is repeated, so that a test fails on what it checks, not on a lost click.
    """
    page.wait_for_selector("[data-testid=stMain] h1")
    wait_until_drawn(page)
    for _ in range(3):
        page.locator(NAV_LINKS, has_text=label).click()
        try:
            page.wait_for_url(f"**/{path}**", timeout=WAIT_MS // 3)
            return
        except PlaywrightTimeoutError:
            continue
    pytest.fail(f"three clicks on the sidebar's {label!r} did not open /{path}")
