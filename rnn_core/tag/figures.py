"""Charts of the tagging page: accuracy while training, by cue distance and by word, and one sentence's tags."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from rnn_core.figure_style import base_layout
from rnn_core.tag.data import AMBIGUOUS, CUES, ENDINGS, FILLERS, OPENINGS, PLAIN_NAMES

MODEL_COLORS = {"left-to-right": "#ff7f0e", "bidirectional": "#1f77b4", "baseline": "#7f7f7f"}
MODEL_NAMES = {"left-to-right": "left to right →", "bidirectional": "bidirectional ↔",
               "baseline": "baseline: the word's most frequent tag"}

INTRO = ("A many-to-many RNN gives every word a tag: person, place, organisation or none. In “jordan scored "
         "twice” jordan is a person; in “jordan flows south” it is the river, which is tagged a place. Read up to "
         "“jordan” the two sentences are the same (and capital letters cannot help: everything here is lower "
         "case): only what comes *after* decides, as in “teddy smiled at the crowd” (a person) and “teddy is on "
         "sale” (a toy: none). Train a model that reads left to right and one that also reads right to left, side "
         "by side, and see which one can use the words still to come.")
KNOWS = (f"What the models know: only the generated sentences of section 2, built from {len(AMBIGUOUS)} ambiguous "
         f"words, {sum(map(len, CUES.values()))} cue phrases ({len(CUES['person'])} per tag) and a few dozen plain "
         "names and adverbs (every word is listed there). Anything else is a guess: in “teddy roosevelt was a great "
         "president” they have never seen roosevelt, great or president, nor any of their cue phrases.")
CURVES_CAPTION = ("How to read it: the share of ambiguous words (solid) and plain words (dotted) each model tags "
                  "right, on held-out sentences, as training goes on. The grey line is the baseline on the "
                  "ambiguous words: always the word's most frequent tag in training.")
DISTANCE_CAPTION = ("How to read it: the share of ambiguous words tagged right, by how many words after the "
                    "ambiguous word its cue comes (1: the very next word). A line that falls to the right "
                    "belongs to a model that loses the cue over that many words, one low everywhere to a model "
                    "that has not learned every cue; the grey line is what knowing only the word gives.")
WORD_CAPTION = ("How to read it: one group per ambiguous word (the number under it: how many readings it has), "
                "the share of its test sentences each model tags right. A word with two readings has a baseline "
                "of one half, with three of one third.")
PUSH_CAPTION = ("How to read it: for each word, how much the bidirectional model's forward half (→, it has read "
                "the words up to this one) and backward half (←, it has read this word and the ones after it) "
                "pushed the tag it chose above the average of the four tags. A tall ← bar means the words after "
                "decided.")


def vocabulary_text() -> str:
    """Every word of the generated sentences, grouped as the page explains them (markdown)."""
    readings = ", ".join(f"{w} ({' / '.join(r)})" for w, r in sorted(AMBIGUOUS.items()))
    cues = "\n".join(f"- **{tag}**: " + ", ".join(f"“{c}”" for c in phrases) for tag, phrases in CUES.items())
    names = "; ".join(f"{tag}: {', '.join(words)}" for tag, words in PLAIN_NAMES.items())
    around = sorted({w for t in OPENINGS + ENDINGS for w in t.split() if not w.startswith("{")})
    return (f"**Ambiguous words** and their readings: {readings}.\n\n**Cue phrases**, by the tag they decide:\n"
            f"{cues}\n\n**Words between** the ambiguous word and its cue: {', '.join(FILLERS)}.\n\n"
            f"**Plain names** (always the same tag): {names}.\n\n**Other words** of the openings and endings: "
            f"{', '.join(around)}.")


def points_over_baseline(points: float) -> str:
    """A model's gain over the baseline, in words: "12.3 points over the baseline", "1.4 points below" it."""
    if round(points, 1) == 0:
        return "level with the baseline"
    return f"{abs(points):.1f} points {'over' if points > 0 else 'below'} the baseline"


def outside_what_it_knows(words: list[str]) -> str | None:
    """A note for a typed sentence whose ambiguous words no known cue phrase follows (only adverbs between), or
    None when each one has its cue: the shape of every generated sentence."""
    phrases = [tuple(c.split()) for group in CUES.values() for c in group]
    missing = []
    for at, word in enumerate(words):
        if word not in AMBIGUOUS:
            continue
        k = at + 1
        while k < len(words) and words[k] in FILLERS:
            k += 1
        if not any(tuple(words[k:k + len(p)]) == p for p in phrases):
            missing.append(word)
    if not missing:
        return None
    which = " or ".join(f"“{w}”" for w in dict.fromkeys(missing))
    return (f"No cue phrase the models know follows {which}: they learnt only the {len(phrases)} phrases listed in "
            "section 2, right after the word or after a few adverbs. Their tag here is a guess from words they "
            "were not trained to read this way.")


def training_curves(history: list[dict], directions, baseline: float | None, title: str = "") -> go.Figure:
    """Ambiguous- and plain-word accuracy per model against the step, from the evaluation rows of ``history``."""
    fig = go.Figure()
    for direction in directions:
        for kind, dash in (("ambiguous", "solid"), ("plain", "dot")):
            key = f"{direction}.{kind}_accuracy"
            rows = [r for r in history if isinstance(r.get(key), (int, float)) and math.isfinite(r[key])]
            fig.add_trace(go.Scatter(x=[r["step"] for r in rows], y=[r[key] for r in rows], mode="lines+markers",
                                     name=f"{MODEL_NAMES[direction]}, {kind} words", marker=dict(size=5),
                                     line=dict(color=MODEL_COLORS[direction], dash=dash)))
    if baseline is not None:
        fig.add_hline(y=baseline, line=dict(color=MODEL_COLORS["baseline"], dash="dash"),
                      annotation_text=f"baseline, ambiguous words ({baseline:.2f})", annotation_position="bottom right")
    fig.update_yaxes(range=[0, 1.05])
    base_layout(fig, title, "training step", "share tagged right", height=400)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0, xanchor="left", yanchor="top"))
    return fig


def accuracy_by_distance(metrics: dict, title: str = "") -> go.Figure:
    """Ambiguous-word accuracy against the cue's distance, one line per model and the baseline."""
    fig = go.Figure()
    for name in ("left-to-right", "bidirectional", "baseline"):
        if name not in metrics:
            continue
        points = sorted((int(d), v) for d, v in metrics[name]["by_distance"].items())
        fig.add_trace(go.Scatter(x=[d for d, _ in points], y=[v for _, v in points], name=MODEL_NAMES[name],
                                 mode="lines+markers", line=dict(color=MODEL_COLORS[name],
                                                                 dash="dash" if name == "baseline" else "solid")))
    fig.update_xaxes(dtick=1)
    fig.update_yaxes(range=[0, 1.05])
    base_layout(fig, title, "cue distance (words after the ambiguous word)", "ambiguous words tagged right",
                height=420)
    fig.update_layout(legend=dict(orientation="h", y=-0.25, x=0, xanchor="left", yanchor="top"))
    return fig


def accuracy_by_word(metrics: dict, title: str = "") -> go.Figure:
    """Per ambiguous word, each model's and the baseline's accuracy on its test sentences."""
    words = sorted(metrics["word_counts"], key=lambda w: (len(metrics["readings"][w]), w))
    labels = [f"{w} ({len(metrics['readings'][w])})" for w in words]
    fig = go.Figure()
    for name in ("left-to-right", "bidirectional", "baseline"):
        if name in metrics:
            fig.add_trace(go.Bar(x=labels, y=[metrics[name]["by_word"].get(w) for w in words], name=MODEL_NAMES[name],
                                 marker_color=MODEL_COLORS[name]))
    fig.update_layout(barmode="group", bargap=0.25)
    fig.update_yaxes(range=[0, 1.05])
    fig.update_xaxes(tickangle=-60)
    return base_layout(fig, title, "", "share tagged right", height=440)


def direction_push(words: list[str], forward, backward, tags: list[str], title: str = "") -> go.Figure:
    """Per word, the forward and the backward half's push on the tag the bidirectional model chose."""
    labels = [f"{w}<br><i>{t}</i>" for w, t in zip(words, tags)]
    # Repeated words would share a category on the axis: the position makes each one its own.
    x = list(range(len(words)))
    fig = go.Figure([
        go.Bar(x=x, y=list(map(float, forward)), name="→ forward half (words so far)", marker_color="#ff7f0e"),
        go.Bar(x=x, y=list(map(float, backward)), name="← backward half (words to come)", marker_color="#1f77b4"),
    ])
    fig.update_layout(barmode="group")
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=labels)
    fig.add_hline(y=0, line=dict(color="#444", width=1))
    return base_layout(fig, title, "", "push on the chosen tag (score units)", height=400)


# What the page says its default models do (LSTM, cue 1 to 3 words later, 600 steps). Each sentence is checked
# on seeds 0 to 4 by tests/claims/test_tag.py, which quotes it.
RESULT_LEFT = ("Left to right, the tagger gets the ambiguous words right about as often as the baseline (within 5 "
               "points): when it reaches “jordan” it has read nothing that says which jordan it is, so all it can "
               "learn is how often each reading comes.")
RESULT_BIDIRECTIONAL = ("Bidirectional, it gets more than 95 % of them right: its backward half has already read "
                        "the cue.")
RESULT_PLAIN = "Both get more than 98 % of the plain words right: a plain word's tag is the word itself."
RESULT_DISTANCE = ("With the defaults the bidirectional line stays above 0.95 at every distance, and the "
                   "left-to-right line within 10 points of the baseline.")
RESULT_CELLS = ("An RNN or a GRU cell does the same at this distance: no cell reads words that have not come yet. "
                "Set the cue distance to 10 and, in 600 steps, the bidirectional RNN gets fewer of them right than "
                "the LSTM (which still gets more than 95 %), but not because far cues fade: it tags cues 10 words "
                "away about as well as cues 2 words away (within 10 points). What it misses are whole words: a few "
                "ambiguous words it gets right less than 75 % of the time, while most are near 100 % (the word "
                "chart shows them).")
EXAMPLE_READING = ("Try “jordan scored twice”, then “jordan flows south”: the bidirectional model tags jordan a "
                   "person, then a place, and at jordan its backward half (←) pushes harder than its forward half "
                   "(→). The left-to-right model gives jordan the same tag in both: up to jordan, the two sentences "
                   "are the same.")
