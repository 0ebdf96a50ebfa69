"""Looking inside a trained language model as it reads a text.

Three views, each a plain function the page and the tests call:

* **surprise**: the probability the model gave each token of a text before it saw it, and the mean surprise
  in bits per token (bits per character at the character level);
* **connectivity**: how much the prediction made at position t depends on each earlier input x_s, measured as
  the gradient norm ||∂ log p(x_{t+1}) / ∂ x_s||, by autograd through ``LanguageModel.forward(..., inputs=...)``;
  for the vanilla RNN it dies within a few steps, the gated cells look further back;
* **units and gates**: every hidden unit and gate along the text (via ``LanguageModel.replay``), and a search
  for the units whose activation follows simple features of the text (inside quotes, position in the line...),
  after Karpathy's pictures of a quote-tracking and a line-length-tracking neuron.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from .errors import RNNLabError
from .generation import start_token_id
from .models import LanguageModel
from .text import Tokenizer

MAX_SURPRISE_TOKENS = 5000
MAX_CONNECTIVITY_TOKENS = 300
MAX_TIMELINE_TOKENS = 2000
FEATURES = ("inside quotes", "inside brackets", "position in line", "after a space", "inside a word")


def _encode(tokenizer: Tokenizer, text: str, limit: int, what: str) -> list[int]:
    if not text or not text.strip():
        raise RNNLabError(f"Type or paste a text for the {what} view first.")
    ids = tokenizer.encode(text)
    if len(ids) < 2:
        raise RNNLabError(f"The {what} view needs a text of at least two tokens.")
    if len(ids) > limit:
        unit = "characters" if tokenizer.level == "char" else "words"
        raise RNNLabError(f"The text has {len(ids):,} {unit}; the {what} view reads at most {limit:,}. "
                          "Use a shorter excerpt.")
    return ids


# --- surprise ------------------------------------------------------------------------------------------

@dataclass
class Surprise:
    """``probs[i]``: the probability the model gave token i before reading it; ``bits[i] = -log2 probs[i]``."""

    tokens: list
    probs: list
    bits: list
    unknown: list

    @property
    def bits_per_token(self) -> float:
        return float(np.mean(self.bits)) if self.bits else math.nan


@torch.no_grad()
def surprise(model: LanguageModel, tokenizer: Tokenizer, text: str) -> Surprise:
    """How surprised the model is by every token of ``text``, read from its start state.

    The model first reads the same start token as generation with an empty prompt, so even the first
    token gets a prediction.
    """
    ids = _encode(tokenizer, text, MAX_SURPRISE_TOKENS, "surprise")
    idx = torch.tensor([[start_token_id(tokenizer)] + ids], device=model.device)
    logits, _, _ = model(idx[:, :-1])
    log_probs = torch.log_softmax(logits[0].float(), -1)
    target = idx[0, 1:]
    lp = log_probs.gather(1, target[:, None])[:, 0]
    return Surprise([tokenizer.tokens[i] for i in ids], lp.exp().tolist(), (-lp / math.log(2)).tolist(),
                    tokenizer.unknown_tokens(text))


# --- connectivity --------------------------------------------------------------------------------------

@dataclass
class Connectivity:
    """``matrix[t, s]``: gradient norm of the prediction made after reading token t w.r.t. input x_s (s ≤ t).

    The prediction is the log-probability of the token that actually follows (the likeliest token after the
    last one). Entries with s > t are zero: the future cannot influence a prediction.
    """

    tokens: list
    targets: list
    matrix: np.ndarray

    def row(self, t: int) -> np.ndarray:
        return self.matrix[t, :t + 1]

    def by_distance(self) -> np.ndarray:
        """Mean over positions of the row-normalised gradient norm, against the distance t − s."""
        n = len(self.tokens)
        sums, counts = np.zeros(n), np.zeros(n)
        for t in range(n):
            row = self.row(t)
            peak = row.max()
            if peak <= 0:
                continue
            rel = row[::-1] / peak          # index d = distance back from t
            sums[:t + 1] += rel
            counts[:t + 1] += 1
        return np.divide(sums, counts, out=np.zeros(n), where=counts > 0)

    def reach(self, threshold: float = 0.001) -> float:
        """How far back the model looks: the mean, over positions, of the furthest distance whose gradient
        norm is still at least ``threshold`` of that position's largest."""
        out = []
        for t in range(len(self.tokens)):
            row = self.row(t)
            if row.max() <= 0:
                continue
            strong = np.nonzero(row >= threshold * row.max())[0]
            out.append(t - strong.min())
        return float(np.mean(out)) if out else 0.0


def connectivity(model: LanguageModel, tokenizer: Tokenizer, text: str,
                 positions: list[int] | None = None, chunk: int = 48) -> Connectivity:
    """Gradient norms of every prediction (or those at ``positions``) w.r.t. every earlier input vector.

    The text is copied once per prediction into a batch, each copy with its own input vectors as a leaf
    tensor; copy i contributes only the log-probability of its own prediction to the sum, so one backward
    pass gives every row (the copies do not interact). Far faster than one backward pass per prediction.
    """
    ids = _encode(tokenizer, text, MAX_CONNECTIVITY_TOKENS, "connectivity")
    n = len(ids)
    idx = torch.tensor([ids], device=model.device)
    wanted = list(range(n)) if positions is None else sorted({p for p in positions if 0 <= p < n})
    matrix = np.zeros((n, n), dtype=np.float64)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            logits, _, _ = model(idx)
        targets = ids[1:] + [int(logits[0, -1].argmax())]
        with torch.enable_grad(), torch.backends.cudnn.flags(enabled=False):
            for start in range(0, len(wanted), chunk):
                rows = wanted[start:start + chunk]
                length = rows[-1] + 1
                batch_idx = idx[:, :length].expand(len(rows), length)
                inputs = model.encode_inputs(batch_idx).detach().requires_grad_(True)
                out, _, _ = model(batch_idx, inputs=inputs)
                batch = torch.arange(len(rows))
                picked = out[batch, torch.tensor(rows)].float()
                log_probs = torch.log_softmax(picked, -1)[batch, torch.tensor([targets[t] for t in rows])]
                (grad,) = torch.autograd.grad(log_probs.sum(), inputs)
                norms = grad.norm(dim=-1).detach().cpu().double().numpy()
                for i, t in enumerate(rows):
                    matrix[t, :t + 1] = norms[i, :t + 1]
    finally:
        model.train(was_training)
    return Connectivity([tokenizer.tokens[i] for i in ids], [tokenizer.tokens[i] for i in targets], matrix)


# --- units and gates -----------------------------------------------------------------------------------

@dataclass
class Timeline:
    """Every hidden unit and gate along a text: ``values[name]`` is ``(tokens, hidden)`` for layer ``layer``.

    Names are ``"hidden"`` and the cell's gates (LSTM: input, forget, candidate, output, cell; GRU: reset,
    update, candidate; RNN: pre_activation).
    """

    tokens: list
    layer: int
    values: dict

    @property
    def quantities(self) -> list[str]:
        return list(self.values)


@torch.no_grad()
def timeline(model: LanguageModel, tokenizer: Tokenizer, text: str, layer: int | None = None) -> Timeline:
    """Replay ``text`` through the equation cells and keep every unit and gate of one layer (the last one)."""
    ids = _encode(tokenizer, text, MAX_TIMELINE_TOKENS, "unit timeline")
    layers = model.config.num_layers
    layer = layers - 1 if layer is None else layer
    if not 0 <= layer < layers:
        raise RNNLabError(f"This model has {layers} layer(s); choose a layer between 1 and {layers}.")
    was_training = model.training
    model.eval()
    try:
        replay = model.replay(torch.tensor([ids], device=model.device))
    finally:
        model.train(was_training)
    values = {"hidden": replay.hidden[layer][0].float().cpu().numpy()}
    for name, value in replay.gates[layer].items():
        values[name] = value[0].float().cpu().numpy()
    return Timeline([tokenizer.tokens[i] for i in ids], layer, values)


def text_features(tokens: list[str]) -> pd.DataFrame:
    """Simple features of a text, one row per token, each describing the moment after the token is read
    (which is when the hidden state of that step exists):

    * ``inside quotes``: 1 between an opening and a closing double quote (or backtick), else 0;
    * ``inside brackets``: 1 inside (), [] or {};
    * ``position in line``: characters since the last line break;
    * ``after a space``: 1 when the token just read is a space or a line break;
    * ``inside a word``: 1 when the token just read is made of letters or digits.
    """
    rows, in_double, in_tick, depth, column = [], False, False, 0, 0
    for tok in tokens:
        for ch in tok:
            if ch == '"':
                in_double = not in_double
            elif ch == "`":
                in_tick = not in_tick
            elif ch in "([{":
                depth += 1
            elif ch in ")]}":
                depth = max(0, depth - 1)
        column = 0 if tok == "\n" else column + len(tok)
        rows.append({"inside quotes": float(in_double or in_tick), "inside brackets": float(depth > 0),
                     "position in line": float(column), "after a space": float(tok in (" ", "\n")),
                     "inside a word": float(tok.isalnum())})
    return pd.DataFrame(rows, columns=FEATURES)


def correlated_units(tl: Timeline, features: pd.DataFrame | None = None, top: int = 5) -> pd.DataFrame:
    """For each feature, the ``top`` units (over the hidden state and every gate) whose values correlate most
    (Pearson r, by absolute value) with it along the text."""
    features = text_features(tl.tokens) if features is None else features
    rows = []
    for feature in features.columns:
        f = features[feature].to_numpy(dtype=np.float64)
        if f.std() == 0:
            continue
        fz = (f - f.mean()) / f.std()
        for name, values in tl.values.items():
            v = values.astype(np.float64)
            std = v.std(axis=0)
            r = np.zeros(v.shape[1])
            ok = std > 1e-8
            r[ok] = ((v[:, ok] - v[:, ok].mean(axis=0)) * fz[:, None]).mean(axis=0) / std[ok]
            for unit in np.argsort(-np.abs(r))[:top]:
                rows.append({"feature": feature, "quantity": name, "unit": int(unit), "correlation": float(r[unit])})
    table = pd.DataFrame(rows, columns=["feature", "quantity", "unit", "correlation"])
    if table.empty:
        return table
    table["strength"] = table["correlation"].abs()
    table = (table.sort_values(["feature", "strength"], ascending=[True, False]).groupby("feature").head(top)
             .drop(columns="strength").reset_index(drop=True))
    return table
