"""SGD, SGD with momentum and Adam on one flat parameter buffer: a few tensor ops per step in all.

The update rules are torch.optim's (SGD with dampening 0; Adam with bias correction and L2 weight decay
added to the gradient), so results match `torch.optim` up to float rounding. A hyperparameter is either
one number for the whole buffer or a tensor shaped like it, which gives each sweep member its own
learning rate, momentum and weight decay (see `Network.member_vector`).
"""

from __future__ import annotations

import math

import torch

_FUSED_ADAM = getattr(torch, "_fused_adam_", None)
Hyper = float | torch.Tensor


class FlatOptimizer:
    def __init__(
        self,
        params: torch.Tensor,
        grads: torch.Tensor,
        kind: str,
        lr: Hyper,
        momentum: Hyper = 0.9,
        weight_decay: Hyper = 0.0,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        self.params, self.grads, self.kind = params, grads, kind
        self.lr, self.momentum, self.weight_decay = lr, momentum, weight_decay
        self.betas, self.eps = betas, eps
        self.steps = 0
        self.buffer = torch.zeros_like(params) if kind in ("momentum", "adam") else None
        self.square = torch.zeros_like(params) if kind == "adam" else None
        self._step_tensor = torch.zeros(())
        self._delta: torch.Tensor | None = None

    def _fused_adam(self, grad: torch.Tensor, lr: float, params: torch.Tensor | None = None) -> None:
        """torch.optim.Adam(fused=True)'s kernel on `params` (default: the parameters themselves)."""
        self._step_tensor.fill_(self.steps)
        beta1, beta2 = self.betas
        _FUSED_ADAM(
            [self.params if params is None else params],
            [grad],
            [self.buffer],
            [self.square],
            [],
            [self._step_tensor],
            amsgrad=False,
            lr=lr,
            beta1=beta1,
            beta2=beta2,
            weight_decay=0.0,
            eps=self.eps,
            maximize=False,
        )

    def _decayed(self, grad: torch.Tensor) -> torch.Tensor:
        if isinstance(self.weight_decay, torch.Tensor):
            return torch.addcmul(grad, self.params, self.weight_decay)
        return grad.add(self.params, alpha=self.weight_decay) if self.weight_decay else grad

    def step(self) -> None:
        self.steps += 1
        grad = self._decayed(self.grads)
        per_member_lr = isinstance(self.lr, torch.Tensor)
        if self.kind == "sgd":
            _descend(self.params, grad, self.lr)
        elif self.kind == "momentum":
            self.buffer.mul_(self.momentum).add_(grad)
            _descend(self.params, self.buffer, self.lr)
        elif _FUSED_ADAM is not None and not per_member_lr:  # torch.optim.Adam(fused=True)'s kernel: one op
            self._fused_adam(grad, self.lr)
        elif _FUSED_ADAM is not None:
            # Per-member learning rates: the fused step with lr = 1 on a zeroed buffer leaves −u there (u the
            # whole Adam update), then params += lr·(−u). Three ops instead of eight, and p − lr·u as
            # torch.optim computes it (a lerp from p to p − u would round twice).
            if self._delta is None:
                self._delta = torch.empty_like(self.params)
            self._fused_adam(grad, 1.0, self._delta.zero_())
            self.params.addcmul_(self._delta, self.lr)
        else:
            beta1, beta2 = self.betas
            self.buffer.lerp_(grad, 1 - beta1)
            self.square.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            correction1 = 1 - beta1**self.steps
            correction2_sqrt = math.sqrt(1 - beta2**self.steps)
            denom = self.square.sqrt().div_(correction2_sqrt).add_(self.eps)
            if per_member_lr:
                self.params.addcdiv_(self.buffer * self.lr, denom, value=-1 / correction1)
            else:
                self.params.addcdiv_(self.buffer, denom, value=-self.lr / correction1)


def _descend(params: torch.Tensor, direction: torch.Tensor, lr: Hyper) -> None:
    if isinstance(lr, torch.Tensor):
        params.addcmul_(direction, lr, value=-1)
    else:
        params.add_(direction, alpha=-lr)
