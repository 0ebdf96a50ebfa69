"""Watching gradients through time while a network learns, and what gradient clipping does to an explosion.

Both train on the adding problem (``rnn_core.data.tasks.adding_batch``) through the one training loop,
``rnn_core.runs.loop.train``. :func:`train_and_watch` measures ‖∂L/∂h_t‖ on a fixed probe batch every few
steps, which gives the heatmap "time step × training step". :func:`clipping_demo` trains the same exploding
network twice, with and without clipping, so the difference is the clipping alone.

Training runs on torch.nn's fused recurrent layers (:class:`FusedNetwork`: the same weights, the same
equations, 2–4× faster than the step-by-step equation cells on a CPU); every measurement copies the weights
back into the equation cells and measures there, in float64.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field, replace
from typing import Callable

import torch
from torch import nn

from rnn_core.nets.fused import fused_rnn
from rnn_core.errors import RNNLabError
from rnn_core.gradients.measure import (GradientReport, GradientSettings, LastStepNetwork, Measurement, analyse, build_network,
                        gradient_norms_through_time, last_step_loss, make_inputs)
from rnn_core.data.tasks import adding_batch
from rnn_core.runs.loop import Progress, TrainConfig, TrainResult, train

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


PROBES = 25      # measurements along a training: the rows of the page's heatmap


def watch_settings(steps: int, lr: float, clip: float | None) -> WatchSettings:
    """A training of ``steps`` steps that measures the gradients ``PROBES`` times along the way (clip 0: off)."""
    return WatchSettings(steps=steps, lr=lr, clip=clip or None, probe_every=max(1, steps // PROBES))


PAGE_WATCH = watch_settings(500, 1e-2, 1.0)   # the Vanishing gradients page's section 5 starts here
# What the page offers for a longer run: the bias-1 LSTM alone, long enough to leave the plateau on seeds 0–4
# (it leaves it between steps 950 and 2,200 at the page's batch and learning rate, measured 2026-12).
LONG_LSTM_STEPS = 3000

PLATEAU_WINDOW = 20      # training steps averaged
PLATEAU_BELOW = 0.05     # the plateau is 0.167 (always answering 1); a network that found the numbers goes far below


def plateau_exit(history: list[dict], window: int = PLATEAU_WINDOW, below: float = PLATEAU_BELOW) -> int | None:
    """The step at which the training loss, averaged over the last ``window`` steps, first fell below ``below``:
    where the network left the adding problem's plateau (None: it has not)."""
    losses = [row["train_loss"] for row in history]
    return next((history[end - 1]["step"] for end in range(window, len(losses) + 1)
                 if sum(losses[end - window:end]) / window < below), None)


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


_WEIGHTS = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


class FusedNetwork(nn.Module):
    """A :class:`LastStepNetwork` on torch.nn's fused recurrent layer, to train it fast.

    The equation cells have the names, shapes and gate order of ``torch.nn.RNNCell``/``LSTMCell``/``GRUCell``,
    so the weights copy across unchanged; :meth:`copy_to` writes the trained weights back.
    """

    def __init__(self, net: LastStepNetwork):
        super().__init__()
        cell = net.cell
        options = {"nonlinearity": cell.activation} if net.kind == "rnn" else {}
        self.recurrent = fused_rnn(net.kind, cell.input_size, cell.hidden_size, batch_first=True, **options)
        self.readout = nn.Linear(net.readout.in_features, net.readout.out_features)
        with torch.no_grad():
            for name in _WEIGHTS:
                getattr(self.recurrent, f"{name}_l0").copy_(getattr(cell, name))
            self.readout.load_state_dict(net.readout.state_dict())

    @staticmethod
    def supports(net: LastStepNetwork) -> bool:
        """torch.nn.RNN has tanh and ReLU only: a sigmoid RNN trains on its equation cell."""
        return net.kind != "rnn" or net.cell.activation in ("tanh", "relu")

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out, _ = self.recurrent(x)
        return self.readout(out[:, -1]).squeeze(-1)

    @torch.no_grad()
    def copy_to(self, net: LastStepNetwork) -> LastStepNetwork:
        for name in _WEIGHTS:
            getattr(net.cell, name).copy_(getattr(self.recurrent, f"{name}_l0"))
        net.readout.load_state_dict(self.readout.state_dict())
        return net


def trainable(net: LastStepNetwork) -> nn.Module:
    """What to train: the fused twin where torch.nn has the cell, else the equation network itself."""
    return FusedNetwork(net) if FusedNetwork.supports(net) else net


def sync(model: nn.Module, net: LastStepNetwork) -> LastStepNetwork:
    """The equation network with the weights ``model`` holds now."""
    return model.copy_to(net) if isinstance(model, FusedNetwork) else net


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
    model = trainable(net)
    probe_x, probe_y = make_inputs(settings)
    generator = torch.Generator().manual_seed(settings.seed)
    test_x, test_y = adding_batch(256, settings.length, torch.Generator().manual_seed(settings.seed + 777))
    snapshots: list[Snapshot] = []

    def snapshot(step: int) -> None:
        m = gradient_norms_through_time(sync(model, net), probe_x, probe_y)
        snap = Snapshot(cell, step, m.grad_norms, m.ratio)
        snapshots.append(snap)
        if on_snapshot is not None:
            on_snapshot(snap)

    def loss_on_step(step: int) -> torch.Tensor:
        if step % watch.probe_every == 0:
            snapshot(step)
        x, y = adding_batch(watch.batch, settings.length, generator)
        return last_step_loss(model(x), y)

    def evaluate() -> dict:
        mse = float(last_step_loss(model(test_x), test_y))
        return {"val_mse": mse}

    config = TrainConfig(max_steps=watch.steps, seconds=watch.seconds, lr=watch.lr, clip=watch.clip,
                         eval_every_seconds=1e9)
    result = train(model, loss_on_step, config, tokens_per_step=watch.batch * settings.length, evaluate=evaluate,
                   on_progress=on_progress, stop=stop)
    sync(model, net)
    if not snapshots or snapshots[-1].step != result.steps:
        snapshot(result.steps)
    run = WatchedRun(cell, net, result, snapshots)
    run.final = gradient_norms_through_time(net, probe_x, probe_y)
    return run


def train_cells(settings: GradientSettings, watch: WatchSettings, report: Callable[[object], None],
                stop: threading.Event | None = None) -> dict[str, WatchedRun]:
    """Train each of ``settings.cells`` in turn (:func:`train_and_watch`), through one stream of events.

    ``report`` receives a :class:`WatchProgress` at every step and a :class:`Snapshot` at every measurement, in
    the order they happen (a replay plays both back). Stopped, it returns the cells trained so far.
    """
    runs = {}
    for index, cell in enumerate(settings.cells):
        if stop is not None and stop.is_set():
            break
        runs[cell] = train_and_watch(settings, cell, watch, on_snapshot=report, stop=stop,
                                     on_progress=lambda p, c=cell, i=index: report(
                                         WatchProgress(c, i, len(settings.cells), p)))
    return runs


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


CLIP_DEMO_STEPS = 150


def clipping_demo(settings: GradientSettings = EXPLODING, steps: int = CLIP_DEMO_STEPS, lr: float = 1e-2, clip: float = 1.0,
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
        model = trainable(build_network(settings, "rnn"))
        generator = torch.Generator().manual_seed(settings.seed)

        def loss_on_step(step: int, model=model, generator=generator) -> torch.Tensor:
            x, y = adding_batch(32, settings.length, generator)
            return last_step_loss(model(x), y)

        label = "with clipping" if max_norm else "without clipping"
        config = TrainConfig(max_steps=steps, lr=lr, clip=max_norm, schedule="constant", warmup_steps=1)
        listener = None if on_progress is None else (
            lambda p, label=label, index=index: on_progress(WatchProgress(label, index, 2, p)))
        runs.append(ClippingRun(max_norm, train(model, loss_on_step, config, on_progress=listener, stop=stop)))
        if stop is not None and stop.is_set():
            break
    return runs
