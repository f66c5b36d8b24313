"""The Data page's heavy work in a helper process, so it never holds the server's shared process.

Why: every session's script runs in one process under one interpreter lock. Preparing 50,000 rows × 100
features with box_cox (SciPy fits each feature's exponent on its own: about 40 ms a feature, whatever the
rows) or applying every scaler to the digits took 5 s of it, and every other learner's page waited. Work
estimated above `explorer.runs.cost.PREPARE_IN_PAGE_S` runs here instead: one spawned process at a lower
CPU priority, shared by every session (jobs are keyed, so two sessions asking for the same config share one
job), which imports the engine's data layer and no torch. The page shows a placeholder and looks again
every half second (`ui.data.views.waiting`).
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import multiprocessing
import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures.process import BrokenProcessPool
from typing import Any

KEEP = 16  # finished jobs kept, so returning to a config is instant (as st.cache_data's entries)
HELPER_NICE = 10  # below the server: a page's redraw gets a core before the helper's next computation

_lock = threading.Lock()
_pool: concurrent.futures.ProcessPoolExecutor | None = None
_jobs: OrderedDict[tuple[str, str], concurrent.futures.Future] = OrderedDict()


def _lower_priority() -> None:
    with contextlib.suppress(OSError):
        os.nice(HELPER_NICE)


def _executor() -> concurrent.futures.ProcessPoolExecutor:
    global _pool
    if _pool is None:
        context = multiprocessing.get_context("spawn")  # a forked child of a threaded server can deadlock
        _pool = concurrent.futures.ProcessPoolExecutor(1, mp_context=context, initializer=_lower_priority)
    return _pool


def result(key: tuple[str, str], work: Callable[..., Any], *args: Any) -> Any | None:
    """`work(*args)`'s result once the helper process has it, None while it works (the first call starts it).
    Raises what `work` raised (a ConfigError keeps its one line and key). `work` must be importable by name."""
    global _pool
    with _lock:
        job = _jobs.get(key)
        if job is not None and job.done() and isinstance(job.exception(), BrokenProcessPool):
            _pool, job = None, None  # the helper died (killed, out of memory): start another, ask again
        if job is None:
            job = _executor().submit(work, *args)
            _jobs[key] = job
            while len(_jobs) > KEEP:
                _jobs.popitem(last=False)
        _jobs.move_to_end(key)
    return job.result() if job.done() else None
