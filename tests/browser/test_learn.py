"""Learn in real Chromium: a freshly started server with a warm evidence cache shows every section's evidence
at once, with nothing to run; a prediction reveals its section; and at 1400×1000 and 1000×800 no table or
chart is cut (their boxes are measured: charts are canvases, so a chart wider than its box loses its title's
or legend's end, and a table wider than its box hides its last columns)."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from explorer.teaching.lessons import LESSONS
from tests.support.browser import WAIT_MS, running_app

pytestmark = pytest.mark.browser

CHARTS_AT_DEFAULTS = 13  # what `/?reveal=all` draws: the evidence charts of the eight sections
DRAWN = "document.querySelectorAll('.stMain .stVegaLiteChart canvas, .stMain .stVegaLiteChart svg').length"
MEASURE = """() => {
    const main = document.querySelector('.stMain .stMainBlockContainer') || document.querySelector('.stMain');
    const edge = main.getBoundingClientRect().right;
    const cut = [];
    for (const chart of document.querySelectorAll('.stMain .stVegaLiteChart')) {
        const drawn = chart.querySelector('canvas, svg');
        if (!drawn) continue;
        const box = chart.getBoundingClientRect(), inner = drawn.getBoundingClientRect();
        if (inner.width > box.width + 1 || inner.right > edge + 1) cut.push(`chart ${inner.width}px in ${box.width}px`);
    }
    for (const table of document.querySelectorAll('.stMain [data-testid=stTable]')) {
        const box = table.getBoundingClientRect();
        const scroller = table.querySelector('div') || table;
        if (scroller.scrollWidth > scroller.clientWidth + 1 || box.right > edge + 1) {
            cut.push(`table ${scroller.scrollWidth}px in ${scroller.clientWidth}px: ${table.innerText.slice(0, 60)}`);
        }
    }
    const drawn = document.querySelectorAll('.stMain .stVegaLiteChart canvas, .stMain .stVegaLiteChart svg');
    return {cut, charts: drawn.length,
            tables: document.querySelectorAll('.stMain [data-testid=stTable]').length};
}"""


def _settle(page: Page) -> None:
    page.wait_for_function(
        "() => !document.querySelector('[data-stale=true]') && !document.querySelector('[data-testid=stSpinner]')",
        timeout=WAIT_MS,
    )
    page.wait_for_timeout(1000)  # container-wide charts lay out once more after their first draw


def test_a_fresh_server_with_a_warm_cache_shows_every_sections_evidence_at_once(page: Page, warm_evidence) -> None:
    """The server computes evidence in the background (as `make run` does), but finds it all on disk."""
    with running_app(env={"EXPLORER_EVIDENCE_BACKGROUND": "1"}) as url:
        start = time.monotonic()
        page.goto(f"{url}/?reveal=all")
        page.wait_for_function(
            f"() => {DRAWN} >= {CHARTS_AT_DEFAULTS}",
            timeout=WAIT_MS,
        )
        drawn = time.monotonic() - start
        _settle(page)
        text = page.locator(".stMain").inner_text()
        assert "being computed" not in text and "Computing the experiments" not in text
        assert "Run the experiment" not in text
        for lesson in LESSONS:
            page.get_by_role("button", name=f"Open in {lesson.page.capitalize()}").first.wait_for()
            assert lesson.claim[:60] in text  # every claim, after its evidence was revealed
        assert drawn < 20, f"every section's evidence took {drawn:.1f} s to draw"


def test_a_prediction_reveals_its_section(page: Page, app_url: str, warm_evidence) -> None:
    page.goto(app_url)
    page.get_by_role("heading", name="4. Before or after the activation").wait_for()
    assert page.evaluate(f"() => {DRAWN}") == 0  # nothing shown before a prediction
    page.get_by_text("About the same (within seed noise)").click()
    page.get_by_text("You predicted “About the same (within seed noise)”").wait_for(timeout=WAIT_MS)
    page.wait_for_function(f"() => {DRAWN} >= 2")
    page.get_by_text("predictions matched what was measured").wait_for()


@pytest.mark.parametrize(("width", "height"), [(1400, 1000), (1000, 800)])
def test_no_table_or_chart_is_cut(page: Page, app_url: str, warm_evidence, width: int, height: int) -> None:
    page.set_viewport_size({"width": width, "height": height})
    page.goto(f"{app_url}/?reveal=all")
    page.wait_for_function(
        f"() => {DRAWN} >= {CHARTS_AT_DEFAULTS}",
        timeout=WAIT_MS,
    )
    _settle(page)
    seen = page.evaluate(MEASURE)
    assert seen["tables"] >= 3 and seen["charts"] >= CHARTS_AT_DEFAULTS, seen
    assert not seen["cut"], f"cut at {width}×{height}: {seen['cut']}"
