"""The loss landscape along the gradient (Santurkar et al. 2018, §3.1): how far a step can go.

At an epoch's end, on one fixed training batch, take the gradient g at the current weights w and, for
a log grid of step sizes η, measure the loss L(w − ηg) and the gradient change ‖∇L(w − ηg) − ∇L(w)‖:
Santurkar et al.'s "loss landscape" and "gradient predictiveness". A smoother landscape lets larger steps
still lower the loss. The probe leaves the run exactly as it found it (weights, BN running statistics,
noise generators); BN runs in train mode on the batch, as in a training step, and bn_noisy sees one
fixed noise draw for the whole grid.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from explorer.config import Config
from explorer.core import backprop
from explorer.runs.training import Trainer, to_jsonable

STEPS = tuple(float(x) for x in np.logspace(-4, 1, 26))  # η from 1e-4 to 10, five per decade
BN_MODE = "BN in train mode on the probe batch (batch statistics), as in a training step"


def _probe_batch(trainer: Trainer) -> tuple[torch.Tensor, torch.Tensor]:
    """The same training rows at every epoch: the first `batch_size` of a permutation fixed by the seed."""
    members = trainer.members
    rows = members.X_train.shape[2]
    order = torch.randperm(rows, generator=torch.Generator().manual_seed(trainer.config.seed + 3))
    chosen = order[: max(2, min(trainer.config.batch_size, rows))]
    return members.X_train[:, :, chosen], members.y_train[:, :, chosen]


def probe(trainer: Trainer, steps: tuple[float, ...] = STEPS) -> dict[str, Any]:
    """Loss and gradient change along −g for each step size, at the trainer's current weights."""
    network = trainer.network
    x, y = _probe_batch(trainer)
    weights = network.flat.clone()
    buffers = {name: b.clone() for name, b in network.buffers.items()}
    generators = [g for layer in network.layers if layer.noise for g in layer.noise.generators]
    states = [g.get_state() for g in generators]

    def loss_and_grad_at(w: torch.Tensor) -> tuple[float, torch.Tensor]:
        network.flat.copy_(w)
        for name, saved in buffers.items():
            network.buffers[name].copy_(saved)
        for generator, state in zip(generators, states, strict=True):
            generator.set_state(state)
        loss = backprop.step(network, x, y, trainer.task)
        return float(loss[0]), network.flat_grad.clone()

    with torch.inference_mode():
        loss0, grad0 = loss_and_grad_at(weights)
        losses, changes = [], []
        for eta in steps:
            loss, grad = loss_and_grad_at(weights - eta * grad0)
            losses.append(loss)
            changes.append(float(torch.linalg.vector_norm(grad - grad0)))
        loss_and_grad_at(weights)  # leave weights, statistics and generators as they were
        network.flat_grad.zero_()
    lowering = [eta for eta, loss in zip(steps, losses, strict=True) if np.isfinite(loss) and loss < loss0]
    return {
        "epoch": trainer.epoch,
        "loss_at_w": loss0,
        "gradient_norm": float(torch.linalg.vector_norm(grad0)),
        "steps": list(steps),
        "loss": losses,
        "grad_change": changes,
        "largest_lowering_step": max(lowering) if lowering else None,
    }


def landscape(config: Config, at_epochs: list[int]) -> dict[str, Any]:
    """Train `config` and probe the landscape at each epoch in `at_epochs` (0 = at initialisation)."""
    trainer = Trainer(config)
    probes = []
    for epoch in sorted(set(at_epochs)):
        if epoch > trainer.epoch:
            trainer.advance(epochs=epoch - trainer.epoch)
        if trainer.diverged:
            break
        probes.append(probe(trainer))
    return to_jsonable(
        {
            "config": config.to_dict(),
            "batch": {"rows": int(_probe_batch(trainer)[0].shape[2]), "bn": BN_MODE},
            "probes": probes,
            "diverged": trainer.diverged,
        }
    )


def format_landscape(report: dict[str, Any]) -> str:
    lines = [f"one fixed training batch of {report['batch']['rows']} rows; {report['batch']['bn']}"]
    for p in report["probes"]:
        largest = p["largest_lowering_step"]
        lines.append(
            f"epoch {p['epoch']}: loss {p['loss_at_w']:.4f}, ‖g‖ {p['gradient_norm']:.4g}, largest step that "
            f"still lowers the loss: {'none on the grid' if largest is None else f'{largest:.3g}'}"
        )
        lines.append("  η         L(w − ηg)    ‖∇L(w − ηg) − ∇L(w)‖")
        for eta, loss, change in zip(p["steps"], p["loss"], p["grad_change"], strict=True):
            shown_loss = "-" if loss is None else f"{loss:.4f}"
            shown_change = "-" if change is None else f"{change:.4g}"
            lines.append(f"  {eta:<9.3g} {shown_loss:<12} {shown_change}")
    if report["diverged"]:
        lines.append("training diverged before the last requested epoch")
    return "\n".join(lines)
