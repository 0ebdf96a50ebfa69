"""Translate quality and speed: the page's defaults, on one torch thread, seeds 0-2.

    python benchmarks/translate_quality.py [--seeds 3] [--lengths 20,30] [--skip-dates]

Trains the date translator with and without attention (800 steps) and the reversal at each length (600 steps,
stopping once solved), and prints one row per run: held-out exact match, steps, seconds, steps per second and
the load average when it ran (the machine is shared: seconds are only comparable under the same load). Last,
one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_core.translate.model import DATE_DEFAULTS, REVERSE_DEFAULTS, train_translator  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--lengths", default="20,30")
    parser.add_argument("--skip-dates", action="store_true")
    args = parser.parse_args()
    import torch
    torch.set_num_threads(1)
    runs = []
    plan = [] if args.skip_dates else [("dates", None, a) for a in (True, False)]
    plan += [("reverse", int(n), a) for n in args.lengths.split(",") for a in (True, False)]
    for task, length, attention in plan:
        for seed in range(args.seeds):
            base = DATE_DEFAULTS if task == "dates" else replace(REVERSE_DEFAULTS, length=length)
            load = os.getloadavg()[0]
            m = train_translator(replace(base, attention=attention, seed=seed)).metrics
            row = {"task": task, "length": length, "attention": attention, "seed": seed,
                   "exact_match": m["exact_match"], "steps": m["steps"], "seconds": m["seconds"],
                   "steps_per_second": m["steps_per_second"], "load_before": round(load, 2),
                   "load_after": round(os.getloadavg()[0], 2)}
            runs.append(row)
            print(f"{task:>7} {length or '':>3} {'attention' if attention else 'plain':>9} seed {seed}: exact match "
                  f"{row['exact_match']:.3f}, {row['steps']} steps in {row['seconds']:.1f} s "
                  f"({row['steps_per_second']:.1f} steps/s, load {row['load_before']}-{row['load_after']})",
                  file=sys.stderr, flush=True)
    print(json.dumps({"cores": os.cpu_count(), "torch_threads": 1, "runs": runs}))


if __name__ == "__main__":
    main()
