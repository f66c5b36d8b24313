"""Server-side cost of one Train-page tick, training excluded, at epoch 20 and at epoch 2,000.

A tick builds every live chart's rows (loss, metric, layer-0 inputs, activation histograms, percentile
band, dead/saturated fractions, gradient norms, decision surface with a GRID² prediction) and takes the
cached specs; "+ serialise" adds what st.vega_lite_chart does to each on the server (Arrow bytes for the
rows, JSON for the spec). Goal: ≤ 50 ms at both epochs, i.e. a long run ticks as cheaply as a short one.

Reference, measured in the same run: one `Trainer.advance(epochs=1)` of the same tiny config (moons, 200
samples, batch 200: one step plus the end-of-epoch evaluation and probes), so the ratio reads "a tick
costs this many epochs of training".

    python bench/tick_cost.py [--repeats 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from collections.abc import Callable

import torch
from streamlit import dataframe_util

from explorer.charts.train import TrainCharts
from explorer.config import Config
from explorer.runs.training import Trainer

CONFIG = Config(dataset="moons", n_samples=200, batch_size=200, epochs=2000, hidden=(32, 32), norm="bn_before")
GOAL_MS = 50.0


def median_ms(work: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def serialised(charts: TrainCharts, trainer: Trainer) -> int:
    """Build, then serialise as st.vega_lite_chart does; returns the bytes a tick sends (rows + specs)."""
    total = 0
    for chart in charts.build(trainer, 0, "act").values():
        total += len(dataframe_util.convert_anything_to_arrow_bytes(chart.data)) + len(json.dumps(chart.spec))
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the app trains each session

    reference_trainer = Trainer(CONFIG)
    reference_trainer.advance(epochs=5)  # warm up
    reference = median_ms(lambda: reference_trainer.advance(epochs=1), args.repeats)

    trainer = Trainer(CONFIG)
    charts = TrainCharts(trainer)
    rows = []
    for epoch in (20, 2000):
        trainer.advance(epochs=epoch - trainer.epoch)
        assert trainer.epoch == epoch, trainer.message
        build = median_ms(lambda: charts.build(trainer, 0, "act"), args.repeats)
        full = median_ms(lambda: serialised(charts, trainer), args.repeats)
        rows.append((epoch, build, full, serialised(charts, trainer)))

    print(f"reference: Trainer.advance(epochs=1) = {reference:.2f} ms (median of {args.repeats})")
    print(f"{'epoch':>6} | {'build ms':>8} | {'+ serialise ms':>14} | {'× reference':>11} | {'bytes sent':>10}")
    for epoch, build, full, sent in rows:
        print(f"{epoch:>6} | {build:>8.2f} | {full:>14.2f} | {full / reference:>10.1f}× | {sent:>10,}")
    worst = max(full for _, _, full, _ in rows)
    verdict = "met" if worst <= GOAL_MS else "NOT met"
    print(f"goal: ≤ {GOAL_MS:g} ms per tick at both epochs: {verdict} (worst {worst:.1f} ms)")


if __name__ == "__main__":
    main()
