"""Start the app ready to answer: `python -m ui.serve [streamlit run's options]`.

`streamlit run app.py` answers its health check at once and imports the pages' code (torch among it) when
the first visitor arrives, while the training processes, started by that first page, import torch too: on
2 cores a shared /train link opened on a fresh server waited 5-9 s for its page and 3 s more for its first
epoch. Here the server first starts the training processes, imports every page's code meanwhile and waits
for the processes to have trained a warm-up epoch; only then does Streamlit start and answer /_stcore/health.
Then the Learn page's evidence that is not on disk yet is computed in a process of its own, at the lowest
priority (`ui.learn.evidence`).
So a health check (Docker's, a load balancer's, a test's) means ready, and the first visitor waits for none
of it. `make run`, the Docker image and the browser tests start the app this way.
"""

from __future__ import annotations

import importlib
import sys
import time
from pathlib import Path

APP = Path(__file__).resolve().parents[1] / "app.py"
PAGE_MODULES = ("ui.learn.views", "ui.train.views", "ui.data.views", "ui.compare.views")
WARM_TIMEOUT_S = 120.0  # a slow machine still starts; the first Play then waits for what is left


def prepare() -> float:
    """Start the training processes and import the pages' code; the seconds it took."""
    from ui.train import workers

    start = time.monotonic()
    pool = workers.pool()  # they start importing torch now, in parallel with the imports below
    for module in PAGE_MODULES:
        importlib.import_module(module)
    _draw_once()
    if pool is not None:
        pool.wait_ready(WARM_TIMEOUT_S)
    return time.monotonic() - start


def _draw_once() -> None:
    """Build the default run's charts once in this process: torch's, pandas' and the specs' first calls
    (about a second) are paid here, not by the first page drawn."""
    from explorer.charts.train import TrainCharts
    from explorer.config import Config
    from explorer.runs.training import Trainer

    trainer = Trainer(Config())
    trainer.advance(epochs=1)
    TrainCharts(trainer).build(trainer)


def main(argv: list[str] | None = None) -> None:
    options = sys.argv[1:] if argv is None else argv
    seconds = prepare()
    print(f"Normalization Explorer: pages imported and training processes warm in {seconds:.1f} s", flush=True)
    from ui.learn import evidence

    evidence.start_computing()  # the Learn page's evidence, at the lowest priority, if any is missing
    from streamlit.web import cli

    sys.argv = ["streamlit", "run", str(APP), *options]
    cli.main()


if __name__ == "__main__":
    main()
