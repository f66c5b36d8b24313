"""The two errors a rooms page shows as they are: the user's request was refused, or the database is away.

Separate classes, because a refused request is the user's to fix (a full room, a wrong key) while an
unreachable database is nobody's in the room; both carry one line meant for the page.
"""

from __future__ import annotations


class RoomError(ValueError):
    """A request the rooms refuse (no such room, wrong key, a limit reached); the message is for the user."""


class StoreUnavailable(RuntimeError):
    """The rooms database cannot be reached or used; the message is one line, without the driver's traceback."""

    PREFIX = "The rooms database cannot be reached"

    @classmethod
    def because(cls, reason: str) -> StoreUnavailable:
        reason = " ".join(reason.strip().splitlines()[:1])[:300] if reason.strip() else "no reason given"
        return cls(f"{cls.PREFIX}: {reason}")
