"""App tests: a second session that trains the same run gets a replay, its own copy, and the line saying so."""

import pytest

from conftest import app_test

from rnn_core.runs import runcache


def _train_tiny(at, seed: int):
    at.select_slider(key="lm.hidden").set_value(16)
    at.slider(key="lm.seconds").set_value(300)     # the step budget decides; the limit never triggers
    at.slider(key="lm.steps").set_value(40)
    at.select_slider(key="lm.batch").set_value(8)
    at.slider(key="lm.seq_len").set_value(17)      # a length no other test uses: this test's own run
    at.number_input(key="lm.seed").set_value(seed)
    at.button(key="lm.btn_train").click().run()
    job = at.session_state["lm.job"]
    job.wait(120)
    at.run()
    return job


def test_an_identical_run_in_another_session_is_a_replay_with_its_own_model(monkeypatch):
    monkeypatch.setenv("RNN_LAB_REPLAY_SECONDS", "0.3")
    first, second = app_test("pages/language_model.py"), app_test("pages/language_model.py")
    job1 = _train_tiny(first, seed=7)
    assert job1.status == "done" and job1.mode == "trained", job1.error
    assert not any("replay" in i.value for i in first.info)
    job2 = _train_tiny(second, seed=7)
    assert job2.status == "done" and job2.mode == "replayed", job2.error
    assert not second.exception
    assert any(i.value == runcache.REPLAY for i in second.info)
    assert "another seed trains your own" in runcache.REPLAY.lower()
    own1, own2 = first.session_state["models"].entries()[0], second.session_state["models"].entries()[0]
    assert own1.model is not own2.model and own1.metrics["val_loss"] == own2.metrics["val_loss"]
    assert len(second.session_state["models"]) == 1 and len(first.session_state["models"]) == 1
    job3 = _train_tiny(second, seed=8)                 # another seed: a training of its own
    assert job3.mode == "trained" and not any(i.value == runcache.REPLAY for i in second.info)


@pytest.mark.slow
def test_an_identical_forecast_in_another_session_is_a_replay(monkeypatch):
    monkeypatch.setenv("RNN_LAB_REPLAY_SECONDS", "0.3")

    def train(at):
        at.select_slider(key="forecast.hidden").set_value(8)
        at.select_slider(key="forecast.steps").set_value(200)
        at.select_slider(key="forecast.window").set_value(16)    # a window no other test uses: this test's run
        at.button(key="forecast.btn_train").click().run()
        job = at.session_state["forecast.job"]
        job.wait(180)
        at.run()
        return job

    first, second = app_test("pages/forecast.py"), app_test("pages/forecast.py")
    job1, job2 = train(first), train(second)
    assert job1.status == "done" and job1.mode == "trained", job1.error
    assert job2.status == "done" and job2.mode == "replayed", job2.error
    assert any(i.value == runcache.REPLAY for i in second.info) and not second.exception
    own1, own2 = (at.session_state["models"].entries("forecaster")[0] for at in (first, second))
    assert own1.model is not own2.model and own1.model.net is not own2.model.net
    assert own1.metrics["mase"] == own2.metrics["mase"]


def _twice(page: str, prefix: str, set_up, monkeypatch):
    """Train the same run in two sessions: the second is a replay with its own copies of the models."""
    monkeypatch.setenv("RNN_LAB_REPLAY_SECONDS", "0.3")
    jobs, sessions = [], []
    for _ in range(2):
        at = app_test(page)
        set_up(at)
        at.number_input(key=f"{prefix}.seed").set_value(4242)      # a seed no other test uses: this test's run
        at.button(key=f"{prefix}.btn_train").click().run()
        job = at.session_state[f"{prefix}.job"]
        job.wait(300)
        at.run()
        jobs.append(job)
        sessions.append(at)
    assert jobs[0].status == "done" and jobs[0].mode == "trained", jobs[0].error
    assert jobs[1].status == "done" and jobs[1].mode == "replayed", jobs[1].error
    assert any(i.value == runcache.REPLAY for i in sessions[1].info) and not sessions[1].exception
    first, second = (at.session_state["models"].entries() for at in sessions)
    assert len(first) == len(second) >= 1
    for a, b in zip(first, second):
        assert a.model is not b.model and a.name == b.name
    return first, second


def test_identical_tagger_pairs_in_two_sessions_are_trained_once(monkeypatch):
    def set_up(at):
        at.select_slider(key="tag.hidden").set_value(16)
        at.select_slider(key="tag.steps").set_value(100)
    first, second = _twice("pages/tag.py", "tag", set_up, monkeypatch)
    assert first[0].metrics == second[0].metrics


@pytest.mark.slow
def test_identical_date_translators_in_two_sessions_are_trained_once(monkeypatch):
    def set_up(at):
        at.select_slider(key="translate.steps").set_value(100)
        at.select_slider(key="translate.hidden").set_value(8)
    first, second = _twice("pages/translate.py", "translate", set_up, monkeypatch)
    assert len(first) == 2                                         # with and without attention
    assert [e.metrics["exact_match"] for e in first] == [e.metrics["exact_match"] for e in second]
