"""App tests of the Generate text page: ready-made models, every view, step mode, session models, bad input."""

from dataclasses import asdict

import pytest
import torch

from streamlit.testing.v1 import AppTest

from conftest import ROOT, app_test
from rnn_core.language_model.model import LanguageModel, ModelConfig
from rnn_core.runs.registry import ModelRegistry, TrainedModel
from rnn_core.data.text import Tokenizer

VIEWS = ("Step by step", "Three temperatures", "Next word", "Surprise", "Connectivity", "Units and gates")


def _charts(at):
    return len(at.get("plotly_chart"))


def test_without_a_session_model_the_page_offers_the_ready_made_ones_and_generates():
    at = app_test("pages/generate.py")
    assert not at.exception and not at.error
    assert any("No model trained in this session" in c.value for c in at.caption)
    picker = at.selectbox(key="generate.model")
    assert picker.value == "ready:char-lstm" and any(o.startswith("📦 Words") for o in picker.options)
    assert any("validation loss" in c.value for c in at.caption)
    at.number_input(key="generate.length").set_value(80)
    at.button(key="generate.btn_generate").click().run()
    assert not at.exception and not at.error
    stepper = at.session_state["generate.result"]["stepper"]
    assert len(stepper.ids) == 80 and at.code[0].value == stepper.full_text
    assert _charts(at) == 1


def test_every_view_renders_with_a_chart_and_no_error():
    at = app_test("pages/generate.py")
    for view in VIEWS:
        at.radio(key="generate.view").set_value(view).run()
        assert not at.exception, view
        assert not at.error, (view, [e.value for e in at.error])
        if view != "Surprise":
            assert _charts(at) >= 1, view
    at.radio(key="generate.view").set_value("Surprise").run()
    assert any(m.label.startswith("Bits per char") for m in at.metric)


def test_step_mode_draws_one_token_per_click_with_its_distribution():
    at = app_test("pages/generate.py")
    at.radio(key="generate.view").set_value("Step by step").run()
    at.button(key="generate.btn_step_one").click().run()
    at.button(key="generate.btn_step_one").click().run()
    assert not at.exception
    assert len(at.session_state["generate.stepper"].ids) == 2
    assert _charts(at) == 3     # the sampler's stages, the last draw, the hidden state
    at.button(key="generate.btn_step_ten").click().run()
    assert len(at.session_state["generate.stepper"].ids) == 12
    at.button(key="generate.btn_step_start").click().run()
    assert len(at.session_state["generate.stepper"].ids) == 0


def test_a_prompt_in_another_alphabet_is_read_as_unknown_and_said_so():
    at = app_test("pages/generate.py")
    at.text_area(key="generate.prompt").set_value("Война и мир").run()
    at.button(key="generate.btn_generate").click().run()
    assert not at.exception
    assert any("read as <unk>" in w.value and "'В'" in w.value for w in at.warning)


def test_word_model_shows_the_ten_likeliest_next_words():
    at = app_test("pages/generate.py")
    at.selectbox(key="generate.model").set_value("ready:word-lstm").run()
    assert at.text_area(key="generate.prompt").value == "The default value of"   # the word-level default prompt
    at.radio(key="generate.view").set_value("Next word").run()
    at.text_area(key="generate.prompt").set_value("The return value of").run()
    assert not at.exception and not at.error
    table = at.dataframe[-1].value
    assert len(table) == 10 and list(table.columns) == ["word", "probability"]


def test_connectivity_compares_the_three_ready_made_cells():
    at = app_test("pages/generate.py")
    at.radio(key="generate.view").set_value("Connectivity").run()
    at.text_area(key="generate.analyse").set_value("The value of x is (a + b), not 'c'.").run()
    at.button(key="generate.btn_compare").click().run()
    assert not at.exception
    labels = {m.label for m in at.metric}
    assert {"RNN looks back", "LSTM looks back", "GRU looks back"} <= labels


def test_too_long_text_for_connectivity_gives_a_message_and_keeps_the_page():
    at = app_test("pages/generate.py")
    at.radio(key="generate.view").set_value("Connectivity").run()
    at.text_area(key="generate.analyse").set_value("abc " * 200).run()
    assert not at.exception
    assert any("at most" in e.value for e in at.error)


def test_a_model_trained_in_this_session_is_listed_first():
    torch.manual_seed(0)
    tok = Tokenizer.build("hello world, hello there\n", "char")
    model = LanguageModel(ModelConfig(vocab_size=len(tok), cell="gru", hidden_size=8)).eval()
    models = ModelRegistry()
    models.add(TrainedModel("GRU 8 · Pasted text (char)", "language-model", model, tok,
                            {"cell": "gru", "level": "char"}, {"val_loss": 2.0, "params": 1}, [], "Pasted text"))
    at = app_test()
    at.session_state["models"] = models
    at.switch_page("pages/generate.py").run()
    assert not at.exception
    assert at.selectbox(key="generate.model").value == "session:GRU 8 · Pasted text (char)"
    assert not any("No model trained" in c.value for c in at.caption)
    at.button(key="generate.btn_generate").click().run()
    assert not at.exception and len(at.session_state["generate.result"]["stepper"].ids) == 300
    at.radio(key="generate.view").set_value("Units and gates").run()
    assert not at.exception and not at.error


def test_the_units_view_opens_on_the_best_memory_unit_and_a_found_unit_can_be_picked():
    from rnn_core.language_model.interpret import MEMORY_FEATURES, best_unit, default_feature
    at = app_test("pages/generate.py")
    at.selectbox(key="generate.model").set_value("ready:char-gru").run()
    at.radio(key="generate.view").set_value("Units and gates").run()
    assert not at.exception and not at.error
    hits = at.dataframe[-1].value
    feature = at.selectbox(key="generate.feature").value
    assert feature == default_feature(hits) and feature in MEMORY_FEATURES
    assert at.number_input(key="generate.unit").value == int(best_unit(hits, feature)["unit"])
    last = len(hits) - 1
    at.selectbox(key="generate.hit").set_value(last).run()
    assert not at.exception
    assert at.selectbox(key="generate.quantity").value == hits.iloc[last]["quantity"]
    assert at.number_input(key="generate.unit").value == hits.iloc[last]["unit"]


def test_the_view_picker_is_labelled_and_the_caption_names_the_special_tokens():
    at = app_test("pages/generate.py")
    assert at.radio(key="generate.view").label == "What to look at"
    assert at.title[0].value == "Generate text"
    from rnn_core.language_model.pretrained import load_ready_made
    n = len(load_ready_made("char-lstm")[1])
    caption = next(c.value for c in at.caption if "tokens (" in c.value)
    assert f"{n} tokens ({n - 3} chars + the special <pad>, <unk>, <eos>)" in caption
    assert any("Never drawn" in c.value for c in at.caption)
    facts = at.dataframe[0].value          # the "About it" popover's table
    assert not any(len(v.split(".")[-1]) > 3 for v in facts["value"] if v.replace(".", "").isdigit())


def test_next_word_bars_move_with_the_temperature():
    at = app_test("pages/generate.py")
    at.selectbox(key="generate.model").set_value("ready:word-lstm").run()
    at.radio(key="generate.view").set_value("Next word").run()
    first = at.dataframe[-1].value["probability"][0]
    at.slider(key="generate.temperature").set_value(3.0).run()
    assert not at.exception
    hot = at.dataframe[-1].value
    assert hot["probability"][0] != first and "<unk>" not in list(hot["word"])
    assert any("Left out: <unk>" in c.value for c in at.caption)


def test_surprise_names_its_biggest_surprise_without_a_delta():
    at = app_test("pages/generate.py")
    at.radio(key="generate.view").set_value("Surprise").run()
    metric = next(m for m in at.metric if m.label == "Biggest surprise")
    assert metric.value.endswith("bits") and not metric.delta
    assert any("(outlined below)" in m.value and "char " in m.value for m in at.markdown)


def test_choosing_a_feature_shows_its_best_unit():
    from rnn_core.language_model.interpret import best_unit
    at = app_test("pages/generate.py")
    at.radio(key="generate.view").set_value("Units and gates").run()
    hits = at.dataframe[-1].value
    for feature in ("inside quotes", "position in line"):
        at.selectbox(key="generate.feature").set_value(feature).run()
        best = best_unit(hits, feature)
        assert at.number_input(key="generate.unit").value == int(best["unit"])
        assert at.selectbox(key="generate.quantity").value == best["quantity"]


@pytest.mark.slow
def test_the_reach_numbers_are_the_ones_the_curves_cross_at():
    from rnn_core.language_model.interpret import EXAMPLE_TEXT, connectivity
    from rnn_core.language_model.pretrained import load_ready_made
    at = app_test("pages/generate.py")
    at.radio(key="generate.view").set_value("Connectivity").run()
    at.button(key="generate.btn_compare").click().run()
    assert not at.exception
    shown = {m.label: m.value for m in at.metric}
    model, tok, _ = load_ready_made("char-gru")
    conn = connectivity(model, tok, EXAMPLE_TEXT)
    assert shown["GRU looks back"] == f"{'≥ ' if conn.reach_capped() else ''}{conn.reach()} chars"


def test_step_mode_shows_the_pipeline_and_the_memory():
    at = app_test("pages/generate.py")
    at.radio(key="generate.view").set_value("Step by step").run()
    at.button(key="generate.btn_step_ten").click().run()
    assert not at.exception
    for quantity in at.selectbox(key="generate.state_quantity").options:
        at.selectbox(key="generate.state_quantity").set_value(quantity).run()
        assert not at.exception and not at.error
    assert any("survive every cut" in c.value for c in at.caption)


def test_three_temperatures_say_which_context_the_bars_are_for():
    at = app_test("pages/generate.py")
    at.radio(key="generate.view").set_value("Three temperatures").run()
    assert any("after the prompt “The ”" in m.value for m in at.markdown)
    assert sum("distinct 4-char sequences" in c.value for c in at.caption) == 3


# Workshop step 7 ("Generate text and turn the temperature"): the settings it should apply (rnn_core/workshop.py)
STEP_7 = {"generate.view": "Three temperatures", "generate.prompt": "The ", "generate.length": 300,
          "generate.temperature": 0.8, "generate.top_k": 0, "generate.top_p": 1.0, "generate.seed": 0}


def test_workshop_step_7_settings_show_repetitive_and_wild_text_from_a_fresh_session():
    import re
    from rnn_core.language_model.generation import page_defaults
    assert {k: v for k, v in STEP_7.items() if k != "generate.view"} == {
        f"generate.{name}": value for name, value in asdict(page_defaults("char")).items()}
    at = app_test()
    for key, value in STEP_7.items():
        at.session_state[key] = value
    at.switch_page("pages/generate.py").run()
    assert not at.exception and not at.error
    shares = [int(m.group(1)) for c in at.caption if (m := re.search(r"distinct 4-char sequences: \*\*(\d+)%", c.value))]
    assert len(shares) == 3 and shares[0] <= 75 and shares[-1] >= 90
    assert _charts(at) == 1


def test_sampling_settings_survive_a_visit_to_the_analysis_views():
    at = app_test("pages/generate.py")
    at.slider(key="generate.temperature").set_value(1.5).run()
    at.text_area(key="generate.prompt").set_value("Hello ").run()
    for view in ("Surprise", "Connectivity", "Generate"):
        at.radio(key="generate.view").set_value(view).run()
    assert not at.exception
    assert at.slider(key="generate.temperature").value == 1.5 and at.text_area(key="generate.prompt").value == "Hello "


def test_the_war_and_peace_view_opens_its_model_and_shows_the_book_the_unknown_name_and_the_chain():
    at = app_test("pages/generate.py")
    at.radio(key="generate.view").set_value("Napoleon (War and Peace)").run()
    assert not at.exception and not at.error
    at.button(key="generate.btn_book").click().run()           # one click opens the War and Peace model
    assert not at.exception and not at.error
    assert at.session_state["generate.model"] == "ready:war-and-peace-words"
    assert at.session_state["generate.prompt"] == "Napoleon was the Emperor of"
    text = " ".join(m.value for m in at.markdown)
    assert "“Emperor of” occurs 9 times" in text and "exactly the same prediction" in text
    assert "P(a paragraph starts with these words) =" in text and _charts(at) == 3          # next words, the book against the model, the chain
    at.text_input(key="generate.book_sentence").set_value("").run()
    assert not at.exception and any("Type a sentence" in e.value for e in at.error)
    at.text_input(key="generate.book_sentence").set_value("Pierre smiled at Natasha.").run()
    assert not at.error and "perplexity" in " ".join(m.value for m in at.markdown)


def test_a_link_to_the_war_and_peace_view_opens_on_its_model():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"view": "Napoleon (War and Peace)"})
    at.run()
    at.switch_page("pages/generate.py").run()
    assert not at.exception and not at.error
    assert at.session_state["generate.model"] == "ready:war-and-peace-words"
    at.selectbox(key="generate.model").set_value("ready:char-lstm").run()    # another model: its own prompt back
    assert at.session_state["generate.prompt"] != "Napoleon was the Emperor of"
