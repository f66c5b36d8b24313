"""The Train page in real Chromium: Play trains live (counter and loss chart move), Pause stops both.

Starts `streamlit run app.py` on a free port and drives Debian's /usr/bin/chromium through Playwright
(its own browser download does not work here). Waits are generous and nothing is timed: speed is for bench/.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, sync_playwright

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"
LOSS_LINES = ".st-key-train-loss g.mark-line path"
WAIT_MS = 60_000

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    port = _free_port()
    command = [
        sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.address", "127.0.0.1",
        "--server.headless", "true", "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=os.environ)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as reply:
                    if reply.status == 200:
                        break
            except OSError:
                pass
            if server.poll() is not None:
                pytest.fail(f"streamlit exited: {server.stderr.read().decode()[-2000:]}")
            if time.monotonic() > deadline:
                pytest.fail("streamlit did not become healthy in 90 s")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture
def page(app_url: str) -> Iterator[Page]:
    if not Path(CHROMIUM).exists():
        pytest.skip("needs Debian's chromium: run `make chromium`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(WAIT_MS)
        yield page
        browser.close()


def _epoch(page: Page) -> int:
    return int(page.locator(EPOCH).inner_text().split("/")[0])


def _loss_lines(page: Page) -> list[str]:
    return page.eval_on_selector_all(LOSS_LINES, "paths => paths.map(p => p.getAttribute('d'))")


def _wait_until_both_move(page: Page, epoch: int, lines: list[str]) -> None:
    page.wait_for_function(
        """([epochSel, linesSel, epoch, lines]) => {
            const shown = document.querySelector(epochSel);
            const now = Array.from(document.querySelectorAll(linesSel)).map(p => p.getAttribute('d'));
            return shown && parseInt(shown.innerText) > epoch && now.length > 0
                && JSON.stringify(now) !== JSON.stringify(lines);
        }""",
        arg=[EPOCH, LOSS_LINES, epoch, lines],
        timeout=WAIT_MS,
    )


def test_play_trains_live_and_pause_stops_it(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/?n_samples=300&epochs=2000&hidden=16,16")
    page.wait_for_selector(EPOCH)
    assert _epoch(page) == 0

    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    _wait_until_both_move(page, 0, [])
    first_epoch, first_lines = _epoch(page), _loss_lines(page)
    _wait_until_both_move(page, first_epoch, first_lines)  # and it keeps going, tick after tick

    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    page.wait_for_function(
        "sel => !document.querySelector(sel + '[data-stale=true]')", arg="[data-testid=stElementContainer]"
    )
    paused_epoch, paused_lines = _epoch(page), _loss_lines(page)
    page.wait_for_timeout(2_000)  # paused: nothing may move, however long we look
    assert _epoch(page) == paused_epoch > first_epoch
    assert _loss_lines(page) == paused_lines
