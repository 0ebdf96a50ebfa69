"""Charts of *How an RNN works*: the unrolled network, small annotated heatmaps of its numbers, the error
signal of backpropagation through time, the gates along the word, and the shapes recurrent models come in.

Time steps are numbered from 1 on screen (x_1 is the first letter, h_0 = 0 the start state), while the
:class:`rnn_core.stepthrough.StepThrough` lists count from 0.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .style import CELL_COLORS, base_layout

INPUT, HIDDEN, OUTPUT, GRADIENT = "#f4a582", "#a6dba0", "#92c5de", "#d62728"
HIGHLIGHT = "#ffd92f"
SUB = str.maketrans("0123456789-", "₀₁₂₃₄₅₆₇₈₉₋")

UNROLLED_CAPTION = ("How to read it: each column is one time step (the same weights every time). A letter goes in "
                    "at the bottom (x), updates the hidden state (h), which predicts the next letter at the top (y). "
                    "The yellow column is where you are; going backwards, red arrows carry the error back, thinner and "
                    "with a smaller number (the size of the signal) as it fades.")
PRODUCT_CAPTION = ("How to read it: a one-hot x_t has a single 1, so W_xh·x_t just picks one column of W_xh "
                   "(outlined): each letter has its own column of weights. Red is positive, blue negative.")
SUM_CAPTION = ("How to read it: each column is a vector with one row per hidden unit; the three parts add up to "
               "the pre-activation a_t, and the activation squashes it into h_t (tanh keeps it between −1 and 1).")
PROBS_CAPTION = ("How to read it: the network's probability for each possible next letter; the outlined bar is the "
                 "letter that really comes next. The loss −log p(that letter) is 0 for a sure, right guess and large "
                 "for a confident wrong one.")
BPTT_CAPTION = ("How to read it: bars are the size of the error signal ∂L/∂h_t reaching each step from all later "
                "losses (log scale); the line is the last step's loss alone, fading as it travels back through "
                "W_hh and tanh'. A steep fall is the vanishing gradient.")
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
    plotly figure re-validates every earlier one, which made a diagram take seconds on a busy CPU)."""

    def __init__(self):
        self.shapes, self.annotations = [], []

    def add_shape(self, **shape):
        self.shapes.append(shape)

    def add_annotation(self, **annotation):
        self.annotations.append(annotation)

    def figure(self) -> go.Figure:
        fig = go.Figure()
        fig.update_layout(shapes=self.shapes, annotations=self.annotations)
        return fig


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
    """The network unrolled over the word, the current step highlighted; backward arrows sized by the error."""
    fig = _Canvas()
    T = walk.steps
    fig.add_shape(type="rect", x0=t + 0.55, x1=t + 1.45, y0=-0.5, y1=2.55, fillcolor=HIGHLIGHT, opacity=0.35,
                  line=dict(width=0), layer="below")
    _box(fig, 0, 1, "h" + sub(0) + " = 0", "#eeeeee")
    biggest = max(float(np.linalg.norm(b.dh)) for b in walk.backward) if walk.backward else 1.0
    for s in range(T):
        f, col = walk.forward[s], s + 1
        here = s == t
        edge = dict(line="#222", width=3) if here else {}
        _box(fig, col, 0, f"x{sub(col)} '{f.char}'", INPUT, **edge)
        _box(fig, col, 1, f"h{sub(col)}", HIDDEN, **edge)
        mark = "✓" if f.prediction == f.target else "✗"
        _box(fig, col, 2, f"y{sub(col)} '{f.prediction}' {mark}", OUTPUT, **edge)
        fig.add_annotation(x=col, y=2.45, text=f"next: '{f.target}'", showarrow=False,
                           font=dict(size=12, color="#333"))
        if phase == "backward" and s >= t:
            b = walk.backward[s]
            width = 1 + 6 * float(np.linalg.norm(b.dh_prev)) / max(1e-12, biggest)
            _arrow(fig, col, 1.7, col, 1.3, GRADIENT, 2)
            _arrow(fig, col - 0.62, 1, col - 1 + 0.36, 1, GRADIENT, width,
                   text=f"{np.linalg.norm(b.dh_prev):.2g}" if s > 0 else None)
        else:
            _arrow(fig, col, 0.3, col, 0.7)
            _arrow(fig, col, 1.3, col, 1.7)
            _arrow(fig, col - 0.66, 1, col - 0.36, 1)
    fig = fig.figure()
    fig.update_xaxes(visible=False, range=[-0.6, T + 0.6])
    fig.update_yaxes(visible=False, range=[-0.5, 2.65])
    label = "forward pass" if phase == "forward" else "backpropagation through time"
    return base_layout(fig, f"Unrolled over '{walk.word}': step {t + 1} of {T}, {label}", height=300)


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


# --- the shapes recurrent models come in -----------------------------------------------------------------

ARCHITECTURES = {
    "one-to-one": dict(title="One to one", inputs=[0], outputs=[0], steps=1, layers=["none"],
                       text="No recurrence: one input, one output (an ordinary feed-forward network), the "
                            "baseline every shape below extends.", page=None),
    "one-to-many": dict(title="One to many", inputs=[0], outputs=[0, 1, 2, 3], steps=4, layers=["→"],
                        text="One input starts a whole sequence: a prompt (or an image) in, text out. Generating "
                             "text feeds each sampled letter back in as the next input.",
                        page="pages/generate.py"),
    "many-to-one": dict(title="Many to one", inputs=[0, 1, 2, 3], outputs=[3], steps=4, layers=["→"],
                        text="Read a whole sequence, answer once at the end: the sentiment of a review, or the "
                             "sum of the adding problem.", page="pages/sentiment.py"),
    "many-to-many": dict(title="Many to many (in step)", inputs=[0, 1, 2, 3], outputs=[0, 1, 2, 3], steps=4,
                         layers=["→"], text="An output at every step: the language model predicts the next letter "
                                            "after each one it reads.", page="pages/language_model.py"),
    "encoder-decoder": dict(title="Encoder–decoder", inputs=[0, 1, 2], outputs=[3, 4, 5], steps=6,
                            layers=["→"], text="Read everything first, then write: translation, or reversing a "
                                               "sequence (the Compare page's reverse task).",
                            page="pages/compare.py"),
    "bidirectional": dict(title="Bidirectional", inputs=[0, 1, 2, 3], outputs=[0, 1, 2, 3], steps=4,
                          layers=["→", "←"], text="Two RNNs, one reading left to right and one right to left, so "
                                                 "every output sees the whole sentence (a Sentiment option).",
                          page="pages/sentiment.py"),
    "stacked": dict(title="Stacked (deep)", inputs=[0, 1, 2, 3], outputs=[0, 1, 2, 3], steps=4, layers=["→", "→"],
                    text="The hidden states of one layer are the inputs of the next: more layers, more abstract "
                         "features (the Layers slider of the language model).", page="pages/language_model.py"),
}


def architecture_diagram(key: str) -> go.Figure:
    """Boxes and arrows for one shape of :data:`ARCHITECTURES`."""
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
    fig = fig.figure()
    fig.update_xaxes(visible=False, range=[-0.6, max(n, 3) - 0.4])
    fig.update_yaxes(visible=False, range=[-0.45, top + 0.45])
    fig = base_layout(fig, "", height=int(60 + 55 * (top + 1)))
    fig.update_layout(margin=dict(l=5, r=5, t=5, b=5))
    return fig
