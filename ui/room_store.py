"""The rooms' store (`explorer.rooms`), one per server process and database: every session's page shares it.

Opening migrates the database, so it happens once, on first use, not at import (the Train page must not wait
for a database it may never need). A database that cannot be reached is remembered for `RETRY_S`: pages that
ask meanwhile get the same one-line `StoreUnavailable` at once instead of each waiting out a connect timeout.
"""

from __future__ import annotations

import threading
import time

from explorer.rooms import Store, StoreUnavailable, database_url, open_store

RETRY_S = 10.0

_STORES: dict[str, Store] = {}  # by database URL (tests point sessions at other databases)
_FAILED: dict[str, tuple[float, StoreUnavailable]] = {}
_LOCK = threading.Lock()


def store() -> Store:
    """The server's Store for EXPLORER_DATABASE_URL; raises StoreUnavailable while it cannot be reached."""
    url = database_url()
    with _LOCK:
        if url in _STORES:
            return _STORES[url]
        failed = _FAILED.get(url)
        if failed is not None and time.monotonic() - failed[0] < RETRY_S:
            raise failed[1]
        try:
            _STORES[url] = open_store(url)
        except StoreUnavailable as err:
            _FAILED[url] = (time.monotonic(), err)
            raise
        _FAILED.pop(url, None)
        return _STORES[url]


def forget() -> None:
    """Close every store and forget failures (tests start over with a new database)."""
    with _LOCK:
        for opened in _STORES.values():
            opened.close()
        _STORES.clear()
        _FAILED.clear()
