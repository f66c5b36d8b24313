"""The Data page in real Chromium: every tab draws without a console error or a request off this machine,
and at a wide and a narrow window no chart runs past the window's edge and no title or label is cut.

Only a browser lays charts out, so only it can tell; what the page computes is tested with AppTest.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.browser import WAIT_MS, watch_console_and_requests

pytestmark = pytest.mark.browser

TABS = ("Distributions", "Statistics", "Scatter", "Conditioning", "Compare scalers")
VIEWPORTS = ((1400, 1000), (1000, 800))
CHARTS = ".stMain .stVegaLiteChart"
MEASURE = """() => {
    const boxes = [];
    for (const el of document.querySelectorAll('.stMain .stVegaLiteChart, .stMain canvas, .stMain svg.marks')) {
        const r = el.getBoundingClientRect();
        if (r.width > 0) boxes.push({what: el.tagName, right: Math.round(r.right), width: Math.round(r.width)});
    }
    const cut = [];
    for (const t of document.querySelectorAll('.stMain svg.marks text')) {
        if (t.textContent.includes('…')) cut.push(t.textContent);
    }
    for (const el of document.querySelectorAll('.stMain [data-testid=stMetricLabel] p')) {
        if (el.scrollWidth > el.clientWidth + 1) cut.push(el.textContent);
    }
    return {width: window.innerWidth, boxes, cut};
}"""


def _open_data_page(page: Page, app_url: str) -> None:
    """Through the sidebar's navigation: opening /data directly makes Streamlit probe /data/_stcore/… (404s)."""
    page.goto(app_url)
    page.get_by_role("link", name="Data", exact=True).click()
    page.get_by_role("tab", name="Distributions").wait_for()


def _show(page: Page, tab: str) -> None:
    """Open a tab and wait until its charts (or tables) are drawn and nothing is stale."""
    page.get_by_role("tab", name=tab).click()
    page.wait_for_function(
        """([tab, charts]) => {
            const selected = document.querySelector('[role=tab][aria-selected=true]');
            if (!selected || !selected.innerText.includes(tab)) return false;
            if (document.querySelector('[data-stale=true]') || document.querySelector('[data-testid=stSpinner]')) {
                return false;
            }
            if (tab === 'Statistics') return document.querySelectorAll('.stMain [data-testid=stDataFrame]').length >= 3;
            const drawn = Array.from(document.querySelectorAll(charts)).filter(c => c.querySelector('svg, canvas'));
            return drawn.length > 0;
        }""",
        arg=[tab, CHARTS],
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(500)  # Vega lays out container-wide charts once more after their first draw


def test_every_tab_draws_cleanly_and_fits_the_window_at_two_sizes(page: Page, app_url: str) -> None:
    problems = watch_console_and_requests(page)
    _open_data_page(page, app_url)
    measured: dict[tuple[int, str], int] = {}
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        for tab in TABS:
            _show(page, tab)
            seen = page.evaluate(MEASURE)
            assert seen["width"] == width
            too_wide = [box for box in seen["boxes"] if box["right"] > width]
            assert not too_wide, f"{tab} at {width}×{height}: past the window's right edge: {too_wide}"
            assert not seen["cut"], f"{tab} at {width}×{height}: cut titles or labels: {seen['cut']}"
            assert tab == "Statistics" or seen["boxes"], f"{tab} at {width}×{height}: no chart measured"
            measured[width, tab] = max((box["right"] for box in seen["boxes"]), default=0)
            assert not problems, f"{tab} at {width}×{height}: {problems}"
    print("rightmost chart edge by (viewport width, tab):", measured)
