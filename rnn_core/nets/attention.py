"""Additive attention (Bahdanau, Cho & Bengio 2015), shared by the translator and the captioner.

A decoder state s asks a question of a set of vectors h_1..h_n (encoder states, or a picture's grid of
features) with an additive score:

    e_j = v · tanh(W s + U h_j),   α = softmax_j(e),   c = Σ_j α_j h_j

:func:`additive_layers` makes W, U and v (in that order, so that a model that creates them keeps the random
draws it always had); :func:`attend` is one step of it, given the keys U h_j computed once per input.
"""

from __future__ import annotations

import torch
from torch import nn


def additive_layers(state_size: int, key_size: int, attention_size: int) -> tuple[nn.Linear, nn.Linear, nn.Linear]:
    """(W, U, v): the query layer on the decoder's state (no bias), the key layer on the attended vectors (its
    bias is the score's bias) and the score vector (no bias)."""
    query = nn.Linear(state_size, attention_size, bias=False)
    key = nn.Linear(key_size, attention_size)
    score = nn.Linear(attention_size, 1, bias=False)
    return query, key, score


def attend(score: nn.Linear, keys: torch.Tensor, query: torch.Tensor, values: torch.Tensor,
           mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
    """One step: ``keys`` (batch, n, A) = U h_j, ``query`` (batch, A) = W s, ``values`` (batch, n, D) = h_j;
    ``mask`` (batch, n) False where there is nothing to attend (padding). Returns the context (batch, 1, D)
    and the weights α (batch, n)."""
    energy = score(torch.tanh(keys + query[:, None, :])).squeeze(-1)
    if mask is not None:
        energy = energy.masked_fill(~mask, float("-inf"))
    alpha = torch.softmax(energy, dim=-1)
    return torch.bmm(alpha[:, None, :], values), alpha


class AdditiveAttention(nn.Module):
    """The three layers as one module, for a model built around them: ``forward(keys, state, values, mask)``
    with ``keys = self.keys(values)`` computed once per input."""

    def __init__(self, state_size: int, key_size: int, attention_size: int):
        super().__init__()
        self.query, self.key, self.score = additive_layers(state_size, key_size, attention_size)

    def keys(self, values: torch.Tensor) -> torch.Tensor:
        return self.key(values)

    def forward(self, keys: torch.Tensor, state: torch.Tensor, values: torch.Tensor,
                mask: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        return attend(self.score, keys, self.query(state), values, mask)
