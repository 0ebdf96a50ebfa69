"""Translate's exported scripts: the date translator's training and the length grid, outside the app."""

from __future__ import annotations

from dataclasses import replace

from rnn_core.links.scripts import command_line, export_script
from rnn_core.translate.model import DATE_DEFAULTS, MODELS, REVERSE_DEFAULTS, run_length_grid, train_translator


def dates_script(settings) -> str:
    """A script that trains the date translator ``settings`` (``TranslateSettings``) describe."""
    same = replace(DATE_DEFAULTS, attention=settings.attention, cell=settings.cell, hidden=settings.hidden,
                   max_steps=settings.max_steps, seed=settings.seed, seconds=settings.seconds) == settings
    command = command_line("translate", {"task": "dates", "attention": "on" if settings.attention else "off",
                                         "cell": settings.cell, "hidden": settings.hidden,
                                         "max_steps": settings.max_steps, "seed": settings.seed,
                                         "seconds": 0}) if same else None
    report = "\n".join(["print(result.metrics['message'], file=sys.stderr)",
                        "print(json.dumps({k: v for k, v in result.metrics.items() if k != 'message'}))"])
    return export_script(train_translator, settings, seed=settings.seed, command=command, report=report,
                         title=f"Translate dates to ISO with an encoder-decoder {settings.label} (RNN Lab), "
                               f"seed {settings.seed}.",
                         notes="A step budget: the same seed gives the same model again.",
                         file_name=f"translate_dates_seed{settings.seed}.py")


def length_script(spec) -> str:
    """A script that runs the bottleneck grid ``spec`` (a ``LengthSpec``) describes."""
    models = "both" if set(spec.models) == set(MODELS) else ("on" if spec.models == ("attention",) else "off")
    same = replace(REVERSE_DEFAULTS, cell=spec.base.cell, hidden=spec.base.hidden) == spec.base
    command = command_line("translate", {"task": "reverse", "attention": models,
                                         "lengths": ",".join(map(str, spec.lengths)), "seeds": spec.seeds,
                                         "seed": spec.first_seed, "cell": spec.base.cell, "hidden": spec.base.hidden,
                                         "seconds": 0}) if same else None
    report = "\n".join(["for row in result:",
                        "    print(f\"{row['model']:>9} length {row['length']:>3} seed {row['seed']}: exact match \"",
                        "          f\"{row['exact_match']:.3f} after {row['steps']:,} steps\", file=sys.stderr)",
                        "print(json.dumps(result))"])
    return export_script(run_length_grid, spec, seed=spec.first_seed, command=command, report=report,
                         title="Reversing letters with and without attention, at growing lengths (RNN Lab, Translate).",
                         notes="Every run is seeded and evaluated at fixed steps, so it replays step for step.",
                         file_name="translate_lengths.py")
