"""Charts of the Translate page: exact match while training, the attention map, the bottleneck against length."""

from __future__ import annotations

import plotly.graph_objects as go

from rnn_core.figure_style import base_layout

MODEL_COLORS = {"attention": "#1f77b4", "plain": "#d62728"}
MODEL_NAMES = {"attention": "with attention", "plain": "without attention"}
RUN_DASHES = ("solid", "dash", "dot", "dashdot")

CURVES_CAPTION = ("How to read it: the share of held-out dates (dates never seen in training, each written in one "
                  "of the formats) translated right in all ten characters, measured every 50 steps while training. "
                  "Blue: with attention; red: without. A date with one wrong digit counts as wrong.")
ATTENTION_CAPTION = ("How to read it: one row per output character (top to bottom), one column per input character "
                     "(left to right); the darker a cell, the more that output character looked at that input "
                     "character when it was written. Each row sums to 1.")
LENGTH_CAPTION = ("How to read it: the share of held-out sequences written back entirely right, against their "
                  "length, after the same budget of steps for every point (the mean over seeds, the bars span the "
                  "worst and best seed). Red has only the encoder's last state to go on; blue also looks back at "
                  "every input letter. Your live runs are the large hollow markers (diamonds: another budget).")
BUDGET_CAPTION = ("How to read it: the share of validation sequences written back entirely right while training, "
                  "one line per seed, measured every 50 steps; a run stops once it gets 98% right. The dashed line "
                  "is where the equal-budget chart above stops every run.")
FORMAT_CAPTION = ("How to read it: held-out exact match per way of writing a date (each bar about 75 test dates). "
                  "A format with a short bar is one the model has not learned to read yet.")


def exact_match_curves(curves: dict, title: str = "Held-out exact match while training",
                       steps: int | None = None) -> go.Figure:
    """``curves``: model key (``attention``/``plain``) → rows with ``step`` and ``val_exact``; ``steps`` fixes the
    x axis to the whole budget (so a run's first points do not fill the chart)."""
    fig = go.Figure()
    for model, rows in curves.items():
        if not rows:
            continue
        fig.add_trace(go.Scatter(x=[r["step"] for r in rows], y=[r["val_exact"] for r in rows], mode="lines+markers",
                                 name=MODEL_NAMES.get(model, model), line=dict(color=MODEL_COLORS.get(model))))
    fig.update_yaxes(range=[-0.02, 1.02], tickformat=".0%")
    if steps:
        fig.update_xaxes(range=[0, steps * 1.02])
    return base_layout(fig, title, "training step", "dates exactly right", height=360)


def attention_heatmap(text: str, output: str, weights: list, title: str = "") -> go.Figure:
    """The attention weights of one translation: rows are output characters, columns input characters."""
    columns = [f"{c if c != ' ' else '␣'}<sub>{i + 1}</sub>" for i, c in enumerate(text)]
    rows = [f"{c}<sub>{i + 1}</sub>" for i, c in enumerate(output)]
    fig = go.Figure(go.Heatmap(z=weights, x=columns, y=rows, colorscale="Blues", zmin=0, zmax=1,
                               colorbar=dict(title="weight"),
                               hovertemplate="output %{y} looked at input %{x}: %{z:.2f}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category", title="output character")
    fig.update_xaxes(type="category", title="input character", tickangle=0)
    return base_layout(fig, title or "Where each output character looked", height=420)


def accuracy_vs_length(summary: list[dict], live: list[dict] | None = None,
                       title: str = "Reversing letters: exact match against length",
                       summary_rows: list[dict] | None = None) -> go.Figure:
    """``summary`` from :func:`rnn_core.translate.model.summarise_lengths`; ``live`` rows (a learner's runs) on top,
    those trained with another budget than ``summary_rows`` (the runs summarised) as diamonds."""
    fig = go.Figure()
    for model in ("attention", "plain"):
        s = [r for r in summary if r["model"] == model]
        if s:
            fig.add_trace(go.Scatter(
                x=[r["length"] for r in s], y=[r["mean"] for r in s], mode="lines+markers",
                name=MODEL_NAMES[model] + (" (precomputed)" if live is not None else ""),
                line=dict(color=MODEL_COLORS[model]),
                error_y=dict(type="data", symmetric=False, array=[r["max"] - r["mean"] for r in s],
                             arrayminus=[r["mean"] - r["min"] for r in s]),
                customdata=[r["seeds"] for r in s],
                hovertemplate="length %{x}: %{y:.1%} (mean of %{customdata} seeds)<extra></extra>"))
    budget = max((int(r.get("budget", r.get("steps", 0))) for r in summary_rows or []), default=None)
    for model in ("attention", "plain"):
        for steps in sorted({r.get("budget", budget) for r in live or [] if r["model"] == model}, key=str):
            mine = [r for r in live or [] if r["model"] == model and r.get("budget", budget) == steps]
            other = steps is not None and budget is not None and steps != budget
            fig.add_trace(go.Scatter(
                x=[r["length"] for r in mine], y=[r["exact_match"] for r in mine], mode="markers",
                name=f"{MODEL_NAMES[model]} (your runs" + (f", {steps:,} steps)" if other else ")"),
                marker=dict(color=MODEL_COLORS[model], size=14, symbol="diamond-open" if other else "circle-open",
                            line=dict(width=3)),
                customdata=[r["seed"] for r in mine],
                hovertemplate="your run, length %{x}, seed %{customdata}: %{y:.1%}<extra></extra>"))
    fig.update_yaxes(range=[-0.03, 1.05], tickformat=".0%")
    fig.update_xaxes(tickmode="array", tickvals=sorted({r["length"] for r in summary + list(live or [])}))
    return base_layout(fig, title, "letters to reverse", "sequences exactly right", height=380)


def format_bars(by_format: dict, title: str = "Held-out exact match by format") -> go.Figure:
    """``by_format``: model key → {format name: exact match}; one bar group per format."""
    fig = go.Figure()
    for model, scores in by_format.items():
        if scores:
            fig.add_trace(go.Bar(x=list(scores), y=list(scores.values()), name=MODEL_NAMES.get(model, model),
                                 marker_color=MODEL_COLORS.get(model),
                                 hovertemplate="%{x}: %{y:.1%}<extra></extra>"))
    fig.update_yaxes(range=[0, 1.02], tickformat=".0%")
    fig.update_xaxes(tickangle=-30)
    fig.update_layout(barmode="group")
    return base_layout(fig, title, "", "dates exactly right", height=400)


def dates_finding(rows: list[dict]) -> str:
    """The date translator's result line from runs with the defaults (``model``, ``seed``, ``exact_match``, ``steps``)."""
    att = [r["exact_match"] for r in rows if r["model"] == "attention"]
    plain = [r["exact_match"] for r in rows if r["model"] == "plain"]
    seeds = sorted({int(r["seed"]) for r in rows})
    steps = max(int(r["steps"]) for r in rows)
    span = lambda v: f"{min(v):.1%}" if min(v) == max(v) else f"{min(v):.1%} to {max(v):.1%}"
    return (f"After {steps:,} steps (seeds {', '.join(map(str, seeds))}), the translator **with attention** writes "
            f"{span(att)} of the held-out dates exactly right; **without attention**, trained just as long, "
            f"{span(plain)}. Both learn; the one that can look back at the input learns faster.")


def length_finding(rows: list[dict], bottleneck: int | None) -> str:
    """The bottleneck experiment's result line from its rows (``model``, ``length``, ``seed``, ``exact_match``),
    all trained with the same budget (``steps`` at most)."""
    by: dict = {}
    for r in rows:
        by.setdefault((r["model"], int(r["length"])), []).append(float(r["exact_match"]))
    lengths = sorted({n for _, n in by})
    seeds = len({int(r["seed"]) for r in rows})
    budget = max(int(r.get("budget", r.get("steps", 0))) for r in rows)
    mean = lambda m, n: sum(by[(m, n)]) / len(by[(m, n)])
    short, long = lengths[0], lengths[-1]
    worst = min(min(by[("attention", n)]) for n in lengths)
    limit = f"at most {budget:,} steps per model, " if budget else ""
    text = (f"**At an equal budget** ({limit}{seeds} seeds): **without attention** exact "
            f"match falls as the sequences grow: {mean('plain', short):.0%} of {short}-letter sequences reversed "
            f"right, {mean('plain', long):.0%} at {long} letters. **With attention** it holds: at least "
            f"{int(worst * 100 + 1e-9)}% at every length, on every seed.")   # floored
    if bottleneck is not None:
        text += (f" From {bottleneck} letters on, within this budget, every seed with attention reverses at least "
                 "90% of the sequences and every seed without at most 30%.")
    return text


def budget_finding(rows: list[dict], curves: list[dict], equal_budget: int) -> str:
    """What more steps buy: the result line of the larger-budget runs (one length, both models, a few seeds)."""
    length = int(rows[0]["length"])
    budget = max(int(r["budget"]) if "budget" in r else int(r["steps"]) for r in rows)
    plain = [float(r["exact_match"]) for r in rows if r["model"] == "plain"]
    solved = [int(r["steps"]) for r in rows if r["model"] == "attention"]
    at_equal = [float(c["val_exact"]) for c in curves if c["model"] == "plain" and int(c["step"]) == equal_budget]
    seeds = lambda model: (lambda v: f"seed {v[0]}" if len(v) == 1 else f"seeds {v[0]}–{v[-1]}")(
        sorted({int(r["seed"]) for r in rows if r["model"] == model}))
    span = lambda v, f: f(min(v)) if f(min(v)) == f(max(v)) else f"{f(min(v))}–{f(max(v))}"
    pct = lambda v: f"{v:.0%}"
    return (f"**What more steps buy** ({length} letters, {budget:,} steps, {budget // equal_budget} times the budget "
            f"above): **without attention** the model does learn, slowly ({seeds('plain')}). At step "
            f"{equal_budget:,} of this longer run it reverses {span(at_equal, pct)} of the validation sequences; "
            f"after {budget:,} steps, {span(plain, pct)} of the test ones. **With attention** every seed is solved "
            f"(98% of the validation sequences) within {max(solved):,} steps ({seeds('attention')}). Attention does "
            "not make the long sequence possible; it makes it easy: each output letter fetches its input letter "
            "instead of recovering it from one state.")


def budget_curves(curves: list[dict], equal_budget: int, title: str) -> go.Figure:
    """Held-out exact match against the step for every seed of both models (the larger-budget runs), with the
    equal budget of the chart above marked."""
    fig = go.Figure()
    for model in ("attention", "plain"):
        for k, seed in enumerate(sorted({int(c["seed"]) for c in curves if c["model"] == model})):
            rows = sorted((c for c in curves if c["model"] == model and int(c["seed"]) == seed), key=lambda c: c["step"])
            fig.add_trace(go.Scatter(x=[c["step"] for c in rows], y=[c["val_exact"] for c in rows], mode="lines",
                                     name=MODEL_NAMES[model], legendgroup=model, showlegend=k == 0,
                                     line=dict(color=MODEL_COLORS[model], width=2),
                                     hovertemplate=f"seed {seed}, step %{{x}}: %{{y:.1%}}<extra></extra>"))
    fig.add_vline(x=equal_budget, line=dict(color="#444", dash="dash"),
                  annotation_text=f"{equal_budget:,} steps: the budget above", annotation_position="top right")
    fig.update_yaxes(range=[-0.02, 1.02], tickformat=".0%")
    return base_layout(fig, title, "training step", "sequences exactly right", height=360)
