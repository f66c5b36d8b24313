"""A playing run's speed limit in epochs per second, so a learner can watch each epoch arrive.

Unlimited, a small run is over before the eye follows it (moons' 60 epochs take ~2 s); limited, each epoch is
due at its time on a schedule that counts from when the limit was set or the run started playing. A run
that falls behind (a large epoch, a busy machine) is never made to catch up in a burst: its schedule starts
again from where it is, so what is drawn stays one epoch at a time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SPEEDS: tuple[float | None, ...] = (1.0, 2.0, 3.0, 5.0, 10.0, 25.0, None)  # None: as fast as it goes
DEFAULT_SPEED = 3.0  # the Train page's: its default run (60 epochs) lasts ~20 s, a new epoch each redraw
CATCH_UP_SECONDS = 0.6  # a run this far behind its schedule (or an epoch, if longer) starts it again from now


@dataclass
class SpeedLimit:
    """When the next epoch of a run may be trained, at `rate` epochs per second (None: no limit)."""

    rate: float | None = None
    _origin: tuple[float, int] | None = None  # (time, epoch) the schedule counts from

    def __post_init__(self) -> None:
        if self.rate is not None and not (math.isfinite(self.rate) and self.rate > 0):
            raise ValueError(f"rate must be a positive number of epochs per second or None, got {self.rate!r}")

    def restart(self, now: float, epoch: int) -> None:
        """Count the schedule from here: the next epoch is due one interval from `now` (after a pause, a
        change of rate, or a new run)."""
        self._origin = (now - self.interval, epoch) if self.rate is not None else None

    def set_rate(self, rate: float | None, now: float, epoch: int) -> None:
        self.rate = rate
        self.__post_init__()
        self.restart(now, epoch)

    @property
    def interval(self) -> float:
        """Seconds between epochs (0 without a limit)."""
        return 0.0 if self.rate is None else 1.0 / self.rate

    def due_in(self, now: float, epoch: int) -> float:
        """Seconds until the epoch after `epoch` may be trained (0: now)."""
        if self.rate is None:
            return 0.0
        if self._origin is None:
            self._origin = (now - self.interval, epoch)
        start, start_epoch = self._origin
        due = start + (epoch + 1 - start_epoch) * self.interval
        if now - due > max(self.interval, CATCH_UP_SECONDS):  # far behind: no burst, go on from here
            self._origin = (now - self.interval, epoch)
            return 0.0
        return max(0.0, due - now)

    def epochs_now(self, now: float, epoch: int) -> int | None:
        """How many epochs may be finished by training now: None for no limit, else those due by now (0 when
        the next is not due yet; training may stop within an epoch and go on later)."""
        if self.rate is None:
            return None
        if self.due_in(now, epoch) > 0.0:
            return 0
        start, start_epoch = self._origin  # set by due_in
        return max(1, math.floor((now - start) / self.interval) - (epoch - start_epoch))
