"""The plain records the rooms hand out: what a page may show, free of the database and its sessions."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Room:
    """What anyone with the code may see of a room."""

    code: str
    title: str
    keys: tuple[str, ...]  # the Config keys the instructor chose to compare; () = found from the runs
    closed: bool
    created_at: datetime  # UTC
    expires_at: datetime  # UTC; after it the room is gone


@dataclass(frozen=True)
class Created:
    """A new room and its instructor key, which exists nowhere else: show it once, then it is the instructor's."""

    room: Room
    instructor_key: str = field(repr=False)


@dataclass(frozen=True)
class Joined:
    """A learner's place in a room; the token is what ties their runs to them (keep it in their session)."""

    room: Room
    member_id: int
    nickname: str
    member_token: str = field(repr=False)


@dataclass(frozen=True)
class RunRecord:
    """One posted run as the board, the exports and the statistics read it."""

    id: int
    member_id: int
    nickname: str
    config: Mapping[str, Any]  # the Config's dict form (its JSON, read back)
    seed: int
    metrics: Mapping[str, float | None]  # final metrics; None where a value was not finite
    curve: tuple[Mapping[str, float | int | None], ...]  # per-epoch records, at most 200
    seconds: float | None  # training time
    posted_at: datetime  # UTC
    hidden: bool = False
