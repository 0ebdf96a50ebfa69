"""Charts of the forecasting page: the series and its split, training curves, forecast vs truth, predicted vs
real moves and the rollout, each with its "how to read it" caption (a function of the horizon where it names one).
Every function here is pure: data in, figure or text out."""

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


def _ahead(horizon: int) -> str:
    return "one step" if horizon == 1 else f"{horizon} steps"


def forecast_caption(horizon: int = 1) -> str:
    return (f"How to read it: the truth (black) and each forecast over the validation and test parts, made "
            f"{_ahead(horizon)} ahead of the last value it saw. Zoom in: a forecast that is the truth shifted "
            f"{_ahead(horizon)} to the right is copying the last value (the naive forecast is exactly that). "
            "Tick baselines in the legend to compare.")


FORECAST_CAPTION = forecast_caption(1)
RANGE_CAPTION = (" The dotted lines are the lowest and highest values of the training part: a model of the level "
                 "was fitted only between them.")


def moves_caption(horizon: int = 1) -> str:
    return (f"How to read it: one dot per test step. Across, the real move over {_ahead(horizon)} (truth − the last "
            "value the model saw); up, the move the model predicted (forecast − that last value). The naive "
            "forecast (next = last) predicts no move: all its dots would lie on the flat line at 0. A model that "
            "only copies the last value lies there too, or scatters with no slope; a skilled one follows the "
            "dashed diagonal (predicted = real). Correlation: how well the predicted moves line up with the real "
            "ones. Skill: 1 − its squared error ÷ the naive forecast's; 0 is no better than naive, 1 is perfect.")


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
    losses = [r["train_loss"] for r in history] + [v for _, v in val]
    ticks = log_ticks(min(losses), max(losses)) if losses else []
    fig.update_yaxes(type="log", tickvals=ticks or None, ticktext=[f"{t:g}" for t in ticks] or None)
    return base_layout(fig, title, "step", "mean squared error (scaled)", height=300)


def log_ticks(low: float, high: float) -> list[float]:
    """Ticks for a log axis from ``low`` to ``high``: 1, 2, 5 × powers of ten, every one written out in full
    (plotly's own labels the 2s and 5s with a bare digit: "1, 5, 2, 0.1, 5"); only the powers of ten when the
    range spans more than two decades."""
    if not (math.isfinite(low) and math.isfinite(high)) or low <= 0 or high <= 0:
        return []
    first, last = math.floor(math.log10(low)), math.ceil(math.log10(high))
    for steps in ((1,), (1, 2, 5), (1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9)):
        if steps == (1,) and math.log10(high / low) <= 2:
            continue
        ticks = [float(f"{m * 10.0 ** e:.6g}") for e in range(first, last + 1) for m in steps]
        inside = [t for t in ticks if low <= t <= high]
        if len(inside) >= 2:
            return inside
    return []


def forecast_figure(axis: list, windows, forecasts: dict, shown: tuple = (), cell: str = "lstm", title: str = "",
                    unit: str = "", training_range: tuple | None = None, model_name: str | None = None) -> go.Figure:
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
    fig.add_trace(go.Scatter(x=x, y=forecasts["model"][index], mode="lines", name=model_name or cell.upper(),
                             line=dict(color=CELL_COLORS.get(cell, COLORS[0]), width=2)))
    test_start = windows.ends[windows.select(2)].min() + windows.horizon
    fig.add_vrect(x0=axis[test_start], x1=x[-1], fillcolor=PART_COLORS[2], line_width=0, layer="below",
                  annotation_text="test", annotation_position="top left")
    if training_range is not None:
        for level in training_range:
            fig.add_hline(y=level, line=dict(color="#888", dash="dot", width=1))
    return base_layout(fig, title, "", unit, height=380)


def live_caption(horizon: int = 1) -> str:
    return ("How to read it: the truth (black) over the validation part and the model's forecast at its latest "
            f"check (blue), {_ahead(horizon)} ahead. Watch the blue line settle onto the black one as training goes on.")


LIVE_CAPTION = live_caption(1)


def live_forecast_figure(axis: list, values, steps: list, forecast: list, cell: str = "lstm", title: str = "") -> go.Figure:
    """The validation part's truth and the latest forecast, redrawn at every check while the model trains."""
    x = [axis[i] for i in steps]
    fig = go.Figure(go.Scatter(x=x, y=np.asarray(values)[steps], mode="lines", name="truth",
                               line=dict(color="black", width=1.2)))
    fig.add_trace(go.Scatter(x=x, y=forecast, mode="lines", name=cell.upper(),
                             line=dict(color=CELL_COLORS.get(cell, COLORS[0]), width=2)))
    return base_layout(fig, title, "", "", height=300)


def moves_figure(predicted, real, name: str = "LSTM", cell: str = "lstm", title: str = "", unit: str = "") -> go.Figure:
    """Predicted move (forecast − last value) against real move (truth − last value), one dot per test step."""
    predicted, real = np.asarray(predicted, np.float64), np.asarray(real, np.float64)
    reach = float(np.nanmax(np.abs(np.concatenate([predicted, real])))) if len(real) else 1.0
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=[-reach, reach], y=[-reach, reach], mode="lines", name="predicted = real",
                             line=dict(color="#888", dash="dash", width=1), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=[-reach, reach], y=[0, 0], mode="lines", name="naive (no move)",
                             line=dict(color=BASELINE_COLORS["naive"], dash="dot", width=1.2), hoverinfo="skip"))
    fig.add_trace(go.Scatter(x=real, y=predicted, mode="markers", name=name,
                             marker=dict(color=CELL_COLORS.get(cell, COLORS[0]), size=5, opacity=0.6)))
    units = f" ({unit})" if unit else ""
    return base_layout(fig, title, f"real move{units}", f"predicted move{units}", height=360)


def rollout_figure(rollout: dict, cell: str = "lstm", title: str = "", unit: str = "",
                   model_name: str | None = None) -> go.Figure:
    fig = go.Figure()
    steps = rollout.get("steps", [])
    for key, color, dash, name in (("model", CELL_COLORS.get(cell, COLORS[0]), None, model_name or cell.upper()),
                                   ("linear AR", BASELINE_COLORS["linear AR"], "dot", "linear AR"),
                                   ("naive", BASELINE_COLORS["naive"], "dot", "naive (origin held)")):
        if key in rollout:
            fig.add_trace(go.Scatter(x=steps, y=rollout[key], mode="lines+markers", name=name,
                                     line=dict(color=color, dash=dash, width=2 if key == "model" else 1.2)))
    return base_layout(fig, title, "steps ahead", f"mean absolute error{' (' + unit + ')' if unit else ''}",
                       height=320)
