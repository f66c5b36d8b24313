"""The Learn page's evidence, computed ahead and kept on disk, so a learner never waits for an experiment.

Every lesson at every setting of its computed knobs is one entry: a JSON file named by a hash of the code
(every `explorer/` source file) and of the setting (the lesson's key, setup, grid and knob values). Change
either and the old entry is simply never asked for again. The folder is `data_dir()/evidence`, so a restart,
a second replica on the same volume and a Docker image built with the entries (its build runs this module)
all serve them from the first request.

`python -m explorer.teaching.evidence` computes what is missing, the defaults of every lesson first, and
writes its progress beside the entries for the page to show; the server runs it at low priority once its
training processes are warm (`ui/serve.py`).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import hashlib
import json
import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.config.environment import data_dir
from explorer.teaching.lessons import LESSONS, Lesson

PACKAGE = Path(__file__).resolve().parents[1]  # explorer/
PROGRESS_FILE = "progress.json"
NICE = 19  # the background computation yields every core to the server and the training processes

Result = dict[str, Any]


@functools.cache
def code_hash() -> str:
    """A digest of every source file of the engine: the experiments' code and everything they call."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(path.relative_to(PACKAGE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def entry_key(lesson: Lesson, settings: dict[str, Any] | None = None) -> str:
    """The entry's name: the code's hash and the experiment's settings (its setup, grid and knob values)."""
    settings = {**lesson.defaults(), **(settings or {})}
    described = json.dumps(
        {"lesson": lesson.key, "setup": lesson.config.to_dict(), "grid": lesson.grid, "settings": settings},
        sort_keys=True,
        default=str,
    )
    return f"{lesson.key}-{hashlib.sha256((code_hash() + described).encode()).hexdigest()[:24]}"


def folder() -> Path:
    path = data_dir() / "evidence"
    path.mkdir(parents=True, exist_ok=True)
    return path


def load(lesson: Lesson, settings: dict[str, Any] | None = None) -> Result | None:
    """The stored result, or None when it has not been computed (or cannot be read)."""
    try:
        return json.loads((folder() / f"{entry_key(lesson, settings)}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def store(lesson: Lesson, settings: dict[str, Any] | None, result: Result) -> None:
    """Write the entry whole or not at all (a reader never sees half a file)."""
    _write_atomically(folder() / f"{entry_key(lesson, settings)}.json", json.dumps(result))


def compute(lesson: Lesson, settings: dict[str, Any] | None = None) -> Result:
    """The result, from disk if stored, else computed now and stored."""
    stored = load(lesson, settings)
    if stored is not None:
        return stored
    result = lesson.evidence(**(settings or {}))
    with contextlib.suppress(OSError):  # a read-only folder: the result is still returned
        store(lesson, settings, result)
    return json.loads(json.dumps(result))  # exactly what a later load returns


def _write_atomically(path: Path, text: str) -> None:
    with tempfile.NamedTemporaryFile("w", dir=path.parent, delete=False, suffix=".tmp", encoding="utf-8") as out:
        out.write(text)
    os.replace(out.name, path)


# ---- what the cache should hold, and how far along it is ------------------------------------------
def every_entry() -> list[tuple[Lesson, dict[str, Any]]]:
    """Every lesson at every computed setting: each lesson's default first (what a page opens on), then the
    other knob settings."""
    defaults = [(lesson, lesson.defaults()) for lesson in LESSONS]
    others = [(lesson, s) for lesson in LESSONS for s in lesson.settings() if s != lesson.defaults()]
    return defaults + others


@dataclass(frozen=True)
class Progress:
    done: int
    total: int
    current: str = ""  # the lesson being computed now
    updated: float = 0.0  # time.time() of the last word from the computing process

    @property
    def complete(self) -> bool:
        return self.done >= self.total


def progress() -> Progress:
    """How many entries are stored, of how many, and what the computing process said last."""
    entries = every_entry()
    done = sum((folder() / f"{entry_key(lesson, settings)}.json").exists() for lesson, settings in entries)
    try:
        said = json.loads((folder() / PROGRESS_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        said = {}
    current = said.get("current", "") if said.get("code") == code_hash() else ""
    return Progress(done, len(entries), current, float(said.get("updated", 0.0)))


def compute_missing(limit_seconds: float | None = None) -> Iterator[tuple[Lesson, dict[str, Any]]]:
    """Compute every missing entry in `every_entry` order, saying which in the progress file; yields each
    entry as it is stored. Stops early after `limit_seconds`."""
    start = time.monotonic()
    for lesson, settings in every_entry():
        if load(lesson, settings) is not None:
            continue
        if limit_seconds is not None and time.monotonic() - start > limit_seconds:
            break
        _say(lesson.title)
        store(lesson, settings, lesson.evidence(**settings))
        yield lesson, settings
    _say("")


def _say(current: str) -> None:
    with contextlib.suppress(OSError):
        text = json.dumps({"code": code_hash(), "current": current, "updated": time.time()})
        _write_atomically(folder() / PROGRESS_FILE, text)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m explorer.teaching.evidence",
        description="Compute the Learn page's evidence that is not on disk yet (every lesson, every knob setting).",
    )
    parser.add_argument("--quiet", action="store_true", help="print nothing")
    parser.add_argument("--nice", action="store_true", help=f"run at the lowest CPU priority (nice {NICE})")
    args = parser.parse_args(argv)
    if args.nice:
        with contextlib.suppress(OSError):
            os.nice(NICE)
    start = time.monotonic()
    for lesson, settings in compute_missing():
        if not args.quiet:
            shown = ", ".join(f"{k}={v}" for k, v in settings.items()) or "as set"
            print(f"{time.monotonic() - start:6.1f} s  {lesson.title} ({shown})", flush=True)
    if not args.quiet:
        state = progress()
        print(f"evidence: {state.done} of {state.total} entries in {folder()}", flush=True)


if __name__ == "__main__":
    main()
