"""The Train page's main area: the buttons, then a fragment that ticks the run and redraws metrics and charts.

Only the fragment reruns while training plays, so the sidebar and the other pages stay usable; each tick
draws the same cached specs with new rows (see explorer/charts/training.py).
"""

from __future__ import annotations

import streamlit as st

from explorer.charts.training import Chart, stage_name
from explorer.config import Config
from explorer.diagnosis import overfitting
from explorer.scenarios import SCENARIOS
from ui import session

METRIC_TITLES = {"test_accuracy": "Test accuracy", "test_r2": "Test R²"}


def buttons(run: session.Run, blocked: bool = False) -> None:
    """Play/Pause, Step and Reset; they change the run in callbacks, before the page is drawn again.

    While the sidebar holds a value that cannot run (`blocked`), Play and Step are off: they would train
    the last valid run, not what the sidebar shows.
    """
    with st.container(horizontal=True, key="train-buttons"):
        if run.playing and not blocked:
            st.button("Pause", key="train.pause", icon=":material/pause:", type="primary", on_click=session.pause)
        else:
            st.button(
                "Play", key="train.play", icon=":material/play_arrow:", type="primary", on_click=session.play,
                disabled=blocked or not run.can_play,
                help="fix the sidebar's settings first" if blocked else "train epoch after epoch; the charts follow",
            )  # fmt: skip
        st.button(
            "Step", key="train.step", icon=":material/skip_next:", on_click=session.step,
            disabled=blocked or run.trainer.done, help="train one epoch, then pause",
        )  # fmt: skip
        st.button(
            "Reset", key="train.reset", icon=":material/restart_alt:", on_click=session.reset,
            help="start again from epoch 0 with the same settings (same seed, same numbers)",
        )  # fmt: skip
    if blocked and run.playing:
        session.pause()  # the run on screen is not what the sidebar asks for: don't let it train on


def blocked(problem: str, waiting: bool, run: session.Run) -> None:
    """Say which setting cannot run and that the charts below are the last valid run's."""
    if not problem:
        return
    shown = f"{run.config.dataset}, scaler {run.config.scaler}, norm {run.config.norm}"
    text = (
        f"{problem}  \nPlay and Step are off until this is fixed; the charts below show the last valid run ({shown})."
    )
    (st.info if waiting else st.error)(text, icon=":material/edit_note:" if waiting else ":material/error:")


def live(run: session.Run) -> None:
    """The ticking part of the page: it reruns on its own every TICK_EVERY seconds while playing."""

    @st.fragment(run_every=session.TICK_EVERY if run.playing else None)
    def tick() -> None:
        current = session.run()  # Reset may have replaced the run since the page was drawn
        if session.tick(current):
            st.rerun(scope="app")  # it just finished: redraw the buttons and stop ticking
        _status(current)
        _charts(current)

    tick()


SCENARIO = "train.scenario"  # the preset picked in the sidebar (ui/controls.py), until one of its keys changes


def notes(run: session.Run) -> None:
    """What preparing the data did that the learner should know (rows dropped for missing values, shifts)."""
    for note in run.trainer.prepared.notes:
        st.warning(note, icon=":material/info:")


def scenario_note() -> None:
    """The picked preset's question and where to look, so the screen says what the setup is for."""
    scenario = SCENARIOS.get(st.session_state.get(SCENARIO) or "")
    if scenario is not None:
        st.info(
            f"**{scenario.title}.** {scenario.question} **Where to look:** {scenario.look_at}",
            icon=":material/lightbulb:",
        )


def _ghost_line(run: session.Run, ghost: session.Ghost) -> None:
    """The faded run's label and final numbers beside the live ones, and a way to drop it."""
    last = ghost.curve[-1]
    metric = last.get(ghost.metric_name)
    shown = f"{metric:.1%}" if ghost.metric_name == "test_accuracy" else f"{metric:.3f}"
    with st.container(horizontal=True, vertical_alignment="center", key="train-ghost"):
        st.caption(
            f"Faded lines: the previous run, **{ghost.label(run.config)}**. It ended at epoch {int(last['epoch'])} "
            f"with {METRIC_TITLES[ghost.metric_name].lower()} {shown} and test loss {last['test_loss']:.4g}."
        )
        st.button("Dismiss", key="train.dismiss_ghost", icon=":material/close:", on_click=session.dismiss_ghost,
                  type="tertiary", help="hide the previous run's faded curves")  # fmt: skip


def _number(value: float | None, digits: int = 4) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def _status(run: session.Run) -> None:
    trainer = run.trainer
    last = trainer.curve[-1] if trainer.curve else {}
    metric = last.get(trainer.metric_name)
    rate = run.meter.rate() if run.playing else None
    with st.container(horizontal=True, key="train-metrics"):
        with st.container(key="train-epoch", width=250):  # room for "5000 / 5000"
            st.metric("Epoch", f"{trainer.epoch} / {trainer.config.epochs}", border=True)
        st.metric(
            "Train loss",
            _number(last.get("train_loss")),
            border=True,
            help="The mean loss over this epoch's batches, in train mode: measured while the weights were still "
            "moving, and under batch norm with each batch's own statistics.",
        )
        eval_loss = trainer.records[-1]["train_loss_eval"] if trainer.records else None
        st.metric(
            "Train loss (eval)",
            _number(eval_loss),
            border=True,
            help="The training split measured the way the test split is: at the epoch's end, in eval mode (batch "
            "norm uses its running averages). Compare this, not Train loss, with Test loss: under batch norm "
            "the two train losses can differ a lot, which is why test loss can sit below train loss.",
        )
        st.metric(
            "Test loss",
            _number(last.get("test_loss")),
            border=True,
            help="The test split's mean loss at the epoch's end, in eval mode.",
        )
        if trainer.metric_name == "test_accuracy":
            st.metric(METRIC_TITLES[trainer.metric_name], "–" if metric is None else f"{metric:.1%}", border=True)
        else:
            st.metric(METRIC_TITLES[trainer.metric_name], _number(metric, 3), border=True)
        st.metric("Epochs / s", "–" if rate is None else f"{rate:.1f}", border=True)
    ghost = session.ghost()
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


def _draw(chart: Chart) -> None:
    st.vega_lite_chart(chart.data, chart.spec)


def _stage_label(stage: str, config: Config) -> str:
    return stage_name(stage, config.activation, config.norm)


def _band_choice(run: session.Run) -> tuple[int, str]:
    """Which layer and stage the percentile band follows (kept valid when the network changes)."""
    blocks = run.trainer.network.layers
    order = list(blocks[0].order)
    layers = list(range(len(blocks)))
    if st.session_state.get("train.band_layer") not in layers:
        st.session_state["train.band_layer"] = 0
    if st.session_state.get("train.band_stage") not in order:
        st.session_state["train.band_stage"] = "act"
    with st.container(horizontal=True):
        layer = st.selectbox("Layer", layers, key="train.band_layer", format_func=lambda i: f"layer {i + 1}")
        stage = st.segmented_control(
            "Stage",
            order,
            key="train.band_stage",
            required=True,
            format_func=lambda s: _stage_label(s, run.config),
        )
    return layer, stage


def _charts(run: session.Run) -> None:
    left, right = st.columns([3, 2], gap="medium")
    st.subheader("Inside the network")
    order = " → ".join(_stage_label(s, run.config) for s in run.trainer.network.layers[0].order)
    st.caption(
        f"Each hidden layer, stage by stage ({order}): the values on the probe rows (test split, at most "
        "2,000 rows) after the latest epoch, as a share of all values. Bins are fixed for the run; values "
        "beyond them land in the end bins."
    )
    inputs_box, hist_box = st.container(), st.container()
    band_box, health_box = st.columns(2, gap="medium")
    with band_box:
        layer, stage = _band_choice(run)
    charts = run.charts.build(run.trainer, layer, stage)
    with left:
        with st.container(key="train-loss"):
            _draw(charts["loss"])
        _draw(charts["metric"])
    with right:
        if "surface" in charts:
            _draw(charts["surface"])
        elif run.charts.plane is None:
            st.caption(
                f"The decision surface is drawn for two-feature data; this data has {run.charts.n_features} features."
            )
        else:
            st.caption("No surface: the network's weights are no longer finite.")
    with inputs_box:
        _draw(charts["inputs"])
        shown = run.charts.inputs["order"].nunique()
        if run.charts.n_features > shown:
            st.caption(f"Showing the first {shown} of {run.charts.n_features} features.")
    with hist_box:
        _draw(charts["histograms"])
    with band_box:
        _draw(charts["band"])
    with health_box:
        _draw(charts["fractions"])
        _draw(charts["grad_norms"])
