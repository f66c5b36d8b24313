"""Vega-Lite specs and rows for a workshop room's board: pure functions of `explorer.rooms.Board`.

As on the other pages a spec holds no data and is cached on what fixes it (the groups' labels and the metric),
so the board's live refresh sends the same spec with new rows. The curves are bounded: each run is thinned to a
share of `MAX_CURVE_ROWS`, however many learners post.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from explorer.charts.base import CANVAS, EPOCH_X, Spec, compact_frame, noise_sentence, scheme, thin_indices
from explorer.rooms import Board, Group
from explorer.sweeps import stats
from explorer.teaching.labels import LOWER_IS_BETTER, capitalised, metric_words

MAX_CURVE_ROWS = 6_000  # curve rows per refresh, every run and median together
MAX_POINTS = 200  # per run: what a room stores
MIN_POINTS = 20  # per run, however many there are
PLOT_HEIGHT = 300
RUN_LINE, MEDIAN_LINE = "one run", "median"  # the two kinds of line on the curves chart


# ---- numbers as text -------------------------------------------------------------------------------------
def is_share(metric: str | None) -> bool:
    return metric == "test_accuracy"


def value_text(value: float | None, metric: str | None) -> str:
    if value is None or not math.isfinite(value):
        return "–"
    return f"{value:.1%}" if is_share(metric) else f"{value:.4g}"


def interval_text(summary: Mapping[str, float | None], metric: str | None) -> str:
    low, high = summary.get("ci95_low"), summary.get("ci95_high")
    if low is None or high is None:
        return "–"
    return f"[{value_text(low, metric)}, {value_text(high, metric)}]"


def _format(metric: str | None) -> str:
    return ".1%" if is_share(metric) else ".4~g"


def _scale(metric: str | None) -> Spec:
    if is_share(metric):
        return {"domain": [0, 1]}
    if metric in LOWER_IS_BETTER:
        return {"type": "log"}
    return {"domain": [-1, 1]} if metric == "test_r2" else {"zero": False}


# ---- the order of groups ---------------------------------------------------------------------------------
def ranked(board: Board) -> list[Group]:
    """Groups best first on the board's metric (lowest first for a loss); groups with no median last."""
    sign = 1.0 if board.metric in LOWER_IS_BETTER else -1.0

    def key(group: Group) -> tuple[bool, float]:
        median = group.summary.get("median")
        return (median is None, sign * (median if median is not None else 0.0))

    return sorted(board.groups, key=key)


def noise_note(board: Board) -> str:
    """The 'within seed noise' sentence of Compare, over the groups that have an interval (two runs or more)."""
    measured = [g for g in ranked(board) if g.summary.get("median") is not None]
    if len(measured) < 2:
        return ""
    with_spread = [g for g in measured if len(g.runs) >= 2]
    if len(with_spread) < 2:
        return (
            "A group of one run has no interval, so nothing here can be told from seed noise yet: post 3 or more "
            "seeds of each setting."
        )
    best, others = with_spread[0], with_spread[1:]
    close = [g.label for g in others if stats.overlaps(dict(best.summary), dict(g.summary))]
    return noise_sentence(best.label, close, "group", "these runs")


# ---- the curves: every run thin, each group's median bold ---------------------------------------------------
def points_per_run(n_runs: int) -> int:
    return max(MIN_POINTS, min(MAX_POINTS, MAX_CURVE_ROWS // max(n_runs, 1)))


def _points(curve: Sequence[Mapping[str, Any]], metric: str, keep: int) -> tuple[np.ndarray, np.ndarray]:
    found = [(p["epoch"], p.get(metric)) for p in curve if p.get(metric) is not None]
    if not found:
        return np.empty(0), np.empty(0)
    kept = [found[i] for i in thin_indices(len(found), keep)]
    epochs, values = zip(*kept, strict=True)
    return np.asarray(epochs, dtype=np.int64), np.asarray(values, dtype=np.float64)


def curve_frame(board: Board) -> pd.DataFrame:
    """Rows (group, run, line, epoch, value): each visible run's curve of the board's metric, thinned, and each
    group's epoch-wise median."""
    columns: dict[str, list[Any]] = {"group": [], "run": [], "line": [], "epoch": [], "value": []}
    metric = board.metric
    if metric is not None:
        keep = points_per_run(board.runs + len(board.groups))
        for group in board.groups:
            lines = [(f"#{run.id}", RUN_LINE, run.curve) for run in group.runs]
            lines.append((f"median of {group.label}", MEDIAN_LINE, group.curve))
            for name, line, curve in lines:
                epochs, values = _points(curve, metric, keep)
                columns["group"] += [group.label] * len(epochs)
                columns["run"] += [name] * len(epochs)
                columns["line"] += [line] * len(epochs)
                columns["epoch"] += epochs.tolist()
                columns["value"] += values.tolist()
    if not columns["epoch"]:
        return pd.DataFrame({name: pd.Series(dtype=object) for name in columns})
    text = ("group", "run", "line")
    return compact_frame({name: np.asarray(v, dtype=object if name in text else None) for name, v in columns.items()})


def _color(groups: tuple[str, ...]) -> Spec:
    return {
        "field": "group",
        "type": "nominal",
        "title": "group",
        "scale": {"domain": list(groups), **scheme(len(groups))},
        "legend": {"orient": "bottom", "direction": "vertical", "labelLimit": 600, "symbolType": "stroke"},
    }


@lru_cache(maxsize=32)
def curve_spec(groups: tuple[str, ...], metric: str) -> Spec:
    """Each run a thin line, each group's epoch-wise median bold, coloured by group."""
    words = metric_words(metric)
    fmt = _format(metric)
    y = {"field": "value", "type": "quantitative", "title": words, "scale": _scale(metric), "axis": {"format": fmt}}
    tooltip = [
        {"field": "group", "type": "nominal", "title": "group"},
        {"field": "run", "type": "nominal", "title": "line"},
        {"field": "epoch", "type": "quantitative", "title": "epoch"},
        {"field": "value", "type": "quantitative", "title": words, "format": fmt},
    ]
    encoding = {"x": EPOCH_X, "y": y, "color": _color(groups), "detail": {"field": "run"}, "tooltip": tooltip}
    return {
        "height": PLOT_HEIGHT,
        "usermeta": CANVAS,  # a line per run, redrawn every refresh: canvas is cheaper than SVG
        "title": {
            "text": f"{capitalised(words)} per epoch",
            "anchor": "start",
            "subtitle": "each posted run a thin line; each group's median over its runs bold",
        },
        "layer": [
            {
                "transform": [{"filter": {"field": "line", "equal": RUN_LINE}}],
                "mark": {"type": "line", "strokeWidth": 1, "opacity": 0.35, "clip": True},
                "encoding": encoding,
            },
            {
                "transform": [{"filter": {"field": "line", "equal": MEDIAN_LINE}}],
                "mark": {"type": "line", "strokeWidth": 3.5, "clip": True},
                "encoding": encoding,
            },
        ],
    }


# ---- each group's final metric: its median and the interval of the median ---------------------------------
def interval_frame(board: Board) -> pd.DataFrame:
    rows = [
        {
            "group": g.label,
            "median": g.summary.get("median"),
            "low": g.summary.get("ci95_low"),
            "high": g.summary.get("ci95_high"),
            "runs": len(g.runs),
        }
        for g in board.groups
        if g.summary.get("median") is not None
    ]
    return pd.DataFrame(rows, columns=["group", "median", "low", "high", "runs"])


@lru_cache(maxsize=32)
def interval_spec(groups: tuple[str, ...], metric: str) -> Spec:
    """One row per group: the median of its runs' final metric (dot) and its 95% bootstrap interval (bar)."""
    words = metric_words(metric)
    fmt = _format(metric)
    scale = {"type": "log"} if metric in LOWER_IS_BETTER else {"zero": False}  # zoomed on the groups' values
    x = {"field": "median", "type": "quantitative", "title": f"final {words}", "scale": scale, "axis": {"format": fmt}}
    y = {"field": "group", "type": "nominal", "title": None, "sort": list(groups), "axis": {"labelLimit": 400}}
    color = {**_color(groups), "legend": None}
    tooltip = [
        {"field": "group", "type": "nominal", "title": "group"},
        {"field": "median", "type": "quantitative", "title": "median", "format": fmt},
        {"field": "low", "type": "quantitative", "title": "95% interval from", "format": fmt},
        {"field": "high", "type": "quantitative", "title": "95% interval to", "format": fmt},
        {"field": "runs", "type": "quantitative", "title": "runs"},
    ]
    return {
        "height": {"step": 34},
        "title": {
            "text": f"Final {words} by group",
            "anchor": "start",
            "subtitle": ["median of the group's runs (dot)", f"{stats.INTERVAL_TEXT} (bar)"],
        },
        "layer": [
            {
                "mark": {"type": "rule", "strokeWidth": 3, "opacity": 0.6},
                "encoding": {"x": {**x, "field": "low"}, "x2": {"field": "high"}, "y": y, "color": color},
            },
            {
                "mark": {"type": "point", "filled": True, "size": 90},
                "encoding": {"x": x, "y": y, "color": color, "tooltip": tooltip},
            },
        ],
    }


# ---- the tables ------------------------------------------------------------------------------------------------
def groups_frame(board: Board) -> pd.DataFrame:
    """One row per group, best first: its runs, how many people posted them, the median and its interval."""
    rows = [
        {
            "rank": rank,
            "group": g.label,
            "runs": len(g.runs),
            "people": len({run.member_id for run in g.runs}),
            "median": g.summary.get("median"),
            "interval": interval_text(g.summary, board.metric),
        }
        for rank, g in enumerate(ranked(board), 1)
    ]
    return pd.DataFrame(rows, columns=["rank", "group", "runs", "people", "median", "interval"])


ANONYMOUS = "(no nickname)"


def runs_frame(board: Board, links: Mapping[int, str]) -> pd.DataFrame:
    """One row per visible run, newest first: who, its group, seed, final numbers, time, and its Train link."""
    rows = []
    for group in board.groups:
        for run in group.runs:
            epochs = int(run.curve[-1]["epoch"]) if run.curve else None
            rows.append(
                {
                    "run": run.id,
                    "who": run.nickname or ANONYMOUS,
                    "group": group.label,
                    "seed": run.seed,
                    "metric": run.metrics.get(board.metric) if board.metric else None,
                    "test_loss": run.metrics.get("test_loss"),
                    "epochs": epochs,
                    "seconds": run.seconds,
                    "posted": run.posted_at.strftime("%H:%M:%S UTC"),
                    "link": links.get(run.id),
                }
            )
    rows.sort(key=lambda row: -row["run"])
    columns = ["run", "who", "group", "seed", "metric", "test_loss", "epochs", "seconds", "posted", "link"]
    return pd.DataFrame(rows, columns=columns)
