"""The Train page as an instrument, in real Chromium: the scrubber takes the figure and the boundary back to
an earlier epoch, and A | B trains two runs in step, both drawn, from a shared link."""

from __future__ import annotations

import signal
import time

import psutil
import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import WAIT_MS, running_app, wait_until_drawn

EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"
SCRUB = ".st-key-train-scrub"  # the widget key train.scrub, as Streamlit writes it in a class name

pytestmark = pytest.mark.browser


def _epoch(page: Page) -> int:
    return int(page.locator(EPOCH).inner_text().split("/")[0])


def _step(page: Page, times: int) -> None:
    for _ in range(times):
        before = _epoch(page)
        page.get_by_role("button", name="Step", exact=True).click()
        page.wait_for_function(
            "([sel, n]) => parseInt(document.querySelector(sel).innerText) > n", arg=[EPOCH, before], timeout=WAIT_MS
        )
    wait_until_drawn(page)


def test_the_scrubber_shows_an_earlier_epoch_and_live_follows_again(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/train?n_samples=300&epochs=50&norm=bn_before")
    page.wait_for_selector(EPOCH)
    _step(page, 3)
    slider = page.locator(f"{SCRUB} [aria-valuetext]")
    expect(slider).to_have_attribute("aria-valuetext", "live", timeout=WAIT_MS)
    slider.focus()
    slider.press("ArrowLeft")  # one recorded epoch back: epoch 3
    slider.press("ArrowLeft")  # epoch 2
    expect(slider).to_have_attribute("aria-valuetext", "epoch 2", timeout=WAIT_MS)
    wait_until_drawn(page)
    assert _epoch(page) == 3  # the run stays where it is; only what is shown went back
    page.locator(".st-key-train-network canvas").wait_for()
    slider.press("End")
    expect(slider).to_have_attribute("aria-valuetext", "live", timeout=WAIT_MS)


def test_a_b_from_a_shared_link_trains_both_in_step_and_draws_both(page: Page, app_url: str) -> None:
    page.goto(f"{app_url}/train?n_samples=300&epochs=400&activation=sigmoid&norm=bn_before&ab=norm:bn_after")
    page.wait_for_selector(EPOCH)
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("sel => parseInt(document.querySelector(sel).innerText) >= 3", arg=EPOCH, timeout=WAIT_MS)
    page.get_by_role("button", name="Pause", exact=True).click()
    wait_until_drawn(page)
    page.locator(".st-key-train-network canvas").wait_for()
    page.locator(".st-key-train-network-b canvas").wait_for()  # both networks, side by side
    expect(page.get_by_text("B: norm=bn_after").first).to_be_visible()
    deltas = page.locator("[data-testid=stMetricDelta]").all_inner_texts()
    assert any(text.startswith("B: ") for text in deltas), deltas  # B's numbers beside A's
    assert "ab=norm%3Abn_after" in page.url or "ab=norm:bn_after" in page.url  # the link keeps the pair


def _training_processes(app_url: str) -> list[psutil.Process]:
    """The server's training processes: the children of the `streamlit run` serving `app_url` that
    multiprocessing spawned."""
    port = app_url.rsplit(":", 1)[1]
    server = next(
        p
        for p in psutil.process_iter(["cmdline"])
        if "--server.port" in (p.info["cmdline"] or []) and port in p.info["cmdline"]
    )
    return [c for c in server.children() if any("spawn_main" in part for part in c.cmdline())]


def test_a_training_process_killed_mid_run_costs_nothing_the_run_is_restored_and_goes_on(
    page: Page, app_url: str
) -> None:
    page.goto(f"{app_url}/train?n_samples=300&epochs=2000")
    page.wait_for_selector(EPOCH)
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function("sel => parseInt(document.querySelector(sel).innerText) >= 3", arg=EPOCH, timeout=WAIT_MS)
    for process in _training_processes(app_url):
        process.send_signal(signal.SIGKILL)
    expect(page.get_by_text("training restarted in a new one and was restored to epoch")).to_be_visible(timeout=WAIT_MS)
    restored = _epoch(page)
    assert restored >= 3  # not back to epoch 0
    page.wait_for_function(
        "([sel, n]) => parseInt(document.querySelector(sel).innerText) > n", arg=[EPOCH, restored], timeout=WAIT_MS
    )  # and it plays on


def test_on_a_fresh_server_a_train_link_draws_and_plays_at_once(page: Page) -> None:
    """`python -m ui.serve` answers its health check once the pages' code is imported and the training
    processes are warm, so a shared /train link that is a fresh server's first visitor waits for none of it.
    Goals 3 s to the drawn page and 1 s to the first epoch (bench/page_load.py --direct measures them);
    asserted with room for a loaded test machine."""
    with running_app() as url:
        start = time.monotonic()
        page.goto(f"{url}/train")
        page.wait_for_selector(EPOCH)
        assert time.monotonic() - start < 8.0
        wait_until_drawn(page)
        start = time.monotonic()
        page.get_by_role("button", name="Play", exact=True).click()
        page.wait_for_function("sel => parseInt(document.querySelector(sel).innerText) > 0", arg=EPOCH, timeout=WAIT_MS)
        assert time.monotonic() - start < 3.0
