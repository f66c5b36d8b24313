"""The Data page's tabs: each feature's shape at each stage, the numbers behind it, a two-feature scatter,
what scaling does to the conditioning of learning, and one feature under every scaler.

Each renderer draws one tab from the prepared data and the cached report; only the open tab is drawn,
so a rerun never pays for charts nobody sees.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import streamlit as st

from explorer.charts import data as charts
from explorer.config import Config, ConfigError
from explorer.data import datasets
from explorer.data.pipeline import Prepared
from explorer.runs.conditioning import DEFAULT_CAP, GDRun, run_gradient_descent
from explorer.runs.describe import (
    GAUSSIAN_WITHIN_HALF_STD,
    STAGES,
    ScalerOutcome,
    default_features,
    feature_stats,
    stage_feature_names,
    stage_matrices,
)
from explorer.teaching import labels
from ui.data import cache, controls
from ui.data.state import described_json

MAX_POINTS = 5_000  # rows drawn in a scatter; statistics and histograms use every training row
MAX_FEATURES = 8  # features drawn at once in the grids
STAGE_TITLES = {"raw": "raw", "skewed": "after skews", "scaled": "after scaler"}
TABS = ("Distributions", "Statistics", "Scatter", "Conditioning", "Compare scalers")
GD_RUN = "data_gd"  # (config JSON, GDRun) of the last verification, shown only for that config
SINGULAR = "H is singular"  # the note the Conditioning tab explains itself
KAPPA_HELP = (
    "κ (kappa), the condition number: the largest curvature of the loss over the smallest (λmax/λmin). "
    "1 is a round bowl that gradient descent crosses fast; large means a long narrow valley that it crawls along."
)
STEPS_HELP = (
    "How many gradient-descent steps theory expects before the error along the slowest direction shrinks 1000×."
)
COMPARE_CHART_WIDTH = 230  # a panel's plot; the longest scaler label fits above it
CONDITIONING_CHART_WIDTH = 440  # two fit side by side in a wide window; in a narrow one the second wraps below
STAT_COLUMNS = {  # how the statistics tables show each key: readable headers, each with a plain-words help
    "feature": st.column_config.TextColumn("feature", help="The input column (feature) of the data."),
    "mean": st.column_config.NumberColumn("mean", format="%.3g", help="The average value."),
    "std": st.column_config.NumberColumn(
        "std", format="%.3g", help="Standard deviation: the typical distance of a value from the mean."
    ),
    "skew": st.column_config.NumberColumn(
        "skew", format="%.2f", help="How lopsided the values are: 0 when symmetric, positive with a long right tail."
    ),
    "kurtosis": st.column_config.NumberColumn(
        "excess kurtosis",
        format="%.2f",
        help="How heavy the tails are compared with a Gaussian (which has 0): positive means more extreme values.",
    ),
    "min": st.column_config.NumberColumn("min", format="%.3g", help="The smallest value."),
    "max": st.column_config.NumberColumn("max", format="%.3g", help="The largest value."),
    "within_half_std": st.column_config.NumberColumn(
        "share within ±0.5 std",
        format="%.3f",
        help=f"The share of values within half a std of the mean: {GAUSSIAN_WITHIN_HALF_STD:.3f} for a Gaussian; "
        "more when values pile up in the middle (heavy tails), less when they spread to both sides.",
    ),
    "normality_p": st.column_config.NumberColumn(
        "normality test p",
        format="%.2g",
        help="The p-value of D'Agostino–Pearson's normality test, which combines skew and kurtosis. Below 0.05 "
        "the shape is detectably not Gaussian. With thousands of rows almost any real feature fails it; with a "
        "few dozen almost any passes.",
    ),
}
SCALER_COLUMN = st.column_config.TextColumn("scaler", help="The scaler applied to the feature.")


def _sample_rows(n: int, seed: int) -> np.ndarray:
    """At most MAX_POINTS row indices, the same ones on every rerun."""
    if n <= MAX_POINTS:
        return np.arange(n)
    return np.sort(np.random.default_rng(seed).choice(n, MAX_POINTS, replace=False))


def _shape_key(prepared: Prepared) -> str:
    """Widget-key suffix: feature pickers start afresh when the features change."""
    return f"{prepared.config.dataset}_{prepared.raw.shape[1]}_{prepared.config.scaler == 'pca_whiten'}"


def _format_steps(value: float | None) -> str:
    return "∞" if value is None else f"{value:,.0f}"


def stage_axis_title(name: str, stage: str, scaler: str) -> str:
    """An axis title that says what the values are: never "scaled" when no scaler ran."""
    if stage == "raw":
        return f"{name}, raw"
    if stage == "skewed":
        return f"{name}, after skews"
    return f"{name}, not scaled" if scaler == "none" else f"{name}, scaled"


def notes(prepared: Prepared, report: dict) -> None:
    """What preparing the data changed (rows dropped, shifts) in plain sight; the findings as captions.

    The singular-H finding is left out: the Conditioning tab explains it.
    """
    for note in prepared.notes:
        st.info(note, icon=":material/info:")
    for note in report["notes"]:
        if note not in prepared.notes and not note.startswith(SINGULAR):
            st.caption(f"• {note}")


WAIT_EVERY = 0.5  # seconds between looks for a helper process's work


def waiting(config: Config, every_scaler: bool = False) -> None:
    """A placeholder while a helper process prepares the data (or applies every scaler), in a fragment that
    looks for the result every WAIT_EVERY seconds and draws the page again once it is there."""
    config_json = described_json(config)

    @st.fragment(run_every=WAIT_EVERY)
    def wait() -> None:
        try:
            done = (cache.outcomes if every_scaler else cache.prepared)(config_json) is not None
        except ConfigError:
            done = True  # the page draws again and says why, as for any config that cannot be prepared
        if done:
            st.rerun(scope="app")
        what = "Applying every scaler" if every_scaler else "Preparing the data"
        st.info(
            f"{what} in a helper process ({_data_words(config)}), so that the server stays quick for everyone: "
            "this page fills in when it is done.",
            icon=":material/hourglass_top:",
        )

    wait()


def _data_words(config: Config) -> str:
    shape = datasets.shape(config)
    rows = "" if shape is None else f"{shape[0]:,} rows × {shape[1]:,} features, "
    return f"{rows}scaler {config.scaler}"


def sample_note(config: Config, prepared: Prepared) -> None:
    """Say so when the page describes fewer rows than the setup has (heavy data: `describe.bounded`)."""
    described = prepared.config.n_samples
    if described != config.n_samples:
        st.info(
            f"Described on {described:,} of the {config.n_samples:,} rows this setup generates (the same generator "
            "and seed, fewer rows), so this page answers within a second: the shapes, statistics and conditioning "
            "barely change. Train uses every row; `python -m explorer describe` with the same settings describes "
            "them all.",
            icon=":material/data_thresholding:",
        )


def scenario_note() -> None:
    """The picked scenario's question and where to look, so the screen says what the setup is for."""
    scenario = controls.scenario_in_force()
    if scenario is not None:
        st.info(
            f"**{scenario.title}.** {scenario.question} **Where to look:** {scenario.look_at}",
            icon=":material/lightbulb:",
        )


# ---- Distributions ------------------------------------------------------------------------------
def _feature_picker(prepared: Prepared, report: dict) -> list[int]:
    names = prepared.dataset.feature_names
    constant = tuple(j for j, row in enumerate(report["stages"]["raw"]) if row["skew"] is None)
    chosen = st.multiselect(
        f"features (at most {MAX_FEATURES} at once)",
        range(len(names)),
        default=default_features(prepared.config, len(names), 4, constant),
        format_func=lambda j: f"{j}: {names[j]}",
        max_selections=MAX_FEATURES,
        key=f"data_features_{_shape_key(prepared)}",
    )
    return sorted(chosen)


def _stage_titles_for(scaler: str) -> dict[str, str]:
    """Stage titles; the scaler's own name on the last, and "no scaler" when none ran."""
    last = "no scaler" if scaler == "none" else f"after {labels.label('scaler', scaler)}"
    return {**STAGE_TITLES, "scaled": last}


def _stage_titles(prepared: Prepared) -> dict[str, str]:
    return _stage_titles_for(prepared.config.scaler)


def _grid(prepared: Prepared, features: list[int], chart: Callable[[np.ndarray, str, str], dict]) -> None:
    """One row of Streamlit columns per feature, one column per stage: the charts take their column's
    width, so the grid shrinks with the window instead of running off it."""
    matrices, names = stage_matrices(prepared), stage_feature_names(prepared)
    titles = _stage_titles(prepared)
    for j in features:
        st.markdown(f"**{names['raw'][j]}**")
        for stage, column in zip(STAGES, st.columns(len(STAGES)), strict=True):
            if j >= matrices[stage].shape[1]:
                continue
            name = names[stage][j]
            title = titles[stage] if name == names["raw"][j] else f"{titles[stage]}: {name}"
            axis = stage_axis_title(name, stage, prepared.config.scaler)
            column.vega_lite_chart(spec=chart(matrices[stage][:, j], title, axis), width="stretch")


def distributions(prepared: Prepared, report: dict) -> None:
    """Histograms and Q-Q plots per feature and stage: scaling moves the axis, only skews move the shape."""
    st.caption(
        "Each feature at each stage of the pipeline (training rows). Bars: the data's density. "
        "Red curve: the normal distribution with the same mean and std. Scaling moves and stretches the "
        "axis; only a shape change (a skew, a quantile or power transform) moves the bars relative to the curve."
    )
    features = _feature_picker(prepared, report)
    if not features:
        st.info("Pick at least one feature.")
        return
    if prepared.config.scaler == "pca_whiten":
        st.caption(
            "PCA whitening outputs principal components (new axes that mix the features, each scaled to std 1): "
            "the last column of row j shows component pc_j, not feature j."
        )
    _grid(prepared, features, lambda values, title, axis: charts.histogram_chart(values, title=title, x_title=axis))
    st.markdown(
        "**Normal Q-Q plots.** Standardized values against a normal's quantiles: a Gaussian lies on the dashed line."
    )
    st.caption(
        "A Q-Q (quantile-quantile) plot puts the data's sorted values (as z-scores: minus the mean, over the std) "
        "against where a normal's would be. Because values are standardized first, pure rescaling never moves a "
        "point; curvature means skew, an S-shape means heavy or light tails, steps mean discrete values, points "
        "far off the line are outliers."
    )
    _grid(prepared, features, lambda values, title, _axis: charts.qq_chart(values, title=title))


# ---- Statistics ---------------------------------------------------------------------------------
def statistics(report: dict) -> None:
    """One table per stage: the numbers that say how far from Gaussian each feature is."""
    st.caption(
        f"Training rows. A Gaussian has skew 0, excess kurtosis 0 (tails as heavy as a Gaussian's) and "
        f"{GAUSSIAN_WITHIN_HALF_STD:.3f} of its values within ±0.5 std of the mean. 'normality test p' is "
        "D'Agostino–Pearson's test: below 0.05 the shape is detectably not Gaussian (with thousands of rows "
        "almost any real feature fails it; with a few dozen almost any passes). Hover a column's header for "
        "what it means."
    )
    titles = _stage_titles_for(report["config"]["scaler"])
    for stage in STAGES:
        st.markdown(f"**{titles[stage]}**")
        rows = report["stages"][stage]
        st.dataframe(
            rows,
            column_order=list(STAT_COLUMNS),
            column_config=STAT_COLUMNS,
            hide_index=True,
            key=f"data_stats_{stage}",
        )


# ---- Scatter ------------------------------------------------------------------------------------
def scatter(prepared: Prepared) -> None:
    """Two features at one stage, whole and zoomed: outliers squeeze the rest of the data into a corner."""
    stage_names = stage_feature_names(prepared)
    left, middle, right = st.columns([1, 1, 2])
    stage = right.segmented_control(
        "stage",
        STAGES,
        format_func=_stage_titles(prepared).get,
        default="scaled",
        key="data_scatter_stage",
        help="Which stage of the pipeline to plot: the raw data, after the skews, or after the scaler.",
    )
    stage = stage or "scaled"
    matrix = stage_matrices(prepared)[stage]
    names = stage_names[stage]
    x_j = left.selectbox(
        "x",
        range(matrix.shape[1]),
        format_func=lambda j: names[j],
        key=f"data_scatter_x_{_shape_key(prepared)}",
        help="The feature along the horizontal axis.",
    )
    y_j = middle.selectbox(
        "y",
        range(matrix.shape[1]),
        index=min(1, matrix.shape[1] - 1),
        format_func=lambda j: names[j],
        help="The feature along the vertical axis.",
        key=f"data_scatter_y_{_shape_key(prepared)}",
    )
    x_j, y_j = min(x_j, matrix.shape[1] - 1), min(y_j, matrix.shape[1] - 1)
    rows = _sample_rows(len(matrix), prepared.config.seed)
    x, y, target = matrix[rows, x_j], matrix[rows, y_j], prepared.y_train[rows]
    scaler = prepared.config.scaler
    common = {
        "x_title": stage_axis_title(names[x_j], stage, scaler),
        "y_title": stage_axis_title(names[y_j], stage, scaler),
        "task": prepared.task,
    }
    st.caption(
        f"{len(rows):,} of {len(matrix):,} training rows{' (a random sample)' if len(rows) < len(matrix) else ''}, "
        "coloured by target. The second chart: the same, zoomed to each axis's 1st–99th percentile, as in "
        "scikit-learn's comparison of scalers on data with outliers: one extreme value can squeeze everything "
        "else into a corner."
    )
    box = charts.percentile_box(matrix[:, x_j], matrix[:, y_j])
    with st.container(horizontal=True):  # side by side when they fit, one under the other when not
        st.vega_lite_chart(
            spec=charts.scatter_with_marginals(x, y, target, title="all rows", **common), width="content"
        )
        st.vega_lite_chart(
            spec=charts.scatter_with_marginals(x, y, target, title="1st–99th percentile", box=box, **common),
            width="content",
        )


# ---- Conditioning -------------------------------------------------------------------------------
def _verify(prepared: Prepared, report: dict, config_json: str) -> None:
    """The button that runs gradient descent and shows measured beside predicted steps."""
    st.markdown("**Verify on this data.** Run full-batch gradient descent on linear least squares at η = 1/λmax.")
    predicted = report["effective_predicted_gd_iterations"]
    if predicted is None or predicted > DEFAULT_CAP:
        st.caption(
            f"The prediction exceeds the cap of {DEFAULT_CAP:,} steps: the run stops there and compares "
            "how far the slowest component shrank with what theory expects."
        )
    if st.button("Run gradient descent", key="data_verify", help=f"at most {DEFAULT_CAP:,} steps"):
        bar = st.progress(0.0, text="gradient descent…")

        def progress(step: int, limit: int) -> None:
            bar.progress(min(step / max(limit, 1), 1.0), text=f"step {step:,} of at most {limit:,}")

        try:
            y = prepared.y_train.astype(np.float64)
            st.session_state[GD_RUN] = (config_json, run_gradient_descent(prepared.X_train, y, progress=progress))
        except ValueError as err:
            st.error(str(err))
        bar.empty()
    saved = st.session_state.get(GD_RUN)
    if not saved or saved[0] != config_json:
        return
    run: GDRun = saved[1]
    a, b, c = st.columns(3)
    a.metric("predicted steps", _format_steps(run.predicted), help=STEPS_HELP)
    b.metric(
        "measured (slowest)",
        _format_steps(run.measured_slowest) if run.measured_slowest is not None else "not reached",
        delta=None if run.measured_slowest is None else f"{run.measured_slowest / run.predicted - 1:+.1%} vs predicted",
        delta_color="off",
        delta_arrow="off",
    )
    c.metric(
        "measured (‖w − w*‖)",
        _format_steps(run.measured_distance) if run.measured_distance is not None else "not reached",
        delta=None
        if run.measured_distance is None
        else f"{run.measured_distance / run.predicted - 1:+.1%} vs predicted",
        delta_color="off",
        delta_arrow="off",
    )
    st.caption(
        f"Start: {run.start}; w* is the least-squares solution (the target only moves w*, the speed is set by H). "
        "'Measured (slowest)' counts steps until the error along H's eigenvector of smallest curvature has shrunk "
        "1000×: that is what κ·ln 1000 predicts. '‖w − w*‖' counts steps until the whole error has shrunk 1000×; "
        "it can come sooner, when the start's error lies partly along faster directions."
    )
    if run.capped:
        st.warning(
            f"Stopped at the cap of {run.cap:,} steps, before the error had shrunk 1000×. In that time the slowest "
            f"component shrank to {run.slowest_ratio:.3g} of its start; theory says (1 − 1/κ)^{run.iterations_run:,} "
            f"= {run.predicted_ratio_at_end:.3g}."
        )


def conditioning(prepared: Prepared, report: dict, outcomes: list[ScalerOutcome], config_json: str) -> None:
    """κ of the linear model's Hessian, its eigenvalues, κ under every scaler, and a run that checks it."""
    st.caption(
        "A linear model trained by gradient descent on these scaled inputs has the loss ||X̃w − y||²/2n, "
        "X̃ = the inputs with a column of ones. Its Hessian H = X̃ᵀX̃/n depends on the inputs alone. "
        "Its eigenvalues λ are the loss's curvatures along its main directions; λmax is the largest, λmin the "
        "smallest. The condition number κ = λmax/λmin measures how stretched the loss valley is: at the largest "
        "stable-and-fast step η = 1/λmax, the slowest direction shrinks only by (1 − 1/κ) per step, so "
        "≈ κ·ln 1000 steps to shrink it 1000× (LeCun et al., *Efficient BackProp*, 1998, §5). "
        "Centring and equal scales bring κ towards 1; "
        "the shape of each distribution barely matters."
    )
    a, b, c = st.columns(3)
    if report["singular"]:
        a.metric("κ (condition number)", "∞", help=KAPPA_HELP + " Here H is singular: some direction has no curvature.")
        b.metric(
            "κ (curved part)",
            f"{report['effective_condition_number']:.3g}",
            help="κ over the directions with curvature, leaving out the flat ones, which gradient descent never "
            "moves along.",
        )
        c.metric(
            "predicted GD steps",
            _format_steps(report["effective_predicted_gd_iterations"]),
            help=STEPS_HELP,
        )
        st.warning(next(note for note in report["notes"] if note.startswith(SINGULAR)))
    else:
        a.metric("κ (condition number)", f"{report['condition_number']:.3g}", help=KAPPA_HELP)
        b.metric(
            "predicted GD steps",
            _format_steps(report["predicted_gd_iterations"]),
            help=STEPS_HELP,
        )
        c.metric(
            "≈ κ·ln 1000",
            f"{report['condition_number'] * np.log(1000):,.0f}",
            help="The prediction's formula: each step shrinks the slowest direction's error by (1 − 1/κ).",
        )
    with st.container(horizontal=True):  # side by side when they fit, one under the other when not
        with st.container(width=CONDITIONING_CHART_WIDTH):
            st.markdown("**Eigenvalues of H**", help="The curvature of the loss along each of its main directions.")
            st.vega_lite_chart(spec=charts.eigenvalue_chart(report["eigenvalues"], report["rank"]), width="stretch")
        with st.container(width=CONDITIONING_CHART_WIDTH):
            st.markdown("**κ for every scaler on this data**", help=KAPPA_HELP)
            by_scaler = [outcome.summary() for outcome in outcomes]
            if any(row.get("singular") for row in by_scaler):
                st.caption("'∞ · 147': H is singular; 147 is κ over the directions with curvature.")
            spec = charts.kappa_by_scaler_chart(by_scaler, prepared.config.scaler, names=labels.SCALERS)
            st.vega_lite_chart(spec=spec, width="stretch")
    _verify(prepared, report, config_json)


# ---- Compare scalers ----------------------------------------------------------------------------
def compare_scalers(prepared: Prepared, outcomes: list[ScalerOutcome]) -> None:
    """One feature through every scaler: linear ones keep the shape, quantile and power ones change it."""
    names = prepared.dataset.feature_names
    j = st.selectbox(
        "feature",
        range(len(names)),
        format_func=lambda i: f"{i}: {names[i]}",
        key=f"data_compare_{_shape_key(prepared)}",
        width=320,
        help="The feature to send through every scaler.",
    )
    st.caption(
        "One feature of the training rows (after the skews) through every scaler, each with the normal of the same "
        "mean and std. Linear scalers (Standardize, Min-max, Max-abs, Robust) keep the shape and change only the "
        "axis; quantile and power transforms (Yeo-Johnson, Box-Cox) change the shape; L2 row normalisation scales "
        "each row (sample) to length 1, not each feature; PCA whitening rotates to principal components (mixes of "
        "the features) and shows component j."
    )
    rows, failed = [], []
    with st.container(horizontal=True):  # as many to a line as the window has room for
        for outcome in outcomes:
            name = labels.label("scaler", outcome.scaler)
            if outcome.X_train is None:
                failed.append(f"{name}: {outcome.error}")
                continue
            column = outcome.X_train[:, min(j, outcome.X_train.shape[1] - 1)]
            (row,) = feature_stats(column[:, None], [name])
            skew = 0.0 if row["skew"] is None else round(row["skew"], 2) + 0.0  # + 0.0: no "-0.00"
            spec = charts.histogram_chart(
                column,
                title=name,
                subtitle=f"std {row['std']:.2g} · skew {skew:.2f}",
                x_title=stage_axis_title(
                    f"pc{j}" if outcome.scaler == "pca_whiten" else names[j], "scaled", outcome.scaler
                ),
                width=COMPARE_CHART_WIDTH,
                height=90,
            )
            st.vega_lite_chart(spec=spec, width="content")
            rows.append({**row, "scaler": row.pop("feature")})
    for line in failed:
        st.caption(f"fails on this data: {line}")
    st.dataframe(
        rows,
        column_order=["scaler", *list(STAT_COLUMNS)[1:]],
        column_config={**STAT_COLUMNS, "scaler": SCALER_COLUMN},
        hide_index=True,
    )
