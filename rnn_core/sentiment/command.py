"""``sentiment``: train a sentiment classifier and its bag-of-words baseline, and test both.

``--data synthetic`` (the built-in reviews, with the held-out negation test), ``uci`` (downloaded once and
cached), or a path: a CSV file (``--text-column``, ``--label-column``; guessed when left out) or a folder in
the UCI layout.
"""

from __future__ import annotations

import argparse
import os
from dataclasses import replace
from pathlib import Path

from rnn_core.sentiment.classifier import CELL_NAMES, POOLINGS, recommended_settings, train_classifier
from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.sentiment.data import (MAX_CSV_BYTES, UCI_FILES, LabelledSentences, ReviewSettings, built_in_reviews,
                              download_uci, load_uci, load_uci_folder, sentences_from_csv)
from rnn_core.command import StderrProgress


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", required=True,
                        help="synthetic (built-in reviews), uci (downloaded once and cached), a CSV file, or a "
                             "folder in the UCI layout")
    parser.add_argument("--text-column", help="CSV: the column holding the sentences (default: guessed)")
    parser.add_argument("--label-column", help="CSV: the column holding the labels (default: guessed)")
    parser.add_argument("--sources", default=",".join(UCI_FILES),
                        help=f"UCI: which sources to pool, comma-separated (default: {','.join(UCI_FILES)})")
    parser.add_argument("--uci-url", help="UCI: where to download the zip from (default: RNN_LAB_UCI_URL or the "
                                          "UCI repository)")
    parser.add_argument("--sentences", type=int, default=4000, help="synthetic: how many reviews")
    parser.add_argument("--distractor", type=int, default=8,
                        help="synthetic: longest clause (words) between a negation and its adjective")
    parser.add_argument("--cell", choices=CELL_NAMES, default="lstm")
    parser.add_argument("--bidirectional", action="store_true")
    parser.add_argument("--pooling", choices=POOLINGS, help="summary of the hidden states (default: per data)")
    parser.add_argument("--layers", type=int)
    parser.add_argument("--hidden", type=int)
    parser.add_argument("--embedding", type=int, help="embedding size")
    parser.add_argument("--batch", type=int)
    parser.add_argument("--lr", type=float)
    parser.add_argument("--seconds", type=float, default=0.0,
                        help="a time limit for the RNN's training as well (default 0: none, the step budget decides)")
    parser.add_argument("--max-steps", type=int,
                        help="step budget (default: the page's, 600 on the built-in reviews, 400 on real reviews)")
    parser.add_argument("--seed", type=int, default=0)


def read_data(args: argparse.Namespace) -> tuple[LabelledSentences, LabelledSentences | None, str]:
    """The sentences, the held-out negation test (synthetic data only), and the kind of data."""
    if args.data == "synthetic":
        # The same reviews for every seed, as on the page: the seed picks the split and the starting weights.
        data, held_out = built_in_reviews(ReviewSettings(n_sentences=args.sentences, max_distractor=args.distractor))
        return data, held_out, "synthetic"
    sources = tuple(s.strip() for s in args.sources.split(",") if s.strip())
    if args.data == "uci":
        download_uci(args.uci_url)
        return load_uci(sources), None, "reviews"
    path = Path(args.data)
    if path.is_dir():
        return load_uci_folder(path, sources), None, "reviews"
    if not path.is_file():
        raise RNNLabError(f"No such file or folder: {args.data} (or use --data synthetic or --data uci).")
    if path.stat().st_size > MAX_CSV_BYTES:
        raise RNNLabError(f"{path.name} is {path.stat().st_size / 1e6:.1f} MB; the limit is "
                          f"{MAX_CSV_BYTES / 1e6:.0f} MB.")
    return sentences_from_csv(path.read_bytes(), path.name, args.text_column, args.label_column), None, "reviews"


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=os.cpu_count() or 1)
    data, held_out, kind = read_data(args)
    if args.seconds < 0:
        raise RNNLabError(f"--seconds must be 0 (no time limit) or more (got {args.seconds:g}).")
    overrides = {"cell": args.cell, "bidirectional": args.bidirectional, "seed": args.seed,
                 "seconds": args.seconds or None}
    for name, value in (("pooling", args.pooling), ("num_layers", args.layers), ("hidden_size", args.hidden),
                        ("embedding_dim", args.embedding), ("batch_size", args.batch), ("lr", args.lr),
                        ("max_steps", args.max_steps)):
        if value is not None:
            overrides[name] = value
    if args.seconds and args.max_steps is None:
        overrides["max_steps"] = 1_000_000     # a time budget alone: train until the time is up
    settings = replace(recommended_settings(kind), **overrides)
    run_ = train_classifier(data, settings, held_out=held_out, on_progress=StderrProgress())
    out = {k: v for k, v in run_.metrics.items() if k != "misclassified"}
    out.update({"data": data.title, "settings": settings.to_dict(), "notes": list(data.notes),
                "message": run_.result.message})
    return out
