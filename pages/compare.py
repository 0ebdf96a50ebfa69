"""Compare RNN, LSTM and GRU on tasks that need memory: the vanishing-gradient cliff, precomputed and live."""

from __future__ import annotations

import pandas as pd
import streamlit as st
import torch

from pages.shared import chart, job_status, poll_interval, rerun_when_finished, run_controls, start_job
from pages.workshop import export_button, share_settings
from rnn_core.errors import RNNLabError
from rnn_core.experiments import (RNN_INITS, TASK_LR, ExperimentSpec, RunFinished, RunUpdate, check_budget,
                                  forget_gate_memory, run_grid, summarise)
from rnn_core.figures.compare import (CLIFF_CAPTION, COST_CAPTION, CURVES_CAPTION, EXAMPLE_CAPTION,
                                      accuracy_vs_length, cell_label, costs, example_sequence, learning_curves)
from rnn_core.jobs import RUNNING
from rnn_core.results import load_shipped, shipped_stamp
from rnn_core.share import Param, Schema, compare_script
from rnn_core.tasks import TASKS, describe_example, get_task, parse_lengths

JOB = "compare.job"
LIVE_LIMIT_SECONDS = 15 * 60
DEFAULT = ExperimentSpec()
HIDDEN_SIZES = (8, 16, 32, 48, 64, 96, 128)
LEARNING_RATES = (1e-4, 3e-4, 1e-3, 3e-3, 5e-3, 1e-2, 2e-2, 5e-2, 0.1, 1.0)
CLIPS = (0.0, 0.25, 0.5, 1.0, 2.0, 5.0)
INIT_LABELS = {"default": "PyTorch default (uniform)", "normal": "normal N(0, 1/H)", "orthogonal": "orthogonal",
               "identity": "identity + ReLU (Le et al. 2015)"}
FORGET_BIASES = (0.0, 1.0, 2.0)


def _check_lengths(text: str) -> str:
    """A link's lengths, if they are whole numbers (each task checks its own range when the run starts)."""
    parts = [p.strip() for p in text.split(",") if p.strip()]
    if not parts or len(parts) > 10 or not all(p.isdigit() for p in parts):
        raise RNNLabError("lengths are whole numbers separated by commas, at most 10 of them.")
    return ", ".join(parts)


# The settings a link carries (?task=first-symbol&lengths=25,100&seeds=3 ...).
SHARE = Schema((
    Param("compare.task", "task", "adding", choices=tuple(TASKS)),
    Param("compare.lengths", "lengths", "10, 50, 100", check=_check_lengths),
    Param("compare.cells", "cells", list(DEFAULT.cells), choices=tuple(DEFAULT.cells)),
    Param("compare.seeds", "seeds", 1, low=1, high=5),
    Param("compare.first_seed", "seed", 0, low=0, high=1_000_000),
    Param("compare.hidden", "hidden", DEFAULT.hidden, choices=HIDDEN_SIZES),
    Param("compare.match", "match", False),
    Param("compare.steps", "steps", DEFAULT.max_steps, low=50, high=5000,
          check=lambda v: max(50, round(v / 50) * 50)),
    Param("compare.lr", "lr", TASK_LR["adding"], choices=LEARNING_RATES),
    Param("compare.clip", "clip", DEFAULT.clip, choices=CLIPS),
    Param("compare.forget_bias", "forget_bias", 1.0, choices=FORGET_BIASES),
    Param("compare.rnn_init", "rnn_init", DEFAULT.rnn_init, choices=RNN_INITS),
))
TABLE_COLUMNS = ["cell", "length", "seed", "accuracy", "loss", "steps", "stop_reason", "seconds", "ms_per_step",
                 "params", "hidden"]

st.title("⚖️ Compare RNN, LSTM and GRU")
st.write("Some answers depend on something seen long ago. A vanilla RNN has to carry that memory through the same "
         "squashing matrix at every step, and its learning signal fades on the way (vanishing gradients); the LSTM "
         "and GRU carry it along a gated, almost additive path. Here the three cells meet on tasks built to need "
         "memory, with the same step budget, and you can move the things to remember further and further apart.")

for key, value in {"compare.task": "adding", "compare.example_len": 30, "compare.example_seed": 0,
                   "compare.lengths": "10, 50, 100", "compare.cells": list(DEFAULT.cells), "compare.seeds": 1,
                   "compare.first_seed": 0,
                   "compare.hidden": DEFAULT.hidden, "compare.match": False, "compare.steps": DEFAULT.max_steps,
                   "compare.lr": TASK_LR["adding"], "compare.clip": DEFAULT.clip, "compare.forget_bias": 1.0,
                   "compare.rnn_init": DEFAULT.rnn_init}.items():
    st.session_state.setdefault(key, value)
link = st.query_params.to_dict()
share_settings(SHARE, "compare")   # a link's settings, once; then the address bar follows the widgets
if "task" in link and "lr" not in link and st.session_state["compare.task"] in TASK_LR:
    st.session_state["compare.lr"] = TASK_LR[st.session_state["compare.task"]]   # a task's own learning rate


# --- 1. the task ---------------------------------------------------------------------------------------

st.subheader("1. Choose a task that needs memory")
task_key = st.selectbox("Task", list(TASKS), key="compare.task", format_func=lambda k: TASKS[k].title,
                        on_change=lambda: st.session_state.update(
                            {"compare.lr": TASK_LR[st.session_state["compare.task"]]}))
task = get_task(task_key)
st.write(f"**{task.title}.** {task.what} A sequence counts as solved when {task.success}. "
         f"Baseline without memory ({task.baseline_label}): **{task.baseline:.3f}** of sequences solved.")
c1, c2 = st.columns([4, 1])
example_len = c1.slider("Example length", task.min_length, min(task.max_length, 120), key="compare.example_len",
                        help="Only for the drawing below; the lengths trained on are chosen further down.")
if c2.button("New example", key="compare.btn_example"):
    st.session_state["compare.example_seed"] += 1
x, y = task.batch(1, example_len, torch.Generator().manual_seed(int(st.session_state["compare.example_seed"])))
chart(example_sequence(describe_example(task, x[0], y[0])), EXAMPLE_CAPTION, key="compare.example_chart")


def build_figures(rows: list[dict], curves: list[dict], baseline: float, baseline_label: str) -> tuple:
    """The cliff, the learning curves and the costs of a set of runs (None where there is nothing to draw)."""
    summary = summarise(rows)
    return (accuracy_vs_length(summary, baseline, baseline_label) if summary else None,
            learning_curves(curves, baseline) if curves else None,
            costs(summary) if summary else None)


def results_view(rows: list[dict], figures: tuple, prefix: str) -> None:
    """The charts of a set of runs, each with its caption, then the table."""
    for fig, caption, name in zip(figures, (CLIFF_CAPTION, CURVES_CAPTION, COST_CAPTION), ("cliff", "curves", "costs")):
        if fig is not None:
            chart(fig, caption, key=f"{prefix}_{name}")
    if rows:
        table = pd.DataFrame(rows)
        st.dataframe(table[[c for c in TABLE_COLUMNS if c in table.columns]], hide_index=True, width="stretch")


# --- 2. the precomputed grid ----------------------------------------------------------------------------

@st.cache_data(show_spinner=False, max_entries=8)
def shipped(task: str, stamp: float):
    """The shipped grid of ``task`` with its figures; ``stamp`` (the files' time) renews the cache when they change."""
    found = load_shipped(task)
    if found is None:
        return None
    results, curve_table, command = found
    rows, curves = results.to_dict("records"), curve_table.to_dict("records")
    task_ = get_task(task)   # figures built once per server: the page opens with them at once
    return rows, build_figures(rows, curves, task_.baseline, task_.baseline_label), command


st.subheader("2. The classic result, precomputed")
found = shipped(task_key, shipped_stamp(task_key))
if found is None:
    st.info(f"No precomputed grid ships for {task.title.lower()}: use **Run live** below to make one.")
else:
    pre_rows, pre_figures, command = found
    n_cells = len({r["cell"] for r in pre_rows})
    lengths = sorted({r["length"] for r in pre_rows})
    seeds = len({r["seed"] for r in pre_rows})
    st.info(f"**Precomputed**, not trained now: {n_cells} cells × {len(lengths)} lengths "
            f"({', '.join(map(str, lengths))}) "
            f"× {seeds} seeds, each run up to {DEFAULT.max_steps:,} steps (hidden size {DEFAULT.hidden}, batch "
            f"{DEFAULT.batch}, learning rate {TASK_LR[task_key]:g}, stopping early once {DEFAULT.solved_at:.0%} of a "
            "validation set is solved; accuracy is measured on 1,000 other sequences). Regenerate it with:",
            icon=":material/inventory_2:")
    st.code(command, language="bash", wrap_lines=True)
    results_view(pre_rows, pre_figures, "compare.pre")
    expected = len(DEFAULT.cells) * 5 * DEFAULT.seeds
    if len(pre_rows) < expected:
        st.warning(f"This grid is incomplete: {len(pre_rows)} of {expected} runs were finished when it was saved. "
                   "The command above completes it.")
    st.caption("To reproduce any run of this grid, run it live below with the default settings, its length, 1 seed "
               "and its seed as the first seed: it is replayed step for step (on a machine of the same type).")


# --- 3. forget-gate bias ---------------------------------------------------------------------------------

with st.expander("Why the LSTM's forget-gate bias matters (0 vs 1)"):
    lag = 100
    st.markdown(
        "The LSTM's memory is its cell state, **c_t = f_t ⊙ c_{t−1} + i_t ⊙ g_t**, and its forget gate is "
        "**f_t = σ(W_xf x_t + W_hf h_{t−1} + b_f)**. Before training, the weights are small, so f_t ≈ σ(b_f): "
        "each step keeps that share of the memory, and the gradient that flows back along the cell path is "
        "multiplied by the same share at each step.\n\n"
        f"- b_f = 0: σ(0) = 0.50 per step; across {lag} steps, "
        f"0.50^{lag} ≈ {forget_gate_memory(0.0, lag):.0e} survives.\n"
        f"- b_f = 1: σ(1) ≈ 0.73 per step; across {lag} steps, "
        f"0.73^{lag} ≈ {forget_gate_memory(1.0, lag):.0e} survives, "
        f"about {forget_gate_memory(1.0, lag) / forget_gate_memory(0.0, lag):.0e} times more.\n\n"
        "Both are small, but the learning signal that teaches the gate to stay open is far stronger with a bias "
        "of 1, so the LSTM can start to find long dependencies. That is why Gers et al. (2000) and Jozefowicz et al. "
        "(2015) recommend it and why it is this page's default. Try it: run the adding problem at lengths 25 and 50 "
        "with a bias of 1, then again with 0, and compare the LSTM's curves.")


# --- 4. run live ---------------------------------------------------------------------------------------

st.subheader("3. Run live")
st.write("Train the cells yourself, here on this machine's CPU. The default (1 seed, 3 lengths, 3 cells) takes a "
         "minute or three; finished runs appear as they come and are kept if you stop or a later run fails.")
c1, c2, c3 = st.columns(3)
with c1:
    st.text_input("Lengths (steps, comma-separated)", key="compare.lengths",
                  help=f"{task.title}: from {task.min_length} to {task.max_length} steps.")
    st.multiselect("Cells", list(DEFAULT.cells), key="compare.cells", format_func=str.upper)
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
             format_func=lambda v: f"{v:g}" + (" (recommended)" if v == 1.0 else ""))
    st.selectbox("RNN recurrent initialisation", RNN_INITS, key="compare.rnn_init", format_func=INIT_LABELS.get)


def live_spec() -> ExperimentSpec:
    s = st.session_state
    if not s["compare.cells"]:
        raise RNNLabError("Choose at least one cell to train.")
    return ExperimentSpec(task=task_key, lengths=parse_lengths(s["compare.lengths"], task),
                          cells=tuple(c for c in DEFAULT.cells if c in s["compare.cells"]),
                          seeds=int(s["compare.seeds"]),
                          first_seed=int(s["compare.first_seed"]),
                          hidden=int(s["compare.hidden"]), match_params=bool(s["compare.match"]),
                          max_steps=int(s["compare.steps"]), batch=DEFAULT.batch, lr=float(s["compare.lr"]),
                          clip=float(s["compare.clip"]), forget_bias=float(s["compare.forget_bias"]),
                          rnn_init=s["compare.rnn_init"])


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


job, (export_column, _) = run_controls(JOB, lambda: launch(live_spec()), label="Run live",
                                       start_key="compare.btn_run", stop_key="compare.btn_stop",
                                       stop_help="Stops after recording the run in progress.", widths=(1, 1, 2, 2))
try:
    spec = live_spec()
except RNNLabError:   # said once, when Run live is pressed; nothing to export meanwhile
    spec = None
if spec is not None:
    with export_column:
        export_button(compare_script(spec), f"compare_{spec.task}.py", key="compare.btn_export", schema=SHARE)


@st.fragment(run_every=poll_interval(job))
def live_view() -> None:
    job = st.session_state.get(JOB)
    if job is None:
        return
    spec = getattr(job, "spec", None)
    if spec is not None and spec.task != task_key:
        st.caption(f"Your live run is on {get_task(spec.task).title.lower()}: choose that task above to see it.")
        return
    job_status(job)
    reports = job.reports_so_far()
    finished = [r for r in reports if isinstance(r, RunFinished)]
    rows = [f.row for f in finished]
    curves = [{**c, "cell": f.row["cell"], "length": f.row["length"], "seed": f.row["seed"]}
              for f in finished for c in f.curve]
    latest = job.progress
    if job.status == RUNNING and isinstance(latest, RunUpdate):
        st.progress(latest.fraction, text=f"run {latest.index + 1} of {latest.total}: {cell_label(latest.cell)}, "
                                          f"length {latest.length}, seed {latest.seed}, step {latest.step:,}")
        curves += [{**c, "cell": latest.cell, "length": latest.length, "seed": latest.seed} for c in latest.curve]
    problems = [r for r in rows if r["stop_reason"] == "diverged"]
    for r in problems:
        st.warning(f"{cell_label(r['cell'])} at length {r['length']} (seed {r['seed']}): {r['message']}")
    if rows or curves:
        results_view(rows, build_figures(rows, curves, task.baseline, task.baseline_label), "compare.live")
    if not job.active:
        if rows:
            st.success(f"{len(rows)} run(s) finished" + (" (stopped early)" if job.stop.is_set() else "") + ".")
    rerun_when_finished(job, "compare")


live_view()
