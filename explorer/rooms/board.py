"""A room's board from its runs: groups by the settings that differ, each group's median and interval.

Pure functions over plain `RunRecord`s, so the statistics are tested without a database. Runs are grouped by
the Config keys the instructor chose, or else by every key in which the visible runs differ (the seed aside:
seeds are what a group's median is taken over). A group's interval is `explorer.sweeps.stats`' bootstrap of
the median, so the board and the Compare page speak of seed noise the same way.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from explorer.config import ACTIVATIONS, DATASETS, INITS, KEYS, NORMS, OPTIMIZERS, SCALERS, Config, format_value
from explorer.rooms.records import Room, RunRecord
from explorer.sweeps import stats

ALL_RUNS = "all runs"  # the one group's label when no setting differs
PREFERRED_METRICS = ("test_accuracy", "test_r2", "test_metric", "test_loss")  # the board's default, first found
CHOICES = {
    "dataset": DATASETS,
    "scaler": SCALERS,
    "activation": ACTIVATIONS,
    "norm": NORMS,
    "optimizer": OPTIMIZERS,
    "init": INITS,
}
DEFAULTS = Config().to_dict()  # a run posted before a key existed had that key's default


@dataclass(frozen=True)
class Group:
    label: str  # e.g. "norm=bn_before" or "norm=bn_before, lr=0.1"
    values: tuple[tuple[str, Any], ...]  # (key, value) for each compared key
    runs: tuple[RunRecord, ...]
    summary: Mapping[str, float | None]  # the chosen metric: median, mean, ci95_low, ci95_high
    curve: tuple[Mapping[str, float | int | None], ...]  # epoch-wise medians over the epochs all curves share


@dataclass(frozen=True)
class Board:
    room: Room
    members: int  # joined
    posters: int  # members with a run on the board
    runs: int  # runs on the board (hidden ones not counted)
    hidden: int
    keys: tuple[str, ...]  # what the groups differ in
    metric: str | None  # the metric summarised
    metrics: tuple[str, ...]  # every metric the runs have, to choose from
    groups: tuple[Group, ...]
    overlaps: Mapping[tuple[str, str], bool]  # per pair of group labels: intervals overlap (within seed noise)

    @property
    def all_overlap(self) -> bool:
        """No pair of groups is told apart beyond seed noise (also true with fewer than two groups)."""
        return all(self.overlaps.values())


def full_config(config: Mapping[str, Any]) -> dict[str, Any]:
    return {**DEFAULTS, **config}


def _hashable(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


def differing_keys(configs: Sequence[Mapping[str, Any]]) -> tuple[str, ...]:
    """The Config keys, in KEYS order, whose values are not all equal across `configs` (seed left out)."""
    full = [full_config(c) for c in configs]
    return tuple(name for name in KEYS if name != "seed" and len({_hashable(c.get(name)) for c in full}) > 1)


def label(values: Sequence[tuple[str, Any]]) -> str:
    return ", ".join(f"{name}={format_value(value)}" for name, value in values) or ALL_RUNS


def _order(name: str, value: Any) -> tuple[Any, ...]:
    """Choices in their list's order (norm: none, bn_before, …), numbers by size, the rest by text."""
    choices = CHOICES.get(name, ())
    if value in choices:
        return (0, choices.index(value), ())
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (1, value, ())
    if isinstance(value, (list, tuple)):
        return (2, len(value), tuple(value))
    return (3, 0, (format_value(value),))


def group_runs(
    runs: Sequence[RunRecord], keys: Sequence[str]
) -> list[tuple[tuple[tuple[str, Any], ...], list[RunRecord]]]:
    """Runs by their values of `keys`, the groups in the keys' natural order, runs in the order given."""
    groups: dict[tuple[Any, ...], list[RunRecord]] = {}
    for run in runs:
        config = full_config(run.config)
        groups.setdefault(tuple(_hashable(config.get(name)) for name in keys), []).append(run)
    ordered = sorted(groups, key=lambda values: [_order(n, v) for n, v in zip(keys, values, strict=True)])
    return [(tuple(zip(keys, values, strict=True)), groups[values]) for values in ordered]


def median_curve(curves: Sequence[Sequence[Mapping[str, Any]]]) -> tuple[dict[str, float | int | None], ...]:
    """Per epoch that every non-empty curve has, the median of each field over the curves (finite values only)."""
    by_epoch = [{point["epoch"]: point for point in curve} for curve in curves if curve]
    if not by_epoch:
        return ()
    shared = sorted(set.intersection(*(set(points) for points in by_epoch)))
    fields = list(dict.fromkeys(f for points in by_epoch for p in points.values() for f in p if f != "epoch"))
    medians = []
    for epoch in shared:
        row: dict[str, float | int | None] = {"epoch": epoch}
        for name in fields:
            values = [points[epoch].get(name) for points in by_epoch]
            finite = [v for v in values if v is not None and math.isfinite(v)]
            row[name] = float(np.median(finite)) if finite else None
        medians.append(row)
    return tuple(medians)


def metric_names(runs: Sequence[RunRecord]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(name for run in runs for name in run.metrics))


def choose_metric(runs: Sequence[RunRecord], metric: str | None = None) -> str | None:
    """The metric asked for if any run has it, else the first of PREFERRED_METRICS found, else the first seen."""
    names = metric_names(runs)
    for candidate in (metric, *PREFERRED_METRICS):
        if candidate in names:
            return candidate
    return names[0] if names else None


def build_board(room: Room, runs: Sequence[RunRecord], members: int, metric: str | None = None) -> Board:
    """The board of `room` over all its runs (hidden ones are counted, never shown or summarised)."""
    visible = [run for run in runs if not run.hidden]
    keys = room.keys or differing_keys([run.config for run in visible])
    chosen = choose_metric(visible, metric)
    groups = tuple(
        Group(
            label=label(values),
            values=values,
            runs=tuple(group),
            summary=stats.summarize([run.metrics.get(chosen) for run in group] if chosen else []),
            curve=median_curve([run.curve for run in group]),
        )
        for values, group in group_runs(visible, keys)
    )
    overlaps = {(a.label, b.label): stats.overlaps(a.summary, b.summary) for a, b in itertools.combinations(groups, 2)}
    return Board(
        room=room,
        members=members,
        posters=len({run.member_id for run in visible}),
        runs=len(visible),
        hidden=len(runs) - len(visible),
        keys=tuple(keys),
        metric=chosen,
        metrics=metric_names(visible),
        groups=groups,
        overlaps=overlaps,
    )
