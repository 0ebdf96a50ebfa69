"""The language-model job: a text in, a trained next-token model out.

Used by the page *Train a language model*, the command line ``train-lm`` and the benchmarks, so all three
train the same way. Batches follow char-rnn: the training text is cut into ``batch_size`` parallel streams,
read ``seq_len`` tokens at a time, with the hidden state carried from one chunk to the next and detached
(truncated backpropagation through time).
"""

from __future__ import annotations

import math
import re
import threading
from dataclasses import asdict, dataclass, replace
from typing import Callable

import torch
import torch.nn.functional as F

from rnn_core.nets.cells import CELL_NAMES
from rnn_core.errors import RNNLabError
from rnn_core.language_model.generation import sample
from rnn_core.language_model.model import LanguageModel, ModelConfig
from rnn_core.nets.fused import detach_state, pick_device
from rnn_core.data.text import EncodedText, Tokenizer, encode_text
from rnn_core.runs.loop import Progress, TrainConfig, TrainResult, seeded, train


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
    eval_every_steps: int | None = None  # evaluate (and sample) at exact step counts instead: reproducible
    eval_tokens: int = 8_000             # validation tokens used while training (all of them at the end)
    sample_length: int = 200
    keep_best: bool = False              # hand back the model of the best validation loss, not the last
    fit_to_time: bool = True             # shorten the schedule to fit ``seconds`` (False: the steps are the budget)
    refit: bool = False                  # with fit_to_time: fit it again along the run (the clock is the budget)
    average: float | None = None         # hand back a moving average of the weights with this decay (a run on
                                         # the clock); None: the last (or best) weights, as the presets train
    patience: int | None = None          # with keep_best: stop after this many evaluations without a new best

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
                           eval_every_seconds=self.eval_every_seconds, eval_every_steps=self.eval_every_steps,
                           fit_to_time=self.fit_to_time, refit=self.refit, average=self.average,
                           keep_best="val_loss" if self.keep_best else None,
                           patience=self.patience if self.keep_best else None)

    def to_dict(self) -> dict:
        return asdict(self)


# Presets are step budgets, so that a seed gives the same model on every laptop in a workshop; the time limit
# (a generous multiple of the stated time) only stops a run that a very busy machine would stretch. Short
# sequences and many small updates train best in a minute. Each cell gets the learning rate it learns best
# with (CELL_LR, measured on the built-in texts: at the LSTM's 0.02 the GRU stalls near 1.8 on the Python
# documentation and the RNN ends near 1.72; at 0.01 they reach 1.36 and 1.61). Evaluations at fixed steps make the kept best model reproducible.
PRESETS = {
    "quick": LMSettings(hidden_size=128, embedding_dim=32, seq_len=32, batch_size=32, lr=2e-2, max_steps=1000,
                        seconds=180.0, eval_every_steps=50, keep_best=True, patience=5, fit_to_time=False),
    "better": LMSettings(hidden_size=256, embedding_dim=48, seq_len=50, batch_size=32, lr=1.5e-2, max_steps=900,
                         seconds=300.0, eval_every_steps=45, keep_best=True, patience=5, fit_to_time=False),
}
CELL_LR = {
    "quick": {"rnn": 1e-2, "lstm": 2e-2, "gru": 1e-2},
    "better": {"rnn": 4e-3, "lstm": 1.5e-2, "gru": 8e-3},
}
# Words: a vocabulary of the 2,000 commonest (the softmax over 10,000 made a step five times slower) and fewer
# steps, since the built-in texts hold ten times fewer words than characters (more steps only memorise).
WORD_LEVEL = {
    "quick": dict(max_vocab=2000, max_steps=400, eval_every_steps=20),
    "better": dict(max_vocab=3000, max_steps=400, eval_every_steps=20),
}
PRESET_TITLES = {"quick": "Quick", "better": "Better"}
DEFAULT_PRESET, DEFAULT_CELL, DEFAULT_LEVEL = "quick", "lstm", "char"   # what the page starts with
# The stated time: the slowest cell and level on one free core (benchmarks/lm_speed.py's CPU seconds: Quick at
# most 20 s, Better at most 60 s), with a margin. A busy shared machine takes longer; the steps still decide.
PRESET_SECONDS = {"quick": 30, "better": 90}


# How far a live run on another machine may land from the shipped Quick figures (validation nats per token). The
# same seed trains a slightly different model on another CPU's kernels, and training amplifies the difference;
# measured for RNN Quick, seed 0, Python documentation: 1.6074 (where the grid was made), 1.6226 (avx512),
# 1.6219 (avx2), 1.6173 (default). On the machine that made them, the figures replay exactly.
ACROSS_MACHINES = 0.03


def preset(name: str, **overrides) -> LMSettings:
    """The preset ``name`` for the cell and level in ``overrides`` (the LSTM on characters by default), with
    the learning rate that cell learns best with and the word level's budget, then ``overrides`` on top."""
    if name not in PRESETS:
        raise RNNLabError(f"Unknown preset {name!r}; choose one of {', '.join(PRESETS)}.")
    base = PRESETS[name]
    cell, level = overrides.get("cell", base.cell), overrides.get("level", base.level)
    tuned = {"lr": CELL_LR[name].get(cell, base.lr), **(WORD_LEVEL[name] if level == "word" else {})}
    return replace(base, **{**tuned, **overrides})


ON_THE_CLOCK_AVERAGE = 0.995   # the weights' average over about the last 200 steps


def on_the_clock(settings: LMSettings, seconds: float) -> LMSettings:
    """``settings`` with ``seconds`` as the budget ("train for S seconds", the command line's ``--seconds``): the
    schedule fitted to the time and fitted again along the run, evaluations by the clock, no early stop.

    No patience: five noisy evaluations without a new best stopped Better on Tiny Shakespeare at 15 s of 60 (1.668
    nats/char, against 1.530 over the whole minute). Evaluations by the clock: the preset's step interval, sized
    for its step budget, evaluated and sampled 75 times a minute there, a tenth of the minute. The weights'
    moving average (:class:`rnn_core.runs.loop.WeightAverage`) is handed back: about 0.01 nats lower there."""
    return replace(settings, seconds=seconds, max_steps=1_000_000, fit_to_time=True, refit=True, patience=None,
                   eval_every_steps=None, average=ON_THE_CLOCK_AVERAGE)


def evaluation_interval(max_steps: int) -> int:
    """Steps between evaluations (and samples): twenty along the run, as the presets do."""
    return max(10, max_steps // 20)


def preset_variants():
    """Every (preset, cell, level) and its settings: what the page's sliders must be able to show."""
    for name in PRESETS:
        for cell in CELL_NAMES:
            for level in ("char", "word"):
                yield name, cell, level, preset(name, cell=cell, level=level)


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


# Weight sets per recurrent layer: the candidate alone (RNN); update and reset gates and the candidate (GRU);
# input, forget and output gates and the candidate (LSTM). Each set is W_x (H × input), W_h (H × H) and, as
# torch keeps them, two bias vectors.
WEIGHT_SETS = {"rnn": 1, "gru": 3, "lstm": 4}
WEIGHT_SET_NAMES = {"rnn": "the candidate h̃", "gru": "update gate z, reset gate r, candidate h̃",
                    "lstm": "input gate i, forget gate f, output gate o, candidate g"}


def parameter_breakdown(config: ModelConfig) -> list[dict]:
    """The model's parameters part by part (``part``, ``shape``, ``count``); the counts add up to the model's."""
    v, h, gates = config.vocab_size, config.hidden_size, WEIGHT_SETS[config.cell]
    parts = []
    if config.encoding == "embedding":
        parts.append({"part": "embedding", "shape": f"{v:,} tokens × {config.embedding_dim}",
                      "count": v * config.embedding_dim})
    else:
        parts.append({"part": "one-hot input", "shape": f"{v:,} inputs, no weights", "count": 0})
    for k in range(config.num_layers):
        inputs = config.input_size if k == 0 else h
        parts.append({"part": f"{config.cell.upper()} layer {k + 1}",
                      "shape": f"{gates} × ({h}×{inputs} + {h}×{h} + 2×{h})",
                      "count": gates * (h * inputs + h * h + 2 * h)})
    parts.append({"part": "output (softmax)", "shape": f"{h}×{v:,} + {v:,}", "count": h * v + v})
    return parts


def size_advice(train_tokens: int, params: int, level: str) -> tuple[str, str] | None:
    """Before training: ``("warning" | "info", message)`` when the text is short for the model, else None.

    A model with many more parameters than training tokens can store the text instead of learning its
    patterns; below a tenth of a token per parameter it will.
    """
    unit = "characters" if level == "char" else "words"
    ratio = train_tokens / max(1, params)
    if ratio < 0.1:
        return "warning", (f"The text is far too short for this model: {train_tokens:,} training {unit} for "
                           f"{params:,} parameters ({ratio:.3f} per parameter). It will memorise the text "
                           "(overfitting) rather than learn how such text goes: the validation loss will stay "
                           "high. Paste a much longer text (tens of thousands of characters), or make the model "
                           "smaller.")
    if ratio < 1:
        return "info", (f"The text is short for this model: {train_tokens:,} training {unit} for {params:,} "
                        f"parameters. Watch the validation curve: when it turns up while the training curve "
                        "goes on down, the model is memorising; the best model is kept.")
    return None


def diagnose(metrics: dict, history: list) -> list[str]:
    """After training: what the numbers say went wrong (worse than guessing, memorising), in words; or []."""
    notes = []
    uniform, final = metrics.get("uniform_loss"), metrics.get("val_loss")
    vals = [(r["step"], r["val_loss"]) for r in history if isinstance(r.get("val_loss"), (int, float))
            and math.isfinite(r["val_loss"])]
    if uniform is not None and final is not None and math.isfinite(final) and final > uniform:
        notes.append(f"The validation loss ({final:.2f}) ended above a uniform guess (ln {metrics['vocab_size']} "
                     f"= {uniform:.2f}): on text it has not seen, the model does worse than guessing every "
                     "token equally likely. It memorised its training text (overfitting) instead of learning "
                     "patterns that carry over: the text is too short, or has no pattern to learn.")
    if len(vals) >= 3:
        best_step = metrics.get("best_step", vals[-1][0])
        best = dict(vals).get(best_step, min(v for _, v in vals))
        last_step, last = vals[-1]
        train = [r["train_loss"] for r in history if "train_loss" in r]
        near = [r["train_loss"] for r in history if "train_loss" in r and abs(r["step"] - best_step) <= 25]
        train_fell = bool(train and near) and sum(train[-25:]) / len(train[-25:]) < sum(near) / len(near)
        if last > best + max(0.02, 0.02 * best) and (train_fell or metrics.get("stop_reason") == "early"):
            rose = (f"The validation loss rose from {best:.3f} (step {best_step:,}) to {last:.3f} (step "
                    f"{last_step:,}) while the training loss " + ("went on falling" if train_fell else "stayed low"))
            kept = f"The model from step {best_step:,}, the best on validation, is the one kept."
            if vals[0][0] == 0 and vals[0][1] < best:
                kept = (f"The model from step {best_step:,}, the best on validation once training began, is the one "
                        f"kept (the untrained model scored {vals[0][1]:.3f}: nothing learned here carries over).")
            if metrics.get("epochs", 1.0) > 1:
                notes.append(f"{rose}: the model memorised its training text (overfitting). {kept}")
            else:
                notes.append(f"{rose}. The model has not yet read its training text once, so it cannot have "
                             "memorised it: the held-out last 10% differs from the rest, or training is unsteady "
                             f"(a lower learning rate may help). {kept}")
    return notes


def run_label(settings: LMSettings, title: str) -> str:
    """A name that tells runs apart: ``"GRU 128 · lr 0.01 · seed 0 · Python documentation (char)"``."""
    size = f"{settings.hidden_size}" + (f"×{settings.num_layers}" if settings.num_layers > 1 else "")
    parts = [f"{settings.cell.upper()} {size}", "one-hot" if settings.encoding == "onehot" else "",
             f"lr {settings.lr:g}", f"seed {settings.seed}", f"{title} ({settings.level})"]
    return " · ".join(p for p in parts if p)


def samples_to_show(samples: list[dict], most: int = 7) -> list[dict]:
    """A few of the samples kept along training, spaced out more and more (the first steps change the most):
    the 1st, 2nd, 3rd, 5th, 9th, 17th ... and the last."""
    if len(samples) <= most:
        return list(samples)
    picks = {0, len(samples) - 1}
    k = 1
    while len(picks) < most and k < len(samples) - 1:
        picks.add(k)
        k *= 2
    return [samples[i] for i in sorted(picks)]


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
    """Tokenize ``text``, build the model ``settings`` describe, train it, and measure it on the last 10%.

    ``metrics["samples"]`` keeps a sample at every evaluation, the untrained model's first (step 0):
    ``[{"step": 0, "text": ...}, {"step": 50, "text": ...}, ...]``, saved with the checkpoint, so a page can show
    the samples turning from noise into words. With ``keep_best`` the model handed back is the one of the best
    validation loss (``metrics["best_step"]``); ``metrics["last_val_loss"]`` is the last evaluation's.
    """
    data = text if isinstance(text, EncodedText) else encode_text(
        text, settings.level, settings.max_vocab, settings.min_count)
    check_length(data, settings)
    with seeded(settings.seed) as generator:
        model = LanguageModel(settings.model_config(len(data.tokenizer)))
    device = device or pick_device(model.num_parameters(), settings.batch_size * settings.seq_len)
    model.to(device)
    batches = StreamBatches(data.train_ids, settings.batch_size, settings.seq_len, generator, device)
    val_ids = data.val_ids
    eval_len = min(settings.seq_len, len(val_ids) - 1)
    uniform = math.log(len(data.tokenizer))
    prompt_ids = data.train_ids[:1].tolist()
    samples: list[dict] = []
    done = {"steps": 0}

    def loss_on_step(step: int) -> torch.Tensor:
        done["steps"] = step + 1
        return batches.loss(model)

    def evaluate() -> dict:
        loss = evaluate_loss(model, val_ids, eval_len, settings.eval_tokens)
        if not math.isfinite(loss):   # a diverged model has no distribution to sample from
            return {"val_loss": loss, "sample": "", "uniform_loss": uniform}
        drawn = sample(model, data.tokenizer, data.tokenizer.decode(prompt_ids), settings.sample_length,
                       temperature=0.8, seed=settings.seed)   # special tokens are never drawn
        text_sample = data.tokenizer.decode(prompt_ids + drawn.ids)   # one detokenisation of the whole text
        samples.append({"step": done["steps"], "text": text_sample})
        return {"val_loss": loss, "sample": text_sample, "uniform_loss": uniform}

    with torch.no_grad():
        before = evaluate()   # step 0: the untrained model, near a uniform guess
    if on_progress is not None:
        on_progress(Progress(0, settings.max_steps, math.nan, 0.0, math.nan, 0.0, math.nan, 0.0,
                             {**before, "evaluated_at": 0}))
    result = train(model, loss_on_step, settings.train_config(),
                   tokens_per_step=batches.batch_size * settings.seq_len, evaluate=evaluate,
                   on_progress=on_progress, stop=stop)
    result.history.insert(0, {"step": 0, "elapsed": 0.0, "val_loss": before["val_loss"]})
    steps = result.steps
    metrics = {"train_loss": _recent_train_loss(result), "steps": steps,
               "tokens_per_second": result.tokens_per_second, "seconds": result.seconds,
               "params": model.num_parameters(), "cell": settings.cell, "level": settings.level,
               "vocab_size": len(data.tokenizer), "uniform_loss": uniform, "stop_reason": result.stop_reason,
               "planned_steps": result.planned_steps, "unk_fraction": data.unk_fraction,
               "train_tokens": len(data.train_ids), "val_tokens": len(val_ids),
               "eval_tokens": min(settings.eval_tokens, len(val_ids) - 1),   # what each evaluation reads
               "epochs": steps * batches.batch_size * settings.seq_len / max(1, len(data.train_ids)),
               "last_val_loss": result.metrics.get("val_loss", math.nan),
               "best_step": result.best_step if result.best_step is not None else steps,
               "device": device.type}                      # "cpu" or "cuda": what trained it
    if steps or result.diverged:
        metrics.update(summarize(evaluate_loss(model, val_ids, eval_len), settings.level))
    kept = [row for row in samples if row["step"] <= metrics["best_step"]]
    metrics["sample"] = (kept or samples or [{"text": ""}])[-1]["text"]   # the kept model's
    metrics["samples"] = samples
    return LMRun(model.cpu(), data.tokenizer, settings, result, metrics)   # the session's models live on the CPU


def _recent_train_loss(result: TrainResult, window: int = 50) -> float:
    """Mean training loss over the last steps (one step's loss is noisy)."""
    losses = [row["train_loss"] for row in result.history[-window:] if "train_loss" in row]
    return sum(losses) / len(losses) if losses else math.nan


# --- the preset's claim, run over every cell, built-in corpus and seed ------------------------------------

GRID_COLUMNS = ("preset", "corpus", "cell", "seed", "lr", "steps", "best_step", "val_loss", "train_loss",
                "uniform_loss", "words_first", "words_last", "seconds")
_LETTERS = re.compile(r"[A-Za-z]{2,}")


def corpus_words(text: str) -> set[str]:
    """The distinct words (two letters or more, lower-cased) of a text."""
    return {w.lower() for w in _LETTERS.findall(text)}


def word_share(sample_text: str, words: set[str]) -> float:
    """The share of a sample's letter runs (two letters or more) that are words of the corpus: near 0 for
    noise, above a half once the samples are word-like."""
    runs = _LETTERS.findall(sample_text)
    return sum(w.lower() in words for w in runs) / len(runs) if runs else 0.0


def preset_grid_row(text: str | EncodedText, corpus: str, name: str, cell: str, seed: int) -> dict:
    """One run of preset ``name`` as the page starts it (character level), as a row of the shipped results."""
    settings = preset(name, cell=cell, seed=seed, seconds=None)
    run = train_language_model(text, settings)
    m = run.metrics
    words = corpus_words(run.tokenizer.decode(text.train_ids.tolist()) if isinstance(text, EncodedText) else text)
    return {"preset": name, "corpus": corpus, "cell": cell, "seed": seed, "lr": settings.lr, "steps": m["steps"],
            "best_step": m["best_step"], "val_loss": round(m["val_loss"], 4), "train_loss": round(m["train_loss"], 4),
            "uniform_loss": round(m["uniform_loss"], 4), "words_first": round(word_share(m["samples"][0]["text"], words), 3),
            "words_last": round(word_share(m["sample"], words), 3), "seconds": round(m["seconds"], 1)}
