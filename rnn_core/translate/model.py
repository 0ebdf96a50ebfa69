"""Translate: the encoder-decoder of :mod:`rnn_core.nets.encoder_decoder` trained on dates or reversed letters,
with and without attention, and the length experiment that shows the plain model's bottleneck."""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from typing import Sequence

import torch
import torch.nn.functional as F

from rnn_core.data.tasks import REVERSE_LETTERS, reverse_batch
from rnn_core.translate.dates import (INPUT_CHARS, OUTPUT_CHARS, accuracy_by_format, date_pairs, held_out_days, month_attention,
                             training_days)
from rnn_core.errors import RNNLabError
from rnn_core.nets.encoder_decoder import EncoderDecoder
from rnn_core.runs.loop import RunFinished, TrainConfig, seeded, train



def sequence_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Mean cross-entropy over every output character."""
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def exact_match(model: EncoderDecoder, x: torch.Tensor, y: torch.Tensor, lengths: torch.Tensor | None = None,
                chunk: int = 500) -> tuple[float, float]:
    """(share of outputs right in every character, mean loss), decoding greedily, in chunks."""
    was_training = model.training
    model.eval()
    right, total_loss = 0, 0.0
    with torch.no_grad():
        for a in range(0, len(x), chunk):
            xb, yb = x[a:a + chunk], y[a:a + chunk]
            lb = lengths[a:a + chunk] if lengths is not None else None
            logits = model(xb, lengths=lb, out_length=y.shape[1])
            right += int((logits.argmax(-1) == yb).all(dim=1).sum())
            total_loss += float(sequence_loss(logits, yb)) * len(xb)
    model.train(was_training)
    return right / len(x), total_loss / len(x)


# --- training: dates, or one length of the reversal ----------------------------------------------------------

TASKS = ("dates", "reverse")
CELLS = ("lstm", "gru")
VAL_SIZE, TEST_SIZE = 500, 1000
VAL_SEED, TEST_SEED = 30_011, 40_009     # held-out sets: never the training stream's seed
MIN_LENGTH, MAX_LENGTH = 2, 60           # reversal lengths this box can train (the decoder loops per character)


@dataclass(frozen=True)
class TranslateSettings:
    """One translator run. A step budget: the same seed gives the same model on any machine of the same type.

    ``seconds`` only stops a run that a busy machine stretches (the steps decide the schedule). Runs on the
    reversal stop early once ``solved_at`` of the validation sequences are right; date runs use their budget.
    """

    task: str = "dates"
    attention: bool = True
    cell: str = "lstm"
    hidden: int = 32                  # per direction: the decoder's state is twice this
    length: int = 20                  # reversal only: letters per sequence
    max_steps: int = 800
    batch: int = 64
    lr: float = 1e-2
    eval_every: int = 50
    solved_at: float | None = None    # None: no early stop
    seconds: float | None = None
    seed: int = 0

    def __post_init__(self):
        if self.task not in TASKS:
            raise RNNLabError(f"Unknown task {self.task!r}; choose one of {', '.join(TASKS)}.")
        if self.cell not in CELLS:
            raise RNNLabError(f"The translator's encoder is an LSTM or a GRU (got {self.cell!r}).")
        if not 4 <= self.hidden <= 256:
            raise RNNLabError(f"Hidden size must be between 4 and 256 (got {self.hidden}).")
        if self.task == "reverse" and not (isinstance(self.length, int) and MIN_LENGTH <= self.length <= MAX_LENGTH):
            raise RNNLabError(f"Sequences to reverse have {MIN_LENGTH} to {MAX_LENGTH} letters (got {self.length}).")
        if not 1 <= self.batch <= 1024:
            raise RNNLabError(f"Batch size must be between 1 and 1024 (got {self.batch}).")
        if not 0 <= self.seed <= 1_000_000:
            raise RNNLabError(f"The seed must be between 0 and 1,000,000 (got {self.seed}).")
        self.train_config()   # checks steps, learning rate and time

    def train_config(self):
        return TrainConfig(max_steps=self.max_steps, seconds=self.seconds, fit_to_time=False, lr=self.lr,
                           schedule="cosine", warmup_steps=min(20, self.max_steps), eval_every_steps=self.eval_every,
                           report_every_seconds=0.5)

    @property
    def label(self) -> str:
        return "with attention" if self.attention else "without attention"

    def to_dict(self) -> dict:
        return asdict(self)


# The page's defaults, measured (see benchmarks/translate_quality.py): dates reach ≥ 0.98 with attention in
# 800 steps; the reversal's attention model solves length 30 in under 600 steps and stops there.
DATE_DEFAULTS = TranslateSettings()
REVERSE_DEFAULTS = TranslateSettings(task="reverse", max_steps=600, solved_at=0.98)


@dataclass
class TranslateProgress:
    """What a listener sees while a translator trains: the step and the held-out curve so far."""

    step: int
    planned_steps: int
    elapsed: float
    curve: list

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / max(1, self.planned_steps))


@dataclass
class TranslatorRun:
    model: EncoderDecoder
    settings: TranslateSettings
    metrics: dict
    curve: list


def build_model(settings: TranslateSettings) -> EncoderDecoder:
    if settings.task == "dates":
        return EncoderDecoder(len(INPUT_CHARS), len(OUTPUT_CHARS), settings.hidden, settings.cell, True,
                              settings.attention)
    return EncoderDecoder(len(REVERSE_LETTERS), len(REVERSE_LETTERS), settings.hidden, settings.cell, True,
                          settings.attention)


def held_out(settings: TranslateSettings, which: str):
    """(x, y, lengths, formats) of the validation or test set: held-out dates, or fresh letter sequences."""
    seed = VAL_SEED if which == "val" else TEST_SEED
    size = VAL_SIZE if which == "val" else TEST_SIZE
    if settings.task == "dates":
        p = date_pairs(size, held_out_days(), torch.Generator().manual_seed(seed))
        return p.x, p.y, p.lengths, p.formats
    x, y = reverse_batch(size, settings.length, torch.Generator().manual_seed(seed + settings.length))
    return x, y, None, None


def train_translator(settings: TranslateSettings, on_progress=None, stop=None) -> TranslatorRun:
    """Train one encoder–decoder through the app's one loop; exact match on held-out data along the way and at the end."""
    with seeded(settings.seed) as generator:
        model = build_model(settings)
    if settings.task == "dates":
        days = training_days()
        batch = lambda: (lambda p: (p.x, p.y, p.lengths))(date_pairs(settings.batch, days, generator))
    else:
        batch = lambda: (*reverse_batch(settings.batch, settings.length, generator), None)
    vx, vy, vl, _ = held_out(settings, "val")
    curve, losses, current = [], [], {"step": 0}

    def loss_on_step(step: int) -> torch.Tensor:
        current["step"] = step + 1
        x, y, lengths = batch()
        loss = sequence_loss(model(x, y, lengths=lengths), y)
        losses.append(float(loss.detach()))
        return loss

    def evaluate() -> dict:
        step = current["step"]
        if (step % settings.eval_every and step != settings.max_steps) or (curve and curve[-1]["step"] == step):
            return {}
        accuracy, val_loss = exact_match(model, vx, vy, vl)
        recent = losses[-settings.eval_every:]
        curve.append({"step": step, "train_loss": sum(recent) / len(recent), "val_loss": val_loss,
                      "val_exact": accuracy})
        return {"accuracy": accuracy, "val_loss": val_loss}

    def progress(p) -> None:
        if on_progress is not None:
            on_progress(TranslateProgress(p.step, p.planned_steps, p.elapsed, list(curve)))

    solved = None if settings.solved_at is None else (lambda m: m.get("accuracy", 0.0) >= settings.solved_at)
    tokens = settings.batch * (settings.length if settings.task == "reverse" else 10)
    result = train(model, loss_on_step, settings.train_config(), tokens_per_step=tokens, evaluate=evaluate,
                   on_progress=progress, stop=stop, solved=solved)
    tx, ty, tl, formats = held_out(settings, "test")
    accuracy, test_loss = exact_match(model, tx, ty, tl)
    metrics = {"exact_match": round(accuracy, 4), "loss": round(test_loss, 5), "steps": result.steps,
               "seconds": round(result.seconds, 2), "steps_per_second": round(result.steps / max(result.seconds, 1e-9), 1),
               "params": model.num_parameters(), "stop_reason": result.stop_reason, "message": result.message}
    if settings.task == "dates":
        metrics["by_format"] = accuracy_by_format(model, tx, ty, tl, formats)
        if settings.attention:
            metrics["month_on_month_name"] = round(month_attention(model, tx, tl), 4)
    model.eval()
    return TranslatorRun(model, settings, metrics, curve)



@dataclass
class PairUpdate:
    """One report of a pair trained one after the other (:func:`train_pair`): which model it is about, its
    progress (None once that model has finished), and its held-out curve so far (all of it once finished)."""

    attention: bool
    progress: TranslateProgress | None
    curve: list

    @property
    def fraction(self) -> float:
        return self.progress.fraction if self.progress is not None else 1.0


def train_pair(pair: Sequence[TranslateSettings], on_progress=None, stop=None) -> list[TranslatorRun]:
    """Train the models of ``pair`` (with attention, then without) one after the other, reporting
    :class:`PairUpdate` s; a stop ends the pair after the model in training."""
    runs = []
    for settings in pair:
        listener = None if on_progress is None else (
            lambda p, a=settings.attention: on_progress(PairUpdate(a, p, p.curve)))
        run = train_translator(settings, on_progress=listener, stop=stop)
        if on_progress is not None:
            on_progress(PairUpdate(settings.attention, None, run.curve))
        runs.append(run)
        if stop is not None and stop.is_set():
            break
    return runs

# --- the bottleneck experiment: both models on the reversal, at growing lengths --------------------------------

MODELS = ("attention", "plain")          # rows' "model" column: with attention, without
LENGTHS = (5, 10, 15, 20, 30)            # the shipped grid's: the plain model falls from ~1 to 0 across them
BUDGET_LENGTH, LARGER_BUDGET = 15, 3000  # what more steps buy: the shipped longer runs (translate_budget.csv)
BUDGET_CHOICES = (REVERSE_DEFAULTS.max_steps, 1200, LARGER_BUDGET)   # Run live's step budgets
# Seconds per training step per letter, batch 64, hidden 32, measured on the busy 2-core box (load 5-7) and rounded
# up: attention steps the decoder one letter at a time with a softmax over the input at each.
SECONDS_PER_STEP_AND_LETTER = {"attention": 4e-3, "plain": 1.5e-3}


@dataclass(frozen=True)
class LengthSpec:
    """Both models × lengths × seeds on the reversal, each run the reversal's default budget."""

    lengths: tuple = LENGTHS
    models: tuple = MODELS
    seeds: int = 3
    first_seed: int = 0
    base: TranslateSettings = REVERSE_DEFAULTS

    def __post_init__(self):
        if not self.lengths:
            raise RNNLabError("Choose at least one sequence length.")
        for n in self.lengths:
            self.settings_for("attention", n, self.first_seed)   # checks the length
        if not self.models or any(m not in MODELS for m in self.models):
            raise RNNLabError("Choose the model with attention, the one without, or both.")
        if not 1 <= self.seeds <= 5:
            raise RNNLabError(f"Seeds must be between 1 and 5 (got {self.seeds}).")

    def settings_for(self, model: str, length: int, seed: int) -> TranslateSettings:
        return replace(self.base, task="reverse", attention=model == "attention", length=int(length), seed=seed)

    def estimated_seconds(self) -> float:
        """A pessimistic time for the grid if no run stops early (a busy 2-core box, one thread per run)."""
        return sum(self.base.max_steps * n * SECONDS_PER_STEP_AND_LETTER[m] * max(1.0, self.base.hidden / 32)
                   for n, _, m in self.runs())

    def runs(self) -> list[tuple[int, int, str]]:
        """(length, seed, model) in the order they run: short lengths first, the two models side by side."""
        seeds = range(self.first_seed, self.first_seed + self.seeds)
        return [(n, s, m) for n in sorted(self.lengths) for s in seeds for m in self.models]


@dataclass
class LengthUpdate:
    """The running run of a length grid: which one, and its progress."""

    index: int
    total: int
    model: str
    length: int
    seed: int
    progress: TranslateProgress

    @property
    def fraction(self) -> float:
        return min(1.0, (self.index + self.progress.fraction) / max(1, self.total))


def run_length_grid(spec: LengthSpec, on_result=None, on_update=None, stop=None) -> list[dict]:
    """Every (length, seed, model) of ``spec``; each finished run goes to ``on_result`` at once (kept if stopped),
    as Compare's grid does (the same :class:`~rnn_core.runs.loop.RunFinished`)."""
    rows, runs = [], spec.runs()
    for index, (length, seed, model) in enumerate(runs):
        if stop is not None and stop.is_set():
            break
        listener = None
        if on_update is not None:
            listener = (lambda p, i=index, m=model, n=length, s=seed:
                        on_update(LengthUpdate(i, len(runs), m, n, s, p)))
        run = train_translator(spec.settings_for(model, length, seed), on_progress=listener, stop=stop)
        m = run.metrics
        row = {"model": model, "length": length, "seed": seed, "exact_match": m["exact_match"], "loss": m["loss"],
               "steps": m["steps"], "budget": spec.base.max_steps, "seconds": m["seconds"], "steps_per_second": m["steps_per_second"],
               "params": m["params"], "stop_reason": m["stop_reason"]}
        rows.append(row)
        if on_result is not None:
            on_result(RunFinished(index, len(runs), row, run.curve))
    return rows


def summarise_lengths(rows: list[dict]) -> list[dict]:
    """Mean, min and max exact match per (model, length), runs stopped by the user left out."""
    groups: dict = {}
    for r in rows:
        if r.get("stop_reason") != "stopped":
            groups.setdefault((r["model"], int(r["length"])), []).append(float(r["exact_match"]))
    return [{"model": m, "length": n, "mean": sum(v) / len(v), "min": min(v), "max": max(v), "seeds": len(v)}
            for (m, n), v in sorted(groups.items(), key=lambda kv: (MODELS.index(kv[0][0]), kv[0][1]))]


def steps_to_reach(curves: list[dict], level: float) -> dict:
    """(model, length, seed) -> the first evaluated step at which the validation exact match reached ``level``,
    or None when the run never did (its curve, from the ``--curves-csv`` table or a live run)."""
    out: dict = {}
    for c in sorted(curves, key=lambda c: c["step"]):
        key = (c["model"], int(c["length"]), int(c["seed"]))
        out.setdefault(key, None)
        if out[key] is None and float(c["val_exact"]) >= level:
            out[key] = int(c["step"])
    return out


def bottleneck_length(rows: list[dict], high: float = 0.90, low: float = 0.30) -> int | None:
    """The shortest length from which on (at it and every longer length of ``rows``) every seed with attention
    scores ≥ ``high`` and every seed without ≤ ``low``; None if even the longest does not."""
    by = {(s["model"], s["length"]): s for s in summarise_lengths(rows)}
    found = None
    for n in sorted({length for _, length in by}, reverse=True):
        a, p = by.get(("attention", n)), by.get(("plain", n))
        if not (a and p and a["min"] >= high and p["max"] <= low):
            break
        found = n
    return found
