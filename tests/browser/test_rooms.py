"""Workshop rooms in real Chromium: an instructor opens a room, three learners join it from a lesson link and
train, and the instructor's board, without a reload, shows their three runs grouped by what differs. What people
typed (a title, nicknames, a prompt) shows as the characters typed: no HTML, no Markdown, no link."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.browser import WAIT_MS, wait_until_drawn, watch_console_and_requests
from tests.support.rooms import HOSTILE

pytestmark = pytest.mark.browser

TITLE = "BN or not " + HOSTILE[1]
PROMPT = "Press Play, then look at the board. " + " ".join(HOSTILE)
LEARNERS = (("none", 0, "ann"), ("none", 1, HOSTILE[1]), ("bn_before", 0, HOSTILE[0]))
RUNS_SHOWN = """([label, n]) => [...document.querySelectorAll('[data-testid=stMetric]')].some(
    m => m.innerText.startsWith(label) && m.querySelector('[data-testid=stMetricValue]').innerText.trim() === n)"""
INJECTED = """() => [...document.querySelectorAll('script')].some(s => s.textContent.includes('alert(1)'))
    || document.querySelector('a[href^="javascript"]') !== null
    || [...document.querySelectorAll('strong')].some(s => s.innerText === 'bold')"""


def _open_a_room(page: Page, app_url: str) -> str:
    page.goto(f"{app_url}/rooms")
    page.get_by_label("Title").fill(TITLE)
    page.get_by_role("button", name="Create the room").click()
    page.wait_for_url("**room=**")
    code = parse_qs(urlsplit(page.url).query)["room"][0]
    expect(page.get_by_text("Your instructor key, shown only now")).to_be_visible()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()  # the title as typed, asterisks and all
    return code


def _learn(browser: Browser, app_url: str, code: str, norm: str, seed: int, nickname: str) -> None:
    """One learner, in a browser context of their own (their own session): a lesson link with the room, a
    nickname, Join, Play, until the run is posted."""
    query = {"n_samples": 200, "hidden": 8, "epochs": 4, "norm": norm, "seed": seed}
    query.update(room=code, lock="norm", hide="seed", prompt=PROMPT)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        page.set_default_timeout(WAIT_MS)
        problems = watch_console_and_requests(page)
        page.goto(f"{app_url}/train?{urlencode(query)}")
        prompt = page.locator(".st-key-lesson-prompt [data-testid=stText]")
        expect(prompt).to_have_text(PROMPT)  # as typed: no bold, no link, no script
        expect(page.get_by_role("combobox", name="Normalisation")).to_be_disabled()  # read-only in this lesson
        expect(page.locator(".st-key-train-seed")).to_have_count(0)  # hidden
        page.get_by_role("textbox", name="Nickname (optional)").fill(nickname)
        page.get_by_role("button", name=f"Join room {code}").click()
        banner = page.locator(".st-key-rooms-banner")
        expect(banner).to_contain_text(f"In room {code} as {nickname}: each run you finish here is posted")
        wait_until_drawn(page)
        page.get_by_role("button", name="Play", exact=True).click()
        expect(page.get_by_text(f"Posted your run to room {code}'s board.")).to_be_visible(timeout=WAIT_MS)
        assert not page.evaluate(INJECTED)
        assert "lock=norm" in page.url and f"room={code}" in page.url  # the lesson stays in the address
    finally:
        context.close()
    assert not problems, "\n".join(problems)


def test_three_learners_train_and_the_board_groups_their_runs_by_what_differs(page: Page, app_url: str) -> None:
    code = _open_a_room(page, app_url)
    expect(page.get_by_text("No runs yet")).to_be_visible()
    for norm, seed, nickname in LEARNERS:
        _learn(page.context.browser, app_url, code, norm, seed, nickname)
    # the instructor's page was not reloaded: the board refreshed on its own
    page.wait_for_function(RUNS_SHOWN, arg=["Runs", "3"], timeout=WAIT_MS)
    page.wait_for_function(RUNS_SHOWN, arg=["Joined", "3"], timeout=WAIT_MS)
    page.wait_for_function(RUNS_SHOWN, arg=["Groups", "2"], timeout=WAIT_MS)
    expect(page.get_by_text("Runs are grouped by Normalisation (norm)")).to_be_visible()
    expect(page.get_by_text("A group of one run has no interval")).to_be_visible()
    page.locator(".st-key-rooms-curves canvas").wait_for()
    page.locator(".st-key-rooms-intervals .vega-embed").wait_for()
    page.locator(".st-key-rooms-runs [data-testid=stDataFrame]").wait_for()
    expect(page.get_by_role("heading", name=TITLE)).to_be_visible()
    assert not page.evaluate(INJECTED)
    # the key this session holds unlocks the tools: the room's runs as CSV (made when clicked), then closing it
    with page.expect_download() as download:
        page.get_by_role("button", name="Runs CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text())))
    assert sorted((row["norm"], row["nickname"]) for row in rows) == sorted((n, who) for n, _, who in LEARNERS)
    page.get_by_role("button", name="Close to new runs").click()
    expect(page.get_by_text("The room is closed")).to_be_visible()
