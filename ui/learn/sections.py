"""The Learn page's frame: the learner's two questions, then each section as predict → see → turn a knob.

A section is a lesson from `explorer.teaching.lessons`: it describes its experiment, asks its question
(`explorer.teaching.questions`) and, once the learner has answered or chosen to see without guessing, shows
the claim, one sentence comparing the prediction with the measurement, the evidence with the section's knob,
the common belief, the source, and a button that opens the setup on the page that explores it further.
Evidence is read from the disk cache (`ui.learn.evidence`), computed ahead; a section whose evidence is
still being computed says so and fills in by itself. Each section is a fragment: answering, or turning its
knob, redraws that section alone.
"""

from __future__ import annotations

from typing import Any

import streamlit as st

from explorer import config as cfg
from explorer.teaching.lessons import LESSONS, Lesson
from explorer.teaching.questions import QUESTIONS, score
from ui import router, shared_config
from ui.compare import controls as compare_controls
from ui.glossary import term_link
from ui.learn import evidence, views

ANSWERS = "learn.answers"  # {lesson key: the choice predicted, or None when seen without guessing}
REVEAL_PARAM, REVEAL_ALL = "reveal", "all"  # `/?reveal=all`: every section's evidence at once, no questions
POLL_SECONDS = 2.0  # how often a section waiting for its evidence looks again


def _section_link(key: str, label: str) -> str:
    number = next(i for i, lesson in enumerate(LESSONS, 1) if lesson.key == key)
    return f"[§{number} {label}](#{key})"


def answers() -> dict[str, str | None]:
    return st.session_state.setdefault(ANSWERS, {})


def questions() -> None:
    """The two questions as a learner asks them, and how the page answers them: by asking first."""
    st.markdown(
        "Two questions learners ask, in their own words:\n\n"
        "> 1. *Why are normal distributions so important to neural networks? If two features have the same "
        "scale but different distributions, why would that hinder learning?*\n"
        "> 2. *Why put batch normalisation before the activation, when the activation changes the distribution "
        "anyway?*"
    )
    st.markdown(
        "Each section below answers a part of them with a small experiment. **Predict first**: each one asks "
        "you a question before it shows what was measured (or choose *show me without guessing*). Then turn its "
        "knob to see what changes. At the end, your predictions against the evidence, and the short answers."
    )
    st.caption(
        "Every experiment is seeded and trains several seeds at once; the results are computed ahead on this "
        "server and every learner sees the same numbers. Terms in blue link the glossary at the bottom. "
        f"To read it as a report instead, [show every section's evidence](?{REVEAL_PARAM}={REVEAL_ALL})."
    )


def reveal_from_link() -> None:
    """`/?reveal=all` opens every section as seen without guessing (a report to read, or to project); any
    other value is named in one line and ignored."""
    asked = st.query_params.get(REVEAL_PARAM)
    if asked is None:
        return
    if asked != REVEAL_ALL:
        st.info(f"The link's reveal={asked[:40]!r} was ignored: the one value it takes is “{REVEAL_ALL}”.")
        return
    for lesson in LESSONS:
        answers().setdefault(lesson.key, None)


def evidence_status() -> None:
    """One line on how far the background computation is, redrawn until every setting is in."""
    state = evidence.progress()
    if state.complete:
        return

    @st.fragment(run_every=POLL_SECONDS)
    def status() -> None:
        now = evidence.progress()
        if now.complete:
            st.caption(":material/check_circle: Every experiment and every knob setting is computed.")
            return
        evidence.start_computing()
        doing = f" Now: {now.current}." if now.current else ""
        st.progress(
            now.done / max(1, now.total),
            text=f"Computing the experiments in the background: {now.done} of {now.total} settings ready.{doing} "
            "Sections fill in as their results arrive; nothing to press.",
        )

    status()


def section(number: int, lesson: Lesson) -> None:
    """The section's title, what it does, and the fragment that asks, then shows."""
    with st.container(key=f"learn-{lesson.key}"):
        st.header(f"{number}. {lesson.title}", anchor=lesson.key, divider="gray")
        st.markdown(f"*The experiment.* {views.EXPERIMENTS[lesson.key]}")
        waiting = lesson.key in answers() and evidence.get(lesson.key) is None and evidence.background()
        st.fragment(run_every=POLL_SECONDS if waiting else None)(_body)(lesson)


def _body(lesson: Lesson) -> None:
    """Predict, then the evidence; redrawn alone when the learner answers or turns the knob."""
    key = lesson.key
    question = QUESTIONS[key]
    said = answers()
    if key not in said:
        _ask(lesson)
        return
    result = evidence.get(key)
    if result is None and not evidence.background():
        with st.spinner(f"Computing “{lesson.title}” (once for this server)…"):
            result = evidence.compute_here(key)
    choice = said[key]
    if choice is not None:
        st.markdown(f"**Your prediction:** {question.text(choice)}")
    if result is None:
        evidence.start_computing()
        st.info(
            "This section's experiment is still being computed in the background; it appears here by itself "
            "when ready (see the progress line at the top).",
            icon=":material/hourglass_top:",
        )
        return
    if st.session_state.get(_waited(key)):  # it was missing when the fragment's timer was set: stop the timer
        del st.session_state[_waited(key)]
        st.rerun()
    st.markdown(f":material/science: {question.verdict(choice, result)}")
    st.markdown(f"**{lesson.claim}**")
    _evidence_with_knobs(lesson, result)
    st.markdown(f"**What the common belief gets wrong:** {lesson.belief}")
    st.markdown(f"**Source:** {lesson.source}")
    page = lesson.page.capitalize()
    if st.button(
        f"Open in {page}",
        key=f"learn.open.{key}",
        icon=":material/open_in_new:",
        help=f"Opens the {page} page with this section's setup, to change it and see for yourself.",
    ):
        open_setup(lesson)


def _waited(key: str) -> str:
    return f"learn.waited.{key}"


def _ask(lesson: Lesson) -> None:
    question = QUESTIONS[lesson.key]
    keys = [choice for choice, _ in question.choices]
    picked = st.radio(
        f"**Predict first.** {question.prompt}",
        keys,
        index=None,
        format_func=question.text,
        key=f"learn.predict.{lesson.key}",
    )
    skipped = st.button("Show me without guessing", key=f"learn.skip.{lesson.key}", type="tertiary")
    if picked is None and not skipped:
        return
    answers()[lesson.key] = picked
    if evidence.get(lesson.key) is None and evidence.background():
        st.session_state[_waited(lesson.key)] = True
    st.rerun()  # the whole page: its timer (if the evidence is still missing) and the summary follow


def _evidence_with_knobs(lesson: Lesson, default: dict[str, Any]) -> None:
    """The section's knobs, inline, and its evidence at their setting (from the cache, nothing trained)."""
    chosen: dict[str, Any] = {}
    if lesson.knobs:
        columns = st.columns(len(lesson.knobs) + 1)
        for column, knob in zip(columns, lesson.knobs, strict=False):
            key = f"learn.knob.{lesson.key}.{knob.name}"
            if all(isinstance(value, str) for value in knob.values):  # a choice between kinds: one click each
                index = knob.values.index(knob.default)
                chosen[knob.name] = column.radio(
                    knob.label, knob.values, index=index, format_func=knob.text, key=key, horizontal=True
                )
            else:  # a value along a scale
                chosen[knob.name] = column.select_slider(
                    knob.label, options=knob.values, value=knob.default, format_func=knob.text, key=key
                )
    computed = {k.name: chosen[k.name] for k in lesson.computed_knobs}
    result = default if computed == lesson.defaults() else evidence.get(lesson.key, computed)
    if result is None and not evidence.background():
        with st.spinner("Computing this setting (once for this server)…"):
            result = evidence.compute_here(lesson.key, computed)
    if result is None:
        st.info(
            "This setting is still being computed in the background; the default's evidence is shown until it is "
            "ready. Move the knob again in a moment.",
            icon=":material/hourglass_top:",
        )
        evidence.start_computing()
        result = default
        chosen = {**chosen, **lesson.defaults()}
    views.VIEWS[lesson.key](result, **{k.name: chosen[k.name] for k in lesson.knobs if not k.computed})


def summary() -> None:
    """How the learner's predictions fared, then the short answers with their sections."""
    st.header("Your predictions, and the short answers", anchor="summary", divider="gray")
    results = {key: evidence.get(key) for key in answers()}
    known = {key: result for key, result in results.items() if result is not None}
    right, made, skipped = score(answers(), known)
    if not made and not skipped:
        st.markdown("Answer a section's question above, and your predictions are tallied here.")
    else:
        lines = [
            f"**{right} of {made}** predictions matched what was measured"
            + (f"; {skipped} seen without guessing." if skipped else ".")
        ]
        for lesson in LESSONS:
            if lesson.key not in known:
                continue
            choice = answers()[lesson.key]
            question = QUESTIONS[lesson.key]
            if choice is None:
                mark = ":material/visibility: seen without guessing"
            elif question.measured(known[lesson.key]) == choice:
                mark = ":material/check_circle: matched"
            else:
                mark = f":material/cancel: measured: {question.text(question.measured(known[lesson.key]))}"
            lines.append(f"- {_section_link(lesson.key, f'{lesson.title}')} — {mark}")
        st.markdown("\n".join(lines))
    st.markdown(
        "**The short, honest answers**, each shown by an experiment above:\n\n"
        f"- “{term_link('Normalised', 'normalise')}” (centred and scaled) is not “normal” "
        f"({term_link('Gaussian', 'normal distribution')}): standardizing leaves a feature's shape as it was "
        f"({_section_link('normal', 'Normalised is not normal')}).\n"
        "- Scale and conditioning matter to optimisation far more than Gaussian shape "
        f"({_section_link('scale', 'Scale and conditioning')}), yet heavy skew and outliers do hurt, and making "
        f"features Gaussian can hurt too ({_section_link('shape', 'Same scale, different shape')}).\n"
        f"- {term_link('Batch normalisation (BN)', 'batch normalisation (BN)')} fixes the first two moments (mean "
        "and std) of what it normalises, never its shape, and where it sits changes what the activation sees "
        f"({_section_link('placement', 'Before or after the activation')}). Why BN helps at all is still debated "
        f"({_section_link('ics', 'Internal covariate shift')}, {_section_link('smoothness', 'What BN really helps')})"
        f", and without it the initialization sets each layer's scale ({_section_link('init', 'Initialization')}).\n"
        "- Where Gaussians do appear: a wide layer's sum W·u + b is close to Gaussian whatever its inputs' shape "
        f"(the {term_link('central limit theorem', 'central limit theorem')}), and the weights' scale, not their "
        f"shape, sets each layer's std ({_section_link('gaussians', 'Where Gaussians really do appear')})."
    )


def open_setup(lesson: Lesson) -> None:
    """Make the lesson's setup the session's Config (and, for Compare, its grid) and go to its page."""
    shared_config.set(lesson.config)
    if lesson.page == "compare":
        compare_controls.ask(lesson.grid, lesson.seeds)
    st.switch_page(router.BY_NAME[lesson.page].path)


def follow_old_train_link() -> None:
    """A link made before Learn became the landing page (`/?dataset=…`) meant Train: it still opens Train."""
    query = {name: st.query_params.get_all(name) for name in st.query_params}  # a repeated key keeps its values
    if any(name in cfg.KEYS for name in query):
        st.switch_page(router.TRAIN.path, query_params=query)
