"""How often a session's Train page redraws while training plays: less often when its ticks arrive late.

Streamlit's frontend re-renders the whole page for every fragment run (about 0.1 s of a core for the Train
page), and the browser itself asks for each run on a timer. A server short of CPU answers those late; a
browser short of CPU (a slow laptop, or many sessions' browsers on one machine) fires its timers almost on
time but draws the answers late. Either way the redraws queue up and clicks wait behind them. Two signals
show it, and either sends the page's charts straight to their slowest pace (the epoch counter only to a tick
a second when the server alone is late: `Pace.counter_factor`):
- the tick fragment's own run times (`observe`): the median interval between recent ticks is well over the
  interval asked for (a busy server runs them late; a busy browser's timers fire late);
- the browser's word (`drew_late`, from `ui.train.browser_lag`): the median of its last few ticks at this pace
  was drawn well over its quickest.
A step at a time was slower to help: each step is a rerun of the whole page (the costliest redraw) and waits
for a window of ticks at the new pace, while the backlog keeps growing. With 8 Chromium pages on 2 cores,
dropping a level per doubling of the delay took 22-31 s and the clicks in it waited up to 13 s (p95 5.5-9.9
s); the browser's word alone going straight down, 2.5-5.0 s; both signals (and the probe's baseline taken
while the page is idle), 1.6 and 1.7 s, every page at its slowest 1.2-8.7 s after Play.
After `CALM_SECONDS` at a level with neither signal it tries one level faster again, so a browser or server
that was only briefly busy gets its pace back a level at a time.
"""

from __future__ import annotations

import itertools
import math
import statistics
from collections import deque
from dataclasses import dataclass, field

MAX_LEVEL = 3  # every chart's interval × 2**level
COUNTER_LEVEL_MAX = 1  # ... but a busy server slows the epoch counter only this far (× 2: a tick a second alone)
WINDOW = 5  # intervals between ticks that a decision looks at
LATE = 1.6  # median interval / interval asked for, above which the page slows down
ON_TIME = 1.25  # ... and below which, after CALM_SECONDS, it tries one level faster
CALM_SECONDS = 120.0
SETTLE_SECONDS = 2.0  # after a level change, how long a browser has to catch up before it may say "late" again


@dataclass
class Pace:
    level: int = 0
    ticks: deque[float] = field(default_factory=lambda: deque(maxlen=WINDOW + 1))
    changed_at: float = -math.inf
    late_at: float = -math.inf  # when the browser last said it drew a tick late
    browser_late: bool = False  # the browser said so at this pace: the epoch counter slows with the charts

    @property
    def slowest(self) -> bool:
        """At the slowest pace: a browser's word that it is late changes nothing more."""
        return self.level >= MAX_LEVEL

    @property
    def factor(self) -> int:
        """What the charts' redraw intervals are multiplied by at this level."""
        return 2**self.level

    @property
    def counter_factor(self) -> int:
        """What the epoch counter's interval is multiplied by. A busy server slows the charts (a chart's
        redraw costs it 30-40 ms) but keeps the counter at a tick a second (a few ms), so every learner
        still sees a new epoch each second; a busy browser re-renders the whole page for any tick, so
        there the counter slows with the charts."""
        return self.factor if self.browser_late else 2 ** min(self.level, COUNTER_LEVEL_MAX)

    def restart(self) -> None:
        """Forget the tick times (after a pause, the gap says nothing about the browser)."""
        self.ticks.clear()

    def observe(self, now: float, asked: float) -> bool:
        """Record a tick at `now` (monotonic seconds) of a fragment asked to run every `asked` seconds;
        True when the level changed, so the page must be drawn again to ask for the new intervals."""
        self.ticks.append(now)
        if len(self.ticks) <= WINDOW:
            return False
        lag = statistics.median(b - a for a, b in itertools.pairwise(self.ticks)) / asked
        if lag > LATE and self.level < MAX_LEVEL:
            return self._move(MAX_LEVEL, now)
        calm = min(now - self.changed_at, now - self.late_at) >= CALM_SECONDS
        if lag < ON_TIME and self.level > 0 and calm:
            return self._move(self.level - 1, now)
        return False

    def drew_late(self, now: float) -> bool:
        """The browser draws this page's ticks late (`ui.train.browser_lag`): down to the slowest pace. True
        when the level changed."""
        self.late_at = now
        if now - self.changed_at < SETTLE_SECONDS or (self.slowest and self.browser_late):
            return False
        self.browser_late = True
        return self._move(MAX_LEVEL, now)  # already there (a busy server sent it): the counter slows too

    def _move(self, level: int, now: float) -> bool:
        self.level, self.changed_at = level, now
        self.browser_late = self.browser_late and level > 0  # back at full pace: the next word starts afresh
        self.ticks.clear()
        return True
