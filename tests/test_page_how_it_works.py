"""App tests of *How an RNN works*: the walk forward and back, the cells, bad words and broken links."""

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import app_test

ROOT = Path(__file__).resolve().parent.parent


def _how_to_read(at) -> int:
    return sum(1 for c in at.caption if c.value.startswith("How to read it"))


def test_walk_forward_then_backward_to_the_end():
    at = app_test("pages/how_it_works.py")
    assert not at.exception and not at.error
    assert at.button(key="how.btn_prev").disabled
    seen = []
    for _ in range(7):
        at.button(key="how.btn_next").click().run()
        assert not at.exception and not at.error
        seen.append(" ".join(m.value for m in at.markdown))
    assert "Forward" in seen[0] and "Backward" in seen[-1]
    assert at.button(key="how.btn_next").disabled and at.session_state["how.pos"] == 7
    assert any("agree with PyTorch's autograd" in s.value for s in at.success)
    assert _how_to_read(at) >= 6
    at.button(key="how.btn_restart").click().run()
    assert at.session_state["how.pos"] == 0 and not at.exception


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_gated_cells_walk_too(cell):
    at = app_test("pages/how_it_works.py")
    at.radio(key="how.cell").set_value(cell).run()
    at.select_slider(key="how.train").set_value(30).run()
    for _ in range(5):
        at.button(key="how.btn_next").click().run()
        assert not at.exception and not at.error
    other = {"lstm": "a GRU", "gru": "an LSTM"}[cell]
    assert any(s.value == f"The same step in {other}" for s in at.subheader)
    assert not at.get("segmented_control")   # the cell above is the other gated one: nothing to choose


@pytest.mark.parametrize("word, message", [
    ("", "Type a short word"), ("supercalifragilistic", "at most 10"), ("héllo", "letters only"),
    ("hi there", "letters only"), ("zzz", "two different"),
])
def test_bad_words_show_a_message_and_the_gallery_stays(word, message):
    at = app_test("pages/how_it_works.py")
    at.text_input(key="how.word").set_value(word).run()
    assert not at.exception
    assert any(message in e.value for e in at.error)
    assert any("shapes of recurrent models" in s.value for s in at.subheader)
    at.text_input(key="how.word").set_value("rnn").run()
    assert not at.error and not at.exception


def test_a_broken_link_falls_back_to_defaults_with_a_warning():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"word": "h3llo", "hidden": "99", "cell": "transformer", "train": "7", "seed": "-1"})
    at.run()
    at.switch_page("pages/how_it_works.py").run()
    assert not at.exception and not at.error
    warning = " ".join(w.value for w in at.warning)
    for name in ("word=h3llo", "hidden=99", "cell=transformer", "train=7", "seed=-1"):
        assert name in warning
    assert at.text_input(key="how.word").value == "hello" and at.slider(key="how.hidden").value == 8
    assert at.radio(key="how.cell").value == "rnn" and at.select_slider(key="how.train").value == 10


def test_a_good_link_opens_the_same_walk():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"word": "world", "hidden": "5", "cell": "gru", "train": "30", "seed": "9"})
    at.run()
    at.switch_page("pages/how_it_works.py").run()
    assert not at.exception and not at.warning
    assert at.text_input(key="how.word").value == "world" and at.slider(key="how.hidden").value == 5
    assert at.radio(key="how.cell").value == "gru" and at.number_input(key="how.seed").value == 9


# What each gallery shape's "Try it" promises (its ``promise``), as the target page's session state once open.
def _promises():
    return {
        "encoder-decoder": ("pages/translate.py", {"translate.lengths": "20",
                                                   "translate.models": ["attention", "plain"]}),
        "bidirectional": ("pages/tag.py", {"tag.cell": "lstm", "tag.distance": 3, "tag.sentence": "jordan flows south"}),
        "stacked": ("pages/language_model.py", {"lm.layers": 2}),
        "many-to-many": ("pages/language_model.py", {"lm.layers": 1}),
        "many-to-one": ("pages/sentiment.py", {"sentiment.bidirectional": False}),
        "one-to-many": ("pages/caption.py", {}),
    }


def test_every_gallery_link_has_a_promise():
    from rnn_core.stepthrough.figures import ARCHITECTURES
    assert {k for k, a in ARCHITECTURES.items() if a["page"]} == set(_promises())
    for key, (page, _) in _promises().items():
        assert ARCHITECTURES[key]["page"] == page


@pytest.mark.parametrize("shape", ["encoder-decoder", "bidirectional", "stacked"])
def test_try_it_opens_its_page_with_the_shapes_settings_even_after_a_visit(shape):
    """The link's settings win over what the learner had there before (a page reads a link once per session)."""
    page, promised = _promises()[shape]
    at = app_test(page)                                    # visit the target first, with its own defaults
    assert not at.exception
    at.switch_page("pages/how_it_works.py").run()
    at.button(key=f"how.btn_try_{shape}").click().run()
    assert not at.exception, [e.value for e in at.exception]
    assert not at.warning, [w.value for w in at.warning]     # every name in the link is one the page knows
    for key, value in promised.items():
        assert at.session_state[key] == value, key
    assert at.query_params.get(next(iter(_link(shape)))) is not None


def _link(shape):
    from rnn_core.stepthrough.figures import ARCHITECTURES
    return ARCHITECTURES[shape]["link"]


@pytest.mark.parametrize("shape", ["encoder-decoder", "bidirectional", "stacked", "many-to-many"])
def test_a_gallery_link_opened_in_a_fresh_session_gives_the_same_settings(shape):
    """The same query, opened as a shared link in a new browser tab."""
    page, promised = _promises()[shape]
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update(_link(shape))
    at.run()
    at.switch_page(page).run()
    assert not at.exception and not at.warning
    for key, value in promised.items():
        assert at.session_state[key] == value, key


def test_a_new_word_starts_at_step_one_but_a_workshop_step_keeps_its_position():
    """Typing a word restarts the walk; settings set from outside (a workshop step: word and position together)
    are kept as they are, whatever word was there before."""
    from rnn_core.workshop import STEPS
    at = app_test("pages/how_it_works.py")
    for _ in range(3):
        at.button(key="how.btn_next").click().run()
    at.text_input(key="how.word").set_value("world").run()
    assert at.session_state["how.pos"] == 0
    at.button(key="how.btn_next").click().run()
    backward = next(s for s in STEPS if s.page == "pages/how_it_works.py" and s.settings.get("how.pos"))
    for key, value in backward.settings.items():
        at.session_state[key] = value
    at.run()
    assert at.session_state["how.pos"] == backward.settings["how.pos"] and not at.exception
    assert any("Backward" in m.value for m in at.markdown)
