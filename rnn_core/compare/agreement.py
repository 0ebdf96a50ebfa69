"""The "was or were?" task's results read back: accuracy by distance and by attractors, baselines, examples.

A result row of the agreement task (``rnn_core.compare.experiments.run_one``) carries, beside the overall
accuracy, its accuracy on the test sentences with 0, 1, 2 and 3 attractors (``acc_a0`` …), what the two
no-memory answers score on the same sentences (``base_majority``, ``base_nearest``, ``nearest_a0`` …) and the
model's probability of *were* on a few of them (``examples``). The functions here turn rows (shipped or live,
possibly labelled with a ``run``) into what the page draws and says.
"""

from __future__ import annotations

import functools
import math

import torch

from rnn_core.compare.experiments import test_set
from rnn_core.data import agreement as A
from rnn_core.data.tasks import get_task

CELLS = ("rnn", "lstm", "gru")
ATTRACTORS = tuple(range(A.MAX_ATTRACTORS + 1))


def _ok(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def baselines_by_length(rows: list[dict]) -> dict[int, dict[str, float]]:
    """{length: {"majority": …, "nearest": …, "nearest_a0": …}}: the no-memory scores on each length's test set
    (the same sentences for every cell and seed, so any row at that length says them)."""
    out: dict[int, dict[str, float]] = {}
    for r in rows:
        if r["length"] not in out and _ok(r.get("base_nearest")):
            out[r["length"]] = {"majority": float(r["base_majority"]), "nearest": float(r["base_nearest"]),
                                **{f"nearest_a{a}": float(r[f"nearest_a{a}"]) for a in ATTRACTORS
                                   if _ok(r.get(f"nearest_a{a}"))}}
    return dict(sorted(out.items()))


def by_attractors(rows: list[dict], length: int) -> list[dict]:
    """Mean, worst and best accuracy over seeds per (run, cell, attractor count) at ``length``."""
    groups: dict[tuple, list[float]] = {}
    for r in rows:
        if r["length"] != length or r.get("stop_reason") == "stopped":
            continue
        for a in ATTRACTORS:
            value = r.get(f"acc_a{a}")
            if _ok(value):
                groups.setdefault((r.get("run"), r["cell"], a), []).append(float(value))
    return [{"run": run, "cell": cell, "attractors": a, "mean": sum(v) / len(v), "min": min(v), "max": max(v),
             "seeds": len(v)} for (run, cell, a), v in groups.items()]


def accuracies(rows, cell: str, length: int, column: str = "accuracy") -> list[float]:
    """``column`` of every seed's row of ``cell`` at ``length`` (rows: dicts or a DataFrame)."""
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    return [float(r[column]) for r in records if r["cell"] == cell and r["length"] == length and _ok(r.get(column))]


def _span(values: list[float]) -> str:
    lo, hi = f"{100 * min(values):.0f}", f"{100 * max(values):.0f}"
    return f"{lo} %" if lo == hi else f"{lo}–{hi} %"


def telling_length(rows: list[dict]) -> int:
    """The distance where the cells part first: the shortest at which some cell's mean accuracy is under 0.9
    (the longest distance if none is), so the page's examples open where a choice goes wrong."""
    lengths = sorted({r["length"] for r in rows})
    for n in lengths:
        means = [sum(v) / len(v) for v in (accuracies(rows, c, n) for c in CELLS) if v]
        if means and min(means) < 0.9:
            return n
    return lengths[-1]


def held_up_to(rows, cell: str, lengths: list[int], at_least: float = 0.95) -> int | None:
    """The longest of ``lengths`` up to which every seed of ``cell`` got at least ``at_least`` (None if not even
    the shortest)."""
    held = None
    for n in sorted(lengths):
        if min(accuracies(rows, cell, n)) < at_least:
            break
        held = n
    return held


def finding(rows) -> str:
    """The shipped grid's result in words, every number read from ``rows`` (a grid that lacks a cell somewhere,
    being regenerated, gets a sentence that says so instead)."""
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else list(rows)
    lengths = sorted({r["length"] for r in records})
    if not lengths or any(not accuracies(records, c, n) for c in CELLS for n in lengths):
        return "the grid is not complete yet: its finished runs are drawn below."
    return _finding(records)


def _finding(records: list[dict]) -> str:
    lengths = sorted({r["length"] for r in records})
    short, far = lengths[0], lengths[-1]
    base = baselines_by_length(records)
    gated = ("lstm", "gru")
    gated_all = [a for c in gated for n in lengths for a in accuracies(records, c, n)]
    gated_far_clean = [a for c in gated for a in accuracies(records, c, far, "acc_a0")]
    text = (f"the LSTM and the GRU choose the right verb in {_span(gated_all)} of the test sentences at every "
            f"distance from {short} to {far} words ({_span(gated_far_clean)} at {far} with no attractor). ")
    held = held_up_to(records, "rnn", lengths)
    if held is None:
        return text + f"The RNN does not get there even at {short} words ({_span(accuracies(records, 'rnn', short))})."
    near = [n for n in lengths if n <= held]
    steps = lambda cells: [s for c in cells for n in near for s in accuracies(records, c, n, "steps")]
    rnn_near = [a for n in near for a in accuracies(records, "rnn", n)]
    text += (f"The RNN does as well up to {held} words ({_span(rnn_near)}), though some of its seeds need many more "
             f"training steps (up to {max(steps(['rnn'])):,.0f}, against {max(steps(gated)):,.0f} at most for the "
             "gated cells)")
    beyond = [n for n in lengths if n > held]
    if beyond:
        rnn_beyond = [a for n in beyond for a in accuracies(records, "rnn", n)]
        no_memory = [base[n][k] for n in beyond for k in ("majority", "nearest")]
        text += (f"; from {beyond[0]} words on it gets {_span(rnn_beyond)}, where answering without any memory of "
                 f"the subject lands too ({_span(no_memory)}, whether with the commoner verb or the nearest noun's)")
    a0 = [a for c in CELLS for n in near for a in accuracies(records, c, n, "acc_a0")]
    a3 = [(a, c, n) for c in CELLS for n in near for a in accuracies(records, c, n, "acc_a3")]
    text += "."
    if a3:
        worst = min(a3)
        clean, three = sum(a0) / len(a0), sum(a for a, _, _ in a3) / len(a3)
        effect = ("Attractors barely show where the subject is remembered" if clean - three <= 0.03 else
                  "Attractors cost something even where the subject is remembered")
        text += (f" {effect}: up to {held} words the runs get {100 * clean:.1f} % of the sentences without an "
                 f"attractor right and {100 * three:.1f} % of those with three (the worst run {_pct(worst[0])}, "
                 f"{CELL_NAMES_IN_TEXT[worst[1]]} at {worst[2]} words). Here, though, about half of the nouns "
                 "between subject and verb are attractors, in training too, and training stops once 98 % of the "
                 "validation sentences are right; Linzen et al.'s networks met attractors rarely in real text. A "
                 "small effect here does not mean a gated cell cannot be misled by attractors.")
    return text


CELL_NAMES_IN_TEXT = {"rnn": "an RNN", "lstm": "an LSTM", "gru": "a GRU"}


def _pct(value: float) -> str:
    return f"{100 * value:.0f} %"


@functools.lru_cache(maxsize=8)
def test_sentences(length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """The test sentences every run at ``length`` was scored on (the same seed as in ``run_one``)."""
    return test_set(get_task("agreement"), length)


def marked_sentence(ids) -> str:
    """The sentence in Markdown, subject in bold, attractors in italics, the verb left as a blank."""
    words = A.words(ids)
    plural = lambda i: int(ids[i]) >= A.PLURAL0
    out = []
    for i, w in enumerate(words):
        if i == A.SUBJECT:
            out.append(f"**{w}**")
        elif i > A.SUBJECT and A.SINGULAR0 <= int(ids[i]) < A.NOUN_END and plural(i) != plural(A.SUBJECT):
            out.append(f"_{w}_")
        else:
            out.append(w)
    return " ".join(out).replace(" ,", ",") + " ___"


def examples(rows: list[dict], length: int, seed: int, run=None) -> list[dict]:
    """The example sentences at ``length`` with each cell's choice and confidence (its probability of the verb it
    chose), from the rows of ``seed`` (and ``run``): one dict per sentence, the page's table."""
    picked = {r["cell"]: A.parse_examples(r["examples"]) for r in rows
              if r["length"] == length and r["seed"] == seed and r.get("run") == run and _ok(r.get("examples"))
              and isinstance(r.get("examples"), str)}
    if not picked:
        return []
    x, y = test_sentences(length)
    f = A.facts(x)
    indices = sorted(set().union(*(p.keys() for p in picked.values())))
    table = []
    for i in indices:
        right = int(y[i])
        entry = {"sentence": marked_sentence(x[i]), "attractors": int(f["attractors"][i]),
                 "right verb": A.VERBS[right], "nearest noun says": A.VERBS[int(f["nearest"][i])]}
        for cell in CELLS:
            if cell in picked and i in picked[cell]:
                p = picked[cell][i]
                choice = int(p >= 0.5)
                entry[cell] = {"verb": A.VERBS[choice], "confidence": p if choice else 1 - p, "right": choice == right}
        table.append(entry)
    return table
