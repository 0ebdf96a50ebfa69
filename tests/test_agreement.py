"""The "was or were?" sentences: their shape, their attractors, the no-memory answers and the result columns."""

import math

import pytest
import torch

from rnn_core.compare import agreement as view
from rnn_core.data import agreement as A
from rnn_core.data.tasks import describe_example, get_task


def sentences(n=400, length=20, seed=0):
    return A.agreement_batch(n, length, torch.Generator().manual_seed(seed))


def number(word: str) -> int | None:
    for singular, plural in A.NOUNS:
        if word in (singular, plural):
            return int(word == plural)
    return None


@pytest.mark.parametrize("length", (1, 2, 3, 5, 20, 80))
def test_every_sentence_has_exactly_the_distance_asked_and_at_most_three_attractors(length):
    x, y = sentences(200, length)
    assert x.shape == (200, length + 6) and set(y.tolist()) <= {0, 1}
    for ids, verb in zip(x, y):
        words = A.words(ids)
        assert words[1] == "the" and words[3] == "," and words[4] == "the"
        assert number(words[A.SUBJECT]) == int(verb)                  # the verb agrees with the subject
        between = [number(w) for w in words[A.SUBJECT + 1:] if number(w) is not None]
        assert len(between) <= A.MAX_NOUNS
        assert sum(n != int(verb) for n in between) <= A.MAX_ATTRACTORS


def test_facts_count_the_attractors_and_read_the_nearest_noun_from_the_words():
    x, y = sentences()
    f = A.facts(x)
    for ids, verb, attractors, nearest in zip(x, y, f["attractors"], f["nearest"]):
        nouns = [number(w) for w in A.words(ids) if number(w) is not None]
        assert int(attractors) == sum(n != int(verb) for n in nouns[2:])   # after the opening noun and the subject
        assert int(nearest) == nouns[-1]


def test_the_words_between_say_nothing_about_the_verb():
    """Three nouns whose numbers are coin flips: attractor counts 0–3 in proportions 1:3:3:1, and neither the
    nearest noun nor its opposite does better than chance (the no-memory line is a line)."""
    x, y = sentences(4000, 40)
    f = A.facts(x)
    counts = torch.bincount(f["attractors"], minlength=4).tolist()
    assert all(abs(c / 4000 - p) < 0.03 for c, p in zip(counts, (1 / 8, 3 / 8, 3 / 8, 1 / 8))), counts
    assert abs(float((f["nearest"] == y).float().mean()) - 0.5) < 0.03
    for a in range(4):   # nor does the attractor count tell the verb
        assert abs(float(y[f["attractors"] == a].float().mean()) - 0.5) < 0.07, a


def test_the_sentences_are_reproducible_from_a_seed_and_differ_between_seeds():
    assert torch.equal(sentences(seed=3)[0], sentences(seed=3)[0])
    assert not torch.equal(sentences(seed=3)[0], sentences(seed=4)[0])


def test_breakdown_scores_each_attractor_count_and_the_baselines():
    x, y = sentences(600, 20)
    f = A.facts(x)
    perfect = torch.nn.functional.one_hot(y, 2).float() * 10
    nearest = torch.nn.functional.one_hot(f["nearest"], 2).float() * 10
    out = A.breakdown(x, y, perfect)
    assert all(out[f"acc_a{a}"] == 1.0 for a in range(4))
    assert sum(out[f"n_a{a}"] for a in range(4)) == 600
    assert out["base_majority"] == pytest.approx(max(y.float().mean(), 1 - y.float().mean()), abs=1e-4)
    fooled = A.breakdown(x, y, nearest)                      # a model that agrees with the nearest noun
    for a in range(4):
        assert fooled[f"acc_a{a}"] == pytest.approx(out[f"nearest_a{a}"])
    assert out["nearest_a0"] == 1.0 and out["nearest_a3"] == 0.0   # no attractor never fools it; three always do
    examples = A.parse_examples(out["examples"])
    assert len(examples) == 8 and all(p > 0.99 if y[i] else p < 0.01 for i, p in examples.items())


def test_short_distances_leave_empty_attractor_counts_as_missing():
    x, y = sentences(100, 2)
    out = A.breakdown(x, y, torch.zeros(100, 2))
    assert out["n_a0"] == 100 and math.isnan(out["acc_a3"])


def test_the_page_marks_the_subject_and_the_attractors_and_describes_the_example():
    x, y = sentences(50, 10)
    i = int(torch.nonzero(A.facts(x)["attractors"] == 2)[0])
    text = view.marked_sentence(x[i])
    assert text.count("**") == 2 and text.count("_") - text.count("___") * 3 == 4 and text.endswith("___")
    example = describe_example(get_task("agreement"), x[i], y[i])
    assert example["marked"][0] == A.SUBJECT and len(example["marked"]) == 3
    assert example["answer"].startswith(A.VERBS[int(y[i])])


def test_examples_table_reads_each_cells_choice_and_confidence_from_the_rows():
    x, y = view.test_sentences(10)
    picks = A.example_indices(x)
    right = ";".join(f"{i}:{0.9 if y[i] else 0.1}" for i in picks)
    wrong = ";".join(f"{i}:{0.3 if y[i] else 0.7}" for i in picks)
    rows = [{"cell": "lstm", "length": 10, "seed": 0, "examples": right},
            {"cell": "rnn", "length": 10, "seed": 0, "examples": wrong}]
    table = view.examples(rows, 10, 0)
    assert len(table) == len(picks)
    assert all(t["lstm"]["right"] and t["lstm"]["confidence"] == pytest.approx(0.9) for t in table)
    assert not any(t["rnn"]["right"] for t in table) and all(t["rnn"]["confidence"] == pytest.approx(0.7)
                                                            for t in table)
    assert "gru" not in table[0]
