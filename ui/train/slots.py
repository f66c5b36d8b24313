"""Fair turns at the server's cores for the sessions that are training.

Every session trains in its own script thread of one Python process. Left alone, eight sessions training
at once fight over two cores and the interpreter lock: each gets a sliver, and a click waits seconds for
its rerun. Here at most `slots` sessions (one per core by default) compute at a time; the others wait in
arrival order and their page says so. A session that has had its turn goes to the back of the line, so
turns go round. A session that stops asking (paused, closed its tab, lost its connection) drops out of
the line after `STALE_SECONDS`, so it never holds up the others.

This is the one piece of state the sessions share on purpose; it holds session ids and times, no data.
"""

from __future__ import annotations

import os
import threading
import time
from collections import OrderedDict
from collections.abc import Callable

STALE_SECONDS = 2.0  # a session asks every tick (0.25 s); one silent this long is gone or paused


def default_slots() -> int:
    """EXPLORER_TRAINING_SLOTS, else one per core the process may use."""
    configured = os.environ.get("EXPLORER_TRAINING_SLOTS", "")
    if configured.isdigit() and int(configured) > 0:
        return int(configured)
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


class TrainingSlots:
    """A line of sessions and `slots` places at the front of it that may compute now."""

    def __init__(self, slots: int, clock: Callable[[], float] = time.monotonic) -> None:
        if slots < 1:
            raise ValueError(f"slots must be at least 1, got {slots}")
        self.slots = slots
        self._clock = clock
        self._lock = threading.Lock()
        self._waiting: OrderedDict[str, float] = OrderedDict()  # session id -> last time it asked
        self._running: set[str] = set()

    def ask(self, session: str) -> int:
        """0: take a turn now (then `done`); n > 0: n sessions are ahead of this one."""
        with self._lock:
            now = self._clock()
            for stale in [s for s, seen in self._waiting.items() if now - seen > STALE_SECONDS]:
                del self._waiting[stale]
            self._waiting[session] = now  # keeps its place in line; a newcomer joins at the back
            free = self.slots - len(self._running)
            ahead = list(self._waiting).index(session)
            if ahead < free:
                del self._waiting[session]
                self._running.add(session)
                return 0
            return ahead - free + 1

    def done(self, session: str) -> None:
        """The turn is over: the next ask joins the back of the line."""
        with self._lock:
            self._running.discard(session)

    def leave(self, session: str) -> None:
        """The session stopped training (paused, finished): out of the line at once."""
        with self._lock:
            self._running.discard(session)
            self._waiting.pop(session, None)

    @property
    def waiting(self) -> int:
        with self._lock:
            return len(self._waiting)

    @property
    def active(self) -> int:
        """Sessions training or waiting for a turn."""
        with self._lock:
            return len(self._waiting) + len(self._running)


SLOTS = TrainingSlots(default_slots())
