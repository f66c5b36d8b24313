"""The Compare page's sweep in `st.session_state`: started by Run, trained a time slice per tick, dropped by Cancel.

Locally the sweep trains in the page's own ticks (`LiveSweep`), so nothing trains while the page is not
drawn and Cancel stops it at once; with a Dask scheduler set (`EXPLORER_DASK_SCHEDULER`) the cluster trains
it and a tick only collects finished groups (`PooledSweep`). Either way a tick never blocks the page.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import streamlit as st
import torch

from explorer.charts.compare import CurveBands, labels
from explorer.config import ConfigError
from explorer.sweeps import executors
from explorer.sweeps.sweep import LiveSweep, PooledSweep, RunResult, Sweep, SweepResult

SWEEP = "compare.sweep"  # the Active sweep, running or finished
NOTICE = "compare.notice"  # (kind, line) to show once: a sweep that could not start, or was cancelled
TICK_SECONDS = 0.15  # training time per tick: short enough that a click is answered at once
TICK_EVERY = 0.3  # seconds between ticks while running

log = logging.getLogger(__name__)


@dataclass
class Active:
    """A sweep, how it trains, its legend names and its cached curve bands."""

    sweep: Sweep
    live: LiveSweep | PooledSweep
    names: list[str]
    bands: CurveBands
    started: float = field(default_factory=time.perf_counter)
    result: SweepResult | None = None  # set once, when training ends
    error: str = ""
    cancelled: bool = False
    files: dict[str, str] = field(default_factory=dict)  # the downloads, made once the sweep is done
    posted: bool = False  # its runs went to the session's room (once, when it ended)
    # Held while the sweep trains: a Cancel click's rerun may start while a tick is still in `advance`.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def running(self) -> bool:
        return self.result is None and not self.error and not self.cancelled

    @property
    def seconds(self) -> float:
        return (self.result.seconds if self.result is not None else time.perf_counter() - self.started) or 0.0

    def runs(self) -> list[RunResult]:
        return self.result.runs if self.result is not None else self.live.runs()


def current() -> Active | None:
    return st.session_state.get(SWEEP)


def notice() -> tuple[str, str] | None:
    """What to tell the user once (then forgotten)."""
    return st.session_state.pop(NOTICE, None)


# ---- the buttons' callbacks (they run before the script, so the page draws the new state) ------
def start(sweep: Sweep) -> None:
    """Run: drop any previous sweep and start this one (on the Dask cluster when one is set)."""
    cancel(quiet=True)
    torch.set_num_threads(1)  # sessions train side by side; one core each keeps them all responsive
    address = executors.scheduler_address()
    try:
        live = LiveSweep(sweep) if address is None else PooledSweep(sweep, *executors.open_dask(address))
    except ConfigError as err:  # ExecutorError: the scheduler cannot be reached
        st.session_state[NOTICE] = ("error", str(err))
        return
    names = labels(sweep.grid, sweep.configurations())
    st.session_state[SWEEP] = Active(sweep, live, names, CurveBands(names))


def cancel(quiet: bool = False) -> None:
    """Stop the running sweep now and forget it (a tick still in its slice finishes that slice, no more)."""
    active = st.session_state.pop(SWEEP, None)
    if active is None:
        return
    active.cancelled = True
    with active.lock:
        active.live.cancel()
    if not quiet and active.result is None:
        st.session_state[NOTICE] = ("info", "Sweep cancelled: press Run to start again.")


def tick(active: Active) -> bool:
    """Train a running sweep for one time slice; returns True when this tick ended it (done or failed)."""
    with active.lock:
        if not active.running:
            return False
        try:
            active.live.advance(TICK_SECONDS)
        except ConfigError as err:  # e.g. a skew on a feature some dataset of the grid lacks
            active.error = f"The sweep stopped: {err}"
            return True
        except Exception as err:  # never a traceback on the page; the log keeps it
            log.exception("sweep failed")
            active.error = f"The sweep stopped: {type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}"
            return True
        if not active.live.done:
            return False
        active.result = active.live.result()
        active.error = active.live.error
        return True
