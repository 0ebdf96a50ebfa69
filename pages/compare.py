"""Compare RNN, LSTM and GRU on tasks that need memory: the vanishing-gradient cliff, precomputed and live."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from pages.shared import chart, job_status, poll_interval, rerun_when_finished, run_controls, start_job
from pages.workshop import export_button, share_settings
from rnn_core.errors import RNNLabError
from rnn_core.compare.experiments import LIVE_LENGTHS as LIVE
from rnn_core.compare.experiments import (GRID_CELLS, PAGE_DEFAULTS, RNN_INITS, TASK_LR, ExperimentSpec, RunFinished,
                                  RunUpdate, check_budget, forget_gate_memory, run_grid, spec_from_settings,
                                  summarise)
from rnn_core.compare.figures import (BIAS_CAPTION, COST_CAPTION, CURVES_CAPTION, cliff_caption,
                                      accuracy_vs_length, cell_label, costs, example_caption, example_sequence,
                                      learning_curves, steps_to_solve)
from rnn_core.runs.jobs import RUNNING
from rnn_core.compare.shipped import bias_finding, finding, load_shipped, shipped_grid, shipped_stamp
from rnn_core.compare.script import compare_script
from rnn_core.links.settings import Param, Schema
from rnn_core.data.tasks import TASKS, describe_example, get_task

JOB = "compare.job"
KEPT = "compare.kept"          # the learner's finished live runs, kept to be overlaid (newest last)
MAX_KEPT = 4
LIVE_LIMIT_SECONDS = 15 * 60
DEFAULT = ExperimentSpec()
LIVE_LENGTHS = {task: ", ".join(map(str, lengths)) for task, lengths in LIVE.items()}   # as the text box shows them
HIDDEN_SIZES = (8, 16, 32, 48, 64, 96, 128)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 1.0)
CLIPS = (0.0, 0.25, 0.5, 1.0, 2.0, 5.0)
INIT_LABELS = {"default": "PyTorch default (uniform)", "normal": "normal N(0, 1/H)", "orthogonal": "orthogonal",
               "identity": "identity + ReLU (Le et al. 2015)"}
FORGET_BIASES = (0.0, 1.0, 2.0)
# What the settings differ in, as a kept run's label says it ("run 2: forget bias 0").
SPEC_WORDS = {"forget_bias": "forget bias", "lr": "lr", "hidden": "hidden", "max_steps": "steps", "clip": "clip",
              "rnn_init": "RNN init", "match_params": "matched", "first_seed": "seed", "seeds": "seeds"}
TABLE_COLUMNS = {"run": "run", "cell": "cell", "length": "length", "seed": "seed", "accuracy": "accuracy (test)",
                 "loss": "test loss", "steps": "steps trained", "stop_reason": "stopped because",
                 "seconds": "seconds", "ms_per_step": "ms per step", "params": "parameters", "hidden": "hidden size"}
STOP_WORDS = {"solved": "solved", "finished": "used its budget", "stopped": "stopped by you", "diverged": "diverged"}


def _check_lengths(text: str) -> str:
    """A link's lengths, if they are whole numbers (each task checks its own range when the run starts)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or len(parts) > 10 or not all(p.isdigit() for p in parts):
        raise RNNLabError("lengths are whole numbers separated by commas, at most 10 of them.")
    return ", ".join(parts)


# The settings a link carries (?task=reverse&lengths=5,10&seeds=3 ...).
P = PAGE_DEFAULTS
SHARE = Schema((
    Param("compare.task", "task", P["compare.task"], choices=tuple(TASKS)),
    Param("compare.lengths", "lengths", P["compare.lengths"], check=_check_lengths),
    Param("compare.cells", "cells", P["compare.cells"], choices=GRID_CELLS),
    Param("compare.seeds", "seeds", P["compare.seeds"], low=1, high=5),
    Param("compare.first_seed", "seed", P["compare.first_seed"], low=0, high=1_000_000),
    Param("compare.hidden", "hidden", P["compare.hidden"], choices=HIDDEN_SIZES),
    Param("compare.match", "match", P["compare.match"]),
    Param("compare.steps", "steps", P["compare.steps"], low=50, high=5000,
          check=lambda v: max(50, round(v / 50) * 50)),
    Param("compare.lr", "lr", P["compare.lr"], choices=LEARNING_RATES),
    Param("compare.clip", "clip", P["compare.clip"], choices=CLIPS),
    Param("compare.forget_bias", "forget_bias", P["compare.forget_bias"], choices=FORGET_BIASES),
    Param("compare.rnn_init", "rnn_init", P["compare.rnn_init"], choices=RNN_INITS),
))
DEFAULTS = {**PAGE_DEFAULTS, "compare.example_len": 30, "compare.example_seed": 0}

st.title("Compare RNN, LSTM and GRU")
st.write("Some answers depend on something seen long ago. Here a vanilla RNN, an LSTM and a GRU meet on tasks "
         "built to need memory, with the same step budget: move the things to remember further apart and watch "
         "who keeps up.")

for key, value in DEFAULTS.items():
    st.session_state.setdefault(key, value)
link = st.query_params.to_dict()
share_settings(SHARE, "compare")   # a link's settings, once; then the address bar follows the widgets
if "task" in link and st.session_state["compare.task"] in TASK_LR:
    chosen = st.session_state["compare.task"]
    if "lr" not in link:
        st.session_state["compare.lr"] = TASK_LR[chosen]              # a task's own learning rate
    if "lengths" not in link:
        st.session_state["compare.lengths"] = LIVE_LENGTHS[chosen]    # and lengths it can be trained at
    share_settings(SHARE, "compare")   # the address bar says so at once


def _task_changed() -> None:
    chosen = st.session_state["compare.task"]
    st.session_state.update({"compare.lr": TASK_LR[chosen], "compare.lengths": LIVE_LENGTHS[chosen]})


def _sci(value: float) -> str:
    """8e-31 as LaTeX: 8 \\times 10^{-31}."""
    mantissa, exponent = f"{value:.0e}".split("e")
    return f"{mantissa} \\times 10^{{{int(exponent)}}}"


def table(rows: list[dict]) -> None:
    """Every run, one row each, with column names and values a reader understands."""
    frame = pd.DataFrame(rows)
    frame = frame[[c for c in TABLE_COLUMNS if c in frame.columns]]
    frame["cell"] = frame["cell"].map(cell_label)
    if "stop_reason" in frame:
        frame["stop_reason"] = frame["stop_reason"].map(lambda r: STOP_WORDS.get(r, r))
    st.dataframe(frame.rename(columns=TABLE_COLUMNS), hide_index=True, width="stretch")


def details_view(rows: list[dict], curves: list[dict], baseline: float, prefix: str,
                 summary: list[dict] | None = None) -> None:
    """The learning curves, the costs and the table of a set of runs."""
    if curves:
        chart(learning_curves(curves, baseline), CURVES_CAPTION, key=f"{prefix}_curves")
    summary = summarise(rows) if summary is None else summary
    if summary:
        chart(costs(summary), COST_CAPTION, key=f"{prefix}_costs")
    if rows:
        table(rows)


# --- 1. the task and its precomputed result ---------------------------------------------------------------

c1, c2 = st.columns([2, 3], vertical_alignment="bottom")
task_key = c1.selectbox("Task", list(TASKS), key="compare.task", format_func=lambda k: TASKS[k].title,
                        on_change=_task_changed)
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
    cliff = accuracy_vs_length(summarise(three), task_.baseline, task_.baseline_label, height=360)
    return rows, curves, cliff, command


found = shipped(task_key, shipped_stamp(task_key))
if found is None:
    st.info(f"No precomputed grid ships for {task.title.lower()}: use **Run live** below to make one.")
else:
    pre_rows, pre_curves, cliff, command = found
    st.markdown(f"**The result** (precomputed): {finding(task_key, pre_rows)}")
    chart(cliff, cliff_caption(task_key), key="compare.pre_cliff")
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
chart(example_sequence(describe_example(task, x[0], y[0])), example_caption(task_key), key="compare.example_chart")


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
        chart(steps_to_solve(fs[0], budget=DEFAULT.max_steps), BIAS_CAPTION, key="compare.bias_chart")
    st.markdown("Try it on any task: under Run live, pick the cells *LSTM* and *LSTM, forget bias 0* and run them "
                "side by side, or run once with a bias of 1 and once with 0: both runs stay on the charts.")


# --- 4. run live ---------------------------------------------------------------------------------------

st.subheader("Run live")
st.write("Train the cells yourself, here on this machine's CPU. The default (1 seed, 3 lengths, 3 cells) takes a "
         "minute or three; finished runs appear as they come and are kept if you stop or a later run fails. "
         f"Your last {MAX_KEPT} runs on a task stay on the charts, each in its own line style, to compare.")
c1, c2, c3 = st.columns(3)
with c1:
    st.text_input("Lengths (steps, comma-separated)", key="compare.lengths",
                  help=f"{task.title}: from {task.min_length} to {task.max_length} steps.")
    st.multiselect("Cells", list(GRID_CELLS), key="compare.cells", format_func=cell_label)
    s1, s2 = st.columns(2)
    s1.number_input("Seeds per cell and length", 1, 5, key="compare.seeds")
    s2.number_input("First seed", 0, 1_000_000, key="compare.first_seed",
                    help="Runs use this seed and the next ones; the same seed replays the same run.")
with c2:
    st.select_slider("Hidden size", HIDDEN_SIZES, key="compare.hidden")
    st.toggle("Match parameter counts", key="compare.match",
              help="Off: every cell has the same hidden size. On: the RNN and GRU get the hidden size that gives "
                   "them as many parameters as the LSTM, so the comparison is per parameter.")
    st.slider("Step budget per run", 50, 5000, step=50, key="compare.steps",
              help="The same for every cell; a run stops early once it solves the validation set.")
with c3:
    st.select_slider("Learning rate", LEARNING_RATES, key="compare.lr", format_func=lambda v: f"{v:g}")
    st.select_slider("Gradient clipping (max norm)", CLIPS, key="compare.clip",
                     format_func=lambda v: "off" if v == 0 else f"{v:g}")
    st.radio("LSTM forget-gate bias", FORGET_BIASES, key="compare.forget_bias", horizontal=True,
             format_func=lambda v: f"{v:g}" + (" (recommended)" if v == 1.0 else ""),
             help="For the LSTM cell; the cell 'LSTM, forget bias 0' always starts at 0.")
    st.selectbox("RNN recurrent initialisation", RNN_INITS, key="compare.rnn_init", format_func=INIT_LABELS.get)


def live_spec() -> ExperimentSpec:
    return spec_from_settings({k: st.session_state[k] for k in PAGE_DEFAULTS})


def launch(spec: ExperimentSpec) -> None:
    check_budget(spec, LIVE_LIMIT_SECONDS)

    def work(job):
        rows = run_grid(spec, on_result=job.report, on_update=job.report, stop=job.stop)
        if not rows:
            raise RNNLabError("Stopped before the first run finished; nothing to show.")
        return {"spec": spec, "rows": rows}

    job = start_job(JOB, work, f"Comparing cells on {get_task(spec.task).title.lower()}")
    if job is not None:
        job.spec = spec


def finished_runs(job) -> tuple[list[dict], list[dict]]:
    """The rows and curves of a job's finished runs."""
    finished = [r for r in job.reports_so_far() if isinstance(r, RunFinished)]
    return ([f.row for f in finished],
            [{**c, "cell": f.row["cell"], "length": f.row["length"], "seed": f.row["seed"]}
             for f in finished for c in f.curve])


def keep_finished(job) -> None:
    """Once a job has ended, keep its finished runs (once) so the next run is drawn beside them."""
    kept = st.session_state.setdefault(KEPT, [])
    seen = st.session_state.setdefault(KEPT + "_ids", set())   # a cleared run is not brought back
    spec = getattr(job, "spec", None)
    if job is None or job.active or spec is None or job.id in seen:
        return
    seen.add(job.id)
    rows, curves = finished_runs(job)
    if rows:
        kept.append({"id": job.id, "spec": spec, "rows": rows, "curves": curves})
        same_task = [k for k in kept if k["spec"].task == spec.task]
        if len(same_task) > MAX_KEPT:
            kept.remove(same_task[0])


def run_labels(specs: list[ExperimentSpec]) -> list[str]:
    """"run 1", "run 2: forget bias 0", ...: each run named by the settings in which the runs differ."""
    differing = [f for f in SPEC_WORDS if len({getattr(s, f) for s in specs}) > 1]
    labels = []
    for i, s in enumerate(specs, start=1):
        words = ", ".join(f"{SPEC_WORDS[f]} {getattr(s, f):g}" if isinstance(getattr(s, f), float)
                          else f"{SPEC_WORDS[f]} {getattr(s, f)}" for f in differing)
        labels.append(f"run {i}" + (f" ({words})" if words else ""))
    return labels


job, (export_column, clear_column, _) = run_controls(
    JOB, lambda: launch(live_spec()), label="Run live", start_key="compare.btn_run", stop_key="compare.btn_stop",
    stop_help="Stops after recording the run in progress.", widths=(1, 1, 2, 1, 1))
try:
    spec = live_spec()
except RNNLabError:   # said once, when Run live is pressed; nothing to export meanwhile
    spec = None
if spec is not None:
    with export_column:
        export_button(compare_script(spec), f"compare_{spec.task}.py", key="compare.btn_export", schema=SHARE)
if st.session_state.get(KEPT) and clear_column.button("Clear my runs", key="compare.btn_clear",
                                                      help="Forget the kept runs (the one in progress goes on)."):
    st.session_state[KEPT] = []


@st.fragment(run_every=poll_interval(job))
def live_view() -> None:
    job = st.session_state.get(JOB)
    keep_finished(job)
    kept = [k for k in st.session_state.get(KEPT, []) if k["spec"].task == task_key]
    current = job if job is not None and job.active and getattr(job, "spec", None) is not None else None
    if current is not None and current.spec.task != task_key:
        st.caption(f"Your live run is on {get_task(current.spec.task).title.lower()}: choose that task above to "
                   "see it.")
        current = None
    if job is not None and (current is not None or not job.active):
        job_status(job)
    entries = [(k["spec"], *(k["rows"], k["curves"])) for k in kept]
    if current is not None:
        entries.append((current.spec, *finished_runs(current)))
        latest = current.progress
        if current.status == RUNNING and isinstance(latest, RunUpdate):
            st.progress(latest.fraction, text=f"run {latest.index + 1} of {latest.total}: "
                                              f"{cell_label(latest.cell)}, length {latest.length}, seed "
                                              f"{latest.seed}, step {latest.step:,}")
            entries[-1][2].extend({**c, "cell": latest.cell, "length": latest.length, "seed": latest.seed}
                                  for c in latest.curve)
    if not entries:
        return
    labels = run_labels([e[0] for e in entries]) if len(entries) > 1 else [None]
    rows = [{**r, "run": label} for label, e in zip(labels, entries) for r in e[1]]
    curves = [{**c, "run": label} for label, e in zip(labels, entries) for c in e[2]]
    for r in rows:
        if r["stop_reason"] == "diverged":
            st.warning(f"{cell_label(r['cell'])} at length {r['length']} (seed {r['seed']}, {r['run'] or 'this run'}): "
                       f"{r['message']}")
    summary = [{**s, "run": label} for label, e in zip(labels, entries) for s in summarise(e[1])]
    st.markdown("**Your runs**" + (f" ({len(entries)}, one line style each)" if len(entries) > 1 else ""))
    if summary:
        chart(accuracy_vs_length(summary, task.baseline, task.baseline_label), cliff_caption(task_key),
              key="compare.live_cliff")
    details_view(rows, curves, task.baseline, "compare.live", summary)
    if job is not None and not job.active and job.spec.task == task_key and finished_runs(job)[0]:
        st.success(f"{len(finished_runs(job)[0])} run(s) finished" + (" (stopped early)" if job.stop.is_set() else "")
                   + "." + (" Your earlier runs are drawn beside it." if len(entries) > 1 else ""))
    if job is not None:
        rerun_when_finished(job, "compare")


live_view()
