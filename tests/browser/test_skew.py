"""The Train sidebar's skew editor in real Chromium: from the landing page to Train through the sidebar's
navigation, a skew typed by hand, its row listed, and Play trains on it. The `page` fixture fails the
test on any console error or request off this machine (`watch_console_and_requests`)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import WAIT_MS, open_from_sidebar, wait_until_drawn

EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"
ROWS = ".st-key-train-skew-list"

pytestmark = pytest.mark.browser


def test_a_skew_typed_by_hand_is_listed_and_trained_on(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/")
    open_from_sidebar(page, "Train", "train")
    page.wait_for_selector(EPOCH)
    sidebar = page.locator("[data-testid=stSidebar]")
    for label, value in (("Batch size", "4"), ("Epochs", "5000")):  # a run Pause can still stop (LONG_RUN)
        box = sidebar.get_by_label(label, exact=True)
        box.fill(value)
        box.press("Enter")
        wait_until_drawn(page)
    expect(page.locator(EPOCH)).to_have_text("0 / 5000", timeout=WAIT_MS)

    features = sidebar.get_by_role("textbox", name="Features to skew")
    features.fill("")
    features.press("Enter")
    add = sidebar.get_by_role("button", name="Add", exact=True)
    expect(add).to_be_disabled(timeout=WAIT_MS)  # an empty features text cannot be added
    features.fill("0")
    features.press("Enter")
    expect(add).to_be_enabled(timeout=WAIT_MS)

    sidebar.locator(".st-key-train-skew-kind [role=combobox]").click()
    page.get_by_role("option", name="Lognormal (right skew)").click()
    wait_until_drawn(page)
    amount = sidebar.locator(".st-key-train-skew-amount-lognormal")
    thumb = amount.locator("input[type=range]")
    thumb.focus()
    for _ in range(3):  # 1.5 → 1.8, one step at a time
        thumb.press("ArrowRight")
    expect(amount.get_by_test_id("stSliderThumbValue")).to_have_text("1.80", timeout=WAIT_MS)
    wait_until_drawn(page)

    add.click()
    expect(page.locator(ROWS)).to_contain_text("feature 0 · lognormal · 1.8", timeout=WAIT_MS)
    page.wait_for_url("**skew=0%3Alognormal%3A1.8**", timeout=WAIT_MS)  # the run and its link took it
    wait_until_drawn(page)
    page.mouse.move(1, 1)  # away from Add: its tooltip would lie over Play, which sits near the top of the page

    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        "sel => { const e = document.querySelector(sel); return e && parseInt(e.innerText) > 0; }",
        arg=EPOCH,
        timeout=WAIT_MS,
    )
    page.get_by_role("button", name="Pause", exact=True).click()
    expect(page.locator(ROWS)).to_contain_text("feature 0 · lognormal · 1.8")
