"""Compare RNN, LSTM and GRU on tasks that need memory: the vanishing-gradient cliff, precomputed and live."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from pages import kit
from rnn_core.compare.experiments import LIVE_LENGTHS as LIVE
from rnn_core.compare.experiments import (GRID_CELLS, PAGE_SPEC, RNN_INITS, TASK_LR, ExperimentSpec, GridRun,
                                          RunUpdate, check_budget, forget_gate_memory, summarise, train_grid)
from rnn_core.compare import agreement
from rnn_core.compare.figures import (AGREEMENT_ATTRACTOR_CAPTION, AGREEMENT_DISTANCE_CAPTION, BIAS_CAPTION,
                                      CURVES_CAPTION, accuracy_vs_length, agreement_by_attractors,
                                      agreement_by_distance, cell_label, cliff_caption, cost_caption, costs,
                                      example_caption, example_sequence, learning_curves, steps_to_solve)
from rnn_core.compare.script import compare_script
from rnn_core.compare.shipped import bias_finding, finding, load_shipped, shipped_grid, shipped_stamp
from rnn_core.data.agreement import VERBS as AGREEMENT_VERBS
from rnn_core.data.tasks import TASKS, describe_example, get_task, parse_lengths
from rnn_core.errors import RNNLabError
from rnn_core.links.settings import Param, Schema
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import DETERMINISTIC_ENDS, run_key

MAX_KEPT = 4
LIVE_LIMIT_SECONDS = 15 * 60
DEFAULT = ExperimentSpec()
LIVE_LENGTHS = {task: ", ".join(map(str, lengths)) for task, lengths in LIVE.items()}   # as the text box shows them
INIT_LABELS = {"default": "PyTorch default (uniform)", "normal": "normal N(0, 1/H)", "orthogonal": "orthogonal",
               "identity": "identity + ReLU (Le et al. 2015)"}
# What the settings differ in, as a kept run's label says it ("run 2: forget bias 0").
SPEC_WORDS = {"forget_bias": "forget bias", "lr": "lr", "hidden": "hidden", "max_steps": "steps", "clip": "clip",
              "rnn_init": "RNN init", "match_params": "matched", "first_seed": "seed", "seeds": "seeds"}
TABLE_COLUMNS = {"run": "run", "cell": "cell", "length": "length", "seed": "seed", "accuracy": "accuracy (test)",
                 "loss": "test loss", "steps": "steps trained", "stop_reason": "stopped because",
                 "seconds": "seconds", "ms_per_step": "ms per step", "params": "parameters", "hidden": "hidden size"}
LINZEN = ("Linzen, Dupoux and Goldberg (2016) asked LSTMs the same question on sentences from Wikipedia: they chose "
          "the right verb almost always when no attractor stood in between, and their errors grew with the number "
          "of attractors. Here the sentences are generated, so distance and attractors can be set one at a time.")
STOP_WORDS = {"solved": "solved", "finished": "used its budget", "stopped": "stopped by you", "diverged": "diverged"}


def _check_lengths(text: str) -> str:
    """A link's lengths, if they are whole numbers (each task checks its own range when the run starts)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or len(parts) > 10 or not all(p.isdigit() for p in parts):
        raise RNNLabError("lengths are whole numbers separated by commas, at most 10 of them.")
    return ", ".join(parts)


P = PAGE_SPEC
SETTINGS = Schema((
    Param("compare.task", "task", P.task, choices=tuple(TASKS), label="Task", widget="selectbox",
          shown=lambda k: TASKS[k].title),
    Param("compare.lengths", "lengths", LIVE_LENGTHS[P.task], check=_check_lengths,
          label="Lengths (steps, comma-separated)"),
    Param("compare.cells", "cells", list(P.cells), choices=GRID_CELLS, label="Cells", shown=cell_label),
    Param("compare.seeds", "seeds", P.seeds, low=1, high=5, label="Seeds per cell and length", widget="number"),
    Param("compare.first_seed", "seed", P.first_seed, low=0, high=1_000_000, label="First seed",
          help="Runs use this seed and the next ones; the same seed replays the same run."),
    Param("compare.hidden", "hidden", P.hidden, choices=(8, 16, 32, 48, 64, 96, 128), label="Hidden size"),
    Param("compare.match", "match", P.match_params, label="Match parameter counts", widget="toggle",
          help="Off: every cell has the same hidden size. On: the RNN and GRU get the hidden size that gives them as "
               "many parameters as the LSTM, so the comparison is per parameter."),
    Param("compare.steps", "steps", P.max_steps, low=50, high=5000, check=lambda v: max(50, round(v / 50) * 50),
          label="Step budget per run", widget="slider",
          help="The same for every cell; a run stops early once it solves the validation set."),
    Param("compare.lr", "lr", P.lr, choices=(1e-4, 3e-4, 1e-3, 3e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 1.0),
          label="Learning rate"),
    Param("compare.clip", "clip", P.clip, choices=(0.0, 0.25, 0.5, 1.0, 2.0, 5.0), label="Gradient clipping (max norm)",
          shown=lambda v: "off" if v == 0 else f"{v:g}"),
    Param("compare.forget_bias", "forget_bias", P.forget_bias, choices=(0.0, 1.0, 2.0), label="LSTM forget-gate bias",
          widget="radio", shown=lambda v: f"{v:g}" + (" (recommended)" if v == 1.0 else ""),
          help="For the LSTM cell; the cell 'LSTM, forget bias 0' always starts at 0."),
    Param("compare.rnn_init", "rnn_init", P.rnn_init, choices=RNN_INITS, label="RNN recurrent initialisation",
          widget="selectbox", shown=INIT_LABELS.get),
))
SHARE = SETTINGS      # the name the workshop and the tests know

st.title("Compare RNN, LSTM and GRU")
st.write("Some answers depend on something seen long ago. Here a vanilla RNN, an LSTM and a GRU meet on tasks "
         "built to need memory, with the same step budget: move the things to remember further apart and watch "
         "who keeps up.")

st.session_state.setdefault("compare.example_len", 30)
st.session_state.setdefault("compare.example_seed", 0)
# a task brings its own learning rate and lengths it can be trained at (a link that names only the task, too)
kit.settings(SETTINGS, "compare", defaults=lambda chosen: {"compare.lr": TASK_LR[chosen["compare.task"]],
                                                           "compare.lengths": LIVE_LENGTHS[chosen["compare.task"]]})


def _task_changed() -> None:
    chosen = st.session_state["compare.task"]
    kit.set_settings({"compare.lr": TASK_LR[chosen], "compare.lengths": LIVE_LENGTHS[chosen]})


def _sci(value: float) -> str:
    """8e-31 as LaTeX: 8 \\times 10^{-31}."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def table(rows: list[dict]) -> None:
    """Every run, one row each, with column names and values a reader understands."""
    frame = pd.DataFrame(rows)
    frame = frame[[c for c in TABLE_COLUMNS if c in frame.columns and frame[c].notna().any()]]   # no empty column
    frame["cell"] = frame["cell"].map(cell_label)
    if "stop_reason" in frame:
        frame["stop_reason"] = frame["stop_reason"].map(lambda r: STOP_WORDS.get(r, r))
    st.dataframe(frame.rename(columns=TABLE_COLUMNS), hide_index=True, width="stretch")


def verdict(entry: dict | None) -> str:
    if entry is None:
        return ""
    return f"{entry['verb']} {entry['confidence']:.2f} {'✓' if entry['right'] else '✗'}"


def agreement_view(rows: list[dict], prefix: str, summary: list[dict] | None = None, run=None) -> None:
    """Was or were: accuracy by distance and by attractors, with both no-memory answers, and example sentences
    with each cell's choice (``run``: the labelled run whose examples to show; None for unlabelled rows)."""
    rows = [r for r in rows if r.get("stop_reason") != "stopped"]
    baselines = agreement.baselines_by_length(rows)
    if not baselines:
        return
    summary = summarise(rows) if summary is None else summary
    kit.chart(agreement_by_distance(summary, baselines), AGREEMENT_DISTANCE_CAPTION, key=f"{prefix}_distance")
    lengths = sorted(baselines)
    length = (st.select_slider("Distance for the attractors and the examples below (words between subject and "
                               "verb)", lengths, value=agreement.telling_length(rows), key=f"{prefix}_distance_pick",
                               help="It opens where the cells part first: the shortest distance at which one of "
                                    "them gets fewer than 90 % right.")
              if len(lengths) > 1 else lengths[0])
    kit.chart(agreement_by_attractors(agreement.by_attractors(rows, length), baselines[length], length),
              AGREEMENT_ATTRACTOR_CAPTION, key=f"{prefix}_attractors")
    seeds = sorted({r["seed"] for r in rows if r["length"] == length and r.get("run") == run})
    if not seeds:
        return
    table = agreement.examples(rows, length, seeds[0], run)
    if table:
        cells = [c for c in agreement.CELLS if any(c in t for t in table)]
        header = (["sentence (subject in bold, attractors in italics)", "attractors", "right verb",
                   "nearest noun says"] + [f"{cell_label(c)} chooses" for c in cells])
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join([t["sentence"], str(t["attractors"]), t["right verb"], t["nearest noun says"]]
                                    + [verdict(t.get(c)) for c in cells]) + " |" for t in table]
        st.markdown(f"**Example test sentences at {length} words** (the models of seed {seeds[0]}"
                    + (f", {run}" if run else "") + "): each cell's verb and its confidence (the probability it "
                    "gave that verb); ✓ right, ✗ wrong.")
        st.markdown("\n".join(lines))


def details_view(rows: list[dict], curves: list[dict], baseline: float, prefix: str,
                 summary: list[dict] | None = None) -> None:
    """The learning curves, the costs and the table of a set of runs."""
    if curves:
        kit.chart(learning_curves(curves, baseline), CURVES_CAPTION, key=f"{prefix}_curves")
    summary = summarise(rows) if summary is None else summary
    if summary:
        kit.chart(costs(summary), cost_caption(summary), key=f"{prefix}_costs")
    if rows:
        table(rows)


# --- 1. the task and its precomputed result ---------------------------------------------------------------

c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
task_key = kit.widget(SETTINGS, "compare.task", c1, on_change=_task_changed)
task = get_task(task_key)
c2.caption(f"{task.what} Solved when {task.success}; without memory ({task.baseline_label}): "
           f"{task.baseline:.1%} of sequences.")


@st.cache_data(show_spinner=False, max_entries=8)
def shipped(task: str, stamp: float):
    """The shipped grid of ``task`` with its cliff chart; ``stamp`` (the files' time) renews the cache."""
    found = load_shipped(task)
    if found is None:
        return None
    results, curve_table, command = found
    rows, curves = results.to_dict("records"), curve_table.to_dict("records")
    task_ = get_task(task)
    three = [r for r in rows if r["cell"] in DEFAULT.cells]   # the bias-0 LSTM has its own chart below
    cliff = (None if task == "agreement" else
             accuracy_vs_length(summarise(three), task_.baseline, task_.baseline_label, height=360))
    return rows, curves, cliff, command


found = shipped(task_key, shipped_stamp(task_key))
if found is None:
    st.info(f"No precomputed grid ships for {task.title.lower()}: use **Run live** below to make one.")
else:
    pre_rows, pre_curves, cliff, command = found
    st.markdown(f"**The result** (precomputed): {finding(task_key, pre_rows)}")
    if task_key == "agreement":
        st.markdown(LINZEN)
        agreement_view(pre_rows, "compare.pre")
    else:
        kit.chart(cliff, cliff_caption(task_key), key="compare.pre_cliff")
    lengths, cells, seeds = shipped_grid(task_key)
    missing = len(lengths) * len(cells) * seeds - len(pre_rows)
    if missing > 0:
        st.warning(f"This grid is incomplete: {missing} runs were not finished when it was saved. The command "
                   "below completes it.")
    with st.expander("How this was measured: learning curves, costs, every run, the command"):
        st.markdown(f"Not trained now: {len(DEFAULT.cells)} cells × {len(lengths)} lengths "
                    f"({', '.join(map(str, lengths))}) × {seeds} seeds, each run up to {DEFAULT.max_steps:,} steps "
                    f"(hidden size {DEFAULT.hidden}, batch {DEFAULT.batch}, learning rate {TASK_LR[task_key]:g}, "
                    f"stopping early once {DEFAULT.solved_at:.0%} of a validation set is solved); accuracy is "
                    "measured on 1,000 other sequences."
                    + (" This grid also holds an LSTM whose forget-gate bias starts at 0 (see the forget-gate "
                       "section below)." if any(r["cell"] == "lstm-bias0" for r in pre_rows) else "")
                    + " To reproduce any run, run it live below with the default "
                    "settings, its length, 1 seed and its seed as the first seed: it is replayed step for step (on "
                    "a machine of the same type). Regenerate the grid with:")
        st.code(command, language="bash", wrap_lines=True)
        three = [r for r in pre_rows if r["cell"] in DEFAULT.cells]
        details_view(three, [c for c in pre_curves if c["cell"] in DEFAULT.cells], task.baseline, "compare.pre")


# --- 2. one sequence of the task ------------------------------------------------------------------------

st.subheader("What one sequence looks like")
c1, c2 = st.columns([4, 1], vertical_alignment="bottom")
example_len = c1.slider("Example length", task.min_length, min(task.max_length, 120), key="compare.example_len",
                        help="Only for the drawing below; the lengths trained on are chosen under Run live.")
if c2.button("New example", key="compare.btn_example"):
    st.session_state["compare.example_seed"] += 1
x, y = task.batch(1, example_len, torch.Generator().manual_seed(int(st.session_state["compare.example_seed"])))
if task_key == "agreement":
    st.markdown(f"{agreement.marked_sentence(x[0])} → **{AGREEMENT_VERBS[int(y[0])]}**")
    st.caption("How to read it: one training sentence; its subject in bold, the attractors (nouns of the other "
               "number after it) in italics. The network reads it word by word and must fill the blank. The "
               "chunks between subject and verb come in random order, so many sentences are not grammatical "
               "English: only the subject's number decides the verb.")
else:
    kit.chart(example_sequence(describe_example(task, x[0], y[0])), example_caption(task_key),
              key="compare.example_chart")


# --- 3. forget-gate bias ---------------------------------------------------------------------------------

with st.expander("Why the LSTM's forget-gate bias starts at 1 (and when it matters)"):
    lag = 100
    st.markdown(
        r"The LSTM's memory is its cell state, $c_t = f_t \odot c_{t-1} + i_t \odot g_t$, and its forget gate is "
        r"$f_t = \sigma(W_{xf} x_t + W_{hf} h_{t-1} + b_f)$. Before training the weights are small, so "
        r"$f_t \approx \sigma(b_f)$: each step keeps that share of the memory, and the gradient flowing back "
        "along the cell path is multiplied by the same share at each step.\n\n"
        f"- $b_f = 0$: σ(0) = 0.50 per step; across {lag} steps, "
        f"$0.50^{{{lag}}} \\approx {_sci(forget_gate_memory(0.0, lag))}$ survives.\n"
        f"- $b_f = 1$: σ(1) ≈ 0.73 per step; across {lag} steps, "
        f"$0.73^{{{lag}}} \\approx {_sci(forget_gate_memory(1.0, lag))}$ survives, "
        f"about ${_sci(forget_gate_memory(1.0, lag) / forget_gate_memory(0.0, lag))}$ times more.\n\n"
        "Gers et al. (2000) and Jozefowicz et al. (2015) recommend the bias of 1, and it is this page's default. "
        "How much it buys depends on the lag:")
    fs = shipped("first-symbol", shipped_stamp("first-symbol"))
    if fs is not None and any(r["cell"] == "lstm-bias0" for r in fs[0]):
        st.markdown(bias_finding(fs[0]))
        kit.chart(steps_to_solve(fs[0], budget=DEFAULT.max_steps), BIAS_CAPTION, key="compare.bias_chart")
    st.markdown("Try it on any task: under Run live, pick the cells *LSTM* and *LSTM, forget bias 0* and run them "
                "side by side, or run once with a bias of 1 and once with 0: both runs stay on the charts.")


# --- 4. run live ---------------------------------------------------------------------------------------

st.subheader("Run live")
st.write("Train the cells yourself, here on this machine's CPU. The default (1 seed, 3 lengths, 3 cells) takes a "
         "minute or three; finished runs appear as they come and are kept if you stop or a later run fails. "
         f"Your last {MAX_KEPT} runs on a task stay on the charts, each in its own line style, to compare.")
c1, c2, c3 = st.columns(3)
with c1:
    kit.widget(SETTINGS, "compare.lengths", help=f"{task.title}: from {task.min_length} to {task.max_length} steps.")
    kit.widget(SETTINGS, "compare.cells")
    s1, s2 = st.columns(2)
    kit.widget(SETTINGS, "compare.seeds", s1)
    kit.widget(SETTINGS, "compare.first_seed", s2)
with c2:
    for key in ("compare.hidden", "compare.match"):
        kit.widget(SETTINGS, key)
    kit.widget(SETTINGS, "compare.steps", step=50)
with c3:
    for key in ("compare.lr", "compare.clip", "compare.forget_bias", "compare.rnn_init"):
        kit.widget(SETTINGS, key)


def live_spec() -> ExperimentSpec:
    s = st.session_state
    chosen = get_task(s["compare.task"])
    if not s["compare.cells"]:
        raise RNNLabError("Choose at least one cell to train.")
    return ExperimentSpec(task=chosen.key, lengths=parse_lengths(s["compare.lengths"], chosen),
                          cells=tuple(c for c in GRID_CELLS if c in s["compare.cells"]), seeds=int(s["compare.seeds"]),
                          first_seed=int(s["compare.first_seed"]), hidden=int(s["compare.hidden"]),
                          match_params=bool(s["compare.match"]), max_steps=int(s["compare.steps"]),
                          lr=float(s["compare.lr"]), clip=float(s["compare.clip"]),
                          forget_bias=float(s["compare.forget_bias"]), rnn_init=s["compare.rnn_init"])


def grid_run() -> kit.Run:
    spec = live_spec()
    check_budget(spec, LIVE_LIMIT_SECONDS)
    title, models = get_task(spec.task).title.lower(), kit.registry()

    def keep(grid: GridRun) -> TrainedModel:
        if not grid.rows:
            raise RNNLabError("Stopped before the first run finished; nothing to show.")
        for earlier in kept_grids(spec.task, models)[:-MAX_KEPT + 1]:    # the oldest beyond the last few go
            models.remove(earlier.name)
        return TrainedModel(f"Cells compared on {title}", "compare-grid", grid, None, spec.to_dict(),
                            {"runs": len(grid.rows)}, grid.curves, source=title)

    def ending(grid: GridRun) -> tuple[str, str]:
        stopped = len(grid.rows) < len(spec.runs()) or any(r["stop_reason"] == "stopped" for r in grid.rows)
        return (f"{len(grid.rows)} run(s) finished" + (" (stopped early)" if stopped else "") + ".",
                "stopped" if stopped else "finished")

    return kit.Run(f"Comparing cells on {title}", lambda stop, report: train_grid(spec, report, stop), keep,
                   run_key("compare", None, spec, seed=spec.first_seed, steps=spec.max_steps), context=spec,
                   ending=ending, cacheable=lambda grid: len(grid.rows) == len(spec.runs()) and all(
                       r["stop_reason"] in DETERMINISTIC_ENDS for r in grid.rows))


def kept_grids(task_key: str, models=None) -> list:
    """The learner's finished live grids on ``task_key``, oldest first."""
    return [e for e in (models or kit.registry()).entries("compare-grid") if e.model.spec.task == task_key]


def run_labels(specs: list[ExperimentSpec]) -> list[str]:
    """"run 1", "run 2: forget bias 0", ...: each run named by the settings in which the runs differ."""
    differing = [f for f in SPEC_WORDS if len({getattr(s, f) for s in specs}) > 1]
    labels = []
    for i, s in enumerate(specs, start=1):
        words = ", ".join(f"{SPEC_WORDS[f]} {getattr(s, f):g}" if isinstance(getattr(s, f), float)
                          else f"{SPEC_WORDS[f]} {getattr(s, f)}" for f in differing)
        labels.append(f"run {i}" + (f" ({words})" if words else ""))
    return labels


def runs_view(grids: list[tuple[ExperimentSpec, list, list]], prefix: str) -> None:
    """The learner's runs on this task: the cliff, the curves, the costs and the table, one line style a run."""
    labels = run_labels([g[0] for g in grids]) if len(grids) > 1 else [None]
    rows = [{**r, "run": label} for label, g in zip(labels, grids) for r in g[1]]
    curves = [{**c, "run": label} for label, g in zip(labels, grids) for c in g[2]]
    for r in rows:
        if r["stop_reason"] == "diverged":
            st.warning(f"{cell_label(r['cell'])} at length {r['length']} (seed {r['seed']}, {r['run'] or 'this run'}): "
                       f"{r['message']}")
    summary = [{**s, "run": label} for label, g in zip(labels, grids) for s in summarise(g[1])]
    st.markdown("**Your runs**" + (f" ({len(grids)}, one line style each)" if len(grids) > 1 else ""))
    if summary and task_key == "agreement":
        agreement_view(rows, prefix, summary, run=labels[-1])
    elif summary:
        kit.chart(accuracy_vs_length(summary, task.baseline, task.baseline_label), cliff_caption(task_key),
                  key=f"{prefix}_cliff")
    details_view(rows, curves, task.baseline, prefix, summary)


def live(reports, spec: ExperimentSpec) -> None:
    if spec.task != task_key:
        st.caption(f"Your live run is on {get_task(spec.task).title.lower()}: choose that task above to see it.")
        return
    finished = [r for r in reports if not isinstance(r, RunUpdate)]
    rows = [f.row for f in finished]
    curves = [{**c, "cell": f.row["cell"], "length": f.row["length"], "seed": f.row["seed"]}
              for f in finished for c in f.curve]
    latest = reports[-1]
    if isinstance(latest, RunUpdate):
        curves += [{**c, "cell": latest.cell, "length": latest.length, "seed": latest.seed} for c in latest.curve]
    runs_view([(e.model.spec, e.model.rows, e.model.curves) for e in kept_grids(task_key)] + [(spec, rows, curves)],
              "compare.live")


def progress_text(latest) -> str:
    if isinstance(latest, RunUpdate):
        return (f"run {latest.index + 1} of {latest.total}: {cell_label(latest.cell)}, length {latest.length}, "
                f"seed {latest.seed}, step {latest.step:,}")
    return f"run {latest.index + 1} of {latest.total} finished"


job, (export_column, clear_column, _) = kit.train_controls(
    "compare", grid_run, label="Run live", live=live, progress_text=progress_text, widths=(1, 1, 2, 1, 1),
    stop_help="Stops after recording the run in progress.",
    done=lambda o: o.message + (" Your earlier runs are drawn beside it." if len(kept_grids(task_key)) > 1 else ""))
try:
    spec = live_spec()
except RNNLabError:   # said once, when Run live is pressed; nothing to export meanwhile
    spec = None
if spec is not None:
    with export_column:
        kit.export_button(compare_script(spec), f"compare_{spec.task}.py", key="compare.btn_export", schema=SETTINGS)
kept = kept_grids(task_key)
if kept and clear_column.button("Clear my runs", key="compare.btn_clear",
                                help="Forget the kept runs (the one in progress goes on)."):
    for entry in kept:
        kit.registry().remove(entry.name)
    kept = []
if kept and (job is None or not job.active):
    runs_view([(e.model.spec, e.model.rows, e.model.curves) for e in kept], "compare.live")
