"""Forecast quality: every public series (from ../shared/data/timeseries/) and the synthetic ones, the three cells
and the baselines, on seeds 0-2, with the page's default settings (a fixed step budget).

    python benchmarks/forecast_quality.py [--series sunspots,temperatures] [--cells lstm] [--seeds 3]

Prints one row per run (test MAE relative to the naive forecast: below 1 beats "tomorrow = today") and, last,
one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rnn_core.forecast.figures import forecast_figure, moves_figure, rollout_figure  # noqa: E402
from rnn_core.forecast.model import (BASELINES, CELLS, PAGE_DEFAULTS, baseline_forecasts, measure,  # noqa: E402
                               resolve_period, series_defaults, train_forecaster)
from rnn_core.runs.jobs import configure_torch_threads  # noqa: E402
from rnn_core.forecast.series import PUBLIC_SERIES, load_series, public_series_from_bytes  # noqa: E402

DATA = ROOT.parent / "shared" / "data" / "timeseries"
# (series, target): the S&P 500 daily is run both ways, the lesson of the page.
RUNS = [("sunspots", "level"), ("temperatures", "level"), ("passengers", "level"), ("sp500-monthly", "change"),
        ("sp500-daily", "level"), ("sp500-daily", "change"), ("sine", "level"), ("seasonal", "level"),
        ("random-walk", "change")]


def load(key: str):
    if key in PUBLIC_SERIES:
        return public_series_from_bytes(key, (DATA / PUBLIC_SERIES[key].file_name).read_bytes())
    return load_series(key)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--series", help="comma-separated keys (default: all)")
    parser.add_argument("--cells", default=",".join(CELLS))
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    configure_torch_threads(1)
    chosen = set(args.series.split(",")) if args.series else None
    rows, timings = [], []
    print(f"{'series':<14}{'target':<8}{'cell':<6}{'seed':>4} {'model/naive':>11} {'AR/naive':>9} {'sn/naive':>9} "
          f"{'direction':>9} {'balanced':>9} {'skill':>6} {'steps':>6} {'s':>6}", file=sys.stderr)
    for key, target in RUNS:
        if chosen and key not in chosen:
            continue
        series = load(key)
        for cell in args.cells.split(","):
            for seed in range(args.seeds):
                settings = replace(series_defaults(key), cell=cell, target=target, seed=seed)
                start = time.perf_counter()
                run = train_forecaster(series, settings)
                m = run.metrics
                if not any(r["series"] == key for r in rows):
                    timings.append(recompute_seconds(run))
                sn = m["seasonal_naive_mae"] / m["naive_mae"] if m["seasonal_naive_mae"] else float("nan")
                row = {"series": key, "target": target, "cell": cell, "seed": seed, "mase": m["mase"],
                       "ar_mase": m["ar_mase"], "seasonal_naive_mase": sn, "direction_accuracy": m["direction_accuracy"],
                       "balanced_direction": m["balanced_direction"], "transform": settings.transform,
                       "ar_skip": settings.ar_skip,
                       "up_share": m["up_share"], "skill": m["skill"], "move_correlation": m["move_correlation"], "steps": m["steps"],
                       "seconds": time.perf_counter() - start, "outside": m["test_outside_training_range"]}
                rows.append(row)
                print(f"{key:<14}{target:<8}{cell:<6}{seed:>4} {m['mase']:>11.3f} {m['ar_mase']:>9.3f} {sn:>9.3f} "
                      f"{m['direction_accuracy']:>9.3f} {m['balanced_direction']:>9.3f} {m['skill']:>6.3f} "
                      f"{m['steps']:>6} {row['seconds']:>6.1f}",
                      file=sys.stderr, flush=True)
    if timings:
        print(f"baselines + verdict table recomputed: slowest {max(t['baselines'] for t in timings):.3f} s; "
              f"forecast, moves and rollout charts rebuilt: slowest {max(t['charts'] for t in timings):.3f} s "
              f"(target <= 0.5 s); the first build in a fresh process, plotly's one-off start-up included: "
              f"{timings[0]['charts_cold']:.3f} s", file=sys.stderr)
    print(json.dumps({"settings": PAGE_DEFAULTS.to_dict(), "runs": rows, "recompute": timings}))


def recompute_seconds(run) -> dict:
    """What a baseline toggle or a chart change costs on the page: the baselines and table, then the figures.

    The figures are built twice: the first build in a process pays plotly's one-off start-up (the server pays
    it once, on the first chart any visitor sees); a chart change on the page costs the second.
    """
    cold = charts_seconds(run, run.forecasts)
    start = time.perf_counter()
    forecasts, _ = baseline_forecasts(run.series, run.windows, resolve_period(run.series, run.settings))
    forecasts["model"] = run.forecasts["model"]
    measure(run.series, run.windows, forecasts, run.settings)
    middle = time.perf_counter()
    warm = sorted(charts_seconds(run, forecasts) for _ in range(3))[1]   # the median of three: the box is shared
    return {"series": run.series.key, "baselines": middle - start, "charts": warm, "charts_cold": cold}


def charts_seconds(run, forecasts) -> float:
    start = time.perf_counter()
    m = run.metrics
    forecast_figure(run.series.axis, run.windows, forecasts, BASELINES, m["cell"], "", run.series.unit,
                    (m["train_low"], m["train_high"])).to_json()
    moves_figure(run.moves["model"]["predicted"], run.moves["model"]["real"], m["cell"].upper(), m["cell"]).to_json()
    if run.rollout.get("steps"):
        rollout_figure(run.rollout, m["cell"]).to_json()
    return time.perf_counter() - start


if __name__ == "__main__":
    main()
