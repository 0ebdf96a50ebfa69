"""Pieces shared by the commands: progress lines on stderr, result tables written as CSV."""

from __future__ import annotations

import sys
import time
from pathlib import Path

from rnn_core.errors import RNNLabError


class StderrProgress:
    """Prints one progress line every ``every`` seconds to stderr (stdout is kept for the JSON result)."""

    def __init__(self, every: float = 2.0):
        self.every, self.last = every, 0.0

    def __call__(self, p) -> None:
        now = time.monotonic()
        if now - self.last < self.every:
            return
        self.last = now
        val = p.metrics.get("val_loss")
        val_text = f" val {val:.3f}" if val is not None else ""
        print(f"step {p.step:>6}/{p.planned_steps}  loss {p.train_loss:.3f}{val_text}  "
              f"{p.tokens_per_second:,.0f} tok/s  {p.elapsed:5.1f}s  ~{p.time_left:.0f}s left",
              file=sys.stderr, flush=True)


def write_csv(frame, path: Path) -> None:
    """Write a result table (a pandas DataFrame); a path that cannot be written is a message, not a traceback."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_csv(path, index=False, float_format="%.5g")
    except OSError as exc:
        raise RNNLabError(f"Could not write {path}: {exc}") from exc
