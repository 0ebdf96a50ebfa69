"""The sentiment classifier: models, padding, the baseline, training end to end, probes, and the command line."""

import json
import subprocess
import sys
import threading
from dataclasses import replace

import numpy as np
import pytest
import torch

from conftest import ROOT
from rnn_core.__main__ import main
from rnn_core.sentiment.classifier import BagOfWords, Classifier, ClassifierSettings, SentimentRNN, pad, train_classifier
from rnn_core.sentiment.probe import (MINIMAL_PAIRS, gradient_is_saturated, minimal_pairs, probabilities_by_word,
                                     probe_sentence, word_influence)
from rnn_core.errors import RNNLabError
from rnn_core.sentiment.data import ReviewSettings, generate_reviews, negation_split
from rnn_core.data.text import Tokenizer

TINY = ClassifierSettings(hidden_size=16, embedding_dim=16, seconds=None, max_steps=40, batch_size=16,
                          eval_every_seconds=0.2)


@pytest.fixture(scope="module")
def reviews():
    settings = ReviewSettings(n_sentences=2000, max_distractor=4, seed=1)
    data = generate_reviews(settings)
    return data, negation_split(settings, n_sentences=200, exclude=set(data.texts))


@pytest.fixture(scope="module")
def trained(reviews):
    data, held_out = reviews
    # small starting word vectors, as the page's defaults on the built-in reviews (recommended_settings)
    return train_classifier(data, replace(TINY, hidden_size=32, batch_size=32, max_steps=300, lr=1e-2,
                                          embedding_init=0.3), held_out=held_out)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("pooling", ["last", "mean", "max"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_does_not_change_a_sentence_s_prediction(cell, pooling, bidirectional):
    torch.manual_seed(0)
    settings = ClassifierSettings(cell=cell, pooling=pooling, bidirectional=bidirectional, hidden_size=8,
                                  embedding_dim=6, num_layers=2)
    net = SentimentRNN(30, 3, settings).eval()
    short, long = [5, 6, 7], [8, 9, 10, 11, 12, 13, 14]
    alone = net(*pad([short]))
    batched = net(*pad([long, short, long]))
    assert batched.shape == (3, 3)
    torch.testing.assert_close(alone[0], batched[1], atol=1e-6, rtol=1e-5)


def test_last_state_summary_reads_both_directions_to_the_end():
    torch.manual_seed(0)
    net = SentimentRNN(30, 2, ClassifierSettings(cell="gru", bidirectional=True, hidden_size=4)).eval()
    idx, lengths = pad([[3, 4, 5]])
    out = net.hidden_states(idx, lengths)
    summary = net.summarise(out, lengths)[0]
    torch.testing.assert_close(summary[:4], out[0, 2, :4])    # forward direction after the last word
    torch.testing.assert_close(summary[4:], out[0, 0, 4:])    # backward direction after the first word


def test_bag_of_words_ignores_order_and_counts_words():
    torch.manual_seed(0)
    bow = BagOfWords(10, 2)
    torch.nn.init.normal_(bow.weights.weight)
    idx, lengths = pad([[3, 4, 4, 5], [5, 4, 3, 4], [3, 4]])
    logits = bow(idx, lengths)
    torch.testing.assert_close(logits[0], logits[1])
    w = bow.weights.weight
    torch.testing.assert_close(logits[0], w[3] + 2 * w[4] + w[5] + bow.bias)
    torch.testing.assert_close(logits[2], w[3] + w[4] + bow.bias)


def test_training_end_to_end_reports_what_the_page_and_cli_need(trained, reviews):
    data, held_out = reviews
    m = trained.metrics
    for key in ("test_accuracy", "baseline_test_accuracy", "n_train", "n_test", "classes", "confusion",
                "negation_accuracy", "baseline_negation_accuracy", "params", "steps", "misclassified"):
        assert key in m
    assert m["n_train"] + m["n_test"] == len(data) and m["n_test"] == 400 and m["steps"] == 300
    assert m["classes"] == ["negative", "positive"]
    confusion = np.array(m["confusion"])
    assert confusion.sum() == m["n_test"] and np.trace(confusion) == round(m["test_accuracy"] * m["n_test"])
    test_labels = [data.labels[i] for i in trained.split.test]
    assert confusion.sum(axis=1).tolist() == [test_labels.count(0), test_labels.count(1)]   # stratified
    assert not set(trained.split.fit) & set(trained.split.test) and not set(trained.split.val) & set(trained.split.test)
    assert any("val_accuracy" in row for row in trained.history)
    for row in m["misclassified"]:
        assert row["true"] != row["predicted"]
    groups = {r["group"]: r for r in m["by_group"]}        # accuracy per construction, the test part's
    test_groups = [data.groups[i] for i in trained.split.test]
    assert set(groups) == set(test_groups) and sum(r["n"] for r in groups.values()) == m["n_test"]
    plain = [k for k, i in enumerate(trained.split.test) if data.groups[i] == "plain"]
    right = trained.classifier.predict_proba([data.texts[trained.split.test[k]] for k in plain]).argmax(1)
    truth = np.array([data.labels[trained.split.test[k]] for k in plain])
    assert groups["plain"]["n"] == len(plain) and groups["plain"]["rnn"] == pytest.approx((right == truth).mean())


def test_the_rnn_learns_and_the_bag_of_words_cannot_read_negation(trained):
    m = trained.metrics
    assert m["test_accuracy"] > 0.85 and m["negation_accuracy"] > 0.8     # in 300 small steps
    assert m["baseline_negation_accuracy"] <= 0.65     # every word is as frequent in both classes there
    assert m["baseline_test_accuracy"] < 0.9           # word order matters in the built-in reviews


def test_training_is_reproducible_from_the_seed(reviews):
    data, _ = reviews
    a = train_classifier(data, replace(TINY, max_steps=15, seed=4))
    b = train_classifier(data, replace(TINY, max_steps=15, seed=4))
    assert a.metrics["test_loss"] == b.metrics["test_loss"] and a.split.test == b.split.test


def test_a_stop_before_the_first_step_keeps_an_untrained_model(reviews):
    data, _ = reviews
    stop = threading.Event()
    stop.set()
    run = train_classifier(data, TINY, stop=stop)
    assert run.result.steps == 0 and run.result.stop_reason == "stopped"


def test_too_little_data_is_refused(reviews):
    data, _ = reviews
    with pytest.raises(RNNLabError, match="at least 10"):
        train_classifier(data.subset(range(5)), TINY)
    with pytest.raises(RNNLabError):
        ClassifierSettings(pooling="median")


@pytest.mark.parametrize("pooling, bidirectional", [("last", False), ("max", True), ("mean", False)])
def test_probabilities_by_word_end_at_the_sentence_s_prediction(pooling, bidirectional):
    torch.manual_seed(0)
    net = SentimentRNN(20, 2, ClassifierSettings(pooling=pooling, bidirectional=bidirectional, hidden_size=8)).eval()
    ids = [4, 7, 9, 3, 5]
    by_word = probabilities_by_word(net, ids)
    assert by_word.shape == (5, 2) and np.allclose(by_word.sum(1), 1)
    for t in (1, 3, 5):
        with torch.no_grad():
            expected = torch.softmax(net(*pad([ids[:t]])), -1)[0].numpy()
        assert np.allclose(by_word[t - 1], expected, atol=1e-6)


def test_leave_one_out_influence_is_the_change_in_probability():
    torch.manual_seed(0)
    net = SentimentRNN(20, 2, ClassifierSettings(hidden_size=8)).eval()
    ids = [4, 7, 9, 3]
    influence = word_influence(net, ids, target=1)
    with torch.no_grad():
        full = torch.softmax(net(*pad([ids])), -1)[0, 1]
        without_second = torch.softmax(net(*pad([[4, 9, 3]])), -1)[0, 1]
    assert influence.shape == (4,) and np.isclose(influence[1], float(full - without_second), atol=1e-6)
    gradient = word_influence(net, ids, target=1, method="gradient")
    assert gradient.shape == (4,) and np.isfinite(gradient).all()
    assert word_influence(net, [4], target=0).shape == (1,)


def test_gradient_influence_is_the_log_odds_gradient_and_leaves_the_weights_alone():
    torch.manual_seed(0)
    net = SentimentRNN(20, 2, ClassifierSettings(hidden_size=8)).eval()
    ids = [4, 7, 9, 3]
    gradient = word_influence(net, ids, target=1, method="gradient")
    assert all(p.grad is None for p in net.parameters())          # a shared model stays untouched
    idx, lengths = pad([ids])
    inputs = net.embedding(idx).detach().requires_grad_(True)
    scores = net(idx, lengths, inputs)[0]
    (scores[1] - scores[0]).backward()                            # two classes: the log-odds is the score gap
    assert np.allclose(gradient, (inputs.grad * inputs).sum(-1)[0].detach().numpy(), atol=1e-6)
    # Saturate the output: scale the head so P is 1 - 1e-9. The log-odds gradient still moves, log P's would not.
    with torch.no_grad():
        net.head.weight.mul_(1e3)
    big = word_influence(net, ids, target=int(torch.softmax(net(*pad([ids])), -1)[0].argmax()), method="gradient")
    assert np.abs(big).max() > 100 * np.abs(gradient).max() and not gradient_is_saturated(big)
    assert gradient_is_saturated(np.array([0.01, -0.02])) and not gradient_is_saturated(np.array([0.01, 0.3]))


def test_minimal_pairs_report_both_models(trained):
    rows = minimal_pairs(trained.classifier)
    assert [r["sentence"] for r in rows] == [t for t, _ in MINIMAL_PAIRS]
    probs = trained.classifier.predict_proba([t for t, _ in MINIMAL_PAIRS])[:, 1]
    for row, p, (_, label) in zip(rows, probs, MINIMAL_PAIRS):
        assert row["rnn"] == pytest.approx(float(p)) and row["rnn_right"] == ((p > 0.5) == bool(label))
    other = Classifier(trained.classifier.rnn, trained.classifier.baseline, trained.classifier.tokenizer, ("a", "b"))
    assert minimal_pairs(other) == []


def test_probe_explains_a_sentence_and_refuses_empty_or_unknown_ones(trained):
    classifier = trained.classifier
    probe = probe_sentence(classifier, "The food was not bad at all.")
    assert probe.words == ["the", "food", "was", "not", "bad", "at", "all", "."]
    assert probe.by_word.shape == (8, 2) and probe.hidden.shape == (8, 32) and probe.influence.shape == (8,)
    assert np.allclose(probe.by_word[-1], probe.probabilities, atol=1e-6)
    assert np.allclose(probe.probabilities, classifier.predict_proba(["The food was not bad at all."])[0], atol=1e-6)
    assert probe.unknown == []
    assert probe_sentence(classifier, "The food was zorgly.").unknown == ["zorgly"]
    with pytest.raises(RNNLabError, match="empty"):
        probe_sentence(classifier, "   ")
    with pytest.raises(RNNLabError, match="None of these words"):
        probe_sentence(classifier, "zorgly blimp")


def test_the_classifier_reads_unseen_text_as_unknown_words():
    tokenizer = Tokenizer.build("good bad", "word")
    classifier = Classifier(SentimentRNN(len(tokenizer), 2, ClassifierSettings(hidden_size=4)),
                            BagOfWords(len(tokenizer), 2), tokenizer, ("negative", "positive"))
    assert classifier.encode("") == [tokenizer.unk_id]
    assert classifier.encode("GOOD, weird") == [tokenizer.id_of("good"), tokenizer.unk_id, tokenizer.unk_id]
    assert classifier.predict_proba(["good", "", "x" * 5000]).shape == (3, 2)


# --- the command line --------------------------------------------------------------------------------------

def _run(*args):
    return subprocess.run([sys.executable, "-m", "rnn_core", "sentiment", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


@pytest.mark.slow
def test_cli_on_the_built_in_reviews_prints_its_figures():
    proc = _run("--data", "synthetic", "--sentences", "400", "--seconds", "0", "--max-steps", "10",
                "--hidden", "8", "--embedding", "8")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("test_accuracy", "baseline_test_accuracy", "n_train", "n_test", "classes", "negation_accuracy",
                "baseline_negation_accuracy"):
        assert key in out
    assert out["n_train"] == 320 and out["n_test"] == 80 and out["steps"] == 10


def _main(capsys, *args):
    """The command in this process (no interpreter start-up): exit status, last stdout line, stderr."""
    status = main(["sentiment", *args])
    out, err = capsys.readouterr()
    return status, (json.loads(out.strip().splitlines()[-1]) if status == 0 else None), err


@pytest.fixture
def one_thread(monkeypatch):
    monkeypatch.setenv("RNN_LAB_TORCH_THREADS", "1")


def test_cli_on_a_uci_folder_and_a_csv(shared_data, tmp_path, capsys, one_thread):
    status, out, err = _main(capsys, "--data", str(shared_data / "sentiment-labelled-sentences"), "--sources", "yelp",
                             "--cell", "gru", "--bidirectional", "--seconds", "0", "--max-steps", "5", "--hidden", "8")
    assert status == 0, err
    assert out["n_train"] + out["n_test"] == 1000 and out["n_test"] == 200 and "negation_accuracy" not in out
    assert out["settings"]["bidirectional"] and out["settings"]["pooling"] == "max"
    csv = tmp_path / "r.csv"
    csv.write_text("id,comment,mood\n" + "".join(f"{i},sentence {i},{'happy' if i % 3 else 'sad'}\n" for i in range(30)))
    status, out, err = _main(capsys, "--data", str(csv), "--text-column", "comment", "--label-column", "mood",
                             "--seconds", "0", "--max-steps", "3", "--hidden", "8")
    assert status == 0, err
    assert out["classes"] == ["happy", "sad"] and out["n_test"] == 6


def test_cli_user_errors_exit_2_with_a_message(tmp_path, capsys, one_thread):
    csv = tmp_path / "one.csv"
    csv.write_text("text,label\n" + "".join(f"sentence {i},pos\n" for i in range(12)))
    status, _, err = _main(capsys, "--data", str(csv))
    assert status == 2 and "only one class" in err
    status, _, err = _main(capsys, "--data", str(tmp_path / "missing.csv"))
    assert status == 2 and "No such file" in err
    status, _, err = _main(capsys, "--data", "synthetic", "--seconds", "-1")
    assert status == 2 and "--seconds" in err
