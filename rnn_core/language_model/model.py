"""Sequence models built from a cell name, with one interface for every job.

:class:`LanguageModel` trains on PyTorch's fused ``nn.RNN``/``nn.LSTM``/``nn.GRU`` (fast) and can
:meth:`~LanguageModel.replay` any sequence through the equation cells of :mod:`rnn_core.nets.cells` with the same
weights, returning every hidden state and gate for the pages that inspect.

Interface (as in makemore): ``model(idx, targets=None, state=None) -> (logits, loss, state)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import torch
import torch.nn.functional as F
from torch import nn

from rnn_core.nets.fused import fused_rnn
from rnn_core.nets.cells import ACTIVATIONS, CELL_NAMES, init_recurrent_, make_cell, set_forget_bias_
from rnn_core.errors import RNNLabError

ENCODINGS = ("embedding", "onehot")
MAX_ONEHOT_VOCAB = 2000


@dataclass(frozen=True)
class ModelConfig:
    """Everything needed to rebuild a model's architecture (stored in checkpoints)."""

    vocab_size: int
    cell: str = "lstm"
    hidden_size: int = 128
    num_layers: int = 1
    encoding: str = "embedding"       # "embedding": learned vectors; "onehot": one-hot input vectors
    embedding_dim: int = 64
    activation: str = "tanh"          # vanilla RNN only
    forget_bias: float = 1.0          # LSTM only
    recurrent_init: str = "default"   # see cells.init_recurrent_
    recurrent_gain: float = 1.0
    dropout: float = 0.0

    def __post_init__(self):
        if self.cell not in CELL_NAMES:
            raise RNNLabError(f"Unknown cell {self.cell!r}; choose one of {', '.join(CELL_NAMES)}.")
        if self.encoding not in ENCODINGS:
            raise RNNLabError(f"Unknown input encoding {self.encoding!r}; choose one of {', '.join(ENCODINGS)}.")
        if self.activation not in ACTIVATIONS:
            raise RNNLabError(f"Unknown activation {self.activation!r}.")
        if not 1 <= self.hidden_size <= 2048:
            raise RNNLabError(f"Hidden size must be between 1 and 2048 (got {self.hidden_size}).")
        if not 1 <= self.num_layers <= 4:
            raise RNNLabError(f"Layers must be between 1 and 4 (got {self.num_layers}).")
        if self.vocab_size < 2:
            raise RNNLabError("The vocabulary needs at least two distinct tokens.")
        if self.encoding == "onehot" and self.vocab_size > MAX_ONEHOT_VOCAB:
            raise RNNLabError(
                f"One-hot input needs one input unit per token, and this vocabulary has {self.vocab_size:,} "
                f"tokens (at most {MAX_ONEHOT_VOCAB:,} for one-hot). Choose a learned embedding instead.")

    @property
    def input_size(self) -> int:
        return self.vocab_size if self.encoding == "onehot" else self.embedding_dim

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Replay:
    """Every quantity of a forward pass through the equation cells.

    ``hidden[layer]`` is ``(batch, time, hidden)``; ``gates[layer][name]`` likewise; ``logits`` is
    ``(batch, time, vocab)``.
    """

    hidden: list = field(default_factory=list)
    gates: list = field(default_factory=list)
    logits: torch.Tensor | None = None
    inputs: torch.Tensor | None = None


class LanguageModel(nn.Module):
    """Token in, next-token distribution out, at every step (many-to-many)."""

    def __init__(self, config: ModelConfig):
        super().__init__()
        self.config = config
        c = config
        self.embedding = nn.Embedding(c.vocab_size, c.embedding_dim) if c.encoding == "embedding" else None
        self.fused = c.cell != "rnn" or c.activation != "sigmoid"   # nn.RNN has no sigmoid
        if self.fused:
            kwargs = {"nonlinearity": c.activation} if c.cell == "rnn" else {}
            self.rnn = fused_rnn(c.cell, c.input_size, c.hidden_size, c.num_layers, batch_first=True,
                                      dropout=c.dropout if c.num_layers > 1 else 0.0, **kwargs)
        else:
            self.cells = nn.ModuleList(
                make_cell("rnn", c.input_size if k == 0 else c.hidden_size, c.hidden_size, c.activation)
                for k in range(c.num_layers))
        self.head = nn.Linear(c.hidden_size, c.vocab_size)
        self._init_recurrent()

    def _init_recurrent(self) -> None:
        c = self.config
        for k, (w_ih, w_hh, b_ih, b_hh) in enumerate(self.layer_weights()):
            init_recurrent_(w_hh, c.recurrent_init, c.recurrent_gain)
            if c.cell == "lstm":
                set_forget_bias_(b_ih, b_hh, c.forget_bias)

    def layer_weights(self) -> list[tuple[torch.Tensor, ...]]:
        """``(weight_ih, weight_hh, bias_ih, bias_hh)`` of every layer, shared with the fused module."""
        if not self.fused:
            return [(cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh) for cell in self.cells]
        return [tuple(getattr(self.rnn, f"{name}_l{k}") for name in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
                for k in range(self.config.num_layers)]

    @property
    def device(self) -> torch.device:
        return self.head.weight.device

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def encode_inputs(self, idx: torch.Tensor) -> torch.Tensor:
        """Token ids ``(batch, time)`` to input vectors x_t ``(batch, time, input)``."""
        if self.embedding is not None:
            return self.embedding(idx)
        return F.one_hot(idx, self.config.vocab_size).float()

    def forward(self, idx, targets=None, state=None, inputs=None):
        x = self.encode_inputs(idx) if inputs is None else inputs
        if self.fused:
            out, state = self.rnn(x, state)
        else:
            out, state, _ = self._run_cells(x, state, self.cells)
        logits = self.head(out)
        loss = None
        if targets is not None:
            loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1))
        return logits, loss, state

    # --- replay through the equation cells -------------------------------------------------------------

    def equation_cells(self) -> nn.ModuleList:
        """Equation cells holding copies of this model's weights, layer by layer."""
        if not self.fused:
            return self.cells
        c = self.config
        cells = nn.ModuleList()
        for k, weights in enumerate(self.layer_weights()):
            cell = make_cell(c.cell, c.input_size if k == 0 else c.hidden_size, c.hidden_size, c.activation)
            with torch.no_grad():
                for param, value in zip((cell.weight_ih, cell.weight_hh, cell.bias_ih, cell.bias_hh), weights):
                    param.copy_(value)
            cells.append(cell.to(self.device))
        return cells

    def replay(self, idx: torch.Tensor, state=None, inputs: torch.Tensor | None = None) -> Replay:
        """Run ``idx`` through the equation cells, recording every hidden state and gate.

        Gradients flow (to ``inputs`` if given, else to the weights of the copied cells): wrap the call
        in ``torch.no_grad()`` when only the values are wanted.
        """
        x = self.encode_inputs(idx) if inputs is None else inputs
        out, _, replay = self._run_cells(x, state, self.equation_cells())
        replay.logits = self.head(out)
        replay.inputs = x
        return replay

    def _run_cells(self, x, state, cells):
        """Unroll equation cells over time and layers; state in the fused modules' layout."""
        c = self.config
        batch, steps, _ = x.shape
        layer_states = self._split_state(state, batch)
        replay = Replay()
        final = []
        for k, cell in enumerate(cells):
            s = layer_states[k]
            hs, gates = [], {name: [] for name in cell.gate_names}
            for t in range(steps):
                h, s, g = cell(x[:, t], s)
                hs.append(h)
                for name, value in g.items():
                    gates[name].append(value)
            x = torch.stack(hs, dim=1)
            replay.hidden.append(x)
            replay.gates.append({name: torch.stack(v, dim=1) for name, v in gates.items()})
            final.append(s)
            if c.dropout and self.training and k < len(cells) - 1:
                x = F.dropout(x, c.dropout)
        return x, self._join_state(final), replay

    def _split_state(self, state, batch):
        c = self.config
        if state is None:
            zeros = torch.zeros(batch, c.hidden_size, device=self.device)
            return [(zeros, zeros) if c.cell == "lstm" else zeros for _ in range(c.num_layers)]
        if c.cell == "lstm":
            h, cs = state
            return [(h[k], cs[k]) for k in range(c.num_layers)]
        return [state[k] for k in range(c.num_layers)]

    def _join_state(self, states):
        if self.config.cell == "lstm":
            return (torch.stack([s[0] for s in states]), torch.stack([s[1] for s in states]))
        return torch.stack(states)
