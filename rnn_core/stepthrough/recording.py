"""Every number of a tiny recurrent network's forward and backward pass, for the page that walks through it.

A word such as "hello" is read one character at a time, each character a one-hot vector over the word's
own letters (as in Karpathy's "The Unreasonable Effectiveness of Recurrent Neural Networks"), and at every
step the network predicts the next character:

    h_t = tanh(W_hh h_{t-1} + W_xh x_t + b)        (or the LSTM / GRU equations of :mod:`rnn_core.nets.cells`)
    y_t = softmax(W_hy h_t)
    L   = Σ_t L_t,   L_t = −log y_t[next character]

The forward pass runs through the equation cells themselves (:func:`rnn_core.nets.cells.make_cell`); the pieces
the page shows (W_xh·x_t, W_hh·h_{t−1}, b) are read off the same weights. The backward pass is backpropagation
through time written out by hand, step by step, so that the page can show the error signal arriving at each
step; :meth:`StepThrough.autograd_difference` checks it against PyTorch's autograd.
"""

from __future__ import annotations

import string
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from rnn_core.nets.cells import CELL_NAMES, make_cell
from rnn_core.errors import RNNLabError
from rnn_core.runs.loop import TrainConfig, seed_everything, train

ALPHABET = string.ascii_lowercase
MIN_WORD, MAX_WORD = 2, 10
MIN_HIDDEN, MAX_HIDDEN = 2, 8
TRAIN_STEPS = (0, 10, 30, 100, 300)
PARAM_NAMES = ("W_xh", "W_hh", "b_xh", "b_hh", "W_hy")
# What the page starts with (its widgets' defaults), as arguments of step_through; the claim tests use them too.
PAGE_DEFAULTS = {"word": "hello", "cell": "rnn", "hidden_size": 3, "seed": 0, "train_steps": 0}


def check_word(word: str) -> str:
    """The word, lower-cased and stripped, or an :class:`RNNLabError` saying what is wrong with it."""
    word = (word or "").strip().lower()
    if not word:
        raise RNNLabError("Type a short word to unroll the network over, for example “hello”.")
    outside = sorted({c for c in word if c not in ALPHABET})
    if outside:
        shown = " ".join(repr(c) for c in outside[:8])
        raise RNNLabError(f"The toy vocabulary has only the letters a to z; the word contains {shown}. "
                          "Use letters only (no spaces, digits, accents or punctuation).")
    if len(word) < MIN_WORD:
        raise RNNLabError(f"The word needs at least {MIN_WORD} letters: the network reads one letter and "
                          "predicts the next.")
    if len(word) > MAX_WORD:
        raise RNNLabError(f"“{word[:20]}” has {len(word)} letters; at most {MAX_WORD} fit on the screen. "
                          "Try a shorter word.")
    if len(set(word)) < 2:
        raise RNNLabError("The word needs at least two different letters, or there is nothing to predict.")
    return word


def check_settings(cell: str, hidden_size: int, train_steps: int) -> None:
    if cell not in CELL_NAMES:
        raise RNNLabError(f"Unknown cell {cell!r}; choose one of {', '.join(CELL_NAMES)}.")
    if not MIN_HIDDEN <= hidden_size <= MAX_HIDDEN:
        raise RNNLabError(f"The hidden size must be between {MIN_HIDDEN} and {MAX_HIDDEN} so the matrices fit on "
                          f"the screen (got {hidden_size}).")
    if not 0 <= train_steps <= max(TRAIN_STEPS):
        raise RNNLabError(f"Training steps must be between 0 and {max(TRAIN_STEPS)} (got {train_steps}).")


class TinyNetwork(nn.Module):
    """One equation cell and an output matrix W_hy (no output bias, to match y_t = softmax(W_hy h_t))."""

    def __init__(self, cell: str, vocab_size: int, hidden_size: int):
        super().__init__()
        self.cell = make_cell(cell, vocab_size, hidden_size)
        self.W_hy = nn.Linear(hidden_size, vocab_size, bias=False)

    def unroll(self, x: torch.Tensor):
        """``x`` is ``(T, V)`` one-hot rows; returns logits ``(T, V)``, the h_t and the cell's gates per step."""
        state = self.cell.initial_state(1, device=x.device)
        state = tuple(s.to(x.dtype) for s in state) if isinstance(state, tuple) else state.to(x.dtype)
        hs, gates = [], []
        for t in range(x.shape[0]):
            h, state, g = self.cell(x[t:t + 1], state)
            hs.append(h)
            gates.append(g)
        return self.W_hy(torch.cat(hs)), hs, gates


@dataclass
class ForwardStep:
    """Step t of the forward pass. Vectors are 1-D numpy arrays; gated cells' parts hold every gate's rows."""

    t: int
    char: str
    target: str
    x: np.ndarray
    h_prev: np.ndarray
    input_part: np.ndarray       # W_xh x_t
    recurrent_part: np.ndarray   # W_hh h_{t-1}
    bias: np.ndarray             # b_xh + b_hh
    pre_activation: np.ndarray   # the sum of the three
    gates: dict                  # the cell's gates (name -> (H,)); the vanilla RNN has none
    h: np.ndarray
    c: np.ndarray | None         # the LSTM's cell state
    logits: np.ndarray           # W_hy h_t
    probs: np.ndarray            # y_t
    loss: float                  # L_t = −log y_t[target]
    prediction: str              # the most likely next character


@dataclass
class BackwardStep:
    """Step t of backpropagation through time: the error signal arriving at h_t and what it passes on."""

    t: int
    d_logits: np.ndarray         # ∂L/∂(W_hy h_t) = y_t − onehot(target)
    dh_from_output: np.ndarray   # W_hyᵀ (y_t − onehot(target))
    dh_from_future: np.ndarray   # what step t+1 sent back
    dh: np.ndarray               # ∂L/∂h_t, the sum of the two
    dc: np.ndarray | None        # ∂L/∂c_t (LSTM), including what c_{t+1} sent back
    d_pre_activation: np.ndarray # the gradient at the cell's pre-activations (every gate's rows)
    d_gates: dict                # gradient at each gate's value (name -> (H,))
    dh_prev: np.ndarray          # what goes on to step t−1: ∂L/∂h_{t−1} through this step
    last_loss_dh_norm: float     # ‖∂L_T/∂h_t‖: only the last step's loss, travelling back
    dh_through_weights: np.ndarray | None = None  # the part of dh_prev that goes back through W_hhᵀ
    dh_direct: np.ndarray | None = None           # GRU: z_t ⊙ ∂L/∂h_t, the part that skips every matrix
    dc_from_future: np.ndarray | None = None      # LSTM: what c_{t+1} sent back, f_{t+1} ⊙ ∂L/∂c_{t+1}
    dc_prev: np.ndarray | None = None             # LSTM: what goes on to c_{t−1}, f_t ⊙ ∂L/∂c_t
    last_loss_dc_norm: float | None = None        # LSTM: ‖∂L_T/∂c_t‖, the last loss along the cell state


@dataclass
class StepThrough:
    word: str
    cell: str
    hidden_size: int
    seed: int
    train_steps: int
    vocab: list
    params: dict                 # PARAM_NAMES -> numpy arrays (torch's layout: gates stacked by rows)
    forward: list                # ForwardStep, t = 0 .. T−1
    backward: list               # BackwardStep, t = 0 .. T−1 (the page walks them from T−1 down)
    grads: dict                  # PARAM_NAMES -> ∂L/∂param, accumulated by hand over the steps
    loss: float                  # L = Σ_t L_t
    training_losses: list = field(default_factory=list)
    network: TinyNetwork | None = field(default=None, repr=False)

    @property
    def steps(self) -> int:
        return len(self.forward)

    def walk(self) -> list[tuple[str, int]]:
        """The order the page visits: ("forward", 0 .. T−1), then ("backward", T−1 .. 0)."""
        return [("forward", t) for t in range(self.steps)] + [("backward", t) for t in reversed(range(self.steps))]

    def autograd_difference(self) -> float:
        """Largest gap between the hand-computed gradients (weights, every ∂L/∂h_t and, for the LSTM, every
        ∂L/∂c_t) and autograd's."""
        auto = autograd_gradients(self)
        gaps = [np.max(np.abs(self.grads[n] - auto[n])) for n in PARAM_NAMES]
        gaps += [np.max(np.abs(b.dh - auto["dh"][b.t])) for b in self.backward]
        gaps += [np.max(np.abs(b.dc - auto["dc"][b.t])) for b in self.backward if b.dc is not None]
        return float(max(gaps))


def step_through(word: str = "hello", cell: str = "rnn", hidden_size: int = 3, seed: int = 0,
                 train_steps: int = 0) -> StepThrough:
    """Record a forward and a backward pass of a tiny network predicting each next letter of ``word``.

    ``train_steps`` first trains the network on the word (Adam, the app's one training loop), so the
    predictions can be watched becoming right; 0 keeps the seed's random weights.
    """
    word = check_word(word)
    check_settings(cell, hidden_size, train_steps)
    vocab = sorted(set(word))
    ids = torch.tensor([vocab.index(c) for c in word])
    x = F.one_hot(ids[:-1], len(vocab)).double()
    targets = ids[1:]
    seed_everything(seed)
    net = TinyNetwork(cell, len(vocab), hidden_size).double()
    losses = []
    if train_steps:
        result = train(net, lambda _: F.cross_entropy(net.unroll(x)[0], targets),
                       TrainConfig(max_steps=train_steps, lr=0.05, warmup_steps=1, clip=5.0,
                                   eval_every_seconds=1e9))
        losses = [row["train_loss"] for row in result.history]
    params = _params(net)
    forward = _forward(net, params, x, targets, word, vocab)
    backward, grads = backpropagate(cell, params, forward, vocab)
    return StepThrough(word, cell, hidden_size, seed, train_steps, vocab, params, forward, backward, grads,
                       float(sum(s.loss for s in forward)), losses, net)


def _params(net: TinyNetwork) -> dict:
    c = net.cell
    tensors = (c.weight_ih, c.weight_hh, c.bias_ih, c.bias_hh, net.W_hy.weight)
    return {name: t.detach().numpy().copy() for name, t in zip(PARAM_NAMES, tensors)}


@torch.no_grad()
def _forward(net: TinyNetwork, params: dict, x: torch.Tensor, targets: torch.Tensor, word: str,
             vocab: list) -> list[ForwardStep]:
    logits, hs, gates = net.unroll(x)
    probs = torch.softmax(logits, dim=1).numpy()
    logits = logits.numpy()
    hidden = net.cell.hidden_size
    steps, h_prev = [], np.zeros(hidden)
    bias = params["b_xh"] + params["b_hh"]
    for t in range(x.shape[0]):
        xt = x[t].numpy()
        g = {name: v[0].numpy().copy() for name, v in gates[t].items()}
        c = g.pop("cell", None)
        g.pop("pre_activation", None)
        input_part, recurrent_part = params["W_xh"] @ xt, params["W_hh"] @ h_prev
        h = hs[t][0].numpy().copy()
        target = int(targets[t])
        steps.append(ForwardStep(t, word[t], word[t + 1], xt, h_prev, input_part, recurrent_part, bias,
                                 input_part + recurrent_part + bias, g, h, c, logits[t], probs[t],
                                 float(-np.log(probs[t][target])), vocab[int(np.argmax(probs[t]))]))
        h_prev = h
    return steps


def backpropagate(cell: str, params: dict, forward: list, vocab: list) -> tuple[list, dict]:
    """Backpropagation through time by hand, from the last step to the first.

    Returns the steps (indexed by t) and the weight gradients of L = Σ_t L_t. Each step also records
    ‖∂L_T/∂h_t‖, the last step's loss alone travelling back, to show the signal fading with distance.
    """
    steps = len(forward)
    d_logits = [f.probs - np.eye(len(vocab))[vocab.index(f.target)] for f in forward]
    records, grads = _bptt(cell, params, forward, d_logits)
    only_last = [np.zeros_like(d) for d in d_logits[:-1]] + [d_logits[-1]]
    last, _ = _bptt(cell, params, forward, only_last)
    out = []
    for t in range(steps):
        r = records[t]
        dc_last = last[t].get("dc")
        out.append(BackwardStep(t, d_logits[t], r["dh_out"], r["dh_future"], r["dh"], r.get("dc"), r["da"],
                                r["d_gates"], r["dh_prev"], float(np.linalg.norm(last[t]["dh"])),
                                r["dh_weights"], r.get("dh_direct"), r.get("dc_future"), r.get("dc_prev"),
                                None if dc_last is None else float(np.linalg.norm(dc_last))))
    return out, grads


def _bptt(cell: str, params: dict, forward: list, d_logits: list) -> tuple[list, dict]:
    W_hh, W_hy = params["W_hh"], params["W_hy"]
    H = W_hh.shape[1]
    grads = {name: np.zeros_like(value) for name, value in params.items()}
    records = [None] * len(forward)
    dh_next, dc_next = np.zeros(H), np.zeros(H)
    for t in reversed(range(len(forward))):
        f = forward[t]
        grads["W_hy"] += np.outer(d_logits[t], f.h)
        dh_out = W_hy.T @ d_logits[t]
        dh = dh_out + dh_next
        rec = {"dh_out": dh_out, "dh_future": dh_next, "dh": dh}
        if cell == "rnn":
            da = (1 - f.h ** 2) * dh                      # tanh'(a) = 1 − h²
            rec["d_gates"] = {}
            d_ih = d_hh = da
            dh_prev = rec["dh_weights"] = W_hh.T @ da
        elif cell == "lstm":
            i, fg, g, o = (f.gates[k] for k in ("input", "forget", "candidate", "output"))
            c_prev = forward[t - 1].c if t else np.zeros(H)
            tc = np.tanh(f.c)
            d_o = dh * tc
            dc = dc_next + dh * o * (1 - tc ** 2)
            d_i, d_g, d_f = dc * g, dc * i, dc * c_prev
            da = np.concatenate([d_i * i * (1 - i), d_f * fg * (1 - fg), d_g * (1 - g ** 2), d_o * o * (1 - o)])
            rec.update(dc=dc, dc_future=dc_next, dc_prev=dc * fg,
                       d_gates={"input": d_i, "forget": d_f, "candidate": d_g, "output": d_o})
            dc_next = dc * fg
            d_ih = d_hh = da
            dh_prev = rec["dh_weights"] = W_hh.T @ da
        else:
            r, z, n = (f.gates[k] for k in ("reset", "update", "candidate"))
            hn = (W_hh @ f.h_prev + params["b_hh"])[2 * H:]
            d_n, d_z = dh * (1 - z), dh * (f.h_prev - n)
            da_n = d_n * (1 - n ** 2)
            d_r = da_n * hn
            da_r, da_z = d_r * r * (1 - r), d_z * z * (1 - z)
            d_ih = da = np.concatenate([da_r, da_z, da_n])
            d_hh = np.concatenate([da_r, da_z, da_n * r])
            rec["d_gates"] = {"reset": d_r, "update": d_z, "candidate": d_n}
            rec.update(dh_direct=dh * z, dh_weights=W_hh.T @ d_hh)
            dh_prev = rec["dh_direct"] + rec["dh_weights"]
        grads["W_xh"] += np.outer(d_ih, f.x)
        grads["b_xh"] += d_ih
        grads["W_hh"] += np.outer(d_hh, f.h_prev)
        grads["b_hh"] += d_hh
        rec.update(da=da, dh_prev=dh_prev)
        records[t] = rec
        dh_next = dh_prev
    return records, grads


def autograd_gradients(run: StepThrough) -> dict:
    """The same gradients from PyTorch's autograd: the weights', every ∂L/∂h_t (key ``dh``, a list) and the
    LSTM's every ∂L/∂c_t (key ``dc``; empty for the other cells)."""
    net = run.network
    ids = torch.tensor([run.vocab.index(c) for c in run.word])
    x = F.one_hot(ids[:-1], len(run.vocab)).double()
    net.zero_grad(set_to_none=True)
    logits, hs, gates = net.unroll(x)
    cells = [g["cell"] for g in gates if "cell" in g]
    for h in hs + cells:
        h.retain_grad()
    F.cross_entropy(logits, ids[1:], reduction="sum").backward()
    c = net.cell
    tensors = (c.weight_ih, c.weight_hh, c.bias_ih, c.bias_hh, net.W_hy.weight)
    out = {name: t.grad.numpy().copy() for name, t in zip(PARAM_NAMES, tensors)}
    out["dh"] = [h.grad[0].numpy().copy() for h in hs]
    out["dc"] = [c.grad[0].numpy().copy() for c in cells]
    net.zero_grad(set_to_none=True)
    return out


def gate_rows(cell: str) -> list[str]:
    """Names of the row blocks of W_xh, W_hh and the biases, in torch's order (one block per gate)."""
    return {"rnn": [""], "lstm": ["i", "f", "g", "o"], "gru": ["r", "z", "n"]}[cell]
