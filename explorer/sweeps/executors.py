"""Where a sweep's groups run: this thread, local worker processes, or a Dask cluster.

Every choice is a `concurrent.futures.Executor` (or None for this thread), so `sweep.run` has one code
path. Dask is chosen by `EXPLORER_DASK_SCHEDULER` or an explicit address; its workers must run this
project's own code (the same checkout or Docker image). Local processes use `spawn`: a forked child of a
threaded server (Streamlit) or of an OpenMP runtime can deadlock.
"""

from __future__ import annotations

import multiprocessing
import os
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from typing import TYPE_CHECKING

from explorer.config import ConfigError

if TYPE_CHECKING:
    from explorer.sweeps.sweep import Sweep

SCHEDULER_ENV = "EXPLORER_DASK_SCHEDULER"
CONNECT_TIMEOUT_S = 5
RETRIES = 2  # a group whose worker died or failed is run again this many times
# Below this much training in one thread (`Sweep.estimated_seconds`), local processes are not started
# unless asked for: each imports torch and scikit-learn first, which took 5-7 s on this project's 2-core
# machine, so a sweep of 2 groups × 16 runs × 20 epochs took 11.7 s in 2 processes and 6.6 s in one.
POOL_WORTH_SECONDS = 15.0
_SLOTS: weakref.WeakKeyDictionary[Executor, int] = weakref.WeakKeyDictionary()


class ExecutorError(ConfigError):
    """The executor cannot be had (e.g. the Dask scheduler is unreachable); the message is for the user."""


def scheduler_address(explicit: str | None = None) -> str | None:
    """The Dask scheduler to use: the explicit address, else the environment's, else None (local)."""
    address = explicit or os.environ.get(SCHEDULER_ENV, "").strip()
    return address or None


def slots(executor: Executor | None) -> int:
    """How many groups `executor` trains at once: 1 for this thread or an executor made elsewhere."""
    return 1 if executor is None else _SLOTS.get(executor, 1)


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _init_worker() -> None:
    import torch

    torch.set_num_threads(1)


@contextmanager
def local_processes(workers: int) -> Iterator[ProcessPoolExecutor]:
    """At most one process per core, one torch thread each."""
    context = multiprocessing.get_context("spawn")
    count = max(1, min(workers, cores()))
    with ProcessPoolExecutor(max_workers=count, mp_context=context, initializer=_init_worker) as pool:
        _SLOTS[pool] = count
        yield pool


@contextmanager
def dask_cluster(address: str) -> Iterator[Executor]:
    """An executor on the Dask cluster behind `address`; one clear ExecutorError if it cannot be reached."""
    try:
        from distributed import Client
    except ImportError:  # pragma: no cover - distributed is in requirements.txt
        raise ExecutorError("Dask is not installed: pip install distributed") from None
    try:
        _check_address(address)
        client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
    except (OSError, TimeoutError, ValueError) as err:
        reason = str(err).splitlines()[0] if str(err) else type(err).__name__
        raise ExecutorError(f"cannot reach the Dask scheduler at {address!r}: {reason}") from None
    try:
        executor = client.get_executor(retries=RETRIES, pure=False)
        _SLOTS[executor] = max(1, sum(client.nthreads().values()))  # the workers' threads when it opened
        yield executor
    finally:
        client.close()


def _check_address(address: str) -> None:
    """ValueError for an address Dask cannot parse (no port, unknown scheme), checked before a `Client` is
    made: a Client whose constructor fails that way is left half-open, and at exit its `__del__` prints a
    traceback under the one-line error."""
    from distributed.comm import parse_address
    from distributed.comm.addressing import get_address_host_port
    from distributed.comm.registry import get_backend

    scheme, _ = parse_address(address)  # no scheme means tcp
    get_backend(scheme)
    if scheme in ("tcp", "tls", "ws", "wss"):
        get_address_host_port(address)


@contextmanager
def executor_for(sweep: Sweep, workers: int | None = None, scheduler: str | None = None) -> Iterator[Executor | None]:
    """Dask when a scheduler is named; else local processes when the sweep has more than one group for
    them (a large group is cut for idle workers) and either `workers` was asked for or the sweep is long
    enough to pay for starting them (POOL_WORTH_SECONDS); else None (this thread)."""
    address = scheduler_address(scheduler)
    if address:
        with dask_cluster(address) as executor:
            yield executor
        return
    if workers is not None and workers < 1:
        raise ExecutorError(f"--workers {workers}: expected at least 1")
    count = min(cores() if workers is None else workers, cores())
    groups = len(sweep.groups(count)) if count > 1 else 1
    if groups > 1 and (workers is not None or sweep.estimated_seconds() >= POOL_WORTH_SECONDS):
        with local_processes(min(count, groups)) as pool:
            yield pool
        return
    yield None


def open_dask(address: str) -> tuple[Executor, Callable[[], None]]:
    """A Dask executor kept open across page reruns, and the function that closes it."""
    context = dask_cluster(address)
    executor = context.__enter__()
    return executor, lambda: context.__exit__(None, None, None)
