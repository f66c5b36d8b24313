"""Train: set up data, scaling and a network in the sidebar, then watch it learn, live.

The screen, top to bottom: what the opening link got wrong (if anything), why the sidebar's settings
can't run (if so), the buttons, then the live part: metrics, loss, decision surface and the insides.
"""

import streamlit as st

from ui import controls, router, session, shared_config, train_view
from ui.learn.glossary import glossary_link

router.ensure_routed()

st.title("Train")
st.caption("Pick data, skew it, scale it, place batch norm, and watch a small network learn.")
glossary_link()

config = session.config()  # the session's shared Config (on a session's first page: from the URL)
shared_config.warn_url_problems()

choice = controls.sidebar(config)
if choice.config is None:
    (st.info if choice.waiting else st.error)(choice.problem)
elif session.use(choice.config):
    controls.agree(choice.config)
shared_config.write_url(session.config())

run = session.run()
train_view.buttons(run)
train_view.live(run)
