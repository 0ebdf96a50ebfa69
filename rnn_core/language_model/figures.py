"""Charts of the language-model lab: loss curves while training and across runs, and the model's diagram."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from rnn_core.figure_style import CELL_COLORS, COLORS, base_layout

LOSS_CAPTION = ("How to read it: the loss is the average surprise of the model at the next token, in nats. "
                "It starts near ln(vocabulary size), the dotted uniform guess. The training line is each batch's "
                "loss, measured just before the update it causes and averaged over neighbouring steps; the "
                "validation dots are text the model never trains on, measured after those steps, so while the "
                "loss falls fast they can sit a little below the training line. Validation is the honest one: "
                "when it turns up while training goes on down, the model is memorising (overfitting).")
COMPARE_CAPTION = ("How to read it: one line per run on the same text and level (choose the group above), "
                   "validation loss against training steps or seconds. Lower is better. Per step, it shows which "
                   "cell learns more from the same data; per second, which learns faster on this machine.")
DIAGRAM_CAPTION = ("How to read it: a token goes in on the left, a probability for every possible next token "
                   "comes out on the right; the recurrent layers carry the hidden state from one token to the "
                   "next. The numbers are each part's weights: the output layer and the recurrent cell hold most.")


def curve_rows(reports: list) -> list[dict]:
    """Progress reports as :func:`loss_curves` rows: each report's training loss, and each evaluation once."""
    rows = [{"step": p.step, "train_loss": p.train_loss, "mean_train_loss": p.mean_train_loss}
            for p in reports if p.step]
    evaluations = {p.metrics["evaluated_at"]: p.metrics["val_loss"] for p in reports if "val_loss" in p.metrics}
    return rows + [{"step": step, "val_loss": loss} for step, loss in evaluations.items()]


def centred_mean(values: list[float], half_width: int) -> list[float]:
    """Moving average over a window centred on each point (shrunk at the ends): it does not lag behind a falling
    curve, as a trailing average does."""
    prefix = [0.0]
    for v in values:
        prefix.append(prefix[-1] + v)
    n, out = len(values), []
    for i in range(n):
        w = min(half_width, i, n - 1 - i)
        out.append((prefix[i + w + 1] - prefix[i - w]) / (2 * w + 1))
    return out


def loss_curves(history: list[dict], uniform_loss: float | None = None, title: str = "",
                best_step: int | None = None) -> go.Figure:
    """Training loss (averaged, raw values faint behind) and validation loss against step.

    Rows may carry ``mean_train_loss`` (the mean of the steps since the previous row, as the live chart's
    progress reports do); otherwise the per-step ``train_loss`` is averaged over a centred window.
    """
    fig = go.Figure()
    rows = [row for row in history if _finite(row.get("train_loss"))]
    steps = [row["step"] for row in rows]
    train = [row["train_loss"] for row in rows]
    if steps:
        means = [row.get("mean_train_loss") for row in rows]
        if all(_finite(m) for m in means):
            line = means
        else:
            line = centred_mean(train, max(2, len(train) // 60))
            fig.add_scatter(x=steps, y=train, mode="lines", name="training (raw)",
                            line=dict(color=COLORS[0], width=1), opacity=0.25, showlegend=False, hoverinfo="skip")
        fig.add_scatter(x=steps, y=line, mode="lines", name="training", line=dict(color=COLORS[0], width=2))
    val = sorted((row["step"], row["val_loss"]) for row in history if _finite(row.get("val_loss")))
    if val:
        fig.add_scatter(x=[s for s, _ in val], y=[v for _, v in val], mode="lines+markers", name="validation",
                        line=dict(color=COLORS[1], width=2))
    if best_step is not None and val and best_step != val[-1][0]:
        best = dict(val).get(best_step)
        if best is not None:
            fig.add_scatter(x=[best_step], y=[best], mode="markers", name="best (kept)",
                            marker=dict(color=COLORS[1], size=14, symbol="star"))
    if uniform_loss is not None:
        fig.add_hline(y=uniform_loss, line=dict(dash="dot", color="grey"),
                      annotation_text=f"uniform guess, ln V = {uniform_loss:.2f}", annotation_position="top right")
    return base_layout(fig, title, "training step", "loss (nats per token)")


def run_comparison(runs: list[dict], x: str = "step") -> go.Figure:
    """Validation loss against training steps (``x="step"``) or seconds (``x="elapsed"``), one line per run
    (``name``, ``history``, optional ``cell`` for its colour)."""
    fig = go.Figure()
    used = {}
    for i, run in enumerate(runs):
        rows = [r for r in run["history"] if _finite(r.get("val_loss"))]
        if not rows:
            continue
        color = CELL_COLORS.get(run.get("cell"))
        if color is None or color in used.values():
            color = COLORS[i % len(COLORS)]
        used[run["name"]] = color
        fig.add_scatter(x=[r.get(x, r["step"]) for r in rows], y=[r["val_loss"] for r in rows],
                        mode="lines+markers", name=run["name"], line=dict(color=color, width=2))
    fig = base_layout(fig, "", "training step" if x == "step" else "seconds of training",
                      "validation loss (nats per token)", height=420)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.18, xanchor="left", x=0),
                      margin=dict(b=120))
    return fig


def model_diagram(parts: list[dict], cell: str, layers: int, hidden: int, vocab: int, encoding: str,
                  embedding_dim: int) -> go.Figure:
    """Boxes from token to next-token probabilities, each with its size and weight count (``parts`` from
    ``lm.parameter_breakdown``)."""
    first = "one-hot vector" if encoding == "onehot" else "embedding"
    first_size = f"{vocab:,} values" if encoding == "onehot" else f"{embedding_dim} values"
    boxes = [("token", f"one of {vocab:,}", None),
             (first, first_size, parts[0]["count"]),
             (f"{cell.upper()} × {layers}" if layers > 1 else cell.upper(), f"{hidden} units",
              sum(p["count"] for p in parts[1:-1])),
             ("linear + softmax", f"{vocab:,} probabilities", parts[-1]["count"])]
    fig = go.Figure()
    width, gap = 1.0, 0.45
    for k, (name, size, count) in enumerate(boxes):
        x0 = k * (width + gap)
        fill = {2: CELL_COLORS.get(cell, COLORS[0])}.get(k, "#e8eef7")
        fig.add_shape(type="rect", x0=x0, x1=x0 + width, y0=0, y1=1, line=dict(color="#555"), fillcolor=fill,
                      opacity=0.9 if k == 2 else 1)
        label = f"<b>{name}</b><br>{size}" + (f"<br>{count:,} weights" if count is not None else "")
        fig.add_annotation(x=x0 + width / 2, y=0.5, text=label, showarrow=False,
                           font=dict(size=13, color="white" if k == 2 else "#222"))
        if k:
            fig.add_annotation(x=x0, y=0.5, ax=x0 - gap, ay=0.5, xref="x", yref="y", axref="x", ayref="y",
                               text="", showarrow=True, arrowhead=3, arrowwidth=2, arrowcolor="#555")
    # the recurrence: the hidden state goes back into the cell at the next token
    x0 = 2 * (width + gap)
    fig.add_annotation(x=x0 + 0.3, y=1.0, ax=x0 + 0.7, ay=1.0, xref="x", yref="y", axref="x", ayref="y",
                       text="", showarrow=True, arrowhead=3, arrowwidth=2, arrowcolor="#555")
    fig.add_annotation(x=x0 + width / 2, y=1.16, text="h_t → next token", showarrow=False, font=dict(size=12))
    fig.update_xaxes(visible=False, range=[-0.1, len(boxes) * (width + gap) - gap + 0.1])
    fig.update_yaxes(visible=False, range=[-0.1, 1.3])
    fig.update_layout(height=190, margin=dict(l=10, r=10, t=10, b=10), template="plotly_white",
                      showlegend=False)
    return fig


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
