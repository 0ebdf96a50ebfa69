"""Claim tests of the Tag a sentence page: every sentence it says about what its models do, on its defaults.

The defaults (``TaggerSettings()``: LSTM 64, cue 1 to 3 words later, 600 steps) are trained live for seeds 0 to
4. What the page says about the other cells and a farther cue is checked against the shipped table
``rnn_core/tag/tag_quality.csv`` (rewritten by ``python benchmarks/tag_quality.py --csv
rnn_core/tag/tag_quality.csv``) plus a live replay of one of its runs. Each test quotes the sentence it
proves and checks that the page still says it.
"""

import csv
from dataclasses import replace
from pathlib import Path

import pytest

from conftest import app_test
from rnn_core.tag import figures as says_page
from rnn_core.tag.data import AMBIGUOUS
from rnn_core.tag.tagger import TaggerSettings, tag_sentence, train_taggers

SEEDS = (0, 1, 2, 3, 4)
TABLE_SEEDS = (0, 1, 2, 3, 4)   # the shipped table's
TABLE = Path(__file__).resolve().parents[2] / "rnn_core" / "tag" / "tag_quality.csv"


def says(text: str, *fragments: str) -> None:
    """The page still says what the test checks (so a changed sentence fails until its test changes too)."""
    flat = " ".join(text.split())
    for fragment in fragments:
        assert " ".join(fragment.split()) in flat, fragment


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def run(request):
    """The page's defaults trained (what Train both gives)."""
    return train_taggers(replace(TaggerSettings(), seed=request.param))


@pytest.fixture(scope="module")
def table():
    with open(TABLE) as f:
        return [{**r, "distance": int(r["distance"]), "seed": int(r["seed"]),
                 **{k: float(r[k]) for k in ("ambiguous_accuracy", "plain_accuracy", "baseline_ambiguous_accuracy")}}
                for r in csv.DictReader(f)]


def test_left_to_right_stays_at_the_baseline(run):
    """“Left to right, the tagger gets the ambiguous words right about as often as the baseline (within 5 points)”"""
    says(says_page.RESULT_LEFT, "Left to right, the tagger gets the ambiguous words right about as often as the "
                                "baseline (within 5 points)")
    m = run.metrics
    assert abs(m["left-to-right"]["ambiguous_accuracy"] - m["baseline"]["ambiguous_accuracy"]) <= 0.05
    assert m["baseline"]["ambiguous_accuracy"] < 0.5          # and that baseline is a coin toss or worse


def test_bidirectional_gets_more_than_95_percent(run):
    """“Bidirectional, it gets more than 95 % of them right”"""
    says(says_page.RESULT_BIDIRECTIONAL, "Bidirectional, it gets more than 95 % of them right")
    assert run.metrics["bidirectional"]["ambiguous_accuracy"] > 0.95


def test_both_get_the_plain_words(run):
    """“Both get more than 98 % of the plain words right”"""
    says(says_page.RESULT_PLAIN, "Both get more than 98 % of the plain words right")
    for name in ("left-to-right", "bidirectional"):
        assert run.metrics[name]["plain_accuracy"] > 0.98


def test_the_distance_lines(run):
    """“the bidirectional line stays above 0.95 at every distance, and the left-to-right line within 10 points
    of the baseline.”"""
    says(says_page.RESULT_DISTANCE, "the bidirectional line stays above 0.95 at every distance, and the "
                                    "left-to-right line within 10 points of the baseline")
    m = run.metrics
    assert set(m["bidirectional"]["by_distance"]) == {1, 2, 3}
    for d, accuracy in m["bidirectional"]["by_distance"].items():
        assert accuracy > 0.95, d
        assert abs(m["left-to-right"]["by_distance"][d] - m["baseline"]["by_distance"][d]) <= 0.10, d


def test_a_words_baseline_is_one_over_its_readings(run):
    """“A word with two readings has a baseline of one half, with three of one third.”"""
    says(says_page.WORD_CAPTION, "A word with two readings has a baseline of one half, with three of one third.")
    for word, accuracy in run.metrics["baseline"]["by_word"].items():
        assert accuracy == pytest.approx(1 / len(AMBIGUOUS[word]))


def test_jordan_scored_and_jordan_flows(run):
    """“Try “jordan scored twice”, then “jordan flows south”: the bidirectional model tags jordan a person, then a
    place, and at jordan its backward half (←) pushes harder than its forward half (→). The left-to-right model
    gives jordan the same tag in both”"""
    says(says_page.EXAMPLE_READING, "the bidirectional model tags jordan a person, then a place",
         "at jordan its backward half (←) pushes harder than its forward half (→)",
         "The left-to-right model gives jordan the same tag in both")
    scored = tag_sentence(run.pair, "jordan scored twice")
    flows = tag_sentence(run.pair, "jordan flows south")
    assert scored.tags["bidirectional"][0] == "person" and flows.tags["bidirectional"][0] == "place"
    for tagged in (scored, flows):
        assert tagged.backward[0] > tagged.forward[0] + 1.0
    assert scored.tags["left-to-right"][0] == flows.tags["left-to-right"][0]


def _rows(table, **where):
    return [r for r in table if all(r[k] == v for k, v in where.items())]


def test_rnn_and_gru_do_the_same_at_the_default_distance(table):
    """“An RNN or a GRU cell does the same at this distance”"""
    says(says_page.RESULT_CELLS, "An RNN or a GRU cell does the same at this distance")
    for cell in ("rnn", "gru"):
        rows = _rows(table, cell=cell, distance=3)
        assert sorted(r["seed"] for r in rows if r["model"] == "bidirectional") == list(TABLE_SEEDS)
        for r in rows:
            assert r["plain_accuracy"] > 0.98 and r["steps"] == "600"
            if r["model"] == "bidirectional":
                assert r["ambiguous_accuracy"] > 0.95
            else:
                assert abs(r["ambiguous_accuracy"] - r["baseline_ambiguous_accuracy"]) <= 0.05


@pytest.fixture(scope="module", params=SEEDS, ids=[f"seed{s}" for s in SEEDS])
def far(request):
    """The page's defaults with the cue distance at 10, an RNN and an LSTM (the sentence's two cells)."""
    return {cell: train_taggers(replace(TaggerSettings(), cell=cell, distance=10, seed=request.param)).metrics
            for cell in ("rnn", "lstm")}


def test_at_distance_ten_the_rnn_gets_fewer_right_than_the_lstm(far):
    """“Set the cue distance to 10 and, in 600 steps, the bidirectional RNN gets fewer of them right than the LSTM
    (which still gets more than 95 %)”"""
    says(says_page.RESULT_CELLS, "Set the cue distance to 10 and, in 600 steps, the bidirectional RNN gets fewer "
                                 "of them right than the LSTM (which still gets more than 95 %)")
    rnn, lstm = far["rnn"]["bidirectional"], far["lstm"]["bidirectional"]
    assert lstm["ambiguous_accuracy"] > 0.95
    assert rnn["ambiguous_accuracy"] <= lstm["ambiguous_accuracy"]


def test_at_distance_ten_the_rnn_does_not_lose_far_cues_it_misses_whole_words(far):
    """“but not because far cues fade: it tags cues 10 words away about as well as cues 2 words away (within 10
    points). What it misses are whole words: a few ambiguous words it gets right less than 75 % of the time, while
    most are near 100 %”"""
    says(says_page.RESULT_CELLS, "it tags cues 10 words away about as well as cues 2 words away (within 10 points)",
         "a few ambiguous words it gets right less than 75 % of the time, while most are near 100 %")
    rnn = far["rnn"]["bidirectional"]
    assert abs(rnn["by_distance"][10] - rnn["by_distance"][2]) <= 0.10
    words = rnn["by_word"].values()
    assert sum(v >= 0.9 for v in words) > len(words) / 2                 # most words: near 100 %
    if rnn["ambiguous_accuracy"] < 0.95:                                  # where it misses, whole words are missed
        assert sum(v < 0.75 for v in words) >= 2


def test_the_pooled_rnn_runs_of_the_table_miss_more_than_the_lstm(table):
    """The shipped table agrees: at distance 10 the bidirectional RNN averages below 95 %, the LSTM above."""
    rnn = [r["ambiguous_accuracy"] for r in _rows(table, cell="rnn", distance=10, model="bidirectional")]
    lstm = [r["ambiguous_accuracy"] for r in _rows(table, cell="lstm", distance=10, model="bidirectional")]
    assert sum(rnn) / len(rnn) < 0.95 < min(lstm)


@pytest.mark.parametrize("sentence, word, reading", [("jordan scored twice", "jordan", "person"),
                                                     ("jordan flows south", "jordan", "place"),
                                                     ("teddy smiled at the crowd", "teddy", "person"),
                                                     ("teddy is on sale", "teddy", "none")])
def test_the_intros_examples_get_their_tags(run, sentence, word, reading):
    """The intro: “In “jordan scored twice” jordan is a person; in “jordan flows south” it is the river, which is
    tagged a place … as in “teddy smiled at the crowd” (a person) and “teddy is on sale” (a toy: none).” The
    bidirectional model trained with the defaults tags them so."""
    says(says_page.INTRO, sentence)
    tagged = tag_sentence(run.pair, sentence)
    assert tagged.tags["bidirectional"][tagged.words.index(word)] == reading
    assert not tagged.unknown and says_page.outside_what_it_knows(tagged.words) is None


def test_the_sentences_outside_what_the_models_know_are_named():
    """“Anything else is a guess: in “teddy roosevelt was a great president” they have never seen roosevelt, great
    or president, nor any of their cue phrases.”"""
    says(says_page.KNOWS, "they have never seen roosevelt, great or president, nor any of their cue phrases")
    from rnn_core.tag.data import TagDataSettings, generate
    vocabulary = set(generate(TagDataSettings()).vocabulary)
    assert not {"roosevelt", "great", "president"} & vocabulary
    assert says_page.outside_what_it_knows("teddy roosevelt was a great president".split()) is not None


@pytest.mark.parametrize("cell, distance", [("lstm", 10), ("rnn", 3)])
def test_the_shipped_table_replays(cell, distance):
    """The table is what today's code gives: runs of it trained again (seed 0). The shipped table was made on one
    CPU; another kernel family trains a slightly different model (measured under ATEN_CPU_CAPABILITY=default, avx2
    and avx512: these two runs agree to 4 decimals, while the RNN at distance 10, seed 0 moves from 0.856 to 0.863),
    so runs that settle replay within a point everywhere."""
    live = train_taggers(replace(TaggerSettings(), cell=cell, distance=distance, seed=0)).metrics
    with open(TABLE) as f:
        rows = [r for r in csv.DictReader(f) if (r["cell"], r["distance"], r["seed"]) == (cell, str(distance), "0")]
    assert len(rows) == 2
    for r in rows:
        assert live[r["model"]]["ambiguous_accuracy"] == pytest.approx(float(r["ambiguous_accuracy"]), abs=0.01)
        assert live[r["model"]]["plain_accuracy"] == pytest.approx(float(r["plain_accuracy"]), abs=0.01)


def test_the_page_says_these_sentences_after_training_its_defaults():
    """Train both with the page's defaults: the page shows the result sentences above (and the lesson text)."""
    at = app_test("pages/tag.py", timeout=180)
    at.button(key="tag.btn_train").click().run()
    job = at.session_state["tag.job"]
    job.wait(300)
    assert job.status == "done", job.error
    at.run()
    assert not at.exception and not at.error
    text = " ".join(md.value for md in at.markdown) + " ".join(c.value for c in at.caption)
    for sentence in (says_page.RESULT_LEFT, says_page.RESULT_BIDIRECTIONAL, says_page.RESULT_PLAIN,
                     says_page.RESULT_DISTANCE, says_page.RESULT_CELLS, says_page.EXAMPLE_READING):
        says(text, sentence)
    bidirectional = next(m.value for m in at.metric if m.label == "Ambiguous words: bidirectional ↔")
    assert float(bidirectional.rstrip("%")) > 95
