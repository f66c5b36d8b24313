"""What a room accepts from people and pages: plain text within its limits, known keys, finite numbers, and a
curve short enough to send to every board.

Text is kept as typed apart from control characters (a newline in a title, a bidi override that reverses what
others read); it is never escaped here, because the page renders it as plain text.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, TypeVar

from explorer.config import KEYS
from explorer.rooms.errors import RoomError

TITLE_MAX = 80
NICKNAME_MAX = 30
NAME_MAX = 40  # a metric's or a curve field's name
MAX_METRICS = 12
MAX_CURVE_FIELDS = 8
MAX_CURVE_POINTS = 200  # what a board draws per run; longer curves are thinned on the way in
SPACES = frozenset("\t\n\r\v\f\x85\u2028\u2029")  # breaks in one-line text: each becomes a space
BIDI = frozenset(map(chr, (*range(0x202A, 0x202F), *range(0x2066, 0x206A))))  # reorder what others read

T = TypeVar("T")


def plain_text(text: Any) -> str:
    """`text` without control characters (line breaks become spaces), trimmed at both ends."""
    if not isinstance(text, str):
        raise RoomError("Text was expected here.")
    kept = []
    for char in text:
        if char in SPACES:
            kept.append(" ")
        elif unicodedata.category(char) != "Cc" and char not in BIDI:
            kept.append(char)
    return "".join(kept).strip()


def title(text: Any) -> str:
    cleaned = plain_text(text)
    if not cleaned:
        raise RoomError("Give the room a title.")
    if len(cleaned) > TITLE_MAX:
        raise RoomError(f"A room's title has at most {TITLE_MAX} characters; this one has {len(cleaned)}.")
    return cleaned


def nickname(text: Any) -> str:
    cleaned = plain_text(text or "")
    if len(cleaned) > NICKNAME_MAX:
        raise RoomError(f"A nickname has at most {NICKNAME_MAX} characters; this one has {len(cleaned)}.")
    return cleaned


def compare_keys(names: Iterable[str] | str | None) -> tuple[str, ...]:
    """The Config keys a room compares, each once, in the order given; the seed is what a room repeats over."""
    if names is None:
        return ()
    chosen: list[str] = []
    for name in [names] if isinstance(names, str) else names:
        name = str(name).strip()
        if name == "seed":
            raise RoomError("A room compares runs over seeds: choose keys other than seed.")
        if name not in KEYS:
            raise RoomError(f"{name[:NAME_MAX]!r} is not a setting; choose from: {', '.join(KEYS)}.")
        if name not in chosen:
            chosen.append(name)
    return tuple(chosen)


def number(value: Any, what: str) -> float | None:
    """A float, or None where it is not finite (a diverged run's loss), so JSON and medians stay valid."""
    if isinstance(value, bool) or value is None:
        raise RoomError(f"{what} must be a number.")
    try:
        result = float(value)
    except (TypeError, ValueError):
        raise RoomError(f"{what} must be a number.") from None
    return result if math.isfinite(result) else None


def _name(name: Any, what: str) -> str:
    if not isinstance(name, str) or not name.strip() or len(name) > NAME_MAX:
        raise RoomError(f"A {what}'s name must be text of 1 to {NAME_MAX} characters.")
    return name.strip()


def metrics(values: Mapping[str, Any]) -> dict[str, float | None]:
    if not isinstance(values, Mapping) or not values:
        raise RoomError("A run needs its final metrics (e.g. test_loss).")
    if len(values) > MAX_METRICS:
        raise RoomError(f"A run has at most {MAX_METRICS} final metrics.")
    return {_name(name, "metric"): number(value, f"Metric {name!s:.{NAME_MAX}}") for name, value in values.items()}


def curve(points: Sequence[Mapping[str, Any]] | None) -> list[dict[str, float | int | None]]:
    """The per-epoch records, checked, with increasing epochs, thinned to at most MAX_CURVE_POINTS."""
    cleaned: list[dict[str, float | int | None]] = []
    for point in points or ():
        if not isinstance(point, Mapping) or "epoch" not in point:
            raise RoomError("Each point of a curve is a record with its epoch.")
        epoch = point["epoch"]
        whole = isinstance(epoch, int) or (isinstance(epoch, float) and epoch.is_integer())
        if isinstance(epoch, bool) or not whole:
            raise RoomError("A curve's epochs are whole numbers.")
        if cleaned and int(epoch) <= cleaned[-1]["epoch"]:
            raise RoomError("A curve's epochs must increase.")
        fields = {_name(k, "curve field"): number(v, f"Curve field {k}") for k, v in point.items() if k != "epoch"}
        if len(fields) > MAX_CURVE_FIELDS:
            raise RoomError(f"A curve point has at most {MAX_CURVE_FIELDS} fields besides its epoch.")
        cleaned.append({"epoch": int(epoch), **fields})
    return thin(cleaned)


def thin(points: Sequence[T], max_points: int = MAX_CURVE_POINTS) -> list[T]:
    """Every k-th point plus the last, k a power of two, at most `max_points` in all.

    A power-of-two stride (as the charts thin) keeps runs of different lengths on shared epochs, so a board's
    epoch-wise median has points to take.
    """
    n = len(points)
    if n <= max_points:
        return list(points)
    stride = 1 << math.ceil(math.log2(n / (max_points - 1)))
    kept = list(range(0, n, stride))
    if kept[-1] != n - 1:
        kept.append(n - 1)
    return [points[i] for i in kept]


def seconds(value: Any) -> float | None:
    if value is None:
        return None
    result = number(value, "The run's time")
    if result is None or result < 0:
        raise RoomError("The run's time is a number of seconds, 0 or more.")
    return result
