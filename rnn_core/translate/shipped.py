"""The Translate page's precomputed results (``translate/results/``, written by ``regenerate_translate.sh``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

RESULTS = Path(__file__).resolve().parent / "results"
REGENERATE = "sh rnn_core/translate/results/regenerate_translate.sh"


def shipped_results(kind: str) -> tuple[list[dict], list[dict]] | None:
    """(rows, curves) of the shipped ``dates`` or ``reverse`` results, or None when they are missing."""
    table, curves = RESULTS / f"translate_{kind}.csv", RESULTS / f"translate_{kind}_curves.csv"
    if not (table.exists() and curves.exists()):
        return None
    return pd.read_csv(table).to_dict("records"), pd.read_csv(curves).to_dict("records")
