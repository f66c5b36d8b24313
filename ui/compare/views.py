"""The Compare page's main area: what a preset asks, Run/Cancel, then a fragment that ticks the sweep and
draws its curves, and once it is done the histograms, the ranked table, the heatmap and the downloads.

Only the fragment reruns while the sweep trains, so the sidebar stays usable; each tick draws the same
cached specs with new rows (explorer/charts/compare.py).
"""

from __future__ import annotations

import json
import math
from urllib.parse import urlencode

import streamlit as st

from explorer.charts import compare as charts
from explorer.config import Config
from explorer.sweeps import stats
from explorer.sweeps.sweep import SweepResult
from ui import fragments, membership
from ui.compare import state
from ui.compare.controls import Setup

TRAIN_PAGE = "train"  # the Train page's URL path, relative to this page's


def train_link(config: Config) -> str:
    """The shared link that opens the Train page on `config` (relative, so it works under any base path)."""
    return f"{TRAIN_PAGE}?{urlencode(config.to_query())}"


# ---- above the run ----------------------------------------------------------------------------
def intro(setup: Setup, shared: Config) -> None:
    """What the preset asks and where to look; which settings come from where."""
    if setup.preset is not None:
        st.info(
            f"**{setup.preset.title}.** {setup.preset.question}\n\n**Where to look:** {setup.preset.look_at}",
            icon=":material/help:",
        )
        changed = {k: v for k, v in setup.preset_keys.items() if getattr(shared, k) != v}
        if changed:
            listed = ", ".join(f"{k}={charts.value_text(v)}" for k, v in changed.items())
            st.caption(f"The preset also sets {listed} for this comparison only; your Train settings are unchanged.")
    st.caption(
        "Everything you don't vary comes from your current settings (the Train and Data pages' sidebar). "
        f"Intervals are the {stats.INTERVAL_TEXT}: where two overlap, the runs cannot tell those configurations apart."
    )


def buttons(setup: Setup, active: state.Active | None) -> None:
    """Run (disabled while the setup is invalid) or, while a sweep runs, Cancel."""
    if setup.problem:
        st.error(setup.problem)
    shown = state.notice()
    if shown is not None:
        (st.error if shown[0] == "error" else st.info)(shown[1])
    with st.container(horizontal=True, key="compare-buttons"):
        if active is not None and active.running:
            st.button(
                "Cancel", key="compare.cancel", icon=":material/stop:", type="primary", on_click=state.cancel,
                help="stop the sweep now; its partial results are dropped",
            )  # fmt: skip
        else:
            st.button(
                "Run", key="compare.run", icon=":material/play_arrow:", type="primary",
                on_click=state.start, args=(setup.sweep,), disabled=setup.sweep is None,
                help="train every configuration for every seed, live; the page stays usable meanwhile",
            )  # fmt: skip


# ---- the live part ----------------------------------------------------------------------------
def live(active: state.Active | None) -> None:
    """The ticking part of the page: it reruns on its own every TICK_EVERY seconds while the sweep runs."""

    @st.fragment(run_every=state.TICK_EVERY if active is not None and active.running else None)
    def tick() -> None:
        current = state.current()  # Cancel or Run may have replaced the sweep since the page was drawn
        if current is None:
            st.info(
                "Pick a preset or the keys to vary in the sidebar, then press **Run**: the curves fill in as the "
                "sweep trains.",
                icon=":material/play_circle:",
            )
            return
        if state.tick(current):
            post(current)
            st.rerun(scope="app")  # it just ended: redraw the buttons and stop ticking
        _status(current)
        _curves(current)
        if current.result is not None:
            _results(current, current.result)

    fragments.each_in_own_container(tick)


def post(active: state.Active) -> None:
    """A finished sweep's runs to this session's room, once: each with its settings (its seed among them), final
    test loss and metric, curve and training time."""
    if active.result is None or active.posted:
        return
    active.posted = True

    def number(value: float | None) -> float:
        return math.nan if value is None else value  # a diverged run's: stored as none

    membership.post(
        [
            membership.Finished(
                run.config,
                {name: number(run.final.get(name)) for name in ("test_loss", run.metric_name)},
                run.curve,
                run.seconds,
            )
            for run in active.result.runs
        ]
    )


def _status(active: state.Active) -> None:
    total = len(active.sweep.members())
    if active.error:
        st.error(active.error)
    if active.running:
        progress = active.live.progress
        text = (
            f"Preparing the data of {total} runs…"
            if not active.runs()
            else f"Training {total} runs: {progress:.0%} of all epochs, {active.seconds:.1f} s so far"
        )
        st.progress(min(max(progress, 0.0), 1.0), text=text)
    elif active.result is not None:
        n, seeds = len(active.names), active.sweep.seeds
        st.success(
            f"Trained {total} run{'s' * (total != 1)} ({n} configuration{'s' * (n != 1)} × {seeds} "
            f"seed{'s' * (seeds != 1)}) in {active.seconds:.1f} s.",
            icon=":material/check_circle:",
        )
    membership.show_last_post()


def _metric_names(active: state.Active) -> tuple[str, ...]:
    return tuple(sorted({r.metric_name for r in active.runs()})) or ("test_accuracy",)


def _curves(active: state.Active) -> None:
    runs = active.runs()
    if not any(r.curve for r in runs):
        return
    frame = active.bands.frame(runs)
    names = tuple(active.names)
    st.subheader("Learning curves")
    st.caption(
        f"Per configuration and epoch: the median over its seeds (line) and the {stats.INTERVAL_TEXT} (band). "
        "Hover a line for the numbers."
    )
    loss, metric = st.columns(2, gap="medium")
    with loss, st.container(key="compare-loss"):
        st.vega_lite_chart(frame, charts.curve_spec("loss", names))
    with metric, st.container(key="compare-metric"):
        st.vega_lite_chart(frame, charts.curve_spec("metric", names, _metric_names(active)))


# ---- once it is done --------------------------------------------------------------------------
def _results(active: state.Active, result: SweepResult) -> None:
    _histograms(active, result)
    _table(active, result)
    _heatmap(active, result)
    _downloads(active, result)


LAYER, STAGE = "compare.layer", "compare.stage"  # the small multiples' layer and stage


def _stage_choice(result: SweepResult) -> tuple[int, str] | None:
    """Which hidden layer and stage the small multiples show (kept valid when the sweep changes)."""
    layers, stages = charts.layer_choices(result.runs)
    if not layers or not stages:
        return None
    if st.session_state.get(LAYER) not in layers:
        st.session_state[LAYER] = layers[0]
    if st.session_state.get(STAGE) not in stages:
        st.session_state[STAGE] = "act"
    activations, norms = {r.config.activation for r in result.runs}, {r.config.norm for r in result.runs}
    with st.container(horizontal=True):
        layer = st.selectbox(
            "Layer", layers, key=LAYER, format_func=lambda i: f"hidden layer {i + 1}",
            help="which hidden layer's values to show",
        )  # fmt: skip
        stage = st.segmented_control(
            "Stage", stages, key=STAGE, required=True,
            format_func=lambda s: charts.stage_title(s, activations, norms),
            help="linear: W·u + b, what the layer computes; batch norm: its output; the activation's output last. "
            "With BN before the activation, the activation receives BN's output; with BN after, the linear output.",
        )  # fmt: skip
    return layer, stage


def _histograms(active: state.Active, result: SweepResult) -> None:
    st.subheader("Inside the network, configuration by configuration")
    st.caption(
        "The values one hidden layer produces at one stage, after the last epoch, on the probe rows (test split, "
        "at most 2,000 rows), as a share of all values; each configuration's median seed (the run whose final "
        "test metric is the median). Panels share their axes, so shapes and ranges compare at a glance; colours "
        "match the curves."
    )
    choice = _stage_choice(result)
    if choice is None:
        st.caption("No layer statistics: every run diverged.")
        return
    layer, stage = choice
    frame, missing = charts.histogram_frame(result.runs, active.names, layer, stage)
    activations, norms = {r.config.activation for r in result.runs}, {r.config.norm for r in result.runs}
    title = f"Hidden layer {layer + 1} · {charts.stage_title(stage, activations, norms)}"
    spread = charts.value_spread(frame)
    wide = spread > charts.SHARED_AXIS_SPREAD
    shared_x = st.toggle(
        "Same value axis for every panel", value=not wide, key=f"compare.shared_x.{wide}",
        help="on: one value axis, so ranges compare at a glance; off: each panel zooms on its own values",
    )  # fmt: skip
    if wide:
        st.caption(
            f"The panels' value ranges differ {spread:,.0f}-fold: on one axis the narrow ones would be a single "
            "bar, so each panel has its own value axis unless you switch it on."
        )
    with st.container(key="compare-histograms"):
        if len(frame):
            st.vega_lite_chart(frame, charts.histogram_spec(tuple(active.names), title, shared_x))
    if missing:
        st.caption(f"Not shown (no such stage or layer, or every seed diverged): {', '.join(missing)}.")


def _links(active: state.Active, result: SweepResult) -> list[str]:
    """Per configuration, its Train link: with its median seed's config (the run the histograms show)."""
    median = {r.index: r.config for r in result.runs if r.layers}
    configurations = active.sweep.configurations()
    return [
        train_link(median.get(i) or active.sweep.base.replace(**overrides))
        for i, overrides in enumerate(configurations)
    ]


def _table(active: state.Active, result: SweepResult) -> None:
    summary = result.summary
    metric_names = {s["metric"]["name"] for s in summary}
    words = charts.metric_title(metric_names)
    title = words[0].upper() + words[1:]
    seeds = active.sweep.seeds
    st.subheader("Ranked by the final " + words)
    st.caption(
        f"{title} and test loss after the last epoch: median over {seeds} seeds [{stats.INTERVAL_TEXT}]. "
        "Diverged runs are counted, and left out of the medians."
    )
    frame = charts.table_frame(summary, active.names, _links(active, result))
    accuracy = charts.is_accuracy(metric_names)
    if accuracy:
        frame["metric"] = frame["metric"] * 100  # shown as 97.6%, like its interval
    with st.container(key="compare-table"):
        st.dataframe(
            frame,
            hide_index=True,
            column_config={
                "rank": st.column_config.NumberColumn("Rank", help="1 = highest median " + words, width="small"),
                "configuration": st.column_config.TextColumn("Configuration", help="what differs between the runs"),
                "metric": st.column_config.NumberColumn(
                    f"{title} (median)",
                    format="%.1f%%" if accuracy else "%.3f",
                    help=f"{title} after the last epoch, median over {seeds} seeds",
                ),
                "metric_interval": st.column_config.TextColumn("95% interval", help=stats.INTERVAL_TEXT),
                "test_loss": st.column_config.NumberColumn(
                    "Test loss (median)",
                    format="%.4f",
                    help=f"test loss after the last epoch, median over {seeds} seeds",
                ),
                "loss_interval": st.column_config.TextColumn("95% interval ", help=stats.INTERVAL_TEXT),
                "diverged": st.column_config.TextColumn("Diverged", help="seeds whose loss stopped being finite"),
                "seconds": st.column_config.NumberColumn(
                    "Seconds", format="%.2f", help="training time of this configuration's seeds"
                ),
                "link": st.column_config.LinkColumn(
                    "Open in Train",
                    display_text="Open in Train",
                    help="opens the Train page (new tab) on this configuration with its median seed",
                ),
            },
        )
    note = charts.noise_note(summary, active.names, seeds)
    if note:
        st.markdown(note)


def _heatmap(active: state.Active, result: SweepResult) -> None:
    """The median metric over the two keys, when two keys vary."""
    grid = active.sweep.grid
    if len(grid) != 2 or any(len(values) < 2 for _, values in grid):
        return
    (row_key, row_values), (column_key, column_values) = grid
    frame = charts.heatmap_frame(result.summary, active.sweep.configurations(), row_key, column_key)
    spec = charts.heatmap_spec(
        row_key,
        column_key,
        tuple(charts.value_text(v) for v in row_values),
        tuple(charts.value_text(v) for v in column_values),
        tuple(sorted({s["metric"]["name"] for s in result.summary})),
    )
    with st.container(key="compare-heatmap"):
        st.vega_lite_chart(frame, spec)


def _downloads(active: state.Active, result: SweepResult) -> None:
    keys = active.sweep.keys
    stem = "sweep-" + "-".join(keys) if keys else "sweep"
    if not active.files:  # once: the page reruns whenever a chart's layer or stage changes
        active.files["json"] = json.dumps(result.to_json(), indent=1)
        active.files["csv"] = charts.runs_frame(result.runs, active.names, keys).to_csv(index=False)
    with st.container(horizontal=True, key="compare-downloads"):
        st.download_button(
            "Sweep JSON", active.files["json"], file_name=f"{stem}.json", mime="application/json",
            icon=":material/download:", on_click="ignore", key="compare.download_json",
            help="every run's config, curve and final numbers, and the summary per configuration",
        )  # fmt: skip
        st.download_button(
            "Runs CSV", active.files["csv"], file_name=f"{stem}-runs.csv", mime="text/csv",
            icon=":material/download:", on_click="ignore", key="compare.download_csv",
            help="one row per run: its configuration, seed and final numbers",
        )  # fmt: skip
    shared = [f"{k}={v}" for k, v in active.sweep.base.to_query().items() if k not in (*keys, "seed")]
    st.caption("Settings shared by every run: " + ", ".join(shared) + ".")
