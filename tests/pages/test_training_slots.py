"""Turns at the cores: at most `slots` sessions compute at once, turns go round, the silent drop out."""

from __future__ import annotations

import threading

import pytest

from ui.train.slots import STALE_SECONDS, TrainingSlots


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_at_most_slots_sessions_compute_and_the_rest_know_their_place():
    slots = TrainingSlots(2, Clock())
    assert slots.ask("a") == 0 and slots.ask("b") == 0
    assert slots.ask("c") == 1 and slots.ask("d") == 2
    assert slots.ask("c") == 1  # asking again keeps its place


def test_turns_go_round_in_arrival_order():
    slots = TrainingSlots(1, Clock())
    assert slots.ask("a") == 0
    assert slots.ask("b") == 1 and slots.ask("c") == 2
    slots.done("a")
    assert slots.ask("a") == 2  # had its turn: behind b and c now
    assert slots.ask("c") == 1  # b is still first in line, though c asked first after the turn ended
    assert slots.ask("b") == 0
    slots.done("b")
    assert slots.ask("c") == 0


def test_a_session_that_stops_asking_drops_out_and_leave_is_immediate():
    clock = Clock()
    slots = TrainingSlots(1, clock)
    assert slots.ask("a") == 0
    assert slots.ask("gone") == 1 and slots.ask("b") == 2
    slots.done("a")
    clock.now += STALE_SECONDS + 0.1  # "gone" closed its tab; "b" keeps asking
    assert slots.ask("b") == 0
    slots.done("b")
    assert slots.ask("c") == 0
    assert slots.ask("b") == 1
    slots.leave("b")
    assert slots.waiting == 0


def test_many_threads_never_exceed_the_slots():
    slots = TrainingSlots(2)
    inside, peak, lock = [0], [0], threading.Lock()

    def session(name: str) -> None:
        turns = 0
        while turns < 20:
            if slots.ask(name) == 0:
                with lock:
                    inside[0] += 1
                    peak[0] = max(peak[0], inside[0])
                with lock:
                    inside[0] -= 1
                slots.done(name)
                turns += 1

    threads = [threading.Thread(target=session, args=(f"s{i}",)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert peak[0] <= 2 and not any(t.is_alive() for t in threads)


def test_slots_must_be_positive():
    with pytest.raises(ValueError, match="at least 1"):
        TrainingSlots(0)


def test_a_queued_session_waits_without_training_and_trains_on_its_turn():
    from explorer.config import Config
    from ui.train import state

    slots = TrainingSlots(1, Clock())
    first = state._build(Config(n_samples=200, hidden=(8,), epochs=5000), playing=True)
    second = state._build(Config(n_samples=200, hidden=(8,), epochs=5000), playing=True)
    slots.ask("someone else")  # holds the only core
    assert state.tick(second, slots) is False
    assert second.queued == 1 and second.trainer.steps == 0  # waits: one session is computing
    slots.done("someone else")
    slots.leave("someone else")
    assert state.tick(second, slots) is False and second.queued == 0 and second.trainer.steps > 0
    assert state.tick(first, slots) is False and first.queued == 0 and first.trainer.steps > 0
