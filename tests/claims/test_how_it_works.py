"""Claim tests of *How an RNN works*: every sentence of the page and of its workshop steps that predicts an
outcome, checked on the page's defaults (``PAGE_DEFAULTS``, the values its widgets start with) and on the
workshop steps' own settings, with seeds 0, 1 and 2.

Each test quotes the sentence it proves. Where the sentence is the page's own text, the test also checks that
the text still says it, so a reworded caption cannot drift away from its proof unnoticed.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest

from rnn_core.stepthrough.figures import (BACKWARD_CAPTION, BACKWARD_STRIP_CAPTION, BPTT_CAPTION, CELL_STATE_CAPTION,
                                          FORWARD_CAPTION, GATES_CAPTION, PROBS_CAPTION, PRODUCT_CAPTION, SUM_CAPTION)
from rnn_core.stepthrough.recording import PAGE_DEFAULTS, autograd_gradients, step_through
from rnn_core.workshop import STEPS

SEEDS = (0, 1, 2)
CELLS = ("rnn", "lstm", "gru")
HOW_STEPS = [s for s in STEPS if s.page == "pages/how_it_works.py"]
FORWARD_STEP, BACKWARD_STEP, TRAINED_STEP = HOW_STEPS   # "One step forward", "Backwards through time", "Train it"


def from_settings(settings: dict) -> dict:
    """A workshop step's session-state settings (``how.*``) as arguments of step_through."""
    return {"word": settings["how.word"], "cell": settings["how.cell"], "hidden_size": settings["how.hidden"],
            "seed": settings["how.seed"], "train_steps": settings["how.train"]}


@lru_cache(maxsize=None)
def _walk(word, cell, hidden_size, seed, train_steps):
    return step_through(word, cell, hidden_size, seed, train_steps)


def walk(base: dict | None = None, **changes):
    args = {**(base or PAGE_DEFAULTS), **changes}
    return _walk(args["word"], args["cell"], args["hidden_size"], args["seed"], args["train_steps"])


def says(text: str, *fragments: str) -> None:
    for fragment in fragments:
        assert fragment in text, f"the page no longer says {fragment!r}"


# --- forward: one step at a time ------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cell", CELLS)
def test_w_xh_times_x_picks_one_column(cell, seed):
    """"a one-hot x_t has a single 1, so W_xh·x_t just picks one column of W_xh (outlined): each letter has its
    own column of weights" (and the workshop: "W_xh·x_t just picks one column of W_xh")."""
    says(PRODUCT_CAPTION, "W_xh·x_t just picks one column of W_xh")
    says(FORWARD_STEP.observe, "W_xh·x_t just picks one column of W_xh")
    run = walk(cell=cell, seed=seed)
    for f in run.forward:
        assert f.x.sum() == 1
        column = run.params["W_xh"][:, run.vocab.index(f.char)]
        np.testing.assert_array_equal(f.input_part, column)
    columns = {f.char: tuple(f.input_part) for f in run.forward}
    assert len(set(columns.values())) == len(columns)      # a different letter, a different column


@pytest.mark.parametrize("seed", SEEDS)
def test_the_parts_add_up_and_tanh_keeps_h_between_minus_one_and_one(seed):
    """"the three parts add up to the pre-activation a_t, and the activation squashes it into h_t (tanh keeps it
    between −1 and 1)"; workshop: "The hidden state stays between −1 and 1"."""
    says(SUM_CAPTION, "the three parts add up to the pre-activation a_t", "tanh keeps it between −1 and 1")
    says(FORWARD_STEP.observe, "The hidden state stays between −1 and 1")
    for base in (PAGE_DEFAULTS, from_settings(FORWARD_STEP.settings)):
        run = walk(base, seed=seed)
        for f in run.forward:
            np.testing.assert_allclose(f.input_part + f.recurrent_part + f.bias, f.pre_activation)
            np.testing.assert_allclose(np.tanh(f.pre_activation), f.h)
            assert np.all(np.abs(f.h) < 1)
    trained = walk(seed=seed, train_steps=300)            # even with large trained weights
    assert all(np.all(np.abs(f.h) < 1) for f in trained.forward)


@pytest.mark.parametrize("seed", SEEDS)
def test_untrained_each_step_loss_is_near_ln_4(seed):
    """Workshop: "Each step's loss is between about 0.9 and 1.8, around ln 4 ≈ 1.39, the cost of a uniform
    guess over e, h, l, o"; the loss metric's help: "a uniform guess over the 4 letters costs ln 4"."""
    run = walk(from_settings(FORWARD_STEP.settings), seed=seed)
    assert run.train_steps == 0 and run.vocab == ["e", "h", "l", "o"]
    losses = [f.loss for f in run.forward]
    assert all(0.9 <= loss <= 1.9 for loss in losses), losses
    assert abs(np.mean(losses) - math.log(4)) < 0.15, losses
    # a uniform guess costs exactly ln 4: the untrained network is not far from it, a trained one is
    assert walk(from_settings(FORWARD_STEP.settings), seed=seed, train_steps=100).loss < 0.25 * run.loss


@pytest.mark.parametrize("seed", SEEDS)
def test_the_loss_is_zero_for_a_sure_right_guess_and_large_for_a_confident_wrong_one(seed):
    """"The loss −log p(that letter) is 0 for a sure, right guess and large for a confident wrong one.\""""
    says(PROBS_CAPTION, "0 for a sure, right guess and large for a confident wrong one")
    trained = walk(seed=seed, train_steps=300)
    for f in trained.forward + walk(seed=seed).forward:
        np.testing.assert_allclose(f.loss, -np.log(f.probs[trained.vocab.index(f.target)]))
    sure = [f for f in trained.forward if f.probs[trained.vocab.index(f.target)] > 0.95]
    assert sure and all(f.loss < 0.06 for f in sure)
    # the same confident guesses, had the truth been any other letter: −log of a small probability
    for f in sure:
        wrong = [-np.log(p) for c, p in zip(trained.vocab, f.probs) if c != f.target]
        assert min(wrong) > 3, wrong


# --- backward: through time --------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cell", CELLS)
def test_the_number_under_h_is_its_own_error_plus_what_arrived(cell, seed):
    """Backward caption: "The red number under h_t is the size ‖∂L/∂h_t‖ of the whole error signal at h_t (the
    bar of the chart further down): its own letter's error plus what arrived from the right. The number on the
    arrow is the part it sends on to h_{t−1}"."""
    says(BACKWARD_CAPTION["rnn"], "its own letter's error plus what arrived from the right",
         "The number on the arrow is the part it sends on to h_{t−1}")
    run = walk(cell=cell, seed=seed)
    auto = autograd_gradients(run)
    for b in run.backward:
        np.testing.assert_allclose(b.dh, b.dh_from_output + b.dh_from_future)
        arrived = run.backward[b.t + 1].dh_prev if b.t + 1 < run.steps else np.zeros_like(b.dh)
        np.testing.assert_allclose(b.dh_from_future, arrived)
        np.testing.assert_allclose(b.dh, auto["dh"][b.t], atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_what_goes_back_is_smaller_than_what_arrived(seed):
    """"Multiplied by tanh′ = 1 − h_t² (never above 1) and then by W_hhᵀ, it goes on to the step before (last
    column), usually smaller than it arrived (with the default random weights, at every step)"; the diagram:
    "after tanh′ and W_hhᵀ, so it is smaller"."""
    says(BACKWARD_STRIP_CAPTION["rnn"], "never above 1", "with the default random weights, at every step")
    says(BACKWARD_CAPTION["rnn"], "so it is smaller")
    run = walk(seed=seed)
    for b in run.backward:
        f = run.forward[b.t]
        assert np.all(1 - f.h ** 2 <= 1)
        np.testing.assert_allclose(b.dh_prev, run.params["W_hh"].T @ ((1 - f.h ** 2) * b.dh))
        assert np.linalg.norm(b.dh_prev) < np.linalg.norm(b.dh), b.t


@pytest.mark.parametrize("seed", SEEDS)
def test_the_last_letters_error_shrinks_at_every_step_back(seed):
    """BPTT chart: "The dotted line follows the last letter's error alone as it travels back through tanh′ and
    W_hhᵀ: it falls at every step back"; workshop: "The dotted line (the last letter's error alone) shrinks at
    each step back: on everyone's screen (seed 0) it loses a factor of about 30 by step 1 (other seeds: 20 to
    130). That is the vanishing gradient, in four steps\"."""
    says(BPTT_CAPTION["rnn"], "it falls at every step back")
    run = walk(from_settings(BACKWARD_STEP.settings), seed=seed)
    norms = [b.last_loss_dh_norm for b in run.backward]           # t = 1 .. T
    assert all(earlier < later for earlier, later in zip(norms, norms[1:])), norms
    factor = norms[-1] / norms[0]
    assert 15 <= factor <= 150, factor
    if seed == BACKWARD_STEP.settings["how.seed"]:                  # what the whole room sees
        assert 25 <= factor <= 40, factor


def test_the_backward_walk_starts_where_the_workshop_step_says():
    """Workshop, backwards through time: "Keep pressing Next through the backward steps, down to step 1": the
    step opens on the first backward position, the last letter, and three Nexts reach step 1."""
    run = walk(from_settings(BACKWARD_STEP.settings))
    positions = run.walk()
    assert positions[BACKWARD_STEP.settings["how.pos"]] == ("backward", run.steps - 1)
    assert positions[BACKWARD_STEP.settings["how.pos"] + 3] == ("backward", 0) == positions[-1]
    assert positions[FORWARD_STEP.settings["how.pos"]] == ("forward", 0)
    assert positions[FORWARD_STEP.settings["how.pos"] + 3] == ("forward", run.steps - 1)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_lstm_cell_state_error_is_multiplied_only_by_the_forget_gate_and_fades_far_less(seed):
    """LSTM: "it goes on to c_{t−1} multiplied only by the forget gate f_t: no matrix and no tanh′"; the chart:
    "the same error at the cell state, ‖∂L_T/∂c_t‖. Along the cell state each step back multiplies it only by a
    forget gate, so it fades far less"."""
    says(CELL_STATE_CAPTION, "multiplied only by the forget gate f_t")
    says(BPTT_CAPTION["lstm"], "so it fades far less")
    run = walk(cell="lstm", seed=seed)
    auto = autograd_gradients(run)
    for b in run.backward:
        f = run.forward[b.t]
        np.testing.assert_allclose(b.dc, auto["dc"][b.t], atol=1e-12)
        np.testing.assert_allclose(b.dc_prev, f.gates["forget"] * b.dc)
        later = run.backward[b.t + 1].dc_prev if b.t + 1 < run.steps else np.zeros_like(b.dc)
        np.testing.assert_allclose(b.dc_from_future, later)
    h_fade = run.backward[-1].last_loss_dh_norm / run.backward[0].last_loss_dh_norm
    c_fade = run.backward[-1].last_loss_dc_norm / run.backward[0].last_loss_dc_norm
    assert 3 * c_fade < h_fade, (c_fade, h_fade)


@pytest.mark.parametrize("seed", SEEDS)
def test_the_gru_sends_z_times_the_error_straight_back(seed):
    """GRU: "It reaches h_{t−1} two ways: z_t ⊙ ∂L/∂h_t directly (no matrix, no tanh′), plus what goes back
    through the gates' weights W_hhᵀ\"."""
    says(BACKWARD_STRIP_CAPTION["gru"], "z_t ⊙ ∂L/∂h_t directly")
    run = walk(cell="gru", seed=seed)
    auto = autograd_gradients(run)
    for b in run.backward:
        z = run.forward[b.t].gates["update"]
        np.testing.assert_allclose(b.dh_direct, z * b.dh)
        np.testing.assert_allclose(b.dh_prev, b.dh_direct + b.dh_through_weights)
        if b.t > 0:   # what reaches h_{t−1} from step t is the rest of autograd's ∂L/∂h_{t−1}
            np.testing.assert_allclose(b.dh_prev + run.backward[b.t - 1].dh_from_output, auto["dh"][b.t - 1],
                                       atol=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cell", CELLS)
def test_hand_written_backpropagation_agrees_with_autograd(cell, seed):
    """"Added over every step, these signals are the weight gradients; computed by hand here, they agree with
    PyTorch's autograd to {difference}" (the page prints a number of order 1e-16)."""
    run = walk(cell=cell, seed=seed)
    assert run.autograd_difference() < 1e-10
    total = {name: sum(np.outer(b.d_logits, run.forward[b.t].h) for b in run.backward) for name in ("W_hy",)}
    np.testing.assert_allclose(total["W_hy"], run.grads["W_hy"])


# --- training and the gates -------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("cell", CELLS)
def test_after_100_steps_the_predictions_are_e_l_l_o(cell, seed):
    """Workshop: "After 100 training steps the same network predicts 'e', 'l', 'l', 'o'" and "All four guesses
    turn right (✓): e, l, l, o, for the RNN, then the LSTM and the GRU"; untrained, they are not all right."""
    settings = from_settings(TRAINED_STEP.settings)
    assert settings["train_steps"] == 100
    run = walk(settings, cell=cell, seed=seed)
    assert [f.prediction for f in run.forward] == list("ello")
    assert all(f.prediction == f.target for f in run.forward)
    assert [f.prediction for f in walk(settings, cell=cell, seed=seed, train_steps=0).forward] != list("ello")


@pytest.mark.parametrize("seed", SEEDS)
def test_the_two_ls_give_different_guesses_because_the_memory_differs(seed):
    """Workshop: "Note the two 'l's: the same input 'l' gives 'l' the first time and 'o' the second, because the
    hidden state remembers what came before\"."""
    run = walk(from_settings(TRAINED_STEP.settings), seed=seed)
    first, second = run.forward[2], run.forward[3]
    assert first.char == second.char == "l"
    np.testing.assert_array_equal(first.input_part, second.input_part)        # same letter, same input
    assert (first.prediction, second.prediction) == ("l", "o")
    assert np.abs(first.h_prev - second.h_prev).max() > 0.3                   # different memories coming in


@pytest.mark.parametrize("seed", SEEDS)
def test_trained_gates_decide_unit_by_unit(seed):
    """Workshop: "the LSTM's forget gates spread out unit by unit (some near 1: keep; some far below: forget),
    and the GRU's update gates drop towards 0: on so short a word it mostly replaces its memory with the new
    candidate"; GATES_CAPTION: "a gate near 1 (dark) is open, near 0 is shut"."""
    says(GATES_CAPTION, "a gate near 1 (dark) is open, near 0 is shut")
    settings = from_settings(TRAINED_STEP.settings)
    lstm, lstm0 = walk(settings, cell="lstm", seed=seed), walk(settings, cell="lstm", seed=seed, train_steps=0)
    forget = np.stack([f.gates["forget"] for f in lstm.forward])
    forget0 = np.stack([f.gates["forget"] for f in lstm0.forward])
    assert forget.max() > 0.9 and forget.min() < 0.35, forget
    assert np.ptp(forget) > 2 * np.ptp(forget0)
    gru, gru0 = walk(settings, cell="gru", seed=seed), walk(settings, cell="gru", seed=seed, train_steps=0)
    update = np.stack([f.gates["update"] for f in gru.forward])
    update0 = np.stack([f.gates["update"] for f in gru0.forward])
    assert update.mean() < 0.5 * update0.mean() and np.median(update) < 0.2, update
    for run in (lstm, gru):     # σ gates are between 0 and 1, candidates between −1 and 1
        for f in run.forward:
            for name, value in f.gates.items():
                low = -1 if name == "candidate" else 0
                assert np.all((value > low) & (value < 1)), name
    for t, f in enumerate(lstm.forward):      # c_t = f ⊙ c_{t−1} + i ⊙ g, unit by unit
        c_prev = lstm.forward[t - 1].c if t else 0
        g = f.gates
        np.testing.assert_allclose(f.c, g["forget"] * c_prev + g["input"] * g["candidate"])
    for f in gru.forward:                      # h_t = (1 − z) ⊙ n + z ⊙ h_{t−1}
        g = f.gates
        np.testing.assert_allclose(f.h, (1 - g["update"]) * g["candidate"] + g["update"] * f.h_prev)


def test_the_same_seed_gives_the_same_numbers():
    """Seed help: "The random starting weights; same seed, same numbers"; the Weights help: "after training on
    the word itself for a few steps" reproduces too."""
    for train in (0, 30):
        a = step_through(**{**PAGE_DEFAULTS, "train_steps": train})
        b = step_through(**{**PAGE_DEFAULTS, "train_steps": train})
        assert a.loss == b.loss and all(np.array_equal(a.params[k], b.params[k]) for k in a.params)
    assert step_through(**{**PAGE_DEFAULTS, "seed": 1}).loss != step_through(**PAGE_DEFAULTS).loss


def test_the_forward_caption_describes_the_diagram():
    """"✓ marks a right guess" and "an LSTM carries two: c on top, h below": the diagram's boxes and arrows."""
    from rnn_core.stepthrough.figures import unrolled_diagram
    says(FORWARD_CAPTION, "✓ marks a right guess", "an LSTM carries two")
    run = walk(from_settings(TRAINED_STEP.settings))
    texts = [a["text"] for a in unrolled_diagram(run, "forward", 0).layout.annotations if a["text"]]
    assert sum("✓" in text for text in texts) == 4
    lstm = walk(cell="lstm")
    labels = {a["text"] for a in unrolled_diagram(lstm, "forward", 0).layout.annotations}
    assert {"c", "h"} <= labels


@pytest.mark.parametrize("seed", range(5))
def test_untrained_the_guesses_are_no_better_than_chance_and_seed_0_guesses_o_throughout(seed):
    """Workshop: "Untrained, the guesses are no better than chance: on seed 0 the network guesses 'o' after every
    letter, so it is right only at the last step, where 'o' does come next." Chance over four letters is one
    right guess in four; seeds 0–4 get 1, 2, 2, 0, 0 of the four right (measured 2026-12)."""
    from rnn_core.workshop import STEPS
    step = next(s for s in STEPS if s.title.startswith("One step forward"))
    assert "no better than chance" in step.observe and "guesses 'o' after every letter" in step.observe
    run = walk(from_settings(FORWARD_STEP.settings), seed=seed)
    right = [f.prediction == f.target for f in run.forward]
    assert sum(right) <= 2, right
    if seed == 0:
        assert [f.prediction for f in run.forward] == ["o"] * 4 and right == [False, False, False, True]
