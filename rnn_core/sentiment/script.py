"""Sentiment's exported script: the same classifier, trained on the same sentences, outside the app."""

from __future__ import annotations

from typing import Any, Mapping

from rnn_core.links.scripts import Code, command_line, export_script, literal
from rnn_core.sentiment.classifier import recommended_settings, train_classifier
from rnn_core.sentiment.data import ReviewSettings


SENTIMENT_REPORT = "\n".join([
    "print(result.result.message, file=sys.stderr)",
    "print(json.dumps({k: v for k, v in result.metrics.items() if isinstance(v, (int, float, str, list)) "
    "and k != 'misclassified'}))",
])


def sentiment_script(settings, data: Mapping[str, Any]) -> str:
    """A script that trains the sentiment classifier ``settings`` (``ClassifierSettings``) on the same data.

    ``data`` says where the sentences come from: ``{"kind": "synthetic", "n_sentences", "max_distractor",
    "contrast"}``, ``{"kind": "uci", "sources": [...]}`` or ``{"kind": "csv", "name", "text_column",
    "label_column"}``.
    """
    kind = data["kind"]
    held_out, note = None, ""
    if kind == "synthetic":
        reviews = ReviewSettings(n_sentences=int(data["n_sentences"]), max_distractor=int(data["max_distractor"]),
                                 contrast=bool(data["contrast"]))
        imports = ("from rnn_core.sentiment.data import ReviewSettings, generate_reviews, negation_split",)
        review_code = literal(reviews, set())
        sentences = Code(f"generate_reviews({review_code})", imports, "data")
        held_out = Code(f"negation_split({review_code}, exclude=set(data.texts))", imports)
        cli = {"data": "synthetic", "sentences": reviews.n_sentences, "distractor": reviews.max_distractor}
        cli_ok = reviews == ReviewSettings(n_sentences=reviews.n_sentences, max_distractor=reviews.max_distractor,
                                           seed=settings.seed)
    elif kind == "uci":
        sources = tuple(data["sources"])
        sentences = Code(f"load_uci({sources!r}, folder=download_uci())",
                         ("from rnn_core.sentiment.data import download_uci, load_uci",), "data")
        note = "The UCI sentences are downloaded once (or read from the cache of an earlier download)."
        cli, cli_ok = {"data": "uci", "sources": ",".join(sources)}, True
    else:
        name = str(data["name"])
        sentences = Code(f"sentences_from_frame(read_csv_table(open({name!r}, 'rb').read(), {name!r})[0], "
                         f"{data['text_column']!r}, {data['label_column']!r}, {name!r})",
                         ("from rnn_core.sentiment.data import read_csv_table, sentences_from_frame",), "data")
        note = f"Put the CSV file {name} next to this script."
        cli = {"data": name, "text_column": data["text_column"], "label_column": data["label_column"]}
        cli_ok = True
    reference = recommended_settings("synthetic" if kind == "synthetic" else "reviews")
    hidden_options = ("dropout", "word_dropout", "embedding_init", "clip", "weight_decay", "test_fraction",
                      "val_fraction", "max_vocab", "min_count")
    if cli_ok and all(getattr(settings, k) == getattr(reference, k) for k in hidden_options):
        cli.update({"cell": settings.cell, "bidirectional": settings.bidirectional, "pooling": settings.pooling,
                    "layers": settings.num_layers, "hidden": settings.hidden_size,
                    "embedding": settings.embedding_dim, "batch": settings.batch_size, "lr": f"{settings.lr:g}",
                    "seconds": f"{settings.seconds:g}" if settings.seconds else 0,
                    "max_steps": settings.max_steps if settings.seconds is None else None, "seed": settings.seed})
        command = command_line("sentiment", cli)
    else:
        command = None
    budget = (f"{settings.max_steps:,} steps from the same seed, as in the app. The weights kept are the best on "
              "the validation sentences, which are checked every few seconds, so the kept model (and its test "
              "accuracy) can differ slightly from the app's." if settings.seconds is None
              else "A time budget: a faster or slower machine trains for more or fewer steps.")
    kwargs = {"held_out": held_out} if held_out is not None else {}
    return export_script(train_classifier, sentences, settings, **kwargs, seed=settings.seed,
                         title=f"Sentiment: {settings.cell.upper()} {settings.hidden_size} on {kind} sentences "
                               f"(RNN Lab), seed {settings.seed}.",
                         command=command, notes=" ".join(filter(None, [note, budget])), report=SENTIMENT_REPORT,
                         file_name=f"sentiment_{settings.cell}_seed{settings.seed}.py")
