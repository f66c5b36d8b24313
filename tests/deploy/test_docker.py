"""The Dockerfile built and run for real: the image serves the app, trains in a browser, as a non-root user.

Slow the first time on a machine (the stand-in base image: tests/support/docker.py), minutes after.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.support.browser import LONG_RUN, chromium_page, watch_console_and_requests
from tests.support.docker import ROOT, base_image, build_image, docker, docker_daemon, running_container

pytestmark = pytest.mark.docker

EPOCH = ".st-key-train-epoch [data-testid=stMetricValue]"


@pytest.fixture(scope="module")
def container() -> Iterator[tuple[str, str]]:
    """One container of a freshly built image for the whole module: (container id, base URL)."""
    with docker_daemon():
        build_image(base_image())
        with running_container() as running:
            yield running


def test_the_server_runs_as_a_non_root_user(container: tuple[str, str]) -> None:
    cid, _ = container
    assert docker("exec", cid, "id", "-u").stdout.strip() != "0"
    server = docker("exec", cid, "cat", "/proc/1/status").stdout  # PID 1 is the streamlit server itself
    uids = next(line.split()[1:] for line in server.splitlines() if line.startswith("Uid:"))
    assert "0" not in uids, server


def test_the_image_has_the_checkout_serving_settings_and_cpu_torch(container: tuple[str, str]) -> None:
    cid, _ = container
    config = docker("exec", cid, "cat", "/app/.streamlit/config.toml").stdout
    assert config == (ROOT / ".streamlit" / "config.toml").read_text()
    version = docker("exec", cid, "python", "-c", "import torch; print(torch.__version__)", timeout=120).stdout
    assert version.strip().endswith("+cpu")


def test_the_image_serves_every_learn_section_from_its_first_request(container: tuple[str, str]) -> None:
    """The build computed the evidence into the image's data folder, under the same code hash the server has."""
    cid, url = container
    check = "from explorer.teaching.evidence import progress; p = progress(); print(p.done, p.total)"
    done, total = docker("exec", cid, "python", "-c", check, timeout=120).stdout.split()
    assert int(total) > 8 and done == total
    with chromium_page() as page:
        problems = watch_console_and_requests(page)
        page.goto(f"{url}/?reveal=all")
        page.get_by_text("Where Gaussians really do appear").first.wait_for()
        page.get_by_role("button", name="Open in Train").first.wait_for()
        assert "being computed" not in page.locator(".stMain").inner_text()
        assert not problems, "\n".join(problems)


def test_play_trains_in_a_browser_through_the_container(container: tuple[str, str]) -> None:
    _, url = container
    with chromium_page() as page:
        problems = watch_console_and_requests(page)
        page.goto(f"{url}/train?{LONG_RUN}")
        page.wait_for_selector(EPOCH)
        page.get_by_role("button", name="Play", exact=True).click()
        page.get_by_role("button", name="Pause", exact=True).wait_for()
        advanced = "([sel, n]) => { const e = document.querySelector(sel); return e && parseInt(e.innerText) > n; }"
        page.wait_for_function(advanced, arg=[EPOCH, 0])
        first = int(page.locator(EPOCH).inner_text().split("/")[0])
        page.wait_for_function(advanced, arg=[EPOCH, first])  # and it keeps going, tick after tick
        page.get_by_role("button", name="Pause", exact=True).click()
        page.get_by_role("button", name="Play", exact=True).wait_for()
        assert not problems, "\n".join(problems)


def test_docker_reports_the_container_healthy(container: tuple[str, str]) -> None:
    """Docker's own HEALTHCHECK (first run 30 s after start), not just our probe of the endpoint."""
    cid, _ = container
    deadline = time.monotonic() + 120
    while (status := docker("inspect", "-f", "{{.State.Health.Status}}", cid).stdout.strip()) != "healthy":
        assert status in ("starting", "healthy"), docker("inspect", "-f", "{{json .State.Health}}", cid).stdout
        assert time.monotonic() < deadline, "not healthy after 120 s"
        time.sleep(1)
