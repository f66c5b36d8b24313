"""The load test's non-rendering client (tests/support/ws_client.py) against a real server: it loads the Train page,
keeps the run ticking by emulating the browser's auto-rerun timer, and sees an Epochs change redrawn.

If this fails, bench/load_test.py --clients websocket measures nothing real (a client that never ticks
reports zero progress; one that misreads the page reports no redraw)."""

from __future__ import annotations

import asyncio

import pytest

from tests.support.browser import running_app
from tests.support.ws_client import StreamlitClient, user_key


def test_user_key_is_the_last_part_of_an_element_id() -> None:
    assert user_key("$$ID-0123abcd-train.epochs") == "train.epochs"
    assert user_key("$$ID-0123abcd-None") is None
    assert user_key("") is None


def _trained(client: StreamlitClient) -> list[int]:
    """The epochs the counter showed after 0, in order."""
    return [int(text.split("/")[0]) for _, text in client.changes.get("train-epoch", []) if not text.startswith("0 /")]


async def _session(url: str) -> None:
    client = StreamlitClient(url, page="train", query="n_samples=1000&epochs=4000&hidden=32,32")
    await client.connect()
    try:
        await client.wait_for(
            lambda: client.metrics.get("train-epoch") == "0 / 4000" and "train.play" in client.widgets, 60
        )
        client.click("train.play")
        # Play's own run ticks once; a second advance comes only from the auto-rerun timer the client keeps.
        # Generous: a server that trains in processes starts them on the first Play.
        await client.wait_for(lambda: len(_trained(client)) >= 2, 60)
        sent = client.set_number("train.epochs", 4050)
        shown = await client.wait_for(lambda: client.metrics["train-epoch"].endswith("/ 4050"), 30)
        assert 0 < shown - sent < 30
        trained = _trained(client)
        assert trained == sorted(trained) and trained[-1] > trained[0] > 0, client.changes["train-epoch"]
        assert client.page_script_hash, "the page's hash from new_session names later reruns"
        assert not client.errors, client.errors
    finally:
        await client.close()


@pytest.mark.browser  # it needs a running server, like the Chromium tests
def test_a_websocket_client_trains_and_sees_an_epochs_change() -> None:
    with running_app() as url:
        asyncio.run(_session(url))
