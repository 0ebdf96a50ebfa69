"""What the Sentiment page says about its models: the ready-made one every visitor starts with, where a run's
sentences came from (as :func:`rnn_core.sentiment.script.sentiment_script` reads it), whether a run used the
page's defaults (the page's claims are about those), and how the UCI sentences use "not".
"""

from __future__ import annotations

import math
from dataclasses import replace

from rnn_core.runs.loop import Progress
from rnn_core.runs.registry import TrainedModel
from rnn_core.sentiment.classifier import ClassifierSettings, ready_made_run, recommended_settings
from rnn_core.sentiment.data import UCI_FILES, ReviewSettings, load_uci, phrase_counts

REVIEWS = ReviewSettings()                      # the built-in reviews' defaults
BUILT_IN = recommended_settings("synthetic")    # the model's defaults on them
REAL = recommended_settings("reviews")          # ... and on real sentences (UCI, a CSV file)
READY_MADE = f"Ready-made: LSTM {BUILT_IN.hidden_size} (last state) · Built-in reviews, seed 0"


PREPARING = "Building the vocabulary and fitting the bag-of-words baseline; the RNN starts in a moment."


def preparing(max_steps: int) -> Progress:
    """The report a page's training starts with: step 0 of ``max_steps``, while the vocabulary and the
    bag-of-words baseline come before the RNN's first step (and its first report from the loop)."""
    return Progress(0, max_steps, math.nan, 0.0, math.nan, 0.0, math.nan, 0.0)


def synthetic_source(reviews: ReviewSettings) -> dict:
    """The built-in reviews ``reviews``, as the exported script reads them."""
    return {"kind": "synthetic", "n_sentences": int(reviews.n_sentences), "max_distractor": int(reviews.max_distractor),
            "contrast": bool(reviews.contrast)}


def ready_made_model() -> TrainedModel:
    """The page's defaults trained with seed 0 (a fixed step budget: the same model on every machine)."""
    run = ready_made_run(0)
    return TrainedModel(READY_MADE, "classifier", run.classifier, run.classifier.tokenizer,
                        {**run.settings.to_dict(), "data": synthetic_source(REVIEWS)}, run.metrics, run.history,
                        source="Built-in reviews")


def settings_of(entry_settings: dict) -> ClassifierSettings:
    """The :class:`ClassifierSettings` a trained model's settings hold (they also say where its data came from)."""
    fields = ClassifierSettings.__dataclass_fields__
    return ClassifierSettings(**{k: v for k, v in entry_settings.items() if k in fields})


def trained_with_defaults(entry_settings: dict) -> bool:
    """Whether a model was trained with the page's defaults (any seed): what the page's claims are about."""
    data = entry_settings.get("data", {})
    if data.get("kind") == "synthetic":
        same_data = (data["n_sentences"], data["max_distractor"], data["contrast"]) == \
            (REVIEWS.n_sentences, REVIEWS.max_distractor, REVIEWS.contrast)
        reference = BUILT_IN
    elif data.get("kind") == "uci":
        same_data, reference = sorted(data["sources"]) == sorted(UCI_FILES), REAL
    else:
        return False
    settings = settings_of(entry_settings)
    return same_data and settings == replace(reference, seed=settings.seed)


def negation_counts(sources: tuple[str, ...]) -> tuple[dict, dict, int]:
    """How the UCI sentences use "not" and "not bad" (what an RNN can learn about them): sentences with each,
    by class, and the number of sentences."""
    data = load_uci(sources)
    return phrase_counts(data, "not"), phrase_counts(data, "not bad"), len(data)
