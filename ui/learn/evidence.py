"""The Learn page's evidence as a session sees it: read from the disk cache, computed ahead in the background.

`explorer.teaching.evidence` keeps every lesson's result at every knob setting on disk; one process per
server computes what is missing (`python -m explorer.teaching.evidence --nice`), started by `ui/serve.py`
once the training processes are warm, or by the first Learn page that finds something missing. A script
thread never trains for the page: it reads files (and keeps what it read in memory, the same for every
session). With `EXPLORER_EVIDENCE_BACKGROUND=0` (the page tests) there is no such process, and a missing
result is computed in the script thread when a section asks for it, once per server.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from typing import Any

import streamlit as st

from explorer.teaching import evidence as disk
from explorer.teaching.lessons import LESSONS_BY_KEY

BACKGROUND_ENV = "EXPLORER_EVIDENCE_BACKGROUND"
Result = dict[str, Any]
Settings = dict[str, Any]

_process: subprocess.Popen | None = None  # this server's computing process, if it started one
_starts = 0  # how many it started: a process that keeps failing (a read-only folder) is not started forever
MAX_STARTS = 3
_lock = threading.Lock()
_computing = threading.Lock()  # without the background process: one section computes at a time


def background() -> bool:
    """Whether this server computes the evidence in a background process (the default)."""
    return os.environ.get(BACKGROUND_ENV, "1").strip() != "0"


def start_computing() -> None:
    """Start the background process unless it runs already or everything is on disk (idempotent)."""
    global _process, _starts
    if not background():
        return
    with _lock:
        if computing() or _starts >= MAX_STARTS:
            return
        if disk.progress().complete:
            return
        _starts += 1
        _process = subprocess.Popen(
            [sys.executable, "-m", "explorer.teaching.evidence", "--nice", "--quiet"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )


def computing() -> bool:
    """Whether this server's background process is at work now."""
    return _process is not None and _process.poll() is None


@st.cache_resource(show_spinner=False)
def _memory() -> dict[str, Result]:
    """Results read from disk, shared by every session of this process (a file is read once)."""
    return {}


def get(key: str, settings: Settings | None = None) -> Result | None:
    """The lesson's result at these knob settings, if computed (never computes)."""
    lesson = LESSONS_BY_KEY[key]
    name = disk.entry_key(lesson, settings)
    memory = _memory()
    if name not in memory:
        result = disk.load(lesson, settings)
        if result is None:
            return None
        memory[name] = result
    return memory[name]


def compute_here(key: str, settings: Settings | None = None) -> Result:
    """Without a background process: compute the result in this thread (once per server) and store it."""
    with _computing:
        result = get(key, settings)
        if result is None:
            result = disk.compute(LESSONS_BY_KEY[key], settings)
            _memory()[disk.entry_key(LESSONS_BY_KEY[key], settings)] = result
        return result


def progress() -> disk.Progress:
    return disk.progress()
