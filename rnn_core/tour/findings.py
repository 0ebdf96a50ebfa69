"""The home page's tour: three small, real figures computed from what ships with the app.

* **the cliff** (:func:`accuracy_cliff`): the precomputed Compare grid (``rnn_core/compare/results/<task>.csv``),
  read with the csv module so the home page shows it without loading torch or pandas: accuracy against the
  distance to remember, per cell, with the no-memory baseline;
* **gradients through time** (:func:`gradients_through_time`): for the three ready-made character models (RNN,
  LSTM, GRU, same text and size), how strongly a next-character prediction depends on the character d steps
  back, ‖∂ log p(x_{t+1}) / ∂x_{t−d}‖ from a real backward pass (``interpret.connectivity``), relative to the
  strongest input of that prediction and averaged over several predictions on held-out text;
* **samples along training** (:func:`samples_along_training`): the samples a ready-made model wrote at points
  of its training (stored in its checkpoint), scored by the share of their words that are real words of the
  training text, from noise to words.

Every function is pure and cached for the process (``lru_cache``, keyed by the files' modification times so a
rebuilt grid or model is picked up). Torch is imported only to measure (:func:`measure_gradients`,
:func:`score_samples`): the page's figures come from ``tour.json``, written by ``python -m rnn_core.tour.findings`` from
the model files whose SHA-256 it records, and are measured live only when those files have changed since.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from dataclasses import asdict, dataclass
from functools import lru_cache
from pathlib import Path

from rnn_core.data.corpora import BUILT_IN, load_builtin
from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import configure_torch_threads

RESULTS = Path(__file__).resolve().parents[1] / "compare" / "results"   # the Compare page's shipped grids (see results/)

CELLS = ("rnn", "lstm", "gru")   # rnn_core.nets.cells.CELL_NAMES, written out: that module imports torch

# --- the cliff ---------------------------------------------------------------------------------------------

CLIFF_TASK = "adding"
NEAR_BASELINE = 0.05   # "at the no-memory line": within 5 percentage points of it
GATED_HOLD = 0.90      # "the LSTM and GRU stay above 90 %"
GATED_FAR = 0.50       # "stay far above it": at least 50 points above the no-memory line


@dataclass(frozen=True)
class Cliff:
    """The shipped grid of one task, reduced to what the home chart draws.

    ``runs``: one (cell, length, seed, accuracy) per run of the known cells; ``baseline``: the accuracy of the
    best model without memory.
    """

    task: str
    runs: tuple
    baseline: float

    @property
    def cells(self) -> list[str]:
        present = {r[0] for r in self.runs}
        return [c for c in CELLS if c in present]

    @property
    def lengths(self) -> list[int]:
        return sorted({r[1] for r in self.runs})

    @property
    def seeds(self) -> list[int]:
        return sorted({r[2] for r in self.runs})

    def accuracies(self, cell: str, length: int) -> list[float]:
        """Every seed's accuracy of ``cell`` at ``length``, in seed order."""
        return [r[3] for r in sorted(self.runs, key=lambda r: r[2]) if r[0] == cell and r[1] == length]

    def table(self, cell: str) -> list[dict]:
        """Per length: the mean, worst and best accuracy of ``cell`` over seeds."""
        out = []
        for n in self.lengths:
            values = self.accuracies(cell, n)
            if values:
                out.append({"length": n, "mean": sum(values) / len(values), "low": min(values), "high": max(values)})
        return out

    def rnn_at_baseline_from(self) -> int | None:
        """The shortest length from which on every seed of the RNN is within NEAR_BASELINE of the baseline (at
        that length and at every longer one), provided every seed solved the shortest length; else None."""
        lengths = self.lengths
        if "rnn" not in self.cells or min(self.accuracies("rnn", lengths[0]) or [0.0]) < GATED_HOLD:
            return None
        found = None
        for n in reversed(lengths[1:]):
            values = self.accuracies("rnn", n)
            if values and max(values) <= self.baseline + NEAR_BASELINE:
                found = n
            else:
                break
        return found

    def gated_worst(self) -> float:
        """The lowest accuracy of any LSTM or GRU run, over every length and seed."""
        gated = [r[3] for r in self.runs if r[0] in ("lstm", "gru")]
        return min(gated) if gated else math.nan

    def worst(self, cell: str, length: int) -> float:
        """The lowest accuracy of ``cell``'s seeds at ``length``."""
        return min(self.accuracies(cell, length) or [math.nan])


def cliff_stamp(task: str = CLIFF_TASK) -> float:
    """When the shipped grid last changed (a cache key for figures built from it)."""
    path = RESULTS / f"{task}.csv"
    return path.stat().st_mtime if path.is_file() else 0.0


def accuracy_cliff(task: str = CLIFF_TASK) -> Cliff | None:
    """The shipped grid of ``task`` (None if none ships or it cannot be read).

    Read with the csv module, not pandas, so the home page opens without loading it; rows of other cells (a
    variant the Compare page adds, say) and rows that do not parse are left out.
    """
    return _cliff(task, str(RESULTS / f"{task}.csv"), cliff_stamp(task))


@lru_cache(maxsize=8)
def _cliff(task: str, path: str, stamp: float) -> Cliff | None:
    path = Path(path)
    if not stamp:
        return None
    runs, baselines = [], []
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                try:
                    run = (row["cell"], int(float(row["length"])), int(float(row["seed"])), float(row["accuracy"]))
                    baseline = float(row["baseline"])
                except (KeyError, TypeError, ValueError):
                    continue
                if run[0] in CELLS and math.isfinite(run[3]) and math.isfinite(baseline):
                    runs.append(run)
                    baselines.append(baseline)
    except (OSError, UnicodeDecodeError, csv.Error):
        return None
    if not runs:
        return None
    return Cliff(task, tuple(runs), sum(baselines) / len(baselines))


# --- gradients through time ----------------------------------------------------------------------------------

GRADIENT_MODELS = {"rnn": "char-rnn", "lstm": "char-lstm", "gru": "char-gru"}
HELD_OUT = 0.9     # the language models validate on the last 10% of their text: read from there
DEFAULTS = {"seed": 0, "span": 60, "predictions": 64}   # what the home page shows (seed: which passage)
# Characters read before the furthest input the chart measures: the first inputs of a passage sway a guess more
# (nothing earlier is there to drown them), which drew an upturn at the chart's far end (the GRU's line climbed
# from 5e-3 at 50 back to 2e-2 at 60 when the passage started 60 characters before the first guess).
LEAD = 40
PASSAGE_STRIDE = 4000


@dataclass(frozen=True)
class GradientTour:
    """``curves[cell][d]``: mean over predictions of ‖∂ log p / ∂x_{t−d}‖, relative to that prediction's
    strongest input, for d = 0 .. span (d = 0: the character just read)."""

    passage: str
    predictions: int
    curves: dict
    hidden: dict      # per cell: the model's hidden size
    steps: dict       # per cell: how many steps it trained

    @property
    def distances(self) -> list[int]:
        return list(range(len(next(iter(self.curves.values()))))) if self.curves else []


def held_out_passage(text: str, seed: int, length: int) -> str:
    """``length`` characters of the held-out last 10% of ``text``; ``seed`` picks which ones."""
    start = int(len(text) * HELD_OUT)
    room = max(1, len(text) - start - length)
    return text[start + (seed * PASSAGE_STRIDE) % room:][:length]


# The ready-made files the tour reads (as in rnn_core.language_model.pretrained.READY_MADE, which imports torch; a test checks
# that the two agree).
MODEL_FILES = {"char-rnn": "char-rnn-python-docs.pt", "char-lstm": "char-lstm-python-docs.pt",
               "char-gru": "char-gru-python-docs.pt"}
PRETRAINED = Path(__file__).resolve().parents[1] / "language_model" / "pretrained"


def _checkpoint_path(key: str) -> Path | None:
    path = PRETRAINED / MODEL_FILES[key]
    return path if path.is_file() else None


def models_stamp() -> tuple:
    """Which ready-made model files are there and when they last changed (a cache key for figures)."""
    return _stamps(_tour_models())


def _stamps(keys) -> tuple:
    paths = [_checkpoint_path(k) for k in keys]
    return tuple((str(p), p.stat().st_mtime) if p else None for p in paths)


@lru_cache(maxsize=16)
def _load(path: str, mtime: float):
    """A checkpoint read once per process (``mtime`` renews it when the file is rebuilt); never trained."""
    from rnn_core.language_model.checkpoint import load_checkpoint   # lazily: Home draws without torch
    model, tokenizer, info = load_checkpoint(path)
    model.requires_grad_(False)
    return model, tokenizer, info


def measure_gradients(seed: int = DEFAULTS["seed"], span: int = DEFAULTS["span"],
                      predictions: int = DEFAULTS["predictions"]) -> GradientTour | None:
    """The three ready-made character models' gradients through time on one held-out passage, measured now
    (None if a model is missing).

    The passage is ``LEAD + span + predictions`` characters; the predictions after each of its last
    ``predictions`` characters are measured, so every one of them has ``LEAD + span`` characters of history
    behind it, and the curve is the typical value (geometric mean) over them
    (:meth:`~rnn_core.language_model.interpret.Connectivity.by_distance`).
    """
    return _gradients(seed, span, predictions, _stamps(GRADIENT_MODELS.values()))


@lru_cache(maxsize=8)
def _gradients(seed: int, span: int, predictions: int, stamps: tuple) -> GradientTour | None:
    if any(s is None for s in stamps):
        return None
    from rnn_core.language_model.interpret import connectivity   # lazily: Home draws without torch
    configure_torch_threads()   # torch's first use in the server may be here: bound its threads first
    curves, hidden, steps, passage = {}, {}, {}, ""
    for cell, stamp in zip(GRADIENT_MODELS, stamps):
        model, tokenizer, info = _load(*stamp)
        hidden[cell], steps[cell] = model.config.hidden_size, int(info.get("metrics", {}).get("steps") or 0)
        text = load_builtin(_corpus_key(info.get("source", "")) or "python-docs")
        passage = held_out_passage(text, seed, LEAD + span + predictions)
        first = LEAD + span
        measured = connectivity(model, tokenizer, passage, positions=list(range(first, first + predictions)))
        curves[cell] = [float(v) for v in measured.by_distance()[:span + 1]]
    return GradientTour(passage, predictions, curves, hidden, steps)


# --- samples along training ----------------------------------------------------------------------------------

SAMPLES_MODEL = "char-lstm"
WORD = re.compile(r"[A-Za-z]{2,}")   # a word: a run of two or more letters (single letters match by chance)


def _corpus_key(source: str) -> str | None:
    """The built-in corpus a checkpoint was trained on, from its recorded source (its title or key)."""
    for key, corpus in BUILT_IN.items():
        if source in (key, corpus.title):
            return key
    return None


@lru_cache(maxsize=4)
def word_vocabulary(corpus: str = "python-docs") -> frozenset:
    """Every word (lowercased) of a built-in text, the dictionary that samples are scored against."""
    return frozenset(w.lower() for w in WORD.findall(load_builtin(corpus)))


def real_word_share(text: str, vocabulary: frozenset) -> float:
    """The share of ``text``'s words (runs of two or more letters) that are words of ``vocabulary``; nan if
    it has none."""
    words = [w.lower() for w in WORD.findall(text)]
    return sum(w in vocabulary for w in words) / len(words) if words else math.nan


@dataclass(frozen=True)
class SampleTour:
    """A ready-made model's samples along its training: (step, text, share of real words) per sample, and the
    same share for held-out real text (the mean over ten passages), as a reference."""

    model: str
    steps: list
    texts: list
    shares: list
    real_text_share: float

    def snippets(self, width: int = 48, vocabulary: frozenset | None = None) -> list[tuple[int, str]]:
        """Three samples that show the climb, each its first ``width`` characters on one line: the first; of the
        second half of training, the one whose shown words are most often real words (the later on a tie: one
        late sample can read worse than an early one, and the last one shown used to); and between them an early
        one (a sixth of the way, where the first steps change the most, or else the first) with more real words
        than the first and fewer than the late one. Real words: those of ``vocabulary`` (the Python
        documentation's words by default)."""
        vocabulary = word_vocabulary() if vocabulary is None else vocabulary
        shown = [" ".join(text.split()).replace("`", "'")[:width] for text in self.texts]
        real = [sum(w.lower() in vocabulary for w in WORD.findall(text)) for text in shown]
        n = len(shown)
        late = max(range(n // 2, n), key=lambda i: (real[i], i)) if n > 1 else 0
        between = [i for i in range(1, late) if real[0] < real[i] < real[late]]
        early = (n - 1) // 6 if (n - 1) // 6 in between else (between[0] if between else None)
        picks = sorted({0, late} | ({early} if early is not None else set()))
        return [(self.steps[i], shown[i]) for i in picks]


def stored_samples(info: dict) -> list[tuple[int, str]]:
    """The samples a checkpoint stored along its training, as (step, text) in step order ([] if none).

    Read leniently: ``metrics["samples"]`` as a list of {"step", "text"} (or "sample") dicts or of
    [step, text] pairs; anything unreadable is skipped.
    """
    raw = (info.get("metrics") or {}).get("samples")
    out = []
    for item in raw if isinstance(raw, list) else []:
        if isinstance(item, dict):
            step, text = item.get("step"), item.get("text", item.get("sample"))
        elif isinstance(item, (list, tuple)) and len(item) == 2:
            step, text = item
        else:
            continue
        if isinstance(step, (int, float)) and not isinstance(step, bool) and isinstance(text, str):
            out.append((int(step), text))
    return sorted(out, key=lambda pair: pair[0])


def score_samples(key: str = SAMPLES_MODEL) -> SampleTour | None:
    """A ready-made model's stored samples, scored now (None if the model or its samples history is missing)."""
    return _samples(key, _stamps([key])[0])


@lru_cache(maxsize=8)
def _samples(key: str, stamp) -> SampleTour | None:
    if stamp is None:
        return None
    _, _, info = _load(*stamp)
    samples = stored_samples(info)
    if len(samples) < 2:
        return None
    corpus = _corpus_key(info.get("source", "")) or "python-docs"
    vocabulary = word_vocabulary(corpus)
    length = max(len(t) for _, t in samples)
    text = load_builtin(corpus)
    references = [real_word_share(held_out_passage(text, seed, max(length, 200)), vocabulary) for seed in range(10)]
    references = [r for r in references if not math.isnan(r)]
    reference = sum(references) / len(references) if references else math.nan
    return SampleTour(key, [s for s, _ in samples], [t for _, t in samples],
                      [real_word_share(t, vocabulary) for _, t in samples], reference)


# --- what the home page shows, computed once and shipped -----------------------------------------------------
#
# Measuring the gradients needs torch (about a second to import, and 60 MB more in the server), which the
# home page otherwise never loads. So the figures for the page's DEFAULTS are computed by this module and
# shipped in tour.json with the SHA-256 of the model files they came from; when a model file no longer
# matches (rebuilt, not regenerated), the page measures live instead. Regenerate with
#     python -m rnn_core.tour.findings

SHIPPED = Path(__file__).resolve().with_name("tour.json")
COMMAND = "python -m rnn_core.tour.findings"


def gradients_through_time(seed: int = DEFAULTS["seed"], span: int = DEFAULTS["span"],
                           predictions: int = DEFAULTS["predictions"]) -> GradientTour | None:
    """What :func:`measure_gradients` returns, read from tour.json for the DEFAULTS while it matches the models."""
    shipped = _valid_shipped()
    if shipped is not None and {"seed": seed, "span": span, "predictions": predictions} == DEFAULTS:
        return GradientTour(**shipped["gradients"])
    return measure_gradients(seed, span, predictions)


def samples_along_training(key: str = SAMPLES_MODEL) -> SampleTour | None:
    """What :func:`score_samples` returns, read from tour.json for the page's model while it matches."""
    shipped = _valid_shipped()
    if shipped is not None and key == SAMPLES_MODEL:
        return None if shipped["samples"] is None else SampleTour(**shipped["samples"])
    return score_samples(key)


def _tour_models() -> list[str]:
    return sorted({*GRADIENT_MODELS.values(), SAMPLES_MODEL})


@lru_cache(maxsize=16)
def _digest(path: str, mtime: float) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def model_digests() -> dict:
    """SHA-256 of each ready-made model file the tour reads (None where the file is missing)."""
    return {key: None if stamp is None else _digest(*stamp) for key, stamp in zip(_tour_models(), models_stamp())}


def _valid_shipped() -> dict | None:
    """tour.json's content if it was computed from exactly the model files that are here now."""
    stamp = SHIPPED.stat().st_mtime if SHIPPED.is_file() else 0.0
    shipped = _read_shipped(str(SHIPPED), stamp)
    if shipped is None or shipped.get("models") != model_digests():
        return None
    return shipped


@lru_cache(maxsize=4)
def _read_shipped(path: str, stamp: float) -> dict | None:
    if not stamp:
        return None
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and {"models", "gradients", "samples"} <= set(data) else None


def write_shipped(path: Path = SHIPPED) -> dict:
    """Measure the page's figures from the ready-made models and write them, with the models' digests."""
    gradients, samples = measure_gradients(), score_samples()
    if gradients is None:
        raise RNNLabError("The ready-made character models are missing: run bash rnn_core/language_model/pretrained/build.sh.")
    data = {"about": "The home page's figures from the ready-made models (rnn_core/tour/findings.py); regenerate with "
                     f"{COMMAND} after rebuilding them.", "command": COMMAND, "defaults": DEFAULTS,
            "models": model_digests(), "gradients": asdict(gradients),
            "samples": None if samples is None else asdict(samples)}
    Path(path).write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return data


if __name__ == "__main__":
    written = write_shipped()
    print(json.dumps({"written": str(SHIPPED), "models": written["models"],
                      "samples": None if written["samples"] is None else len(written["samples"]["steps"])}))
