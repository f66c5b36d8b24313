"""A probe in the Train page's tick that tells the server when this browser draws the ticks late.

The server cannot see a browser fall behind: a browser short of CPU still asks for each tick on time, but
draws the answers later and later (Streamlit's frontend re-renders the whole page for each), and a click
then waits behind them. So each tick carries the server's clock, and the probe, run by the browser as it
draws that tick, compares the delay with the shortest it has seen lately (which also absorbs any offset
between the two clocks). When each of the last `RUN_OF` ticks was drawn over `LATE_SECONDS` later than
that, the browser is falling behind (one late tick is only a heavy redraw before it, such as "Inside the
network"), and it says so, at most once every `QUIET_SECONDS`: a trigger that reruns the tick, where the
page's pace (`ui.pace`) slows it down.
Clients that run no JavaScript never say it, and keep the pace their tick times allow.
"""

from __future__ import annotations

import time

import streamlit as st

LATE_SECONDS = 0.75  # beyond a heavy redraw before it, a tick drawn this late means a backlog
RUN_OF = 3
QUIET_SECONDS = 3.0
QUIET_SECONDS_SLOWEST = 30.0  # at the slowest pace saying it changes nothing, and each time costs a rerun
WINDOW = 120  # ticks whose shortest delay is the baseline (a minute at the fastest pace)

_JS = """
export default function ({ data, setTriggerValue }) {
  const probe = (window.__explorerLag ??= { delays: [], sent: null, said: 0 });
  if (data.sent === probe.sent) return;  // the page re-rendered for another reason: not a new tick
  probe.sent = data.sent;
  const now = Date.now() / 1000;
  const delay = now - data.sent;
  probe.delays.push(delay);
  if (probe.delays.length > data.window) probe.delays.shift();
  const shortest = Math.min(...probe.delays);
  const late = Math.min(...probe.delays.slice(-data.run_of)) - shortest;  // the least late of the last few
  if (probe.delays.length >= data.run_of && late > data.late && now - probe.said > data.quiet) {
    probe.said = now;
    setTriggerValue("late", late);
  }
}
"""
_PROBE = st.components.v2.component("explorer_lag_probe", js=_JS)


def _heard() -> None:
    """The trigger's callback: its value is read from the probe's result in the same rerun."""


def drew_late(key: str, slowest: bool = False) -> float | None:
    """Draw the probe in this tick (nothing visible); when the browser just said it falls behind, the
    seconds by which it drew the least late of its last `RUN_OF` ticks late, else None. `slowest`: the
    page already redraws at its slowest pace."""
    quiet = QUIET_SECONDS_SLOWEST if slowest else QUIET_SECONDS
    data = {"sent": time.time(), "late": LATE_SECONDS, "quiet": quiet, "window": WINDOW, "run_of": RUN_OF}
    result = _PROBE(key=key, data=data, on_late_change=_heard, width="content", height=0)
    late = getattr(result, "late", None)
    return float(late) if isinstance(late, int | float) else None
