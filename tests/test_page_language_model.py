"""App tests: the router, the home page, and a tiny training on the language-model page."""

from conftest import app_test


def test_home_page_tours_the_app():
    at = app_test()
    assert not at.exception
    assert "RNN Lab" in at.title[0].value
    assert any("press Train" in m.value for m in at.markdown)


def _train(at, seconds=5):
    at.select_slider(key="lm.hidden").set_value(16)
    at.slider(key="lm.seconds").set_value(seconds)
    at.select_slider(key="lm.batch").set_value(8)
    at.slider(key="lm.seq_len").set_value(16)
    at.button(key="lm.btn_train").click().run()
    job = at.session_state["lm.job"]
    job.wait(120)
    at.run()
    return job


def test_training_on_a_built_in_corpus_stores_a_model():
    at = app_test("pages/language_model.py")
    assert not at.exception and not at.error
    assert any(m.label == "Characters" for m in at.metric)
    job = _train(at)
    assert job.status == "done", job.error
    at.run()
    assert not at.exception
    models = at.session_state["models"]
    assert len(models) == 1
    entry = models.entries()[0]
    assert entry.kind == "language-model" and entry.metrics["steps"] > 0
    assert any(m.label == "Validation loss" for m in at.metric)
    assert any(s.value == entry.name for s in at.selectbox if s.key == "lm.shown_model")


def test_empty_pasted_text_gives_a_message_and_disables_training():
    at = app_test("pages/language_model.py")
    at.radio(key="lm.source").set_value("Paste text").run()
    assert any("empty" in e.value for e in at.error)
    assert at.button(key="lm.btn_train").disabled
    at.text_area(key="lm.paste").set_value("too short").run()
    assert at.button(key="lm.btn_train").disabled is False
    at.button(key="lm.btn_train").click().run()
    job = at.session_state["lm.job"]
    job.wait(30)
    at.run()
    assert job.status == "failed" and "needs at least" in job.error
    assert any("needs at least" in e.value for e in at.error) and not at.exception


def test_a_second_run_is_compared_with_the_first():
    # (settings surviving a page switch is checked in the browser test: AppTest's switch_page differs)
    at = app_test("pages/language_model.py")
    at.radio(key="lm.cell").set_value("gru")
    _train(at, seconds=5)
    at.radio(key="lm.cell").set_value("rnn")
    _train(at, seconds=5)
    assert not at.exception
    assert len(at.session_state["models"]) == 2
    assert any("Compare your runs" in h.value for h in at.subheader)


def test_every_preset_shows_and_trains_with_its_own_values():
    # A select_slider given a value outside its options shows (and returns) its first option instead: the Quick
    # preset once trained at a learning rate of 0.0001 that way.
    from rnn_core.lm import PRESETS
    at = app_test("pages/language_model.py")
    for name, preset in PRESETS.items():
        at.selectbox(key="lm.preset").set_value(name).run()
        assert not at.exception
        shown = {key: at.select_slider(key=key).value for key in ("lm.hidden", "lm.lr", "lm.clip", "lm.batch")}
        assert shown == {"lm.hidden": preset.hidden_size, "lm.lr": preset.lr, "lm.clip": preset.clip,
                         "lm.batch": preset.batch_size}, name
        assert at.slider(key="lm.seq_len").value == preset.seq_len
