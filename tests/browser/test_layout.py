"""Layout in real Chromium, measured in element boxes: Train's first screen holds Play, the epoch counter,
the loss, the decision surface and the network figure's first hidden layer at 1400×1000 and at 1280×800 with
the sidebar open, and at a laptop's 1000×800 no chart on any page runs past the window.

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
        epoch: box(document.querySelector('.st-key-train-epoch')),
        loss: box(document.querySelector('.st-key-train-loss .stVegaLiteChart')),
        network: box(document.querySelector('.st-key-train-network .stVegaLiteChart')),
        networkB: box(document.querySelector('.st-key-train-network-b .stVegaLiteChart')),
        surface: box([...document.querySelectorAll('.stMain .stVegaLiteChart')].find(c => c.querySelector('canvas, svg')
            && !c.closest('.st-key-train-loss, .st-key-train-network, .st-key-train-network-b, [data-testid=stTabs]'))),
        sidebar: box(document.querySelector('[data-testid=stSidebar]')),
        charts: charts.map(box),
    };
}"""


def _open_train(page: Page, app_url: str, extra: str = "") -> None:
    page.goto(f"{app_url}/train?n_samples=300&epochs=50&norm=bn_before{extra}")  # three stages: the widest row
    epoch = page.locator(".st-key-train-epoch [data-testid=stMetricValue]")
    epoch.filter(has_text="0 / 50").wait_for()
    page.get_by_role("button", name="Step").click()
    epoch.filter(has_text="1 / 50").wait_for()
    page.wait_for_function(
        "() => document.querySelector('.st-key-train-network .stVegaLiteChart canvas')"
        " && !document.querySelector('[data-stale=true]')",
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(500)  # container-wide charts lay out once more after their first draw


def _fits(seen: dict, page_name: str) -> None:
    too_wide = [c for c in seen["charts"] if c["right"] > seen["width"]]
    assert not too_wide, f"{page_name} at {seen['width']} px: charts past the window's edge: {too_wide}"
    assert not seen["cut"], f"{page_name}: cut metric labels {seen['cut']}"


# The network figure's first hidden layer: its column headers and one row of boxes (the figure's top part).
FIRST_LAYER_PX = 95


@pytest.mark.parametrize(("width", "height"), [(1400, 1000), (1280, 800)])
def test_train_first_screen_holds_play_the_numbers_loss_surface_and_the_first_layer(
    page: Page, app_url: str, width: int, height: int
) -> None:
    page.set_viewport_size({"width": width, "height": height})
    _open_train(page, app_url)
    seen = page.evaluate(MEASURE)
    assert seen["sidebar"]["right"] > 200  # the sidebar is open
    for name in ("play", "epoch", "loss", "surface"):
        assert seen[name] is not None and seen[name]["top"] >= 0 and seen[name]["bottom"] <= height, (name, seen)
    assert seen["network"]["top"] + FIRST_LAYER_PX <= height, seen["network"]
    _fits(seen, "Train")


@pytest.mark.parametrize(("width", "height"), [(1400, 1000), (1280, 800)])
def test_in_a_b_mode_both_networks_fit_the_first_screen_too(page: Page, app_url: str, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    _open_train(page, app_url, "&activation=sigmoid&ab=norm:bn_after")
    page.locator(".st-key-train-network-b .stVegaLiteChart canvas").wait_for()
    seen = page.evaluate(MEASURE)
    for name in ("play", "epoch", "loss", "surface"):
        assert seen[name] is not None and seen[name]["top"] >= 0 and seen[name]["bottom"] <= height, (name, seen)
    for name in ("network", "networkB"):
        assert seen[name]["top"] + FIRST_LAYER_PX <= height and seen[name]["right"] <= width, (name, seen[name])
    _fits(seen, "Train, A | B")


@pytest.mark.parametrize("width", [1400, 1000])
def test_no_train_chart_runs_past_the_window_or_is_squashed(page: Page, app_url: str, width: int) -> None:
    page.set_viewport_size({"width": width, "height": 800})
    _open_train(page, app_url)
    seen = page.evaluate(MEASURE)
    _fits(seen, "Train")
    assert page.evaluate("() => document.documentElement.scrollWidth") <= width  # no sideways scrolling
    charts = page.evaluate(
        "() => [...document.querySelectorAll('.stMain .stVegaLiteChart')]"
        ".filter(c => c.querySelector('canvas, svg') && !c.closest('.st-key-train-network'))"
        ".map(c => c.getBoundingClientRect().width).filter(w => w > 0)"
    )
    narrow = [w for w in charts if w < MIN_CHART_PX - 120]
    assert not narrow, f"charts too narrow for their titles at {width} px: {narrow}"


def test_learn_and_compare_fit_a_laptop_window(page: Page, app_url: str, warm_evidence: None) -> None:
    page.set_viewport_size({"width": 1000, "height": 800})
    page.goto(f"{app_url}/?reveal=all")  # Learn, the landing page, every section's evidence shown
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
