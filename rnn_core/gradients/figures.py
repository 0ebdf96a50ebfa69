"""Charts of the vanishing-gradients lab: gradient norms through time, the theory, spectra, gates, training.

Gradient norms span hundreds of orders of magnitude, so most charts use a log scale. A log axis cannot show
0, nan or inf: those points are left out of the line and counted in a note on the chart, never hidden.
"""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnn_core.gradients.measure import GradientReport, Measurement
from rnn_core.figure_style import CELL_COLORS, COLORS, base_layout

NORMS_CAPTION = ("How to read it: each line is how much of the loss at the last step reaches step t "
                 "(‖∂L/∂h_t‖, log scale): read it from right to left, as the gradient flows back. Each factor of "
                 "10 down is a tenfold weaker learning signal; the dashed line is the RNN's theoretical ceiling "
                 "(γ·σ_max)^(T−1−t).")
TRAINED_CAPTION = ("How to read it: the trained networks on the same probe sequences as the heatmaps (‖∂L/∂h_t‖, "
                   "log scale, the loss at the last step): read it from right to left, as the gradient flows back. "
                   "A line that stays high all the way to step 0 means the earliest steps still receive a learning "
                   "signal, which remembering the first marked number needs.")
JACOBIAN_CAPTION = ("How to read it: the solid line is the exact size ‖∂h(T−1)/∂h(t)‖ for the RNN (the product of "
                    "one Jacobian diag(act′(a_s))·W_hh per step), the dashed line the bound (γ·σ_max)^(T−1−t). The "
                    "measurement can never cross above the bound; when σ_max < 1/γ both fall exponentially: the "
                    "gradient vanishes. The gap between them is what slopes act′ below γ take away.")
EIGEN_CAPTION = ("How to read it: every dot is an eigenvalue of W_hh on the complex plane. Dots inside the unit "
                 "circle shrink what W_hh multiplies at each step, dots outside grow it; the activation's slopes "
                 "multiply in too, so only a network that stays in its linear regime (ReLU's active units) "
                 "vanishes or explodes exactly as the dots say. The spectral-radius slider scales every dot towards "
                 "or away from the centre.")
FORGET_CAPTION = ("How to read it: top, the forget gate f_t of every LSTM unit (rows) at every step: near 1 "
                  "(yellow) the cell state is kept. Bottom: the cell-state path ∏ f_s from step t to the end (the "
                  "direct route the gradient can take back) next to the measured gradients; with f≈0.73 (bias 1) "
                  "0.73^99 ≈ 10⁻¹⁴, with f≈0.95 (bias 3) 0.95^99 ≈ 0.006. Where the solid line lies above the "
                  "dotted one, the gradient arrives by the other routes, through h and the gates.")
HEATMAP_CAPTION = ("How to read it: each row is one moment of training (top: the start), each column a time step; "
                   "the colour is log₁₀ ‖∂L/∂h_t‖ measured on the same probe sequences. A row that turns dark "
                   "towards the left means the early steps receive almost no learning signal. Each cell's heatmap has its "
                   "own colour scale: compare cells by the numbers on the colour bars.")
CLIPPING_CAPTION = ("How to read it: the same RNN trained twice on the same data. Left, the loss (log scale); right, "
                    "the gradient norm before clipping (solid) and after (dashed, never above the clipping norm). "
                    "The first steps' enormous gradients are what clipping tames; the dotted line is the loss of "
                    "always answering 1 (0.167).")


def log_safe(values) -> tuple[list[float | None], dict[str, int]]:
    """Values a log axis can draw (others become gaps) and a count of what was left out."""
    out, left_out = [], {"zero": 0, "inf": 0, "nan": 0}
    for v in values:
        v = float(v) if v is not None else math.nan
        if math.isnan(v):
            left_out["nan"] += 1
            out.append(None)
        elif math.isinf(v):
            left_out["inf"] += 1
            out.append(None)
        elif v <= 0:
            left_out["zero"] += 1
            out.append(None)
        else:
            out.append(v)
    return out, {k: n for k, n in left_out.items() if n}


def _note(fig: go.Figure, notes: list[str]) -> None:
    if notes:
        fig.add_annotation(text="Not drawn (a log scale cannot show them): " + "; ".join(notes), xref="paper",
                           yref="paper", x=0, y=-0.22, showarrow=False, xanchor="left",
                           font=dict(size=12, color="#b22222"))


def _describe(name: str, left_out: dict[str, int]) -> str:
    return f"{name}: " + ", ".join(f"{n} {'infinite' if k == 'inf' else k}" for k, n in left_out.items())


def _bound_on_gradient(report: GradientReport) -> list[float] | None:
    """‖∂L/∂h_{T-1}‖·(γσ_max)^(T−1−t): since ∂L/∂h_t = (∂h_{T-1}/∂h_t)ᵀ ∂L/∂h_{T-1}, the most ‖∂L/∂h_t‖ can be."""
    if report.bound is None or "rnn" not in report.measurements:
        return None
    last = report.measurements["rnn"].grad_norms[-1]
    with np.errstate(all="ignore"):
        return (np.asarray(report.bound) * last).tolist()


def gradient_norms_figure(report: GradientReport, title: str = "", show_bound: bool = True) -> go.Figure:
    """‖∂L/∂h_t‖ against t for every cell, log scale, with the RNN's bound dashed."""
    fig = go.Figure()
    notes = []
    steps = list(range(report.settings.length))
    for cell, m in report.measurements.items():
        ys, left_out = log_safe(m.grad_norms)
        if left_out:
            notes.append(_describe(cell.upper(), left_out))
        fig.add_scatter(x=steps, y=ys, mode="lines", name=f"{cell.upper()} (ratio {m.ratio:.2g})",
                        line=dict(color=CELL_COLORS[cell], width=3))
    bound = _bound_on_gradient(report) if show_bound else None
    if bound is not None:
        ys, _ = log_safe(bound)
        fig.add_scatter(x=steps, y=ys, mode="lines", name="RNN bound", line=dict(color=CELL_COLORS["rnn"], dash="dash"))
    _note(fig, notes)
    fig.update_yaxes(type="log", exponentformat="power")
    return base_layout(fig, title, "time step t (the loss is at the last step)", "‖∂L/∂h_t‖ (log scale)", height=420)


def jacobian_figure(report: GradientReport) -> go.Figure:
    """The RNN's exact ‖∂h_{T-1}/∂h_t‖ against the Pascanu et al. bound."""
    fig = go.Figure()
    notes = []
    steps = list(range(report.settings.length))
    if report.jacobian_norms is not None:
        ys, left_out = log_safe(report.jacobian_norms)
        if left_out:
            notes.append(_describe("measured", left_out))
        fig.add_scatter(x=steps, y=ys, mode="lines", name="measured ‖∂h<sub>T−1</sub>/∂h<sub>t</sub>‖",
                        line=dict(color=CELL_COLORS["rnn"], width=3))
        ys, left_out = log_safe(report.bound)
        if left_out:
            notes.append(_describe("bound", left_out))
        fig.add_scatter(x=steps, y=ys, mode="lines", name="bound (γ·σ_max)^(T−1−t)",
                        line=dict(color="black", dash="dash"))
    _note(fig, notes)
    fig.update_yaxes(type="log", exponentformat="power")
    return base_layout(fig, "", "time step t", "norm (log scale)")


def eigenvalue_figure(eigenvalues: list[complex], singular_max: float, title: str = "") -> go.Figure:
    """Eigenvalues of W_hh on the complex plane, with the unit circle and the circle of radius σ_max."""
    fig = go.Figure()
    angle = np.linspace(0, 2 * np.pi, 200)
    fig.add_scatter(x=np.cos(angle), y=np.sin(angle), mode="lines", name="unit circle",
                    line=dict(color="black", dash="dash"), hoverinfo="skip")
    if math.isfinite(singular_max):
        fig.add_scatter(x=singular_max * np.cos(angle), y=singular_max * np.sin(angle), mode="lines",
                        name=f"σ_max = {singular_max:.3g}", line=dict(color="grey", dash="dot"), hoverinfo="skip")
    fig.add_scatter(x=[e.real for e in eigenvalues], y=[e.imag for e in eigenvalues], mode="markers",
                    name="eigenvalues", marker=dict(color=CELL_COLORS["rnn"], size=8))
    fig.update_yaxes(scaleanchor="x", scaleratio=1)
    return base_layout(fig, title, "real part", "imaginary part", height=420)


def cumulative_forget(forget_gates: np.ndarray) -> np.ndarray:
    """Mean over units of ∏_{s=t+1..T−1} f_s for every t.

    That is the share of the gradient at c_{T−1} that reaches c_t along the cell state alone.
    """
    logs = np.log(np.clip(forget_gates, 1e-300, None))
    tail = np.cumsum(logs[::-1], axis=0)[::-1]          # Σ_{s≥t} log f_s
    after = np.vstack([tail[1:], np.zeros((1, tail.shape[1]))])
    return np.exp(after).mean(axis=1)


def forget_gate_figure(m: Measurement) -> go.Figure:
    """The LSTM's forget gates (units × time) above the cell-state path and the measured gradients."""
    fig = make_subplots(rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, row_heights=[0.45, 0.55])
    f = m.forget_gates
    fig.add_heatmap(z=f.T, x=list(range(f.shape[0])), zmin=0, zmax=1, colorscale="Viridis",
                    colorbar=dict(title="f", len=0.45, y=0.8), row=1, col=1, name="forget gate")
    steps = list(range(f.shape[0]))
    series = [("cell-state path ∏ f (mean over units)", cumulative_forget(f), COLORS[1], "dot")]
    last_c, last_h = m.cell_grad_norms[-1], m.grad_norms[-1]
    with np.errstate(all="ignore"):
        series.append(("‖∂L/∂c<sub>t</sub>‖ / ‖∂L/∂c<sub>T−1</sub>‖", np.asarray(m.cell_grad_norms) / last_c,
                       COLORS[0], "solid"))
        series.append(("‖∂L/∂h<sub>t</sub>‖ / ‖∂L/∂h<sub>T−1</sub>‖", np.asarray(m.grad_norms) / last_h,
                       CELL_COLORS["lstm"], "dash"))
    notes = []
    for name, values, color, dash in series:
        ys, left_out = log_safe(values)
        if left_out:
            notes.append(_describe(name, left_out))
        fig.add_scatter(x=steps, y=ys, mode="lines", name=name, line=dict(color=color, dash=dash, width=2.5),
                        row=2, col=1)
    _note(fig, notes)
    fig.update_yaxes(title_text="unit", row=1, col=1)
    fig.update_yaxes(type="log", exponentformat="power", title_text="relative size (log)", row=2, col=1)
    fig.update_xaxes(title_text="time step t", row=2, col=1)
    base_layout(fig, "", "", "", height=560)
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.12, xanchor="left", x=0))
    return fig


MAGMA = ["#000004", "#180f3d", "#440f76", "#721f81", "#9e2f7f", "#cd4071", "#f1605d", "#fd9668", "#feca8d", "#fcfdbf"]


def training_heatmap(snapshots: list, length: int, title: str = "") -> go.Figure:
    """log₁₀ ‖∂L/∂h_t‖ by time step (x) and training step (y, from the top)."""
    z, steps = [], []
    for snap in snapshots:
        row, _ = log_safe(snap.grad_norms)
        z.append([math.log10(v) if v is not None else None for v in row])
        steps.append(snap.step)
    finite = [v for row in z for v in row if v is not None]
    low, high = (min(finite), max(finite)) if finite else (0.0, 1.0)
    scale = [[i / 9, c] for i, c in enumerate(MAGMA)]   # explicit stops, so no theme can swap the scale
    fig = go.Figure(go.Heatmap(z=z, x=list(range(length)), y=steps, colorscale=scale, zmin=low, zmax=max(high, low + 1e-9),
                               colorbar=dict(title="log₁₀"), hoverongaps=False,
                               hovertemplate="t=%{x}<br>training step %{y}<br>log₁₀‖∂L/∂h_t‖=%{z:.1f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, title, "time step t", "training step", height=340)


def clipping_figure(runs: list, clip: float) -> go.Figure:
    """Loss and gradient norm against step, with and without clipping, side by side."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("loss (log)", "gradient norm (log)"))
    notes = []
    for i, run in enumerate(runs):
        label = "without clipping" if not run.clip else f"with clipping at {run.clip:g}"
        color = CELL_COLORS["rnn"] if not run.clip else CELL_COLORS["lstm"]
        steps = [r["step"] for r in run.history]
        loss, left_out = log_safe([r["train_loss"] for r in run.history])
        if left_out:
            notes.append(_describe(f"loss {label}", left_out))
        fig.add_scatter(x=steps, y=loss, mode="lines", name=label, line=dict(color=color), row=1, col=1,
                        legendgroup=label)
        norms, left_out = log_safe([r["grad_norm"] for r in run.history])
        if left_out:
            notes.append(_describe(f"gradient {label}", left_out))
        fig.add_scatter(x=steps, y=norms, mode="lines", name=label, line=dict(color=color), row=1, col=2,
                        legendgroup=label, showlegend=False)
        if run.clip:
            clipped = [None if v is None else min(v, run.clip) for v in norms]
            fig.add_scatter(x=steps, y=clipped, mode="lines", name="after clipping", row=1, col=2,
                            line=dict(color=color, dash="dash"))
        if run.result.diverged and steps:
            fig.add_annotation(x=steps[-1], y=0.95, yref="paper", xref="x", text="diverged: stopped", showarrow=False,
                               font=dict(color=color))
    if runs and runs[0].history:
        last = max(r["step"] for run in runs for r in run.history)
        fig.add_scatter(x=[1, last], y=[1 / 6, 1 / 6], mode="lines", name="always answering 1 (0.167)",
                        line=dict(color="grey", dash="dot"), row=1, col=1)
    _note(fig, notes)
    fig.update_yaxes(type="log", exponentformat="power")
    base_layout(fig, "", "", "", height=420)
    fig.update_xaxes(title_text="training step")
    # below the charts: above them the legend would cover the right chart's title
    fig.update_layout(legend=dict(orientation="h", yanchor="top", y=-0.22, xanchor="left", x=0),
                      margin=dict(b=120))
    return fig


# --- the remedies, side by side ---------------------------------------------------------------------------------

REMEDIES_CAPTION = ("How to read it: one row per remedy, each the tanh RNN with one thing changed (or a gated "
                    "cell; the IRNN + clipping row also changes its training recipe), trained on the adding problem at length 100 under the same step budget; one dot per "
                    "seed. Left, test accuracy (a sum within 0.04 of the true one), the bar the mean over seeds, "
                    "the dashed line what a network without memory gets. Right, the gradient ratio "
                    "‖∂L/∂h_0‖ / ‖∂L/∂h_99‖ on a log scale: the share of the last step's gradient that reaches "
                    "step 0, filled after training, hollow grey at the start; the dots' spread is the spread over "
                    "seeds, and every power of ten to the left is a tenfold weaker signal for the first steps.")


def _decade_step(rows: list[dict], most_ticks: int = 6) -> int:
    """Round powers of ten for a log axis spanning the rows' ratios: every 1, 2, 5, 10, 20, 30 or 50 decades."""
    values = [v for r in rows for v in (r["ratio"], r["ratio_init"]) if v and v > 0 and math.isfinite(v)]
    decades = math.log10(max(values)) - math.log10(min(values)) if values else 1
    return next((d for d in (1, 2, 5, 10, 20, 30, 50) if decades / d <= most_ticks), 100)


def remedies_figure(rows: list[dict], labels: dict[str, str], title: str = "") -> go.Figure:
    """Accuracy per remedy (the no-memory baseline dashed) and the gradient ratio per remedy (log), a dot per seed.

    ``rows``: one dict per run with ``remedy``, ``cell``, ``seed``, ``accuracy``, ``baseline``, ``ratio`` and
    ``ratio_init``; ``labels``: remedy key -> its name, in the order to draw (top to bottom).
    """
    order = [k for k in labels if any(r["remedy"] == k for r in rows)]
    names = [labels[k] for k in order]
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, horizontal_spacing=0.04,
                        subplot_titles=("test accuracy", "gradient ratio ‖∂L/∂h₀‖/‖∂L/∂h₉₉‖ (log)"))
    notes = []
    for key, name in zip(order, names):
        rs = [r for r in rows if r["remedy"] == key]
        color = CELL_COLORS.get(rs[0]["cell"], COLORS[0])
        accuracy = [r["accuracy"] for r in rs]
        seeds = [f"seed {r['seed']}" for r in rs]
        fig.add_bar(x=[sum(accuracy) / len(accuracy)], y=[name], orientation="h", marker_color=color, opacity=0.3,
                    showlegend=False, hovertemplate=f"{name}: mean %{{x:.3f}}<extra></extra>", row=1, col=1)
        fig.add_scatter(x=accuracy, y=[name] * len(rs), mode="markers", text=seeds, showlegend=False,
                        marker=dict(color=color, size=10, line=dict(color="white", width=1)),
                        hovertemplate="%{text}: %{x:.3f}<extra></extra>", row=1, col=1)
        start, left_start = log_safe([r["ratio_init"] for r in rs])
        end, left_end = log_safe([r["ratio"] for r in rs])
        for what, left_out in (("at the start", left_start), ("after training", left_end)):
            if left_out:
                notes.append(_describe(f"{name} {what}", left_out))
        fig.add_scatter(x=start, y=[name] * len(rs), mode="markers", text=seeds, name="at the start",
                        legendgroup="start", showlegend=key == order[0],
                        marker=dict(color="rgba(0,0,0,0)", size=10, line=dict(color="#888", width=1.5)),
                        hovertemplate="%{text}, at the start: %{x:.2g}<extra></extra>", row=1, col=2)
        fig.add_scatter(x=end, y=[name] * len(rs), mode="markers", text=seeds, name="after training",
                        legendgroup="end", showlegend=key == order[0],
                        marker=dict(color=color, size=10, line=dict(color="white", width=1)),
                        hovertemplate="%{text}, after training: %{x:.2g}<extra></extra>", row=1, col=2)
    if rows:
        baseline = rows[0]["baseline"]
        fig.add_scatter(x=[baseline, baseline], y=[names[0], names[-1]], mode="lines", row=1, col=1,
                        name=f"no memory ({baseline:.3f})", line=dict(color="grey", dash="dash"),
                        hoverinfo="skip")
    _note(fig, notes)
    base_layout(fig, title, "", "", height=120 + 48 * len(order))
    fig.update_xaxes(range=[0, 1.02], title_text="share of test sums within 0.04", row=1, col=1)
    fig.update_xaxes(type="log", exponentformat="power", title_text="share of the gradient reaching step 0",
                     tick0=0, dtick=_decade_step(rows), row=1, col=2)
    fig.update_yaxes(autorange="reversed", row=1, col=1)
    fig.update_layout(legend=dict(orientation="h", yanchor="bottom", y=1.08, xanchor="right", x=1),
                      margin=dict(l=210, t=90))
    return fig
