"""The Learn page's experiments, computed at most once per server process and shared by every session.

A room of 30 learners opening the landing page must not start 30 copies of the same sweep: results live in
one `st.cache_resource` store for the process, and each lesson has its own lock, so the first session that
asks computes and the others wait for it, then read its result. Nothing runs on page load (the landing page
must open fast): a result is computed only when a learner asks for it.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from explorer.teaching.lessons import LESSONS, LESSONS_BY_KEY

# Rough seconds per experiment, measured on a 2-core machine; shown on each section's Run button.
ESTIMATED_SECONDS: dict[str, float] = {
    "normal": 0.1,
    "scale": 3,
    "shape": 1.5,
    "placement": 3,
    "ics": 5,
    "smoothness": 7,
    "init": 9,
}

Result = dict[str, Any]


@dataclass
class Store:
    """Every lesson's result once computed, and one lock per lesson (so two lessons can run side by side)."""

    results: dict[str, Result] = field(default_factory=dict)
    locks: dict[str, threading.Lock] = field(
        default_factory=lambda: {lesson.key: threading.Lock() for lesson in LESSONS}
    )


@st.cache_resource(show_spinner=False)
def store() -> Store:
    """The server process's one store (the same object in every session and every rerun)."""
    return Store()


def get(key: str) -> Result | None:
    """The lesson's result if some session has computed it, else None (never computes)."""
    return store().results.get(key)


def compute(key: str) -> Result:
    """The lesson's result, computing it now unless another session has or is doing so (then wait for it)."""
    shared = store()
    with shared.locks[key]:
        if key not in shared.results:
            shared.results[key] = LESSONS_BY_KEY[key].evidence()
        return shared.results[key]


def put(key: str, result: Result) -> None:
    """Store a result computed elsewhere (a warm-up script, a test) as if a session had computed it."""
    shared = store()
    with shared.locks[key]:
        shared.results[key] = result


def missing() -> list[str]:
    """The lessons not computed yet, in page order."""
    return [lesson.key for lesson in LESSONS if get(lesson.key) is None]


def estimate(keys: list[str] | tuple[str, ...]) -> str:
    """'about 3 s' for these lessons together; 'under a second' when that is what it takes."""
    seconds = sum(ESTIMATED_SECONDS.get(key, 5) for key in keys)
    return "under a second" if seconds < 1 else f"about {round(seconds)} s"
