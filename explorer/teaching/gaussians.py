"""Where Gaussians really do appear: a Learn section's text and its two experiments, at initialisation.

1. The central limit theorem at work (`clt_at_work`): rows of d inputs of one kind (skewed, binary or
   one-hot) pass through the app's own first layer of 64 units (`model.build`'s weights); per unit, across
   the rows, the pre-activation W·u + b is a sum of d independent terms wᵢuᵢ. Its cumulants add, so its skew
   is γ·Σwᵢ³/(Σwᵢ²)^{3/2} and its excess kurtosis κ·Σwᵢ⁴/(Σwᵢ²)² for inputs of skew γ and excess kurtosis κ:
   with weights of random sign both fall like 1/d (an average's skew, all weights equal, falls like 1/√d),
   while the inputs' own stay put. A one-hot input is the exception: one term of the sum is non-zero in a
   row, so a unit's pre-activation takes d values, one weight per category, and has the weights' shape.
   Affine maps leave skew and kurtosis unchanged, so standardizing the inputs or not changes nothing here:
   the binary inputs are left 0/1, the lognormal ones are standardized.
2. Shape against scale (`shape_vs_scale`): through 10 layers of 100 units on the digits data, the std of
   each layer's activation for normal and uniform weights of one std, and for normal weights of half that
   std. Only the variance enters Glorot's and He's derivations; the shape does not move the curves beyond
   seed noise, while halving the std shrinks them layer after layer.

Each experiment is seeded and takes a few seconds on one core; the numbers are JSON-ready. The module
imports nothing from `lessons.py`, so `lessons.py` can make it a section:
`Lesson(KEY, TITLE, CLAIM, BELIEF, SOURCE, PAGE, SETUP, experiment=where_gaussians_appear)`.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Iterator
from typing import Any

import numpy as np
import torch

from explorer.config import Config
from explorer.core.model import build
from explorer.data.pipeline import prepare
from explorer.runs.training import PROBE_ROWS, to_jsonable

SEEDS = 5  # as every Learn section: medians over 5 seeds

# ---- the section's text ---------------------------------------------------------------------------
KEY = "gaussians"
TITLE = "Where Gaussians really do appear"
CLAIM = (
    "A wide layer's pre-activation W·u + b adds up many independent terms, so it is close to Gaussian even "
    "when its inputs are skewed or binary (its skew and excess kurtosis fall roughly like 1/d with d inputs, "
    "while the inputs' own stay put; a one-hot input, a single term per row, keeps the weights' shape "
    "instead); and at initialisation the weights' std sets each layer's scale, not their shape: normal and "
    "uniform weights of equal std keep the same activation std through 10 layers, while half the std leaves "
    "the 10th layer hundreds of times smaller."
)
BELIEF = (
    "“Normal distributions matter because of the central limit theorem and Gaussian weight init” is half "
    "right. Right: a sum of many independent terms does become Gaussian, and a wide layer's pre-activation is "
    "such a sum, whatever the shape of each input. Wrong: the Gaussian comes from the sum, not from Gaussian "
    "weights: uniform weights of the same std give the same sums and the same scale through depth, and the "
    "init rules (Glorot, He) are derived from the weights' variance alone. And it does not reach everything: "
    "the inputs themselves stay as skewed as they came, and a one-hot input puts a single term in the sum, so "
    "that pre-activation just copies the weights' shape (flat under the app's default uniform init)."
)
SOURCE = (
    "The central limit theorem for sums of independent terms that are not identically distributed "
    "(Lindeberg–Feller), and the additivity of cumulants behind the 1/d rates; Glorot & Bengio (2010), §4.2 "
    "and eq. 16, and He, Zhang, Ren & Sun (2015), §2.2: both set the weights' variance and nothing else "
    "(Glorot draws them uniform, He normal); Neal (1996), Bayesian Learning for Neural Networks, ch. 2, and "
    "Lee, Bahri, Novak, Schoenholz, Pennington & Sohl-Dickstein, “Deep Neural Networks as Gaussian Processes” "
    "(ICLR 2018): a wide layer's pre-activations tend to Gaussians."
)
EXPERIMENT = (
    "Two measurements at initialisation, before any training. First, 4,000 rows of d inputs of one kind, "
    "skewed (lognormal with σ = 1, standardized), binary (0 or 1, 1 with probability 0.1) or one-hot (one "
    "of d categories), for d from 1 to 64, go through the app's first layer of 64 units, with its default "
    "(uniform) weights and with He's (normal); we compare each input column's skew and excess kurtosis with "
    "each unit's pre-activation W·u + b across the rows (medians over units and 5 seeds). Second, through 10 "
    "layers of 100 units on the digits data, each layer's activation std for normal and uniform weights of "
    "one std (He's √(2/100) under ReLU, 1/√100 under tanh) and for normal weights of half that std "
    "(medians over 50 seeds: under ReLU one seed's last layer varies by about ±17%, so 5 seeds could not "
    "tell a 5% difference)."
)
FOLLOW_UP = (
    "So internal covariate shift has nothing to do with Gaussian distributions? Right. The shift Ioffe and "
    "Szegedy describe is a layer's input distribution moving during training as the layers below learn: its "
    "mean, its spread and its shape, whatever that shape is. Whether it is Gaussian is another question: a "
    "wide layer's pre-activation starts out near-Gaussian (the sum above) and still drifts. Batch norm "
    "standardizes each unit over the batch: it pins the first two moments (mean 0 and std 1, then its "
    "learned β and γ) and leaves the shape as it was; a skewed or two-humped pre-activation is just as "
    "skewed or two-humped after BN."
)
GLOSSARY = {  # terms the text uses that lessons.GLOSSARY does not define yet, to merge into it
    "central limit theorem": "a sum of many independent terms, none of them dominant, is close to Gaussian "
    "whatever each term's own distribution.",
    "pre-activation": "a unit's value before its activation: W·u + b, the weighted sum of the layer's inputs.",
    "one-hot": "a category written as d columns of 0s with a single 1 in the column of the row's category.",
}
PAGE = "train"  # the section's button: the depth setup below with He's uniform weights
SETUP = Config(
    dataset="digits", hidden=(100,) * 10, norm="none", scaler="standard", activation="relu", init="he_uniform"
)

# ---- 1. The central limit theorem at work --------------------------------------------------------------
CLT_ROWS = 4_000  # rows of inputs; a Gaussian's sample skew then has a std of √(6/4000) ≈ 0.04
CLT_UNITS = 64  # the first layer's width
CLT_KINDS = ("skewed", "binary", "one-hot")
CLT_INPUTS = (1, 2, 4, 16, 64)  # d: inputs, or categories of the one-hot input (which starts at 2)
CLT_INITS = ("default", "he")  # the app's default (uniform weights and biases) and He's (normal, biases 0)
LOGNORMAL_SIGMA = 1.0  # skewed inputs: exp(N(0, σ²)), standardized with the population mean and std
BINARY_P = 0.1  # binary inputs: 1 with this probability, else 0 (skew 2.67, excess kurtosis 5.1)
SLOPE_FROM = 4  # the log-log slope against d is fitted from this d on (d = 1, 2 are not yet on the line)
WEIGHT_EXCESS_KURTOSIS = {"default": -1.2, "he": 0.0}  # a uniform's and a normal's


def _inputs(kind: str, d: int, rng: np.random.Generator) -> np.ndarray:
    """(CLT_ROWS, d) inputs of one kind, independent across columns (one-hot: one category per row)."""
    if kind == "skewed":
        s2 = LOGNORMAL_SIGMA**2
        mean, std = math.exp(s2 / 2), math.sqrt((math.exp(s2) - 1) * math.exp(s2))
        return (rng.lognormal(0.0, LOGNORMAL_SIGMA, (CLT_ROWS, d)) - mean) / std
    if kind == "binary":
        return (rng.random((CLT_ROWS, d)) < BINARY_P).astype(np.float64)
    if kind == "one-hot":
        x = np.zeros((CLT_ROWS, d))
        x[np.arange(CLT_ROWS), rng.integers(0, d, CLT_ROWS)] = 1.0
        return x
    raise ValueError(kind)


def _first_layer(d: int, init: str, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """The weight (units, d) and bias of the first Linear of the app's network for this seed and init."""
    model = build(d, 2, Config(hidden=(CLT_UNITS,), activation="relu", norm="none", init=init, seed=seed))
    linear = model.blocks[0].linear
    return linear.weight.detach().double().numpy(), linear.bias.detach().double().numpy()


def _moments(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each column's sample skew and excess kurtosis across the rows: scipy.stats' skew and kurtosis (the
    biased estimators), by products, which is several times faster."""
    centred = x - x.mean(axis=0)
    squared = centred * centred
    m2 = squared.mean(axis=0)
    return (squared * centred).mean(axis=0) / m2**1.5, (squared * squared).mean(axis=0) / (m2 * m2) - 3.0


def _summary(x: np.ndarray) -> list[float]:
    """Median |skew|, median |excess kurtosis|, median excess kurtosis over the columns, and how many
    distinct values the first column takes."""
    skew, kurtosis = _moments(x)
    return [np.median(np.abs(skew)), np.median(np.abs(kurtosis)), np.median(kurtosis), np.unique(x[:, 0]).size]


def _slope(d: list[int], values: list[float]) -> float:
    """The least-squares slope of log(value) against log(d), from SLOPE_FROM on: −1 is a fall like 1/d."""
    points = [(math.log(n), math.log(v)) for n, v in zip(d, values, strict=True) if n >= SLOPE_FROM and v > 0]
    x, y = np.array(points).T
    return float(np.polyfit(x, y, 1)[0])


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """Small tensors: one torch thread is fastest, and far faster than two on a busy machine."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def clt_at_work() -> dict[str, Any]:
    """Per input kind, d and init: the inputs' median |skew| and |excess kurtosis| over their columns, and the
    pre-activation's over its units (each across the rows), medians over SEEDS seeds; how many values a unit's
    pre-activation takes; the log-log slope of the pre-activation's against d for the skewed and binary
    inputs; and the noise floor: what Gaussian data of CLT_ROWS rows measures (a sample's are never 0)."""
    rows = []
    with _one_thread():
        for kind_index, kind in enumerate(CLT_KINDS):
            for d in CLT_INPUTS:
                if kind == "one-hot" and d == 1:
                    continue  # one category: a constant column, which has no skew
                inputs, pre = [], {init: [] for init in CLT_INITS}
                for seed in range(SEEDS):
                    u = _inputs(kind, d, np.random.default_rng([seed, kind_index, d]))
                    inputs.append(_summary(u))
                    for init in CLT_INITS:
                        weight, bias = _first_layer(d, init, seed)
                        pre[init].append(_summary(u @ weight.T + bias))
                seen = np.median(np.array(inputs), axis=0)
                for init in CLT_INITS:
                    out = np.median(np.array(pre[init]), axis=0)
                    rows.append(
                        {
                            "kind": kind,
                            "d": d,
                            "init": init,
                            "input_abs_skew": seen[0],
                            "input_abs_excess_kurtosis": seen[1],
                            "abs_skew": out[0],
                            "abs_excess_kurtosis": out[1],
                            "excess_kurtosis": out[2],  # signed: a uniform's is −1.2, a two-point one's −2
                            "distinct_values": int(out[3]),  # of one unit, over the CLT_ROWS rows
                        }
                    )
    slopes = []
    for kind in ("skewed", "binary"):
        for init in CLT_INITS:
            mine = [r for r in rows if r["kind"] == kind and r["init"] == init]
            d = [r["d"] for r in mine]
            slopes.append(
                {
                    "kind": kind,
                    "init": init,
                    "skew_slope": _slope(d, [r["abs_skew"] for r in mine]),
                    "excess_kurtosis_slope": _slope(d, [r["abs_excess_kurtosis"] for r in mine]),
                }
            )
    gaussian = [
        np.random.default_rng([seed, len(CLT_KINDS)]).standard_normal((CLT_ROWS, CLT_UNITS)) for seed in range(SEEDS)
    ]
    noise = np.median(np.array([_summary(x) for x in gaussian]), axis=0)
    return to_jsonable(
        {
            "n_rows": CLT_ROWS,
            "units": CLT_UNITS,
            "seeds": SEEDS,
            "inputs": list(CLT_INPUTS),
            "binary_p": BINARY_P,
            "lognormal_sigma": LOGNORMAL_SIGMA,
            "weight_excess_kurtosis": WEIGHT_EXCESS_KURTOSIS,
            "noise_floor": {"abs_skew": noise[0], "abs_excess_kurtosis": noise[1]},
            "rows": rows,
            "slopes": slopes,
        }
    )


# ---- 2. Shape against scale through depth ----------------------------------------------------------------
DEPTH_SETUP = SETUP  # 10 layers of 100 units, no normalisation, on the standardized digits
DEPTH_SEEDS = 50  # one ReLU seed's last layer varies by ±17% (IQR/2): 5 seeds cannot tell 5% apart
RELU_STD = 0.1414  # He's √(2/fan_in) for the 100-unit layers
TANH_STD = 0.1  # 1/√fan_in (LeCun's; Glorot's √(2/(fan_in + fan_out)) for 100 → 100)
TRIOS = {  # per activation: normal weights, uniform weights of the same std, normal weights of half the std
    "relu": (f"normal:{RELU_STD:g}", f"uniform:{RELU_STD:g}", f"normal:{RELU_STD / 2:g}"),
    "tanh": (f"normal:{TANH_STD:g}", f"uniform:{TANH_STD:g}", f"normal:{TANH_STD / 2:g}"),
}
NAMED = ("he", "he_uniform")  # the named pair under ReLU (the first layer's fan_in is digits' 64 features)


def _activation_stds(config: Config, x: torch.Tensor, n_out: int) -> list[float]:
    """Each hidden layer's activation std over the probe rows and units, as the Train page's probe reports it."""
    model = build(x.shape[1], n_out, config).eval()
    stds = []
    with torch.no_grad():
        for block in model.blocks:
            x = block(x)
            stds.append(float(x.numpy().astype(np.float64).std()))
    return stds


def shape_vs_scale() -> dict[str, Any]:
    """Each layer's activation std at initialisation for every init of TRIOS and NAMED (median and quartiles
    over DEPTH_SEEDS seeds), and per activation: the uniform and the half-std curves over the normal one,
    layer by layer, with the largest relative difference the shape makes, the smallest relative change that
    halving the std makes and the last layer's ratio half/normal; and one seed's spread (IQR/2 over the
    median, normal weights) by layer, which the shape's difference should not exceed.

    Every seed's weights are the ones `model.build` draws for it (the Train page's run with that seed); the
    probe rows are the test rows of seed 0's split, so that only the weights change from seed to seed."""
    prepared = prepare(DEPTH_SETUP)
    x = torch.as_tensor(prepared.X_test[:PROBE_ROWS], dtype=torch.float32)
    curves, per_init = [], {}
    inits = [(activation, init) for activation, trio in TRIOS.items() for init in trio] + [("relu", i) for i in NAMED]
    for activation, init in inits:
        config = DEPTH_SETUP.replace(activation=activation, init=init)
        with _one_thread():
            per_seed = np.array(
                [_activation_stds(config.replace(seed=s), x, prepared.n_outputs) for s in range(DEPTH_SEEDS)]
            )
        p25, median, p75 = np.percentile(per_seed, [25, 50, 75], axis=0)
        per_init[activation, init] = (median, (p75 - p25) / 2 / median)
        curves.append(
            {
                "activation": activation,
                "init": init,
                "shape": "uniform" if "uniform" in init else "normal",
                "std_by_layer": median,
                "p25_by_layer": p25,
                "p75_by_layer": p75,
            }
        )
    summary = []
    for activation, (normal, uniform, half) in TRIOS.items():
        n, u, h = (per_init[activation, init][0] for init in (normal, uniform, half))
        summary.append(
            {
                "activation": activation,
                "normal": normal,
                "uniform": uniform,
                "half": half,
                "uniform_over_normal_by_layer": u / n,  # 1 where the shape does not matter
                "half_over_normal_by_layer": h / n,
                "shape_max_rel_diff": float(np.max(np.abs(u / n - 1))),
                "scale_min_rel_change": float(np.min(np.abs(h / n - 1))),
                "scale_last_ratio": float(h[-1] / n[-1]),
                "seed_spread_by_layer": per_init[activation, normal][1],
                "seed_spread_last": float(per_init[activation, normal][1][-1]),
            }
        )
    he, he_uniform = (per_init["relu", init][0] for init in NAMED)
    named = {"activation": "relu", "normal": NAMED[0], "uniform": NAMED[1]}
    named["shape_max_rel_diff"] = float(np.max(np.abs(he_uniform / he - 1)))
    return to_jsonable(
        {
            "layers": len(DEPTH_SETUP.hidden),
            "width": DEPTH_SETUP.hidden[0],
            "seeds": DEPTH_SEEDS,
            "probe_rows": int(x.shape[0]),
            "curves": curves,
            "summary": summary,
            "named": named,
        }
    )


def where_gaussians_appear() -> dict[str, Any]:
    """The section's evidence: both experiments."""
    return {"clt": clt_at_work(), "shape_vs_scale": shape_vs_scale()}
