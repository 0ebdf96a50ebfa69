"""Seconds per training step of the language model with an LSTM, torch's ``nn.GRU`` and the project's GRU, at the
Quick and Better preset sizes, side by side.

A step is what the app's loop does: forward, cross-entropy, backward, gradient clipping and an Adam step, on one
thread (``torch.set_num_threads(1)``, as the app trains), with the hidden state carried and detached between
steps. The models are the whole :class:`LanguageModel` (embedding, recurrent layer, read-out) at the preset's
hidden size, embedding size, sequence length and batch, char level on the built-in Python documentation corpus.

The variants run interleaved (A B C A B C ...) for ``--rounds`` rounds of ``--steps`` steps each, after one
warm-up round, so that a neighbour's load falls on all of them alike; each round gives a mean step time per
variant, and the medians over rounds are printed, in CPU seconds of the thread (``time.thread_time``, what a
free core would take) and wall clock, with the ratios to the LSTM. The last line on stdout is JSON.

    python benchmarks/gru_speed.py [--rounds 7] [--steps 10] [--presets quick better]

Measured here (2-core AMD EPYC, torch 2.13, medians of 9 interleaved rounds, CPU ms per step, ratio to the LSTM),
on 2026-12-05, three runs at load 1.1-1.7 after the recurrent weight's layout change: Quick LSTM 4.6-5.6, torch's
GRU 9.4-10.4 (1.83-2.04), the project's GRU 6.6-7.3 (1.33-1.44; 1.41-1.48 earlier that day, 1.60-1.65 before);
Better LSTM 21.4-22.9, torch's GRU 37.8-39.9 (1.74-1.77), the project's GRU 23.1-24.8 (1.07-1.08: the bar of 1.1
is met there). At Quick it is not: the GRU's 64 per-step products take about 25 µs each, some 10 µs of which is
oneDNN's fixed cost per call, and its elementwise steps with their Python calls about 25 µs a step more, where
the LSTM's fused kernels do the whole layer in one call forward and one backward (the layer alone, forward and
backward: LSTM 3.4-3.5 ms, the project's GRU 4.9-5.2 ms).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_core.data.corpora import load_builtin  # noqa: E402
from rnn_core.data.text import encode_text  # noqa: E402
from rnn_core.language_model.model import LanguageModel  # noqa: E402
from rnn_core.language_model.training import StreamBatches, preset  # noqa: E402
from rnn_core.nets.fused import detach_state  # noqa: E402
from rnn_core.runs.loop import seed_everything  # noqa: E402

try:   # the project's GRU (rnn_core/nets/gru.py), when it exists
    from rnn_core.nets.gru import GRU as ProjectGRU  # noqa: E402
except ImportError:   # before it was written: the baseline compares LSTM and torch's GRU only
    ProjectGRU = None


def with_layer(model: LanguageModel, layer_class) -> LanguageModel:
    """``model`` with its recurrent layer replaced by ``layer_class`` holding the same weights."""
    old = model.rnn
    new = layer_class(old.input_size, old.hidden_size, old.num_layers, batch_first=True)
    new.load_state_dict(old.state_dict())
    model.rnn = new
    return model


def make_variants(name: str, vocab: int) -> dict:
    variants = {}
    layers = (("lstm", "lstm", None), ("torch gru", "gru", torch.nn.GRU), ("our gru", "gru", ProjectGRU))
    for label, cell, layer in layers:
        if cell == "gru" and layer is None:
            continue
        settings = preset(name, cell=cell, level="char")
        seed_everything(0)
        model = LanguageModel(settings.model_config(vocab))
        if layer is not None:
            model = with_layer(model, layer)
        variants[label] = (model, settings)
    return variants


def run_steps(model, settings, batches, steps: int) -> tuple[float, float]:
    """Mean (CPU, wall) seconds per training step over ``steps`` steps."""
    optimizer = model.__dict__.setdefault("_bench_optimizer", torch.optim.Adam(model.parameters(), lr=settings.lr))
    cpu, wall = time.thread_time(), time.perf_counter()
    for _ in range(steps):
        x, y = batches.next()
        _, loss, state = model(x, y, detach_state(batches.state))
        batches.state = state
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.clip)
        optimizer.step()
    return (time.thread_time() - cpu) / steps, (time.perf_counter() - wall) / steps


def measure(name: str, text: str, rounds: int, steps: int) -> dict:
    data = encode_text(text, "char", None)
    variants = make_variants(name, len(data.tokenizer))
    batches = {label: StreamBatches(data.train_ids, settings.batch_size, settings.seq_len,
                                    torch.Generator().manual_seed(0), torch.device("cpu"))
               for label, (_, settings) in variants.items()}
    times = {label: ([], []) for label in variants}
    for r in range(rounds + 1):
        for label, (model, settings) in variants.items():
            cpu, wall = run_steps(model, settings, batches[label], steps)
            if r:   # round 0 warms up
                times[label][0].append(cpu)
                times[label][1].append(wall)
    medians = {label: (statistics.median(c), statistics.median(w)) for label, (c, w) in times.items()}
    s = variants["lstm"][1]
    print(f"\n{name}: hidden {s.hidden_size}, embedding {s.embedding_dim}, seq_len {s.seq_len}, "
          f"batch {s.batch_size}, vocab {len(data.tokenizer)}; medians of {rounds} interleaved rounds of "
          f"{steps} steps")
    print(f"{'':>10} {'CPU ms/step':>12} {'x LSTM':>7} {'wall ms/step':>13} {'x LSTM':>7}")
    lstm_cpu, lstm_wall = medians["lstm"]
    for label, (cpu, wall) in medians.items():
        print(f"{label:>10} {cpu * 1e3:12.1f} {cpu / lstm_cpu:7.2f} {wall * 1e3:13.1f} {wall / lstm_wall:7.2f}")
    return {label: {"cpu_ms": round(cpu * 1e3, 2), "wall_ms": round(wall * 1e3, 2),
                    "cpu_ratio_to_lstm": round(cpu / lstm_cpu, 3), "wall_ratio_to_lstm": round(wall / lstm_wall, 3)}
            for label, (cpu, wall) in medians.items()}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--presets", nargs="+", default=["quick", "better"])
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    text = load_builtin("python-docs")
    out = {name: measure(name, text, args.rounds, args.steps) for name in args.presets}
    print(json.dumps(out))


if __name__ == "__main__":
    main()
