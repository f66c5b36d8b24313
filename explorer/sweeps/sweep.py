"""Sweeps: configurations × seeds, trained together by the training core, summarised over seeds.

A `Sweep` is a base Config, a grid (one or more keys, each with its values) and a number of seeds. Its
members are grouped by what must be equal to stack networks (data shape, architecture, optimizer, batch
size, epochs); each group is one `Members` model, trained in one call of `train_group`, which is what an
executor runs (local processes, a Dask cluster, or this thread). The page runs the same groups tick by
tick through `LiveSweep`, so it can draw curves while they train and stop at once.
"""

from __future__ import annotations

import dataclasses
import itertools
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, Future, as_completed
from dataclasses import dataclass, field
from typing import Any

import torch

from explorer.config import FILE_KEYS, KEYS, PER_MEMBER_KEYS, Config, ConfigError, format_value, parse_value
from explorer.core.members import Members, group_key, metric_name
from explorer.core.model import BOUNDED
from explorer.data import datasets
from explorer.data.pipeline import Prepared, prepare_all
from explorer.runs import probes
from explorer.runs.training import PROBE_ROWS, to_jsonable
from explorer.sweeps import executors, stats

MAX_MEMBERS = 256
NOT_GRID_KEYS = ("seed", *FILE_KEYS)  # seeds come from `seeds`; a file is part of the base, not a grid
MIN_PART_MEMBERS = 8  # a group is cut for idle workers no finer: below ~8 members a step is mostly op overhead
# One group step's time in one thread, roughly (within ~30% on moons and digits nets, K = 1 to 32, on this
# project's 2-core machine): dispatching its ~30 tensor ops, plus the arithmetic per member, parameter and row.
STEP_SECONDS = 200e-6
SECONDS_PER_PARAMETER_ROW = 2.5e-10


@dataclass(frozen=True)
class Member:
    """One run of the sweep: configuration `index` (into `Sweep.configurations()`) at one seed."""

    index: int
    seed: int
    config: Config


@dataclass(frozen=True)
class Sweep:
    base: Config
    grid: tuple[tuple[str, tuple[Any, ...]], ...]
    seeds: int = 1

    def __post_init__(self) -> None:
        if not 1 <= self.seeds <= MAX_MEMBERS:
            raise ConfigError(f"seeds={self.seeds}: expected an integer in [1, {MAX_MEMBERS}]")
        names = [name for name, _ in self.grid]
        if len(set(names)) != len(names):
            raise ConfigError(f"grid key {_first_repeat(names)!r} is given twice; list all its values once")
        for name, values in self.grid:
            if name not in KEYS:
                raise ConfigError(f"unknown grid key {name!r}; known keys: {', '.join(KEYS)}")
            if name in NOT_GRID_KEYS:
                why = "use --seeds to run several seeds" if name == "seed" else "a file is set in the base config"
                raise ConfigError(f"grid key {name!r} cannot vary: {why}")
            if not values:
                raise ConfigError(f"grid key {name!r} has no values; give at least one, e.g. {name}=a,b")
        total = len(self.configurations()) * self.seeds
        if total > MAX_MEMBERS:
            raise ConfigError(
                f"{len(self.configurations())} configurations × {self.seeds} seeds = {total} runs; "
                f"at most {MAX_MEMBERS} in one sweep"
            )
        for overrides in self.configurations():
            self.base.replace(**overrides)  # a combination the Config refuses raises its one-line error
        self.base.replace(seed=self.base.seed + self.seeds - 1)  # the last seed must be a valid seed too

    @classmethod
    def parse(cls, base: Config, grid_items: Iterable[str], seeds: int = 1) -> Sweep:
        """From `key=v1,v2` texts (CLI and URL); `|` separates values that contain commas (hidden, skew)."""
        return cls(base, tuple(parse_grid_item(item) for item in grid_items), seeds)

    @property
    def keys(self) -> list[str]:
        return [name for name, _ in self.grid]

    def configurations(self) -> list[dict[str, Any]]:
        """Every combination of the grid's values, in grid order (the first key varies slowest)."""
        names = self.keys
        return [dict(zip(names, combo, strict=True)) for combo in itertools.product(*(v for _, v in self.grid))]

    def members(self) -> list[Member]:
        return [
            Member(index, self.base.seed + s, self.base.replace(**overrides, seed=self.base.seed + s))
            for index, overrides in enumerate(self.configurations())
            for s in range(self.seeds)
        ]

    def groups(self, slots: int = 1) -> list[list[Member]]:
        """Members that can be stacked, by config alone (`train_group` splits further if data shapes differ).

        For `slots` workers that train at once, a large group is cut into near-equal parts of at least
        MIN_PART_MEMBERS, so that idle workers get a share: a member's results do not depend on which
        members it is stacked with (`tests/engine/test_sweep.py` checks it).
        """
        grouped: dict[tuple, list[Member]] = {}
        shared_keys = [f.name for f in dataclasses.fields(Config) if f.name not in PER_MEMBER_KEYS]
        for member in self.members():  # getattr, not to_dict: its deep copy cost more than the grouping
            shared = tuple(str(getattr(member.config, key)) for key in shared_keys)
            grouped.setdefault(shared, []).append(member)
        groups = list(grouped.values())
        if slots <= 1:
            return groups
        size = -(-sum(map(len, groups)) // slots)  # a part per slot, were the members spread evenly
        parts = []
        for group in groups:
            count = max(1, min(-(-len(group) // size), len(group) // MIN_PART_MEMBERS))
            parts.extend(_near_equal_parts(group, count))
        return parts

    def estimated_seconds(self) -> float:
        """About how long training takes in one thread (`STEP_SECONDS`' model): enough to tell whether
        worker processes, which take seconds to start, would pay for themselves."""
        total = 0.0
        for group in self.groups():
            config = group[0].config
            data = datasets.load(config)  # its shape: the group's members share it
            rows = len(data.y) - round(len(data.y) * config.test_size)
            widths = [data.X.shape[1], *config.hidden, data.n_classes if data.task == "classification" else 1]
            parameters = sum((n_in + 1) * n_out for n_in, n_out in itertools.pairwise(widths))
            arithmetic = len(group) * parameters * config.batch_size * SECONDS_PER_PARAMETER_ROW
            total += config.epochs * -(-rows // config.batch_size) * (STEP_SECONDS + arithmetic)
        return total

    def label(self, index: int) -> str:
        """What distinguishes configuration `index`: only the grid's keys, e.g. 'scaler=none, norm=bn_before'."""
        return overrides_label(self.configurations()[index])


def overrides_label(overrides: dict[str, Any]) -> str:
    """`Sweep.label` of one configuration's grid values."""
    return ", ".join(f"{k}={format_value(v) or 'none'}" for k, v in overrides.items()) or "base"


def parse_grid_item(item: str) -> tuple[str, tuple[Any, ...]]:
    """`KEY=V1,V2` (the CLI's --grid) to the key and its values; errors name the item as typed."""
    name, sep, text = item.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name:
        raise ConfigError(f"--grid {item!r}: expected KEY=VALUE[,VALUE…], e.g. norm=none,bn_before")
    if name not in KEYS:
        raise ConfigError(f"--grid {item!r}: unknown key {name!r}; known keys: {', '.join(KEYS)}")
    try:
        return name, parse_values(name, text)
    except ConfigError as err:
        raise ConfigError(f"--grid {item!r}: {err}") from None


def parse_values(name: str, text: str) -> tuple[Any, ...]:
    """One key's values as text, for the CLI and the Compare page alike: separated by commas, or by `|`
    for hidden and skew (their own values contain commas) or whenever a `|` is present; skew 'none' is
    no skew. Repeats are dropped; each value is parsed and checked as the Config would."""
    bars = "|" in text or name in ("hidden", "skew")
    separator = "|" if bars else ","
    raw = [part.strip() for part in text.split(separator)] if text.strip() else []
    if not raw:
        raise ConfigError(f"key {name!r} has no values; give at least one, e.g. {name}=a{separator}b")
    if name == "skew":
        raw = ["" if part == "none" else part for part in raw]
    elif "" in raw:
        raise ConfigError(f"{name}: an empty value; separate values with '{separator}'")
    return tuple(dict.fromkeys(parse_value(name, part) for part in raw))


def _near_equal_parts(members: list[Member], parts: int) -> list[list[Member]]:
    """`members` in `parts` consecutive runs whose lengths differ by at most one."""
    size, longer = divmod(len(members), parts)
    bounds = [i * size + min(i, longer) for i in range(parts + 1)]
    return [members[start:stop] for start, stop in itertools.pairwise(bounds)]


def _first_repeat(names: Sequence[str]) -> str:
    seen: set[str] = set()
    for name in names:
        if name in seen:
            return name
        seen.add(name)
    return ""


# ---- running one group ----------------------------------------------------------------------
@dataclass
class RunResult:
    """One member's outcome: its curve, final numbers, and (for each configuration's median seed) its
    per-layer, per-stage statistics at the end, as in the run report."""

    index: int
    seed: int
    config: Config
    task: str
    curve: list[dict[str, float]]
    diverged: bool
    message: str = ""
    seconds: float = 0.0
    layers: list[dict[str, Any]] | None = None
    train_loss_eval: float | None = None  # measured once the group has finished

    @property
    def metric_name(self) -> str:
        return metric_name(self.task)

    @property
    def final(self) -> dict[str, Any]:
        """As `train --json`'s final: train_loss is the last epoch's mean in train mode, train_loss_eval the
        training split's loss in eval mode at the end (None while training or when diverged)."""
        last = self.curve[-1] if self.curve else {}
        return {
            "epochs_run": len(self.curve),
            "train_loss": last.get("train_loss"),
            "train_loss_eval": self.train_loss_eval,
            "test_loss": last.get("test_loss"),
            self.metric_name: last.get(self.metric_name),
        }

    def to_json(self) -> dict[str, Any]:
        run = {
            "config": self.config.to_dict(),
            "seed": self.seed,
            "final": self.final,
            "diverged": self.diverged,
            "curve": self.curve,
        }
        if self.message:
            run["message"] = self.message
        return to_jsonable(run)


class GroupRun:
    """The members of one group, advanced by a time budget; data is prepared on the first call."""

    def __init__(self, members: Sequence[Member], prepared: Sequence[Prepared] | None = None) -> None:
        self.members = list(members)
        self._prepared = list(prepared) if prepared is not None else None
        self.parts: list[tuple[list[Member], Members]] = []
        self.seconds = 0.0

    def _build(self) -> None:
        prepared = self._prepared or prepare_all([m.config for m in self.members])
        split: dict[tuple, list[int]] = {}
        for i, (member, data) in enumerate(zip(self.members, prepared, strict=True)):
            split.setdefault(group_key(member.config, data), []).append(i)
        for indices in split.values():
            chosen = [self.members[i] for i in indices]
            self.parts.append((chosen, Members([m.config for m in chosen], [prepared[i] for i in indices])))
        self._prepared = None  # the Members hold what they need

    @property
    def built(self) -> bool:
        return bool(self.parts)

    @property
    def done(self) -> bool:
        return self.built and all(part.done for _, part in self.parts)

    @property
    def epochs_done(self) -> int:
        """Member-epochs trained so far (for progress); a part that stopped early (every member diverged)
        counts as complete, so a finished sweep shows 100%."""
        return sum((part.epochs if part.done else part.epoch) * part.k for _, part in self.parts)

    def advance(self, seconds: float | None = None) -> None:
        start = time.perf_counter()
        if not self.built:
            self._build()
        else:
            for _, part in self.parts:
                if not part.done:
                    part.advance(seconds=seconds) if seconds is not None else part.advance(epochs=part.epochs)
        self.seconds += time.perf_counter() - start

    def results(self, with_layers: bool = False) -> list[RunResult]:
        out = []
        for chosen, part in self.parts:
            share = self.seconds / max(len(self.members), 1)
            at_end = part.train_loss_eval() if part.done else None
            group = [
                RunResult(
                    m.index,
                    m.seed,
                    m.config,
                    part.task,
                    list(part.curves[i]),
                    bool(part.diverged[i]),
                    _divergence_message(part.diverged_at[i]),
                    share,
                    train_loss_eval=None if at_end is None or part.diverged[i] else float(at_end[i]),
                )
                for i, m in enumerate(chosen)
            ]
            if with_layers:
                _add_median_layers(group, part)
            out.extend(group)
        return out


def _divergence_message(at: tuple[int, float] | None) -> str:
    return "" if at is None else f"diverged at epoch {at[0]}: the loss became {at[1]}"


def median_member(runs: Sequence[RunResult]) -> int | None:
    """Position in `runs` of the run whose final metric is the median of the non-diverged ones (the lower
    middle for an even count): the typical seed to show."""
    ranked = sorted((r.final[r.metric_name], i) for i, r in enumerate(runs) if not r.diverged and r.curve)
    return ranked[(len(ranked) - 1) // 2][1] if ranked else None


def _add_median_layers(group: list[RunResult], part: Members) -> None:
    by_config: dict[int, list[int]] = {}
    for i, run in enumerate(group):
        by_config.setdefault(run.index, []).append(i)
    chosen = [
        positions[c]
        for positions in by_config.values()
        if (c := median_member([group[i] for i in positions])) is not None
    ]
    if not chosen:
        return
    bounds = BOUNDED.get(group[0].config.activation)
    stages = part.stage_values(part.X_test[:, :, :PROBE_ROWS], chosen)  # one forward for all of them
    for member, member_stages in zip(chosen, stages, strict=True):
        group[member].layers = probes.layer_records(part.network.layers, member_stages, bounds, {})


def train_group(members: Sequence[Member], with_layers: bool = False) -> list[RunResult]:
    """Train one group to the end: the task an executor runs. One torch thread: groups run side by side.

    `with_layers` adds each configuration's median-seed layer statistics (the page's histograms).
    """
    torch.set_num_threads(1)
    group = GroupRun(members)
    while not group.done:
        group.advance()
    return group.results(with_layers=with_layers)


# ---- the whole sweep --------------------------------------------------------------------------
@dataclass
class SweepResult:
    sweep: Sweep
    runs: list[RunResult]
    seconds: float = 0.0
    summary: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.runs.sort(key=lambda r: (r.index, r.seed))
        if not self.summary:
            self.summary = summarize(self.sweep, self.runs)

    def to_json(self) -> dict[str, Any]:
        return to_jsonable({"runs": [r.to_json() for r in self.runs], "summary": self.summary})


def summarize(sweep: Sweep, runs: Sequence[RunResult]) -> list[dict[str, Any]]:
    """Per configuration: n (all seeds), n_diverged, and median, mean and interval over the others."""
    summary = []
    by_index: dict[int, list[RunResult]] = {}
    for run in runs:
        by_index.setdefault(run.index, []).append(run)
    for index, overrides in enumerate(sweep.configurations()):
        mine = by_index.get(index, [])
        kept = [r for r in mine if not r.diverged and r.curve]
        name = mine[0].metric_name if mine else "test_accuracy"
        summary.append(
            {
                "config": to_jsonable(overrides),  # as in runs: hidden is a list of widths
                "label": overrides_label(overrides),
                "n": len(mine),
                "n_diverged": sum(r.diverged for r in mine),
                "interval": stats.INTERVAL,
                "metric": {"name": name, **stats.summarize([r.final[name] for r in kept])},
                "test_loss": stats.summarize([r.final["test_loss"] for r in kept]),
                "seconds": float(sum(r.seconds for r in mine)),
            }
        )
    return summary


def run(
    sweep: Sweep,
    executor: Executor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    with_layers: bool = False,
) -> SweepResult:
    """Train every group (on `executor`, or in this thread) and summarise; `on_progress(done, total)`.

    `with_layers` adds each configuration's median-seed layer statistics to its runs.
    """
    start = time.perf_counter()
    groups = sweep.groups(executors.slots(executor))
    runs: list[RunResult] = []
    if executor is None:
        for done, members in enumerate(groups, 1):
            runs.extend(train_group(members, with_layers))
            if on_progress:
                on_progress(done, len(groups))
    else:
        futures: list[Future] = [executor.submit(train_group, members, with_layers) for members in groups]
        for done, future in enumerate(as_completed(futures), 1):
            runs.extend(future.result())
            if on_progress:
                on_progress(done, len(groups))
    return SweepResult(sweep, runs, time.perf_counter() - start)


# ---- live, for the page -----------------------------------------------------------------------
class LiveSweep:
    """The sweep's groups advanced a slice at a time in this thread: curves can be drawn between slices
    and the sweep dropped at any moment. Same groups and same training core as `run`."""

    def __init__(self, sweep: Sweep) -> None:
        self.sweep = sweep
        self.groups = [GroupRun(members) for members in sweep.groups()]
        self.total_epochs = sum(len(g.members) * g.members[0].config.epochs for g in self.groups)
        self.started = time.perf_counter()
        self.finished: float | None = None
        self.error = ""
        self._result: SweepResult | None = None

    @property
    def done(self) -> bool:
        return all(g.done for g in self.groups)

    @property
    def progress(self) -> float:
        return sum(g.epochs_done for g in self.groups) / max(self.total_epochs, 1)

    def advance(self, seconds: float) -> None:
        """Spend about `seconds` on the unfinished groups, shared round-robin so all curves grow together.

        Preparing a group's data is one step that cannot be sliced: groups are prepared one call at a time
        while time remains, so a large sweep's first calls stay short too (and a Cancel between them acts).
        """
        start = time.perf_counter()
        pending = [g for g in self.groups if not g.done]
        for group in pending:
            if not group.built:
                if group is not pending[0] and time.perf_counter() - start >= seconds:
                    break
                group.advance()  # prepares its data
                continue
            group.advance(seconds=seconds / len(pending))
        if self.done and self.finished is None:
            self.finished = time.perf_counter()

    def runs(self) -> list[RunResult]:
        """What has been trained so far (median-seed layer statistics only once the sweep is done)."""
        return [run for g in self.groups if g.built for run in g.results(with_layers=False)]

    def cancel(self) -> None:
        """Nothing runs between calls of `advance`: dropping the object stops it."""

    def result(self) -> SweepResult:
        if self._result is None or not self.done:
            runs = [run for g in self.groups if g.built for run in g.results(with_layers=self.done)]
            result = SweepResult(self.sweep, runs, (self.finished or time.perf_counter()) - self.started)
            if not self.done:
                return result
            self._result = result
        return self._result


class PooledSweep:
    """The sweep's groups submitted to an executor (a Dask cluster, for the page): `advance` only
    collects what has finished, so a page tick never waits. Curves arrive a group at a time."""

    def __init__(self, sweep: Sweep, executor: Executor, close: Callable[[], None] | None = None) -> None:
        self.sweep = sweep
        self.groups = sweep.groups(executors.slots(executor))
        self.total_epochs = sum(len(g) * g[0].config.epochs for g in self.groups)
        self.started = time.perf_counter()
        self.finished: float | None = None
        self._futures = [executor.submit(train_group, members, True) for members in self.groups]
        self._sizes = [len(g) * g[0].config.epochs for g in self.groups]
        self._runs: list[RunResult] = []
        self._collected: set[int] = set()
        self._close = close
        self.error = ""

    @property
    def done(self) -> bool:
        return len(self._collected) == len(self._futures) or bool(self.error)

    @property
    def progress(self) -> float:
        return sum(self._sizes[i] for i in self._collected) / max(self.total_epochs, 1)

    def advance(self, seconds: float) -> None:
        """Collect finished groups (never blocks; `seconds` is unused: the cluster trains on its own)."""
        for i, future in enumerate(self._futures):
            if i not in self._collected and future.done():
                self._collected.add(i)
                try:
                    self._runs.extend(future.result())
                except Exception as err:  # a group that failed on every retry: say so, keep the rest
                    self.error = f"a group of the sweep failed on the cluster: {str(err).splitlines()[0]}"
        if self.done and self.finished is None:
            self.finished = time.perf_counter()
            self.cancel()

    def runs(self) -> list[RunResult]:
        return list(self._runs)

    def result(self) -> SweepResult:
        return SweepResult(self.sweep, list(self._runs), (self.finished or time.perf_counter()) - self.started)

    def cancel(self) -> None:
        for future in self._futures:
            future.cancel()
        if self._close is not None:
            self._close()
            self._close = None
