"""``remedies``: the remedies for vanishing gradients, side by side on the adding problem at length 100.

Each remedy (tanh RNN reference, + clipping, + orthogonal W_hh, IRNN, ReLU alone, truncated BPTT, LSTM, GRU) is
trained on every seed under the same step budget and measured: test accuracy, test MSE against the no-memory MSE,
and the gradient ratio ‖∂L/∂h_0‖ / ‖∂L/∂h_(T−1)‖ before and after training. The last stdout line is a JSON object
with ``results`` (one object per run) and ``findings`` (the page's sentences); ``--csv`` writes the table, row by
row as runs finish.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pandas as pd

from rnn_core.command import write_csv
from rnn_core.compare.remedies import COLUMNS, REMEDIES, REMEDY_LENGTH, findings, parse_remedies, run_remedies
from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import configure_torch_threads


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--remedies", default=",".join(r.key for r in REMEDIES),
                        help="comma-separated, among " + ",".join(r.key for r in REMEDIES))
    parser.add_argument("--seeds", type=int, default=5, help="seeds FIRST … FIRST+N−1 per remedy")
    parser.add_argument("--first-seed", type=int, default=0)
    parser.add_argument("--length", type=int, default=REMEDY_LENGTH, help="sequence length of the adding problem")
    parser.add_argument("--csv", type=Path, help="write the results table here")


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=1)
    keys = parse_remedies(args.remedies)
    if not 1 <= args.seeds <= 20 or not 0 <= args.first_seed <= 1_000_000:
        raise RNNLabError("Use 1 to 20 seeds, from a first seed between 0 and 1,000,000.")
    if not 2 <= args.length <= 500:
        raise RNNLabError(f"The length must be between 2 and 500 (got {args.length}).")
    seeds = tuple(range(args.first_seed, args.first_seed + args.seeds))
    rows: list[dict] = []
    started = time.time()

    def on_row(row: dict) -> None:
        rows.append(row)
        print(f"[{time.time() - started:6.0f} s] {row['remedy']:>10} seed {row['seed']}: accuracy "
              f"{row['accuracy']:.3f}, MSE {row['loss']:.4f}, ratio {row['ratio']:.3g} (at the start "
              f"{row['ratio_init']:.3g}), {row['steps']} steps, {row['stop_reason']}", file=sys.stderr, flush=True)
        if args.csv:
            write_csv(pd.DataFrame(rows, columns=COLUMNS), args.csv)

    run_remedies(keys, seeds, args.length, on_row=on_row)
    return {"task": "adding", "length": args.length, "seconds": round(time.time() - started, 1), "results": rows,
            "findings": findings(rows)}
