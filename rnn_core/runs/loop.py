"""The one training loop of the app: every page and the command line train through :func:`train`.

The loop knows nothing of who listens (as minGPT's trainer): it reports :class:`Progress` through a callback,
stops when a ``threading.Event`` is set, when the step or time budget is spent, when a task says it is solved,
or when the loss stops being a finite number, and it keeps the model it has in every case.

Early stopping is opt-in (``TrainConfig.keep_best``, ``TrainConfig.patience``): the loop then keeps a copy of
the weights at the best evaluation, hands back that model rather than the last one, and can stop once the
metric has not improved for ``patience`` evaluations in a row (the model is memorising its training data).

Reproducibility: the learning-rate schedule runs over a fixed number of steps. With a time budget, that
number is estimated once, from the speed of the first steps, and reported as ``planned_steps``; passing it
back as ``max_steps`` with no time limit replays the same run exactly (same seed, same machine type).
"""

from __future__ import annotations

import math
import threading
import time
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from typing import Callable, Iterator

import torch

from rnn_core.errors import RNNLabError
from rnn_core.runs.adam import Adam

SCHEDULES = ("constant", "cosine")
WARM_UP_STEPS = 3     # steps left out when the speed is measured to fit the schedule to a time budget
EVAL_SHARE = 0.025    # the largest share of training time that periodic evaluations may take


@dataclass(frozen=True)
class TrainConfig:
    """The budget and the optimiser's settings (Adam)."""

    max_steps: int = 1000
    seconds: float | None = None          # wall-clock budget; None means none
    lr: float = 3e-3
    schedule: str = "cosine"              # cosine decay to a tenth of lr, after a linear warm-up
    warmup_steps: int = 10
    clip: float | None = 1.0              # largest gradient norm; None or 0 turns clipping off
    weight_decay: float = 0.0
    eval_every_seconds: float = 5.0
    eval_every_steps: int | None = None   # evaluate at exact step counts instead (reproducible early stops)
    report_every_seconds: float = 0.25
    fit_to_time: bool = True              # with seconds: shorten the schedule to what fits (False: steps rule,
                                          # the clock only stops a run that a busy machine stretches)
    refit: bool = False                   # with fit_to_time: measure the speed again at every tenth of the
                                          # budget and stretch the schedule to the time left (the clock is the
                                          # budget: the run's steps then vary with the machine's load)
    average: float | None = None          # keep an exponential moving average of the weights with this decay
                                          # (0.995: about the last 200 steps); evaluations read it and the run
                                          # hands it back instead of the last weights
    keep_best: str | None = None          # a metric of evaluate() to minimise: the best model is kept (opt-in)
    patience: int | None = None           # with keep_best: stop after this many evaluations without a new best

    def __post_init__(self):
        if not 1 <= self.max_steps <= 1_000_000:
            raise RNNLabError(f"Steps must be between 1 and 1,000,000 (got {self.max_steps}).")
        if self.seconds is not None and not 0 < self.seconds <= 3600:
            raise RNNLabError(f"The time budget must be between 0 and 3600 seconds (got {self.seconds}).")
        if not (0 < self.lr <= 10 and math.isfinite(self.lr)):
            raise RNNLabError(f"The learning rate must be above 0 and at most 10 (got {self.lr}).")
        if self.clip is not None and not (self.clip >= 0 and math.isfinite(self.clip)):
            raise RNNLabError(f"Gradient clipping must be a norm of 0 (off) or more (got {self.clip}).")
        if self.eval_every_steps is not None and self.eval_every_steps < 1:
            raise RNNLabError(f"Evaluate every 1 step or more (got {self.eval_every_steps}).")
        if self.schedule not in SCHEDULES:
            raise RNNLabError(f"Unknown schedule {self.schedule!r}; choose one of {', '.join(SCHEDULES)}.")
        if self.average is not None and not 0 <= self.average < 1:
            raise RNNLabError(f"The weights' average decays by a factor from 0 to below 1 (got {self.average}).")
        if self.patience is not None and (self.patience < 1 or self.keep_best is None):
            raise RNNLabError("Patience counts evaluations without improvement: at least 1, and only with a "
                              "metric to keep the best of.")


@dataclass
class Progress:
    """What a listener sees, a few times a second."""

    step: int
    planned_steps: int
    train_loss: float
    lr: float
    grad_norm: float
    elapsed: float
    time_left: float
    tokens_per_second: float
    metrics: dict = field(default_factory=dict)   # the latest evaluation (validation loss, a sample, ...)
    mean_train_loss: float = math.nan             # mean training loss of the steps since the previous report

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / max(1, self.planned_steps))


@dataclass
class TrainResult:
    """How a run went. ``history`` has one row per step; evaluation rows carry their metrics."""

    steps: int
    planned_steps: int
    seconds: float
    tokens_per_second: float
    stop_reason: str        # finished | time | stopped | solved | diverged | early (only with patience)
    message: str
    history: list = field(default_factory=list)
    metrics: dict = field(default_factory=dict)   # the last evaluation
    best_step: int | None = None                  # with keep_best: the step of the model handed back
    best_metrics: dict = field(default_factory=dict)   # with keep_best: that model's evaluation

    @property
    def diverged(self) -> bool:
        return self.stop_reason == "diverged"


@dataclass
class RunFinished:
    """A finished run of a grid of runs (Compare's grid, Translate's length grid), as a listener sees it: its
    result row and its curve."""

    index: int
    total: int
    row: dict
    curve: list

    @property
    def fraction(self) -> float:
        return (self.index + 1) / max(1, self.total)


def learning_rate(config: TrainConfig, step: int, horizon: int) -> float:
    """Linear warm-up, then constant or cosine decay to a tenth of the peak over ``horizon`` steps."""
    if step < config.warmup_steps:
        return config.lr * (step + 1) / config.warmup_steps
    if config.schedule == "constant":
        return config.lr
    progress = min(1.0, (step - config.warmup_steps) / max(1, horizon - config.warmup_steps))
    return config.lr * (0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress)))


def train(
    model: torch.nn.Module,
    loss_on_step: Callable[[int], torch.Tensor],
    config: TrainConfig,
    *,
    tokens_per_step: int = 1,
    evaluate: Callable[[], dict] | None = None,
    on_progress: Callable[[Progress], None] | None = None,
    stop: threading.Event | None = None,
    solved: Callable[[dict], bool] | None = None,
) -> TrainResult:
    """Train ``model`` with Adam until the budget is spent, ``stop`` is set, or ``solved(metrics)`` holds.

    ``loss_on_step(step)`` builds step ``step``'s batch and returns its mean loss (a scalar tensor with a
    graph). ``evaluate()`` returns metrics (``val_loss``, ``accuracy``, a text sample...) and runs every
    ``eval_every_seconds`` (or every ``eval_every_steps`` steps, when set) and at the end, with the model in
    eval mode and gradients off.
    """
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = Adam(params, lr=config.lr, weight_decay=config.weight_decay)   # torch.optim.Adam, bit for bit
    max_norm = config.clip if config.clip else math.inf
    history: list[dict] = []
    metrics: dict = {}
    horizon = config.max_steps
    calibrated = config.seconds is None or not config.fit_to_time
    start = time.perf_counter()
    last_eval = last_report = start
    step, stop_reason, message = 0, "finished", ""
    lr = grad_norm = loss_value = math.nan
    warm_step, warm_time, refit_at = 0, 0.0, math.inf
    eval_every = config.eval_every_seconds
    # The weights before the latest update: if they produce a non-finite loss, the run goes back to these.
    previous = [p.detach().clone() for p in params]
    best_value, best_step, best_metrics, best_state, stale = math.inf, None, {}, None, 0
    since_report: list[float] = []
    average = WeightAverage(params, config.average) if config.average is not None else None

    def run_evaluation(now: float) -> None:
        nonlocal metrics, best_value, best_step, best_metrics, best_state, stale
        if evaluate is None:
            return
        model.eval()
        with torch.no_grad(), (average.swapped_in() if average is not None else nullcontext()):
            metrics = {**evaluate(), "evaluated_at": step}
            value = metrics.get(config.keep_best) if config.keep_best else None
            better = isinstance(value, (int, float)) and math.isfinite(value) and value < best_value
            if better:   # the weights evaluated (the average, when one is kept)
                best_state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        model.train()
        history[-1].update({k: v for k, v in metrics.items() if isinstance(v, (int, float))})
        if better:
            best_value, best_step, best_metrics, stale = value, step, dict(metrics), 0
        elif isinstance(value, (int, float)) and math.isfinite(value):
            stale += 1

    def report(now: float) -> None:
        elapsed = now - start
        per_step = elapsed / max(1, step)
        left = (horizon - step) * per_step
        if config.seconds is not None:
            left = min(left, config.seconds - elapsed)
        mean = sum(since_report) / len(since_report) if since_report else loss_value
        since_report.clear()
        if on_progress is not None:
            on_progress(Progress(step, horizon, loss_value, lr, grad_norm, elapsed, max(0.0, left),
                                 step * tokens_per_step / max(elapsed, 1e-9), dict(metrics), mean))

    model.train()
    while step < horizon:
        if stop is not None and stop.is_set():
            stop_reason, message = "stopped", f"Stopped at step {step:,}; the model trained so far is kept."
            break
        lr = learning_rate(config, step, horizon)
        for group in optimizer.param_groups:
            group["lr"] = lr
        loss = loss_on_step(step)
        loss_value = loss.item()
        if not math.isfinite(loss_value):
            with torch.no_grad():
                for p, kept in zip(params, previous):
                    p.copy_(kept)
            average = None   # it took in the weights that blew up: the run hands back the ones before them
            stop_reason = "diverged"
            message = (f"The loss became {loss_value} at step {step + 1:,}: training diverged (the learning rate "
                       "is too high, or gradients exploded). Training stopped; the model is kept as it was "
                       f"before the blow-up, after step {max(0, step - 1):,}. Lower the learning rate or turn on "
                       "gradient clipping.")
            break
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        grad_norm = float(torch.nn.utils.clip_grad_norm_(params, max_norm))
        if not math.isfinite(grad_norm):
            stop_reason = "diverged"
            message = (f"The gradient norm became {grad_norm} at step {step + 1:,}: gradients exploded. Training "
                       "stopped before that update, so the model is kept as it was. Turn on gradient clipping "
                       "or lower the learning rate.")
            break
        with torch.no_grad():
            for p, kept in zip(params, previous):
                kept.copy_(p)
        optimizer.step()
        if average is not None:
            average.update()
        step += 1
        now = time.perf_counter()
        elapsed = now - start
        history.append({"step": step, "elapsed": elapsed, "train_loss": loss_value, "lr": lr, "grad_norm": grad_norm})
        since_report.append(loss_value)
        if step == WARM_UP_STEPS:
            warm_step, warm_time = step, elapsed   # the first steps are slow (lazy initialisation); skip them
        first_fit = not calibrated and step > WARM_UP_STEPS and elapsed - warm_time >= min(6.0, 0.1 * config.seconds)
        if first_fit or (config.refit and elapsed >= refit_at):   # refit_at is set by the first fit
            # Fix the schedule's length from the measured speed, once, so that it is reproducible. The first
            # seconds run faster than the rest (no evaluation yet, a cool machine): measure long enough, and
            # leave a margin, so that the schedule ends before the clock does. With refit, measure again every
            # tenth of the budget and fit the time left with a margin of 3 % (the first margin left a tenth of
            # the budget unused: Better on Tiny Shakespeare stopped at 54 to 57 s of 60).
            rate = (step - warm_step) / max(elapsed - warm_time, 1e-9)
            margin = 0.9 if first_fit else 0.97
            horizon = max(step + 1, min(config.max_steps, step + int(margin * (config.seconds - elapsed) * rate)))
            calibrated, refit_at = True, elapsed + 0.1 * config.seconds
        if config.eval_every_steps is not None:
            due = step % config.eval_every_steps == 0   # by steps: the same run stops at the same step anywhere
        else:
            due = now - last_eval >= eval_every
        if evaluate is not None and due:
            run_evaluation(now)
            last_eval = time.perf_counter()
            # Evaluations take at most EVAL_SHARE of the time: a slow one pushes the next one further out.
            eval_every = max(config.eval_every_seconds, (last_eval - now) * (1 - EVAL_SHARE) / EVAL_SHARE)
            if solved is not None and solved(metrics):
                stop_reason, message = "solved", f"Solved at step {step:,}."
                break
            if config.patience is not None and stale >= config.patience:
                stop_reason = "early"
                what = config.keep_best.replace('_', ' ')
                message = (f"Stopped early at step {step:,}: the {what} had not improved for {stale} evaluations "
                           f"in a row. The best model, from step {best_step:,}, is kept."
                           if step < config.max_steps else   # the patience ran out with the budget: not early
                           f"Finished all {step:,} steps; the {what} had not improved for its last {stale} "
                           f"evaluations. The best model, from step {best_step:,}, is kept.")
                break
        if config.seconds is not None and elapsed >= config.seconds:
            stop_reason, message = "time", f"The time budget of {config.seconds:g} s ran out at step {step:,}."
            break
        if now - last_report >= config.report_every_seconds:
            report(now)
            last_report = now
    else:
        message = f"Finished all {step:,} steps."
    seconds = time.perf_counter() - start
    if history and stop_reason not in ("solved", "early") and metrics.get("evaluated_at") != step:
        run_evaluation(time.perf_counter())   # unless the loop has just evaluated this very model
    report(start + seconds)
    if best_state is not None and best_step != step:
        model.load_state_dict(best_state)   # hand back the best model, not the last
    elif average is not None:
        average.copy_to_weights()           # hand back the average, as evaluated
    return TrainResult(step, horizon, seconds, step * tokens_per_step / max(seconds, 1e-9), stop_reason,
                       message, history, metrics, best_step if config.keep_best else None, best_metrics)


class WeightAverage:
    """An exponential moving average of ``params`` (Polyak averaging): after every update, average ←
    average + (1 − d)(weights − average), with the decay d = min(``decay``, (1 + n)/(10 + n)) after n updates, so
    that the first steps' weights, far from the end's, fade out quickly.

    Adam's last steps with a small learning rate still jitter around the minimum by the batches' noise; their
    average sits nearer to it. Measured on Tiny Shakespeare, Better on the clock (60 s, 2 threads), six runs of
    the LSTM and the GRU: 0.006 to 0.014 nats per character below the last weights' validation loss, for one
    ``lerp_`` per weight tensor a step.
    """

    def __init__(self, params: list[torch.Tensor], decay: float):
        self.params, self.decay, self.updates = params, decay, 0
        self.values = [p.detach().clone() for p in params]

    @torch.no_grad()
    def update(self) -> None:
        self.updates += 1
        d = min(self.decay, (1 + self.updates) / (10 + self.updates))
        for v, p in zip(self.values, self.params):
            v.lerp_(p, 1 - d)

    @torch.no_grad()
    def copy_to_weights(self) -> None:
        for p, v in zip(self.params, self.values):
            p.copy_(v)

    @contextmanager
    def swapped_in(self) -> Iterator[None]:
        """The model's weights are the average inside the block, its own again after it (even after an error)."""
        own = [p.detach().clone() for p in self.params]
        self.copy_to_weights()
        try:
            yield
        finally:
            with torch.no_grad():
                for p, v in zip(self.params, own):
                    p.copy_(v)


def seed_everything(seed: int) -> torch.Generator:
    """Seed torch's global generator (weights) and return a generator for the data."""
    torch.manual_seed(seed)
    return torch.Generator().manual_seed(seed)


# torch's global generator is one per process: two runs that seed it and draw their starting weights at the
# same instant, in two threads, would interleave their draws. Seeding and building a model hold this lock.
_STARTING = threading.RLock()


@contextmanager
def seeded(seed: int) -> Iterator[torch.Generator]:
    """``with seeded(seed) as generator: model = ...``: seed, and build the model while no other run draws."""
    with _STARTING:
        yield seed_everything(seed)


def evaluation_rows(reports) -> list[dict]:
    """Progress reports (:class:`Progress`) to one row per evaluation (its metrics and the step it was made at),
    for a page's live curves."""
    rows, seen = [], set()
    for p in reports:
        at = p.metrics.get("evaluated_at")
        if at is not None and at not in seen:
            seen.add(at)
            rows.append({**p.metrics, "step": at})
    return rows


@contextmanager
def evaluating(model: torch.nn.Module) -> Iterator[None]:
    """Run ``model`` in evaluation mode (dropout off) and put it back as it was, even after an error."""
    was_training = model.training
    model.eval()
    try:
        yield
    finally:
        model.train(was_training)
