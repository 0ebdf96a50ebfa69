"""``generate``: sample text from a saved language model (a checkpoint file or a ready-made model)."""

from __future__ import annotations

import argparse
import os
import sys
import time

from rnn_core.language_model.checkpoint import load_checkpoint
from rnn_core.errors import RNNLabError
from rnn_core.language_model.book import chain_rule, perplexity
from rnn_core.language_model.generation import Stepper, check_sampling, next_token_distribution
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.language_model.pretrained import READY_MADE, resolve_model_path


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", required=True,
                        help=f"a checkpoint file (from train-lm --save or the app), or a ready-made model: "
                             f"{', '.join(READY_MADE)}")
    parser.add_argument("--prompt", default="", help="text the model reads first (empty: its start state)")
    parser.add_argument("--length", type=int, default=200, help="tokens to generate")
    parser.add_argument("--temperature", type=float, default=0.8, help="0 is greedy; 1 samples the model as is")
    parser.add_argument("--top-k", type=int, help="draw only among the k likeliest tokens")
    parser.add_argument("--top-p", type=float, help="draw only among the likeliest tokens holding this much mass")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--next", type=int, default=0, metavar="K",
                        help="also list the K likeliest next tokens after the prompt (the Next word view)")
    parser.add_argument("--score", metavar="SENTENCE",
                        help="also give SENTENCE's probability word by word (the chain rule), for a word model")
    parser.add_argument("--draw-special-tokens", action="store_true",
                        help="let the sampler draw <pad>, <unk> and <eos> (by default it never does: no model here "
                             "is trained to predict <pad> or <eos>, and <unk> stands for any rare token)")


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=os.cpu_count() or 1)
    check_sampling(args.temperature, args.top_k, args.top_p, args.length)
    path = resolve_model_path(args.model)
    if not path.is_file():
        raise RNNLabError(f"No checkpoint file at {args.model}.")
    model, tokenizer, info = load_checkpoint(path)
    stepper = Stepper.start(model, tokenizer, args.prompt, args.temperature, args.top_k, args.top_p, args.seed,
                            draw_specials=args.draw_special_tokens)
    if stepper.unknown:
        print(f"note: not in the model's vocabulary, read as <unk>: {' '.join(map(repr, stepper.unknown))}",
              file=sys.stderr)
    start = time.perf_counter()
    for _ in range(args.length):
        stepper.next_id()
    seconds = time.perf_counter() - start
    extra = {}
    if args.next:
        if not 1 <= args.next <= len(tokenizer):
            raise RNNLabError(f"--next must be between 1 and the vocabulary's {len(tokenizer):,}.")
        extra["next"] = [[t, round(p, 6)] for t, p in next_token_distribution(model, tokenizer, args.prompt, args.next)]
    if args.score is not None:
        if tokenizer.level != "word":
            raise RNNLabError("--score reads a sentence word by word: give a word-level model.")
        steps = chain_rule(model, tokenizer, args.score)
        extra["score"] = {"words": [[s.word, s.probability] for s in steps], "probability": steps[-1].running,
                          "perplexity": perplexity(steps)}
    return {**extra, "text": stepper.text, "prompt": args.prompt, "tokens": len(stepper.ids),
            "tokens_per_second": len(stepper.ids) / seconds if seconds > 0 else None, "seconds": seconds,
            "unknown": stepper.unknown, "seed": args.seed, "temperature": args.temperature,
            "top_k": args.top_k, "top_p": args.top_p, "special_tokens_drawn": args.draw_special_tokens,
            "model": str(args.model), "trained_on": info["source"],
            "level": tokenizer.level}
