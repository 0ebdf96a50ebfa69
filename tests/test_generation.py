"""Sampling: greedy is argmax, top-k and top-p stay inside their sets, seeds reproduce, generation is incremental."""

import numpy as np
import pytest
import torch

from rnn_core.errors import RNNLabError
from rnn_core.language_model.generation import (Stepper, distributions_at_temperatures, draw, feed_one, next_token_distribution,
                                 next_token_probs, sample, sample_at_temperatures, special_ids, special_share,
                                 top_tokens)
from rnn_core.language_model.model import LanguageModel, ModelConfig
from rnn_core.data.text import SPECIALS, Tokenizer

TEXT = "the cat sat on the mat. the dog sat on the log.\n"


def _model(cell="lstm", level="char", layers=1, encoding="embedding", activation="tanh", seed=0):
    torch.manual_seed(seed)
    tok = Tokenizer.build(TEXT, level)
    model = LanguageModel(ModelConfig(vocab_size=len(tok), cell=cell, hidden_size=24, num_layers=layers,
                                      embedding_dim=8, encoding=encoding, activation=activation))
    with torch.no_grad():   # sharper distributions than the initialisation gives, so that choices differ
        model.head.weight.mul_(8)
    return model.eval(), tok


def test_temperature_zero_is_argmax_at_every_step():
    model, tok = _model()
    out = sample(model, tok, "the ", 30, temperature=0)
    ids = tok.encode("the ") + out.ids
    logits, _, _ = model(torch.tensor([ids[:-1]]))
    logits[..., list(special_ids(tok))] = -float("inf")     # the special tokens are never drawn
    expected = logits[0, len(tok.encode("the ")) - 1:].argmax(-1).tolist()
    assert out.ids == expected


def test_top_k_never_emits_a_token_outside_the_k_most_likely():
    model, tok = _model()
    stepper = Stepper.start(model, tok, "the", temperature=2.0, top_k=3, seed=1)
    for _ in range(200):
        logits = stepper.logits.clone()
        logits[list(special_ids(tok))] = -float("inf")
        allowed = set(torch.topk(logits, 3).indices.tolist())
        assert stepper.next_id() in allowed


def test_top_p_keeps_the_smallest_set_reaching_p():
    logits = torch.log(torch.tensor([0.5, 0.3, 0.15, 0.05]))
    probs = next_token_probs(logits, 1.0, top_p=0.7)
    assert probs[2] == 0 and probs[3] == 0
    torch.testing.assert_close(probs[:2], torch.tensor([0.5, 0.3]) / 0.8)
    assert next_token_probs(logits, 1.0, top_p=0.01).tolist() == [1.0, 0.0, 0.0, 0.0]


def test_temperature_sharpens_and_flattens():
    logits = torch.tensor([2.0, 1.0, 0.0])
    cold, hot = next_token_probs(logits, 0.3), next_token_probs(logits, 3.0)
    base = next_token_probs(logits, 1.0)
    assert cold[0] > base[0] > hot[0] and cold[2] < base[2] < hot[2]


def test_the_same_seed_gives_the_same_text_and_another_seed_another():
    model, tok = _model()
    a = sample(model, tok, "the", 80, temperature=1.0, seed=7)
    b = sample(model, tok, "the", 80, temperature=1.0, seed=7)
    c = sample(model, tok, "the", 80, temperature=1.0, seed=8)
    assert a.text == b.text and a.text != c.text


def test_step_by_step_draws_the_same_tokens_as_one_call():
    model, tok = _model()
    stepper = Stepper.start(model, tok, "the", temperature=1.2, top_p=0.9, seed=3)
    steps = [stepper.step() for _ in range(40)]
    assert [s.token_id for s in steps] == sample(model, tok, "the", 40, 1.2, None, 0.9, 3).ids
    assert all(abs(sum(p for _, p in s.top) - 1) < 1e-5 or len(s.top) == 10 for s in steps)
    assert all(s.top[0][1] >= s.top[-1][1] for s in steps)


@pytest.mark.parametrize("cell,layers,encoding,activation", [
    ("lstm", 1, "embedding", "tanh"), ("gru", 2, "embedding", "tanh"), ("rnn", 2, "onehot", "tanh"),
    ("rnn", 1, "embedding", "relu"), ("rnn", 1, "embedding", "sigmoid")])
def test_incremental_steps_match_reading_the_whole_text(cell, layers, encoding, activation):
    model, tok = _model(cell, layers=layers, encoding=encoding, activation=activation)
    ids = tok.encode("the cat sat")
    full, _, _ = model(torch.tensor([ids]))
    state = None
    for t, token in enumerate(ids):
        logits, state = feed_one(model, token, state)
        torch.testing.assert_close(logits, full[0, t], atol=1e-5, rtol=1e-4)


def test_generation_never_rereads_the_prefix():
    model, tok = _model()
    lengths = []
    original = model.forward

    def spy(idx, *args, **kwargs):
        lengths.append(idx.shape[1])
        return original(idx, *args, **kwargs)

    model.forward = spy
    sample(model, tok, "the cat sat on", 50)
    assert lengths == [len("the cat sat on")]   # the prompt once; every new token goes through one cell step


def test_draw_follows_the_distribution_and_never_draws_zero_probability():
    g = np.random.default_rng(0)
    probs = torch.tensor([0.0, 0.7, 0.0, 0.3, 0.0])
    draws = [draw(probs, g) for _ in range(2000)]
    assert set(draws) <= {1, 3}
    assert 0.65 < draws.count(1) / 2000 < 0.75


def test_unknown_prompt_tokens_are_reported_and_read_as_unk():
    model, tok = _model()
    out = sample(model, tok, "Привет the", 5, seed=0)
    assert out.unknown == ["П", "р", "и", "в", "е", "т"]
    assert len(out.ids) == 5


def test_empty_prompt_starts_from_the_start_state():
    model, tok = _model()
    a, b = sample(model, tok, "", 20, temperature=0), sample(model, tok, "", 20, temperature=0)
    assert a.text == b.text and len(a.ids) == 20 and a.unknown == []


def test_word_level_pieces_are_spaced_like_decoding():
    model, tok = _model(level="word")
    stepper = Stepper.start(model, tok, "the cat", temperature=1.0, seed=2)
    pieces = list(stepper.stream(30))
    assert "".join(pieces) == stepper.text
    assert stepper.full_text.startswith("the cat")
    from rnn_core.data.text import join_tokens
    assert stepper.full_text == join_tokens(["the", "cat"] + [tok.tokens[i] for i in stepper.ids], "word")


def test_next_word_top_ten_and_temperature_table():
    model, tok = _model(level="word")
    top = next_token_distribution(model, tok, "the cat sat on the", 10)
    assert len(top) == min(10, len(tok) - len(SPECIALS)) and all(a[1] >= b[1] for a, b in zip(top, top[1:]))
    table = distributions_at_temperatures(Stepper.start(model, tok, "the").logits, tok, (0.5, 1.0, 2.0), k=5)
    assert len(table["tokens"]) == 5 and table[0.5][0] > table[1.0][0] > table[2.0][0]
    assert [t for t, _ in top_tokens(torch.tensor([0.1, 0.6, 0.3]), tok, 2)] == [tok.tokens[1], tok.tokens[2]]


def test_three_temperatures_share_prompt_and_seed():
    model, tok = _model()
    samples = sample_at_temperatures(model, tok, "the", 30, (0.0, 1.0, 2.0), seed=4)
    assert [t for t, _ in samples] == [0.0, 1.0, 2.0]
    assert samples[0][1].text == sample(model, tok, "the", 30, 0.0).text


@pytest.mark.parametrize("kwargs", [dict(temperature=-1), dict(temperature=float("nan")), dict(temperature=11),
                                    dict(top_k=0), dict(top_p=0), dict(top_p=1.5), dict(length=10**6),
                                    dict(length=-1)])
def test_absurd_settings_are_refused_with_a_message(kwargs):
    model, tok = _model()
    with pytest.raises(RNNLabError):
        sample(model, tok, "the", **{"length": 5, **kwargs})


def test_sampling_leaves_a_training_model_in_training_mode():
    model, tok = _model()
    model.train()
    sample(model, tok, "the", 5)
    assert model.training


def _specials_favoured(level="char"):
    """A model whose head puts most of the mass on <pad>, <unk> and <eos>: the sampler must still avoid them."""
    model, tok = _model(level=level)
    with torch.no_grad():
        for i in special_ids(tok):
            model.head.bias[i] = 6.0
    return model, tok


@pytest.mark.parametrize("level", ["char", "word"])
@pytest.mark.parametrize("temperature,top_k,top_p", [(3.0, None, None), (0.0, None, None), (1.0, 2, None),
                                                     (1.0, None, 0.5), (10.0, None, None)])
def test_special_tokens_are_never_drawn_by_default(level, temperature, top_k, top_p):
    model, tok = _specials_favoured(level)
    banned = set(special_ids(tok))
    assert len(banned) == 3
    out = sample(model, tok, "the", 300, temperature, top_k, top_p, seed=0)
    assert banned.isdisjoint(out.ids) and not any(s in out.text for s in SPECIALS)
    for _, s in sample_at_temperatures(model, tok, "the", 50, (0.2, 3.0), seed=1):
        assert banned.isdisjoint(s.ids)
    assert not {t for t, _ in next_token_distribution(model, tok, "the", 10)} & set(SPECIALS)
    table = distributions_at_temperatures(Stepper.start(model, tok, "the").logits, tok, (0.5, 2.0), k=5)
    assert not set(table["tokens"]) & set(SPECIALS)


def test_specials_can_still_be_drawn_on_request_and_their_share_is_reported():
    model, tok = _specials_favoured()
    out = sample(model, tok, "the", 100, 1.0, seed=0, draw_specials=True)
    assert set(special_ids(tok)) & set(out.ids)     # the model favours them: drawn when allowed
    share = special_share(Stepper.start(model, tok, "the").logits, tok)
    assert set(share) == set(SPECIALS) and sum(share.values()) > 0.5


def test_excluding_specials_renormalises_the_rest():
    model, tok = _specials_favoured()
    logits = Stepper.start(model, tok, "the").logits
    probs = next_token_probs(logits, 1.0, exclude=special_ids(tok))
    assert float(probs[list(special_ids(tok))].sum()) == 0.0
    assert abs(float(probs.sum()) - 1) < 1e-5
    raw = torch.softmax(logits, -1)
    others = [i for i in range(len(tok)) if i not in special_ids(tok)]
    torch.testing.assert_close(probs[others], raw[others] / raw[others].sum())


def test_word_pieces_space_quotes_like_the_tokenizer_across_the_whole_text():
    from rnn_core.data.text import join_tokens
    model, tok = _model(level="word")
    tok = Tokenizer(tok.level, tok.tokens + ('"',))
    model = LanguageModel(ModelConfig(vocab_size=len(tok), cell="lstm", hidden_size=8, embedding_dim=4)).eval()
    stepper = Stepper.start(model, tok, 'the "cat', temperature=3.0, seed=5)
    for _ in range(60):
        stepper.next_id()
    words = ["the", '"', "cat"] + [tok.tokens[i] for i in stepper.ids]
    assert stepper.full_text == join_tokens(words, "word")


def test_step_history_entropy_and_measured_samples():
    from rnn_core.language_model.generation import distinct_ngram_share, entropy_bits
    model, tok = _model()
    stepper = Stepper.start(model, tok, "the", temperature=1.0, seed=2)
    steps = [stepper.step() for _ in range(20)]
    assert stepper.history == steps and all(0 <= s.entropy <= np.log2(len(tok)) for s in steps)
    plain, measured = sample(model, tok, "the", 20, 1.0, seed=2), sample(model, tok, "the", 20, 1.0, seed=2,
                                                                         measure=True)
    assert plain.ids == measured.ids == [s.token_id for s in steps]
    assert measured.entropies == pytest.approx([s.entropy for s in steps], abs=1e-5)
    assert entropy_bits(torch.tensor([0.5, 0.5, 0.0])) == pytest.approx(1.0)
    assert distinct_ngram_share("abababab", 2) == pytest.approx(2 / 7)
    assert distinct_ngram_share("abcdefgh", 4) == 1.0


def test_the_pipeline_at_temperature_zero_keeps_only_the_top_token():
    from rnn_core.language_model.generation import sampling_pipeline
    model, tok = _model()
    logits = Stepper.start(model, tok, "the").logits
    pipe = sampling_pipeline(logits, tok, 0.0, None, None, k=5)
    assert pipe["probs"][0] == 1.0 and sum(pipe["probs"]) == 1.0 and pipe["survivors"] == 1
    assert not set(pipe["tokens"]) & set(SPECIALS)
