"""Compare: several configurations over several seeds, trained live, to tell a real difference from luck.

The screen, top to bottom: what the opening link got wrong (if anything), what the preset asks and where to
look, why the setup can't run (if so), Run or Cancel, then the live part: learning curves with their bands,
and once done the histograms of one layer for every configuration, the ranked table, the heatmap and the
downloads. The setup (preset, keys, values, seeds, epochs) is in the sidebar.
"""

import streamlit as st

from ui import router, shared_config
from ui.compare import controls, state, views
from ui.glossary import glossary_link

router.ensure_routed()

st.title("Compare")
st.caption("Train several configurations over several seeds, side by side, and see which differences beat seed noise.")
glossary_link()

shared = shared_config.current()  # the session's shared Config (on a session's first page: from the URL)
shared_config.warn_url_problems()
shared_config.write_url(shared)

setup = controls.sidebar(shared)
views.intro(setup, shared)
views.buttons(setup, state.current())
views.live(state.current())
