"""Claim tests for the Vanishing gradients page: every outcome sentence, on the page's defaults, seeds 0–4.

The page's settings start from ``rnn_core.gradients.measure.PAGE_DEFAULTS`` and
``rnn_core.gradients.training.PAGE_WATCH`` (its widgets' defaults are read from there), so a claim is checked on
what the page really computes. The workshop step's settings come from ``rnn_core.workshop.STEPS``.
Trainings are the page's section 5 defaults (500 steps at T = 100, three cells): about 15 s of one core per seed,
run once per seed and shared by the training claims; and the page's "LSTM alone, 3,000 steps" button: about 15 s
of one core per seed.
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import pytest

from rnn_core.gradients.training import (CLIP_DEMO_STEPS, EXPLODING, LONG_LSTM_STEPS, PAGE_WATCH, clipping_demo,
                                        plateau_exit, train_and_watch, trained_report, watch_settings)
from rnn_core.gradients.measure import (PAGE_DEFAULTS, build_network, cell_state_path, gradient_norms_through_time,
                                        make_inputs, measure, per_step_factor, saturation, situations_at_init)
from rnn_core.workshop import STEPS

SEEDS = (0, 1, 2, 3, 4)
RATIO = "ratio ‖∂L/∂h_0‖/‖∂L/∂h_T−1‖"


def page(seed: int, **changes):
    """The page's experiment with these changes (GradientSettings fields) over its defaults."""
    return replace(PAGE_DEFAULTS, seed=seed, **changes)


def workshop_state() -> dict:
    """The workshop step's settings (the page's session-state keys; the others are the page's defaults, which
    tests/test_workshop.py checks)."""
    return next(s for s in STEPS if s.page == "pages/gradients.py").settings


def workshop(seed: int, radius: float, **changes):
    """The workshop step's experiment: the page's defaults with the step's activation and initialisation."""
    state = workshop_state()
    return replace(PAGE_DEFAULTS, **{"activation": state["gradients.activation"], "init": state["gradients.init"],
                                     "seed": seed, "radius": radius, **changes})


def rnn(settings):
    report = measure(replace(settings, cells=("rnn",)))
    return report, report.measurements["rnn"]


# --- intro and section 2: the vanilla RNN -------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_below_one_the_gradient_must_vanish(seed):
    """'γ·σ_max = 0.9: below 1, the gradient must vanish.' (the defaults)"""
    report, m = rnn(page(seed))
    sigma = report.spectra["rnn"]["W_hh"].max_singular_value
    assert sigma == pytest.approx(0.9, rel=1e-4)
    assert m.ratio <= 0.9 ** 99 and m.ratio < 1e-5
    assert per_step_factor(m.ratio, 100) < 0.9


@pytest.mark.parametrize("seed", SEEDS)
def test_a_radius_above_one_drives_a_tanh_rnns_state_out_of_the_middle_instead_of_exploding_its_gradient(seed):
    """'a spectral radius above 1 mostly drives a tanh RNN's state out of that middle instead of exploding its
    gradient'; 'The slopes cut the factor per step from R to the … measured'; 'That is below 1: the gradient
    still vanishes' (1.1)."""
    slopes = {}
    for radius in (0.9, 1.1, 1.3, 1.5):
        _, m = rnn(page(seed, radius=radius))
        sat = saturation(m, "tanh")
        slopes[radius] = sat.mean_slope
        if radius > 1:
            assert m.ratio < 1e-3 * radius ** 99            # nowhere near the linear-regime growth
    assert slopes[0.9] > slopes[1.1] > slopes[1.3] > slopes[1.5]      # the state leaves the middle more and more
    assert rnn(page(seed, radius=1.1))[1].ratio < 1
    assert rnn(page(seed, radius=1.5))[1].ratio < 1e4      # the Saturation preset: 1.5^99 would be 2.6e17


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("radius", (1.3, 1.5))
def test_what_growth_is_left_happens_over_the_first_steps_while_the_state_is_small(seed, radius):
    """'What growth is left happens mostly over the first steps, while the state is still small.'"""
    _, m = rnn(page(seed, radius=radius))
    g = m.grad_norms
    assert m.ratio > 1
    early = (g[0] / g[20]) ** (1 / 20)
    late = (g[20] / g[99]) ** (1 / 79)
    assert early > late
    h = np.tanh(m.pre_activations.numpy())
    assert np.abs(h[:10]).mean() < np.abs(h[40:]).mean()


# --- the workshop step and the Exploding preset: ReLU, W_hh = identity × radius --------------------------------

@pytest.mark.parametrize("seed", SEEDS)
def test_workshop_below_one_the_gradient_vanishes_exponentially_above_one_it_explodes(seed):
    """Workshop: 'Below 1 the gradient vanishes exponentially; above 1 it explodes.' and the page's ReLU text:
    'a factor of about R per step, R^(T−1) in all: below 1 it vanishes, above 1 it explodes, exponentially'."""
    state = workshop_state()
    assert state["gradients.activation"] == "relu" and state["gradients.init"] == "identity"
    ratios = {}
    for radius in (0.9, state["gradients.radius"], 1.1, 1.2):
        _, m = rnn(workshop(seed, radius))
        g = np.log(np.asarray(m.grad_norms))
        ratios[radius] = m.ratio
        assert per_step_factor(m.ratio, 100) == pytest.approx(radius, rel=0.02)
        # exponential: the same factor per step in the first and in the second half of the way back
        first, second = (g[50] - g[0]) / 50, (g[99] - g[50]) / 49
        assert first == pytest.approx(second, abs=0.02)     # within 2 % per step (seed 3: 1.111 vs 1.124)
    assert 1e-5 < ratios[0.9] < 1e-4              # 'below 1 (0.9: about 2·10⁻⁵ reaches step 0)'
    assert 0.1 < ratios[1.0] < 10                 # 'At 1 the RNN's line is flat'
    assert ratios[1.1] > 1e3 and 1e7 < ratios[1.2] < 1e8   # 'above 1 it explodes (1.2: about 5·10⁷)'


@pytest.mark.parametrize("seed", SEEDS)
def test_workshop_the_gated_cells_do_not_follow_the_slider_and_vanish_at_initialisation(seed):
    """Workshop: 'The LSTM and GRU lines do not move with the slider (it shapes the RNN's W_hh only); at
    initialisation their gradients vanish too, the GRU's most.'"""
    low, high = (measure(workshop(seed, r)) for r in (0.9, 1.2))
    for cell in ("lstm", "gru"):
        assert low.measurements[cell].grad_norms == high.measurements[cell].grad_norms
        assert low.measurements[cell].ratio < 1e-4
    assert low.measurements["gru"].ratio < low.measurements["lstm"].ratio


@pytest.mark.parametrize("seed", range(5))
def test_workshop_with_tanh_at_1_2_the_slopes_average_about_a_half_and_almost_none_is_saturated(seed):
    """Workshop: 'the state grows out of tanh's linear middle, where the slopes tanh′ = 1 − h² are smaller (at 1.2
    they average about 0.5, though almost none is saturated), and they damp each step more than W_hh amplifies
    it'; the page's text for it: '… here they average 0.48, though almost none is saturated (below 0.2). The slopes
    cut the factor per step from 1.2 to the 0.893 measured. That is below 1: the gradient still vanishes.'
    Measured 2026-12, seeds 0–4: mean slope 0.48–0.52, saturated 0 %, in the linear middle (above 0.9) 4–6 %."""
    from rnn_core.gradients.explain import slope_text
    settings = workshop(seed, 1.2, activation="tanh")
    _, m = rnn(settings)
    sat = saturation(m, "tanh")
    assert 0.4 < sat.mean_slope < 0.6
    assert sat.saturated_share < 0.02 and sat.linear_share < 0.2      # out of the middle, yet not saturated
    assert sat.mean_slope * 1.2 < 0.8 and m.ratio < 1e-2
    text = slope_text(m, settings, 1.2)
    assert "almost none is saturated" in text and "the gradient still vanishes" in text
    assert "units saturate" not in text


@pytest.mark.parametrize("seed", SEEDS)
def test_workshop_with_tanh_the_same_radius_makes_the_gradient_vanish(seed):
    """Workshop: 'With tanh, above 1 the gradient shrinks instead: … the slopes tanh′ = 1 − h² … damp each step more
    than W_hh amplifies it'."""
    for radius in (1.1, 1.2, 1.3, 1.5):
        _, m = rnn(workshop(seed, radius, activation="tanh"))
        assert m.ratio < (1 if radius < 1.2 else 1e-2)   # shrinks: a hundredfold or more from 1.2 (seed 4: 1.6e-3)
        assert rnn(workshop(seed, radius))[1].ratio > 1e3
        assert saturation(m, "tanh").mean_slope * radius < 1


# --- section 3: the LSTM ---------------------------------------------------------------------------------------

def lstm(settings):
    report = measure(replace(settings, cells=("lstm",)))
    return report, report.measurements["lstm"]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("bias", (1.0, 3.0))
def test_the_routes_through_h_and_the_gates_bring_more_than_the_cell_state_path(seed, bias):
    """'The routes through h_(t−1) and the gates bring N times what ∏ f alone would.'"""
    _, m = lstm(page(seed, forget_bias=bias))
    c_ratio = m.cell_grad_norms[0] / m.cell_grad_norms[-1]
    assert c_ratio > 10 * cell_state_path(m.forget_gates)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("length", (100, 500))
def test_with_a_forget_bias_of_3_the_gain_per_step_exceeds_1_where_the_cell_state_is_small(seed, length):
    """'Every f_t is below 1, yet the gain per step reaches 1.08 (step 1), highest where the cell state is still
    smallest: where it is above 1, the gradient grows as it goes back.' and 'So a large forget-gate bias keeps
    the gradient at initialisation' (the LSTM forget bias 3 preset; T = 500 is where the issue saw 3.18)."""
    report, m = lstm(page(seed, forget_bias=3.0, length=length))
    gains = report.loop_gains
    assert all(g.max_forget < 1 for g in gains)
    top = max(gains, key=lambda g: g.spectral_radius)
    assert top.spectral_radius > 1
    assert top.mean_abs_cell == min(g.mean_abs_cell for g in gains)
    c = m.cell_grad_norms
    assert c[0] > c[20]                  # over the first steps, where the gain is above 1, it grew going back
    assert m.ratio >= 0.1


@pytest.mark.parametrize("seed", SEEDS)
def test_with_the_default_forget_bias_the_lstm_gradient_still_vanishes(seed):
    """'Still, with these forget gates the gradient vanishes: each step loses more than the gates bring back.'"""
    report, m = lstm(page(seed))
    assert all(g.spectral_radius < 1 for g in report.loop_gains)
    assert m.cell_grad_norms[0] / m.cell_grad_norms[-1] < 1e-3 and m.ratio < 1e-4


# --- section 4: the table at initialisation ---------------------------------------------------------------------

@pytest.fixture(scope="module", params=SEEDS)
def situations(request):
    rows = situations_at_init(100, 64, PAGE_DEFAULTS.inputs, request.param)
    return {r["network"].split(" (")[0]: r[RATIO] for r in rows}


@pytest.mark.parametrize("seed", range(5))
def test_at_initialisation_the_bias_1_lstm_and_the_tanh_rnn_keep_shares_of_the_same_order(seed):
    """'the share that reaches step 0 of an LSTM with the usual forget-gate bias of 1 and of a tanh RNN whose W_hh
    has σ_max = 0.9 are both between 10⁻⁸ and 10⁻⁶, the LSTM's 0.1 to 1.4 times the RNN's (seeds 0 to 4)';
    'the routes through h_(t−1) and the gates bring back more' (than 0.73⁹⁹); 'The RNN stays far under its bound
    0.9⁹⁹ ≈ 3·10⁻⁵'. Measured 2026-12: RNN 0.9–1.7·10⁻⁷, LSTM 1.8·10⁻⁸–1.4·10⁻⁷, LSTM/RNN 0.11–1.4."""
    rows = situations_at_init(100, 64, PAGE_DEFAULTS.inputs, seed)
    found = {r["network"].split(" (")[0]: r[RATIO] for r in rows}
    rnn_, lstm_ = found["RNN, tanh, σ_max(W_hh) = 0.9"], found["LSTM, forget-gate bias 1"]
    for value in (rnn_, lstm_):
        assert 1e-8 * 1.2 < value < 1e-6 / 1.2
    assert 0.09 < lstm_ / rnn_ < 1.6
    assert lstm_ > 1e3 * 0.73 ** 99
    assert rnn_ < 0.9 ** 99 / 10


def test_the_quoted_range_of_lstm_to_rnn_shares_is_what_seeds_0_to_4_give():
    """'the LSTM's 0.1 to 1.4 times the RNN's (seeds 0 to 4)': the ends of the range are measured, not rounded away."""
    shares = []
    for seed in range(5):
        found = {r["network"].split(" (")[0]: r[RATIO] for r in situations_at_init(100, 64, PAGE_DEFAULTS.inputs, seed)}
        shares.append(found["LSTM, forget-gate bias 1"] / found["RNN, tanh, σ_max(W_hh) = 0.9"])
    assert 0.09 < min(shares) < 0.15 and 1.2 < max(shares) < 1.6


def test_with_bias_3_a_sizeable_share_reaches_step_0_more_than_095_to_the_99(situations):
    """'With a forget-gate bias of 3, f ≈ 0.95 and the gradient reaching step 0 is a sizeable share of the last
    step's (… even more than 0.95⁹⁹)'"""
    assert situations["LSTM, forget-gate bias 3"] > max(0.1, 0.95 ** 99)


def test_the_gru_starts_worst_of_all_and_an_update_bias_of_3_rescues_it(situations):
    """'The GRU starts worst of all … z ≈ σ(0) = 0.5 … 0.5⁹⁹ ≈ 10⁻³⁰ along that path (the candidate path n_t adds
    a little). Give its update gate a bias of 3 and it keeps the gradient like the LSTM with bias 3.'"""
    gru = situations["GRU, PyTorch's default"]
    others = [v for k, v in situations.items() if not k.startswith("GRU")]
    assert gru < min(others)
    assert 0.5 ** 99 < gru < 1e-15
    rescued = situations["GRU, update-gate bias 3"]
    assert rescued > 1e-3 and 0.01 < rescued / situations["LSTM, forget-gate bias 3"] < 100


@pytest.mark.parametrize("seed", SEEDS)
def test_the_gru_update_gate_starts_near_one_half(seed):
    """'PyTorch gives it no bias, so z ≈ σ(0) = 0.5: each step keeps half the old state'"""
    m = measure(page(seed)).measurements["gru"]
    assert abs(float(np.mean(m.update_gates)) - 0.5) < 0.02


# --- section 5: training (the page's defaults) -------------------------------------------------------------------

@pytest.fixture(scope="module", params=SEEDS)
def trained(request):
    settings = page(request.param)
    watch = PAGE_WATCH
    runs = {cell: train_and_watch(settings, cell, watch) for cell in settings.cells}
    return runs, trained_report(runs, settings)


def test_after_training_the_gru_has_found_the_numbers_and_its_ratio_jumped(trained):
    """'With the defaults (T = 100, 500 steps at 0.01, seeds 0 to 2) the GRU finds them (MSE below 0.01; its
    ratio goes from about 1e-20 to above 0.01)'; 'a test MSE far below 0.167 means the cell found the two marked
    numbers, and then its ratio has jumped by many orders of magnitude'."""
    runs, report = trained
    gru = runs["gru"]
    assert gru.result.steps == PAGE_WATCH.steps
    assert gru.result.metrics["val_mse"] < 0.01
    assert gru.snapshots[0].ratio < 1e-15 and report.measurements["gru"].ratio > 0.01


def test_after_training_the_rnn_and_the_bias_1_lstm_stay_on_the_plateau(trained):
    """'after 500 steps the tanh RNN and the LSTM with a forget-gate bias of 1 are still on the plateau near 0.17'"""
    runs, _ = trained
    for cell in ("rnn", "lstm"):
        assert 0.15 < runs[cell].result.metrics["val_mse"] < 0.2
        assert plateau_exit(runs[cell].result.history) is None


def test_the_gru_leaves_the_plateau_around_step_300(trained):
    """'it leaves the plateau around step 300'. Measured 2026-12, seeds 0–4: steps 281–321 (plain and
    ATEN_CPU_CAPABILITY=default)."""
    runs, _ = trained
    assert 200 <= plateau_exit(runs["gru"].result.history) <= 420


# --- section 5: the LSTM needs longer (the page's "LSTM alone, 3,000 steps" button) ------------------------------

@pytest.fixture(scope="module")
def long_lstm():
    """The button's training on seeds 0–4: the page's defaults with cells = LSTM and 3,000 steps."""
    watch = watch_settings(LONG_LSTM_STEPS, PAGE_WATCH.lr, PAGE_WATCH.clip)
    runs = {}
    for seed in SEEDS:
        settings = page(seed, cells=("lstm",))
        run = train_and_watch(settings, "lstm", watch)
        runs[seed] = (run, trained_report({"lstm": run}, settings).measurements["lstm"].ratio)
    print("LSTM alone, 3,000 steps:", {seed: (plateau_exit(run.result.history), round(run.result.metrics["val_mse"], 4),
                                              f"{ratio:.2g}") for seed, (run, ratio) in runs.items()})
    return runs


def test_the_bias_1_lstm_leaves_the_plateau_between_about_step_950_and_2200(long_lstm):
    """'The LSTM is not stuck there, only slower: at this batch size and learning rate it leaves the plateau
    between about step 950 and step 2,200 (seeds 0 to 4), later than 500 steps can show.' Measured 2026-12: steps
    948, 1169, 1558, 1761, 2174 (seeds 1, 3, 4, 2, 0). The button's schedule (cosine over 3,000 steps) is slower to
    decay than the default's, so this is the step under the button, which is where the learner meets it."""
    exits = [plateau_exit(run.result.history) for run, _ in long_lstm.values()]
    assert all(e is not None and 700 < e < LONG_LSTM_STEPS - 400 for e in exits), exits   # a margin of 400 steps
    assert min(exits) < 1250 and max(exits) > 1800, exits        # the quoted ends, not a narrower range


def test_with_3000_steps_the_bias_1_lstm_finds_the_numbers_and_its_ratio_jumps(long_lstm):
    """'on every seed 0 to 4 it then finds the numbers too (MSE below 0.005), and its ratio, near 1e-10 on the plateau,
    jumps to above 0.01, as the GRU's did.' Measured 2026-12: MSE 0.0004–0.0014, ratio 0.032–0.087."""
    for seed, (run, ratio) in long_lstm.items():
        assert run.result.steps == LONG_LSTM_STEPS
        assert run.result.metrics["val_mse"] < 0.005 / 2, seed
        assert ratio > 0.01 * 2, (seed, ratio)


def test_after_training_the_gru_reaches_step_0_and_the_lstm_on_the_plateau_stays_near_1e_10(trained):
    """'its ratio goes from about 1e-20 to above 0.1: the gradient reaches step 0 almost undimmed'; 'There the
    LSTM's ratio stays near 1e-10 on every seed'; section 4: 'the gated cells that have found the task … their
    gradients reach far further back than the trained RNN's'. Measured under ATEN_CPU_CAPABILITY=avx512, avx2 and
    default, seeds 0–4: GRU 0.125–1.38, LSTM 1.3e-10 – 3.9e-10 (the same on every kernel family), RNN 1e-60 – 4e-3."""
    _, report = trained
    ratio = {cell: report.measurements[cell].ratio for cell in ("rnn", "lstm", "gru")}
    assert ratio["gru"] > 0.05                        # above 0.1 measured everywhere; a margin of two
    assert 1e-11 < ratio["lstm"] < 1e-8               # "near 1e-10"
    assert ratio["gru"] > 10 * ratio["rnn"]           # far further back than the RNN's (81 x on the closest seed)


def test_a_trained_rnns_ratio_swings_by_dozens_of_orders_of_magnitude_between_seeds():
    """'the RNN's depends on the seed, and even on the CPU's rounding, by dozens of orders of magnitude'."""
    ratios = []
    for seed in SEEDS:
        settings = page(seed)
        run = train_and_watch(settings, "rnn", PAGE_WATCH)
        ratios.append(trained_report({"rnn": run}, replace(settings, cells=("rnn",))).measurements["rnn"].ratio)
    assert max(ratios) / min(ratios) > 1e10, ratios     # 1e-23 .. 4e-3 here (avx512), 1e-60 .. 7e-16 (default)


def test_the_gru_that_found_the_task_learned_to_hold_its_gate_open(trained):
    """'it learned to hold its gates open, and the gradient now reaches step 0' (the GRU's update gate z, the
    share of the old state each step keeps, is larger after training than the 0.5 it starts at)."""
    runs, _ = trained
    settings = page(0)
    x, y = make_inputs(replace(settings, inputs="adding"))
    before = gradient_norms_through_time(build_network(replace(settings, inputs="adding"), "gru"), x, y)
    assert float(np.mean(runs["gru"].final.update_gates)) > float(np.mean(before.update_gates)) + 0.1


# --- section 6: exploding gradients and clipping -----------------------------------------------------------------

@pytest.fixture(scope="module", params=SEEDS)
def clipping(request):
    return clipping_demo(replace(EXPLODING, seed=request.param))


def test_in_its_first_steps_the_gradient_norm_reaches_1e8(clipping):
    """'in its first steps its gradient's norm reaches 10⁸ or more, where a sane update needs about 1'"""
    for run in clipping:
        assert max(r["grad_norm"] for r in run.history[:5]) > 1e8


def test_without_clipping_adam_stalls_and_with_clipping_the_loss_comes_down(clipping):
    """'at the end of its 150 steps the unclipped run's loss is still several times the clipped run's. Clipping
    keeps every gradient to a sane size, and the clipped run's loss comes down to about that of always answering
    1 (0.167)'"""
    unclipped, clipped = clipping
    assert len(unclipped.history) == len(clipped.history) == CLIP_DEMO_STEPS

    def tail(run):
        return sum(r["train_loss"] for r in run.history[-20:]) / 20

    assert tail(unclipped) > 2 * tail(clipped)
    assert 0.1 < tail(clipped) < 0.25
    assert not math.isnan(clipped.history[-1]["train_loss"])
