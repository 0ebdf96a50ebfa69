"""Background jobs: long work that survives page switches and reruns, with a server-wide cap.

A Streamlit rerun stops the page's script, so training cannot run inside it. A :class:`Job` runs its work
in a daemon thread that never touches Streamlit; the page keeps the job in the session and polls it.
At most :func:`max_concurrent` jobs run at once in the whole server (the box has few cores); the rest wait
in a first-come, first-served queue and can see their place in it.

Settings (environment variables): ``RNN_LAB_MAX_TRAININGS`` (simultaneous trainings, default 2) and
``RNN_LAB_TORCH_THREADS`` (torch's thread pool; default 1, see :func:`configure_torch_threads`).
"""

from __future__ import annotations

import os
import threading
import time
import traceback
import uuid
from collections import deque
from typing import Any, Callable

from rnn_core.errors import RNNLabError

QUEUED, RUNNING, DONE, FAILED, CANCELLED = "queued", "running", "done", "failed", "cancelled"


class Left(Exception):
    """Raised by work that ends on purpose without a result (a learner who stops following a run that others
    share, see :mod:`rnn_core.runs.runcache`): the job ends as cancelled, its message kept in ``job.notice``."""


def max_concurrent() -> int:
    return max(1, int(os.environ.get("RNN_LAB_MAX_TRAININGS", "2")))


def configure_torch_threads(default: int = 1) -> int:
    """Bound torch's process-wide thread pool once, so simultaneous trainings share the cores.

    ``RNN_LAB_TORCH_THREADS`` overrides ``default``: one for the app's server, where trainings share the
    machine; the command line, one user's job, asks for every core.
    """
    import torch   # here, not at the top: the home page renders without loading torch (a second or two)

    # One thread per training by default: these models are small, and on a shared or virtual machine
    # torch's multi-threaded kernels can slow down many times over when another process holds a core
    # (measured here: an LSTM step 0.11 s on one thread, 0.5 to 4 s on two).
    threads = max(1, int(os.environ.get("RNN_LAB_TORCH_THREADS", default)))
    if torch.get_num_threads() != threads:
        torch.set_num_threads(threads)
    return threads


class Slots:
    """A counting semaphore with a visible first-come, first-served queue."""

    def __init__(self, capacity: int):
        self.capacity = capacity
        self._running = 0
        self._queue: deque[str] = deque()
        self._cond = threading.Condition()

    def acquire(self, ticket: str, cancelled: threading.Event) -> bool:
        """Wait for a slot; False if ``cancelled`` was set while waiting."""
        with self._cond:
            self._queue.append(ticket)
            while not (self._queue[0] == ticket and self._running < self.capacity):
                if cancelled.is_set():
                    self._queue.remove(ticket)
                    self._cond.notify_all()
                    return False
                self._cond.wait(timeout=0.2)
            self._queue.popleft()
            self._running += 1
            self._cond.notify_all()
            return True

    def release(self) -> None:
        with self._cond:
            self._running -= 1
            self._cond.notify_all()

    def position(self, ticket: str) -> int | None:
        """1 for the next job to start; None when not waiting."""
        with self._cond:
            return self._queue.index(ticket) + 1 if ticket in self._queue else None

    @property
    def running(self) -> int:
        return self._running


_slots: Slots | None = None
_slots_lock = threading.Lock()
# For jobs that only watch or copy a training that holds a slot of its own (replays and followers of a shared
# run, see rnn_core/runs/runcache.py): they never wait.
UNLIMITED = Slots(10**9)


def training_slots() -> Slots:
    global _slots
    with _slots_lock:
        if _slots is None:
            _slots = Slots(max_concurrent())
        return _slots


class Job:
    """One piece of background work: ``work(job)`` runs in a thread once a slot is free.

    ``work`` reads ``job.stop`` (a ``threading.Event``) to know when to stop, calls ``job.report(progress)``
    as it goes, and returns its result. The page reads :attr:`status`, :attr:`progress`, :attr:`result` and
    :attr:`error`. An :class:`RNNLabError` becomes a message for the user; any other exception is kept with
    its traceback for the logs and shown as a short failure message.
    """

    def __init__(self, work: Callable[["Job"], Any], label: str = "", slots: Slots | None = None):
        self.id = uuid.uuid4().hex
        self.label = label
        self.work = work
        self.slots = slots or training_slots()
        self.stop = threading.Event()
        self.status = QUEUED
        self.progress: Any = None
        self.reports: list = []
        self.result: Any = None
        self.error: str | None = None
        self.notice: str | None = None      # a line for the learner about how this job came by its result
        self.traceback: str | None = None
        self.created = time.time()
        self.started: float | None = None
        self.finished: float | None = None
        self._lock = threading.Lock()
        self.thread = threading.Thread(target=self._run, name=f"rnn-lab-job-{self.id[:8]}", daemon=True)

    def start(self) -> "Job":
        self.thread.start()
        return self

    def _run(self) -> None:
        if not self.slots.acquire(self.id, self.stop):
            self.status, self.finished = CANCELLED, time.time()
            return
        try:
            configure_torch_threads()
            self.status, self.started = RUNNING, time.time()
            self.result = self.work(self)
            self.status = DONE
        except Left as exc:
            self.notice, self.status = str(exc), CANCELLED
        except RNNLabError as exc:
            self.error, self.status = str(exc), FAILED
        except Exception as exc:   # a bug: keep the details for the log, show the user a short message
            self.traceback = traceback.format_exc()
            self.error, self.status = f"Training failed unexpectedly ({type(exc).__name__}: {exc}).", FAILED
        finally:
            self.finished = time.time()
            self.slots.release()

    def report(self, progress: Any) -> None:
        """Called from the worker thread with the latest progress."""
        with self._lock:
            self.progress = progress
            self.reports.append(progress)

    def reports_so_far(self) -> list:
        """Every progress report so far, oldest first (for live charts)."""
        with self._lock:
            return list(self.reports)

    def cancel(self) -> None:
        self.stop.set()

    @property
    def queue_position(self) -> int | None:
        return self.slots.position(self.id) if self.status == QUEUED else None

    @property
    def active(self) -> bool:
        return self.status in (QUEUED, RUNNING)

    def wait(self, timeout: float | None = None) -> "Job":
        self.thread.join(timeout)
        return self
