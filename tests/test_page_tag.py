"""App tests of the Tag a sentence page: the sentences at once, settings from a link, a short training, typing."""

from streamlit.testing.v1 import AppTest

from conftest import ROOT, app_test


def _linked(query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/tag.py").run()
    return at


def test_the_page_opens_on_the_sentences_and_asks_for_a_training():
    at = app_test("pages/tag.py", timeout=120)
    assert not at.exception and not at.error
    assert at.title[0].value == "Tag a sentence"
    assert at.slider(key="tag.distance").value == 3 and at.radio(key="tag.cell").value == "lstm"
    assert at.select_slider(key="tag.steps").value == 600
    shown = [md.value for md in at.markdown if "<u>" in md.value]      # sample sentences, cue underlined
    assert len(shown) == 1 and shown[0].count("  \n") == 5 and "**" in shown[0]
    assert any("Nothing trained yet" in i.value for i in at.info)
    assert not at.text_input                                             # nothing to tag with yet


def test_a_link_sets_the_page_and_a_bad_link_only_warns():
    at = _linked({"cell": "gru", "distance": "6", "seed": "4", "sentence": "apple is on sale"})
    assert not at.exception and not at.warning
    assert at.radio(key="tag.cell").value == "gru" and at.slider(key="tag.distance").value == 6
    assert at.session_state["tag.seed"] == 4 and at.session_state["tag.sentence"] == "apple is on sale"
    bad = _linked({"cell": "cnn", "distance": "99", "steps": "many"})
    assert not bad.exception and bad.warning
    assert bad.radio(key="tag.cell").value == "lstm" and bad.slider(key="tag.distance").value == 12
    assert bad.select_slider(key="tag.steps").value == 600


def test_a_short_training_shows_both_models_and_survives_bad_sentences():
    at = app_test("pages/tag.py", timeout=120)
    at.select_slider(key="tag.hidden").set_value(16)
    at.select_slider(key="tag.steps").set_value(100)
    at.button(key="tag.btn_train").click().run()
    job = at.session_state["tag.job"]
    job.wait(240)
    assert job.status == "done", job.error
    assert job.progress.planned_steps == 100
    at.run()
    assert not at.exception and not at.error
    labels = {m.label: m.value for m in at.metric}
    for kind in ("Ambiguous", "Plain"):
        for name in ("left to right →", "bidirectional ↔", "baseline"):
            assert labels[f"{kind} words: {name}"].endswith("%")
    assert labels["Ambiguous words: baseline"] == "48.3%"
    assert not any("With the defaults" in md.value for md in at.markdown)   # 100 steps: not the defaults' claims
    exported = [c.value for c in at.code if "train_taggers(" in c.value]
    assert len(exported) == 1 and "max_steps=100," in exported[0] and "hidden_size=16," in exported[0]
    table = at.dataframe[0].value
    assert list(table["word"]) == ["jordan", "scored", "twice"]
    assert {"left to right →", "bidirectional ↔", "baseline"} <= set(table.columns)

    for text, kind, fragment in (("   ", "error", "empty"), ("word " * 60, "error", "at most 40"),
                                 ("Zorblax scored twice", "warning", "zorblax")):
        at.text_input(key="tag.sentence").set_value(text).run()
        assert not at.exception
        assert any(fragment in e.value for e in getattr(at, kind)), (text, kind)
    at.text_input(key="tag.sentence").set_value("JORDAN flows south.").run()
    assert not at.error and not at.warning and list(at.dataframe[0].value["word"]) == ["jordan", "flows", "south"]
    at.radio(key="tag.cell").set_value("rnn").run()                     # a new setting keeps the trained pair
    assert len(at.session_state["models"].entries("tagger")) == 1 and not at.exception
