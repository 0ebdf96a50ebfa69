"""RNN vs LSTM vs GRU on long-dependency tasks: cells × lengths × seeds under one step budget.

Every run builds a :class:`TaskModel` from a cell name, trains it through :func:`rnn_core.runs.loop.train`
(the app's one loop) with the same budget as the other cells, stops early once a held-out validation set is
solved, and is scored on a separate test set. Evaluation happens every ``eval_every`` *steps* (not seconds),
so a run is the same on a fast laptop and on a busy server: same seed, same steps, same numbers.

A grid streams its results: ``on_result(row, curve)`` is called as each run finishes, so a page or a command
line keeps every finished run even when a later one diverges, fails or is stopped.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass
from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn

from rnn_core.nets.fused import detach_state, fused_rnn
from rnn_core.nets.cells import CELL_NAMES, init_recurrent_, set_forget_bias_
from rnn_core.errors import RNNLabError
from rnn_core.data.tasks import Task, get_task, success
from rnn_core.runs.loop import RunFinished, TrainConfig, seeded, train
from rnn_core.nets.encoder_decoder import EncoderDecoder

_GATES = {"rnn": 1, "lstm": 4, "gru": 3}
RNN_INITS = ("default", "normal", "orthogonal", "identity")   # identity means ReLU too (Le et al. 2015)
NONLINEARITIES = ("tanh", "relu")     # the vanilla RNN's activation (torch.nn.RNN has these two)
VAL_SIZE, TEST_SIZE = 512, 1000
VAL_SEED, TEST_SEED = 10_007, 20_011     # held-out sets never overlap the training stream's seed
# Peak learning rate per task (Adam, cosine decay). Measured: on the first-symbol task at length 25 the LSTM stays
# at chance with 2e-2 and the tanh RNN sticks at 2 classes out of 8 with 5e-3; the adding problem needs 2e-2 to
# reach its 0.04 tolerance within the budget.
TASK_LR = {"adding": 2e-2, "first-symbol": 1e-2, "temporal-order": 1e-2, "reverse": 1e-2, "agreement": 1e-2}
# Seconds per training step per step of sequence, at batch 64 and hidden 32, on a busy 2-core box (pessimistic).
SECONDS_PER_STEP_AND_LENGTH = {"rnn": 1.5e-4, "lstm": 2.0e-4, "gru": 4.0e-4}
# The lengths of each task's precomputed grid, also a spec's default: where its cliff shows within the budget.
# Temporal order stops at 50 (at 100 no cell, gated or not, found the order within 2,000 steps in a trial run),
# reverse at 15 (by then no cell writes a whole sequence back; at 20 none got a single one right in a trial run).
# Agreement's lengths are words between subject and verb: the tanh RNN gets the verb up to 20 and is at chance from
# 40 on every seed, the gated cells at every length up to 80 (an RNN run at 80 takes 20-35 s here).
DEFAULT_LENGTHS = {"adding": (10, 25, 50, 100, 200), "first-symbol": (10, 25, 50, 100, 200),
                   "temporal-order": (10, 20, 30, 40, 50), "reverse": (3, 5, 10, 15),
                   "agreement": (5, 10, 20, 40, 80)}
# The page's live default lengths per task: three either side of the cliff that finish in a minute or a few.
LIVE_LENGTHS = {"adding": (10, 50, 100), "first-symbol": (10, 50, 100), "temporal-order": (10, 30, 50),
                "reverse": (5, 10), "agreement": (10, 40, 80)}
# Cell variants a grid can hold beside the three cells: a name, the cell it builds and what it changes. The
# bias-0 LSTM shows what the forget-gate bias of 1 is for (rows keep the variant's name in their "cell" column).
CELL_VARIANTS = {"lstm-bias0": ("lstm", {"forget_bias": 0.0})}
GRID_CELLS = CELL_NAMES + tuple(CELL_VARIANTS)


def base_cell(cell: str) -> str:
    """The cell a grid entry builds: ``"lstm-bias0"`` is an LSTM."""
    return CELL_VARIANTS[cell][0] if cell in CELL_VARIANTS else cell


class TaskModel(nn.Module):
    """A fused recurrent layer and a linear read-out, built from a cell name.

    Many-to-one (adding, first symbol, temporal order): read the whole sequence, answer from the last
    hidden state, y = W_hy h_T + b_y. Many-to-many (reverse): the translator's encoder–decoder
    (:class:`rnn_core.nets.encoder_decoder.EncoderDecoder`, one-way, attention off): an encoder reads the letters, its last
    state starts a decoder of the same cell type that writes them backwards, fed the previous letter (the true
    one while training, its own guess when tested).
    """

    def __init__(self, task: Task, cell: str, hidden_size: int, forget_bias: float = 1.0,
                 rnn_init: str = "default", nonlinearity: str = "tanh", truncate: int = 0):
        super().__init__()
        if cell not in CELL_NAMES:
            raise RNNLabError(f"Unknown cell {cell!r}; choose among {', '.join(CELL_NAMES)}.")
        if rnn_init not in RNN_INITS:
            raise RNNLabError(f"Unknown recurrent initialisation {rnn_init!r}; choose one of {', '.join(RNN_INITS)}.")
        if nonlinearity not in NONLINEARITIES:
            raise RNNLabError(f"Unknown activation {nonlinearity!r}; choose one of {', '.join(NONLINEARITIES)}.")
        if not 2 <= hidden_size <= 1024:
            raise RNNLabError(f"Hidden size must be between 2 and 1024 (got {hidden_size}).")
        if truncate and task.kind == "sequence":
            raise RNNLabError("Truncated backpropagation is offered for the one-answer tasks, not for reverse.")
        self.task, self.cell, self.hidden_size = task, cell, hidden_size
        # Truncated backpropagation through time: while training, the backward pass stops ``truncate`` steps
        # before the answer (0: the whole sequence). The forward pass, and so every prediction, is unchanged.
        self.truncate = truncate
        relu = rnn_init == "identity" or nonlinearity == "relu"
        kwargs = {"nonlinearity": "relu" if relu else "tanh"} if cell == "rnn" else {}
        if task.kind == "sequence":
            # The translator's encoder–decoder, one-way and without attention (the same code, not a copy).
            self.seq2seq = EncoderDecoder(task.input_size, task.output_size, hidden_size, cell,
                                          bidirectional=False, attention=False, **kwargs)
            layers = (self.seq2seq.encoder, self.seq2seq.decoder)
        else:
            self.encoder = fused_rnn(cell, task.input_size, hidden_size, batch_first=True, **kwargs)
            self.head = nn.Linear(hidden_size, task.output_size)
            layers = (self.encoder,)
        for layer in layers:
            if cell == "lstm":
                # A forget-gate bias of 1 keeps the memory open from the start
                # (Gers et al. 2000; Jozefowicz et al. 2015).
                set_forget_bias_(layer.bias_ih_l0, layer.bias_hh_l0, forget_bias)
            if cell == "rnn":
                init_recurrent_(layer.weight_hh_l0, rnn_init)
                if rnn_init == "identity":
                    nn.init.zeros_(layer.bias_ih_l0)
                    nn.init.zeros_(layer.bias_hh_l0)

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def _inputs(self, x: torch.Tensor) -> torch.Tensor:
        return F.one_hot(x, self.task.vocab).float() if self.task.vocab else x

    def forward(self, x: torch.Tensor, y: torch.Tensor | None = None) -> torch.Tensor:
        """Outputs: numbers ``(batch,)``, class logits ``(batch, classes)`` or letter logits ``(batch, T, 26)``."""
        if self.task.kind == "sequence":
            return self.seq2seq(x, y)   # teacher forcing with y; greedy decoding on its own guesses without
        inputs = self._inputs(x)
        if self.truncate and self.training and torch.is_grad_enabled() and self.truncate < inputs.shape[1]:
            last = self._truncated_last(inputs)
        else:
            last = self.encoder(inputs)[0][:, -1]
        out = self.head(last)
        return out.squeeze(-1) if self.task.kind == "regression" else out

    def _truncated_last(self, inputs: torch.Tensor) -> torch.Tensor:
        """The last hidden state, with the graph cut ``truncate`` steps before the end: the state entering the
        last ``truncate`` steps is detached, so no gradient reaches the steps before them."""
        with torch.no_grad():
            _, state = self.encoder(inputs[:, :-self.truncate])
        out, _ = self.encoder(inputs[:, -self.truncate:], detach_state(state))
        return out[:, -1]

    def loss(self, out: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        if self.task.kind == "regression":
            return F.mse_loss(out, y)
        return F.cross_entropy(out.reshape(-1, out.shape[-1]), y.reshape(-1))

    def predict(self, out: torch.Tensor) -> torch.Tensor:
        return out if self.task.kind == "regression" else out.argmax(-1)


def parameter_count(task: Task, cell: str, hidden: int) -> int:
    """Parameters of a :class:`TaskModel` without building it (for matching counts across cells)."""
    g = _GATES[cell]
    layer = lambda inputs: g * hidden * (inputs + hidden) + 2 * g * hidden
    total = layer(task.input_size) + hidden * task.output_size + task.output_size
    return total + (layer(task.vocab + 1) if task.kind == "sequence" else 0)


def matched_hidden(task: Task, cell: str, reference_hidden: int) -> int:
    """The hidden size whose parameter count is closest to the LSTM's at ``reference_hidden``."""
    target = parameter_count(task, "lstm", reference_hidden)
    return min(range(2, 4 * reference_hidden + 2), key=lambda h: abs(parameter_count(task, cell, h) - target))


@dataclass(frozen=True)
class ExperimentSpec:
    """One grid: every cell at every length with every seed, under the same step budget."""

    task: str = "adding"
    lengths: tuple | None = None      # None: the task's own (DEFAULT_LENGTHS, the lengths of its shipped grid)
    cells: tuple = CELL_NAMES
    seeds: int = 3
    first_seed: int = 0               # seeds first_seed … first_seed + seeds − 1
    hidden: int = 32
    match_params: bool = False        # False: the same hidden size; True: hidden sizes giving the LSTM's count
    max_steps: int = 2000
    batch: int = 128
    lr: float | None = None           # None: the task's default (TASK_LR)
    clip: float = 1.0
    forget_bias: float = 1.0
    rnn_init: str = "default"
    nonlinearity: str = "tanh"        # the vanilla RNN's activation (rnn_init "identity" makes it ReLU anyway)
    truncate: int = 0                 # truncated backpropagation: the backward pass covers the last k steps (0: all)
    eval_every: int = 50
    solved_at: float = 0.98           # stop early once this fraction of the validation set is solved

    def __post_init__(self):
        task = get_task(self.task)
        if self.lengths is None:
            object.__setattr__(self, "lengths", DEFAULT_LENGTHS[self.task])
        if self.lr is None:
            object.__setattr__(self, "lr", TASK_LR[self.task])
        if not self.lengths:
            raise RNNLabError("Choose at least one sequence length.")
        for n in self.lengths:
            task.batch(1, int(n), torch.Generator())   # checks the length
        if not self.cells or any(c not in GRID_CELLS for c in self.cells):
            raise RNNLabError(f"Choose cells among {', '.join(GRID_CELLS)} (got {', '.join(self.cells) or 'none'}).")
        if not 1 <= self.seeds <= 20:
            raise RNNLabError(f"Seeds must be between 1 and 20 (got {self.seeds}).")
        if not 0 <= self.first_seed <= 1_000_000:
            raise RNNLabError(f"The first seed must be between 0 and 1,000,000 (got {self.first_seed}).")
        if not 1 <= self.batch <= 1024:
            raise RNNLabError(f"Batch size must be between 1 and 1024 (got {self.batch}).")
        if self.eval_every < 1:
            raise RNNLabError(f"Evaluate every 1 step or more (got {self.eval_every}).")
        if self.nonlinearity not in NONLINEARITIES:
            raise RNNLabError(f"Unknown activation {self.nonlinearity!r}; choose one of {', '.join(NONLINEARITIES)}.")
        if not 0 <= self.truncate <= 10_000 or (self.truncate and task.kind == "sequence"):
            raise RNNLabError(f"Truncate the backward pass to 1 step or more, on a one-answer task (got {self.truncate}).")
        if not math.isfinite(self.forget_bias) or abs(self.forget_bias) > 10:
            raise RNNLabError(f"The forget-gate bias must be between −10 and 10 (got {self.forget_bias}).")
        self.train_config()   # checks steps, learning rate and clipping

    def train_config(self) -> TrainConfig:
        return TrainConfig(max_steps=self.max_steps, lr=self.lr, clip=self.clip or None, schedule="cosine",
                           warmup_steps=min(20, self.max_steps), eval_every_steps=self.eval_every,
                           report_every_seconds=0.5)

    def hidden_for(self, cell: str) -> int:
        cell = base_cell(cell)
        return matched_hidden(get_task(self.task), cell, self.hidden) if self.match_params else self.hidden

    def forget_bias_for(self, cell: str) -> float:
        """The LSTM forget-gate bias of a grid entry: the spec's, unless the entry is a variant that sets its own."""
        return CELL_VARIANTS.get(cell, (cell, {}))[1].get("forget_bias", self.forget_bias)

    def runs(self) -> list[tuple[int, int, str]]:
        """(length, seed, cell) in the order they run: short lengths first, the three cells side by side."""
        seeds = range(self.first_seed, self.first_seed + self.seeds)
        return [(n, s, c) for n in sorted(self.lengths) for s in seeds for c in self.cells]

    def estimated_seconds(self) -> float:
        """A pessimistic time for the whole grid if no run stops early (the cost grows with length × batch)."""
        return sum(self.max_steps * n * SECONDS_PER_STEP_AND_LENGTH[base_cell(c)] * max(1.0, self.batch / 64) ** 0.6
                   * max(1.0, self.hidden_for(c) / 32) ** 0.5 * (2 if self.task == "reverse" else 1)
                   for n, _, c in self.runs())

    def to_dict(self) -> dict:
        return asdict(self)


# The grid the Compare page's Run live starts from (the page draws its widgets from it; claim tests read it here).
PAGE_SPEC = ExperimentSpec(task="adding", lengths=LIVE_LENGTHS["adding"], seeds=1, first_seed=0, hidden=32,
                           match_params=False, max_steps=2000, lr=TASK_LR["adding"], clip=1.0, forget_bias=1.0,
                           rnn_init="default")


def check_budget(spec: ExperimentSpec, limit_seconds: float) -> None:
    """Refuse a grid that cannot finish within ``limit_seconds`` on this box, saying what to cut."""
    estimate = spec.estimated_seconds()
    if estimate > limit_seconds:
        raise RNNLabError(
            f"This grid could take about {estimate / 60:.0f} minutes here ({len(spec.runs())} runs of up to "
            f"{spec.max_steps:,} steps), more than the {limit_seconds / 60:.0f} minutes allowed. Use fewer or "
            "shorter lengths, fewer seeds or cells, or fewer steps.")


@dataclass
class RunUpdate:
    """What a listener sees during a grid: the running run's progress and its curve so far."""

    index: int
    total: int
    cell: str
    length: int
    seed: int
    step: int
    planned_steps: int
    curve: list

    @property
    def fraction(self) -> float:
        return min(1.0, (self.index + self.step / max(1, self.planned_steps)) / max(1, self.total))


def forget_gate_memory(bias: float, lag: int) -> float:
    """σ(bias)^lag: the share of a memory (and of its gradient) an untrained LSTM keeps across ``lag`` steps."""
    return (1.0 / (1.0 + math.exp(-bias))) ** lag


def run_one(spec: ExperimentSpec, cell: str, length: int, seed: int, stop: threading.Event | None = None,
            on_update: Callable[[list, int, int], None] | None = None) -> tuple[dict, list]:
    """Train one cell at one length from one seed; returns its result row and its curve (one row per evaluation)."""
    row, curve, _ = train_one(spec, cell, length, seed, stop, on_update)
    return row, curve


def train_one(spec: ExperimentSpec, cell: str, length: int, seed: int, stop: threading.Event | None = None,
              on_update: Callable[[list, int, int], None] | None = None) -> tuple[dict, list, TaskModel]:
    """:func:`run_one`, also returning the trained model (to look inside it afterwards)."""
    task = get_task(spec.task)
    with seeded(seed) as generator:
        model = TaskModel(task, base_cell(cell), spec.hidden_for(cell), spec.forget_bias_for(cell), spec.rnn_init,
                          spec.nonlinearity, spec.truncate)
    val = task.batch(VAL_SIZE, length, torch.Generator().manual_seed(VAL_SEED + length))
    curve: list[dict] = []
    losses: list[float] = []
    current = {"step": 0}

    def loss_on_step(step: int) -> torch.Tensor:
        current["step"] = step + 1
        n = length
        if task.random_train_lengths:
            n = int(torch.randint(task.min_length, length + 1, (1,), generator=generator))
        x, y = task.batch(spec.batch, n, generator)
        loss = model.loss(model(x, y), y)
        losses.append(float(loss.detach()))
        return loss

    def evaluate() -> dict:
        step = current["step"]
        if (step % spec.eval_every and step != spec.max_steps) or (curve and curve[-1]["step"] == step):
            return {}
        accuracy, val_loss = score(model, task, *val)
        recent = losses[-spec.eval_every:]
        curve.append({"step": step, "train_loss": sum(recent) / len(recent), "val_loss": val_loss,
                      "val_accuracy": accuracy})
        return {"accuracy": accuracy, "val_loss": val_loss}

    def progress(p) -> None:
        if on_update is not None:
            on_update(list(curve), p.step, p.planned_steps)

    result = train(model, loss_on_step, spec.train_config(), tokens_per_step=spec.batch * length,
                   evaluate=evaluate, on_progress=progress, stop=stop,
                   solved=lambda m: m.get("accuracy", 0.0) >= spec.solved_at)
    model.eval()
    test = test_set(task, length)
    with torch.no_grad():
        accuracy, test_loss = score(model, task, *test)
    row = {"task": spec.task, "cell": cell, "length": length, "seed": seed, "hidden": model.hidden_size,
           "params": model.num_parameters(), "accuracy": round(accuracy, 4), "loss": _round(test_loss),
           "steps": result.steps, "seconds": round(result.seconds, 2),
           "ms_per_step": round(1000 * result.seconds / max(1, result.steps), 2), "stop_reason": result.stop_reason,
           "baseline": round(task.baseline, 4), "message": result.message}
    if task.breakdown is not None:
        row.update(test_breakdown(model, task, *test))
    return row, curve, model


def test_breakdown(model: TaskModel, task: Task, x: torch.Tensor, y: torch.Tensor) -> dict:
    """The task's extra result columns (agreement: accuracy by attractors), from the model's outputs on ``x``."""
    with torch.no_grad():
        out = torch.cat([model(x[start:start + 500]) for start in range(0, len(x), 500)])
    return task.breakdown(x, y, out)


def test_set(task: Task, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The held-out sequences every run at ``length`` is scored on (the same for every cell and seed)."""
    return task.batch(TEST_SIZE, length, torch.Generator().manual_seed(TEST_SEED + length))


def score(model: TaskModel, task: Task, x: torch.Tensor, y: torch.Tensor) -> tuple[float, float]:
    """(fraction of sequences solved, mean loss) on a held-out set, in evaluation chunks."""
    solved, total_loss = 0, 0.0
    was_training = model.training
    model.eval()
    with torch.no_grad():
        for start in range(0, len(x), 500):
            xb, yb = x[start:start + 500], y[start:start + 500]
            out = model(xb)     # the decoder runs on its own guesses here
            solved += int(success(task, model.predict(out), yb).sum())
            total_loss += float(model.loss(out, yb)) * len(xb)
    model.train(was_training)
    return solved / len(x), total_loss / len(x)


def run_grid(spec: ExperimentSpec, on_result: Callable[[RunFinished], None] | None = None,
             on_update: Callable[[RunUpdate], None] | None = None, stop: threading.Event | None = None) -> list[dict]:
    """Run every (length, seed, cell) of ``spec``; each finished run goes to ``on_result`` at once.

    A run that diverges is recorded with ``stop_reason == "diverged"`` and the grid goes on; a stop request
    ends the grid after recording the interrupted run as ``stopped``.
    """
    rows = []
    runs = spec.runs()
    for index, (length, seed, cell) in enumerate(runs):
        if stop is not None and stop.is_set():
            break
        updater = None
        if on_update is not None:
            updater = (lambda curve, step, planned, i=index, c=cell, n=length, s=seed:
                       on_update(RunUpdate(i, len(runs), c, n, s, step, planned, curve)))
        row, curve = run_one(spec, cell, length, seed, stop=stop, on_update=updater)
        rows.append(row)
        if on_result is not None:
            on_result(RunFinished(index, len(runs), row, curve))
    return rows



@dataclass
class GridRun:
    """A finished grid as the app keeps it: its spec, a row per run and every run's learning curve (each point
    labelled with its run's cell, length and seed)."""

    spec: ExperimentSpec
    rows: list
    curves: list


def train_grid(spec: ExperimentSpec, on_progress: Callable | None = None,
               stop: threading.Event | None = None) -> GridRun:
    """:func:`run_grid` with one stream of progress events (:class:`RunUpdate` while a run trains,
    :class:`~rnn_core.runs.loop.RunFinished` when it ends) and the curves kept in the result."""
    curves: list = []

    def finished(event: RunFinished) -> None:
        curves.extend({**c, "cell": event.row["cell"], "length": event.row["length"], "seed": event.row["seed"]}
                      for c in event.curve)
        if on_progress is not None:
            on_progress(event)

    rows = run_grid(spec, on_result=finished, on_update=on_progress, stop=stop)
    return GridRun(spec, rows, curves)

def summarise(rows: list[dict]) -> list[dict]:
    """Mean, min and max accuracy and the solved-seed count per (cell, length), for the accuracy-vs-length chart."""
    groups: dict[tuple, list[dict]] = {}
    for r in rows:
        if r.get("stop_reason") != "stopped":
            groups.setdefault((r["cell"], r["length"]), []).append(r)
    out = []
    order = lambda cell: GRID_CELLS.index(cell) if cell in GRID_CELLS else len(GRID_CELLS)
    for (cell, length), rs in sorted(groups.items(), key=lambda kv: (order(kv[0][0]), kv[0][0], kv[0][1])):
        acc = [r["accuracy"] for r in rs]
        out.append({"cell": cell, "length": length, "mean": sum(acc) / len(acc), "min": min(acc), "max": max(acc),
                    "seeds": len(rs), "params": rs[0]["params"],
                    "ms_per_step": sum(r["ms_per_step"] for r in rs) / len(rs)})
    return out


def _round(value: float) -> float:
    return round(value, 5) if math.isfinite(value) else value

