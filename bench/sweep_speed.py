"""Sweep speed: the batched training core against a sequential loop over the single-run Trainer and over
scikit-learn's MLPClassifier, measured in one run, printed as a table of net-steps per second and ratios.

32 configurations × 1 seed: moons, 2,000 samples, 2→32→32→2 ReLU, batch 32, Adam, 20 epochs; the
configurations differ in learning rate (8 values) × scaler (4), so they form one group (one batched
model). Each contender does the whole job: prepare the data, train 20 epochs, evaluate every epoch (the
Trainer also takes its per-epoch probes, as it does in the app). One thread throughout: torch's and numpy's BLAS
(which otherwise runs 2 threads in the Trainer's and MLPClassifier's numpy work), so each contender has one core.
The sweep is repeated for at least 5 s per sample, so each contender's sample spans seconds of the
machine's load (the Trainer's loop takes about 10 s, MLPClassifier's 15 s). Goals: sweep ≥ 20× the
sequential Trainer and ≥ 8× MLPClassifier without BN; ≥ 10× the Trainer with bn_before. Then the "BN
placement" preset (3 configurations × 5 seeds × 50 epochs), inline on one core: goal ≤ 3 s.

    python bench/sweep_speed.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from explorer.config import Config
from explorer.data.pipeline import prepare
from explorer.runs.training import Trainer
from explorer.sweeps.sweep import Sweep, run
from explorer.teaching.scenarios import BN_PLACEMENT

BASE = Config(
    dataset="moons", n_samples=2000, hidden=(32, 32), activation="relu", batch_size=32, epochs=20, optimizer="adam"
)
ENGINE_SECONDS = 5.0  # about half the sequential Trainer's loop: both average the machine's load alike
GRID = (
    ("lr", (0.0005, 0.001, 0.002, 0.003, 0.005, 0.007, 0.01, 0.02)),
    ("scaler", ("standard", "minmax", "robust", "maxabs")),
)


def _sweep(norm: str) -> Sweep:
    return Sweep(BASE.replace(norm=norm), GRID, seeds=1)


def engine(norm: str) -> tuple[float, int]:
    """The whole sweep, again and again for at least ENGINE_SECONDS: one sweep takes about 0.5 s, and a
    sample that short caught or missed a moment of load on a shared machine (back-to-back sweeps here took
    0.43-0.64 s), where the Trainer's 10 s loop averages over it."""
    sweep = _sweep(norm)
    start, steps = time.perf_counter(), 0
    while time.perf_counter() - start < ENGINE_SECONDS:
        result = run(sweep)  # no executor: one group, in this thread
        steps += sum(len(r.curve) for r in result.runs) * _steps_per_epoch(sweep.base)
    return time.perf_counter() - start, steps


def trainers(norm: str) -> tuple[float, int]:
    start, steps = time.perf_counter(), 0
    for member in _sweep(norm).members():
        trainer = Trainer(member.config)
        trainer.advance(epochs=member.config.epochs)
        steps += trainer.steps
    return time.perf_counter() - start, steps


def sklearn_mlps() -> tuple[float, int]:
    start, steps = time.perf_counter(), 0
    for member in _sweep("none").members():
        config = member.config
        prepared = prepare(config)
        model = MLPClassifier(
            config.hidden, batch_size=config.batch_size, max_iter=config.epochs, learning_rate_init=config.lr,
            tol=0.0, n_iter_no_change=10**9, random_state=config.seed,
        )  # fmt: skip
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            model.fit(prepared.X_train, prepared.y_train)
        model.score(prepared.X_test, prepared.y_test)
        steps += config.epochs * -(-len(prepared.X_train) // config.batch_size)
    return time.perf_counter() - start, steps


def _paired(rates: list[float], baselines: list[float]) -> float:
    """The median over repeats of each repeat's ratio to the baseline measured beside it: load on a shared
    machine that drifts between repeats cancels out, where a ratio of medians pairs runs minutes apart."""
    return statistics.median(r / b for r, b in zip(rates, baselines, strict=True))


def _steps_per_epoch(config: Config) -> int:
    train_rows = config.n_samples - round(config.n_samples * config.test_size)
    return -(-train_rows // config.batch_size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)
    with threadpool_limits(1):
        _measure(args.repeats)


def _measure(repeats: int) -> None:
    contenders = {
        "MLPClassifier, sequential": sklearn_mlps,
        "Trainer, sequential, none": lambda: trainers("none"),
        "sweep engine, none": lambda: engine("none"),
        "Trainer, sequential, bn_before": lambda: trainers("bn_before"),
        "sweep engine, bn_before": lambda: engine("bn_before"),
    }
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(repeats):  # interleaved, so drift in machine load hits every contender alike
        for name, contender in contenders.items():
            seconds, steps = contender()
            rates[name].append(steps / seconds)
    rate = {name: statistics.median(values) for name, values in rates.items()}
    print(
        f"32 configurations × 1 seed, moons 2-32-32-2 ReLU, batch 32, Adam, 20 epochs; median of {repeats} "
        "(a ratio: the median of each repeat's ratio to the runs measured beside it)"
    )
    print(f"{'contender':<32}{'net-steps/s':>12}{'× MLPClassifier':>17}{'× Trainer (same norm)':>23}")
    for name, value in rate.items():
        norm = "bn_before" if name.endswith("bn_before") else "none"
        versus_trainer = _paired(rates[name], rates[f"Trainer, sequential, {norm}"])
        mlp = _paired(rates[name], rates["MLPClassifier, sequential"])
        print(f"{name:<32}{value:>12,.0f}{mlp:>16.2f}×{versus_trainer:>22.2f}×")
    print("goals: sweep ≥ 20× Trainer and ≥ 8× MLPClassifier (none); ≥ 10× Trainer (bn_before)")

    preset = BN_PLACEMENT.sweep()
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        run(preset)
        seconds.append(time.perf_counter() - start)
    runs = len(preset.members())
    print(
        f"'BN placement' preset: {runs} runs × {preset.base.epochs} epochs, inline on one core: "
        f"{statistics.median(seconds):.2f} s (median of {repeats}; goal ≤ 3 s)"
    )


if __name__ == "__main__":
    main()
