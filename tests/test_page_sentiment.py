"""App tests of the Sentiment page: data choice, a tiny training, results, and "try your own sentence"."""

import shutil

import pytest

from conftest import app_test


@pytest.fixture
def empty_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _train(at, seconds=4):
    at.slider(key="sentiment.n_sentences").set_value(2000)
    at.slider(key="sentiment.distractor").set_value(4)
    at.select_slider(key="sentiment.hidden").set_value(32)
    at.select_slider(key="sentiment.embedding").set_value(16)
    at.select_slider(key="sentiment.lr").set_value(1e-2)
    at.slider(key="sentiment.seconds").set_value(seconds)
    at.button(key="sentiment.btn_train").click().run()
    job = at.session_state["sentiment.job"]
    job.wait(180)
    at.run()
    return job


def test_built_in_reviews_train_and_explain_a_sentence(empty_cache):
    at = app_test("pages/sentiment.py")
    assert not at.exception and not at.error
    assert any(m.label == "Sentences" and m.value == "4,000" for m in at.metric)
    assert any(m.label == "Negation test" for m in at.metric)
    assert len(at.dataframe) == 1
    job = _train(at)
    assert job.status == "done", job.error
    assert not at.exception and not at.error
    entries = at.session_state["models"].entries("classifier")
    assert len(entries) == 1 and entries[0].metrics["steps"] > 0
    labels = {m.label for m in at.metric}
    assert {"Test accuracy (RNN)", "Bag of words", "Negation test (RNN)", "The RNN says",
            "The bag of words says"} <= labels
    assert any(s.key == "sentiment.shown_model" and s.value == entries[0].name for s in at.selectbox)
    steps = entries[0].metrics["steps"]
    exported = [c.value for c in at.code if "train_classifier(" in c.value]   # the run, step for step
    assert len(exported) == 1 and f"max_steps={steps}," in exported[0] and "seconds=None," in exported[0]
    assert "generate_reviews(ReviewSettings(n_sentences=2000, max_distractor=4" in exported[0]

    at.text_input(key="sentiment.sentence").set_value("   ").run()
    assert any("empty" in e.value for e in at.error) and not at.exception
    at.text_input(key="sentiment.sentence").set_value("zorgly blimp").run()
    assert any("None of these words" in e.value for e in at.error) and not at.exception
    at.text_input(key="sentiment.sentence").set_value("The film was never boring, wibble.").run()
    assert any("wibble" in w.value for w in at.warning) and not at.error
    at.radio(key="sentiment.influence").set_value("gradient").run()
    assert not at.exception and not at.error
    assert len(at.session_state["models"].entries("classifier")) == 1    # nothing lost on the way


def test_uci_needs_a_download_first_then_reads_the_cache(empty_cache, shared_data):
    at = app_test("pages/sentiment.py")
    at.radio(key="sentiment.source").set_value("UCI review sentences").run()
    assert not at.exception
    assert any("not downloaded" in e.value for e in at.error)
    assert at.button(key="sentiment.btn_train").disabled
    assert at.session_state["sentiment.pooling"] == "max"        # the defaults for real reviews
    folder = empty_cache / "sentiment-labelled-sentences"
    shutil.copytree(shared_data / "sentiment-labelled-sentences", folder)
    at.run()
    assert not at.error and any(m.label == "Sentences" and m.value == "3,000" for m in at.metric)
    at.multiselect(key="sentiment.uci_sources").set_value(["yelp"]).run()
    assert any(m.label == "Sentences" and m.value == "1,000" for m in at.metric)
    at.multiselect(key="sentiment.uci_sources").set_value([]).run()
    assert any("at least one source" in e.value for e in at.error) and not at.exception


def test_upload_source_asks_for_a_file():
    at = app_test("pages/sentiment.py")
    at.radio(key="sentiment.source").set_value("Upload a CSV file").run()
    assert not at.exception and any("CSV file" in e.value for e in at.error)
    assert at.button(key="sentiment.btn_train").disabled
