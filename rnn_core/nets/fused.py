"""PyTorch's fused recurrent layers (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``) by cell name: the one factory.

The fused layers run a whole sequence in one call (fast); :mod:`rnn_core.nets.cells` holds the same cells written
out as equations, for the pages that show every gate.
"""

from __future__ import annotations

import torch
from torch import nn

FUSED = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}


def fused_rnn(cell: str, input_size: int, hidden_size: int, num_layers: int = 1, **options) -> nn.Module:
    """The fused ``torch.nn`` layer for ``cell`` ("rnn", "lstm" or "gru"); ``options`` go to its constructor
    (``batch_first``, ``bidirectional``, ``nonlinearity``, ``dropout``...)."""
    return FUSED[cell](input_size, hidden_size, num_layers, **options)


def detach_state(state):
    """Cut the graph behind a recurrent state (truncated backpropagation through time)."""
    if state is None:
        return None
    if isinstance(state, tuple):
        return tuple(s.detach() for s in state)
    return state.detach()


def pick_device() -> torch.device:
    """CUDA when present, CPU otherwise."""
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")
