"""Synthetic long-dependency tasks: sequences whose answer depends on something seen long ago.

Each generator takes a batch size, a length and a ``torch.Generator`` (so runs are reproducible) and
returns input and target tensors.
"""

from __future__ import annotations

import torch


def adding_batch(batch: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The adding problem (Hochreiter & Schmidhuber 1997 §5.4, in the variant of Le et al. 2015).

    Each step carries a pair (value, marker): values uniform in [0, 1], markers 0 except at two steps, one in
    the first half and one in the second. The target is the sum of the two marked values. Returns
    ``x`` of shape ``(batch, length, 2)`` and ``y`` of shape ``(batch,)``. A model that ignores the inputs
    and always answers 1 has a mean squared error of about 0.167.
    """
    values = torch.rand(batch, length, generator=generator)
    markers = torch.zeros(batch, length)
    half = max(1, length // 2)
    first = torch.randint(0, half, (batch,), generator=generator)
    second = torch.randint(half, length, (batch,), generator=generator) if length > 1 else first
    rows = torch.arange(batch)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([values, markers], dim=-1)
    y = (values * markers).sum(dim=1)
    return x, y
