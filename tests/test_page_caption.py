"""App tests of the Caption a picture page: the pictures at once, settings from a link, a short training, drawing."""

import pytest
from streamlit.testing.v1 import AppTest

from conftest import ROOT, app_test


def _linked(query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/caption.py").run()
    return at


def test_the_page_opens_on_the_pictures_and_asks_for_a_training():
    at = app_test("pages/caption.py", timeout=120)
    assert not at.exception and not at.error
    assert at.title[0].value == "Caption a picture"
    assert at.radio(key="caption.cell").value == "gru" and at.select_slider(key="caption.steps").value == 1000
    quoted = [c.value for c in at.caption if c.value.startswith("“a ")]
    assert len(quoted) == 6                                               # six training pictures, captioned
    assert any("Nothing trained yet" in i.value for i in at.info)


def test_a_link_sets_the_page_and_a_bad_link_only_warns():
    at = _linked({"cell": "lstm", "seed": "4", "steps": "400"})
    assert not at.exception and not at.warning
    assert at.radio(key="caption.cell").value == "lstm" and at.session_state["caption.seed"] == 4
    assert at.select_slider(key="caption.steps").value == 400
    bad = _linked({"cell": "cnn", "steps": "many", "seed": "-3"})
    assert not bad.exception and bad.warning
    assert bad.radio(key="caption.cell").value == "gru" and bad.select_slider(key="caption.steps").value == 1000


@pytest.mark.slow
def test_a_short_training_shows_three_captions_and_survives_bad_pictures():
    at = app_test("pages/caption.py", timeout=120)
    at.select_slider(key="caption.hidden").set_value(16)
    at.select_slider(key="caption.steps").set_value(200)
    at.button(key="caption.btn_train").click().run()
    job = at.session_state["caption.job"]
    job.wait(240)
    assert job.status == "done", job.error
    at.run()
    assert not at.exception and not at.error
    labels = {m.label: m.value for m in at.metric}
    for name in ("with attention", "without attention", "picture-blind"):
        assert labels[f"Exact captions: {name}"].endswith("%")
    assert not any("With the defaults" in md.value for md in at.markdown)   # 200 steps: not the defaults' claims
    exported = [c.value for c in at.code if "train_captioners(" in c.value]
    assert len(exported) == 1 and "max_steps=200," in exported[0] and "hidden=16," in exported[0]
    said = [md.value for md in at.markdown if md.value.startswith("**The grammar's caption:**")]
    assert len(said) == 2 and "a red circle above a green square" in said[1] and "held out" in said[1]
    # bad pictures: a shape on top of the other, then an empty picture; the models stay
    at.selectbox(key="caption.draw_row1").set_value(0).run()
    assert not at.exception and any("same place" in e.value for e in at.error)
    at.selectbox(key="caption.draw_shape0").set_value("(none)").run()
    at.selectbox(key="caption.draw_shape1").set_value("(none)").run()
    assert not at.exception and any("empty" in e.value for e in at.error)
    at.number_input(key="caption.picture").set_value(7).run()
    assert not at.exception and at.metric and len(at.error) == 1
    at.radio(key="caption.which").set_value("those the model without attention gets wrong").run()
    assert not at.exception
    assert any("held-out captions wrong" in c.value for c in at.caption) or \
        any("every held-out caption right" in i.value for i in at.info)
