"""How long one recomputation of the Vanishing gradients page takes (target: ≤ 0.5 s for T = 200, hidden 64),
and with ``--training``, how long the page's default training (section 5) takes per cell.

One recomputation = fresh RNN, LSTM and GRU, a forward and backward pass through each unrolled over T steps
in float64, the RNN's exact Jacobian products, the LSTM's step Jacobians at four steps, and the spectra of
W_hh: what a slider move costs. The training is the page's defaults (``PAGE_DEFAULTS`` and ``PAGE_WATCH``: T = 100,
500 steps, batches of 32) for each cell, one after the other, as the page runs it.

    python benchmarks/gradients_speed.py [--length 200] [--hidden 64] [--repeats 5] [--training]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_core.gradients.training import PAGE_WATCH, train_and_watch  # noqa: E402
from rnn_core.gradients.measure import PAGE_DEFAULTS, GradientSettings, measure  # noqa: E402
from rnn_core.runs.jobs import configure_torch_threads  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--training", action="store_true", help="also time the page's default training")
    args = parser.parse_args()
    threads = configure_torch_threads()
    times, cpu = [], []
    for seed in range(args.repeats + 1):
        settings = GradientSettings(length=args.length, hidden_size=args.hidden, seed=seed)
        start, start_cpu = time.perf_counter(), time.process_time()
        measure(settings)
        if seed > 0:                       # the first call warms up torch
            times.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
    median, median_cpu = statistics.median(times), statistics.median(cpu)
    # On a shared, busy machine the wall time counts the waits for a core; the CPU time this process used is
    # what the same work costs on an idle one (with one torch thread, as here).
    print(f"one recomputation, T={args.length}, hidden {args.hidden}, RNN+LSTM+GRU, {threads} torch thread(s): "
          f"wall median {median:.3f} s (best {min(times):.3f} s), CPU time median {median_cpu:.3f} s, "
          f"over {len(times)} runs (target ≤ 0.5 s)")
    out = {"length": args.length, "hidden": args.hidden, "threads": threads, "median_s": round(median, 4),
           "best_s": round(min(times), 4), "median_cpu_s": round(median_cpu, 4), "target_s": 0.5,
           "meets_target": median <= 0.5}
    if args.training:
        out["training"] = time_training()
    print(json.dumps(out))


def time_training() -> dict:
    """Wall and CPU seconds of the page's default training, per cell (seed 0)."""
    settings, watch = PAGE_DEFAULTS, PAGE_WATCH
    figures = {}
    for cell in settings.cells:
        start, start_cpu = time.perf_counter(), time.process_time()
        run = train_and_watch(settings, cell, watch)
        wall, cpu = time.perf_counter() - start, time.process_time() - start_cpu
        figures[cell] = {"steps": run.result.steps, "wall_s": round(wall, 2), "cpu_s": round(cpu, 2),
                         "cpu_ms_per_step": round(1000 * cpu / run.result.steps, 2),
                         "val_mse": round(run.result.metrics["val_mse"], 4), "ratio": run.final.ratio}
        print(f"training {cell.upper()}: {run.result.steps} steps at T={settings.length}, wall {wall:.1f} s, CPU "
              f"{cpu:.1f} s ({1000 * cpu / run.result.steps:.1f} ms per step), test MSE "
              f"{run.result.metrics['val_mse']:.4f}, ratio {run.final.ratio:.3g}")
    total_cpu = sum(f["cpu_s"] for f in figures.values())
    print(f"training, all cells: CPU {total_cpu:.1f} s (a free machine's wall time with one torch thread)")
    return {"cells": figures, "total_cpu_s": round(total_cpu, 2)}


if __name__ == "__main__":
    main()
