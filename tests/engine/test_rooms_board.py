"""The rooms' board and what feeds it, without a database: grouping by the settings that differ, medians with
bootstrap intervals, the epoch-wise median curve, and the cleaning of what people and pages send."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from explorer.config import Config
from explorer.rooms import RoomError, codes, inputs
from explorer.rooms.board import ALL_RUNS, build_board, choose_metric, differing_keys, group_runs, median_curve
from explorer.rooms.records import Room, RunRecord
from explorer.sweeps import stats

NOW = datetime(2026, 3, 1, tzinfo=UTC)
_ids = iter(range(1, 10_000))


def room(keys: tuple[str, ...] = ()) -> Room:
    return Room("moons-bn-4821", "BN or not", keys, False, NOW, NOW + timedelta(days=7))


def run(member: int = 1, off_board: bool = False, curve=(), metrics=None, **config) -> RunRecord:
    """A run record; `config` are Config keys (among them `hidden`, the layers)."""
    values = Config(**config).to_dict()
    return RunRecord(
        id=next(_ids),
        member_id=member,
        nickname=f"learner {member}",
        config=values,
        seed=values["seed"],
        metrics={"test_loss": 0.5, "test_accuracy": 0.8} if metrics is None else metrics,
        curve=tuple(curve),
        seconds=1.0,
        posted_at=NOW,
        hidden=off_board,
    )


def accuracy_runs(norm: str, scores: list[float], member: int = 1, **config) -> list[RunRecord]:
    return [
        run(member, norm=norm, seed=seed, metrics={"test_loss": 1 - s, "test_accuracy": s}, **config)
        for seed, s in enumerate(scores)
    ]


# ---- which keys differ, and the groups ----------------------------------------------------------------------
def test_the_differing_keys_are_found_in_key_order_and_the_seed_is_left_out():
    configs = [Config(norm="bn_before", lr=0.1, seed=1).to_dict(), Config(norm="none", seed=2).to_dict()]
    assert differing_keys(configs) == ("norm", "lr")
    assert differing_keys([Config(seed=s).to_dict() for s in range(5)]) == ()


def test_a_key_missing_from_an_older_run_counts_as_its_default():
    old = {k: v for k, v in Config().to_dict().items() if k != "norm_noise"}  # posted before norm_noise existed
    assert differing_keys([old, Config().to_dict()]) == ()
    assert differing_keys([old, Config(norm_noise=2.0).to_dict()]) == ("norm_noise",)


def test_groups_follow_the_keys_natural_order_and_are_labelled_key_equals_value():
    runs = [*accuracy_runs("bn_before", [0.9]), *accuracy_runs("none", [0.8]), *accuracy_runs("ln_after", [0.7])]
    groups = group_runs(runs, ("norm",))
    assert [values for values, _ in groups] == [(("norm", "none"),), (("norm", "bn_before"),), (("norm", "ln_after"),)]
    board = build_board(room(), runs, members=1)
    assert [g.label for g in board.groups] == ["norm=none", "norm=bn_before", "norm=ln_after"]


def test_two_differing_keys_make_one_group_per_combination():
    runs = [run(norm=n, lr=lr, seed=s) for n in ("none", "bn_before") for lr in (0.1, 0.01) for s in range(2)]
    board = build_board(room(), runs, members=1)
    assert board.keys == ("norm", "lr")
    assert [g.label for g in board.groups] == [
        "norm=none, lr=0.01",
        "norm=none, lr=0.1",
        "norm=bn_before, lr=0.01",
        "norm=bn_before, lr=0.1",
    ]
    assert all(len(g.runs) == 2 for g in board.groups)


def test_the_rooms_chosen_keys_override_the_found_ones():
    runs = [run(norm=n, lr=lr) for n in ("none", "bn_before") for lr in (0.1, 0.01)]
    board = build_board(room(keys=("norm",)), runs, members=1)
    assert board.keys == ("norm",)
    assert [(g.label, len(g.runs)) for g in board.groups] == [("norm=none", 2), ("norm=bn_before", 2)]


def test_runs_that_differ_only_in_seed_are_one_group():
    board = build_board(room(), [run(seed=s) for s in range(4)], members=2)
    assert [(g.label, len(g.runs)) for g in board.groups] == [(ALL_RUNS, 4)]
    assert board.overlaps == {}
    assert board.all_overlap


def test_hidden_layer_lists_group_and_label_like_the_other_keys():
    board = build_board(room(), [run(hidden=(8,)), run(hidden=(32, 32))], members=1)
    assert [g.label for g in board.groups] == ["hidden=8", "hidden=32,32"]


# ---- statistics ---------------------------------------------------------------------------------------------
def test_each_groups_summary_is_the_bootstrap_median_of_its_metric():
    bn, plain = [0.91, 0.93, 0.92, 0.94, 0.90], [0.80, 0.84, 0.82, 0.79, 0.81]
    board = build_board(room(), [*accuracy_runs("bn_before", bn), *accuracy_runs("none", plain)], members=1)
    assert board.metric == "test_accuracy"
    by_label = {g.label: g for g in board.groups}
    assert by_label["norm=bn_before"].summary == stats.summarize(bn)
    assert by_label["norm=none"].summary["median"] == pytest.approx(float(np.median(plain)))
    for group in board.groups:
        assert group.summary["ci95_low"] <= group.summary["median"] <= group.summary["ci95_high"]
    assert board.overlaps == {("norm=none", "norm=bn_before"): False}
    assert not board.all_overlap


def test_groups_within_seed_noise_overlap():
    a, b = [0.80, 0.90, 0.85, 0.82, 0.88], [0.83, 0.87, 0.81, 0.89, 0.84]
    board = build_board(room(), [*accuracy_runs("bn_before", a), *accuracy_runs("none", b)], members=1)
    assert board.overlaps == {("norm=none", "norm=bn_before"): True}
    assert board.all_overlap


def test_another_metric_can_be_summarised_and_a_missing_one_falls_back():
    runs = accuracy_runs("none", [0.8, 0.9]) + accuracy_runs("bn_before", [0.6, 0.7])
    loss = build_board(room(), runs, members=1, metric="test_loss")
    assert loss.metric == "test_loss"
    assert loss.groups[0].summary["median"] == pytest.approx(0.15)
    assert build_board(room(), runs, members=1, metric="no_such").metric == "test_accuracy"
    assert choose_metric([run(metrics={"test_r2": 0.5, "test_loss": 1.0})]) == "test_r2"
    assert choose_metric([run(metrics={"custom": 1.0})]) == "custom"
    assert choose_metric([]) is None


def test_a_run_whose_metric_was_not_finite_is_left_out_of_the_median():
    runs = [*accuracy_runs("none", [0.8, 0.9]), run(norm="none", metrics={"test_accuracy": None})]
    group = build_board(room(), runs, members=1).groups[0]
    assert len(group.runs) == 3
    assert group.summary["median"] == pytest.approx(0.85)


def test_hidden_runs_are_counted_but_not_shown_or_summarised():
    shown = accuracy_runs("none", [0.8, 0.9], member=1)
    hidden = run(member=2, off_board=True, norm="bn_before", metrics={"test_accuracy": 0.1})
    board = build_board(room(), [*shown, hidden], members=3)
    assert (board.members, board.posters, board.runs, board.hidden) == (3, 1, 2, 1)
    assert board.keys == ()  # the hidden run's norm is not a difference on the board
    assert [len(g.runs) for g in board.groups] == [2]


def test_posters_count_each_member_once():
    runs = accuracy_runs("none", [0.8, 0.9], member=1) + accuracy_runs("none", [0.7], member=2)
    board = build_board(room(), runs, members=5)
    assert (board.members, board.posters, board.runs) == (5, 2, 3)


# ---- curves -------------------------------------------------------------------------------------------------
def test_the_median_curve_is_taken_per_epoch_over_the_epochs_all_curves_share():
    a = [{"epoch": e, "test_loss": 1.0 * e} for e in range(1, 6)]
    b = [{"epoch": e, "test_loss": 3.0 * e} for e in range(1, 4)]
    c = [{"epoch": e, "test_loss": 2.0 * e} for e in range(2, 6)]
    assert median_curve([a, b, c]) == ({"epoch": 2, "test_loss": 4.0}, {"epoch": 3, "test_loss": 6.0})
    assert median_curve([a, []]) == tuple(a)  # a run posted without a curve does not empty the median
    assert median_curve([]) == ()


def test_the_median_curve_skips_missing_values_and_keeps_every_field():
    a = [{"epoch": 1, "test_loss": None, "test_accuracy": 0.5}]
    b = [{"epoch": 1, "test_loss": 2.0, "test_accuracy": 0.7}]
    assert median_curve([a, b]) == ({"epoch": 1, "test_loss": 2.0, "test_accuracy": pytest.approx(0.6)},)
    assert median_curve([[{"epoch": 1, "x": None}]]) == ({"epoch": 1, "x": None},)


def test_each_group_carries_its_median_curve():
    curve = [{"epoch": e, "test_loss": 1 / e} for e in range(1, 11)]
    board = build_board(room(), [run(seed=s, curve=curve) for s in range(3)], members=1)
    assert board.groups[0].curve == tuple(curve)


def test_a_long_curve_is_thinned_to_at_most_200_points_keeping_both_ends():
    for n in (201, 450, 1000, 5000):
        thinned = inputs.curve([{"epoch": e, "test_loss": 1 / e} for e in range(1, n + 1)])
        epochs = [p["epoch"] for p in thinned]
        assert len(thinned) <= inputs.MAX_CURVE_POINTS, n
        assert epochs[0] == 1 and epochs[-1] == n
        assert epochs == sorted(epochs)
    short = [{"epoch": e, "test_loss": 0.5} for e in range(1, 201)]
    assert inputs.curve(short) == short


def test_thinned_curves_of_similar_lengths_still_share_epochs_for_the_median():
    long_a = inputs.curve([{"epoch": e, "loss": 1.0} for e in range(1, 401)])
    long_b = inputs.curve([{"epoch": e, "loss": 3.0} for e in range(1, 391)])
    coarser = [p["epoch"] for p in long_a]  # stride 4; long_b's is 2: it has each of these up to its end
    shared = median_curve([long_a, long_b])
    assert [p["epoch"] for p in shared] == [e for e in coarser if e <= 390]
    assert len(shared) > 90
    assert all(p["loss"] == 2.0 for p in shared)


# ---- what people and pages send ----------------------------------------------------------------------------
def test_control_characters_and_bidi_overrides_are_stripped_and_line_breaks_become_spaces():
    assert inputs.plain_text("  a\x00b\nc\u202ed\x1b[31m \t") == "ab cd[31m"
    assert inputs.nickname(None) == ""
    assert inputs.title("<b>hi</b> **x**") == "<b>hi</b> **x**"  # kept as typed: the page shows plain text


def test_titles_and_nicknames_past_their_limits_are_refused_with_a_message():
    with pytest.raises(RoomError, match="at most 80 characters; this one has 81"):
        inputs.title("x" * 81)
    with pytest.raises(RoomError, match="Give the room a title"):
        inputs.title(" \n\x00 ")
    with pytest.raises(RoomError, match="at most 30 characters"):
        inputs.nickname("n" * 31)
    assert inputs.title("t" * 80) == "t" * 80
    assert inputs.nickname("n" * 30 + "\x07") == "n" * 30  # counted after stripping


def test_compare_keys_must_be_config_keys_other_than_the_seed():
    assert inputs.compare_keys(["norm", "lr", "norm"]) == ("norm", "lr")
    assert inputs.compare_keys("norm") == ("norm",)
    with pytest.raises(RoomError, match="'colour' is not a setting"):
        inputs.compare_keys(["colour"])
    with pytest.raises(RoomError, match="other than seed"):
        inputs.compare_keys(["seed"])


def test_metrics_and_curves_must_be_numbers_and_non_finite_ones_become_none():
    assert inputs.metrics({"test_loss": np.float32(0.5), "test_accuracy": float("nan")}) == {
        "test_loss": 0.5,
        "test_accuracy": None,
    }
    for bad in ({}, {"test_loss": "low"}, {"test_loss": True}, {"x" * 41: 1.0}):
        with pytest.raises(RoomError):
            inputs.metrics(bad)
    with pytest.raises(RoomError, match="epochs must increase"):
        inputs.curve([{"epoch": 2, "loss": 1.0}, {"epoch": 1, "loss": 1.0}])
    with pytest.raises(RoomError, match="with its epoch"):
        inputs.curve([{"loss": 1.0}])
    assert inputs.curve([{"epoch": 1.0, "loss": float("inf")}]) == [{"epoch": 1, "loss": None}]


def test_room_codes_are_word_word_four_digits_and_typed_codes_are_normalised():
    drawn = {codes.new_code() for _ in range(200)}
    assert all(re.fullmatch(r"[a-z]+-[a-z]+-[0-9]{4}", code) for code in drawn)
    assert len(drawn) > 190  # drawn at random, not in sequence
    assert codes.normalize_code("  Moons-BN-4821 \n") == "moons-bn-4821"
    assert codes.normalize_code("moons bn_4821") == "moons-bn-4821"


def test_an_instructor_key_matches_only_its_own_salted_hash():
    key = codes.new_token()
    salt, digest = codes.hash_key(key)
    assert codes.key_matches(key, salt, digest)
    assert codes.key_matches(f" {key}\n", salt, digest)  # pasted with a stray space
    assert not codes.key_matches(codes.new_token(), salt, digest)
    assert not codes.key_matches(None, salt, digest) and not codes.key_matches("", salt, digest)
    assert codes.hash_key(key)[1] != digest  # a fresh salt: the same key never hashes the same twice
    assert key not in digest and key.encode().hex() not in digest
