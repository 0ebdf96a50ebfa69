"""App tests of the Sentiment page: the ready-made model at once, data choice, training, links, downloads."""

import http.server
import shutil
import threading

import pytest

from conftest import app_test
from rnn_core.sentiment.classifier import STEP_CHOICES, recommended_settings
from rnn_core.sentiment.probe import WORKSHOP_SENTENCE

READY = "Ready-made: LSTM 64 (last state) · Built-in reviews, seed 0"
# What workshop step 10 ("Many to one: sentiment") applies when it opens (rnn_core/workshop.py).
WORKSHOP_STEP = {"sentiment.shown_model": READY, "sentiment.sentence": WORKSHOP_SENTENCE,
                 "sentiment.influence": "leave-one-out"}


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _metric(at, label):
    return next(m.value for m in at.metric if m.label == label)


def test_a_model_and_the_sentence_box_are_there_at_once(empty_cache):
    at = app_test("pages/sentiment.py", timeout=180)
    assert not at.exception and not at.error
    assert at.title[0].value == "Sentiment"
    assert at.selectbox(key="sentiment.shown_model").value == READY
    assert at.text_input(key="sentiment.sentence").value == WORKSHOP_SENTENCE
    assert _metric(at, "The RNN says").startswith("positive") and _metric(at, "The bag of words says").startswith(
        "negative")
    assert any("What to look for" in md.value for md in at.markdown)          # the claims of the defaults
    assert any(m.label == "Sentences" and m.value == "4,000" for m in at.metric)
    assert at.select_slider(key="sentiment.steps").value == recommended_settings("synthetic").max_steps
    pairs = [d.value for d in at.dataframe if "RNN: P(positive)" in d.value.columns]
    assert len(pairs) == 1 and len(pairs[0]) == 5 and pairs[0]["RNN: P(positive)"].str.endswith("✓").all()


@pytest.mark.slow
def test_training_the_defaults_gives_the_ready_made_model_then_explains_sentences(empty_cache):
    at = app_test("pages/sentiment.py", timeout=180)
    ready = at.session_state["sentiment.shown_model"]
    at.button(key="sentiment.btn_train").click().run()
    job = at.session_state["sentiment.job"]
    job.wait(300)
    at.run()
    assert job.status == "done", job.error
    assert not at.exception and not at.error
    entries = at.session_state["models"].entries("classifier")
    assert len(entries) == 1 and entries[0].metrics["steps"] == 600
    assert at.selectbox(key="sentiment.shown_model").value == entries[0].name != ready   # the new one is shown
    assert any(entries[0].name in s.value for s in at.success)
    at.selectbox(key="sentiment.shown_model").set_value(READY).run()
    ready_metrics = {m.label: m.value for m in at.metric}
    at.selectbox(key="sentiment.shown_model").set_value(entries[0].name).run()
    trained_metrics = {m.label: m.value for m in at.metric}
    for label in ("Test accuracy (RNN)", "Bag of words", "Negation test (RNN)", "The RNN says"):
        assert trained_metrics[label] == ready_metrics[label], label     # the same seed, the same model
    exported = [c.value for c in at.code if "train_classifier(" in c.value]   # the run, step for step
    assert len(exported) == 1 and "max_steps=600," in exported[0] and "seconds=None," in exported[0]

    at.text_input(key="sentiment.sentence").set_value("   ").run()
    assert any("empty" in e.value for e in at.error) and not at.exception
    at.text_input(key="sentiment.sentence").set_value("zorgly blimp").run()
    assert any("None of these words" in e.value for e in at.error) and not at.exception
    at.text_input(key="sentiment.sentence").set_value("The film was never boring, wibble.").run()
    assert any("wibble" in w.value and "1 of the 8 words (12%)" in w.value for w in at.warning) and not at.error
    at.text_input(key="sentiment.sentence").set_value("I did not like it").run()
    assert not at.warning and _metric(at, "The RNN says").startswith("negative")   # ordinary words are known
    at.radio(key="sentiment.influence").set_value("gradient").run()
    assert not at.exception and not at.error
    assert len(at.session_state["models"].entries("classifier")) == 1    # nothing lost on the way

    # The workshop step's settings bring the room back to the same picture from wherever a laptop is.
    for key, value in WORKSHOP_STEP.items():
        at.session_state[key] = value
    at.run()
    assert at.selectbox(key="sentiment.shown_model").value == READY
    assert _metric(at, "The RNN says").startswith("positive") and not at.error


def test_a_short_training_reports_exact_progress(empty_cache):
    at = app_test("pages/sentiment.py", timeout=180)
    at.slider(key="sentiment.n_sentences").set_value(1000)
    at.select_slider(key="sentiment.hidden").set_value(16)
    at.select_slider(key="sentiment.steps").set_value(STEP_CHOICES[0])
    at.button(key="sentiment.btn_train").click().run()
    job = at.session_state["sentiment.job"]
    job.wait(180)
    assert job.status == "done" and job.progress.planned_steps == STEP_CHOICES[0]   # "step N of 100", exactly
    at.run()
    assert not at.exception and not at.error


@pytest.fixture
def http_server(tmp_path, shared_data):
    """A local HTTP server on 127.0.0.1 serving the UCI zip at /uci.zip."""
    from test_sentiment_data import uci_zip
    root = tmp_path / "www"
    root.mkdir()
    (root / "uci.zip").write_bytes(uci_zip(shared_data / "sentiment-labelled-sentences"))
    handler = lambda *a, **k: http.server.SimpleHTTPRequestHandler(*a, directory=str(root), **k)  # noqa: E731
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_uci_offline_says_one_thing_at_a_time(empty_cache, monkeypatch):
    monkeypatch.setenv("RNN_LAB_UCI_URL", "http://127.0.0.1:9/unreachable.zip")
    at = app_test("pages/sentiment.py", timeout=180)
    at.radio(key="sentiment.source").set_value("UCI review sentences").run()
    assert not at.exception and not at.error
    assert sum("not downloaded" in i.value for i in at.info) == 1
    assert at.button(key="sentiment.btn_train").disabled
    at.button(key="sentiment.btn_download").click().run()
    assert not at.exception
    assert len(at.error) == 1 and "Could not download" in at.error[0].value       # one red box, saying what to do
    assert not any("not downloaded" in i.value for i in at.info)


def test_uci_downloads_once_then_reads_the_cache(empty_cache, monkeypatch, http_server):
    monkeypatch.setenv("RNN_LAB_UCI_URL", f"{http_server}/uci.zip")
    at = app_test("pages/sentiment.py", timeout=180)
    at.radio(key="sentiment.source").set_value("UCI review sentences").run()
    at.button(key="sentiment.btn_download").click().run()
    assert not at.exception and not at.error
    assert any(m.label == "Sentences" and m.value == "3,000" for m in at.metric)
    assert not at.button(key="sentiment.btn_train").disabled
    at.multiselect(key="sentiment.uci_sources").set_value(["yelp"]).run()
    assert any(m.label == "Sentences" and m.value == "1,000" for m in at.metric)
    at.multiselect(key="sentiment.uci_sources").set_value([]).run()
    assert any("at least one source" in e.value for e in at.error) and not at.exception


def _settings(at):
    keys = ("sentiment.pooling", "sentiment.batch", "sentiment.hidden", "sentiment.embedding", "sentiment.lr",
            "sentiment.steps")
    return {k: at.session_state[k] for k in keys}


def test_a_link_and_a_click_give_the_same_settings(empty_cache, shared_data):
    shutil.copytree(shared_data / "sentiment-labelled-sentences", empty_cache / "sentiment-labelled-sentences")
    clicked = app_test("pages/sentiment.py", timeout=180)
    clicked.radio(key="sentiment.source").set_value("UCI review sentences").run()
    from streamlit.testing.v1 import AppTest
    from conftest import ROOT
    linked = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    linked.query_params.update({"data": "UCI review sentences"})
    linked.run()
    linked.switch_page("pages/sentiment.py").run()
    assert not linked.exception and linked.radio(key="sentiment.source").value == "UCI review sentences"
    real = recommended_settings("reviews")
    assert _settings(linked) == _settings(clicked) == {
        "sentiment.pooling": real.pooling, "sentiment.batch": real.batch_size, "sentiment.hidden": real.hidden_size,
        "sentiment.embedding": real.embedding_dim, "sentiment.lr": real.lr, "sentiment.steps": real.max_steps}
    # a link's own value still wins over the data's default
    pooled = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    pooled.query_params.update({"data": "UCI review sentences", "pooling": "mean"})
    pooled.run()
    pooled.switch_page("pages/sentiment.py").run()
    assert pooled.session_state["sentiment.pooling"] == "mean" and pooled.session_state["sentiment.batch"] == 64


def test_a_link_ticks_bidirectional():
    """A shared link ``sentiment?bidirectional=1`` ticks Bidirectional (the gallery's Bidirectional shape now opens Tag a sentence)."""
    from streamlit.testing.v1 import AppTest
    from conftest import ROOT
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    at.query_params.update({"bidirectional": "1"})
    at.run()
    at.switch_page("pages/sentiment.py").run()
    assert not at.exception and not at.warning
    assert at.checkbox(key="sentiment.bidirectional").value is True
    assert at.session_state["sentiment.pooling"] == "last"             # the rest are the defaults


def test_upload_source_asks_for_a_file():
    at = app_test("pages/sentiment.py", timeout=180)
    at.radio(key="sentiment.source").set_value("Upload a CSV file").run()
    assert not at.exception and any("CSV file" in e.value for e in at.error)
    assert at.button(key="sentiment.btn_train").disabled
