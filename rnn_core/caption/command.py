"""``caption``: train a captioner with attention, one without and a picture-blind one on generated pictures,
and test them on held-out pictures whose combinations never appear in training.

``--seeds 0,1,2`` trains a trio per seed; ``--grid FILE.csv`` writes one row per (seed, model), the shipped
results' format (rnn_core/caption/results/caption_seeds.csv). The JSON line gives, per seed, each model's exact
caption match, per-word accuracy and accuracy by kind of word, and the best a picture-blind captioner could do.
"""

from __future__ import annotations

import argparse
from dataclasses import replace
from pathlib import Path

from rnn_core.caption.model import MODELS, CaptionSettings, train_captioners
from rnn_core.command import StderrProgress, write_csv
from rnn_core.errors import RNNLabError
from rnn_core.nets.cells import CELL_NAMES
from rnn_core.runs.jobs import configure_torch_threads

DEFAULTS = CaptionSettings()


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cell", choices=CELL_NAMES, default=DEFAULTS.cell, help=f"the decoder's cell (default {DEFAULTS.cell})")
    parser.add_argument("--hidden", type=int, default=DEFAULTS.hidden, help="the decoder's hidden size")
    parser.add_argument("--features", type=int, default=DEFAULTS.features, help="features per patch")
    parser.add_argument("--pictures", type=int, default=DEFAULTS.n_train, help="training pictures")
    parser.add_argument("--batch", type=int, default=DEFAULTS.batch)
    parser.add_argument("--lr", type=float, default=DEFAULTS.lr)
    parser.add_argument("--max-steps", type=int, default=DEFAULTS.max_steps, help=f"step budget (default {DEFAULTS.max_steps})")
    parser.add_argument("--seconds", type=float, default=0.0, help="a time limit as well (default 0: none)")
    parser.add_argument("--seeds", default="0", help="comma-separated seeds (default 0)")
    parser.add_argument("--grid", type=Path, help="write one CSV row per (seed, model) here")


def settings_from(args: argparse.Namespace, seed: int) -> CaptionSettings:
    if args.seconds < 0:
        raise RNNLabError(f"--seconds must be 0 (no time limit) or more (got {args.seconds:g}).")
    return replace(DEFAULTS, cell=args.cell, hidden=args.hidden, features=args.features, n_train=args.pictures,
                   batch=args.batch, lr=args.lr, max_steps=args.max_steps, seconds=args.seconds or None, seed=seed)


def parse_seeds(text: str) -> list[int]:
    try:
        seeds = [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise RNNLabError(f"--seeds takes comma-separated whole numbers (got {text!r}).") from None
    if not seeds:
        raise RNNLabError("--seeds needs at least one seed.")
    return list(dict.fromkeys(seeds))


def rows_of(metrics: dict, settings: CaptionSettings) -> list[dict]:
    """The shipped table's rows for one trio: one per model."""
    return [{"seed": settings.seed, "model": m, "cell": settings.cell, "steps": metrics["steps"],
             "exact_match": round(metrics[m]["exact_match"], 4), "word_accuracy": round(metrics[m]["word_accuracy"], 4),
             **{f"{k.replace(' ', '_')}_accuracy": round(v, 4) for k, v in metrics[m]["by_kind"].items()},
             "seen_exact": round(metrics[m]["seen_exact"], 4),
             "one_shape_exact": round(metrics[m]["by_count"]["one shape"], 4),
             "two_shapes_exact": round(metrics[m]["by_count"]["two shapes"], 4),
             "on_named_shape": round(metrics[m].get("on_named_shape", float("nan")), 4),
             "seconds": round(metrics["seconds"], 1)} for m in MODELS if m in metrics]


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=1)
    settings = [settings_from(args, seed) for seed in parse_seeds(args.seeds)]   # every error before training
    results, rows = {}, []
    for s in settings:
        m = train_captioners(s, on_progress=StderrProgress()).metrics
        results[str(s.seed)] = {**{k: {"exact_match": round(m[k]["exact_match"], 4),
                                        "seen_exact": round(m[k]["seen_exact"], 4),
                                        "word_accuracy": round(m[k]["word_accuracy"], 4),
                                        "by_kind": {a: round(b, 4) for a, b in m[k]["by_kind"].items()},
                                        **({"on_named_shape": round(m[k]["on_named_shape"], 4)}
                                           if "on_named_shape" in m[k] else {})}
                                    for k in MODELS},
                                "steps": m["steps"], "seconds": round(m["seconds"], 2), "stop_reason": m["stop_reason"]}
        rows += rows_of(m, s)
        grammar = m["grammar_level"]
    if args.grid is not None:
        import pandas as pd
        write_csv(pd.DataFrame(rows), args.grid)
    return {"cell": args.cell, "seeds": results,
            "picture_blind_best": {k: round(v, 4) for k, v in grammar.items()}}
