"""The home page's three small charts (see ``rnn_core.tour.findings``): the cliff, gradients through time, samples."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from rnn_core.tour.findings import DEFAULTS, GATED_FAR, GATED_HOLD, Cliff, GradientTour, SampleTour
from rnn_core.figure_style import CELL_COLORS, base_layout

LABELS = {"rnn": "RNN", "lstm": "LSTM", "gru": "GRU"}
HEIGHT = 290
GRADIENT_CHECK_AT = DEFAULTS["span"]   # the caption's "60 characters back": the chart's far end
LSTM_FACTOR, GRU_FACTOR = 10, 100      # ... "over 10× weaker than the LSTM's and over 100× than the GRU's"

GRADIENT_CAPTION = (
    "How to read it: how much each ready-made model's next-character guess depends on the character d steps "
    "back (log scale). All three fade going back, the RNN's the most: "
    f"{GRADIENT_CHECK_AT} characters back it is over {LSTM_FACTOR}× weaker than the LSTM's and over {GRU_FACTOR}× "
    "weaker than the GRU's.")


def gradient_details(tour: GradientTour) -> str:
    """What exactly the gradient chart measures (for the caption's tooltip)."""
    sizes = ", ".join(f"{LABELS[c]} {tour.hidden[c]} units, {tour.steps[c]:,} steps" for c in tour.curves)
    return ("The three ready-made character models, trained on the same text (" + sizes + "). For each of "
            f"{tour.predictions} next-character guesses on a held-out passage of {len(tour.passage)} characters "
            f"(each guess with at least {len(tour.passage) - tour.predictions} characters read before it), the "
            "gradient norm of the guessed character's log-probability with respect to each earlier input, from a "
            "real backward pass, divided by the largest of them; the line is the typical value (geometric mean) "
            "over the guesses.")
SAMPLES_CAPTION = (
    "How to read it: the share of real words in the samples the ready-made LSTM wrote as it trained; dotted: "
    "the same share for real text. It climbs from noise towards the dotted line.")
SAMPLES_DETAILS = (
    "A word is a run of two or more letters; it is real if it occurs in the Python documentation, the text "
    "the model trained on. The dotted line scores passages of the held-out part of that text the same way.")


def cliff_details(cliff: Cliff) -> str:
    """What exactly the cliff chart shows (for the caption's tooltip)."""
    return ("The Compare page's precomputed grid: each cell trained on the adding problem (the sum of two marked "
            "numbers in a sequence of random ones; an answer within 0.04 counts as solved) at each length, for "
            f"{len(cliff.seeds)} seeds. The dotted line is the best a network without memory can score: always "
            "answering 1.")


def cliff_caption(cliff: Cliff) -> str:
    """How to read the cliff, with what the shipped grid shows (a neutral sentence if it does not show it)."""
    read = (f"How to read it: sequences solved against the steps between the two numbers to add; mean of "
            f"{len(cliff.seeds)} seeds, bars from worst to best; dotted: no memory. ")
    start, longest = cliff.rnn_at_baseline_from(), cliff.lengths[-1]
    if start is None:
        return read + "Where the RNN's line meets the dotted one, it has lost the dependency."
    said, gated_worst = f"The RNN falls to that line from {start} steps on; ", cliff.gated_worst()
    if gated_worst >= GATED_HOLD:
        return read + said + f"the LSTM and GRU stay above {GATED_HOLD:.0%} up to {longest}."
    if gated_worst >= cliff.baseline + GATED_FAR:
        worst = " and ".join(f"{LABELS[c]} {cliff.worst(c, longest):.0%}" for c in ("lstm", "gru"))
        return read + said + (f"the LSTM and GRU stay far above it up to {longest} (their worst seed at "
                              f"{longest}: {worst}).")
    return read + "Where the RNN's line meets the dotted one, it has lost the dependency."


def cliff_figure(cliff: Cliff) -> go.Figure:
    """Mean accuracy per cell against length (log axis), bars from the worst to the best seed, baseline dotted."""
    fig = go.Figure()
    for cell in cliff.cells:
        rows = cliff.table(cell)
        fig.add_scatter(
            x=[r["length"] for r in rows], y=[r["mean"] for r in rows], mode="lines+markers", name=LABELS[cell],
            line=dict(color=CELL_COLORS[cell], width=3), marker=dict(size=8),
            error_y=dict(type="data", symmetric=False, array=[r["high"] - r["mean"] for r in rows],
                         arrayminus=[r["mean"] - r["low"] for r in rows], thickness=1.5),
            hovertemplate=f"{LABELS[cell]}, %{{x}} steps: %{{y:.0%}}<extra></extra>")
    lengths = cliff.lengths
    fig.add_scatter(x=[lengths[0], lengths[-1]], y=[cliff.baseline] * 2, mode="lines", name="no memory",
                    line=dict(dash="dot", color="grey", width=2), hoverinfo="skip")
    fig.update_xaxes(type="log", tickvals=lengths, ticktext=[str(n) for n in lengths])
    fig.update_yaxes(range=[-0.03, 1.05], tickformat=".0%")
    return _compact(base_layout(fig, "", "steps to remember across", "sequences solved", height=HEIGHT),
                    dict(x=0.98, xanchor="right", y=0.5, yanchor="middle"))


def gradient_figure(tour: GradientTour) -> go.Figure:
    """One line per cell: relative gradient norm against the distance back, log y axis."""
    fig = go.Figure()
    for cell, curve in tour.curves.items():
        points = [(d, v) for d, v in enumerate(curve) if v > 0 and math.isfinite(v)]
        fig.add_scatter(x=[d for d, _ in points], y=[v for _, v in points], mode="lines", name=LABELS[cell],
                        line=dict(color=CELL_COLORS[cell], width=3),
                        hovertemplate=f"{LABELS[cell]}, %{{x}} back: %{{y:.1e}}<extra></extra>")
    fig.update_yaxes(type="log", exponentformat="power")
    return _compact(base_layout(fig, "", "characters back", "gradient (relative)", height=HEIGHT),
                    dict(x=0.02, xanchor="left", y=0.02, yanchor="bottom"))


def samples_figure(tour: SampleTour) -> go.Figure:
    """Share of real words per stored sample against the training step, real text's share dotted."""
    fig = go.Figure()
    shown = [(s, v, t) for s, v, t in zip(tour.steps, tour.shares, tour.texts) if math.isfinite(v)]
    fig.add_scatter(x=[s for s, _, _ in shown], y=[v for _, v, _ in shown], mode="lines+markers",
                    name="samples", line=dict(color=CELL_COLORS["lstm"], width=3), marker=dict(size=8),
                    customdata=[[_hover(t)] for _, _, t in shown],
                    hovertemplate="step %{x}: %{y:.0%} real words<br>%{customdata[0]}<extra></extra>")
    if tour.steps and math.isfinite(tour.real_text_share):
        fig.add_scatter(x=[tour.steps[0], tour.steps[-1]], y=[tour.real_text_share] * 2, mode="lines",
                        name="real text", line=dict(dash="dot", color="grey", width=2), hoverinfo="skip")
    fig.update_yaxes(range=[-0.03, 1.05], tickformat=".0%")
    return _compact(base_layout(fig, "", "training step", "real words", height=HEIGHT),
                    dict(x=0.98, xanchor="right", y=0.02, yanchor="bottom"))


def _hover(text: str, width: int = 60) -> str:
    flat = " ".join(text.split())[:width]
    return flat.replace("<", "&lt;").replace(">", "&gt;")


def _compact(fig: go.Figure, legend: dict) -> go.Figure:
    """Small margins and the legend inside the plot (``legend``: where), for a third of the page's width."""
    fig.update_layout(margin=dict(l=55, r=10, t=10, b=45), font=dict(size=13),
                      legend=dict(orientation="v", bgcolor="rgba(255,255,255,0.8)", **legend))
    return fig
