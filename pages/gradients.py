"""Vanishing and exploding gradients: measure them through time, next to the theory, and see what gates do."""

from __future__ import annotations

import math
from dataclasses import asdict

import numpy as np
import pandas as pd
import streamlit as st

from pages.shared import (chart, job_status, poll_interval, rerun_when_finished, run_controls, show_error,
                          start_job, start_shared_job)
from pages.workshop import export_button, share_settings
from rnn_core.nets.cells import CELL_NAMES
from rnn_core.data.corpora import BUILT_IN
from rnn_core.errors import RNNLabError
from rnn_core.gradients.figures import (CLIPPING_CAPTION, EIGEN_CAPTION, FORGET_CAPTION, HEATMAP_CAPTION,
                                        JACOBIAN_CAPTION, NORMS_CAPTION, TRAINED_CAPTION, clipping_figure,
                                        eigenvalue_figure, forget_gate_figure, gradient_norms_figure,
                                        jacobian_figure, training_heatmap)
from rnn_core.gradients.training import (check_trainable, CLIP_DEMO_STEPS, EXPLODING, MAX_TRAIN_LENGTH, WatchProgress,
                                        WatchSettings, clipping_demo, page_watch, train_and_watch,
                                        trained_report)
from rnn_core.gradients.measure import (GAMMA, MAX_LENGTH, PAGE_DEFAULTS, GradientSettings, cell_state_path, measure,
                                page_settings, per_step_factor, safe_ratio, saturation, situations_at_init)
from rnn_core.runs.jobs import RUNNING
from rnn_core.runs.runcache import ended_by_steps, run_key
from rnn_core.links.scripts import command_line, export_script
from rnn_core.links.settings import Param, Schema

TRAIN_JOB, CLIP_JOB = "gradients.train_job", "gradients.clip_job"
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

SHARE = Schema((
    Param("gradients.length", "length", PAGE_DEFAULTS["gradients.length"], low=2, high=MAX_LENGTH),
    Param("gradients.hidden", "hidden", PAGE_DEFAULTS["gradients.hidden"], choices=(8, 16, 32, 64, 128, 256)),
    Param("gradients.seed", "seed", PAGE_DEFAULTS["gradients.seed"], low=0, high=1_000_000),
    Param("gradients.activation", "activation", PAGE_DEFAULTS["gradients.activation"], choices=("tanh", "sigmoid", "relu")),
    Param("gradients.init", "init", PAGE_DEFAULTS["gradients.init"], choices=tuple(INIT_LABELS)),
    Param("gradients.gain", "gain", PAGE_DEFAULTS["gradients.gain"], low=0.1, high=3.0),
    Param("gradients.use_radius", "rescale", PAGE_DEFAULTS["gradients.use_radius"]),
    Param("gradients.radius", "radius", PAGE_DEFAULTS["gradients.radius"], low=0.5, high=1.5),
    Param("gradients.forget_bias", "forget_bias", PAGE_DEFAULTS["gradients.forget_bias"], low=-2.0, high=6.0),
    Param("gradients.inputs", "inputs", PAGE_DEFAULTS["gradients.inputs"], choices=tuple(INPUT_LABELS)),
    Param("gradients.train_steps", "train_steps", PAGE_DEFAULTS["gradients.train_steps"], choices=(50, 100, 200, 300, 500, 1000)),
))

st.title("Vanishing gradients")
st.write("A network learns from the gradient of its loss. In a recurrent network the gradient for an early step "
         "has to travel back through every later step, and at each step it is multiplied by a Jacobian matrix. "
         "Multiply a number by 0.9 a hundred times and it vanishes; by 1.2 and it explodes. In a tanh RNN each "
         "step multiplies the gradient by diag(1 − h_t²)·W_hh, though: the activation's slope comes in too, and "
         "it falls towards 0 as units saturate, which is why a spectral radius above 1 mostly saturates a tanh "
         "RNN instead of exploding its gradient (section 2). Here the loss sits at the **last** step and you "
         "see, for every earlier step t, how much gradient arrives (‖∂L/∂h_t‖), measured by a real backward "
         "pass through the RNN, the LSTM and the GRU.")

for key, value in PAGE_DEFAULTS.items():
    st.session_state.setdefault(key, list(value) if isinstance(value, list) else value)
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
                       disabled=not use_radius,
                       help="Largest |eigenvalue| of W_hh. With ReLU and W_hh = identity × radius the gradient "
                            "vanishes below 1 and explodes above 1; a tanh RNN saturates instead (section 2).")
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
    settings = page_settings(st.session_state)
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


def slope_text(m, settings: GradientSettings, radius: float) -> str:
    """What the measured slopes did to the RNN's gradient: the honest story of saturation."""
    sat = saturation(m, settings.activation)
    low, high = (("inactive units", "active units") if settings.activation == "relu" else
                 ("saturated units", "units in the linear regime"))
    factor = per_step_factor(m.ratio, settings.length)
    T = settings.length
    text = (f"**Measured here:** going back from step {T - 1} to step 0 the gradient was multiplied by "
            f"**{fmt(factor)}** per step on average (‖∂L/∂h_0‖/‖∂L/∂h_{T - 1}‖ = {fmt(m.ratio)}). The slopes "
            f"{settings.activation}′(a_t) it met average **{fmt(sat.mean_slope)}**; {sat.saturated_share:.0%} of "
            f"them are below {0.2 * GAMMA[settings.activation]:g} ({low}) and {sat.linear_share:.0%} "
            f"above {0.9 * GAMMA[settings.activation]:g} ({high}). ")
    if settings.activation == "relu":
        text += ("ReLU's slope is exactly 1 on an active unit and 0 on an inactive one, so it never saturates: "
                 "the units that stay active pass W_hh's factor on untouched. ")
        if settings.init == "identity" and settings.radius is not None:
            return text + (f"With W_hh = identity × {fmt(radius)} that is a factor of about {fmt(radius)} per step, "
                           f"{fmt(radius)}^{T - 1} = {fmt(radius ** (T - 1))} in all: below 1 it vanishes, above 1 it "
                           "explodes, exponentially both ways.")
        return text + ("With this W_hh, which units are active changes from step to step, and so does the "
                       "product: the radius alone does not set the factor.")
    if settings.activation == "tanh" and radius > 1:
        rest = ("What growth is left happens mostly over the first steps, while the state is still small. "
                if m.ratio > 1 else "Here they cancel all of it: the gradient still vanishes. ")
        return text + (f"A radius of {fmt(radius)} would multiply the gradient by {fmt(radius)} per step "
                       f"({fmt(radius)}^{T - 1} = {fmt(radius ** (T - 1))} in all) only if the state stayed near 0, "
                       "where tanh′ ≈ 1. It does not: W_hh amplifies the state until units saturate, tanh′ = "
                       "1 − h² falls towards 0 there, and the small slopes cancel most of the growth. " + rest +
                       "A tanh RNN explodes only as long as its state stays in the linear regime; ReLU has no "
                       "saturation: try the **Exploding** preset.")
    return text


def lstm_text(m, gains, settings: GradientSettings) -> str:
    """The LSTM's measured cell-state gradient against ∏ f, and the whole step Jacobian's gain."""
    T = settings.length
    c_ratio = safe_ratio(m.cell_grad_norms[0], m.cell_grad_norms[-1])
    path = cell_state_path(m.forget_gates)
    text = (f"**Measured here** (forget-gate bias {settings.forget_bias:g}, mean f = {np.mean(m.forget_gates):.2f}): "
            f"the cell-state path alone would carry ∏ f = **{fmt(path)}** of ‖∂L/∂c_{T - 1}‖ back to c_0; the "
            f"backward pass delivers ‖∂L/∂c_0‖/‖∂L/∂c_{T - 1}‖ = **{fmt(c_ratio)}**. ")
    if gains:
        text += ("The spectral radius of the whole step Jacobian ∂(h_t, c_t)/∂(h_(t−1), c_(t−1)), the real gain "
                 "per step, on the first sequence: " + "; ".join(
                     f"step {g.step}: **{fmt(g.spectral_radius)}** (largest f {g.max_forget:.2f}, mean |c| "
                     f"{g.mean_abs_cell:.2f})" for g in gains) + ". ")
    if math.isfinite(c_ratio) and c_ratio > 10 * path:
        text += f"The routes through h_(t−1) and the gates bring {fmt(c_ratio / path)} times what ∏ f alone would. "
    above = [g for g in gains if g.spectral_radius > 1]
    if above:
        top = max(gains, key=lambda g: g.spectral_radius)
        text += (f"Every f_t is below 1, yet the gain per step reaches {fmt(top.spectral_radius)} (step {top.step})"
                 + (", highest where the cell state is still smallest (tanh′(c) ≈ 1 lets the most through h)"
                    if top.mean_abs_cell == min(g.mean_abs_cell for g in gains) else "")
                 + ": where it is above 1, the gradient grows as it goes back. ")
    if math.isfinite(c_ratio) and c_ratio >= 0.1:
        text += ("So a large forget-gate bias keeps the gradient at initialisation, but through untrained gates: "
                 "an open path, not yet a memory.")
    elif math.isfinite(c_ratio) and c_ratio < 1e-3:
        text += "Still, with these forget gates the gradient vanishes: each step loses more than the gates bring back."
    return text


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
               "and on the slopes act′(a_t) it meets."))
        st.markdown(slope_text(report.measurements["rnn"], settings, w.spectral_radius))
        left, right = st.columns(2)
        with left:
            chart(jacobian_figure(report), JACOBIAN_CAPTION, key="gradients.jacobian_chart")
        with right:
            chart(eigenvalue_figure(w.eigenvalues, w.max_singular_value), EIGEN_CAPTION, key="gradients.eigen_chart")

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
        chart(forget_gate_figure(report.measurements["lstm"]), FORGET_CAPTION, key="gradients.forget_chart")


# --- 4. the honest comparison ----------------------------------------------------------------------------

st.subheader("4. Do gates save the gradient? At initialisation, and after training")
st.markdown(
    "**At initialisation, gates do not save the gradient by themselves.** A forget gate of σ(1) ≈ 0.73 multiplies "
    "the gradient by 0.73 at every step, which after 99 steps is 0.73⁹⁹ ≈ 10⁻¹⁴: an LSTM with the usual forget-gate "
    "bias of 1 loses its gradient about as fast as a tanh RNN whose W_hh has σ_max = 0.9 (bound 0.9⁹⁹ ≈ 3·10⁻⁵). "
    "**With a forget-gate bias of 3**, f ≈ 0.95 and the gradient reaching step 0 is a sizeable share of the last "
    "step's (section 3 says why it is even more than 0.95⁹⁹). **The GRU starts worst of all**: its update gate "
    "z_t is the share of h_(t−1) a step keeps (h_t = (1 − z_t) ⊙ n_t + z_t ⊙ h_(t−1)), and PyTorch gives it no "
    "bias, so z ≈ σ(0) = 0.5: each step keeps half the old state, 0.5⁹⁹ ≈ 10⁻³⁰ along that path (the candidate "
    "path n_t adds a little). Give its update gate a bias of 3 and it keeps the gradient like the LSTM with bias 3. "
    "**After training**, the gated cells that have found the task have *learned* to hold their gates open where it "
    "needs memory, and their gradients reach far further back than the trained RNN's (section 5).")
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
         "using the page), in batches of 32 sequences. With the defaults (T = 100, 500 steps) that takes about 4 s "
         "for the RNN, 4 s for the LSTM and 10 s for the GRU on a free 2-core machine (the GRU is two to three "
         "times as slow per step at this size), and longer on a busy one; the budget is in steps, so the result "
         "is the same however long it takes.")
t1, t2, t3 = st.columns(3)
steps = t1.select_slider("Training steps", (50, 100, 200, 300, 500, 1000), key="gradients.train_steps")
lr = t2.select_slider("Learning rate", (1e-3, 3e-3, 1e-2), key="gradients.train_lr",
                      format_func=lambda v: f"{v:g}")
train_clip = t3.select_slider("Gradient clipping", (0.0, 1.0, 5.0), key="gradients.train_clip",
                              format_func=lambda v: "off" if v == 0 else f"{v:g}")


def launch_training(settings: GradientSettings, watch: WatchSettings) -> None:
    check_trainable(settings)   # a setting the box cannot train is said at once, before any job starts
    def train(stop, report):   # progress and gradient snapshots go through one stream (replays play both)
        runs = {}
        for index, cell in enumerate(settings.cells):
            if stop.is_set():
                break
            runs[cell] = train_and_watch(settings, cell, watch, on_snapshot=lambda s, c=cell: report((c, s)),
                                         stop=stop, on_progress=lambda p, c=cell, i=index: report(
                                             WatchProgress(c, i, len(settings.cells), p)))
        return runs

    def relay(job, event):
        if isinstance(event, tuple):
            job.live[event[0]].append(event[1])
        else:
            job.report(event)

    def deliver(runs, job):
        if not runs:
            raise RNNLabError("Training was stopped before it began.")
        return {"runs": runs, "report": trained_report(runs, settings), "settings": settings}

    def prepare(job):
        job.live = {cell: [] for cell in settings.cells}

    key = run_key("gradients", None, (settings, watch), seed=settings.seed, steps=watch.steps) \
        if watch.seconds is None else None
    start_shared_job(TRAIN_JOB, f"Gradients: training {', '.join(c.upper() for c in settings.cells)}", key, train,
                     deliver, relay=relay, prepare=prepare,
                     cacheable=lambda runs: len(runs) == len(settings.cells) and ended_by_steps(
                         *(run.result for run in runs.values())))


train_job, _ = run_controls(
    TRAIN_JOB, lambda: launch_training(settings, page_watch(st.session_state)),
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
                     "test MSE (always answering 1: 0.167)": fmt(run.result.metrics.get("val_mse", math.nan)),
                     "ratio at initialisation": fmt(run.snapshots[0].ratio), "ratio after training": fmt(ratio),
                     "times the trained RNN's": fmt(ratio / rnn_ratio) if rnn_ratio else "—"})
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.caption("How to read it: a test MSE far below 0.167 means the cell found the two marked numbers, and then "
               "its ratio has jumped by many orders of magnitude: it learned to hold its gates open, and the "
               "gradient now reaches step 0. An MSE still near 0.167 means it has not found them yet. With the "
               "defaults (T = 100, 500 steps at 0.01, seeds 0 to 2) the GRU finds them (MSE below 0.01; its ratio "
               "goes from about 1e-20 to above 0.01); the tanh RNN and the LSTM with a forget-gate bias of 1 stay "
               "on the plateau near 0.17, yet the gated cells' gradients reach back more than a thousand times "
               "further than the trained RNN's. The LSTM is the slower of the two gated cells to leave that "
               "plateau at this batch size; the Compare page trains it with batches of 128 for up to 2,000 steps.")
    chart(gradient_norms_figure(trained, title="Trained networks", show_bound=False), TRAINED_CAPTION,
          key="gradients.trained_chart")
    for run in result["runs"].values():
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
                st.write(f"{label}: largest gradient norm (before clipping) {fmt(max(r['grad_norm'] for r in h))}, "
                         f"mean loss over the last 20 steps {fmt(sum(tail) / len(tail))}. {run.result.message}")
    if not job.active and st.session_state.get("gradients.seen_clip") != job.id:
        st.session_state["gradients.seen_clip"] = job.id
        st.rerun()


clipping_view()
