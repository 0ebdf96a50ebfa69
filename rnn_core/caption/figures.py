"""Charts of Caption a picture (pure plotly builders) and the page's sentences that say how to read them."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnn_core.caption.data import CELL, GRID, SIZE, WORD_KINDS
from rnn_core.figure_style import base_layout

MODEL_COLORS = {"attention": "#1f77b4", "plain": "#d62728", "blind": "#7f7f7f"}
MODEL_NAMES = {"attention": "with attention", "plain": "without attention", "blind": "picture-blind"}

INTRO = ("One picture in, a sentence out: the *one to many* shape. An encoder turns a small picture into a 3 × 3 "
         "grid of feature vectors, one per patch; an RNN decoder then writes the caption one word at a time, each "
         "word fed back as the next step's input. With attention (as in Xu et al. 2015, “Show, Attend and Tell”) "
         "the decoder looks at the grid again before every word, and you can see where it looked.")
CURVES_CAPTION = ("How to read it: the share of held-out pictures (combinations never seen in training) whose "
                  "caption each model writes exactly right, every word, measured every 50 steps while training on "
                  "a smaller set of other held-out pictures, so the last point can differ a little from the "
                  "figures measured after training. Grey is the picture-blind decoder: it never sees the picture.")
ATTENTION_CAPTION = ("How to read it: one small picture per word the attention model wrote, in order; the less a "
                     "cell is dimmed, the more of its attention that cell got just before it wrote the word (the "
                     "share is printed on cells with 15% or more; each picture's nine weights sum to 100%). What "
                     "the decoder read at earlier words is carried in its state, so where it looks is not always "
                     "what a word depends on.")
KIND_CAPTION = ("How to read it: on held-out pictures, the share of words right at their place in the caption, "
                "split by kind of word (colour, shape, place or relation word such as “left” or “above”, and the "
                "rest: “a”, “the”, “of”, the end). A word after a mistake counts as wrong when it is out of place.")
SEEN_CAPTION = ("How to read it: for each model, the share of captions exactly right on new pictures of combinations "
                "seen in training (light) and on held-out pictures, whose combinations never were (dark). A model "
                "that learned which kinds go together and where each kind goes, rather than to look, drops from "
                "light to dark.")
GRAMMAR_NOTE = ("A picture-blind decoder writes the same caption for every picture, one it learned from training "
                "pictures; no training picture has a held-out picture's caption, so on held-out pictures it gets "
                "none exactly right. Even a fixed caption chosen knowing the test pictures would get {exact:.1%} "
                "of them exactly and, word by word, {words:.1%} (the commonest word at each place).")


def _rgb(image) -> np.ndarray:
    return (np.asarray(image).transpose(1, 2, 0) * 255).clip(0, 255).astype(np.uint8)


def _grid_lines(fig: go.Figure, row: int | None = None, col: int | None = None) -> None:
    for k in range(1, GRID):
        for axis in ("x", "y"):
            kwargs = dict(line=dict(color="rgba(255,255,255,0.35)", width=1))
            if row is not None:
                kwargs.update(row=row, col=col)
            if axis == "x":
                fig.add_vline(x=k * CELL - 0.5, **kwargs)
            else:
                fig.add_hline(y=k * CELL - 0.5, **kwargs)


def picture(image, title: str = "", height: int = 300) -> go.Figure:
    """The picture, 24 × 24 pixels, with its 3 × 3 grid of patches outlined."""
    fig = go.Figure(go.Image(z=_rgb(image), hoverinfo="skip"))
    _grid_lines(fig)
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False, scaleanchor="x")
    fig.update_layout(height=height, margin=dict(l=5, r=5, t=40 if title else 5, b=5), title=title,
                      template="plotly_white")
    return fig


def attention_maps(image, words: list[str], weights, title: str = "Where the attention model looked for each word",
                   per_row: int = 6) -> go.Figure:
    """One small copy of the picture per written word (and the end), each with that step's 3 × 3 attention
    weights laid over it: the brighter, the more weight."""
    weights = np.asarray(weights)
    words = list(words) + ["<end>"]
    n = min(len(words), len(weights))
    rows = (n + per_row - 1) // per_row
    fig = make_subplots(rows=rows, cols=per_row, subplot_titles=[f"{i + 1}. {w}" for i, w in enumerate(words[:n])],
                        horizontal_spacing=0.02, vertical_spacing=0.12)
    rgb = _rgb(image)
    centres = [CELL * k + CELL / 2 - 0.5 for k in range(GRID)]
    for i in range(n):
        r, c = i // per_row + 1, i % per_row + 1
        fig.add_trace(go.Image(z=rgb, hoverinfo="skip"), row=r, col=c)
        w = weights[i].reshape(GRID, GRID)
        fig.add_trace(go.Heatmap(z=w, x=centres, y=centres, zmin=0, zmax=1, opacity=0.55, showscale=i == 0,
                                 colorscale=[[0, "rgba(0,0,0,0.9)"], [1, "rgba(255,255,255,0.0)"]],
                                 colorbar=dict(title="weight", len=0.6) if i == 0 else None,
                                 hovertemplate=f"“{words[i]}”: weight %{{z:.2f}}<extra></extra>"),
                      row=r, col=c)
        big = [(ci, ri) for ri in range(GRID) for ci in range(GRID) if w[ri, ci] >= 0.15]
        # the share, in the cell's top left corner, on a dark label (white on a yellow shape would not read), low
        # enough that a top-row label stays inside the picture
        for ci, ri in big:
            fig.add_annotation(x=centres[ci] - 3.7, y=centres[ri] - 2.4, text=f"{w[ri, ci]:.0%}", showarrow=False,
                               xanchor="left", font=dict(color="white", size=10), bgcolor="rgba(0,0,0,0.65)",
                               borderpad=1, row=r, col=c)
    fig.update_xaxes(visible=False, range=[-0.5, SIZE - 0.5])
    fig.update_yaxes(visible=False, autorange="reversed", scaleanchor="x")
    fig.update_layout(height=70 + 190 * rows, title=title, template="plotly_white", font=dict(size=14),
                      margin=dict(l=10, r=10, t=90, b=10))
    return fig


def accuracy_by_kind(metrics: dict, models: tuple = ("attention", "plain", "blind"),
                     title: str = "Held-out pictures: words right, by kind of word") -> go.Figure:
    """Grouped bars: per kind of word, each model's per-word accuracy on held-out pictures."""
    fig = go.Figure()
    for m in models:
        if m in metrics:
            by = metrics[m]["by_kind"]
            fig.add_trace(go.Bar(x=list(WORD_KINDS), y=[by[k] for k in WORD_KINDS], name=MODEL_NAMES[m],
                                 marker_color=MODEL_COLORS[m],
                                 hovertemplate=f"{MODEL_NAMES[m]}, %{{x}} words: %{{y:.1%}}<extra></extra>"))
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    fig.update_layout(barmode="group")
    return base_layout(fig, title, "kind of word", "words right", height=360)


def seen_and_held_out(metrics: dict, models: tuple = ("attention", "plain", "blind"),
                      title: str = "Seen combinations against held-out ones") -> go.Figure:
    """Per model, exact match on new pictures of training combinations and on held-out ones."""
    fig = go.Figure()
    names = [MODEL_NAMES[m] for m in models if m in metrics]
    for key, label, opacity in (("seen_exact", "seen combinations, new pictures", 0.45),
                                ("exact_match", "held-out combinations", 1.0)):
        values = [metrics[m][key] for m in models if m in metrics]
        fig.add_trace(go.Bar(x=names, y=values, name=label, opacity=opacity,
                             marker_color=[MODEL_COLORS[m] for m in models if m in metrics],
                             text=[f"{v:.0%}" for v in values], textposition="outside",
                             hovertemplate=f"%{{x}}, {label}: %{{y:.1%}}<extra></extra>"))
    fig.update_yaxes(range=[0, 1.12], tickformat=".0%")
    fig.update_layout(barmode="group", showlegend=False)
    return base_layout(fig, title, "", "captions exactly right", height=360)


def exact_match_curves(history: list, models: tuple = ("attention", "plain", "blind"), steps: int | None = None,
                       title: str = "Held-out pictures captioned exactly right, while training") -> go.Figure:
    """``history``: the loop's rows; those with ``<model>.exact_match`` are evaluations."""
    fig = go.Figure()
    for m in models:
        rows = [h for h in history if f"{m}.exact_match" in h]
        if rows:
            fig.add_trace(go.Scatter(x=[h["step"] for h in rows], y=[h[f"{m}.exact_match"] for h in rows],
                                     mode="lines+markers", name=MODEL_NAMES[m], line=dict(color=MODEL_COLORS[m])))
    fig.update_yaxes(range=[-0.02, 1.02], tickformat=".0%")
    if steps:
        fig.update_xaxes(range=[0, steps * 1.02])
    return base_layout(fig, title, "training step", "captions exactly right", height=340)


def span(values) -> str:
    lo, hi = min(values), max(values)
    return f"{lo:.1%}" if round(lo, 3) == round(hi, 3) else f"{lo:.1%} to {hi:.1%}"


def defaults_finding(rows: list[dict]) -> str:
    """The page's result line from runs with its defaults (the shipped rows: ``seed``, ``model``,
    ``exact_match``, ``steps``, ``seconds``, ``on_named_shape``)."""
    by = lambda m, key="exact_match": [float(r[key]) for r in rows if r["model"] == m]
    seeds = sorted({int(r["seed"]) for r in rows})
    steps = max(int(r["steps"]) for r in rows)
    return (f"Seeds {', '.join(map(str, seeds))}, {steps:,} steps each: the captioner **with attention** writes "
            f"{span(by('attention'))} of the held-out captions exactly right, **without attention** "
            f"{span(by('plain'))}, and the **picture-blind** one {span(by('blind'))}. Before writing a colour or "
            f"a shape, the attention model puts {span(by('attention', 'on_named_shape'))} of its weight, on "
            "average, on the cell of the shape it names. Without attention, the model captions new pictures of "
            f"combinations it has seen ({span(by('plain', 'seen_exact'))}) better than held-out ones on every seed "
            "where it makes mistakes: part of what it learned is which kinds go together and where each kind "
            "goes. It reads the nine cells side by side, each through weights of its own, so it must learn every "
            "kind at every place; attention reads each cell through the same weights, with its row and column "
            "added, which helps it compose. With attention, "
            f"{span(by('attention', 'seen_exact'))} of the seen ones.")
