"""Rooms under a workshop's load: 30 sessions post their runs to one room at once, and none may be lost.

Each session is a thread that joins the room, waits for the others at a barrier, then posts its runs as fast as
the store takes them (a 60-epoch curve each, as a Train run sends), rounds of posts started together so every
post meets 29 others. Afterwards the runs table is counted row by row, straight from the database. As in the app,
threads share one Store per process (`ui.room_store`); on PostgreSQL the sessions are spread over two Stores, as
two replicas would hold. Reference, measured in the same run: one session posting alone on the same database.

    python -m bench.rooms_load [--sessions 30] [--runs 5]

SQLite is a file in a temporary folder; PostgreSQL a throwaway local server (tests/support/postgres.py), skipped
with its reason when it is not installed. Goals: no run lost; p95 of a post ≤ 1 s with 30 sessions at once.
"""

from __future__ import annotations

import argparse
import contextlib
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import create_engine, text

from explorer.config import Config
from explorer.rooms import Store, open_store

GOAL_P95_S = 1.0
EPOCHS = 60


@dataclass(frozen=True)
class Result:
    database: str
    sessions: int
    posted: int
    counted: int
    failed: int
    latencies: list[float]

    def percentile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else float("nan")


def _curve(seed: int) -> list[dict[str, float]]:
    return [
        {"epoch": e, "train_loss": 1 / e, "test_loss": 1.1 / e, "test_accuracy": 0.5 + 0.4 * e / EPOCHS + seed * 1e-4}
        for e in range(1, EPOCHS + 1)
    ]


def _count(url: str, code: str) -> int:
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            query = "SELECT COUNT(*) FROM runs JOIN rooms ON rooms.id = runs.room_id WHERE rooms.code = :code"
            return connection.execute(text(query), {"code": code}).scalar_one()
    finally:
        engine.dispose()


def load(url: str, label: str, sessions: int, runs: int, stores: int = 1) -> Result:
    """`sessions` threads join one room and post `runs` runs each, every round started together."""
    opened = [open_store(url) for _ in range(stores)]
    try:
        code = opened[0].create_room(f"load {sessions}").room.code
        tokens = [opened[i % stores].join(code, f"s{i}").member_token for i in range(sessions)]
        barrier = threading.Barrier(sessions)
        latencies: list[float] = []
        failures: list[str] = []
        lock = threading.Lock()

        def session(index: int) -> None:
            store: Store = opened[index % stores]
            norm = ("none", "bn_before", "bn_after")[index % 3]
            for round_ in range(runs):
                seed = index * runs + round_
                config = Config(norm=norm, seed=seed, epochs=EPOCHS)
                metrics = {"test_loss": 0.3, "test_accuracy": 0.9}
                barrier.wait()
                start = time.perf_counter()
                try:
                    store.post_run(code, tokens[index], config, metrics, _curve(seed), seconds=2.0)
                except Exception as err:  # counted and shown: the goal is that there are none
                    with lock:
                        failures.append(f"{type(err).__name__}: {err}")
                    continue
                with lock:
                    latencies.append(time.perf_counter() - start)

        threads = [threading.Thread(target=session, args=(i,)) for i in range(sessions)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        for failure in sorted(set(failures))[:5]:
            print(f"  {label}: {failure}")
        return Result(label, sessions, len(latencies), _count(url, code), len(failures), latencies)
    finally:
        for store in opened:
            store.close()


@contextlib.contextmanager
def _postgres() -> Iterator[str | None]:
    """A throwaway PostgreSQL database, or None (and why) where the server is not installed."""
    from tests.support import postgres

    if postgres.binaries() is None:
        print("PostgreSQL: not installed (apt-get install postgresql); its rows are left out")
        yield None
        return
    with postgres.postgres_server() as server:
        yield postgres.create_database(server, "rooms_load")


def _row(result: Result, alone: Result) -> str:
    p50, p95 = result.percentile(0.5), result.percentile(0.95)
    lost = result.posted - result.counted  # acknowledged, yet not in the table
    ratio = p95 / alone.percentile(0.95) if alone.latencies else float("nan")
    return (
        f"{result.database:<34}{result.sessions:>9}{result.posted:>8}{result.counted:>8}{lost:>6}{result.failed:>8}"
        f"{p50 * 1000:>9.1f}{p95 * 1000:>9.1f}{max(result.latencies, default=float('nan')) * 1000:>9.1f}{ratio:>12.1f}×"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=30)
    parser.add_argument("--runs", type=int, default=5, help="runs each session posts")
    args = parser.parse_args()
    rows: list[tuple[Result, Result]] = []
    with tempfile.TemporaryDirectory(prefix="rooms-load-") as folder:
        sqlite = f"sqlite:///{Path(folder) / 'rooms.db'}"
        alone = load(sqlite, "SQLite, one session alone", 1, args.runs * 3)
        rows.append((alone, alone))
        rows.append((load(sqlite, "SQLite, one process", args.sessions, args.runs), alone))
    with _postgres() as url:
        if url is not None:
            alone = load(url, "PostgreSQL, one session alone", 1, args.runs * 3)
            rows.append((alone, alone))
            rows.append((load(url, "PostgreSQL, two replicas' stores", args.sessions, args.runs, stores=2), alone))
    print(
        f"{'database':<34}{'sessions':>9}{'posted':>8}{'rows':>8}{'lost':>6}{'failed':>8}"
        f"{'p50 ms':>9}{'p95 ms':>9}{'max ms':>9}{'p95 × alone':>13}"
    )
    for result, reference in rows:
        print(_row(result, reference))
    crowded = [result for result, reference in rows if result is not reference]
    no_loss = all(r.counted == r.posted and not r.failed for r, _ in rows)
    fast = all(r.percentile(0.95) <= GOAL_P95_S for r in crowded)
    print(f"goals: no run lost ({'met' if no_loss else 'MISSED'}); p95 of a post ≤ {GOAL_P95_S:g} s with "
          f"{args.sessions} sessions at once ({'met' if fast else 'MISSED'})")  # fmt: skip
    print(f"each post: a {EPOCHS}-epoch curve of 4 fields; 'rows' are counted in the database after the run")


if __name__ == "__main__":
    main()
