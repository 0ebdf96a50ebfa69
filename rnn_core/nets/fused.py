"""PyTorch's fused recurrent layers (``nn.RNN``, ``nn.LSTM``, ``nn.GRU``) by cell name: the one factory.

The fused layers run a whole sequence in one call (fast); :mod:`rnn_core.nets.cells` holds the same cells written
out as equations, for the pages that show every gate. The GRU is :class:`rnn_core.nets.gru.GRU`: ``nn.GRU`` with
the same parameters and results (up to rounding), which trains on the CPU through a hand-written backward
(``nn.GRU`` took about 1.8 times the LSTM's time per training step there; benchmarks/gru_speed.py).
"""

from __future__ import annotations

import os

import torch
from torch import nn

from rnn_core.nets.gru import GRU

FUSED = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": GRU}


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


# The work per training step (parameters × tokens in a batch) above which a GPU is worth its per-step cost. Small
# recurrent models are bound by launching and synchronising one small kernel per time step, not by arithmetic:
# on an H200 the Better preset (about 0.34 M parameters × 1,600 tokens = 5.4e8) trained worse in 60 s than on
# two CPU cores. Ten times Better's work is the bar; every preset of the app stays on the CPU.
GPU_WORTH = 5e9
DEVICE_ENV = "RNN_LAB_DEVICE"      # "cpu" or "cuda": force one (a benchmark, a machine measured otherwise)


def pick_device(params: int = 0, tokens_per_step: int = 0) -> torch.device:
    """The device that trains a model of ``params`` parameters on ``tokens_per_step`` tokens a step faster.

    The CPU, unless CUDA is present and the work per step is above :data:`GPU_WORTH` (or ``RNN_LAB_DEVICE``
    names a device)."""
    forced = os.environ.get(DEVICE_ENV, "").strip().lower()
    if forced in ("cpu", "cuda"):
        return torch.device("cuda" if forced == "cuda" and torch.cuda.is_available() else "cpu")
    if torch.cuda.is_available() and params * tokens_per_step >= GPU_WORTH:
        return torch.device("cuda")
    return torch.device("cpu")
