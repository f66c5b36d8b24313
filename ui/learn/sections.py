"""The Learn page's frame: the learner's two questions, the answer map, Run all, and each section's parts.

A section is a lesson from `explorer.teaching.lessons` (claim, evidence, belief, source, setup), drawn the same way
every time; only its evidence view differs (`ui.learn.views`). Its button opens the same setup on the page
that can explore it further, through the session's shared Config.
"""

from __future__ import annotations

import streamlit as st

from explorer import config as cfg
from explorer.teaching.lessons import LESSONS, Lesson
from ui import router, shared_config
from ui.compare import controls as compare_controls
from ui.glossary import term_link
from ui.learn import evidence, views


def _section_link(key: str, label: str) -> str:
    number = next(i for i, lesson in enumerate(LESSONS, 1) if lesson.key == key)
    return f"[§{number} {label}](#{key})"


def questions() -> None:
    """The two questions as a learner asks them, then where the page answers each part."""
    st.markdown(
        "Two questions learners ask, in their own words:\n\n"
        "> 1. *Why are normal distributions so important to neural networks? If two features have the same "
        "scale but different distributions, why would that hinder learning?*\n"
        "> 2. *Why put batch normalisation before the activation, when the activation changes the distribution "
        "anyway?*"
    )
    st.markdown(
        "**The short, honest answers**, each shown by an experiment below:\n\n"
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
        f", and without it the initialization sets each layer's scale ({_section_link('init', 'Initialization')})."
    )
    st.caption(
        "Each experiment is seeded and trains several seeds at once; it runs once per server and every learner "
        "here then sees the same numbers. Terms in blue link the glossary at the bottom."
    )


def run_all() -> None:
    """One button for every experiment not computed yet, with progress; a line once all are in."""
    todo = evidence.missing()
    slot = st.empty()  # the button, then the progress bar in its place, then the line that all have run
    label = f"Run all experiments ({evidence.estimate(todo)})"
    if todo and slot.button(label, key="learn.run_all", icon=":material/play_arrow:", type="primary"):
        titles = {lesson.key: lesson.title for lesson in LESSONS}
        bar = slot.progress(0.0)
        for done, key in enumerate(todo):
            bar.progress(done / len(todo), text=f"Running: {titles[key]} ({evidence.estimate([key])})")
            evidence.compute(key)
        todo = []
    if not todo:
        slot.caption(":material/check_circle: Every experiment below has run; their results are shared by everyone.")


def section(number: int, lesson: Lesson) -> None:
    """Title, claim, the experiment and its evidence, the common belief, the source, and the way to try it."""
    with st.container(key=f"learn-{lesson.key}"):
        st.header(f"{number}. {lesson.title}", anchor=lesson.key, divider="gray")
        st.markdown(f"**{lesson.claim}**")
        st.markdown(f"*The experiment.* {views.EXPERIMENTS[lesson.key]}")
        _evidence(lesson)
        st.markdown(f"**What the common belief gets wrong:** {lesson.belief}")
        st.markdown(f"**Source:** {lesson.source}")
        page = lesson.page.capitalize()
        if st.button(
            f"Open in {page}",
            key=f"learn.open.{lesson.key}",
            icon=":material/open_in_new:",
            help=f"Opens the {page} page with this section's setup, to change it and see for yourself.",
        ):
            open_setup(lesson)


def _evidence(lesson: Lesson) -> None:
    """The result if any session computed it; else a button that computes it (once, for everyone)."""
    result = evidence.get(lesson.key)
    if result is None:
        label = f"Run the experiment ({evidence.estimate([lesson.key])})"
        slot = st.empty()  # the button, gone once clicked
        if not slot.button(label, key=f"learn.run.{lesson.key}", icon=":material/play_arrow:"):
            return
        slot.empty()
        with st.spinner(f"Running “{lesson.title}” ({evidence.estimate([lesson.key])})…"):
            result = evidence.compute(lesson.key)
    views.VIEWS[lesson.key](result)


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
