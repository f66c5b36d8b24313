"""The one error a user's input can raise: its message is shown as is, and it names the key at fault.

In a module of its own, at the bottom of the layers, so every layer can raise it without importing the
Config (which validates with the skew grammar) and no import cycle can form.
"""

from __future__ import annotations


class ConfigError(ValueError):
    """A key has a value outside what is allowed; the message is meant for the user as is.

    `key` is the Config key at fault (None when no single key is), so a page can point at the control that
    holds it without reading the message.
    """

    def __init__(self, message: str, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key

    def __reduce__(self):  # keeps the key across process boundaries (training workers, Dask)
        return type(self), (str(self), self.key)


SHOWN_CHARS = 40  # how much of a user's text a message repeats


def shown(text: str, limit: int = SHOWN_CHARS) -> str:
    """A user's text as a message quotes it: in quotes, control and invisible characters escaped (repr), and
    cut to `limit` characters with its length said, so a hostile link's value can neither break the line nor
    fill the screen."""
    if len(text) <= limit:
        return repr(text)
    cut = repr(text[: limit - 1])
    return f"{cut[:-1]}…{cut[-1]} ({len(text):,} characters)"
