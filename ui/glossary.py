"""The glossary: every term the app uses, in plain words, at the bottom of the Learn page.

Each term has its own anchor (`#glossary-<slug>`), so the Learn page's text can link a term where it is
first used and the page scrolls to it. Other pages link the glossary with `glossary_link()`: a page link
keeps the browser session (an ordinary `/#anchor` link would reload the app and lose it), and since a page
link cannot carry an anchor, it asks Learn to show the glossary first with a query parameter instead.

The terms are imported when used, not with this module: the Data page imports `glossary_link` and must
stay light (`explorer.teaching.lessons` brings in the training engine and torch).
"""

from __future__ import annotations

import contextlib
import re

import streamlit as st
from streamlit.errors import StreamlitPageNotFoundError

from ui import router

ANCHOR = "glossary"
QUERY = {"show": "glossary"}  # what a glossary link adds to the Learn page's address


def _glossary() -> dict[str, str]:
    from explorer.teaching.lessons import GLOSSARY  # here, not at the top: see the module's docstring

    return GLOSSARY


def slug(term: str) -> str:
    """'condition number κ' → 'glossary-condition-number': the term's anchor on the Learn page."""
    words = re.findall(r"[a-z0-9]+", term.lower())
    return f"{ANCHOR}-{'-'.join(words)}"


def term_link(label: str, term: str) -> str:
    """Markdown for `label` linking its glossary entry (on the Learn page only: the anchor lives there)."""
    if term not in _glossary():
        raise KeyError(f"{term!r} is not in the glossary")
    return f"[{label}](#{slug(term)})"


def terms() -> list[str]:
    """The glossary's terms, alphabetically (case-insensitive)."""
    return sorted(_glossary(), key=str.casefold)


def requested() -> bool:
    """True when the page was opened by a glossary link (show the glossary first)."""
    return all(st.query_params.get(k) == v for k, v in QUERY.items())


def render() -> None:
    """The glossary under its own header, one anchored paragraph per term."""
    st.header("Glossary", anchor=ANCHOR)
    definitions = _glossary()
    lines = [f'<a id="{slug(term)}"></a>**{term}**: {definitions[term]}' for term in terms()]
    st.markdown("\n\n".join(lines), unsafe_allow_html=True)


def glossary_link(label: str = "Glossary") -> None:
    """A small link to the glossary for any page (it opens Learn with the glossary first).

    Left out when the page runs without the app's navigation (an AppTest of the page file alone): there is
    no Learn page to link to then.
    """
    with contextlib.suppress(StreamlitPageNotFoundError):
        st.page_link(
            router.LEARN.path,
            label=label,
            icon=":material/menu_book:",
            query_params=QUERY,
            help="Every term the app uses, in plain words (on the Learn page).",
        )
