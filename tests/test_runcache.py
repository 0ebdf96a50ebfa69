"""Identical runs trained once per server: determinism, replays, joining, Stop, and the cache's bound."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field, replace

import pytest
import torch

from rnn_core.runs import runcache
from rnn_core.data.corpora import load_builtin
from rnn_core.runs.jobs import CANCELLED, DONE, configure_torch_threads
from rnn_core.language_model.training import LMSettings, train_language_model
from rnn_core.runs.runcache import RunCache, content_hash, ended_by_steps, run_key, step_budgeted
from rnn_core.runs.loop import TrainConfig

TEXT = load_builtin("python-docs")[:20_000]
TINY = LMSettings(hidden_size=16, embedding_dim=8, seq_len=16, batch_size=8, lr=1e-2, max_steps=30, seconds=None,
                  eval_every_steps=10, keep_best=True, sample_length=20, eval_tokens=500, fit_to_time=False)


@pytest.fixture(autouse=True)
def quick_replays(monkeypatch):
    monkeypatch.setenv("RNN_LAB_REPLAY_SECONDS", "0.2")


def weights(model) -> dict:
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def assert_same_weights(a: dict, b: dict) -> None:
    assert a.keys() == b.keys()
    for k in a:
        assert torch.equal(a[k], b[k]), k


def test_the_same_run_in_two_threads_side_by_side_gives_exactly_the_same_weights():
    """With one torch thread per training, as the server runs them (jobs.configure_torch_threads), two threads
    training the same run side by side end bit for bit equal. (With two torch threads each they differed in 5
    trials out of 5, measured: parallel sums split their work differently when another training holds the
    pool.) The second starts once the first has drawn its starting weights: see the next test."""
    configure_torch_threads()
    results, built = [None, None], threading.Event()

    def run(i):
        results[i] = train_language_model(TEXT, TINY, on_progress=lambda p: built.set())

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    threads[0].start()
    assert built.wait(60)
    threads[1].start()
    for t in threads:
        t.join(120)
    assert results[1].result.seconds > 0 and threads[0] is not threads[1]
    assert_same_weights(weights(results[0].model), weights(results[1].model))
    assert results[0].metrics["samples"] == results[1].metrics["samples"]
    other = weights(train_language_model(TEXT, replace(TINY, seed=1)).model)   # another seed: other weights
    assert any(not torch.equal(w, other[k]) for k, w in weights(results[0].model).items())


def test_two_identical_runs_starting_at_the_same_instant_give_the_same_weights():
    """Seeding and building a model hold one lock (training.seeded): two threads cannot interleave their draws
    from torch's one global generator."""
    configure_torch_threads()
    for _ in range(5):   # the window is short: a few tries
        results, together = [None, None], threading.Barrier(2)

        def run(i):
            together.wait()
            results[i] = train_language_model(TEXT, replace(TINY, max_steps=2))

        threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert_same_weights(weights(results[0].model), weights(results[1].model))


def lm_start(store, settings=TINY, delivered=None):
    def train(stop, report):
        return train_language_model(TEXT, settings, on_progress=report, stop=stop)

    def deliver(run, job):
        if delivered is not None:
            delivered.append(run)
        return run

    key = run_key("lm", TEXT, settings, seed=settings.seed, steps=settings.max_steps)
    return runcache.start(key, train, deliver, store=store)


def test_a_replayed_model_equals_a_fresh_training_and_is_the_sessions_own_copy():
    store = RunCache(max_models=4, max_mb=50)
    first = lm_start(store).wait(120)
    assert first.mode == "trained" and first.status == DONE and first.notice is None
    assert len(store) == 1
    second = lm_start(store)
    assert second.mode == "replayed" and second.notice == runcache.REPLAY
    second.wait(30)
    assert second.status == DONE
    assert [p.step for p in second.reports] == [p.step for p in first.reports]   # the curve plays back
    fresh = train_language_model(TEXT, TINY)
    assert_same_weights(weights(second.result.model), weights(fresh.model))
    assert second.result.metrics["samples"] == fresh.metrics["samples"]
    # Its own copy: changing it changes neither the cached run nor the first learner's model.
    cached = store.get(next(iter(store.keys()))).product
    assert second.result.model is not cached.model and second.result.model is not first.result.model
    with torch.no_grad():
        next(second.result.model.parameters()).add_(1.0)
    assert_same_weights(weights(cached.model), weights(fresh.model))
    assert_same_weights(weights(first.result.model), weights(fresh.model))


@dataclass
class FakeResult:
    stop_reason: str


@dataclass
class FakeRun:
    """A training whose pace the test controls: it reports, then waits for ``gate`` (or for Stop)."""

    result: FakeResult
    weights: torch.Tensor
    steps: int = 0
    calls: list = field(default_factory=list)


def fake_training(gate: threading.Event, calls: list, reason_when_done: str = "finished"):
    def train(stop, report):
        calls.append(1)
        step = 0
        while not gate.is_set() and not stop.is_set():
            step += 1
            report(step)
            time.sleep(0.02)
        return FakeRun(FakeResult("stopped" if stop.is_set() else reason_when_done), torch.arange(4.0), step)
    return train


def keep(run, job):
    return run


def test_identical_runs_in_flight_are_joined_and_each_follower_gets_its_own_copy():
    store, gate, calls = RunCache(), threading.Event(), []
    train = fake_training(gate, calls)
    jobs = [runcache.start("k1", train, keep, store=store) for _ in range(3)]
    assert [j.mode for j in jobs] == ["trained", "joined", "joined"]
    assert jobs[1].notice == runcache.JOINED and jobs[0].notice is None
    end = time.monotonic() + 10
    while not all(j.progress for j in jobs) and time.monotonic() < end:
        time.sleep(0.05)
    assert all(j.progress for j in jobs)   # followers see the run's progress as it goes
    gate.set()
    for j in jobs:
        j.wait(10)
    assert calls == [1], "an identical run in flight was trained twice"
    assert all(j.status == DONE for j in jobs)
    assert [j.notice for j in jobs] == [None, runcache.JOINED_DONE, runcache.JOINED_DONE]   # said in the past tense
    results = [j.result for j in jobs]
    assert len({id(r) for r in results}) == 3 and len({id(r.weights) for r in results}) == 3
    assert all(torch.equal(r.weights, results[0].weights) for r in results)
    assert "k1" in store
    later = runcache.start("k1", train, keep, store=store).wait(10)
    assert later.mode == "replayed" and calls == [1] and later.result is not store.get("k1").product


def test_stop_detaches_a_follower_without_stopping_the_run_for_the_others():
    store, gate, calls = RunCache(), threading.Event(), []
    train = fake_training(gate, calls)
    a, b = (runcache.start("k2", train, keep, store=store) for _ in range(2))
    time.sleep(0.2)
    b.cancel()
    b.wait(5)
    assert b.status == CANCELLED and b.notice == runcache.DETACHED and b.result is None
    assert a.active, "one follower's Stop stopped the run for the other"
    gate.set()
    a.wait(10)
    assert a.status == DONE and a.result.result.stop_reason == "finished" and "k2" in store


def test_the_last_follower_stop_stops_the_training_keeps_the_model_so_far_and_caches_nothing():
    store, gate, calls = RunCache(), threading.Event(), []
    train = fake_training(gate, calls)
    only = runcache.start("k3", train, keep, store=store)
    time.sleep(0.2)
    only.cancel()
    only.wait(10)
    assert only.status == DONE and only.result.result.stop_reason == "stopped" and only.result.steps > 0
    assert "k3" not in store
    again = runcache.start("k3", train, keep, store=store)
    assert again.mode == "trained"   # a stopped run is neither replayed nor joined
    gate.set()
    again.wait(10)
    assert calls == [1, 1]


def test_a_run_that_ends_by_its_time_limit_is_never_cached():
    store, gate, calls = RunCache(), threading.Event(), []
    gate.set()
    train = fake_training(gate, calls, reason_when_done="time")
    for _ in range(2):
        job = runcache.start("k4", train, keep, store=store).wait(10)
        assert job.mode == "trained" and job.status == DONE
    assert calls == [1, 1] and "k4" not in store
    assert not ended_by_steps(FakeResult("time")) and not ended_by_steps(FakeResult("stopped"))
    assert ended_by_steps(FakeResult("finished"), FakeResult("early"))
    # Settings: a clock-fitted schedule is not a step budget; a time limit that only stops a stretched run is.
    assert not step_budgeted(TrainConfig(max_steps=100, seconds=10))
    assert step_budgeted(TrainConfig(max_steps=100, seconds=10, fit_to_time=False))
    assert step_budgeted(TrainConfig(max_steps=100))


def test_a_plain_job_without_a_key_trains_every_time_and_delivers_its_own_result():
    store, gate, calls = RunCache(), threading.Event(), []
    gate.set()
    train = fake_training(gate, calls)
    jobs = [runcache.start(None, train, keep, store=store).wait(10) for _ in range(2)]
    assert [j.mode for j in jobs] == ["plain", "plain"] and calls == [1, 1] and len(store) == 0


def test_the_cache_is_bounded_in_models_and_megabytes_least_recently_used_out_first():
    store = RunCache(max_models=2, max_mb=100)
    for key in "abc":
        store.put(key, torch.zeros(10), [])
    assert store.keys() == ["b", "c"]
    store.get("b")                       # b is now the most recently used
    store.put("d", torch.zeros(10), [])
    assert store.keys() == ["b", "d"]
    by_size = RunCache(max_models=10, max_mb=1)
    by_size.put("x", torch.zeros(150_000), [])   # 0.6 MB each
    by_size.put("y", torch.zeros(150_000), [])
    assert by_size.keys() == ["y"] and by_size.nbytes <= 2**20
    assert not by_size.put("huge", torch.zeros(400_000), []) and "huge" not in by_size
    assert not RunCache(max_models=0).put("z", 1, [])


def test_the_bound_is_read_from_the_environment(monkeypatch):
    monkeypatch.setenv("RNN_LAB_RUN_CACHE_MODELS", "3")
    monkeypatch.setenv("RNN_LAB_RUN_CACHE_MB", "7")
    store = RunCache()
    assert store.max_models == 3 and store.max_bytes == 7 * 2**20


def test_the_run_key_follows_content_every_setting_seed_and_steps():
    key = run_key("lm", TEXT, TINY, seed=0, steps=30)
    assert key == run_key("lm", str(TEXT), replace(TINY), seed=0, steps=30)
    assert key != run_key("lm", TEXT[:-1] + "?", TINY, seed=0, steps=30)
    assert key != run_key("lm", TEXT, replace(TINY, lr=2e-2), seed=0, steps=30)
    assert key != run_key("lm", TEXT, TINY, seed=1, steps=30)
    assert key != run_key("lm", TEXT, TINY, seed=0, steps=31)
    assert key != run_key("sentiment", TEXT, TINY, seed=0, steps=30)
    assert content_hash(torch.tensor([1.0, 2.0])) == content_hash(torch.tensor([1.0, 2.0]))
    assert content_hash(torch.tensor([1.0, 2.0])) != content_hash(torch.tensor([1.0, 2.5]))
    assert content_hash({"a": 1, "b": 2}) == content_hash({"b": 2, "a": 1})
    assert content_hash(1) != content_hash(1.0) != content_hash("1")
    with pytest.raises(TypeError):
        run_key("lm", TEXT, TINY, seed=None, steps=30)
    with pytest.raises(TypeError):
        content_hash(lambda: 0)


def test_a_follower_of_a_run_waiting_for_a_slot_shows_the_runs_place_in_the_queue():
    from rnn_core.runs.jobs import training_slots
    slots, held, never = training_slots(), [], threading.Event()
    for n in range(slots.capacity):   # every training slot taken
        assert slots.acquire(f"busy-{n}", never)
        held.append(n)
    try:
        store, gate, calls = RunCache(), threading.Event(), []
        gate.set()
        first, second = (runcache.start("k5", fake_training(gate, calls), keep, store=store) for _ in range(2))
        time.sleep(0.3)
        assert first.status == second.status == "queued" and second.queue_position == 1 and calls == []
    finally:
        for _ in held:
            slots.release()
    assert second.wait(10).status == DONE and first.wait(10).status == DONE and calls == [1]


def test_a_budget_key_names_step_budgets_and_leaves_clock_runs_out():
    """budget_key is run_key for a settings dataclass, and None for a run whose schedule is fitted to the clock."""
    from rnn_core.runs.loop import TrainConfig
    from rnn_core.runs.runcache import budget_key, run_key

    @dataclass(frozen=True)
    class Settings:
        seed: int = 3
        max_steps: int = 200
        seconds: float | None = None

        def train_config(self) -> TrainConfig:
            return TrainConfig(max_steps=self.max_steps, seconds=self.seconds, fit_to_time=True)

    assert budget_key("x", None, Settings()) == run_key("x", None, Settings(), seed=3, steps=200)
    assert budget_key("x", None, Settings()) != budget_key("x", None, Settings(seed=4))
    assert budget_key("x", None, Settings(seconds=5.0)) is None
