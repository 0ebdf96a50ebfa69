"""The encoder–decoder, with a switch for additive attention: the translator's model, and Compare's reverse task's.

An encoder RNN reads the input characters; a decoder RNN writes the output one character at a time, fed the
previous output character (the true one while training, "teacher forcing"; its own guess when tested,
"greedy decoding"). Without attention the decoder starts from the encoder's last state and sees nothing else:
the whole input must squeeze through that one vector. With attention (Bahdanau, Cho & Bengio 2015) the decoder
also reads, at every step t, a context c_t = Σ_j α_tj h_j, a weighted mean of all the encoder's states, with
weights from an additive score:

    e_tj = v · tanh(W s_{t-1} + U h_j),   α_t = softmax_j(e_t),   s_t = RNN([y_{t-1}; c_t], s_{t-1}),
    p(y_t) = softmax(W_o [s_t; c_t] + b_o)

The weights α are what the page draws: which input characters each output character looked at. The score is
:mod:`rnn_core.nets.attention`'s, which Caption a picture shares.

Compare's reverse task is this same model with attention off and a one-way encoder (:class:`rnn_core.compare.experiments.TaskModel`
builds one); the date translator and the length experiment use a bidirectional encoder, whose two
last states, side by side, start the decoder.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnn_core.errors import RNNLabError
from rnn_core.nets.attention import additive_layers, attend
from rnn_core.nets.fused import FUSED, fused_rnn


class EncoderDecoder(nn.Module):
    """Characters in, characters out: ``forward(x, y) -> logits (batch, T_out, out_vocab)``.

    ``x`` holds input ids ``(batch, T_in)`` (ids ≥ ``in_vocab`` are padding, with ``lengths`` saying where each
    row ends); ``y`` the target ids ``(batch, T_out)`` for teacher forcing, or None to decode greedily for
    ``out_length`` steps (default ``T_in``).
    """

    def __init__(self, in_vocab: int, out_vocab: int, hidden_size: int, cell: str = "lstm",
                 bidirectional: bool = True, attention: bool = True, **rnn_kwargs):
        super().__init__()
        if cell not in FUSED:
            raise RNNLabError(f"Unknown cell {cell!r}; choose among {', '.join(FUSED)}.")
        self.in_vocab, self.out_vocab, self.cell = in_vocab, out_vocab, cell
        self.hidden_size, self.bidirectional, self.attention = hidden_size, bidirectional, attention
        directions = 2 if bidirectional else 1
        state = directions * hidden_size            # the decoder's state: both directions' last states
        context = state if attention else 0
        # Created in this order (encoder, decoder, read-out) so that, with attention off, a seed gives the weights
        # Compare's reverse task has always had.
        self.encoder = fused_rnn(cell, in_vocab, hidden_size, batch_first=True, bidirectional=bidirectional,
                                    **rnn_kwargs)
        self.decoder = fused_rnn(cell, out_vocab + 1 + context, state, batch_first=True, **rnn_kwargs)   # +1: "start"
        self.head = nn.Linear(state + context, out_vocab)
        if attention:
            self.query, self.key, self.score = additive_layers(state, state, hidden_size)   # W, U, v

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def encode(self, x: torch.Tensor, lengths: torch.Tensor | None = None):
        """Encoder states ``(batch, T_in, state)``, the decoder's first state and the padding mask (or None)."""
        inputs = F.one_hot(x.clamp(max=self.in_vocab - 1), self.in_vocab).float()
        mask = None
        if lengths is not None and bool((lengths < x.shape[1]).any()):
            mask = torch.arange(x.shape[1])[None, :] < lengths[:, None]
            packed = pack_padded_sequence(inputs, lengths.cpu(), batch_first=True, enforce_sorted=False)
            out, state = self.encoder(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=x.shape[1])
        else:
            out, state = self.encoder(inputs)
        if self.bidirectional:   # (2, batch, H) -> (1, batch, 2H): forward's last state beside backward's
            join = lambda s: torch.cat([s[0], s[1]], dim=-1).unsqueeze(0)
            state = tuple(join(s) for s in state) if isinstance(state, tuple) else join(state)
        return out, state, mask

    def _start(self, batch: int) -> torch.Tensor:
        return torch.full((batch, 1), self.out_vocab, dtype=torch.long)

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None, lengths: torch.Tensor | None = None,
                out_length: int | None = None, return_attention: bool = False):
        out, state, mask = self.encode(x, lengths)
        steps = y.shape[1] if y is not None else (out_length or x.shape[1])
        if not self.attention:
            logits = self._plain(state, y, steps)
            return (logits, None) if return_attention else logits
        logits, weights = self._attend(out, state, mask, y, steps)
        return (logits, weights) if return_attention else logits

    def _plain(self, state, y, steps: int) -> torch.Tensor:
        """The decoder on the encoder's last state alone."""
        start = self._start(state[0].shape[1] if isinstance(state, tuple) else state.shape[1])
        if y is not None:   # teacher forcing: the decoder sees the true previous character, all steps at once
            previous = torch.cat([start, y[:, :-1]], dim=1)
            dec, _ = self.decoder(F.one_hot(previous, self.out_vocab + 1).float(), state)
            return self.head(dec)
        logits, token = [], start
        for _ in range(steps):
            dec, state = self.decoder(F.one_hot(token, self.out_vocab + 1).float(), state)
            step_logits = self.head(dec)
            logits.append(step_logits)
            token = step_logits.argmax(-1)
        return torch.cat(logits, dim=1)

    def _attend(self, out, state, mask, y, steps: int):
        """The decoder with a fresh context at every step (one step at a time: c_t depends on s_{t-1})."""
        keys = self.key(out)                                             # U h_j, once per sequence
        token = self._start(out.shape[0])
        logits, weights = [], []
        for t in range(steps):
            s = state[0] if isinstance(state, tuple) else state          # the LSTM's h, not its cell
            context, alpha = attend(self.score, keys, self.query(s[0]), out, mask)   # (batch, 1, state), (batch, T_in)
            step_in = torch.cat([F.one_hot(token, self.out_vocab + 1).float(), context], dim=-1)
            dec, state = self.decoder(step_in, state)
            step_logits = self.head(torch.cat([dec, context], dim=-1))
            logits.append(step_logits)
            weights.append(alpha)
            token = y[:, t:t + 1] if y is not None else step_logits.argmax(-1)
        return torch.cat(logits, dim=1), torch.stack(weights, dim=1)
