"""``forecast``: train a many-to-one RNN forecaster and test it beside the naive, seasonal naive, moving
average and linear autoregression forecasts, on the last part of the series.

``--series`` is a public series (downloaded once and cached), ``stocks:TICKER``, a synthetic series, or a CSV
file (``--date-column`` and ``--value-column`` guessed when left out).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

from rnn_core.errors import RNNLabError
from rnn_core.forecast.model import CELLS, ForecastSettings, series_defaults, train_forecaster, verdict
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.forecast.series import (MAX_UPLOAD_BYTES, PUBLIC_SERIES, SOURCE_KEYS, TRANSFORMS, load_public_series,
                                      load_series, series_from_csv)
from rnn_core.command import StderrProgress


def add_arguments(parser: argparse.ArgumentParser) -> None:
    defaults = ForecastSettings()
    parser.add_argument("--series", required=True, help=f"{'|'.join(SOURCE_KEYS)}, or PATH.csv")
    parser.add_argument("--date-column", help="CSV: the column of dates (default: guessed)")
    parser.add_argument("--value-column", help="CSV: the column to forecast (default: the first numeric one)")
    parser.add_argument("--url", help="download a public series from here instead of its source")
    parser.add_argument("--cell", choices=CELLS, default=defaults.cell)
    parser.add_argument("--window", type=int, default=defaults.window, help="past steps the model reads")
    parser.add_argument("--horizon", type=int, default=defaults.horizon, help="how many steps ahead to predict")
    parser.add_argument("--target", choices=("level", "change"), default=defaults.target)
    parser.add_argument("--hidden", type=int, default=defaults.hidden_size)
    parser.add_argument("--layers", type=int, default=defaults.num_layers)
    parser.add_argument("--lr", type=float, default=defaults.lr)
    parser.add_argument("--batch", type=int, default=defaults.batch_size)
    parser.add_argument("--max-steps", type=int, default=defaults.max_steps,
                        help="step budget (decides the model: the same seed gives the same run)")
    parser.add_argument("--seconds", type=float, default=defaults.seconds,
                        help="time limit, a safety net (0: none)")
    parser.add_argument("--period", type=int, help="seasonal period in steps (default: the series' own, or detected)")
    parser.add_argument("--transform", choices=TRANSFORMS,
                        help="model the values as they are, or their square roots (default: the page's choice "
                             "for the series: sqrt for sunspots, none otherwise)")
    parser.add_argument("--ar-skip", choices=("yes", "no"),
                        help="the network corrects the linear AR forecast (default: the page's choice for the "
                             "series: yes for sunspots)")
    parser.add_argument("--seed", type=int, default=0)


def read_series(args: argparse.Namespace):
    if args.series in SOURCE_KEYS:
        if args.url and args.series in PUBLIC_SERIES:
            return load_public_series(args.series, args.url)
        return load_series(args.series)     # a generated series has its own seed; --seed is the model's
    path = Path(args.series)
    if not path.is_file():
        raise RNNLabError(f"No such series or file: {args.series} (choose one of {', '.join(SOURCE_KEYS)}, "
                          "or give a CSV file).")
    if path.stat().st_size > MAX_UPLOAD_BYTES:
        raise RNNLabError(f"{path.name} is {path.stat().st_size / 1e6:.1f} MB; the limit is "
                          f"{MAX_UPLOAD_BYTES / 1e6:.0f} MB.")
    return series_from_csv(path.read_bytes(), path.name, args.date_column, args.value_column)


def run(args: argparse.Namespace) -> dict:
    configure_torch_threads(default=1)   # a small model: one thread is fastest (see rnn_core.runs.jobs)
    series = read_series(args)
    for note in series.notes:
        print(f"note: {note}", file=sys.stderr)
    settings = ForecastSettings(cell=args.cell, window=args.window, horizon=args.horizon, target=args.target,
                                hidden_size=args.hidden, num_layers=args.layers, lr=args.lr, batch_size=args.batch,
                                max_steps=args.max_steps, seconds=args.seconds or None, seed=args.seed,
                                period=args.period)
    page = series_defaults(args.series)
    settings = replace(settings, transform=args.transform or page.transform,
                       ar_skip=page.ar_skip if args.ar_skip is None else args.ar_skip == "yes")
    run_ = train_forecaster(series, settings, on_progress=StderrProgress())
    print(run_.result.message, file=sys.stderr)
    print(verdict(run_.metrics), file=sys.stderr)
    return {**run_.metrics, "series_title": series.title, "notes": list(series.notes),
            "settings": settings.to_dict(), "message": run_.result.message}
