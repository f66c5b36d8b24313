"""Training speed against scikit-learn's MLPClassifier, measured in one run, printed as a table.

moons, 2,000 samples (1,500 train), 2→32→32→2, ReLU, batch 32, Adam (lr 0.001), 20 epochs; ours with the
per-epoch probes on. A plain PyTorch loop (nn.Sequential + autograd + torch.optim.Adam) is shown too: that
gap is what explorer/core/backprop.py and explorer/core/optim.py remove. Goal: ours ≥ 1.0× MLPClassifier.

    python bench/train_speed.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier

from explorer.config import Config
from explorer.runs.training import Trainer

CONFIG = Config(
    dataset="moons", n_samples=2000, hidden=(32, 32), activation="relu", batch_size=32, lr=0.001, epochs=20,
    optimizer="adam",  # MLPClassifier's solver; the app's default is SGD with momentum
)  # fmt: skip


def ours(norm: str) -> tuple[float, int]:
    trainer = Trainer(CONFIG.replace(norm=norm))
    start = time.perf_counter()
    trainer.advance(epochs=CONFIG.epochs)
    return time.perf_counter() - start, trainer.steps


def sklearn_mlp(X: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    model = MLPClassifier(
        CONFIG.hidden, batch_size=CONFIG.batch_size, max_iter=CONFIG.epochs, learning_rate_init=CONFIG.lr,
        tol=0.0, n_iter_no_change=10**9, random_state=0,
    )  # fmt: skip
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    return time.perf_counter() - start, CONFIG.epochs * -(-len(X) // CONFIG.batch_size)


def plain_pytorch(X: np.ndarray, y: np.ndarray) -> tuple[float, int]:
    gen = torch.Generator().manual_seed(0)
    torch.manual_seed(0)
    layers = [torch.nn.Linear(2, 32), torch.nn.ReLU(), torch.nn.Linear(32, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2)]
    model = torch.nn.Sequential(*layers)
    optimizer = torch.optim.Adam(model.parameters(), lr=CONFIG.lr)
    xs, ys = torch.as_tensor(X, dtype=torch.float32), torch.as_tensor(y)
    steps = 0
    start = time.perf_counter()
    for _ in range(CONFIG.epochs):
        order = torch.randperm(len(xs), generator=gen)
        for xb, yb in zip(xs[order].split(CONFIG.batch_size), ys[order].split(CONFIG.batch_size), strict=True):
            loss = torch.nn.functional.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            steps += 1
    return time.perf_counter() - start, steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the app trains each session
    prepared = Trainer(CONFIG).prepared
    X, y = prepared.X_train, prepared.y_train
    contenders = {
        "MLPClassifier (reference)": lambda: sklearn_mlp(X, y),
        "plain PyTorch loop, no BN": lambda: plain_pytorch(X, y),
        "ours, norm=none + probes": lambda: ours("none"),
        "ours, norm=bn_before + probes": lambda: ours("bn_before"),
        "ours, norm=bn_after + probes": lambda: ours("bn_after"),
    }
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(args.repeats):  # interleaved, so drift in machine load hits every contender alike
        for name, run in contenders.items():
            seconds, steps = run()
            rates[name].append(steps / seconds)
    reference = statistics.median(rates["MLPClassifier (reference)"])
    print(f"moons 2,000 samples, 2-32-32-2 ReLU, batch 32, Adam, 20 epochs; median of {args.repeats} runs")
    print(f"{'contender':<32}{'steps/s':>10}{'× MLPClassifier':>18}")
    for name, values in rates.items():
        rate = statistics.median(values)
        print(f"{name:<32}{rate:>10,.0f}{rate / reference:>17.2f}×")


if __name__ == "__main__":
    main()
