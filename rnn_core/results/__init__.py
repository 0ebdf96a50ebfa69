"""Precomputed comparison grids shipped with the app, so the page shows the full picture the moment it opens.

Each CSV here was written by the command in :data:`SHIPPED` (also in ``regenerate.sh`` next to this file);
running it again on a machine of the same type gives the same numbers, because every run is seeded and
evaluated every fixed number of steps. ``<task>.csv`` holds one row per run, ``<task>_curves.csv`` one row
per evaluation of each run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

HERE = Path(__file__).resolve().parent
GRID = "--lengths 10,25,50,100,200 --cells rnn,lstm,gru --seeds 3"
SHIPPED = {
    task: (f"python -m rnn_core compare --task {task} {GRID} "
           f"--csv rnn_core/results/{task}.csv --curves-csv rnn_core/results/{task}_curves.csv")
    for task in ("adding", "first-symbol")
}


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
