"""Many-to-one: a sentence in, a class out. An RNN classifier, a bag-of-words baseline, and probes of both.

The RNN reads the embedded words (x_t = E[w_t]) with a fused ``nn.RNN``/``nn.LSTM``/``nn.GRU``, optionally
in both directions and stacked, and summarises the hidden states h_1..h_T into one vector: the last state
h_T (for a bidirectional RNN, the forward h_T beside the backward h_1), or their mean, or their maximum per
unit. A linear layer turns that vector into class scores: P(class) = softmax(W h + b).

The baseline is logistic regression on word counts, P(class) = softmax(W counts(sentence) + b): it sees which
words occur but not in what order, so the gap between the two measures how much word order matters.

Both train through :func:`rnn_core.runs.loop.train` on the same split; :func:`train_classifier` returns a
:class:`ClassifierRun`. :mod:`rnn_core.sentiment.probe` explains one sentence word by word.
"""

from __future__ import annotations

import copy
import math
import threading
from dataclasses import asdict, dataclass, field, replace
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from rnn_core.nets.fused import fused_rnn
from rnn_core.nets.cells import CELL_NAMES, set_forget_bias_
from rnn_core.errors import RNNLabError
from rnn_core.sentiment.data import CONSTRUCTIONS, LabelledSentences, ReviewSettings, built_in_reviews, stratified_split
from rnn_core.data.text import Tokenizer, split_tokens
from rnn_core.runs.loop import Progress, TrainConfig, TrainResult, seed_everything, seeded, train

POOLINGS = ("last", "mean", "max")
GROUP_ORDER = CONSTRUCTIONS + ("amazon", "imdb", "yelp")
MAX_TOKENS = 100          # longer sentences are cut: the few very long reviews would dominate the time per step


def words_of(text: str) -> list[str]:
    """The tokens a classifier reads: lower-cased words and punctuation marks."""
    return split_tokens(" ".join(text.lower().split()), "word")


@dataclass(frozen=True)
class ClassifierSettings:
    """Every knob of a classifier run, as the page and the command line set them."""

    cell: str = "lstm"
    hidden_size: int = 64
    embedding_dim: int = 64
    embedding_init: float = 1.0      # standard deviation of the starting word vectors (PyTorch's default)
    num_layers: int = 1
    bidirectional: bool = False
    pooling: str = "last"
    dropout: float = 0.3             # on the embedded words and on the summary vector
    word_dropout: float = 0.05       # share of training words replaced by <unk>, so <unk> means something
    batch_size: int = 32
    lr: float = 3e-3
    clip: float = 1.0
    weight_decay: float = 0.0
    max_steps: int = 600             # a step budget: the same seed gives the same model on any machine
    seconds: float | None = None     # an optional time limit as well (the command line's --seconds)
    seed: int = 0
    test_fraction: float = 0.2
    val_fraction: float = 0.1        # of the training part: the curves and the choice of the best model
    max_vocab: int = 20_000
    min_count: int = 1
    eval_every_seconds: float = 2.0

    def __post_init__(self):
        if self.cell not in CELL_NAMES:
            raise RNNLabError(f"Unknown cell {self.cell!r}; choose one of {', '.join(CELL_NAMES)}.")
        if self.pooling not in POOLINGS:
            raise RNNLabError(f"Unknown pooling {self.pooling!r}; choose one of {', '.join(POOLINGS)}.")
        if not 1 <= self.hidden_size <= 1024 or not 1 <= self.embedding_dim <= 1024:
            raise RNNLabError("Hidden and embedding sizes must be between 1 and 1,024.")
        if not 1 <= self.num_layers <= 4:
            raise RNNLabError(f"Layers must be between 1 and 4 (got {self.num_layers}).")
        if not 1 <= self.batch_size <= 1024:
            raise RNNLabError(f"Batch size must be between 1 and 1,024 (got {self.batch_size}).")
        if not (0 <= self.dropout < 1 and 0 <= self.word_dropout < 1):
            raise RNNLabError("Dropout rates must be at least 0 and below 1.")
        if not (0.05 <= self.test_fraction <= 0.5 and 0.05 <= self.val_fraction <= 0.5):
            raise RNNLabError("The test and validation shares must be between 5% and 50%.")

    def train_config(self) -> TrainConfig:
        # A step budget draws its curves at fixed steps (a seventh of the budget apart, at least 50): a fast run
        # timed every few seconds got two validation points. The model kept is chosen by steps either way.
        by_steps = max(50, self.max_steps // 6) if self.seconds is None else None
        return TrainConfig(max_steps=self.max_steps, seconds=self.seconds, lr=self.lr, clip=self.clip or None,
                           weight_decay=self.weight_decay, eval_every_seconds=self.eval_every_seconds,
                           eval_every_steps=by_steps)

    def to_dict(self) -> dict:
        return asdict(self)


STEP_CHOICES = (100, 200, 300, 400, 600, 800, 1000, 1500, 2000, 3000, 5000)


def recommended_settings(kind: str) -> ClassifierSettings:
    """The defaults, as step budgets measured to work: ``synthetic`` (built-in reviews) or ``reviews`` (real text).

    The built-in reviews need word order over a long clause: an LSTM reading to the last word. 600 steps
    (a few seconds on one core) at a learning rate of 0.005 make it right on more than 90 % of the negation
    test for seeds 0 to 4. Starting word vectors N(0, 0.3²) keep the words before the opinion word quiet, so
    that P(positive) stays in the middle until the opinion word comes (with N(0, 1) it wandered past 0.85 at
    "food" or "not" on some seeds, after the vocabulary grew from about 160 words to about 210).
    Real reviews are few (thousands) with many rare words: max pooling over the words is more robust there,
    and small starting word vectors keep the rare words quiet (on the UCI sentences, starting vectors
    N(0, 0.1²) instead of N(0, 1) raised the test accuracy from about 0.78 to about 0.81). The best
    validation accuracy comes within 400 steps there; more steps only overfit (the kept model is the best).
    """
    if kind == "synthetic":
        return ClassifierSettings(lr=5e-3, embedding_init=0.3)
    return ClassifierSettings(pooling="max", batch_size=64, embedding_init=0.1, max_steps=400)


class SentimentRNN(nn.Module):
    """Embedding → RNN/LSTM/GRU (bidirectional, stacked) → last state, mean or max → classes."""

    def __init__(self, vocab_size: int, n_classes: int, s: ClassifierSettings):
        super().__init__()
        self.cell, self.pooling, self.bidirectional = s.cell, s.pooling, s.bidirectional
        self.hidden_size, self.num_layers = s.hidden_size, s.num_layers
        self.embedding = nn.Embedding(vocab_size, s.embedding_dim, padding_idx=0)
        # With small starting vectors a word seen once or twice stays near zero (neutral) instead of keeping
        # a large random vector that the recurrent layer reads as a strong signal: see recommended_settings.
        with torch.no_grad():
            self.embedding.weight.normal_(0.0, s.embedding_init)
            self.embedding.weight[0].zero_()
        self.rnn = fused_rnn(s.cell, s.embedding_dim, s.hidden_size, s.num_layers, batch_first=True,
                                  bidirectional=s.bidirectional, dropout=s.dropout if s.num_layers > 1 else 0.0)
        self.drop = nn.Dropout(s.dropout)
        self.head = nn.Linear(s.hidden_size * (2 if s.bidirectional else 1), n_classes)
        if s.cell == "lstm":
            for name, bias in self.rnn.named_parameters():
                if name.startswith("bias_ih"):
                    set_forget_bias_(bias, getattr(self.rnn, name.replace("bias_ih", "bias_hh")), 1.0)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def hidden_states(self, idx: torch.Tensor, lengths: torch.Tensor, inputs: torch.Tensor | None = None):
        """Top-layer hidden states ``(batch, time, directions × hidden)``, zero after each sentence's end."""
        x = self.drop(self.embedding(idx) if inputs is None else inputs)
        packed = pack_padded_sequence(x, lengths.cpu(), batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = pad_packed_sequence(out, batch_first=True, total_length=idx.shape[1])
        return out

    def summarise(self, out: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        """One vector per sentence from its hidden states, as ``pooling`` says."""
        lengths = lengths.to(out.device)
        mask = (torch.arange(out.shape[1], device=out.device)[None, :] < lengths[:, None]).unsqueeze(-1)
        if self.pooling == "mean":
            return (out * mask).sum(1) / lengths[:, None].float()
        if self.pooling == "max":
            return out.masked_fill(~mask, -math.inf).max(1).values
        last = out[torch.arange(out.shape[0]), lengths - 1]
        if not self.bidirectional:
            return last
        # The backward direction has read the whole sentence when it reaches the first word.
        return torch.cat([last[:, :self.hidden_size], out[:, 0, self.hidden_size:]], dim=1)

    def forward(self, idx: torch.Tensor, lengths: torch.Tensor, inputs: torch.Tensor | None = None) -> torch.Tensor:
        return self.head(self.drop(self.summarise(self.hidden_states(idx, lengths, inputs), lengths)))


class BagOfWords(nn.Module):
    """Logistic regression on word counts: score(class) = Σ_words W[class, word] + b[class]. No order."""

    def __init__(self, vocab_size: int, n_classes: int):
        super().__init__()
        self.weights = nn.EmbeddingBag(vocab_size, n_classes, mode="sum", padding_idx=0)
        nn.init.zeros_(self.weights.weight)
        self.bias = nn.Parameter(torch.zeros(n_classes))

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def forward(self, idx: torch.Tensor, lengths: torch.Tensor) -> torch.Tensor:
        # The words one after another with where each sentence starts: no time spent on padding.
        mask = torch.arange(idx.shape[1])[None, :] < lengths[:, None]
        offsets = torch.cat([lengths.new_zeros(1), lengths.cumsum(0)[:-1]])
        return self.weights(idx[mask], offsets) + self.bias


@dataclass
class Classifier:
    """A trained RNN with its baseline, vocabulary and class names: what the registry keeps (kind "classifier")."""

    rnn: SentimentRNN
    baseline: BagOfWords
    tokenizer: Tokenizer
    classes: tuple[str, ...]

    def num_parameters(self) -> int:
        return self.rnn.num_parameters()

    def encode(self, text: str) -> list[int]:
        ids = [self.tokenizer.id_of(w) for w in words_of(text)][:MAX_TOKENS]
        return ids or [self.tokenizer.unk_id]

    def batch(self, texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        return pad([self.encode(t) for t in texts])

    @torch.no_grad()
    def predict_proba(self, texts: list[str], model: str = "rnn", batch_size: int = 512) -> np.ndarray:
        """P(class) for each text, ``(n, classes)``, from the RNN or the ``"baseline"``."""
        net = self.rnn if model == "rnn" else self.baseline
        net.eval()
        out = [F.softmax(net(*self.batch(texts[i:i + batch_size])), dim=-1) for i in range(0, len(texts), batch_size)]
        return torch.cat(out).numpy() if out else np.zeros((0, len(self.classes)))


def pad(sequences: list[list[int]]) -> tuple[torch.Tensor, torch.Tensor]:
    """Token-id lists to a ``(batch, longest)`` tensor padded with ``<pad>`` (id 0), and their lengths."""
    lengths = torch.tensor([len(s) for s in sequences], dtype=torch.long)
    idx = torch.zeros(len(sequences), int(lengths.max()) if len(sequences) else 1, dtype=torch.long)
    for i, s in enumerate(sequences):
        idx[i, :len(s)] = torch.tensor(s, dtype=torch.long)
    return idx, lengths


# --- training ------------------------------------------------------------------------------------------

@dataclass
class Split:
    """Which sentences fit the weights, which pick the best model and draw the curves, which are the test."""

    fit: list[int]
    val: list[int]
    test: list[int]


def make_split(data: LabelledSentences, settings: ClassifierSettings) -> Split:
    """A stratified train/test split (fixed by the seed), then a stratified validation part of the training part."""
    train_idx, test_idx = stratified_split(data.labels, settings.test_fraction, settings.seed)
    fit_pos, val_pos = stratified_split([data.labels[i] for i in train_idx], settings.val_fraction, settings.seed + 1)
    return Split([train_idx[i] for i in fit_pos], [train_idx[i] for i in val_pos], test_idx)


@dataclass
class ClassifierRun:
    """A trained classifier and everything the page and the command line show about it."""

    classifier: Classifier
    settings: ClassifierSettings
    result: TrainResult
    metrics: dict
    split: Split
    history: list = field(default_factory=list)


class LengthBuckets:
    """Batches of sentences of similar length, so that a batch is not as slow as its one long review.

    Each pass shuffles the sentences, sorts them by length within pools of 50 batches, cuts the pools into
    batches and shuffles the batches (the "bucket iterator" of classic text-classification code).
    """

    def __init__(self, lengths: torch.Tensor, batch_size: int, generator: torch.Generator):
        self.lengths, self.batch_size, self.generator = lengths, min(batch_size, len(lengths)), generator
        self.batches: list[torch.Tensor] = []

    def _refill(self) -> None:
        order = torch.randperm(len(self.lengths), generator=self.generator)
        pool = self.batch_size * 50
        batches = []
        for start in range(0, len(order), pool):
            chunk = order[start:start + pool]
            chunk = chunk[torch.argsort(self.lengths[chunk], stable=True)]
            batches += [b for b in chunk.split(self.batch_size) if len(b) == self.batch_size or len(chunk) < pool]
        self.batches = [batches[i] for i in torch.randperm(len(batches), generator=self.generator).tolist()]

    def next(self) -> torch.Tensor:
        if not self.batches:
            self._refill()
        return self.batches.pop()


class _Evaluator:
    """Accuracy and loss on a part of the data, and a copy of the weights with the best validation accuracy.

    :meth:`consider` runs every few steps (counted in steps, not seconds, so that a run with a step budget
    replays exactly from its seed); ``__call__`` is the timed evaluation behind the live curves.
    """

    def __init__(self, net: nn.Module, batches: dict[str, tuple[torch.Tensor, torch.Tensor, torch.Tensor]],
                 min_gap: int = 0):
        self.net, self.batches = net, batches
        self.best_state, self.best_key = None, (-1.0, 0.0)
        self.step, self.last_timed, self.min_gap = 0, -min_gap, min_gap

    @torch.no_grad()
    def measure(self, part: str) -> tuple[float, float, torch.Tensor]:
        idx, lengths, y = self.batches[part]
        logits = torch.cat([self.net(idx[i:i + 512], lengths[i:i + 512]) for i in range(0, len(y), 512)])
        return F.cross_entropy(logits, y).item(), (logits.argmax(1) == y).float().mean().item(), logits.argmax(1)

    def __call__(self) -> dict:
        """For the curves: samples of the training and validation parts, at least ``min_gap`` steps apart.

        The training loop asks every few seconds; on a busy machine a few seconds can be a single step, and
        evaluating that often would leave no time to train. Skipped requests return nothing.
        """
        if self.step - self.last_timed < self.min_gap:
            return {}
        self.last_timed = self.step
        train_loss, train_accuracy, _ = self.measure("train_sample")
        val_loss, val_accuracy, _ = self.measure("val_sample")
        return {"train_eval_loss": train_loss, "train_accuracy": train_accuracy, "val_loss": val_loss,
                "val_accuracy": val_accuracy}

    def consider(self) -> None:
        """Keep the current weights if they have the best validation accuracy so far (ties: lower loss)."""
        was_training = self.net.training
        self.net.eval()
        loss, accuracy, _ = self.measure("val")
        self.net.train(was_training)
        if (accuracy, -loss) > self.best_key and math.isfinite(loss):
            self.best_key, self.best_state = (accuracy, -loss), copy.deepcopy(self.net.state_dict())

    def restore_best(self) -> None:
        self.consider()
        if self.best_state is not None:
            self.net.load_state_dict(self.best_state)


def _tensors(classifier: Classifier, data: LabelledSentences, indices: list[int]):
    idx, lengths = classifier.batch([data.texts[i] for i in indices])
    return idx, lengths, torch.tensor([data.labels[i] for i in indices], dtype=torch.long)


def _batch_loss(net: nn.Module, fit, settings: ClassifierSettings, generator: torch.Generator,
                unk_id: int, evaluator: _Evaluator) -> Callable[[int], torch.Tensor]:
    idx_all, lengths_all, y_all = fit
    buckets = LengthBuckets(lengths_all, settings.batch_size, generator)
    # Validation costs about a third of training per sentence: this keeps it under a third of the time.
    every = max(25, math.ceil(len(evaluator.batches["val"][2]) / settings.batch_size))

    def loss_on_step(step: int) -> torch.Tensor:
        evaluator.step = step
        if step and step % every == 0:
            evaluator.consider()
        pick = buckets.next()
        lengths = lengths_all[pick]
        idx = idx_all[pick, :int(lengths.max())]
        if settings.word_dropout:
            drop = (torch.rand(idx.shape, generator=generator) < settings.word_dropout) & (idx != 0)
            idx = idx.masked_fill(drop, unk_id)
        return F.cross_entropy(net(idx, lengths), y_all[pick])
    return loss_on_step


def train_baseline(classifier: Classifier, parts: dict, seed: int, steps: int = 200) -> TrainResult:
    """Full-batch logistic regression on counts, with a little L2, keeping the best validation accuracy."""
    seed_everything(seed)
    idx, lengths, y = parts["fit"]
    evaluator = _Evaluator(classifier.baseline, parts)

    def loss_on_step(step: int) -> torch.Tensor:
        if step and step % 5 == 0:
            evaluator.consider()
        return F.cross_entropy(classifier.baseline(idx, lengths), y)

    result = train(classifier.baseline, loss_on_step, TrainConfig(max_steps=steps, lr=0.05, weight_decay=1e-4,
                                                                  clip=None, report_every_seconds=60.0))
    evaluator.restore_best()
    return result


def confusion_matrix(labels: torch.Tensor, predicted: torch.Tensor, n_classes: int) -> list[list[int]]:
    """``m[true][predicted]``: how many sentences of each class went to each class."""
    m = torch.zeros(n_classes, n_classes, dtype=torch.long)
    m.index_put_((labels, predicted), torch.ones_like(labels), accumulate=True)
    return m.tolist()


def train_classifier(
    data: LabelledSentences,
    settings: ClassifierSettings = ClassifierSettings(),
    *,
    held_out: LabelledSentences | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    max_examples: int = 50,
) -> ClassifierRun:
    """Split ``data``, train the baseline then the RNN on the same sentences, and measure both on the test part.

    ``held_out`` (the built-in reviews' negation test) is measured too, as ``negation_accuracy``.
    """
    if len(data) < 10 or len(set(data.labels)) < 2:
        raise RNNLabError("A classifier needs at least 10 sentences of at least two classes.")
    split = make_split(data, settings)
    with seeded(settings.seed) as generator:
        tokenizer = Tokenizer.build(" ".join(" ".join(words_of(data.texts[i])) for i in split.fit), "word",
                                    settings.max_vocab, settings.min_count)
        rnn = SentimentRNN(len(tokenizer), len(data.classes), settings)
        classifier = Classifier(rnn, BagOfWords(len(tokenizer), len(data.classes)), tokenizer, data.classes)
    parts = {name: _tensors(classifier, data, getattr(split, name)) for name in ("fit", "val", "test")}
    parts["train_sample"] = tuple(t[:500] for t in parts["fit"])   # fixed samples for the live curves
    parts["val_sample"] = tuple(t[:1000] for t in parts["val"])
    baseline_result = train_baseline(classifier, parts, settings.seed)
    base_eval = _Evaluator(classifier.baseline, parts)
    baseline_val = base_eval.measure("val")[1]

    torch.manual_seed(settings.seed)
    # The curves' evaluation reads about as many sentences as it takes steps of training to read them.
    evaluator = _Evaluator(rnn, parts, min_gap=math.ceil(
        (len(parts["train_sample"][2]) + len(parts["val_sample"][2])) / settings.batch_size))
    result = train(rnn, _batch_loss(rnn, parts["fit"], settings, generator, tokenizer.unk_id, evaluator),
                   settings.train_config(), tokens_per_step=settings.batch_size,
                   evaluate=lambda: {**evaluator(), "baseline_val_accuracy": baseline_val},
                   on_progress=on_progress, stop=stop)
    evaluator.restore_best()
    rnn.eval()

    test_loss, test_accuracy, predicted = evaluator.measure("test")
    _, base_test_accuracy, base_predicted = base_eval.measure("test")
    y_test = parts["test"][2]
    metrics = {
        "test_accuracy": test_accuracy, "test_loss": test_loss, "baseline_test_accuracy": base_test_accuracy,
        "val_accuracy": evaluator.best_key[0], "baseline_val_accuracy": baseline_val,
        "n_train": len(split.fit) + len(split.val), "n_fit": len(split.fit), "n_val": len(split.val),
        "n_test": len(split.test), "classes": list(data.classes),
        "confusion": confusion_matrix(y_test, predicted, len(data.classes)),
        "baseline_confusion": confusion_matrix(y_test, base_predicted, len(data.classes)),
        "steps": result.steps, "planned_steps": result.planned_steps, "seconds": result.seconds,
        "sentences_per_second": result.tokens_per_second, "stop_reason": result.stop_reason,
        "params": rnn.num_parameters(), "baseline_params": classifier.baseline.num_parameters(),
        "vocab_size": len(tokenizer), "cell": settings.cell, "baseline_steps": baseline_result.steps,
        "misclassified": _misclassified(classifier, data, split.test, predicted, max_examples),
        "by_group": _accuracy_by_group(data, split.test, y_test, predicted, base_predicted),
    }
    if held_out is not None and len(held_out):
        metrics.update(held_out_accuracy(classifier, held_out))
    return ClassifierRun(classifier, settings, result, metrics, split, result.history)


def held_out_accuracy(classifier: Classifier, held_out: LabelledSentences) -> dict:
    """Accuracy of the RNN and the baseline on the negation test."""
    y = np.asarray(held_out.labels)
    rnn = classifier.predict_proba(list(held_out.texts)).argmax(1)
    base = classifier.predict_proba(list(held_out.texts), "baseline").argmax(1)
    return {"negation_accuracy": float((rnn == y).mean()), "baseline_negation_accuracy": float((base == y).mean()),
            "n_negation": len(y)}


def _accuracy_by_group(data: LabelledSentences, test: list[int], labels: torch.Tensor, predicted: torch.Tensor,
                       base_predicted: torch.Tensor) -> list[dict]:
    """Test accuracy of both models for each group (the built-in reviews' constructions, the UCI sources)."""
    if not data.groups:
        return []
    groups = [data.groups[i] for i in test]
    rows = []
    for name in dict.fromkeys(sorted(groups, key=lambda g: (g not in GROUP_ORDER, GROUP_ORDER.index(g)
                                                             if g in GROUP_ORDER else 0, g))):
        keep = torch.tensor([g == name for g in groups])
        rows.append({"group": name, "n": int(keep.sum()),
                     "rnn": float((predicted[keep] == labels[keep]).float().mean()),
                     "baseline": float((base_predicted[keep] == labels[keep]).float().mean())})
    return rows


def _misclassified(classifier: Classifier, data: LabelledSentences, test: list[int], predicted: torch.Tensor,
                   limit: int) -> list[dict]:
    """Test sentences the RNN got wrong, the most confident mistakes first."""
    wrong = [k for k, i in enumerate(test) if int(predicted[k]) != data.labels[i]]
    if not wrong:
        return []
    texts = [data.texts[test[k]] for k in wrong]
    probs = classifier.predict_proba(texts)
    base = classifier.predict_proba(texts, "baseline").argmax(1)
    rows = [{"sentence": text, "true": data.classes[data.labels[test[k]]],
             "predicted": data.classes[int(predicted[k])], "confidence": float(p.max()),
             "baseline": data.classes[int(b)]}
            for k, text, p, b in zip(wrong, texts, probs, base)]
    return sorted(rows, key=lambda r: -r["confidence"])[:limit]


def ready_made_run(seed: int = 0) -> ClassifierRun:
    """The page's defaults trained: an LSTM on the default built-in reviews, 600 steps (what Train gives).

    The page shows this one (seed 0) before anything is trained, so a sentence can be tried at once.
    """
    data, held_out = built_in_reviews(ReviewSettings())
    return train_classifier(data, replace(recommended_settings("synthetic"), seed=seed), held_out=held_out)
