"""The Learn page's evidence cache: what it stores is what a fresh computation gives, and it is asked for
again only while neither the code nor the experiment's settings changed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from explorer.teaching import evidence, lessons
from explorer.teaching.lessons import LESSONS_BY_KEY, Knob, Lesson

NORMAL = LESSONS_BY_KEY["normal"]  # the fast one: a tenth of a second


@pytest.fixture(autouse=True)
def own_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("EXPLORER_DATA_DIR", str(tmp_path))
    return tmp_path / "evidence"


def test_a_cached_result_equals_a_fresh_computation():
    first = evidence.compute(NORMAL, {"sigma": 1.0})
    assert (evidence.folder() / f"{evidence.entry_key(NORMAL, {'sigma': 1.0})}.json").exists()
    assert evidence.load(NORMAL, {"sigma": 1.0}) == first
    fresh = json.loads(json.dumps(NORMAL.evidence(sigma=1.0)))
    assert evidence.load(NORMAL, {"sigma": 1.0}) == fresh
    assert first["sigma"] == 1.0 and first["standard"]["skew"] > 1.0  # a lognormal tail, standardized


def test_the_entry_changes_with_the_knob_the_settings_and_the_code(monkeypatch: pytest.MonkeyPatch):
    base = evidence.entry_key(NORMAL)
    assert evidence.entry_key(NORMAL, {"sigma": 1.5}) == base  # the default, spelled out
    assert evidence.entry_key(NORMAL, {"sigma": 0.5}) != base
    moved = Lesson(**{**NORMAL.__dict__, "config": NORMAL.config.replace(n_samples=1000)})
    assert evidence.entry_key(moved) != base  # the experiment's setup changed: computed again
    evidence.compute(NORMAL)
    assert evidence.load(NORMAL) is not None
    evidence.code_hash.cache_clear()
    monkeypatch.setattr(evidence, "PACKAGE", Path(lessons.__file__).parent)  # as if the code were other code
    try:
        assert evidence.entry_key(NORMAL) != base
        assert evidence.load(NORMAL) is None  # never served from an older code's result
    finally:
        evidence.code_hash.cache_clear()


def test_compute_missing_computes_each_setting_once_defaults_first_and_says_how_far_it_is(monkeypatch):
    monkeypatch.setattr(evidence, "LESSONS", (NORMAL,))
    assert evidence.progress() == evidence.Progress(0, len(lessons.SIGMAS))
    done = [settings for _, settings in evidence.compute_missing()]
    assert done[0] == {"sigma": 1.5} and sorted(s["sigma"] for s in done) == sorted(lessons.SIGMAS)
    state = evidence.progress()
    assert state.complete and state.done == len(lessons.SIGMAS) and state.current == ""
    assert list(evidence.compute_missing()) == []  # nothing left: nothing computed again


def test_a_stopped_computation_resumes_where_it_stopped(monkeypatch):
    monkeypatch.setattr(evidence, "LESSONS", (NORMAL,))
    first = next(iter(evidence.compute_missing()))
    rest = list(evidence.compute_missing())
    assert first[1] not in [s for _, s in rest] and len(rest) == len(lessons.SIGMAS) - 1


def test_settings_list_every_combination_of_the_computed_knobs_default_first():
    lesson = Lesson(
        "x", "t", "c", "b", "s", "train", NORMAL.config,
        knobs=(Knob("a", "A", (1, 2), 2), Knob("b", "B", ("p", "q"), "p"), Knob("v", "V", (0, 1), 0, computed=False)),
    )  # fmt: skip
    settings = lesson.settings()
    assert settings[0] == {"a": 2, "b": "p"} == lesson.defaults()
    assert len(settings) == 4 and all(set(s) == {"a", "b"} for s in settings)
    with pytest.raises(ValueError, match="no knob"):
        lesson.evidence(v=1)  # a view knob chooses what is shown, not what is computed


def test_a_knob_reads_its_value():
    assert Knob("scale", "Scale", (1, 1000), 1000, unit="×{:,}").text(1000) == "×1,000"
    assert Knob("share", "Share", (0.01,), 0.01, unit="{:.1%}").text(0.01) == "1.0%"
    assert Knob("lr", "Rate", (0.05,), 0.05).text(0.05) == "0.05"


def test_every_lesson_has_a_knob_whose_default_is_one_of_its_values():
    for lesson in lessons.LESSONS:
        assert lesson.knobs, lesson.key
        assert all(knob.default in knob.values for knob in lesson.knobs), lesson.key
