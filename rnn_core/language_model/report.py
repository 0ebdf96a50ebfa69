"""How the language-model page describes a model and a session's runs: the text's shape as training will see it,
why the three cells differ in size, how a run ended and which model it kept, and the table and groups of runs
that can be compared."""

from __future__ import annotations

import math
from dataclasses import replace

from rnn_core.data.text import SPECIALS, Tokenizer, split_tokens
from rnn_core.language_model.model import ModelConfig
from rnn_core.language_model.training import WEIGHT_SET_NAMES, WEIGHT_SETS, LMSettings, parameter_breakdown
from rnn_core.nets.cells import CELL_NAMES

TIME_LIMIT_NOTE = (" This machine was slower than the preset expects (busy?), so the run ended by the clock, not by "
                   "its steps: another machine would stop elsewhere. Raise the time limit to train the full budget.")


def text_shape(text: str, level: str, max_vocab: int | None) -> tuple[int, int]:
    """(vocabulary size, training tokens) of ``text`` at ``level``, as the training will see it."""
    if level == "word" and max_vocab is None:
        max_vocab = 10_000
    vocab = len(Tokenizer.build(text, level, max_vocab))
    n = len(text) if level == "char" else len(split_tokens(text, level))
    return vocab, int(n * 0.9)


def cell_sizes(config: ModelConfig) -> str:
    """Why the cells differ in size at ``config``'s hidden size: one set of weights per gate."""
    recurrent = {c: sum(p["count"] for p in parameter_breakdown(replace(config, cell=c))[1:-1]) for c in CELL_NAMES}
    return ("Why the cells differ in size: each recurrent layer holds one set of weights (W_x, W_h and biases) per "
            "gate. " + "; ".join(f"{c.upper()}: {WEIGHT_SETS[c]} ({WEIGHT_SET_NAMES[c]}), {recurrent[c]:,} weights"
                                 for c in CELL_NAMES) +
            f". So at {config.hidden_size} units the LSTM's cell is {WEIGHT_SETS['lstm']}× the RNN's and the GRU's "
            f"{WEIGHT_SETS['gru']}×: more weights per step, more time per step.")


def vocabulary_note(vocab: int, level: str) -> str:
    """What the vocabulary size counts: the text's symbols (or commonest words) and the special tokens."""
    n = len(SPECIALS)
    what = "distinct symbols of the text" if level == "char" else "commonest words and marks of the text"
    return (f"{vocab:,} tokens: the {vocab - n:,} {what} and {n} special ones (padding, “unknown”, end of "
            "text) that every vocabulary holds.")


def training_note(metrics: dict, history: list | None = None) -> str:
    """How long a run took, which of its models was kept (and what each evaluation measured, when the kept model
    is not the last), and what a uniform guess scores."""
    m = metrics
    best_step, steps_done = m.get("best_step", m.get("steps", 0)), m.get("steps", 0)
    val_tokens = m.get("val_tokens", 0)
    read = m.get("eval_tokens", min(LMSettings.eval_tokens, max(0, val_tokens - 1)))
    per = "characters" if m.get("level") == "char" else "tokens"
    vals = {r["step"]: r["val_loss"] for r in history or () if isinstance(r.get("val_loss"), (int, float))}
    if best_step == steps_done:
        kept = "the model of the last step is kept"
    else:
        kept = (f"the model kept is from step {best_step:,} (★), where the validation dots were lowest"
                + (f": {vals[best_step]:.3f}, against {m.get('last_val_loss', math.nan):.3f} at the last step"
                   if best_step in vals else ""))
        if val_tokens and read < val_tokens - 1:
            kept += (f". Those dots read {read:,} of the {val_tokens:,} validation {per}, to keep training quick; "
                     f"the validation loss above reads all of them: {m.get('val_loss', math.nan):.3f} for the kept "
                     "model")
    uniform = m.get("uniform_loss", math.log(m.get("vocab_size", 2)))
    vocab = m.get("vocab_size", 2)
    where = {"cpu": " on the CPU", "cuda": " on the GPU"}.get(m.get("device"), "")
    return (f"{steps_done:,} steps in {m.get('seconds', 0):.1f} s{where} ({m.get('tokens_per_second', 0):,.0f} "
            f"tokens/s); {kept}. A uniform guess scores ln {vocab:,} = {uniform:.2f} (the vocabulary: "
            f"{vocabulary_note(vocab, m.get('level', 'char'))[:-1]}).")


def closing_line(metrics: dict, history: list, message: str, reason: str) -> tuple[str, str]:
    """The line under Train when a run has ended, and its look ("success" or "warning").

    Written for a learner (no "val loss"); a run that stopped early because its loss on the held-out text was
    rising, and whose kept model is worse there than the untrained one, says so plainly, as a warning.
    """
    steps, best_step = metrics.get("steps", 0), metrics.get("best_step", metrics.get("steps", 0))
    if reason == "early":
        message = (f"Stopped early at step {steps:,}: the loss on the held-out text (the validation loss) had "
                   f"stopped improving. The model kept is from step {best_step:,}, its lowest.")
    untrained = next((r["val_loss"] for r in history if r.get("step") == 0 and "val_loss" in r), None)
    final = metrics.get("val_loss")
    if isinstance(untrained, (int, float)) and isinstance(final, (int, float)) and final > untrained:
        return (f"{message} It is worse than the untrained model: on text it has not seen it scores "
                f"{final:.2f}, against {untrained:.2f} before training (and ln {metrics.get('vocab_size', 2):,} = "
                f"{metrics.get('uniform_loss', math.nan):.2f} for a uniform guess; lower is better). It learned its "
                "training text by heart, and that does not carry over: give it a longer text.", "warning")
    return message, "warning" if reason in ("stopped", "diverged", "time") else "success"


def comparable_groups(entries: list) -> dict[str, list]:
    """The session's models by text and level (only losses on the same text and level compare), in training order."""
    groups: dict[str, list] = {}
    for e in entries:
        groups.setdefault(f"{e.source} ({'characters' if e.settings['level'] == 'char' else 'words'})", []).append(e)
    return groups


def runs_table(entries: list) -> list[dict]:
    """One row per trained model (:class:`~rnn_core.runs.registry.TrainedModel`): its settings and results."""
    return [{
        "model": e.name, "text": e.source, "level": e.settings["level"], "cell": e.settings["cell"].upper(),
        "hidden": e.settings["hidden_size"], "layers": e.settings["num_layers"],
        "encoding": e.settings.get("encoding", "embedding"), "learning rate": e.settings.get("lr"),
        "seed": e.settings.get("seed"), "steps": e.metrics.get("steps"), "best step": e.metrics.get("best_step"),
        "validation loss": round(e.metrics.get("val_loss", math.nan), 3),
        "seconds": round(e.metrics.get("seconds", 0), 1), "parameters": e.metrics.get("params"),
    } for e in entries]
