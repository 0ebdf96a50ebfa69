"""Hardening sweep: bad input on every page gives a clear message, never a traceback, and the models the
learner already trained stay in the session, untouched.

Each case opens a page with one trained model already in the session's registry, does one bad thing, and
checks for the message. (Uploads are covered by the loaders' own tests: AppTest cannot drive an uploader.)
"""

from __future__ import annotations

import pytest
import torch

from rnn_core.language_model.model import LanguageModel, ModelConfig
from rnn_core.runs.registry import ModelRegistry, TrainedModel
from rnn_core.data.text import Tokenizer


def _registry_with_a_model() -> tuple[ModelRegistry, dict]:
    torch.manual_seed(0)
    tokenizer = Tokenizer.build("hello world, the quick brown fox\n", "char")
    model = LanguageModel(ModelConfig(vocab_size=len(tokenizer), cell="gru", hidden_size=8))
    models = ModelRegistry()
    models.add(TrainedModel("GRU 8 · Pasted text (char)", "language-model", model, tokenizer,
                            {"cell": "gru", "hidden_size": 8, "num_layers": 1, "level": "char"},
                            {"val_loss": 2.0, "params": model.num_parameters(), "level": "char", "vocab_size":
                             len(tokenizer), "steps": 1}, [], source="Pasted text"))
    weights = {k: v.clone() for k, v in model.state_dict().items()}
    return models, weights


def _open(page: str):
    from streamlit.testing.v1 import AppTest
    from conftest import ROOT
    models, weights = _registry_with_a_model()
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.session_state["models"] = models
    at.run()
    at.switch_page(page).run()
    return at, weights


def _messages(at) -> str:
    return " ".join(e.value for e in [*at.error, *at.warning, *at.info]).lower()


def _finish_job(at, key: str) -> None:
    job = at.session_state[key]
    job.wait(120)
    at.run()


# --- the cases: (page, what the learner does, words the message must contain) ----------------------------

def lm_paste(text: str, train: bool = False, **widgets):
    def act(at):
        at.radio(key="lm.source").set_value("Paste text").run()
        at.text_area(key="lm.paste").set_value(text).run()
        for key, value in widgets.items():
            at.radio(key=key).set_value(value).run()
        if train:
            at.button(key="lm.btn_train").click().run()
            _finish_job(at, "lm.job")
    return act


def lm_public_not_downloaded(at):
    at.radio(key="lm.source").set_value("Famous public text").run()


def lm_diverging(at):
    at.select_slider(key="lm.lr").set_value(1.0)
    at.select_slider(key="lm.clip").set_value(0.0)
    at.radio(key="lm.cell").set_value("rnn")
    at.slider(key="lm.steps").set_value(200)
    at.slider(key="lm.seconds").set_value(10)
    at.button(key="lm.btn_train").click().run()
    _finish_job(at, "lm.job")


def generate(prompt: str | None = None, length: int | None = None, analyse: str | None = None):
    def act(at):
        if prompt is not None:
            at.text_area(key="generate.prompt").set_value(prompt).run()
        if length is not None:
            at.number_input(key="generate.length").set_value(length).run()
        if analyse is not None:
            at.radio(key="generate.view").set_value("Surprise").run()
            at.text_area(key="generate.analyse").set_value(analyse).run()
        at.button(key="generate.btn_generate").click().run() if analyse is None else None
    return act


def compare_lengths(text: str):
    def act(at):
        at.text_input(key="compare.lengths").set_value(text).run()
        at.button(key="compare.btn_train").click().run()
    return act


def compare_no_cells(at):
    at.multiselect(key="compare.cells").set_value([]).run()
    at.button(key="compare.btn_train").click().run()


def gradients_no_cells(at):
    at.multiselect(key="gradients.cells").set_value([]).run()


def gradients_train_too_long(at):
    at.slider(key="gradients.length").set_value(500).run()
    at.button(key="gradients.btn_train").click().run()


def how_word(word: str):
    def act(at):
        at.text_input(key="how.word").set_value(word).run()
    return act


def sentiment_source(source: str, sources: list | None = None):
    def act(at):
        at.radio(key="sentiment.source").set_value(source).run()
        if sources is not None:
            at.multiselect(key="sentiment.uci_sources").set_value(sources).run()
    return act


@pytest.fixture(autouse=True)
def empty_download_cache(tmp_path, monkeypatch):
    """Nothing downloaded yet, whatever this machine has cached."""
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))


CASES = [
    ("pages/language_model.py", lm_paste(""), "paste a text above"),          # a hint, not an error: nothing
    ("pages/language_model.py", lm_paste("   \n\t  "), "paste a text above"),   # was done wrong yet
    ("pages/language_model.py", lm_paste("\x00\x01\x02"), ""),
    ("pages/language_model.py", lm_paste("far too short", train=True), "needs at least"),
    ("pages/language_model.py", lm_paste(" ".join(f"w{i}x" for i in range(20_000)), train=True,
                                         **{"lm.level": "word"}), "character level"),
    ("pages/language_model.py", lm_public_not_downloaded, "not on this machine yet"),
    ("pages/language_model.py", lm_diverging, ""),
    ("pages/generate.py", generate(prompt="Привет, мир"), "vocabulary"),
    ("pages/generate.py", generate(prompt="日本語のテキスト"), "vocabulary"),
    ("pages/generate.py", generate(length=2000, prompt=""), ""),
    ("pages/generate.py", generate(analyse=""), ""),
    ("pages/compare.py", compare_lengths("abc"), "length"),
    ("pages/compare.py", compare_lengths(""), "length"),
    ("pages/compare.py", compare_lengths("0"), "at least 4 steps"),
    ("pages/compare.py", compare_lengths("100000"), "too long"),
    ("pages/compare.py", compare_lengths("-5, 10"), "at least 4 steps"),
    ("pages/compare.py", compare_no_cells, "cell"),
    ("pages/gradients.py", gradients_no_cells, "at least one cell"),
    ("pages/gradients.py", gradients_train_too_long, "limited"),
    ("pages/how_it_works.py", how_word(""), "word"),
    ("pages/how_it_works.py", how_word("a" * 40), "letters"),
    ("pages/how_it_works.py", how_word("héllo!"), "letters"),
    ("pages/how_it_works.py", how_word("aaaa"), "letter"),
    ("pages/how_it_works.py", how_word("12345"), "letters"),
    ("pages/sentiment.py", sentiment_source("UCI review sentences"), "download"),
    ("pages/sentiment.py", sentiment_source("UCI review sentences", sources=[]), ""),
    ("pages/sentiment.py", sentiment_source("Upload a CSV file"), "csv"),
]


@pytest.mark.parametrize("page, act, expected", CASES,
                         ids=[f"{p.split('/')[-1][:-3]}-{i}" for i, (p, _, _) in enumerate(CASES)])
def test_bad_input_gets_a_message_and_keeps_the_models(page, act, expected):
    at, weights = _open(page)
    act(at)
    assert not at.exception, at.exception[0].value if at.exception else ""
    if expected:
        assert expected in _messages(at), _messages(at)[:500]
    models = at.session_state["models"]
    entry = models.get("GRU 8 · Pasted text (char)")
    assert entry is not None, "an earlier model was lost"
    for name, value in entry.model.state_dict().items():
        assert torch.equal(value, weights[name]), f"an earlier model's {name} changed"
