"""Caption a picture's exported script: the same three captioners, trained on the same pictures, outside the app."""

from __future__ import annotations

from rnn_core.caption.command import DEFAULTS
from rnn_core.caption.model import CaptionSettings, train_captioners
from rnn_core.links.scripts import Code, command_line, export_script

CAPTION_REPORT = "\n".join([
    "print(result.result.message, file=sys.stderr)",
    "for name in ('attention', 'plain', 'blind'):",
    "    m = result.metrics[name]",
    "    print(f\"{name:>9}: exact captions {m['exact_match']:.3f}, words {m['word_accuracy']:.3f}\", file=sys.stderr)",
    "print(json.dumps({k: result.metrics[k] for k in ('attention', 'plain', 'blind', 'grammar_level', 'steps', 'seed')}))",
])


def caption_script(settings: CaptionSettings) -> str:
    """A standalone script that trains the three captioners ``settings`` describe."""
    hidden = ("embedding", "n_test", "n_val", "eval_every")
    command = None
    if all(getattr(settings, k) == getattr(DEFAULTS, k) for k in hidden):
        command = command_line("caption", {
            "cell": settings.cell, "hidden": settings.hidden, "features": settings.features,
            "pictures": settings.n_train, "batch": settings.batch, "lr": f"{settings.lr:g}",
            "max_steps": settings.max_steps, "seconds": f"{settings.seconds:g}" if settings.seconds else None,
            "seeds": settings.seed})
    progress = Code("StderrProgress()", ("from rnn_core.command import StderrProgress",))
    return export_script(train_captioners, settings, on_progress=progress, seed=settings.seed,
                         title=f"Caption a picture: {settings.cell.upper()} {settings.hidden} decoders with and "
                               f"without attention, and a picture-blind one (RNN Lab), seed {settings.seed}.",
                         command=command, report=CAPTION_REPORT,
                         notes=f"{settings.max_steps:,} steps from the same seed, as in the app: the same pictures, "
                               "the same models, the same captions.",
                         file_name=f"caption_{settings.cell}_seed{settings.seed}.py")
