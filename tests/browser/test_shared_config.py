"""The session's shared Config in real Chromium: a Data link, corrected in the address bar, is what Train runs.

Here the sidebar's link really clears the query on the page switch (the AppTests in test_shared_config.py
clear it by hand to match).
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.support.browser import chromium_page, open_from_sidebar, running_app

pytestmark = pytest.mark.browser
EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"


def test_a_data_link_is_corrected_in_the_address_bar_and_followed_by_the_train_page():
    with running_app() as url, chromium_page() as page:
        page.goto(f"{url}/data?dataset=wine&skew=0:scale:1000&n_samples=200&epochs=77&hidden=8&lr=abc")
        page.get_by_text("Data: normalised is not normal").wait_for()
        page.get_by_text("ignored URL parameter lr='abc'", exact=False).wait_for()
        page.wait_for_url("**lr=0.01**")  # the bad value is replaced by the one in use
        assert "dataset=wine" in page.url and "skew=0%3Ascale%3A1000" in page.url

        open_from_sidebar(page, "Train", "train")
        page.get_by_role("button", name="Play", exact=True).wait_for()
        page.wait_for_url("**dataset=wine**")
        expect(page.locator(EPOCH)).to_have_text("0 / 77")
        assert "skew=0%3Ascale%3A1000" in page.url and "lr=0.01" in page.url
        assert page.get_by_text("ignored URL parameter", exact=False).count() == 0  # said once, on Data
