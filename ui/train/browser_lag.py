"""A probe in the Train page's tick that tells the server when this browser draws the ticks late.

The server cannot see a browser fall behind: a browser short of CPU still asks for each tick on time, but
draws the answers later and later (Streamlit's frontend re-renders the whole page for each), and a click
then waits behind them. So each tick carries the server's clock, and the probe, run by the browser as it
draws that tick, compares the delay with the shortest it has seen lately (which also absorbs any offset
between the two clocks). The probe is drawn while the run is paused too, and those draws of an idle page
count for the shortest: pages that all start playing at once may never draw a tick on time, and a baseline
taken from late ticks hid their backlog (some of 8 Chromium pages on 2 cores said nothing for 20 s). The
browser is falling behind when the median of its last ticks at the page's present pace (`RUN_OF` to
`MEDIAN_OF` of them) was drawn over `LATE_SECONDS` later than that. It then says so, at most once every
`QUIET_SECONDS`: a trigger that reruns the tick, where the page's pace (`ui.train.pace`) slows it down.
A median, not every tick: under load a few ticks slip through on time while the rest (and every click)
queue behind the other pages' redraws; and not one late tick either, which is only a heavy redraw
before it. Ticks drawn before the pace changed say nothing about the new one.
Clients that run no JavaScript never say it, and keep the pace their tick times allow.
"""

from __future__ import annotations

import time

import streamlit as st

LATE_SECONDS = 0.4  # 8 pages' browsers on 2 cores: a median this late went with clicks answered in 1-4 s
RUN_OF = 3  # ticks drawn at the present pace before the browser may judge it...
MEDIAN_OF = 5  # ...by the median of at most this many of them
QUIET_SECONDS = 2.0
QUIET_SECONDS_SLOWEST = 30.0  # at the slowest pace saying it changes nothing, and each time costs a rerun
WINDOW = 120  # ticks whose shortest delay is the baseline (a minute at the fastest pace)

_JS = """
export default function ({ data, setTriggerValue }) {
  const probe = (window.__explorerLag ??= { delays: [], sent: null, said: 0, pace: null, fresh: 0 });
  if (data.sent === probe.sent) return;  // the page re-rendered for another reason: not a new tick
  probe.sent = data.sent;
  const now = Date.now() / 1000;
  const delay = now - data.sent;
  probe.delays.push(delay);
  if (probe.delays.length > data.window) probe.delays.shift();
  if (!data.playing) { probe.fresh = 0; return; }  // a draw of the idle page: a baseline, nothing to judge
  if (data.pace !== probe.pace) { probe.pace = data.pace; probe.fresh = 0; }  // judge each pace by its own ticks
  probe.fresh += 1;
  const shortest = Math.min(...probe.delays);
  const recent = probe.delays.slice(-Math.min(probe.fresh, data.median_of)).sort((a, b) => a - b);
  const late = recent[Math.floor(recent.length / 2)] - shortest;  // the median of the last few
  if (probe.fresh >= data.run_of && late > data.late && now - probe.said > data.quiet) {
    probe.said = now;
    setTriggerValue("late", late);
  }
}
"""
_PROBE = st.components.v2.component("explorer_lag_probe", js=_JS)


def _heard() -> None:
    """The trigger's callback: its value is read from the probe's result in the same rerun."""


def drew_late(key: str, playing: bool, pace: int, slowest: bool = False) -> bool:
    """Draw the probe in this tick (nothing visible); True when the browser just said it falls behind
    (how far is not needed: the page then goes to its slowest pace). `playing`: else the draw only adds to
    the baseline (an idle page's draw is the quickest the browser has, and pages that all start playing at
    once may never draw a tick on time); `pace`: the page's level, whose ticks alone are judged; `slowest`:
    the page already redraws at its slowest pace."""
    quiet = QUIET_SECONDS_SLOWEST if slowest else QUIET_SECONDS
    data = {
        "sent": time.time(),
        "late": LATE_SECONDS,
        "quiet": quiet,
        "window": WINDOW,
        "run_of": RUN_OF,
        "median_of": MEDIAN_OF,
        "pace": pace,
        "playing": playing,
    }
    result = _PROBE(key=key, data=data, on_late_change=_heard, width="content", height=0)
    return isinstance(getattr(result, "late", None), int | float)
