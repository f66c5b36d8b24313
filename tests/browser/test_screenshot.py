"""The README's screenshot (docs/screenshot.png), taken by the browser tests so it shows the app as it is.

Every run takes it (Train at 1400×1000 after a 30-epoch run of the defaults) into tmp and checks it is a real picture of
the page; only `EXPLORER_WRITE_SCREENSHOT=1` replaces the committed file, so a test run never dirties the
checkout by accident.
"""

from __future__ import annotations

import io
import os
import shutil
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page

from tests.support.browser import ROOT, WAIT_MS, wait_until_drawn

pytestmark = pytest.mark.browser

EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"
SCREENSHOT = ROOT / "docs" / "screenshot.png"
SIZE = (1400, 1000)  # chromium_page's viewport
MAX_BYTES = 400_000  # the README's picture: small enough for the repository


def _compact_png(png: bytes) -> bytes:
    """A 256-colour palette PNG: a page of flat colours and thin lines loses nothing visible, and the file
    drops from ~0.5 MB to a fraction."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    out = io.BytesIO()
    image.quantize(colors=256, method=Image.Quantize.MEDIANCUT).save(out, format="PNG", optimize=True)
    return out.getvalue()


def test_the_train_page_screenshot_after_a_run(page: Page, app_url: str, tmp_path: Path) -> None:
    page.goto(f"{app_url}/train?epochs=30")  # the defaults, cut to where the network has learned moons
    page.wait_for_selector(EPOCH)
    total = int(page.locator(EPOCH).inner_text().split("/")[1])
    page.get_by_role("button", name="Play", exact=True).click()
    page.wait_for_function(
        "([sel, total]) => document.querySelector(sel)?.innerText === `${total} / ${total}`",
        arg=[EPOCH, total],
        timeout=WAIT_MS * 2,
    )
    page.get_by_role("button", name="Play", exact=True).wait_for()  # the run is over: Play is back
    wait_until_drawn(page)  # every element drawn for the final epoch, none greyed out as stale
    assert page.locator(".st-key-train-loss g.mark-line path").count() > 0  # the loss curves are drawn
    page.mouse.move(700, 40)  # to a blank spot: no tooltip (Play's) or link icon (a heading's) in the picture
    page.wait_for_timeout(1_000)  # Vega's last transition, the tooltip's fade
    shot = tmp_path / "screenshot.png"
    shot.write_bytes(_compact_png(page.screenshot()))

    image = Image.open(shot)
    assert image.size == SIZE
    assert 20_000 < shot.stat().st_size < MAX_BYTES
    colours = image.convert("RGB").getcolors(maxcolors=SIZE[0] * SIZE[1])
    assert colours is not None and len(colours) > 50  # charts and text, not a blank or error page
    background = max(colours)[0] / (SIZE[0] * SIZE[1])
    assert background < 0.95  # the page has content, not just its background
    if os.environ.get("EXPLORER_WRITE_SCREENSHOT") == "1":
        SCREENSHOT.parent.mkdir(exist_ok=True)
        shutil.copyfile(shot, SCREENSHOT)
