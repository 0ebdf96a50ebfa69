"""Charts of the generation page: next-token probabilities, temperature, surprise, connectivity, units.

Coloured text (a character's background showing a number) is not a plotly chart: :func:`colored_text_html`
returns a small HTML fragment, built here too so that the page stays a thin view and tests can read it.
"""

from __future__ import annotations

import html
import math

import numpy as np
import plotly.graph_objects as go

from rnn_core.language_model.generation import display_token
from rnn_core.figure_style import CELL_COLORS, COLORS, base_layout

NEXT_TOKEN_CAPTION = ("How to read it: the bars are the probabilities of the likeliest next tokens with the settings "
                      "above (special tokens removed, then temperature, top-k and top-p): the sampler draws from "
                      "exactly these. A tall single bar: the model is sure; many similar bars: it hesitates.")
DRAWN_CAPTION = ("How to read it: the distribution the last token was drawn from (with the settings in force then); "
                 "the orange bar is the token the sampler drew. A short orange bar means the draw was a gamble.")
TEMPERATURE_CAPTION = ("How to read it: the model's likeliest next tokens after the prompt, their probability at each "
                       "temperature (each bar group is one token). Dividing the scores by a low temperature sharpens "
                       "the distribution (the likeliest few tokens take almost all the probability: safe, repetitive "
                       "text); a high one flattens it (rare tokens get a chance: wild text).")
PIPELINE_CAPTION = ("How to read it: one step of the sampler, left to right, for the model's likeliest tokens. The "
                    "scores (logits) are divided by the temperature; top-k keeps the k highest; top-p keeps the "
                    "likeliest tokens whose probabilities add up to p; a softmax over the survivors gives the "
                    "probabilities, and the draw picks one of the survivors at random, each as likely as its last bar "
                    "(press Next token to draw it). Grey: cut at that stage.")
GENERATED_CAPTION = ("How to read it: each generated token's background is how likely it was when drawn: pale for "
                     "the obvious choice, deep purple for a gamble (10% or less). Hover a token for its "
                     "probability and the alternatives it beat. The prompt is in grey.")
STATE_CAPTION = ("How to read it: one column per token read (the newest on the right), one row per unit; the colour "
                 "is the unit's value right after reading that token: blue negative, red positive (gates from 0, "
                 "white, to 1, red). Columns that change a lot are the tokens that moved the memory.")
SURPRISE_CAPTION = ("How to read it: each token's background shows how surprised the model was to see it, before "
                    "reading it: white means expected (0 bits: probability 1), deep red means a big surprise "
                    "({full:g} bits or more: probability {pfull} or less). Hover for the numbers. Grey tokens are "
                    "outside the vocabulary (read as <unk>) and not scored. The average over the scored tokens, "
                    "in bits per {per}, is the model's loss on this text.")
CONNECTIVITY_CAPTION = ("How to read it: each bar is the gradient norm of the chosen prediction with respect to an "
                        "earlier input: how much nudging that token would change the prediction. In the text above, "
                        "the green runs on a log scale, fading out at a thousandth of the strongest input.")
HEATMAP_CAPTION = ("How to read it: row t is the prediction made after reading token t, column s an earlier input; "
                   "the colour is the gradient norm relative to the row's largest, on a log scale (yellow 1, dark "
                   "purple a ten-thousandth or less). A band hugging the diagonal means the model looks only a few "
                   "tokens back. Hover for the tokens.")
REACH_CAPTION = ("How to read it: how strongly a prediction depends on the input d tokens back, relative to its "
                 "strongest input: the typical value (geometric mean) over the text's predictions, on a log scale. "
                 "Where a line crosses the dashed line (a "
                 "thousandth) is how far back that cell looks: the numbers above are read off these crossings.")
UNIT_CAPTION = ("How to read it: the chosen unit's value at every token (line) against a simple feature of the text "
                "(shaded). A unit that rises and falls with the shading tracks that feature.")
TIMELINE_CAPTION = ("How to read it: each character's background is the chosen unit's value right after reading it: "
                    "blue for negative, red for positive (gates run from 0, white, to 1, red). Hover for the number.")

def shown_value(value) -> str:
    """A fact as a person reads it: 1.405, 1,200, not 1.404813272905448."""
    if isinstance(value, bool) or value is None:
        return "unknown" if value is None else str(value)
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.3f}" if math.isfinite(value) else "unknown"
    return str(value)


def visible(text: str) -> str:
    """Line breaks and tabs made visible, for a snippet shown inline."""
    return text.replace("\n", "⏎").replace("\t", "⇥")


def md(text: str) -> str:
    """Text shown verbatim inside Markdown (no emphasis, links or HTML from the learner's characters)."""
    return "".join("\\" + ch if ch in "\\`*_{}[]()<>#+-.!|~$" else ch for ch in text).replace("  ", " \u00a0")


def percent(p: float) -> str:
    """A small probability readably: 2.3%, 0.04%, under 0.01%."""
    return "under 0.01%" if 0 < p < 1e-4 else f"{p:.2%}" if p < 0.01 else f"{p:.1%}"


def model_caption(facts: dict, tokens: list[str], specials: list[str], trained_here: bool) -> str:
    """The line under the model picker: what the model was trained on, its size, its vocabulary, its loss."""
    level, loss = facts["level"], facts.get("validation loss")
    per = "char" if level == "char" else "word"
    loss_text = (f"validation loss **{loss:.3f}** nats ({loss / math.log(2):.2f} bits per {per})"
                 if isinstance(loss, (int, float)) else "validation loss unknown")
    ours = [t for t in specials if t in tokens]
    return (f"Trained on **{facts.get('text') or 'an unknown text'}** · {level} level · "
            f"{str(facts.get('cell') or '?').upper()} {facts['hidden size']} × {facts['layers']} layer(s) · "
            f"{facts['parameters']:,} parameters · {len(tokens):,} tokens ({len(tokens) - len(ours):,} "
            f"{level}s + the special {', '.join(ours)}) · {loss_text}"
            + ("" if trained_here else
               " · No model trained in this session yet: train your own on **Train a language model**."))


def drawn_caption(n_tokens: int, level: str, seconds: float, temperature: float, drawn: list[float]) -> str:
    """How a generated text was drawn: its speed, and how often the sampler took a gamble."""
    median = float(np.median(drawn)) if drawn else float("nan")
    return (f"{n_tokens:,} {level}s in {seconds:.2f} s (streaming to the browser included; the prompt is read once "
            f"and the hidden state carried from token to token) · drawn at temperature {temperature:g}: the median "
            f"drawn {level} had probability {median:.0%}, and {sum(p < 0.1 for p in drawn):,} were gambles under "
            "10%.")


def reach_sentence(reaches: dict[str, tuple[int, bool]]) -> str:
    """Which cell looks back furthest on this text and which least (cell -> (reach, capped)); empty if all tie."""
    values = {k: v for k, (v, _) in reaches.items()}
    far, near = max(values.values()), min(values.values())
    if far <= near:
        return ""
    furthest = " and the ".join(k for k, v in values.items() if v == far)
    least = " and the ".join(k for k, v in values.items() if v == near)
    at_least = "at least " if any(capped for v, capped in reaches.values() if v == far) else ""
    return f"On this text the {furthest} looks back furthest ({at_least}{far} chars), the {least} least ({near})."


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
    top = max((max(distribution[t], default=0) for t in temperatures), default=0)
    fig.update_yaxes(tickformat=".0%", range=[0, min(1.0, top * 1.12 + 0.02)])
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
                      separator: str | list[str] = "") -> str:
    """Tokens with coloured backgrounds: ``weights`` in [0, 1] mix white with ``color`` (or give ``colors``).

    Line breaks are shown as ⏎ and then broken; ``highlight`` outlines one token (the chosen position).
    ``separator`` goes between tokens, or is the text before each token (a word model's spacing, from
    :func:`rnn_core.data.text.word_spaces`).
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
            'border:1px solid #ddd;border-radius:6px">' + _joined(parts, separator) + "</div>")


def _joined(parts: list[str], separator: str | list[str]) -> str:
    if isinstance(separator, str):
        return separator.join(parts)
    return "".join(space + part for space, part in zip(list(separator) + [""] * len(parts), parts))


def surprise_full_red(level: str) -> float:
    """Bits at which a token is full red: 8 for characters (a 1-in-256 guess), 12 for words (1 in 4,096)."""
    return 8.0 if level == "char" else 12.0


def surprise_html(tokens: list[str], probs: list[float], bits: list[float], separator: str | list[str] = "",
                  scored: list[bool] | None = None, full: float = 10.0, highlight: int | None = None) -> str:
    """The text coloured by surprise: white for tokens the model expected, red at ``full`` bits and beyond;
    tokens not scored (outside the vocabulary) in grey."""
    scored = scored if scored is not None else [True] * len(tokens)
    colors = [_mix(_RED, b / full) if ok else "rgb(200,200,200)" for b, ok in zip(bits, scored)]
    tips = [f"{display_token(t)}: p = {p:.3%}, {b:.2f} bits" if ok else f"{display_token(t)}: not in the "
            "vocabulary (read as <unk>), not scored" for t, p, b, ok in zip(tokens, probs, bits, scored)]
    return colored_text_html(tokens, [], colors=colors, tooltips=tips, separator=separator, highlight=highlight)


def connectivity_html(tokens: list[str], row: np.ndarray, position: int, target: str,
                      separator: str | list[str] = "") -> str:
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
                               customdata=np.where(rel > 0, rel, np.nan),
                               colorbar=dict(title=dict(text="relative<br>gradient<br>(log scale)"),
                                             tickvals=[-4, -3, -2, -1, 0],
                                             ticktext=["≤ 0.0001", "0.001", "0.01", "0.1", "1"]),
                               hovertemplate="prediction after %{y}<br>input %{x}<br>"
                                             "relative gradient %{customdata:.2g}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", showticklabels=len(tokens) <= 60, showgrid=False, zeroline=False)
    fig.update_xaxes(showticklabels=len(tokens) <= 60, showgrid=False, zeroline=False)
    return base_layout(fig, "", "input token", "prediction after token", height=480)


def reach_curves(curves: dict[str, np.ndarray], reach: dict[str, int] | None = None,
                 threshold: float = 0.001, floor: float = 1e-7) -> go.Figure:
    """Relative gradient norm against distance, one line per model (coloured by its cell when named so), over
    the whole text; the dashed threshold line and a marker where each line last stays above it (``reach``)."""
    fig = go.Figure()
    longest = 1
    for i, (name, curve) in enumerate(curves.items()):
        curve = np.asarray(curve, dtype=float)
        longest = max(longest, len(curve))
        cell = next((c for c in CELL_COLORS if name.lower().startswith(c)), None)
        color = CELL_COLORS[cell] if cell else COLORS[i % len(COLORS)]
        ys = np.where(curve >= floor, curve, np.nan)     # below the axis: not drawn (rather than a flat line)
        label = f"{name}: looks back {int(reach[name])}" if reach and name in reach else name
        fig.add_scatter(x=list(range(len(curve))), y=ys, mode="lines", name=label, legendgroup=name,
                        line=dict(color=color, width=2), hovertemplate=name + ": %{y:.2g} at %{x} back<extra></extra>")
        if reach and name in reach:
            d = int(reach[name])
            fig.add_scatter(x=[d], y=[max(float(curve[d]), floor)], mode="markers", showlegend=False,
                            legendgroup=name, marker=dict(color=color, size=12, symbol="diamond",
                                                          line=dict(color="white", width=1)),
                            hovertemplate=f"{name} looks back {d} tokens<extra></extra>")
    fig.add_hline(y=threshold, line_dash="dash", line_color="#555")
    fig.add_annotation(x=longest - 1, y=math.log10(threshold), xanchor="right", yanchor="top", showarrow=False,
                       text=f"a thousandth ({threshold:g})" if threshold == 0.001 else f"{threshold:g}",
                       font=dict(color="#555"))   # a log axis places annotations by the exponent
    fig.update_yaxes(type="log", exponentformat="power", range=[math.log10(floor), 0.3])
    fig.update_xaxes(range=[0, longest - 1])
    return base_layout(fig, "", "distance back (tokens)", "relative gradient norm", height=380)


def pipeline_figure(pipe: dict, drawn: str | None = None) -> go.Figure:
    """The sampler's stages side by side for the likeliest tokens (see ``generation.sampling_pipeline``)."""
    from plotly.subplots import make_subplots

    t, k, p = pipe["temperature"], pipe["top_k"], pipe["top_p"]
    titles = ["1. scores (logits)", "2. ÷ T" + (f" = {t:g}" if t > 0 else ": T = 0, greedy"),
              "3. top-k" + (f" = {k}" if k else ": off"),
              "4. top-p" + (f" = {p:g}" if p else ": off") + " (on probabilities)",
              "5. softmax → draw"]
    fig = make_subplots(rows=1, cols=5, shared_yaxes=True, subplot_titles=titles, horizontal_spacing=0.025)
    labels = _bar_labels(pipe["tokens"])[::-1]
    grey = "#c7c7c7"
    rev = lambda xs: list(xs)[::-1]   # noqa: E731  (the likeliest token on top)
    kept_k, kept_p = rev(pipe["kept_by_top_k"]), rev(pipe["kept_by_top_p"])
    greedy_top = [i == len(labels) - 1 for i in range(len(labels))]
    alive = [a and (b if t > 0 else g) for a, b, g in zip(kept_k, kept_p, greedy_top)]
    panels = [
        (rev(pipe["logits"]), [COLORS[0]] * len(labels), "{:.2f}"),
        (rev(pipe["scaled"]), [COLORS[0] if (t > 0 or g) else grey for g in greedy_top], "{:.2f}"),
        (rev(pipe["scaled"]), [COLORS[0] if a and (t > 0 or g) else grey for a, g in zip(kept_k, greedy_top)],
         "{:.2f}"),
        (rev(pipe["before_top_p"]), [COLORS[0] if a else grey for a in alive], "{:.0%}"),
        (rev(pipe["probs"]), [COLORS[1] if tok == drawn and pr > 0 else (COLORS[0] if pr > 0 else grey)
                              for tok, pr in zip(rev(pipe["tokens"]), rev(pipe["probs"]))], "{:.0%}"),
    ]
    for col, (xs, colors, fmt) in enumerate(panels, start=1):
        fig.add_bar(x=xs, y=labels, orientation="h", marker_color=colors, showlegend=False, row=1, col=col,
                    text=[fmt.format(x) for x in xs], textposition="auto", cliponaxis=False,
                    hovertemplate="%{y}: %{x:.3g}<extra></extra>")
    for col in (4, 5):
        fig.update_xaxes(range=[0, 1.05], tickformat=".0%", row=1, col=col)
    fig.update_annotations(font_size=13)
    return base_layout(fig, "", "", "", height=max(280, 30 * len(labels) + 110))


def generated_html(prompt_tokens: list[str], steps: list, pieces: list[str] | None = None,
                   highlight_last: bool = False, alternatives: int = 4) -> str:
    """The prompt (grey) then every generated token, its background deeper the less likely it was when drawn
    (``steps`` are ``generation.Step``s; ``pieces`` their text, with a word model's spaces), with its
    probability and the top alternatives in the hover text."""
    purple = (158, 154, 200)
    pieces = [s.token for s in steps] if pieces is None else pieces
    tokens = list(prompt_tokens) + list(pieces)
    colors = ["rgb(232,232,232)"] * len(prompt_tokens)
    tips = ["prompt"] * len(prompt_tokens)
    for s in steps:
        # log scale: probability 1 is white, 10 % or less full colour
        weight = min(1.0, max(0.0, -math.log10(max(s.probability, 1e-12))))
        colors.append(_mix(purple, weight))
        others = ", ".join(f"{display_token(t)!r} {p:.0%}" for t, p in s.top[:alternatives + 1] if t != s.token)
        tips.append(f"{display_token(s.token)!r}: {s.probability:.1%} · alternatives: {others or 'none'}")
    return colored_text_html(tokens, [], colors=colors, tooltips=tips,
                             highlight=len(tokens) - 1 if highlight_last and steps else None)


def state_heatmap(tokens: list[str], values: np.ndarray, name: str, gate: bool, newest: int | None = None,
                  max_columns: int = 40) -> go.Figure:
    """Units (rows) against the last ``max_columns`` tokens read (columns) for one quantity of the cell."""
    values = np.asarray(values)[-max_columns:]
    shown = tokens[-max_columns:]
    first = len(tokens) - len(shown)
    labels = [f"{first + i}:{display_token(t)}" for i, t in enumerate(shown)]
    if gate:
        scale = dict(colorscale=[[0, "#ffffff"], [1, "#d62728"]], zmin=0, zmax=1)
    else:
        peak = float(max(np.abs(values).max(), 1e-6)) if values.size else 1.0
        scale = dict(colorscale="RdBu_r", zmin=-peak, zmax=peak)
    fig = go.Figure(go.Heatmap(z=values.T, x=labels, y=list(range(values.shape[1] if values.ndim == 2 else 0)),
                               colorbar=dict(title=dict(text=name)), **scale,
                               hovertemplate="after %{x}<br>unit %{y}: %{z:.3f}<extra></extra>"))
    if newest is not None and newest >= first:
        fig.add_vrect(x0=newest - first - 0.5, x1=newest - first + 0.5, line_color="#ff7f0e", line_width=2)
    fig.update_xaxes(showgrid=False, tickangle=-60)
    fig.update_yaxes(showgrid=False, autorange="reversed")
    return base_layout(fig, "", "token read", "unit", height=420)


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
