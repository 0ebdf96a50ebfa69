"""How long one recomputation of the Vanishing gradients page takes (target: ≤ 0.5 s for T = 200, hidden 64).

One recomputation = fresh RNN, LSTM and GRU, a forward and backward pass through each unrolled over T steps
in float64, the RNN's exact Jacobian products, and the spectra of W_hh: what a slider move costs.

    python benchmarks/gradients_speed.py [--length 200] [--hidden 64] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_core.gradients import GradientSettings, measure  # noqa: E402
from rnn_core.jobs import configure_torch_threads  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=200)
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=5)
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
    print(json.dumps({"length": args.length, "hidden": args.hidden, "threads": threads, "median_s": round(median, 4),
                      "best_s": round(min(times), 4), "median_cpu_s": round(median_cpu, 4), "target_s": 0.5,
                      "meets_target": median <= 0.5}))


if __name__ == "__main__":
    main()
