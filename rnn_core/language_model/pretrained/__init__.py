"""Ready-made language models that ship with the app, so a visitor can generate text at once.

Each file was written by ``python -m rnn_core train-lm ... --save`` on a built-in corpus; ``build.sh`` next to
this module holds the exact commands that regenerate them (fixed seeds and step budgets). Their provenance
(text, cell, size, validation loss) is read from the checkpoints themselves, which are loaded with
``weights_only=True`` like any other checkpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from rnn_core.language_model.checkpoint import load_checkpoint
from rnn_core.language_model.interpret import connectivity
from rnn_core.errors import RNNLabError

HERE = Path(__file__).resolve().parent
BUILD_SCRIPT = HERE / "build.sh"
MAX_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class ReadyMade:
    key: str
    file: str
    title: str
    note: str
    prompt: str | None = None     # the prompt Generate text opens with (None: the level's default)

    @property
    def path(self) -> Path:
        return HERE / self.file


READY_MADE = {
    "char-lstm": ReadyMade("char-lstm", "char-lstm-python-docs.pt", "Characters · LSTM 128 · Python documentation",
                           "Writes documentation-like English one character at a time."),
    "char-gru": ReadyMade("char-gru", "char-gru-python-docs.pt", "Characters · GRU 128 · Python documentation",
                          "The same text and size as the LSTM, with a GRU cell."),
    "char-rnn": ReadyMade("char-rnn", "char-rnn-python-docs.pt", "Characters · vanilla RNN 128 · Python documentation",
                          "The same text and size, with a plain tanh RNN: compare how far back it looks."),
    "word-lstm": ReadyMade("word-lstm", "word-lstm-python-docs.pt", "Words · LSTM 128 · Python documentation",
                           "Predicts the next word among the 2,000 commonest (the rest read as <unk>)."),
    "war-and-peace-words": ReadyMade(
        "war-and-peace-words", "word-lstm-war-and-peace.pt", "Words · LSTM 192 · War and Peace",
        "Tolstoy's novel, word by word: the 3,000 commonest words (the rest read as <unk>), weights stored in "
        "16-bit floats. The classic first example: “Napoleon was the Emperor of …”.",
        prompt="Napoleon was the Emperor of"),
}


def available() -> list[ReadyMade]:
    """The ready-made models whose files are present."""
    return [r for r in READY_MADE.values() if r.path.is_file()]


@lru_cache(maxsize=None)
def load_ready_made(key: str):
    """``(model, tokenizer, info)`` of a ready-made model, loaded once per process.

    Shared by every visitor: callers only read it (sample, replay, take gradients w.r.t. inputs) and never
    train it.
    """
    if key not in READY_MADE:
        raise RNNLabError(f"Unknown ready-made model {key!r}; choose one of {', '.join(READY_MADE)}.")
    entry = READY_MADE[key]
    if not entry.path.is_file():
        raise RNNLabError(f"The ready-made model file {entry.file} is missing; run rnn_core/language_model/pretrained/build.sh "
                          "to make it.")
    model, tokenizer, info = load_checkpoint(entry.path)
    model.requires_grad_(False)
    return model, tokenizer, info


def provenance(key: str) -> dict:
    """What a ready-made model is: text, level, cell, size, training, validation loss, file size."""
    entry = READY_MADE[key]
    model, tokenizer, info = load_ready_made(key)
    settings, metrics = info["settings"], info["metrics"]
    level = settings.get("level", tokenizer.level)
    per = "char" if level == "char" else "word"
    return {"name": entry.title, "text": info["source"], "level": level, "cell": settings.get("cell"),
            "hidden size": model.config.hidden_size, "layers": model.config.num_layers,
            "parameters": model.num_parameters(), "vocabulary": len(tokenizer), "steps": metrics.get("steps"),
            "validation loss": metrics.get("val_loss"), f"bits per {per}": metrics.get(f"bits_per_{per}"),
            "seed": settings.get("seed"), "file": entry.file, "file size (KB)": round(entry.path.stat().st_size / 1024),
            "rebuild": f"bash rnn_core/language_model/pretrained/build.sh (the line that saves {entry.file})"}


def model_facts(name: str, model, tokenizer, settings: dict, metrics: dict, source: str) -> dict:
    """What a model of the session is, in the same terms as :func:`provenance` for a ready-made one."""
    per = "char" if tokenizer.level == "char" else "word"
    return {"name": name, "text": source, "level": tokenizer.level, "cell": settings.get("cell"),
            "hidden size": model.config.hidden_size, "layers": model.config.num_layers,
            "parameters": model.num_parameters(), "vocabulary": len(tokenizer), "steps": metrics.get("steps"),
            "validation loss": metrics.get("val_loss"), f"bits per {per}": metrics.get(f"bits_per_{per}")}


CHAR_TRIO = ("char-rnn", "char-lstm", "char-gru")


def ready_made_reach(text: str) -> dict[str, tuple]:
    """How far back the ready-made character RNN, LSTM and GRU look on ``text``: cell name -> (influence by
    distance, reach, whether the reach is capped by the text's length). Only the models present are measured."""
    out = {}
    for key in CHAR_TRIO:
        if READY_MADE[key].path.is_file():
            model, tokenizer, _ = load_ready_made(key)
            c = connectivity(model, tokenizer, text)
            out[key.split("-")[1].upper()] = (c.by_distance(), c.reach(), c.reach_capped())
    return out


def resolve_model_path(spec: str) -> Path:
    """A checkpoint path from a file path or a ready-made key (for the command line)."""
    if spec in READY_MADE:
        return READY_MADE[spec].path
    return Path(spec)
