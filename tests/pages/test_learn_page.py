"""The Learn page (the landing page) driven through AppTest.

Every lesson's experiment is computed once for this module (about 30 s) and put in the page's per-process
cache, as if a first learner had run it; the tests that need an empty cache take it empty and restore it.
"""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from explorer.teaching.lessons import GLOSSARY, LESSONS, LESSONS_BY_KEY
from ui import glossary, router
from ui.learn import evidence

APP = str(Path(__file__).resolve().parents[2] / "app.py")
QUESTIONS = (
    "Why are normal distributions so important to neural networks?",
    "Why put batch normalisation before the activation",
)
CHARTS = {  # the charts each section's evidence draws, by title
    "normal": {"Q-Q plot of feature 0"},
    "scale": {"Steps of gradient descent to converge", "The network on ×1,000 data: test accuracy over 5 seeds"},
    "shape": {"Test accuracy against the SGD step size", "A target linear in the raw features: test R² over 5 seeds"},
    "placement": {
        "Test accuracy over 5 seeds, by placement",
        "What the activation receives (first hidden layer, median seed)",
    },
    "ics": {"One sigmoid unit's input over training (last hidden layer, seed 0)"},
    "smoothness": {
        "Loss along the gradient, one epoch into training (median seed)",
        "Sigmoid network on digits: test accuracy over 5 seeds",
    },
    "init": {"Std of each layer's output at initialisation (median over seeds)"},
}


@pytest.fixture(scope="module")
def computed() -> dict[str, dict[str, Any]]:
    """Every lesson's evidence, computed once for the module (the one slow step here)."""
    return {lesson.key: lesson.evidence() for lesson in LESSONS}


@pytest.fixture
def empty_cache() -> Iterator[None]:
    saved = dict(evidence.store().results)
    evidence.store().results.clear()
    yield
    evidence.store().results.clear()
    evidence.store().results.update(saved)


@pytest.fixture
def full_cache(empty_cache: None, computed: dict[str, dict[str, Any]]) -> None:
    for key, result in computed.items():
        evidence.put(key, result)


def open_learn(**params: str) -> AppTest:
    """A new session on `/`, the landing page."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    return at.run()


def chart_titles(at: AppTest) -> set[str]:
    return {json.loads(chart.proto.spec)["title"]["text"] for chart in at.get("vega_lite_chart")}


def test_the_landing_page_opens_on_the_questions_and_every_section_without_running_anything(empty_cache):
    at = open_learn()
    assert not at.exception and not at.error
    assert at.title[0].value.startswith("Learn")
    text = "\n".join(m.value for m in at.markdown)
    for question in QUESTIONS:
        assert question in text
    headers = [h.value for h in at.header]
    assert headers == [f"{i}. {lesson.title}" for i, lesson in enumerate(LESSONS, 1)] + ["Glossary"]
    for lesson in LESSONS:
        assert f"**{lesson.claim}**" in text
        assert lesson.belief in text and lesson.source in text
        assert at.button(key=f"learn.run.{lesson.key}").label.startswith("Run the experiment (")
    assert at.button(key="learn.run_all").label == "Run all experiments (about 29 s)"
    assert evidence.store().results == {}  # the landing page opened fast: nothing ran
    assert not at.get("vega_lite_chart")


def test_running_one_experiment_shows_its_evidence_and_every_other_session_sees_it_at_once(empty_cache):
    at = open_learn()
    at.button(key="learn.run.normal").click().run()
    assert not at.exception
    assert chart_titles(at) == CHARTS["normal"]
    assert "learn.run.normal" not in [b.key for b in at.button]
    assert set(evidence.store().results) == {"normal"}

    other = open_learn()  # another learner, later: the result is there, no button to press
    assert chart_titles(other) == CHARTS["normal"]
    assert "learn.run.normal" not in [b.key for b in other.button]
    assert other.button(key="learn.run.scale")  # the others still wait for someone to ask


def test_every_sections_evidence_renders_from_the_shared_cache(full_cache):
    at = open_learn()
    assert not at.exception and not at.error
    assert chart_titles(at) == set().union(*CHARTS.values())
    assert not [b for b in at.button if b.key.startswith("learn.run")]
    text = "\n".join(m.value for m in at.markdown)
    assert "not reached within 200,000 steps" in text  # κ ≈ 5·10⁶: gradient descent hits the cap
    assert "median over 5 seeds" in text
    assert not re.search(r"\bnan\b|\bNone\b", text)
    assert len(at.dataframe) == 3  # moments, κ table, what the activation receives
    assert "not reached within 200,000" in list(at.dataframe[1].value["steps measured"])


def test_run_all_computes_what_is_missing_and_then_says_so(empty_cache, computed):
    for key, result in computed.items():
        if key != "normal":
            evidence.put(key, result)  # all but the fast one, so the button has one left to run
    at = open_learn()
    assert at.button(key="learn.run_all").label == "Run all experiments (under a second)"
    at.button(key="learn.run_all").click().run()
    assert not at.exception
    assert evidence.missing() == []
    assert chart_titles(at) == set().union(*CHARTS.values())
    at.run()
    assert "learn.run_all" not in [b.key for b in at.button]


@pytest.mark.parametrize("key", [lesson.key for lesson in LESSONS])
def test_each_sections_button_opens_its_page_on_the_sections_setup(key, full_cache):
    lesson = LESSONS_BY_KEY[key]
    at = open_learn()
    at.button(key=f"learn.open.{key}").click().run()
    assert not at.exception
    assert at.session_state["config"] == lesson.config
    title = at.title[0].value
    assert title.startswith(lesson.page.capitalize()), title
    if lesson.page == "train":
        assert at.session_state["train.run"].trainer.config == lesson.config
    if lesson.page == "compare":  # the Compare page took the request and set its grid from it
        assert at.session_state["compare.keys"] == [name for name, _ in lesson.grid]
        assert at.session_state["compare.seeds"] == lesson.seeds
        assert "compare.request" not in at.session_state


def test_the_open_button_replaces_a_train_run_already_going():
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(router.TRAIN.path)
    at.query_params.update({"n_samples": "200", "hidden": "8,8"})
    at.run()
    at.button(key="train.step").click().run()
    at.query_params.clear()
    at.switch_page(router.LEARN.path).run()
    at.button(key="learn.open.init").click().run()
    assert at.session_state["train.run"].trainer.config == LESSONS_BY_KEY["init"].config
    assert at.session_state["train.run"].trainer.epoch == 0


def test_the_glossary_lists_every_term_alphabetically_with_an_anchor_that_every_term_link_reaches(empty_cache):
    at = open_learn()
    text = "\n".join(m.value for m in at.markdown)
    entries = re.findall(r'<a id="(glossary-[a-z0-9-]+)"></a>\*\*(.+?)\*\*: ', at.markdown[-1].value)
    assert [term for _, term in entries] == sorted(GLOSSARY, key=str.lower)
    assert len({anchor for anchor, _ in entries}) == len(GLOSSARY)  # one anchor per term
    linked = set(re.findall(r"\]\(#(glossary-[a-z0-9-]+)\)", text))
    assert linked and linked <= {glossary.slug(term) for term in GLOSSARY}
    sections = set(re.findall(r"\]\(#([a-z]+)\)", text))
    assert sections == set(LESSONS_BY_KEY)  # the answer map links every section


@pytest.mark.parametrize("page", [router.TRAIN.path, router.DATA.path])
def test_train_and_data_link_the_glossary_which_learn_then_shows_first(page, empty_cache):
    at = AppTest.from_file(APP, default_timeout=120)
    at.switch_page(page)
    at.query_params.update({"n_samples": "200", "hidden": "8,8"})
    at.run()
    link = at.get("page_link")[0].proto
    assert (link.label, link.query_string) == ("Glossary", "show=glossary")

    at.query_params.clear()
    at.query_params["show"] = "glossary"
    at.switch_page(router.LEARN.path).run()  # what the link does: Learn, with its query
    assert not at.exception
    assert at.header[0].value == "Glossary" and [h.value for h in at.header].count("Glossary") == 1


def test_a_link_made_when_train_was_the_landing_page_still_opens_train():
    at = open_learn(dataset="circles", hidden="8,8", epochs="7")
    assert not at.exception
    assert at.title[0].value == "Train"
    config = at.session_state["train.run"].trainer.config
    assert (config.dataset, config.hidden, config.epochs) == ("circles", (8, 8), 7)


def test_concurrent_sessions_compute_a_lesson_once(empty_cache, monkeypatch):
    calls = []

    class Slow:
        def evidence(self) -> dict[str, Any]:
            calls.append(1)
            time.sleep(0.2)
            return {"answer": 42}

    monkeypatch.setitem(evidence.LESSONS_BY_KEY, "normal", Slow())
    results = []
    threads = [threading.Thread(target=lambda: results.append(evidence.compute("normal"))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results == [{"answer": 42}] * 5
