"""Forecast's exported script: the same forecaster, trained on the same series, outside the app."""

from __future__ import annotations

from rnn_core.forecast.model import ForecastSettings, train_forecaster
from rnn_core.links.scripts import Code, command_line, export_script


FORECAST_REPORT = "\n".join([
    "print(result.result.message, file=sys.stderr)",
    "print(verdict(result.metrics), file=sys.stderr)",
    "print(json.dumps({k: v for k, v in result.metrics.items() if isinstance(v, (int, float, str)) or v is None}))",
])


def forecast_script(settings: ForecastSettings, data: dict) -> str:
    """A script that trains the same forecaster on the same series, and the matching command line.

    ``data`` is ``{"kind": "key", "key": "sunspots"}`` (any key :func:`rnn_core.forecast.series.load_series` reads) or
    ``{"kind": "csv", "name", "date_column", "value_column"}``.
    """
    if data["kind"] == "key":
        key = str(data["key"])
        # The series' own seed (a generated series is always the same one), never the model's seed.
        series = Code(f"load_series({key!r})", ("from rnn_core.forecast.series import load_series",), "series")
        cli_series, note = key, ("Public series are downloaded once (or read from the cache of an earlier download)."
                                 if ":" not in key and key not in ("sine", "seasonal", "random-walk") else "")
    else:
        name = str(data["name"])
        series = Code(f"series_from_csv(open({name!r}, 'rb').read(), {name!r}, {data.get('date_column')!r}, "
                      f"{data.get('value_column')!r})", ("from rnn_core.forecast.series import series_from_csv",), "series")
        cli_series, note = name, f"Put the CSV file {name} next to this script."
    default = ForecastSettings()
    same_cli = all(getattr(settings, k) == getattr(default, k) for k in
                   ("clip", "train_share", "val_share", "eval_every", "patience", "loss", "num_layers"))
    options = {"series": cli_series, "cell": settings.cell, "window": settings.window, "horizon": settings.horizon,
               "target": settings.target, "hidden": settings.hidden_size, "lr": f"{settings.lr:g}",
               "batch": settings.batch_size, "max_steps": settings.max_steps, "period": settings.period,
               "transform": settings.transform, "ar_skip": "yes" if settings.ar_skip else "no", "seed": settings.seed}
    if data["kind"] == "csv":
        options.update({"date_column": data.get("date_column"), "value_column": data.get("value_column")})
    progress = Code("StderrProgress()", ("from rnn_core.command import StderrProgress",
                                          "from rnn_core.forecast.model import verdict"))
    return export_script(train_forecaster, series, settings, on_progress=progress, seed=settings.seed,
                         title=f"Forecast {cli_series} with an {settings.cell.upper()} {settings.hidden_size} "
                               f"(RNN Lab), seed {settings.seed}.",
                         command=command_line("forecast", options) if same_cli else None,
                         notes=" ".join(filter(None, [note, f"{settings.max_steps:,} training steps from the same "
                                                            "seed give the same model as in the app."])),
                         report=FORECAST_REPORT, file_name=f"forecast_{settings.cell}_seed{settings.seed}.py")
