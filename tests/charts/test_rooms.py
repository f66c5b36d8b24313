"""A room's board as charts and tables (explorer/charts/rooms.py): bounded curve rows, specs that stay the same
object between refreshes, groups ranked the right way round for a loss, and the seed-noise sentence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from explorer.charts import rooms as charts
from explorer.config import Config
from explorer.rooms import build_board
from explorer.rooms.records import Room, RunRecord

NOW = datetime(2026, 3, 1, 9, tzinfo=UTC)
ROOM = Room("moons-bn-4821", "BN or not", (), False, NOW, NOW + timedelta(days=7))
_ids = iter(range(1, 100_000))


def run(norm: str, seed: int, accuracy: float, epochs: int = 10, member: int = 1, nickname: str = "ann") -> RunRecord:
    curve = tuple(
        {"epoch": e, "test_loss": 1.0 / e, "test_accuracy": accuracy * e / epochs} for e in range(1, epochs + 1)
    )
    config = Config(norm=norm, seed=seed)
    return RunRecord(
        id=next(_ids),
        member_id=member,
        nickname=nickname,
        config=config.to_dict(),
        seed=seed,
        metrics={"test_loss": 1 - accuracy, "test_accuracy": accuracy},
        curve=curve,
        seconds=1.5,
        posted_at=NOW,
    )


def board(runs, metric=None):
    return build_board(ROOM, runs, members=3, metric=metric)


def test_the_curves_hold_every_run_thin_and_each_groups_median_and_stay_bounded():
    runs = [run("none", s, 0.8 + s / 100) for s in range(3)] + [run("bn_before", s, 0.9) for s in range(3)]
    frame = charts.curve_frame(board(runs))
    assert set(frame["group"]) == {"norm=none", "norm=bn_before"}
    assert set(frame["line"]) == {charts.RUN_LINE, charts.MEDIAN_LINE}
    assert frame["run"].nunique() == 6 + 2  # six runs and two medians
    assert len(frame) == 8 * 10
    many = [run("none", s % 7, 0.8, epochs=2_000, member=s) for s in range(200)]
    big = charts.curve_frame(board(many))
    assert len(big) <= charts.MAX_CURVE_ROWS + charts.MIN_POINTS * 2
    assert big.groupby("run", observed=True).size().max() <= charts.points_per_run(201) + 1


def test_specs_are_cached_per_groups_and_metric_and_hold_no_data():
    groups = ("norm=none", "norm=bn_before")
    spec = charts.curve_spec(groups, "test_accuracy")
    assert charts.curve_spec(groups, "test_accuracy") is spec  # a refresh sends the same spec
    assert "data" not in spec and "datasets" not in spec
    assert spec["layer"][0]["mark"]["strokeWidth"] < spec["layer"][1]["mark"]["strokeWidth"]  # medians bold
    assert spec["title"]["text"] == "Test accuracy per epoch"
    assert charts.curve_spec(groups, "test_loss")["layer"][0]["encoding"]["y"]["scale"] == {"type": "log"}
    interval = charts.interval_spec(groups, "test_accuracy")
    assert "bootstrap interval of the median" in interval["title"]["subtitle"][1]


def test_groups_rank_highest_accuracy_first_and_lowest_loss_first():
    runs = [run("none", s, 0.7) for s in range(3)] + [run("bn_before", s, 0.9) for s in range(3)]
    by_accuracy = charts.groups_frame(board(runs))
    assert list(by_accuracy["group"]) == ["norm=bn_before", "norm=none"]
    assert by_accuracy["interval"][0] == "[90.0%, 90.0%]"
    by_loss = charts.groups_frame(board(runs, metric="test_loss"))
    assert list(by_loss["group"]) == ["norm=bn_before", "norm=none"]  # 0.1 loss before 0.3
    assert list(by_loss["median"]) == pytest.approx([0.1, 0.3])


def test_the_noise_sentence_is_compares_and_needs_two_runs_a_group():
    apart = [run("none", s, 0.7 + s / 1000) for s in range(3)] + [run("bn_before", s, 0.9 + s / 1000) for s in range(3)]
    assert "**norm=bn_before** is ahead of every other group by more than seed noise" in charts.noise_note(board(apart))
    close = [run("none", s, 0.8 + s / 10) for s in range(3)] + [run("bn_before", s, 0.85 + s / 10) for s in range(3)]
    assert "is within seed noise: their 95% intervals overlap, so these runs" in charts.noise_note(board(close))
    single = [run("none", 0, 0.7), run("bn_before", 0, 0.9)]
    assert "no interval" in charts.noise_note(board(single))
    assert charts.noise_note(board(apart[:3])) == ""  # one group: nothing to compare


def test_the_runs_table_keeps_what_people_typed_as_it_is_newest_first_with_links():
    hostile = "<script>alert(1)</script>**bold**"
    runs = [run("none", 0, 0.8, nickname=hostile), run("none", 1, 0.82, nickname="")]
    frame = charts.runs_frame(board(runs), {runs[0].id: "train?norm=none"})
    assert list(frame["run"]) == [runs[1].id, runs[0].id]
    assert list(frame["who"]) == [charts.ANONYMOUS, hostile]  # a table cell is text: nothing to escape
    assert frame["link"].isna().tolist() == [True, False] and frame["link"][1] == "train?norm=none"
    assert frame["epochs"].tolist() == [10, 10] and frame["metric"].tolist() == [0.82, 0.8]


def test_an_empty_board_draws_nothing_and_says_nothing():
    empty = board([])
    assert charts.curve_frame(empty).empty and charts.interval_frame(empty).empty
    assert charts.groups_frame(empty).empty and charts.noise_note(empty) == ""
