"""``train-lm``: train a language model on a text file or a built-in corpus."""

from __future__ import annotations

import argparse
import csv
import os
import sys
from dataclasses import replace
from pathlib import Path

import torch

from rnn_core.nets.cells import CELL_NAMES
from rnn_core.language_model.checkpoint import save_checkpoint
from rnn_core.data.corpora import BUILT_IN, PUBLIC_TEXTS, check_text, decode_bytes, load_builtin, load_public_text
from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.data.text import encode_text
from rnn_core.language_model.training import (GRID_COLUMNS, PRESETS, evaluate_loss, on_the_clock, preset,
                                              preset_grid_row, summarize, train_language_model)
from rnn_core.command import StderrProgress


def _seed_list(text: str) -> list[int]:
    try:
        return [int(s) for s in text.split(",") if s.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of whole numbers") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--text",
                        help=f"a text file, a built-in corpus ({', '.join(BUILT_IN)}) or a public text "
                             f"({', '.join(PUBLIC_TEXTS)}, downloaded once and cached)")
    parser.add_argument("--level", choices=("char", "word"), default="char")
    parser.add_argument("--cell", choices=CELL_NAMES, default="lstm")
    parser.add_argument("--preset", choices=tuple(PRESETS), default="quick")
    parser.add_argument("--seconds", type=float,
                        help="train for this many seconds (the step count then depends on the machine); "
                             "0 removes the time limit")
    parser.add_argument("--max-steps", type=int,
                        help="step budget (default: the preset's, or unlimited with --seconds); a run that ends "
                             "by steps is reproduced exactly by its seed")
    parser.add_argument("--hidden", type=int, help="hidden size (default: the preset's)")
    parser.add_argument("--layers", type=int, help="number of stacked layers")
    parser.add_argument("--seq-len", type=int, help="truncated BPTT length")
    parser.add_argument("--batch", type=int, help="batch size")
    parser.add_argument("--lr", type=float, help="peak learning rate")
    parser.add_argument("--encoding", choices=("embedding", "onehot"))
    parser.add_argument("--max-vocab", type=int, help="largest vocabulary (default: every character; 10,000 words)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--patience", type=int,
                        help="stop after this many evaluations without a new best (0: never stop early; default: "
                             "the preset's)")
    parser.add_argument("--save", type=Path, help="write a checkpoint here")
    parser.add_argument("--half", action="store_true",
                        help="with --save: store the weights in 16-bit floats (half the file; the validation loss "
                             "is measured again on the rounded weights)")
    parser.add_argument("--grid", type=Path,
                        help="instead of one run: the preset for every cell, built-in corpus and seed (--grid-seeds), "
                             "written to this CSV (the page's claim tests read rnn_core/language_model/lm_quick.csv)")
    parser.add_argument("--grid-seeds", type=_seed_list,
                        default=[0, 1, 2, 3, 4], help="with --grid: comma-separated seeds (default 0-4)")
    parser.add_argument("--grid-corpus", action="append", choices=tuple(BUILT_IN),
                        help="with --grid: only this built-in corpus (repeatable; to split the work)")


def read_text(spec: str) -> tuple[str, str]:
    """A text and its title from a path, a built-in corpus key or a public text key."""
    if spec in BUILT_IN:
        return load_builtin(spec), BUILT_IN[spec].title
    if spec in PUBLIC_TEXTS:
        return load_public_text(spec), PUBLIC_TEXTS[spec].title
    path = Path(spec)
    if not path.is_file():
        raise RNNLabError(f"No such text file: {spec}")
    text, _ = decode_bytes(path.read_bytes(), path.name, max_bytes=20 * 1024 * 1024)
    return check_text(text, path.name), path.name


def run_grid(args: argparse.Namespace) -> dict:
    """Every cell on every built-in corpus and seed (0 to 4), at the preset: the shipped results of its claims."""
    torch.set_num_threads(1)   # as the app's trainings and the tests run: the same numbers, step for step
    rows = []
    for corpus in args.grid_corpus or BUILT_IN:
        data = encode_text(load_builtin(corpus), "char")
        for seed in args.grid_seeds:
            for cell in CELL_NAMES:
                rows.append(preset_grid_row(data, corpus, args.preset, cell, seed))
                print(", ".join(f"{k} {rows[-1][k]}" for k in ("corpus", "seed", "cell", "val_loss", "seconds")),
                      file=sys.stderr, flush=True)
    args.grid.parent.mkdir(parents=True, exist_ok=True)
    with open(args.grid, "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=GRID_COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    return {"grid": str(args.grid), "runs": len(rows), "preset": args.preset}


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=os.cpu_count() or 1)
    if args.grid is not None:
        return run_grid(args)
    if not args.text:
        raise RNNLabError("Give --text (a file, a built-in corpus or a public text), or --grid FILE.")
    text, title = read_text(args.text)
    overrides = {"level": args.level, "cell": args.cell, "seed": args.seed}
    for field, value in (("hidden_size", args.hidden), ("num_layers", args.layers), ("seq_len", args.seq_len),
                         ("batch_size", args.batch), ("lr", args.lr), ("encoding", args.encoding),
                         ("max_steps", args.max_steps), ("max_vocab", args.max_vocab)):
        if value is not None:
            overrides[field] = value
    settings = preset(args.preset, **overrides)
    if args.seconds is not None:
        settings = replace(settings, seconds=args.seconds or None)
        if args.seconds and args.max_steps is None:   # "train for S seconds": the clock is the budget
            settings = on_the_clock(settings, args.seconds)
    if args.patience is not None:
        if args.patience < 0:
            raise RNNLabError("--patience must be 0 (never stop early) or more.")
        settings = replace(settings, patience=args.patience or None)
    if settings.seconds is None and args.max_steps is None:
        raise RNNLabError("--seconds 0 removes the time limit; give --max-steps as well.")
    run_ = train_language_model(text, settings, on_progress=StderrProgress())
    if args.half:
        round_to_half(run_, settings, text)
    if args.save:
        save_checkpoint(args.save, run_.model, run_.tokenizer, settings.to_dict(), run_.metrics, title,
                        half=args.half)
    out = {k: v for k, v in run_.metrics.items()}
    out.update({"text": title, "preset": args.preset, "seed": args.seed, "message": run_.result.message})
    return out


def round_to_half(run_, settings, text: str) -> None:
    """Round the model's weights to 16-bit floats, as ``--half`` stores them, and measure the validation loss of
    the weights that ship (a ready-made model's stated loss must be the file's, not the training's)."""
    with torch.no_grad():
        for p in run_.model.parameters():
            p.copy_(p.half().float())
    data = encode_text(text, settings.level, settings.max_vocab, settings.min_count)
    loss = evaluate_loss(run_.model, data.val_ids, settings.seq_len)
    run_.metrics.update(summarize(loss, settings.level), val_loss_float32=run_.metrics.get("val_loss"), half=True)
