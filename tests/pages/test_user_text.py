"""Text people type is shown as typed where it sits in Markdown (ui/user_text.py): every character with a meaning
is escaped, and CommonMark's reading of a backslash escape gives the text back. The browser test of the Rooms
page (tests/browser/test_rooms.py) checks what Chromium then shows."""

from __future__ import annotations

import re

import pytest

from ui.user_text import escape_markdown

HOSTILE = (
    "<script>alert(1)</script>",
    "**bold**",
    "[link](javascript:alert(1))",
    ":red[colour] :material/home:",
    "# heading",
    "- list",
    "1. numbered",
    "`code` \\ back",
    "&lt;b&gt; $x$ ~~gone~~ _it_",
)
MEANINGFUL = set("\\`*_{}[]()<>#+-.!|~:$&")
ASCII_PUNCTUATION = r"[!-/:-@\[-`{-~]"  # what CommonMark lets a backslash escape


def commonmark_unescape(text: str) -> str:
    return re.sub(rf"\\({ASCII_PUNCTUATION})", r"\1", text)


@pytest.mark.parametrize("text", HOSTILE)
def test_every_meaningful_character_is_escaped_and_reads_back_as_typed(text: str):
    escaped = escape_markdown(text)
    assert commonmark_unescape(escaped) == text
    bare = re.sub(rf"\\{ASCII_PUNCTUATION}", "", escaped)  # what is left once the escapes are taken out
    assert not MEANINGFUL & set(bare), bare


def test_plain_words_are_left_alone():
    assert escape_markdown("Moons with BN 4") == "Moons with BN 4"
