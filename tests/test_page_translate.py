"""App tests of the Translate page: the precomputed results at once, links, training both models, a typed date
and its attention map, bad input that loses nothing, a live run of the length experiment."""

import pytest

from conftest import app_test
from rnn_core.translate.model import DATE_DEFAULTS


def _open(query: dict | None = None, timeout: float = 120):
    from streamlit.testing.v1 import AppTest
    from conftest import ROOT
    if not query:
        return app_test("pages/translate.py", timeout=timeout)
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=timeout)
    at.query_params.update(query)
    at.run()
    at.switch_page("pages/translate.py").run()
    return at


def test_the_page_opens_on_the_precomputed_results_with_its_defaults():
    at = _open()
    assert not at.exception and not at.error
    assert at.title[0].value == "Translate"
    text = " ".join(m.value for m in at.markdown)
    assert "**With this page's defaults** (precomputed)" in text and "**The result** (precomputed" in text
    assert at.select_slider(key="translate.steps").value == DATE_DEFAULTS.max_steps
    assert at.select_slider(key="translate.hidden").value == DATE_DEFAULTS.hidden
    assert any("Train the translators above first" in i.value for i in at.info)
    assert len(at.get("plotly_chart")) == 3        # the shipped date curves, the bottleneck and the longer runs
    assert "**At an equal budget** (at most 600 steps per model" in text and "**What more steps buy**" in text
    assert at.select_slider(key="translate.grid_steps").value == 600
    assert any("How to read it" in c.value for c in at.caption)


def test_settings_come_from_the_link_and_bad_ones_fall_back_with_a_warning():
    at = _open({"steps": "200", "hidden": "16", "cell": "gru", "lengths": "10,20", "models": "plain",
                "seed": "3", "date": "Mar 3, 2021"})
    assert not at.exception
    assert at.select_slider(key="translate.steps").value == 200 and at.radio(key="translate.cell").value == "gru"
    assert at.text_input(key="translate.lengths").value == "10, 20"
    assert at.multiselect(key="translate.models").value == ["plain"]
    assert at.text_input(key="translate.date").value == "Mar 3, 2021"
    at = _open({"steps": "banana", "lengths": "x", "models": "gpt"})
    assert not at.exception and len(at.warning) == 1
    assert at.select_slider(key="translate.steps").value == DATE_DEFAULTS.max_steps


@pytest.mark.slow
def test_training_both_then_typing_dates_shows_answers_and_the_map_and_bad_input_loses_nothing():
    at = _open()
    at.select_slider(key="translate.steps").set_value(100).run()
    at.select_slider(key="translate.hidden").set_value(8).run()
    at.button(key="translate.btn_train").click().run()
    job = at.session_state["translate.job"]
    job.wait(300)
    at.run()
    assert job.status == "done", job.error
    assert not at.exception and not at.error
    entries = at.session_state["models"].entries("translator")
    assert [e.settings["attention"] for e in entries] == [True, False]
    assert all(e.metrics["steps"] == 100 for e in entries)
    answers = [d.value for d in at.dataframe if "says" in d.value.columns]
    assert len(answers) == 1 and len(answers[0]) == 2 and answers[0]["says"].str.len().eq(10).all()
    assert "right?" in answers[0].columns       # the default date is one of the ideas, whose answer is known
    assert len(at.get("plotly_chart")) == 5          # live curves, formats, attention map, bottleneck, longer runs
    assert any(m.label.startswith("Held-out exact match") for m in at.metric)
    for bad, message in (("", "Type a date"), ("x" * 60, "at most 40"), ("3 mars 2021 ✓", "never seen")):
        at.text_input(key="translate.date").set_value(bad).run()
        assert not at.exception and any(message in e.value for e in at.error)
        assert len(at.session_state["models"].entries("translator")) == 2      # nothing lost
    at.text_input(key="translate.date").set_value("Mar 3, 2021").run()
    assert not at.error and len(at.get("plotly_chart")) == 5
    for typed, says in (("31 February 2020", "February 2020 has 29 days"), ("tomorrow", "not a date"),
                        ("1st January 2050", "1950 to 2049"), ("12/25/2020", "day first")):
        at.text_input(key="translate.date").set_value(typed).run()
        assert not at.exception and any(says in w.value for w in at.warning), typed
        marks = [d.value for d in at.dataframe if "says" in d.value.columns][0]["right?"]
        assert not marks.str.startswith("✓").any(), typed


def test_run_live_adds_a_point_to_the_chart_and_bad_lengths_get_a_message():
    at = _open({"lengths": "3", "models": "attention"})
    at.button(key="translate.grid.btn_train").click().run()
    job = at.session_state["translate.grid.job"]
    job.wait(300)
    at.run()
    assert job.status == "done", job.error
    assert not at.exception
    grids = at.session_state["models"].entries("length-grid")      # the grid's runs join the session's results
    assert len(grids) == 1
    kept = grids[0].metrics["rows"]
    assert len(kept) == 1 and kept[0]["length"] == 3 and kept[0]["model"] == "attention"
    chart = next(c for c in at.get("plotly_chart") if c.key == "translate.length_chart")
    assert "your runs" in chart.proto.spec
    at.text_input(key="translate.lengths").set_value("500").run()
    at.button(key="translate.grid.btn_train").click().run()
    assert any("2 to 60" in e.value for e in at.error)
    at.text_input(key="translate.lengths").set_value("40, 50, 60").run()
    at.number_input(key="translate.seeds").set_value(3).run()
    at.button(key="translate.grid.btn_train").click().run()
    assert any("more than the 15 minutes" in e.value for e in at.error)
    at.text_input(key="translate.lengths").set_value("ten").run()
    at.button(key="translate.grid.btn_train").click().run()
    assert any("whole numbers" in e.value for e in at.error)


def test_a_typed_date_is_read_and_what_is_not_a_date_is_said_before_any_training():
    at = _open({"date": "29 February 2021"})
    assert not at.exception and any("not a leap year" in w.value for w in at.warning)
    at.text_input(key="translate.date").set_value("Mar 3, 2021").run()
    assert not at.warning and any("3rd of March 2021" in c.value for c in at.caption)
