"""The remedies for vanishing gradients, measured side by side on one task where the tanh RNN fails.

Each remedy is the reference (a tanh RNN, PyTorch's initialisation, no clipping) with one thing changed, trained by
:func:`rnn_core.compare.experiments.train_one` (Compare's experiments, the app's one loop) on the adding problem at
length 100, under the same step budget, learning rate and batch: the Compare grid's tanh RNN stays at the
no-memory baseline there. Every trained model is then looked inside: its gradient ratio through time
‖∂L/∂h_0‖ / ‖∂L/∂h_(T−1)‖ on fixed probe sequences (the share of the last step's gradient that reaches step 0,
measured by a real backward pass in float64, as the Vanishing gradients page measures its networks), before and
after training.

The shipped grid (results/remedies.csv) is written by ``python -m rnn_core remedies`` (results/regenerate_remedies.sh);
:func:`findings` turns rows into the sentences the page says, so they follow whatever the measurement shows.
"""

from __future__ import annotations

import copy
import csv
import math
import threading
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import torch

from rnn_core.compare.experiments import ExperimentSpec, TaskModel, test_set, train_one
from rnn_core.data.tasks import adding_batch, get_task
from rnn_core.errors import RNNLabError
from rnn_core.runs.loop import seeded

REMEDY_LENGTH = 100
TRUNCATE_STEPS = 20        # the marked numbers sit 1 to 99 steps before the answer; the first one always 50 or more
PROBE_SIZE, PROBE_SEED = 64, 31_337
SOLVED = 0.05             # MSE, as a share of the no-memory MSE: a seed that learned the task (20 times better)
AT_BASELINE = 0.8         # MSE, as a share of the no-memory MSE: a seed no better than no memory
HEALTHY_RATIO = 1e-3      # a ratio at which the first steps get a real share of the learning signal
SECOND_ONLY = 1 / 12      # the MSE of knowing the second number exactly and guessing 0.5 for the first
RESULTS = Path(__file__).resolve().parent / "results" / "remedies.csv"
# The reference: the Compare grid's adding problem (hidden 32, batch 128, Adam at 0.02 with a cosine decay, up to
# 2,000 steps, stopping once 98 % of the validation set is within 0.04), without clipping, at length 100.
REMEDY_SPEC = ExperimentSpec(task="adding", lengths=(REMEDY_LENGTH,), cells=("rnn",), seeds=1, hidden=32,
                             max_steps=2000, batch=128, lr=2e-2, clip=0.0, forget_bias=1.0, rnn_init="default")


@dataclass(frozen=True)
class Remedy:
    key: str
    label: str
    cell: str
    changes: dict = field(default_factory=dict)    # ExperimentSpec fields changed from the reference
    treats: str = ""                               # what it is meant to treat (the page's table says it)


REMEDIES = (
    Remedy("tanh", "tanh RNN (reference)", "rnn", {},
           "nothing: the tanh RNN as it comes"),
    Remedy("clipping", "+ gradient clipping", "rnn", {"clip": 1.0},
           "exploding: gradients cut to length 1"),
    Remedy("orthogonal", "+ orthogonal W_hh", "rnn", {"rnn_init": "orthogonal"},
           "the start: every singular value of W_hh is 1"),
    Remedy("irnn", "ReLU + identity W_hh (IRNN)", "rnn", {"rnn_init": "identity"},
           "the start: W_hh = I, slopes of 1"),
    Remedy("irnn-le", "IRNN + clipping at lr 0.002", "rnn", {"rnn_init": "identity", "clip": 1.0, "lr": 2e-3},
           "its training: clipping at 1, a tenth of the rate"),
    Remedy("relu", "ReLU alone", "rnn", {"nonlinearity": "relu"},
           "saturation: a slope of 1 wherever a unit is on"),
    Remedy("truncated", f"truncated BPTT, k = {TRUNCATE_STEPS}", "rnn", {"truncate": TRUNCATE_STEPS},
           f"the cost: the backward pass stops {TRUNCATE_STEPS} steps back"),
    Remedy("lstm", "LSTM", "lstm", {}, "the path: an additive cell state, a forget gate"),
    Remedy("gru", "GRU", "gru", {}, "the path: an update gate that keeps the old state"),
)
BY_KEY = {r.key: r for r in REMEDIES}
COLUMNS = ("remedy", "label", "cell", "length", "seed", "accuracy", "loss", "baseline", "baseline_mse", "ratio",
           "ratio_init", "steps", "seconds", "stop_reason", "message")


def remedy(key: str) -> Remedy:
    if key not in BY_KEY:
        raise RNNLabError(f"Unknown remedy {key!r}; choose among {', '.join(BY_KEY)}.")
    return BY_KEY[key]


def parse_remedies(text: str) -> tuple[str, ...]:
    keys = tuple(k.strip() for k in (text or "").split(",") if k.strip())
    if not keys:
        raise RNNLabError(f"Choose at least one remedy among {', '.join(BY_KEY)}.")
    return tuple(remedy(k).key for k in keys)


def spec_for(key: str, base: ExperimentSpec = REMEDY_SPEC) -> ExperimentSpec:
    """The reference with the remedy's one change."""
    r = remedy(key)
    return replace(base, cells=(r.cell,), **r.changes)


def probe(length: int = REMEDY_LENGTH) -> tuple[torch.Tensor, torch.Tensor]:
    """Fixed adding-problem sequences the ratio is measured on (never trained on)."""
    return adding_batch(PROBE_SIZE, length, torch.Generator().manual_seed(PROBE_SEED + length))


def hidden_gradient_norms(model: TaskModel, x: torch.Tensor, y: torch.Tensor) -> list[float]:
    """‖∂L/∂h_t‖ for every step t of a one-answer :class:`TaskModel`, the loss at the last step, in float64.

    The fused layer is stepped one time step at a time on a float64 copy, so every hidden state is a tensor of
    its own and one backward pass gives the gradient reaching each of them (the whole sequence: a model trained
    with truncation is measured as it would be without it). The model itself is left unchanged.
    """
    twin = copy.deepcopy(model).double()
    twin.truncate = 0
    inputs = twin._inputs(x).double()
    states, state = [], None
    with torch.enable_grad():
        for t in range(inputs.shape[1]):
            _, state = twin.encoder(inputs[:, t:t + 1], state)
            states.append(state[0] if isinstance(state, tuple) else state)
        loss = twin.loss(twin.head(states[-1][0]).squeeze(-1), y.double())
        grads = torch.autograd.grad(loss, states, allow_unused=True)
    return [0.0 if g is None else float(torch.linalg.vector_norm(g)) for g in grads]


def gradient_ratio(model: TaskModel, x: torch.Tensor, y: torch.Tensor) -> float:
    """‖∂L/∂h_0‖ / ‖∂L/∂h_(T−1)‖: the share of the last step's gradient that reaches step 0 (nan if undefined)."""
    norms = hidden_gradient_norms(model, x, y)
    first, last = norms[0], norms[-1]
    if not (math.isfinite(first) and math.isfinite(last)) or last == 0:
        return math.nan
    return first / last


@dataclass
class RemedyProgress:
    """A remedy's run as it trains (what a page's progress bar reads)."""

    remedy: str
    seed: int
    step: int
    planned_steps: int

    @property
    def fraction(self) -> float:
        return min(1.0, self.step / max(1, self.planned_steps))


def train_remedy(key: str, seed: int, report: Callable[[RemedyProgress], None] | None = None,
                 stop: threading.Event | None = None) -> dict:
    """:func:`run_remedy` at the grid's length, its progress as :class:`RemedyProgress` events (a page's Run live)."""
    update = None if report is None else (lambda curve, step, planned: report(RemedyProgress(key, seed, step, planned)))
    return run_remedy(key, seed, stop=stop, on_update=update)


def run_remedy(key: str, seed: int, length: int = REMEDY_LENGTH, stop: threading.Event | None = None,
               on_update: Callable[[list, int, int], None] | None = None) -> dict:
    """Train one remedy from one seed and measure it: one row of the remedies grid."""
    spec = spec_for(key)
    r = remedy(key)
    task = get_task(spec.task)
    x, y = probe(length)
    with seeded(seed):       # the very weights train_one starts from
        start = TaskModel(task, r.cell, spec.hidden_for(r.cell), spec.forget_bias_for(r.cell), spec.rnn_init,
                          spec.nonlinearity, spec.truncate)
    ratio_init = gradient_ratio(start, x, y)
    row, _, model = train_one(spec, r.cell, length, seed, stop=stop, on_update=on_update)
    test_y = test_set(task, length)[1]
    diverged = row["stop_reason"] == "diverged"
    return {"remedy": key, "label": r.label, "cell": r.cell, "length": length, "seed": seed,
            "accuracy": row["accuracy"], "loss": row["loss"], "baseline": row["baseline"],
            "baseline_mse": round(float(test_y.var(unbiased=False)), 5),
            "ratio": math.nan if diverged else _sig(gradient_ratio(model, x, y)), "ratio_init": _sig(ratio_init),
            "steps": row["steps"], "seconds": row["seconds"], "stop_reason": row["stop_reason"],
            "message": row["message"]}


def run_remedies(keys: tuple[str, ...], seeds: tuple[int, ...], length: int = REMEDY_LENGTH,
                 on_row: Callable[[dict], None] | None = None, stop: threading.Event | None = None) -> list[dict]:
    """Every remedy on every seed (seed by seed, the remedies side by side); each row goes to ``on_row`` at once."""
    rows = []
    for seed in seeds:
        for key in keys:
            if stop is not None and stop.is_set():
                return rows
            rows.append(run_remedy(key, seed, length, stop=stop))
            if on_row is not None:
                on_row(rows[-1])
    return rows


def _sig(value: float) -> float:
    return float(f"{value:.4g}") if math.isfinite(value) else value


# --- the shipped grid and what it says -------------------------------------------------------------------------

def load(path: Path = RESULTS) -> list[dict]:
    """The shipped rows, typed (an empty list if the file is missing)."""
    if not path.is_file():
        return []
    ints, floats = {"length", "seed", "steps"}, {"accuracy", "loss", "baseline", "baseline_mse", "ratio",
                                                 "ratio_init", "seconds"}
    with path.open(newline="", encoding="utf-8") as f:
        return [{k: int(v) if k in ints else float(v) if k in floats else v for k, v in row.items()}
                for row in csv.DictReader(f)]


@dataclass
class Summary:
    """One remedy across its seeds."""

    key: str
    label: str
    cell: str
    seeds: int
    accuracy: list
    mse: list
    ratio: list
    ratio_init: list
    baseline: float
    baseline_mse: float
    diverged: int

    @property
    def solved(self) -> int:
        """Seeds that learned the task: a test MSE under 5 % of the no-memory MSE."""
        return sum(m <= SOLVED * self.baseline_mse for m in self.mse)

    @property
    def at_baseline(self) -> int:
        """Seeds no better than answering without memory: a test MSE at 80 % of the no-memory MSE or more."""
        return sum(m >= AT_BASELINE * self.baseline_mse or not math.isfinite(m) for m in self.mse)

    @property
    def partial(self) -> int:
        """Seeds in between: clearly below the no-memory MSE, yet above 5 % of it."""
        return self.seeds - self.solved - self.at_baseline

    @property
    def learned_mse(self) -> list[float]:
        """The test MSE of the seeds that learned part of the task."""
        return [m for m in self.mse if SOLVED * self.baseline_mse < m < AT_BASELINE * self.baseline_mse]

    @property
    def shares(self) -> tuple[float, float, float]:
        """The shares of seeds that solve the task, learn part of it, stay at the baseline."""
        return self.solved / self.seeds, self.partial / self.seeds, self.at_baseline / self.seeds

    def zero_ratios(self) -> int:
        """Seeds whose ratio after training is 0: the gradient at step 0 is below what float64 holds (1e-308)."""
        return sum(v == 0 for v in self.ratio)

    def ratio_range(self, at_init: bool = False) -> tuple[float, float]:
        values = [v for v in (self.ratio_init if at_init else self.ratio) if math.isfinite(v) and v > 0]
        return (min(values), max(values)) if values else (math.nan, math.nan)


def summarise(rows: list[dict]) -> list[Summary]:
    """A :class:`Summary` per remedy, in the order of :data:`REMEDIES`."""
    out = []
    for r in REMEDIES:
        rs = sorted((row for row in rows if row["remedy"] == r.key), key=lambda row: row["seed"])
        if rs:
            out.append(Summary(r.key, r.label, r.cell, len(rs), [x["accuracy"] for x in rs], [x["loss"] for x in rs],
                               [x["ratio"] for x in rs], [x["ratio_init"] for x in rs], rs[0]["baseline"],
                               rs[0]["baseline_mse"], sum(x["stop_reason"] == "diverged" for x in rs)))
    return out


def _e(value: float) -> str:
    return "n/a" if not math.isfinite(value) else f"{value:.0e}".replace("e-0", "e-").replace("e+0", "e").replace("e+", "e")


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _e_span(lo: float, hi: float) -> str:
    return _e(lo) if _e(lo) == _e(hi) else f"{_e(lo)} to {_e(hi)}"


def _span(values: list[float], digits: int = 2) -> str:
    lo, hi = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
    return lo if lo == hi else f"{lo}–{hi}"


def _verdict(s: Summary) -> str:
    n, acc, mse = s.seeds, _span(s.accuracy), _span(s.mse, 4 if max(s.mse) < 0.01 else 3)
    no_memory = f"{s.baseline_mse:.3f} without memory"
    if s.diverged:
        return f"diverged on {s.diverged} of {n} seeds (accuracy {acc})"
    if s.solved == n:
        return f"learns the task on all {n} seeds (test MSE {mse}, accuracy {acc})"
    if s.at_baseline == n:
        return f"stays at the no-memory baseline on all {n} seeds (accuracy {acc}, test MSE {mse} against {no_memory})"
    if s.partial == n:
        return (f"learns part of the task on all {n} seeds: its test MSE {mse} is below the {no_memory}, but "
                f"above 5 % of it (accuracy {acc})")
    parts = [text for count, text in ((s.solved, f"learns the task on {s.solved}"),
                                      (s.partial, f"learns part of it on {s.partial} (a test MSE below the "
                                                  "no-memory MSE, but above 5 % of it)"),
                                      (s.at_baseline, f"stays at the no-memory baseline on {s.at_baseline}"))
             if count]
    return (f"{', '.join(parts[:-1])} and {parts[-1]} of its {n} seeds (accuracy {acc}, test MSE {mse} against "
            f"{no_memory})")


def findings(rows: list[dict]) -> list[str]:
    """The page's sentences about the grid, one per remedy, each read off the rows."""
    summaries = {s.key: s for s in summarise(rows)}
    ref = summaries.get("tanh")
    lines = []
    learned = [s.label for s in summaries.values() if s.solved == s.seeds]
    never = [s.label for s in summaries.values() if s.solved == 0]
    if learned and never:
        lines.append(f"Within this one budget of steps, {_and(learned)} learn{'s' if len(learned) == 1 else ''} the "
                     f"task on every seed; {_and(never)} learn{'s' if len(never) == 1 else ''} it on none. (Learning "
                     "the task here means a test MSE under 5 % of the no-memory MSE.)")
    for key, s in summaries.items():
        lo, hi = s.ratio_range()
        ratio = (f"its gradient ratio after training is {_e_span(lo, hi)}" if math.isfinite(lo)
                 else "its gradient ratio could not be measured")
        if s.zero_ratios():
            ratio += (f", and 0 on {s.zero_ratios()} seed{'s' if s.zero_ratios() > 1 else ''} (below 1e-308, the "
                      "smallest number float64 holds)")
        text = f"**{s.label}** {_verdict(s)}; {ratio}."
        # (learning the task: a test MSE under 5 % of the no-memory MSE; at the baseline: 80 % of it or more)
        if key == "clipping" and ref is not None:
            text += (" Clipping only shortens gradients that are too long; a gradient that has vanished is not "
                     "lengthened, so on this task it " + ("changes nothing that matters for the tanh RNN: the same "
                                                          "outcome as the reference." if s.shares == ref.shares else
                                                          "changes the outcome here, which is unexpected."))
            le = summaries.get("irnn-le")
            if le is not None and le.solved == le.seeds:
                text += (" Clipping cures no vanishing, but a ReLU network, whose gradients can blow up, is trained "
                         "with it: see the IRNN with clipping below.")
        if key == "truncated":
            text += (f" With the backward pass cut {TRUNCATE_STEPS} steps before the answer, no gradient ever reaches "
                     "the first marked number (50 or more steps back), so nothing trains the network to carry it. "
                     "Truncation limits how far back the training signal reaches, not what the network can "
                     "remember (the forward pass still runs through every step): it saves computation, it does not "
                     "cure anything.")
            learned = s.learned_mse
            if learned and all(abs(m - SECOND_ONLY) <= 0.25 * SECOND_ONLY for m in learned):
                where = ("on every seed" if len(learned) == s.seeds else
                         f"on the {len(learned)} seeds where it learned anything")
                text += (f" Its MSE {where} ({_span(learned, 3)}) sits near 1/12 ≈ {SECOND_ONLY:.3f}, the error "
                         "of a network that knows the second number and guesses 0.5 for the first: it learned to "
                         "carry the second number, and only that.")
        if key in ("orthogonal", "irnn") and ref is not None:
            ilo, ihi = s.ratio_range(at_init=True)
            rlo, rhi = ref.ratio_range(at_init=True)
            if math.isfinite(ilo) and math.isfinite(rhi):
                text += f" At the start its ratio is {_e_span(ilo, ihi)}, against the reference's {_e_span(rlo, rhi)}."
                drop = min((start / after if after > 0 else math.inf) for after, start in zip(s.ratio, s.ratio_init))
                if drop >= 2:
                    text += (f" Training lowers it again, on every seed by a factor of "
                             f"{f'{drop:.0f}' if drop < 100 else _e(drop)} or more.")
        if s.cell == "rnn" and s.solved == 0 and math.isfinite(lo) and lo >= HEALTHY_RATIO:
            text += (f" Its gradient does reach step 0 (at least {_e(lo)} of it on every seed), and still it does not "
                     "learn the task: a gradient that arrives is needed, not enough.")
        le = summaries.get("irnn-le")
        if key == "irnn" and s.solved < s.seeds:
            if le is not None and le.solved == le.seeds:
                text += (" This is the shared recipe failing, not the IRNN (Le, Jaitly & Hinton 2015 trained it with "
                         "gradient clipping): with clipping at 1 and a tenth of the learning rate (0.002), the same "
                         f"2,000 steps bring its test MSE to {_span(le.mse, 4)} on every seed (the next row).")
            else:
                text += (" (Le, Jaitly & Hinton report the IRNN matching the LSTM on this problem at lengths 150 to "
                         "400 with their own training recipe: optimiser, learning rate, clipping, length of "
                         "training. Here every row gets the Compare grid's one budget, and within it the IRNN does "
                         "not get there.)")
        lines.append(text)
    return lines


