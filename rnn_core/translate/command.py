"""``translate``: the encoder–decoder with and without attention, on dates or on reversing letters.

``--task dates`` trains a translator from written dates to ISO dates; ``--task reverse`` runs the bottleneck
experiment (both models at each of ``--lengths``). The last stdout line is a JSON object whose ``exact_match``
holds, per model (``attention``, ``plain``), the held-out exact match (per length for the reversal, the mean
over seeds). ``--csv``/``--curves-csv`` write the length experiment's tables, as the page's precomputed chart.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

import pandas as pd

from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.command import write_csv
from rnn_core.translate.model import (CELLS, DATE_DEFAULTS, LENGTHS, MODELS, REVERSE_DEFAULTS, LengthSpec, bottleneck_length,
                         run_length_grid, summarise_lengths, train_translator)

CHOICES = {"both": MODELS, "on": ("attention",), "off": ("plain",)}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--task", choices=("dates", "reverse"), default="dates")
    parser.add_argument("--attention", choices=tuple(CHOICES), default="both",
                        help="train the model with attention (on), without (off), or both")
    parser.add_argument("--lengths", default=",".join(map(str, LENGTHS)),
                        help="reverse: comma-separated sequence lengths")
    parser.add_argument("--seconds", type=float, default=60.0,
                        help="a safety limit per model: the step budget decides the run, the clock only stops one "
                             "that a busy machine stretches")
    parser.add_argument("--seed", type=int, default=0, help="the first seed")
    parser.add_argument("--seeds", type=int, default=1, help="seeds from --seed up, per model (and length)")
    parser.add_argument("--max-steps", type=int, help="step budget per model (default: the page's, 800 for dates, "
                                                      "600 for reverse)")
    parser.add_argument("--cell", choices=CELLS, default=DATE_DEFAULTS.cell)
    parser.add_argument("--hidden", type=int, default=DATE_DEFAULTS.hidden, help="per direction")
    parser.add_argument("--csv", type=Path, help="write the results table here (one row per model and seed, and "
                                                 "length)")
    parser.add_argument("--curves-csv", type=Path, help="write the learning curves here")


def _lengths(text: str) -> tuple[int, ...]:
    try:
        return tuple(sorted({int(p) for p in text.split(",") if p.strip()}))
    except ValueError:
        raise RNNLabError(f"Lengths are whole numbers separated by commas (got {text!r}).") from None


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=os.cpu_count() or 1)
    models = CHOICES[args.attention]
    base = DATE_DEFAULTS if args.task == "dates" else REVERSE_DEFAULTS
    base = replace(base, cell=args.cell, hidden=args.hidden, seconds=args.seconds or None,
                   max_steps=args.max_steps or base.max_steps)
    if args.task == "dates":
        return _dates(base, models, args)
    spec = LengthSpec(lengths=_lengths(args.lengths), models=models, seeds=args.seeds, first_seed=args.seed, base=base)
    rows, curves = [], []

    def on_result(finished) -> None:
        row = finished.row
        rows.append(row)
        curves.extend({"model": row["model"], "length": row["length"], "seed": row["seed"], **c}
                      for c in finished.curve)
        print(f"[{len(rows)}/{finished.total}] {row['model']:>9} length {row['length']:>3} seed {row['seed']}: "
              f"exact match {row['exact_match']:.3f} after {row['steps']:,} steps ({row['stop_reason']}, "
              f"{row['seconds']:.1f} s, {row['steps_per_second']:.1f} steps/s)", file=sys.stderr, flush=True)
        if args.csv:        # after every run: an interrupted grid keeps what it finished
            write_csv(pd.DataFrame(rows), args.csv)
        if args.curves_csv:
            write_csv(pd.DataFrame(curves), args.curves_csv)

    run_length_grid(spec, on_result=on_result)
    summary = summarise_lengths(rows)
    return {"task": "reverse", "settings": base.to_dict(), "lengths": list(spec.lengths),
            "exact_match": {m: {str(s["length"]): round(s["mean"], 4) for s in summary if s["model"] == m}
                            for m in models},
            "bottleneck_length": bottleneck_length(rows), "results": rows}


def _dates(base, models, args) -> dict:
    results, rows, curves = {}, [], []
    for model in models:
        for seed in range(args.seed, args.seed + args.seeds):
            settings = replace(base, attention=model == "attention", seed=seed)
            run = train_translator(settings)
            m = run.metrics
            print(f"{model:>9} seed {seed}: exact match {m['exact_match']:.3f} on held-out dates after "
                  f"{m['steps']:,} steps ({m['seconds']:.1f} s, {m['steps_per_second']:.1f} steps/s)",
                  file=sys.stderr, flush=True)
            results.setdefault(model, []).append({"seed": seed, **{k: v for k, v in m.items() if k != "message"}})
            rows.append({"model": model, "seed": seed, **{k: v for k, v in m.items() if k not in ("message", "by_format")},
                         **{f"format:{k}": v for k, v in m["by_format"].items()}})
            curves.extend({"model": model, "seed": seed, **c} for c in run.curve)
            if args.csv:
                write_csv(pd.DataFrame(rows), args.csv)
            if args.curves_csv:
                write_csv(pd.DataFrame(curves), args.curves_csv)
    return {"task": "dates", "settings": base.to_dict(),
            "exact_match": {m: round(sum(r["exact_match"] for r in rs) / len(rs), 4) for m, rs in results.items()},
            "results": results}
