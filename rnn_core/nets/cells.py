"""Recurrent cells written as their equations, exposing every gate.

The parameters have the same names, shapes and chunk order as ``torch.nn.RNNCell``, ``LSTMCell`` and
``GRUCell`` (``weight_ih``, ``weight_hh``, ``bias_ih``, ``bias_hh``), so weights copy across unchanged and the
tests can prove the two agree. The pages write ``W_xh`` for ``weight_ih`` and ``W_hh`` for ``weight_hh``.

Every cell has one interface: ``cell(x, state) -> (h, state, gates)`` where ``x`` is ``(batch, input)``,
``state`` is whatever :meth:`initial_state` returns, ``h`` is the new hidden state ``(batch, hidden)`` and
``gates`` maps a gate's name to its values ``(batch, hidden)``.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from rnn_core.errors import RNNLabError

CELL_NAMES = ("rnn", "lstm", "gru")
ACTIVATIONS = {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}
RECURRENT_INITS = ("default", "normal", "orthogonal", "identity")


def _uniform_(params, hidden_size: int) -> None:
    bound = 1.0 / math.sqrt(hidden_size)
    for p in params:
        nn.init.uniform_(p, -bound, bound)


class RNNCell(nn.Module):
    """Vanilla (Elman) RNN cell.

    h_t = act(W_xh x_t + b_xh + W_hh h_{t-1} + b_hh),  act in {tanh, relu, sigmoid}
    """

    n_chunks = 1
    gate_names = ("pre_activation",)

    def __init__(self, input_size: int, hidden_size: int, activation: str = "tanh"):
        super().__init__()
        if activation not in ACTIVATIONS:
            raise RNNLabError(f"Unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}.")
        self.input_size, self.hidden_size, self.activation = input_size, hidden_size, activation
        self.weight_ih = nn.Parameter(torch.empty(hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(hidden_size))
        _uniform_(self.parameters(), hidden_size)

    def initial_state(self, batch: int, device=None) -> torch.Tensor:
        return torch.zeros(batch, self.hidden_size, device=device)

    def forward(self, x, h):
        a = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        h = ACTIVATIONS[self.activation](a)
        return h, h, {"pre_activation": a}


class LSTMCell(nn.Module):
    """Long short-term memory cell (Hochreiter & Schmidhuber 1997, with the forget gate of Gers et al. 2000).

    i_t = σ(W_xi x_t + W_hi h_{t-1} + b_i)        input gate
    f_t = σ(W_xf x_t + W_hf h_{t-1} + b_f)        forget gate
    g_t = tanh(W_xg x_t + W_hg h_{t-1} + b_g)     candidate
    o_t = σ(W_xo x_t + W_ho h_{t-1} + b_o)        output gate
    c_t = f_t ⊙ c_{t-1} + i_t ⊙ g_t
    h_t = o_t ⊙ tanh(c_t)
    """

    n_chunks = 4
    gate_names = ("input", "forget", "candidate", "output", "cell")

    def __init__(self, input_size: int, hidden_size: int, forget_bias: float = 1.0):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(4 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(4 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(4 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(4 * hidden_size))
        _uniform_(self.parameters(), hidden_size)
        set_forget_bias_(self.bias_ih, self.bias_hh, forget_bias)

    def initial_state(self, batch: int, device=None):
        z = torch.zeros(batch, self.hidden_size, device=device)
        return (z, z.clone())

    def forward(self, x, state):
        h, c = state
        a = x @ self.weight_ih.T + self.bias_ih + h @ self.weight_hh.T + self.bias_hh
        ai, af, ag, ao = a.chunk(4, dim=1)
        i, f, g, o = torch.sigmoid(ai), torch.sigmoid(af), torch.tanh(ag), torch.sigmoid(ao)
        c = f * c + i * g
        h = o * torch.tanh(c)
        return h, (h, c), {"input": i, "forget": f, "candidate": g, "output": o, "cell": c}


class GRUCell(nn.Module):
    """Gated recurrent unit (Cho et al. 2014), in PyTorch's formulation.

    r_t = σ(W_xr x_t + b_xr + W_hr h_{t-1} + b_hr)              reset gate
    z_t = σ(W_xz x_t + b_xz + W_hz h_{t-1} + b_hz)              update gate
    n_t = tanh(W_xn x_t + b_xn + r_t ⊙ (W_hn h_{t-1} + b_hn))   candidate
    h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_{t-1}
    """

    n_chunks = 3
    gate_names = ("reset", "update", "candidate")

    def __init__(self, input_size: int, hidden_size: int):
        super().__init__()
        self.input_size, self.hidden_size = input_size, hidden_size
        self.weight_ih = nn.Parameter(torch.empty(3 * hidden_size, input_size))
        self.weight_hh = nn.Parameter(torch.empty(3 * hidden_size, hidden_size))
        self.bias_ih = nn.Parameter(torch.empty(3 * hidden_size))
        self.bias_hh = nn.Parameter(torch.empty(3 * hidden_size))
        _uniform_(self.parameters(), hidden_size)

    def initial_state(self, batch: int, device=None) -> torch.Tensor:
        return torch.zeros(batch, self.hidden_size, device=device)

    def forward(self, x, h):
        xr, xz, xn = (x @ self.weight_ih.T + self.bias_ih).chunk(3, dim=1)
        hr, hz, hn = (h @ self.weight_hh.T + self.bias_hh).chunk(3, dim=1)
        r = torch.sigmoid(xr + hr)
        z = torch.sigmoid(xz + hz)
        n = torch.tanh(xn + r * hn)
        h = (1 - z) * n + z * h
        return h, h, {"reset": r, "update": z, "candidate": n}


def make_cell(cell: str, input_size: int, hidden_size: int, activation: str = "tanh",
              forget_bias: float = 1.0) -> nn.Module:
    """Build an equation cell by name (``rnn``, ``lstm`` or ``gru``)."""
    if cell == "rnn":
        return RNNCell(input_size, hidden_size, activation)
    if cell == "lstm":
        return LSTMCell(input_size, hidden_size, forget_bias)
    if cell == "gru":
        return GRUCell(input_size, hidden_size)
    raise RNNLabError(f"Unknown cell {cell!r}; choose one of {', '.join(CELL_NAMES)}.")


@torch.no_grad()
def set_forget_bias_(bias_ih: torch.Tensor, bias_hh: torch.Tensor, value: float) -> None:
    """Make the LSTM forget gate's total bias equal ``value``.

    A forget-gate bias of 1 keeps the cell state open at the start of training (Gers et al. 2000;
    Jozefowicz et al. 2015 found it closes most of the gap between LSTMs and other architectures).
    """
    hidden = bias_ih.shape[0] // 4
    bias_ih[hidden:2 * hidden] = value
    bias_hh[hidden:2 * hidden] = 0.0


@torch.no_grad()
def init_recurrent_(weight_hh: torch.Tensor, scheme: str = "default", gain: float = 1.0) -> None:
    """Re-initialise a recurrent matrix (every gate's block, for gated cells).

    ``normal``: entries N(0, gain²/H), so the spectral radius is close to ``gain``;
    ``orthogonal``: an orthogonal matrix times ``gain`` (all singular values equal ``gain``);
    ``identity``: ``gain`` times the identity (Le, Jaitly & Hinton 2015, with ReLU);
    ``default``: PyTorch's uniform(−1/√H, 1/√H), left as it is.
    """
    if scheme not in RECURRENT_INITS:
        raise RNNLabError(f"Unknown initialisation {scheme!r}; choose one of {', '.join(RECURRENT_INITS)}.")
    if scheme == "default":
        return
    hidden = weight_hh.shape[1]
    for block in weight_hh.split(hidden, dim=0):
        if scheme == "normal":
            block.normal_(0.0, gain / math.sqrt(hidden))
        elif scheme == "orthogonal":
            nn.init.orthogonal_(block, gain=gain)
        else:
            block.copy_(gain * torch.eye(hidden))
