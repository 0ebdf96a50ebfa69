"""Vanishing and exploding gradients: measure them through time, next to the theory, and see what gates do."""

from __future__ import annotations

import math
from dataclasses import asdict, replace

import pandas as pd
import streamlit as st

from pages import kit
from rnn_core.data.corpora import BUILT_IN
from rnn_core.errors import RNNLabError
from rnn_core.gradients.explain import clipping_lines, fmt, lstm_text, situations_table, slope_text, trained_rows
from rnn_core.gradients.figures import (CLIPPING_CAPTION, EIGEN_CAPTION, FORGET_CAPTION, HEATMAP_CAPTION,
                                        JACOBIAN_CAPTION, NORMS_CAPTION, REMEDIES_CAPTION, TRAINED_CAPTION,
                                        clipping_figure, remedies_figure,
                                        eigenvalue_figure, forget_gate_figure, gradient_norms_figure,
                                        jacobian_figure, training_heatmap)
from rnn_core.gradients.measure import GAMMA, MAX_LENGTH, PAGE_DEFAULTS, GradientSettings, measure, situations_at_init
from rnn_core.gradients.script import gradients_script
from rnn_core.gradients.training import (CLIP_DEMO_STEPS, EXPLODING, LONG_LSTM_STEPS, MAX_TRAIN_LENGTH, PAGE_WATCH,
                                         Snapshot, check_trainable, clipping_demo, train_cells, trained_report, watch_settings)
from rnn_core.compare.remedies import (BY_KEY, REMEDIES, REMEDY_LENGTH, REMEDY_SPEC, train_remedy)
from rnn_core.compare.remedies import findings as remedy_findings
from rnn_core.compare.remedies import load as load_remedies
from rnn_core.compare.remedies import spec_for as remedy_spec_for
from rnn_core.compare.remedies import summarise as summarise_remedies
from rnn_core.links.settings import Param, Schema
from rnn_core.nets.cells import CELL_NAMES
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import ended_by_steps, run_key

INIT_LABELS = {"orthogonal": "orthogonal × gain", "normal": "normal, N(0, scale²/H)", "identity": "identity × gain",
               "default": "PyTorch default (uniform ±1/√H)"}
INPUT_LABELS = {"random": "random numbers", "adding": "adding-problem sequences", "text": "a real text"}
PRESETS = {
    "Vanishing: tanh, σ_max 0.9": dict(activation="tanh", init="orthogonal", gain=1.0, use_radius=True,
                                           radius=0.9, forget_bias=1.0),
    "Exploding: ReLU, radius 1.2": dict(activation="relu", init="identity", gain=1.0, use_radius=True,
                                                  radius=1.2, forget_bias=1.0),
    "LSTM forget bias 3": dict(activation="tanh", init="orthogonal", gain=1.0, use_radius=True, radius=0.9,
                                    forget_bias=3.0),
    "Saturation: tanh, radius 1.5": dict(activation="tanh", init="orthogonal", gain=1.0, use_radius=True,
                                             radius=1.5, forget_bias=1.0),
}

D, W = PAGE_DEFAULTS, PAGE_WATCH
SETTINGS = Schema((
    Param("gradients.cells", "cells", list(D.cells), choices=CELL_NAMES, label="Cells", shown=str.upper),
    Param("gradients.length", "length", D.length, low=2, high=MAX_LENGTH, label="Sequence length T", widget="slider"),
    Param("gradients.hidden", "hidden", D.hidden_size, choices=(8, 16, 32, 64, 128, 256), label="Hidden size"),
    Param("gradients.seed", "seed", D.seed, low=0, high=1_000_000, label="Seed"),
    Param("gradients.activation", "activation", D.activation, choices=("tanh", "sigmoid", "relu"),
          label="RNN activation", help="γ, the activation's largest slope, is 1 for tanh and ReLU, 1/4 for the sigmoid."),
    Param("gradients.init", "init", D.init, choices=tuple(INIT_LABELS), label="RNN recurrent initialisation",
          widget="selectbox", shown=INIT_LABELS.get),
    Param("gradients.gain", "gain", D.gain, low=0.1, high=3.0, label="Gain / scale", widget="slider"),
    Param("gradients.use_radius", "rescale", D.radius is not None, label="Rescale W_hh to a spectral radius"),
    Param("gradients.radius", "radius", D.radius, low=0.5, high=1.5, label="Spectral radius of W_hh", widget="slider",
          help="Largest |eigenvalue| of W_hh. With ReLU and W_hh = identity × radius the gradient vanishes below 1 "
               "and explodes above 1; in a tanh RNN the slopes tanh′ shrink instead (section 2)."),
    Param("gradients.forget_bias", "forget_bias", D.forget_bias, low=-2.0, high=6.0, label="LSTM forget-gate bias",
          widget="slider", help="f = σ(bias + ...): bias 1 gives f ≈ 0.73, bias 3 gives f ≈ 0.95."),
    Param("gradients.inputs", "inputs", D.inputs, choices=tuple(INPUT_LABELS), label="Input", shown=INPUT_LABELS.get),
    Param("gradients.text", "text", D.text, choices=tuple(BUILT_IN), label="Text", widget="selectbox",
          shown=lambda k: BUILT_IN[k].title),
    Param("gradients.gated_init", "gated_init", D.gated_init,
          label="Apply the initialisation and radius to the LSTM and GRU too",
          help="Off: the gated cells keep PyTorch's standard initialisation."),
    Param("gradients.train_steps", "train_steps", W.steps, choices=(50, 100, 200, 300, 500, 1000, 2000, LONG_LSTM_STEPS),
          label="Training steps"),
    Param("gradients.train_lr", "train_lr", W.lr, choices=(1e-3, 3e-3, 1e-2), label="Learning rate"),
    Param("gradients.train_clip", "train_clip", W.clip or 0.0, choices=(0.0, 1.0, 5.0), label="Gradient clipping",
          shown=lambda v: "off" if v == 0 else f"{v:g}"),
    Param("gradients.remedy", "remedy", "irnn", choices=tuple(BY_KEY), label="Remedy", widget="selectbox",
          shown=lambda k: BY_KEY[k].label),
    Param("gradients.remedy_seed", "remedy_seed", 0, low=0, high=1_000_000, label="Seed of the run",
          help="Seeds 0 to 4 were precomputed: the same seed trains the same network again, up to this CPU's "
               "rounding."),
))
SHARE = SETTINGS      # the name the workshop and the tests know
# The settings that are a GradientSettings field as they are (cells and the radius need a word more).
FIELDS = {"gradients.length": "length", "gradients.hidden": "hidden_size", "gradients.seed": "seed",
          "gradients.activation": "activation", "gradients.init": "init", "gradients.gain": "gain",
          "gradients.forget_bias": "forget_bias", "gradients.inputs": "inputs", "gradients.text": "text",
          "gradients.gated_init": "gated_init"}


def gradient_settings(s) -> GradientSettings:
    """The experiment the page's settings (``s``: key -> value) describe."""
    if not s["gradients.cells"]:
        raise RNNLabError("Choose at least one cell.")
    return replace(D, cells=tuple(c for c in CELL_NAMES if c in s["gradients.cells"]),
                   radius=float(s["gradients.radius"]) if s["gradients.use_radius"] else None,
                   **{field: type(getattr(D, field))(s[key]) for key, field in FIELDS.items()})


st.title("Vanishing gradients")
st.write("A network learns from the gradient of its loss. In a recurrent network the gradient for an early step "
         "has to travel back through every later step, and at each step it is multiplied by a Jacobian matrix. "
         "Multiply a number by 0.9 a hundred times and it vanishes; by 1.2 and it explodes. In a tanh RNN each "
         "step multiplies the gradient by diag(1 − h_t²)·W_hh, though: the activation's slope comes in too, and "
         "it falls below 1 as soon as a unit leaves the linear middle of tanh (towards 0 as it saturates), which is "
         "why a spectral radius above 1 mostly drives a tanh RNN's state out of that middle instead of exploding "
         "its gradient (section 2). Here the loss sits at the **last** step and you "
         "see, for every earlier step t, how much gradient arrives (‖∂L/∂h_t‖), measured by a real backward "
         "pass through the RNN, the LSTM and the GRU.")
kit.settings(SETTINGS, "gradients")
# Train on the first screen of a laptop (1366×768), filled in section 5 once its settings exist: a run shows its
# progress here and its results in section 5.
train_slot = st.container()


def apply_preset(name: str) -> None:
    kit.set_settings({**{f"gradients.{k}": v for k, v in PRESETS[name].items()}, "gradients.length": 100})


st.write("**Start from a classic situation:**")
preset_cols = st.columns(len(PRESETS))
for col, name in zip(preset_cols, PRESETS):
    col.button(name, key=f"gradients.btn_preset_{list(PRESETS).index(name)}", on_click=apply_preset, args=(name,),
               use_container_width=True)

c1, c2, c3 = st.columns(3)
for key in ("gradients.cells", "gradients.length", "gradients.hidden", "gradients.seed"):
    kit.widget(SETTINGS, key, c1)
with c2:
    kit.widget(SETTINGS, "gradients.activation")
    init = kit.widget(SETTINGS, "gradients.init")
    kit.widget(SETTINGS, "gradients.gain", step=0.05, disabled=init == "default")
    use_radius = kit.widget(SETTINGS, "gradients.use_radius")
    kit.widget(SETTINGS, "gradients.radius", step=0.01, disabled=not use_radius)
with c3:
    kit.widget(SETTINGS, "gradients.forget_bias", step=0.5)
    if kit.widget(SETTINGS, "gradients.inputs", horizontal=False) == "text":
        kit.widget(SETTINGS, "gradients.text")
    kit.widget(SETTINGS, "gradients.gated_init")


@st.cache_data(max_entries=64, show_spinner=False)
def cached_measure(settings: dict):
    """One recomputation, shared between visitors (results are read-only)."""
    return measure(GradientSettings(**settings))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_situations(inputs: str, seed: int) -> list[dict]:
    return situations_at_init(100, 64, inputs, seed)


settings = report = None
try:
    settings = gradient_settings(st.session_state)
    report = cached_measure(asdict(settings))
except RNNLabError as exc:
    kit.show_error(exc)

if settings is not None:
    kit.export_button(gradients_script(settings), f"gradients_T{settings.length}_seed{settings.seed}.py",
                      key="gradients.btn_export", schema=SETTINGS)


# --- 1. the measurement --------------------------------------------------------------------------------

if report is not None:
    st.subheader("1. How much gradient reaches each step")
    cols = st.columns(len(report.measurements))
    for col, (cell, m) in zip(cols, report.measurements.items()):
        col.metric(f"{cell.upper()}: ‖∂L/∂h_0‖ / ‖∂L/∂h_{settings.length - 1}‖", fmt(m.ratio),
                   help="The share of the last step's gradient that survives the whole way back to step 0.")
    bad = [c.upper() for c, m in report.measurements.items() if not all(math.isfinite(v) for v in m.grad_norms)]
    if bad:
        st.warning(f"Some gradient norms of {', '.join(bad)} are infinite or not a number: the gradient overflowed "
                   "(it exploded past what a computer can store). They are left out of the chart, not hidden.")
    kit.chart(gradient_norms_figure(report), NORMS_CAPTION, key="gradients.norms_chart")

    if "rnn" in report.measurements:
        st.subheader("2. The theory for the vanilla RNN")
        w = report.spectra["rnn"]["W_hh"]
        gamma = GAMMA[settings.activation]
        st.markdown(
            f"With h_t = {settings.activation}(W_hh h_(t−1) + W_xh x_t + b), every step multiplies the gradient "
            f"by diag(act′(a_t))·W_hh, so ‖∂h_(T−1)/∂h_t‖ ≤ (γ·σ_max)^(T−1−t) (Pascanu, Mikolov & Bengio 2013). "
            f"Here γ = {gamma:g} ({settings.activation}), σ_max(W_hh) = **{fmt(w.max_singular_value)}**, spectral "
            f"radius = **{fmt(w.spectral_radius)}**, so γ·σ_max = **{fmt(gamma * w.max_singular_value)}**: "
            + ("below 1, the gradient must vanish." if gamma * w.max_singular_value < 1 else
               "not below 1, so the bound allows growth; whether the gradient explodes depends on the eigenvalues "
               "and on the slopes act′(a_t) it meets."))
        st.markdown(slope_text(report.measurements["rnn"], settings, w.spectral_radius))
        left, right = st.columns(2)
        with left:
            kit.chart(jacobian_figure(report), JACOBIAN_CAPTION, key="gradients.jacobian_chart")
        with right:
            kit.chart(eigenvalue_figure(w.eigenvalues, w.max_singular_value), EIGEN_CAPTION, key="gradients.eigen_chart")

    if "lstm" in report.measurements:
        st.subheader("3. Inside the LSTM: the cell-state path, and the other paths")
        st.markdown("The LSTM's cell state is updated additively, c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t, so along the cell "
                    "state alone the gradient is multiplied only by the forget gate f_t, with no weight matrix and "
                    "no squashing slope: after T−1 steps by ∏ f. That path keeps the gradient alive **only if f_t "
                    "stays close to 1**. It is not the only path, though: c_(t−1) also reaches c_t through "
                    "h_(t−1) = o_(t−1) ⊙ tanh(c_(t−1)), which feeds every gate of step t (W_hf, W_hi, W_hg, W_ho), "
                    "so ∂c_t/∂c_(t−1) = diag(f_t) + terms through those weights, and the gradient is the sum over "
                    "all the routes.")
        st.markdown(lstm_text(report.measurements["lstm"], report.loop_gains or [], settings))
        kit.chart(forget_gate_figure(report.measurements["lstm"]), FORGET_CAPTION, key="gradients.forget_chart")


# --- 4. the honest comparison ----------------------------------------------------------------------------

st.subheader("4. Do gates save the gradient? At initialisation, and after training")
st.markdown(
    "**At initialisation, gates do not save the gradient by themselves.** A forget gate of σ(1) ≈ 0.73 multiplies "
    "the gradient along the cell state by 0.73 at every step, 0.73⁹⁹ ≈ 10⁻¹⁴ after 99 steps; the routes through "
    "h_(t−1) and the gates bring back more (section 3). Measured (the table below, with the default input), the "
    "share that reaches step 0 of an LSTM with the usual forget-gate bias of 1 and of a tanh RNN whose W_hh has "
    "σ_max = 0.9 are both between 10⁻⁸ and 10⁻⁶, the LSTM's 0.1 to 1.4 times the RNN's (seeds 0 to 4): at this "
    "start the gated cell is no better off. The RNN stays far under its bound 0.9⁹⁹ ≈ 3·10⁻⁵, because each tanh′ "
    "below 1 shrinks the gradient further. "
    "**With a forget-gate bias of 3**, f ≈ 0.95 and the gradient reaching step 0 is a sizeable share of the last "
    "step's (section 3 says why it is even more than 0.95⁹⁹). **The GRU starts worst of all**: its update gate "
    "z_t is the share of h_(t−1) a step keeps (h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)), and PyTorch gives it no "
    "bias, so z ≈ σ(0) = 0.5: each step keeps half the old state, 0.5⁹⁹ ≈ 10⁻³⁰ along that path (the candidate "
    "path n_t adds a little). Give its update gate a bias of 3 and it keeps the gradient like the LSTM with bias 3. "
    "**After training**, the gated cells that have found the task have *learned* to hold their gates open where it "
    "needs memory, and their gradients reach far further back than the trained RNN's (section 5).")
try:
    rows = cached_situations(settings.inputs if settings else D.inputs, settings.seed if settings else D.seed)
    st.dataframe(pd.DataFrame(situations_table(rows)), hide_index=True)
    st.caption("How to read it: at length 100, hidden size 64, with the input chosen above; the ratio is the share "
               "of the last step's gradient that reaches step 0, the last column compares it with the RNN's.")
except RNNLabError as exc:
    kit.show_error(exc)


# --- 5. training -----------------------------------------------------------------------------------------

st.subheader("5. Watch the gradients change while the network learns")
st.write(f"Train on the **adding problem** (remember two marked numbers among T and output their sum), at the "
         f"sequence length and settings above (up to T = {MAX_TRAIN_LENGTH}), and measure the gradients on the same "
         "probe sequences every few steps. The cells train one after the other in the background (you can keep "
         "using the page), in batches of 32 sequences. With the defaults (T = 100, 500 steps) that takes about 15 s "
         "in all on a free 2-core machine (measured on seeds 0 to 4 as one core's time, which is what a training "
         "gets: RNN 3 s, LSTM 3 s, GRU 6 to 9 s; the GRU is the slowest per step at this size), and two or three "
         "times as long on a busy one (18 s to 37 s seen); the budget is in steps, so the result is the same "
         "however long it takes.")
t1, t2, t3 = st.columns(3)
for key, column in (("gradients.train_steps", t1), ("gradients.train_lr", t2), ("gradients.train_clip", t3)):
    kit.widget(SETTINGS, key, column)


def long_lstm() -> None:
    kit.set_settings({"gradients.cells": ["lstm"], "gradients.train_steps": LONG_LSTM_STEPS})


st.button(f"LSTM alone, {LONG_LSTM_STEPS:,} steps", key="gradients.btn_long_lstm", on_click=long_lstm,
          help="The LSTM with a forget-gate bias of 1 needs more than the default 500 steps to leave the plateau "
               "(see below the trained table); this sets the cells and the steps, then press Train at the top. "
               "About 15 s on a free 2-core machine.")


def watch_run(settings: GradientSettings) -> kit.Run:
    """The cells trained one after the other on the adding problem, their gradients measured along the way."""
    check_trainable(settings)   # a setting the box cannot train is said at once, before any job starts
    s = st.session_state
    watch = watch_settings(int(s["gradients.train_steps"]), float(s["gradients.train_lr"]),
                           float(s["gradients.train_clip"]))
    cells = ", ".join(c.upper() for c in settings.cells)

    def keep(runs) -> TrainedModel:
        if not runs:
            raise RNNLabError("Training was stopped before it began.")
        return TrainedModel(f"{cells} · T = {settings.length} · {watch.steps} steps · seed {settings.seed}",
                            "gradient-watch", runs, None, asdict(settings), {"report": trained_report(runs, settings)},
                            source="the adding problem")

    def ending(runs) -> tuple[str, str]:
        reasons = [run.result.stop_reason for run in runs.values()]
        if len(runs) < len(settings.cells) or "stopped" in reasons:
            return "Stopped: the cells are measured as far as they trained.", "stopped"
        return "Trained.", "diverged" if "diverged" in reasons else "finished"

    return kit.Run(f"Gradients: training {cells}", lambda stop, report: train_cells(settings, watch, report, stop),
                   keep, run_key("gradients", None, (settings, watch), seed=settings.seed, steps=watch.steps)
                   if watch.seconds is None else None, context=settings.length, ending=ending,
                   cacheable=lambda runs: len(runs) == len(settings.cells) and ended_by_steps(
                       *(run.result for run in runs.values())))


def heatmaps(snapshots: list[Snapshot], length: int, key: str) -> None:
    for cell in CELL_NAMES:
        snaps = [s for s in snapshots if isinstance(s, Snapshot) and s.cell == cell]
        if snaps:
            kit.chart(training_heatmap(snaps, length, title=f"{cell.upper()} while training"), HEATMAP_CAPTION,
                      key=f"gradients.{key}_{cell}")


with train_slot:
    job, (note,) = kit.train_controls(
        "gradients", lambda: watch_run(settings), disabled=settings is None,
        live=lambda reports, length: heatmaps(reports, length, "live_heatmap"),
        progress_text=lambda p: f"training {p.cell.upper()}: step {p.progress.step} of {p.progress.planned_steps}")
    budget = int(st.session_state["gradients.train_steps"])
    note.caption(f"Train the cells on the adding problem with the settings below ({budget} steps each, section 5) "
                 "and watch their gradients change; the results appear in section 5.")
st.caption("Train and Stop are at the top of the page.")

watched = kit.registry().entries("gradient-watch")
if watched and not (job is not None and job.active):
    entry = watched[-1]                     # the latest run's
    runs, trained = entry.model, entry.metrics["report"]
    heatmaps([s for run in runs.values() for s in run.snapshots], entry.settings["length"], "heatmap")
    st.markdown("**After training** (measured on adding-problem probe sequences):")
    st.dataframe(pd.DataFrame(trained_rows(runs, trained)), hide_index=True)
    st.caption("How to read it: a test MSE far below 0.167 means the cell found the two marked numbers, and then "
               "its ratio has jumped by many orders of magnitude: it learned to hold its gates open, and the "
               "gradient now reaches step 0. An MSE still near 0.167 means it has not found them yet. 'Left the "
               "plateau at step' is the step where its training loss, averaged over 20 steps, first fell below "
               "0.05. With the "
               "defaults (T = 100, 500 steps at 0.01, seeds 0 to 4) the GRU finds them (MSE below 0.01; it leaves the "
               "plateau around step 300, and its ratio goes from about 1e-20 to above 0.1: the gradient reaches step "
               "0 almost undimmed); after 500 steps the tanh RNN and the LSTM with a forget-gate bias of 1 are still "
               "on the plateau near 0.17. There the LSTM's ratio stays "
               "near 1e-10 on every seed, while the RNN's depends on the seed, and even on the CPU's rounding, by "
               "dozens of orders of magnitude (measured from 1e-60 to 4e-3), so one seed's ratio of a network that "
               "has not found the task says little: its MSE says whether it did. The LSTM is not stuck there, only "
               "slower: at this batch size and learning rate it leaves the plateau between about step 950 and step "
               f"2,200 (seeds 0 to 4), later than 500 steps can show. Press **LSTM alone, {LONG_LSTM_STEPS:,} "
               "steps** and train (about 15 s): on every seed 0 to 4 it then finds the numbers too (MSE below "
               "0.005), and its ratio, near 1e-10 on the plateau, jumps to above 0.01, as the GRU's did.")
    kit.chart(gradient_norms_figure(trained, title="Trained networks", show_bound=False), TRAINED_CAPTION,
              key="gradients.trained_chart")
    for run in runs.values():
        if run.result.stop_reason in ("diverged", "stopped"):
            st.warning(f"{run.cell.upper()}: {run.result.message}")


# --- 6. exploding gradients and clipping ------------------------------------------------------------------

st.subheader("6. Exploding gradients and gradient clipping")
st.write(f"A ReLU RNN with W_hh = identity rescaled to radius {EXPLODING.radius:g}, on the adding problem at "
         f"T = {EXPLODING.length}: in its first steps its gradient's norm reaches 10⁸ or more, where a sane update "
         "needs about 1. It is trained twice on the same data, once as it is and once with the gradient's norm "
         "clipped to 1 before each update. The optimiser is Adam, which divides every step by a running average "
         "of squared gradients, so one explosion does not throw the weights to infinity; instead the huge early "
         "gradients fill that average (it forgets only 0.1 % of it per step) and stall learning: at the end of its "
         f"{CLIP_DEMO_STEPS} steps the unclipped run's loss is still several times the clipped run's. Clipping "
         "keeps every gradient to a sane size, and the clipped run's loss comes down to about that of always "
         "answering 1 (0.167); learning the sums themselves would take far longer.")


def clipping_run() -> kit.Run:
    """The exploding RNN trained twice on the same data, without and with clipping (a fixed step budget)."""
    def keep(runs) -> TrainedModel:
        return TrainedModel("Clipping demo", "gradient-clipping", runs, None, asdict(EXPLODING), {},
                            source="the adding problem")

    def ending(runs) -> tuple[str, str]:
        if len(runs) < 2 or any(run.result.stop_reason == "stopped" for run in runs):
            return "Stopped: the runs so far are below.", "stopped"
        return "Both runs trained.", "finished"

    return kit.Run("Gradients: clipping demo", lambda stop, report: clipping_demo(on_progress=report, stop=stop),
                   keep, run_key("gradients-clipping", None, EXPLODING, seed=EXPLODING.seed, steps=CLIP_DEMO_STEPS),
                   ending=ending, cacheable=lambda runs: len(runs) == 2 and ended_by_steps(
                       *(run.result for run in runs)))


clip_job, _ = kit.train_controls("gradients.clip", clipping_run, label="Run with and without clipping",
                                 widths=(2, 1, 5), done=lambda outcome: outcome.message,
                                 progress_text=lambda p: f"training {p.cell}")
demos = kit.registry().entries("gradient-clipping")
if demos and not (clip_job is not None and clip_job.active):
    kit.chart(clipping_figure(demos[-1].model, 1.0), CLIPPING_CAPTION, key="gradients.clip_chart")
    for line in clipping_lines(demos[-1].model):
        st.write(line)


# --- 7. the remedies, side by side ----------------------------------------------------------------------------

st.subheader("7. The remedies, measured side by side")
st.write(f"Lists of what helps against vanishing gradients name gradient clipping, a careful initialisation, the "
         "ReLU activation, the identity initialisation of the IRNN (Le, Jaitly & Hinton 2015), truncated "
         "backpropagation through time and gated cells, and it is easy to read them as \"each of these fixes it\". "
         f"Here each is measured on one task: the adding problem at length {REMEDY_LENGTH}, where Compare's grid "
         "has the tanh RNN at the no-memory baseline. Every row is the tanh RNN with one thing changed (or a gated "
         f"cell), hidden size {REMEDY_SPEC.hidden}, the same budget of {REMEDY_SPEC.max_steps:,} steps of "
         f"{REMEDY_SPEC.batch} sequences, Adam at {REMEDY_SPEC.lr:g}, no clipping unless the row says so; then each "
         "trained network is looked inside: how much of the last step's gradient reaches step 0.")
remedy_rows = load_remedies()
if not remedy_rows:
    st.info("The precomputed remedies grid is missing; `sh rnn_core/compare/results/regenerate_remedies.sh` "
            "writes it. Run live below still works.")
else:
    summaries = summarise_remedies(remedy_rows)
    seeds = sorted({r["seed"] for r in remedy_rows})
    span = lambda values, f: f(min(values)) if f(min(values)) == f(max(values)) else f"{f(min(values))}–{f(max(values))}"
    sci = lambda v: "0" if v == 0 else f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")
    st.dataframe(pd.DataFrame([{
        "remedy": s.label, "what it targets": BY_KEY[s.key].treats,
        "accuracy": span(s.accuracy, lambda v: f"{v:.2f}"),
        f"test MSE (no memory {s.baseline_mse:.3f})": span(s.mse, lambda v: f"{v:.4f}" if v < 0.01 else f"{v:.3f}"),
        "ratio, start": span(s.ratio_init, sci), "ratio, trained": span(s.ratio, sci)}
        for s in summaries]), hide_index=True)
    st.caption(f"How to read it: one line per remedy, the lowest and highest value over seeds "
               f"{seeds[0]}–{seeds[-1]} (the chart below shows every seed). Accuracy is the share of test sums "
               "within 0.04 of the true one; the ratio is ‖∂L/∂h_0‖ / ‖∂L/∂h_99‖ on 64 fixed probe sequences, the "
               "share of the last step's gradient that reaches step 0 (0: below 1e-308, what float64 holds).")
    kit.chart(remedies_figure(remedy_rows, {r.key: r.label for r in REMEDIES}), REMEDIES_CAPTION,
              key="gradients.remedies_chart")
    st.markdown("**What the measurement says**, remedy by remedy:")
    st.markdown("\n".join(f"- {line}" for line in remedy_findings(remedy_rows)))
    st.caption(f"Written by `sh rnn_core/compare/results/regenerate_remedies.sh` (`python -m rnn_core remedies "
               f"--seeds 5`), {len(remedy_rows)} runs, {sum(r['seconds'] for r in remedy_rows) / 60:.0f} minutes of "
               "training on one core.")

took = (f" (the precomputed runs took {min(r['seconds'] for r in remedy_rows):.0f} to "
        f"{max(r['seconds'] for r in remedy_rows):.0f} s each on one core of a shared machine)" if remedy_rows else "")
st.write(f"**Run live**: train one remedy from one seed here{took}, in the background, and set it beside the "
         "precomputed run of that seed. A run stops early once 98 % of its validation sums are within 0.04.")
r1, r2 = st.columns(2)
live_remedy = kit.widget(SETTINGS, "gradients.remedy", r1)
live_seed = kit.widget(SETTINGS, "gradients.remedy_seed", r2)


def remedy_run() -> kit.Run:
    key, seed = str(st.session_state["gradients.remedy"]), int(st.session_state["gradients.remedy_seed"])
    label = f"{BY_KEY[key].label} · seed {seed}"

    def keep(row: dict) -> TrainedModel:
        return TrainedModel(f"Remedy: {label}", "gradient-remedy", row, None, {"remedy": key, "seed": seed}, row,
                            source="the adding problem")

    def ending(row: dict) -> tuple[str, str]:
        return row["message"], row["stop_reason"]

    return kit.Run(f"Gradients: {label}", lambda stop, report: train_remedy(key, seed, report, stop), keep,
                   run_key("gradients-remedy", None, remedy_spec_for(key), seed=seed, steps=REMEDY_SPEC.max_steps),
                   ending=ending, cacheable=lambda row: row["stop_reason"] in ("finished", "solved"))


remedy_job, _ = kit.train_controls("gradients.remedy", remedy_run, label="Run live", widths=(1, 1, 6),
                                   progress_text=lambda p: f"training {BY_KEY[p.remedy].label}, seed {p.seed}: step "
                                                           f"{p.step:,} of {p.planned_steps:,}")
live_runs = kit.registry().entries("gradient-remedy")
if live_runs and not (remedy_job is not None and remedy_job.active):
    table = []
    for entry in live_runs[-4:]:
        row = entry.model
        shipped = next((r for r in remedy_rows if r["remedy"] == row["remedy"] and r["seed"] == row["seed"]), None)
        table.append({"run": f"{row['label']} · seed {row['seed']}", "accuracy (live)": f"{row['accuracy']:.3f}",
                      "accuracy (precomputed)": "—" if shipped is None else f"{shipped['accuracy']:.3f}",
                      "test MSE (live)": f"{row['loss']:.4f}",
                      "ratio after training (live)": fmt(row["ratio"]),
                      "ratio (precomputed)": "—" if shipped is None else fmt(shipped["ratio"]),
                      "steps": row["steps"], "seconds": row["seconds"]})
    st.dataframe(pd.DataFrame(table), hide_index=True)
    st.caption("How to read it: your runs here (the latest four), each beside the precomputed run of the same remedy "
               "and seed (— where that seed was not precomputed). The same seed gives the same accuracy up to the "
               "rounding of this CPU's kernels; a network that has not found the task can differ in its ratio by "
               "orders of magnitude from one CPU to another (section 5), so read the ratio of a solved network.")
