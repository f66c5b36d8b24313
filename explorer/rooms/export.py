"""A room's runs as CSV (one row a run, for a spreadsheet) and JSON (everything, curves included).

Both include hidden runs, marked: hiding keeps a run off the board, not out of the record. In the CSV a text
cell that a spreadsheet would run as a formula (`=`, `+`, `-`, `@` first) gets a leading `'`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from explorer.config import KEYS
from explorer.rooms.board import full_config, metric_names
from explorer.rooms.records import Room, RunRecord

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
RUN_COLUMNS = ("run", "member", "nickname", "posted_at", "hidden_by_instructor", "seed", "seconds")
# (not "hidden": that is the Config key of the hidden layers, a column of its own)
METRIC_PREFIX = "final_"  # metric columns never clash with a Config key's


def _cell(value: Any) -> Any:
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    if isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return "" if value is None else value


def to_csv(runs: Sequence[RunRecord]) -> str:
    metrics = metric_names(runs)
    keys = [name for name in KEYS if name != "seed"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([*RUN_COLUMNS, *keys, *(METRIC_PREFIX + m for m in metrics)])
    for run in runs:
        config = full_config(run.config)
        row = [run.id, run.member_id, run.nickname, run.posted_at.isoformat(), run.hidden, run.seed, run.seconds]
        row += [config.get(name) for name in keys] + [run.metrics.get(m) for m in metrics]
        writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def _room_dict(room: Room) -> dict[str, Any]:
    values = asdict(room)
    values.update(keys=list(room.keys), created_at=room.created_at.isoformat(), expires_at=room.expires_at.isoformat())
    return values


def _run_dict(run: RunRecord) -> dict[str, Any]:
    return {
        "run": run.id,
        "member": run.member_id,
        "nickname": run.nickname,
        "posted_at": run.posted_at.isoformat(),
        "hidden": run.hidden,
        "seed": run.seed,
        "seconds": run.seconds,
        "config": dict(run.config),
        "metrics": dict(run.metrics),
        "curve": [dict(point) for point in run.curve],
    }


def to_json(room: Room, runs: Sequence[RunRecord]) -> str:
    """Strict JSON (non-finite numbers were stored as null), text as typed (not ASCII-escaped)."""
    document = {"room": _room_dict(room), "runs": [_run_dict(run) for run in runs]}
    return json.dumps(document, ensure_ascii=False, allow_nan=False, indent=1)
