"""Incremental sampling against naive re-running of the whole prefix, on a 256-unit character LSTM.

Incremental generation reads the prompt once and then feeds one token per step with the carried hidden state
(``rnn_core.language_model.generation.Stepper``); the naive way re-reads the whole text so far for every new token, so its
cost grows with the square of the length. Both draw the same tokens (same seed), which the script checks.

    python benchmarks/generation_speed.py [--length 500] [--hidden 256] [--repeats 3]

The last line on stdout is JSON: both rates (characters per second, best of the repeats, by wall clock and by
CPU time) and their ratios.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from rnn_core.data.corpora import load_builtin  # noqa: E402
from rnn_core.language_model.generation import Stepper, draw, next_token_probs, special_ids  # noqa: E402
from rnn_core.runs.jobs import configure_torch_threads  # noqa: E402
from rnn_core.language_model.model import LanguageModel, ModelConfig  # noqa: E402
from rnn_core.data.text import Tokenizer  # noqa: E402


@torch.no_grad()
def naive(model, tokenizer, prompt_ids, length, temperature, seed):
    """Re-run the model over the whole sequence so far for every new token (what not to do)."""
    rng = np.random.default_rng(seed)
    ids = list(prompt_ids)
    never = special_ids(tokenizer)     # the sampler never draws <pad>, <unk>, <eos>
    for _ in range(length):
        logits, _, _ = model(torch.tensor([ids]))
        probs = next_token_probs(logits[0, -1], temperature, exclude=never)
        ids.append(draw(probs, rng))
    return ids[len(prompt_ids):]


def incremental(model, tokenizer, prompt, length, temperature, seed):
    stepper = Stepper.start(model, tokenizer, prompt, temperature, seed=seed)
    for _ in range(length):
        stepper.next_id()
    return stepper.ids


def timed(fn):
    """Wall-clock and CPU seconds of one call (CPU time is the fairer figure on a shared, busy machine)."""
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - wall, time.process_time() - cpu, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--length", type=int, default=500)
    parser.add_argument("--hidden", type=int, default=256)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many interleaved runs")
    args = parser.parse_args()
    threads = configure_torch_threads()
    torch.manual_seed(0)
    tokenizer = Tokenizer.build(load_builtin("python-docs"), "char")
    model = LanguageModel(ModelConfig(vocab_size=len(tokenizer), cell="lstm", hidden_size=args.hidden,
                                      embedding_dim=32)).eval()
    prompt = "The "
    prompt_ids = tokenizer.encode(prompt)
    best = {"incremental": [float("inf"), float("inf")], "naive": [float("inf"), float("inf")]}
    ids = {}
    runs = {"incremental": lambda: incremental(model, tokenizer, prompt, args.length, 1.0, 0),
            "naive": lambda: naive(model, tokenizer, prompt_ids, args.length, 1.0, 0)}
    for _ in range(args.repeats):   # interleaved, so that both see the same load on a shared machine
        for name, fn in runs.items():
            wall, cpu, ids[name] = timed(fn)
            best[name] = [min(best[name][0], wall), min(best[name][1], cpu)]
    same = ids["incremental"] == ids["naive"]
    (w_inc, c_inc), (w_naive, c_naive) = best["incremental"], best["naive"]
    result = {"length": args.length, "hidden": args.hidden, "threads": threads,
              "incremental_chars_per_second": round(args.length / w_inc, 1),
              "naive_chars_per_second": round(args.length / w_naive, 1),
              "ratio": round(w_naive / w_inc, 1),
              "cpu_time_incremental_chars_per_second": round(args.length / c_inc, 1),
              "cpu_time_naive_chars_per_second": round(args.length / c_naive, 1),
              "cpu_time_ratio": round(c_naive / c_inc, 1), "same_text": same}
    print(f"incremental: {result['incremental_chars_per_second']:,.0f} chars/s   "
          f"naive re-run: {result['naive_chars_per_second']:,.0f} chars/s   ratio {result['ratio']}x   "
          f"same text: {same}", file=sys.stderr)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
