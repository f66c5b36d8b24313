"""Compare: several configurations over several seeds, trained live, to tell a real difference from luck.

The screen, top to bottom: what the opening link got wrong (if anything), a lesson's prompt and room (if the link
was a lesson), what the preset asks and where to look, why the setup can't run (if so), Run or Cancel, then the
live part: learning curves with their bands, and once done the histograms of one layer for every configuration,
the ranked table, the heatmap and the downloads. The setup (preset, keys, values, seeds, epochs) is in the sidebar
and in the link. A finished sweep's runs go to the session's room, if it is in one.
"""

import streamlit as st

from ui import lesson, membership, router, shared_config
from ui.compare import controls, state, views
from ui.glossary import glossary_link

router.ensure_routed()

st.title("Compare")
st.caption("Train several configurations over several seeds, side by side, and see which differences beat seed noise.")
glossary_link()

shared = shared_config.current()  # the session's shared Config (on a session's first page: from the URL)
taught = lesson.current()  # a lesson link's controls, prompt and room (read with the URL, once)
controls.from_link({name: shared_config.link_extra(name) for name in (*controls.GRID_PARAMS, controls.SEEDS_PARAM)})
shared_config.warn_url_problems()
lesson.prompt_box()
membership.banner(taught.room)
shared = lesson.hold(shared)  # read-only and hidden settings keep the link's values

setup = controls.sidebar(shared)
shared_config.write_url(setup.sweep.base if setup.sweep else shared, controls.url_params(setup))
lesson.panel(router.COMPARE.url_path, lesson.COMPARE_CONTROLS)
views.intro(setup, shared)
views.buttons(setup, state.current())
views.live(state.current())
