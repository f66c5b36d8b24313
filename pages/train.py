"""Train: set up data, scaling and a network in the sidebar, then watch it learn, live.

The screen, top to bottom: what the opening link got wrong (if anything), a lesson's prompt and room (if the link
was a lesson), the buttons and the run's numbers, why the sidebar's settings can't run (if so: Play is off and the
charts are labelled as the last valid run), then the live part: loss, histograms of the layers, decision surface
and the insides. A finished run goes to the session's room, if it is in one.
"""

import streamlit as st

from ui import lesson, membership, router, shared_config
from ui.glossary import glossary_link
from ui.train import controls, pair, state, views

router.ensure_routed()
views.tighten_top()

st.title("Train")
with st.container(horizontal=True, vertical_alignment="center"):
    st.caption("Pick data, skew it, scale it, place batch norm, and watch a small network learn.")
    glossary_link()

config = state.config()  # the session's shared Config (on a session's first page: from the URL)
taught = lesson.current()  # a lesson link's controls, prompt and room (read with the URL, once)
pair.from_link(shared_config.link_extra(pair.URL_PARAM))
shared_config.warn_url_problems()
lesson.prompt_box()
membership.banner(taught.room)
config = lesson.hold(config)  # read-only and hidden settings keep the link's values

pair.sidebar(config)  # A | B: a second run one key apart, in step with this one
choice = controls.sidebar(config)
problem = choice.problem if choice.config is None else state.use(choice.config)
if choice.config is not None and not problem:
    controls.agree(choice.config)
pair.keep(state.config())
shared_config.write_url(state.config(), {pair.URL_PARAM: pair.url_value()})
lesson.panel(router.TRAIN.url_path, lesson.TRAIN_CONTROLS)

run = state.run()
views.buttons(run, blocked=bool(problem))
views.blocked(problem, waiting=choice.waiting, run=run)
views.scenario_note()
views.notes(run)
views.live(run)
