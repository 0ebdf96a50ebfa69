"""Shareable and exportable runs: a page's settings in the link, and a script that reproduces a run.

A page describes its shareable settings once, as a :class:`Schema` of :class:`Param` (session-state key, name
in the URL, default, allowed values). :meth:`Schema.to_query` writes the settings into query parameters, so
the address bar always holds a link that reopens the page as it is (as TensorFlow Playground does);
:meth:`Schema.from_query` reads a link back, and a malformed or out-of-range value never breaks the page: it
falls back to the default or the nearest allowed value, with a message saying so.

:func:`export_script` writes a standalone Python script that calls an ``rnn_core`` function with the run's
settings and seed, so a run seen in the app can be reproduced (and changed) outside it.
"""

from __future__ import annotations

import ast
import dataclasses
import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping
from urllib.parse import urlencode

from rnn_core.errors import RNNLabError


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
MAX_STRING = 200


@dataclass(frozen=True)
class Param:
    """One shareable setting. The default's type (bool, int, float, str) is the setting's type."""

    key: str                          # session-state / widget key, e.g. "lm.hidden"
    name: str                         # the name in the URL, e.g. "hidden"
    default: Any
    choices: tuple | None = None      # the allowed values; a number outside them snaps to the nearest
    low: float | None = None          # range for numbers without choices
    high: float | None = None
    check: Callable | None = None     # value -> value, raising RNNLabError for a value the page cannot use

    def format(self, value) -> str:
        if isinstance(self.default, (list, tuple)):    # a multiselect: its choices, comma-separated
            return ",".join(map(str, value))
        if isinstance(self.default, bool):
            return "1" if value else "0"
        if isinstance(self.default, float):
            short = f"{float(value):g}"
            return short if float(short) == float(value) else repr(float(value))
        return str(value)

    def parse(self, raw: str) -> tuple[Any, str | None]:
        """The value ``raw`` stands for, and a message when it had to be replaced."""
        raw = str(raw).strip()
        kind = type(self.default)
        if kind in (list, tuple):
            items = [part.strip() for part in raw.split(",") if part.strip()]
            unknown = [i for i in items if self.choices is not None and i not in self.choices]
            if not items or unknown or len(raw) > MAX_STRING:
                return self.default, (f"“{self.name}={raw[:40]}” is not a list of "
                                      f"{', '.join(map(str, self.choices or ()))}; using {self.format(self.default)}.")
            return kind(dict.fromkeys(items)), None
        try:
            if kind is bool:
                if raw.lower() not in _TRUE + _FALSE:
                    raise ValueError
                value = raw.lower() in _TRUE
            elif kind is int:
                number = float(raw)
                if not math.isfinite(number) or number != int(number):
                    raise ValueError
                value = int(number)
            elif kind is float:
                value = float(raw)
                if not math.isfinite(value):
                    raise ValueError
            else:
                if len(raw) > MAX_STRING:
                    raise ValueError
                value = raw
        except (ValueError, OverflowError):
            return self.default, f"“{self.name}={raw[:40]}” is not a valid value; using {self.format(self.default)}."
        if self.choices is not None and value not in self.choices:
            if kind in (int, float):
                nearest = min(self.choices, key=lambda c: abs(float(c) - value))
                return nearest, (f"“{self.name}={raw[:40]}” is not one of the options; using the nearest, "
                                 f"{self.format(nearest)}.")
            return self.default, (f"“{self.name}={raw[:40]}” is not one of "
                                  f"{', '.join(map(str, self.choices[:8]))}; using {self.format(self.default)}.")
        if self.low is not None and value < self.low or self.high is not None and value > self.high:
            clamped = kind(min(max(value, self.low if self.low is not None else value),
                               self.high if self.high is not None else value))
            return clamped, (f"“{self.name}={raw[:40]}” is out of range ({self.format(self.low)} to "
                             f"{self.format(self.high)}); using {self.format(clamped)}.")
        if self.check is not None:
            try:
                value = self.check(value)
            except RNNLabError as exc:
                return self.default, f"“{self.name}={raw[:40]}”: {exc} Using {self.format(self.default)}."
        return value, None


@dataclass(frozen=True)
class Schema:
    """The shareable settings of one page."""

    params: tuple

    def __post_init__(self):
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate URL names in {names}")

    @property
    def names(self) -> set:
        return {p.name for p in self.params}

    def defaults(self) -> dict:
        return {p.key: p.default for p in self.params}

    def from_query(self, query: Mapping) -> tuple[dict, list[str]]:
        """Settings (session-state key -> value) for the parameters present in ``query``, and messages."""
        values, problems = {}, []
        for p in self.params:
            if p.name not in query:
                continue
            raw = query[p.name]
            if isinstance(raw, (list, tuple)):
                raw = raw[-1] if raw else ""
            value, problem = p.parse(raw)
            values[p.key] = value
            if problem:
                problems.append(problem)
        return values, problems

    def to_query(self, values: Mapping) -> dict[str, str]:
        """Query parameters for the settings in ``values`` (session-state key -> value); missing ones skipped."""
        return {p.name: p.format(values[p.key]) for p in self.params if p.key in values}


def settings_link(base_url: str, query: Mapping[str, str]) -> str:
    """The full link to a page with ``query``."""
    return f"{base_url.split('?')[0]}?{urlencode(dict(query))}" if query else base_url


# --- export ------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Code:
    """A Python expression written into a script as it is, with the imports it needs."""

    expression: str
    imports: tuple = ()
    name: str | None = None       # bound to this variable before the call, when given


def _literal(value, imports: set) -> str:
    if isinstance(value, Code):
        imports.update(value.imports)
        return value.expression
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        cls = type(value)
        imports.add(f"from {cls.__module__} import {cls.__name__}")
        fields = ", ".join(f"{f.name}={_literal(getattr(value, f.name), imports)}"
                           for f in dataclasses.fields(value) if f.init)
        return f"{cls.__name__}({fields})"
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, (list, tuple)):
        items = [_literal(v, imports) for v in value]
        return f"[{', '.join(items)}]" if isinstance(value, list) else f"({', '.join(items)}{',' if len(items) == 1 else ''})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(k, imports)}: {_literal(v, imports)}" for k, v in value.items()) + "}"
    text = repr(value)
    if ast.literal_eval(text) != value:
        raise TypeError(f"cannot write {type(value).__name__} into a script")
    return text


def export_script(function: Callable, *args, title: str, seed: int | None = None, command: str | None = None,
                  report: str = "print(result)", notes: str = "", file_name: str = "rnn_lab_run.py",
                  **kwargs) -> str:
    """A standalone script that runs ``function(*args, **kwargs)`` with ``rnn_core`` and reports the result.

    Arguments may be literals, dataclass instances (written as their constructor) or :class:`Code`
    expressions (a text loader, say). ``report`` is the code run afterwards, with the call's value in
    ``result``. ``command`` is the equivalent ``python -m rnn_core ...`` line, when there is one.
    """
    imports = {"import json", "import sys", f"from {function.__module__} import {function.__name__}"}
    setup, call_args = [], []
    for a in args:
        if dataclasses.is_dataclass(a) and not isinstance(a, (type, Code)):
            taken = sum(1 for line in setup if line.startswith("settings"))
            name = "settings" if not taken else f"settings_{taken + 1}"
            cls = type(a)
            imports.add(f"from {cls.__module__} import {cls.__name__}")
            fields = [f"    {f.name}={_literal(getattr(a, f.name), imports)}," for f in dataclasses.fields(a) if f.init]
            setup.append("\n".join([f"{name} = {cls.__name__}(", *fields, ")"]))
            call_args.append(name)
        elif isinstance(a, Code) and a.name:
            setup.append(f"{a.name} = {_literal(a, imports)}")
            call_args.append(a.name)
        else:
            call_args.append(_literal(a, imports))
    call_args += [f"{k}={_literal(v, imports)}" for k, v in kwargs.items()]
    doc = [title, "", "Exported from RNN Lab."]
    if seed is not None:
        doc.append(f"Seed {seed}: the same seed and settings give the same run again.")
    if notes:
        doc += ["", notes]
    doc += ["", "Run it from the RNN Lab folder (the one that holds rnn_core/):", f"    python {file_name}"]
    if command:
        doc += ["", "The same run from the command line:", f"    {command}"]
    stdlib = sorted(i for i in imports if not i.startswith("from rnn_core"))
    ours = sorted(i for i in imports if i.startswith("from rnn_core"))
    body = "\n".join([
        "#!/usr/bin/env python3",
        '"""' + "\n".join(doc).replace('"""', "'''").replace("\\", "\\\\") + '\n"""',
        "",
        *stdlib,
        "",
        "try:",
        "    import rnn_core  # noqa: F401",
        "except ImportError:",
        "    sys.exit(\"This script needs RNN Lab's rnn_core package: run it from the RNN Lab folder, \"",
        "             \"or add that folder to PYTHONPATH.\")",
        "",
        *ours,
        "from rnn_core.runs.jobs import configure_torch_threads",
        "",
        "configure_torch_threads()",
        *setup,
        f"result = {function.__name__}(" + ", ".join(call_args) + ")",
        report,
        "",
    ])
    compile(body, "<export>", "exec")   # a bug here must never reach a learner's download
    json_unused = "json." not in body
    if json_unused:
        body = body.replace("import json\n", "", 1)
    return body


def command_line(command: str, options: Mapping[str, Any]) -> str:
    """``python -m rnn_core COMMAND --opt value ...``; ``True`` makes a flag, ``None`` and ``False`` are left out."""
    parts = ["python -m rnn_core", command]
    for option, value in options.items():
        if value is None or value is False:
            continue
        flag = "--" + option.replace("_", "-")
        if value is True:
            parts.append(flag)
        else:
            text = str(value)
            parts += [flag, text if text and all(c.isalnum() or c in "-_.,/:" for c in text) else repr(text)]
    return " ".join(parts)


# --- the language-model lab's export ---------------------------------------------------------------------

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
    from rnn_core.language_model.training import PRESETS, train_language_model
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


# --- the comparison's and the sentiment page's exports ------------------------------------------------------

COMPARE_REPORT = "\n".join([
    "for row in result:",
    "    print(f\"{row['cell']:>4} length {row['length']:>4} seed {row['seed']}: accuracy {row['accuracy']:.3f} \"",
    "          f\"after {row['steps']:,} steps ({row['stop_reason']})\", file=sys.stderr)",
    "print(json.dumps(result))",
])


def compare_script(spec) -> str:
    """A script that runs the comparison grid ``spec`` (an ``ExperimentSpec``) describes, and its command line."""
    from rnn_core.compare.experiments import ExperimentSpec, run_grid
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


SENTIMENT_REPORT = "\n".join([
    "print(result.result.message, file=sys.stderr)",
    "print(json.dumps({k: v for k, v in result.metrics.items() if isinstance(v, (int, float, str, list)) "
    "and k != 'misclassified'}))",
])


def sentiment_script(settings, data: Mapping[str, Any]) -> str:
    """A script that trains the sentiment classifier ``settings`` (``ClassifierSettings``) on the same data.

    ``data`` says where the sentences come from: ``{"kind": "synthetic", "n_sentences", "max_distractor",
    "contrast"}``, ``{"kind": "uci", "sources": [...]}`` or ``{"kind": "csv", "name", "text_column",
    "label_column"}``.
    """
    from rnn_core.sentiment.classifier import recommended_settings, train_classifier
    from rnn_core.sentiment.data import ReviewSettings
    kind = data["kind"]
    held_out, note = None, ""
    if kind == "synthetic":
        reviews = ReviewSettings(n_sentences=int(data["n_sentences"]), max_distractor=int(data["max_distractor"]),
                                 contrast=bool(data["contrast"]))
        imports = ("from rnn_core.sentiment.data import ReviewSettings, generate_reviews, negation_split",)
        review_code = _literal(reviews, set())
        sentences = Code(f"generate_reviews({review_code})", imports, "data")
        held_out = Code(f"negation_split({review_code}, exclude=set(data.texts))", imports)
        cli = {"data": "synthetic", "sentences": reviews.n_sentences, "distractor": reviews.max_distractor}
        cli_ok = reviews == ReviewSettings(n_sentences=reviews.n_sentences, max_distractor=reviews.max_distractor,
                                           seed=settings.seed)
    elif kind == "uci":
        sources = tuple(data["sources"])
        sentences = Code(f"load_uci({sources!r}, folder=download_uci())",
                         ("from rnn_core.sentiment.data import download_uci, load_uci",), "data")
        note = "The UCI sentences are downloaded once (or read from the cache of an earlier download)."
        cli, cli_ok = {"data": "uci", "sources": ",".join(sources)}, True
    else:
        name = str(data["name"])
        sentences = Code(f"sentences_from_frame(read_csv_table(open({name!r}, 'rb').read(), {name!r})[0], "
                         f"{data['text_column']!r}, {data['label_column']!r}, {name!r})",
                         ("from rnn_core.sentiment.data import read_csv_table, sentences_from_frame",), "data")
        note = f"Put the CSV file {name} next to this script."
        cli = {"data": name, "text_column": data["text_column"], "label_column": data["label_column"]}
        cli_ok = True
    reference = recommended_settings("synthetic" if kind == "synthetic" else "reviews")
    hidden_options = ("dropout", "word_dropout", "embedding_init", "clip", "weight_decay", "test_fraction",
                      "val_fraction", "max_vocab", "min_count")
    if cli_ok and all(getattr(settings, k) == getattr(reference, k) for k in hidden_options):
        cli.update({"cell": settings.cell, "bidirectional": settings.bidirectional, "pooling": settings.pooling,
                    "layers": settings.num_layers, "hidden": settings.hidden_size,
                    "embedding": settings.embedding_dim, "batch": settings.batch_size, "lr": f"{settings.lr:g}",
                    "seconds": f"{settings.seconds:g}" if settings.seconds else 0,
                    "max_steps": settings.max_steps if settings.seconds is None else None, "seed": settings.seed})
        command = command_line("sentiment", cli)
    else:
        command = None
    budget = (f"{settings.max_steps:,} steps from the same seed, as in the app. The weights kept are the best on "
              "the validation sentences, which are checked every few seconds, so the kept model (and its test "
              "accuracy) can differ slightly from the app's." if settings.seconds is None
              else "A time budget: a faster or slower machine trains for more or fewer steps.")
    kwargs = {"held_out": held_out} if held_out is not None else {}
    return export_script(train_classifier, sentences, settings, **kwargs, seed=settings.seed,
                         title=f"Sentiment: {settings.cell.upper()} {settings.hidden_size} on {kind} sentences "
                               f"(RNN Lab), seed {settings.seed}.",
                         command=command, notes=" ".join(filter(None, [note, budget])), report=SENTIMENT_REPORT,
                         file_name=f"sentiment_{settings.cell}_seed{settings.seed}.py")
