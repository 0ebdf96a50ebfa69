"""Sampling from a language model, one token at a time, and the distributions behind every choice.

Generation is incremental: the prompt is read once, then each new token is fed with the carried hidden
state, so producing N tokens costs N single steps, never a re-run of the prefix. :class:`Stepper` holds that
state between steps, so the page can stream tokens, or advance one token per click and show the
distribution each token was drawn from; :func:`sample` is the one-call version the other jobs use.

Special tokens are handled on purpose, by every public sampling function unless told otherwise
(``draw_specials=True``): ``<pad>`` and ``<eos>`` are never drawn, because no model here is ever trained to
predict them (texts are read as one unbroken stream, so no training example ends with ``<eos>`` and none is
padded); ``<unk>`` is never drawn either, because it is not a word but "some word outside the vocabulary"
(rare words read as ``<unk>`` in training), and printing it teaches nothing. Their probability is removed
before temperature, top-k and top-p, and the rest renormalised; :func:`special_share` says how much the
model gave them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Iterator

import numpy as np
import torch
import torch.nn.functional as F

from rnn_core.errors import RNNLabError
from rnn_core.language_model.model import LanguageModel
from rnn_core.data.text import EOS, SPECIALS, Tokenizer, join_tokens, split_tokens
from rnn_core.runs.loop import evaluating

MAX_LENGTH = 5000
MAX_PROMPT_TOKENS = 20_000

# The Generate text page's starting values (its widget keys), here so that tests and the workshop use the
# very values the page starts with.
TEMPERATURES = (0.2, 0.8, 1.5)          # the "Three temperatures" view: low, middle, high
DEFAULT_PROMPT = {"char": "The ", "word": "The default value of"}
DEFAULT_LENGTH = {"char": 300, "word": 200}
DEFAULT_SETTINGS = {"temperature": 0.8, "top_k": None, "top_p": None, "seed": 0}


@dataclass(frozen=True)
class SamplingDefaults:
    """What the Generate page starts from for a model of one level (0 turns top-k off, 1 turns top-p off)."""

    prompt: str
    length: int
    temperature: float = DEFAULT_SETTINGS["temperature"]
    top_k: int = 0
    top_p: float = 1.0
    seed: int = DEFAULT_SETTINGS["seed"]


def page_defaults(level: str) -> SamplingDefaults:
    """The Generate page's starting settings for a model of this level."""
    return SamplingDefaults(DEFAULT_PROMPT[level], DEFAULT_LENGTH[level])


def check_sampling(temperature: float, top_k: int | None, top_p: float | None, length: int | None = None) -> None:
    """Refuse settings that make no sense, with a message for the user."""
    if not (isinstance(temperature, (int, float)) and math.isfinite(temperature) and 0 <= temperature <= 10):
        raise RNNLabError(f"Temperature must be between 0 (greedy) and 10 (got {temperature}).")
    if top_k is not None and top_k < 1:
        raise RNNLabError(f"Top-k must be at least 1 (got {top_k}); leave it empty to turn it off.")
    if top_p is not None and not (math.isfinite(top_p) and 0 < top_p <= 1):
        raise RNNLabError(f"Top-p must be above 0 and at most 1 (got {top_p}).")
    if length is not None and not 0 <= length <= MAX_LENGTH:
        raise RNNLabError(f"Length must be between 0 and {MAX_LENGTH:,} tokens (got {length}).")


def special_ids(tokenizer: Tokenizer) -> tuple[int, ...]:
    """Ids of the special tokens (``<pad>``, ``<unk>``, ``<eos>``) in this vocabulary: never drawn."""
    return tuple(tokenizer.tokens.index(t) for t in SPECIALS if t in tokenizer.tokens)


def special_share(logits: torch.Tensor, tokenizer: Tokenizer) -> dict[str, float]:
    """The probability the model itself (temperature 1, no filtering) gives each special token."""
    probs = torch.softmax(logits.float(), -1)
    return {t: float(probs[tokenizer.tokens.index(t)]) for t in SPECIALS if t in tokenizer.tokens}


def next_token_probs(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                     top_p: float | None = None, exclude=()) -> torch.Tensor:
    """The distribution the sampler draws from: ``exclude``d ids removed, then temperature, then top-k,
    then top-p (nucleus) filtering.

    Temperature 0 puts all the mass on the most likely token (greedy decoding). ``exclude`` (token ids, the
    special tokens when called through a tokenizer) get probability exactly 0; if it would exclude every
    token it is ignored.
    """
    logits = logits.float()
    exclude = [int(i) for i in exclude if 0 <= int(i) < logits.size(-1)]
    if exclude and len(set(exclude)) < logits.size(-1):
        logits = logits.clone()
        logits[..., exclude] = -math.inf
    if temperature == 0:
        return F.one_hot(logits.argmax(-1), logits.size(-1)).float()
    if temperature != 1:
        logits = logits / temperature
    if top_k is not None and top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1, None]
        logits = logits.masked_fill(logits < kth, -math.inf)
    probs = torch.softmax(logits, dim=-1)
    if top_p is not None and top_p < 1:
        sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
        # keep the smallest set of most likely tokens whose mass reaches top_p (always at least one)
        drop = sorted_probs.cumsum(-1) - sorted_probs >= top_p
        sorted_probs = sorted_probs.masked_fill(drop, 0.0)
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
        probs = probs / probs.sum(-1, keepdim=True)
    return probs


def draw(probs: torch.Tensor, rng: np.random.Generator) -> int:
    """One token drawn from ``probs`` (a 1-D distribution), by inverting its cumulative sum.

    Does what ``torch.multinomial(probs, 1)`` does, several times faster at batch size 1 (NumPy on a
    hundred numbers beats a chain of small torch calls). A token of probability 0 is never drawn: its step
    in the cumulative sum has zero width.
    """
    p = probs.detach().cpu().numpy()
    cdf = np.cumsum(p, dtype=np.float64)
    token = int(np.searchsorted(cdf, rng.random() * cdf[-1], side="right"))
    if token >= len(p):   # the draw rounded up to the total: take the last token that can be drawn
        token = int(np.flatnonzero(p)[-1])
    return token


class CellSteps:
    """One token at a time through a model's layers, with torch's single-step cell kernels.

    One step of the fused ``nn.LSTM``/``nn.GRU``/``nn.RNN`` module costs several times a plain cell step at
    batch size 1 (it is built for long sequences), so generation steps the same weights with
    ``torch.lstm_cell``/``gru_cell``/``rnn_tanh_cell``: the same numbers, up to float rounding. The state is a
    list with one entry per layer (``(h, c)`` for the LSTM); :meth:`fused_state` converts it back.
    """

    def __init__(self, model: LanguageModel):
        c = model.config
        self.model, self.config = model, c
        self.weights = [tuple(w.detach() for w in ws) for ws in model.layer_weights()] if model.fused else []
        if c.cell == "rnn":
            self.step_fn = torch.rnn_tanh_cell if c.activation == "tanh" else torch.rnn_relu_cell
        else:
            self.step_fn = {"lstm": torch.lstm_cell, "gru": torch.gru_cell}[c.cell]

    def layers(self, state) -> list:
        """The model's state (fused layout, or None) as a per-layer list."""
        c = self.config
        if not self.model.fused:
            return state
        if state is None:
            zeros = torch.zeros(1, c.hidden_size, device=self.model.device)
            return [(zeros, zeros) if c.cell == "lstm" else zeros for _ in range(c.num_layers)]
        if c.cell == "lstm":
            return [(state[0][k], state[1][k]) for k in range(c.num_layers)]
        return [state[k] for k in range(c.num_layers)]

    def fused_state(self, layers):
        if not self.model.fused:
            return layers
        if self.config.cell == "lstm":
            return torch.stack([h for h, _ in layers]), torch.stack([cs for _, cs in layers])
        return torch.stack(layers)

    @torch.no_grad()
    def __call__(self, token: int, layers) -> tuple[torch.Tensor, list]:
        """Feed ``token``; returns the next-token logits and the new per-layer state."""
        model = self.model
        if not model.fused:
            with evaluating(model):
                out, _, state = model(torch.tensor([[token]], device=model.device), state=layers)
            return out[0, -1], state
        if model.embedding is not None:
            x = model.embedding.weight[token:token + 1]
        else:
            x = torch.zeros(1, self.config.vocab_size, device=model.device)
            x[0, token] = 1.0
        new = []
        for weights, s in zip(self.weights, layers):
            s = self.step_fn(x, s, *weights)
            new.append(s)
            x = s[0] if isinstance(s, tuple) else s
        return F.linear(x[0], model.head.weight, model.head.bias), new


def feed_one(model: LanguageModel, token: int, state):
    """Feed one token with the carried ``state`` (fused layout); returns ``(next-token logits, new state)``."""
    steps = CellSteps(model)
    logits, layers = steps(token, steps.layers(state))
    return logits, steps.fused_state(layers)


def display_token(token: str) -> str:
    """A token as a chart label: a line break, a space and a tab made visible."""
    return {"\n": "⏎", " ": "␣", "\t": "⇥", "": "∅"}.get(token, token)


def start_token_id(tokenizer: Tokenizer) -> int:
    """What the model reads before an empty prompt: a line break when it knows one, else ``<eos>``.

    Starting from the zero state after a line break makes the model begin the way texts in its corpus begin
    a line, rather than in the middle of nowhere.
    """
    return tokenizer.id_of("\n") if "\n" in tokenizer.tokens else tokenizer.id_of(EOS)


def top_tokens(probs: torch.Tensor, tokenizer: Tokenizer, k: int = 10) -> list[tuple[str, float]]:
    """The ``k`` most likely tokens of a distribution, as ``(token, probability)``, most likely first.

    Tokens of probability 0 (filtered out, or never drawn) are left out, so the list can be shorter.
    """
    k = min(k, int((probs > 0).sum()) or probs.numel())
    values, ids = torch.topk(probs.float(), k)
    return [(tokenizer.tokens[int(i)], float(v)) for v, i in zip(values, ids)]


@dataclass
class Step:
    """One generated token and the distribution it was drawn from."""

    token_id: int
    token: str
    probability: float          # its probability under the sampling distribution
    top: list                   # [(token, probability)] of the sampling distribution, most likely first
    model_top: list             # the same, for the model's raw distribution (temperature 1, no filtering)
    model_probability: float = math.nan   # the drawn token's probability under the raw distribution
    entropy: float = math.nan             # entropy of the sampling distribution, in bits


@dataclass
class Stepper:
    """Incremental generation: the hidden state and the next-token logits carried from step to step.

    Create it with :meth:`start`; every :meth:`step` feeds one token and advances the state (the prefix
    is never read again). The random generator lives here too, so a seeded stepper always produces the
    same sequence, whether its tokens are drawn all at once or one per click.
    """

    model: LanguageModel
    tokenizer: Tokenizer
    temperature: float = 1.0
    top_k: int | None = None
    top_p: float | None = None
    seed: int = 0
    prompt: str = ""
    unknown: list = field(default_factory=list)
    ids: list = field(default_factory=list)
    layers: object = None                  # the hidden state, one entry per layer (see CellSteps)
    logits: torch.Tensor | None = None
    rng: np.random.Generator | None = None
    steps: CellSteps | None = None
    exclude: tuple = ()                    # token ids never drawn (the special tokens, by default)
    history: list = field(default_factory=list)   # a Step for every token drawn with step()
    _pieces: list = field(default_factory=list, repr=False)     # the text each drawn token adds
    _line: list | None = field(default=None, repr=False)        # the word tokens of the current line
    _mask: torch.Tensor | None = field(default=None, repr=False)   # -inf at the excluded ids, else 0

    @classmethod
    @torch.no_grad()
    def start(cls, model: LanguageModel, tokenizer: Tokenizer, prompt: str = "", temperature: float = 1.0,
              top_k: int | None = None, top_p: float | None = None, seed: int = 0, *,
              draw_specials: bool = False) -> "Stepper":
        """Read the prompt once (or the start token when it is empty) and get ready to sample.

        The special tokens are never drawn unless ``draw_specials`` (see the module's docstring).
        """
        check_sampling(temperature, top_k, top_p)
        prompt = prompt or ""
        prompt_ids = tokenizer.encode(prompt) if prompt else []
        if len(prompt_ids) > MAX_PROMPT_TOKENS:
            raise RNNLabError(f"The prompt has {len(prompt_ids):,} tokens; the limit is {MAX_PROMPT_TOKENS:,}.")
        if not prompt_ids:
            prompt_ids = [start_token_id(tokenizer)]
        stepper = cls(model, tokenizer, temperature, top_k, top_p, int(seed), prompt,
                      tokenizer.unknown_tokens(prompt) if prompt else [], rng=np.random.default_rng(int(seed)),
                      steps=CellSteps(model), exclude=() if draw_specials else special_ids(tokenizer))
        with evaluating(model):
            out, _, state = model(torch.tensor([prompt_ids], device=model.device))
        stepper.logits, stepper.layers = out[0, -1], stepper.steps.layers(state)
        return stepper

    @property
    def state(self):
        """The hidden state after everything read so far, in the model's own layout."""
        return self.steps.fused_state(self.layers)

    def probs(self) -> torch.Tensor:
        """The distribution the next token will be drawn from (special tokens removed, then temperature,
        top-k and top-p)."""
        if self._mask is None:       # built once: adding it is cheaper than indexing at every step
            self._mask = torch.zeros_like(self.logits, dtype=torch.float32)
            if self.exclude and len(set(self.exclude)) < self._mask.numel():
                self._mask[list(self.exclude)] = -math.inf
        return next_token_probs(self.logits.float() + self._mask, self.temperature, self.top_k, self.top_p)

    @torch.no_grad()
    def next_id(self) -> int:
        """Draw one token and feed it: the fast path (no summaries)."""
        token = draw(self.probs(), self.rng)
        self._feed(token)
        return token

    @torch.no_grad()
    def step(self, top: int = 10) -> Step:
        """Draw one token and feed it, reporting the distribution it came from (also kept in ``history``)."""
        probs = self.probs()
        token = draw(probs, self.rng)
        raw = torch.softmax(self.logits.float(), -1)
        report = Step(token, self.tokenizer.tokens[token], float(probs[token]), top_tokens(probs, self.tokenizer, top),
                      top_tokens(raw, self.tokenizer, top), float(raw[token]), entropy_bits(probs))
        self._feed(token)
        self.history.append(report)
        return report

    def _feed(self, token: int) -> None:
        self.logits, self.layers = self.steps(token, self.layers)
        self.ids.append(token)
        self._pieces.append(self._spaced(self.tokenizer.tokens[token]))

    def _spaced(self, token: str) -> str:
        """The text a word token adds: what ``text.join_tokens`` puts before it given the tokens before it.

        Spacing (quotes opening and closing in turn) starts afresh on every line, so only the current line's
        tokens are joined again: cheap, whatever the length of the text.
        """
        if self.tokenizer.level != "word":
            return token
        first = self._line is None
        if first:
            self._line = split_tokens(self.prompt, "word")
            if "\n" in self._line:
                self._line = self._line[len(self._line) - self._line[::-1].index("\n") - 1:]
        before = join_tokens(self._line, "word")
        piece = join_tokens(self._line + [token], "word")[len(before):]
        if first and (not self.prompt or self.prompt[-1:].isspace()):
            piece = piece.lstrip(" ")
        self._line = [token] if token == "\n" else self._line + [token]
        return piece

    def stream(self, length: int) -> Iterator[str]:
        """Yield the text of each of ``length`` new tokens as it is drawn (for a streamed display)."""
        check_sampling(self.temperature, self.top_k, self.top_p, length)
        for _ in range(length):
            self.next_id()
            yield self.piece(len(self.ids) - 1)

    def piece(self, i: int) -> str:
        """The text generated token ``i`` adds, with the space a word-level model puts before it."""
        return self._pieces[i]

    @property
    def text(self) -> str:
        """Everything generated so far (without the prompt)."""
        return "".join(self.piece(i) for i in range(len(self.ids)))

    @property
    def full_text(self) -> str:
        """The prompt followed by everything generated so far."""
        return self.prompt + self.text


@dataclass
class Sample:
    text: str
    ids: list
    unknown: list       # prompt tokens that were not in the vocabulary (read as <unk>)
    entropies: list = field(default_factory=list)   # bits of each draw's distribution (when measured)

    @property
    def mean_entropy(self) -> float:
        """How undecided the sampler was, on average: bits per draw (0: every draw was certain)."""
        return float(np.mean(self.entropies)) if self.entropies else math.nan


def sample(model: LanguageModel, tokenizer: Tokenizer, prompt: str = "", length: int = 200,
           temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
           seed: int = 0, *, draw_specials: bool = False, measure: bool = False) -> Sample:
    """Generate ``length`` tokens after ``prompt``; the same seed gives the same text.

    Special tokens are never drawn unless ``draw_specials`` (see the module's docstring). ``measure`` also
    keeps the entropy of every draw's distribution (the same tokens are drawn either way).
    """
    check_sampling(temperature, top_k, top_p, length)
    stepper = Stepper.start(model, tokenizer, prompt, temperature, top_k, top_p, seed, draw_specials=draw_specials)
    entropies = []
    for _ in range(length):
        if measure:
            entropies.append(entropy_bits(stepper.probs()))
        stepper.next_id()
    return Sample(stepper.text, list(stepper.ids), stepper.unknown, entropies)


def entropy_bits(probs: torch.Tensor) -> float:
    """Entropy of a distribution in bits: 0 when one token is certain, log2(n) when n tokens are equally likely."""
    p = probs.float()
    p = p[p > 0]
    return float(-(p * p.log2()).sum())


def distinct_ngram_share(tokens, n: int = 4) -> float:
    """Share of the text's n-grams (of characters, or of words) that are distinct: near 1 for text that never
    repeats itself, low for text stuck in a loop. A measurable "repetitive"."""
    tokens = list(tokens)
    grams = [tuple(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return len(set(grams)) / len(grams) if grams else math.nan


def sample_at_temperatures(model: LanguageModel, tokenizer: Tokenizer, prompt: str, length: int,
                           temperatures=(0.2, 0.8, 1.5), seed: int = 0, top_k: int | None = None,
                           top_p: float | None = None, *, draw_specials: bool = False,
                           measure: bool = True) -> list[tuple[float, Sample]]:
    """The same prompt and seed sampled at several temperatures, to set side by side (with the entropy of
    every draw, see :func:`sample`)."""
    return [(t, sample(model, tokenizer, prompt, length, t, top_k, top_p, seed, draw_specials=draw_specials,
                       measure=measure)) for t in temperatures]


def sampling_pipeline(logits: torch.Tensor, tokenizer: Tokenizer, temperature: float = 1.0,
                      top_k: int | None = None, top_p: float | None = None, k: int = 8, *,
                      draw_specials: bool = False) -> dict:
    """What the sampler does to one step's scores, stage by stage, for the model's ``k`` likeliest tokens:

    ``logits`` (the raw scores), ``scaled`` (÷ temperature; greedy at 0 keeps only the top score),
    ``top_k`` and ``top_p`` (True where the token survives that cut; top-p keeps the likeliest tokens whose
    probabilities, after temperature and top-k, add up to p), and ``probs``, the final distribution (a softmax
    over the survivors, exactly :func:`next_token_probs`). The special tokens are removed first; ``specials``
    holds the probability the model gave them. ``others`` is the final probability of every token not shown.
    """
    check_sampling(temperature, top_k, top_p)
    logits = logits.float()
    exclude = () if draw_specials else special_ids(tokenizer)
    allowed = next_token_probs(logits, 1.0, exclude=exclude) > 0
    ranked = torch.where(allowed, logits, torch.tensor(-math.inf))
    ids = torch.topk(ranked, min(k, int(allowed.sum()))).indices
    scaled_shown = logits[ids] / temperature if temperature > 0 else logits[ids]   # greedy: nothing to divide
    kept_k = torch.ones_like(allowed)
    if top_k is not None and top_k < int(allowed.sum()):
        kept_k = ranked >= torch.topk(ranked, top_k).values[-1]
    before_p = next_token_probs(logits, temperature, top_k, None, exclude)
    final = next_token_probs(logits, temperature, top_k, top_p, exclude)
    kept_p = final > 0
    return {"tokens": [tokenizer.tokens[int(i)] for i in ids], "ids": [int(i) for i in ids],
            "logits": logits[ids].tolist(), "scaled": scaled_shown.tolist(), "temperature": temperature,
            "top_k": top_k, "top_p": top_p, "kept_by_top_k": kept_k[ids].tolist(),
            "before_top_p": before_p[ids].tolist(), "kept_by_top_p": (kept_p | ~kept_k)[ids].tolist(),
            "probs": final[ids].tolist(), "others": float(1 - final[ids].sum()),
            "survivors": int(kept_p.sum()), "specials": special_share(logits, tokenizer)}


@torch.no_grad()
def next_token_distribution(model: LanguageModel, tokenizer: Tokenizer, prompt: str, k: int = 10,
                            temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None, *,
                            draw_specials: bool = False) -> list[tuple[str, float]]:
    """The ``k`` likeliest next tokens after ``prompt`` (for a word-level model: the next word), under the
    sampling distribution (special tokens removed, then temperature, top-k and top-p)."""
    stepper = Stepper.start(model, tokenizer, prompt, temperature, top_k, top_p, draw_specials=draw_specials)
    return top_tokens(stepper.probs(), tokenizer, k)


def distributions_at_temperatures(logits: torch.Tensor, tokenizer: Tokenizer, temperatures, k: int = 10, *,
                                  draw_specials: bool = False) -> dict:
    """For the model's ``k`` likeliest tokens, their probability at each temperature (sharpen or flatten).

    Special tokens are left out (they are never drawn) unless ``draw_specials``.
    """
    exclude = () if draw_specials else special_ids(tokenizer)
    ranked = next_token_probs(logits, 1.0, exclude=exclude)
    ids = torch.topk(ranked, min(k, int((ranked > 0).sum()))).indices
    out = {"tokens": [tokenizer.tokens[int(i)] for i in ids]}
    for t in temperatures:
        out[t] = next_token_probs(logits, t, exclude=exclude)[ids].tolist()
    return out
