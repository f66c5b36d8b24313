"""The Train page's main area: the buttons, then a fragment that ticks the run and redraws metrics and charts.

Only the fragment reruns while training plays, so the sidebar and the other pages stay usable; each tick
draws the same cached specs with new rows (see explorer/charts/training.py).
"""

from __future__ import annotations

import streamlit as st

from explorer.charts.training import Chart, stage_name
from explorer.config import Config
from ui import session

METRIC_TITLES = {"test_accuracy": "Test accuracy", "test_r2": "Test R²"}


def buttons(run: session.Run) -> None:
    """Play/Pause, Step and Reset; they change the run in callbacks, before the page is drawn again."""
    with st.container(horizontal=True, key="train-buttons"):
        if run.playing:
            st.button("Pause", key="train.pause", icon=":material/pause:", type="primary", on_click=session.pause)
        else:
            st.button(
                "Play", key="train.play", icon=":material/play_arrow:", type="primary",
                on_click=session.play, disabled=not run.can_play,
            )  # fmt: skip
        st.button(
            "Step", key="train.step", icon=":material/skip_next:", on_click=session.step,
            disabled=run.trainer.done, help="train one epoch, then pause",
        )  # fmt: skip
        st.button(
            "Reset", key="train.reset", icon=":material/restart_alt:", on_click=session.reset,
            help="start again from epoch 0 with the same settings (same seed, same numbers)",
        )  # fmt: skip


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
