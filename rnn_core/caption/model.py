"""One to many: a picture in, a caption out, word by word, with and without attention over the picture.

The encoder cuts the 24 × 24 picture into its 3 × 3 grid of 8 × 8 patches and turns each into a feature vector
(a convolution with an 8 × 8 kernel and stride 8, a ReLU, a layer applied to each vector, a ReLU): a grid of 9
vectors a_1..a_9 that say what is in each patch, the same weights for every patch. The decoder is an RNN cell
(RNN, LSTM or GRU) that writes one word per step from the previous word (the true one while training, "teacher
forcing"; its own when tested, greedily) and a context vector, and starts from the mean of the grid.

- **with attention** (as in Xu et al. 2015, "Show, Attend and Tell"): the context is c_t = Σ_j α_tj [a_j; p_j],
  a weighted mean of the grid's vectors, each with its cell's place p_j = (row, column) from -1 to 1, with the
  weights from the translator's additive score (:mod:`rnn_core.nets.attention`):
  e_tj = v · tanh(W s_{t-1} + U [a_j; p_j]), α_t = softmax_j(e_t). So the context says what the decoder looked
  at and where, apart. The weights α are what the page draws: where it looked for each word.
- **without attention**: the context is one fixed summary of the whole grid (all nine vectors side by side,
  through one layer), the same at every step: the picture squeezed into one vector.
- **picture-blind**: the same decoder with no context, starting from zeros: it can only learn which captions
  are common.

:func:`train_captioners` trains the three side by side in one run of :func:`rnn_core.runs.loop.train`, on the
same batches (their losses add; each model's gradient is its own), and measures them on held-out pictures.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass, field
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from rnn_core.caption.data import (BACKGROUND, END, GRID, KIND_OF_WORD, MAX_LENGTH, VOCAB, WORD_ID, WORD_KINDS, Pictures,
                                   _word_mask, caption_words, check_shapes, decode, draw, grammar_level,
                                   make_pictures)
from rnn_core.errors import RNNLabError
from rnn_core.nets.attention import AdditiveAttention
from rnn_core.nets.cells import CELL_NAMES
from rnn_core.runs.loop import Progress, TrainConfig, TrainResult, evaluating, seeded, train

MODELS = ("attention", "plain", "blind")
MODEL_NAMES = {"attention": "with attention", "plain": "without attention", "blind": "picture-blind"}
STEP_CHOICES = (200, 400, 600, 1000, 1500)
TEST_SEED, VAL_SEED = 90_001, 80_021          # the held-out pictures: never a training seed
SEEN_SEED = 70_001                            # new pictures of the training combinations, for comparison
# Each cell's place, (row, column) from -1 to 1: the attention model's context says where it looked, apart from what
# it saw there, so a shape seen in a new place reads as the same shape.
WHERE = torch.tensor([[(r - 1.0), (c - 1.0)] for r in range(GRID) for c in range(GRID)])[None]
CELLS = {"rnn": nn.RNNCell, "lstm": nn.LSTMCell, "gru": nn.GRUCell}


@dataclass(frozen=True)
class CaptionSettings:
    """Every knob of a captioning run, as the page and the command line set them."""

    cell: str = "gru"
    hidden: int = 64
    features: int = 32
    embedding: int = 16
    n_train: int = 20000
    n_test: int = 1000
    batch: int = 64
    lr: float = 1e-2
    max_steps: int = 1000
    seconds: float | None = None
    seed: int = 0
    eval_every: int = 50
    n_val: int = 300

    def __post_init__(self):
        if self.cell not in CELL_NAMES:
            raise RNNLabError(f"Unknown cell {self.cell!r}; choose one of {', '.join(CELL_NAMES)}.")
        for name, low, high in (("hidden", 4, 256), ("features", 4, 256), ("embedding", 2, 128),
                                ("batch", 1, 1024), ("n_train", 100, 100_000), ("n_test", 10, 20_000),
                                ("n_val", 10, 5000), ("eval_every", 1, 100_000)):
            value = getattr(self, name)
            if not (isinstance(value, int) and low <= value <= high):
                raise RNNLabError(f"{name.replace('_', ' ').capitalize()} must be a whole number from {low:,} "
                                  f"to {high:,} (got {value}).")
        if not 0 <= self.seed <= 1_000_000:
            raise RNNLabError(f"The seed must be between 0 and 1,000,000 (got {self.seed}).")
        self.train_config()

    def train_config(self) -> TrainConfig:
        # The three models' gradients are clipped together: 3 is about √3 × 1.7, so each keeps room to move.
        return TrainConfig(max_steps=self.max_steps, seconds=self.seconds, fit_to_time=False, lr=self.lr,
                           schedule="cosine", warmup_steps=min(20, self.max_steps), eval_every_steps=self.eval_every,
                           report_every_seconds=0.5, clip=3.0)

    def to_dict(self) -> dict:
        return asdict(self)


class Captioner(nn.Module):
    """``forward(images, captions) -> logits (batch, 11, vocab)`` (teacher forcing), or with ``captions`` None,
    greedy decoding; ``return_attention`` adds the weights (batch, 11, 9) (None without attention)."""

    def __init__(self, kind: str, settings: CaptionSettings):
        super().__init__()
        if kind not in MODELS:
            raise RNNLabError(f"Unknown captioner {kind!r}; choose one of {', '.join(MODELS)}.")
        self.kind, self.cell_name = kind, settings.cell
        f, h, e = settings.features, settings.hidden, settings.embedding
        self.hidden_size = h
        if kind != "blind":
            self.patches = nn.Conv2d(3, f, kernel_size=8, stride=8)            # one vector per 8 × 8 patch
            self.mix = nn.Linear(f, f)
            self.start = nn.Linear(f, h)                                        # the first state, from the mean
        self.embed = nn.Embedding(len(VOCAB) + 1, e)                            # + <start>
        context = f + 2 if kind != "blind" else 0                               # what, and where (row, column)
        self.cell = CELLS[settings.cell](e + context, h)
        if kind == "attention":
            self.attention = AdditiveAttention(h, f + 2, f)
        elif kind == "plain":      # one fixed summary of the whole picture, the same at every step
            self.summary = nn.Linear(f * GRID * GRID, f + 2)
        self.head = nn.Linear(h + context, len(VOCAB))

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def grid(self, images: torch.Tensor) -> torch.Tensor:
        """The picture's grid of feature vectors, (batch, 9, features)."""
        x = self.patches((images - BACKGROUND) * 3).flatten(2).transpose(1, 2)   # (batch, 9, f); background 0
        return torch.relu(self.mix(torch.relu(x)))

    def forward(self, images: torch.Tensor, captions: torch.Tensor | None = None, return_attention: bool = False):
        batch = images.shape[0]
        if self.kind == "blind":
            grid = None
            h = images.new_zeros(batch, self.hidden_size)
        else:
            grid = self.grid(images)
            h = torch.tanh(self.start(grid.mean(1)))
            if self.kind == "attention":   # each cell's vector: what is in it, then where it is
                grid = torch.cat([grid, WHERE.expand(batch, -1, -1)], dim=-1)
            else:                          # all nine vectors side by side, squeezed into one
                fixed = torch.tanh(self.summary(grid.flatten(1)))[:, None, :]
        state = (h, torch.zeros_like(h)) if self.cell_name == "lstm" else h
        keys = self.attention.keys(grid) if self.kind == "attention" else None
        token = torch.full((batch,), len(VOCAB), dtype=torch.long)
        logits, weights = [], []
        for t in range(MAX_LENGTH):
            x = self.embed(token)
            s = state[0] if isinstance(state, tuple) else state
            if keys is not None:
                context, alpha = self.attention(keys, s, grid)
                weights.append(alpha)
            elif self.kind == "plain":
                context = fixed
            if self.kind != "blind":
                x = torch.cat([x, context[:, 0]], dim=-1)
            state = self.cell(x, state)
            out = state[0] if isinstance(state, tuple) else state
            step = self.head(torch.cat([out, context[:, 0]], dim=-1) if self.kind != "blind" else out)
            logits.append(step)
            token = captions[:, t] if captions is not None else step.argmax(-1)
        logits = torch.stack(logits, dim=1)
        if return_attention:
            return logits, (torch.stack(weights, dim=1) if weights else None)
        return logits


def caption_loss(logits: torch.Tensor, captions: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over each caption's words and its first <end> (the padding after is left out)."""
    mask = _word_mask(captions)
    return F.cross_entropy(logits[mask], captions[mask])


@torch.no_grad()
def score(model: Captioner, pictures: Pictures, chunk: int = 500) -> dict:
    """Exact caption match, per-word accuracy and accuracy by kind of word, decoding greedily."""
    with evaluating(model):
        preds = torch.cat([model(pictures.images[a:a + chunk]).argmax(-1) for a in range(0, len(pictures), chunk)])
    truth = pictures.captions
    mask = _word_mask(truth)
    right = (preds == truth) | ~mask
    exact = right.all(dim=1).float().mean().item()
    word = ((preds == truth) & mask).sum().item() / mask.sum().item()
    kinds = torch.tensor([WORD_KINDS.index(KIND_OF_WORD.get(w, "other")) for w in VOCAB])[truth]
    by_kind = {}
    for k, name in enumerate(WORD_KINDS):
        m = mask & (kinds == k)
        by_kind[name] = ((preds == truth) & m).sum().item() / max(1, m.sum().item())
    two = torch.tensor([len(s) == 2 for s in pictures.shapes])
    by_count = {n: (right.all(dim=1)[sel].float().mean().item() if sel.any() else None)
                for n, sel in (("one shape", ~two), ("two shapes", two))}
    return {"exact_match": exact, "word_accuracy": word, "by_kind": by_kind, "by_count": by_count}


@torch.no_grad()
def wrong_pictures(model: Captioner, pictures: Pictures) -> list[int]:
    """The indices of the pictures whose caption ``model`` gets wrong (greedy decoding)."""
    with evaluating(model):
        preds = model(pictures.images).argmax(-1)
    mask = _word_mask(pictures.captions)
    right = ((preds == pictures.captions) | ~mask).all(dim=1)
    return [int(i) for i in torch.nonzero(~right).flatten()]


@torch.no_grad()
def attention_on_named_shape(model: Captioner, pictures: Pictures) -> float:
    """The attention model's mean weight on a shape's cell just before it writes that shape's colour or shape word
    (the true caption fed in, so every picture's words line up)."""
    with evaluating(model):
        _, alpha = model(pictures.images, pictures.captions, return_attention=True)
    total, count = 0.0, 0
    for i, shapes in enumerate(pictures.shapes):
        n = len(caption_words(shapes))
        named = [(1, shapes[0]), (2, shapes[0])] + ([(n - 2, shapes[1]), (n - 1, shapes[1])] if len(shapes) == 2 else [])
        for t, s in named:
            total += float(alpha[i, t, s.row * GRID + s.col])
            count += 1
    return total / count


@dataclass
class CaptionRun:
    models: dict
    settings: CaptionSettings
    result: TrainResult
    metrics: dict
    history: list = field(default_factory=list)


def pictures_for(settings: CaptionSettings) -> tuple[Pictures, Pictures, Pictures]:
    """(training, validation, test) pictures: the training set from the run's seed, the held-out ones fixed."""
    return (make_pictures(settings.n_train, settings.seed, held_out=False),
            make_pictures(settings.n_val, VAL_SEED, held_out=True),
            make_pictures(settings.n_test, TEST_SEED, held_out=True))


def train_captioners(settings: CaptionSettings = CaptionSettings(), *, which: tuple = MODELS,
                     on_progress: Callable[[Progress], None] | None = None,
                     stop: threading.Event | None = None) -> CaptionRun:
    """Make the pictures, train the captioners ``which`` names side by side, and test them on held-out pictures."""
    unknown = [w for w in which if w not in MODELS]
    if not which or unknown:
        raise RNNLabError(f"Choose captioners among {', '.join(MODELS)} (got {', '.join(which) or 'none'}).")
    train_set, val_set, test_set = pictures_for(settings)
    with seeded(settings.seed) as generator:
        models = {k: Captioner(k, settings) for k in MODELS if k in which}
    together = nn.ModuleDict(models)
    order: list[int] = []

    def loss_on_step(step: int) -> torch.Tensor:
        nonlocal order
        if len(order) < settings.batch:
            order = torch.randperm(len(train_set), generator=generator).tolist()
        pick, order = torch.tensor(order[:settings.batch]), order[settings.batch:]
        images, captions = train_set.images[pick], train_set.captions[pick]
        return sum(caption_loss(m(images, captions), captions) for m in models.values())

    def evaluate() -> dict:
        out = {}
        for k, m in models.items():
            s = score(m, val_set)
            out[f"{k}.exact_match"] = s["exact_match"]
            out[f"{k}.word_accuracy"] = s["word_accuracy"]
        return out

    result = train(together, loss_on_step, settings.train_config(), tokens_per_step=settings.batch,
                   evaluate=evaluate, on_progress=on_progress, stop=stop)
    metrics: dict = {}
    seen_set = make_pictures(settings.n_test, SEEN_SEED, held_out=False)
    for k, m in models.items():
        m.eval()
        metrics[k] = {**score(m, test_set), "seen_exact": score(m, seen_set)["exact_match"],
                      "params": m.num_parameters()}
    if "attention" in models:
        metrics["attention"]["on_named_shape"] = attention_on_named_shape(models["attention"], test_set)
    metrics["grammar_level"] = grammar_level(test_set)
    metrics.update({"steps": result.steps, "planned_steps": result.planned_steps, "seconds": result.seconds,
                    "pictures_per_second": result.tokens_per_second, "stop_reason": result.stop_reason,
                    "cell": settings.cell, "seed": settings.seed, "n_train": len(train_set), "n_test": len(test_set)})
    return CaptionRun(models, settings, result, metrics, result.history)


@dataclass
class Captioned:
    """One picture captioned by each model: its words, and the attention model's weights per word (words, 3, 3)."""

    image: torch.Tensor
    truth: list[str]
    captions: dict
    attention: torch.Tensor | None


@torch.no_grad()
def caption_picture(models: dict, shapes, image: torch.Tensor | None = None) -> Captioned:
    """Caption the picture of ``shapes`` (drawn without noise unless ``image`` is given) with every model."""
    shapes = check_shapes(shapes)
    if image is None:
        image = torch.from_numpy(draw(shapes, noise=0.0))
    captions, attention = {}, None
    for k, m in models.items():
        m.eval()
        logits, alpha = m(image[None], return_attention=True)
        ids = logits.argmax(-1)[0]
        words = decode(ids)
        captions[k] = words
        if alpha is not None:
            attention = alpha[0, :len(words) + 1].reshape(-1, GRID, GRID)
    return Captioned(image, caption_words(shapes), captions, attention)


END_ID = WORD_ID[END]
