"""The server's training processes (`explorer.runs.remote_training`), one pool per server process.

`EXPLORER_TRAINING_WORKERS` sets how many (default: one per core); 0 trains in the session's own script
thread instead, taking turns at the cores (`ui.train.slots`), as page tests do.
"""

from __future__ import annotations

import os
import threading

from explorer.runs.remote_training import TrainingPool
from ui.train.slots import default_slots

WORKERS_ENV = "EXPLORER_TRAINING_WORKERS"


def workers() -> int:
    """How many training processes this server runs (0: none, train in the script threads)."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    return int(configured) if configured.isdigit() else default_slots()


_POOLS: dict[int, TrainingPool] = {}  # one per server process (and size): every session's runs share it
_LOCK = threading.Lock()


def pool() -> TrainingPool | None:
    """The server's training processes, started on first use (each imports torch: seconds, in parallel)."""
    size = workers()
    if not size:
        return None
    with _LOCK:
        if size not in _POOLS:
            _POOLS[size] = TrainingPool(size)
            _POOLS[size].warm()  # start them now, not on the first Play
        return _POOLS[size]
