"""Charts of the RNN vs LSTM vs GRU comparison: an example sequence, learning curves, the accuracy cliff, costs.

Rows may carry a ``run`` label (a learner's live runs, kept to be overlaid): each run gets its own line
style, so a second run is drawn beside the first on the same axes instead of replacing it.
"""

from __future__ import annotations

import math

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from rnn_core.figure_style import CELL_COLORS, COLORS, base_layout

CELL_LABELS = {"rnn": "RNN (tanh)", "lstm": "LSTM", "gru": "GRU", "lstm-bias0": "LSTM, forget bias 0"}
SERIES_COLORS = {**CELL_COLORS, "lstm-bias0": "#9467bd"}
SYMBOLS = {"rnn": "circle", "lstm": "square", "gru": "diamond", "lstm-bias0": "triangle-up"}
# Learning-curve markers, largest first: runs that coincide (every cell solved at the same step) show as nested
# shapes, the smaller drawn over the larger, instead of one dot.
CURVE_MARKER_SIZES = {"rnn": 13, "lstm": 10, "gru": 7, "lstm-bias0": 5}
RUN_DASHES = ("solid", "dash", "dot", "dashdot")

EXAMPLE_CAPTIONS = {
    "adding": ("How to read it: one training sequence, step by step from left to right; bar height is the "
               "number shown at that step. Only the two orange steps are marked, and only their numbers "
               "count; everything between them is there to be ignored."),
    "first-symbol": ("How to read it: one training sequence from left to right. Only the orange first symbol "
                     "matters; the grey ones after it are distractors. The longer the sequence, the longer the "
                     "network must hold on to it."),
    "temporal-order": ("How to read it: one training sequence from left to right (B begins it, E ends it). Only "
                       "the two orange markers, X or Y, matter; a–d are noise. The answer is their order."),
    "reverse": ("How to read it: the letters the encoder reads, left to right; the decoder must then write all of "
                "them back in reverse order (the answer above). Every letter matters, so nothing here is grey "
                "and nothing may be forgotten: the whole sequence has to fit in one hidden state."),
}
CURVES_CAPTION = ("How to read it: accuracy on held-out sequences as training goes on, one panel per length, one "
                  "line per cell and seed (a line ends where its run solved the task and stopped). A curve that "
                  "jumps from the dotted no-memory line to the top has found the dependency; a curve that stays "
                  "on that line never did. Runs that give the same points are drawn on top of each other: the "
                  "markers are nested (circle RNN, square LSTM, diamond GRU) and a label such as “9 runs” says how "
                  "many lines end at that point.")
CLIFF_CAPTION = ("How to read it: final accuracy against the distance to remember (mean over seeds; the bars span "
                 "the worst and best seed; cells that tie are drawn side by side). Where the red RNN line drops to "
                 "the dotted no-memory line while LSTM and GRU stay high is the vanishing-gradient cliff.")
REVERSE_CLIFF_CAPTION = ("How to read it: the share of sequences written back entirely right against their length "
                         "(mean over seeds; the bars span the worst and best seed; cells that tie are drawn side by "
                         "side). Here every line falls: the limit is what one hidden state can hold, not only how "
                         "far the gradient reaches.")


def cliff_caption(task: str) -> str:
    return REVERSE_CLIFF_CAPTION if task == "reverse" else CLIFF_CAPTION


COST_PARAMS = ("How to read it: what each cell costs. Left, parameters (an LSTM has four weight blocks, a GRU "
               "three, an RNN one, at the same hidden size); right, milliseconds per training step as these runs "
               "measured them: wall-clock time, evaluations included, divided by the steps trained, on a machine that "
               "was not always idle. ")
COST_GROWS = "Here they grow with the length for every cell: the steps of a sequence are computed one after another."
COST_NOISY = ("Here they do not grow steadily with the length ({example}): besides the cell's own work they hold the "
              "evaluations (which a run that solves the task early spreads over few steps) and whatever else the "
              "machine was doing, so they are a rough guide, not a measure of the cell.")


def timing_exception(summary: list[dict]) -> str | None:
    """The largest fall of ms per step from one length to a longer one, said in words (None if none falls)."""
    worst = None
    for key in dict.fromkeys((r.get("run"), r["cell"]) for r in summary):
        rows = sorted((r for r in summary if (r.get("run"), r["cell"]) == key), key=lambda r: r["length"])
        for a, b in zip(rows, rows[1:]):
            fall = a["ms_per_step"] / b["ms_per_step"] if b["ms_per_step"] > 0 else 0.0
            if fall > 1 and (worst is None or fall > worst[0]):
                worst = (fall, key, a, b)
    if worst is None:
        return None
    _, (run, cell), a, b = worst
    return (f"{series_label(cell, run)}: {a['ms_per_step']:.0f} ms at length {a['length']}, "
            f"{b['ms_per_step']:.0f} ms at {b['length']}")


def cost_caption(summary: list[dict]) -> str:
    """The costs chart's caption, saying whether these runs' time per step grew with the length."""
    if len({r["length"] for r in summary}) < 2:
        return COST_PARAMS.rstrip()
    example = timing_exception(summary)
    return COST_PARAMS + (COST_GROWS if example is None else COST_NOISY.format(example=example))


BIAS_CAPTION = ("How to read it: training steps each LSTM needed before it solved the held-out sequences, one dot "
                "per seed, the line through their mean; a dot at the top dashed line means the run used its whole "
                "budget. Lower is faster. Blue: forget-gate bias 1; purple: bias 0.")


def cell_label(cell: str) -> str:
    return CELL_LABELS.get(cell, cell)


def series_label(cell: str, run: str | None = None) -> str:
    return cell_label(cell) if not run else f"{cell_label(cell)} · {run}"


def example_caption(task: str) -> str:
    return EXAMPLE_CAPTIONS.get(task, EXAMPLE_CAPTIONS["adding"])


def _runs(rows: list[dict]) -> list:
    """The run labels in order of appearance (``[None]`` when rows carry none)."""
    return list(dict.fromkeys(r.get("run") for r in rows)) or [None]


def _dash(runs: list, run) -> str:
    return RUN_DASHES[runs.index(run) % len(RUN_DASHES)]


def example_sequence(example: dict, title: str = "") -> go.Figure:
    """One sequence from :func:`rnn_core.data.tasks.describe_example`; the steps that matter in orange."""
    steps, marked = example["steps"], set(example["marked"])
    xs = list(range(1, len(steps) + 1))
    colors = [COLORS[1] if i in marked else "#c7c7c7" for i in range(len(steps))]
    if example.get("all_matter"):
        colors = ["#ffbb78"] * len(steps)   # a light orange: every letter matters, and stays readable
    fig = go.Figure()
    if example.get("values") is not None:
        fig.add_bar(x=xs, y=example["values"], marker_color=colors, name="value", showlegend=False,
                    hovertemplate="step %{x}: %{y:.3f}<extra></extra>")
        y_title = "value"
    else:
        fig.add_scatter(x=xs, y=[0] * len(xs), mode="markers+text", text=steps, textposition="middle center",
                        marker=dict(size=22 if len(xs) <= 60 else 14, color=colors, symbol="square"),
                        textfont=dict(size=12 if len(xs) <= 60 else 8), showlegend=False,
                        hovertemplate="step %{x}: %{text}<extra></extra>")
        fig.update_yaxes(visible=False, range=[-1, 1])
        y_title = ""
    fig.add_annotation(x=1, xref="paper", y=1.08, yref="paper", xanchor="right", showarrow=False,
                       text=f"answer: {example['answer']}", font=dict(size=14))
    return base_layout(fig, title, "step", y_title, height=200 if example.get("values") is None else 240)


def learning_curves(curves: list[dict], baseline: float | None = None, lengths: list[int] | None = None) -> go.Figure:
    """Validation accuracy against step; ``curves`` rows have cell, length, seed, step, val_accuracy (and run)."""
    lengths = sorted({r["length"] for r in curves} if lengths is None else lengths)
    if not lengths:
        return base_layout(go.Figure(), "", "training step", "accuracy")
    fig = make_subplots(rows=1, cols=len(lengths), shared_yaxes=True, horizontal_spacing=0.03,
                        subplot_titles=[f"length {n}" for n in lengths])
    runs = _runs(curves)
    last_step = max((r["step"] for r in curves), default=0)
    x_max = max(100, last_step) * 1.04      # every panel from step 0, and never a range around a single dot
    shown = set()
    for col, length in enumerate(lengths, start=1):
        groups: dict[tuple, list] = {}
        for r in curves:
            if r["length"] == length:
                groups.setdefault((runs.index(r.get("run")), r["cell"], r["seed"]), []).append(r)
        size_order = lambda item: (-CURVE_MARKER_SIZES.get(item[0][1], 6), item[0])
        ends: list[tuple] = []      # (last step, last accuracy, run) of each line
        for (run_index, cell, seed), rows in sorted(groups.items(), key=size_order):
            run = runs[run_index]
            rows.sort(key=lambda r: r["step"])
            name = series_label(cell, run)
            xs, ys = [r["step"] for r in rows], [r["val_accuracy"] for r in rows]
            ends.append((xs[-1], ys[-1], f"{name} seed {seed}"))
            end_size = CURVE_MARKER_SIZES.get(cell, 6)     # nested at the end, where runs meet; small elsewhere
            fig.add_scatter(x=xs, y=ys, mode="lines+markers", cliponaxis=False,
                            marker=dict(size=[min(5, end_size)] * (len(xs) - 1) + [end_size],
                                        symbol=SYMBOLS.get(cell, "circle"), line=dict(color="white", width=1)),
                            line=dict(color=SERIES_COLORS.get(cell, "grey"), width=2, dash=_dash(runs, run)),
                            opacity=0.85, name=name, legendgroup=name, showlegend=name not in shown,
                            hovertemplate=f"{name} seed {seed}<br>step %{{x}}: %{{y:.2f}}<extra></extra>",
                            row=1, col=col)
            shown.add(name)
        placed: list[tuple[float, float]] = []
        for ending in _together(ends, 0.03 * x_max, 0.03):
            if len(ending) > 1:        # lines that end on top of each other: say how many
                x, y = max(e[0] for e in ending), max(e[1] for e in ending)
                left, high = x < 0.7 * x_max, y > 0.5
                crowd = sum(abs(px - x) < 0.35 * x_max and abs(py - y) < 0.15 for px, py in placed)
                placed.append((x, y))
                fig.add_annotation(x=x, y=y, text=f"{len(ending)} runs", showarrow=False, bgcolor="white",
                                   xanchor="left" if left else "right", xshift=9 if left else -9,
                                   yanchor="top" if high else "bottom",
                                   yshift=(-1 if high else 1) * (6 + 15 * crowd),   # labels close by: stacked
                                   font=dict(size=11, color="#333"), hovertext="<br>".join(e[2] for e in ending),
                                   row=1, col=col)
        if baseline is not None:   # a trace, not add_hline: hlines on subplots take most of a second to build
            fig.add_scatter(x=[0, x_max], y=[baseline, baseline], mode="lines", name="no memory",
                            line=dict(dash="dot", color="grey"), legendgroup="baseline", showlegend=col == 1,
                            hoverinfo="skip", row=1, col=col)
        fig.update_xaxes(title_text="training step", range=[0, x_max], row=1, col=col)
    fig.update_yaxes(range=[-0.02, 1.02])
    base_layout(fig, "", "", "accuracy (held-out)", height=380)
    fig.update_yaxes(title_text="accuracy (held-out)", row=1, col=1)
    fig.update_layout(margin=dict(t=90), legend=dict(orientation="h", yanchor="bottom", y=1.12, x=0, xanchor="left"))
    return fig


def _together(points: list[tuple], dx: float, dy: float) -> list[list[tuple]]:
    """Points (x, y, ...) in groups that the eye cannot tell apart: within ``dx`` and ``dy`` of a group's first."""
    groups: list[list[tuple]] = []
    for p in sorted(points, key=lambda p: (p[0], p[1])):
        group = next((g for g in groups if abs(g[0][0] - p[0]) <= dx and abs(g[0][1] - p[1]) <= dy), None)
        if group is None:
            groups.append([p])
        else:
            group.append(p)
    return groups



def _spread_line(fig: go.Figure, x: list, rows: list[dict], key: str, where: str, name: str, cell: str,
                 dash: str) -> None:
    """One cell's mean over seeds (a line), its worst and best seed (error bars), hover naming them; ``key`` is
    the row field the x values come from, ``where`` how the hover names it."""
    fig.add_scatter(
        x=x, y=[r["mean"] for r in rows], mode="lines+markers", name=name,
        line=dict(color=SERIES_COLORS.get(cell, "grey"), width=3, dash=dash),
        marker=dict(size=10, symbol=SYMBOLS.get(cell, "circle")),
        error_y=dict(type="data", symmetric=False, array=[r["max"] - r["mean"] for r in rows],
                     arrayminus=[r["mean"] - r["min"] for r in rows], thickness=1.5),
        customdata=[[r[key], r["seeds"], r["min"], r["max"]] for r in rows],
        hovertemplate=(f"{name}<br>{where}: mean %{{y:.3f}}<br>seeds %{{customdata[1]}}, "
                       "worst %{customdata[2]:.3f}, best %{customdata[3]:.3f}<extra></extra>"))

def accuracy_vs_length(summary: list[dict], baseline: float, baseline_label: str = "no memory",
                       height: int = 380) -> go.Figure:
    """Mean final accuracy per cell against length, bars from the worst to the best seed, baseline dotted.

    Series that tie (every cell at 1.0) would hide each other, so each is shifted a little sideways (the
    hover says the true length) and has its own marker shape.
    """
    fig = go.Figure()
    runs = _runs(summary)
    series = [(run, cell) for run in runs for cell in CELL_LABELS
              if any(r["cell"] == cell and r.get("run") == run for r in summary)]
    for k, (run, cell) in enumerate(series):
        rows = sorted((r for r in summary if r["cell"] == cell and r.get("run") == run), key=lambda r: r["length"])
        shift = 1.0 + 0.04 * (k - (len(series) - 1) / 2)      # a multiplicative nudge on the log axis
        name = series_label(cell, run)
        _spread_line(fig, [r["length"] * shift for r in rows], rows, "length", "length %{customdata[0]}", name, cell,
                     _dash(runs, run))
    lengths = sorted({r["length"] for r in summary})
    if lengths:
        fig.add_scatter(x=[lengths[0] * 0.93, lengths[-1] * 1.07], y=[baseline, baseline], mode="lines",
                        hoverinfo="skip", name=f"no memory ({baseline_label})",
                        line=dict(dash="dot", color="grey", width=2))
    _log_axis(fig, lengths)
    fig.update_yaxes(range=[-0.03, 1.05])
    return base_layout(fig, "", "sequence length (steps to remember across, log scale)",
                       "final accuracy (held-out)", height=height)


def _log_axis(fig: go.Figure, lengths: list[int]) -> None:
    """A log length axis with a tick per length and room either side (a single length is not stretched)."""
    if lengths:
        lo, hi = math.log10(lengths[0] / 1.3), math.log10(lengths[-1] * 1.3)
        fig.update_xaxes(type="log", tickvals=lengths, ticktext=[str(n) for n in lengths], range=[lo, hi])


def costs(summary: list[dict]) -> go.Figure:
    """Parameters per cell (bars) and milliseconds per training step against length (lines)."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=["parameters", "ms per training step"],
                        horizontal_spacing=0.12)
    runs = _runs(summary)
    for run in runs:
        for cell in CELL_LABELS:
            rows = sorted((r for r in summary if r["cell"] == cell and r.get("run") == run), key=lambda r: r["length"])
            if not rows:
                continue
            name = series_label(cell, run)
            fig.add_bar(x=[name], y=[rows[0]["params"]], marker_color=SERIES_COLORS.get(cell, "grey"),
                        showlegend=False, hovertemplate="%{x}: %{y:,} parameters<extra></extra>", row=1, col=1)
            fig.add_scatter(x=[r["length"] for r in rows], y=[r["ms_per_step"] for r in rows], mode="lines+markers",
                            name=name, line=dict(color=SERIES_COLORS.get(cell, "grey"), width=2, dash=_dash(runs, run)),
                            marker=dict(symbol=SYMBOLS.get(cell, "circle")), row=1, col=2)
    fig.update_xaxes(title_text="sequence length", row=1, col=2)
    fig.update_yaxes(title_text="parameters", row=1, col=1)
    fig.update_yaxes(title_text="ms per step", row=1, col=2)
    base_layout(fig, "", "", "", height=340)
    fig.update_layout(margin=dict(t=40, b=90),
                      legend=dict(orientation="h", yanchor="top", y=-0.25, x=0.55, xanchor="left"))
    return fig


def steps_to_solve(rows: list[dict], cells=("lstm", "lstm-bias0"), budget: int | None = None) -> go.Figure:
    """Steps each run trained for (it stops once solved) against length, one dot per seed, for ``cells``."""
    fig = go.Figure()
    lengths = sorted({r["length"] for r in rows if r["cell"] in cells})
    for k, cell in enumerate(cells):
        picked = [r for r in rows if r["cell"] == cell]
        if not picked:
            continue
        shift = 1.0 + 0.03 * (k - (len(cells) - 1) / 2)
        fig.add_scatter(x=[r["length"] * shift for r in picked], y=[r["steps"] for r in picked], mode="markers",
                        marker=dict(size=9, color=SERIES_COLORS.get(cell), symbol=SYMBOLS.get(cell)),
                        name=f"{cell_label(cell)} (each seed)", legendgroup=cell, showlegend=False,
                        customdata=[[r["length"], r["seed"], r["accuracy"]] for r in picked],
                        hovertemplate=(f"{cell_label(cell)}<br>length %{{customdata[0]}}, seed %{{customdata[1]}}: "
                                       "%{y:,} steps, accuracy %{customdata[2]:.3f}<extra></extra>"))
        means = [sum(r["steps"] for r in picked if r["length"] == n) / max(1, sum(r["length"] == n for r in picked))
                 for n in lengths]
        fig.add_scatter(x=[n * shift for n in lengths], y=means, mode="lines", legendgroup=cell,
                        name=cell_label(cell) if cell != "lstm" else "LSTM, forget bias 1",
                        line=dict(color=SERIES_COLORS.get(cell), width=3), hoverinfo="skip")
    if budget and lengths:
        fig.add_scatter(x=[lengths[0] * 0.93, lengths[-1] * 1.07], y=[budget, budget], mode="lines",
                        name="step budget", line=dict(dash="dash", color="grey"), hoverinfo="skip")
    _log_axis(fig, lengths)
    fig.update_yaxes(rangemode="tozero")
    return base_layout(fig, "", "sequence length (log scale)", "training steps until solved", height=340)


# --- was or were? (the agreement task) -----------------------------------------------------------------------

AGREEMENT_DISTANCE_CAPTION = (
    "How to read it: the share of test sentences whose verb each cell chose right, against the number of words "
    "between subject and verb (mean over seeds; the bars span the worst and best seed). Grey lines answer without "
    "remembering the subject: dotted, always the commoner verb; dashed, agree with the nearest noun.")
AGREEMENT_ATTRACTOR_CAPTION = (
    "How to read it: the same runs at one distance, their test sentences split by how many nouns of the other "
    "number (attractors) stand between subject and verb (mean over seeds; bars: worst and best seed). The dashed "
    "grey line is what agreeing with the nearest noun scores on those sentences: attractors fool it by design; "
    "the dotted one, always the commoner verb. Where a cell has forgotten the subject (at chance at every count), "
    "this chart cannot show an attractor effect: pick a shorter distance.")


def agreement_by_distance(summary: list[dict], baselines: dict[int, dict[str, float]]) -> go.Figure:
    """Accuracy against distance per cell (:func:`accuracy_vs_length`), with both no-memory answers measured on
    each distance's test sentences: the commoner verb (dotted) and the nearest noun's verb (dashed)."""
    lengths = sorted(baselines)
    majority = sum(b["majority"] for b in baselines.values()) / max(1, len(baselines))
    fig = accuracy_vs_length(summary, majority, "always the commoner verb", height=380)
    if lengths:
        fig.add_scatter(x=lengths, y=[baselines[n]["nearest"] for n in lengths], mode="lines+markers",
                        name="no memory (agree with the nearest noun)", line=dict(dash="dash", color="grey", width=2),
                        marker=dict(size=6, color="grey"),
                        hovertemplate="nearest noun<br>distance %{x}: %{y:.3f}<extra></extra>")
    fig.update_xaxes(title_text="words between subject and verb (log scale)")
    fig.update_yaxes(title_text="verbs chosen right (test)")
    return fig


def agreement_by_attractors(points: list[dict], baseline: dict[str, float], length: int) -> go.Figure:
    """Accuracy per attractor count (``points`` from ``rnn_core.compare.agreement.by_attractors``) at one distance,
    with the nearest-noun answer's score per count and the commoner verb's overall score."""
    fig = go.Figure()
    runs = _runs(points)
    series = [(run, cell) for run in runs for cell in CELL_LABELS
              if any(p["cell"] == cell and p.get("run") == run for p in points)]
    for k, (run, cell) in enumerate(series):
        rows = sorted((p for p in points if p["cell"] == cell and p.get("run") == run), key=lambda p: p["attractors"])
        shift = 0.06 * (k - (len(series) - 1) / 2)
        name = series_label(cell, run)
        _spread_line(fig, [p["attractors"] + shift for p in rows], rows, "attractors",
                     "%{customdata[0]} attractor(s)", name, cell, _dash(runs, run))
    counts = [a for a in range(4) if f"nearest_a{a}" in baseline]
    if counts:
        fig.add_scatter(x=counts, y=[baseline[f"nearest_a{a}"] for a in counts], mode="lines+markers",
                        name="no memory (agree with the nearest noun)", line=dict(dash="dash", color="grey", width=2),
                        marker=dict(size=6, color="grey"),
                        hovertemplate="nearest noun<br>%{x} attractor(s): %{y:.3f}<extra></extra>")
        fig.add_scatter(x=[-0.3, 3.3], y=[baseline["majority"]] * 2, mode="lines", hoverinfo="skip",
                        name="no memory (always the commoner verb)", line=dict(dash="dot", color="grey", width=2))
    fig.update_xaxes(tickvals=[0, 1, 2, 3], range=[-0.3, 3.3])
    fig.update_yaxes(range=[-0.03, 1.05])
    return base_layout(fig, "", f"attractors between subject and verb (distance {length} words)",
                       "verbs chosen right (test)", height=360)
