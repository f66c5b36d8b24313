"""Text that people typed (a room's title, a nickname, a lesson's prompt), shown as the characters they typed.

Streamlit renders Markdown in titles, captions and alerts: `**bold**` would turn bold, `[link](javascript:…)`
into a link, `:red[…]` into colour. Where such text sits inside Markdown, every character Markdown (or
Streamlit's own extensions) gives a meaning is escaped with a backslash, which CommonMark reads as the
character itself; where it stands alone, `st.text` shows it with no Markdown at all.
"""

from __future__ import annotations

import re

# ASCII punctuation with a meaning in Markdown, in Streamlit's directives (:red[…], :material/…:) or in HTML.
SPECIAL = re.compile(r"([\\`*_{}\[\]()<>#+\-.!|~:$&=\"'])")


def escape_markdown(text: str) -> str:
    """`text` as Markdown that shows exactly these characters: no emphasis, link, heading, HTML or directive."""
    return SPECIAL.sub(r"\\\1", str(text))
