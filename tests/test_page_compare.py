"""The Compare page in an app test: it opens with the precomputed grid, refuses bad input, runs a tiny live grid."""

import time

from conftest import app_test

PAGE = "pages/compare.py"


def test_page_opens_with_the_task_example_and_the_precomputed_results():
    at = app_test(PAGE)
    assert not at.exception
    assert any("Compare RNN, LSTM and GRU" in t.value for t in at.title)
    infos = " ".join(i.value for i in at.info)
    assert "Precomputed" in infos or "No precomputed grid" in infos
    if "Precomputed" in infos:
        assert any("python -m rnn_core compare --task adding" in c.value for c in at.code)
    assert any("forget-gate bias" in e.label for e in at.expander)


def test_every_task_draws_an_example_and_bad_input_gets_clear_messages():
    at = app_test(PAGE)
    for task in ("first-symbol", "temporal-order", "reverse"):
        at.selectbox(key="compare.task").set_value(task).run()
        assert not at.exception
    assert any("No precomputed grid" in i.value for i in at.info)   # reverse ships none
    assert at.session_state["compare.lr"] == 1e-2                   # the task's own learning rate
    for lengths, message in (("10, 500", "too long"), ("ten", "whole number"), ("1", "at least 2")):
        at.text_input(key="compare.lengths").set_value(lengths).run()
        at.button(key="compare.btn_run").click().run()
        assert not at.exception
        assert sum(message in e.value for e in at.error) == 1, lengths   # said once, not once per widget
    at.selectbox(key="compare.task").set_value("adding").run()
    at.text_input(key="compare.lengths").set_value("500, 1000").run()
    at.number_input(key="compare.seeds").set_value(5).run()
    at.slider(key="compare.steps").set_value(5000).run()
    at.button(key="compare.btn_run").click().run()
    assert any("minutes" in e.value for e in at.error)   # a budget that cannot finish
    at.text_input(key="compare.lengths").set_value("10").run()
    at.multiselect(key="compare.cells").set_value([]).run()
    at.button(key="compare.btn_run").click().run()
    assert any("at least one cell" in e.value for e in at.error)
    assert "compare.job" not in at.session_state   # nothing was started


def test_a_tiny_live_grid_runs_and_shows_its_results():
    at = app_test(PAGE)
    at.selectbox(key="compare.task").set_value("first-symbol").run()
    at.text_input(key="compare.lengths").set_value("3, 4").run()
    at.multiselect(key="compare.cells").set_value(["rnn", "gru"]).run()
    at.select_slider(key="compare.hidden").set_value(8).run()
    at.slider(key="compare.steps").set_value(50).run()
    at.button(key="compare.btn_run").click().run()
    assert not at.exception
    job = at.session_state["compare.job"]
    deadline = time.time() + 120
    while job.active and time.time() < deadline:
        time.sleep(0.5)
    assert job.status == "done", job.error
    at.run()
    assert not at.exception
    assert len(job.result["rows"]) == 4
    assert any("4 run(s) finished" in s.value for s in at.success)
    assert at.dataframe   # the live table
