"""The default run plays at a pace a learner can watch: many redraws, each a new epoch, for 15-30 s."""

from __future__ import annotations

import time

import pytest
from playwright.sync_api import Page

from tests.support.browser import WAIT_MS

EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"

pytestmark = pytest.mark.browser


def test_the_default_run_is_watched_epoch_by_epoch_and_still_plays_after_three_seconds(
    page: Page, app_url: str
) -> None:
    page.goto(f"{app_url}/train")  # the defaults: moons, 60 epochs, the default speed
    page.wait_for_selector(EPOCH)
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("sel => parseInt(document.querySelector(sel).innerText) > 0", arg=EPOCH, timeout=WAIT_MS)
    shown: list[int] = []
    end = time.monotonic() + 4.0
    while time.monotonic() < end:
        shown.append(int(page.locator(EPOCH).inner_text().split("/")[0]))
        page.wait_for_timeout(100)
    distinct = sorted(set(shown))
    assert len(distinct) >= 8, shown  # at least 2 redraws a second, each with a new epoch
    assert 6 <= distinct[-1] - distinct[0] <= 20, shown  # ~3 epochs a second, not the whole run at once
    assert page.get_by_role("button", name="Pause", exact=True).is_visible()  # 60 epochs: ~20 s in all
