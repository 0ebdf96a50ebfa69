"""Unit tests of Caption a picture's core: the grammar, the held-out split, the captioners, the command, the export."""

from __future__ import annotations

import json
import threading
from dataclasses import replace

import pytest
import torch

from rnn_core.caption.data import (GRID, HELD_PAIRS, HELD_PLACES, KINDS, MAX_LENGTH, RELATIONS,
                                   VOCAB, Shape, caption_words, check_shapes, decode, draw, grammar_level,
                                   is_held_out, make_pictures)
from rnn_core.caption.model import (MODELS, CaptionSettings, Captioner, caption_picture, score, train_captioners,
                                    wrong_pictures)
from rnn_core.caption.script import caption_script
from rnn_core.errors import RNNLabError
from rnn_core.nets.attention import AdditiveAttention, attend

TINY = CaptionSettings(n_train=300, n_test=60, n_val=30, max_steps=30, eval_every=10, hidden=16, features=8)


def test_the_grammar_says_what_is_where():
    assert caption_words([Shape("red", "circle", 0, 0)]) == "a red circle at the top left".split()
    assert caption_words([Shape("blue", "cross", 1, 1)]) == "a blue cross in the middle".split()
    assert caption_words([Shape("green", "square", 1, 2)]) == "a green square on the right".split()
    below = [Shape("blue", "square", 2, 1), Shape("red", "circle", 0, 1)]          # named in reading order
    assert caption_words(below) == "a red circle above a blue square".split()
    side = [Shape("green", "triangle", 1, 2), Shape("yellow", "cross", 1, 0)]
    assert caption_words(side) == "a yellow cross to the left of a green triangle".split()
    assert caption_words([Shape("red", "circle", 0, 0), Shape("red", "circle", 2, 0)]) == \
        "a red circle above a red circle".split()
    assert set(RELATIONS) == {"above", "to the left of"}


@pytest.mark.parametrize("shapes, message", [
    ([], "empty"),
    ([Shape("red", "circle", 0, 0), Shape("blue", "square", 0, 0)], "same place"),
    ([Shape("red", "circle", 0, 0), Shape("blue", "square", 1, 1)], "diagonal"),
    ([Shape("red", "circle", 0, 0)] * 3, "one or two"),
    ([Shape("pink", "circle", 0, 0)], "Unknown shape"),
    ([Shape("red", "circle", 3, 0)], "Rows and columns"),
])
def test_a_picture_the_grammar_cannot_describe_is_a_clear_message(shapes, message):
    with pytest.raises(RNNLabError, match=message):
        check_shapes(shapes)


def test_pictures_are_seeded_and_their_captions_end_and_pad():
    a, b = make_pictures(50, 3, held_out=False), make_pictures(50, 3, held_out=False)
    assert torch.equal(a.images, b.images) and torch.equal(a.captions, b.captions)
    assert a.images.shape == (50, 3, 24, 24) and a.captions.shape == (50, MAX_LENGTH)
    assert 0 <= float(a.images.min()) and float(a.images.max()) <= 1
    for shapes, ids in zip(a.shapes, a.captions):
        assert decode(ids) == caption_words(shapes)
    assert not torch.equal(make_pictures(50, 4, held_out=False).images, a.images)
    clean = torch.from_numpy(draw([Shape("red", "circle", 0, 0)], noise=0.0))
    assert clean[0, :8, :8].max() > 0.9 and clean[:, 8:, 8:].max() < 0.2     # red in its cell, nothing elsewhere


def test_held_out_pictures_are_new_combinations_of_things_all_seen_in_training():
    train, test = make_pictures(3000, 0, held_out=False), make_pictures(500, 1, held_out=True)
    assert not any(is_held_out(s) for s in train.shapes) and all(is_held_out(s) for s in test.shapes)
    seen_kinds = {s.kind for shapes in train.shapes for s in shapes}
    seen_places = {s.cell for shapes in train.shapes if len(shapes) == 1 for s in shapes}
    seen_words = {w for shapes in train.shapes for w in caption_words(shapes)}
    assert seen_kinds == set(KINDS) and len(seen_places) == GRID * GRID
    assert {w for shapes in test.shapes for w in caption_words(shapes)} <= seen_words
    assert len(HELD_PAIRS) == 16 and len(HELD_PLACES) == 32
    for pair in HELD_PAIRS:                                   # each pair differs in colour and in shape
        (c1, s1), (c2, s2) = sorted(pair)
        assert c1 != c2 and s1 != s2
    assert {n for n in (len(s) for s in test.shapes)} == {1, 2}


def test_the_picture_blind_level_is_what_one_fixed_caption_gets():
    pics = make_pictures(400, 7, held_out=True)
    level = grammar_level(pics)
    assert 0 < level["exact_match"] < 0.1 and 0.3 < level["word_accuracy"] < 0.7
    # any one fixed caption, written for every picture, does no better
    blind = Captioner("blind", TINY)
    s = score(blind, pics)
    written = blind(pics.images).argmax(-1)
    assert (written == written[0]).all()                      # it writes the same caption for every picture
    assert s["exact_match"] <= level["exact_match"] + 1e-9 and s["word_accuracy"] <= level["word_accuracy"] + 1e-9


def test_the_shared_additive_attention_is_the_formula():
    torch.manual_seed(0)
    att = AdditiveAttention(5, 4, 3)
    values, state = torch.randn(2, 6, 4), torch.randn(2, 5)
    context, alpha = att(att.keys(values), state, values)
    energy = (torch.tanh(values @ att.key.weight.T + att.key.bias + (state @ att.query.weight.T)[:, None]) @
              att.score.weight.T).squeeze(-1)
    assert torch.allclose(alpha, torch.softmax(energy, -1), atol=1e-6)
    assert torch.allclose(context[:, 0], (alpha[..., None] * values).sum(1), atol=1e-6)
    mask = torch.tensor([[True] * 3 + [False] * 3, [True] * 6])
    _, masked = attend(att.score, att.keys(values), att.query(state), values, mask)
    masked = masked.detach()
    assert float(masked[0, 3:].sum()) == 0 and torch.allclose(masked.sum(-1), torch.ones(2))


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_each_captioner_writes_a_caption_and_only_attention_has_weights(cell):
    pics = make_pictures(4, 0, held_out=False)
    for kind in MODELS:
        model = Captioner(kind, replace(TINY, cell=cell))
        logits, weights = model(pics.images, return_attention=True)
        assert logits.shape == (4, MAX_LENGTH, len(VOCAB))
        if kind == "attention":
            assert weights.shape == (4, MAX_LENGTH, GRID * GRID)
            assert torch.allclose(weights.sum(-1), torch.ones(4, MAX_LENGTH), atol=1e-5)
        else:
            assert weights is None


@pytest.mark.slow
def test_training_is_reproducible_and_a_stop_keeps_the_models():
    a, b = train_captioners(TINY), train_captioners(TINY)
    for k in MODELS:
        assert a.metrics[k]["exact_match"] == b.metrics[k]["exact_match"]
        assert a.metrics[k]["word_accuracy"] == b.metrics[k]["word_accuracy"]
    assert a.metrics["steps"] == 30 and set(a.models) == set(MODELS)
    test = make_pictures(TINY.n_test, 90_001, held_out=True)
    for k in MODELS:   # the pictures a model gets wrong are the complement of its exact match
        assert len(wrong_pictures(a.models[k], test)) == round((1 - a.metrics[k]["exact_match"]) * len(test))
    assert 0 <= a.metrics["attention"]["on_named_shape"] <= 1
    assert all(0 <= a.metrics[k]["seen_exact"] <= 1 for k in MODELS)
    assert set(a.metrics["attention"]["by_kind"]) == {"colour", "shape", "place or relation", "other"}
    stop = threading.Event()
    stop.set()
    stopped = train_captioners(TINY, stop=stop)
    assert stopped.metrics["stop_reason"] == "stopped" and set(stopped.models) == set(MODELS)
    done = caption_picture(a.models, [Shape("red", "circle", 0, 1), Shape("green", "square", 2, 1)])
    assert done.truth == "a red circle above a green square".split() and set(done.captions) == set(MODELS)
    assert done.attention.shape[1:] == (GRID, GRID)
    with pytest.raises(RNNLabError):
        caption_picture(a.models, [])


@pytest.mark.parametrize("bad", [dict(cell="cnn"), dict(hidden=0), dict(seed=-1), dict(max_steps=0), dict(lr=0.0),
                                 dict(n_train=5)])
def test_bad_settings_are_clear_messages(bad):
    with pytest.raises(RNNLabError):
        replace(CaptionSettings(), **bad)


def test_the_exported_script_compiles_and_names_its_command():
    text = caption_script(replace(CaptionSettings(), seed=3, max_steps=400))
    compile(text, "caption.py", "exec")
    assert "python -m rnn_core caption --cell gru" in text and "--seeds 3" in text and "max_steps=400," in text


def test_the_command_line_reports_json_and_refuses_bad_seeds(capsys, tmp_path):
    from rnn_core.__main__ import main
    assert main(["caption", "--seeds", "x"]) == 2
    assert "--seeds" in capsys.readouterr().err
    grid = tmp_path / "rows.csv"
    assert main(["caption", "--max-steps", "3", "--pictures", "200", "--hidden", "8", "--features", "8",
                 "--seeds", "1", "--grid", str(grid)]) == 0
    result = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert set(result["seeds"]["1"]) >= set(MODELS) and result["seeds"]["1"]["steps"] == 3
    assert len(grid.read_text().strip().splitlines()) == 1 + len(MODELS)
