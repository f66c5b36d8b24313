"""One view per Learn section: what the experiment does (before it runs) and what it found (after).

Each view reads the numbers `Lesson.evidence()` returned and says in words what they mean, with the charts
from `explorer.charts.learn`. Every number names what it is ("test accuracy, median over 5 seeds"), and a
term links the glossary where it is first used.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pandas as pd
import streamlit as st

from explorer.charts import learn as charts
from explorer.charts.base import Chart
from explorer.runs.conditioning import DEFAULT_CAP
from explorer.teaching import gaussians as gaussians_text
from explorer.teaching import lessons
from explorer.teaching.labels import NORMS, label
from ui.glossary import term_link

Result = dict[str, Any]
SEEDS = lessons.SEEDS


def _draw(chart: Chart) -> None:
    """The chart, then how to read it (its spec's description), in small print."""
    st.vega_lite_chart(chart.data, chart.spec)
    if chart.spec.get("description"):
        st.caption(chart.spec["description"])


def _pct(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}%}"


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}g}"


def _steps(value: float | None, cap: int = DEFAULT_CAP) -> str:
    return f"not reached within {cap:,} steps" if value is None else f"{round(value):,}"


def _hidden(widths: Sequence[int]) -> str:
    if len(set(widths)) == 1:
        return f"{len(widths)} hidden layers of {widths[0]} units"
    return f"hidden layers of {', '.join(map(str, widths))} units"


def _row(rows: Sequence[Mapping[str, Any]], **keys: Any) -> Mapping[str, Any]:
    """The summary row whose configuration has these grid values."""
    return next(row for row in rows if all(row["config"].get(k) == v for k, v in keys.items()))


def _median_text(row: Mapping[str, Any]) -> str:
    """'97.2% (95% interval 93.2%–98.4%)' or the R² equivalent."""
    show = _pct if row["name"] == "test_accuracy" else (lambda v: _num(v, 3))
    return f"{show(row['median'])} (95% interval {show(row['ci95_low'])}–{show(row['ci95_high'])})"


# ---- what each experiment does, shown before and after it runs ----------------------------------
EXPERIMENTS: dict[str, str] = {
    "normal": (
        "Take the two-moons data (2,000 rows), give feature 0 a long right tail (a lognormal "
        f"{term_link('skew', 'skew')}), then rescale it two ways: {term_link('standardize', 'standardize')} it "
        f"(mean 0, std 1) or map it through a {term_link('quantile scaler', 'quantile scaler')} to a Gaussian. "
        "Measure its moments, how many values sit near the centre, and compare its shape with a "
        f"{term_link('normal distribution', 'normal distribution')} on a {term_link('Q-Q plot', 'Q-Q plot')}."
    ),
    "scale": (
        f"Put {term_link('feature', 'feature')} 0 of two moons on a scale 1, 10, 30 or 1,000 times larger than "
        "feature 1. For a linear model fitted by least squares, compute the "
        f"{term_link('condition number κ', 'condition number κ')} and the steps plain "
        f"{term_link('gradient descent', 'gradient descent')} needs to shrink its slowest error 1,000-fold: "
        f"predicted from κ (about κ × 7), and measured by running it (at most {DEFAULT_CAP:,} steps), raw and "
        "standardized. Then train a small network "
        f"({_hidden(lessons.SCALE_SETUP.hidden)}) with {term_link('momentum', 'momentum')} on the ×1,000 data, "
        f"raw or standardized, without or with {term_link('batch normalisation (BN)', 'batch normalisation (BN)')} "
        f"in the first layer, {SEEDS} {term_link('seeds', 'seed')} each."
    ),
    "shape": (
        "Standardize every feature of two moons, then give them the same scale but a different shape: clean, 1% "
        "rare extreme values (outliers), or heavy tails. Train with "
        f"{term_link('SGD', 'SGD')} (batches of {lessons.SHAPE_SETUP.batch_size} rows) at three "
        f"{term_link('step sizes', 'learning rate (step size)')}, {SEEDS} seeds each, and find the largest step that "
        f"still trains (median test accuracy at least {lessons.STABLE_SHARE:.0%}). Then a case where shape-fixing "
        "hurts: a target that is a straight line in skewed raw features, fitted by a linear model on standardized "
        "or Gaussianized inputs."
    ),
    "placement": (
        f"Train the same network on two moons with sigmoid and with ReLU {term_link('activations', 'activation')}, "
        f"each with no BN, BN before the activation and BN after it ({SEEDS} seeds each). Look at what the "
        "activation receives in the first hidden layer, how many outputs are "
        f"{term_link('saturated', 'saturated')} and how many units are {term_link('dead', 'dead unit')}, and at "
        "the final test accuracy."
    ),
    "ics": (
        f"On the digits data (8×8 images), a network of {_hidden(lessons.ICS_SETUP.hidden)} with sigmoid units, as "
        "in Ioffe & Szegedy's Figure 1: after every epoch, record the 15th, 50th and 85th percentiles of one unit's "
        "input in the last hidden layer, without BN and with BN before the sigmoid. This is "
        f"{term_link('internal covariate shift', 'internal covariate shift')} made visible."
    ),
    "smoothness": (
        f"After one epoch of training ({_hidden(lessons.LANDSCAPE_SETUP.hidden)}, ReLU, digits), take the gradient "
        "g and look along it: for step sizes η from 0.0001 to 10, the loss after the step and how much the gradient "
        f"changes, without and with BN (the {term_link('loss landscape', 'loss landscape')}). Then train sigmoid "
        "networks with no BN, plain BN, and noisy BN that adds a random shift and scale to every unit at every step."
    ),
    "init": (
        f"Build a network of up to {_hidden((100,) * max(lessons.DEPTHS))} on digits and, before any training, "
        "measure the standard deviation of each layer's output, for three initializations: small random weights "
        "(std 0.01), "
        f"{term_link('Xavier', 'Xavier (Glorot) init')} and {term_link('He', 'He (Kaiming) init')}; under tanh and "
        f"under ReLU; median over {SEEDS} seeds."
    ),
    "gaussians": gaussians_text.EXPERIMENT,
}


# ---- 1. Normalised is not normal ---------------------------------------------------------------
def normal(result: Result) -> None:
    standard, quantile, gaussian = result["standard"], result["quantile_normal"], result["gaussian"]
    st.markdown(
        f"With a lognormal tail of σ = {result.get('sigma', 1.5):g}: after standardizing, feature 0 has mean "
        f"{round(standard['mean'], 2) + 0.0:.2f} and std {standard['std']:.2f}, as promised, "
        f"but its skew is still **{standard['skew']:.2f}** (a Gaussian's is 0), and "
        f"**{_pct(standard['share_within_one_std'], 0)}** of its values lie within one std of the mean, against "
        f"{_pct(gaussian['share_within_one_std'], 0)} for a Gaussian. Only the quantile scaler makes it Gaussian "
        f"(skew {quantile['skew']:.2f}, {_pct(quantile['share_within_one_std'], 0)} within one std)."
    )
    reference = {"mean": 0.0, "std": 1.0, "skew": 0.0, "excess_kurtosis": 0.0, **gaussian}
    # the table, then the Q-Q plot under it: side by side, either is cut in a narrow window
    rows = {
        "mean": ("mean", ".2f"),
        "std": ("std (standard deviation)", ".2f"),
        "skew": ("skew", ".2f"),
        "excess_kurtosis": ("excess kurtosis (tails)", ".2f"),
        "share_within_half_std": ("share within ½ std of the mean", ".1%"),
        "share_within_one_std": ("share within 1 std of the mean", ".1%"),
    }
    table = pd.DataFrame(
        {
            "measure of feature 0": [words for words, _ in rows.values()],
            label("scaler", "standard"): [format(standard[k], f) for k, (_, f) in rows.items()],
            label("scaler", "quantile_normal"): [format(quantile[k], f) for k, (_, f) in rows.items()],
            "a Gaussian": [format(reference[k], f) for k, (_, f) in rows.items()],
        }
    )
    st.table(table.set_index("measure of feature 0"))
    _draw(charts.qq_chart(result))


# ---- 2. Scale and conditioning -----------------------------------------------------------------
SCALE_LABELS = {
    ("none", "none"): "raw, no BN",
    ("none", "bn_before"): "raw, BN in the first layer",
    ("standard", "none"): "standardized, no BN",
    ("standard", "bn_before"): "standardized, BN in the first layer",
}


def scale(result: Result) -> None:
    rows = result["conditioning"]
    factor = result.get("scale", max(r["scale"] for r in rows))
    worst = next(r for r in rows if r["scale"] == factor and r["scaler"] == "none")
    fixed = next(r for r in rows if r["scale"] == factor and r["scaler"] == "standard")
    st.markdown(
        f"With feature 0 on a ×{worst['scale']:,} scale, κ is **{worst['kappa']:,.0f}**: gradient descent is "
        f"predicted to need {_steps(worst['predicted'])} steps, and measured: "
        f"{_steps(worst['measured'], worst['cap'])}. "
        f"Standardized, κ is **{fixed['kappa']:.3g}** and it takes {_steps(fixed['measured'])} steps (predicted "
        f"{_steps(fixed['predicted'])}). The step count grows like κ."
    )
    _draw(charts.steps_chart(rows))
    st.table(charts.conditioning_table(rows).set_index(charts.conditioning_table(rows).columns[0]))
    mlp = result["mlp"]
    labels = [SCALE_LABELS.get((r["config"]["scaler"], r["config"]["norm"]), r["label"]) for r in mlp]
    title = f"The network on ×{factor:,} data: test accuracy over {SEEDS} seeds"
    _draw(charts.summary_chart(mlp, labels, title))
    raw, bn, std = (_row(mlp, scaler="none", norm="none"), _row(mlp, scaler="none", norm="bn_before"),
                    _row(mlp, scaler="standard", norm="none"))  # fmt: skip
    st.markdown(
        f"Test accuracy, median over {SEEDS} seeds: raw {_median_text(raw)}; raw with BN in the first layer "
        f"{_median_text(bn)}; standardized {_median_text(std)}."
        + (" BN rescues part of the gap, standardizing all of it." if factor >= 100 else "")
    )


# ---- 3. Same scale, different shape ------------------------------------------------------------
def shape(result: Result) -> None:
    largest = result["largest_training_step"]
    st.caption(f"Outliers: {result.get('outliers', 0.01):.1%} of the rows made rare extreme values.")
    steps = list(lessons.SHAPE_GRID[1][1])
    parts = [
        f"{label('skew', skew)}: **{lr:g}**" if lr is not None else
        f"{label('skew', skew)}: none of {', '.join(f'{s:g}' for s in steps)}"
        for skew, lr in largest.items()
    ]  # fmt: skip
    st.markdown(
        f"Largest step size that still trains (median test accuracy ≥ {lessons.STABLE_SHARE:.0%} over {SEEDS} "
        f"seeds): {'; '.join(parts)}."
    )
    _draw(charts.step_size_chart(result["steps"]))
    gaussianize = result["gaussianize"]
    names = [label("scaler", r["config"]["scaler"]) for r in gaussianize]
    _draw(charts.summary_chart(gaussianize, names, f"A target linear in the raw features: test R² over {SEEDS} seeds"))
    standard, quantile = _row(gaussianize, scaler="standard"), _row(gaussianize, scaler="quantile_normal")
    st.markdown(
        f"Test R² (1 is a perfect fit), median over {SEEDS} seeds: standardized {_median_text(standard)}, "
        f"quantile → Gaussian {_median_text(quantile)}. The quantile scaler bends the straight relation the "
        "linear model needed."
    )


# ---- 4. Before or after the activation ---------------------------------------------------------
def placement(result: Result, activation: str = "sigmoid") -> None:
    st.markdown(
        "**For before** (Ioffe & Szegedy §3.2): normalise Wu + b, the layer's linear output, because it is "
        "“more likely to have a symmetric, non-sparse distribution, that is more Gaussian”; its input u, itself "
        "the output of a nonlinearity, changes shape as training goes on. BN before a sigmoid keeps its input in "
        "the sensitive middle.\n\n"
        "**For after**: a ReLU's output is what the next layer receives, so normalising it standardizes the next "
        "layer's input. Practitioners report equal or better results (keras issue 1802; the ducha-aiki CaffeNet "
        "benchmark: BN after ReLU 0.499 accuracy vs before 0.474)."
    )
    summary = [r for r in result["summary"] if r["config"]["activation"] == activation]
    labels = [NORMS.get(r["config"]["norm"], r["label"]) for r in summary]
    title = f"{activation.capitalize()} network: test accuracy over {SEEDS} seeds, by placement"
    _draw(charts.summary_chart(summary, labels, title))
    inside = [row for row in result["inside"] if row["activation"] == activation]
    _draw(charts.activation_input_chart(inside))
    table = charts.placement_table(inside).drop(columns="activation")
    shown = table.assign(
        **{
            "mean of its input": table["mean of its input"].map(lambda v: _num(v, 2)),
            "std of its input": table["std of its input"].map(lambda v: _num(v, 2)),
            "saturated outputs": table["saturated outputs"].map(_pct),
            "dead units": table["dead units"].map(_pct),
        }
    )
    st.table(shown.set_index("batch norm"))
    st.caption(
        "Saturated: outputs within 1% of a sigmoid's flat ends (0 or 1). Dead: ReLU units that output 0 on "
        "every probe row."
    )
    st.caption(
        "Read it as evidence, not a verdict: the differences between placements are small next to the spread "
        "over seeds; where the intervals overlap, this experiment cannot tell the placements apart."
    )


# ---- 5. Internal covariate shift ---------------------------------------------------------------
def ics(result: Result) -> None:
    none, bn = result["none"], result["bn_before"]
    _draw(charts.percentile_chart(result))
    st.markdown(
        f"At learning rate {result.get('lr', 0.05):g}: how far the unit's median input moves over training (its "
        f"highest minus its lowest value over the epochs), median over units and {SEEDS} seeds: "
        f"**{none['drift_median']:.2f}** without BN, "
        f"**{bn['drift_median']:.2f}** with BN. Test accuracy, median over seeds: "
        f"{_pct(none['accuracy_median'])} without BN, {_pct(bn['accuracy_median'])} with BN."
    )
    st.markdown(f"**{gaussians_text.FOLLOW_UP.split('?', 1)[0]}?**{gaussians_text.FOLLOW_UP.split('?', 1)[1]}")


# ---- 6. What BN really helps -------------------------------------------------------------------
def smoothness(result: Result) -> None:
    landscape = result["landscape"]
    none, bn = landscape["none"], landscape["bn_before"]
    st.markdown(
        f"Largest step along the gradient that still lowers the loss, median over {SEEDS} seeds: "
        f"**{none['largest_lowering_step_median']:.3g}** without BN, **{bn['largest_lowering_step_median']:.3g}** "
        "with BN. A smoother landscape lets a larger step still go downhill. In the lower chart, read the large "
        "steps: there the gradient changes less with BN, so it stays a better guide (for tiny steps both change "
        "in proportion to the step, and the one with the larger gradient changes more)."
    )
    _draw(charts.landscape_chart(landscape))
    noisy = result["noisy"]
    labels = [NORMS.get(r["config"]["norm"], r["label"]) for r in noisy]
    _draw(charts.summary_chart(noisy, labels, f"Sigmoid network on digits: test accuracy over {SEEDS} seeds"))
    plain, shaken = _row(noisy, norm="bn_before"), _row(noisy, norm="bn_noisy")
    st.markdown(
        f"Test accuracy, median over {SEEDS} seeds: plain BN {_median_text(plain)}, noisy BN of strength "
        f"{result.get('noise', 1.0):g} "
        f"{_median_text(shaken)}. The noise changes every unit's distribution at every step, yet it still trains."
    )


# ---- 7. Initialization through depth -----------------------------------------------------------
def init(result: Result, depth: int = 10, init: str = "he") -> None:
    rows = [{**r, "std_by_layer": r["std_by_layer"][:depth]} for r in result["rows"]]
    _draw(charts.depth_chart(rows))
    last = {(r["activation"], r["init"]): r["std_by_layer"][-1] for r in rows}
    first = {(r["activation"], r["init"]): r["std_by_layer"][0] for r in rows}
    st.markdown(
        f"**{label('init', init)}**, from layer 1 to layer {depth}: under tanh the std goes "
        f"{_num(first[('tanh', init)], 2)} → {_num(last[('tanh', init)], 2)}, under ReLU "
        f"{_num(first[('relu', init)], 2)} → {_num(last[('relu', init)], 2)}."
    )
    parts = [
        f"{activation}: " + ", ".join(f"{label('init', i)} {_num(last[(activation, i)], 2)}" for i in lessons.INITS)
        for activation in ("tanh", "relu")
    ]
    small = [r["std_by_layer"] for r in rows if r["init"] == "normal:0.01"]
    shrink = [(s[0] / s[-1]) ** (1 / (len(s) - 1)) for s in small if len(s) > 1 and s[-1] and s[-1] > 0]
    per_layer = f"about {min(shrink):.0f}–{max(shrink):.0f}-fold per layer" if shrink else "layer after layer"
    st.markdown(
        f"Std of layer {depth}'s output, median over {SEEDS} seeds — {'; '.join(parts)}. Small weights shrink the "
        f"signal {per_layer}; inits scaled by the {term_link('fan_in', 'fan_in')} keep it alive."
    )


# ---- 8. Where Gaussians really do appear ------------------------------------------------------------
def gaussians(result: Result, kind: str = "skewed", activation: str = "relu") -> None:
    clt, depth = result["clt"], result["shape_vs_scale"]
    rows = sorted((r for r in clt["rows"] if r["kind"] == kind and r["init"] == "default"), key=lambda r: r["d"])
    widest = rows[-1]
    st.markdown(
        f"**{kind.capitalize()} inputs**: each input column has |skew| {_num(widest['input_abs_skew'], 2)} and "
        f"|excess kurtosis| {_num(widest['input_abs_excess_kurtosis'], 2)} (a Gaussian: 0 and 0). With "
        f"{widest['d']} of them, each unit's {term_link('pre-activation', 'pre-activation')} has "
        f"{_num(widest['abs_skew'], 2)} and {_num(widest['abs_excess_kurtosis'], 2)}"
        + (
            ": a one-hot row puts a single term in the sum, so the unit just takes one weight per category, "
            "with the weights' own shape."
            if kind == "one-hot"
            else f": the {term_link('central limit theorem', 'central limit theorem')} at work."
        )
    )
    _draw(charts.clt_chart(clt, kind))
    summary = next(row for row in depth["summary"] if row["activation"] == activation)
    st.markdown(
        f"Through {depth['layers']} layers of {depth['width']} {activation} units: uniform weights of the same std "
        f"stay within **{_pct(summary['shape_max_rel_diff'])}** of normal ones at every layer, while normal weights "
        f"of half the std leave layer {depth['layers']} at **{_num(summary['scale_last_ratio'], 2)}×** the "
        f"normal weights' std. The weights' scale matters; their shape does not."
    )
    _draw(charts.shape_scale_chart(depth, activation))


VIEWS: dict[str, Callable[..., None]] = {
    "normal": normal,
    "scale": scale,
    "shape": shape,
    "placement": placement,
    "ics": ics,
    "smoothness": smoothness,
    "init": init,
    "gaussians": gaussians,
}
