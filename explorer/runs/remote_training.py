"""Training in worker processes, so that a server's script threads only draw.

Why: a small network's training step is mostly Python, and every session of a Streamlit server runs its
script in a thread of one process, under one interpreter lock. Sessions training in those threads take
turns at one core, and a click waits behind them. Here each worker process hosts many runs and gives the
playing ones a short slice each in turn, at a lower CPU priority than the server, so the server answers
clicks first and every playing session moves at every tick.

The page keeps a *mirror*: a `Trainer` built from the same config and prepared data (so it starts from
the same weights) that never trains. It follows the worker's `Progress` messages: the curve and the epoch
records as they come, the weights when the page asks (it draws the decision surface from them). The
numbers are the worker's own, so a run gives the same results as `python -m explorer train`.

Data that takes long to prepare (`explorer.runs.cost.prepare_seconds`) is prepared where the run trains, not in
the server's process that every session shares: in a thread of the worker (numpy and scikit-learn release the
interpreter lock for most of it, so the worker's other runs go on), which then sends the prepared data back
for the mirror (`SEND`) or, when the page has it already, keeps its own copy (`CACHED`: a worker keeps the
last few it prepared, so a network change on the same data prepares nothing). Commands for a run whose data is
still being prepared wait in the worker until it is ready.
"""

from __future__ import annotations

import contextlib
import itertools
import multiprocessing
import os
import pickle
import queue
import threading
import time
import uuid
import weakref
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import torch

from explorer.config import PREPARE_KEYS, Config, ConfigError
from explorer.data.pipeline import Prepared, prepare
from explorer.runs.speed import SpeedLimit
from explorer.runs.training import MAX_DETAILED_EPOCHS, Trainer, keep_record

SLICE_SECONDS = 0.05  # training per turn: a worker with 15 playing runs comes back to each within 0.75 s
STALE_SECONDS = 20.0  # a playing run no page asked about for this long pauses (its tab is gone or hidden)
WORKER_NICE = 10  # below the server: a click's redraw gets a core before another slice of training
ANSWER_TIMEOUT_S = 30.0
READY = "ready"  # a worker's first message: torch is imported and a first epoch trained, so the next is quick
# Where a run's prepared data comes from: the page sends it (GIVEN), or the worker prepares it and sends it back
# for the mirror (SEND), or the worker prepares it (or takes it from its cache) and the page has its own (CACHED).
GIVEN, SEND, CACHED = "given", "send", "cached"
CACHED_DATA = 2  # prepared datasets a worker keeps (the largest allowed is about 160 MB)


@dataclass
class Progress:
    """What changed in a run since the last message (worker → page)."""

    run: str
    epoch: int
    steps: int
    seconds_training: float
    playing: bool
    diverged_at: tuple[int, float] | None
    curve: list[dict[str, float]]  # epochs completed since the last message
    records: list[dict[str, Any]]  # detailed records since the last message, in order
    records_made: int = 0  # records the worker's trainer has made in all
    records_replace: bool = False  # True: `records` is the whole (thinned) list, not the new ones
    weights: dict[str, torch.Tensor] | None = None  # the flat parameters and BN running statistics
    answer: int | None = None  # the request this message completes (Step)
    error: str = ""  # the run failed in the worker (and is gone there)
    refused: bool = False  # the error is the data's own one-line ConfigError (preparing it failed)
    prepared: Prepared | None = None  # the data the worker prepared (SEND), in the message that says it is ready


def _post(conn: Connection, message: Any) -> None:
    """Send `message` pickled by value. `Connection.send` pickles with multiprocessing's ForkingPickler, on
    which torch registers its own reducers: each tensor then travels as a shared-memory file descriptor that
    the receiver fetches over a new socket to the sender's resource sharer. For a few kilobytes of weights
    per tick that was the server's costliest work under load (30 sessions: a tenth of its CPU in
    `rebuild_storage_fd`); plain pickle copies the bytes instead."""
    conn.send_bytes(pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL))


def _receive(conn: Connection) -> Any:
    return pickle.loads(conn.recv_bytes())


# ---- the worker process ------------------------------------------------------------------------------
@dataclass
class _Hosted:
    trainer: Trainer | None  # None while its data is prepared (commands wait in `held`)
    playing: bool = False
    seen: float = field(default_factory=time.monotonic)
    curve_sent: int = 0
    records_sent: int = 0  # records produced so far (the list itself is thinned)
    weights_at: int = -1  # the step count of the last weights sent
    weights_epoch: int = -1  # ... and the epoch they were sent in
    wants_weights: bool = True
    stale: bool = False  # paused because no page looked: the next look resumes it
    speed: SpeedLimit = field(default_factory=SpeedLimit)
    held: list[tuple[Any, ...]] = field(default_factory=list)  # commands that came while the data was prepared


def _weights(trainer: Trainer) -> dict[str, torch.Tensor]:
    network = trainer.network
    return {"flat": network.flat.clone(), **{name: b.clone() for name, b in network.buffers.items()}}


def _progress(run: str, hosted: _Hosted, answer: int | None = None) -> Progress:
    trainer = hosted.trainer
    curve = trainer.curve[hosted.curve_sent :]
    new = trainer.records_made - hosted.records_sent
    replace = new > MAX_DETAILED_EPOCHS // 2  # older ones were thinned since: send the list as it is
    records = list(trainer.records) if replace else trainer.records[len(trainer.records) - new :] if new else []
    hosted.curve_sent, hosted.records_sent = len(trainer.curve), trainer.records_made
    weights = None
    wanted = hosted.wants_weights or answer is not None or not hosted.playing
    # While an epoch is slow (several slices), its first weights stand until it ends: a 12-layer network's are
    # 12 MB, which the server would otherwise unpickle at every tick; fast runs change epoch at every slice.
    mid_epoch = hosted.playing and answer is None and trainer.epoch == hosted.weights_epoch
    if wanted and not mid_epoch and hosted.weights_at != trainer.steps:
        weights, hosted.weights_at, hosted.wants_weights = _weights(trainer), trainer.steps, False
        hosted.weights_epoch = trainer.epoch
    diverged_at = trainer.members.diverged_at[0]
    return Progress(
        run, trainer.epoch, trainer.steps, trainer.seconds_training, hosted.playing, diverged_at,
        curve, records, trainer.records_made, replace, weights, answer,
    )  # fmt: skip


@dataclass
class _Preparing:
    """One dataset in a worker's cache: being prepared until `done` is set, then its data (or the error)."""

    done: threading.Event = field(default_factory=threading.Event)
    data: Prepared | None = None
    error: Exception | None = None


class _Worker:
    """The loop of one worker process: commands first, then one slice of the next playing run."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.runs: dict[str, _Hosted] = {}
        self.turns: deque[str] = deque()
        self.prepared: queue.SimpleQueue[tuple[str, Trainer | None, bool, str, bool]] = queue.SimpleQueue()
        self.preparing = 0  # runs whose data a thread prepares now
        self.cache: OrderedDict[tuple[str, ...], _Preparing] = OrderedDict()
        self.cache_lock = threading.Lock()

    def serve(self) -> None:
        wait = 0.0  # how long to wait for a command before the next slice is due
        while True:
            self._take_prepared()
            if not any(h.playing for h in self.runs.values()):
                wait = 1.0
            if self.preparing:
                wait = min(wait, 0.05)  # look for finished preparations soon
            try:
                while self.conn.poll(wait):
                    message = _receive(self.conn)
                    if message is None:
                        return
                    self._guarded(message[1], self._handle, *message)
                    wait = 0.0
            except (EOFError, OSError):  # the server went away
                return
            wait = self._train_one()

    def _guarded(self, run: str, action: Callable[..., None], *args: Any) -> None:
        """Do `action`; if it fails, that run is dropped and its page told why, while the others go on."""
        try:
            action(*args)
        except Exception as err:  # one run's failure must not end every run in this process
            self.runs.pop(run, None)
            self._send(Progress(run, 0, 0, 0.0, False, None, [], [], error=f"{type(err).__name__}: {err}"))

    def _send(self, progress: Progress) -> None:
        _post(self.conn, progress)

    def _handle(self, command: str, run: str, *args: Any) -> None:
        if command == "create":
            config, prepared, *rest = args  # then epochs per second while playing (none: no limit), the data's source
            speed, source = SpeedLimit(*rest[:1]), rest[1] if len(rest) > 1 else GIVEN
            if source == GIVEN:
                self.runs[run] = _Hosted(Trainer(config, prepared=prepared), speed=speed)
                return
            self.runs[run] = _Hosted(None, speed=speed)
            self.preparing += 1
            thread = threading.Thread(target=self._prepare, args=(run, config, source == SEND), daemon=True)
            thread.start()
            return
        hosted = self.runs.get(run)
        if hosted is None:
            return
        hosted.seen = time.monotonic()
        if command == "drop":
            del self.runs[run]
        elif hosted.trainer is None:  # its data is being prepared: the command waits (one look is enough)
            if command != "look" or not hosted.held or hosted.held[-1][0] != "look":
                hosted.held.append((command, run, *args))
        elif command == "play":
            self._play(run, hosted)
        elif command == "pause":
            hosted.playing = hosted.stale = False
            self._send(_progress(run, hosted))
        elif command == "step":
            hosted.playing = False
            hosted.trainer.advance(epochs=1)
            self._send(_progress(run, hosted, answer=args[0]))
        elif command == "replay":  # a run whose worker died, trained again up to where it was
            request, epoch = args
            hosted.trainer.advance(epochs=max(0, epoch - hosted.trainer.epoch))
            self._send(_progress(run, hosted, answer=request))
        elif command == "set_lr":
            hosted.trainer.set_lr(args[0])
        elif command == "set_epochs":
            hosted.trainer.set_epochs(args[0])
        elif command == "set_speed":
            hosted.speed.set_rate(args[0], time.monotonic(), hosted.trainer.epoch)
        elif command == "look":  # the page's tick: it is still there, and wants the weights it draws from
            hosted.wants_weights = True
            if hosted.stale:  # a background tab's timers slow down; its run goes on when it looks again
                self._play(run, hosted)
            if not hosted.playing:
                self._send(_progress(run, hosted))

    def _prepare(self, run: str, config: Config, send_back: bool) -> None:
        """In a thread: the run's data (from the cache when this worker prepared it lately) and its trainer,
        handed to the worker's loop through `prepared`."""
        try:
            self.prepared.put((run, Trainer(config, prepared=self._data(config)), send_back, "", False))
        except ConfigError as err:
            self.prepared.put((run, None, send_back, str(err), True))
        except Exception as err:  # one run's failure must not end the worker
            self.prepared.put((run, None, send_back, f"{type(err).__name__}: {err}", False))

    def _data(self, config: Config) -> Prepared:
        """`config`'s prepared data: from the cache, or prepared once however many runs ask for it at once
        (a second thread waits for the first one's)."""
        key = tuple(str(getattr(config, name)) for name in PREPARE_KEYS)
        with self.cache_lock:
            entry = self.cache.get(key)
            mine = entry is None
            if mine:
                entry = self.cache[key] = _Preparing()
                while len(self.cache) > CACHED_DATA:
                    self.cache.popitem(last=False)
        if not mine:
            entry.done.wait()
            if entry.data is None:
                raise entry.error or RuntimeError("preparing the data failed")
            return entry.data
        try:
            entry.data = prepare(config)
        except Exception as err:
            entry.error = err
            with self.cache_lock:
                if self.cache.get(key) is entry:
                    del self.cache[key]  # a later run tries again
            raise
        finally:
            entry.done.set()
        return entry.data

    def _take_prepared(self) -> None:
        """Runs whose data is ready: say so (with the data, when the page waits for it), then do what waited."""
        while not self.prepared.empty():
            run, trainer, send_back, error, refused = self.prepared.get()
            self.preparing -= 1
            hosted = self.runs.get(run)
            if hosted is None:  # dropped meanwhile
                continue
            if trainer is None:
                del self.runs[run]
                self._send(Progress(run, 0, 0, 0.0, False, None, [], [], error=error, refused=refused))
                continue
            hosted.trainer = trainer
            if send_back:
                self._send(Progress(run, 0, 0, 0.0, False, None, [], [], prepared=trainer.prepared))
            held, hosted.held = hosted.held, []
            for message in held:
                self._guarded(run, self._handle, *message)

    def _play(self, run: str, hosted: _Hosted) -> None:
        hosted.playing, hosted.stale = not hosted.trainer.done, False
        hosted.speed.restart(time.monotonic(), hosted.trainer.epoch)  # the first epoch comes at once
        if hosted.playing and run not in self.turns:
            self.turns.append(run)

    def _train_one(self) -> float:
        """A slice of the next playing run whose next epoch is due; returns how long the loop may wait for
        commands before another is due (0 after a slice: look again at once)."""
        wait = 1.0
        for _ in range(len(self.turns)):
            run = self.turns.popleft()
            hosted = self.runs.get(run)
            if hosted is None or not hosted.playing:
                continue
            now = time.monotonic()
            if now - hosted.seen > STALE_SECONDS:
                hosted.playing, hosted.stale = False, True  # nobody is watching: keep the run, free the core
                continue
            due_in = hosted.speed.due_in(now, hosted.trainer.epoch)
            if due_in > 0:  # slowed down to be watched: its turn comes when its next epoch is due
                self.turns.append(run)
                wait = min(wait, due_in)
                continue
            self._guarded(run, self._slice, run, hosted)
            return 0.0
        return wait

    def _slice(self, run: str, hosted: _Hosted) -> None:
        epochs = hosted.speed.epochs_now(time.monotonic(), hosted.trainer.epoch)
        hosted.trainer.advance(seconds=SLICE_SECONDS, epochs=epochs)
        hosted.playing = not hosted.trainer.done
        if hosted.playing:
            self.turns.append(run)
        self._send(_progress(run, hosted))


def _serve(conn: Connection) -> None:
    """A worker process's entry point."""
    torch.set_num_threads(1)
    with contextlib.suppress(OSError):  # not allowed here: run at the server's priority
        os.nice(WORKER_NICE)
    _warm_up()
    with contextlib.suppress(OSError):
        _post(conn, READY)
    _Worker(conn).serve()


def _warm_up() -> None:
    """Train the default setup for an epoch, once: torch's first calls (kernel choice, allocator, the data
    generators' imports) cost a second that the first learner's Play would otherwise wait for."""
    with contextlib.suppress(Exception):  # a warm-up that fails leaves the worker cold, not broken
        Trainer(Config()).advance(epochs=1)


# ---- the server's side ---------------------------------------------------------------------------------
class _Channel:
    """One worker process, the pipe to it, and a thread that hands its messages to the runs they are for."""

    def __init__(self) -> None:
        context = multiprocessing.get_context("spawn")  # a forked child of a threaded server can deadlock
        self.conn, child = context.Pipe()
        self.process = context.Process(target=_serve, args=(child,), daemon=True, name="explorer-training")
        self.process.start()
        child.close()
        self.runs: weakref.WeakValueDictionary[str, RemoteRun] = weakref.WeakValueDictionary()
        self.ready = threading.Event()  # set by the worker's READY, or when it died (nothing more to wait for)
        self._send_lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, daemon=True, name="explorer-training-reader")
        self.reader.start()

    @property
    def alive(self) -> bool:
        return self.process.is_alive()

    def send(self, *message: Any) -> None:
        self._send(message)

    def _send(self, message: tuple | None) -> None:
        with self._send_lock, contextlib.suppress(OSError, ValueError):  # a dead worker: `alive` tells the runs
            _post(self.conn, message)

    def _read(self) -> None:
        while True:
            try:
                progress = _receive(self.conn)
            except (EOFError, OSError):
                break
            if progress == READY:
                self.ready.set()
                continue
            run = self.runs.get(progress.run)
            if run is not None:
                run.receive(progress)
        self.ready.set()
        for run in list(self.runs.values()):
            run.receive(None)

    def close(self) -> None:
        self._send(None)  # the worker's loop ends
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
        self.conn.close()


class WorkerLost(RuntimeError):
    """The worker process that held a run stopped; the run is gone."""


class RemoteRun:
    """A run trained in a worker, seen through its mirror `trainer`; call `sync()` before drawing.

    `source` says where its prepared data comes from (GIVEN, SEND, CACHED; see the module's docstring). With
    SEND the mirror is None until the worker's data arrives (`ready`): the page shows placeholders meanwhile.
    """

    def __init__(
        self,
        channel: _Channel,
        config: Config,
        prepared: Prepared | None = None,
        speed: float | None = None,
        source: str = GIVEN,
    ) -> None:
        self.config = config
        self.trainer: Trainer | None = None  # the mirror: same start, never trains
        if source != SEND:
            self.trainer = _mirror(Trainer(config, prepared=prepared))
        self.id = uuid.uuid4().hex
        self._channel = channel
        self._inbox: deque[Progress | None] = deque()
        self._answers: dict[int, threading.Event] = {}
        self._requests = itertools.count()
        self._lock = threading.Lock()
        self.lost = ""  # why the run is gone, once it is
        self.failed = ""  # why its data could not be prepared in the worker (SEND)
        self.wants_play = False  # the page asked it to play (it may have finished since)
        self.weights_at = 0  # the step count of the weights the mirror holds
        channel.runs[self.id] = self
        self.speed = speed
        sent = self.trainer.prepared if source == GIVEN and self.trainer is not None else None
        channel.send("create", self.id, config, sent, speed, source)
        self._drop = weakref.finalize(self, channel.send, "drop", self.id)  # the session ended: free the worker

    @property
    def ready(self) -> bool:
        """The mirror exists: the data has been prepared (always, unless the worker prepares it: SEND)."""
        return self.trainer is not None

    def close(self) -> None:
        """Free the worker's copy now (a new run replaced this one)."""
        self._drop()

    def receive(self, progress: Progress | None) -> None:
        """From the reader thread: keep the message for the next `sync`, wake a waiting Step (None: the
        worker is gone)."""
        with self._lock:
            self._inbox.append(progress)
            if progress is None or progress.error:  # no answer will come: wake every waiting Step
                events, self._answers = list(self._answers.values()), {}
            else:
                events = [self._answers.pop(progress.answer)] if progress.answer in self._answers else []
        for event in events:
            event.set()

    def sync(self) -> None:
        """Apply what the worker sent (the mirror's `done` says when it stopped). Raises WorkerLost, or
        ConfigError when the worker could not prepare the data (its one line)."""
        with self._lock:
            messages = list(self._inbox)
            self._inbox.clear()
        for progress in messages:
            if progress is None:
                self.lost = "the training process stopped"
            elif progress.error and self.trainer is None:
                self.failed = (
                    progress.error if progress.refused else f"the data could not be prepared ({progress.error})"
                )
            elif progress.error:
                self.lost = f"the run failed in its training process ({progress.error})"
            else:
                if progress.prepared is not None and self.trainer is None:
                    self.trainer = _mirror(Trainer(self.config, prepared=progress.prepared))
                if self.trainer is not None:
                    follow(self.trainer, progress)
                    if progress.weights is not None:
                        self.weights_at = progress.steps
        if self.failed:
            raise ConfigError(self.failed)
        if not self.lost and not self._channel.alive:
            self.lost = "the training process stopped"
        if self.lost:
            raise WorkerLost(self.lost)

    def play(self) -> None:
        self.wants_play = True
        self._channel.send("play", self.id)

    def pause(self) -> None:
        self.wants_play = False
        self._channel.send("pause", self.id)

    @property
    def playing(self) -> bool:
        return self.wants_play and not (self.trainer is not None and self.trainer.done) and not self.lost

    def look(self) -> None:
        """The page is drawing: keep the run alive and send the weights with the next message."""
        self._channel.send("look", self.id)

    def set_lr(self, lr: float) -> None:
        self.config = self.config.replace(lr=lr)  # a mirror still to be built takes it too
        if self.trainer is not None:
            self.trainer.set_lr(lr)
        self._channel.send("set_lr", self.id, lr)

    def set_epochs(self, epochs: int) -> None:
        self.config = self.config.replace(epochs=epochs)
        if self.trainer is not None:
            self.trainer.set_epochs(epochs)
        self._channel.send("set_epochs", self.id, epochs)

    def set_speed(self, speed: float | None) -> None:
        """Epochs per second while playing (None: as fast as it goes); applies at once, from where it is."""
        self.speed = speed
        self._channel.send("set_speed", self.id, speed)

    def step(self, timeout: float = ANSWER_TIMEOUT_S) -> None:
        """One epoch in the worker, waited for, then applied (the page shows it when it draws)."""
        self.wants_play = False
        self._ask("step", timeout)

    def replay(self, epoch: int, timeout: float = ANSWER_TIMEOUT_S) -> None:
        """Train this fresh run up to `epoch` at once, waited for: a run whose training process died comes
        back where it was. Runs are seeded, so the replay gives the same numbers, bit for bit. Raises
        WorkerLost, or TimeoutError when the replay takes longer than `timeout`."""
        if not self._ask("replay", timeout, epoch):
            raise TimeoutError(f"replaying {epoch} epochs took more than {timeout:g} s")

    def _ask(self, command: str, timeout: float, *args: Any) -> bool:
        """Send a command that the worker answers, wait for the answer and apply it; False on a timeout."""
        request = next(self._requests)
        event = threading.Event()
        with self._lock:
            self._answers[request] = event
        self._channel.send(command, self.id, request, *args)
        answered = event.wait(timeout)
        if not answered and not self._channel.alive:
            raise WorkerLost("the training process stopped")
        self.sync()
        return answered


def _mirror_cannot_train(**_: Any) -> int:
    raise RuntimeError("a mirror trainer follows its worker; it does not train")


def _mirror(trainer: Trainer) -> Trainer:
    trainer.members.advance = _mirror_cannot_train  # type: ignore[method-assign]
    return trainer


def follow(trainer: Trainer, progress: Progress) -> None:
    """Bring a mirror up to the worker's state."""
    members = trainer.members
    members.epoch, members.steps, members.seconds_training = progress.epoch, progress.steps, progress.seconds_training
    members.curves[0].extend(progress.curve)
    if progress.diverged_at is not None:
        members.diverged[0], members.diverged_at[0] = True, progress.diverged_at
    if progress.records_replace:
        trainer.records = list(progress.records)
    else:
        for record in progress.records:
            keep_record(trainer.records, record)
    trainer.records_made = progress.records_made
    if progress.weights is not None:
        network = trainer.network
        network.flat.copy_(progress.weights["flat"])
        for name, buffer in network.buffers.items():
            buffer.copy_(progress.weights[name])


class TrainingPool:
    """Worker processes for the runs of every session of one server; a new run goes to the least busy."""

    def __init__(self, workers: int) -> None:
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self.size = workers
        self._channels: list[_Channel] = []
        self._lock = threading.Lock()

    def start(
        self, config: Config, prepared: Prepared | None = None, speed: float | None = None, source: str = GIVEN
    ) -> RemoteRun:
        """A run of `config` in a worker (paused at epoch 0), at `speed` epochs per second while playing, its data
        from `source` (GIVEN: `prepared`, or prepared here when None). Raises ConfigError like `Trainer` (with
        SEND: from `sync`)."""
        channel = min(self.warm(), key=lambda c: len(c.runs))
        return RemoteRun(channel, config, prepared, speed, source)

    def warm(self) -> list[_Channel]:
        """Start the workers now (each takes seconds to import torch), replacing any that died."""
        with self._lock:
            self._channels = [c for c in self._channels if c.alive]
            while len(self._channels) < self.size:
                self._channels.append(_Channel())
            return list(self._channels)

    def wait_ready(self, timeout: float) -> bool:
        """Block until every worker has imported torch and trained its warm-up epoch (or `timeout` passed)."""
        deadline = time.monotonic() + timeout
        return all(c.ready.wait(max(0.0, deadline - time.monotonic())) for c in self.warm())

    @property
    def runs(self) -> int:
        return sum(len(c.runs) for c in self._channels)

    @property
    def playing(self) -> int:
        """Runs playing now, on every worker: how busy the server's pages are."""
        return sum(run.playing for channel in self._channels for run in list(channel.runs.values()))

    def close(self) -> None:
        for channel in self._channels:
            channel.close()
        self._channels = []
