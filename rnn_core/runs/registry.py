"""The session's trained models: one registry per visitor, read by every page.

Plain Python (no Streamlit): the pages keep one :class:`ModelRegistry` in ``st.session_state`` and store
each finished run under a readable, unique name such as ``"LSTM 128 · Python documentation (char)"``.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Any


@dataclass
class TrainedModel:
    """A model with its provenance: what it was trained on, how, and how well it did."""

    name: str
    kind: str                      # "language-model", "classifier", ...
    model: Any
    tokenizer: Any
    settings: dict
    metrics: dict
    history: list = field(default_factory=list)
    source: str = ""               # the text or data set it learned from
    created: float = field(default_factory=time.time)

    def describe(self) -> str:
        m = self.metrics
        parts = [self.source, f"{m.get('params', 0):,} parameters"]
        if "val_loss" in m:
            parts.append(f"validation loss {m['val_loss']:.3f}")
        return " · ".join(p for p in parts if p)


class ModelRegistry:
    """Name → :class:`TrainedModel`, in the order they were trained."""

    def __init__(self, max_models: int = 20):
        self.max_models = max_models
        self._models: dict[str, TrainedModel] = {}
        self._lock = threading.RLock()   # background jobs add models from their own threads

    def unique_name(self, base: str) -> str:
        name, n = base, 2
        while name in self._models:
            name, n = f"{base} #{n}", n + 1
        return name

    def add(self, entry: TrainedModel) -> str:
        """Store ``entry`` under a unique version of its name (the oldest model goes beyond the cap)."""
        with self._lock:
            entry.name = self.unique_name(entry.name)
            self._models[entry.name] = entry
            while len(self._models) > self.max_models:
                self._models.pop(next(iter(self._models)))
            return entry.name

    def get(self, name: str) -> TrainedModel | None:
        return self._models.get(name)

    def remove(self, name: str) -> None:
        with self._lock:
            self._models.pop(name, None)

    def names(self, kind: str | None = None) -> list[str]:
        with self._lock:
            return [n for n, e in self._models.items() if kind is None or e.kind == kind]

    def entries(self, kind: str | None = None) -> list[TrainedModel]:
        with self._lock:
            return [e for e in self._models.values() if kind is None or e.kind == kind]

    def __len__(self) -> int:
        return len(self._models)

    def __contains__(self, name: str) -> bool:
        return name in self._models


@dataclass(frozen=True)
class Outcome:
    """How a page's run ended, as the page shows it: the models it added (their names in the registry), the
    training's closing message, and why it stopped (``finished``, ``stopped``, ``diverged``, ...)."""

    entries: tuple[str, ...]
    message: str
    reason: str
