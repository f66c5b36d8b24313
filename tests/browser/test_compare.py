"""The Compare page in real Chromium: a 2×2 sweep set up with the sidebar trains live and ends in curves, a
ranked table and a heatmap; no console errors, and nothing is fetched from another host."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.browser import WAIT_MS, watch_console_and_requests

LOSS_LINES = ".st-key-compare-loss g.mark-line path"
METRIC_LINES = ".st-key-compare-metric g.mark-line path"

pytestmark = pytest.mark.browser


def _drawn_lines(page: Page, selector: str) -> int:
    return page.eval_on_selector_all(
        selector, "paths => paths.filter(p => (p.getAttribute('d') || '').length > 8).length"
    )


def test_a_two_by_two_sweep_trains_live_and_ends_in_curves_and_a_table(page: Page, app_url: str) -> None:
    problems = watch_console_and_requests(page)
    page.goto(f"{app_url}/?n_samples=300&hidden=8,8")
    page.get_by_role("link", name="Compare").click()
    page.get_by_role("button", name="Run", exact=True).wait_for()

    # Scale vs shape is 3 skews × 2 scalers; keep two skews: a 2×2 grid.
    page.locator(".st-key-compare-preset input").click()
    page.keyboard.type("Scale vs shape")
    page.keyboard.press("Enter")
    skew = page.get_by_label("Values of skew", exact=True)
    page.wait_for_function(
        "sel => document.querySelector(sel)?.value.includes('lognormal')", arg="input[aria-label='Values of skew']"
    )
    skew.fill("none | 0:scale:1000")
    skew.press("Enter")
    epochs = page.get_by_label("Epochs", exact=True)
    epochs.fill("12")
    epochs.press("Enter")
    page.get_by_text("= 20 runs").wait_for()  # 4 configurations × 5 seeds

    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("button", name="Cancel").wait_for()  # it trains without blocking: the page answers
    page.wait_for_function(
        "([a, b]) => document.querySelectorAll(a).length >= 4 && document.querySelectorAll(b).length >= 4",
        arg=[LOSS_LINES, METRIC_LINES],
        timeout=WAIT_MS,
    )
    page.get_by_role("button", name="Run", exact=True).wait_for(timeout=WAIT_MS)  # done: Run is back
    page.locator(".st-key-compare-table [data-testid=stDataFrame]").wait_for()
    page.get_by_text("seed noise").first.wait_for()
    page.locator(".st-key-compare-heatmap").wait_for()

    assert _drawn_lines(page, LOSS_LINES) >= 4  # a median line per configuration
    assert _drawn_lines(page, METRIC_LINES) >= 4
    legend = page.locator(".st-key-compare-loss").inner_text()
    assert "skew=0:scale:1000, scaler=none" in legend and "skew=none, scaler=standard" in legend
    assert page.get_by_text("Trained 20 runs").is_visible()
    assert problems == []
