"""The Train page's pace in real Chromium: a browser that draws its ticks late slows its own page down.

A browser short of CPU asks for each tick on time but draws the answers late, which the server cannot see;
the probe in the tick (`ui.train.browser_lag`) says so. Here the browser is told it once drew a tick 5 s sooner
than it does, so every tick looks late to it, by more than eight intervals: the page must drop to the
slowest pace at once, and go on training and redrawing. The idle page's own draws, before Play, already
give the probe its baseline.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.browser import LONG_RUN, WAIT_MS, watch_console_and_requests
from ui.train.pace import MAX_LEVEL
from ui.train.state import TICK_EVERY

EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"

pytestmark = pytest.mark.browser


def test_a_browser_that_draws_its_ticks_late_asks_for_fewer_redraws(page: Page, app_url: str) -> None:
    problems = watch_console_and_requests(page)
    page.goto(f"{app_url}/train?{LONG_RUN}")
    page.wait_for_selector(EPOCH)
    page.wait_for_function("() => (window.__explorerLag?.delays.length ?? 0) > 0", timeout=WAIT_MS)  # idle: a baseline
    idle = page.evaluate("() => window.__explorerLag.delays.length")
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(f"() => window.__explorerLag.delays.length > {idle}", timeout=WAIT_MS)  # a tick drawn
    assert page.get_by_text("Redrawing the numbers every").count() == 0  # on time: the page's own pace

    page.evaluate("() => window.__explorerLag.delays.push(-5)")  # as if a tick had been drawn 5 s sooner
    slowest = TICK_EVERY * 2**MAX_LEVEL
    page.get_by_text(f"Redrawing the numbers every {slowest:g} s and the charts every").wait_for(timeout=2 * WAIT_MS)
    trained = f"() => parseInt(document.querySelector({EPOCH!r})?.textContent ?? '0') > 0"
    page.wait_for_function(trained, timeout=2 * WAIT_MS)  # and it trains on, redrawn at the slow pace
    assert not problems
