"""SGD, SGD with momentum and Adam on one flat parameter buffer: a few tensor ops per step in all.

The update rules are torch.optim's (SGD with dampening 0; Adam with bias correction and L2 weight decay
added to the gradient), so results match `torch.optim` up to float rounding.
"""

from __future__ import annotations

import math

import torch

_FUSED_ADAM = getattr(torch, "_fused_adam_", None)


class FlatOptimizer:
    def __init__(
        self,
        params: torch.Tensor,
        grads: torch.Tensor,
        kind: str,
        lr: float,
        momentum: float = 0.9,
        weight_decay: float = 0.0,
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

    def step(self) -> None:
        self.steps += 1
        grad = self.grads
        if self.weight_decay:
            grad = grad.add(self.params, alpha=self.weight_decay)
        if self.kind == "sgd":
            self.params.add_(grad, alpha=-self.lr)
        elif self.kind == "momentum":
            self.buffer.mul_(self.momentum).add_(grad)
            self.params.add_(self.buffer, alpha=-self.lr)
        elif _FUSED_ADAM is not None:  # the kernel torch.optim.Adam(fused=True) runs: one op, not seven
            self._step_tensor.fill_(self.steps)
            beta1, beta2 = self.betas
            _FUSED_ADAM(
                [self.params],
                [grad],
                [self.buffer],
                [self.square],
                [],
                [self._step_tensor],
                amsgrad=False,
                lr=self.lr,
                beta1=beta1,
                beta2=beta2,
                weight_decay=0.0,
                eps=self.eps,
                maximize=False,
            )
        else:
            beta1, beta2 = self.betas
            self.buffer.lerp_(grad, 1 - beta1)
            self.square.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            correction1 = 1 - beta1**self.steps
            correction2_sqrt = math.sqrt(1 - beta2**self.steps)
            denom = self.square.sqrt().div_(correction2_sqrt).add_(self.eps)
            self.params.addcdiv_(self.buffer, denom, value=-self.lr / correction1)
