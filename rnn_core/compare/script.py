"""Compare's exported script: the same grid of runs, outside the app, and its command line."""

from __future__ import annotations

from rnn_core.compare.experiments import ExperimentSpec, run_grid
from rnn_core.links.scripts import command_line, export_script


COMPARE_REPORT = "\n".join([
    "for row in result:",
    "    print(f\"{row['cell']:>4} length {row['length']:>4} seed {row['seed']}: accuracy {row['accuracy']:.3f} \"",
    "          f\"after {row['steps']:,} steps ({row['stop_reason']})\", file=sys.stderr)",
    "print(json.dumps(result))",
])


def compare_script(spec) -> str:
    """A script that runs the comparison grid ``spec`` (an ``ExperimentSpec``) describes, and its command line."""
    default = ExperimentSpec(task=spec.task)
    options = {"task": spec.task, "lengths": ",".join(map(str, spec.lengths)), "cells": ",".join(spec.cells),
               "seeds": spec.seeds, "first_seed": spec.first_seed or None, "hidden": spec.hidden,
               "match_params": spec.match_params, "max_steps": spec.max_steps,
               "lr": f"{spec.lr:g}" if spec.lr != default.lr else None, "clip": f"{spec.clip:g}",
               "forget_bias": f"{spec.forget_bias:g}", "rnn_init": spec.rnn_init}
    same_cli = (spec.batch, spec.eval_every, spec.solved_at) == (default.batch, default.eval_every, default.solved_at)
    return export_script(run_grid, spec, title=f"RNN vs LSTM vs GRU on the {spec.task} task (RNN Lab, Compare).",
                         seed=spec.first_seed, command=command_line("compare", options) if same_cli else None,
                         notes="Every run is seeded and evaluated at fixed steps, so it replays step for step.",
                         report=COMPARE_REPORT, file_name=f"compare_{spec.task}.py")
