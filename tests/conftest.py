"""Fixtures the browser tests share: one app server per test module, a fresh Chromium page per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.browser_support import chromium_page, running_app


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:
        yield url


@pytest.fixture
def page() -> Iterator[Page]:
    with chromium_page() as page:
        yield page
