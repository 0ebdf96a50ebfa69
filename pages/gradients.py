"""Vanishing and exploding gradients: measure them through time, next to the theory, and see what gates do."""

from __future__ import annotations

import math
from dataclasses import asdict

import pandas as pd
import streamlit as st

from pages.shared import chart, job_status, poll_interval, rerun_when_finished, run_controls, show_error, start_job
from pages.workshop import export_button, share_settings
from rnn_core.cells import CELL_NAMES
from rnn_core.corpora import BUILT_IN
from rnn_core.errors import RNNLabError
from rnn_core.figures.gradients import (CLIPPING_CAPTION, EIGEN_CAPTION, FORGET_CAPTION, HEATMAP_CAPTION,
                                        JACOBIAN_CAPTION, NORMS_CAPTION, clipping_figure, eigenvalue_figure,
                                        forget_gate_figure, gradient_norms_figure, jacobian_figure,
                                        training_heatmap)
from rnn_core.gradient_training import (EXPLODING, MAX_TRAIN_LENGTH, WatchProgress, WatchSettings, clipping_demo,
                                        train_and_watch, trained_report)
from rnn_core.gradients import GAMMA, MAX_LENGTH, GradientSettings, measure, situations_at_init
from rnn_core.jobs import RUNNING
from rnn_core.share import Param, Schema, command_line, export_script

TRAIN_JOB, CLIP_JOB = "gradients.train_job", "gradients.clip_job"
INIT_LABELS = {"orthogonal": "orthogonal × gain", "normal": "normal, N(0, scale²/H)", "identity": "identity × gain",
               "default": "PyTorch default (uniform ±1/√H)"}
INPUT_LABELS = {"random": "random numbers", "adding": "adding-problem sequences", "text": "a real text"}
PRESETS = {
    "Vanishing: tanh RNN, σ_max 0.9": dict(activation="tanh", init="orthogonal", gain=1.0, use_radius=True,
                                           radius=0.9, forget_bias=1.0),
    "Exploding: ReLU, identity, radius 1.2": dict(activation="relu", init="identity", gain=1.0, use_radius=True,
                                                  radius=1.2, forget_bias=1.0),
    "LSTM forget-gate bias 3": dict(activation="tanh", init="orthogonal", gain=1.0, use_radius=True, radius=0.9,
                                    forget_bias=3.0),
}

SHARE = Schema((
    Param("gradients.length", "length", 100, low=2, high=MAX_LENGTH),
    Param("gradients.hidden", "hidden", 64, choices=(8, 16, 32, 64, 128, 256)),
    Param("gradients.seed", "seed", 0, low=0, high=1_000_000),
    Param("gradients.activation", "activation", "tanh", choices=("tanh", "sigmoid", "relu")),
    Param("gradients.init", "init", "orthogonal", choices=tuple(INIT_LABELS)),
    Param("gradients.gain", "gain", 1.0, low=0.1, high=3.0),
    Param("gradients.use_radius", "rescale", True),
    Param("gradients.radius", "radius", 0.9, low=0.5, high=1.5),
    Param("gradients.forget_bias", "forget_bias", 1.0, low=-2.0, high=6.0),
    Param("gradients.inputs", "inputs", "random", choices=tuple(INPUT_LABELS)),
    Param("gradients.train_steps", "train_steps", 500, choices=(50, 100, 200, 300, 500, 1000)),
))

st.title("Vanishing and exploding gradients")
st.write("A network learns from the gradient of its loss. In a recurrent network the gradient for an early step "
         "has to travel back through every later step, and at each step it is multiplied by a Jacobian matrix. "
         "Multiply a number by 0.9 a hundred times and it vanishes; by 1.2 and it explodes. Here the loss sits at "
         "the **last** step and you see, for every earlier step t, how much gradient arrives (‖∂L/∂h_t‖), "
         "measured by a real backward pass through the RNN, the LSTM and the GRU.")

for key, value in {"gradients.cells": list(CELL_NAMES), "gradients.length": 100, "gradients.hidden": 64,
                   "gradients.seed": 0, "gradients.activation": "tanh", "gradients.init": "orthogonal",
                   "gradients.gain": 1.0, "gradients.use_radius": True, "gradients.radius": 0.9,
                   "gradients.forget_bias": 1.0, "gradients.inputs": "random", "gradients.text": "python-docs",
                   "gradients.gated_init": False, "gradients.train_steps": 500, "gradients.train_lr": 1e-2,
                   "gradients.train_clip": 1.0}.items():
    st.session_state.setdefault(key, value)
share_settings(SHARE, "gradients")   # a link's settings, once; then the address bar follows the widgets


def apply_preset(name: str) -> None:
    st.session_state.update({f"gradients.{k}": v for k, v in PRESETS[name].items()})
    st.session_state["gradients.length"] = 100


st.write("**Start from a classic situation:**")
preset_cols = st.columns(len(PRESETS))
for col, name in zip(preset_cols, PRESETS):
    col.button(name, key=f"gradients.btn_preset_{list(PRESETS).index(name)}", on_click=apply_preset, args=(name,),
               use_container_width=True)

c1, c2, c3 = st.columns(3)
with c1:
    cells = st.multiselect("Cells", CELL_NAMES, key="gradients.cells", format_func=str.upper)
    length = st.slider("Sequence length T", 2, MAX_LENGTH, key="gradients.length")
    hidden = st.select_slider("Hidden size", (8, 16, 32, 64, 128, 256), key="gradients.hidden")
    seed = st.number_input("Seed", 0, 1_000_000, key="gradients.seed")
with c2:
    activation = st.radio("RNN activation", ("tanh", "sigmoid", "relu"), key="gradients.activation",
                          horizontal=True, help="γ, the activation's largest slope, is 1 for tanh and ReLU, 1/4 "
                                                "for the sigmoid.")
    init = st.selectbox("RNN recurrent initialisation", list(INIT_LABELS), key="gradients.init",
                        format_func=INIT_LABELS.get)
    gain = st.slider("Gain / scale", 0.1, 3.0, step=0.05, key="gradients.gain", disabled=init == "default")
    use_radius = st.checkbox("Rescale W_hh to a spectral radius", key="gradients.use_radius")
    radius = st.slider("Spectral radius of W_hh", 0.5, 1.5, step=0.01, key="gradients.radius",
                       disabled=not use_radius, help="Largest |eigenvalue|: below 1 vanishing, above 1 exploding.")
with c3:
    forget_bias = st.slider("LSTM forget-gate bias", -2.0, 6.0, step=0.5, key="gradients.forget_bias",
                            help="f = σ(bias + ...): bias 1 gives f ≈ 0.73, bias 3 gives f ≈ 0.95.")
    inputs = st.radio("Input", list(INPUT_LABELS), key="gradients.inputs", format_func=INPUT_LABELS.get)
    if inputs == "text":
        st.selectbox("Text", list(BUILT_IN), key="gradients.text", format_func=lambda k: BUILT_IN[k].title)
    gated_init = st.checkbox("Apply the initialisation and radius to the LSTM and GRU too",
                             key="gradients.gated_init",
                             help="Off: the gated cells keep PyTorch's standard initialisation.")


@st.cache_data(max_entries=64, show_spinner=False)
def cached_measure(settings: dict):
    """One recomputation, shared between visitors (results are read-only)."""
    return measure(GradientSettings(**settings))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_situations(inputs: str, seed: int) -> list[dict]:
    return situations_at_init(100, 64, inputs, seed)


settings = report = None
try:
    if not cells:
        raise RNNLabError("Choose at least one cell.")
    settings = GradientSettings(cells=tuple(c for c in CELL_NAMES if c in cells), length=int(length),
                                hidden_size=int(hidden), activation=activation, init=init, gain=float(gain),
                                radius=float(radius) if use_radius else None, forget_bias=float(forget_bias),
                                gated_init=gated_init, inputs=inputs, text=st.session_state["gradients.text"],
                                seed=int(seed))
    report = cached_measure(asdict(settings))
except RNNLabError as exc:
    show_error(exc)


def fmt(value: float) -> str:
    return "NaN" if math.isnan(value) else ("∞" if math.isinf(value) else f"{value:.3g}")


if settings is not None:
    export_button(export_script(
        measure, settings, title="Gradient norms through time (RNN Lab, Vanishing gradients)", seed=settings.seed,
        report="print(json.dumps({cell: {'ratio': m.ratio, 'grad_norms': list(m.grad_norms)} "
               "for cell, m in result.measurements.items()}))",
        command=command_line("gradients", {"cell": settings.cells[0], "length": settings.length,
                                           "hidden": settings.hidden_size, "activation": settings.activation,
                                           "init": settings.init, "radius": settings.radius,
                                           "forget_bias": settings.forget_bias, "seed": settings.seed})),
        f"gradients_T{settings.length}_seed{settings.seed}.py", key="gradients.btn_export", schema=SHARE)


# --- 1. the measurement --------------------------------------------------------------------------------

if report is not None:
    st.subheader("1. How much gradient reaches each step")
    cols = st.columns(len(report.measurements))
    for col, (cell, m) in zip(cols, report.measurements.items()):
        col.metric(f"{cell.upper()}: ‖∂L/∂h_0‖ / ‖∂L/∂h_{length - 1}‖", fmt(m.ratio),
                   help="The share of the last step's gradient that survives the whole way back to step 0.")
    bad = [c.upper() for c, m in report.measurements.items() if not all(math.isfinite(v) for v in m.grad_norms)]
    if bad:
        st.warning(f"Some gradient norms of {', '.join(bad)} are infinite or not a number: the gradient overflowed "
                   "(it exploded past what a computer can store). They are left out of the chart, not hidden.")
    chart(gradient_norms_figure(report), NORMS_CAPTION, key="gradients.norms_chart")

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
               "and on how many units are active."))
        left, right = st.columns(2)
        with left:
            chart(jacobian_figure(report), JACOBIAN_CAPTION, key="gradients.jacobian_chart")
        with right:
            chart(eigenvalue_figure(w.eigenvalues, w.max_singular_value), EIGEN_CAPTION, key="gradients.eigen_chart")

    if "lstm" in report.measurements:
        st.subheader("3. Inside the LSTM: the cell-state path")
        st.markdown("The LSTM's cell state is updated additively, c_t = f_t ⊙ c_(t−1) + i_t ⊙ g_t, so along the cell "
                    "state the gradient is multiplied only by the forget gate f_t, with no weight matrix and no "
                    "squashing slope. That path keeps the gradient alive **only if f_t stays close to 1**.")
        chart(forget_gate_figure(report.measurements["lstm"]), FORGET_CAPTION, key="gradients.forget_chart")


# --- 4. the honest comparison ----------------------------------------------------------------------------

st.subheader("4. Do gates save the gradient? Three situations")
st.markdown(
    "**At initialisation, gates do not save the gradient by themselves.** A forget gate of σ(1) ≈ 0.73 multiplies "
    "the gradient by 0.73 at every step, which after 99 steps is 0.73⁹⁹ ≈ 10⁻¹⁴: an LSTM with the usual forget-gate "
    "bias of 1 loses its gradient as fast as a tanh RNN whose W_hh has σ_max = 0.9 (bound 0.9⁹⁹ ≈ 3·10⁻⁵), or "
    "faster. **With a forget-gate bias of 3**, f ≈ 0.95 and the cell-state path carries a sizeable share of the "
    "gradient back 100 steps. **After training**, the gated cells have *learned* to hold their gates open where "
    "the task needs memory, and their gradients reach far further back than the trained RNN's (section 5).")
try:
    rows = cached_situations(settings.inputs if settings else "random", settings.seed if settings else 0)
    table = pd.DataFrame(rows)
    for col in table.columns[1:]:
        table[col] = table[col].map(fmt)
    st.dataframe(table, hide_index=True)
    st.caption("How to read it: at length 100, hidden size 64, with the input chosen above; the ratio is the share "
               "of the last step's gradient that reaches step 0, the last column compares it with the RNN's.")
except RNNLabError as exc:
    show_error(exc)


# --- 5. training -----------------------------------------------------------------------------------------

st.subheader("5. Watch the gradients change while the network learns")
st.write(f"Train on the **adding problem** (remember two marked numbers among T and output their sum), at the "
         f"sequence length and settings above (up to T = {MAX_TRAIN_LENGTH}), and measure the gradients on the same "
         "probe sequences every few steps. The cells train one after the other in the background (you can keep "
         "using the page); on a free 2-core machine 500 steps at T = 100 take about 8 s for the RNN and 15 s for "
         "the LSTM or the GRU, longer when the machine is busy.")
t1, t2, t3 = st.columns(3)
steps = t1.select_slider("Training steps", (50, 100, 200, 300, 500, 1000), key="gradients.train_steps")
lr = t2.select_slider("Learning rate", (1e-3, 3e-3, 1e-2), key="gradients.train_lr",
                      format_func=lambda v: f"{v:g}")
train_clip = t3.select_slider("Gradient clipping", (0.0, 1.0, 5.0), key="gradients.train_clip",
                              format_func=lambda v: "off" if v == 0 else f"{v:g}")


def launch_training(settings: GradientSettings, watch: WatchSettings) -> None:
    live: dict[str, list] = {cell: [] for cell in settings.cells}

    def work(job):
        runs = {}
        for index, cell in enumerate(settings.cells):
            if job.stop.is_set():
                break
            runs[cell] = train_and_watch(settings, cell, watch, on_snapshot=live[cell].append, stop=job.stop,
                                         on_progress=lambda p, c=cell, i=index: job.report(
                                             WatchProgress(c, i, len(settings.cells), p)))
        if not runs:
            raise RNNLabError("Training was stopped before it began.")
        return {"runs": runs, "report": trained_report(runs, settings), "settings": settings}

    job = start_job(TRAIN_JOB, work, f"Gradients: training {', '.join(c.upper() for c in settings.cells)}")
    if job is not None:
        job.live = live


train_job, _ = run_controls(
    TRAIN_JOB, lambda: launch_training(settings, WatchSettings(steps=int(steps), lr=float(lr),
                                                               clip=float(train_clip) or None,
                                                               probe_every=max(1, int(steps) // 25))),
    start_key="gradients.btn_train", stop_key="gradients.btn_stop_train", disabled=settings is None)


@st.fragment(run_every=poll_interval(train_job))
def training_view() -> None:
    job = st.session_state.get(TRAIN_JOB)
    if job is None:
        return
    job_status(job)
    if job.status == RUNNING and job.progress is not None:
        p = job.progress
        st.progress(p.fraction, text=f"training {p.cell.upper()}: step {p.progress.step} of {p.progress.planned_steps}")
    live = getattr(job, "live", {})
    length = job.result["settings"].length if isinstance(job.result, dict) else None
    for cell, snaps in live.items():
        if snaps:
            chart(training_heatmap(list(snaps), length or len(snaps[0].grad_norms), title=f"{cell.upper()} while "
                                   "training"), HEATMAP_CAPTION, key=f"gradients.heatmap_{cell}")
    rerun_when_finished(job, "gradients")


training_view()

if train_job is not None and not train_job.active and isinstance(train_job.result, dict):
    result = train_job.result
    trained = result["report"]
    st.markdown("**After training** (measured on adding-problem probe sequences):")
    rnn_ratio = trained.measurements["rnn"].ratio if "rnn" in trained.measurements else None
    rows = []
    for cell, run in result["runs"].items():
        ratio = trained.measurements[cell].ratio
        rows.append({"cell": cell.upper(), "steps": run.result.steps,
                     "test MSE (1 = 0.167 for always answering 1)": fmt(run.result.metrics.get("val_mse", math.nan)),
                     "ratio at initialisation": fmt(run.snapshots[0].ratio), "ratio after training": fmt(ratio),
                     "times the trained RNN's": fmt(ratio / rnn_ratio) if rnn_ratio else "—"})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption("How to read it: a test MSE far below 0.167 means the cell found the two marked numbers, and then "
               "its ratio has jumped by many orders of magnitude (measured with the defaults, T = 100: the GRU goes "
               "from about 1e-20 to about 0.35 in 500 steps): it learned to hold its gates open, and the gradient "
               "now reaches step 0. An MSE still near 0.167 means it has not found them yet and its gradient still "
               "vanishes: here the tanh RNN and the LSTM with a forget-gate bias of 1 had not, even after 1,000 "
               "steps (on the Compare page, with batches four times larger, the LSTM finds them after about 1,600).")
    chart(gradient_norms_figure(trained, title="Trained networks", show_bound=False), NORMS_CAPTION,
          key="gradients.trained_chart")
    for run in result["runs"].values():
        if run.result.stop_reason in ("diverged", "stopped"):
            st.warning(f"{run.cell.upper()}: {run.result.message}")


# --- 6. exploding gradients and clipping ------------------------------------------------------------------

st.subheader("6. Exploding gradients and gradient clipping")
st.write(f"A ReLU RNN with W_hh = identity rescaled to radius {EXPLODING.radius:g}, on the adding problem at "
         f"T = {EXPLODING.length}: its first gradients are millions of times too large. It is trained twice on the "
         "same data, once as it is and once with the gradient's norm clipped to 1 before each update. The optimiser "
         "is Adam, which divides every step by a running average of gradient sizes, so one explosion does not throw "
         "the weights to infinity; instead the huge early gradients fill that average and freeze learning for "
         "hundreds of steps. Clipping keeps every gradient to a sane size, and the run learns.")
clip_job = st.session_state.get(CLIP_JOB)
clip_busy = clip_job is not None and clip_job.active
if st.button("Run with and without clipping", key="gradients.btn_clip", disabled=clip_busy):
    start_job(CLIP_JOB, lambda job: {"runs": clipping_demo(on_progress=job.report, stop=job.stop)},
              "Gradients: clipping demo")
    clip_job = st.session_state.get(CLIP_JOB)


@st.fragment(run_every=poll_interval(clip_job))
def clipping_view() -> None:
    job = st.session_state.get(CLIP_JOB)
    if job is None:
        return
    job_status(job)
    if job.status == RUNNING and job.progress is not None:
        st.progress(job.progress.fraction, text=f"training {job.progress.cell}")
    if isinstance(job.result, dict):
        runs = job.result["runs"]
        chart(clipping_figure(runs, 1.0), CLIPPING_CAPTION, key="gradients.clip_chart")
        for run in runs:
            h = run.history
            if h:
                label = "Without clipping" if not run.clip else "With clipping"
                tail = [r["train_loss"] for r in h[-20:]]
                st.write(f"{label}: largest gradient norm {fmt(max(r['grad_norm'] for r in h))}, loss over the last "
                         f"20 steps {fmt(sum(tail) / len(tail))}. {run.result.message}")
    if not job.active and st.session_state.get("gradients.seen_clip") != job.id:
        st.session_state["gradients.seen_clip"] = job.id
        st.rerun()


clipping_view()
