"""Tagging quality: the three cells × left to right / bidirectional × seeds 0-4, with the Tag page's defaults
(LSTM settings, 600 steps, one torch thread), at cue distance 3 (the page's default) and 10.

    python benchmarks/tag_quality.py [--cells rnn,lstm,gru] [--distances 3,10] [--seeds 0,1,2,3,4] [--csv PATH]

Prints one row per model (accuracy on ambiguous and plain words of the held-out sentences, and the baseline's),
then whether the issue's targets hold at distance 3, and, last, one JSON object with every figure.
``--csv rnn_core/tag/tag_quality.csv`` rewrites the table the claim tests read (a step budget: the same
numbers on any machine, up to float rounding).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RNN_LAB_TORCH_THREADS", "1")

from rnn_core.runs.jobs import configure_torch_threads  # noqa: E402
from rnn_core.tag.tagger import DIRECTIONS, TaggerSettings, train_taggers  # noqa: E402

FIELDS = ("cell", "distance", "seed", "model", "ambiguous_accuracy", "plain_accuracy", "baseline_ambiguous_accuracy",
          "steps", "seconds")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cells", default="rnn,lstm,gru")
    parser.add_argument("--distances", default="3,10")
    parser.add_argument("--seeds", default="0,1,2,3,4")
    parser.add_argument("--csv", help="write the table here (the shipped one: rnn_core/tag/tag_quality.csv)")
    args = parser.parse_args()
    configure_torch_threads()
    rows = []
    print(f"{'cell':>4} {'dist':>4} {'seed':>4} {'model':>14} {'ambiguous':>9} {'plain':>6} {'baseline':>8} "
          f"{'steps':>5} {'s/model':>7}")
    for distance in map(int, args.distances.split(",")):
        for cell in args.cells.split(","):
            for seed in map(int, args.seeds.split(",")):
                start = time.perf_counter()
                run = train_taggers(replace(TaggerSettings(), cell=cell, distance=distance, seed=seed))
                m, seconds = run.metrics, time.perf_counter() - start
                for model in DIRECTIONS:
                    row = {"cell": cell, "distance": distance, "seed": seed, "model": model,
                           "ambiguous_accuracy": round(m[model]["ambiguous_accuracy"], 4),
                           "plain_accuracy": round(m[model]["plain_accuracy"], 4),
                           "baseline_ambiguous_accuracy": round(m["baseline"]["ambiguous_accuracy"], 4),
                           "steps": m["steps"], "seconds": round(seconds / 2, 1)}
                    rows.append(row)
                    print(f"{cell:>4} {distance:>4} {seed:>4} {model:>14} {row['ambiguous_accuracy']:>9.3f} "
                          f"{row['plain_accuracy']:>6.3f} {row['baseline_ambiguous_accuracy']:>8.3f} "
                          f"{row['steps']:>5} {row['seconds']:>7.1f}", flush=True)
    at3 = [r for r in rows if r["distance"] == 3 and r["cell"] == "lstm"]
    targets = {
        "bidirectional_lstm_ambiguous_at_least_0.95": all(r["ambiguous_accuracy"] >= 0.95 for r in at3
                                                          if r["model"] == "bidirectional"),
        "left_to_right_lstm_within_0.05_of_baseline": all(
            abs(r["ambiguous_accuracy"] - r["baseline_ambiguous_accuracy"]) <= 0.05 for r in at3
            if r["model"] == "left-to-right"),
        "both_plain_at_least_0.98": all(r["plain_accuracy"] >= 0.98 for r in at3),
        "at_most_30_s_per_model": all(r["seconds"] <= 30 for r in at3),
    }
    for name, ok in targets.items():
        print(f"{'met' if ok else 'NOT MET'}: {name}")
    if args.csv:
        with open(args.csv, "w", newline="") as f:
            writer = csv.DictWriter(f, fieldnames=FIELDS)
            writer.writeheader()
            writer.writerows(rows)
    print(json.dumps({"rows": rows, "targets": targets, "load": os.getloadavg()[0]}))


if __name__ == "__main__":
    main()
