"""The Train page's run in `st.session_state`: one run per browser session, advanced tick by tick.

A run trains in one of the server's training processes (`ui.train.workers`) and the session holds its
mirror, which each tick brings up to date; with no training processes, the session's own script thread
trains it, taking turns at the cores (`ui.train.slots`).

The session holds the last valid Config (shared with the other pages through `ui.shared_config`) and the
run built from it. A new Config either applies to the running training (learning rate, epochs) or starts a
new run; a Config that cannot be built shows one line and leaves the previous run as it was. A new run whose
data keys did not change (network, training, Reset) reuses the prepared data instead of preparing it again.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

import streamlit as st
import torch

from explorer.charts.train import TrainCharts
from explorer.config import GROUPS, LIVE_KEYS, PREPARE_KEYS, Config, ConfigError, format_value, skew_grammar
from explorer.data import datasets
from explorer.data.pipeline import Prepared
from explorer.runs import cost
from explorer.runs.remote_training import CACHED, GIVEN, SEND, RemoteRun, WorkerLost
from explorer.runs.speed import DEFAULT_SPEED, SPEEDS, SpeedLimit
from explorer.runs.training import Trainer
from ui import shared_config
from ui.train import workers
from ui.train.pace import Pace
from ui.train.slots import SLOTS, TrainingSlots

RUN = "train.run"
B_RUN = "train.b_run"  # A | B's second run (ui.train.pair keeps it one key apart from RUN)
GHOST = "train.ghost"  # the previous run's curve, drawn faded under the new one until dismissed
PACE = "train.pace"  # ui.train.pace.Pace: this session's redraw pace
REJECTED = "train.rejected"  # (config, message) of the last config that could not be built
SPEED = "train.speed"  # epochs per second while playing (None: as fast as it goes); the Speed control's key
SEEN_DONE = "train.seen_done"  # ids of the runs already seen finished: each is posted to a room once, when it ends
TICK_SECONDS = 0.2  # training time per tick in a script thread: short enough that a click is answered at once
TICK_EVERY = 0.5  # seconds between ticks while playing: the epoch counter and the numbers
CHARTS_EVERY = 0.5  # seconds between redraws of the loss, network and boundary while playing, at the most
INSIDE_EVERY = 2.0  # the same for "Inside the network" (seven charts)
# The server's script threads share one interpreter lock: about one core for every session's redraws. The
# charts of all playing sessions may take these shares of it (seconds of CPU per redraw, from
# bench/tick_cost.py and a profile of 30 sessions), so with many sessions each page redraws its charts less
# often from the start, instead of every page falling behind at once and being slowed afterwards. The rest
# of the core is for clicks: each is a rerun of the whole page (~75 ms), a third of the server's work in
# bench/load_test.py's 30 sessions.
TICK_COST_S, TICKS_SHARE = 0.008, 0.4  # the epoch counter and numbers: 30 sessions, every 0.6 s
CHART_COST_S, CHARTS_SHARE = 0.035, 0.2  # 30 sessions: the top charts every 5.25 s
INSIDE_COST_S, INSIDE_SHARE = 0.05, 0.08  # ... and the insides every 19 s
BUSY_SESSIONS = 2  # more playing than this: the page says its charts are redrawn less often because of them


@dataclass
class RateMeter:
    """Epochs per wall-clock second over the last few ticks (what the user sees, not pure compute)."""

    marks: deque[tuple[float, int]] = field(default_factory=lambda: deque(maxlen=12))

    def mark(self, epoch: int) -> None:
        self.marks.append((time.perf_counter(), epoch))

    def rate(self) -> float | None:
        if len(self.marks) < 2:
            return None
        (t0, e0), (t1, e1) = self.marks[0], self.marks[-1]
        return (e1 - e0) / (t1 - t0) if t1 > t0 else None


@dataclass
class Run:
    """A trainer (the mirror of `remote`, when a training process trains it), its charts' fixed parts, and
    whether it is playing.

    While a training process prepares the run's data (heavy data, `explorer.runs.cost.prepare_seconds`), the
    trainer and charts are None (`ready` is False) and the page shows placeholders; `settle` fills them in.
    """

    trainer: Trainer | None
    charts: TrainCharts | None
    playing: bool = False
    remote: RemoteRun | None = None
    meter: RateMeter = field(default_factory=RateMeter)
    limit: SpeedLimit = field(default_factory=SpeedLimit)  # the pace of a run trained in this script thread
    id: str = field(default_factory=lambda: uuid.uuid4().hex)  # its place in line for the cores (SLOTS)
    queued: int = 0  # sessions ahead of this one at its last tick (0: it trained)
    notice: tuple[str, str] | None = None  # (kind, line) about this run: restored after its process died
    failed: str = ""  # why its data could not be prepared (a run that never became ready)
    cost: cost.Cost | None = None  # one epoch's estimated cost, for the line beside Play
    # Held while the trainer changes. A click's rerun can start in a new script thread while a tick is
    # still inside `advance` in the old one (pure compute cannot be interrupted): the click waits for it.
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    @property
    def config(self) -> Config:
        if self.trainer is not None:
            return self.trainer.config
        assert self.remote is not None
        return self.remote.config

    @property
    def ready(self) -> bool:
        return self.trainer is not None

    @property
    def can_play(self) -> bool:
        return self.trainer is not None and not self.trainer.done

    @property
    def weights_at(self) -> int:
        """The step count of the weights the charts can draw (a slow epoch's in a training process: its start)."""
        if self.remote is not None:
            return self.remote.weights_at
        return self.trainer.steps if self.trainer is not None else 0


@dataclass(frozen=True)
class Ghost:
    """A run that a setting change replaced: what it was and how it went, for one change = one comparison."""

    config: Config
    curve: list[dict[str, float]]
    metric_name: str

    def label(self, now: Config) -> str:
        """'before: scaler=none' — the ghost's values of the keys in which it differs from `now`."""
        keys = changed_keys(self.config, now)
        if not keys:
            return "before: same settings"
        shown = ", ".join(f"{k}={format_value(getattr(self.config, k)) or 'none'}" for k in keys[:3])
        return f"before: {shown}{', …' if len(keys) > 3 else ''}"


def ghost() -> Ghost | None:
    return st.session_state.get(GHOST)


def dismiss_ghost() -> None:
    st.session_state.pop(GHOST, None)


def _keep_as_ghost(replaced: Run) -> None:
    """The replaced run becomes the ghost if it trained at all; else the older ghost stays (two changes in a
    row before pressing Play still compare with the last run that trained)."""
    if replaced.trainer is not None and replaced.trainer.curve:
        st.session_state[GHOST] = Ghost(replaced.config, list(replaced.trainer.curve), replaced.trainer.metric_name)


def _build(config: Config, playing: bool = False, prepared: Prepared | None = None) -> Run:
    """A fresh run (on `prepared` when given: it must come from the same data keys).

    Data that would take this process more than `cost.PREPARE_IN_PAGE_S` to prepare is prepared by the training
    process instead: the run is not `ready` until it arrives (or, when `prepared` is given, the process takes
    its own copy, and the page goes on with this one). Raises ConfigError when the data cannot be prepared
    here (e.g. a skew on a missing feature; a heavy setup's features are checked here too, from its shape).
    """
    torch.set_num_threads(1)  # sessions train side by side; one core each keeps them all responsive
    pool = workers.pool()
    rate = speed()
    heavy = (cost.prepare_seconds(config) or 0.0) > cost.PREPARE_IN_PAGE_S
    if pool is not None and heavy:
        _check_features(config)
        remote = pool.start(config, prepared, rate, source=CACHED if prepared is not None else SEND)
    else:
        remote = None if pool is None else pool.start(config, prepared, rate, source=GIVEN)
    trainer = Trainer(config, prepared=prepared) if remote is None else remote.trainer
    run = Run(trainer, None if trainer is None else TrainCharts(trainer), remote=remote)
    run.cost = cost.estimate(config, data_shape(run))
    run.playing = playing and not (trainer is not None and trainer.done)
    run.limit.set_rate(rate, time.monotonic(), 0 if trainer is None else trainer.epoch)
    if remote is not None and run.playing:
        remote.play()
    return run


def _check_features(config: Config) -> None:
    """A skew's features against the data's, from its shape alone: the one line a heavy setup would otherwise
    only get seconds later from the training process."""
    shape = datasets.shape(config)
    if shape is not None:
        for item in skew_grammar.parse_skew(config.skew):
            item.columns(shape[1])


def data_shape(run: Run) -> tuple[int, int, int] | None:
    """(rows, features, outputs) of the run's data: its own once prepared, else read from the config."""
    if run.trainer is None:
        return data_shape_of(run.config)
    prepared = run.trainer.prepared
    return len(prepared.dataset.y), prepared.X_train.shape[1], prepared.n_outputs


def data_shape_of(config: Config) -> tuple[int, int, int] | None:
    """(rows, features, outputs) read from a config alone (None for a CSV)."""
    return datasets.shape(config)


def settle(current: Run) -> bool:
    """A run whose data a training process prepares: take it if it came (the mirror and charts are built
    then). True when the run changed (ready, or failed: `failed` says why); the page is then drawn again."""
    if current.ready or current.failed or current.remote is None:
        return False
    with current.lock:
        try:
            current.remote.sync()
        except ConfigError as err:
            current.failed = str(err)
            current.playing = False
            return True
        except WorkerLost:
            fresh = _build(current.config, playing=current.playing)
            st.session_state[B_RUN if st.session_state.get(B_RUN) is current else RUN] = fresh
            return True
        if current.remote.trainer is None:
            return False
        current.trainer = current.remote.trainer
        current.charts = TrainCharts(current.trainer)
        current.cost = cost.estimate(current.config, data_shape(current))
        current.limit.set_rate(speed(), time.monotonic(), current.trainer.epoch)
        return True


def _retire(replaced: Run) -> None:
    """A run that another replaced: out of the line for the cores, and out of its training process."""
    SLOTS.leave(replaced.id)
    if replaced.remote is not None:
        replaced.remote.close()


def config() -> Config:
    """The session's Config, with a run built from it; on a session's first page both come from the URL.

    Another page may have set the Config first; settings that cannot be built fall back to the defaults
    with a note, so the page always opens on a working run.
    """
    if RUN not in st.session_state:
        chosen = shared_config.current()
        try:
            fresh = _build(chosen)
        except ConfigError as err:
            shared_config.add_problem(f"ignored these settings: {err}")
            chosen = Config()
            fresh = _build(chosen)
        st.session_state[RUN] = fresh
        shared_config.set(chosen)
    return shared_config.current()


def run() -> Run:
    """The session's run (built from the session's Config if there is none yet)."""
    config()
    return st.session_state[RUN]


def playing_here() -> int:
    """Runs playing on this server, every session's."""
    pool = workers.pool()
    return SLOTS.active if pool is None else pool.playing


def crowded() -> bool:
    """More than BUSY_SESSIONS sessions play on this server (their share of its CPU slows every page's charts)."""
    return playing_here() > BUSY_SESSIONS


def pace() -> Pace:
    """This session's redraw pace (`ui.train.pace`): slower while its ticks arrive late."""
    return st.session_state.setdefault(PACE, Pace())


def keep_pace(current: Run) -> bool:
    """Note a tick of a playing run; True when the pace changed and the page must be drawn again to ask the
    browser for the new intervals (a fragment's interval is set when the whole page runs)."""
    return current.playing and pace().observe(time.monotonic(), tick_every())


def browser_fell_behind() -> bool:
    """The browser said it draws its ticks late (`ui.train.browser_lag`); True when the pace changed, as
    `keep_pace`."""
    return pace().drew_late(time.monotonic())


def tick_every() -> float:
    """How often the epoch counter and numbers are redrawn while playing."""
    return max(TICK_EVERY, playing_here() * TICK_COST_S / TICKS_SHARE) * pace().counter_factor


def charts_every() -> float:
    """How often the top charts are redrawn while playing: less often when many sessions play at once
    (each redraw costs the server ~15 ms and a browser a repaint of the whole page), and at this session's pace."""
    return max(CHARTS_EVERY, playing_here() * CHART_COST_S / CHARTS_SHARE) * pace().factor


def inside_every() -> float:
    """How often "Inside the network" is redrawn while playing (as `charts_every`)."""
    return max(INSIDE_EVERY, playing_here() * INSIDE_COST_S / INSIDE_SHARE) * pace().factor


def changed_keys(old: Config, new: Config) -> list[str]:
    before = old.to_dict()
    return [name for name, value in new.to_dict().items() if before[name] != value]


def reset_message(keys: list[str]) -> str:
    """'Network changed (norm): …' naming the first group touched and the keys."""
    group = next((g for g, names in GROUPS.items() if any(k in names for k in keys)), "settings")
    return f"{group.capitalize()} changed ({', '.join(keys)}): the run restarted from epoch 0."


def _applied_live(current: Run, chosen: Config, keys: list[str]) -> bool:
    """Apply `keys` of `chosen` to the running training if they all change live (a diverged run starts
    again instead); True when they did."""
    if not all(k in LIVE_KEYS for k in keys) or current.failed or (current.ready and current.trainer.diverged):
        return False
    with current.lock:
        target = current.trainer if current.remote is None else current.remote
        if "lr" in keys:
            target.set_lr(chosen.lr)
        if "epochs" in keys:
            target.set_epochs(chosen.epochs)
    return True


def use(chosen: Config) -> str:
    """Make `chosen` the session's Config; returns why it cannot be built ('' when it could)."""
    current = run()
    keys = changed_keys(current.config, chosen)
    if not keys:
        shared_config.set(chosen)
        return ""
    if _applied_live(current, chosen, keys):
        shared_config.set(current.config)
        return ""
    rejected = st.session_state.get(REJECTED)
    if rejected is not None and rejected[0] == chosen:  # don't rebuild a known-bad config on every rerun
        return rejected[1]
    same_data = current.ready and not any(k in PREPARE_KEYS for k in keys)
    try:
        fresh = _build(chosen, playing=current.playing, prepared=current.trainer.prepared if same_data else None)
    except ConfigError as err:
        st.session_state[REJECTED] = (chosen, str(err))
        return str(err)
    _keep_as_ghost(current)
    _retire(current)
    st.session_state[RUN] = fresh
    shared_config.set(chosen)
    st.toast(reset_message(keys), icon=":material/restart_alt:")
    return ""


def b_run() -> Run | None:
    """The second run of A | B (`ui.train.pair`), when the page shows two."""
    return st.session_state.get(B_RUN)


def build_b(config: Config) -> str:
    """Make B a run of `config` beside A, in step with it; returns why it cannot be built ('' when it could).

    Keys that apply live (learning rate, epochs) change B as they change A, without a restart; otherwise B
    starts again from epoch 0 on A's prepared data when the data keys are the same."""
    a, current = run(), b_run()
    if current is not None:
        keys = changed_keys(current.config, config)
        if keys and _applied_live(current, config, keys):
            return ""
    same_data = a.ready and not any(k in PREPARE_KEYS for k in changed_keys(a.config, config))
    try:
        fresh = _build(config, playing=a.playing, prepared=a.trainer.prepared if same_data else None)
    except ConfigError as err:
        return str(err)
    if a.ready and a.trainer.epoch:  # B joins, or changes, mid-run: A starts again with it, so both stay in step
        st.session_state[RUN] = _build(a.config, playing=a.playing, prepared=a.trainer.prepared)
        _retire(a)
        st.toast("A and B start together from epoch 0, so they stay in step.", icon=":material/restart_alt:")
    st.session_state[B_RUN] = fresh
    if current is not None:
        _retire(current)
    return ""


def drop_b() -> None:
    """A alone again."""
    current = st.session_state.pop(B_RUN, None)
    if current is not None:
        _retire(current)


def runs() -> list[Run]:
    """The runs on screen: A, and B in A | B mode; every button acts on all of them, in lockstep."""
    second = b_run()
    return [run()] if second is None else [run(), second]


def newly_finished() -> list[Run]:
    """The runs on screen that have finished since the page last looked (each once): what a room is sent.

    A run is seen finished at the tick that ends it, or at the page's next run after Step or a shorter Epochs
    ended it; lengthening it later does not make it new. One that finished before anyone looked (a session
    joining a room afterwards) was seen then, so it is not sent late.
    """
    seen = st.session_state.setdefault(SEEN_DONE, deque(maxlen=200))
    fresh = [current for current in runs() if current.trainer.done and current.id not in seen]
    seen.extend(current.id for current in fresh)
    return fresh


def speed() -> float | None:
    """This session's Speed: epochs per second while playing (None: as fast as it goes)."""
    return st.session_state.setdefault(SPEED, DEFAULT_SPEED)


def speed_text(rate: float | None) -> str:
    return "as fast as it goes" if rate is None else f"{rate:g} epoch{'s' * (rate != 1)} / s"


def speed_of(text: str) -> float | None:
    return next(rate for rate in SPEEDS if speed_text(rate) == text)


# ---- the buttons' callbacks (they run before the script, so the page draws the new state) ------
def set_speed(rate: float | None) -> None:
    """A new Speed: the running training takes it at once, from the epoch it is at."""
    st.session_state[SPEED] = rate
    for current in runs():
        with current.lock:
            current.limit.set_rate(rate, time.monotonic(), current.trainer.epoch if current.ready else 0)
            current.meter.marks.clear()
            if current.remote is not None:
                current.remote.set_speed(rate)


def play() -> None:
    for current in runs():
        if not current.ready:  # Play is off until its data is ready
            continue
        with current.lock:
            current.playing = current.can_play
            current.meter.marks.clear()
            current.limit.restart(time.monotonic(), current.trainer.epoch)
            if current.remote is not None and current.playing:
                current.remote.play()
    pace().restart()


def pause() -> None:
    """Stop after the tick in progress (if any), so the page then shows where the run stopped."""
    for current in runs():
        with current.lock:
            current.playing = False
            if current.remote is not None:
                current.remote.pause()
        SLOTS.leave(current.id)


def step() -> None:
    """One epoch now (paused), so the charts can be read epoch by epoch."""
    for current in runs():
        if not current.ready:
            continue
        with current.lock:
            current.playing = False
            if current.remote is None:
                current.trainer.advance(epochs=1)
                continue
            try:
                current.remote.step()
            except WorkerLost as lost:
                _replace_lost(current, str(lost))


def reset() -> None:
    """The runs' own Configs from epoch 0 (same seed: the same numbers again, on the same prepared data)."""
    for key, current in ((RUN, run()), (B_RUN, b_run())):
        if current is None:
            continue
        with current.lock:
            current.playing = False  # a tick still holding the old run must not train it on
            prepared = current.trainer.prepared if current.ready else None
            st.session_state[key] = _build(current.config, prepared=prepared)
        _retire(current)


def _replace_lost(lost: Run, why: str) -> None:
    """The training process of `lost` stopped (killed, out of memory): start its config again in a live
    process and replay it to the epoch it had reached (runs are seeded: the same numbers), then go on as it
    was (playing or paused) and say so in one line. If the replay fails, keep the lost run's charts, paused,
    and say why."""
    reached, playing = lost.trainer.epoch, lost.playing
    lost.playing = False
    try:
        fresh = _build(lost.config, prepared=lost.trainer.prepared)
        if fresh.remote is not None and reached:
            fresh.remote.replay(reached)
    except (WorkerLost, TimeoutError, ConfigError) as err:
        lost.notice = (
            "error",
            f"{why[:1].upper()}{why[1:]}, and the run could not be restored ({err}). The charts show where it "
            "was; press Reset to start it again.",
        )
        return
    fresh.playing = playing and not fresh.trainer.done
    if fresh.playing and fresh.remote is not None:
        fresh.remote.play()
    fresh.notice = (
        "info",
        f"{why[:1].upper()}{why[1:]}: training restarted in a new one and was restored to epoch {reached} "
        "(the same seed gives the same numbers).",
    )
    st.session_state[B_RUN if st.session_state.get(B_RUN) is lost else RUN] = fresh
    _retire(lost)


def tick(current: Run, slots: TrainingSlots = SLOTS) -> bool:
    """Advance a playing run by one time budget when it is this session's turn at a core (else note how
    many sessions are ahead, for the page to say); returns True when this tick ended the playing.

    A run in a training process trains there all along: the tick brings the mirror up to date."""
    if not current.ready:
        return settle(current)
    if current.remote is not None:
        return _follow(current)
    with current.lock:
        if not current.playing:
            slots.leave(current.id)
            return False
        if not current.trainer.done:
            current.queued = slots.ask(current.id)
            if current.queued:
                return False
            epochs = current.limit.epochs_now(time.monotonic(), current.trainer.epoch)
            try:
                if epochs != 0:  # 0: slowed down to be watched, the next epoch is not due yet
                    current.trainer.advance(seconds=TICK_SECONDS, epochs=epochs)
            finally:
                slots.done(current.id)
            current.meter.mark(current.trainer.epoch)
        if current.trainer.done:
            current.playing = False
            slots.leave(current.id)
            return True
        return False


def _follow(current: Run) -> bool:
    """A tick of a run in a training process: what it did since the last tick, and 'still watching'."""
    with current.lock:
        if not current.playing:
            return False
        current.remote.look()
        try:
            current.remote.sync()
        except WorkerLost as lost:
            _replace_lost(current, str(lost))
            return True
        current.meter.mark(current.trainer.epoch)
        if current.trainer.done:
            current.playing = False
            return True
        return False
