"""Abandoned sessions: their models are freed after the time-to-live, live sessions keep theirs."""

import gc
import weakref

import torch

from rnn_core.runs.registry import ModelRegistry, TrainedModel
from rnn_core.runs.sessions import SessionTracker, session_ttl, ttl_in_words


class Clock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def _registry_with_model(name="LSTM 128", created=0.0):
    models = ModelRegistry()
    models.add(TrainedModel(name, "language-model", torch.nn.Linear(64, 64), None, {}, {}, created=created))
    return models


def test_an_abandoned_session_loses_its_models_and_a_live_one_keeps_them():
    clock = Clock()
    tracker = SessionTracker(ttl=60, clock=clock)
    abandoned, live = _registry_with_model(), _registry_with_model()
    model = weakref.ref(abandoned.get("LSTM 128").model)
    assert tracker.touch(abandoned) is False and tracker.touch(live) is False
    clock.now += 45
    tracker.touch(live)                       # the live visitor clicks; the other tab sits idle
    assert len(abandoned) == 1                # 45 s < TTL: nothing freed yet
    clock.now += 30                           # abandoned: 75 s idle; live: 30 s
    tracker.touch(live)
    assert len(abandoned) == 0 and len(live) == 1
    gc.collect()
    assert model() is None                    # the weights are really gone, not just unlisted
    clock.now += 1
    assert tracker.touch(abandoned) is True   # the returning visitor is told once ...
    assert tracker.touch(abandoned) is False  # ... and then carries on normally


def test_the_tracker_never_keeps_a_registry_alive():
    tracker = SessionTracker(ttl=60, clock=Clock())
    models = _registry_with_model()
    tracker.touch(models)
    assert len(tracker) == 1
    gone = weakref.ref(models)
    del models
    gc.collect()
    assert gone() is None and len(tracker) == 0
    tracker.sweep()                            # sweeping with a dead entry is harmless
    assert len(tracker) == 0


def test_a_model_added_by_a_background_job_counts_as_activity():
    clock = Clock()
    tracker = SessionTracker(ttl=60, clock=clock)
    models = ModelRegistry()
    tracker.touch(models)
    clock.now += 100                          # the tab was not touched while it trained ...
    models.add(TrainedModel("GRU 64", "language-model", None, None, {}, {}, created=clock.now - 5))
    assert tracker.sweep() == 0 and len(models) == 1    # ... but the model that just arrived is kept
    clock.now += 61
    assert tracker.sweep() == 1 and len(models) == 0


def test_each_sweep_frees_a_registry_once_and_counts_models():
    clock = Clock()
    tracker = SessionTracker(ttl=10, clock=clock)
    models = _registry_with_model()
    models.add(TrainedModel("RNN 32", "language-model", None, None, {}, {}, created=0.0))
    tracker.touch(models)
    clock.now += 11
    assert tracker.sweep() == 2
    assert tracker.sweep() == 0


def test_the_ttl_is_an_environment_setting_with_a_safe_default(monkeypatch):
    monkeypatch.delenv("RNN_LAB_SESSION_TTL", raising=False)
    assert session_ttl() == 1800 and ttl_in_words() == "30 minutes"
    monkeypatch.setenv("RNN_LAB_SESSION_TTL", "90")
    assert session_ttl() == 90 and ttl_in_words() == "90 seconds"
    assert SessionTracker(clock=Clock()).ttl == 90        # read at each sweep: no restart needed
    for bad in ("soon", "0", "-5"):
        monkeypatch.setenv("RNN_LAB_SESSION_TTL", bad)
        assert session_ttl() == 1800


def test_the_page_helper_touches_the_session_and_shows_why_models_went(monkeypatch):
    from conftest import app_test
    from rnn_core.runs import sessions

    clock = Clock()
    monkeypatch.setattr(sessions, "_tracker", SessionTracker(ttl=60, clock=clock))
    at = app_test("pages/language_model.py")
    assert not at.exception
    models = at.session_state["models"]
    assert len(sessions.tracker()) >= 1
    models.add(TrainedModel("LSTM 8", "language-model", None, None, {}, {}, created=clock.now))
    clock.now += 120
    sessions.tracker().sweep()
    assert len(models) == 0
    at.run()
    assert not at.exception
    assert any("cleared after 60 seconds without activity" in i.value for i in at.info)


def test_a_sweep_that_frees_models_hands_memory_back_and_one_that_frees_none_does_not(monkeypatch):
    import rnn_core.runs.sessions as sessions
    calls = []
    monkeypatch.setattr(sessions, "release_memory", lambda: calls.append(1))
    clock = Clock()
    tracker = SessionTracker(ttl=60, clock=clock)
    abandoned, live = _registry_with_model(), _registry_with_model()
    tracker.touch(abandoned)
    tracker.touch(live)
    clock.now += 30
    tracker.touch(live)
    assert calls == []                       # nothing freed: no collection
    clock.now += 45
    tracker.touch(live)
    assert len(abandoned) == 0 and calls == [1]
    monkeypatch.undo()
    sessions.release_memory()                # the real one runs anywhere (off glibc it only collects)
