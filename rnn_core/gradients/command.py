"""``gradients``: measure ‖∂L/∂h_t‖ through time for one cell, optionally after training on the adding problem.

The JSON holds ``grad_norms`` (index t = ‖∂L/∂h_t‖, the loss at the last step), ``ratio``
(‖∂L/∂h_0‖ / ‖∂L/∂h_{T-1}‖), ``spectral_radius``, and for the RNN ``max_singular_value``, ``bound``
((γ·σ_max)^(T−1−t)), ``jacobian_norms`` (‖∂h_{T-1}/∂h_t‖), ``mean_slope`` (the mean act'(a_t) the gradient met:
well below 1 means saturated units) and ``per_step_factor``; for the LSTM ``cell_state_ratio``
(‖∂L/∂c_0‖ / ‖∂L/∂c_{T-1}‖), ``forget_path`` (∏ f, what the cell-state path alone carries) and
``step_jacobian_radius`` (the whole step Jacobian's spectral radius at a few steps: the real gain per step).
"""

from __future__ import annotations

import argparse
import os
import sys

from rnn_core.nets.cells import ACTIVATIONS, CELL_NAMES
from rnn_core.data.corpora import BUILT_IN
from rnn_core.gradients.training import WatchSettings, train_and_watch, trained_report
from rnn_core.gradients.measure import INITS, INPUT_KINDS, GradientSettings, measure
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.command import StderrProgress


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--cell", choices=CELL_NAMES, default="rnn")
    parser.add_argument("--length", type=int, default=100, help="sequence length T")
    parser.add_argument("--activation", choices=tuple(ACTIVATIONS), default="tanh", help="the RNN's activation")
    parser.add_argument("--init", choices=INITS, default="orthogonal", help="initialisation of the RNN's W_hh")
    parser.add_argument("--gain", type=float, default=1.0, help="scale of the initialisation")
    parser.add_argument("--radius", type=float, help="rescale W_hh to this spectral radius")
    parser.add_argument("--gated-init", action="store_true",
                        help="apply --init/--gain/--radius to every gate block of the LSTM and GRU too")
    parser.add_argument("--forget-bias", type=float, default=1.0, help="the LSTM's forget-gate bias")
    parser.add_argument("--update-bias", type=float, help="the GRU's update-gate bias (default: PyTorch's, about 0)")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--inputs", choices=INPUT_KINDS, default="random",
                        help="random numbers, adding-problem sequences, or a text (one-hot characters)")
    parser.add_argument("--text", choices=tuple(BUILT_IN), default="python-docs", help="the text for --inputs text")
    parser.add_argument("--batch", type=int, default=8, help="sequences in the probe batch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--train-steps", type=int, default=0,
                        help="first train on the adding problem of this length for this many steps")
    parser.add_argument("--lr", type=float, default=1e-2, help="learning rate for --train-steps (the page's default)")
    parser.add_argument("--clip", type=float, default=1.0, help="gradient clipping for --train-steps (0: off)")


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=os.cpu_count() or 1)
    settings = GradientSettings(cells=(args.cell,), length=args.length, hidden_size=args.hidden,
                                activation=args.activation, init=args.init, gain=args.gain, radius=args.radius,
                                forget_bias=args.forget_bias, gated_init=args.gated_init, inputs=args.inputs,
                                text=args.text, batch=args.batch, seed=args.seed, update_bias=args.update_bias)
    if args.train_steps <= 0:
        out = measure(settings).summary(args.cell)
        out.update(trained=False, inputs=settings.inputs, seed=settings.seed)
        return out
    watch = WatchSettings(steps=args.train_steps, lr=args.lr, clip=args.clip or None,
                          probe_every=max(1, args.train_steps // 20))
    print(f"training {args.cell.upper()} on the adding problem, T={args.length}, {args.train_steps} steps",
          file=sys.stderr)
    run_ = train_and_watch(settings, args.cell, watch, on_progress=StderrProgress())
    out = trained_report({args.cell: run_}, settings).summary(args.cell)
    out.update(trained=True, inputs="adding", seed=settings.seed, steps=run_.result.steps,
               stop_reason=run_.result.stop_reason, message=run_.result.message,
               val_mse=run_.result.metrics.get("val_mse"), seconds=round(run_.result.seconds, 1),
               ratio_at_init=run_.snapshots[0].ratio,
               ratio_by_step={s.step: s.ratio for s in run_.snapshots})
    return out
