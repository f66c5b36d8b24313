"""Runs trained in worker processes: the mirror shows the worker's numbers, which are a local run's numbers."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from multiprocessing import Pipe

import pytest
import torch

from explorer.config import Config, ConfigError
from explorer.runs import remote_training
from explorer.runs.remote_training import RemoteRun, TrainingPool, WorkerLost
from explorer.runs.training import MAX_DETAILED_EPOCHS, Trainer

SMALL = Config(n_samples=200, hidden=(8, 8), epochs=12)


@pytest.fixture(scope="module")
def pool() -> Iterator[TrainingPool]:
    workers = TrainingPool(2)
    workers.warm()
    yield workers
    workers.close()


def _until(condition: Callable[[], bool], run: RemoteRun, timeout: float = 60) -> None:
    """Tick like the page does (look, then sync) until `condition` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"timed out at epoch {run.trainer.epoch}"
        time.sleep(0.05)
        run.look()
        run.sync()


def _played_out(pool: TrainingPool, config: Config) -> RemoteRun:
    run = pool.start(config)
    run.play()
    _until(lambda: run.trainer.done, run)
    _until(
        lambda: run.trainer.records_made == run.trainer.epoch and torch.isfinite(run.trainer.network.flat).all(), run
    )
    return run


@pytest.mark.parametrize(
    "config",
    [SMALL.replace(norm="bn_before"), SMALL.replace(dataset="diabetes", hidden=(16,), norm="bn_after", epochs=8)],
    ids=["moons-bn_before", "diabetes-bn_after"],
)
def test_a_run_in_a_worker_shows_the_numbers_of_the_same_run_trained_here(pool: TrainingPool, config: Config):
    remote = _played_out(pool, config)
    local = Trainer(config)
    local.advance(epochs=config.epochs)
    assert remote.trainer.curve == local.curve
    assert [r["train_loss_eval"] for r in remote.trainer.records] == [r["train_loss_eval"] for r in local.records]
    assert torch.equal(remote.trainer.network.flat, local.network.flat)  # the surface is drawn from these
    for name, buffer in local.network.buffers.items():
        assert torch.equal(remote.trainer.network.buffers[name], buffer)
    assert remote.trainer.report()["final"] == local.report()["final"]


def test_step_trains_one_epoch_and_the_mirror_shows_it_when_step_returns(pool: TrainingPool):
    run = pool.start(SMALL)
    run.step()
    assert run.trainer.epoch == 1 and len(run.trainer.curve) == 1
    run.step()
    assert run.trainer.epoch == 2


def test_a_finished_run_that_is_lengthened_plays_on_to_the_new_end(pool: TrainingPool):
    run = _played_out(pool, SMALL.replace(epochs=3))
    run.set_epochs(6)
    assert not run.trainer.done
    run.play()
    _until(lambda: run.trainer.epoch == 6 and run.trainer.done, run)
    assert [row["epoch"] for row in run.trainer.curve] == [1, 2, 3, 4, 5, 6]


def test_a_long_run_keeps_the_same_thinned_records_as_a_local_one(pool: TrainingPool):
    config = Config(n_samples=20, hidden=(4,), epochs=MAX_DETAILED_EPOCHS + 150, batch_size=64)
    remote = _played_out(pool, config)
    local = Trainer(config)
    local.advance(epochs=config.epochs)
    assert [r["epoch"] for r in remote.trainer.records] == [r["epoch"] for r in local.records]
    assert len(local.records) <= MAX_DETAILED_EPOCHS


def test_a_mirror_refuses_to_train_itself(pool: TrainingPool):
    with pytest.raises(RuntimeError, match="follows its worker"):
        pool.start(SMALL).trainer.advance(epochs=1)


def test_a_killed_worker_is_reported_and_replaced():
    workers = TrainingPool(1)
    try:
        run = workers.start(SMALL)
        run.step()  # the worker is up and has the run
        (channel,) = workers.warm()
        channel.process.kill()
        channel.process.join(10)
        with pytest.raises(WorkerLost):
            run.sync()
        fresh = workers.start(SMALL)
        fresh.step()
        assert fresh.trainer.epoch == 1
    finally:
        workers.close()


def test_a_run_whose_worker_died_is_replayed_bit_for_bit_to_where_it_was():
    workers = TrainingPool(1)
    try:
        config = SMALL.replace(epochs=400, norm="bn_before")
        lost = workers.start(config, speed=20.0)  # slow enough to pause it mid-run
        lost.play()
        _until(lambda: lost.trainer.epoch >= 7, lost)
        lost.pause()
        lost.sync()
        (channel,) = workers.warm()
        channel.process.kill()
        channel.process.join(10)
        with pytest.raises(WorkerLost):
            lost.sync()
        reached = lost.trainer.epoch
        fresh = workers.start(config, lost.trainer.prepared)
        fresh.replay(reached)
        assert fresh.trainer.epoch == reached
        assert fresh.trainer.curve == lost.trainer.curve[:reached]  # seeded: the same numbers, every epoch
        local = Trainer(config, prepared=lost.trainer.prepared)
        local.advance(epochs=reached)
        assert torch.equal(fresh.trainer.network.flat, local.network.flat)  # the weights the surface draws
        fresh.step()  # and it goes on from there
        assert fresh.trainer.epoch == reached + 1
    finally:
        workers.close()


# ---- the worker's loop, run in a thread so its state can be read ------------------------------------------
@pytest.fixture
def worker(monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[remote_training._Worker, object]]:
    monkeypatch.setattr(remote_training, "STALE_SECONDS", 0.3)
    page, child = Pipe()
    loop = remote_training._Worker(child)
    thread = threading.Thread(target=loop.serve, daemon=True)
    thread.start()
    drain = threading.Thread(target=_drain, args=(page,), daemon=True)  # as the server's reader thread does
    drain.start()
    yield loop, page
    page.send(None)
    thread.join(10)


def _drain(page) -> None:
    try:
        while True:
            page.recv()
    except (EOFError, OSError):
        pass


def _wait(condition: Callable[[], bool], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline
        time.sleep(0.02)


def test_a_run_nobody_looks_at_pauses_and_goes_on_when_looked_at_again(worker):
    loop, page = worker
    page.send(("create", "a", SMALL.replace(epochs=5_000), None))
    page.send(("play", "a"))
    _wait(lambda: "a" in loop.runs and loop.runs["a"].stale)  # no look for 0.3 s: the core is freed
    steps = loop.runs["a"].trainer.steps
    time.sleep(0.3)
    assert loop.runs["a"].trainer.steps == steps
    page.send(("look", "a"))
    _wait(lambda: loop.runs["a"].trainer.steps > steps)


def test_a_closed_run_is_freed_in_the_worker(worker):
    loop, page = worker
    page.send(("create", "a", SMALL, None))
    page.send(("create", "b", SMALL, None))
    _wait(lambda: set(loop.runs) == {"a", "b"})
    page.send(("drop", "a"))
    _wait(lambda: set(loop.runs) == {"b"})


def test_playing_runs_take_turns_so_each_one_moves(worker):
    loop, page = worker
    for name in "abc":
        page.send(("create", name, SMALL.replace(epochs=5_000), None))
        page.send(("play", name))
    deadline = time.monotonic() + 30
    while not all(name in loop.runs and loop.runs[name].trainer.epoch >= 2 for name in "abc"):
        assert time.monotonic() < deadline
        for name in "abc":
            page.send(("look", name))
        time.sleep(0.05)


def test_a_run_that_fails_in_its_worker_is_reported_and_the_others_go_on(worker, monkeypatch: pytest.MonkeyPatch):
    loop, page = worker
    page.send(("create", "a", SMALL, None))
    page.send(("create", "b", SMALL, None))
    _wait(lambda: set(loop.runs) == {"a", "b"})

    def broken(**_):
        raise ValueError("boom")

    monkeypatch.setattr(loop.runs["a"].trainer, "advance", broken)
    page.send(("step", "a", 0))
    page.send(("step", "b", 1))
    _wait(lambda: set(loop.runs) == {"b"} and loop.runs["b"].trainer.epoch == 1)


def test_a_failed_run_raises_its_reason_on_the_page_side(pool: TrainingPool):
    run = pool.start(SMALL)
    run.receive(remote_training.Progress(run.id, 0, 0, 0.0, False, None, [], [], error="ValueError: boom"))
    with pytest.raises(WorkerLost, match=r"failed in its training process \(ValueError: boom\)"):
        run.sync()


def test_a_run_plays_at_its_speed_and_takes_a_new_one_at_once(worker):
    """5 epochs a second: after ~1 s about 5 epochs, not the hundreds an unlimited run trains."""
    loop, page = worker
    page.send(("create", "a", SMALL.replace(epochs=5_000), None, 5.0))
    page.send(("play", "a"))
    for _ in range(12):  # keep looking, as a page's ticks do, so the run is not paused as stale
        page.send(("look", "a"))
        time.sleep(0.1)
    paced = loop.runs["a"].trainer.epoch
    assert 3 <= paced <= 9, paced
    page.send(("set_speed", "a", None))
    for _ in range(5):
        page.send(("look", "a"))
        time.sleep(0.1)
    assert loop.runs["a"].trainer.epoch > paced + 10  # as fast as it goes: many more in half the time


def test_a_pool_says_when_its_workers_are_warm() -> None:
    """`python -m ui.serve` waits on this before its health check answers: each worker has imported torch
    and trained its warm-up epoch, so the first Play is quick."""
    workers = TrainingPool(1)
    try:
        assert workers.wait_ready(timeout=120)
        assert all(channel.ready.is_set() for channel in workers.warm())
    finally:
        workers.close()


# ---- heavy data: prepared where the run trains -------------------------------------------------------------
def test_data_prepared_in_the_worker_comes_back_for_the_mirror_and_play_waits_for_it(pool: TrainingPool):
    config = SMALL.replace(skew="all:heavy_tail:3", scaler="yeo_johnson")
    run = pool.start(config, source=remote_training.SEND)
    assert not run.ready and run.trainer is None  # nothing was prepared in this process
    run.play()  # held in the worker until the data is ready
    _until(lambda: run.ready and run.trainer.done, run)
    local = Trainer(config)
    local.advance(epochs=config.epochs)
    assert run.trainer.curve == local.curve
    assert (run.trainer.prepared.X_train == local.prepared.X_train).all()


def test_data_the_worker_cannot_prepare_raises_its_one_line_on_the_page_side(pool: TrainingPool):
    run = pool.start(SMALL.replace(skew="5:lognormal:1"), source=remote_training.SEND)  # moons has features 0, 1
    deadline = time.monotonic() + 60
    with pytest.raises(ConfigError, match=r"^skew features '5': feature 5 does not exist"):
        while time.monotonic() < deadline:
            run.sync()
            time.sleep(0.05)
    assert not run.ready


def test_a_worker_keeps_data_it_prepared_so_a_new_network_on_it_prepares_nothing(worker):
    loop, page = worker
    config = SMALL.replace(dataset="classification", n_features=6)
    page.send(("create", "a", config, None, None, remote_training.CACHED))
    page.send(("create", "b", config.replace(hidden=(4,), lr=0.1), None, None, remote_training.CACHED))
    page.send(("step", "b", 0))  # waits for b's data, then trains
    _wait(lambda: all(loop.runs.get(name) and loop.runs[name].trainer for name in "ab"))
    _wait(lambda: loop.runs["b"].trainer.epoch == 1)
    assert len(loop.cache) == 1  # asked for twice at once, prepared once
    assert loop.runs["a"].trainer.prepared is loop.runs["b"].trainer.prepared


def test_a_slow_epoch_shows_its_steps_and_sends_its_weights_once_an_epoch(pool: TrainingPool):
    """12 MB of weights at every tick made a heavy run slow every session; the steps within it still move."""
    run = pool.start(Config(n_samples=20_000, batch_size=1, hidden=(8,), epochs=3))
    run.play()
    seen_steps, seen_weights = set(), set()
    _until(lambda: run.trainer.steps > 0, run)
    deadline = time.monotonic() + 1.0
    while run.trainer.epoch == 0 and time.monotonic() < deadline:
        seen_steps.add(run.trainer.steps_in_epoch)
        seen_weights.add(run.weights_at)
        run.look()
        time.sleep(0.1)
        run.sync()
    assert len(seen_steps) >= 3  # the counter can show progress within the epoch
    assert len(seen_weights) <= 2  # the weights of the epoch's start (sent with the first message) stand
    run.pause()
