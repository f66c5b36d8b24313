"""The server's training processes (`explorer.runs.remote_training`), one pool per server process.

`EXPLORER_TRAINING_WORKERS` sets how many (default: one per core); 0 trains in the session's own script
thread instead, taking turns at the cores (`ui.train.slots`), as page tests do.
"""

from __future__ import annotations

import os

import streamlit as st

from explorer.runs.remote_training import TrainingPool
from ui.train.slots import default_slots

WORKERS_ENV = "EXPLORER_TRAINING_WORKERS"


def workers() -> int:
    """How many training processes this server runs (0: none, train in the script threads)."""
    configured = os.environ.get(WORKERS_ENV, "").strip()
    return int(configured) if configured.isdigit() else default_slots()


@st.cache_resource(show_spinner=False)
def _pool(size: int) -> TrainingPool:
    pool = TrainingPool(size)
    pool.warm()  # import torch in the workers now, not on the first Play
    return pool


def pool() -> TrainingPool | None:
    size = workers()
    return _pool(size) if size else None
