"""The Train page's main area: the buttons, then a fragment that ticks the run and redraws metrics and charts.

Only the fragment reruns while training plays, so the sidebar and the other pages stay usable; each tick
draws the same cached specs with new rows (see explorer/charts/train.py).
"""

from __future__ import annotations

import math
import time

import streamlit as st

from explorer.charts import network
from explorer.charts.base import Chart
from explorer.charts.insides import stage_name
from explorer.charts.train import Ghost as ChartGhost
from explorer.config import Config
from explorer.config.skew_grammar import skew_items
from explorer.runs import cost
from explorer.runs.diagnosis import overfitting
from explorer.runs.speed import SPEEDS
from explorer.teaching import labels
from explorer.teaching.labels import METRICS, capitalised
from explorer.teaching.scenarios import SCENARIOS
from ui import fragments, membership
from ui.train import browser_lag, controls, export_menu, pair, state
from ui.train.slots import SLOTS

# Streamlit's main block starts 6rem down; the Train page needs that room for its first screen.
TIGHT_TOP = "<style>.stMainBlockContainer { padding-top: 2.5rem; }</style>"


def tighten_top() -> None:
    """Less empty space above the title, so Play, the numbers, the loss, the boundary and the network's first
    layer fit one screen at 1280×800 with the sidebar open."""
    st.html(TIGHT_TOP)


def buttons(run: state.Run, blocked: bool = False) -> None:
    """Play/Pause, Step and Reset, and what one epoch costs; they change the run in callbacks, before the page
    is drawn again.

    While the sidebar holds a value that cannot run (`blocked`), Play and Step are off: they would train
    the last valid run, not what the sidebar shows; so are they while a training process prepares the data.
    """
    with st.container(horizontal=True, key="train-buttons"):
        with st.container(width="content", gap=None):  # the epoch's cost under the buttons, as tall as Speed
            with st.container(horizontal=True):
                _play_step_reset(run, blocked)
            epoch_cost(run)
        speed_control()
        export_menu.downloads(run)
    if blocked and run.playing:
        state.pause()  # the run on screen is not what the sidebar asks for: don't let it train on
    slow_warning(run)


def _play_step_reset(run: state.Run, blocked: bool) -> None:
    if run.playing and not blocked:
        st.button("Pause", key="train.pause", icon=":material/pause:", type="primary", on_click=state.pause)
    else:
        st.button(
            "Play", key="train.play", icon=":material/play_arrow:", type="primary", on_click=state.play,
            disabled=blocked or not run.can_play, help=_play_help(run, blocked),
        )  # fmt: skip
    st.button(
        "Step", key="train.step", icon=":material/skip_next:", on_click=state.step,
        disabled=blocked or not run.can_play, help="train one epoch, then pause",
    )  # fmt: skip
    st.button(
        "Reset", key="train.reset", icon=":material/restart_alt:", on_click=state.reset,
        help="start again from epoch 0 with the same settings (same seed, same numbers)",
    )  # fmt: skip


def _play_help(run: state.Run, blocked: bool) -> str:
    if blocked:
        return "fix the sidebar's settings first"
    if not run.ready:
        return "the data is being prepared in a training process; Play turns on when it is ready"
    return "train epoch after epoch; the charts follow"


def _epoch_seconds(run: state.Run) -> tuple[float, str] | None:
    """One epoch's seconds and where the number comes from: measured once the run has trained a while, else
    the estimate (`explorer.runs.cost`); None when neither is known (a CSV still being prepared)."""
    trainer = run.trainer
    if trainer is not None:
        seen = cost.measured(trainer.seconds_training, trainer.steps, trainer.steps_per_epoch)
        if seen is not None:
            return seen, "measured"
    return None if run.cost is None else (run.cost.seconds, "estimate")


def epoch_cost(run: state.Run) -> None:
    """Beside Play: about how long one epoch takes, so a slow setup is known before pressing it."""
    seconds = _epoch_seconds(run)
    if seconds is not None:
        st.caption(
            f"One epoch: about {cost.duration(seconds[0])} ({seconds[1]})",
            width="content",
            help="How long one pass over the training rows takes on this server: estimated from the rows, the "
            "batch size and the layers' widths before training, then measured from the run itself.",
        )


def slow_warning(run: state.Run) -> None:
    """Before Play: a setup whose epoch takes more than `cost.SLOW_EPOCH_S` says so, what makes it slow, and
    what to change."""
    if run.playing or run.failed or run.cost is None or not run.cost.slow:
        return
    shape = state.data_shape(run)
    if shape is None:
        return
    st.warning(
        f"One epoch of this setup takes about {cost.duration(run.cost.seconds)} (estimate), so the charts will "
        f"move slowly: the epoch counter shows the steps within each epoch. {run.cost.advice(shape)}",
        icon=":material/hourglass_top:",
    )


def speed_control() -> None:
    """How many epochs a second training plays at: slow enough to watch each epoch, or as fast as it goes."""
    st.session_state.setdefault(SPEED_CHOICE, state.speed_text(state.speed()))
    st.select_slider(
        "Speed", [state.speed_text(rate) for rate in SPEEDS], key=SPEED_CHOICE, width=260,
        on_change=lambda: state.set_speed(state.speed_of(st.session_state[SPEED_CHOICE])),
        help="Epochs per second while training plays. Slow, every epoch is drawn (the histograms and the "
        "boundary move epoch by epoch); 'as fast as it goes' trains flat out and draws twice a second. "
        "A change applies to the running training at once; the numbers are the same at every speed.",
    )  # fmt: skip


def blocked(problem: str, waiting: bool, run: state.Run) -> None:
    """Say which setting cannot run and that the charts below are the last valid run's."""
    if not problem:
        return
    shown = f"{run.config.dataset}, scaler {run.config.scaler}, norm {run.config.norm}"
    text = (
        f"{problem}  \nPlay and Step are off until this is fixed; the charts below show the last valid run ({shown})."
    )
    (st.info if waiting else st.error)(text, icon=":material/edit_note:" if waiting else ":material/error:")


def live(run: state.Run) -> None:
    """The ticking parts of the page, each rerunning on its own while playing: the numbers every
    `state.tick_every()`, the top charts every `state.charts_every()`, the insides every
    `state.inside_every()`. In A | B mode B ticks with A. While a training process prepares a run's data,
    placeholders that wait for it instead."""
    if not all(r.ready for r in state.runs()):
        preparing()
        return
    playing = any(r.playing for r in state.runs())

    @st.fragment(run_every=state.tick_every() if playing else None)
    def tick() -> None:
        current = state.run()  # Reset may have replaced the run since the page was drawn
        second = state.b_run()
        ended = state.tick(current)
        if second is not None:
            ended = state.tick(second) or ended
        membership.post([finished(r) for r in state.newly_finished()])  # to this session's room, if it is in one
        if ended and not any(r.playing for r in state.runs()):
            st.rerun(scope="app")  # they just finished: redraw the buttons and stop ticking
        if state.keep_pace(current):
            st.rerun(scope="app")  # ask the browser for redraws at the new pace
        _status(current)

    @st.fragment(run_every=state.charts_every() if playing else None)
    def top() -> None:
        _top(state.run())

    @st.fragment(run_every=state.inside_every() if playing else None)
    def inside() -> None:
        _inside(state.run())

    st.session_state[WHOLE_PAGE] = True  # the charts' fragments run as part of a rerun of the whole page
    try:
        fragments.each_in_own_container(tick, top, inside)
    finally:
        st.session_state[WHOLE_PAGE] = False


def finished(run: state.Run) -> membership.Finished:
    """A finished run as a room stores it: settings, final test loss and metric, curve, training time."""
    trainer = run.trainer
    last = trainer.curve[-1] if trainer.curve else {}
    metrics = {name: last.get(name, math.nan) for name in ("test_loss", trainer.metric_name)}  # NaN: stored as none
    return membership.Finished(trainer.config, metrics, list(trainer.curve), trainer.seconds_training)


PREPARING_EVERY = 0.5  # seconds between looks for data that a training process prepares


def preparing() -> None:
    """Placeholders while a training process prepares the data, in a fragment that looks for it every
    PREPARING_EVERY seconds and draws the page again once it is there (or says why it could not be)."""
    waiting = any(not r.ready and not r.failed for r in state.runs())

    @st.fragment(run_every=PREPARING_EVERY if waiting else None)
    def wait() -> None:
        if any([state.settle(r) for r in state.runs()]):
            st.rerun(scope="app")
        for current in state.runs():
            if current.failed:
                st.error(
                    f"This setup's data could not be prepared: {current.failed}. Change a setting in the sidebar.",
                    icon=":material/error:",
                )
            elif not current.ready:
                seconds = cost.prepare_seconds(current.config)
                about = "" if seconds is None else f" (about {cost.duration(seconds)})"
                st.info(
                    f"Preparing the data in a training process{about}: {_data_words(current.config)}. The page "
                    "stays usable meanwhile; the charts appear here when it is ready.",
                    icon=":material/hourglass_top:",
                )
        with st.container(key="train-preparing", border=True, height=NETWORK_PX):
            st.caption("Loss, the network stage by stage and the decision surface appear here once the data is ready.")

    fragments.each_in_own_container(wait)


def _data_words(config: Config) -> str:
    """'50,000 rows × 100 features, 10 skews, scaler box_cox'."""
    shape = state.data_shape_of(config)
    words = [f"{shape[0]:,} rows × {shape[1]:,} features"] if shape is not None else [config.dataset]
    skews = len(skew_items(config.skew))
    if skews:
        words.append(f"{skews} skew{'s' * (skews > 1)}")
    words.append(f"scaler {config.scaler}")
    return ", ".join(words)


NETWORK_PX = 330  # the network figure's box: two layers on screen, the rest by scrolling within it
SURFACE_PX, SURFACE_PAIRED_PX = 330, 235  # the boundary's height; smaller in A | B, B's network under it
PAIRED_CELL_PX = 88  # B's boxes, beside A's in the narrower right column
INSIDE_TABS = ("Spread and history", "Test metric", "Dead and saturated", "Gradients and updates", "Inputs")
SCRUB, OVERLAY, LIVE = "train.scrub", "train.overlay", "live"  # the scrubber: an epoch, or LIVE (follow training)
TOP_BUILT = "train.top_built"  # (what the charts show, whose run, when built, the charts): see _built_top
INSIDE_BUILT = "train.inside_built"  # the same for "Inside the network"
CHART_GHOST = "train.chart_ghost"  # (session ghost, run, the charts' Ghost): one object per ghost and run
WHOLE_PAGE = "train.whole_page"  # True while `live` runs the fragments within a rerun of the whole page
BAND_LAYER, BAND_STAGE = "train.band_layer", "train.band_stage"  # what the band and history follow
SPEED_CHOICE = "train.speed_choice"  # the Speed control's text ("3 epochs / s"); the rate is state.SPEED


def notes(run: state.Run) -> None:
    """What preparing the data did that the learner should know (rows dropped for missing values, shifts)."""
    for note in run.trainer.prepared.notes if run.ready else []:
        st.warning(note, icon=":material/info:")


def scenario_note() -> None:
    """The picked preset's question and where to look, so the screen says what the setup is for."""
    scenario = SCENARIOS.get(st.session_state.get(controls.SCENARIO) or "")
    if scenario is not None:
        st.info(
            f"**{scenario.title}.** {scenario.question} **Where to look:** {scenario.look_at}",
            icon=":material/lightbulb:",
        )


def _ghost_line(run: state.Run, ghost: state.Ghost) -> None:
    """The faded run's label and final numbers beside the live ones, and a way to drop it."""
    last = ghost.curve[-1]
    metric = last.get(ghost.metric_name)
    shown = f"{metric:.1%}" if ghost.metric_name == "test_accuracy" else f"{metric:.3f}"
    with st.container(horizontal=True, vertical_alignment="center", key="train-ghost"):
        st.caption(
            f"Faded lines: the previous run, **{ghost.label(run.config)}**. It ended at epoch {int(last['epoch'])} "
            f"with {METRICS[ghost.metric_name]} {shown} and test loss {last['test_loss']:.4g}."
        )
        st.button("Dismiss", key="train.dismiss_ghost", icon=":material/close:", on_click=state.dismiss_ghost,
                  type="tertiary", help="hide the previous run's faded curves")  # fmt: skip


def _number(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def _b_last() -> dict[str, float] | None:
    """B's latest epoch in A | B mode ({} before its first), else None."""
    second = state.b_run()
    if second is None:
        return None
    return second.trainer.curve[-1] if second.trainer.curve else {}


def _metric_text(value: float | None, metric_name: str) -> str:
    if value is None:
        return "–"
    return f"{value:.1%}" if metric_name == "test_accuracy" else _number(value, 3)


def _within_epoch(run: state.Run) -> str | None:
    """'epoch 1: step 1,234 / 37,500' while one epoch takes more than `cost.PROGRESS_EPOCH_S`, so a slow run
    visibly moves; None otherwise."""
    trainer = run.trainer
    seconds = _epoch_seconds(run)
    if seconds is None or seconds[0] <= cost.PROGRESS_EPOCH_S or trainer.done:
        return None
    paused = "" if run.playing else " (paused)"
    return f"epoch {trainer.epoch + 1}: step {trainer.steps_in_epoch:,} / {trainer.steps_per_epoch:,}{paused}"


def _status(run: state.Run) -> None:
    trainer = run.trainer
    last = trainer.curve[-1] if trainer.curve else {}
    metric = last.get(trainer.metric_name)
    rate = run.meter.rate() if run.playing else None
    with st.container(horizontal=True, key="train-metrics"):
        within = _within_epoch(run)
        with st.container(key="train-epoch", width=200 if within is None else 250):  # room for "5000 / 5000"
            st.metric(
                "Epoch", f"{trainer.epoch} / {trainer.config.epochs}", border=True,
                delta=within or ("paused" if rate is None else f"{rate:.1f} epochs / s"), delta_color="off",
                delta_arrow="off",
                help="Epochs trained of the epochs set; below, how many epochs a second this page trains now (or, "
                "while one epoch takes more than a second, how many of its steps are done).",
            )  # fmt: skip
        eval_loss = trainer.records[-1]["train_loss_eval"] if trainer.records else None
        st.metric(
            "Train loss",
            _number(last.get("train_loss")),
            border=True,
            delta=f"eval: {_number(eval_loss)}",
            delta_color="off",
            delta_arrow="off",
            help="The mean loss over this epoch's batches, in train mode: measured while the weights were still "
            "moving, and under batch norm with each batch's own statistics. Below it, 'eval': the training split "
            "measured the way the test split is, at the epoch's end in eval mode (batch norm uses its running "
            "averages). Compare 'eval', not the train-mode loss, with Test loss: under batch norm the two train "
            "losses can differ a lot, which is why test loss can sit below train loss.",
        )
        b_last = _b_last()
        st.metric(
            "Test loss",
            _number(last.get("test_loss")),
            border=True,
            delta=None if b_last is None else f"B: {_number(b_last.get('test_loss'))}",
            delta_color="off",
            delta_arrow="off",
            help="The test split's mean loss at the epoch's end, in eval mode (in A | B mode, B's below).",
        )
        shown = _metric_text(metric, trainer.metric_name)
        if trainer.metric_name == "test_accuracy":
            words = "The share of test rows classified right."
        else:
            words = "R²: 1 is a perfect prediction, 0 no better than the mean."
        b_metric = None if b_last is None else b_last.get(trainer.metric_name)
        b_shown = None if b_last is None else f"B: {_metric_text(b_metric, trainer.metric_name)}"
        st.metric(
            capitalised(METRICS[trainer.metric_name]), shown, border=True,
            delta=b_shown, delta_color="off", delta_arrow="off",
            help=f"{words} Measured at the epoch's end, in eval mode, on rows the network never trained on.",
        )  # fmt: skip
        pace = state.pace()
        late = browser_lag.drew_late("train.lag_probe", run.playing, pace.level, slowest=pace.slowest)
        if late and run.playing and state.browser_fell_behind():
            st.rerun(scope="app")  # ask the browser for redraws at the new pace
    if run.playing and state.pace().level:
        st.caption(
            f"Redrawing the numbers every {state.tick_every():g} s and the charts every {state.charts_every():g} s "
            f"instead of {state.TICK_EVERY:g} s: this page's updates were arriving late (a busy browser or "
            "server), so it asks for fewer. Training does not wait for the redraws."
        )
    if run.playing and run.queued:
        st.info(
            f"Waiting for a free core: {run.queued} session{'s' * (run.queued > 1)} ahead. This server trains "
            f"{SLOTS.slots} run{'s' * (SLOTS.slots > 1)} at a time and takes turns, so every session keeps moving.",
            icon=":material/hourglass_top:",
        )
    if run.notice is not None:
        kind, line = run.notice
        (st.error if kind == "error" else st.info)(line, icon=":material/restart_alt:")
    ghost = state.ghost()
    if ghost is not None:
        _ghost_line(run, ghost)
    overfit = overfitting(trainer.curve)
    if overfit is not None and not trainer.diverged:
        st.warning(overfit.sentence(), icon=":material/trending_up:")
    if trainer.diverged:
        st.warning(
            f"{trainer.message} Now: learning rate {trainer.lr:g}, batch norm {trainer.config.norm}. "
            "Change either in the sidebar and the run starts again.",
            icon=":material/warning:",
        )
    elif trainer.done:
        st.success(
            f"Finished {trainer.epoch} epochs. Raise Epochs to train on, or Reset.", icon=":material/check_circle:"
        )
    elif trainer.epoch == 0:
        st.info(
            "Press Play (or Step for one epoch): the charts fill in as the network trains.",
            icon=":material/play_circle:",
        )
    membership.show_last_post()


def _draw(chart: Chart) -> None:
    st.vega_lite_chart(chart.table, chart.spec)


def _stage_label(stage: str, config: Config) -> str:
    return stage_name(stage, config.activation, config.norm)


def _band(run: state.Run) -> tuple[int, str]:
    """The layer and stage the band and history follow, kept valid when the network changes."""
    blocks = run.trainer.network.layers
    if st.session_state.get(BAND_LAYER) not in range(len(blocks)):
        st.session_state[BAND_LAYER] = 0
    if st.session_state.get(BAND_STAGE) not in blocks[0].order:
        st.session_state[BAND_STAGE] = "act"
    return st.session_state[BAND_LAYER], st.session_state[BAND_STAGE]


def _band_choice(run: state.Run) -> tuple[int, str]:
    """Which layer and stage the percentile band follows (kept valid when the network changes)."""
    _band(run)
    order = list(run.trainer.network.layers[0].order)
    layers = list(range(len(run.trainer.network.layers)))
    with st.container(horizontal=True):
        layer = st.selectbox(
            "Layer", layers, key=BAND_LAYER, format_func=lambda i: f"layer {i + 1}",
            help="Which hidden layer the two charts below follow (layer 1 is next to the inputs).",
        )  # fmt: skip
        stage = st.segmented_control(
            "Stage", order, key=BAND_STAGE, required=True, format_func=lambda s: _stage_label(s, run.config),
            help="Where in the layer: right after the weighted sum (linear), after the normalisation, or after "
            "the activation. Pick the activation's input under a sigmoid to see saturation.",
        )  # fmt: skip
    return layer, stage


def _chart_ghost(run: state.Run) -> ChartGhost | None:
    """The second curve on the loss chart: B's, live, in A | B mode; else the session's ghost (the previous
    run), the same object every tick (the charts cache its frame)."""
    second = state.b_run()
    if second is not None:
        return ChartGhost(list(second.trainer.curve), pair.label()) if second.trainer.curve else None
    ghost = state.ghost()
    if ghost is None:
        return None
    cached = st.session_state.get(CHART_GHOST)
    if cached is None or cached[0] is not ghost or cached[1] is not run:
        cached = (ghost, run, ChartGhost(ghost.curve, ghost.label(run.config)))
        st.session_state[CHART_GHOST] = cached
    return cached[2]


def _reuse(cached: tuple | None, same: tuple, every: float, run: state.Run) -> bool:
    """Whether a rerun of the whole page (a click in the sidebar, Pause, a new pace) should draw the charts
    it drew last, not fresh ones: while playing, when they show this run and their own fragment will
    redraw them within `every` seconds anyway. Byte-identical rows cost the browser nothing (its chart
    skips a dataset with the same bytes), so a click is answered without re-rendering a dozen charts."""
    return (
        run.playing
        and bool(st.session_state.get(WHOLE_PAGE))
        and cached is not None
        and cached[1] == same
        and time.monotonic() - cached[2] < every
    )


def _built_top(
    run: state.Run, ghost: ChartGhost | None, shown: int | None, overlay: bool, surface_height: int = 330
) -> dict[str, Chart]:
    """This tick's top charts, built again only when something they show changed: a tick in which no step
    was taken redraws the same rows (and their Arrow tables) for free."""
    trainer = run.trainer
    shown_ghost = None if ghost is None else (ghost.label, len(ghost.curve))
    same = (run.id, trainer.diverged, shown_ghost, shown, overlay, surface_height)
    key = (*same, run.weights_at, trainer.epoch)  # the weights the surface is drawn from, not every step
    cached = st.session_state.get(TOP_BUILT)
    if not _reuse(cached, same, state.charts_every(), run) and (cached is None or cached[0] != key):
        charts = run.charts.build_top(trainer, ghost=ghost, epoch=shown, overlay=overlay, surface_height=surface_height)
        cached = (key, same, time.monotonic(), charts, run.charts.surface_epoch)
        st.session_state[TOP_BUILT] = cached
    return cached[3]


def _built_inside(run: state.Run, layer: int, stage: str) -> dict[str, Chart]:
    """The insides' charts, built when "Inside the network" is drawn (every 2 or 4 s), not every tick."""
    trainer = run.trainer
    same = (run.id, trainer.diverged, layer, stage)
    key = (*same, run.weights_at, trainer.epoch)
    cached = st.session_state.get(INSIDE_BUILT)
    if not _reuse(cached, same, state.inside_every(), run) and (cached is None or cached[0] != key):
        cached = (key, same, time.monotonic(), run.charts.build_inside(trainer, layer, stage))
        st.session_state[INSIDE_BUILT] = cached
    return cached[3]


def _surface(run: state.Run, charts: dict[str, Chart], shown: int | None) -> None:
    if "surface" in charts:
        _draw(charts["surface"])
        drawn_at = st.session_state[TOP_BUILT][4]
        if shown is not None and drawn_at is not None and drawn_at != shown:
            st.caption(f"The boundary as drawn at epoch {drawn_at}, the nearest drawn epoch up to {shown}.")
    elif run.charts.plane is None:
        st.caption(
            f"The decision surface is drawn for two-feature data; this data has {run.charts.n_features} features."
        )
    else:
        st.caption("No surface: the network's weights are no longer finite.")


def _scrub_choice(run: state.Run) -> tuple[int | None, bool]:
    """The epoch the top shows (None: follow training, live) and whether epoch 1 is drawn faintly behind."""
    epochs = [int(record["epoch"]) for record in run.trainer.records]
    if st.session_state.get(SCRUB) not in (LIVE, *epochs):
        st.session_state[SCRUB] = LIVE  # a new run, or an epoch thinned away: back to following training
    with st.container(horizontal=True, vertical_alignment="bottom", key="train-scrubber"):
        chosen = st.select_slider(
            "Epoch shown", [*epochs, LIVE], key=SCRUB, disabled=not epochs,
            format_func=lambda e: "live" if e == LIVE else f"epoch {e}",
            help="Scrub back through the recorded epochs: the network's histograms, the boundary and a marker "
            "on the loss show that epoch. 'live' follows training.",
        )  # fmt: skip
        overlay = st.toggle(
            "Epoch 1 behind", key=OVERLAY, disabled=not epochs,
            help="Draw the first epoch's histograms faintly (grey) behind the shown ones: drift in one picture.",
        )  # fmt: skip
    return (None if chosen == LIVE else int(chosen)), overlay


NETWORK_HELP = (
    "Each box: the values on the probe rows (the test split, at most 2,000 rows) after that stage, as a share "
    "per bin, with their mean and std; after the activation, the share of units that are dead (always 0) or "
    "saturated (stuck at a bound). Bins are fixed for the run. Batch norm's box is framed in orange: change "
    "Normalisation and watch it move."
)


def _network(run: state.Run, chart: Chart, key: str, name: str = "") -> None:
    """A run's network figure under its heading; every layer reachable (two on screen, more by scrolling).
    `name`: A | B's short heading ('A', 'B: norm=bn_after'), the data path in words left to the help."""
    title, order = network.heading(run.config.norm, run.config.activation)
    if name:
        st.caption(f"**{name}**: {labels.NORMS.get(run.config.norm, run.config.norm)}", help=f"{order} {NETWORK_HELP}")
    else:
        st.caption(f"**{title}**: {order}", help=NETWORK_HELP)
    with st.container(key=key, height=NETWORK_PX, border=False):
        if len(chart.data):
            _draw(chart)
        else:  # a faceted view of no rows breaks Vega's sort: nothing to draw before the first epoch
            st.caption("Press Play or Step: each box fills in with its histogram after the first epoch.")


def _top(run: state.Run) -> None:
    """Loss and the network stage by stage on the left, the boundary and the scrubber on the right: one
    screen with the buttons, redrawn every tick. In A | B mode B's network sits under a smaller boundary."""
    second = state.b_run()
    left, right = st.columns([1.35, 1], gap="medium")
    with right:
        surface_box, b_box = st.container(), st.container()
        shown, overlay = _scrub_choice(run)
    height = SURFACE_PX if second is None else SURFACE_PAIRED_PX
    charts = _built_top(run, _chart_ghost(run), shown, overlay, height)
    with left:
        with st.container(key="train-loss"):
            _draw(charts["loss"])
        _network(run, charts["network"], "train-network", "A" if second is not None else "")
    with surface_box:
        _surface(run, charts, shown)
    if second is not None:
        b_network = second.charts.network_chart(second.trainer, shown, overlay, PAIRED_CELL_PX)  # B's figure only
        with b_box:
            _network(second, b_network, "train-network-b", pair.label())


def _inside(run: state.Run) -> None:
    """The rest of the run, in tabs below the first screen: redrawn less often than the top."""
    tabs = st.tabs(INSIDE_TABS)
    with tabs[0]:
        band_box, history_box = st.columns(2, gap="medium")
    with band_box:
        layer, stage = _band_choice(run)
    charts = _built_inside(run, layer, stage)
    with tabs[1]:
        _draw(st.session_state[TOP_BUILT][3]["metric"])  # built with the top (it carries the ghost)
    with band_box:
        _draw(charts["band"])
    with history_box:
        _draw(charts["history"])
    with tabs[2]:
        _draw(charts["fractions"])
    with tabs[3]:
        grad_box, ratio_box = st.columns(2, gap="medium")
        with grad_box:
            _draw(charts["grad_norms"])
        with ratio_box:
            _draw(charts["update_ratio"])
    with tabs[4]:
        _draw(charts["inputs"])
        shown = run.charts.inputs["order"].nunique()
        if run.charts.n_features > shown:
            st.caption(f"Showing the first {shown} of {run.charts.n_features} features.")
    st.caption(
        "Values are taken on the probe rows (the test split, at most 2,000 rows) after each epoch; bins are "
        f"fixed for the run. While training plays, these tabs are redrawn every {state.inside_every():g} s"
        + (f" (more than {state.BUSY_SESSIONS} sessions are training on this server)." if state.crowded() else ".")
    )
