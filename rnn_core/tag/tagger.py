"""Many-to-many: a tag for every word, read left to right only or in both directions.

The tagger embeds each word (x_t = E[w_t]), reads the sentence with a fused ``nn.RNN``/``nn.LSTM``/``nn.GRU``
and scores the four tags at every word from that word's hidden state: scores_t = W h_t + b. Read left to
right, h_t has seen w_1..w_t. Bidirectional, h_t = [→h_t ; ←h_t]: a second RNN reads right to left, so
←h_t has seen w_t..w_T, the words still to come. The head then splits in two,
scores_t = W_→ →h_t + W_← ←h_t + b, which is how :func:`tag_sentence` says how much each direction
contributed to a word's tag.

:func:`train_taggers` trains the left-to-right and the bidirectional tagger side by side, in one run of
:func:`rnn_core.runs.loop.train` on the same batches (their losses add; each model's gradient is its own), and
measures both, and the baseline (the most frequent tag of each word in training), on held-out sentences,
split by ambiguous and plain words (:func:`accuracy_report`). The sentences come from
:mod:`rnn_core.tag.data`.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnn_core.nets.fused import fused_rnn
from rnn_core.nets.cells import CELL_NAMES, set_forget_bias_
from rnn_core.errors import RNNLabError
from rnn_core.tag.data import AMBIGUOUS, TAGS, Sentence, TagData, TagDataSettings, generate, words_of
from rnn_core.runs.loop import Progress, TrainConfig, TrainResult, seeded, train

DIRECTIONS = ("left-to-right", "bidirectional")
WHICH = {"both": DIRECTIONS, "left-to-right": DIRECTIONS[:1], "bidirectional": DIRECTIONS[1:]}
PAD, UNK = "<pad>", "<unk>"
IGNORE = -100             # the tag of padding: no loss, no accuracy


@dataclass(frozen=True)
class TaggerSettings:
    """Every knob of a tagging run, as the page and the command line set them."""

    cell: str = "lstm"
    distance: int = 3                # the cue comes 1 to this many words after the ambiguous word
    which: str = "both"              # both | left-to-right | bidirectional
    hidden_size: int = 64            # per direction
    embedding_dim: int = 32
    n_train: int = 3000
    n_test: int = 1200
    batch_size: int = 32
    lr: float = 5e-3
    word_dropout: float = 0.02       # share of training words read as <unk>, so <unk> means "some word"
    max_steps: int = 600             # a step budget: the same seed gives the same models on any machine
    seconds: float | None = None     # an optional time limit as well (the command line's --seconds)
    seed: int = 0
    eval_every: int = 25             # steps between evaluations of the live curves

    def __post_init__(self):
        if self.cell not in CELL_NAMES:
            raise RNNLabError(f"Unknown cell {self.cell!r}; choose one of {', '.join(CELL_NAMES)}.")
        if self.which not in WHICH:
            raise RNNLabError(f"Train {self.which!r}? Choose one of {', '.join(WHICH)}.")
        if not 2 <= self.hidden_size <= 512 or not 2 <= self.embedding_dim <= 512:
            raise RNNLabError("Hidden and embedding sizes must be between 2 and 512.")
        if not 1 <= self.batch_size <= 512:
            raise RNNLabError(f"Batch size must be between 1 and 512 (got {self.batch_size}).")
        if not 0 <= self.word_dropout < 0.5:
            raise RNNLabError("Word dropout must be at least 0 and below 0.5.")
        self.data_settings()        # the data's own checks
        self.train_config()         # and the training loop's

    def data_settings(self) -> TagDataSettings:
        return TagDataSettings(distance=self.distance, n_train=self.n_train, n_test=self.n_test, seed=self.seed)

    def train_config(self) -> TrainConfig:
        # Clipping at a norm of 5 rarely acts here; it is one norm over both models, so it is kept loose.
        return TrainConfig(max_steps=self.max_steps, seconds=self.seconds, lr=self.lr, clip=5.0,
                           eval_every_steps=self.eval_every, report_every_seconds=0.25,
                           fit_to_time=False)   # the steps decide (the same run anywhere); the clock only stops a stretched one

    def to_dict(self) -> dict:
        return asdict(self)


STEP_CHOICES = (100, 200, 300, 400, 600, 800, 1000, 1500, 2000, 3000)


class Tagger(nn.Module):
    """Embedding → RNN/LSTM/GRU (one direction or two) → a linear head at every word → tag scores."""

    def __init__(self, vocab_size: int, s: TaggerSettings, bidirectional: bool):
        super().__init__()
        self.bidirectional, self.hidden_size, self.cell = bidirectional, s.hidden_size, s.cell
        self.embedding = nn.Embedding(vocab_size, s.embedding_dim, padding_idx=0)
        self.rnn = fused_rnn(s.cell, s.embedding_dim, s.hidden_size, batch_first=True, bidirectional=bidirectional)
        self.head = nn.Linear(s.hidden_size * (2 if bidirectional else 1), len(TAGS))
        if s.cell == "lstm":
            # A forget-gate bias of 1 (Jozefowicz et al. 2015): the cell keeps what it read by default.
            for name, bias in self.rnn.named_parameters():
                if name.startswith("bias_ih"):
                    set_forget_bias_(bias, getattr(self.rnn, name.replace("bias_ih", "bias_hh")), 1.0)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def hidden_states(self, idx: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """``(batch, time, directions × hidden)``. Packed, so the backward RNN starts at each sentence's own end."""
        packed = pack_padded_sequence(self.embedding(idx), lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=idx.shape[1])
        return out

    def forward(self, idx: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        return self.head(self.hidden_states(idx, lengths))

    def contributions(self, idx: torch.Tensor, lengths: torch.Tensor) -> dict[str, torch.Tensor]:
        """Each direction's part of every tag's score, ``(batch, time, tags)``: forward, backward, bias."""
        h = self.hidden_states(idx, lengths)
        w, H = self.head.weight, self.hidden_size
        parts = {"forward": h[..., :H] @ w[:, :H].T}
        parts["backward"] = h[..., H:] @ w[:, H:].T if self.bidirectional else torch.zeros_like(parts["forward"])
        parts["bias"] = self.head.bias.expand_as(parts["forward"])
        return parts


class Vocabulary:
    """Word ↔ id: 0 is padding, 1 is <unk> (a word never seen in training)."""

    def __init__(self, words: list[str]):
        self.words = [PAD, UNK] + [w for w in words if w not in (PAD, UNK)]
        self.ids = {w: i for i, w in enumerate(self.words)}

    def __len__(self) -> int:
        return len(self.words)

    def __contains__(self, word: str) -> bool:
        return word in self.ids and word not in (PAD, UNK)

    def encode(self, words) -> list[int]:
        return [self.ids.get(w, 1) for w in words]


def batch_of(sentences: list[Sentence], vocab: Vocabulary):
    """Padded word ids, lengths and tag ids (``IGNORE`` on padding) of ``sentences``."""
    lengths = torch.tensor([len(s.words) for s in sentences], dtype=torch.long)
    idx = torch.zeros(len(sentences), int(lengths.max()), dtype=torch.long)
    tags = torch.full_like(idx, IGNORE)
    for i, s in enumerate(sentences):
        idx[i, :len(s.words)] = torch.tensor(vocab.encode(s.words))
        tags[i, :len(s.words)] = torch.tensor([TAGS.index(t) for t in s.tags])
    return idx, lengths, tags


def most_frequent_tags(sentences: list[Sentence]) -> dict[str, str]:
    """The baseline: each word's most frequent tag in ``sentences`` (ties: the first in :data:`TAGS`)."""
    counts: dict[str, Counter] = {}
    for s in sentences:
        for w, t in zip(s.words, s.tags):
            counts.setdefault(w, Counter())[t] += 1
    return {w: max(TAGS, key=lambda t: (c[t], -TAGS.index(t))) for w, c in counts.items()}


@dataclass
class TaggerPair:
    """Trained taggers (by direction), the vocabulary and the baseline: what the registry keeps (kind "tagger")."""

    models: dict[str, Tagger]
    vocab: Vocabulary
    baseline: dict[str, str]

    def num_parameters(self) -> int:
        return sum(m.num_parameters() for m in self.models.values())

    @torch.no_grad()
    def predict(self, sentences: list[Sentence], direction: str, batch_size: int = 512) -> list[list[str]]:
        """Each sentence's tags from the tagger ``direction``, or from the ``"baseline"``."""
        if direction == "baseline":
            return [[self.baseline.get(w, "none") for w in s.words] for s in sentences]
        net = self.models[direction].eval()
        out = []
        for i in range(0, len(sentences), batch_size):
            part = sentences[i:i + batch_size]
            idx, lengths, _ = batch_of(part, self.vocab)
            best = net(idx, lengths).argmax(-1)
            out += [[TAGS[k] for k in best[j, :len(s.words)].tolist()] for j, s in enumerate(part)]
        return out


@dataclass
class TagRun:
    """A trained pair and everything the page and the command line show about it."""

    pair: TaggerPair
    settings: TaggerSettings
    result: TrainResult
    metrics: dict
    data: TagData
    history: list = field(default_factory=list)


def _live_metrics(pair: TaggerPair, sample: list[Sentence]) -> dict:
    """Accuracy on ambiguous and on plain words of a fixed sample of test sentences, per model."""
    out = {}
    for direction in pair.models:
        predicted = pair.predict(sample, direction)
        amb = [p[s.ambiguous_at] == s.tags[s.ambiguous_at] for s, p in zip(sample, predicted)]
        plain = [pt == t for s, p in zip(sample, predicted) for k, (pt, t) in enumerate(zip(p, s.tags))
                 if k != s.ambiguous_at]
        out[f"{direction}.ambiguous_accuracy"] = float(np.mean(amb))
        out[f"{direction}.plain_accuracy"] = float(np.mean(plain))
    return out


def train_taggers(
    settings: TaggerSettings = TaggerSettings(),
    *,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
) -> TagRun:
    """Generate the sentences, train the taggers ``settings.which`` names side by side, and measure them."""
    data = generate(settings.data_settings())
    vocab = Vocabulary(data.vocabulary)
    with seeded(settings.seed) as generator:
        models = {d: Tagger(len(vocab), settings, bidirectional=d == "bidirectional") for d in WHICH[settings.which]}
    pair = TaggerPair(models, vocab, most_frequent_tags(data.train))
    both = nn.ModuleDict({d.replace("-", "_"): m for d, m in models.items()})
    idx_all, lengths_all, tags_all = batch_of(data.train, vocab)
    n = len(data.train)
    order: list[int] = []
    sample = data.test[:300]

    def loss_on_step(step: int) -> torch.Tensor:
        nonlocal order
        if len(order) < settings.batch_size:
            order = torch.randperm(n, generator=generator).tolist()
        pick, order = torch.tensor(order[:settings.batch_size]), order[settings.batch_size:]
        lengths = lengths_all[pick]
        idx, tags = idx_all[pick, :int(lengths.max())], tags_all[pick, :int(lengths.max())]
        if settings.word_dropout:
            drop = (torch.rand(idx.shape, generator=generator) < settings.word_dropout) & (idx != 0)
            idx = idx.masked_fill(drop, 1)
        # Each model's mean loss per word; their sum trains both at once (their weights are separate).
        return sum(F.cross_entropy(m(idx, lengths).flatten(0, 1), tags.flatten(), ignore_index=IGNORE)
                   for m in models.values())

    base = [pair.baseline.get(s.words[s.ambiguous_at]) == s.tags[s.ambiguous_at] for s in sample]
    baseline_sample = {"baseline.ambiguous_accuracy": float(np.mean(base))}

    def evaluate() -> dict:
        return {**_live_metrics(pair, sample), **baseline_sample}

    result = train(both, loss_on_step, settings.train_config(), tokens_per_step=settings.batch_size,
                   evaluate=evaluate, on_progress=on_progress, stop=stop)
    for m in models.values():
        m.eval()
    metrics = accuracy_report(pair, data.test)
    metrics.update({"steps": result.steps, "planned_steps": result.planned_steps, "seconds": result.seconds,
                    "sentences_per_second": result.tokens_per_second, "stop_reason": result.stop_reason,
                    "params": {d: m.num_parameters() for d, m in models.items()}, "vocab_size": len(vocab),
                    "cell": settings.cell, "distance": settings.distance, "n_train": len(data.train),
                    "n_test": len(data.test)})
    return TagRun(pair, settings, result, metrics, data, result.history)


# --- one sentence --------------------------------------------------------------------------------------

@dataclass
class TaggedSentence:
    """A typed sentence tagged by each model, with each direction's share of every word's tag."""

    words: list[str]
    unknown: list[str]                      # words not in the training vocabulary, read as <unk>
    tags: dict[str, list[str]]              # model -> a tag per word
    probabilities: dict[str, np.ndarray]    # model -> (words, tags)
    forward: np.ndarray                     # bidirectional model: forward half's push on its chosen tag, per word
    backward: np.ndarray                    # ... and the backward half's
    baseline: list[str]


@torch.no_grad()
def tag_sentence(pair: TaggerPair, text: str) -> TaggedSentence:
    """Tag ``text`` with every model of ``pair``; raises :class:`RNNLabError` for an empty or over-long one.

    A direction's push on a tag is its part of that tag's score minus its mean part over the four tags (a
    part that raises every tag alike changes nothing): positive means it argued for the tag chosen.
    """
    words = words_of(text)
    unknown = list(dict.fromkeys(w for w in words if w not in pair.vocab))
    idx = torch.tensor([pair.vocab.encode(words)])
    lengths = torch.tensor([len(words)])
    tags, probabilities = {}, {}
    forward = backward = np.zeros(len(words))
    for direction, net in pair.models.items():
        net.eval()
        parts = net.contributions(idx, lengths)
        scores = parts["forward"] + parts["backward"] + parts["bias"]
        chosen = scores.argmax(-1)[0]
        tags[direction] = [TAGS[k] for k in chosen.tolist()]
        probabilities[direction] = F.softmax(scores[0], dim=-1).numpy()
        if direction == "bidirectional":
            def push(part):
                centred = part[0] - part[0].mean(-1, keepdim=True)
                return centred.gather(1, chosen[:, None])[:, 0].numpy()
            forward, backward = push(parts["forward"]), push(parts["backward"])
    return TaggedSentence(words, unknown, tags, probabilities, forward, backward,
                          [pair.baseline.get(w, "none") for w in words])


# --- metrics ------------------------------------------------------------------------------------------

def _share(hits: list[bool]) -> float:
    return float(np.mean(hits)) if hits else float("nan")


def accuracy_report(pair: TaggerPair, sentences: list[Sentence]) -> dict:
    """Per-word accuracy of every model and the baseline on ``sentences``, split by ambiguous and plain words.

    ``{model: {ambiguous_accuracy, plain_accuracy, by_distance: {d: acc}, by_word: {word: acc}}}`` for each
    trained direction and ``"baseline"``, plus ``n_ambiguous`` and ``n_plain`` (how many words were counted).
    """
    report: dict = {}
    for name in (*pair.models, "baseline"):
        predicted = pair.predict(sentences, name)
        amb, plain = [], []
        by_distance: dict[int, list[bool]] = {}
        by_word: dict[str, list[bool]] = {}
        for s, p in zip(sentences, predicted):
            for k, (pt, t) in enumerate(zip(p, s.tags)):
                if k == s.ambiguous_at:
                    hit = pt == t
                    amb.append(hit)
                    by_distance.setdefault(s.distance, []).append(hit)
                    by_word.setdefault(s.words[k], []).append(hit)
                else:
                    plain.append(pt == t)
        report[name] = {"ambiguous_accuracy": _share(amb), "plain_accuracy": _share(plain),
                        "by_distance": {d: _share(v) for d, v in sorted(by_distance.items())},
                        "by_word": {w: _share(v) for w, v in sorted(by_word.items())}}
        report["n_ambiguous"], report["n_plain"] = len(amb), len(plain)
    report["word_counts"] = dict(sorted(Counter(s.words[s.ambiguous_at] for s in sentences).items()))
    report["readings"] = {w: list(AMBIGUOUS[w]) for w in report["word_counts"]}
    return report
