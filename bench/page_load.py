"""A fresh server's first Train page and first Play, and what a later Train page load costs the server.

Starts `streamlit run app.py` as `make run` does (training processes on), waits for /_stcore/health, then
in headless Chromium: (1) the landing page (Learn), a few seconds of reading, then Train, (2) Play until the
epoch counter shows an epoch, and (3) reloads of Train, each measured in the server process's CPU seconds
(psutil) and the browser's time to draw the page. The reference, measured in the same run, is the Learn
page's load: a ratio reads "a Train page load costs this many Learn page loads".

Goals (issue 22): a Train page load ≤ 0.4 s of server CPU; the first Play shows an epoch within 1 s; with
`--direct` (a shared /train link is the fresh server's first page) Train is drawn within 3 s of the health check.

    python -m bench.page_load [--reloads 5] [--reading 5] [--direct]
"""

from __future__ import annotations

import argparse
import math
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import psutil

from tests.support.browser import CHROMIUM, CHROMIUM_ARGS, _free_port, wait_for_http

ROOT = Path(__file__).resolve().parents[1]
EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"
GOAL_CPU_S, GOAL_PLAY_S, GOAL_DRAW_S = 0.4, 1.0, 3.0


def _cpu(process: psutil.Process) -> float:
    """CPU seconds of the server and its children (the training processes do not count: they train)."""
    times = process.cpu_times()
    return times.user + times.system


def _load(page, url: str, ready: str, process: psutil.Process) -> tuple[float, float]:
    """(browser seconds until `ready` is drawn, server CPU seconds) for one page load, after it settles."""
    before, start = _cpu(process), time.monotonic()
    page.goto(url)
    page.locator(ready).first.wait_for()
    drawn = time.monotonic() - start
    page.wait_for_function("() => !document.querySelector('[data-stale=true]')")
    page.wait_for_timeout(500)
    return drawn, _cpu(process) - before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reloads", type=int, default=5)
    parser.add_argument("--reading", type=float, default=5.0, help="seconds on Learn before opening Train")
    parser.add_argument("--direct", action="store_true", help="open Train first, as a shared /train link does")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "EXPLORER_TRAINING_WORKERS"}
    command = [
        sys.executable, "-m", "ui.serve", "--server.port", str(port), "--server.headless", "true",
        "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
    ]  # fmt: skip
    server = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        with sync_playwright() as playwright:  # the browser is up before the server is: its start is not timed
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.set_default_timeout(90_000)
            health_url = f"{url}/_stcore/health"
            wait_for_http(health_url, "streamlit", 180, dead=lambda: server.poll() is not None, logs=str, pause=0.05)
            health = time.monotonic()
            process = psutil.Process(server.pid)
            if args.direct:
                learn_first = math.nan
                train_first, _ = _load(page, f"{url}/train", EPOCH, process)
                train_first = time.monotonic() - health
            else:
                page.goto(url)
                page.get_by_role("heading", name="Learn: why normalise").wait_for()
                learn_first = time.monotonic() - health
                page.wait_for_timeout(args.reading * 1000)
                train_first, _ = _load(page, f"{url}/train", EPOCH, process)
            start = time.monotonic()
            page.get_by_role("button", name="Play", exact=True).click()
            page.wait_for_function(f"() => parseInt(document.querySelector('{EPOCH}').innerText) > 0")
            first_epoch = time.monotonic() - start
            page.get_by_role("button", name="Pause", exact=True).click()
            trains = [_load(page, f"{url}/train", EPOCH, process) for _ in range(args.reloads)]
            learns = [_load(page, url, "h1", process) for _ in range(args.reloads)]
            browser.close()
    finally:
        server.kill()
    train_cpu = statistics.median(cpu for _, cpu in trains)
    learn_cpu = statistics.median(cpu for _, cpu in learns)
    if args.direct:
        print(f"fresh server, a /train link first: Train drawn {train_first:.1f} s after /_stcore/health "
              f"(goal ≤ {GOAL_DRAW_S:g} s: {'met' if train_first <= GOAL_DRAW_S else 'missed'})")  # fmt: skip
    else:
        print(f"fresh server: Learn drawn {learn_first:.1f} s after /_stcore/health; Train drawn {train_first:.1f} s "
              f"after opening it ({args.reading:g} s on Learn first)")  # fmt: skip
    print(f"first epoch {first_epoch:.2f} s after Play (goal ≤ {GOAL_PLAY_S:g} s: "
          f"{'met' if first_epoch <= GOAL_PLAY_S else 'missed'})")  # fmt: skip
    print(f"page loads, median of {args.reloads}   | browser draw s | server CPU s | × Learn (reference)")
    print(f"Learn (reference)                | {statistics.median(d for d, _ in learns):14.2f} | "
          f"{learn_cpu:12.2f} | 1.00×")  # fmt: skip
    print(f"Train                            | {statistics.median(d for d, _ in trains):14.2f} | "
          f"{train_cpu:12.2f} | {train_cpu / max(learn_cpu, 1e-9):.2f}×")  # fmt: skip
    print(f"goal: a Train page load ≤ {GOAL_CPU_S:g} s of server CPU: {'met' if train_cpu <= GOAL_CPU_S else 'missed'}")


if __name__ == "__main__":
    main()
