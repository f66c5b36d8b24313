"""Shared links in real Chromium: a link reproduces its settings, even as a fresh server's first visit."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import NAV_LINKS, chromium_page, running_app

pytestmark = pytest.mark.browser


def test_a_deep_link_as_a_fresh_servers_first_visit_goes_through_the_router():
    """Streamlit's legacy pages/ discovery would run pages/data.py alone (no config, 'app' in the nav)."""
    with running_app() as url, chromium_page() as page:
        page.goto(f"{url}/data?dataset=wine&skew=0:lognormal:1.5&scaler=robust")
        page.get_by_text("Data: normalised is not normal").wait_for()
        labels = [text.split()[-1] for text in page.locator(NAV_LINKS).all_inner_texts()]  # past the icon's name
        assert labels == ["Learn", "Train", "Data", "Compare", "Rooms"]
        # the link's skew is listed in the skew editor
        expect(page.locator(".st-key-data-skew-list")).to_contain_text("lognormal")
        assert "scaler=robust" in page.url and "dataset=wine" in page.url


def test_a_train_link_opens_with_its_settings_and_keeps_them_in_the_address():
    with running_app() as url, chromium_page() as page:
        page.goto(f"{url}/train?dataset=circles&hidden=16,8&norm=bn_after&lr=0.003&epochs=77")
        page.get_by_role("button", name="Play", exact=True).wait_for()
        expect(page.get_by_label("Hidden widths", exact=True).locator("xpath=self::input")).to_have_value("16,8")
        assert "77" in page.locator(".st-key-train-epoch").inner_text()
        for fragment in ("dataset=circles", "hidden=16%2C8", "norm=bn_after", "lr=0.003", "epochs=77"):
            assert fragment in page.url


def test_the_landing_page_is_learn_and_a_sections_button_opens_its_setup_with_that_setups_link():
    with running_app() as url, chromium_page() as page:
        page.goto(url)
        page.get_by_role("heading", name="1. Normalised is not normal").wait_for()
        page.get_by_text("No: it keeps its skew and its long tail").click()  # predict first
        page.get_by_text("the experiment agrees").wait_for()  # the evidence follows the prediction
        page.get_by_role("button", name="Open in Data").click()
        page.get_by_text("Data: normalised is not normal").wait_for()
        page.wait_for_url("**/data?**skew=0%3Alognormal%3A1.5**")
        assert "n_samples=2000" in page.url and "scaler=standard" in page.url


def test_a_link_made_when_train_was_the_landing_page_still_opens_train():
    with running_app() as url, chromium_page() as page:
        page.goto(f"{url}/?dataset=circles&epochs=77")
        page.get_by_role("button", name="Play", exact=True).wait_for()
        page.wait_for_url("**/train?**dataset=circles**")
        assert "77" in page.locator(".st-key-train-epoch").inner_text()
