"""The Train page's redraw pace: slower when its ticks arrive late, faster again only after a calm spell."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from ui.train import state, workers
from ui.train.pace import CALM_SECONDS, MAX_LEVEL, SETTLE_SECONDS, WINDOW, Pace
from ui.train.state import TICK_EVERY


def _ticks(pace: Pace, start: float, every: float, count: int, asked: float) -> tuple[float, list[bool]]:
    """`count` ticks `every` seconds apart after `start`; the time of the last, and what observe said."""
    said = [pace.observe(start + (i + 1) * every, asked) for i in range(count)]
    return start + count * every, said


def test_ticks_on_time_keep_the_pace():
    pace = Pace()
    _, said = _ticks(pace, 0.0, 0.52, 40, asked=0.5)
    assert not any(said) and pace.level == 0 and pace.factor == 1


def test_a_few_late_ticks_are_not_enough_but_a_late_median_sends_the_page_to_the_slowest_pace():
    pace = Pace()
    now, said = _ticks(pace, 0.0, 0.5, WINDOW, asked=0.5)
    for gap in (3.0, 0.5, 3.0):  # two late of the last six: the median is still on time
        now += gap
        said.append(pace.observe(now, 0.5))
    assert not any(said)
    now, said = _ticks(pace, now, 0.85, WINDOW, asked=0.5)  # 1.7 times the interval asked for
    assert said.count(True) == 1 and pace.level == MAX_LEVEL and pace.factor == 2**MAX_LEVEL


@pytest.mark.parametrize("level", range(MAX_LEVEL))
@pytest.mark.parametrize("late", [1.7, 3.0, 100.0])
def test_ticks_late_by_any_margin_go_straight_to_the_slowest_pace(level: int, late: float):
    """One step down per signal was too slow: each step is a whole-page rerun and waits a window of ticks at
    the new pace, while the browser's backlog grows."""
    pace = Pace(level=level)
    asked = 0.5 * pace.factor
    now, said = _ticks(pace, 0.0, late * asked, WINDOW + 1, asked=asked)
    assert said.count(True) == 1 and pace.level == MAX_LEVEL
    now, said = _ticks(pace, now, 100.0, 3 * WINDOW, asked=0.5 * pace.factor)  # nothing slower
    assert not any(said) and pace.level == MAX_LEVEL


def test_it_tries_one_level_faster_only_after_a_calm_spell():
    pace = Pace(level=1, changed_at=0.0)  # slowed down at 0 s
    now, said = _ticks(pace, 0.0, 1.0, int(CALM_SECONDS / 1.0) - 5, asked=1.0)  # on time, but not calm long
    assert not any(said) and pace.level == 1
    now, said = _ticks(pace, now, 1.0, 20, asked=1.0)
    assert any(said) and pace.level == 0


@pytest.mark.parametrize("level", range(MAX_LEVEL))
def test_a_browser_that_draws_late_sends_the_page_straight_to_the_slowest_pace(level: int):
    pace = Pace(level=level)
    assert pace.drew_late(100.0) and pace.level == MAX_LEVEL
    assert not pace.drew_late(100.0 + SETTLE_SECONDS + 0.1) and pace.level == MAX_LEVEL  # nothing slower


def test_a_browser_that_drew_late_gets_its_pace_back_a_level_at_a_time_once_calm():
    pace = Pace()
    assert pace.drew_late(0.0) and pace.level == MAX_LEVEL
    now = 0.0
    for level in range(MAX_LEVEL, 0, -1):  # the server's ticks come on time at each pace
        every, since = 0.5 * 2**level, now
        while pace.level == level:
            assert now - since < CALM_SECONDS + 60, f"still at level {level} after {now - since:.0f} s"
            now += every
            pace.observe(now, every)
        assert pace.level == level - 1 and now - since >= CALM_SECONDS  # one level, after two calm minutes


def test_after_a_late_browser_it_tries_faster_only_once_the_browser_was_calm():
    pace = Pace(level=MAX_LEVEL)  # a busy server sent it here: the counter still ticks every second
    assert pace.counter_factor == 2 and pace.factor == 2**MAX_LEVEL
    assert pace.drew_late(0.0) and pace.counter_factor == pace.factor  # the browser's word slows the counter too
    now, said = _ticks(pace, 0.0, 1.0, int(CALM_SECONDS) - 10, asked=1.0)  # the server's ticks on time all along
    assert not any(said) and pace.level == MAX_LEVEL
    now, said = _ticks(pace, now, 1.0, 20, asked=1.0)
    assert any(said) and pace.level == MAX_LEVEL - 1


def test_restart_forgets_the_gap_of_a_pause():
    pace = Pace()
    now, _ = _ticks(pace, 0.0, 0.5, WINDOW, asked=0.5)
    pace.restart()
    now, said = _ticks(pace, now + 600.0, 0.5, WINDOW + 2, asked=0.5)
    assert not any(said) and pace.level == 0


@pytest.mark.parametrize("level", [0, 2])
def test_every_redraw_interval_follows_the_sessions_pace(monkeypatch, level: int):
    monkeypatch.setattr(workers, "pool", lambda: SimpleNamespace(playing=0))
    monkeypatch.setattr(state, "pace", lambda: Pace(level=level, browser_late=True))  # a busy browser
    assert state.tick_every() == state.TICK_EVERY * 2**level
    assert state.charts_every() == state.CHARTS_EVERY * 2**level
    assert state.inside_every() == state.INSIDE_EVERY * 2**level


def test_a_busy_server_slows_the_charts_to_the_slowest_pace_but_the_counter_only_to_a_tick_a_second():
    """30 sessions on 2 cores: charts every few seconds, and still a new epoch on screen every second."""
    pace = Pace()
    _ticks(pace, 0.0, 0.85, WINDOW + 1, asked=0.5)
    assert pace.level == MAX_LEVEL and pace.factor == 2**MAX_LEVEL
    assert TICK_EVERY * pace.counter_factor == 1.0


def test_back_at_full_pace_a_late_browser_is_forgotten():
    pace = Pace()
    assert pace.drew_late(0.0) and pace.browser_late
    pace._move(0, CALM_SECONDS)
    assert not pace.browser_late and pace.counter_factor == 1
