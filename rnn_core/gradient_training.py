"""Watching gradients through time while a network learns, and what gradient clipping does to an explosion.

Both train on the adding problem (``rnn_core.tasks.adding_batch``) through the one training loop,
``rnn_core.training.train``. :func:`train_and_watch` measures ‖∂L/∂h_t‖ on a fixed probe batch every few
steps, which gives the heatmap "time step × training step". :func:`clipping_demo` trains the same exploding
network twice, with and without clipping, so the difference is the clipping alone.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace
from typing import Callable

import torch

from .errors import RNNLabError
from .gradients import (GradientReport, GradientSettings, LastStepNetwork, Measurement, analyse, build_network,
                        gradient_norms_through_time, last_step_loss, make_inputs)
from .tasks import adding_batch
from .training import Progress, TrainConfig, TrainResult, train

MAX_TRAIN_STEPS = 3000
MAX_TRAIN_LENGTH = 200     # beyond this a few hundred steps of three cells no longer fit in a minute or two
MAX_TRAIN_HIDDEN = 128


@dataclass(frozen=True)
class WatchSettings:
    """A short training run: its budget, optimiser, and how often the gradients are measured."""

    steps: int = 300
    lr: float = 3e-3
    clip: float | None = 1.0
    batch: int = 32
    probe_every: int = 10
    seconds: float | None = None

    def __post_init__(self):
        if not 1 <= self.steps <= MAX_TRAIN_STEPS:
            raise RNNLabError(f"Training steps must be between 1 and {MAX_TRAIN_STEPS:,} (got {self.steps}).")
        if not 1 <= self.batch <= 256:
            raise RNNLabError(f"The training batch must be between 1 and 256 (got {self.batch}).")
        if not 1 <= self.probe_every <= self.steps:
            raise RNNLabError("Measure the gradients at least once during training (probe_every ≤ steps).")


def check_trainable(settings: GradientSettings) -> None:
    if settings.length > MAX_TRAIN_LENGTH:
        raise RNNLabError(f"Training is limited to sequences of at most {MAX_TRAIN_LENGTH} steps on this machine "
                          f"(got {settings.length}); shorten the sequence to train.")
    if settings.hidden_size > MAX_TRAIN_HIDDEN:
        raise RNNLabError(f"Training is limited to hidden sizes of at most {MAX_TRAIN_HIDDEN} on this machine "
                          f"(got {settings.hidden_size}).")


@dataclass
class Snapshot:
    """The gradients through time measured after ``step`` updates."""

    cell: str
    step: int
    grad_norms: list[float]
    ratio: float


@dataclass
class WatchProgress:
    """Progress of a run that trains several cells one after the other (``fraction`` covers them all)."""

    cell: str
    index: int
    count: int
    progress: Progress

    @property
    def fraction(self) -> float:
        return min(1.0, (self.index + self.progress.fraction) / self.count)


@dataclass
class WatchedRun:
    cell: str
    network: LastStepNetwork
    result: TrainResult
    snapshots: list[Snapshot] = field(default_factory=list)
    final: Measurement | None = None


def adding_settings(settings: GradientSettings) -> GradientSettings:
    """The same network on the adding problem's inputs (2 numbers per step), as training needs."""
    return replace(settings, inputs="adding")


def train_and_watch(settings: GradientSettings, cell: str, watch: WatchSettings, *,
                    on_snapshot: Callable[[Snapshot], None] | None = None,
                    on_progress: Callable[[Progress], None] | None = None,
                    stop: threading.Event | None = None) -> WatchedRun:
    """Train ``cell`` on the adding problem of ``settings.length``, measuring gradients every few steps."""
    check_trainable(settings)
    settings = adding_settings(settings)
    net = build_network(settings, cell)
    probe_x, probe_y = make_inputs(settings)
    generator = torch.Generator().manual_seed(settings.seed)
    test_x, test_y = adding_batch(256, settings.length, torch.Generator().manual_seed(settings.seed + 777))
    snapshots: list[Snapshot] = []

    def snapshot(step: int) -> None:
        m = gradient_norms_through_time(net, probe_x, probe_y)
        snap = Snapshot(cell, step, m.grad_norms, m.ratio)
        snapshots.append(snap)
        if on_snapshot is not None:
            on_snapshot(snap)

    def loss_on_step(step: int) -> torch.Tensor:
        if step % watch.probe_every == 0:
            snapshot(step)
        x, y = adding_batch(watch.batch, settings.length, generator)
        return last_step_loss(net(x), y)

    def evaluate() -> dict:
        mse = float(last_step_loss(net(test_x), test_y))
        return {"val_mse": mse}

    config = TrainConfig(max_steps=watch.steps, seconds=watch.seconds, lr=watch.lr, clip=watch.clip,
                         eval_every_seconds=1e9)
    result = train(net, loss_on_step, config, tokens_per_step=watch.batch * settings.length, evaluate=evaluate,
                   on_progress=on_progress, stop=stop)
    if not snapshots or snapshots[-1].step != result.steps:
        snapshot(result.steps)
    run = WatchedRun(cell, net, result, snapshots)
    run.final = gradient_norms_through_time(net, probe_x, probe_y)
    return run


def trained_report(runs: dict[str, WatchedRun], settings: GradientSettings) -> GradientReport:
    """The full analysis (gradients, theory, spectra) of trained networks on the adding problem's probe batch."""
    return analyse({cell: run.network for cell, run in runs.items()}, adding_settings(settings))


# --- exploding gradients and clipping ------------------------------------------------------------------------

EXPLODING = GradientSettings(cells=("rnn",), length=60, hidden_size=32, activation="relu", init="identity",
                             radius=1.1, inputs="adding", seed=0)


@dataclass
class ClippingRun:
    clip: float | None
    result: TrainResult

    @property
    def history(self) -> list[dict]:
        return self.result.history


def clipping_demo(settings: GradientSettings = EXPLODING, steps: int = 150, lr: float = 1e-2, clip: float = 1.0,
                  *, on_progress: Callable[[WatchProgress], None] | None = None,
                  stop: threading.Event | None = None) -> list[ClippingRun]:
    """The same RNN, same data, trained twice: without gradient clipping, then with clipping at ``clip``.

    Gradient norms in the history are measured before clipping; the clipped norm is min(norm, clip).
    """
    check_trainable(settings)
    if not (math.isfinite(clip) and clip > 0):
        raise RNNLabError(f"The clipping norm must be a positive number (got {clip}).")
    settings = adding_settings(settings)
    runs = []
    for index, max_norm in enumerate((None, clip)):
        net = build_network(settings, "rnn")
        generator = torch.Generator().manual_seed(settings.seed)

        def loss_on_step(step: int, net=net, generator=generator) -> torch.Tensor:
            x, y = adding_batch(32, settings.length, generator)
            return last_step_loss(net(x), y)

        label = "with clipping" if max_norm else "without clipping"
        config = TrainConfig(max_steps=steps, lr=lr, clip=max_norm, schedule="constant", warmup_steps=1)
        listener = None if on_progress is None else (
            lambda p, label=label, index=index: on_progress(WatchProgress(label, index, 2, p)))
        runs.append(ClippingRun(max_norm, train(net, loss_on_step, config, on_progress=listener, stop=stop)))
        if stop is not None and stop.is_set():
            break
    return runs
