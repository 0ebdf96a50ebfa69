"""The language model's exported script: the same training, on the same text, outside the app."""

from __future__ import annotations

from rnn_core.language_model.training import PRESETS, train_language_model
from rnn_core.links.scripts import Code, command_line, export_script


MAX_INLINE_TEXT = 100_000
LM_REPORT = "\n".join([
    "print(result.result.message, file=sys.stderr)",
    "print(result.metrics.get('sample', ''), file=sys.stderr)",
    "print(json.dumps({k: v for k, v in result.metrics.items() if isinstance(v, (int, float, str)) and k != 'sample'}))",
])


def lm_text(kind: str, value: str) -> tuple[Code, str | None, str]:
    """How a script gets the text: ``kind`` is builtin, public, paste or file (``value`` the key, text or name).

    Returns the expression, the ``--text`` argument of the command line (None when there is none) and a note.
    """
    if kind == "builtin":
        return Code(f"load_builtin({value!r})", ("from rnn_core.data.corpora import load_builtin",), "text"), value, ""
    if kind == "public":
        return (Code(f"load_public_text({value!r})", ("from rnn_core.data.corpora import load_public_text",), "text"), value,
                "The text is downloaded once (or read from the cache of an earlier download).")
    if kind == "paste" and len(value) <= MAX_INLINE_TEXT:
        return Code(repr(value), (), "text"), None, "The pasted text is written into the script below."
    name = value if kind == "file" else "my_text.txt"
    return (Code(f"open({name!r}, encoding='utf-8', errors='replace').read()", (), "text"), name,
            f"Put the text in a file called {name} next to this script.")


def language_model_script(settings, kind: str, value: str, title: str = "") -> str:
    """A script that trains the language model ``settings`` (an ``LMSettings``) describe, on the same text."""
    text, cli_text, note = lm_text(kind, value)
    quick = PRESETS["quick"]
    command = None
    if cli_text is not None and (settings.clip, settings.embedding_dim, settings.max_vocab) == (
            quick.clip, quick.embedding_dim, quick.max_vocab) and settings.activation == quick.activation:
        command = command_line("train-lm", {
            "text": cli_text, "level": settings.level, "cell": settings.cell, "encoding": settings.encoding,
            "hidden": settings.hidden_size, "layers": settings.num_layers, "seq_len": settings.seq_len,
            "batch": settings.batch_size, "lr": f"{settings.lr:g}", "max_steps": settings.max_steps,
            "seconds": f"{settings.seconds:g}" if settings.seconds else 0, "seed": settings.seed})
    notes = " ".join(filter(None, [note, "The time limit only stops a run early on a slow machine; the steps "
                                         "and the seed decide the model."]))
    progress = Code("StderrProgress()", ("from rnn_core.command import StderrProgress",))
    return export_script(train_language_model, text, settings, on_progress=progress, seed=settings.seed,
                         file_name=f"train_{settings.cell}_seed{settings.seed}.py",
                         title=f"Train a language model{': ' + title if title else ''} "
                               f"({settings.cell.upper()} {settings.hidden_size}, seed {settings.seed}).",
                         command=command, notes=notes, report=LM_REPORT)
