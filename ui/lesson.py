"""Lesson links: what an instructor's link sets beside the Config. Which sidebar controls stay shown, which are
shown read-only and which are hidden; a short prompt on top of the page; a room to join.

All of it travels in the URL, so the server keeps nothing: `lock=` and `hide=` (control names, comma-separated),
`prompt=` (plain text, at most 500 characters) and `room=` (a room code). They are read once per session like
every link parameter and checked the same way: a name that is no control, an over-long prompt or a malformed code
is named in the link's notice and left at its default. Every page then keeps them in the address bar
(`shared_config.keep_in_url`), so a reload keeps the lesson. Read-only and hidden Config keys keep the link's
values (`hold`), whatever a preset or another page did to them meanwhile.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from urllib.parse import urlencode, urlsplit

import streamlit as st

from explorer.config import KEYS, Config, ConfigError
from explorer.rooms.codes import CODE_PATTERN, normalize_code
from explorer.rooms.inputs import plain_text
from ui import shared_config
from ui.help import CONTROL_LABELS, LABELS

LOCK, HIDE, PROMPT, ROOM = "lock", "hide", "prompt", "room"
URL_PARAMS = (LOCK, HIDE, PROMPT, ROOM)
PROMPT_MAX = 500
SHOWN, READ_ONLY, HIDDEN = "shown", "read-only", "hidden"

# Each page's sidebar controls, by the names a link gives them: Config keys where the control edits one.
TRAIN_CONTROLS = ("preset", *(k for k in KEYS if k not in ("csv_path", "target")), "ab")
COMPARE_CONTROLS = ("preset", "keys", "seeds", "epochs")
CONTROLS = tuple(dict.fromkeys((*TRAIN_CONTROLS, *COMPARE_CONTROLS)))

LESSON = "lesson.current"  # this session's Lesson, read from its first link


@dataclass(frozen=True)
class Lesson:
    locked: frozenset[str] = frozenset()
    hidden: frozenset[str] = frozenset()
    prompt: str = ""
    room: str = ""
    config: Config | None = None  # the link's Config: what read-only and hidden keys keep

    def view(self, control: str) -> str:
        if control in self.hidden:
            return HIDDEN
        return READ_ONLY if control in self.locked else SHOWN

    def params(self) -> dict[str, str]:
        """The lesson's URL parameters (none for a plain link)."""
        found = {LOCK: ",".join(sorted(self.locked)), HIDE: ",".join(sorted(self.hidden)), PROMPT: self.prompt}
        found[ROOM] = self.room
        return {name: value for name, value in found.items() if value}


def control_label(control: str) -> str:
    return LABELS.get(control) or CONTROL_LABELS.get(control, control)


# ---- reading a link --------------------------------------------------------------------------------------
def _controls(param: str, raw: str, problems: list[str]) -> frozenset[str]:
    names: list[str] = []
    for part in raw.split(","):
        name = part.strip()
        if not name:
            continue
        if name not in CONTROLS:
            problems.append(f"ignored {param}={name[:40]!r}: no control has that name ({', '.join(CONTROLS)})")
        elif name not in names:
            names.append(name)
    return frozenset(names)


def room_code(raw: str) -> str:
    """A typed or linked room code in its stored form, or '' when it cannot be one."""
    code = normalize_code(raw)
    return code if CODE_PATTERN.fullmatch(code) else ""


def parse(params: Mapping[str, str]) -> tuple[Lesson, list[str]]:
    """The lesson of a link's parameters, and one line per part of it that was ignored."""
    problems: list[str] = []
    locked = _controls(LOCK, params.get(LOCK, ""), problems)
    hidden = _controls(HIDE, params.get(HIDE, ""), problems)
    both = sorted(locked & hidden)
    if both:
        problems.append(f"{', '.join(both)} listed as both read-only (lock=) and hidden (hide=): hidden")
    prompt = plain_text(params.get(PROMPT, ""))
    if len(prompt) > PROMPT_MAX:
        problems.append(f"ignored URL parameter prompt: it has {len(prompt)} characters, at most {PROMPT_MAX}")
        prompt = ""
    raw_room = params.get(ROOM, "")
    room = room_code(raw_room) if raw_room else ""
    if raw_room and not room:
        problems.append(f"ignored URL parameter room={raw_room[:40]!r}: a room code looks like moons-bn-4821")
    return Lesson(locked - hidden, hidden, prompt, room), problems


def current() -> Lesson:
    """This session's lesson, read from its first link (its problems go to the link's notice)."""
    if LESSON not in st.session_state:
        config = shared_config.current()  # reads the link's parameters, once per session
        found = {name: shared_config.link_extra(name) for name in URL_PARAMS}
        lesson, problems = parse({name: value for name, value in found.items() if value is not None})
        for problem in problems:
            shared_config.add_problem(problem)
        st.session_state[LESSON] = replace(lesson, config=config)
        shared_config.keep_in_url(lesson.params())
    return st.session_state[LESSON]


def view(control: str) -> str:
    """How this session's page shows `control`: SHOWN, READ_ONLY or HIDDEN."""
    return current().view(control)


def hold(config: Config) -> Config:
    """`config` with its read-only and hidden keys at the link's values (made the session's Config if it changed)."""
    lesson = current()
    if lesson.config is None:
        return config
    fixed = {
        name: getattr(lesson.config, name)
        for name in (lesson.locked | lesson.hidden) & set(KEYS)
        if getattr(config, name) != getattr(lesson.config, name)
    }
    if not fixed:
        return config
    try:
        held = config.replace(**fixed)
    except ConfigError:  # e.g. a locked norm needing batches of 2 beside a batch size of 1 set elsewhere
        return config
    shared_config.set(held)
    return held


def prompt_box() -> None:
    """The lesson's prompt on top of the page, as the characters the instructor typed."""
    prompt = current().prompt
    if prompt:
        with st.container(border=True, key="lesson-prompt"):
            st.caption("The lesson's prompt", help="Set by the lesson link you opened.")
            st.text(prompt)


# ---- making a link ----------------------------------------------------------------------------------------
def link(path: str, query: Mapping[str, str], lesson: Lesson) -> str:
    """The lesson link: the page's own query (its Config and page parameters) plus the lesson's."""
    kept = {name: value for name, value in query.items() if name not in URL_PARAMS}
    base = ""
    url = getattr(st.context, "url", None)
    if url:  # the address the browser shows: the link is absolute, ready to paste
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}{parts.path.rsplit('/', 1)[0]}/"
    return f"{base}{path}?{urlencode({**kept, **lesson.params()})}"


def panel(path: str, controls: Sequence[str]) -> None:
    """'Make a lesson link' in the sidebar: which of this page's controls learners see, read-only or not at all,
    a prompt, a room; the link opens this page as it is now, with those."""
    key = f"lesson.make.{path}."
    now = current()
    with st.sidebar.expander("Make a lesson link", icon=":material/link:"):
        st.caption(
            "For instructors: a link that opens this page with its settings as they are now, only the controls "
            "you choose, your prompt on top, and your room to post to."
        )
        st.session_state.setdefault(key + LOCK, sorted(now.locked & set(controls)))
        st.session_state.setdefault(key + HIDE, sorted(now.hidden & set(controls)))
        st.session_state.setdefault(key + PROMPT, now.prompt)
        st.session_state.setdefault(key + ROOM, now.room)
        locked = st.multiselect(
            "Read-only controls", controls, key=key + LOCK, format_func=control_label,
            help="Shown with the link's value, greyed out: learners see the setting but cannot change it.",
        )  # fmt: skip
        hidden = st.multiselect(
            "Hidden controls", controls, key=key + HIDE, format_func=control_label,
            help="Not shown at all; the run uses the link's value (a control in both lists is hidden). Every "
            "other control stays as it is.",
        )  # fmt: skip
        prompt = st.text_area(
            "Prompt", key=key + PROMPT, max_chars=PROMPT_MAX, height=90,
            help="A short instruction shown on top of the page, as plain text (no formatting).",
        )  # fmt: skip
        typed_room = st.text_input(
            "Room code (optional)", key=key + ROOM, placeholder="moons-bn-4821",
            help="Learners who open the link are offered to join this room; their finished runs go to its board.",
        )  # fmt: skip
        room = room_code(typed_room) if typed_room.strip() else ""
        if typed_room.strip() and not room:
            st.caption(":red[That is not a room code (like moons-bn-4821): the link leaves it out.]")
        made = Lesson(frozenset(locked) - set(hidden), frozenset(hidden), plain_text(prompt)[:PROMPT_MAX], room)
        st.code(link(path, st.query_params.to_dict(), made), language=None, wrap_lines=True)
        st.caption("Copy it with the button at its top right.")
