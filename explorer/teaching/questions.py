"""Predict, then see: the question each Learn section asks before it shows its evidence.

A demonstration teaches more when the learner first commits to a prediction (Crouch, Fagen, Callan & Mazur,
"Classroom demonstrations: Learning tools or entertainment?", Am. J. Phys. 72, 2004). Each question has 2-4
choices; which one the evidence supports is read from the section's own numbers at its default setting
(`measured`), never written down ahead, so the page cannot tell a learner something its experiment did not
show. `verdict` is the one sentence that compares the learner's choice with what was measured.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from explorer.sweeps.stats import overlaps

Result = Mapping[str, Any]


@dataclass(frozen=True)
class Question:
    prompt: str
    choices: tuple[tuple[str, str], ...]  # (key, what the learner reads)
    measured: Callable[[Result], str]  # the choice the evidence supports
    finding: Callable[[Result], str]  # what was measured, in numbers, as the end of a sentence

    def text(self, choice: str) -> str:
        return dict(self.choices)[choice]

    def verdict(self, choice: str | None, result: Result) -> str:
        """One sentence: the learner's choice against the measurement."""
        found = self.finding(result)
        if choice is None:
            return f"Measured: {found}."
        answer = self.measured(result)
        if choice == answer:
            return f"You predicted “{self.text(choice)}”, and the experiment agrees: {found}."
        return f"You predicted “{self.text(choice)}”; the experiment says “{self.text(answer)}”: {found}."


def _row(rows: Sequence[Mapping[str, Any]], **keys: Any) -> Mapping[str, Any]:
    return next(row for row in rows if all(row["config"].get(k) == v for k, v in keys.items()))


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"


def _interval(row: Mapping[str, Any]) -> dict[str, Any]:
    return {"ci95_low": row["ci95_low"], "ci95_high": row["ci95_high"]}


# ---- 1. Normalised is not normal ---------------------------------------------------------------
def _normal_answer(result: Result) -> str:
    return "no" if abs(result["standard"]["skew"]) > 0.5 else "yes"


def _normal_finding(result: Result) -> str:
    standard = result["standard"]
    return (
        f"standardized, its skew is {standard['skew']:.2f} (a Gaussian's is 0) and "
        f"{_pct(standard['share_within_one_std'])} of its values lie within one std (a Gaussian: 68.3%)"
    )


# ---- 2. Scale and conditioning -----------------------------------------------------------------
def _steps_ratio(result: Result) -> float | None:
    """Raw steps over standardized steps at the largest scale; None when raw never converged."""
    rows = {(r["scale"], r["scaler"]): r for r in result["conditioning"]}
    largest = max(scale for scale, _ in rows)
    raw, fixed = rows[largest, "none"]["measured"], rows[largest, "standard"]["measured"]
    return None if raw is None or not fixed else raw / fixed


def _scale_answer(result: Result) -> str:
    ratio = _steps_ratio(result)
    return "many" if ratio is None or ratio >= 100 else "few" if ratio >= 2 else "same"


def _scale_finding(result: Result) -> str:
    rows = {(r["scale"], r["scaler"]): r for r in result["conditioning"]}
    largest = max(scale for scale, _ in rows)
    raw, fixed = rows[largest, "none"], rows[largest, "standard"]
    raw_steps = f"more than {raw['cap']:,}" if raw["measured"] is None else f"{round(raw['measured']):,}"
    return (
        f"with feature 0 on a ×{largest:,} scale gradient descent needs {raw_steps} steps, standardized "
        f"{round(fixed['measured'] or 0):,}"
    )


# ---- 3. Same scale, different shape ------------------------------------------------------------
def _shape_pair(result: Result) -> tuple[float | None, float | None]:
    largest = result["largest_training_step"]
    outliers = next(skew for skew in largest if "outliers" in skew)
    return largest[""], largest[outliers]


def _shape_answer(result: Result) -> str:
    clean, outliers = _shape_pair(result)
    clean_step, outlier_step = clean or 0.0, outliers or 0.0
    return "smaller" if outlier_step < clean_step else "larger" if outlier_step > clean_step else "same"


def _shape_finding(result: Result) -> str:
    clean, outliers = _shape_pair(result)

    def shown(step: float | None) -> str:
        return "none of the steps tried" if step is None else f"{step:g}"

    return f"the largest step that still trains is {shown(clean)} with clean features, {shown(outliers)} with outliers"


# ---- 4. Before or after the activation ---------------------------------------------------------
def _placement_answer(result: Result) -> str:
    before = _row(result["summary"], activation="sigmoid", norm="bn_before")
    after = _row(result["summary"], activation="sigmoid", norm="bn_after")
    if overlaps(_interval(before), _interval(after)):
        return "same"
    return "before" if before["median"] > after["median"] else "after"


def _placement_finding(result: Result) -> str:
    before = _row(result["summary"], activation="sigmoid", norm="bn_before")
    after = _row(result["summary"], activation="sigmoid", norm="bn_after")
    return (
        f"median test accuracy {_pct(before['median'])} with BN before, {_pct(after['median'])} after "
        f"(95% intervals {_pct(before['ci95_low'])}–{_pct(before['ci95_high'])} and "
        f"{_pct(after['ci95_low'])}–{_pct(after['ci95_high'])})"
    )


# ---- 5. Internal covariate shift ---------------------------------------------------------------
def _ics_answer(result: Result) -> str:
    none, bn = result["none"]["drift_median"], result["bn_before"]["drift_median"]
    if none < 0.1:
        return "barely"
    return "less" if bn < none / 1.5 else "same"


def _ics_finding(result: Result) -> str:
    return (
        f"the median input drifts {result['none']['drift_median']:.2f} without BN and "
        f"{result['bn_before']['drift_median']:.2f} with BN before the sigmoid"
    )


# ---- 6. What BN really helps -------------------------------------------------------------------
def _noisy_answer(result: Result) -> str:
    plain = _row(result["noisy"], norm="bn_before")
    noisy = _row(result["noisy"], norm="bn_noisy")
    if overlaps(_interval(plain), _interval(noisy)) or abs(plain["median"] - noisy["median"]) < 0.02:
        return "same"
    return "worse" if noisy["median"] < plain["median"] else "better"


def _noisy_finding(result: Result) -> str:
    plain = _row(result["noisy"], norm="bn_before")
    noisy = _row(result["noisy"], norm="bn_noisy")
    none = _row(result["noisy"], norm="none")
    return (
        f"median test accuracy {_pct(noisy['median'])} with noisy BN, {_pct(plain['median'])} with plain BN "
        f"and {_pct(none['median'])} without BN"
    )


# ---- 7. Initialization through depth -----------------------------------------------------------
DEPTH_ASKED = 10


def _xavier_relu(result: Result) -> list[float]:
    row = next(r for r in result["rows"] if r["activation"] == "relu" and r["init"] == "xavier")
    return row["std_by_layer"][:DEPTH_ASKED]


def _init_answer(result: Result) -> str:
    stds = _xavier_relu(result)
    ratio = stds[-1] / stds[0] if stds[0] else 0.0
    return "shrinks" if ratio < 0.2 else "grows" if ratio > 5 else "same"


def _init_finding(result: Result) -> str:
    stds = _xavier_relu(result)
    return f"the std of the outputs goes from {stds[0]:.3g} after layer 1 to {stds[-1]:.3g} after layer {len(stds)}"


# ---- 8. Where Gaussians really do appear ------------------------------------------------------------
def _clt_pair(result: Result) -> tuple[float, float, int]:
    """Skewed inputs under the default init, at the most inputs: (input |skew|, pre-activation |skew|, d)."""
    rows = [r for r in result["clt"]["rows"] if r["kind"] == "skewed" and r["init"] == "default"]
    widest = max(rows, key=lambda r: r["d"])
    return widest["input_abs_skew"], widest["abs_skew"], widest["d"]


def _gaussians_answer(result: Result) -> str:
    inputs, summed, _ = _clt_pair(result)
    return "closer" if summed < inputs / 4 else "as_skewed"


def _gaussians_finding(result: Result) -> str:
    inputs, summed, d = _clt_pair(result)
    return f"each input's |skew| is {inputs:.2f}; with {d} of them, each unit's pre-activation's is {summed:.2f}"


QUESTIONS: dict[str, Question] = {
    "normal": Question(
        "Feature 0 has a long right tail. After standardizing it (mean 0, std 1), is it Gaussian?",
        (
            ("yes", "Yes: mean 0 and std 1 make it a standard normal"),
            ("no", "No: it keeps its skew and its long tail"),
        ),
        _normal_answer,
        _normal_finding,
    ),
    "scale": Question(
        "Feature 0 is 1,000 times larger than feature 1. Compared with standardized data, how many steps does "
        "gradient descent need to fit a linear model?",
        (
            ("same", "About as many"),
            ("few", "A few times more"),
            ("many", "Hundreds of times more, or it never gets there"),
        ),
        _scale_answer,
        _scale_finding,
    ),
    "shape": Question(
        "Every feature is standardized (same scale), but 1% of the values are rare extremes (outliers). Does "
        "the largest SGD step size that still trains change?",
        (
            ("same", "No: same scale, same step size"),
            ("smaller", "Yes: it gets smaller"),
            ("larger", "Yes: it gets larger"),
        ),
        _shape_answer,
        _shape_finding,
    ),
    "placement": Question(
        "Which trains this sigmoid network better: BN before the activation, BN after it, or about the same?",
        (("before", "BN before"), ("after", "BN after"), ("same", "About the same (within seed noise)")),
        _placement_answer,
        _placement_finding,
    ),
    "ics": Question(
        "Without BN, does the input of a sigmoid unit in the last hidden layer move as the layers below learn?",
        (
            ("barely", "Barely: the layers below hardly change it"),
            ("less", "Yes, and BN before the sigmoid makes it move less"),
            ("same", "Yes, and BN makes no difference to it"),
        ),
        _ics_answer,
        _ics_finding,
    ),
    "smoothness": Question(
        "Noisy BN adds a random shift and scale to every unit at every step, so the distributions never "
        "settle. How does it train compared with plain BN?",
        (
            ("worse", "Much worse: it needs stable distributions"),
            ("same", "About as well"),
            ("better", "Better"),
        ),
        _noisy_answer,
        _noisy_finding,
    ),
    "init": Question(
        "Ten ReLU layers, Xavier's initialisation, no BN, before any training: what happens to the scale of "
        "each layer's output, from the first layer to the tenth?",
        (
            ("same", "It stays about the same"),
            ("shrinks", "It shrinks many-fold"),
            ("grows", "It grows many-fold"),
        ),
        _init_answer,
        _init_finding,
    ),
    "gaussians": Question(
        "Every input of a layer has a long right tail (lognormal). With 64 such inputs, what does each unit's "
        "pre-activation W·u + b look like across the rows?",
        (
            ("as_skewed", "Just as skewed as its inputs"),
            ("closer", "Much closer to Gaussian than its inputs"),
        ),
        _gaussians_answer,
        _gaussians_finding,
    ),
}


def score(answers: Mapping[str, str | None], results: Mapping[str, Result]) -> tuple[int, int, int]:
    """(predictions that matched the evidence, predictions made, sections seen without guessing), over the
    sections whose result is known."""
    made = [(key, choice) for key, choice in answers.items() if key in results and key in QUESTIONS]
    guessed = [(key, choice) for key, choice in made if choice is not None]
    right = sum(QUESTIONS[key].measured(results[key]) == choice for key, choice in guessed)
    return right, len(guessed), len(made) - len(guessed)
