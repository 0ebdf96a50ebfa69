"""Charts of the sentiment lab: the data, training curves, the confusion matrix, and one sentence word by word."""

from __future__ import annotations

import math

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnn_core.figure_style import COLORS, base_layout, smooth

BALANCE_CAPTION = ("How to read it: how many sentences each class has. With balanced classes, always guessing "
                   "the biggest class scores its share (the dotted line): a classifier must beat that to have "
                   "learned anything.")
CURVES_CAPTION = ("How to read it: left, the loss (lower is better) on training batches and on validation "
                  "sentences the model never trains on; right, the share classified correctly, blue on a sample of "
                  "the training sentences, orange on the validation ones. The dashed line is the bag-of-words "
                  "baseline on the same validation sentences. Blue far above orange means the model is "
                  "memorising.")
CONFUSION_CAPTION = ("How to read it: each row is the true class, each column the predicted one; the diagonal "
                     "holds the test sentences classified correctly. Colour is the share of the row, so an "
                     "off-diagonal cell says which mistake the model makes most.")
ACCURACY_CAPTION = ("How to read it: the share of test sentences each model gets right. The bag of words sees "
                    "which words occur but not their order; where the RNN's bar is taller, word order mattered. "
                    "The negation test is built so that only word order can tell its classes apart.")
BY_WORD_CAPTION = ("How to read it: the model's P(class) after reading the sentence up to each word, as if the "
                   "sentence stopped there. Watch where the line jumps: that word changed the model's mind. Above "
                   "the dotted 0.5 line the model would answer that class.")
HIDDEN_CAPTION = ("How to read it: one column per word, one row per hidden unit (→ reads left to right, ← right "
                  "to left). Red is positive, blue negative. Units whose colour flips at a word keep track of "
                  "that word; units that stay the same colour carry memory across the sentence.")
INFLUENCE_CAPTION = ("How to read it: how much each word pushed the prediction toward the predicted class "
                     "(green) or away from it (red): the change in that class's probability when the word is "
                     "left out.")
# Added under the influence chart for the built-in reviews' models (checked there; the UCI models never learn it).
INFLUENCE_NOT_BAD = "A word's effect depends on its neighbours: here \"bad\" after \"not\" pushes positive."
GRADIENT_CAPTION = ("How to read it: gradient × input of the predicted class's log-odds, a first-order estimate "
                    "of how much each word's vector moves the decision (green toward the predicted class, red "
                    "away). It is cheap but local: it can miss what leaving a word out would do, most of all where "
                    "the network's units are saturated.")
GROUP_CAPTION = ("How to read it: the share of test sentences each model gets right, kind by kind (for the "
                 "built-in reviews, how each review was built; for the UCI sentences, where it came from). "
                 "Plain opinions need no word order; negations and contrasts do.")
PAIRS_CAPTION = ("How to read it: the same sentence with one word changed, and each model's P(positive); ✓ where "
                 "the model is right (above 0.5 for a positive sentence, below for a negative one). Only a model "
                 "that reads word order can tell \"bad\" from \"not bad\".")

# What the page says its default models do. Each sentence is checked by tests/claims/test_sentiment.py, which
# quotes it: on seeds 0 to 4 for the built-in reviews, 0, 1 and 2 for the UCI sentences.
BUILT_IN_READING = (
    "With the page's defaults, in “The food was not bad at all” P(positive) stays between 0.15 and 0.85 until "
    "the opinion word (no evidence yet, “not” included: it could go either way), then jumps up at “bad”, to above "
    "0.9: the hidden state has kept the “not”. In “The food was bad” the same word sends it below 0.1. The bag "
    "of words calls both sentences negative: it sees “bad” and “not”, "
    "not their order.")
BUILT_IN_PAIRS = ("The RNN gets all five right; the bag of words gets “good” and “bad” right and “not bad” wrong, "
                  "with or without “at all”: it sees “bad”.")
BUILT_IN_RESULTS = ("The RNN gets more than 95 % of every kind of review right but one, those with a clause "
                    "between “not” and its adjective (more than 90 %), and more than 90 % of the negation test; "
                    "the bag of words gets plain opinions right (more than 90 %), most negated ones wrong (under "
                    "30 %), and stays under 65 % on the negation test, where every word is as frequent in both "
                    "classes.")
UCI_READING = (
    "With the page's defaults, from 3,000 real sentences the RNN learns which words carry an opinion (“The food "
    "was good.” comes out positive, “The food was bad.” negative) and that “not” is mostly bad news (“The food "
    "was not good.” comes out negative). It does not learn that “not” flips “bad”: “The food was not bad.” and "
    "“The food was not bad at all.” come out negative, as they do from the bag of words. Its test accuracy is "
    "within 5 points of the bag of words'.")
GROUP_NAMES = {"plain": "plain: “was great”", "verb": "“I (did not) like”", "fragment": "short: “Great food.”",
               "negated": "“was not bad”", "separated": "“not, …clause…, bad”", "contrast": "“A but B”",
               "amazon": "Amazon", "imdb": "IMDb", "yelp": "Yelp"}


def uci_why(with_not: dict, not_bad: dict, total: int) -> str:
    """Why the RNN does not learn "not bad" from the UCI sentences, in their own counts
    (:func:`rnn_core.sentiment.report.negation_counts`)."""
    n_not = sum(with_not.values())
    return (f"Why: of the {total:,} sentences, {n_not:,} contain “not”, {with_not['negative'] / max(1, n_not):.0%} of "
            f"them negative, and only {sum(not_bad.values())} says “not bad”. Learning what “not” does to the word "
            "after it needs many examples of both “not good” and “not bad”: the built-in reviews have them.")


def curve_rows(reports: list) -> list[dict]:
    """Progress reports as :func:`training_curves` rows: the training loss of each, the evaluation once per new
    evaluation (a report of step 0, before training, is skipped)."""
    rows, last = [], None
    for p in reports:
        if not p.step:
            continue
        row = {"step": p.step, "train_loss": p.train_loss}
        key = (p.metrics.get("val_loss"), p.metrics.get("val_accuracy"))
        if key[1] is not None and key != last:
            row.update(p.metrics)
            last = key
        rows.append(row)
    return rows


def group_rows(by_group: list[dict]) -> list[dict]:
    """A model's accuracy by kind of sentence, as :func:`accuracy_bars` rows."""
    return [{"label": f"{GROUP_NAMES.get(r['group'], r['group'])} ({r['n']})", "rnn": r["rnn"],
             "baseline": r["baseline"]} for r in by_group]


def pairs_rows(pairs: list[dict]) -> list[dict]:
    """:func:`rnn_core.sentiment.probe.minimal_pairs` as a table: each model's P(positive), ✓ where right."""
    return [{"sentence": r["sentence"], "truth": r["truth"],
             "RNN: P(positive)": f"{r['rnn']:.2f} {'✓' if r['rnn_right'] else '✗'}",
             "bag of words: P(positive)": f"{r['baseline']:.2f} {'✓' if r['baseline_right'] else '✗'}"}
            for r in pairs]


def class_balance(counts: dict[str, int], title: str = "") -> go.Figure:
    """Sentences per class, with the accuracy of always guessing the largest class."""
    names, values = list(counts), list(counts.values())
    fig = go.Figure(go.Bar(x=names, y=values, marker_color=[COLORS[i % len(COLORS)] for i in range(len(names))],
                           text=[f"{v:,}" for v in values], textposition="auto"))
    total = sum(values)
    if total:
        fig.add_hline(y=max(values), line=dict(dash="dot", color="grey"),
                      annotation_text=f"always guessing the largest class: {max(values) / total:.0%}",
                      annotation_position="top left")
    return base_layout(fig, title, "class", "sentences", height=300)


def training_curves(history: list[dict], baseline_accuracy: float | None = None, title: str = "") -> go.Figure:
    """Loss (training, validation) and accuracy (training, validation, baseline) against the training step."""
    fig = make_subplots(rows=1, cols=2, horizontal_spacing=0.2)   # room for the right panel's y title
    steps = [r["step"] for r in history if _finite(r.get("train_loss"))]
    train = [r["train_loss"] for r in history if _finite(r.get("train_loss"))]
    if steps:
        fig.add_scatter(x=steps, y=smooth(train), mode="lines", name="training", line=dict(color=COLORS[0]),
                        legendgroup="train", row=1, col=1)
    evals = [r for r in history if _finite(r.get("val_accuracy"))]
    if evals:
        x = [r["step"] for r in evals]
        fig.add_scatter(x=x, y=[r.get("val_loss") for r in evals], mode="lines+markers", name="validation",
                        line=dict(color=COLORS[1]), legendgroup="val", row=1, col=1)
        fig.add_scatter(x=x, y=[r.get("train_accuracy") for r in evals], mode="lines+markers", name="training",
                        line=dict(color=COLORS[0]), legendgroup="train", showlegend=False, row=1, col=2)
        fig.add_scatter(x=x, y=[r["val_accuracy"] for r in evals], mode="lines+markers", name="validation",
                        line=dict(color=COLORS[1]), legendgroup="val", showlegend=False, row=1, col=2)
    if _finite(baseline_accuracy):
        fig.add_hline(y=baseline_accuracy, line=dict(dash="dash", color=COLORS[2]), row=1, col=2,
                      annotation_text=f"bag of words {baseline_accuracy:.0%}", annotation_position="bottom right")
    base_layout(fig, title, "", "", height=360)
    last = max([r["step"] for r in history if "step" in r] or [1])
    fig.update_xaxes(title_text="training step", range=[0, last * 1.03])   # both panels from step 0
    fig.update_yaxes(title_text="cross-entropy (nats)", row=1, col=1)
    fig.update_yaxes(title_text="share correct", range=[0, 1.02], tickformat=".0%", row=1, col=2)
    return fig


def confusion_heatmap(matrix: list[list[int]], classes: list[str], title: str = "") -> go.Figure:
    """Counts of true class (rows) against predicted class (columns), coloured by the share of each row."""
    m = np.asarray(matrix, dtype=float)
    shares = m / np.maximum(m.sum(axis=1, keepdims=True), 1)
    fig = go.Figure(go.Heatmap(z=shares, x=[f"predicted {c}" for c in classes], y=[f"true {c}" for c in classes],
                               text=m.astype(int), texttemplate="%{text}", colorscale="Blues", zmin=0, zmax=1,
                               colorbar=dict(title="share", tickformat=".0%"),
                               hovertemplate="%{y}, %{x}: %{text} sentences (%{z:.0%} of the row)<extra></extra>"))
    fig.update_yaxes(autorange="reversed")
    return base_layout(fig, title, "", "", height=260 + 30 * len(classes))


def accuracy_bars(rows: list[dict], title: str = "") -> go.Figure:
    """Grouped bars: for each test (``label``), the RNN's and the bag of words' accuracy."""
    fig = go.Figure()
    for key, name, color in (("rnn", "RNN", COLORS[0]), ("baseline", "bag of words", COLORS[2])):
        fig.add_bar(x=[r["label"] for r in rows], y=[r[key] for r in rows], name=name, marker_color=color,
                    text=[f"{r[key]:.1%}" for r in rows], textposition="auto")
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%")
    return base_layout(fig, title, "", "accuracy", height=300)


def probability_by_word(words: list[str], probabilities: np.ndarray, classes: list[str], title: str = "") -> go.Figure:
    """P(class) after each word; for two classes only the second one's line (the other is its mirror)."""
    fig = go.Figure()
    shown = [1] if len(classes) == 2 else range(len(classes))
    x = list(range(len(words)))
    for k in shown:
        fig.add_scatter(x=x, y=probabilities[:, k], mode="lines+markers", name=f"P({classes[k]})",
                        line=dict(color=COLORS[k % len(COLORS)], width=3), marker=dict(size=9),
                        hovertemplate="after %{customdata}: %{y:.2f}<extra></extra>", customdata=words)
    fig.add_hline(y=0.5, line=dict(dash="dot", color="grey"))
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=words, tickangle=-45 if len(words) > 12 else 0)
    fig.update_yaxes(range=[-0.02, 1.02])
    label = f"P({classes[1]})" if len(classes) == 2 else "P(class)"
    return base_layout(fig, title, "after reading this word", label, height=340)


def hidden_heatmap(words: list[str], hidden: np.ndarray, bidirectional: bool = False, max_units: int = 64,
                   title: str = "") -> go.Figure:
    """Hidden units (rows) by word (columns); with many units, the ones that vary most across the words."""
    h = np.asarray(hidden).T     # (units, words)
    half = h.shape[0] // 2
    names = [(f"→{i}" if i < half else f"←{i - half}") if bidirectional else str(i) for i in range(h.shape[0])]
    if h.shape[0] > max_units:
        keep = np.sort(np.argsort(-h.std(axis=1))[:max_units])
        h, names = h[keep], [names[i] for i in keep]
    x = [f"{i}:{w}" for i, w in enumerate(words)]
    fig = go.Figure(go.Heatmap(z=h, x=x, y=names, colorscale="RdBu_r", zmid=0, colorbar=dict(title="value"),
                               hovertemplate="unit %{y} after %{x}: %{z:.2f}<extra></extra>"))
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=words, tickangle=-45 if len(words) > 12 else 0)
    fig.update_yaxes(title_text="hidden unit", autorange="reversed", showticklabels=len(names) <= 32)
    return base_layout(fig, title, "word", "hidden unit", height=min(700, 200 + 9 * len(names)))


def influence_bars(words: list[str], influence: np.ndarray, class_name: str, title: str = "") -> go.Figure:
    """One bar per word: its push toward (positive) or away from (negative) ``class_name``."""
    x = [f"{i}:{w}" for i, w in enumerate(words)]
    values = [float(v) for v in influence]
    fig = go.Figure(go.Bar(x=x, y=values, marker_color=["#2ca02c" if v >= 0 else "#d62728" for v in values],
                           hovertemplate="%{customdata}: %{y:+.3f}<extra></extra>", customdata=words))
    fig.update_xaxes(tickmode="array", tickvals=x, ticktext=words, tickangle=-45 if len(words) > 12 else 0)
    return base_layout(fig, title, "word", f"push toward {class_name}", height=320)


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
