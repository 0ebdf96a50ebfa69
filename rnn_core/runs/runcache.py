"""Identical runs trained once per server: a cache of finished deterministic runs, and joining of runs in flight.

In a workshop forty laptops press Train on the same text with the same settings, seed and step budget: the
same model bit for bit, forty times over. A training started through :func:`start` carries a :func:`run_key`
(a content hash of its inputs, every setting, the seed and the step budget), and

- if a run with that key has finished on this server, the learner's job *replays* it: its stored progress
  reports play back in a few seconds (``RNN_LAB_REPLAY_SECONDS``, default 3) through the page's usual polling
  view, and the session receives its own copy of the result (:func:`private_copy`), never the shared object;
- if it is training right now for someone else, the learner *joins* it: the job follows its reports and gets
  a copy at the end, without a training slot or a place in the queue (it shows the run's place while the run
  waits);
- otherwise it trains in a slot of the server-wide queue, as any job does, and later requesters join it.

Only deterministic runs are cached. The page gives a key only for a step budget (:func:`step_budgeted`; with
no key the job is a plain one, as before), and ``cacheable(result)`` (by default :func:`ended_by_steps` of
``result.result``) says whether this run ended by its steps: a run stopped by its time limit or by a learner
depends on the clock and is never stored.

Stop: every session that asked for a run follows it on equal terms (the first one owns nothing more). Stop
detaches that session's job (it ends without a model, with a line saying the run goes on) while others still
follow; the training stops only when its last follower presses Stop, and that learner keeps the model trained
so far, as Stop does everywhere in the app. Such a run ended by a learner, so it is not cached. A follower
whose tab is closed stays attached and its copy goes to a session nobody reads (freed with the session).

Bound: at most ``RNN_LAB_RUN_CACHE_MODELS`` finished runs (default 50) and ``RNN_LAB_RUN_CACHE_MB`` megabytes
(default 200, as their pickled size), least recently used out first; 0 turns the cache off (joining stays).

Determinism, bit for bit, needs one torch thread per training (``RNN_LAB_TORCH_THREADS=1``, the server's
default): with more, two trainings side by side split their parallel sums differently and end a few last bits
apart (measured, tests/test_runcache.py). It also needs code that draws its randomness from generators it
seeds itself: torch's global generator is one per process, so dropout masks drawn from it (the sentiment
classifier's) change when another training runs at the same time. The cache makes a room's copies equal
either way; a fresh training then equals the replay only where those two conditions hold.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import os
import pickle
import threading
from collections import OrderedDict
from typing import Any, Callable

from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import DONE, FAILED, QUEUED, RUNNING, UNLIMITED, Job, Left

REPLAY = ("A replay of an identical run (same data, settings, seed and steps) trained earlier on this server: "
          "the same model, and your own copy of it. Another seed trains your own.")
JOINED = ("An identical run (same data, settings, seed and steps) is training for someone else: you follow it "
          "and get your own copy of the model. Another seed trains your own.")
JOINED_DONE = ("A copy of an identical run (same data, settings, seed and steps) that trained for someone else "
               "while you followed it: the same model, and your own copy of it. Another seed trains your own.")
DETACHED = ("You stopped following the shared run; it goes on for the others who follow it. Press Train to join "
            "it again (or to replay it once it has finished).")
REPLAY_STOPPED = "You stopped the replay. Press Train to watch it again and get the model."
NEVER_STARTED = "Stopped before the training began."
DETERMINISTIC_ENDS = ("finished", "solved", "early", "diverged")


# --- what identifies a run ---------------------------------------------------------------------------------

def content_hash(*parts: Any) -> str:
    """A SHA-256 of ``parts`` by content: texts, numbers, tensors and arrays by value, dataclasses and plain
    objects field by field, dicts in key order. Functions are refused: they are code, not content."""
    digest = hashlib.sha256()
    _feed(digest, parts, set())
    return digest.hexdigest()


def _feed(digest, obj: Any, seen: set) -> None:
    put = digest.update
    if obj is None or isinstance(obj, (bool, int, float, complex)):
        put(f"{type(obj).__name__}:{obj!r};".encode())
    elif isinstance(obj, str):
        data = obj.encode("utf-8", "surrogatepass")
        put(b"str%d:" % len(data) + data)
    elif isinstance(obj, (bytes, bytearray, memoryview)):
        data = bytes(obj)
        put(b"bytes%d:" % len(data) + data)
    elif type(obj).__module__.startswith("torch") and hasattr(obj, "detach") and hasattr(obj, "numpy"):
        tensor = obj.detach().cpu().contiguous()
        put(f"tensor:{tensor.dtype}:{tuple(tensor.shape)}:".encode())
        put(tensor.view(-1).view(__import__("torch").uint8).numpy().tobytes() if tensor.numel() else b"")
    elif type(obj).__module__ == "numpy" and hasattr(obj, "dtype"):
        if getattr(obj, "dtype", None) is not None and obj.dtype.kind == "O":
            _feed(digest, obj.tolist(), seen)
        else:
            put(f"ndarray:{obj.dtype.str}:{getattr(obj, 'shape', ())}:".encode() + obj.tobytes())
    elif type(obj).__module__.startswith("pandas") and hasattr(obj, "to_numpy"):
        _feed(digest, (type(obj).__name__, list(getattr(obj, "columns", [])), obj.index.to_numpy(),
                       obj.to_numpy()), seen)
    elif isinstance(obj, (list, tuple, dict, set, frozenset)) or dataclasses.is_dataclass(obj) \
            or hasattr(obj, "__dict__"):
        if id(obj) in seen:
            put(b"<cycle>")
            return
        seen.add(id(obj))
        if isinstance(obj, (list, tuple)):
            put(f"{type(obj).__name__}{len(obj)}[".encode())
            for item in obj:
                _feed(digest, item, seen)
        elif isinstance(obj, dict):
            put(f"dict{len(obj)}{{".encode())
            for key in sorted(obj, key=repr):
                _feed(digest, key, seen)
                _feed(digest, obj[key], seen)
        elif isinstance(obj, (set, frozenset)):
            put(f"set{len(obj)}{{".encode())
            for item in sorted(obj, key=repr):
                _feed(digest, item, seen)
        elif callable(obj) and not dataclasses.is_dataclass(obj):
            raise TypeError(f"cannot hash {type(obj).__qualname__} by content")
        else:
            fields = ({f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)} if dataclasses.is_dataclass(obj)
                      else vars(obj))
            put(f"{type(obj).__module__}.{type(obj).__qualname__}".encode())
            _feed(digest, fields, seen)
        put(b"]")
        seen.discard(id(obj))
    else:
        raise TypeError(f"cannot hash {type(obj).__qualname__} by content")


def run_key(kind: str, data: Any, settings: Any, *, seed: int, steps: int) -> str:
    """The identity of a deterministic run: what kind of training (``"lm"``, ``"forecast"``...), a content hash
    of its data and of every setting, its seed and its step budget. Equal keys mean the same model."""
    if isinstance(seed, bool) or not isinstance(seed, int) or not isinstance(steps, int):
        raise TypeError("seed and steps must be whole numbers: a run without them is not reproducible")
    return f"{kind}:seed{seed}:steps{steps}:{content_hash(kind, data, settings, seed, steps)}"


def step_budgeted(config) -> bool:
    """Whether a :class:`~rnn_core.runs.loop.TrainConfig`'s run is decided by its steps: no time limit, or one
    that only stops a stretched run (``fit_to_time=False``). Fitting the schedule to the clock is not."""
    return config.seconds is None or not config.fit_to_time


def budget_key(kind: str, data: Any, settings: Any) -> str | None:
    """:func:`run_key` for a settings dataclass that has ``seed``, ``max_steps`` and ``train_config()``, when its run
    is a step budget (:func:`step_budgeted`); None when the clock decides it (such a run trains for one session)."""
    if not step_budgeted(settings.train_config()):
        return None
    return run_key(kind, data, settings, seed=settings.seed, steps=settings.max_steps)


def ended_by_steps(*results) -> bool:
    """Whether every :class:`~rnn_core.runs.loop.TrainResult` ended where its steps say (not by the clock or
    by a learner's Stop): only then is the same key the same model."""
    return bool(results) and all(getattr(r, "stop_reason", None) in DETERMINISTIC_ENDS for r in results)


def private_copy(product: Any) -> Any:
    """This session's own copy of a shared result: models, tokenizers and histories are copied, so a learner
    who goes on training or editing theirs changes nobody else's."""
    return copy.deepcopy(product)


def estimate_bytes(obj: Any) -> int:
    """About how much memory a result holds: its pickled size (tensors by their bytes)."""
    try:
        return len(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))
    except Exception:   # something unpicklable inside: count it as a megabyte
        return 1 << 20


# --- the cache of finished runs ----------------------------------------------------------------------------

def _env_number(name: str, default: float) -> float:
    try:
        return max(0.0, float(os.environ.get(name, default)))
    except ValueError:
        return default


@dataclasses.dataclass
class Finished:
    """A finished deterministic run: its result (never handed out, only copied) and its progress reports."""

    product: Any
    events: list
    nbytes: int
    replays: int = 0


class RunCache:
    """Key → :class:`Finished`, least recently used first, bounded in count and in megabytes."""

    def __init__(self, max_models: int | None = None, max_mb: float | None = None):
        self.max_models = int(_env_number("RNN_LAB_RUN_CACHE_MODELS", 50) if max_models is None else max_models)
        self.max_bytes = (_env_number("RNN_LAB_RUN_CACHE_MB", 200) if max_mb is None else max_mb) * 2**20
        self._runs: OrderedDict[str, Finished] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str) -> Finished | None:
        with self._lock:
            found = self._runs.get(key)
            if found is not None:
                self._runs.move_to_end(key)
            return found

    def put(self, key: str, product: Any, events: list) -> bool:
        """Store a run (False if it alone is over the bound); the least recently used go first."""
        nbytes = estimate_bytes(product) + estimate_bytes(events)
        if self.max_models < 1 or nbytes > self.max_bytes:
            return False
        with self._lock:
            self._runs[key] = Finished(product, list(events), nbytes)
            self._runs.move_to_end(key)
            while len(self._runs) > self.max_models or self.nbytes > self.max_bytes:
                self._runs.popitem(last=False)
            return True

    @property
    def nbytes(self) -> int:
        return sum(r.nbytes for r in self._runs.values())

    def keys(self) -> list[str]:
        with self._lock:
            return list(self._runs)

    def clear(self) -> None:
        with self._lock:
            self._runs.clear()

    def __len__(self) -> int:
        return len(self._runs)

    def __contains__(self, key: str) -> bool:
        return key in self._runs


# --- runs in flight and the jobs that follow them ----------------------------------------------------------

def _report(job: Job, event: Any) -> None:
    job.report(event)


class SharedRun:
    """One training in flight, in a slot of the server-wide queue, followed by one or more sessions' jobs."""

    def __init__(self, key: str, train: Callable, cacheable: Callable, cache: RunCache, label: str):
        self.key, self.train, self.cacheable, self.cache = key, train, cacheable, cache
        self.events: list = []
        self.cond = threading.Condition()
        self.followers = 0
        self.cached = False
        self.trainer = Job(self._work, label)

    def _work(self, job: Job) -> Any:
        def emit(event: Any) -> None:
            with self.cond:
                self.events.append(event)
                self.cond.notify_all()

        try:
            product = self.train(job.stop, emit)
            with _lock:   # into the cache before out of flight: a request in between finds one or the other
                if self.cacheable(product):
                    self.cached = self.cache.put(self.key, product, self.events)
            return product
        finally:
            with _lock:
                if _in_flight.get(self.key) is self:
                    del _in_flight[self.key]
            with self.cond:
                self.cond.notify_all()

    def detach(self) -> bool:
        """A follower leaves; True if it was the last, which stops the training (and unlists it)."""
        with _lock:
            self.followers -= 1
            last = self.followers <= 0
            if last:
                if _in_flight.get(self.key) is self:
                    del _in_flight[self.key]
                self.trainer.cancel()
        return last

    def follow(self, job: Job, deliver: Callable, relay: Callable) -> Any:
        seen, stopping = 0, False
        while True:
            with self.cond:
                if seen >= len(self.events) and self.trainer.thread.is_alive() and \
                        (stopping or not job.stop.is_set()):
                    self.cond.wait(0.25)
                new = self.events[seen:]
            for event in new:
                relay(job, event)
            seen += len(new)
            if job.stop.is_set() and not stopping:
                if not self.detach():
                    raise Left(DETACHED)
                stopping = True   # the last follower: it stops the training and keeps the model so far
            if not self.trainer.thread.is_alive() and seen >= len(self.events):
                break
        if self.trainer.status == DONE:
            if job.notice == JOINED:
                job.notice = JOINED_DONE   # the line stays on the page: past tense, now that the run is over
            return deliver(private_copy(self.trainer.result), job)
        if self.trainer.status == FAILED:
            raise RNNLabError(self.trainer.error)
        raise Left(NEVER_STARTED)


class FollowerJob(Job):
    """A session's job that follows a :class:`SharedRun`: it takes no slot, and shows the run's queue place."""

    def __init__(self, run: SharedRun, deliver: Callable, relay: Callable, label: str):
        super().__init__(lambda job: run.follow(job, deliver, relay), label, slots=UNLIMITED)
        self.shared = run

    @property
    def status(self) -> str:
        if self._status == RUNNING and self.shared.trainer.status == QUEUED:
            return QUEUED
        return self._status

    @status.setter
    def status(self, value: str) -> None:
        self._status = value

    @property
    def queue_position(self) -> int | None:
        return self.shared.trainer.queue_position if self.status == QUEUED else None


def _replay(finished: Finished, deliver: Callable, relay: Callable, job: Job) -> Any:
    pause = replay_seconds() / max(1, len(finished.events))
    for event in finished.events:
        if job.stop.wait(pause):
            raise Left(REPLAY_STOPPED)
        relay(job, event)
    return deliver(private_copy(finished.product), job)


def replay_seconds() -> float:
    """How long a replay's progress takes to play back (``RNN_LAB_REPLAY_SECONDS``, default 3)."""
    return _env_number("RNN_LAB_REPLAY_SECONDS", 3.0)


_lock = threading.Lock()
_in_flight: dict[str, SharedRun] = {}
_cache = RunCache()
_counts = {"trained": 0, "joined": 0, "replayed": 0, "plain": 0}


def cache() -> RunCache:
    """The server-wide cache of finished runs."""
    return _cache


def start(key: str | None, train: Callable, deliver: Callable, *, label: str = "",
          cacheable: Callable[[Any], bool] | None = None, relay: Callable | None = None,
          prepare: Callable[[Job], None] | None = None, store: RunCache | None = None) -> Job:
    """Start (or replay, or join) a training and return this session's job.

    ``train(stop, report)`` does the deterministic, expensive part and returns its result (the product);
    ``deliver(copy, job)`` runs for each session with that session's own copy and returns the job's result
    (it adds the model to the session's registry, say). ``relay(job, event)`` hands each progress report to a
    session's job (default ``job.report``); ``prepare(job)`` runs before the job starts. With ``key`` None
    (not a step budget) the job is a plain one: it trains, and delivers its own result without a copy.
    ``job.mode`` tells which: "trained", "joined", "replayed" or "plain"; ``job.notice`` has the line to show.
    """
    relay = relay or _report
    cacheable = cacheable or (lambda product: ended_by_steps(getattr(product, "result", None)))
    store = store if store is not None else _cache
    with _lock:
        if key is None:
            mode = "plain"
            job = Job(lambda j: deliver(train(j.stop, lambda event: relay(j, event)), j), label)
        elif (finished := store.get(key)) is not None:
            mode = "replayed"
            finished.replays += 1
            job = Job(lambda j: _replay(finished, deliver, relay, j), label, slots=UNLIMITED)
            job.notice = REPLAY
        else:
            run = _in_flight.get(key)
            mode = "joined" if run is not None else "trained"
            if run is None:
                run = _in_flight[key] = SharedRun(key, train, cacheable, store, label)
            run.followers += 1
            job = FollowerJob(run, deliver, relay, label)
            if mode == "joined":
                job.notice = JOINED
            else:
                run.trainer.start()
        _counts[mode] += 1
    job.mode = mode
    if prepare is not None:
        prepare(job)
    return job.start()


def stats() -> dict:
    """How the server's trainings went: counts by mode, runs in flight, runs cached and their size."""
    with _lock:
        return {**_counts, "in_flight": len(_in_flight), "cached": len(_cache),
                "cached_mb": round(_cache.nbytes / 2**20, 2)}
