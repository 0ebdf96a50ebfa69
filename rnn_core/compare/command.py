"""``compare``: RNN vs LSTM vs GRU on a long-dependency task, cells × lengths × seeds.

The last stdout line is a JSON object with ``task``, ``baseline`` and ``results`` (one object per run);
``--csv`` and ``--curves-csv`` also write the tables the page's precomputed charts are drawn from.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import pandas as pd

from rnn_core.compare.experiments import DEFAULT_LENGTHS, GRID_CELLS, RNN_INITS, ExperimentSpec, run_grid
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.data.tasks import TASKS, get_task, parse_lengths
from rnn_core.command import write_csv

DEFAULTS = ExperimentSpec()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", choices=tuple(TASKS), default="adding")
    parser.add_argument("--lengths", help="comma-separated sequence lengths (default: the task's precomputed grid's, "
                        + "; ".join(f"{t} {','.join(map(str, n))}" for t, n in DEFAULT_LENGTHS.items()) + ")")
    parser.add_argument("--cells", default="rnn,lstm,gru",
                        help=f"comma-separated, among {','.join(GRID_CELLS)} (lstm-bias0: an LSTM whose forget-gate "
                             "bias starts at 0 whatever --forget-bias says)")
    parser.add_argument("--seeds", type=int, default=3, help="seeds 0 … N−1 per cell and length")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds run from this one up")
    parser.add_argument("--hidden", type=int, default=DEFAULTS.hidden)
    parser.add_argument("--match-params", action="store_true",
                        help="give the RNN and GRU the hidden size that matches the LSTM's parameter count")
    parser.add_argument("--max-steps", type=int, default=DEFAULTS.max_steps, help="step budget of every run")
    parser.add_argument("--batch", type=int, default=DEFAULTS.batch)
    parser.add_argument("--lr", type=float, help="peak learning rate (default: the task's, see experiments.TASK_LR)")
    parser.add_argument("--clip", type=float, default=DEFAULTS.clip, help="largest gradient norm; 0 turns it off")
    parser.add_argument("--forget-bias", type=float, default=DEFAULTS.forget_bias, help="LSTM forget-gate bias")
    parser.add_argument("--rnn-init", choices=RNN_INITS, default=DEFAULTS.rnn_init,
                        help="recurrent initialisation of the vanilla RNN (identity also switches it to ReLU)")
    parser.add_argument("--csv", type=Path, help="write the results table here")
    parser.add_argument("--curves-csv", type=Path, help="write the learning curves here")


def spec_from_args(args: argparse.Namespace) -> ExperimentSpec:
    task = get_task(args.task)
    cells = tuple(c.strip() for c in args.cells.split(",") if c.strip())
    lengths = parse_lengths(args.lengths, task) if args.lengths else None
    return ExperimentSpec(task=args.task, lengths=lengths, cells=cells, seeds=args.seeds,
                          first_seed=args.first_seed,
                          hidden=args.hidden, match_params=args.match_params, max_steps=args.max_steps,
                          batch=args.batch, lr=args.lr, clip=args.clip, forget_bias=args.forget_bias,
                          rnn_init=args.rnn_init)


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=os.cpu_count() or 1)
    spec = spec_from_args(args)
    rows: list[dict] = []
    curves: list[dict] = []
    total = len(spec.runs())

    def on_result(finished) -> None:
        row, curve = finished.row, finished.curve
        rows.append(row)
        curves.extend({"task": row["task"], "cell": row["cell"], "length": row["length"], "seed": row["seed"], **c}
                      for c in curve)
        print(f"[{len(rows)}/{total}] {row['cell']:>4} length {row['length']:>4} seed {row['seed']}: accuracy "
              f"{row['accuracy']:.3f} after {row['steps']:,} steps ({row['stop_reason']}, {row['seconds']:.1f} s)",
              file=sys.stderr, flush=True)
        if args.csv:   # written after every run, so an interrupted grid keeps what it finished
            write_csv(pd.DataFrame(rows), args.csv)
        if args.curves_csv:
            write_csv(pd.DataFrame(curves), args.curves_csv)

    last = {"t": 0.0}

    def on_update(u) -> None:   # a progress line every few seconds, on stderr
        if time.monotonic() - last["t"] < 5.0:
            return
        last["t"] = time.monotonic()
        acc = f", held-out accuracy {u.curve[-1]['val_accuracy']:.3f}" if u.curve else ""
        print(f"  run {u.index + 1}/{u.total} {u.cell} length {u.length} seed {u.seed}: step "
              f"{u.step:,}/{u.planned_steps:,}{acc}", file=sys.stderr, flush=True)

    run_grid(spec, on_result=on_result, on_update=on_update)
    task = get_task(spec.task)
    return {"task": spec.task, "baseline": task.baseline, "baseline_label": task.baseline_label,
            "success": task.success, "settings": spec.to_dict(), "results": rows}


