"""Caption a picture's precomputed results (``caption/results/caption_seeds.csv``, written by
``regenerate_caption.sh``): the page's defaults on seeds 0 to 4, one row per (seed, model)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
SEEDS_CSV = RESULTS / "caption_seeds.csv"
REGENERATE = "sh rnn_core/caption/results/regenerate_caption.sh"


def shipped_rows() -> list[dict] | None:
    """The shipped rows, or None when the file is missing."""
    return pd.read_csv(SEEDS_CSV).to_dict("records") if SEEDS_CSV.exists() else None
