"""Synthetic long-dependency tasks: sequences whose answer depends on something seen long ago.

Each generator takes a batch size, a length and a ``torch.Generator`` (so runs are reproducible) and
returns input and target tensors. :data:`TASKS` describes each task for the experiments and the page: how
its inputs are encoded, how success is measured, and what a model with no memory would score (the baseline
the charts draw), so that "the RNN is at chance" is a measured statement, not a figure of speech.
"""

from __future__ import annotations

import string
from dataclasses import dataclass
from typing import Callable

import torch

from rnn_core.data import agreement
from rnn_core.errors import RNNLabError

ADDING_TOLERANCE = 0.04          # a sum within 0.04 of the truth counts as solved (Hochreiter & Schmidhuber 1997)
FIRST_SYMBOLS = 16               # classes of the first-symbol task: 4 bits to carry, chance is 1 in 16
FIRST_DISTRACTORS = 16           # distractor symbols (never a class); each one jostles a memory that is not gated
ORDER_NOISE = 4                  # temporal order: noise symbols a, b, c, d
REVERSE_LETTERS = string.ascii_lowercase


def adding_batch(batch: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """The adding problem (Hochreiter & Schmidhuber 1997 §5.4, in the variant of Le et al. 2015).

    Each step carries a pair (value, marker): values uniform in [0, 1], markers 0 except at two steps, one in
    the first half and one in the second. The target is the sum of the two marked values. Returns
    ``x`` of shape ``(batch, length, 2)`` and ``y`` of shape ``(batch,)``. A model that ignores the inputs
    and always answers 1 has a mean squared error of about 0.167.
    """
    values = torch.rand(batch, length, generator=generator)
    markers = torch.zeros(batch, length)
    half = max(1, length // 2)
    first = torch.randint(0, half, (batch,), generator=generator)
    second = torch.randint(half, length, (batch,), generator=generator) if length > 1 else first
    rows = torch.arange(batch)
    markers[rows, first] = 1.0
    markers[rows, second] = 1.0
    x = torch.stack([values, markers], dim=-1)
    y = (values * markers).sum(dim=1)
    return x, y


def first_symbol_batch(batch: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Remember the first symbol: one of 16 class symbols at step 1, then ``length − 1`` distractors.

    Symbols are ids: 0–15 are the classes, 16–31 the distractors (drawn uniformly). Returns ids
    ``x`` ``(batch, length)`` and the class ``y`` ``(batch,)``, which is simply ``x[:, 0]``: the whole
    difficulty is carrying it across the distractors. Without memory the best guess is right 1 time in 16.
    """
    y = torch.randint(0, FIRST_SYMBOLS, (batch,), generator=generator)
    x = torch.randint(FIRST_SYMBOLS, FIRST_SYMBOLS + FIRST_DISTRACTORS, (batch, length), generator=generator)
    x[:, 0] = y
    return x, y


ORDER_SYMBOLS = ("a", "b", "c", "d", "X", "Y", "B", "E")   # ids 0–7: noise, the two markers, begin, end
ORDER_CLASSES = ("X…X", "X…Y", "Y…X", "Y…Y")


def temporal_order_batch(batch: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Temporal order (Hochreiter & Schmidhuber 1997 §5.6): which of X and Y came first, and second?

    A sequence starts with B and ends with E; between them noise symbols a–d, except at two steps that hold
    X or Y: the first in the 10–20 % stretch of the sequence, the second in the 50–60 % stretch (the paper's
    steps 10–20 and 50–60 of 100). The class is one of XX, XY, YX, YY (ids 0–3); without memory of both
    markers the best guess is right 1 time in 4.
    """
    x = torch.randint(0, ORDER_NOISE, (batch, length), generator=generator)
    x[:, 0], x[:, -1] = 6, 7

    def stretch(lo: float, hi: float) -> torch.Tensor:
        a = max(1, int(lo * length))
        b = min(length - 2, max(a, int(hi * length)))
        return torch.randint(a, b + 1, (batch,), generator=generator)

    first, second = stretch(0.1, 0.2), stretch(0.5, 0.6)
    second = torch.maximum(second, first + 1)
    m1 = torch.randint(0, 2, (batch,), generator=generator)
    m2 = torch.randint(0, 2, (batch,), generator=generator)
    rows = torch.arange(batch)
    x[rows, first] = 4 + m1
    x[rows, second] = 4 + m2
    return x, 2 * m1 + m2


def reverse_batch(batch: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """Reverse a sequence of letters (ids 0–25 for a–z): read ``length`` letters, then write them backwards.

    Returns ``x`` ``(batch, length)`` and ``y = x`` reversed. A sequence counts as solved only when every
    letter is right; a memoryless guesser gets a letter right 1 time in 26 and a whole sequence practically
    never.
    """
    x = torch.randint(0, len(REVERSE_LETTERS), (batch, length), generator=generator)
    return x, x.flip(1)


@dataclass(frozen=True)
class Task:
    """A task as the experiments and the page see it."""

    key: str
    title: str
    make_batch: Callable[[int, int, torch.Generator], tuple[torch.Tensor, torch.Tensor]]
    kind: str                 # "regression" (one number), "classification" (one class), "sequence" (many-to-many)
    vocab: int                # input symbols (one-hot width); 0 for real-valued inputs
    input_size: int
    output_size: int
    min_length: int
    max_length: int
    baseline: float           # accuracy of the best model without memory
    baseline_label: str
    success: str              # when one sequence counts as solved
    what: str                 # the task in one sentence
    # Train on lengths drawn from [min_length, length] (tested at ``length`` only). The adding problem has short
    # and long lags in every batch (its first marker can be anywhere in the first half); the first-symbol task
    # has one lag, the whole length, and at 100 steps no cell gets any gradient from step 1 at initialisation
    # (σ(1)^99 ≈ 1e-14 for the LSTM). Short sequences give every cell a signal to start from; only a cell that
    # learns to hold a memory steadily then carries it to the full length.
    random_train_lengths: bool = False
    # Extra test-set columns for a result row, from (inputs, targets, predictions): agreement's accuracy by attractors.
    breakdown: Callable | None = None

    def batch(self, batch: int, length: int, generator: torch.Generator):
        check_length(self, length)
        return self.make_batch(batch, length, generator)


def adding_baseline(tolerance: float = ADDING_TOLERANCE) -> float:
    """Fraction of sums within ``tolerance`` of 1, the best constant answer (the sum of two U(0, 1) is triangular)."""
    return 1.0 - (1.0 - tolerance) ** 2


TASKS: dict[str, Task] = {
    "adding": Task(
        "adding", "Adding problem", adding_batch, "regression", 0, 2, 1, 4, 1000, adding_baseline(),
        "always answer 1", f"|prediction − sum| < {ADDING_TOLERANCE}",
        "Each step shows a random number and a marker; at the end, output the sum of the two marked numbers."),
    "first-symbol": Task(
        "first-symbol", "Remember the first symbol", first_symbol_batch, "classification",
        FIRST_SYMBOLS + FIRST_DISTRACTORS, FIRST_SYMBOLS + FIRST_DISTRACTORS, FIRST_SYMBOLS, 2, 1000,
        1 / FIRST_SYMBOLS, f"guess one of {FIRST_SYMBOLS} symbols", "the predicted class is the first symbol",
        "A symbol at step 1, then distractors; at the end, say which symbol came first. Training sequences have "
        "random lengths up to the chosen one (short ones give a first learning signal); tests use the full length.",
        random_train_lengths=True),
    "temporal-order": Task(
        "temporal-order", "Temporal order", temporal_order_batch, "classification", len(ORDER_SYMBOLS),
        len(ORDER_SYMBOLS), len(ORDER_CLASSES), 10, 1000, 1 / len(ORDER_CLASSES), "guess one of 4 orders",
        "the predicted order (XX, XY, YX or YY) is right",
        "Two markers, X or Y, hide in noise; at the end, say in which order they came."),
    "reverse": Task(
        "reverse", "Reverse a sequence", reverse_batch, "sequence", len(REVERSE_LETTERS), len(REVERSE_LETTERS),
        len(REVERSE_LETTERS), 2, 60, 0.0, "guess letters (1 in 26 each)", "every letter of the reversal is right",
        "Read letters one at a time, then write them out backwards (an encoder, then a decoder)."),
    "agreement": Task(
        "agreement", "Was or were? (agreement)", agreement.agreement_batch, "classification", agreement.VOCAB,
        agreement.VOCAB, len(agreement.VERBS), 1, 100, 0.5, "always the commoner verb",
        "the verb's number (was or were) is the subject's",
        "A sentence opens with a phrase (\"near the houses,\"), then comes its subject, singular or plural, then "
        "words between, some of them nouns of the other number (attractors); at the end, choose was or were. The "
        "length is the number of words between subject and verb; training sentences have random lengths up to it, "
        "tests use exactly it.",
        random_train_lengths=True, breakdown=agreement.breakdown),
}


def get_task(key: str) -> Task:
    if key not in TASKS:
        raise RNNLabError(f"Unknown task {key!r}; choose one of {', '.join(TASKS)}.")
    return TASKS[key]


def check_length(task: Task, length: int) -> None:
    """Refuse lengths the task cannot be built at, or that this box cannot train in reasonable time."""
    if not isinstance(length, int) or length < task.min_length:
        raise RNNLabError(f"{task.title} needs sequences of at least {task.min_length} steps (got {length}).")
    if length > task.max_length:
        raise RNNLabError(f"{task.title}: {length} steps is too long for this box; the longest allowed is "
                          f"{task.max_length} steps (every extra step costs time on every training step).")


def parse_lengths(text: str, task: Task) -> tuple[int, ...]:
    """``"25, 50,100"`` to ``(25, 50, 100)``, sorted and de-duplicated, each checked against the task."""
    parts = [p.strip() for p in str(text).replace(";", ",").split(",") if p.strip()]
    if not parts:
        raise RNNLabError("Give at least one sequence length, e.g. 25, 50, 100.")
    lengths = []
    for p in parts:
        try:
            lengths.append(int(p))
        except ValueError:
            raise RNNLabError(f"{p!r} is not a whole number of steps; write lengths like 25, 50, 100.") from None
    for n in lengths:
        check_length(task, n)
    return tuple(sorted(set(lengths)))


def success(task: Task, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
    """Per-sequence solved flags (bool, ``(batch,)``) from predictions (numbers, classes or letter ids)."""
    if task.kind == "regression":
        return (prediction - target).abs() < ADDING_TOLERANCE
    if task.kind == "classification":
        return prediction == target
    return (prediction == target).all(dim=1)


def describe_example(task: Task, x: torch.Tensor, y: torch.Tensor) -> dict:
    """One sequence as the page draws it.

    ``steps`` (labels), ``values`` (numbers or None), ``marked`` (the steps that matter), ``all_matter``
    (every step matters: reverse) and ``answer``.
    """
    if task.key == "adding":
        marked = [int(i) for i in torch.nonzero(x[:, 1]).flatten()]
        a, b = (round(float(x[i, 0]), 3) for i in (marked[0], marked[-1]))
        # The sum of the numbers as printed (within 0.001 of the target), so the arithmetic on screen adds up.
        return {"steps": [f"{v:.3f}" for v in x[:, 0].tolist()], "values": x[:, 0].tolist(), "marked": marked,
                "answer": f"{a:.3f} + {b:.3f} = {a + b:.3f}"}
    if task.key == "first-symbol":
        names = ([chr(ord("A") + i) for i in range(FIRST_SYMBOLS)]
                 + [chr(ord("a") + i) for i in range(FIRST_DISTRACTORS)])
        steps = [names[i] for i in x.tolist()]
        return {"steps": steps, "values": None, "marked": [0], "answer": f"the first symbol: {names[int(y)]}"}
    if task.key == "temporal-order":
        steps = [ORDER_SYMBOLS[i] for i in x.tolist()]
        marked = [i for i, s in enumerate(steps) if s in ("X", "Y")]
        return {"steps": steps, "values": None, "marked": marked, "answer": f"order {ORDER_CLASSES[int(y)]}"}
    if task.key == "agreement":
        words = agreement.words(x)
        f = agreement.facts(x[None])
        plural = lambda i: int(x[i]) >= agreement.PLURAL0
        marked = [agreement.SUBJECT] + [i for i in range(agreement.SUBJECT + 1, len(words))
                                        if bool(agreement.is_noun(x[i])) and plural(i) != plural(agreement.SUBJECT)]
        return {"steps": words, "values": None, "marked": marked,
                "answer": f"{agreement.VERBS[int(y)]} ({int(f['attractors'][0])} attractors)"}
    letters = [REVERSE_LETTERS[i] for i in x.tolist()]
    return {"steps": letters, "values": None, "marked": list(range(len(letters))), "all_matter": True,
            "answer": "".join(REVERSE_LETTERS[i] for i in y.tolist())}
