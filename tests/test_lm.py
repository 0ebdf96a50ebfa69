"""The language-model job end to end, on small budgets."""

import math
import threading

import pytest
import torch

from rnn_core.corpora import load_builtin
from rnn_core.errors import RNNLabError
from rnn_core.lm import LMSettings, StreamBatches, evaluate_loss, preset, train_language_model
from rnn_core.text import encode_text

TINY = dict(hidden_size=32, embedding_dim=16, seq_len=32, batch_size=16, seconds=None, max_steps=120,
            eval_every_seconds=1e9, sample_length=40, lr=1e-2)


@pytest.fixture(scope="module")
def docs():
    return load_builtin("python-docs")[:60_000]


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_a_short_run_learns_far_below_a_uniform_guess(docs, cell):
    run = train_language_model(docs, LMSettings(cell=cell, **TINY))
    m = run.metrics
    assert m["steps"] == 120 and m["cell"] == cell
    assert m["val_loss"] < 0.75 * math.log(m["vocab_size"])   # a uniform guess scores ln(V)
    assert m["bits_per_char"] == pytest.approx(m["val_loss"] / math.log(2))
    assert m["perplexity"] == pytest.approx(math.exp(m["val_loss"]))
    assert len(m["sample"]) > 20


def test_same_seed_reproduces_the_run(docs):
    a = train_language_model(docs, LMSettings(**{**TINY, "max_steps": 30}))
    b = train_language_model(docs, LMSettings(**{**TINY, "max_steps": 30}))
    assert a.metrics["val_loss"] == b.metrics["val_loss"]
    assert a.metrics["sample"] == b.metrics["sample"]


def test_word_level_with_one_hot_input(docs):
    run = train_language_model(docs, LMSettings(level="word", encoding="onehot", max_vocab=400,
                                                **{**TINY, "max_steps": 20}))
    assert run.tokenizer.level == "word" and run.model.config.input_size == 400
    assert math.isfinite(run.metrics["val_loss"]) and "bits_per_word" in run.metrics


def test_text_shorter_than_a_sequence_is_refused():
    with pytest.raises(RNNLabError, match="needs at least"):
        train_language_model("hello there", LMSettings(**TINY))


def test_stopping_keeps_a_usable_model(docs):
    stop = threading.Event()
    stop.set()
    run = train_language_model(docs, LMSettings(**TINY), stop=stop)
    assert run.result.stop_reason == "stopped" and run.result.steps == 0


def test_a_diverging_run_is_stopped_and_explained(docs):
    run = train_language_model(docs, LMSettings(cell="rnn", activation="relu", **{**TINY, "lr": 10.0,
                                                                                  "max_steps": 300}),
                               )
    if run.result.stop_reason != "diverged":
        pytest.skip("this seed did not diverge")  # pragma: no cover
    assert "diverged" in run.result.message or "exploded" in run.result.message
    assert all(torch.isfinite(p).all() for p in run.model.parameters())
    assert "val_loss" in run.metrics and run.result.steps < 300


def test_stream_batches_cover_the_text_in_order_and_shrink_for_short_texts():
    ids = torch.arange(101)
    batches = StreamBatches(ids, batch_size=4, seq_len=5, generator=torch.Generator().manual_seed(0),
                            device=torch.device("cpu"))
    x, y = batches.next()
    assert x.shape == (4, 5) and torch.equal(y, x + 1)
    x2, _ = batches.next()
    assert torch.equal(x2[:, 0], x[:, -1] + 1)   # the next chunk continues each stream
    short = StreamBatches(torch.arange(12), batch_size=32, seq_len=5, generator=torch.Generator(),
                          device=torch.device("cpu"))
    assert short.batch_size == 2


def test_evaluate_loss_is_the_mean_cross_entropy(docs):
    run = train_language_model(docs, LMSettings(**{**TINY, "max_steps": 5}))
    data = encode_text(docs[:3000], "char")
    ids = torch.tensor(run.tokenizer.encode(docs[:3001]))
    with torch.no_grad():
        logits, _, _ = run.model(ids[None, :-1])
        expected = torch.nn.functional.cross_entropy(logits[0], ids[1:]).item()
    assert evaluate_loss(run.model, ids, seq_len=3000, streams=1) == pytest.approx(expected, rel=1e-4)
    assert data.tokenizer.level == "char"


def test_a_sampled_validation_loss_reads_stretches_spread_over_the_whole_text(docs):
    run = train_language_model(docs, LMSettings(**{**TINY, "max_steps": 5}))
    ids = torch.tensor(run.tokenizer.encode(docs[:4001]))
    seen = []
    original = run.model.forward

    def recording(x, *args, **kwargs):
        seen.append(x.clone())
        return original(x, *args, **kwargs)

    run.model.forward = recording
    evaluate_loss(run.model, ids, seq_len=50, max_tokens=400, streams=4)
    streams = torch.cat(seen, dim=1)            # (4 streams, 100 tokens each)
    assert streams.shape == (4, 100)
    assert torch.equal(streams[0], ids[:100]) and torch.equal(streams[-1], ids[-101:-1])   # first and last stretch


def test_presets_exist_and_are_budgeted():
    assert preset("quick").hidden_size < preset("better").hidden_size
    assert preset("quick").seconds <= preset("better").seconds
    with pytest.raises(RNNLabError):
        preset("huge")
    with pytest.raises(RNNLabError):
        LMSettings(seq_len=1)
