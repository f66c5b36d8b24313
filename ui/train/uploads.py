"""Where the Train sidebar keeps a session's uploaded CSV, and how it goes away.

A Config holds a file path (the engine and the CLI load CSVs from paths), so an upload is written to a
per-session temp folder. Streamlit has no public "session ended" hook; three layers remove the folder:

1. `st.cache_resource(scope="session", on_release=...)`: Streamlit clears a session's session-scoped
   resources when its browser tab disconnects (closing the tab always does) and when the session shuts down.
   A reconnect after a network blip runs the script again, which re-creates the same folder and writes the
   upload (still held by the uploader) back to the same path, so the run's Config does not change.
2. `weakref.finalize` on the folder's owner: when the owner is garbage-collected, or at interpreter exit
   (on_release "isn't guaranteed to be called when an app is shut down").
3. A sweep of `normexp-csv-*` folders untouched for a day, at each new session's first upload: what a killed
   server left behind.

Only one upload is kept per session: a new one replaces the file before.
"""

from __future__ import annotations

import hashlib
import shutil
import tempfile
import time
import weakref
from pathlib import Path

import streamlit as st

PREFIX = "normexp-csv-"
STALE_AFTER_S = 24 * 3600


class UploadFolder:
    """Owns one temp folder: it is removed on `release()`, when this object is collected, or at exit."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.mkdir(parents=True, exist_ok=True)
        self._finalizer = weakref.finalize(self, shutil.rmtree, str(self.path), ignore_errors=True)

    def release(self) -> None:
        """Remove the folder now (runs at most once, however many layers ask)."""
        self._finalizer()

    def save(self, content: bytes) -> Path:
        """Write `content` under its hash (never the user's file name) and remove any earlier upload."""
        path = self.path / f"{hashlib.sha256(content).hexdigest()[:16]}.csv"
        for old in self.path.glob("*.csv"):
            if old != path:
                old.unlink(missing_ok=True)
        if not path.exists():
            path.write_bytes(content)
        return path


def sweep_stale(root: str | Path | None = None, max_age_s: float = STALE_AFTER_S) -> list[Path]:
    """Remove upload folders not modified for `max_age_s` seconds (a crashed server's leftovers)."""
    cutoff = time.time() - max_age_s
    removed = []
    for folder in Path(root or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:
            stale = folder.is_dir() and folder.stat().st_mtime < cutoff
        except OSError:  # another server removed it meanwhile
            continue
        if stale:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _release(folder: UploadFolder) -> None:
    folder.release()


@st.cache_resource(scope="session", on_release=_release, show_spinner=False, max_entries=1)
def _session_folder(path: str) -> UploadFolder:
    """The session's folder, re-created after its resource was released (a reconnect): same path."""
    return UploadFolder(path)


def save(content: bytes, state_key: str) -> Path:
    """Keep `content` as this session's upload; `state_key` holds the folder's path in session_state."""
    if state_key not in st.session_state:
        sweep_stale()
        st.session_state[state_key] = tempfile.mkdtemp(prefix=PREFIX)
    return _session_folder(st.session_state[state_key]).save(content)
