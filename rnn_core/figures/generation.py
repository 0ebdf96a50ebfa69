"""Charts of the generation page: next-token probabilities, temperature, surprise, connectivity, units.

Coloured text (a character's background showing a number) is not a plotly chart: :func:`colored_text_html`
returns a small HTML fragment, built here too so that the page stays a thin view and tests can read it.
"""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go

from ..generation import display_token
from .style import CELL_COLORS, COLORS, base_layout

NEXT_TOKEN_CAPTION = ("How to read it: the bars are the probabilities of the likeliest next tokens, the ones the "
                      "sampler draws from (after temperature, top-k and top-p); an orange bar is the token it drew. "
                      "Tall single bar: the model is sure; many similar bars: it hesitates.")
TEMPERATURE_CAPTION = ("How to read it: the same next-token distribution at three temperatures. Dividing the scores "
                       "by a low temperature sharpens it (the favourite takes almost everything: repetitive text); a "
                       "high one flattens it (rare tokens get a chance: wild text).")
SURPRISE_CAPTION = ("How to read it: each token's background shows the probability the model gave it before "
                    "reading it: white means expected, deep red means a surprise (hover for the numbers). The "
                    "average surprise, in bits per token, is the model's loss on this text.")
CONNECTIVITY_CAPTION = ("How to read it: each bar is the gradient norm of the chosen prediction with respect to an "
                        "earlier input: how much nudging that token would change the prediction. In the text above, "
                        "the green runs on a log scale, fading out at a thousandth of the strongest input.")
HEATMAP_CAPTION = ("How to read it: row t is the prediction made after reading token t, column s an earlier input; "
                   "the colour is the gradient norm relative to the row's largest (log scale). A band hugging the "
                   "diagonal means the model looks only a few tokens back. Hover for the tokens.")
REACH_CAPTION = ("How to read it: how strongly a prediction depends on an input d tokens back, averaged over the text "
                 "and relative to the strongest input (log scale). The line that stays high longest belongs to the "
                 "cell that looks furthest back.")
UNIT_CAPTION = ("How to read it: the chosen unit's value at every token (line) against a simple feature of the text "
                "(shaded). A unit that rises and falls with the shading tracks that feature.")
TIMELINE_CAPTION = ("How to read it: each character's background is the chosen unit's value right after reading it: "
                    "blue for negative, red for positive (gates run from 0, white, to 1, red). Hover for the number.")

_WHITE = (255, 255, 255)
_RED = (214, 39, 40)
_BLUE = (31, 119, 180)
_GREEN = (44, 160, 44)


def _bar_labels(tokens: list[str]) -> list[str]:
    """Distinct axis labels (plotly merges equal category names), tokens made visible."""
    seen: dict[str, int] = {}
    out = []
    for tok in tokens:
        label = display_token(tok)
        seen[label] = seen.get(label, 0) + 1
        out.append(label if seen[label] == 1 else label + "\u200b" * (seen[label] - 1))
    return out


def next_token_bars(top: list[tuple[str, float]], chosen: str | None = None, title: str = "") -> go.Figure:
    """Horizontal bars of the likeliest next tokens, the drawn one highlighted."""
    tokens = [t for t, _ in top][::-1]
    probs = [p for _, p in top][::-1]
    colors = [COLORS[1] if t == chosen else COLORS[0] for t in tokens]
    fig = go.Figure(go.Bar(x=probs, y=_bar_labels(tokens), orientation="h", marker_color=colors,
                           text=[f"{p:.1%}" for p in probs], textposition="outside",
                           hovertemplate="%{y}: %{x:.2%}<extra></extra>"))
    upper = max(probs, default=0) * 1.2 + 0.05      # room for the percentages beside the bars
    fig.update_traces(cliponaxis=False)
    fig.update_xaxes(range=[0, upper], tickformat=".0%",
                     tickvals=[v / 5 for v in range(6) if v / 5 <= upper])
    return base_layout(fig, title, "probability", "", height=max(260, 32 * len(tokens) + 90))


def temperature_bars(distribution: dict, temperatures) -> go.Figure:
    """Grouped bars: the model's likeliest tokens, their probability at each temperature."""
    labels = _bar_labels(distribution["tokens"])
    fig = go.Figure()
    for i, t in enumerate(temperatures):
        fig.add_bar(x=labels, y=distribution[t], name=f"temperature {t:g}", marker_color=COLORS[i % len(COLORS)],
                    hovertemplate="%{x}: %{y:.2%}<extra>" + f"T = {t:g}" + "</extra>")
    fig.update_layout(barmode="group")
    fig.update_yaxes(tickformat=".0%", range=[0, 1])
    return base_layout(fig, "", "next token", "probability", height=340)


def _mix(color: tuple, weight: float) -> str:
    w = min(1.0, max(0.0, weight))
    r, g, b = (round(255 + (c - 255) * w) for c in color)
    return f"rgb({r},{g},{b})"


def diverging_color(value: float, scale: float = 1.0) -> str:
    """Blue for negative, white for zero, red for positive (``|value| >= scale`` is full colour)."""
    if not math.isfinite(value):
        return "rgb(200,200,200)"
    return _mix(_RED if value >= 0 else _BLUE, abs(value) / scale if scale > 0 else 0.0)


def colored_text_html(tokens: list[str], weights: list[float], colors: list[str] | None = None,
                      tooltips: list[str] | None = None, color: tuple = _RED, highlight: int | None = None,
                      separator: str = "") -> str:
    """Tokens with coloured backgrounds: ``weights`` in [0, 1] mix white with ``color`` (or give ``colors``).

    Line breaks are shown as ⏎ and then broken; ``highlight`` outlines one token (the chosen position).
    """
    parts = []
    for i, tok in enumerate(tokens):
        background = colors[i] if colors is not None else _mix(color, weights[i])
        shown = html.escape(display_token(tok) + ("\n" if tok == "\n" else ""))
        if tok == " ":
            shown = "&nbsp;"
        title = f' title="{html.escape(tooltips[i], quote=True)}"' if tooltips else ""
        outline = "outline:2px solid #ff7f0e;" if i == highlight else ""
        parts.append(f'<span style="background:{background};{outline}"{title}>{shown}</span>')
    return ('<div style="font-family:ui-monospace,Menlo,Consolas,monospace;font-size:15px;line-height:1.7;'
            'white-space:pre-wrap;word-break:break-word;color:#111;background:#fff;padding:8px;'
            'border:1px solid #ddd;border-radius:6px">' + separator.join(parts) + "</div>")


def surprise_html(tokens: list[str], probs: list[float], bits: list[float], separator: str = "") -> str:
    """The text coloured by surprise: white for tokens the model expected, red for surprises (10+ bits)."""
    weights = [min(1.0, b / 10) for b in bits]
    tips = [f"{display_token(t)}: p = {p:.3%}, {b:.2f} bits" for t, p, b in zip(tokens, probs, bits)]
    return colored_text_html(tokens, weights, tooltips=tips, separator=separator)


def connectivity_html(tokens: list[str], row: np.ndarray, position: int, target: str, separator: str = "") -> str:
    """The text up to ``position`` coloured by how much the prediction there leans on each token."""
    peak = float(row.max()) if len(row) and row.max() > 0 else 1.0
    shown = tokens[:position + 1]
    # log scale: full colour for the strongest input, fading out at a thousandth of it
    weights = [max(0.0, 1 + math.log10(v / peak) / 3) if v > 0 else 0.0 for v in row[:position + 1]]
    tips = [f"{display_token(t)}: gradient norm {v:.3g}" for t, v in zip(shown, row)]
    return colored_text_html(shown + [target], weights + [0.0], tooltips=tips + [f"predicted next: {target}"],
                             color=_GREEN, highlight=position + 1, separator=separator)


def connectivity_bars(tokens: list[str], row: np.ndarray, position: int) -> go.Figure:
    """Gradient norm of the prediction after token ``position`` with respect to each earlier input."""
    xs = list(range(position + 1))
    fig = go.Figure(go.Bar(x=xs, y=row[:position + 1], marker_color=COLORS[2],
                           customdata=[display_token(t) for t in tokens[:position + 1]],
                           hovertemplate="input %{x} (%{customdata}): %{y:.3g}<extra></extra>"))
    step = max(1, (position + 1) // 40)
    fig.update_xaxes(tickvals=xs[::step], ticktext=[display_token(tokens[i]) for i in xs[::step]])
    return base_layout(fig, "", "earlier input (its token)", "gradient norm", height=320)


def connectivity_heatmap(tokens: list[str], matrix: np.ndarray) -> go.Figure:
    """Every prediction against every input, each row relative to its largest entry, log scale."""
    peaks = matrix.max(axis=1, keepdims=True)
    rel = np.divide(matrix, peaks, out=np.zeros_like(matrix), where=peaks > 0)
    with np.errstate(divide="ignore"):
        z = np.where(rel > 0, np.log10(np.maximum(rel, 1e-6)), np.nan)
    labels = [f"{i}:{display_token(t)}" for i, t in enumerate(tokens)]
    fig = go.Figure(go.Heatmap(z=z, x=labels, y=labels, colorscale="Viridis", zmin=-4, zmax=0,
                               colorbar=dict(title="log10 relative", tickvals=[-4, -3, -2, -1, 0],
                                             ticktext=["0.0001", "0.001", "0.01", "0.1", "1"]),
                               hovertemplate="prediction after %{y}<br>input %{x}<br>"
                                             "log10 rel. %{z:.2f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", showticklabels=len(tokens) <= 60)
    fig.update_xaxes(showticklabels=len(tokens) <= 60)
    return base_layout(fig, "", "input token", "prediction after token", height=480)


def reach_curves(curves: dict[str, np.ndarray], max_distance: int = 60) -> go.Figure:
    """Relative gradient norm against distance, one line per model (coloured by its cell when named so)."""
    fig = go.Figure()
    for i, (name, curve) in enumerate(curves.items()):
        curve = np.asarray(curve)[:max_distance + 1]
        cell = next((c for c in CELL_COLORS if name.lower().startswith(c)), None)
        color = CELL_COLORS[cell] if cell else COLORS[i % len(COLORS)]
        ys = np.where(curve > 0, curve, np.nan)
        fig.add_scatter(x=list(range(len(curve))), y=ys, mode="lines+markers", name=name,
                        line=dict(color=color, width=2), marker=dict(size=4))
    fig.update_yaxes(type="log", exponentformat="power")
    return base_layout(fig, "", "distance back (tokens)", "relative gradient norm", height=360)


def unit_trace(tokens: list[str], values: np.ndarray, feature: np.ndarray | None = None,
               feature_name: str = "", label: str = "unit") -> go.Figure:
    """One unit's value along the text, with a feature of the text shaded behind it (scaled to fit)."""
    xs = list(range(len(tokens)))
    fig = go.Figure()
    if feature is not None and len(feature):
        f = np.asarray(feature, dtype=float)
        span = f.max() - f.min()
        scaled = (f - f.min()) / span if span > 0 else f * 0
        lo, hi = float(np.min(values)), float(np.max(values))
        fig.add_scatter(x=xs, y=[lo] * len(xs), mode="lines", line=dict(width=0), showlegend=False,
                        hoverinfo="skip")
        fig.add_scatter(x=xs, y=lo + scaled * (hi - lo), mode="lines", fill="tonexty", name=feature_name,
                        line=dict(color="rgba(255,127,14,0.4)", width=0, shape="hv"),
                        fillcolor="rgba(255,127,14,0.18)", hoverinfo="skip")
    fig.add_scatter(x=xs, y=values, mode="lines", name=label, line=dict(color=COLORS[0], width=2),
                    customdata=[display_token(t) for t in tokens],
                    hovertemplate="%{x} (%{customdata}): %{y:.3f}<extra></extra>")
    return base_layout(fig, "", "position in the text", "value", height=300)
