"""Charts of the War and Peace lesson: the book against the model, and a sentence's probability word by word."""

from __future__ import annotations

import plotly.graph_objects as go

from rnn_core.figure_style import COLORS, base_layout
from rnn_core.language_model.book import BookRow, ChainStep

BOOK_CAPTION = ("How to read it: for each word, three bars. Dark: how often the book puts it after “Emperor of” "
                "(its share of those few occurrences); light: how often the book puts it after any “of”; orange: "
                "the probability the model gives it after the prompt. Where the orange bars follow the light ones, "
                "the model has learnt what follows “of” in general, not what follows “Emperor of”.")
CHAIN_CAPTION = ("How to read it: one dot per word, its probability given every word before it (log scale: each "
                 "grid line down is a hundred times less likely). The line is the running product, the probability "
                 "of the words so far: it can only fall, and each word multiplies it by its dot.")
NEXT_CAPTION = ("How to read it: the model's ten likeliest next words after the prompt, at temperature 1 with top-k "
                "and top-p off and the special tokens removed: the model's own probabilities. Generate draws with "
                "the settings above instead.")


def book_model_figure(rows: list[BookRow], facts: dict, top: list[tuple[str, float]], probability: dict) -> go.Figure:
    """The book's continuations of "Emperor of" and of "of", against the model's probabilities after the prompt,
    for the book's continuations and the model's own likeliest words. ``probability``: word -> the model's."""
    words = list(dict.fromkeys([w for w, _ in top[:5]] + [r.word for r in rows]))
    emperor_total = sum(facts["follows"].values()) or 1
    emperor = [facts["follows"].get(w, 0) / emperor_total for w in words]
    after_of = [facts["after_of"].get(w, 0) / facts["of_count"] for w in words]
    model = [probability.get(w, 0.0) for w in words]
    fig = go.Figure()
    for name, values, color in ((f"the book, after “Emperor of” ({facts['context_count']} times)", emperor, COLORS[0]),
                                (f"the book, after any “of” ({facts['of_count']:,} times; top 5 kept)", after_of,
                                 "#9ecae1"),
                                ("the model, after the prompt", model, COLORS[1])):
        fig.add_trace(go.Bar(x=words, y=values, name=name, marker_color=color,
                             text=[f"{v:.1%}" if v >= 0.001 else ("<0.1%" if v > 0 else "") for v in values],
                             textposition="outside", cliponaxis=False,
                             hovertemplate="%{x}: %{y:.2%}<extra>" + name + "</extra>"))
    fig.update_yaxes(tickformat=".0%", range=[0, max(emperor + after_of + model) * 1.18])
    fig.update_layout(barmode="group", legend=dict(orientation="h", y=-0.22))
    return base_layout(fig, "", "next word", "share / probability", height=420)


def chain_figure(steps: list[ChainStep]) -> go.Figure:
    """Each word's conditional probability (dots) and the running product (line), log scale."""
    labels = [f"{i + 1}. {s.word}" if s.known else f"{i + 1}. {s.word} (<unk>)" for i, s in enumerate(steps)]
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=labels, y=[s.probability for s in steps], name="P(word | the words before)",
                             mode="markers+text", marker=dict(color=COLORS[0], size=14),
                             text=[f"{s.probability:.2g}" for s in steps], textposition="top center",
                             cliponaxis=False, hovertemplate="%{x}: %{y:.3g}<extra>P(word | before)</extra>"))
    if len(steps) > 1:
        fig.add_trace(go.Scatter(x=labels, y=[s.running for s in steps], name="P(the words so far)",
                                 mode="lines+markers", marker_color=COLORS[1],
                                 hovertemplate="%{x}: %{y:.3g}<extra>P(the words so far)</extra>"))
    fig.update_yaxes(type="log", exponentformat="power", dtick=2)
    fig.update_layout(legend=dict(orientation="h", y=-0.25))
    return base_layout(fig, "", "", "probability (log scale)", height=400)
