"""One look for every chart: colours per cell type, margins, fonts large enough for a projector, smoothed curves."""

from __future__ import annotations

import plotly.graph_objects as go

CELL_COLORS = {"rnn": "#d62728", "lstm": "#1f77b4", "gru": "#2ca02c"}
COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f",
          "#bcbd22", "#17becf"]


def base_layout(fig: go.Figure, title: str = "", x: str = "", y: str = "", height: int = 380) -> go.Figure:
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, height=height, template="plotly_white",
                      margin=dict(l=60, r=20, t=70 if title else 40, b=50), font=dict(size=14),
                      legend=dict(orientation="h", yanchor="bottom", y=1.0, xanchor="right", x=1))
    return fig


def smooth(values: list[float], weight: float = 0.9) -> list[float]:
    """Exponential moving average with bias correction (as TensorBoard draws it)."""
    out, avg = [], 0.0
    for i, v in enumerate(values):
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight ** (i + 1)))
    return out
