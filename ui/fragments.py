"""Where a page puts its fragments, so a fragment's rerun can never break the page in the browser."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st


def each_in_own_container(*fragments: Callable[[], None]) -> None:
    """Call each fragment inside a container of its own that the page's run makes (not the fragment).

    Why: when a fragment's own rerun starts while the page's run that drew it still waits in the server's
    queue for the browser (a busy server, a slow browser), Streamlit drops that run's unsent deltas of the
    fragment (`ForwardMsgQueue.clear`). The browser then gets the page without the fragment, and the
    fragment's rerun writes at an index its parent no longer has: "Bad delta path index", and the page
    stays blank. In a container of its own the fragment writes at index 0, valid even in an empty one.
    """
    for fragment in fragments:
        with st.container():
            fragment()
