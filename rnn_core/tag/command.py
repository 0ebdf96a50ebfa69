"""``tag``: train a left-to-right and a bidirectional tagger on sentences whose cue comes later, and test both.

``--cells lstm,gru`` trains a pair per cell; ``--bidirectional both|yes|no`` trains both directions, only the
bidirectional tagger or only the left-to-right one. The JSON line gives, per cell, each model's and the
baseline's accuracy on ambiguous and on plain words of the held-out sentences, overall and by cue distance.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace

from rnn_core.nets.cells import CELL_NAMES
from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.tag.tagger import TaggerSettings, train_taggers
from rnn_core.command import StderrProgress

WHICH = {"both": "both", "yes": "bidirectional", "no": "left-to-right"}
DEFAULTS = TaggerSettings()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cells", default="lstm", help="comma-separated cells, of rnn, lstm, gru (default lstm)")
    parser.add_argument("--distance", type=int, default=DEFAULTS.distance,
                        help="the cue comes 1 to this many words after the ambiguous word (default 3)")
    parser.add_argument("--bidirectional", choices=tuple(WHICH), default="both",
                        help="both (default): a left-to-right and a bidirectional tagger; yes or no: only one")
    parser.add_argument("--hidden", type=int, default=DEFAULTS.hidden_size, help="hidden size per direction")
    parser.add_argument("--embedding", type=int, default=DEFAULTS.embedding_dim)
    parser.add_argument("--sentences", type=int, default=DEFAULTS.n_train, help="training sentences")
    parser.add_argument("--batch", type=int, default=DEFAULTS.batch_size)
    parser.add_argument("--lr", type=float, default=DEFAULTS.lr)
    parser.add_argument("--max-steps", type=int,
                        help=f"step budget (default: the page's, {DEFAULTS.max_steps}; with --seconds alone, "
                             "none: the time decides)")
    parser.add_argument("--seconds", type=float, default=0.0,
                        help="a time limit as well (default 0: none, the step budget decides)")
    parser.add_argument("--seed", type=int, default=0)


def settings_from(args: argparse.Namespace, cell: str) -> TaggerSettings:
    if args.seconds < 0:
        raise RNNLabError(f"--seconds must be 0 (no time limit) or more (got {args.seconds:g}).")
    steps = args.max_steps if args.max_steps is not None else (1_000_000 if args.seconds else DEFAULTS.max_steps)
    return replace(DEFAULTS, cell=cell, distance=args.distance, which=WHICH[args.bidirectional],
                   hidden_size=args.hidden, embedding_dim=args.embedding, n_train=args.sentences,
                   batch_size=args.batch, lr=args.lr, max_steps=steps, seconds=args.seconds or None, seed=args.seed)


def summary(metrics: dict) -> dict:
    """What the command prints for one cell: every model's and the baseline's accuracies, and the run."""
    out = {name: metrics[name] for name in ("left-to-right", "bidirectional", "baseline") if name in metrics}
    out.update({k: metrics[k] for k in ("steps", "planned_steps", "seconds", "stop_reason", "params", "n_ambiguous",
                                        "n_plain", "vocab_size")})
    return out


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=os.cpu_count() or 1)
    cells = [c.strip() for c in args.cells.split(",") if c.strip()]
    unknown = [c for c in cells if c not in CELL_NAMES]
    if not cells or unknown:
        raise RNNLabError(f"--cells takes a comma-separated list of {', '.join(CELL_NAMES)} (got {args.cells!r}).")
    settings = {cell: settings_from(args, cell) for cell in dict.fromkeys(cells)}   # every error before training
    results = {}
    for cell, s in settings.items():
        results[cell] = summary(train_taggers(s, on_progress=StderrProgress()).metrics)
    return {"distance": args.distance, "seed": args.seed, "cells": results}


# --- the page's export ---------------------------------------------------------------------------------
