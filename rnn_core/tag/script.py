"""Tag's exported script: the same pair of taggers, trained on the same sentences, outside the app."""

from __future__ import annotations

from rnn_core.links.scripts import Code, command_line, export_script
from rnn_core.tag.command import DEFAULTS, WHICH
from rnn_core.tag.tagger import TaggerSettings, train_taggers


TAG_REPORT = "\n".join([
    "print(result.result.message, file=sys.stderr)",
    "for name in ('left-to-right', 'bidirectional', 'baseline'):",
    "    if name in result.metrics:",
    "        m = result.metrics[name]",
    "        print(f\"{name:>14}: ambiguous words {m['ambiguous_accuracy']:.3f}, plain words \"",
    "              f\"{m['plain_accuracy']:.3f}\", file=sys.stderr)",
    "print(json.dumps({k: v for k, v in result.metrics.items() if k not in ('readings', 'word_counts')}))",
])


def tagging_script(settings: TaggerSettings) -> str:
    """A standalone script that trains the taggers ``settings`` describe (both directions, one cell)."""
    hidden = ("word_dropout", "n_test", "eval_every")
    same_cli = all(getattr(settings, k) == getattr(DEFAULTS, k) for k in hidden)
    command = None
    if same_cli:
        command = command_line("tag", {
            "cells": settings.cell, "distance": settings.distance,
            "bidirectional": {v: k for k, v in WHICH.items()}[settings.which], "hidden": settings.hidden_size,
            "embedding": settings.embedding_dim, "sentences": settings.n_train, "batch": settings.batch_size,
            "lr": f"{settings.lr:g}", "max_steps": settings.max_steps,
            "seconds": f"{settings.seconds:g}" if settings.seconds else None, "seed": settings.seed})
    progress = Code("StderrProgress()", ("from rnn_core.command import StderrProgress",))
    return export_script(train_taggers, settings, on_progress=progress, seed=settings.seed,
                         title=f"Tag a sentence: a left-to-right and a bidirectional {settings.cell.upper()} "
                               f"{settings.hidden_size}, cue 1 to {settings.distance} words later (RNN Lab), "
                               f"seed {settings.seed}.",
                         command=command, report=TAG_REPORT,
                         notes=f"{settings.max_steps:,} steps from the same seed, as in the app: the same sentences, "
                               "the same models, the same accuracies.",
                         file_name=f"tag_{settings.cell}_seed{settings.seed}.py")
