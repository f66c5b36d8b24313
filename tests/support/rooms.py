"""For the rooms' page and browser tests: a fresh rooms database for a block, and runs posted straight to it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from explorer.config import Config
from explorer.rooms import RunRecord, Store, open_store

HOSTILE = ("<script>alert(1)</script>", "**bold**", "[link](javascript:alert(1))")


@contextlib.contextmanager
def rooms_database(folder: Path) -> Iterator[Store]:
    """EXPLORER_DATABASE_URL at a new SQLite file in `folder` for the block; yields the test's own Store on it
    (the app's sessions open theirs through ui.room_store, which forgets it afterwards)."""
    from ui import room_store

    url = f"sqlite:///{folder / 'rooms.db'}"
    with pytest.MonkeyPatch.context() as env, open_store(url) as store:
        env.setenv("EXPLORER_DATABASE_URL", url)
        try:
            yield store
        finally:
            room_store.forget()


def post(store: Store, code: str, token: str, accuracy: float, epochs: int = 5, **keys: object) -> RunRecord:
    """A run of Config(**keys) with a rising curve that ends at `accuracy`."""
    curve = [{"epoch": e, "test_loss": 1 - accuracy * e / epochs, "test_accuracy": accuracy * e / epochs}
             for e in range(1, epochs + 1)]  # fmt: skip
    metrics = {"test_loss": 1 - accuracy, "test_accuracy": accuracy}
    return store.post_run(code, token, Config(**keys), metrics, curve, seconds=0.5)
