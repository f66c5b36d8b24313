"""Pick a scenario (explorer/teaching/scenarios.py) in a sidebar: Train's and Data's picker, one implementation.

Picking one sets all its keys at once on the session's Config (the page's widgets re-seed from it) and
marks it as in force, so the page can show its question and where to look, until the learner changes
one of the keys it set. The picker goes back to empty after each pick, so the same one can be picked again.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import streamlit as st

from explorer.config import ConfigError
from explorer.teaching.scenarios import SCENARIOS, Scenario
from ui import shared_config

_MISSING = object()


@dataclass(frozen=True)
class Picker:
    """Session-state keys of one page's picker: the selectbox, the scenario in force, a one-off problem."""

    select: str
    in_force: str
    problem: str
    label: str
    help: str

    def scenario(self) -> Scenario | None:
        """The scenario picked last, while every key it set still has its value."""
        return SCENARIOS.get(st.session_state.get(self.in_force) or "")

    def _apply(self) -> None:
        name = st.session_state.get(self.select)
        st.session_state[self.select] = None  # so the same scenario can be picked again after an edit
        scenario = SCENARIOS.get(name or "")
        if scenario is None:
            return
        try:
            chosen = scenario.config(shared_config.current())
        except ConfigError as err:
            st.session_state[self.problem] = f"{self.label}: {scenario.title} cannot apply to these settings: {err}"
            return
        shared_config.set(chosen)  # the page's widgets re-seed from it on this run
        st.session_state[self.in_force] = scenario.name

    def draw(self, disabled: bool = False) -> None:
        st.selectbox(
            self.label, list(SCENARIOS), index=None, key=self.select, format_func=lambda n: SCENARIOS[n].title,
            placeholder="Pick a setup that shows one effect…", on_change=self._apply, help=self.help,
            disabled=disabled,
        )  # fmt: skip
        problem = st.session_state.pop(self.problem, None)
        if problem:
            st.warning(problem)

    def leave_if_changed(self, values: Mapping[str, Any]) -> None:
        """A scenario is in force until the learner changes a key it set."""
        scenario = self.scenario()
        if scenario is not None and any(values.get(k, _MISSING) != v for k, v in scenario.overrides.items()):
            del st.session_state[self.in_force]
