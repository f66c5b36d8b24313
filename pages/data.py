"""The Data page: normalised is not normal. Every stage of the input pipeline, feature by feature.

Controls in the sidebar choose a scenario, the data, skews and scaler (the same keys as a shared link); the tabs
show each feature's shape at each stage, the numbers behind it, a two-feature scatter, what scaling
does to the conditioning of learning, and one feature under every scaler.
"""

from __future__ import annotations

import streamlit as st

from ui import lesson, router, shared_config
from ui.data import cache, state, views
from ui.glossary import glossary_link

router.ensure_routed()

st.title("Data: normalised is not normal")
st.markdown(
    "Scaling centres and stretches a feature; it does not make it Gaussian. What scaling fixes is the "
    "**conditioning** of learning (features on similar scales, centred) — that matters to gradient descent far "
    "more than a bell shape does. Heavy skew and outliers still hurt: they squeeze most values into a sliver "
    "of the range and let a few rows dominate."
)
glossary_link()
lesson.current()  # a lesson link's parameters stay in the address bar here too
config, prepared = state.current()  # the session's shared config (first page: the URL), edited in the sidebar
shared_config.warn_url_problems()
if prepared is None:  # heavy data: a helper process prepares it (ui/data/offload.py)
    views.waiting(config)
    st.stop()
config_json = prepared.config.to_json()  # the config described: heavy data on fewer rows (views.sample_note)
report = cache.report(config_json)
views.scenario_note()
views.sample_note(config, prepared)
views.notes(prepared, report)

distributions, statistics, scatter, conditioning, compare = st.tabs(views.TABS, key="data_tab", on_change="rerun")
if distributions.open:
    with distributions:
        views.distributions(prepared, report)
if statistics.open:
    with statistics:
        views.statistics(report)
if scatter.open:
    with scatter:
        views.scatter(prepared)
if conditioning.open:
    with conditioning:
        outcomes = cache.outcomes(config_json)
        if outcomes is None:
            views.waiting(config, every_scaler=True)
        else:
            views.conditioning(prepared, report, outcomes, config_json)
if compare.open:
    with compare:
        outcomes = cache.outcomes(config_json)
        if outcomes is None:
            views.waiting(config, every_scaler=True)
        else:
            views.compare_scalers(prepared, outcomes)
