"""Learn, the landing page: the learner's two questions, then seven short sections, then how the learner's
predictions fared and the glossary.

Each section: what its experiment does, a question to predict first, then the claim, the evidence (computed
ahead, once per server) with a knob to turn, what the common belief gets wrong, the source, and a button that
opens the same setup in Train, Data or Compare.
"""

import streamlit as st

from explorer.teaching.lessons import LESSONS
from ui import glossary, router, shared_config
from ui.learn import sections

router.ensure_routed()
sections.follow_old_train_link()  # `/?dataset=…` links were made when Train was the landing page
shared_config.current()  # a link's other parameters: what it got wrong is said here, as on every page
shared_config.warn_url_problems()

st.title("Learn: why normalise, and where batch norm goes")
st.caption("Seven claims, each with a small experiment: predict first, then see, then turn its knob.")
if glossary.requested():
    glossary.render()
sections.questions()
sections.reveal_from_link()
sections.evidence_status()
for number, lesson in enumerate(LESSONS, start=1):
    sections.section(number, lesson)
sections.summary()
if not glossary.requested():
    glossary.render()
