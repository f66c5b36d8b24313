"""Fragments sit each in a container of its own, so a rerun of one writes at index 0 of a block the page made."""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def _page() -> None:
    import streamlit as st

    from ui import fragments

    st.title("before")

    @st.fragment
    def first() -> None:
        st.write("one")
        st.write("two")

    @st.fragment
    def second() -> None:
        st.write("three")

    fragments.each_in_own_container(first, second)
    st.caption("after")


def test_each_fragment_is_the_only_child_of_a_container_the_page_made():
    at = AppTest.from_function(_page).run()
    main = at.main.children
    assert [type(node).__name__ for node in main.values()] == ["Title", "Block", "Block", "Caption"]
    for outer, texts in ((main[1], ["one", "two"]), (main[2], ["three"])):
        assert list(outer.children) == [0]  # the fragment's own container, alone: its rerun writes at index 0
        assert [m.value for m in outer.children[0].children.values()] == texts
