"""Workshop rooms: an instructor opens a room, learners join it by code and post their runs, and the board
compares them with medians and intervals over seeds.

`from explorer.rooms import …` is the public path: the records and the two errors a page shows. `board` holds
the statistics, free of any database.
"""

from explorer.rooms.board import Board, Group, build_board
from explorer.rooms.errors import RoomError, StoreUnavailable
from explorer.rooms.inputs import MAX_CURVE_POINTS, NICKNAME_MAX, TITLE_MAX
from explorer.rooms.records import Created, Joined, Room, RunRecord

__all__ = [
    "MAX_CURVE_POINTS",
    "NICKNAME_MAX",
    "TITLE_MAX",
    "Board",
    "Created",
    "Group",
    "Joined",
    "Room",
    "RoomError",
    "RunRecord",
    "StoreUnavailable",
    "build_board",
]
