"""Looking inside a trained language model as it reads a text.

Three views, each a plain function the page and the tests call:

* **surprise**: the probability the model gave each token of a text before it saw it, and the mean surprise
  in bits per token (bits per character at the character level);
* **connectivity**: how much the prediction made at position t depends on each earlier input x_s, measured as
  the gradient norm ||∂ log p(x_{t+1}) / ∂ x_s||, by autograd through ``LanguageModel.forward(..., inputs=...)``;
  averaged by distance it says how far back a model looks (:meth:`Connectivity.reach`, read off that curve);
  on the page's example the vanilla RNN's influence dies fastest and the GRU's reaches furthest;
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

from rnn_core.errors import RNNLabError
from rnn_core.language_model.generation import start_token_id
from rnn_core.language_model.model import LanguageModel
from rnn_core.data.text import UNK, Tokenizer, split_tokens, word_spaces

# The page's example: long quotes, code and several lines (for the unit search), every word in the ready-made
# word model's vocabulary (so the surprise view scores every word; no run of one mark such as '>>>' or '))', which
# the word tokenizer reads as one token), short enough for the connectivity view.
EXAMPLE_TEXT = ('The "print()" function writes "each of its arguments, separated by a space" to the file.\n'
                'x = [1, 2, 3]\n'
                'print("The length of the list is", len(x) + 1)\n'
                'The length of the list is 4\n'
                'If the "file" argument is not given, the text is written to the standard output.\n')
MAX_SURPRISE_TOKENS = 5000
MAX_CONNECTIVITY_TOKENS = 300
REACH_THRESHOLD = 0.001      # "still looks back" while the typical influence is at least a thousandth
# Each point of the influence-by-distance line averages at least this many predictions (fewer on a text shorter
# than twice this): far back, only the last few predictions of a text reach, and a line drawn through a handful of
# them is noise (on a 259-character text the GRU's mean fell to 1e-3 at 162 and climbed back to 1e-2 at 255).
MIN_PREDICTIONS = 100
MAX_TIMELINE_TOKENS = 2000
FEATURES = ("inside quotes", "inside brackets", "position in line", "after a space", "inside a word")
# features a unit can only follow by remembering (the current token alone does not tell)
MEMORY_FEATURES = ("inside quotes", "inside brackets", "position in line")


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
    """``probs[i]``: the probability the model gave token i before reading it; ``bits[i] = -log2 probs[i]``.

    ``tokens`` are the text's own tokens. A token outside the vocabulary is read as ``<unk>`` and is not
    scored (``scored[i]`` is False): the model's probability for ``<unk>`` is the probability of "some rare
    word", far cheaper than the word itself, so counting it would make a text full of unknown words look
    easy.
    """

    tokens: list
    probs: list
    bits: list
    unknown: list
    scored: list = None

    def __post_init__(self):
        if self.scored is None:
            self.scored = [True] * len(self.tokens)

    @property
    def bits_per_token(self) -> float:
        """Mean surprise over the scored tokens (every token the vocabulary knows)."""
        kept = [b for b, ok in zip(self.bits, self.scored) if ok]
        return float(np.mean(kept)) if kept else math.nan

    @property
    def unscored(self) -> int:
        return sum(not ok for ok in self.scored)

    def biggest(self) -> int | None:
        """Index of the most surprising scored token (None when nothing is scored)."""
        kept = [i for i, ok in enumerate(self.scored) if ok]
        return max(kept, key=self.bits.__getitem__) if kept else None

    def context(self, i: int, width: int = 3, level: str = "char") -> tuple[str, str, str]:
        """``(before, token, after)``: token ``i`` with ``width`` tokens either side, to say which one it is;
        ``before + token + after`` reads as the text does (a word model's spaces included)."""
        first = max(0, i - width)
        window = self.tokens[first:i + 1 + width]
        # spaced as in the whole text (a quote opened before the window closes inside it)
        spaces = word_spaces(self.tokens)[first:first + len(window)] if level == "word" else [""] * len(window)
        spaces[0] = ""
        pieces = [space + tok for space, tok in zip(spaces, window)]
        k = i - first
        return "".join(pieces[:k]) + spaces[k], self.tokens[i], "".join(pieces[k + 1:])


@torch.no_grad()
def surprise(model: LanguageModel, tokenizer: Tokenizer, text: str) -> Surprise:
    """How surprised the model is by every token of ``text``, read from its start state.

    The model first reads the same start token as generation with an empty prompt, so even the first
    token gets a prediction. Tokens outside the vocabulary are read as ``<unk>`` but not scored.
    """
    ids = _encode(tokenizer, text, MAX_SURPRISE_TOKENS, "surprise")
    idx = torch.tensor([[start_token_id(tokenizer)] + ids], device=model.device)
    logits, _, _ = model(idx[:, :-1])
    log_probs = torch.log_softmax(logits[0].float(), -1)
    target = idx[0, 1:]
    lp = log_probs.gather(1, target[:, None])[:, 0]
    words = split_tokens(text, tokenizer.level)
    scored = [i != tokenizer.unk_id or w == UNK for i, w in zip(ids, words)]
    return Surprise(words, lp.exp().tolist(), (-lp / math.log(2)).tolist(), tokenizer.unknown_tokens(text),
                    scored)


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

    def predictions_needed(self) -> int:
        """How many predictions each point of :meth:`by_distance` averages at least: ``MIN_PREDICTIONS``, or half
        of those measured when fewer than twice that were."""
        measured = int(np.count_nonzero(self.matrix.max(axis=1) > 0)) if self.matrix.size else 0
        return min(MIN_PREDICTIONS, max(1, measured // 2))

    def by_distance(self) -> np.ndarray:
        """The typical influence of the input d tokens back on a prediction, relative to that prediction's strongest
        input: the geometric mean over predictions (one prediction whose inputs are all weak would dominate an
        arithmetic mean), for the distances d that at least :meth:`predictions_needed` predictions reach."""
        n = len(self.tokens)
        logs, counts = np.zeros(n), np.zeros(n)
        for t in range(n):
            row = self.row(t)
            peak = row.max()
            if peak <= 0:
                continue
            logs[:t + 1] += np.log(np.maximum(row[::-1] / peak, 1e-300))   # index d = distance back from t
            counts[:t + 1] += 1
        kept = int(np.count_nonzero(counts >= self.predictions_needed()))
        curve = np.exp(np.divide(logs[:kept], counts[:kept], out=np.zeros(kept), where=counts[:kept] > 0))
        return np.where(curve > 1e-300, curve, 0.0)

    def reach(self, threshold: float = REACH_THRESHOLD) -> int:
        """How far back the model looks: the largest distance d before the curve :meth:`by_distance` (the
        typical influence of the input d tokens back, relative to the strongest input) first falls below
        ``threshold``. The number is read off the same curve the page draws; when the curve never falls
        below it as far as it goes, the answer is its last distance, and :meth:`reach_capped` is True (it
        looks back at least that far)."""
        curve = self.by_distance()
        below = np.nonzero(curve < threshold)[0]
        return int(below[0] - 1) if len(below) else len(curve) - 1

    def reach_capped(self, threshold: float = REACH_THRESHOLD) -> bool:
        return not (self.by_distance() < threshold).any()


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


def timeline(model: LanguageModel, tokenizer: Tokenizer, text: str, layer: int | None = None) -> Timeline:
    """Replay ``text`` through the equation cells and keep every unit and gate of one layer (the last one)."""
    return timeline_of_ids(model, tokenizer, _encode(tokenizer, text, MAX_TIMELINE_TOKENS, "unit timeline"), layer)


@torch.no_grad()
def timeline_of_ids(model: LanguageModel, tokenizer: Tokenizer, ids: list[int], layer: int | None = None) -> Timeline:
    """:func:`timeline` for token ids (the step-by-step view replays the prompt and the tokens drawn so far)."""
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


def best_unit(hits: pd.DataFrame, feature: str) -> pd.Series | None:
    """The row of ``hits`` (see :func:`correlated_units`) with the strongest correlation for ``feature``."""
    rows = hits[hits.feature == feature]
    return None if rows.empty else rows.loc[rows["correlation"].abs().idxmax()]


def default_feature(hits: pd.DataFrame) -> str | None:
    """The memory feature (quotes, brackets, position in line) that some unit follows best: what to show
    first. Features the current token gives away (after a space, inside a word) are left for the learner."""
    best = [(abs(r["correlation"]), f) for f in MEMORY_FEATURES if (r := best_unit(hits, f)) is not None]
    if best:
        return max(best)[1]
    return None if hits.empty else hits.iloc[0]["feature"]
