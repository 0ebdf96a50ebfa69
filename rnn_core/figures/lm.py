"""Charts of the language-model lab: loss curves while training and across runs."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from .style import COLORS, base_layout

LOSS_CAPTION = ("How to read it: the loss is the average surprise of the model at the next token, in nats. "
                "It starts near ln(vocabulary size), a uniform guess; the validation curve (dots, text the model "
                "never trains on) is the honest one: when it stops falling while the training curve goes on, "
                "the model is memorising.")
COMPARE_CAPTION = ("How to read it: every run of this session on one chart, validation loss against training time. "
                   "Lower is better; curves that bend down earlier learn faster per second on this machine. Only "
                   "runs on the same text and level are comparable.")


def smooth(values: list[float], weight: float = 0.9) -> list[float]:
    """Exponential moving average with bias correction (as TensorBoard draws it)."""
    out, avg = [], 0.0
    for i, v in enumerate(values):
        avg = weight * avg + (1 - weight) * v
        out.append(avg / (1 - weight ** (i + 1)))
    return out


def loss_curves(history: list[dict], uniform_loss: float | None = None, title: str = "") -> go.Figure:
    """Training loss (smoothed, with the raw values faint behind) and validation loss against step."""
    fig = go.Figure()
    rows = [row for row in history if _finite(row.get("train_loss"))]
    steps = [row["step"] for row in rows]
    train = [row["train_loss"] for row in rows]
    if steps:
        fig.add_scatter(x=steps, y=train, mode="lines", name="training (raw)", line=dict(color=COLORS[0], width=1),
                        opacity=0.25, showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=steps, y=smooth(train), mode="lines", name="training", line=dict(color=COLORS[0], width=2))
    val = sorted((row["step"], row["val_loss"]) for row in history if _finite(row.get("val_loss")))
    if val:
        fig.add_scatter(x=[s for s, _ in val], y=[v for _, v in val], mode="lines+markers", name="validation",
                        line=dict(color=COLORS[1], width=2))
    if uniform_loss is not None:
        fig.add_hline(y=uniform_loss, line=dict(dash="dot", color="grey"),
                      annotation_text="uniform guess", annotation_position="top right")
    return base_layout(fig, title, "training step", "loss (nats per token)")


def run_comparison(runs: list[dict]) -> go.Figure:
    """Validation loss against seconds of training, one line per run (``name``, ``history``)."""
    fig = go.Figure()
    for i, run in enumerate(runs):
        rows = [r for r in run["history"] if _finite(r.get("val_loss"))]
        if not rows:
            continue
        fig.add_scatter(x=[r.get("elapsed", r["step"]) for r in rows], y=[r["val_loss"] for r in rows],
                        mode="lines+markers", name=run["name"], line=dict(color=COLORS[i % len(COLORS)], width=2))
    return base_layout(fig, "", "seconds of training", "validation loss (nats per token)")


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
