"""A Streamlit client that speaks the browser's websocket protocol and draws nothing.

Why: a headless Chromium tab costs a core's worth of rendering, so on a 2-core machine eight of them measure
the browsers as much as the server. This client sends what Streamlit 1.67's frontend sends on
`/_stcore/stream` and keeps just enough of the element tree to read widgets and metrics, so dozens of
sessions load one server the way learners' tabs do while the bench process stays light.

What it mimics of the frontend (static/js/index.*.js in the streamlit package):
- XSRF: the frontend reads the `_streamlit_xsrf` cookie (set by GET /_stcore/health) and passes it as the
  second websocket subprotocol, after "streamlit"; the socket also carries the cookie and an Origin.
- The first rerun names the page by its URL path (`page_name`) with the URL's query string; later reruns
  name it by the `page_script_hash` from new_session / navigation, and carry the query string the app last
  wrote (page_info_changed).
- Auto-rerun fragments (`@st.fragment(run_every=…)`): the server only announces them (ForwardMsg
  `auto_rerun`: fragment id, interval); the browser's setInterval sends each rerun (`fragment_id`,
  `is_auto_rerun`) with the current widget states. Without this timer nothing on the Train page ticks.
  A full-app new_session clears the timers and `stop_auto_rerun` stops some, as in the frontend.
- The ForwardMsg cache: every rerun reports the hashes of the `cacheable` messages held, and the server
  then sends a `ref_hash` instead of the message; held messages expire after `max_cached_message_age` runs.
- Widget states: a value the client set stays in every later rerun; a button's trigger goes out once.
  Unlike the browser it does not report the value of every widget on the page, only those it set: the
  server keeps the others' last values itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.cookies
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlparse

from google.protobuf.message import Message
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ClientState_pb2 import ClientState
from streamlit.proto.Delta_pb2 import Delta
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from tornado.httpclient import AsyncHTTPClient, HTTPRequest
from tornado.websocket import WebSocketClientConnection, WebSocketClosedError, websocket_connect

XSRF_COOKIE = "_streamlit_xsrf"
ID_PREFIX = "$$ID-"  # element ids: "$$ID-<hash>-<user key>" (streamlit.runtime.state.common)
MAX_MESSAGE_BYTES = 256 * 2**20  # a page's charts arrive as a few large messages


def user_key(element_id: str) -> str | None:
    """The `key=` an app gave a widget or container, from its element id (None: no key)."""
    if not element_id.startswith(ID_PREFIX):
        return None
    key = element_id.split("-", maxsplit=2)[-1]
    return None if key == "None" else key


@dataclass
class Widget:
    """The latest proto the server drew for a keyed widget, and the fragment it lives in ("" for none)."""

    id: str
    kind: str  # the Element oneof: "button", "number_input", …
    proto: Any
    fragment_id: str


@dataclass
class _Cached:
    raw: bytes
    run: int  # the run count when last sent or used: the frontend's age is counted from it
    fragment_id: str


class StreamlitClient:
    """One browser tab's worth of protocol on one websocket; `changes[key]` records, per keyed container
    holding a metric, (arrival time, text) each time the metric's text changes."""

    def __init__(self, base_url: str, page: str = "", query: str = "") -> None:
        self.base_url = base_url.rstrip("/")
        self.page_name = page
        self.query = query
        self.page_script_hash = ""
        self.widgets: dict[str, Widget] = {}
        self.metrics: dict[str, str] = {}
        self.deltas: dict[str, str] = {}  # the text under each keyed metric (its delta)
        self.first_chart: float | None = None  # when the first Vega-Lite chart arrived (time.perf_counter)
        self.changes: dict[str, list[tuple[float, str]]] = {}
        self.errors: list[str] = []
        self.alerts: list[str] = []  # the body of every st.error/warning/info/success drawn, in order
        self.texts: list[str] = []  # every markdown, caption and text element's body, in order
        self.runs_finished = 0
        self.full_runs_finished: list[float] = []  # when each whole-page run finished (time.perf_counter)
        self.reruns_sent = 0
        self.cache_hits = 0  # ref_hash messages answered from the cache: the cache is in use
        self._ws: WebSocketClientConnection | None = None
        self._reader: asyncio.Task[None] | None = None
        self._timers: dict[str, tuple[float, asyncio.Task[None]]] = {}
        self._states: dict[str, WidgetState] = {}
        self._blocks: dict[tuple[int, ...], str] = {}  # delta path -> user key of the container there
        self._waiters: list[tuple[Callable[[], bool], asyncio.Future[float]]] = []
        self._cache: dict[str, _Cached] = {}
        self._run_count = 0
        self._max_age = 2
        self._has_new_session = False
        self._arrived = 0.0  # time.perf_counter() when the message being handled arrived

    # ---- connection ---------------------------------------------------------------------------------
    async def connect(self) -> None:
        """Open the socket the way the frontend does and ask for the first run of the page."""
        reply = await AsyncHTTPClient().fetch(f"{self.base_url}/_stcore/health")
        cookies = http.cookies.SimpleCookie()
        for header in reply.headers.get_list("Set-Cookie"):
            cookies.load(header)
        xsrf = cookies[XSRF_COOKIE].value if XSRF_COOKIE in cookies else ""
        parts = urlparse(self.base_url)
        request = HTTPRequest(
            f"{'wss' if parts.scheme == 'https' else 'ws'}://{parts.netloc}{parts.path}/_stcore/stream",
            headers={"Origin": self.base_url, **({"Cookie": f"{XSRF_COOKIE}={xsrf}"} if xsrf else {})},
        )
        self._ws = await websocket_connect(
            request, subprotocols=["streamlit", xsrf or "PLACEHOLDER_AUTH_TOKEN"], max_message_size=MAX_MESSAGE_BYTES
        )
        self._reader = asyncio.create_task(self._read(), name="streamlit-ws-read")
        self._rerun()

    async def close(self) -> None:
        """Stop the timers and the reader, then close the socket (the server ends the session)."""
        for _, timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
        if self._ws is not None:
            self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader

    # ---- what a user does ---------------------------------------------------------------------------
    def click(self, key: str) -> float:
        """Press a button: its trigger goes out once, in a rerun of the app (or of its fragment)."""
        widget = self.widgets[key]
        return self._rerun(widget.fragment_id, extra=[WidgetState(id=widget.id, trigger_value=True)])

    def set_number(self, key: str, value: float) -> float:
        """Type a value into a number input and press Enter; returns the time the rerun went out."""
        widget = self.widgets[key]
        integer = widget.kind == "number_input" and widget.proto.data_type == widget.proto.INT
        state = WidgetState(id=widget.id, int_value=int(value)) if integer else WidgetState(id=widget.id)
        if not integer:
            state.double_value = float(value)
        self._states[widget.id] = state
        return self._rerun(widget.fragment_id)

    async def wait_for(self, condition: Callable[[], bool], timeout: float) -> float:
        """Wait until `condition` holds after some message; returns that message's arrival time
        (time.perf_counter), so the bench process's own scheduling delay after it is not counted."""
        if condition():
            return time.perf_counter()
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self._waiters.append((condition, future))
        try:
            return await asyncio.wait_for(future, timeout)
        finally:
            self._waiters = [(c, f) for c, f in self._waiters if f is not future]

    # ---- the protocol -------------------------------------------------------------------------------
    def _rerun(self, fragment_id: str = "", auto: bool = False, extra: list[WidgetState] | None = None) -> float:
        state = ClientState(
            query_string=self.query,
            page_script_hash=self.page_script_hash,
            page_name="" if self.page_script_hash else self.page_name,
            fragment_id=fragment_id,
            is_auto_rerun=auto,
            cached_message_hashes=list(self._cache),
        )
        state.widget_states.widgets.extend([*self._states.values(), *(extra or [])])
        assert self._ws is not None, "connect() first"
        try:
            self._ws.write_message(BackMsg(rerun_script=state).SerializeToString(), binary=True)
        except WebSocketClosedError as err:
            raise ConnectionError("websocket closed") from err
        self.reruns_sent += 1
        return time.perf_counter()

    async def _read(self) -> None:
        assert self._ws is not None
        while True:
            raw = await self._ws.read_message()
            arrived = time.perf_counter()
            if raw is None:
                self.errors.append("the server closed the websocket")
                for _, future in self._waiters:
                    if not future.done():
                        future.set_exception(ConnectionError("websocket closed"))
                return
            assert isinstance(raw, bytes)
            msg = ForwardMsg()
            msg.ParseFromString(raw)
            self._arrived = arrived
            self._receive(msg, raw)
            for condition, future in self._waiters:
                if not future.done() and condition():
                    future.set_result(arrived)

    def _receive(self, msg: ForwardMsg, raw: bytes) -> None:
        kind = msg.WhichOneof("type")
        if kind == "ref_hash":
            cached = self._cache.get(msg.ref_hash)
            if cached is None:
                self.errors.append(f"cached ForwardMsg missing: {msg.ref_hash}")
                return
            cached.run = self._run_count
            self.cache_hits += 1
            full = ForwardMsg()
            full.ParseFromString(cached.raw)
            full.metadata.CopyFrom(msg.metadata)
            msg, kind = full, full.WhichOneof("type")
        elif msg.metadata.cacheable and msg.hash and msg.hash not in self._cache:
            self._cache[msg.hash] = _Cached(raw, self._run_count, msg.delta.fragment_id)
        if kind == "delta":
            self._delta(msg.delta, tuple(msg.metadata.delta_path))
        elif kind == "new_session":
            self._has_new_session = True
            self.page_script_hash = msg.new_session.page_script_hash or self.page_script_hash
            self._max_age = msg.new_session.config.max_cached_message_age
            if not msg.metadata.run.fragment_ids:  # a full run: it announces its auto-reruns anew
                for _, timer in self._timers.values():
                    timer.cancel()
                self._timers.clear()
        elif kind == "navigation" and msg.navigation.page_script_hash:
            self.page_script_hash = msg.navigation.page_script_hash
        elif kind == "page_info_changed":
            self.query = msg.page_info_changed.query_string
        elif kind == "auto_rerun":
            self._auto_rerun(msg.auto_rerun.fragment_id, msg.auto_rerun.interval)
        elif kind == "stop_auto_rerun":
            for fragment_id in msg.stop_auto_rerun.fragment_ids:
                if fragment_id in self._timers:
                    self._timers.pop(fragment_id)[1].cancel()
        elif kind == "script_finished":
            self._finished(msg)
        elif kind == "session_event" and msg.session_event.WhichOneof("type") == "script_compilation_exception":
            self.errors.append(f"script compilation error: {msg.session_event.script_compilation_exception}")

    def _finished(self, msg: ForwardMsg) -> None:
        """Age the message cache as the frontend does: a fragment run ages only that fragment's messages."""
        self.runs_finished += 1
        if msg.script_finished == ForwardMsg.FINISHED_SUCCESSFULLY:
            self.full_runs_finished.append(self._arrived)
        if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN or not self._has_new_session:
            return
        self._run_count += 1
        fragments = set(msg.metadata.run.fragment_ids)
        for hash_, cached in list(self._cache.items()):
            if fragments and cached.fragment_id not in fragments:
                continue
            if self._run_count - cached.run > self._max_age:
                del self._cache[hash_]

    def _delta(self, delta: Delta, path: tuple[int, ...]) -> None:
        kind = delta.WhichOneof("type")
        if kind == "add_block":
            key = user_key(delta.add_block.id)
            if key:
                self._blocks[path] = key
            else:
                self._blocks.pop(path, None)
            return
        if kind != "new_element":
            return
        self._blocks.pop(path, None)
        element = delta.new_element
        element_kind = element.WhichOneof("type")
        if element_kind is None:
            return
        proto: Message = getattr(element, element_kind)
        if element_kind == "vega_lite_chart" and self.first_chart is None:
            self.first_chart = self._arrived
        if element_kind == "metric":
            key = self._blocks.get(path[:-1])
            if key is not None:
                self.deltas[key] = element.metric.delta
            if key is not None and self.metrics.get(key) != element.metric.body:
                self.metrics[key] = element.metric.body
                self.changes.setdefault(key, []).append((self._arrived, element.metric.body))
        elif element_kind == "exception":
            self.errors.append(f"{element.exception.type}: {element.exception.message}")
        elif element_kind == "alert":
            self.alerts.append(element.alert.body)
        elif element_kind in ("markdown", "text"):
            self.texts.append(proto.body)
        elif "id" in proto.DESCRIPTOR.fields_by_name:
            element_id: str = getattr(proto, "id", "")
            key = user_key(element_id)
            if key:
                self.widgets[key] = Widget(element_id, element_kind, proto, delta.fragment_id)

    def _auto_rerun(self, fragment_id: str, interval: float) -> None:
        """The browser's setInterval for an auto-rerun fragment; the same interval again keeps the timer."""
        if not fragment_id or interval <= 0:
            return
        current = self._timers.get(fragment_id)
        if current is not None:
            if current[0] == interval:
                return
            current[1].cancel()
        self._timers[fragment_id] = (interval, asyncio.create_task(self._every(fragment_id, interval)))

    async def _every(self, fragment_id: str, interval: float) -> None:
        loop = asyncio.get_running_loop()
        due = loop.time() + interval
        while True:
            await asyncio.sleep(max(0.0, due - loop.time()))
            try:
                self._rerun(fragment_id, auto=True)
            except ConnectionError:
                return
            due += interval
            if due < loop.time():  # late (a busy loop): like a browser, skip rather than burst
                due = loop.time() + interval
