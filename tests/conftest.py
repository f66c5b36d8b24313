"""Fixtures the browser tests share: one app server per test module, a fresh Chromium page per test that
fails the test on any console error or request to a non-local host."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page

from tests.support.browser import chromium_page, running_app, watch_console_and_requests

# Page tests (AppTest) train in the script thread, as a server with no training processes does; the
# servers that browser tests start use the default, training processes (`ui.train.workers`).
os.environ.setdefault("EXPLORER_TRAINING_WORKERS", "0")
# Page tests compute a Learn section's evidence in the script thread when asked (`ui.learn.evidence`), not in
# a background process of their own; the servers the browser tests start do the same unless a test says.
os.environ.setdefault("EXPLORER_EVIDENCE_BACKGROUND", "0")
# Nothing a test writes (evidence cache, rooms database) lands in the user's own data folder.
os.environ.setdefault("EXPLORER_DATA_DIR", tempfile.mkdtemp(prefix="explorer-tests-"))


@pytest.fixture(scope="module")
def app_url() -> Iterator[str]:
    with running_app() as url:
        yield url


@pytest.fixture
def page() -> Iterator[Page]:
    """A Chromium page; the test fails on any console error or request to a non-local host it caused."""
    with chromium_page() as page:
        problems = watch_console_and_requests(page)
        yield page
        assert not problems, "\n".join(problems)


@pytest.fixture(scope="session")
def warm_evidence() -> None:
    """Every Learn section's evidence at every knob setting in the test run's data folder, as a server's
    background process (or the Docker image's build) leaves it: computed once per test run (about a minute)."""
    from explorer.teaching import evidence

    for _ in evidence.compute_missing():
        pass
