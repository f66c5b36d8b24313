"""Layout in real Chromium, measured in element boxes: Train's first screen holds the buttons, the loss and
the first hidden layer at 1400×1000, and at a laptop's 1000×800 no chart on any page runs past the window.

Titles are drawn inside the charts (canvas), so "no title cut" is checked the way it can be: every chart
is at least MIN_CHART_PX wide, room for the longest title the chart tests allow (50 characters), and no
metric label overflows its box. The Data page's tabs are measured in test_browser_data.py.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.browser import WAIT_MS

pytestmark = pytest.mark.browser

MIN_CHART_PX = 300
MEASURE = """() => {
    const box = el => {
        if (!el) return null;
        const r = el.getBoundingClientRect();
        return {top: r.top, bottom: r.bottom, left: r.left, right: r.right, width: r.width};
    };
    const play = [...document.querySelectorAll('.st-key-train-buttons button')].find(b => b.innerText.includes('Play'));
    const charts = [...document.querySelectorAll('.stMain .stVegaLiteChart, .stMain [data-testid=stElementContainer]')]
        .filter(c => !c.classList.contains('stVegaLiteChart') || c.querySelector('canvas, svg'));
    const cut = [...document.querySelectorAll('.stMain [data-testid=stMetricLabel] p')]
        .filter(p => p.scrollWidth > p.clientWidth + 1).map(p => p.textContent);
    return {
        width: window.innerWidth, height: window.innerHeight, cut,
        play: play ? box(play) : null,
        loss: box(document.querySelector('.st-key-train-loss .stVegaLiteChart')),
        firstLayer: [...document.querySelectorAll('[class*=st-key-train-first-layer] .stVegaLiteChart')].map(box),
        charts: charts.map(box),
    };
}"""


def _open_train(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/train?n_samples=300&epochs=50&norm=bn_before")  # three stages: the widest row
    epoch = page.locator(".st-key-train-epoch [data-testid=stMetricValue]")
    epoch.filter(has_text="0 / 50").wait_for()
    page.get_by_role("button", name="Step").click()
    epoch.filter(has_text="1 / 50").wait_for()
    page.wait_for_function(
        "() => document.querySelectorAll('[class*=st-key-train-first-layer] .stVegaLiteChart canvas').length >= 3"
        " && !document.querySelector('[data-stale=true]')",
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(500)  # container-wide charts lay out once more after their first draw


def _fits(seen: dict, page_name: str) -> None:
    too_wide = [c for c in seen["charts"] if c["right"] > seen["width"]]
    assert not too_wide, f"{page_name} at {seen['width']} px: charts past the window's edge: {too_wide}"
    assert not seen["cut"], f"{page_name}: cut metric labels {seen['cut']}"


def test_train_first_screen_holds_play_loss_and_the_first_layer(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1400, "height": 1000})
    _open_train(page, app_url)
    seen = page.evaluate(MEASURE)
    assert seen["play"] is not None and seen["play"]["bottom"] <= seen["height"]
    assert seen["loss"]["top"] >= 0 and seen["loss"]["bottom"] <= seen["height"]
    assert len(seen["firstLayer"]) == 3  # linear, batch norm, ReLU
    assert all(h["top"] >= 0 and h["bottom"] <= seen["height"] for h in seen["firstLayer"]), seen["firstLayer"]
    _fits(seen, "Train")


@pytest.mark.parametrize("width", [1400, 1000])
def test_no_train_chart_runs_past_the_window_or_is_squashed(page: Page, app_url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    _open_train(page, app_url)
    seen = page.evaluate(MEASURE)
    _fits(seen, "Train")
    charts = page.evaluate(
        "() => [...document.querySelectorAll('.stMain .stVegaLiteChart')].map(c => c.getBoundingClientRect().width)"
    )
    narrow = [w for w in charts if w < MIN_CHART_PX and w not in [h["width"] for h in seen["firstLayer"]]]
    assert not narrow, f"charts too narrow for their titles at {width} px: {narrow}"
    assert min(h["width"] for h in seen["firstLayer"]) >= 140  # three to a row, each still readable


def test_learn_and_compare_fit_a_laptop_window(page: Page, app_url: str) -> None:
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(app_url)  # Learn, the landing page
    page.get_by_role("heading", name="Learn: why normalise").wait_for()
    _settle(page)
    _fits(page.evaluate(MEASURE), "Learn")
    page.get_by_role("link", name="Compare", exact=True).click()
    page.get_by_role("button", name="Run", exact=True).wait_for()
    _settle(page)
    _fits(page.evaluate(MEASURE), "Compare")


def _settle(page: Page) -> None:
    """Until the page stopped drawing: nothing stale, no spinner."""
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=true]') && !document.querySelector('[data-testid=stSpinner]')",
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(1000)
