"""Claim tests of the Home page: every sentence its captions predict, on what ships and on seeds 0 to 4.

The cliff is the shipped Compare grid (every seed in it); the gradients are the three ready-made character
models, measured with the page's DEFAULTS on five held-out passages (seeds 0-4); the samples are the
histories stored in the ready-made checkpoints.
"""

import math

import pytest

from rnn_core.tour import findings as tour
from rnn_core.tour import figures as figs
from rnn_core.language_model.pretrained import READY_MADE, load_ready_made

SEEDS = (0, 1, 2, 3, 4)      # the shipped Compare grid's
PASSAGES = (0, 1, 2, 3, 4)   # the held-out passages the gradients are measured on


@pytest.fixture(scope="module")
def cliff():
    found = tour.accuracy_cliff()
    assert found is not None, "the precomputed Compare grid ships with the app"
    return found


def test_the_rnn_falls_to_the_no_memory_line_from_50_steps_on(cliff):
    """"The RNN falls to that line from {start} steps on" (the caption says 50 for the shipped grid): every seed
    of the RNN solves the shortest length, and from {start} steps on every seed is within 5 points of the
    no-memory baseline, at every longer length too."""
    start = cliff.rnn_at_baseline_from()
    assert start is not None and start < cliff.lengths[-1]
    assert f"The RNN falls to that line from {start} steps on" in figs.cliff_caption(cliff)
    assert cliff.seeds == list(SEEDS)
    for seed in SEEDS:
        by_length = {n: cliff.accuracies("rnn", n)[seed] for n in cliff.lengths}
        assert by_length[cliff.lengths[0]] >= tour.GATED_HOLD, seed
        for n in cliff.lengths:
            if n >= start:
                assert abs(by_length[n] - cliff.baseline) <= tour.NEAR_BASELINE, (seed, n, by_length[n])


def test_the_lstm_and_gru_hold_on_up_to_the_longest_length_as_the_caption_says(cliff):
    """"the LSTM and GRU stay above 90% up to {longest}" when every seed does; else "the LSTM and GRU stay far
    above it up to {longest} (their worst seed at {longest}: LSTM x %, GRU y %)": every seed, every length, at
    least 50 points above the no-memory line, and the worst seeds quoted as they are (the adding grid's LSTM
    reads 74 % on seed 3 at 200, 92-97 % on the others)."""
    caption, longest = figs.cliff_caption(cliff), cliff.lengths[-1]
    values = {(cell, n): cliff.accuracies(cell, n) for cell in ("lstm", "gru") for n in cliff.lengths}
    assert all(len(v) == len(SEEDS) for v in values.values())
    if min(min(v) for v in values.values()) > 0.90:
        assert f"the LSTM and GRU stay above 90% up to {longest}" in caption
    else:
        assert f"the LSTM and GRU stay far above it up to {longest}" in caption
        assert all(min(v) >= cliff.baseline + 0.5 for v in values.values()), values
        for cell, name in (("lstm", "LSTM"), ("gru", "GRU")):
            assert f"{name} {min(values[cell, longest]):.0%}" in caption


@pytest.fixture(scope="module", params=PASSAGES)
def gradients(request):
    found = tour.measure_gradients(**{**tour.DEFAULTS, "seed": request.param})   # live, not tour.json
    assert found is not None, "the three ready-made character models ship with the app"
    return found


def test_all_three_fade_going_back(gradients):
    """"All three fade": the dependence on the character span steps back is under 5 % of that on the last one."""
    for cell, curve in gradients.curves.items():
        assert curve[-1] < 0.05 * curve[0], (cell, curve[0], curve[-1])


def test_the_lines_fade_to_the_far_end_without_climbing_back(gradients):
    """"The gradient fades going back" (issue 22, item 8: the GRU's line climbed from 5e-3 at 50 back to 2e-2
    at 60, an artefact of the passage's first characters and of a mean over 32 guesses): over the chart's last
    20 characters no line rises by more than a quarter of a decade from one character to the next, and each
    ends below where it was 20 characters before."""
    for cell, curve in gradients.curves.items():
        tail = [math.log10(v) for v in curve[-21:]]
        assert max(b - a for a, b in zip(tail, tail[1:])) < 0.25, (cell, tail)
        assert tail[-1] < tail[0], (cell, tail)


def test_the_rnns_gradient_fades_the_most(gradients):
    """"All three fade going back, the RNN's the most: 60 characters back it is over 10× weaker than the LSTM's
    and over 100× weaker than the GRU's" (60: the chart's far end)."""
    c = gradients.curves
    d = figs.GRADIENT_CHECK_AT
    assert d == len(c["rnn"]) - 1 == tour.DEFAULTS["span"]
    assert (f"the RNN's the most: {d} characters back it is over {figs.LSTM_FACTOR}× weaker than the LSTM's and "
            f"over {figs.GRU_FACTOR}× weaker than the GRU's") in figs.GRADIENT_CAPTION
    assert c["rnn"][d] * figs.LSTM_FACTOR < c["lstm"][d], (c["rnn"][d], c["lstm"][d])
    assert c["rnn"][d] * figs.GRU_FACTOR < c["gru"][d], (c["rnn"][d], c["gru"][d])
    assert c["rnn"][d] / c["rnn"][0] < min(c["lstm"][d] / c["lstm"][0], c["gru"][d] / c["gru"][0])


CHAR_MODELS = [key for key in ("char-lstm", "char-gru", "char-rnn") if READY_MADE[key].path.is_file()]


@pytest.mark.parametrize("key", CHAR_MODELS)
def test_samples_turn_from_noise_into_words(key):
    """"It climbs from noise towards the dotted line": the first stored sample has few real words (under
    25 %), the last has most (over 50 %), and the last is closer to real text's share than the first.

    Shown only when the checkpoint stores its samples; without them the page shows no such chart (None)."""
    found = tour.score_samples(key)
    if found is None:
        assert len(tour.stored_samples(load_ready_made(key)[2])) < 2
        return
    shares = [s for s in found.shares if not math.isnan(s)]
    assert shares[0] < 0.25 and shares[-1] > 0.5, shares
    assert abs(found.real_text_share - shares[-1]) < abs(found.real_text_share - shares[0])
    assert found.real_text_share > 0.8


def test_the_three_snippets_show_the_climb():
    """Home lists three samples under "Samples turn from noise into words" (issue 22, item 19: step 200 read
    better than step 1,200): each later snippet has more real words, and a larger share of them, than the one
    before."""
    found = tour.samples_along_training()
    assert found is not None
    snippets = found.snippets()
    assert len(snippets) == 3 and [s for s, _ in snippets] == sorted(s for s, _ in snippets)
    vocabulary = tour.word_vocabulary()
    real = [sum(w.lower() in vocabulary for w in tour.WORD.findall(text)) for _, text in snippets]
    shares = [tour.real_word_share(text, vocabulary) for _, text in snippets]
    assert real[0] < real[1] < real[2] and shares[0] + 0.1 < shares[1] < shares[2], (real, shares)
