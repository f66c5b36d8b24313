"""`Members`: K runs that share data shape and architecture, advanced together by the training core.

Each member keeps what makes it its own run (data after its skew and scaler, weights from its seed, its
shuffling generator, learning rate, momentum, weight decay and BN statistics); the arithmetic is batched
over members. The single-run `Trainer` is one member; a sweep group is many. A member that diverges is
marked and left out of the curves from then on, while the others go on.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch

from explorer.config import BATCH_NORMS, TRAINING_KEYS, Config, ConfigError
from explorer.core import backprop
from explorer.core.network import Network, architecture, forward, logits
from explorer.core.optim import FlatOptimizer
from explorer.data.pipeline import Prepared

# An epoch's cross-entropy weights (K × classes × rows floats) are made up front when they take at most this
# many values (16 MiB); beyond it, e.g. 50 classes × 40k rows × 32 members, the step makes each batch's own.
EPOCH_WEIGHTS_MAX_VALUES = 2**22


def metric_name(task: str) -> str:
    return "test_accuracy" if task == "classification" else "test_r2"


def group_key(config: Config, prepared: Prepared) -> tuple:
    """Members with equal keys can be trained together as one batched model."""
    shape = (prepared.task, len(prepared.train_idx), len(prepared.test_idx), prepared.X_train.shape[1])
    return (*shape, prepared.n_outputs, architecture(config), *(getattr(config, k) for k in TRAINING_KEYS))


class Members:
    """K runs trained together; resumable at any step and deterministic from each member's seed."""

    def __init__(
        self,
        configs: Sequence[Config],
        prepared: Sequence[Prepared],
        *,
        track_grad_norms: bool = False,
        on_epoch: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        keys = {group_key(c, p) for c, p in zip(configs, prepared, strict=True)}
        if len(keys) != 1:
            raise ConfigError("members trained together must share data shape, architecture, optimizer, batch size")
        self.configs = list(configs)
        self.k = len(configs)
        first = prepared[0]
        self.task = first.task
        self.metric_name = metric_name(self.task)
        if configs[0].norm in BATCH_NORMS and len(first.train_idx) < 2:
            raise ConfigError(
                f"norm={configs[0].norm} needs at least 2 training rows; this split has {len(first.train_idx)}: "
                "lower test_size or add rows"
            )
        # Feature-major (K, features, rows), as the training core wants them.
        self.X_train = torch.as_tensor(np.stack([p.X_train.T for p in prepared]), dtype=torch.float32).contiguous()
        self.X_test = torch.as_tensor(np.stack([p.X_test.T for p in prepared]), dtype=torch.float32).contiguous()
        self._set_targets(prepared)
        self.network = Network(self.X_train.shape[1], first.n_outputs, self.configs)
        self.optimizer = FlatOptimizer(
            self.network.flat,
            self.network.flat_grad,
            configs[0].optimizer,
            self._hyper("lr"),
            self._hyper("momentum"),
            self._hyper("weight_decay"),
        )
        # One shuffling generator per distinct seed: members that share a seed draw the same permutation
        # every epoch, so it is drawn once (a sweep's configurations at one seed share it).
        seeds = list(dict.fromkeys(c.seed for c in configs))
        self._shuffles = [torch.Generator().manual_seed(seed + 1) for seed in seeds]
        self._shuffle_of = None if len(seeds) == self.k else torch.tensor([seeds.index(c.seed) for c in configs])
        self._track_grad_norms = track_grad_norms
        self._on_epoch = on_epoch
        self.epoch = 0
        self.steps = 0
        self.diverged = np.zeros(self.k, dtype=bool)
        self._all_diverged = False  # `done` is asked every step: a bool, not a numpy reduction
        self.diverged_at: list[tuple[int, float] | None] = [None] * self.k  # (epoch, loss) when it happened
        self.curves: list[list[dict[str, float]]] = [[] for _ in range(self.k)]
        self.seconds_training = 0.0
        self._row_weights: torch.Tensor | None = None  # each training row's cross-entropy weights, (K, C, rows)
        # Decided once: an epoch carries the one kind of target or the other for the whole run.
        self._weights_up_front = (
            self.task == "classification" and self.y_train.numel() * self.network.n_out <= EPOCH_WEIGHTS_MAX_VALUES
        )
        self._start_epoch()

    def _set_targets(self, prepared: Sequence[Prepared]) -> None:
        self.target_mean = np.zeros(self.k)
        self.target_std = np.ones(self.k)
        if self.task == "classification":
            self.y_train = torch.as_tensor(np.stack([p.y_train for p in prepared]), dtype=torch.long)[:, None]
            self.y_test = torch.as_tensor(np.stack([p.y_test for p in prepared]), dtype=torch.long)[:, None]
            return
        # MSE on a target standardized with train statistics: the loss scale means the same everywhere
        for i, p in enumerate(prepared):
            self.target_mean[i], self.target_std[i] = float(p.y_train.mean()), float(p.y_train.std()) or 1.0
        mean, std = self.target_mean[:, None], self.target_std[:, None]
        train = np.stack([p.y_train for p in prepared])
        test = np.stack([p.y_test for p in prepared])
        self.y_train = torch.as_tensor((train - mean) / std, dtype=torch.float32)[:, None]
        self.y_test = torch.as_tensor((test - mean) / std, dtype=torch.float32)[:, None]

    def _hyper(self, key: str) -> float | torch.Tensor:
        """One number when every member agrees (the fused fast path), else a per-member tensor."""
        values = [getattr(c, key) for c in self.configs]
        return values[0] if len(set(values)) == 1 else self.network.member_vector(values)

    # ---- state -------------------------------------------------------------------------
    @property
    def epochs(self) -> int:
        return self.configs[0].epochs

    @property
    def done(self) -> bool:
        return self._all_diverged or self.epoch >= self.epochs

    @property
    def batch_sizes(self) -> list[int]:
        """Rows in each of this epoch's batches (every epoch has the same ones)."""
        return [batch.shape[2] for batch in self._x_batches]

    def set_lr(self, lr: float) -> None:
        """One learning rate for every member from the next step on."""
        self.configs = [c.replace(lr=lr) for c in self.configs]
        self.optimizer.lr = lr

    def set_epochs(self, epochs: int) -> None:
        """Change the length; a finished group that is lengthened goes on where it stopped."""
        self.configs = [c.replace(epochs=epochs) for c in self.configs]
        if not self.done and self._next_batch >= len(self._x_batches):
            self._start_epoch()  # the epoch that ended the run set up no next one

    def _start_epoch(self) -> None:
        order = torch.stack([torch.randperm(self.X_train.shape[2], generator=g) for g in self._shuffles])
        if len(self._shuffles) == 1:
            order = order.expand(self.k, -1)  # every member shares the one permutation: a view
        elif self._shuffle_of is not None:
            order = order.index_select(0, self._shuffle_of)
        order = order[:, None]
        size = self.configs[0].batch_size
        # Shuffled and split once per epoch, rather than gathered per step.
        self._x_batches = self.X_train.gather(2, order.expand_as(self.X_train)).split(size, dim=2)
        if self._weights_up_front:
            self._targets = self._class_weights(order, size)  # the classes themselves are not needed
        else:
            self._targets = self.y_train.gather(2, order).split(size, dim=2)
        if self.configs[0].norm in BATCH_NORMS and self._x_batches[-1].shape[2] < 2 and len(self._x_batches) > 1:
            # Batch norm cannot normalise a batch of one row: that row sits this epoch out.
            self._x_batches, self._targets = self._x_batches[:-1], self._targets[:-1]
        self._epoch_rows = sum(self.batch_sizes)
        self._next_batch = 0
        self._losses: list[torch.Tensor] = []  # each step's (K,) losses, summed when needed
        self.grad_sq = torch.zeros_like(self.network.flat_grad) if self._track_grad_norms else None

    def _class_weights(self, order: torch.Tensor, size: int) -> list[torch.Tensor]:
        """Each batch's `backprop.cross_entropy_weights`, made once per epoch so that the step skips that
        work: the full batches in one gather from each training row's weights (made once per run),
        batch-major so that each batch's weights are contiguous; a shorter last batch on its own."""
        rows = order.shape[2]
        full = rows - rows % size
        if self._row_weights is None:  # the batch size is the group's for the whole run (TRAINING_KEYS)
            self._row_weights = backprop.cross_entropy_weights(self.y_train, self.network.n_out, rows=size)
        k, n_out, _ = self._row_weights.shape
        index = order[:, :, :full].unflatten(2, (-1, size)).permute(2, 0, 1, 3)  # (batches, K, 1, size), a view
        source = self._row_weights.expand(index.shape[0], k, n_out, rows)
        batches = list(source.gather(3, index.expand(-1, -1, n_out, -1)).unbind())
        if full < rows:
            classes = self.y_train.gather(2, order[:, :, full:])
            batches.append(backprop.cross_entropy_weights(classes, self.network.n_out))
        return batches

    def _loss_sum(self) -> torch.Tensor:
        """Each member's summed loss over this epoch's rows so far (K,): one op per epoch, not one per step."""
        if not self._losses:
            return torch.zeros(self.k)
        rows = torch.tensor(self.batch_sizes[: len(self._losses)], dtype=torch.float32)
        return rows @ torch.stack(self._losses)

    # ---- training ----------------------------------------------------------------------
    def advance(self, *, steps: int | None = None, epochs: int | None = None, seconds: float | None = None) -> int:
        """Train until the first of the given limits (or the end); returns epochs completed."""
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
                if self._next_batch == len(self._x_batches):
                    self._end_epoch()
                    finished += 1
                if time.perf_counter() >= deadline:
                    break
            loss_sum = self._loss_sum()
            self._mark_diverged(torch.isfinite(loss_sum).numpy(), loss_sum.numpy())
        self.seconds_training += time.perf_counter() - start
        return finished

    def _step(self) -> None:
        index = self._next_batch
        self._losses.append(backprop.step(self.network, self._x_batches[index], self._targets[index], self.task))
        if self.grad_sq is not None:
            self.grad_sq.addcmul_(self.network.flat_grad, self.network.flat_grad)
        self.optimizer.step()
        self._next_batch += 1
        self.steps += 1

    def _mark_diverged(self, finite: np.ndarray, losses: np.ndarray) -> None:
        for member in np.flatnonzero(~finite & ~self.diverged):
            self.diverged[member] = True
            self.diverged_at[member] = (self.epoch + 1, float(losses[member]))
        self._all_diverged = bool(self.diverged.all())

    def _end_epoch(self) -> None:
        train_loss = self._loss_sum().numpy() / self._epoch_rows
        self._mark_diverged(np.isfinite(train_loss) & self.network.finite_members().numpy(), train_loss)
        if self.diverged.all():
            return
        self.epoch += 1
        test_loss, metric = self.evaluate()
        train_losses, test_losses, metrics = train_loss.tolist(), test_loss.tolist(), metric.tolist()  # floats
        for member in np.flatnonzero(~self.diverged).tolist():
            self.curves[member].append(
                {
                    "epoch": self.epoch,
                    "train_loss": train_losses[member],
                    "test_loss": test_losses[member],
                    self.metric_name: metrics[member],
                }
            )
        if self._on_epoch is not None:
            self._on_epoch({"batches": len(self._x_batches)})
        if not self.done:
            self._start_epoch()

    # ---- measuring ---------------------------------------------------------------------
    def evaluate(self) -> tuple[np.ndarray, np.ndarray]:
        """Each member's test loss and accuracy (or R²), in eval mode: two arrays of shape (K,)."""
        with torch.inference_mode():
            out = logits(self.network, self.X_test)
            loss = backprop.mean_loss(out, self.y_test, self.task)
            if self.task == "classification":
                predicted = out.max(1, keepdim=True).indices  # argmax over a short middle axis is ~20× slower
                metric = (predicted == self.y_test).double().mean((1, 2))
            else:
                y = self.y_test.double()
                total = (y - y.mean(2, keepdim=True)).square().sum((1, 2))
                residual = (out.double() - y).square().sum((1, 2))
                metric = torch.where(total > 0, 1 - residual / total.clamp_min(1e-300), torch.zeros_like(total))
        return loss.double().numpy(), metric.numpy()

    def train_loss_eval(self) -> np.ndarray:
        """Each member's loss on its whole training split in eval mode (BN with running statistics), (K,).

        Beside the epoch's `train_loss` (the mean over its batches in train mode, while the weights moved)
        this is the training loss measured the way the test loss is: under BN they can differ a lot.
        """
        with torch.inference_mode():
            loss = backprop.mean_loss(logits(self.network, self.X_train), self.y_train, self.task)
        return loss.double().numpy()

    def outputs(self, X: np.ndarray | torch.Tensor) -> torch.Tensor:
        """Eval-mode outputs of every member for the same rows X (n, features): (K, outputs, n)."""
        x = torch.as_tensor(X, dtype=torch.float32).T.contiguous()
        with torch.inference_mode():
            return logits(self.network, x.expand(self.k, *x.shape))

    def stage_values(self, x: torch.Tensor, members: Sequence[int]) -> list[list[list[tuple[str, np.ndarray]]]]:
        """For each of `members`: its values at every stage of every hidden layer, eval mode, as
        (rows × units) arrays. x is feature-major (K, features, rows), e.g. a slice of `X_test`."""
        with torch.inference_mode():
            _, stages = forward(self.network, x, keep_stages=True)
        return [[[(name, values[m].T.numpy()) for name, values in layer] for layer in stages] for m in members]
