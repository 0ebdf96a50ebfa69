"""Precomputed comparison grids shipped with the app, so the page shows the full picture the moment it opens.

Each CSV here was written by the command in :data:`SHIPPED` (also in ``regenerate.sh`` next to this file);
running it again on a machine of the same type gives the same numbers, because every run is seeded and
evaluated every fixed number of steps. ``<task>.csv`` holds one row per run, ``<task>_curves.csv`` one row
per evaluation of each run. The ``cell`` column holds ``rnn``, ``lstm``, ``gru`` and, in the first-symbol
grid, ``lstm-bias0`` (an LSTM whose forget-gate bias starts at 0 instead of 1): filter on it for the three
cells alone.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from rnn_core.compare.agreement import finding as agreement_finding
from rnn_core.compare.experiments import DEFAULT_LENGTHS
from rnn_core.data.tasks import get_task

HERE = Path(__file__).resolve().parent / "results"
SEEDS = 5
CELLS = {"adding": "rnn,lstm,gru", "first-symbol": "rnn,lstm,gru,lstm-bias0", "temporal-order": "rnn,lstm,gru",
         "reverse": "rnn,lstm,gru", "agreement": "rnn,lstm,gru"}
SHIPPED = {
    task: (f"python -m rnn_core compare --task {task} --lengths {','.join(map(str, DEFAULT_LENGTHS[task]))} "
           f"--cells {cells} --seeds {SEEDS} "
           f"--csv rnn_core/compare/results/{task}.csv --curves-csv rnn_core/compare/results/{task}_curves.csv")
    for task, cells in CELLS.items()
}


def shipped_grid(task: str) -> tuple[tuple[int, ...], tuple[str, ...], int]:
    """(lengths, cells, seeds) of the grid that ships for ``task``."""
    return DEFAULT_LENGTHS[task], tuple(CELLS[task].split(",")), SEEDS


def load_shipped(task: str) -> tuple[pd.DataFrame, pd.DataFrame, str] | None:
    """(results, curves, the command that made them) for ``task``, or None if nothing is shipped for it."""
    if task not in SHIPPED:
        return None
    results, curves = HERE / f"{task}.csv", HERE / f"{task}_curves.csv"
    if not results.is_file() or not curves.is_file():
        return None
    return pd.read_csv(results), pd.read_csv(curves), SHIPPED[task]


def shipped_stamp(task: str) -> float:
    """The newest modification time of ``task``'s files (0 if absent), to know when a cache is stale."""
    paths = (HERE / f"{task}.csv", HERE / f"{task}_curves.csv")
    return max((p.stat().st_mtime for p in paths if p.is_file()), default=0.0)


# --- what each grid shows, in a sentence whose numbers come from the grid (tests/claims/test_compare.py) ------

def accuracy_range(rows, cell: str, length: int) -> tuple[float, float]:
    """(worst, best) test accuracy of ``cell`` at ``length`` over the seeds in ``rows`` (dicts or a DataFrame)."""
    frame = pd.DataFrame(rows)
    picked = frame[(frame["cell"] == cell) & (frame["length"] == length)]["accuracy"]
    if picked.empty:
        raise KeyError(f"no {cell} run at length {length}")
    return float(picked.min()), float(picked.max())


def accuracy_range_per_seed(rows, cell: str, length: int) -> list[float]:
    frame = pd.DataFrame(rows)
    return list(frame[(frame["cell"] == cell) & (frame["length"] == length)]["accuracy"])


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


def _base(value: float) -> str:
    return f"{100 * value:.1f} %"


def _span(lo: float, hi: float) -> str:
    a, b = f"{100 * lo:.0f}", f"{100 * hi:.0f}"
    return f"{a} %" if a == b else f"{a}–{b} %"


def _gated(rows, length: int) -> tuple[float, float]:
    ranges = [accuracy_range(rows, c, length) for c in ("lstm", "gru")]
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def finding(task: str, rows) -> str:
    """The grid's result in a sentence or two, with its numbers (worst to best seed) read from ``rows``."""
    base = get_task(task).baseline
    if task == "adding":
        return (f"the RNN solves {_span(*accuracy_range(rows, 'rnn', 10))} of sequences at length 10, but from "
                "length 50 on it stays at or just above the no-memory line "
                f"({_span(*_lowest_highest(rows, 'rnn', (50, 100, 200)))} "
                f"vs {_base(base)}). The GRU solves {_span(*_lowest_highest(rows, 'gru', (100, 200)))} at 100 and "
                f"200; the LSTM {_span(*accuracy_range(rows, 'lstm', 100))} at 100 and "
                f"{_span(*accuracy_range(rows, 'lstm', 200))} at 200, " + _worst_seed(rows, "lstm", 200) + ".")
    if task == "first-symbol":
        far = [a for n in (100, 200) for a in accuracy_range_per_seed(rows, "rnn", n)]
        return (f"the RNN carries the first symbol across 25 steps ({_span(*accuracy_range(rows, 'rnn', 25))}) "
                f"and mostly across 50 ({_span(*accuracy_range(rows, 'rnn', 50))}), but at 100 and 200 it gets only "
                f"{_span(min(far), max(far))}"
                + ("" if max(far) < 0.4 else f", {_count(sum(a < 0.4 for a in far), len(far))} runs under 40 %")
                + f" (chance: {_base(base)}). The GRU solves every length up to 200 "
                f"({_span(*_lowest_highest(rows, 'gru', (10, 25, 50, 100, 200)))}); the LSTM every length up to 100 "
                f"({_span(*_lowest_highest(rows, 'lstm', (10, 25, 50, 100)))}) and "
                f"{_span(*accuracy_range(rows, 'lstm', 200))} at 200.")
    if task == "temporal-order":
        at_40 = accuracy_range_per_seed(rows, "rnn", 40)
        failing = [a for a in at_40 if a < 0.9]
        lstm = [(a, n) for n in (10, 20, 30, 40, 50) for a in accuracy_range_per_seed(rows, "lstm", n)]
        lstm_misses = sorted(run for run in lstm if run[0] < 0.9)
        solved = len(at_40) - len(failing)
        held = (f"at 40 only {_count(solved, len(at_40))} seeds {'does' if solved == 1 else 'do'}" if failing else
                f"at 40 every seed does ({_span(min(at_40), max(at_40))})")
        rest = (f" (the others stay at chance, {_span(min(failing), max(failing))})" if failing else "")
        lstm_said = ("the LSTM every run" if not lstm_misses else
                     f"the LSTM every run but {_count(len(lstm_misses), None)} of {len(lstm)} "
                     f"({', '.join(f'{_pct(a)} at {n}' for a, n in lstm_misses)})")
        return (f"the RNN finds the order up to length 30 ({_span(*_lowest_highest(rows, 'rnn', (10, 20, 30)))}); "
                f"{held}{rest}, and at 50 none does "
                f"({_span(*accuracy_range(rows, 'rnn', 50))}, chance {_base(base)}). The GRU solves every length "
                f"({_span(*_lowest_highest(rows, 'gru', (10, 20, 30, 40, 50)))}); {lstm_said}.")
    if task == "agreement":
        return agreement_finding(rows)
    if task == "reverse":
        return (f"every cell reverses 3 and 5 letters ({_span(*_lowest_highest(rows, ('rnn', 'lstm', 'gru'), (3, 5)))} "
                f"of sequences entirely right); at 10 the LSTM gets {_span(*accuracy_range(rows, 'lstm', 10))}, the "
                f"RNN {_span(*accuracy_range(rows, 'rnn', 10))} and the GRU {_span(*accuracy_range(rows, 'gru', 10))}; "
                f"at 15 no cell gets more than {_pct(_lowest_highest(rows, ('rnn', 'lstm', 'gru'), (15,))[1])} right. "
                "The LSTM's gates help a little at 10 (the GRU's do not), but every line falls: the encoder must "
                "pass every letter through one fixed-size state before the decoder writes anything, which is why "
                "translation models added attention.")
    return ""


_NUMBERS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _count(k: int, n: int | None) -> str:
    """'2 of 5' (or the bare number) in words for small numbers: 'two of five'."""
    word = lambda v: _NUMBERS[v] if v < len(_NUMBERS) else f"{v:,}"
    return word(k) if n is None else f"{word(k)} of {word(n)}"


def _worst_seed(rows, cell: str, length: int) -> str:
    """Which seed is the worst of ``cell`` at ``length`` and how far the others are, in words."""
    frame = pd.DataFrame(rows)
    picked = frame[(frame["cell"] == cell) & (frame["length"] == length)].sort_values("accuracy")
    if len(picked) < 2:
        return "one seed"
    worst, others = picked.iloc[0], picked.iloc[1:]["accuracy"]
    return (f"its worst seed ({int(worst['seed'])}) at {_pct(worst['accuracy'])}, the other "
            f"{_count(len(others), None)} at {_span(others.min(), others.max())}")


def _lowest_highest(rows, cells, lengths) -> tuple[float, float]:
    cells = (cells,) if isinstance(cells, str) else cells
    ranges = [accuracy_range(rows, c, n) for c in cells for n in lengths]
    return min(r[0] for r in ranges), max(r[1] for r in ranges)


def mean_steps(rows, cell: str, length: int) -> float:
    """Mean training steps of ``cell`` at ``length`` over the seeds (a run stops once it has solved the task)."""
    frame = pd.DataFrame(rows)
    return float(frame[(frame["cell"] == cell) & (frame["length"] == length)]["steps"].mean())


def bias_finding(rows) -> str:
    """What the first-symbol grid's two LSTMs (forget-gate bias 1 and 0) show, with its numbers."""
    frame = pd.DataFrame(rows)
    seeds = sorted(set(frame["seed"]))
    worst0, _ = accuracy_range(rows, "lstm-bias0", 200)
    worst1, _ = accuracy_range(rows, "lstm", 200)
    by_seed = lambda cell, n: frame[(frame["cell"] == cell) & (frame["length"] == n)].set_index("seed")["steps"]
    slower = int((by_seed("lstm-bias0", 50) > by_seed("lstm", 50)).sum())
    on = "every seed" if slower == len(seeds) else f"{_count(slower, len(seeds))} seeds"
    return (f"On the first-symbol task (the shipped grid, {len(seeds)} seeds) the effect is modest. Up to length 25 "
            f"both LSTMs solve the task in about the same number of steps; at 50 the bias-0 LSTM needs more steps on "
            f"{on} ({mean_steps(rows, 'lstm-bias0', 50):,.0f} vs {mean_steps(rows, 'lstm', 50):,.0f} on average), at "
            f"100 about as many ({mean_steps(rows, 'lstm-bias0', 100):,.0f} vs {mean_steps(rows, 'lstm', 100):,.0f}); "
            "at 200 neither solves every seed within the 2,000-step budget, and the worst seed does worse with bias 0 "
            f"({_pct(worst0)} vs {_pct(worst1)}). The bias of 1 gives the memory a head start; within this budget it "
            "is a small advantage, not a cliff.")
