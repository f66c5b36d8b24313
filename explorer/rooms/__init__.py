"""Workshop rooms: an instructor opens a room, learners join it by code and post their runs, and the board
compares them with medians and intervals over seeds.

`from explorer.rooms import …` is the public path: `open_store` (the database, migrated), the records it
returns and the two errors a page shows. `board` holds the statistics, free of the database.
"""

from explorer.rooms.board import Board, Group, build_board
from explorer.rooms.database import database_url, room_days
from explorer.rooms.errors import RoomError, StoreUnavailable
from explorer.rooms.inputs import MAX_CURVE_POINTS, NICKNAME_MAX, TITLE_MAX
from explorer.rooms.records import Created, Joined, Room, RunRecord
from explorer.rooms.store import MAX_MEMBERS, MAX_ROOMS, MAX_RUNS_PER_MEMBER, Store, open_store

__all__ = [
    "MAX_CURVE_POINTS",
    "MAX_MEMBERS",
    "MAX_ROOMS",
    "MAX_RUNS_PER_MEMBER",
    "NICKNAME_MAX",
    "TITLE_MAX",
    "Board",
    "Created",
    "Group",
    "Joined",
    "Room",
    "RoomError",
    "RunRecord",
    "Store",
    "StoreUnavailable",
    "build_board",
    "database_url",
    "open_store",
    "room_days",
]
