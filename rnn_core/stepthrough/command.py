"""``step-through``: every number of a tiny network's forward and backward pass over a short word."""

from __future__ import annotations

import argparse
import os
import sys

from rnn_core.nets.cells import CELL_NAMES
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.stepthrough.recording import MAX_HIDDEN, MIN_HIDDEN, TRAIN_STEPS, step_through


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--word", default="hello", help="a short word of letters a-z (2 to 10 letters)")
    parser.add_argument("--cell", choices=CELL_NAMES, default="rnn")
    parser.add_argument("--hidden", type=int, default=3, help=f"hidden size ({MIN_HIDDEN} to {MAX_HIDDEN})")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-steps", type=int, default=0,
                        help=f"train on the word first (0 to {max(TRAIN_STEPS)} steps; 0 keeps random weights)")


def _round(values, digits: int = 6):
    return [round(float(v), digits) for v in values]


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=os.cpu_count() or 1)
    walk = step_through(args.word, args.cell, args.hidden, args.seed, args.train_steps)
    for f in walk.forward:
        print(f"t={f.t}  x={f.char!r} -> predicts {f.prediction!r} (target {f.target!r})  "
              f"p(target)={f.probs[walk.vocab.index(f.target)]:.3f}  loss={f.loss:.3f}", file=sys.stderr)
    steps = []
    for f, b in zip(walk.forward, walk.backward):
        steps.append({"t": f.t, "input": f.char, "target": f.target, "h": _round(f.h),
                      "gates": {k: _round(v) for k, v in f.gates.items()}, "probs": _round(f.probs),
                      "loss": round(f.loss, 6), "prediction": f.prediction, "grad_h_norm": round(float(
                          (b.dh ** 2).sum() ** 0.5), 6), "last_loss_grad_h_norm": round(b.last_loss_dh_norm, 6)})
        if b.dc is not None:   # the LSTM's cell state: its gradient, and the last loss's along it
            steps[-1].update({"c": _round(f.c), "grad_c_norm": round(float((b.dc ** 2).sum() ** 0.5), 6),
                              "last_loss_grad_c_norm": round(b.last_loss_dc_norm, 6)})
    return {"word": walk.word, "cell": walk.cell, "hidden": walk.hidden_size, "seed": walk.seed,
            "train_steps": walk.train_steps, "vocab": walk.vocab, "loss": walk.loss, "steps": steps,
            "grad_norms": {k: float((v ** 2).sum() ** 0.5) for k, v in walk.grads.items()},
            "autograd_difference": walk.autograd_difference()}
