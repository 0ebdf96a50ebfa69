"""Tokens per second of the app's training loop (callbacks, evaluation, samples and all) against a bare loop,
and how long each preset takes for every cell and level.

Both loops train the same model (the Quick preset's LSTM) on the same batches of the built-in Python
documentation corpus for the same number of steps; each is run ``--repeats`` times alternately and the best run
of each counts. Then every preset, cell and level trains ``--preset-steps`` steps (with the preset's
evaluations), and its whole budget's time is projected from them, in wall-clock seconds and in CPU seconds of
the one thread (what a free core would take; on a busy machine the wall clock is longer). The last line on
stdout is ``{"app_tokens_per_s": ..., "bare_tokens_per_s": ..., "ratio": ..., "presets": {...}}``.

    python benchmarks/lm_speed.py [--steps 400] [--repeats 3] [--preset-steps 100]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_core.data.corpora import load_builtin  # noqa: E402
from rnn_core.runs.jobs import configure_torch_threads  # noqa: E402
from rnn_core.language_model.training import PRESET_SECONDS, PRESETS, StreamBatches, preset, train_language_model  # noqa: E402
from rnn_core.language_model.model import LanguageModel  # noqa: E402
from rnn_core.data.text import encode_text  # noqa: E402
from rnn_core.runs.loop import seed_everything  # noqa: E402


def app_loop(data, settings) -> float:
    seen = []
    run = train_language_model(data, settings, on_progress=seen.append)
    assert run.result.steps == settings.max_steps and seen
    return run.result.tokens_per_second


def bare_loop(data, settings) -> float:
    generator = seed_everything(settings.seed)
    model = LanguageModel(settings.model_config(len(data.tokenizer)))
    batches = StreamBatches(data.train_ids, settings.batch_size, settings.seq_len, generator, torch.device("cpu"))
    optimizer = torch.optim.Adam(model.parameters(), lr=settings.lr)
    start = time.perf_counter()
    for _ in range(settings.max_steps):
        loss = batches.loss(model)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), settings.clip)
        optimizer.step()
    seconds = time.perf_counter() - start
    return settings.max_steps * batches.batch_size * settings.seq_len / seconds


def preset_times(text: str, steps: int) -> dict:
    """Projected seconds of each preset's whole step budget, per cell and level (wall clock and CPU)."""
    out = {}
    for name in PRESETS:
        for level in ("char", "word"):
            data = encode_text(text, level, preset(name, level=level).max_vocab)
            for cell in ("rnn", "lstm", "gru"):
                full = preset(name, cell=cell, level=level, seconds=None)
                settings = replace(full, max_steps=steps, sample_length=full.sample_length)
                wall, cpu = time.perf_counter(), time.process_time()
                run = train_language_model(data, replace(settings, eval_every_steps=full.eval_every_steps))
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
                # the loop (steps and periodic evaluations) scales with the budget; the rest (the first and the
                # final evaluation) does not
                loop, fixed = run.result.seconds, wall - run.result.seconds
                scale = full.max_steps / steps
                projected = fixed + loop * scale
                cpu_projected = cpu * projected / wall
                out[f"{name} {level} {cell}"] = {"steps": full.max_steps, "wall_s": round(projected, 1),
                                                 "cpu_s": round(cpu_projected, 1), "stated_s": PRESET_SECONDS[name]}
                print(f"{name:>6} {level:>4} {cell:>4}: {full.max_steps} steps, about {projected:5.1f} s "
                      f"(CPU {cpu_projected:5.1f} s; stated: under {PRESET_SECONDS[name]} s)", file=sys.stderr)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--preset-steps", type=int, default=100, help="steps measured per preset, cell and level")
    args = parser.parse_args()
    threads = configure_torch_threads()
    settings = replace(preset("quick"), max_steps=args.steps, seconds=None)
    data = encode_text(load_builtin("python-docs"), "char")
    app, bare = [], []
    for i in range(args.repeats):
        app.append(app_loop(data, settings))
        bare.append(bare_loop(data, settings))
        print(f"round {i + 1}: app {app[-1]:,.0f} tok/s, bare {bare[-1]:,.0f} tok/s", file=sys.stderr)
    result = {"app_tokens_per_s": round(max(app)), "bare_tokens_per_s": round(max(bare)),
              "ratio": round(max(app) / max(bare), 3), "steps": args.steps, "threads": threads,
              "model": f"LSTM {settings.hidden_size}, batch {settings.batch_size} x {settings.seq_len} chars (Quick preset)"}
    result["presets"] = preset_times(load_builtin("python-docs"), args.preset_steps)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
