"""Many learners on one server: a real `streamlit run` on loopback and N headless Chromium sessions, all
training at once on the Train page, measured from the browser's side. Printed as a table.

Per session: epochs per second while playing; click-to-redraw (a change of Epochs, which applies to the
running training without a restart, until the page shows the new total); the interval between two
visible updates of its epoch counter. For the server: the resident memory of its whole process tree.
Goals (2 cores, 8 Chromium sessions, the browsers taking about half the CPU): every session progresses and
p95 click-to-redraw ≤ 2 s.

    python bench/load_test.py [--sessions 8] [--seconds 60]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import psutil
from playwright.sync_api import Page, sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import contextlib
import itertools

from tests.browser_support import CHROMIUM, CHROMIUM_ARGS, running_app

EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"
WATCH_COUNTER = """sel => {
    window.__ticks = [];
    let last = null;
    const record = () => {
        const el = document.querySelector(sel);
        const text = el ? el.innerText : null;
        if (text !== last) { last = text; window.__ticks.push([performance.now(), text]); }
    };
    new MutationObserver(record).observe(document.body, {subtree: true, childList: true, characterData: true});
}"""


def _epoch(page: Page) -> int:
    return int(page.locator(EPOCH).inner_text().split("/")[0])


def _set_epochs(page: Page, epochs: int) -> float:
    """Type a new Epochs total; seconds until the page shows it (the server's redraw)."""
    box = page.locator(".st-key-train-epochs input")
    box.fill(str(epochs))
    start = time.perf_counter()
    box.press("Enter")
    page.locator(EPOCH).filter(has_text=f"/ {epochs}").wait_for(timeout=120_000)
    return time.perf_counter() - start


def _tree_rss(pid: int) -> int:
    process = psutil.Process(pid)
    total = process.memory_info().rss
    for child in process.children(recursive=True):
        with contextlib.suppress(psutil.NoSuchProcess):
            total += child.memory_info().rss
    return total


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--clicks", type=int, default=5, help="Epochs changes per session during the run")
    args = parser.parse_args()
    with running_app() as url, sync_playwright() as playwright:
        server_pid = next(
            p.pid for p in psutil.Process().children(recursive=True) if "streamlit" in " ".join(p.cmdline())
        )
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        pages = []
        for _ in range(args.sessions):
            page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            page.goto(f"{url}/train?n_samples=1000&epochs=4000&hidden=32,32")
            page.locator(EPOCH).filter(has_text="0 / 4000").wait_for(timeout=120_000)
            page.evaluate(WATCH_COUNTER, EPOCH)
            pages.append(page)
        for page in pages:
            page.get_by_role("button", name="Play", exact=True).click()
        start_epochs = [_epoch(p) for p in pages]
        started = time.perf_counter()
        clicks: list[float] = []
        rss_peak = 0
        gap = args.seconds / (args.clicks + 1)
        for round_ in range(args.clicks):  # Playwright's sync API is single-threaded: sessions take turns clicking
            deadline = started + gap * (round_ + 1)
            while time.perf_counter() < deadline:
                rss_peak = max(rss_peak, _tree_rss(server_pid))
                time.sleep(0.5)
            for i, page in enumerate(pages):
                seconds = _set_epochs(page, 4000 + 10 * (round_ + 1) + i)
                clicks.append(seconds)
        while time.perf_counter() < started + args.seconds:
            rss_peak = max(rss_peak, _tree_rss(server_pid))
            time.sleep(0.5)
        elapsed = time.perf_counter() - started
        rates = [(_epoch(p) - e0) / elapsed for p, e0 in zip(pages, start_epochs, strict=True)]
        intervals: list[float] = []
        for page in pages:
            ticks = page.evaluate("() => window.__ticks")
            times = [t for t, text in ticks if text and not text.startswith("0 /")]
            intervals += [(b - a) / 1000 for a, b in itertools.pairwise(times)]
        browser.close()
    print(f"{args.sessions} Chromium sessions training at once for {elapsed:.0f} s on one server (loopback)")
    print(f"{'measure':<44}{'value':>12}")
    print(f"{'sessions that progressed':<44}{sum(r > 0 for r in rates):>9} / {args.sessions}")
    print(f"{'epochs/s per session: min / median':<44}{min(rates):>6.2f} / {statistics.median(rates):.2f}")
    print(f"{'click-to-redraw p50 / p95 (s)':<44}{_percentile(clicks, 0.5):>6.2f} / {_percentile(clicks, 0.95):.2f}")
    print(f"{'epoch-counter update interval p95 (s)':<44}{_percentile(intervals, 0.95):>12.2f}")
    print(f"{'server RSS, whole process tree, peak (MB)':<44}{rss_peak / 2**20:>12.0f}")
    print("goal: every session progresses; p95 click-to-redraw ≤ 2 s (8 Chromium sessions on 2 cores)")


if __name__ == "__main__":
    main()
