"""What the Vanishing gradients page says about a measurement, in words and tables, computed from the numbers.

The sentences follow the measurement: the page says what the slopes did to the RNN's gradient (saturation),
what the LSTM's cell-state path and its whole step Jacobian carry, and, after training, which cell found the
adding problem. Their claims are proved in tests/claims/test_gradients.py.
"""

from __future__ import annotations

import math

import numpy as np

from rnn_core.gradients.training import plateau_exit
from rnn_core.gradients.measure import (GAMMA, GradientReport, GradientSettings, LoopGain, Measurement,
                                        cell_state_path, per_step_factor, safe_ratio, saturation)


def fmt(value: float) -> str:
    """A number in three significant digits, ∞ and NaN said as such."""
    return "NaN" if math.isnan(value) else ("∞" if math.isinf(value) else f"{value:.3g}")


def slope_text(m: Measurement, settings: GradientSettings, radius: float) -> str:
    """What the measured slopes did to the RNN's gradient, in the numbers the page shows."""
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
                if m.ratio > 1 else "That is below 1: the gradient still vanishes. ")
        saturated = (f", and {sat.saturated_share:.0%} of them are saturated (below 0.2)"
                     if sat.saturated_share >= 0.05 else ", though almost none is saturated (below 0.2)")
        return text + (f"A radius of {fmt(radius)} would multiply the gradient by {fmt(radius)} per step "
                       f"({fmt(radius)}^{T - 1} = {fmt(radius ** (T - 1))} in all) only if the state stayed near 0, "
                       "where tanh′ ≈ 1. It does not: W_hh amplifies the state until it leaves tanh's linear "
                       f"middle, and there the slopes tanh′ = 1 − h² are smaller: here they average "
                       f"{fmt(sat.mean_slope)}{saturated}. The slopes cut the factor per step from {fmt(radius)} to "
                       f"the {fmt(factor)} measured. " + rest +
                       "A tanh RNN explodes only as long as its state stays in the linear middle; ReLU's slope does "
                       "not shrink with the state: try the **Exploding** preset.")
    return text


def lstm_text(m: Measurement, gains: list[LoopGain], settings: GradientSettings) -> str:
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


def situations_table(rows: list[dict]) -> list[dict]:
    """:func:`~rnn_core.gradients.measure.situations_at_init`'s rows with their numbers written out."""
    return [{k: v if k == "network" else fmt(v) for k, v in row.items()} for row in rows]


def trained_rows(runs: dict, report: GradientReport) -> list[dict]:
    """One row per trained cell: its test error on the adding problem, the step it left the plateau (the training
    loss, averaged over 20 steps, below 0.05; :func:`~rnn_core.gradients.training.plateau_exit`), and its gradient
    ratio before and after."""
    rnn_ratio = report.measurements["rnn"].ratio if "rnn" in report.measurements else None
    rows = []
    for cell, run in runs.items():
        ratio = report.measurements[cell].ratio
        rows.append({"cell": cell.upper(), "steps": run.result.steps,
                     "test MSE (always answering 1: 0.167)": fmt(run.result.metrics.get("val_mse", math.nan)),
                     "left the plateau at step": plateau_exit(run.result.history) or "not yet",
                     "ratio at initialisation": fmt(run.snapshots[0].ratio), "ratio after training": fmt(ratio),
                     "times the trained RNN's": fmt(ratio / rnn_ratio) if rnn_ratio else "—"})
    return rows


def clipping_lines(runs: list) -> list[str]:
    """For each run of the clipping demo: its largest gradient norm and its loss at the end, in a sentence."""
    lines = []
    for run in runs:
        h = run.history
        if h:
            label = "Without clipping" if not run.clip else "With clipping"
            tail = [r["train_loss"] for r in h[-20:]]
            lines.append(f"{label}: largest gradient norm (before clipping) {fmt(max(r['grad_norm'] for r in h))}, "
                         f"mean loss over the last 20 steps {fmt(sum(tail) / len(tail))}. {run.result.message}")
    return lines
