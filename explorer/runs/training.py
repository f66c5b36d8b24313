"""`Trainer`: advance a run by steps, epochs or a wall-clock budget, and record what happened.

The UI calls `advance(seconds=0.1)` once per tick; the CLI calls `advance(epochs=...)`. Both get the
same numbers: the state (weights, optimizer, shuffling generator, position in the epoch) lives here.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from explorer.config import Config
from explorer.core.members import Members
from explorer.core.model import BOUNDED
from explorer.data.pipeline import Prepared, prepare
from explorer.runs import probes
from explorer.runs.probes import PROBE_ROWS

__all__ = ["MAX_DETAILED_EPOCHS", "PROBE_ROWS", "Trainer", "keep_record", "to_jsonable", "update_ratios"]
MAX_DETAILED_EPOCHS = 200  # older epochs are thinned beyond this, so memory stays bounded


class Trainer:
    """One run: the K = 1 case of `Members`, plus what a single run shows (probes, thinned records, report)."""

    def __init__(self, config: Config, prepared: Prepared | None = None) -> None:
        self.config = config
        self.prepared = prepared or prepare(config)
        self.task = self.prepared.task
        self.members = Members([config], [self.prepared], track_grad_norms=True, on_epoch=self._record)
        self.network = self.members.network
        self.optimizer = self.members.optimizer
        self.probe_x = self.members.X_test[:, :, :PROBE_ROWS]  # a view: the same test rows every epoch
        self._weight_slices = self.network.weight_grad_sq_slices()
        self._edges: dict[tuple[int, str], np.ndarray] = {}
        self.records: list[dict[str, Any]] = []  # detailed epoch records, thinned
        self.records_made = 0  # records ever made (the list is thinned), so a follower knows what is new
        self._watch_updates()

    # ---- state -------------------------------------------------------------------------
    @property
    def metric_name(self) -> str:
        return self.members.metric_name

    @property
    def epoch(self) -> int:
        return self.members.epoch

    @property
    def steps(self) -> int:
        return self.members.steps

    @property
    def curve(self) -> list[dict[str, float]]:
        """Every epoch's losses and metric (small)."""
        return self.members.curves[0]

    @property
    def diverged(self) -> bool:
        return bool(self.members.diverged[0])

    @property
    def message(self) -> str:
        if not self.diverged:
            return ""
        epoch, loss = self.members.diverged_at[0]
        return (
            f"Training diverged at epoch {epoch}: the loss became {loss}. "
            "Lower the learning rate, or add batch normalisation."
        )

    @property
    def seconds_training(self) -> float:
        return self.members.seconds_training

    @property
    def steps_per_epoch(self) -> int:
        """Gradient steps in every epoch (each has the same batches)."""
        return self._steps_per_epoch

    @property
    def steps_in_epoch(self) -> int:
        """Steps done of the epoch in progress: how far a slow epoch has come."""
        return self.steps - self.epoch * self._steps_per_epoch

    @property
    def probe_rows(self) -> int:
        return self.probe_x.shape[2]

    @property
    def done(self) -> bool:
        return self.members.done

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    def set_lr(self, lr: float) -> None:
        """Change the learning rate of the running training (the next step uses it)."""
        self.config = self.config.replace(lr=lr)
        self.members.set_lr(lr)

    def set_epochs(self, epochs: int) -> None:
        """Change the run's length; a finished run that is lengthened goes on where it stopped."""
        self.config = self.config.replace(epochs=epochs)
        self.members.set_epochs(epochs)

    # ---- training ----------------------------------------------------------------------
    def advance(self, *, steps: int | None = None, epochs: int | None = None, seconds: float | None = None) -> int:
        """Train until the first of the given limits (or the run's end); returns epochs completed."""
        return self.members.advance(steps=steps, epochs=epochs, seconds=seconds)

    def _record(self, epoch_info: dict[str, Any]) -> None:
        record = dict(self.curve[-1])
        record["train_loss_eval"] = float(self.members.train_loss_eval()[0])
        grad_sq = self.members.grad_sq.numpy()
        batches = epoch_info["batches"]
        grad_norms = [float(np.sqrt(grad_sq[a:b].sum() / batches)) for a, b in self._weight_slices]
        record["layers"] = self.probe(grad_norms)
        record["update_ratio"] = list(self._update_ratio)
        keep_record(self.records, record)
        self.records_made += 1

    def _watch_updates(self) -> None:
        """Measure ‖ΔW‖ / ‖W‖ at one step per epoch, by wrapping this run's optimizer step.

        Only the single run shows it, so the shared training core (and sweeps) stay untouched; one step
        per epoch costs a copy and a few norms, where every step would cost ~10% of the run's speed.
        The step is the epoch's last full-size batch: a short remainder batch gives a noisier gradient.
        Every epoch has the same batches (fixed rows and batch size), so its position is fixed too.
        """
        sizes = self.members.batch_sizes
        self._steps_per_epoch = len(sizes)
        largest = max(sizes)  # once: inside the generator it made a 37,500-batch epoch cost 17 s to set up
        self._measured_step = max(i for i, size in enumerate(sizes) if size == largest)
        flat = self.network.flat
        self._update_slices = []  # (start, stop) of each hidden layer's weight, then the output layer's
        for layer in (*self.network.layers, self.network.head):
            start = layer.weight.storage_offset() - flat.storage_offset()
            self._update_slices.append((start, start + layer.weight.numel()))
        self._update_ratio: list[float] = [math.nan] * len(self._update_slices)
        self._weights_before = torch.empty_like(flat)
        step = self.optimizer.step
        steps_per_epoch, measured = self._steps_per_epoch, self._measured_step
        members = self.members

        def step_and_measure() -> None:
            if members.steps % steps_per_epoch != measured:  # members.steps counts the steps done so far
                step()
                return
            self._weights_before.copy_(flat)
            step()
            self._update_ratio = update_ratios(self._weights_before, flat, self._update_slices)

        self.optimizer.step = step_and_measure  # type: ignore[method-assign]

    # ---- measuring ---------------------------------------------------------------------
    def evaluate(self) -> dict[str, float]:
        """Test loss and accuracy (or R²) in eval mode."""
        loss, metric = self.members.evaluate()
        return {"test_loss": float(loss[0]), self.metric_name: float(metric[0])}

    def predict(self, X_scaled: np.ndarray) -> np.ndarray:
        """Class probabilities (n, classes), or regression predictions in the target's own units (n,)."""
        out = self.members.outputs(X_scaled)[0].T
        if self.task == "classification":
            return torch.softmax(out, 1).numpy()
        return out[:, 0].numpy() * self.members.target_std[0] + self.members.target_mean[0]

    def probe(self, grad_norms: list[float] | None = None) -> list[dict[str, Any]]:
        """Per-layer, per-stage STATS on the fixed probe rows, in eval mode."""
        stages = self.members.stage_values(self.probe_x, [0])[0]
        return probes.layer_records(
            self.network.layers, stages, BOUNDED.get(self.config.activation), self._edges, grad_norms
        )

    # ---- reporting ---------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """The run report of DESIGN.md, JSON-ready (non-finite numbers become null)."""
        last = self.curve[-1] if self.curve else {}
        final = {
            "epochs_run": self.epoch,
            "train_loss": last.get("train_loss"),
            "train_loss_eval": self.records[-1]["train_loss_eval"] if self.records else None,
            "test_loss": last.get("test_loss"),
            self.metric_name: last.get(self.metric_name),
        }
        report = {
            "config": self.config.to_dict(),
            "task": self.task,
            "diverged": self.diverged,
            "final": final,
            "epochs": self.records,
        }
        if self.message:
            report["message"] = self.message
        if self.prepared.notes:
            report["notes"] = self.prepared.notes
        return to_jsonable(report)


def keep_record(records: list[dict[str, Any]], record: dict[str, Any]) -> None:
    """Append `record`, thinning older ones so memory stays bounded: the first epoch and the newest
    MAX_DETAILED_EPOCHS / 2 stay, the density of the rest falls with age."""
    records.append(record)
    if len(records) > MAX_DETAILED_EPOCHS:
        half = MAX_DETAILED_EPOCHS // 2
        records[:-half] = records[:-half][::2]


def update_ratios(before: torch.Tensor, after: torch.Tensor, slices: list[tuple[int, int]]) -> list[float]:
    """‖W_after − W_before‖ / ‖W_before‖ of each (start, stop) slice: how far one step moved each layer.

    Around 1e-3 is healthy (Karpathy's rule of thumb); NaN where the weights are all zero or not finite.
    """
    ratios = []
    for start, stop in slices:
        old, new = before[start:stop].double(), after[start:stop].double()
        scale = float(old.norm())
        ratios.append(float((new - old).norm()) / scale if scale > 0 else math.nan)
    return ratios


def to_jsonable(value: Any) -> Any:
    """numpy arrays to lists, non-finite floats to None (JSON has no NaN)."""
    if isinstance(value, dict):
        return {k: to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist())
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    if isinstance(value, np.integer):
        return int(value)
    return value
