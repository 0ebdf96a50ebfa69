"""The language-model job end to end, on small budgets."""

import math
import threading

import pytest
import torch

from rnn_core.data.corpora import load_builtin
from rnn_core.errors import RNNLabError
from rnn_core.language_model.checkpoint import load_checkpoint, save_checkpoint
from rnn_core.language_model.training import (CELL_LR, PRESETS, WORD_LEVEL, LMSettings, StreamBatches, diagnose, evaluate_loss,
                         parameter_breakdown, preset, preset_variants, run_label, samples_to_show, size_advice,
                         train_language_model)
from rnn_core.language_model.model import LanguageModel, ModelConfig
from rnn_core.data.text import encode_text

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


def test_each_cell_gets_its_own_learning_rate_and_the_word_level_its_budget():
    for name in PRESETS:
        for cell in ("rnn", "lstm", "gru"):
            assert preset(name, cell=cell).lr == CELL_LR[name][cell]
            assert preset(name, cell=cell, lr=0.1).lr == 0.1             # an explicit value wins
        word = preset(name, level="word")
        assert word.max_vocab == WORD_LEVEL[name]["max_vocab"] and word.max_steps < preset(name).max_steps
        assert preset(name).keep_best and not preset(name).fit_to_time   # steps are the budget
    assert preset("quick", cell="gru").lr < preset("quick", cell="lstm").lr
    assert {v[2] for v in preset_variants()} == {"char", "word"}


def test_samples_are_kept_along_training_without_special_tokens_and_saved_in_the_checkpoint(docs, tmp_path):
    run = train_language_model(docs, LMSettings(**{**TINY, "max_steps": 60, "eval_every_steps": 20,
                                                   "sample_length": 60}))
    samples = run.metrics["samples"]
    assert [s["step"] for s in samples] == [0, 20, 40, 60]
    assert all(len(s["text"]) > 30 for s in samples)
    for special in ("<pad>", "<unk>", "<eos>"):
        assert not any(special in s["text"] for s in samples)
    assert run.history[0] == {"step": 0, "elapsed": 0.0, "val_loss": run.history[0]["val_loss"]}
    assert abs(run.history[0]["val_loss"] - math.log(len(run.tokenizer))) < 0.3   # untrained: near uniform
    path = tmp_path / "m.pt"
    save_checkpoint(path, run.model, run.tokenizer, run.settings.to_dict(), run.metrics)
    _, _, info = load_checkpoint(path)
    assert info["metrics"]["samples"] == samples


def test_keep_best_reports_the_kept_model_and_the_last_evaluation(docs):
    run = train_language_model(docs[:3000], LMSettings(**{**TINY, "max_steps": 200, "eval_every_steps": 20,
                                                          "keep_best": True, "patience": 3, "lr": 3e-2}))
    m = run.metrics
    vals = {r["step"]: r["val_loss"] for r in run.history if "val_loss" in r and r["step"] > 0}
    assert m["best_step"] in vals and vals[m["best_step"]] == min(vals.values())
    assert m["last_val_loss"] == vals[max(vals)]
    kept = [s for s in m["samples"] if s["step"] == m["best_step"]]
    assert m["sample"] == kept[0]["text"]                  # the sample shown is the kept model's


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("encoding,layers", [("embedding", 1), ("onehot", 2)])
def test_the_parameter_breakdown_adds_up_to_the_model(cell, encoding, layers):
    config = ModelConfig(vocab_size=57, cell=cell, encoding=encoding, num_layers=layers, hidden_size=24,
                         embedding_dim=8)
    parts = parameter_breakdown(config)
    assert sum(p["count"] for p in parts) == LanguageModel(config).num_parameters()
    assert parts[-1]["count"] == 24 * 57 + 57


def test_size_advice_warns_for_short_texts_only():
    assert size_advice(205, 100_000, "char")[0] == "warning"
    assert size_advice(50_000, 100_000, "word")[0] == "info"
    assert size_advice(400_000, 100_000, "char") is None


def test_diagnosis_names_overfitting_only_when_the_text_was_read_more_than_once():
    history = [{"step": 0, "val_loss": 4.0}]
    for step in range(1, 301):
        history.append({"step": step, "train_loss": 3.0 - step / 150})
        if step % 50 == 0:
            history[-1]["val_loss"] = [2.5, 2.0, 2.1, 2.4, 2.6, 2.8][step // 50 - 1]
    metrics = {"val_loss": 2.0, "uniform_loss": 3.5, "vocab_size": 33, "best_step": 100, "epochs": 40.0}
    notes = diagnose(metrics, history)
    assert len(notes) == 1 and "overfitting" in notes[0] and "step 100" in notes[0]
    once = diagnose({**metrics, "epochs": 0.5}, history)
    assert "cannot have memorised" in once[0]
    assert "above a uniform guess" in diagnose({**metrics, "val_loss": 3.6}, history)[0]
    steady = [r if "val_loss" not in r or r["step"] == 0 else {**r, "val_loss": 3.0 - r["step"] / 200}
              for r in history]
    assert diagnose({**metrics, "best_step": 300}, steady) == []


def test_run_labels_tell_runs_apart():
    a = run_label(preset("quick"), "Python documentation")
    b = run_label(preset("quick", encoding="onehot"), "Python documentation")
    c = run_label(preset("quick", cell="gru", seed=3), "Python documentation")
    assert len({a, b, c}) == 3 and "one-hot" in b and "seed 3" in c and "lr 0.01" in c


def test_samples_to_show_keep_the_first_and_last_and_space_out_the_rest():
    rows = [{"step": 50 * k} for k in range(21)]
    shown = [r["step"] for r in samples_to_show(rows)]
    assert shown[0] == 0 and shown[-1] == 1000 and len(shown) == 7 and shown == sorted(shown)
    assert samples_to_show(rows[:3]) == rows[:3]


def test_the_training_note_says_what_the_dots_and_the_metric_each_read():
    """Issue 22, item 6: the kept model's figure (all of the validation text) and its dot (a part of it)."""
    from rnn_core.language_model.report import training_note, vocabulary_note
    m = {"best_step": 950, "steps": 1000, "seconds": 12.0, "tokens_per_second": 1000, "val_loss": 1.395,
         "last_val_loss": 1.389, "val_tokens": 46_505, "eval_tokens": 8_000, "level": "char", "vocab_size": 106,
         "uniform_loss": math.log(106)}
    note = training_note(m, [{"step": 950, "val_loss": 1.372}, {"step": 1000, "val_loss": 1.389}])
    assert "step 950 (★), where the validation dots were lowest: 1.372, against 1.389 at the last step" in note
    assert "read 8,000 of the 46,505 validation characters" in note and "1.395 for the kept model" in note
    assert "ln 106 = 4.66" in note and "103 distinct symbols of the text and 3 special ones" in note
    assert vocabulary_note(10_003, "word").startswith("10,003 tokens: the 10,000 commonest words")
    short = training_note({**m, "val_tokens": 20, "eval_tokens": 19}, [])
    assert "read" not in short.split("lowest")[1].split("A uniform")[0]   # one measure: nothing to explain


def test_every_preset_trains_on_the_cpu_even_where_cuda_is_present(monkeypatch):
    """Small recurrent models are bound by per-step launch costs: on a GPU box the presets trained worse than on
    two CPU cores, so the device is picked by the work per step, and the trained model comes back on the CPU."""
    from rnn_core.language_model.model import LanguageModel
    from rnn_core.nets import fused

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    for name in ("quick", "better"):
        for cell in ("rnn", "lstm", "gru"):
            s = preset(name, cell=cell)
            params = LanguageModel(s.model_config(110)).num_parameters()
            assert fused.pick_device(params, s.batch_size * s.seq_len).type == "cpu", (name, cell)
    assert fused.pick_device(2_000_000, 32_768).type == "cuda"          # a model far beyond the presets
    monkeypatch.setenv(fused.DEVICE_ENV, "cpu")
    assert fused.pick_device(2_000_000, 32_768).type == "cpu"


def test_a_trained_model_says_where_it_trained_and_lives_on_the_cpu(docs):
    run = train_language_model(docs, LMSettings(**{**TINY, "max_steps": 2}))
    assert run.metrics["device"] == "cpu" and run.model.device.type == "cpu"
