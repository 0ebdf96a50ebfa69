"""Free the models of abandoned sessions after a time-to-live, so a busy hosted demo does not run out of memory.

Streamlit forgets a session some minutes after its websocket closes (``server.disconnectedSessionTTL``), but a
browser tab left open keeps its session, and its trained models, for as long as the tab lives; with forty
visitors a day that adds up. So the server keeps one :class:`SessionTracker`: every script run that reads a
session's :class:`~rnn_core.runs.registry.ModelRegistry` "touches" it, and each touch sweeps the others, emptying
every registry that nobody has touched for the time-to-live (``RNN_LAB_SESSION_TTL`` seconds, default 30
minutes). The learner who comes back later finds an empty registry and a line saying why.

The tracker holds only weak references: it never keeps a registry alive after Streamlit has dropped its
session, and a registry Streamlit has already freed simply disappears from it. A model that a background
job adds counts as activity (``TrainedModel.created``), so a long training in an untouched tab is not
swept the moment it finishes.
"""

from __future__ import annotations

import ctypes
import gc
import os
import threading
import time
import weakref
from dataclasses import dataclass

DEFAULT_TTL_SECONDS = 30 * 60


def session_ttl() -> float:
    """Seconds without activity after which a session's models are freed (``RNN_LAB_SESSION_TTL``)."""
    try:
        ttl = float(os.environ.get("RNN_LAB_SESSION_TTL", DEFAULT_TTL_SECONDS))
    except ValueError:
        return float(DEFAULT_TTL_SECONDS)
    return ttl if ttl > 0 else float(DEFAULT_TTL_SECONDS)


def ttl_in_words(ttl: float | None = None) -> str:
    """The time-to-live as a learner would say it: "30 minutes", "90 seconds"."""
    ttl = tracker().ttl if ttl is None else ttl
    return f"{ttl / 60:.0f} minutes" if ttl >= 120 else f"{ttl:.0f} seconds"


@dataclass
class _Seen:
    ref: weakref.ref
    last_seen: float
    expired: bool = False


class SessionTracker:
    """Registries of live sessions with the time each was last used; :meth:`sweep` empties the stale ones.

    ``ttl`` is in seconds; ``None`` reads :func:`session_ttl` at every sweep, so the setting can change
    without a restart. ``clock`` is for tests.
    """

    def __init__(self, ttl: float | None = None, clock=time.time):
        self._ttl = ttl
        self._clock = clock
        self._seen: dict[int, _Seen] = {}
        self._lock = threading.Lock()

    @property
    def ttl(self) -> float:
        return self._ttl if self._ttl is not None else session_ttl()

    def touch(self, registry) -> bool:
        """Mark ``registry`` as in use now and sweep the others; True once if it was emptied while away."""
        now = self._clock()
        key = id(registry)
        with self._lock:
            seen = self._seen.get(key)
            if seen is None or seen.ref() is not registry:
                self._seen[key] = _Seen(weakref.ref(registry, self._forget_later(key)), now)
                was_expired = False
            else:
                was_expired, seen.expired, seen.last_seen = seen.expired, False, now
        self.sweep(now)
        return was_expired

    def sweep(self, now: float | None = None) -> int:
        """Empty every registry idle for longer than the TTL; returns how many models were freed."""
        now = self._clock() if now is None else now
        ttl = self.ttl
        stale = []
        with self._lock:
            for key, seen in list(self._seen.items()):
                registry = seen.ref()
                if registry is None:
                    del self._seen[key]
                elif not seen.expired and now - _last_activity(registry, seen.last_seen) > ttl:
                    seen.expired = True
                    stale.append(registry)
        freed = 0
        for registry in stale:   # outside our lock: the registry takes its own
            for name in registry.names():
                registry.remove(name)
                freed += 1
        if freed:
            release_memory()
        return freed

    def __len__(self) -> int:
        """How many sessions are tracked (their registries still exist)."""
        with self._lock:
            return sum(1 for seen in self._seen.values() if seen.ref() is not None)

    def _forget_later(self, key: int):
        def forget(ref: weakref.ref) -> None:
            # Called by the garbage collector, possibly while a sweep holds the lock: never block here.
            if self._lock.acquire(blocking=False):
                try:
                    if key in self._seen and self._seen[key].ref is ref:
                        del self._seen[key]
                finally:
                    self._lock.release()
        return forget


def release_memory() -> None:
    """Give freed memory back to the operating system, so the server's resident size shrinks after a sweep.

    Freed tensors go back to glibc's allocator, which keeps the pages for later: measured with eight trained
    sessions swept, the server stayed at 575 MB without this. ``malloc_trim(0)`` hands free pages back; it
    exists only in glibc, so elsewhere this only collects cycles. Sweeps are rare, so the cost (a full
    collection takes a few tenths of a second with torch loaded) is paid seldom.
    """
    gc.collect()
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):
        pass


def _last_activity(registry, last_seen: float) -> float:
    """The later of the last script run that read the registry and the newest model added to it."""
    newest = max((entry.created for entry in registry.entries()), default=last_seen)
    return max(last_seen, newest)


_tracker = SessionTracker()


def tracker() -> SessionTracker:
    """The server-wide tracker (one per process, shared by every session)."""
    return _tracker


def touch(registry) -> bool:
    """Mark a session's registry as in use and free abandoned ones; True if this one was freed while away."""
    return _tracker.touch(registry)
