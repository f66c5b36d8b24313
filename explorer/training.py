"""`Trainer`: advance a run by steps, epochs or a wall-clock budget, and record what happened.

The UI calls `advance(seconds=0.1)` once per tick; the CLI calls `advance(epochs=...)`. Both get the
same numbers: the state (weights, optimizer, shuffling generator, position in the epoch) lives here.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np
import torch

from explorer import backprop, probes
from explorer.config import Config, ConfigError
from explorer.model import BOUNDED, build
from explorer.optim import FlatOptimizer
from explorer.pipeline import Prepared, prepare

PROBE_ROWS = 2_000
MAX_DETAILED_EPOCHS = 200  # older epochs are thinned beyond this, so memory stays bounded


class Trainer:
    """One run: data, model, optimizer and history; resumable at any step, deterministic from the seed."""

    def __init__(self, config: Config, prepared: Prepared | None = None) -> None:
        self.config = config
        self.prepared = prepared or prepare(config)
        self.task = self.prepared.task
        p = self.prepared
        if config.norm != "none" and len(p.train_idx) < 2:
            raise ConfigError(
                f"norm={config.norm} needs at least 2 training rows; this split has {len(p.train_idx)}: "
                "lower test_size or add rows"
            )
        self.X_train = torch.as_tensor(p.X_train, dtype=torch.float32).contiguous()
        self.X_test = torch.as_tensor(p.X_test, dtype=torch.float32).contiguous()
        self._target_mean, self._target_std = 0.0, 1.0
        if self.task == "classification":
            self.y_train = torch.as_tensor(p.y_train, dtype=torch.long)
            self.y_test = torch.as_tensor(p.y_test, dtype=torch.long)
        else:  # MSE on a target standardized with train statistics: the loss scale means the same everywhere
            mean, std = float(p.y_train.mean()), float(p.y_train.std()) or 1.0
            self._target_mean, self._target_std = mean, std
            self.y_train = torch.as_tensor((p.y_train - mean) / std, dtype=torch.float32)[:, None]
            self.y_test = torch.as_tensor((p.y_test - mean) / std, dtype=torch.float32)[:, None]
        self.model = build(self.X_train.shape[1], p.n_outputs, config)
        self.optimizer = FlatOptimizer(
            self.model.flat, self.model.flat_grad, config.optimizer, config.lr, config.momentum, config.weight_decay
        )
        self.probe_x = self.X_test[:PROBE_ROWS]
        self._shuffle = torch.Generator().manual_seed(config.seed + 1)
        self.backprop = backprop.Backprop(self.model, self.task)
        self._weight_slices = _weight_slices(self.model)
        self._watched = [self.model.flat, *self.model.buffers()]  # weights and BN's running statistics
        self._edges: dict[tuple[int, str], np.ndarray] = {}
        self.epoch = 0
        self.steps = 0
        self.diverged = False
        self.message = ""
        self.curve: list[dict[str, float]] = []  # every epoch's losses and metric (small)
        self.records: list[dict[str, Any]] = []  # detailed epoch records, thinned
        self.seconds_training = 0.0
        self._start_epoch()

    # ---- state -------------------------------------------------------------------------
    @property
    def metric_name(self) -> str:
        return "test_accuracy" if self.task == "classification" else "test_r2"

    @property
    def done(self) -> bool:
        return self.diverged or self.epoch >= self.config.epochs

    @property
    def lr(self) -> float:
        return self.optimizer.lr

    def set_lr(self, lr: float) -> None:
        """Change the learning rate of the running training (the next step uses it)."""
        self.config = self.config.replace(lr=lr)
        self.optimizer.lr = lr

    def set_epochs(self, epochs: int) -> None:
        """Change the run's length; a finished run that is lengthened goes on where it stopped."""
        self.config = self.config.replace(epochs=epochs)
        if not self.done and self._next_batch >= len(self._y_batches):
            self._start_epoch()  # the epoch that ended the run set up no next one

    def _start_epoch(self) -> None:
        order = torch.randperm(len(self.X_train), generator=self._shuffle)
        size = self.config.batch_size
        # Views, split once per epoch rather than sliced per step.
        self._x_batches = self.X_train[order].split(size)
        self._y_batches = self.y_train[order].split(size)
        if self.config.norm != "none" and len(self._y_batches[-1]) < 2 and len(self._y_batches) > 1:
            # Batch norm cannot normalise a batch of one row: that row sits this epoch out.
            self._x_batches, self._y_batches = self._x_batches[:-1], self._y_batches[:-1]
        self._epoch_rows = sum(len(batch) for batch in self._y_batches)
        self._next_batch = 0
        self._loss_sum = torch.zeros(())
        self._grad_sq = torch.zeros_like(self.model.flat_grad)

    # ---- training ----------------------------------------------------------------------
    def advance(self, *, steps: int | None = None, epochs: int | None = None, seconds: float | None = None) -> int:
        """Train until the first of the given limits (or the run's end); returns epochs completed."""
        if steps is None and epochs is None and seconds is None:
            epochs = 1
        start = time.perf_counter()
        deadline = start + seconds if seconds is not None else math.inf
        target_epoch = self.epoch + epochs if epochs is not None else math.inf
        steps_left = steps if steps is not None else math.inf
        finished = 0
        with torch.inference_mode():
            while not self.done and self.epoch < target_epoch and steps_left > 0:
                self._step()
                steps_left -= 1
                if self._next_batch == len(self._y_batches):
                    self._end_epoch()
                    finished += 1
                if time.perf_counter() >= deadline:
                    break
            if not self.diverged and not math.isfinite(float(self._loss_sum)):
                self._diverge()
        self.seconds_training += time.perf_counter() - start
        return finished

    def _step(self) -> None:
        index = self._next_batch
        loss = self.backprop.step(self._x_batches[index], self._y_batches[index])
        self._loss_sum.add_(loss, alpha=len(self._y_batches[index]))
        self._grad_sq.addcmul_(self.model.flat_grad, self.model.flat_grad)
        self.optimizer.step()
        self._next_batch += 1
        self.steps += 1

    def _diverge(self) -> None:
        self.diverged = True
        self.message = (
            f"Training diverged at epoch {self.epoch + 1}: the loss became {float(self._loss_sum)}. "
            "Lower the learning rate, or add batch normalisation."
        )

    def _end_epoch(self) -> None:
        train_loss = float(self._loss_sum) / self._epoch_rows
        if not math.isfinite(train_loss) or not all(bool(torch.isfinite(t).all()) for t in self._watched):
            self._diverge()
            return
        self.epoch += 1
        record = {"epoch": self.epoch, "train_loss": train_loss, **self.evaluate()}
        grad_sq = self._grad_sq.numpy()
        grad_norms = [float(np.sqrt(grad_sq[s].sum() / len(self._y_batches))) for s in self._weight_slices]
        record["layers"] = self.probe(grad_norms)
        self.curve.append({k: record[k] for k in ("epoch", "train_loss", "test_loss", self.metric_name)})
        self.records.append(record)
        if len(self.records) > MAX_DETAILED_EPOCHS:
            half = MAX_DETAILED_EPOCHS // 2
            older, newer = self.records[:-half], self.records[-half:]
            self.records = older[::2] + newer  # the first epoch stays; density falls with age
        if not self.done:
            self._start_epoch()

    # ---- measuring ---------------------------------------------------------------------
    def evaluate(self) -> dict[str, float]:
        """Test loss and accuracy (or R²) in eval mode."""
        self.model.eval()
        try:
            with torch.inference_mode():
                out = self.model(self.X_test)
                loss, _ = backprop.loss_and_grad(out, self.y_test, self.task)
                if self.task == "classification":
                    metric = float((out.argmax(1) == self.y_test).double().mean())
                else:
                    total = float((self.y_test - self.y_test.mean()).pow(2).sum())
                    metric = 1 - float((out - self.y_test).pow(2).sum()) / total if total > 0 else 0.0
        finally:
            self.model.train()
        return {"test_loss": float(loss), self.metric_name: metric}

    def predict(self, X_scaled: np.ndarray) -> np.ndarray:
        """Class probabilities (n, classes), or regression predictions in the target's own units (n,)."""
        self.model.eval()
        try:
            with torch.inference_mode():
                out = self.model(torch.as_tensor(X_scaled, dtype=torch.float32))
        finally:
            self.model.train()
        if self.task == "classification":
            return torch.softmax(out, 1).numpy()
        return out[:, 0].numpy() * self._target_std + self._target_mean

    def probe(self, grad_norms: list[float] | None = None) -> list[dict[str, Any]]:
        """Per-layer, per-stage STATS on the fixed probe rows, in eval mode."""
        bounds = BOUNDED.get(self.config.activation)
        layers = []
        self.model.eval()
        try:
            with torch.inference_mode():
                h = self.probe_x
                for index, block in enumerate(self.model.blocks):
                    stages = {}
                    for stage, values in block.stages(h):
                        stage_bounds = bounds if stage == "act" else None
                        array = values.numpy()
                        key = (index, stage)
                        if key not in self._edges:
                            self._edges[key] = probes.choose_edges(array, stage_bounds)
                        stages[stage] = probes.stage_stats(array, self._edges[key], stage_bounds)
                        h = values
                    layers.append(
                        {
                            "index": index,
                            "width": block.linear.out_features,
                            "order": block.order,
                            "grad_norm": grad_norms[index] if grad_norms else float("nan"),
                            "stages": stages,
                        }
                    )
        finally:
            self.model.train()
        return layers

    # ---- reporting ---------------------------------------------------------------------
    def report(self) -> dict[str, Any]:
        """The run report of DESIGN.md, JSON-ready (non-finite numbers become null)."""
        last = self.curve[-1] if self.curve else {}
        final = {
            "epochs_run": self.epoch,
            "train_loss": last.get("train_loss"),
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


def _weight_slices(model: torch.nn.Module) -> list[slice]:
    """Where each hidden layer's Linear weight sits in the flat gradient buffer."""
    offsets, start = {}, 0
    for param in model.parameters():
        offsets[id(param)] = slice(start, start + param.numel())
        start += param.numel()
    return [offsets[id(block.linear.weight)] for block in model.blocks]


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
