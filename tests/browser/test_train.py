"""The Train page in real Chromium: Play trains live (counter and loss chart move), Pause stops both."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.support.browser import LONG_RUN, WAIT_MS, wait_until_drawn

EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"
LOSS_LINES = ".st-key-train-loss g.mark-line path"

pytestmark = pytest.mark.browser


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
    page.goto(f"{app_url}/train?{LONG_RUN}")
    page.wait_for_selector(EPOCH)
    assert _epoch(page) == 0

    page.get_by_role("button", name="Play", exact=True).click()
    page.get_by_role("button", name="Pause", exact=True).wait_for()
    _wait_until_both_move(page, 0, [])
    first_epoch, first_lines = _epoch(page), _loss_lines(page)
    _wait_until_both_move(page, first_epoch, first_lines)  # and it keeps going, tick after tick

    page.get_by_role("button", name="Pause", exact=True).click()
    page.get_by_role("button", name="Play", exact=True).wait_for()
    wait_until_drawn(page)
    paused_epoch, paused_lines = _epoch(page), _loss_lines(page)
    page.wait_for_timeout(2_000)  # paused: nothing may move, however long we look
    assert _epoch(page) == paused_epoch > first_epoch
    assert _loss_lines(page) == paused_lines
