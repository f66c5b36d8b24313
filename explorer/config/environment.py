"""Where the app keeps what outlives a process: the evidence cache and the rooms database.

One folder, named by `EXPLORER_DATA_DIR`, so a Docker image, a second replica or a restart finds what the last
one wrote. Unset, it is the user's data folder (`$XDG_DATA_HOME`, else `~/.local/share`).
"""

from __future__ import annotations

import os
from pathlib import Path

DATA_DIR_ENV = "EXPLORER_DATA_DIR"
APP_FOLDER = "normalization-explorer"


def data_dir() -> Path:
    """The app's data folder, created on first use."""
    configured = os.environ.get(DATA_DIR_ENV, "").strip()
    if configured:
        folder = Path(configured).expanduser()
    else:
        base = os.environ.get("XDG_DATA_HOME", "").strip() or Path.home() / ".local" / "share"
        folder = Path(base) / APP_FOLDER
    folder.mkdir(parents=True, exist_ok=True)
    return folder
