"""The command line, mirroring the app's jobs: ``python -m rnn_core COMMAND ...``.

Progress goes to stderr; the last line on stdout is one JSON object with the run's figures, so that
scripts, benchmarks and workshop preparation can read it. A user error exits with status 2 and a message.
"""

from __future__ import annotations

import argparse
import importlib
import json
import math
import sys

from rnn_core.errors import RNNLabError

# command name -> the subject's command module, defining add_arguments(parser) and run(args) -> dict
COMMANDS = {
    "train-lm": ("rnn_core.language_model.command", "train a language model on a text"),
    "generate": ("rnn_core.language_model.generate_command", "generate text from a saved language model"),
    "compare": ("rnn_core.compare.command", "compare RNN, LSTM and GRU on a long-dependency task"),
    "gradients": ("rnn_core.gradients.command", "measure gradient norms through time"),
    "remedies": ("rnn_core.compare.remedies_command", "the remedies for vanishing gradients, side by side"),
    "sentiment": ("rnn_core.sentiment.command", "train and test a sentiment classifier"),
    "step-through": ("rnn_core.stepthrough.command", "record every number of a tiny RNN's forward and backward pass"),
    "forecast": ("rnn_core.forecast.command", "forecast a time series and test it against the naive forecast"),
    "tag": ("rnn_core.tag.command", "tag words with a left-to-right and a bidirectional RNN"),
    "translate": ("rnn_core.translate.command", "translate dates, or reverse letters, with an encoder-decoder (with and without attention)"),
    "caption": ("rnn_core.caption.command", "caption generated pictures, with and without attention over the picture"),
}


def _available() -> dict:
    found = {}
    for name, (module, help_text) in COMMANDS.items():
        try:
            found[name] = (importlib.import_module(module), help_text)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise
    return found


def _json_safe(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return value


def main(argv: list[str] | None = None) -> int:
    commands = _available()
    parser = argparse.ArgumentParser(prog="python -m rnn_core", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (module, help_text) in commands.items():
        module.add_arguments(sub.add_parser(name, help=help_text, description=help_text))
    args = parser.parse_args(argv)
    try:
        result = commands[args.command][0].run(args)
    except RNNLabError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(_json_safe(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
