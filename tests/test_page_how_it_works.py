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
    assert at.session_state["how.gated"] == "lstm"


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
