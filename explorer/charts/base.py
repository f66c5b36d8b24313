"""What every page's chart module shares: the spec and chart types, the colours, and bounded, cheap frames.

The page modules (train, insides, compare, learn, data) import these from here and never from one another,
so a page's charts can change without touching another page's (tests/charts/test_base.py checks it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

Spec = dict[str, Any]

MAX_POINTS = 300  # per series: enough for a smooth line, small enough to resend every tick
CANVAS = {"embedOptions": {"renderer": "canvas"}}  # many marks redrawn every tick: canvas is cheaper than SVG

# ---- colours: Vega's category10 by name, so a fixed colour matches the one a legend's scheme would pick ----
BLUE = "#1f77b4"
ORANGE = "#ff7f0e"
GREEN = "#2ca02c"
RED = "#d62728"
PURPLE = "#9467bd"
GREY = "#7f7f7f"
PALETTE = [BLUE, ORANGE, GREEN, RED]  # a few series in a fixed order


def scheme(n: int) -> Spec:
    """A nominal scale's colours for `n` series: category10 while it has enough, then tableau20."""
    return {"scheme": "category10" if n <= 10 else "tableau20"}


@dataclass(frozen=True)
class Chart:
    """One chart of a tick: a cached spec (no data in it) and the rows to draw with it."""

    spec: Spec
    data: pd.DataFrame

    @cached_property
    def table(self) -> pa.Table:
        """The rows as Arrow, what st.vega_lite_chart sends, made once however often the chart is drawn.

        Column by column it costs a fifth of pandas' own converter, which builds metadata a chart never
        reads: with many sessions on one server, a tick's conversions were a fifth of the server's time.
        """
        return pa.table({str(name): pa.array(column) for name, column in self.data.items()})


# ---- thinning and cleaning ---------------------------------------------------------------------
def thin_indices(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """Every k-th index plus the last, k a power of two, at most `max_points` in all.

    A power-of-two stride keeps the same points from tick to tick (they only change when k doubles),
    so a thinned line grows instead of shimmering as a long run goes on.
    """
    if n <= max_points:
        return np.arange(n)
    stride = 1 << math.ceil(math.log2(n / (max_points - 1)))
    kept = np.arange(0, n, stride)
    return kept if kept[-1] == n - 1 else np.append(kept, n - 1)


def finite(values: Any, positive: bool = False) -> np.ndarray:
    """NaN (drawn as a gap) where a value is not finite, or not positive on a log axis."""
    array = np.asarray(values, dtype=np.float64)
    ok = np.isfinite(array) & (array > 0) if positive else np.isfinite(array)
    return np.where(ok, array, np.nan)


def compact_frame(columns: dict[str, Any]) -> pd.DataFrame:
    """A frame that is cheap to send every tick: text as categories, numbers as float32 (ample on screen)."""
    typed = {}
    for name, column in columns.items():
        values = np.asarray(column)
        if values.dtype == object or values.dtype.kind == "U":
            codes, categories = pd.factorize(values)  # by hashing: a third of pd.Categorical(values)'s cost
            typed[name] = pd.Categorical.from_codes(codes, pd.Index(categories, dtype=object))
        elif values.dtype == np.float64:
            typed[name] = values.astype(np.float32)
        else:
            typed[name] = values
    return pd.DataFrame(typed, copy=False)  # typed first: a frame's own column-by-column astype costs 2×


# ---- the epoch axis and "where the run is now" -------------------------------------------------
EPOCH_X: Spec = {"field": "epoch", "type": "quantitative", "title": "epoch", "axis": {"format": "d", "tickMinStep": 1}}
EPOCH_TIP: Spec = {"field": "epoch", "type": "quantitative", "title": "epoch", "format": "d"}
_LATEST = [
    {"joinaggregate": [{"op": "max", "field": "epoch", "as": "latest"}]},
    {"filter": "datum.epoch == datum.latest"},
]


def with_latest(line: Spec) -> list[Spec]:
    """A line layer and a dot on its latest epoch: where the run is now, visible from the first epoch on."""
    mark = {k: v for k, v in line["mark"].items() if k != "tooltip"}
    encoding = {k: v for k, v in line["encoding"].items() if k != "strokeDash"}  # not a point's channel
    return [
        line,
        {"transform": _LATEST, "mark": {**mark, "type": "point", "filled": True, "size": 36}, "encoding": encoding},
    ]


# ---- seed noise, in words -------------------------------------------------------------------------
def noise_sentence(best: str, close: list[str], what: str, sample: str) -> str:
    """The sentence on the leader against the rest, the same on Compare and on a room's board: `close` are
    those whose 95% intervals overlap the leader's (`what`: 'configuration', 'group'; `sample`: 'these 5
    seeds', 'these runs')."""
    if close:
        listed = ", ".join(f"**{name}**" for name in close)
        return (
            f"The difference between **{best}** and {listed} is within seed noise: their 95% intervals "
            f"overlap, so {sample} cannot tell them apart."
        )
    return f"**{best}** is ahead of every other {what} by more than seed noise: its 95% interval overlaps no other's."
