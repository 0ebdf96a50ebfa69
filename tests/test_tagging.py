"""The tagging core: the sentence generator is honest, the taggers read the directions they say, metrics add up."""

import json
from collections import Counter
from dataclasses import replace

import numpy as np
import plotly.graph_objects as go
import pytest
import torch

from rnn_core.__main__ import main
from rnn_core.runs.loop import evaluation_rows
from rnn_core.tag.script import tagging_script
from rnn_core.errors import RNNLabError
from rnn_core.tag import figures
from rnn_core.tag.data import (AMBIGUOUS, CUES, FILLERS, MAX_WORDS, TAGS, TagDataSettings, generate,
                               make_sentence, words_of)
from rnn_core.tag.tagger import (Tagger, TaggerPair, TaggerSettings, Vocabulary, accuracy_report,
                              most_frequent_tags, tag_sentence, train_taggers)

TINY = replace(TaggerSettings(), hidden_size=16, embedding_dim=16, n_train=300, n_test=100, max_steps=40,
               eval_every=20)
CUE_CLASS = {phrase.split()[0]: tag for tag, phrases in CUES.items() for phrase in phrases}


@pytest.fixture(scope="module")
def data():
    return generate(TagDataSettings(distance=4, n_train=4000, seed=3))


@pytest.fixture(scope="module")
def tiny_run():
    return train_taggers(TINY)


def test_sentences_are_seeded_lower_case_and_tagged_by_their_cue(data):
    again = generate(TagDataSettings(distance=4, n_train=4000, seed=3))
    assert [s.words for s in data.train[:50]] == [s.words for s in again.train[:50]]
    assert [s.words for s in generate(TagDataSettings(seed=4)).train[:20]] != [s.words for s in data.train[:20]]
    for s in data.train + data.test:
        assert all(w == w.lower() and w.isalpha() for w in s.words)
        word, tag = s.words[s.ambiguous_at], s.tags[s.ambiguous_at]
        assert word in AMBIGUOUS and tag in AMBIGUOUS[word]
        cue = s.words[s.ambiguous_at + s.distance]
        assert CUE_CLASS[cue] == tag                                   # the cue decides, d words later
        assert all(w in FILLERS for w in s.words[s.ambiguous_at + 1:s.ambiguous_at + s.distance])
        assert sum(w in AMBIGUOUS for w in s.words) == 1
        assert 1 <= s.distance <= 4


def test_every_cue_word_belongs_to_one_tag_only():
    firsts = [phrase.split()[0] for phrases in CUES.values() for phrase in phrases]
    assert len(firsts) == len(set(firsts)) == len(CUE_CLASS)
    assert not set(firsts) & set(FILLERS) and not set(firsts) & set(AMBIGUOUS)


def test_the_test_pairs_each_word_only_with_cues_it_never_had_in_training(data):
    def pairs(sentences):
        return {(s.words[s.ambiguous_at], " ".join(s.words[s.ambiguous_at + s.distance:])) for s in sentences}
    seen = {(s.words[s.ambiguous_at], s.words[s.ambiguous_at + s.distance]) for s in data.train}
    tested = {(s.words[s.ambiguous_at], s.words[s.ambiguous_at + s.distance]) for s in data.test}
    assert tested and not seen & tested
    # ... and every cue of the test is met in training, with other words
    assert {cue for _, cue in tested} <= {cue for _, cue in seen}
    assert pairs(data.test)


def test_the_test_is_balanced_and_the_baseline_is_the_mean_of_one_over_the_readings(data):
    counts = Counter((s.words[s.ambiguous_at], s.tags[s.ambiguous_at], s.distance) for s in data.test)
    assert len(set(counts.values())) == 1
    assert len(counts) == sum(len(r) for r in AMBIGUOUS.values()) * 4
    pair = TaggerPair({}, Vocabulary(data.vocabulary), most_frequent_tags(data.train))
    report = accuracy_report(pair, data.test)
    expected = np.mean([1 / len(AMBIGUOUS[s.words[s.ambiguous_at]]) for s in data.test])
    assert report["baseline"]["ambiguous_accuracy"] == pytest.approx(expected)
    assert report["baseline"]["plain_accuracy"] == 1.0


def test_nothing_before_the_ambiguous_word_gives_its_reading_away(data):
    """The same openings come before every reading: the reading's share is the same whatever the opening."""
    two = [s for s in data.train if AMBIGUOUS[s.words[s.ambiguous_at]] == ("person", "place")]
    by_opening = {}
    for s in two:
        by_opening.setdefault(s.words[0] if s.ambiguous_at else "", []).append(s.tags[s.ambiguous_at] == "person")
    shares = [np.mean(v) for v in by_opening.values() if len(v) >= 60]
    assert len(shares) >= 5 and max(shares) - min(shares) < 0.25
    overall = np.mean([h for v in by_opening.values() for h in v])
    assert abs(overall - 0.5) < 0.05


def test_bad_settings_and_sentences_get_a_message():
    for bad in (dict(distance=0), dict(distance=40), dict(cell="transformer"), dict(which="up"), dict(n_train=5),
                dict(hidden_size=0), dict(max_steps=0), dict(lr=-1.0)):
        with pytest.raises(RNNLabError):
            replace(TaggerSettings(), **bad)
    with pytest.raises(RNNLabError, match="empty"):
        words_of("  ,;! 123 ")
    with pytest.raises(RNNLabError, match=f"at most {MAX_WORDS}"):
        words_of("word " * (MAX_WORDS + 1))
    assert words_of("Jordan, SCORED twice!") == ["jordan", "scored", "twice"]


def _pair(bidirectional: bool, cell: str = "lstm") -> Tagger:
    torch.manual_seed(0)
    return Tagger(30, replace(TaggerSettings(), cell=cell, hidden_size=8, embedding_dim=8), bidirectional).eval()


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_left_to_right_ignores_what_comes_after_and_bidirectional_reads_it(cell):
    idx = torch.tensor([[2, 3, 4, 5, 6], [2, 3, 9, 9, 9]])
    lengths = torch.tensor([5, 5])
    with torch.no_grad():
        causal = _pair(False, cell)(idx, lengths)
        both = _pair(True, cell)(idx, lengths)
    assert torch.allclose(causal[0, :2], causal[1, :2]) and not torch.allclose(causal[0, 2:], causal[1, 2:])
    assert not torch.allclose(both[0, :2], both[1, :2])


def test_padding_changes_nothing_and_the_two_halves_add_up_to_the_scores():
    net = _pair(True)
    with torch.no_grad():
        alone = net(torch.tensor([[2, 3, 4]]), torch.tensor([3]))
        padded = net(torch.tensor([[2, 3, 4, 0, 0], [5, 6, 7, 8, 9]]), torch.tensor([3, 5]))
        parts = net.contributions(torch.tensor([[2, 3, 4]]), torch.tensor([3]))
    assert torch.allclose(alone[0], padded[0, :3], atol=1e-6)   # the backward RNN starts at the sentence's end
    assert torch.allclose(parts["forward"] + parts["backward"] + parts["bias"], alone, atol=1e-5)


@pytest.mark.slow
def test_a_tiny_run_trains_both_models_and_reports_every_figure(tiny_run):
    m = tiny_run.metrics
    assert tiny_run.result.steps == 40 and m["steps"] == 40
    assert set(tiny_run.pair.models) == {"left-to-right", "bidirectional"}
    for name in ("left-to-right", "bidirectional", "baseline"):
        assert 0 <= m[name]["ambiguous_accuracy"] <= 1 and 0 <= m[name]["plain_accuracy"] <= 1
        assert set(m[name]["by_distance"]) == {1, 2, 3}
        assert set(m[name]["by_word"]) == set(AMBIGUOUS)
    assert m["n_ambiguous"] == m["n_test"] and m["n_plain"] > m["n_test"]
    losses = [r["train_loss"] for r in tiny_run.history]
    assert np.mean(losses[-5:]) < np.mean(losses[:5])
    evaluated = [r for r in tiny_run.history if "bidirectional.ambiguous_accuracy" in r]
    assert [r["step"] for r in evaluated] == [20, 40]
    replay = train_taggers(TINY)                               # a step budget replays exactly
    assert replay.metrics["bidirectional"] == m["bidirectional"]


def test_one_direction_alone():
    run = train_taggers(replace(TINY, which="left-to-right", max_steps=5))
    assert set(run.pair.models) == {"left-to-right"} and "bidirectional" not in run.metrics
    tagged = tag_sentence(run.pair, "jordan scored twice")
    assert set(tagged.tags) == {"left-to-right"} and not tagged.forward.any()


@pytest.mark.slow
def test_a_typed_sentence_is_tagged_by_both_with_unknown_words_named(tiny_run):
    tagged = tag_sentence(tiny_run.pair, "Zorblax SCORED twice in London")
    assert tagged.words == ["zorblax", "scored", "twice", "in", "london"] and tagged.unknown == ["zorblax"]
    for direction in ("left-to-right", "bidirectional"):
        assert len(tagged.tags[direction]) == 5 and set(tagged.tags[direction]) <= set(TAGS)
        assert np.allclose(tagged.probabilities[direction].sum(1), 1, atol=1e-5)
    assert tagged.forward.shape == tagged.backward.shape == (5,)
    assert tagged.baseline[-1] == "place" and tagged.baseline[0] == "none"
    with pytest.raises(RNNLabError):
        tag_sentence(tiny_run.pair, "")


@pytest.mark.slow
def test_the_command_line_prints_both_models_and_the_baseline(capsys):
    code = main(["tag", "--cells", "lstm,rnn", "--distance", "2", "--max-steps", "10", "--sentences", "200",
                 "--hidden", "8", "--embedding", "8"])
    assert code == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["distance"] == 2 and set(out["cells"]) == {"lstm", "rnn"}
    for models in out["cells"].values():
        for name in ("left-to-right", "bidirectional", "baseline"):
            assert {"ambiguous_accuracy", "plain_accuracy"} <= set(models[name])
        assert models["steps"] == 10
    assert main(["tag", "--cells", "lstm", "--bidirectional", "no", "--max-steps", "3", "--sentences", "200"]) == 0
    assert "bidirectional" not in json.loads(capsys.readouterr().out.strip().splitlines()[-1])["cells"]["lstm"]
    assert main(["tag", "--cells", "cnn"]) == 2
    assert main(["tag", "--distance", "0"]) == 2
    assert main(["tag", "--seconds", "-1"]) == 2


def test_the_exported_script_runs_the_same_settings():
    script = tagging_script(replace(TaggerSettings(), cell="gru", distance=5, seed=2))
    compile(script, "tag.py", "exec")
    assert "train_taggers(settings" in script and "distance=5," in script and "seed=2," in script
    assert "python -m rnn_core tag --cells gru --distance 5 --bidirectional both" in script
    assert "--max-steps 600" in script and "--seed 2" in script


@pytest.mark.slow
def test_figures_are_built_without_a_browser(tiny_run):
    m = tiny_run.metrics
    assert len(figures.accuracy_by_distance(m).data) == 3
    words = figures.accuracy_by_word(m)
    assert len(words.data) == 3 and len(words.data[0].x) == len(AMBIGUOUS)
    curves = figures.training_curves(tiny_run.history, ("left-to-right", "bidirectional"), 0.48)
    assert isinstance(curves, go.Figure) and len(curves.data) == 4 and list(curves.data[0].x) == [20, 40]
    class Report:                       # what the live view reads from rnn_core.runs.loop.Progress
        def __init__(self, metrics):
            self.metrics = metrics
    rows = evaluation_rows([Report({}), Report({"evaluated_at": 20, "a": 1}), Report({"evaluated_at": 20, "a": 1}),
                                Report({"evaluated_at": 40, "a": 2})])
    assert rows == [{"evaluated_at": 20, "a": 1, "step": 20}, {"evaluated_at": 40, "a": 2, "step": 40}]
    assert 0 < tiny_run.history[-1]["baseline.ambiguous_accuracy"] < 1
    tagged = tag_sentence(tiny_run.pair, "jordan jordan flows south")
    push = figures.direction_push(tagged.words, tagged.forward, tagged.backward, tagged.tags["bidirectional"])
    assert len(push.data) == 2 and len(push.data[0].x) == 4      # a repeated word keeps its own bar


def test_make_sentence_refuses_a_distance_it_cannot_fill():
    import random
    with pytest.raises(RNNLabError):
        make_sentence("jordan", "person", CUES["person"][0], len(FILLERS) + 2, random.Random(0))


def test_a_gain_below_the_baseline_is_said_below_and_a_sentence_without_its_cue_is_named():
    from rnn_core.tag.figures import outside_what_it_knows, points_over_baseline
    assert points_over_baseline(-1.44) == "1.4 points below the baseline"
    assert points_over_baseline(51.7) == "51.7 points over the baseline"
    assert points_over_baseline(0.04) == "level with the baseline"
    assert outside_what_it_knows("yesterday paris quietly attracts many tourists".split()) is None
    assert "“paris” or “jordan”" in outside_what_it_knows("paris met jordan in london".split())
