"""The Compare page in an app test: it opens with the precomputed grid, refuses bad input, runs tiny live grids."""

import time

import pytest

from conftest import app_test

from rnn_core.data.tasks import TASKS

PAGE = "pages/compare.py"


def wait_for(job, seconds=180):
    deadline = time.time() + seconds
    while job.active and time.time() < deadline:
        time.sleep(0.5)
    assert job.status == "done", job.error


def test_page_opens_with_the_precomputed_result_first():
    at = app_test(PAGE)
    assert not at.exception
    assert [t.value for t in at.title] == ["Compare RNN, LSTM and GRU"]
    results = [m.value for m in at.markdown if m.value.startswith("**The result**")]
    assert results and "no-memory line" in results[0]
    assert any("python -m rnn_core compare --task adding" in c.value for c in at.code)
    assert any("forget-gate bias" in e.label for e in at.expander)
    assert not at.info   # no "nothing ships" box


@pytest.mark.slow
def test_every_task_opens_with_its_result_and_bad_input_gets_clear_messages():
    at = app_test(PAGE)
    for task in TASKS:
        at.selectbox(key="compare.task").set_value(task).run()
        assert not at.exception and not at.error, task
        assert any(m.value.startswith("**The result**") for m in at.markdown), task
        assert not at.warning, task   # a complete grid
    at.selectbox(key="compare.task").set_value("reverse").run()     # the checks below use reverse's lengths
    assert at.session_state["compare.lr"] == 1e-2                   # the task's own learning rate
    assert at.session_state["compare.lengths"] == "5, 10"           # and lengths it can train at
    for lengths, message in (("10, 500", "too long"), ("ten", "whole number"), ("1", "at least 2")):
        at.text_input(key="compare.lengths").set_value(lengths).run()
        at.button(key="compare.btn_train").click().run()
        assert not at.exception
        assert sum(message in e.value for e in at.error) == 1, lengths   # said once, not once per widget
    at.selectbox(key="compare.task").set_value("adding").run()
    at.text_input(key="compare.lengths").set_value("500, 1000").run()
    at.number_input(key="compare.seeds").set_value(5).run()
    at.slider(key="compare.steps").set_value(5000).run()
    at.button(key="compare.btn_train").click().run()
    assert any("minutes" in e.value for e in at.error)   # a budget that cannot finish
    at.text_input(key="compare.lengths").set_value("10").run()
    at.multiselect(key="compare.cells").set_value([]).run()
    at.button(key="compare.btn_train").click().run()
    assert any("at least one cell" in e.value for e in at.error)
    assert "compare.job" not in at.session_state   # nothing was started


def test_was_or_were_opens_with_its_result_charts_and_examples_with_each_cells_choice():
    at = app_test()
    at.query_params.update({"task": "agreement"})
    at.switch_page(PAGE).run()
    assert not at.exception and not at.error and not at.warning
    assert at.session_state["compare.lengths"] == "10, 40, 80"
    texts = [m.value for m in at.markdown]
    assert any(t.startswith("**The result**") and "nearest noun" in t for t in texts)
    assert any("Linzen, Dupoux and Goldberg (2016)" in t for t in texts)
    table = next(t for t in texts if t.startswith("| sentence"))
    assert table.count("\n") >= 5 and "RNN (tanh) chooses" in table and ("✓" in table or "✗" in table)
    assert any("--task agreement --lengths 5,10,20,40,80" in c.value for c in at.code)
    at.select_slider(key="compare.pre_distance_pick").set_value(10).run()
    assert not at.exception
    assert any("at 10 words" in m.value for m in at.markdown)


def test_a_link_to_the_reverse_task_opens_with_its_result_and_exports():
    at = app_test()
    at.query_params.update({"task": "reverse", "lengths": "5,10"})
    at.switch_page(PAGE).run()
    assert not at.exception and not at.error
    assert at.session_state["compare.task"] == "reverse" and at.session_state["compare.lengths"] == "5, 10"
    assert any(m.value.startswith("**The result**") for m in at.markdown)
    assert any("--task reverse --lengths 5,10" in c.value for c in at.code)   # the export's command line


@pytest.mark.slow
def test_two_tiny_live_runs_are_both_kept_and_drawn_together():
    at = app_test(PAGE)
    at.selectbox(key="compare.task").set_value("first-symbol").run()
    at.text_input(key="compare.lengths").set_value("3, 4").run()
    at.multiselect(key="compare.cells").set_value(["rnn", "lstm-bias0"]).run()
    at.select_slider(key="compare.hidden").set_value(8).run()
    at.slider(key="compare.steps").set_value(50).run()
    at.button(key="compare.btn_train").click().run()
    assert not at.exception
    first = at.session_state["compare.job"]
    wait_for(first)
    at.run()
    assert not at.exception
    assert first.result.entries and len(at.session_state["models"].get(first.result.entries[0]).model.rows) == 4
    assert any("4 run(s) finished" in s.value for s in at.success)
    assert "run" not in at.dataframe[-1].value.columns       # one run: no column of empty run labels
    at.select_slider(key="compare.hidden").set_value(16).run()
    at.button(key="compare.btn_train").click().run()
    second = at.session_state["compare.job"]
    assert second is not first
    wait_for(second)
    at.run()
    at.run()
    assert not at.exception
    kept = at.session_state["models"].names("compare-grid")
    assert kept == [*first.result.entries, *second.result.entries]   # the second run did not replace the first
    table = at.dataframe[-1].value
    assert sorted(set(table["run"])) == ["run 1 (hidden 8)", "run 2 (hidden 16)"] and len(table) == 8
    assert any("earlier runs are drawn beside it" in s.value for s in at.success)
    at.button(key="compare.btn_clear").click().run()
    assert not at.exception and at.session_state["models"].names("compare-grid") == []


@pytest.mark.slow
def test_two_tiny_live_was_or_were_runs_draw_the_attractors_and_the_latest_runs_examples():
    at = app_test()
    at.query_params.update({"task": "agreement"})
    at.switch_page(PAGE).run()
    at.text_input(key="compare.lengths").set_value("3, 9").run()
    at.multiselect(key="compare.cells").set_value(["rnn", "lstm"]).run()
    at.slider(key="compare.steps").set_value(50).run()
    for hidden in (8, 16):
        at.select_slider(key="compare.hidden").set_value(hidden).run()
        at.button(key="compare.btn_train").click().run()
        wait_for(at.session_state["compare.job"])
        at.run()
        assert not at.exception and not at.error
    tables = [m.value for m in at.markdown if m.value.startswith("| sentence")]
    assert len(tables) == 2                                 # the shipped grid's and the live runs'
    assert "LSTM chooses" in tables[-1] and "GRU chooses" not in tables[-1]
    assert any("run 2 (hidden 16)" in m.value for m in at.markdown if m.value.startswith("**Example"))


def test_a_link_that_names_only_the_task_brings_its_learning_rate_and_lengths():
    from rnn_core.compare.experiments import LIVE_LENGTHS, TASK_LR
    at = app_test()
    at.query_params.update({"task": "temporal-order"})
    at.switch_page(PAGE).run()
    assert not at.exception
    assert at.session_state["compare.lr"] == TASK_LR["temporal-order"] != TASK_LR["adding"]
    assert at.session_state["compare.lengths"] == ", ".join(map(str, LIVE_LENGTHS["temporal-order"]))
