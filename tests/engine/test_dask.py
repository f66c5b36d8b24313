"""Sweeps on a real Dask cluster (`distributed.LocalCluster`, worker processes on 127.0.0.1): the same numbers
as a local run, a killed worker's group is run again, and an unreachable scheduler is one clear line."""

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow  # a cluster of worker processes and a worker killed and restarted: ~30 s

from explorer.cli import main  # noqa: E402
from explorer.config import Config  # noqa: E402
from explorer.sweeps import executors  # noqa: E402
from explorer.sweeps.sweep import PooledSweep, Sweep, run  # noqa: E402

TINY = Config(n_samples=240, hidden=(8, 8), epochs=3)
GRID = (("norm", ("none", "bn_before", "bn_after")), ("scaler", ("none", "standard")))
CLI = ["sweep", "--n-samples", "240", "--hidden", "8,8", "--epochs", "3", "--grid", "norm=none,bn_after",
       "--grid", "scaler=none,quantile_normal", "--seeds", "2", "--json"]  # fmt: skip


def _without_seconds(report: dict) -> dict:
    report = json.loads(json.dumps(report))
    for row in report["summary"]:
        row.pop("seconds", None)
    return report


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as local:
        yield local


@pytest.fixture(scope="module")
def client(cluster):
    with distributed.Client(cluster, set_as_default=False) as watcher:
        yield watcher


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv(executors.SCHEDULER_ENV, raising=False)


def _tasks_run(client: "distributed.Client", action) -> list[str]:
    """The keys of the tasks the cluster ran while `action()` ran."""
    with distributed.get_task_stream(client) as stream:
        action()
    return [task["key"] for task in stream.data]


def test_results_on_the_cluster_equal_the_local_run_exactly(cluster, client, no_env):
    sweep = Sweep(TINY, GRID, seeds=2)
    inline = run(sweep)
    results = {}

    def on_cluster():
        with executors.executor_for(sweep, scheduler=cluster.scheduler_address) as executor:
            assert type(executor).__module__.startswith("distributed")
            results["dask"] = run(sweep, executor)

    keys = _tasks_run(client, on_cluster)
    assert len(keys) == len(sweep.groups(2)) == 3 and all("train_group" in key for key in keys)
    assert _without_seconds(results["dask"].to_json()) == _without_seconds(inline.to_json())


def test_one_large_group_is_shared_between_the_clusters_workers(cluster, client, no_env):
    sweep = Sweep(TINY, (("lr", (0.001, 0.003, 0.01, 0.03)), ("scaler", ("none", "standard"))), seeds=2)
    assert len(sweep.groups()) == 1  # 16 runs that stack: one group, which would keep one worker busy
    results = {}

    def on_cluster():
        with executors.executor_for(sweep, scheduler=cluster.scheduler_address) as executor:
            assert executors.slots(executor) == 2  # two workers of one thread
            results["dask"] = run(sweep, executor)

    keys = _tasks_run(client, on_cluster)
    assert len(keys) == 2  # cut in two parts of 8, one per worker
    assert _without_seconds(results["dask"].to_json()) == _without_seconds(run(sweep).to_json())


def test_the_pages_pooled_sweep_on_the_cluster(cluster, no_env):
    sweep = Sweep(TINY, GRID, seeds=2)
    executor, close = executors.open_dask(cluster.scheduler_address)
    pooled = PooledSweep(sweep, executor, close)
    for _ in range(1200):
        pooled.advance(seconds=0.05)
        if pooled.done:
            break
        time.sleep(0.05)
    assert pooled.done and pooled.error == "" and pooled.progress == 1.0
    result = pooled.result()
    assert _without_seconds(result.to_json()) == _without_seconds(run(sweep).to_json())
    assert sum(r.layers is not None for r in result.runs) == len(sweep.configurations())  # median seeds


def test_cli_scheduler_flag_runs_on_the_cluster_with_the_same_json(cluster, client, capsys, no_env):
    assert main([*CLI, "--workers", "1"]) == 0
    local = json.loads(capsys.readouterr().out)
    keys = _tasks_run(client, lambda: main([*CLI, "--scheduler", cluster.scheduler_address]))
    remote = json.loads(capsys.readouterr().out)
    assert len(keys) == 2  # two groups (by norm), both on the cluster
    assert _without_seconds(remote) == _without_seconds(local)


def test_the_environment_variable_names_the_scheduler(cluster, client, capsys, monkeypatch):
    monkeypatch.setenv(executors.SCHEDULER_ENV, cluster.scheduler_address)
    assert executors.scheduler_address() == cluster.scheduler_address
    assert executors.scheduler_address("tcp://elsewhere:8786") == "tcp://elsewhere:8786"  # the flag wins
    keys = _tasks_run(client, lambda: main(CLI))
    assert len(keys) == 2
    report = json.loads(capsys.readouterr().out)
    assert len(report["runs"]) == 8


def test_an_unreachable_scheduler_is_one_clear_error(monkeypatch, no_env):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1)
    address = f"tcp://127.0.0.1:{_unused_port()}"
    with pytest.raises(executors.ExecutorError) as caught, executors.executor_for(Sweep(TINY, GRID), scheduler=address):
        pass
    message = str(caught.value)
    assert message.startswith(f"cannot reach the Dask scheduler at {address!r}") and "\n" not in message
    with pytest.raises(executors.ExecutorError, match="cannot reach the Dask scheduler"):
        executors.open_dask(address)


def test_an_unreachable_scheduler_from_the_environment_exits_2(monkeypatch, capsys):
    monkeypatch.setattr(executors, "CONNECT_TIMEOUT_S", 1)
    address = f"tcp://127.0.0.1:{_unused_port()}"
    monkeypatch.setenv(executors.SCHEDULER_ENV, address)
    assert main(CLI) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1
    assert captured.err.startswith(f"python -m explorer sweep: error: cannot reach the Dask scheduler at {address!r}")


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        (None, "Timed out trying to connect"),  # a free port: nothing listens there
        ("tcp://127.0.0.1", "missing port number"),  # a malformed address must not leave a half-open client
    ],
)
def test_an_unreachable_scheduler_from_a_real_shell_is_one_line_and_exit_2(address, reason, no_env):
    address = address or f"tcp://127.0.0.1:{_unused_port()}"
    # the real CLI in its own process (so Dask's own logging would show on stderr), with a 1 s connect timeout
    launch = (
        "import sys; from explorer import cli; from explorer.sweeps import executors; "
        "executors.CONNECT_TIMEOUT_S = 1; sys.exit(cli.main())"
    )
    argv = [sys.executable, "-c", launch, *CLI, "--scheduler", address]
    env = {k: v for k, v in os.environ.items() if k != executors.SCHEDULER_ENV}
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 2 and result.stdout == ""
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr  # no Dask log lines either
    assert result.stderr.startswith(f"python -m explorer sweep: error: cannot reach the Dask scheduler at {address!r}")
    assert reason in result.stderr


@pytest.mark.parametrize(
    ("address", "reason"),
    [
        ("nonsense", "missing port number in address 'nonsense'"),
        ("http://127.0.0.1:8786", "unknown address scheme 'http'"),
    ],
)
def test_a_malformed_scheduler_address_is_one_clear_error(address, reason, no_env):
    with pytest.raises(executors.ExecutorError) as caught, executors.executor_for(Sweep(TINY, GRID), scheduler=address):
        pass
    assert (
        str(caught.value) == f"cannot reach the Dask scheduler at {address!r}: " + str(caught.value).split(": ", 1)[1]
    )
    assert reason in str(caught.value) and "\n" not in str(caught.value)


def test_a_worker_killed_mid_sweep_is_retried_and_the_sweep_completes(cluster, client, no_env):
    """Runs last: it leaves the cluster with a restarted worker."""
    base = Config(n_samples=2000, hidden=(16, 16), epochs=20)
    sweep = Sweep(base, (("activation", ("relu", "tanh", "elu", "gelu")),), seeds=3)  # four groups of ~a second
    expected = _without_seconds(run(sweep).to_json())
    pids = client.run(os.getpid)  # worker address -> its process
    assert len(pids) == 2
    outcome: dict = {}

    def sweep_on_cluster():
        try:
            with executors.executor_for(sweep, scheduler=cluster.scheduler_address) as executor:
                outcome["result"] = run(sweep, executor)
        except BaseException as err:  # reported below, not lost in the thread
            outcome["error"] = err

    with distributed.get_task_stream(client) as stream:
        thread = threading.Thread(target=sweep_on_cluster)
        thread.start()
        victim, lost = "", ()
        for _ in range(3000):  # until a group is on a worker
            busy = {worker: keys for worker, keys in client.processing().items() if keys and worker in pids}
            if busy:
                time.sleep(0.2)  # into the group's training
                victim, lost = next((w, k) for w, k in client.processing().items() if k and w in pids)
                break
            time.sleep(0.02)
        assert victim, "no group reached a worker"
        assert thread.is_alive()
        os.kill(pids[victim], signal.SIGKILL)
        thread.join(timeout=240)
    assert not thread.is_alive()
    assert "error" not in outcome, outcome.get("error")
    result = outcome["result"]
    assert len(result.runs) == 12 and [row["n"] for row in result.summary] == [3, 3, 3, 3]
    assert _without_seconds(result.to_json()) == expected
    # what the killed worker held was run again on another worker
    finished_elsewhere = {task["key"] for task in stream.data if task["worker"] != victim}
    assert set(lost) <= finished_elsewhere
    assert pids[victim] not in client.run(os.getpid).values()  # that worker really died
