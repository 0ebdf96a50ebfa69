"""App tests: the router, the home page, and a tiny training on the language-model page."""

from conftest import app_test


def test_home_page_tours_the_app():
    at = app_test()
    assert not at.exception
    assert "RNN Lab" in at.title[0].value
    assert any("press Train" in m.value for m in at.markdown)


def _train(at, seconds=5, steps=40):
    at.select_slider(key="lm.hidden").set_value(16)
    at.slider(key="lm.seconds").set_value(seconds)
    at.slider(key="lm.steps").set_value(steps)
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
    assert any("characters · 103 distinct symbols" in c.value for c in at.caption)
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
    at.text_area(key="lm.paste").set_value("   \n ").run()
    assert not at.error and any("Paste a text" in i.value for i in at.info)   # only whitespace: nothing yet
    assert at.button(key="lm.btn_train").disabled
    at.text_area(key="lm.paste").set_value("too short").run()
    assert at.button(key="lm.btn_train").disabled is False
    at.button(key="lm.btn_train").click().run()
    job = at.session_state["lm.job"]
    job.wait(30)
    at.run()
    assert job.status == "failed" and "needs at least" in job.error
    assert any("needs at least" in e.value for e in at.error) and not at.exception


def test_a_second_run_is_shown_and_compared_with_the_first_and_can_be_removed():
    # (settings surviving a page switch is checked in the browser test: AppTest's switch_page differs)
    at = app_test("pages/language_model.py")
    at.radio(key="lm.cell").set_value("gru")
    _train(at, seconds=5)
    at.radio(key="lm.cell").set_value("rnn")
    _train(at, seconds=5)
    assert not at.exception
    models = at.session_state["models"]
    assert len(models) == 2
    newest = models.entries()[-1]
    assert newest.settings["cell"] == "rnn"
    assert at.selectbox(key="lm.shown_model").value == newest.name    # the run just trained is shown
    assert any("Compare your runs" in h.value for h in at.subheader)
    assert at.selectbox(key="lm.compare_group").value == "Python documentation (characters)"
    at.radio(key="lm.compare_axis").set_value("elapsed").run()
    assert not at.exception
    at.button(key="lm.btn_remove").click().run()
    assert len(at.session_state["models"]) == 1 and not at.exception
    assert not any("Compare your runs" in h.value for h in at.subheader)


def test_the_cell_switches_the_preset_learning_rate_until_a_slider_is_moved():
    from rnn_core.language_model.training import preset
    at = app_test("pages/language_model.py")
    at.radio(key="lm.cell").set_value("gru").run()
    assert at.select_slider(key="lm.lr").value == preset("quick", cell="gru").lr
    at.radio(key="lm.level").set_value("word").run()
    assert at.slider(key="lm.steps").value == preset("quick", cell="gru", level="word").max_steps
    at.select_slider(key="lm.hidden").set_value(64).run()            # the learner's own choice
    at.radio(key="lm.cell").set_value("lstm").run()
    assert at.select_slider(key="lm.lr").value == preset("quick", cell="gru").lr   # left alone
    assert at.select_slider(key="lm.hidden").value == 64 and not at.exception


def test_a_short_pasted_text_is_warned_about_before_training():
    at = app_test("pages/language_model.py")
    at.radio(key="lm.source").set_value("Paste text").run()
    at.text_area(key="lm.paste").set_value("Two short sentences. " * 10).run()
    assert any("far too short" in w.value for w in at.warning) and not at.exception


def test_the_last_message_goes_when_the_text_changes():
    at = app_test("pages/language_model.py")
    job = _train(at, steps=20)
    assert job.status == "done"
    at.run()
    assert any("Finished" in s.value for s in at.success)
    at.selectbox(key="lm.builtin").set_value("python-docstrings").run()
    assert not any("Finished" in s.value for s in at.success)


def test_every_preset_shows_and_trains_with_its_own_values():
    # A select_slider given a value outside its options shows (and returns) its first option instead: the Quick
    # preset once trained at a learning rate of 0.0001 that way.
    from rnn_core.language_model.training import PRESETS
    from rnn_core.language_model.training import preset as preset_for
    at = app_test("pages/language_model.py")
    for name in PRESETS:
        for cell in ("lstm", "gru"):
            at.radio(key="lm.cell").set_value(cell).run()
            at.selectbox(key="lm.preset").set_value(name).run()
            assert not at.exception
            preset = preset_for(name, cell=cell)
            shown = {key: at.select_slider(key=key).value for key in ("lm.hidden", "lm.lr", "lm.clip", "lm.batch")}
            assert shown == {"lm.hidden": preset.hidden_size, "lm.lr": preset.lr, "lm.clip": preset.clip,
                             "lm.batch": preset.batch_size}, name
            assert at.slider(key="lm.seq_len").value == preset.seq_len


def test_a_missing_download_is_a_hint_then_one_message_that_names_the_way_out(monkeypatch, tmp_path):
    """Issue 22, item 7: nothing red before any action; a failed download is one red box, not two."""
    import urllib.request
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path))          # nothing downloaded yet

    def offline(*args, **kwargs):
        raise OSError("no network")
    monkeypatch.setattr(urllib.request, "urlopen", offline)
    at = app_test("pages/language_model.py")
    at.radio(key="lm.source").set_value("Famous public text").run()
    assert not at.exception and not at.error
    assert any("press Download" in i.value for i in at.info)
    assert at.button(key="lm.btn_train").disabled
    download = next(b for b in at.button if b.key.startswith("lm.btn_download_"))
    download.click().run()
    assert not at.exception and len(at.error) == 1, [e.value for e in at.error]
    assert "Could not download" in at.error[0].value and "Choose “Built-in corpus”" in at.error[0].value
    assert not any("press Download" in i.value for i in at.info)


def test_an_empty_paste_is_a_hint_not_an_error():
    at = app_test("pages/language_model.py")
    at.radio(key="lm.source").set_value("Paste text").run()
    assert not at.error and any("Paste a text" in i.value for i in at.info)
    assert at.button(key="lm.btn_train").disabled


def test_war_and_peace_at_the_word_level_says_what_a_preset_gives_against_the_ready_made_model(monkeypatch, tmp_path):
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path))
    (tmp_path / "war-and-peace.txt").write_text("Well, Prince, so Genoa and Lucca are now just family\nestates. "
                                                * 400, encoding="utf-8")     # as downloaded, hard-wrapped
    at = app_test("pages/language_model.py")
    at.radio(key="lm.source").set_value("Famous public text").run()
    at.selectbox(key="lm.public").set_value("war-and-peace").run()
    assert not at.exception and not at.error
    assert not any("ready-made model" in i.value for i in at.info)      # characters: no word-level note
    at.radio(key="lm.level").set_value("word").run()
    assert not at.exception and not at.error
    note = next(i.value for i in at.info if "ready-made model" in i.value)
    assert "**Better** keeps the ready-made model's 3,000 words" in note and "not comparable" in note
