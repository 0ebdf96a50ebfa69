"""Charts of the RNN vs LSTM vs GRU comparison: an example sequence, learning curves, the accuracy cliff, costs."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import CELL_COLORS, COLORS, base_layout

CELL_LABELS = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU"}

EXAMPLE_CAPTION = ("How to read it: one training sequence, step by step from left to right. The highlighted steps "
                   "are the only ones that matter for the answer; everything between them is there to be "
                   "forgotten. The longer the sequence, the longer the network must hold on.")
CURVES_CAPTION = ("How to read it: accuracy on held-out sequences as training goes on, one panel per length, one "
                  "line per cell and seed. A curve that jumps from the dotted baseline to the top has found the "
                  "dependency; a curve that stays flat on the baseline never did.")
CLIFF_CAPTION = ("How to read it: final accuracy against the distance to remember (mean over seeds; the bars span "
                 "the worst and best seed). Where the red RNN line drops to the dotted no-memory baseline while "
                 "LSTM and GRU stay high is the vanishing-gradient cliff.")
COST_CAPTION = ("How to read it: what each cell costs. Left, parameters (an LSTM has four weight blocks, a GRU "
                "three, an RNN one, at the same hidden size); right, milliseconds per training step on this "
                "machine (they also depend on how busy it was), growing with the length because the steps of a "
                "sequence are computed one after another.")


def cell_label(cell: str) -> str:
    return CELL_LABELS.get(cell, cell)


def example_sequence(example: dict, title: str = "") -> go.Figure:
    """One sequence from :func:`rnn_core.tasks.describe_example`; the steps that matter in orange."""
    steps, marked = example["steps"], set(example["marked"])
    xs = list(range(1, len(steps) + 1))
    colors = [COLORS[1] if i in marked else "#c7c7c7" for i in range(len(steps))]
    fig = go.Figure()
    if example.get("values") is not None:
        fig.add_bar(x=xs, y=example["values"], marker_color=colors, name="value", showlegend=False,
                    hovertemplate="step %{x}: %{y:.2f}<extra></extra>")
        y_title = "value (orange: marked)"
    else:
        fig.add_scatter(x=xs, y=[0] * len(xs), mode="markers+text", text=steps, textposition="middle center",
                        marker=dict(size=22 if len(xs) <= 60 else 14, color=colors, symbol="square"),
                        textfont=dict(size=12 if len(xs) <= 60 else 8), showlegend=False,
                        hovertemplate="step %{x}: %{text}<extra></extra>")
        fig.update_yaxes(visible=False, range=[-1, 1])
        y_title = ""
    fig.add_annotation(x=1, xref="paper", y=1.08, yref="paper", xanchor="right", showarrow=False,
                       text=f"answer: {example['answer']}", font=dict(size=14))
    return base_layout(fig, title, "step", y_title, height=200 if example.get("values") is None else 260)


def learning_curves(curves: list[dict], baseline: float | None = None, lengths: list[int] | None = None) -> go.Figure:
    """Validation accuracy against step; ``curves`` rows have cell, length, seed, step, val_accuracy."""
    lengths = sorted({r["length"] for r in curves} if lengths is None else lengths)
    if not lengths:
        return base_layout(go.Figure(), "", "training step", "accuracy")
    fig = make_subplots(rows=1, cols=len(lengths), shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=[f"length {n}" for n in lengths])
    shown = set()
    for col, length in enumerate(lengths, start=1):
        runs: dict[tuple, list] = {}
        for r in curves:
            if r["length"] == length:
                runs.setdefault((r["cell"], r["seed"]), []).append(r)
        for (cell, seed), rows in sorted(runs.items()):
            rows.sort(key=lambda r: r["step"])
            fig.add_scatter(x=[r["step"] for r in rows], y=[r["val_accuracy"] for r in rows], mode="lines+markers",
                            marker=dict(size=4),
                            line=dict(color=CELL_COLORS.get(cell, "grey"), width=2), opacity=0.8,
                            name=cell_label(cell), legendgroup=cell, showlegend=cell not in shown,
                            hovertemplate=f"{cell_label(cell)} seed {seed}<br>step %{{x}}: %{{y:.2f}}<extra></extra>",
                            row=1, col=col)
            shown.add(cell)
        if baseline is not None:   # a trace, not add_hline: hlines on subplots take most of a second to build
            steps = [r["step"] for rs in runs.values() for r in rs] or [0, 1]
            fig.add_scatter(x=[min(steps), max(steps)], y=[baseline, baseline], mode="lines", name="no memory",
                            line=dict(dash="dot", color="grey"), legendgroup="baseline", showlegend=col == 1,
                            hoverinfo="skip", row=1, col=col)
    fig.update_yaxes(range=[-0.02, 1.02])
    base_layout(fig, "", "", "accuracy (held-out)", height=360)
    fig.update_layout(margin=dict(t=90), legend=dict(orientation="h", yanchor="bottom", y=1.12, x=0, xanchor="left"))
    return fig


def accuracy_vs_length(summary: list[dict], baseline: float, baseline_label: str = "no memory") -> go.Figure:
    """Mean final accuracy per cell against length, bars from the worst to the best seed, baseline dotted."""
    fig = go.Figure()
    for cell in CELL_LABELS:
        rows = sorted((r for r in summary if r["cell"] == cell), key=lambda r: r["length"])
        if not rows:
            continue
        fig.add_scatter(
            x=[r["length"] for r in rows], y=[r["mean"] for r in rows], mode="lines+markers", name=cell_label(cell),
            line=dict(color=CELL_COLORS[cell], width=3), marker=dict(size=9),
            error_y=dict(type="data", symmetric=False, array=[r["max"] - r["mean"] for r in rows],
                         arrayminus=[r["mean"] - r["min"] for r in rows], thickness=1.5),
            customdata=[[r["seeds"], r["min"], r["max"]] for r in rows],
            hovertemplate=(f"{cell_label(cell)}<br>length %{{x}}: mean %{{y:.2f}}<br>seeds %{{customdata[0]}}, "
                           "worst %{customdata[1]:.2f}, best %{customdata[2]:.2f}<extra></extra>"))
    lengths = sorted({r["length"] for r in summary})
    if lengths:
        fig.add_scatter(x=[lengths[0], lengths[-1]], y=[baseline, baseline], mode="lines", hoverinfo="skip",
                        name=f"no memory ({baseline_label})", line=dict(dash="dot", color="grey", width=2))
    fig.update_xaxes(type="log", tickvals=lengths, ticktext=[str(n) for n in lengths])
    fig.update_yaxes(range=[-0.03, 1.05])
    return base_layout(fig, "", "sequence length (steps to remember across, log scale)",
                       "final accuracy (held-out)", height=400)


def costs(summary: list[dict]) -> go.Figure:
    """Parameters per cell (bars) and milliseconds per training step against length (lines)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["parameters", "ms per training step"],
                        horizontal_spacing=0.12)
    for cell in CELL_LABELS:
        rows = sorted((r for r in summary if r["cell"] == cell), key=lambda r: r["length"])
        if not rows:
            continue
        fig.add_bar(x=[cell_label(cell)], y=[rows[0]["params"]], marker_color=CELL_COLORS[cell], showlegend=False,
                    hovertemplate="%{x}: %{y:,} parameters<extra></extra>", row=1, col=1)
        fig.add_scatter(x=[r["length"] for r in rows], y=[r["ms_per_step"] for r in rows], mode="lines+markers",
                        name=cell_label(cell), line=dict(color=CELL_COLORS[cell], width=2), row=1, col=2)
    fig.update_xaxes(title_text="sequence length", row=1, col=2)
    base_layout(fig, "", "", "", height=340)
    fig.update_layout(margin=dict(t=40, b=90),
                      legend=dict(orientation="h", yanchor="top", y=-0.25, x=0.55, xanchor="left"))
    return fig
