"""Charts of the forecasting page: the series and its split, training curves, forecast vs truth, the lag chart
and the rollout, each with its "how to read it" caption."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go

from rnn_core.figure_style import CELL_COLORS, COLORS, base_layout

SERIES_CAPTION = ("How to read it: the whole series in time order. The model is fitted on the green part "
                  "(training), picks its best weights on the yellow part (validation) and is scored on the red "
                  "part (test), which it never sees: a forecast is always judged on the future.")
CURVES_CAPTION = ("How to read it: the mean squared error (in scaled units, lower is better) on training batches "
                  "and on the validation part, by training step. The weights kept are those at the lowest "
                  "validation point; training stops early once it has not improved for a few checks.")
FORECAST_CAPTION = ("How to read it: the truth (black) and each forecast over the validation and test parts, one "
                    "step ahead of the last value it saw. Zoom in: a forecast that is the truth shifted one step "
                    "to the right is copying the last value. Tick baselines in the legend to compare.")
RANGE_CAPTION = (" The dotted lines are the lowest and highest values of the training part: a model of the level "
                 "was fitted only between them.")
LAG_CAPTION = ("How to read it: how well the forecast's step-to-step moves match the truth's moves k steps "
               "earlier. The naive forecast (next = last) is the truth one step late, so it scores 1.0 at lag 1. "
               "A forecast that sees the next move coming scores highest at lag 0; one that peaks at lag 1 is "
               "mostly echoing the move it has just seen.")
ROLLOUT_CAPTION = ("How to read it: the forecast is rolled forward by feeding each prediction back in as the "
                   "newest input; the mean absolute error at each step ahead, over origins spread across the test "
                   "part. The naive line holds the origin's value. Errors grow with the horizon wherever the "
                   "future is uncertain; a curve that stays under the naive line is still informative.")

PART_COLORS = ("rgba(44,160,44,0.10)", "rgba(255,187,0,0.14)", "rgba(214,39,40,0.10)")
PART_NAMES = ("training", "validation", "test")
BASELINE_COLORS = {"naive": COLORS[7], "seasonal naive": COLORS[4], "moving average": COLORS[5],
                   "linear AR": COLORS[1]}


def series_figure(axis: list, values, split, title: str = "", unit: str = "") -> go.Figure:
    """The series with its training / validation / test parts shaded."""
    fig = go.Figure(go.Scatter(x=axis, y=np.asarray(values), mode="lines", name="series",
                               line=dict(color="#333", width=1.2)))
    bounds = (0, split.train_end, split.val_end, split.n)
    for k in range(3):
        if bounds[k + 1] > bounds[k]:
            fig.add_vrect(x0=axis[bounds[k]], x1=axis[bounds[k + 1] - 1], fillcolor=PART_COLORS[k], line_width=0,
                          annotation_text=PART_NAMES[k], annotation_position="top left", layer="below")
    return base_layout(fig, title, "", unit, height=320)


def training_curves(history: list, title: str = "") -> go.Figure:
    steps = [r["step"] for r in history]
    fig = go.Figure(go.Scatter(x=steps, y=[r["train_loss"] for r in history], mode="lines", name="training batches",
                               line=dict(color=COLORS[0], width=1), opacity=0.6))
    val = [(r["step"], r["val_loss"]) for r in history if "val_loss" in r]
    if val:
        fig.add_trace(go.Scatter(x=[s for s, _ in val], y=[v for _, v in val], mode="lines+markers",
                                 name="validation", line=dict(color=COLORS[1], width=2)))
    fig.update_yaxes(type="log")
    return base_layout(fig, title, "step", "mean squared error (scaled)", height=300)


def forecast_figure(axis: list, windows, forecasts: dict, shown: tuple = (), cell: str = "lstm", title: str = "",
                    unit: str = "", training_range: tuple | None = None) -> go.Figure:
    """Truth and forecasts over the validation and test parts; ``shown`` baselines are visible, the rest in the
    legend only (a click shows them)."""
    index = np.flatnonzero(windows.part > 0)
    steps = windows.ends[index] + windows.horizon
    x = [axis[i] for i in steps]
    fig = go.Figure(go.Scatter(x=x, y=windows.truth[index], mode="lines", name="truth",
                               line=dict(color="black", width=1.5)))
    for name, forecast in forecasts.items():
        if name == "model":
            continue
        fig.add_trace(go.Scatter(x=x, y=forecast[index], mode="lines", name=name,
                                 line=dict(color=BASELINE_COLORS.get(name, COLORS[8]), width=1.2, dash="dot"),
                                 visible=True if name in shown else "legendonly"))
    fig.add_trace(go.Scatter(x=x, y=forecasts["model"][index], mode="lines", name=cell.upper(),
                             line=dict(color=CELL_COLORS.get(cell, COLORS[0]), width=2)))
    test_start = windows.ends[windows.select(2)].min() + windows.horizon
    fig.add_vrect(x0=axis[test_start], x1=x[-1], fillcolor=PART_COLORS[2], line_width=0, layer="below",
                  annotation_text="test", annotation_position="top left")
    if training_range is not None:
        for level in training_range:
            fig.add_hline(y=level, line=dict(color="#888", dash="dot", width=1))
    return base_layout(fig, title, "", unit, height=380)


LIVE_CAPTION = ("How to read it: the truth (black) over the validation part and the model's forecast at its latest "
                "check (blue), one step ahead. Watch the blue line settle onto the black one as training goes on.")


def live_forecast_figure(axis: list, values, steps: list, forecast: list, cell: str = "lstm", title: str = "") -> go.Figure:
    """The validation part's truth and the latest forecast, redrawn at every check while the model trains."""
    x = [axis[i] for i in steps]
    fig = go.Figure(go.Scatter(x=x, y=np.asarray(values)[steps], mode="lines", name="truth",
                               line=dict(color="black", width=1.2)))
    fig.add_trace(go.Scatter(x=x, y=forecast, mode="lines", name=cell.upper(),
                             line=dict(color=CELL_COLORS.get(cell, COLORS[0]), width=2)))
    return base_layout(fig, title, "", "", height=300)


def lag_figure(lags: dict, cell: str = "lstm", title: str = "") -> go.Figure:
    fig = go.Figure()
    names = {"model": cell.upper(), "naive": "naive (next = last)", "linear AR": "linear AR"}
    colors = {"model": CELL_COLORS.get(cell, COLORS[0]), "naive": BASELINE_COLORS["naive"],
              "linear AR": BASELINE_COLORS["linear AR"]}
    for key, values in lags.items():
        fig.add_trace(go.Scatter(x=list(range(len(values))), y=[v if math.isfinite(v) else None for v in values],
                                 mode="lines+markers", name=names.get(key, key),
                                 line=dict(color=colors.get(key, COLORS[8]), width=2 if key == "model" else 1.2,
                                           dash=None if key == "model" else "dot")))
    fig.update_xaxes(dtick=1)
    return base_layout(fig, title, "lag k (steps the truth is shifted back)", "correlation of moves", height=320)


def rollout_figure(rollout: dict, cell: str = "lstm", title: str = "", unit: str = "") -> go.Figure:
    fig = go.Figure()
    steps = rollout.get("steps", [])
    for key, color, dash, name in (("model", CELL_COLORS.get(cell, COLORS[0]), None, cell.upper()),
                                   ("linear AR", BASELINE_COLORS["linear AR"], "dot", "linear AR"),
                                   ("naive", BASELINE_COLORS["naive"], "dot", "naive (origin held)")):
        if key in rollout:
            fig.add_trace(go.Scatter(x=steps, y=rollout[key], mode="lines+markers", name=name,
                                     line=dict(color=color, dash=dash, width=2 if key == "model" else 1.2)))
    return base_layout(fig, title, "steps ahead", f"mean absolute error{' (' + unit + ')' if unit else ''}",
                       height=320)
