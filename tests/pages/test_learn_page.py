"""The Learn page (the landing page) driven through AppTest.

Every lesson's evidence at every knob setting is computed once for this module into the test run's data
folder (about a minute), as the server's background process does; the tests that need a cold cache point the
page at an empty folder.
"""

from __future__ import annotations

import dataclasses
import json
import re
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from explorer.teaching.lessons import GLOSSARY, LESSONS, LESSONS_BY_KEY
from explorer.teaching.questions import QUESTIONS
from ui import glossary, router
from ui.learn import evidence

APP = str(Path(__file__).resolve().parents[2] / "app.py")
QUESTIONS_ASKED = (
    "Why are normal distributions so important to neural networks?",
    "Why put batch normalisation before the activation",
)
CHARTS = {  # the charts each section's evidence draws, by title, at its knobs' defaults
    "normal": {"Q-Q plot of feature 0"},
    "scale": {"Steps of gradient descent to converge", "The network on ×1,000 data: test accuracy over 5 seeds"},
    "shape": {"Test accuracy against the SGD step size", "A target linear in the raw features: test R² over 5 seeds"},
    "placement": {
        "Sigmoid network: test accuracy over 5 seeds, by placement",
        "What the activation receives (first hidden layer, median seed)",
    },
    "ics": {"One sigmoid unit's input over training (last hidden layer, seed 0)"},
    "smoothness": {
        "Loss along the gradient, one epoch into training (median seed)",
        "Sigmoid network on digits: test accuracy over 5 seeds",
    },
    "init": {"Std of each layer's output at initialisation (median over seeds)"},
    "gaussians": {
        "Skewed inputs: how far from Gaussian, against the number of inputs",
        "Relu: std of each layer's output at initialisation",
    },
}
SUMMARY = "Your predictions, and the short answers"


@pytest.fixture(scope="module", autouse=True)
def computed(warm_evidence: None) -> None:
    """Every entry on disk, as the background process leaves it; the page's memory of read files emptied."""
    evidence._memory().clear()


@pytest.fixture
def cold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An empty evidence folder (a server that has computed nothing yet)."""
    monkeypatch.setenv("EXPLORER_DATA_DIR", str(tmp_path))
    evidence._memory().clear()
    yield
    evidence._memory().clear()


def open_learn(**params: str) -> AppTest:
    """A new session on `/`, the landing page."""
    at = AppTest.from_file(APP, default_timeout=120)
    at.query_params.update(params)
    return at.run()


def chart_titles(at: AppTest) -> set[str]:
    return {json.loads(chart.proto.spec)["title"]["text"] for chart in at.get("vega_lite_chart")}


def text_of(at: AppTest) -> str:
    return "\n".join([m.value for m in at.markdown] + [c.value for c in at.caption])


def test_the_landing_page_asks_before_it_tells(computed):
    at = open_learn()
    assert not at.exception and not at.error
    assert at.title[0].value.startswith("Learn")
    text = text_of(at)
    for question in QUESTIONS_ASKED:
        assert question in text
    headers = [h.value for h in at.header]
    assert headers == [f"{i}. {lesson.title}" for i, lesson in enumerate(LESSONS, 1)] + [SUMMARY, "Glossary"]
    for lesson in LESSONS:
        radio = at.radio(key=f"learn.predict.{lesson.key}")
        assert QUESTIONS[lesson.key].prompt in radio.label and radio.value is None
        assert at.button(key=f"learn.skip.{lesson.key}").label == "Show me without guessing"
        assert f"**{lesson.claim}**" not in text  # the answer waits for the prediction
    assert not at.get("vega_lite_chart")
    assert not [b for b in at.button if b.key and b.key.startswith("learn.run")]  # no Run button anywhere


def test_a_prediction_reveals_the_evidence_and_says_how_it_fared(computed):
    at = open_learn()
    at.radio(key="learn.predict.normal").set_value("yes").run()
    assert not at.exception
    text = text_of(at)
    assert "You predicted “Yes: mean 0 and std 1 make it a standard normal”; the experiment says “No" in text
    assert f"**{LESSONS_BY_KEY['normal'].claim}**" in text
    assert chart_titles(at) == CHARTS["normal"]  # only the answered section shows its evidence
    assert "**0 of 1** predictions matched what was measured" in text

    at.radio(key="learn.predict.placement").set_value("same").run()
    text = text_of(at)
    assert "the experiment agrees" in text and "**1 of 2** predictions matched" in text


def test_show_me_without_guessing_reveals_the_evidence_and_counts_as_seen(computed):
    at = open_learn()
    at.button(key="learn.skip.scale").click().run()
    assert not at.exception
    assert chart_titles(at) == CHARTS["scale"]
    text = text_of(at)
    assert "Measured: with feature 0 on a ×1,000 scale gradient descent needs more than 200,000 steps" in text
    assert "**0 of 0** predictions matched what was measured; 1 seen without guessing." in text


def test_a_link_can_reveal_every_sections_evidence_at_once(computed):
    at = open_learn(reveal="all")
    assert not at.exception and not at.error
    assert chart_titles(at) == set().union(*CHARTS.values())
    text = text_of(at)
    assert "not reached within 200,000 steps" in text  # κ ≈ 5·10⁶: gradient descent hits the cap
    assert "median over 5 seeds" in text
    assert not re.search(r"\bnan\b|\bNone\b", text)
    assert not [radio for radio in at.radio if radio.key.startswith("learn.predict.")]  # nothing asked
    assert f"**0 of 0** predictions matched what was measured; {len(LESSONS)} seen without guessing." in text


def test_a_link_with_another_reveal_value_says_so_and_asks_as_usual(computed):
    at = open_learn(reveal="everything<script>")
    assert not at.exception
    assert any("reveal='everything<script>' was ignored" in info.value for info in at.info)
    assert len([radio for radio in at.radio if radio.key.startswith("learn.predict.")]) == len(LESSONS)


KNOB_CHANGES = {  # a non-default value of each section's first knob, and what it changes on the page
    "normal": (0.5, "With a lognormal tail of σ = 0.5"),
    "scale": (10, "The network on ×10 data: test accuracy over 5 seeds"),
    "shape": (0.05, "Outliers: 5.0% of the rows made rare extreme values."),
    "placement": ("relu", "Relu network: test accuracy over 5 seeds, by placement"),
    "ics": (0.2, "At learning rate 0.2:"),
    "smoothness": (4.0, "noisy BN of strength 4 "),
    "init": (4, "from layer 1 to layer 4"),
    "gaussians": ("binary", "Binary inputs: how far from Gaussian, against the number of inputs"),
}


@pytest.mark.parametrize("key", list(KNOB_CHANGES))
def test_each_sections_knob_answers_from_the_cache(key: str, computed, monkeypatch):
    lesson = LESSONS_BY_KEY[key]

    def untrained(**settings: Any) -> dict[str, Any]:
        raise AssertionError(f"{key} computed {settings} on a click")

    monkeypatch.setitem(LESSONS_BY_KEY, key, dataclasses.replace(lesson, experiment=untrained))
    at = open_learn(reveal="all")
    knob = lesson.knobs[0]
    value, shown = KNOB_CHANGES[key]
    before = chart_titles(at) | {text_of(at)}
    widgets = {w.key: w for w in [*at.select_slider, *at.radio]}  # a slider for a scale, a radio for kinds
    widgets[f"learn.knob.{key}.{knob.name}"].set_value(value).run()
    assert not at.exception and not at.error
    after = chart_titles(at) | {text_of(at)}
    assert any(shown in item for item in after) and not any(shown in item for item in before)
    assert not [i for i in at.info if "still being computed" in i.value]  # from the cache, nothing trained


def test_a_cold_cache_says_the_evidence_is_being_computed_and_shows_progress(cold, monkeypatch):
    monkeypatch.setenv(evidence.BACKGROUND_ENV, "1")
    started = []
    monkeypatch.setattr(evidence, "start_computing", lambda: started.append(1))
    at = open_learn()
    assert not at.exception
    bar = at.get("progress")[0]
    assert "Computing the experiments in the background: 0 of " in bar.proto.text
    at.button(key="learn.skip.normal").click().run()
    assert any("still being computed in the background" in info.value for info in at.info)
    assert not at.get("vega_lite_chart") and started  # the page asked for the computation, and waits for it


@pytest.mark.parametrize("key", [lesson.key for lesson in LESSONS])
def test_each_sections_button_opens_its_page_on_the_sections_setup(key, computed):
    lesson = LESSONS_BY_KEY[key]
    at = open_learn(reveal="all")
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
    at.query_params["reveal"] = "all"
    at.switch_page(router.LEARN.path).run()
    at.button(key="learn.open.init").click().run()
    assert at.session_state["train.run"].trainer.config == LESSONS_BY_KEY["init"].config
    assert at.session_state["train.run"].trainer.epoch == 0


def test_the_glossary_lists_every_term_alphabetically_with_an_anchor_that_every_term_link_reaches(computed):
    at = open_learn()
    text = "\n".join(m.value for m in at.markdown)
    entries = re.findall(r'<a id="(glossary-[a-z0-9-]+)"></a>\*\*(.+?)\*\*: ', at.markdown[-1].value)
    assert [term for _, term in entries] == sorted(GLOSSARY, key=str.lower)
    assert len({anchor for anchor, _ in entries}) == len(GLOSSARY)  # one anchor per term
    linked = set(re.findall(r"\]\(#(glossary-[a-z0-9-]+)\)", text))
    assert linked and linked <= {glossary.slug(term) for term in GLOSSARY}
    sections = set(re.findall(r"\]\(#([a-z]+)\)", text))
    assert sections == set(LESSONS_BY_KEY)  # the short answers link every section


@pytest.mark.parametrize("page", [router.TRAIN.path, router.DATA.path])
def test_train_and_data_link_the_glossary_which_learn_then_shows_first(page, computed):
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


def test_concurrent_sessions_compute_a_missing_result_once(cold, monkeypatch):
    """Without the background process, the first section that needs a result computes it; the others wait."""
    calls = []

    def slow(**settings: Any) -> dict[str, Any]:
        calls.append(settings)
        time.sleep(0.2)
        return {"answer": 42, **settings}

    monkeypatch.setitem(LESSONS_BY_KEY, "normal", dataclasses.replace(LESSONS_BY_KEY["normal"], experiment=slow))
    results = []
    threads = [threading.Thread(target=lambda: results.append(evidence.compute_here("normal"))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(calls) == 1 and results == [{"answer": 42, "sigma": 1.5}] * 5
