"""The language-model job: a text in, a trained next-token model out.

Used by the page *Train a language model*, the command line ``train-lm`` and the benchmarks, so all three
train the same way. Batches follow char-rnn: the training text is cut into ``batch_size`` parallel streams,
read ``seq_len`` tokens at a time, with the hidden state carried from one chunk to the next and detached
(truncated backpropagation through time).
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass, replace
from typing import Callable

import torch
import torch.nn.functional as F

from .errors import RNNLabError
from .generation import sample
from .models import LanguageModel, ModelConfig, detach_state, pick_device
from .text import EncodedText, Tokenizer, encode_text
from .training import Progress, TrainConfig, TrainResult, seed_everything, train


@dataclass(frozen=True)
class LMSettings:
    """Every knob of a language-model run, as the page and the command line set them."""

    level: str = "char"
    cell: str = "lstm"
    encoding: str = "embedding"
    hidden_size: int = 128
    num_layers: int = 1
    embedding_dim: int = 32
    activation: str = "tanh"
    seq_len: int = 64
    batch_size: int = 32
    lr: float = 3e-3
    clip: float = 1.0
    max_steps: int = 100_000
    seconds: float | None = 20.0
    seed: int = 0
    max_vocab: int | None = None         # None: every character; 10,000 words
    min_count: int = 1
    eval_every_seconds: float = 4.0
    eval_tokens: int = 8_000             # validation tokens used while training (all of them at the end)
    sample_length: int = 200

    def __post_init__(self):
        if not 2 <= self.seq_len <= 1000:
            raise RNNLabError(f"Sequence length must be between 2 and 1,000 (got {self.seq_len}).")
        if not 1 <= self.batch_size <= 1024:
            raise RNNLabError(f"Batch size must be between 1 and 1,024 (got {self.batch_size}).")
        if not 1 <= self.embedding_dim <= 1024:
            raise RNNLabError(f"Embedding size must be between 1 and 1,024 (got {self.embedding_dim}).")

    def model_config(self, vocab_size: int) -> ModelConfig:
        return ModelConfig(vocab_size=vocab_size, cell=self.cell, hidden_size=self.hidden_size,
                           num_layers=self.num_layers, encoding=self.encoding, embedding_dim=self.embedding_dim,
                           activation=self.activation)

    def train_config(self) -> TrainConfig:
        return TrainConfig(max_steps=self.max_steps, seconds=self.seconds, lr=self.lr, clip=self.clip or None,
                           eval_every_seconds=self.eval_every_seconds)

    def to_dict(self) -> dict:
        return asdict(self)


# Presets are step budgets, so that a seed gives the same model on every laptop in a workshop; the steps
# take about 20 s ("quick") and 60 s ("better") on one core (a training's share in the app), and the time
# limit stops a run that a busy machine would otherwise stretch. Short sequences and a high learning rate
# train best in a minute: many small updates beat few large ones (measured in the README).
PRESETS = {
    "quick": LMSettings(hidden_size=128, embedding_dim=32, seq_len=32, batch_size=32, lr=2e-2, max_steps=1000,
                        seconds=60.0),
    "better": LMSettings(hidden_size=256, embedding_dim=48, seq_len=50, batch_size=32, lr=1.5e-2, max_steps=900,
                         seconds=120.0, eval_every_seconds=8.0),
}


def preset(name: str, **overrides) -> LMSettings:
    if name not in PRESETS:
        raise RNNLabError(f"Unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    return replace(PRESETS[name], **overrides)


@dataclass
class LMRun:
    """A trained language model with everything needed to show, compare, reuse and save it."""

    model: LanguageModel
    tokenizer: Tokenizer
    settings: LMSettings
    result: TrainResult
    metrics: dict

    @property
    def history(self) -> list:
        return self.result.history


class StreamBatches:
    """Consecutive ``seq_len`` chunks of ``batch_size`` parallel streams, with the hidden state carried."""

    def __init__(self, ids: torch.Tensor, batch_size: int, seq_len: int, generator: torch.Generator,
                 device: torch.device):
        self.ids, self.seq_len, self.generator, self.device = ids, seq_len, generator, device
        self.batch_size = max(1, min(batch_size, (len(ids) - 1) // seq_len))
        self.state = None
        self._epoch()

    def _epoch(self) -> None:
        n, b, t = len(self.ids), self.batch_size, self.seq_len
        slack = (n - 1) - b * t
        offset = int(torch.randint(0, min(t, slack) + 1, (1,), generator=self.generator)) if slack > 0 else 0
        m = (n - 1 - offset) // b
        data = self.ids[offset:offset + b * m + 1]
        self.x = data[:b * m].view(b, m).to(self.device)
        self.y = data[1:b * m + 1].view(b, m).to(self.device)
        self.chunks, self.chunk, self.state = m // t, 0, None

    def next(self) -> tuple[torch.Tensor, torch.Tensor]:
        if self.chunk >= self.chunks:
            self._epoch()
        s = self.chunk * self.seq_len
        self.chunk += 1
        return self.x[:, s:s + self.seq_len], self.y[:, s:s + self.seq_len]

    def loss(self, model: LanguageModel) -> torch.Tensor:
        x, y = self.next()
        _, loss, state = model(x, y, detach_state(self.state))
        self.state = state
        return loss


@torch.no_grad()
def evaluate_loss(model: LanguageModel, ids: torch.Tensor, seq_len: int, max_tokens: int | None = None,
                  streams: int = 16) -> float:
    """Mean cross-entropy (nats per token) of predicting ``ids[1:]``, reading in streams with carried state.

    ``max_tokens`` measures a sample instead: ``streams`` stretches spread evenly over the whole of ``ids`` (the
    first tokens alone can be easier or harder than the rest: on the Python documentation the first 8,000
    read 0.3 nats above the whole), so the live curve ends where the final figure is.
    """
    n = len(ids) - 1
    if n < 1:
        raise RNNLabError("The validation part of the text is too short to measure a loss.")
    if max_tokens is not None and max_tokens < n:
        b = max(1, min(streams, max_tokens // seq_len))
        m = max(1, max_tokens // b)
        starts = torch.linspace(0, n - m, b).long().tolist()
    else:   # the whole text, cut into b consecutive stretches
        b = max(1, min(streams, n // seq_len))
        m = n // b
        starts = range(0, b * m, m)
    x = torch.stack([ids[s:s + m] for s in starts]).to(model.device)
    y = torch.stack([ids[s + 1:s + m + 1] for s in starts]).to(model.device)
    state, total = None, 0.0
    was_training = model.training
    model.eval()
    for s in range(0, m, seq_len):
        logits, _, state = model(x[:, s:s + seq_len], state=state)
        total += F.cross_entropy(logits.reshape(-1, logits.size(-1)), y[:, s:s + seq_len].reshape(-1),
                                 reduction="sum").item()
    model.train(was_training)
    return total / (b * m)


def check_length(data: EncodedText, settings: LMSettings) -> None:
    """A text must hold at least one training sequence plus a validation part."""
    need = settings.seq_len + 1
    if len(data.train_ids) < need or len(data.val_ids) < 2:
        unit = "characters" if data.tokenizer.level == "char" else "words"
        total = math.ceil(max(need / 0.9, 20))
        raise RNNLabError(
            f"The text has {len(data.ids):,} {unit}; training with sequences of {settings.seq_len} needs at "
            f"least {total:,} (one sequence, plus the last 10% held out for validation). Use a longer text or a "
            f"shorter sequence length.")


def summarize(loss: float, level: str) -> dict:
    """Loss in the units people quote: nats, perplexity, and bits per character (or word)."""
    per = "char" if level == "char" else "word"
    return {"val_loss": loss, "perplexity": math.exp(min(loss, 50.0)), f"bits_per_{per}": loss / math.log(2)}


def train_language_model(
    text: str | EncodedText,
    settings: LMSettings = LMSettings(),
    *,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    device: torch.device | None = None,
) -> LMRun:
    """Tokenize ``text``, build the model ``settings`` describe, train it, and measure it on the last 10%."""
    data = text if isinstance(text, EncodedText) else encode_text(
        text, settings.level, settings.max_vocab, settings.min_count)
    check_length(data, settings)
    device = device or pick_device()
    generator = seed_everything(settings.seed)
    model = LanguageModel(settings.model_config(len(data.tokenizer))).to(device)
    batches = StreamBatches(data.train_ids, settings.batch_size, settings.seq_len, generator, device)
    val_ids = data.val_ids
    eval_len = min(settings.seq_len, len(val_ids) - 1)
    prompt_length = 1

    def evaluate() -> dict:
        loss = evaluate_loss(model, val_ids, eval_len, settings.eval_tokens)
        if not math.isfinite(loss):   # a diverged model has no distribution to sample from
            return {"val_loss": loss, "sample": ""}
        prompt = data.tokenizer.decode(data.train_ids[:prompt_length].tolist())
        text_sample = sample(model, data.tokenizer, prompt, settings.sample_length, temperature=0.8,
                             seed=settings.seed)
        return {"val_loss": loss, "sample": prompt + text_sample.text}

    result = train(model, lambda step: batches.loss(model), settings.train_config(),
                   tokens_per_step=batches.batch_size * settings.seq_len, evaluate=evaluate,
                   on_progress=on_progress, stop=stop)
    metrics = {"train_loss": _recent_train_loss(result), "steps": result.steps,
               "tokens_per_second": result.tokens_per_second, "seconds": result.seconds,
               "params": model.num_parameters(), "cell": settings.cell, "level": settings.level,
               "vocab_size": len(data.tokenizer), "stop_reason": result.stop_reason,
               "planned_steps": result.planned_steps, "unk_fraction": data.unk_fraction}
    if result.steps or result.diverged:
        metrics.update(summarize(evaluate_loss(model, val_ids, eval_len), settings.level))
    metrics["sample"] = result.metrics.get("sample", "")
    return LMRun(model, data.tokenizer, settings, result, metrics)


def _recent_train_loss(result: TrainResult, window: int = 50) -> float:
    """Mean training loss over the last steps (one step's loss is noisy)."""
    losses = [row["train_loss"] for row in result.history[-window:]]
    return sum(losses) / len(losses) if losses else math.nan
