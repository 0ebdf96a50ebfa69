"""Charts of *How an RNN works*: the unrolled network, small annotated heatmaps of its numbers, the error
signal of backpropagation through time, an LSTM and a GRU cell drawn as their equations, the gates along the
word, and the shapes recurrent models come in.

Time steps are numbered from 1 on screen (x_1 is the first letter, h_0 = 0 the start state), while the
:class:`rnn_core.stepthrough.recording.StepThrough` lists count from 0.
"""

from __future__ import annotations

import re
from html import escape

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnn_core.figure_style import CELL_COLORS, base_layout

INPUT, HIDDEN, OUTPUT, GRADIENT = "#f4a582", "#a6dba0", "#92c5de", "#d62728"
HIGHLIGHT = "#ffd92f"
SUB = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")

FORWARD_CAPTION = ("How to read it: each column is one time step (the same weights every time). A letter goes in "
                   "at the bottom (x), updates the hidden state (h), which predicts the next letter at the top (y); "
                   "✓ marks a right guess. The arrow between the h boxes is the memory carried to the next step "
                   "(an LSTM carries two: c on top, h below). The yellow column is where you are.")
BACKWARD_CAPTION = {
    "rnn": ("How to read it: going backwards, red arrows carry the error from right to left. The red number under "
            "h_t is the size ‖∂L/∂h_t‖ of the whole error signal at h_t (the bar of the chart further down): its own "
            "letter's error plus what arrived from the right. The number on the arrow is the part it sends on to "
            "h_{t−1}, after tanh′ and W_hhᵀ, so it is smaller: that is the signal fading. The arrow's width follows it."),
    "lstm": ("How to read it: going backwards, red arrows carry the error from right to left, along both memories: "
             "the upper arrow is ‖∂L/∂c_{t−1}‖ (the cell state, multiplied only by the forget gate), the lower one "
             "‖∂L/∂h_{t−1}‖ (through the gates' weights W_hhᵀ). The red numbers under each box are the whole signal "
             "at that step, ‖∂L/∂h_t‖ and ‖∂L/∂c_t‖: its own letter's error plus what arrived from the right."),
    "gru": ("How to read it: going backwards, red arrows carry the error from right to left. The red number under h_t "
            "is the size ‖∂L/∂h_t‖ of the whole error signal at h_t (the bar further down): its own letter's error "
            "plus what arrived from the right. The number on the arrow is the part it sends on to h_{t−1}: "
            "z_t ⊙ ∂L/∂h_t directly, plus what goes through the gates' weights W_hhᵀ."),
}


def unrolled_caption(cell: str, phase: str) -> str:
    """The caption under :func:`unrolled_diagram`: how to read its boxes, arrows and numbers."""
    return FORWARD_CAPTION if phase == "forward" else BACKWARD_CAPTION[cell]


PRODUCT_CAPTION = ("How to read it: a one-hot x_t has a single 1, so W_xh·x_t just picks one column of W_xh "
                   "(outlined): each letter has its own column of weights. Red is positive, blue negative.")
SUM_CAPTION = ("How to read it: each column is a vector with one row per hidden unit; the three parts add up to "
               "the pre-activation a_t, and the activation squashes it into h_t (tanh keeps it between −1 and 1).")
PROBS_CAPTION = ("How to read it: the network's probability for each possible next letter; the outlined bar is the "
                 "letter that really comes next. The loss −log p(that letter) is 0 for a sure, right guess and large "
                 "for a confident wrong one.")
BPTT_CAPTION = {
    "rnn": ("How to read it: each bar is the size ‖∂L/∂h_t‖ of the whole error signal at step t (log scale): that "
            "step's own error plus everything sent back from later steps (the red numbers under the h boxes above). "
            "The dotted line follows the last letter's error alone as it travels back through tanh′ and W_hhᵀ: "
            "it falls at every step back. A steep fall is the vanishing gradient."),
    "lstm": ("How to read it: each bar is the size ‖∂L/∂h_t‖ of the whole error signal at step t (log scale). The "
             "dotted line is the last letter's error alone at h_t; the dashed line the same error at the cell "
             "state, ‖∂L_T/∂c_t‖. Along the cell state each step back multiplies it only by a forget gate, so it "
             "fades far less: the LSTM's way around the vanishing gradient."),
    "gru": ("How to read it: each bar is the size ‖∂L/∂h_t‖ of the whole error signal at step t (log scale). The "
            "dotted line follows the last letter's error alone as it travels back; part of it takes the direct "
            "path z_t ⊙ ∂L/∂h_t, which no matrix multiplies."),
}
BACKWARD_STRIP_CAPTION = {
    "rnn": ("How to read it: the gradient at h_t adds this step's own error (from y) to what came back from later "
            "steps. Multiplied by tanh′ = 1 − h_t² (never above 1) and then by W_hhᵀ, it goes on to the step "
            "before (last column), usually smaller than it arrived (with the default random weights, at every "
            "step): the signal shrinks as it goes back."),
    "lstm": ("How to read it: the gradient at h_t adds this step's own error (from y) to what came back from later "
             "steps; it goes on to h_{t−1} only through the gates' weights W_hhᵀ (last column)."),
    "gru": ("How to read it: the gradient at h_t adds this step's own error (from y) to what came back from later "
            "steps. It reaches h_{t−1} two ways: z_t ⊙ ∂L/∂h_t directly (no matrix, no tanh′), plus what goes "
            "back through the gates' weights W_hhᵀ."),
}
CELL_STATE_CAPTION = ("How to read it: the cell-state gradient ∂L/∂c_t gathers what arrives through h_t "
                      "(o_t ⊙ tanh′(c_t) ⊙ ∂L/∂h_t) and what c_{t+1} sent back; it goes on to c_{t−1} multiplied "
                      "only by the forget gate f_t: no matrix and no tanh′, so where f_t is near 1 it passes almost "
                      "unchanged.")
GATED_SUM_CAPTION = ("How to read it: each column is a vector with one row per gate and hidden unit; the three parts "
                     "add up to every gate's pre-activation a_t, which the cell below turns into its gates.")
GATES_CAPTION = ("How to read it: one row per hidden unit, one column per letter read; a gate near 1 (dark) is open, "
                 "near 0 is shut. The outlined column is the current step. Gates are the cell's own numbers, "
                 "not a re-derivation.")
ARCH_CAPTION = ("How to read it: red boxes are inputs, green boxes the hidden state at each step, blue boxes "
                "outputs; arrows show what feeds what, left to right in time.")


def sub(n) -> str:
    """An index as subscript digits, for labels like h₃."""
    return str(n).translate(SUB)


class _Canvas:
    """Boxes and arrows collected as plain dicts and set on the figure once (adding them one by one to a
    plotly figure re-validates every earlier one, which made a diagram take seconds on a busy CPU). The same
    parts make the SVG picture the page shows (:meth:`svg`), without building a plotly figure at all."""

    def __init__(self):
        self.shapes, self.annotations = [], []
        self.xrange, self.yrange, self.title, self.height, self.margin = (0, 1), (0, 1), "", 300, None

    def add_shape(self, **shape):
        self.shapes.append(shape)

    def add_annotation(self, **annotation):
        self.annotations.append(annotation)

    def frame(self, xrange, yrange, title: str, height: int, margin: dict | None = None) -> "_Canvas":
        self.xrange, self.yrange, self.title, self.height, self.margin = xrange, yrange, title, height, margin
        return self

    def figure(self) -> go.Figure:
        fig = go.Figure()
        fig.update_layout(shapes=self.shapes, annotations=self.annotations)
        fig.update_xaxes(visible=False, range=list(self.xrange))
        fig.update_yaxes(visible=False, range=list(self.yrange))
        fig = base_layout(fig, self.title, height=self.height)
        if self.margin:
            fig.update_layout(margin=self.margin)
        return fig

    def svg(self, width: int) -> str:
        """The diagram as an SVG picture ``width`` pixels wide (see :func:`diagram_svg`)."""
        margin = self.margin or dict(l=60, r=20, t=70 if self.title else 40, b=50)   # base_layout's
        return _svg(self.shapes, self.annotations, self.xrange, self.yrange, self.title, self.height,
                    tuple(margin[k] for k in ("l", "r", "t", "b")), width)


def _box(fig, x, y, text, color, line="#555", width=1.0, w=0.34, h=0.3):
    fig.add_shape(type="rect", x0=x - w, x1=x + w, y0=y - h, y1=y + h, fillcolor=color,
                  line=dict(color=line, width=width), layer="below")
    if text:
        fig.add_annotation(x=x, y=y, text=text, showarrow=False, font=dict(size=15, color="#111"))


def _arrow(fig, x0, y0, x1, y1, color="#555", width=1.5, text=None):
    fig.add_annotation(x=x1, y=y1, ax=x0, ay=y0, xref="x", yref="y", axref="x", ayref="y", showarrow=True,
                       arrowhead=2, arrowsize=1, arrowwidth=width, arrowcolor=color, text="")
    if text:
        fig.add_annotation(x=(x0 + x1) / 2, y=(y0 + y1) / 2 + 0.2, text=text, showarrow=False,
                           font=dict(size=13, color=color))


def unrolled_diagram(walk, phase: str = "forward", t: int = 0) -> go.Figure:
    """The network unrolled over the word, the current step highlighted (see :func:`_unrolled`)."""
    return _unrolled(walk, phase, t).figure()


def unrolled_svg(walk, phase: str, t: int, width: int) -> str:
    """:func:`unrolled_diagram` as an SVG picture ``width`` pixels wide."""
    return _unrolled(walk, phase, t).svg(width)


def _unrolled(walk, phase: str = "forward", t: int = 0) -> _Canvas:
    """The network unrolled over the word, the current step highlighted.

    Going backwards, each red arrow from step s to step s−1 is labelled with the size of what step s sends
    back (``dh_prev``; the LSTM's second arrow ``dc_prev``), and the red number under each h box is the whole
    signal ‖∂L/∂h_s‖ there (the bars of :func:`bptt_chart`).
    """
    fig = _Canvas()
    T = walk.steps
    lstm = walk.cell == "lstm"
    fig.add_shape(type="rect", x0=t + 0.55, x1=t + 1.45, y0=-0.5, y1=2.55, fillcolor=HIGHLIGHT, opacity=0.35,
                  line=dict(width=0), layer="below")
    _box(fig, 0, 1, "h" + sub(0) + (", c" + sub(0) if lstm else "") + " = 0", "#eeeeee")
    # The recurrent links: (y, label, what step s sends back to step s−1, the signal at h_s or c_s).
    links = [(1.0, "", "dh_prev", "dh")]
    if lstm:
        links = [(1.14, "c", "dc_prev", "dc"), (0.86, "h", "dh_prev", "dh")]
    biggest = max([float(np.linalg.norm(getattr(b, sent))) for b in walk.backward for _, _, sent, _ in links] or [1.0])
    for s in range(T):
        f, col = walk.forward[s], s + 1
        here = s == t
        edge = dict(line="#222", width=3) if here else {}
        _box(fig, col, 0, f"x{sub(col)} '{f.char}'", INPUT, **edge)
        _box(fig, col, 1, f"h{sub(col)}" + (f", c{sub(col)}" if lstm else ""), HIDDEN, **edge)
        mark = "✓" if f.prediction == f.target else "✗"
        _box(fig, col, 2, f"y{sub(col)} '{f.prediction}' {mark}", OUTPUT, **edge)
        fig.add_annotation(x=col, y=2.45, text=f"next: '{f.target}'", showarrow=False,
                           font=dict(size=12, color="#333"))
        if phase == "backward" and s >= t:
            b = walk.backward[s]
            _arrow(fig, col, 1.7, col, 1.3, GRADIENT, 2)
            under = " ".join(f"{name}:{np.linalg.norm(getattr(b, total)):.2g}" if name else
                             f"{np.linalg.norm(getattr(b, total)):.2g}" for _, name, _, total in links)
            fig.add_annotation(x=col, y=0.5, text=under, showarrow=False, font=dict(size=12, color=GRADIENT),
                               bgcolor="white")
            for y, name, sent, _ in links:
                size = float(np.linalg.norm(getattr(b, sent)))
                _arrow(fig, col - 0.36, y, col - 0.64, y, GRADIENT, 1 + 5 * size / max(1e-12, biggest))
                if s > 0:
                    above = y >= 1.0
                    fig.add_annotation(x=col - 0.5, y=y + (0.13 if above else -0.13), text=f"{size:.2g}",
                                       showarrow=False, font=dict(size=11, color=GRADIENT),
                                       yanchor="bottom" if above else "top")
        else:
            _arrow(fig, col, 0.3, col, 0.7)
            _arrow(fig, col, 1.3, col, 1.7)
            for y, name, _, _ in links:
                _arrow(fig, col - 0.66, y, col - 0.36, y)
                if name:
                    fig.add_annotation(x=col - 0.5, y=y + (0.12 if y >= 1 else -0.12), text=name, showarrow=False,
                                       font=dict(size=11, color="#555"), yanchor="bottom" if y >= 1 else "top")
    label = "forward pass" if phase == "forward" else "backpropagation through time"
    return fig.frame((-0.6, T + 0.6), (-0.5, 2.65), f"Unrolled over '{walk.word}': time step {t + 1} of {T}, {label}",
                     300)


def matrix_heatmap(values, row_labels, col_labels, title: str = "", outline_col: int | None = None,
                   height: int | None = None) -> go.Figure:
    """A small matrix (or a column vector) with each value written in its cell; 0 is white."""
    z = np.atleast_2d(np.asarray(values, dtype=float))
    if z.shape[0] == 1 and len(row_labels) != 1:
        z = z.T
    limit = max(1e-9, float(np.nanmax(np.abs(z)))) if np.isfinite(z).any() else 1.0
    fig = go.Figure(go.Heatmap(z=z, x=list(col_labels), y=list(row_labels), colorscale="RdBu", reversescale=True,
                               zmin=-limit, zmax=limit, text=np.round(z, 2), texttemplate="%{text}",
                               textfont=dict(size=13), showscale=False, xgap=2, ygap=2,
                               hovertemplate="%{y}, %{x}: %{z:.4f}<extra></extra>"))
    if outline_col is not None:
        fig.add_shape(type="rect", x0=outline_col - 0.5, x1=outline_col + 0.5, y0=-0.5, y1=z.shape[0] - 0.5,
                      line=dict(color="#222", width=3))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category", side="top")
    fig = base_layout(fig, title, height=height or 80 + 34 * z.shape[0])
    fig.update_layout(margin=dict(l=60, r=10, t=70 if title else 40, b=10))
    return fig


def vector_sum(columns: list[tuple[str, np.ndarray]], operators: list[str], row_labels,
               title: str = "") -> go.Figure:
    """Vectors side by side with the operators between them: W_xh·x_t + W_hh·h_{t−1} + b = a_t → h_t."""
    n, rows = len(columns), len(row_labels)
    z = np.full((rows, 2 * n - 1), np.nan)
    for k, (_, v) in enumerate(columns):
        z[:, 2 * k] = v
    labels = [""] * (2 * n - 1)
    for k, (name, _) in enumerate(columns):
        labels[2 * k] = name
    x = list(range(2 * n - 1))
    limit = max(1e-9, float(np.nanmax(np.abs(z))))
    text = np.where(np.isnan(z), "", np.vectorize(lambda v: f"{v:.2f}")(np.nan_to_num(z)))
    fig = go.Figure(go.Heatmap(z=z, x=x, y=list(range(rows)), colorscale="RdBu", reversescale=True, zmin=-limit,
                               zmax=limit, text=text, texttemplate="%{text}", textfont=dict(size=13),
                               showscale=False, xgap=3, ygap=2, hoverongaps=False,
                               hovertemplate="%{z:.4f}<extra></extra>"))
    fig.update_layout(annotations=[dict(x=2 * k + 1, y=(rows - 1) / 2, text=f"<b>{op}</b>", showarrow=False,
                                        font=dict(size=20)) for k, op in enumerate(operators) if op])
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=labels, side="top", showgrid=False)
    fig.update_yaxes(tickmode="array", tickvals=list(range(rows)), ticktext=list(row_labels), autorange="reversed",
                     showgrid=False)
    fig = base_layout(fig, title, height=90 + 30 * rows)
    fig.update_layout(margin=dict(l=60, r=10, t=80 if title else 50, b=10))
    return fig


def probability_bars(vocab, probs, target: str, title: str = "") -> go.Figure:
    """y_t as bars, the true next letter outlined."""
    colors = [OUTPUT] * len(vocab)
    lines = [3 if c == target else 0 for c in vocab]
    fig = go.Figure(go.Bar(x=[f"'{c}'" for c in vocab], y=probs, marker=dict(color=colors, line=dict(
        color="#222", width=lines)), text=[f"{p:.2f}" for p in probs], textposition="outside"))
    fig.update_yaxes(range=[0, 1.15])
    return base_layout(fig, title, "next letter", "probability", height=280)


def bptt_chart(walk, current: int | None = None) -> go.Figure:
    """‖∂L/∂h_t‖ per step (all losses) and ‖∂L_T/∂h_t‖ (the last loss alone), current step highlighted."""
    steps = [b.t + 1 for b in walk.backward]
    total = [float(np.linalg.norm(b.dh)) for b in walk.backward]
    last = [b.last_loss_dh_norm for b in walk.backward]
    colors = [GRADIENT if current is not None and b.t == current else
              ("#f1a9a0" if current is None or b.t > current else "#dddddd") for b in walk.backward]
    fig = go.Figure()
    fig.add_bar(x=steps, y=total, name="‖∂L/∂h_t‖, every step's loss", marker_color=colors,
                text=[f"{v:.2g}" for v in total], textposition="outside")
    fig.add_scatter(x=steps, y=last, name="‖∂L_T/∂h_t‖, the last step's loss only", mode="lines+markers",
                    line=dict(color="#333", dash="dot"))
    if walk.cell == "lstm":
        fig.add_scatter(x=steps, y=[b.last_loss_dc_norm for b in walk.backward], mode="lines+markers",
                        name="‖∂L_T/∂c_t‖, the same along the cell state", line=dict(color=CELL_COLORS["lstm"],
                                                                                      dash="dash"))
    fig.update_yaxes(type="log", dtick=1, exponentformat="power")
    fig.update_xaxes(tickmode="array", tickvals=steps, ticktext=[f"{s} '{walk.forward[s - 1].char}'" for s in steps])
    return base_layout(fig, "", "time step (letter read)", "gradient size (log)", height=320)


def gate_timeline(walk, current: int | None = None) -> go.Figure:
    """Each gate as a (hidden unit × step) heatmap along the word, for LSTM and GRU."""
    names = list(walk.forward[0].gates)
    fig = make_subplots(rows=1, cols=len(names), subplot_titles=[n + " gate" if n != "candidate" else n
                                                                   for n in names], horizontal_spacing=0.04)
    letters = [f"{f.t + 1} '{f.char}'" for f in walk.forward]
    units = [f"unit {k + 1}" for k in range(walk.hidden_size)]
    for k, name in enumerate(names):
        z = np.stack([f.gates[name] for f in walk.forward], axis=1)
        low = -1.0 if name == "candidate" else 0.0
        fig.add_trace(go.Heatmap(z=z, x=letters, y=units, zmin=low, zmax=1.0, showscale=False,
                                 colorscale="RdBu" if low < 0 else "Greens", reversescale=low < 0,
                                 text=np.round(z, 2), texttemplate="%{text}", textfont=dict(size=11), xgap=1,
                                 ygap=1, hovertemplate="%{y}, step %{x}: %{z:.3f}<extra></extra>"), 1, k + 1)
        if current is not None:
            fig.add_shape(type="rect", x0=current - 0.5, x1=current + 0.5, y0=-0.5, y1=walk.hidden_size - 0.5,
                          line=dict(color="#222", width=3), row=1, col=k + 1)
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_yaxes(showticklabels=True, row=1, col=1)
    fig = base_layout(fig, "", height=140 + 28 * walk.hidden_size)
    fig.update_layout(margin=dict(l=60, r=10, t=40, b=50))
    for annotation in fig.layout.annotations:
        annotation.font.color = CELL_COLORS[walk.cell]
    return fig


# --- inside a gated cell ---------------------------------------------------------------------------------

CELL_DIAGRAM_CAPTION = {
    "lstm": ("How to read it: the cell-state line runs across the top, from c_{t−1} to c_t; the forget gate f "
             "multiplies what it carries (⊗), then i ⊙ g is added (⊕). The gates below read h_{t−1} and x_t; "
             "each box shows its values for this step, one number per hidden unit (σ gates between 0 and 1, the "
             "candidate g and tanh between −1 and 1). The output gate o decides how much of tanh(c_t) becomes h_t."),
    "gru": ("How to read it: the memory h runs across the top, from h_{t−1} to h_t. The update gate z keeps z ⊙ h_{t−1} "
            "of the old memory and lets (1 − z) ⊙ n of the candidate n in; the reset gate r decides how much of "
            "h_{t−1} the candidate sees. Each box shows its values for this step, one number per hidden unit."),
}
GATE_FILL, TANH_FILL, OP_FILL, LINE = "#fff2cc", "#dbe9f6", "#ffffff", "#1f77b4"


def _numbers(values, per_line: int = 4) -> str:
    """A vector as short numbers, ``per_line`` to a line (hidden sizes up to 8 fit in two lines)."""
    items = [f"{v:.2f}" for v in np.asarray(values, dtype=float)]
    return "<br>".join(" ".join(items[k:k + per_line]) for k in range(0, len(items), per_line))


def _node(fig, x, y, title, values, fill, w=0.72, h=0.5, bold=True):
    fig.add_shape(type="rect", x0=x - w, x1=x + w, y0=y - h, y1=y + h, fillcolor=fill,
                  line=dict(color="#555", width=1.2), layer="below")
    text = f"<b>{title}</b>" if bold else title
    if values is not None:
        text += f"<br><span style='font-size:11px'>{_numbers(values)}</span>"
    fig.add_annotation(x=x, y=y, text=text, showarrow=False, font=dict(size=13, color="#111"))


def _op(fig, x, y, symbol):
    fig.add_shape(type="circle", x0=x - 0.2, x1=x + 0.2, y0=y - 0.2, y1=y + 0.2, fillcolor=OP_FILL,
                  line=dict(color="#555", width=1.2), layer="below")
    fig.add_annotation(x=x, y=y, text=f"<b>{symbol}</b>", showarrow=False, font=dict(size=15, color="#111"))


def _line(fig, x0, y0, x1, y1, color="#777", width=1.5):
    fig.add_shape(type="line", x0=x0, y0=y0, x1=x1, y1=y1, line=dict(color=color, width=width), layer="below")


def _gradient_note(fig, x, y, text, values, anchor="bottom"):
    fig.add_annotation(x=x, y=y, text=f"{text} {_numbers(values, 8)}", showarrow=False, yanchor=anchor,
                       font=dict(size=12, color=GRADIENT), bgcolor="white")


def cell_diagram(walk, t: int, phase: str = "forward") -> go.Figure:
    """An LSTM or GRU cell drawn as its equations: gates as nodes, the memory line across the top, each
    node carrying its values at step ``t``. Going backwards, the error signals on the memory line in red."""
    return _cell(walk, t, phase).figure()


def cell_svg(walk, t: int, phase: str, width: int) -> str:
    """:func:`cell_diagram` as an SVG picture ``width`` pixels wide."""
    return _cell(walk, t, phase).svg(width)


def _cell(walk, t: int, phase: str = "forward") -> _Canvas:
    if walk.cell not in ("lstm", "gru"):
        raise ValueError("cell_diagram draws the gated cells (lstm, gru)")
    f, b = walk.forward[t], walk.backward[t]
    n, prev = sub(t + 1), sub(t)
    gates = f.gates
    fig = _Canvas()
    top, mid, gate_y, bus = 4.3, 3.2, 2.0, 0.6
    if walk.cell == "lstm":
        c_prev = walk.forward[t - 1].c if t else np.zeros(walk.hidden_size)
        _line(fig, 0.72, top, 10.1, top, LINE, 5)                          # the cell-state line
        _node(fig, 0, top, f"c{prev}", c_prev, "#eeeeee")
        _node(fig, 10.8, top, f"c{n}", f.c, HIDDEN)
        _op(fig, 3, top, "×")
        _op(fig, 5.6, top, "+")
        _op(fig, 5.6, mid, "×")
        _node(fig, 0, bus, f"h{prev}", f.h_prev, "#eeeeee")
        _node(fig, 1.6, -0.45, f"x{n} = '{f.char}'", None, INPUT, w=0.6, h=0.3)
        _arrow(fig, 1.6, -0.15, 1.6, bus)
        _line(fig, 0.72, bus, 7.9, bus)
        for x, key, symbol, fill in ((3, "forget", "f forget", GATE_FILL), (4.8, "input", "i input", GATE_FILL),
                                     (6.4, "candidate", "g candidate", TANH_FILL),
                                     (7.9, "output", "o output", GATE_FILL)):
            _arrow(fig, x, bus, x, gate_y - 0.5)
            _node(fig, x, gate_y, symbol, gates[key], fill, w=0.74)
        _arrow(fig, 3, gate_y + 0.5, 3, top - 0.2)                         # f multiplies the old cell state
        _arrow(fig, 4.8, gate_y + 0.5, 5.42, mid - 0.1)                    # i ⊙ g
        _arrow(fig, 6.4, gate_y + 0.5, 5.78, mid - 0.1)
        _arrow(fig, 5.6, mid + 0.2, 5.6, top - 0.2)
        fig.add_annotation(x=4.3, y=top + 0.12, text=f"f⊙c{prev}", showarrow=False, yanchor="bottom",
                           font=dict(size=11, color="#555"))
        fig.add_annotation(x=5.75, y=(mid + top) / 2, text="i⊙g", showarrow=False, xanchor="left",
                           font=dict(size=11, color="#555"))
        _node(fig, 9.4, mid, f"tanh(c{n})", np.tanh(f.c), TANH_FILL, w=0.66, h=0.45)
        _arrow(fig, 9.4, top, 9.4, mid + 0.45)
        _op(fig, 9.4, gate_y, "×")
        _arrow(fig, 9.4, mid - 0.45, 9.4, gate_y + 0.2)
        _arrow(fig, 7.9 + 0.74, gate_y, 9.2, gate_y)
        _node(fig, 10.8, gate_y - 0.9, f"h{n}", f.h, HIDDEN)
        _arrow(fig, 9.4, gate_y - 0.2, 10.1, gate_y - 0.9)
        if phase == "backward":
            _gradient_note(fig, 10.8, top + 0.55, f"∂L/∂c{n}", b.dc)
            _gradient_note(fig, 0.6, top + 0.55, f"∂L/∂c{prev} = f⊙∂L/∂c{n}", b.dc_prev)
            _gradient_note(fig, 10.8, gate_y - 1.45, f"∂L/∂h{n}", b.dh, anchor="top")
    else:
        _line(fig, 0.72, top, 10.1, top, LINE, 5)                          # the memory line
        _node(fig, 0, top, f"h{prev}", f.h_prev, "#eeeeee")
        _node(fig, 10.8, top, f"h{n}", f.h, HIDDEN)
        _op(fig, 3, top, "×")
        _op(fig, 8, top, "+")
        _op(fig, 8, mid, "×")
        _line(fig, 1.1, top, 1.1, bus)
        _line(fig, 1.1, bus, 8, bus)
        _node(fig, 1.9, -0.45, f"x{n} = '{f.char}'", None, INPUT, w=0.6, h=0.3)
        _arrow(fig, 1.9, -0.15, 1.9, bus)
        for x, key, symbol, fill in ((3, "update", "z update", GATE_FILL), (5.6, "reset", "r reset", GATE_FILL),
                                     (8, "candidate", "n candidate", TANH_FILL)):
            _arrow(fig, x, bus, x, gate_y - 0.5)
            _node(fig, x, gate_y, symbol, gates[key], fill, w=0.74)
        _arrow(fig, 3, gate_y + 0.5, 3, top - 0.2)                         # z ⊙ h_{t−1}
        _node(fig, 5.6, mid, "1 − z", 1 - gates["update"], "#f3f3f3", w=0.62, h=0.42, bold=False)
        _arrow(fig, 3.5, gate_y + 0.5, 4.98, mid)
        _arrow(fig, 6.22, mid, 7.8, mid)                                   # (1 − z) ⊙ n
        _arrow(fig, 6.34, gate_y, 7.26, gate_y)                            # r inside the candidate
        _arrow(fig, 8, gate_y + 0.5, 8, mid - 0.2)
        _arrow(fig, 8, mid + 0.2, 8, top - 0.2)
        fig.add_annotation(x=5.2, y=top + 0.12, text=f"z⊙h{prev}", showarrow=False, yanchor="bottom",
                           font=dict(size=11, color="#555"))
        fig.add_annotation(x=8.15, y=(mid + top) / 2, text="(1−z)⊙n", showarrow=False, xanchor="left",
                           font=dict(size=11, color="#555"))
        if phase == "backward":
            _gradient_note(fig, 10.8, top + 0.55, f"∂L/∂h{n}", b.dh)
            _gradient_note(fig, 0.6, top + 0.55, f"direct to h{prev}: z⊙∂L/∂h{n}", b.dh_direct)
    where = "forward" if phase == "forward" else "backward (red: the error signals)"
    return fig.frame((-0.85, 11.65), (-0.85, 5.15),
                     f"Inside the {walk.cell.upper()} cell at step {t + 1}, reading '{f.char}': {where}", 400)


# --- the shapes recurrent models come in -----------------------------------------------------------------

# Each shape's "Try it" opens ``page`` with ``link`` as the query of a shared link: the settings (in the target
# page's own URL names, see its ``SHARE`` schema) that make it show that shape; ``promise`` says what opens.

ARCHITECTURES = {
    "one-to-one": dict(title="One to one", inputs=[0], outputs=[0], steps=1, layers=["none"],
                       text="No recurrence: one input, one output (an ordinary feed-forward network), the "
                            "baseline every shape below extends.", page=None),
    "one-to-many": dict(title="One to many", inputs=[0], outputs=[0, 1, 2, 3], steps=4, layers=["→"],
                        text="One input starts a whole sequence: a picture in, a caption out. The decoder feeds "
                             "each word it writes back in as the next step's input.",
                        page="pages/caption.py", link={}, promise="Caption a picture: a picture in, a sentence out"),
    "many-to-one": dict(title="Many to one", inputs=[0, 1, 2, 3], outputs=[3], steps=4, layers=["→"],
                        text="Read a whole sequence, answer once at the end: the sentiment of a review, the sum "
                             "of the adding problem, or whether the verb is “was” or “were” (Compare's agreement "
                             "task).", page="pages/sentiment.py", link={},
                        promise="the Sentiment page: one answer per sentence"),
    "many-to-many": dict(title="Many to many (in step)", inputs=[0, 1, 2, 3], outputs=[0, 1, 2, 3], steps=4,
                         layers=["→"], text="An output at every step: the language model predicts the next letter "
                                            "after each one it reads.", page="pages/language_model.py",
                         link={"layers": "1"}, promise="the language model (one layer)"),
    "encoder-decoder": dict(title="Encoder–decoder", inputs=[0, 1, 2], outputs=[3, 4, 5], steps=6,
                            layers=["→"], text="Read everything first, then write: translation (dates written "
                                               "as people write them, into ISO form), or reversing a sequence.",
                            page="pages/translate.py", link={"lengths": "20", "models": "attention,plain"},
                            promise="Translate: an encoder-decoder with and without attention"),
    "bidirectional": dict(title="Bidirectional", inputs=[0, 1, 2, 3], outputs=[0, 1, 2, 3], steps=4,
                          layers=["→", "←"], text="Two RNNs, one reading left to right and one right to left, so "
                                                 "every output sees the whole sentence: \"jordan\" is a place in "
                                                 "\"jordan flows south\", and only the words after it say so.",
                          page="pages/tag.py", link={"cell": "lstm", "distance": "3", "sentence": "jordan flows south"},
                          promise="Tag a sentence: a left-to-right and a bidirectional tagger side by side"),
    "stacked": dict(title="Stacked (deep)", inputs=[0, 1, 2, 3], outputs=[0, 1, 2, 3], steps=4, layers=["→", "→"],
                    text="The hidden states of one layer are the inputs of the next: more layers, more abstract "
                         "features (the Layers slider of the language model).", page="pages/language_model.py",
                    link={"layers": "2"}, promise="the language model with 2 layers"),
}


def architecture_diagram(key: str) -> go.Figure:
    """Boxes and arrows for one shape of :data:`ARCHITECTURES`."""
    return _architecture(key).figure()


def architecture_svg(key: str, width: int) -> str:
    """:func:`architecture_diagram` as an SVG picture ``width`` pixels wide."""
    return _architecture(key).svg(width)


def _architecture(key: str) -> _Canvas:
    a = ARCHITECTURES[key]
    fig = _Canvas()
    n, layers = a["steps"], a["layers"]
    both_ways = layers == ["→", "←"]
    # Bidirectional: the two rows sit side by side in x, so that each input reaches both and both reach the output.
    shift = [-0.12, 0.12] if both_ways else [0.0] * len(layers)
    ys = [1.0, 1.75] if both_ways else [1.0 + k for k in range(len(layers))]
    w = 0.2 if both_ways else 0.3
    top = ys[-1] + (0.85 if both_ways else 1.0)
    for col in range(n):
        for k, direction in enumerate(layers):
            x, y = col + shift[k], ys[k]
            _box(fig, x, y, "", "#cdebc5" if direction == "←" else HIDDEN, w=w, h=0.2)
            if direction == "→" and col > 0:
                _arrow(fig, x - 1 + w, y, x - w, y)
            if direction == "←" and col < n - 1:
                _arrow(fig, x + 1 - w, y, x + w, y)
            if not both_ways and k > 0:
                _arrow(fig, x, ys[k - 1] + 0.2, x, y - 0.2)
            if col in a["inputs"] and (both_ways or k == 0):
                _arrow(fig, x, 0.22, x, y - 0.2)
            if col in a["outputs"] and (both_ways or k == len(layers) - 1):
                _arrow(fig, x, y + 0.2, x, top - 0.22)
        if col in a["inputs"]:
            _box(fig, col, 0, "", INPUT, w=0.3, h=0.22)
        if col in a["outputs"]:
            _box(fig, col, top, "", OUTPUT, w=0.3, h=0.22)
    return fig.frame((-0.6, max(n, 3) - 0.4), (-0.45, top + 0.45), "", int(60 + 55 * (top + 1)),
                     dict(l=5, r=5, t=5, b=5))


# --- diagrams as SVG ---------------------------------------------------------------------------------------

_TAG = re.compile(r"<b>|</b>|<br>|<span style='font-size:(\d+)px'>|</span>")
_TITLE_COLOR = "#2f2d2b"
# A picture cannot use the page's web font: the nearest fonts a computer has, narrow ones first
_FONTS = "Source Sans Pro, Source Sans 3, Arial, Helvetica, DejaVu Sans Condensed, sans-serif"


def _text_lines(text: str, size: float) -> list[list[tuple[str, float, bool]]]:
    """Plotly's small text markup (``<b>``, ``<br>``, a font-size span) as lines of (text, size, bold) runs."""
    lines, runs, bold, sizes, at = [], [], False, [size], 0
    for m in _TAG.finditer(text):
        if m.start() > at:
            runs.append((text[at:m.start()], sizes[-1], bold))
        tag, at = m.group(0), m.end()
        if tag == "<br>":
            lines.append(runs)
            runs = []
        elif tag in ("<b>", "</b>"):
            bold = tag == "<b>"
        elif tag == "</span>":
            sizes.pop() if len(sizes) > 1 else None
        else:
            sizes.append(float(m.group(1)))
    if at < len(text):
        runs.append((text[at:], sizes[-1], bold))
    lines.append(runs)
    return lines


def _svg_text(x: float, y: float, text: str, size: float, color: str, xanchor: str = "center",
              yanchor: str = "middle", bgcolor: str | None = None) -> str:
    lines = _text_lines(text, size)
    heights = [1.3 * max([s for _, s, _ in line] or [size]) for line in lines]
    top = {"middle": y - sum(heights) / 2, "bottom": y - sum(heights), "top": y}[yanchor]
    anchor = {"center": "middle", "left": "start", "right": "end"}[xanchor]
    out = []
    if bgcolor:
        width = max(sum(0.5 * s * len(t) for t, s, _ in line) for line in lines) + 4
        left = {"middle": x - width / 2, "start": x - 2, "end": x - width + 2}[anchor]
        out.append(f'<rect x="{left:.1f}" y="{top:.1f}" width="{width:.1f}" height="{sum(heights):.1f}" '
                   f'fill="{bgcolor}"/>')
    baseline = top
    for line, height in zip(lines, heights):
        baseline += height
        # styles, not attributes: the page's own text styles would win over presentation attributes
        spans = "".join(f'<tspan style="font-size:{s:g}px;font-weight:{600 if b else 400}">{escape(t)}</tspan>'
                        for t, s, b in line)
        out.append(f'<text x="{x:.1f}" y="{baseline - 0.3 * height:.1f}" style="text-anchor:{anchor};fill:{color}">'
                   f'{spans}</text>')
    return "".join(out)


def diagram_svg(fig: go.Figure, width: int) -> str:
    """A diagram figure (boxes, lines, arrows and labels; no data) as one SVG picture ``width`` pixels wide, laid
    out as plotly lays it out at that width. The page shows its diagrams as such pictures (:func:`unrolled_svg`,
    :func:`cell_svg`, :func:`architecture_svg` draw them straight from their parts): a picture costs the browser
    a fraction of a plotly chart to show, and boxes and arrows have nothing to hover."""
    layout = fig.layout.to_plotly_json()
    margin = layout.get("margin", {})
    return _svg(layout.get("shapes", []), layout.get("annotations", []), layout["xaxis"]["range"],
                layout["yaxis"]["range"], (layout.get("title") or {}).get("text", ""), layout["height"],
                tuple(margin.get(k, 0) for k in ("l", "r", "t", "b")), width)


def _svg(shapes, annotations, xrange, yrange, title: str, height: int, margin: tuple, width: int) -> str:
    left, right, top, bottom = margin
    (x0, x1), (y0, y1) = xrange, yrange

    def px(x):
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def py(y):
        return top + (y1 - y) / (y1 - y0) * (height - top - bottom)

    out = [f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" '
           f'height="{height}" font-family="{_FONTS}">']
    if title:
        out.append(_svg_text(4, top / 2, f"<b>{title}</b>", 16, _TITLE_COLOR, xanchor="left"))
    for shape in shapes:
        line = shape.get("line") or {}
        stroke = (f'stroke="{line.get("color", "#444")}" stroke-width="{line["width"]:g}"' if line.get("width")
                  else 'stroke="none"')
        opacity = f' opacity="{shape["opacity"]:g}"' if shape.get("opacity") is not None else ""
        fill = f'fill="{shape["fillcolor"]}"' if shape.get("fillcolor") else 'fill="none"'
        xa, xb, ya, yb = px(shape["x0"]), px(shape["x1"]), py(shape["y0"]), py(shape["y1"])
        kind = shape.get("type")
        if kind == "rect":
            out.append(f'<rect x="{min(xa, xb):.1f}" y="{min(ya, yb):.1f}" width="{abs(xb - xa):.1f}" '
                       f'height="{abs(yb - ya):.1f}" {fill} {stroke}{opacity}/>')
        elif kind == "circle":
            out.append(f'<ellipse cx="{(xa + xb) / 2:.1f}" cy="{(ya + yb) / 2:.1f}" rx="{abs(xb - xa) / 2:.1f}" '
                       f'ry="{abs(yb - ya) / 2:.1f}" {fill} {stroke}{opacity}/>')
        elif kind == "line":
            out.append(f'<line x1="{xa:.1f}" y1="{ya:.1f}" x2="{xb:.1f}" y2="{yb:.1f}" {stroke}{opacity}/>')
        else:
            raise ValueError(f"a diagram draws rect, circle and line shapes, not {kind!r}")
    for a in annotations:
        if a.get("showarrow", True):
            xa, ya, xb, yb = px(a["ax"]), py(a["ay"]), px(a["x"]), py(a["y"])
            w, color = a.get("arrowwidth", 1), a.get("arrowcolor", "#444")
            length = max(float(np.hypot(xb - xa, yb - ya)), 1e-9)
            ux, uy = (xb - xa) / length, (yb - ya) / length
            scale = 1.5 * w * a.get("arrowsize", 1)
            # plotly's arrowhead 2 (a barbed triangle), the line stopping at its notch
            back = (xb - 3.2 * scale * ux, yb - 3.2 * scale * uy)
            notch = (xb - 2.2 * scale * ux, yb - 2.2 * scale * uy)
            wing = 2.2 * scale
            points = [(xb, yb), (back[0] - wing * uy, back[1] + wing * ux), notch,
                      (back[0] + wing * uy, back[1] - wing * ux)]
            out.append(f'<line x1="{xa:.1f}" y1="{ya:.1f}" x2="{notch[0]:.1f}" y2="{notch[1]:.1f}" stroke="{color}" '
                       f'stroke-width="{w:g}"/>')
            out.append('<polygon points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in points) +
                       f'" fill="{color}"/>')
        if a.get("text"):
            font = a.get("font") or {}
            xanchor = a.get("xanchor") if a.get("xanchor") in ("left", "right") else "center"
            yanchor = a.get("yanchor") if a.get("yanchor") in ("top", "bottom") else "middle"
            out.append(_svg_text(px(a["x"]), py(a["y"]), a["text"], font.get("size", 14), font.get("color", "#111"),
                                 xanchor, yanchor, a.get("bgcolor")))
    out.append("</svg>")
    return "".join(out)
