"""Claim tests of the Sentiment page: every sentence it says about what its models do, on its defaults.

The defaults are the ones the page takes (``recommended_settings``, ``ReviewSettings()``, ``ready_made_run``),
trained live: the built-in reviews (600 steps) for seeds 0 to 4, the UCI sentences (400 steps) for seeds 0, 1, 2. Each test
quotes the sentence it proves and checks that the page still says it.
"""

import functools
from dataclasses import replace

import pytest

from rnn_core.sentiment.classifier import ready_made_run, recommended_settings, train_classifier
from rnn_core.sentiment import figures as captions
from rnn_core.sentiment.probe import (IDEA_CLASSES, IDEAS, MINIMAL_PAIRS, WAITER_SENTENCE, WORKSHOP_SENTENCE,
                                      minimal_pairs, probe_sentence)
from rnn_core.sentiment.data import load_uci_folder
from conftest import DATA

SEEDS = (0, 1, 2)
ALL_SEEDS = (0, 1, 2, 3, 4)    # for the sentences added since the conventions asked for seeds 0–4


def says(text: str, *fragments: str) -> None:
    """The page still says what the test checks (so a changed sentence fails until its test changes too)."""
    flat = " ".join(text.split())
    for fragment in fragments:
        assert " ".join(fragment.split()) in flat, fragment


@functools.lru_cache(maxsize=None)
def _ready_made(seed: int):
    return ready_made_run(seed)


@pytest.fixture(scope="module", params=ALL_SEEDS, ids=[f"seed{s}" for s in ALL_SEEDS])
def built_in(request):
    """The page's defaults on the built-in reviews, trained (seed 0 is the page's ready-made model)."""
    return _ready_made(request.param)


@pytest.fixture(scope="module", params=ALL_SEEDS, ids=[f"seed{s}" for s in ALL_SEEDS])
def built_in_any_seed(request):
    return _ready_made(request.param)


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def uci(request):
    """The page's defaults on the UCI sentences (all three sources), trained."""
    if not (DATA / "sentiment-labelled-sentences").is_dir():
        pytest.skip("../shared/data is not present")
    data = load_uci_folder(DATA / "sentiment-labelled-sentences")
    return train_classifier(data, replace(recommended_settings("reviews"), seed=request.param))


def trajectory(classifier, sentence):
    probe = probe_sentence(classifier, sentence)
    return probe.words, probe.by_word[:, classifier.classes.index("positive")], probe


# --- the built-in reviews ------------------------------------------------------------------------------------

def test_p_positive_stays_in_the_middle_until_the_opinion_word(built_in):
    """“in “The food was not bad at all” P(positive) stays between 0.15 and 0.85 until the opinion word”"""
    says(captions.BUILT_IN_READING, "in “The food was not bad at all” P(positive) stays between 0.15 and 0.85 "
                                    "until the opinion word")
    words, p, _ = trajectory(built_in.classifier, WORKSHOP_SENTENCE)
    before = p[:words.index("bad")]
    assert words[:4] == ["the", "food", "was", "not"] and ((0.15 < before) & (before < 0.85)).all(), before


def test_not_bad_jumps_up_at_bad(built_in):
    """“then jumps up at “bad”, to above 0.9: the hidden state has kept the “not”.”"""
    says(captions.BUILT_IN_READING, "then jumps up at “bad”, to above 0.9: the hidden state has kept the “not”.")
    words, p, probe = trajectory(built_in.classifier, WORKSHOP_SENTENCE)
    at_bad = words.index("bad")
    assert p[at_bad] > 0.9 and p[at_bad] > p[at_bad - 1] + 0.15
    assert (p[at_bad:] > 0.5).all()                              # and the sentence ends positive
    assert built_in.classifier.classes[probe.predicted] == "positive"


def test_without_not_the_same_word_sends_it_below_a_tenth(built_in):
    """“In “The food was bad” the same word sends it below 0.1.”"""
    says(captions.BUILT_IN_READING, "In “The food was bad” the same word sends it below 0.1.")
    words, p, _ = trajectory(built_in.classifier, "The food was bad")
    assert p[words.index("bad")] < 0.1 and p[words.index("bad")] < p[words.index("was")]


def test_the_bag_of_words_calls_both_negative(built_in):
    """“The bag of words calls both sentences negative: it sees “bad” and “not”, not their order.”"""
    says(captions.BUILT_IN_READING, "The bag of words calls both sentences negative")
    base = built_in.classifier.predict_proba([WORKSHOP_SENTENCE, "The food was bad"], "baseline")
    assert (base[:, built_in.classifier.classes.index("positive")] < 0.5).all()


def test_bad_after_not_pushes_positive(built_in):
    """Under the influence chart of “The food was not bad at all”: “here "bad" after "not" pushes positive.”"""
    says(captions.INFLUENCE_NOT_BAD, "here \"bad\" after \"not\" pushes positive.")
    words, _, probe = trajectory(built_in.classifier, WORKSHOP_SENTENCE)
    assert built_in.classifier.classes[probe.predicted] == "positive" and probe.influence[words.index("bad")] > 0


def test_minimal_pairs_the_rnn_gets_all_five_the_bag_of_words_not_not_bad(built_in):
    """“The RNN gets all five right; the bag of words gets “good” and “bad” right and “not bad” wrong, with or
    without “at all”: it sees “bad”.” (On “not good” the bag of words is near 0.5, either side by seed: no claim.)"""
    says(captions.BUILT_IN_PAIRS, "The RNN gets all five right; the bag of words gets “good” and “bad” right and "
                                  "“not bad” wrong, with or without “at all”: it sees “bad”.")
    rows = {r["sentence"]: r for r in minimal_pairs(built_in.classifier)}
    assert len(rows) == len(MINIMAL_PAIRS) == 5
    assert all(r["rnn_right"] for r in rows.values()), rows
    for sentence in ("The food was good.", "The food was bad."):
        assert rows[sentence]["baseline_right"], rows[sentence]
    for sentence in ("The food was not bad.", "The food was not bad at all."):
        assert not rows[sentence]["baseline_right"] and rows[sentence]["baseline"] < 0.4, rows[sentence]


def test_results_by_kind_of_review(built_in):
    """“The RNN gets more than 95 % of every kind of review right but one, those with a clause between “not” and
    its adjective (more than 90 %), and more than 90 % of the negation test; the bag of words gets plain opinions
    right (more than 90 %), most negated ones wrong (under 30 %), and stays under 65 % on the negation test”"""
    says(captions.BUILT_IN_RESULTS, "The RNN gets more than 95 % of every kind of review right but one, those "
                                    "with a clause between “not” and its adjective (more than 90 %), and more "
                                    "than 90 % of the negation test", "plain opinions right (more than 90 %)",
         "most negated ones wrong (under 30 %)", "stays under 65 % on the negation test")
    m = built_in.metrics
    groups = {r["group"]: r for r in m["by_group"]}
    assert set(groups) == {"plain", "verb", "fragment", "negated", "separated", "contrast"}
    assert all(r["rnn"] > 0.95 for g, r in groups.items() if g != "separated") and groups["separated"]["rnn"] > 0.9
    assert m["negation_accuracy"] > 0.9 and m["baseline_negation_accuracy"] < 0.65
    assert groups["plain"]["baseline"] > 0.9 and groups["negated"]["baseline"] < 0.3, groups
    assert m["test_accuracy"] > m["baseline_test_accuracy"] + 0.1     # "where the RNN's bar is taller..."


def test_the_page_s_ideas_use_only_known_words(built_in_any_seed):
    """The sentences the page offers as ideas are read in full by the default model (no word read as unknown)."""
    for sentence in IDEAS:
        assert not probe_sentence(built_in_any_seed.classifier, sentence).unknown, sentence


def test_the_page_s_ideas_are_read_as_they_read_with_confidence(built_in_any_seed):
    """Each idea the page offers (“Ideas: …”) comes out as a reader would take it, with P(that class) above 0.8:
    the positive ones positive, the negative ones negative (issue 22, item 4)."""
    classifier = built_in_any_seed.classifier
    assert set(IDEAS) == set(IDEA_CLASSES) and {"positive", "negative"} == set(IDEA_CLASSES.values())
    for sentence, name in IDEA_CLASSES.items():
        probe = probe_sentence(classifier, sentence)
        assert probe.probabilities[classifier.classes.index(name)] > 0.8, (sentence, probe.probabilities)


def test_the_waiter_was_rude_and_the_soup_was_cold_is_negative(built_in_any_seed):
    """Issue 22, item 4: “The waiter was rude and the soup was cold” came out 51 % negative, with “soup” and
    “cold” unknown. Every word is known now, and the sentence is negative with P(negative) above 0.8."""
    classifier = built_in_any_seed.classifier
    probe = probe_sentence(classifier, WAITER_SENTENCE)
    assert not probe.unknown, probe.unknown
    assert probe.probabilities[classifier.classes.index("negative")] > 0.8, probe.probabilities
    for word in ("best", "worst", "awesome", "cold", "soup", "waiter", "rude", "staff", "were"):
        assert classifier.tokenizer.id_of(word) != classifier.tokenizer.unk_id, word


def test_the_training_chart_has_a_point_every_100_steps_on_both_panels_from_step_0(built_in):
    """Issue 22, item 16: the ready-made model's chart had 2 validation points and a right panel from step 475.
    The caption: “right, the share classified correctly, blue on a sample of the training sentences, orange on
    the validation ones”."""
    from rnn_core.sentiment.figures import training_curves
    says(captions.CURVES_CAPTION, "blue on a sample of the training sentences, orange on the validation ones")
    evals = [r for r in built_in.history if r.get("val_accuracy") is not None]
    assert [r["step"] for r in evals][:6] == [100, 200, 300, 400, 500, 600]
    assert all(r.get("train_accuracy") is not None for r in evals)
    fig = training_curves(built_in.history, built_in.metrics["baseline_val_accuracy"])
    assert fig.layout.xaxis.range[0] == fig.layout.xaxis2.range[0] == 0
    assert fig.layout.xaxis.range[1] == fig.layout.xaxis2.range[1] >= 600


def test_the_defaults_are_a_step_budget_that_replays(built_in):
    """Section 3: “A step budget: the same seed gives the same model on any machine.”"""
    assert built_in.settings.seconds is None and built_in.result.steps == built_in.settings.max_steps == 600
    assert built_in.result.planned_steps == 600          # the progress bar reads "step N of 600"


# --- the UCI sentences ---------------------------------------------------------------------------------------

def test_uci_the_rnn_learns_opinion_words_and_that_not_is_mostly_bad(uci):
    """“from 3,000 real sentences the RNN learns which words carry an opinion (“The food was good.” comes out
    positive, “The food was bad.” negative) and that “not” is mostly bad news (“The food was not good.” comes out
    negative).”"""
    says(captions.UCI_READING, "“The food was good.” comes out positive, “The food was bad.” negative",
         "(“The food was not good.” comes out negative)")
    assert uci.metrics["n_train"] + uci.metrics["n_test"] == 3000
    p = dict(zip([t for t, _ in MINIMAL_PAIRS], (r["rnn"] for r in minimal_pairs(uci.classifier))))
    assert p["The food was good."] > 0.5 and p["The food was bad."] < 0.5 and p["The food was not good."] < 0.5


def test_uci_the_rnn_does_not_learn_that_not_flips_bad(uci):
    """“It does not learn that “not” flips “bad”: “The food was not bad.” and “The food was not bad at all.” come
    out negative, as they do from the bag of words.”"""
    says(captions.UCI_READING, "It does not learn that “not” flips “bad”: “The food was not bad.” and “The food "
                               "was not bad at all.” come out negative, as they do from the bag of words.")
    rows = {r["sentence"]: r for r in minimal_pairs(uci.classifier)}
    for sentence in ("The food was not bad.", "The food was not bad at all."):
        assert rows[sentence]["rnn"] < 0.5 and rows[sentence]["baseline"] < 0.5, rows[sentence]


def test_uci_the_rnn_is_within_5_points_of_the_bag_of_words(uci):
    """“Its test accuracy is within 5 points of the bag of words'.”"""
    says(captions.UCI_READING, "Its test accuracy is within 5 points of the bag of words'.")
    m = uci.metrics
    assert abs(m["test_accuracy"] - m["baseline_test_accuracy"]) <= 0.05, m
    assert m["test_accuracy"] > 0.75 and m["baseline_test_accuracy"] > 0.75   # both learned something real
