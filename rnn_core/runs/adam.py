"""Adam, the one optimiser every run of the app uses: ``torch.optim.Adam``'s update on the CPU, bit for bit, without
loading ``torch._dynamo``.

Why not ``torch.optim.Adam`` itself: building any ``torch.optim`` optimiser imports ``torch._dynamo`` (its
``add_param_group`` is wrapped to keep the compiler out), which took 0.8 s and about 100 MB on the first training
of every app server, a learner's first click on a laptop included; nothing else the app does needs it. The update
is the one ``torch.optim.Adam`` runs on CPU tensors (its single-tensor path, as it defaults to there), operation
for operation, so every run replays what it did before (``tests/test_adam.py`` compares the two, weight decay
included)::

    g ← ∇ + λ θ                        (with weight decay λ, L2 as torch's Adam: added to the gradient)
    m ← m + (1 − β₁)(g − m)            (lerp)
    v ← β₂ v + (1 − β₂) g²
    θ ← θ − lr / (1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε)
"""

from __future__ import annotations

from collections.abc import Iterable

import torch


class Adam:
    """Adam over ``params``, with the parts of ``torch.optim.Adam``'s interface the training loop uses:
    ``param_groups[0]["lr"]`` (set before every step by the schedule), ``zero_grad()`` and ``step()``.

    A parameter whose gradient is ``None`` at a step is left alone, and its own step count does not advance (as
    torch's)."""

    def __init__(self, params: Iterable[torch.Tensor], lr: float, betas: tuple[float, float] = (0.9, 0.999),
                 eps: float = 1e-8, weight_decay: float = 0.0):
        self.params = list(params)
        self.param_groups = [{"params": self.params, "lr": lr}]
        self.betas, self.eps, self.weight_decay = betas, eps, weight_decay
        self.steps = [0] * len(self.params)
        self.exp_avg: list[torch.Tensor | None] = [None] * len(self.params)
        self.exp_avg_sq: list[torch.Tensor | None] = [None] * len(self.params)

    def zero_grad(self, set_to_none: bool = True) -> None:
        for p in self.params:
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.detach_().zero_()

    @torch.no_grad()
    def step(self) -> None:
        lr = self.param_groups[0]["lr"]
        beta1, beta2 = self.betas
        for i, param in enumerate(self.params):
            grad = param.grad
            if grad is None:
                continue
            if self.exp_avg[i] is None:
                self.exp_avg[i] = torch.zeros_like(param, memory_format=torch.preserve_format)
                self.exp_avg_sq[i] = torch.zeros_like(param, memory_format=torch.preserve_format)
            exp_avg, exp_avg_sq = self.exp_avg[i], self.exp_avg_sq[i]
            self.steps[i] += 1
            if self.weight_decay != 0:
                grad = grad.add(param, alpha=self.weight_decay)
            exp_avg.lerp_(grad, 1 - beta1)
            exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
            step = float(self.steps[i])   # torch keeps it in a float32 tensor: exact up to 2**24 steps
            bias_correction1 = 1 - beta1 ** step
            bias_correction2 = 1 - beta2 ** step
            denom = (exp_avg_sq.sqrt() / bias_correction2 ** 0.5).add_(self.eps)
            param.addcdiv_(exp_avg, denom, value=-(lr / bias_correction1))
