"""Sentiment: a many-to-one RNN reads a sentence word by word; try one at once, then train your own."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from pages import kit
from rnn_core.errors import RNNLabError
from rnn_core.links.settings import Param, Schema
from rnn_core.nets.cells import CELL_NAMES
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import budget_key
from rnn_core.sentiment.classifier import POOLINGS, STEP_CHOICES, train_classifier, words_of
from rnn_core.sentiment.data import (UCI_FILES, ReviewSettings, built_in_reviews, cached_uci, download_uci,
                                     guess_columns, load_uci, read_csv_table, sentences_from_frame)
from rnn_core.sentiment.figures import (ACCURACY_CAPTION, BALANCE_CAPTION, BUILT_IN_PAIRS, BUILT_IN_READING,
                                        BUILT_IN_RESULTS, BY_WORD_CAPTION, CONFUSION_CAPTION, CURVES_CAPTION,
                                        GRADIENT_CAPTION, GROUP_CAPTION, HIDDEN_CAPTION, INFLUENCE_CAPTION,
                                        INFLUENCE_NOT_BAD, PAIRS_CAPTION, UCI_READING, accuracy_bars, class_balance,
                                        confusion_heatmap, curve_rows, group_rows, hidden_heatmap, influence_bars,
                                        pairs_rows, probability_by_word, training_curves, uci_why)
from rnn_core.sentiment.probe import IDEAS, WORKSHOP_SENTENCE, gradient_is_saturated, minimal_pairs, probe_sentence
from rnn_core.sentiment.report import (BUILT_IN, PREPARING, READY_MADE, REAL, REVIEWS, negation_counts, preparing,
                                       ready_made_model, settings_of, synthetic_source, trained_with_defaults)
from rnn_core.sentiment.script import sentiment_script

SOURCES = ("Built-in reviews (word order matters)", "UCI review sentences", "Upload a CSV file")
POOLING_NAMES = {"last": "last state", "mean": "mean of states", "max": "max of states"}
INFLUENCE_NAMES = {"leave-one-out": "leave one word out", "gradient": "gradient × input"}
UCI_NAMES = {"amazon": "Amazon", "imdb": "IMDb", "yelp": "Yelp"}
# The settings measured to work on each kind of data (a click on the data choice and a link both use them).
KIND_FIELDS = {"sentiment.pooling": "pooling", "sentiment.hidden": "hidden_size",
               "sentiment.embedding": "embedding_dim", "sentiment.lr": "lr", "sentiment.batch": "batch_size",
               "sentiment.steps": "max_steps"}

# An uploaded file stays on the laptop: it is no setting, and no link carries it.
SETTINGS = Schema((
    Param("sentiment.source", "data", SOURCES[0], choices=SOURCES, label="Sentences"),
    Param("sentiment.n_sentences", "sentences", REVIEWS.n_sentences, low=500, high=20_000, widget="slider",
          check=lambda v: max(500, round(v / 500) * 500), label="Number of reviews"),
    Param("sentiment.distractor", "distractor", REVIEWS.max_distractor, low=2, high=20,
          label="Longest clause between \"not\" and its adjective (words)",
          help="Longer clauses make the model remember the negation for longer."),
    Param("sentiment.contrast", "contrast", REVIEWS.contrast, label="Contrast sentences (\"A but B\")"),
    Param("sentiment.uci_sources", "sources", list(UCI_FILES), choices=tuple(UCI_FILES), label="Sources",
          shown=UCI_NAMES.get),
    Param("sentiment.cell", "cell", BUILT_IN.cell, choices=CELL_NAMES, label="Cell"),
    Param("sentiment.pooling", "pooling", BUILT_IN.pooling, choices=POOLINGS, label="Sentence summary",
          shown=POOLING_NAMES.get, help="What the classifier sees: the hidden state after the last word, or the mean "
                                        "or maximum of every word's hidden state."),
    Param("sentiment.bidirectional", "bidirectional", BUILT_IN.bidirectional,
          label="Bidirectional (a second RNN reads right to left)"),
    Param("sentiment.hidden", "hidden", BUILT_IN.hidden_size, choices=(8, 16, 32, 64, 96, 128, 192, 256),
          label="Hidden size"),
    Param("sentiment.embedding", "embedding", BUILT_IN.embedding_dim, choices=(8, 16, 32, 64, 128),
          label="Embedding size"),
    Param("sentiment.layers", "layers", BUILT_IN.num_layers, low=1, high=3, label="Layers"),
    Param("sentiment.lr", "lr", BUILT_IN.lr, choices=(3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 3e-2, 0.1),
          label="Learning rate"),
    Param("sentiment.batch", "batch", BUILT_IN.batch_size, choices=(8, 16, 32, 64, 128), label="Batch size"),
    Param("sentiment.steps", "steps", BUILT_IN.max_steps, choices=STEP_CHOICES, label="Training steps",
          help="A step budget: the same seed gives the same model on any machine. The model kept is the one with "
               "the best validation accuracy along the way."),
    Param("sentiment.seed", "seed", BUILT_IN.seed, low=0, high=1_000_000, label="Seed",
          help="The same seed gives the same split and the same starting weights."),
    Param("sentiment.sentence", "sentence", WORKSHOP_SENTENCE, label="Your sentence"),
    Param("sentiment.influence", "influence", "leave-one-out", choices=tuple(INFLUENCE_NAMES), label="Word influence",
          shown=INFLUENCE_NAMES.get),
))
SHARE = SETTINGS      # the name the workshop and the tests know


def kind_defaults(source: str) -> dict:
    """The settings measured to work on this kind of data: the built-in reviews' or real sentences'."""
    defaults = BUILT_IN if source == SOURCES[0] else REAL
    return {key: getattr(defaults, field) for key, field in KIND_FIELDS.items()}


def apply_defaults() -> None:
    """A new kind of data gets the settings measured to work on it (the learner can change them after)."""
    kit.set_settings(kind_defaults(st.session_state["sentiment.source"]))


st.title("Sentiment")
st.write("A many-to-one RNN reads a sentence word by word and, at the end, says what it thinks of it. A model "
         "trained with this page's defaults is ready below: type a sentence and watch its opinion change word by "
         "word, next to a bag-of-words model that ignores word order. Then train your own, on reviews built so "
         "that word order matters or on real review sentences.")
# a data set brings the settings measured to work on it (a link that names only the data, too)
kit.settings(SETTINGS, "sentiment", defaults=lambda chosen: kind_defaults(chosen["sentiment.source"]))
# Train on the first screen of a laptop (1366×768), filled at the end once the data and the model are chosen.
train_slot = st.container()


@st.cache_data(max_entries=8, show_spinner=False)
def built_in(n_sentences: int, max_distractor: int, contrast: bool):
    return built_in_reviews(ReviewSettings(n_sentences=n_sentences, max_distractor=max_distractor, contrast=contrast))


csv_table = st.cache_data(max_entries=4, show_spinner=False)(read_csv_table)
not_counts = st.cache_data(max_entries=4, show_spinner=False)(negation_counts)
# The page's defaults trained once per server: shared by every visitor and only ever read (probes run without
# gradients into its weights).
ready_made = st.cache_resource(show_spinner=False)(ready_made_model)


# --- 1. a sentence, word by word ------------------------------------------------------------------------

with st.spinner(f"Training the ready-made model ({BUILT_IN.max_steps} steps, a few seconds, once per server)..."):
    ready = ready_made()

st.subheader("1. Read a sentence word by word")
entry = kit.shown_model("sentiment", "classifier", first={READY_MADE: ready},
                       help="The ready-made model is what Train gives with this page's defaults and seed 0; the "
                            "models you train in section 3 join the list.")
m, classifier = entry.metrics, entry.model
data_kind = entry.settings.get("data", {}).get("kind")
is_default = trained_with_defaults(entry.settings)
st.caption(f"{entry.source}: test accuracy {m['test_accuracy']:.1%} (bag of words {m['baseline_test_accuracy']:.1%})"
           f" · {m['steps']:,} training steps · {m['vocab_size']:,} words in its vocabulary.")

c1, c2 = st.columns([3, 1])
sentence = kit.widget(SETTINGS, "sentiment.sentence", c1, max_chars=500)
method = kit.widget(SETTINGS, "sentiment.influence", c2, horizontal=False)
st.caption("Ideas: " + " · ".join(f"“{e}”" for e in IDEAS))
try:
    probe = probe_sentence(classifier, sentence, method)
except RNNLabError as exc:
    kit.show_error(exc)
else:
    classes = list(classifier.classes)
    if probe.unknown:
        n_unknown = sum(w in probe.unknown for w in probe.words)
        one = n_unknown == 1
        st.warning(f"{n_unknown} of the {len(probe.words)} words ({n_unknown / len(probe.words):.0%}) "
                   f"{'is' if one else 'are'} not in this model's training vocabulary and {'is' if one else 'are'} "
                   f"read as “unknown”: {', '.join(probe.unknown[:12])}.")
    k = probe.predicted
    base_k = int(probe.baseline_probabilities.argmax())
    p1, p2 = st.columns(2)
    p1.metric("The RNN says", f"{classes[k]} ({probe.probabilities[k]:.0%})",
              help="The class it gives the highest probability, and that probability.")
    p2.metric("The bag of words says", f"{classes[base_k]} ({probe.baseline_probabilities[base_k]:.0%})",
              help="Logistic regression on word counts: the same words in any order get the same answer.")
    kit.chart(probability_by_word(probe.words, probe.by_word, classes, "Its opinion, word by word"), BY_WORD_CAPTION,
              key="sentiment.by_word_chart")
    if is_default and data_kind == "synthetic":
        st.markdown(f"**What to look for.** {BUILT_IN_READING}")
    left, right = st.columns(2)
    with left:
        kit.chart(influence_bars(probe.words, probe.influence, classes[k],
                                 f"Which words pushed toward “{classes[k]}”"),
                  (INFLUENCE_CAPTION if method == "leave-one-out" else GRADIENT_CAPTION)
                  + (" " + INFLUENCE_NOT_BAD if is_default and data_kind == "synthetic" and method == "leave-one-out"
                     and probe.words == words_of(WORKSHOP_SENTENCE) else ""), key="sentiment.influence_chart")
        if method == "leave-one-out" and abs(probe.influence).max() < 0.01:
            st.info("Leaving out any one word changes the probability by less than 0.01: the model is sure, and "
                    "no single word decides it on its own.")
        if method == "gradient" and gradient_is_saturated(probe.influence):
            st.warning(f"Gradient × input is near zero for every word here (at most "
                       f"{abs(probe.influence).max():.3f}): the network's units are saturated, so a small change "
                       "to any word barely moves its output, whatever that word does. Choose “leave one word out” "
                       "to see what each word actually does.")
    with right:
        kit.chart(hidden_heatmap(probe.words, probe.hidden, entry.settings.get("bidirectional", False),
                                 title="Hidden state after each word"), HIDDEN_CAPTION, key="sentiment.hidden_chart")
    if not all(math.isfinite(float(v)) for v in probe.probabilities):
        st.warning("This model's outputs are not finite numbers (its training diverged): train it again with a "
                   "lower learning rate.")

pairs = minimal_pairs(classifier)
if pairs:
    st.markdown("**Side by side: one word, with and without “not”.**")
    st.dataframe(pd.DataFrame(pairs_rows(pairs)), hide_index=True)
    st.caption(PAIRS_CAPTION)
    if is_default and data_kind == "synthetic":
        st.markdown(f"**With the defaults.** {BUILT_IN_PAIRS}")
    elif is_default and data_kind == "uci":
        st.markdown(f"**What the RNN learns from real sentences, and what it does not.** {UCI_READING} "
                    + uci_why(*not_counts(tuple(UCI_FILES))))


# --- 2. how well it does --------------------------------------------------------------------------------

st.subheader("2. How well it does")
cols = st.columns(5)
cols[0].metric("Test accuracy (RNN)", f"{m['test_accuracy']:.1%}", help=f"On {m['n_test']:,} held-out sentences.")
cols[1].metric("Bag of words", f"{m['baseline_test_accuracy']:.1%}",
               delta=f"{100 * (m['test_accuracy'] - m['baseline_test_accuracy']):+.1f} points for the RNN",
               delta_color="off",
               help="Logistic regression on word counts, trained on the same sentences.")
if "negation_accuracy" in m:
    cols[2].metric("Negation test (RNN)", f"{m['negation_accuracy']:.1%}")
    cols[3].metric("Negation test (bag of words)", f"{m['baseline_negation_accuracy']:.1%}")
else:
    cols[2].metric("Training sentences", f"{m['n_train']:,}", help="Of which a tenth pick the best model.")
    cols[3].metric("Vocabulary (words)", f"{m['vocab_size']:,}")
cols[4].metric("Parameters", f"{m['params']:,}", help=f"{m['steps']:,} steps in {m['seconds']:.0f} s.")
if is_default and data_kind == "synthetic":
    st.markdown(f"**With the defaults.** {BUILT_IN_RESULTS}")
if "data" in entry.settings:
    # The run's own number of steps with no time limit (sentiment_script's note says how close a replay comes).
    replay = replace(settings_of(entry.settings), seconds=None, max_steps=max(1, int(m["steps"])))
    kit.export_button(sentiment_script(replay, entry.settings["data"]),
                      f"sentiment_{replay.cell}_seed{replay.seed}.py", key="sentiment.btn_export", schema=SETTINGS,
                      label="Export this run as a Python script")

bars = [{"label": "test sentences", "rnn": m["test_accuracy"], "baseline": m["baseline_test_accuracy"]}]
if "negation_accuracy" in m:
    bars.append({"label": "negation test", "rnn": m["negation_accuracy"], "baseline": m["baseline_negation_accuracy"]})
left, right = st.columns(2)
with left:
    kit.chart(accuracy_bars(bars, "RNN and bag of words"), ACCURACY_CAPTION, key="sentiment.accuracy_chart")
with right:
    if m.get("by_group"):
        kit.chart(accuracy_bars(group_rows(m["by_group"]), "Test accuracy by kind of sentence"), GROUP_CAPTION,
                  key="sentiment.group_chart")
left, right = st.columns(2)
with left:
    kit.chart(confusion_heatmap(m["confusion"], m["classes"], "Confusion matrix (RNN, test sentences)"),
              CONFUSION_CAPTION, key="sentiment.confusion_chart")
with right:
    kit.chart(training_curves(entry.history, m.get("baseline_val_accuracy"), entry.name), CURVES_CAPTION,
              key="sentiment.result_chart")
with st.expander(f"Test sentences the RNN got wrong ({len(m['misclassified'])} shown, most confident first)"):
    if m["misclassified"]:
        table = pd.DataFrame(m["misclassified"]).rename(columns={"baseline": "bag of words says"})
        st.dataframe(table, hide_index=True, column_config={
            "confidence": st.column_config.ProgressColumn("confidence", min_value=0.0, max_value=1.0, format="%.2f")})
    else:
        st.write("None: every test sentence was classified correctly.")


# --- 3. train your own: the data ------------------------------------------------------------------------

def resolve_data():
    """The chosen sentences (None while the UCI sentences are not downloaded) and, for the built-in reviews,
    the negation test; raises RNNLabError."""
    s = st.session_state
    if s["sentiment.source"] == SOURCES[0]:
        return built_in(s["sentiment.n_sentences"], s["sentiment.distractor"], s["sentiment.contrast"])
    if s["sentiment.source"] == SOURCES[1]:
        chosen = tuple(s.get("sentiment.uci_sources") or ())
        if not chosen:
            raise RNNLabError("Choose at least one source of review sentences.")
        if cached_uci() is None:
            return None, None          # the Download box above says what to do
        return load_uci(chosen), None
    upload = s.get("sentiment.upload")
    if upload is None:
        raise RNNLabError("Choose a CSV file with a column of sentences and a column of labels.")
    frame, notes = csv_table(upload.getvalue(), upload.name)
    text_guess, label_guess = guess_columns(frame)
    columns = list(frame.columns)
    for key, guess in (("sentiment.text_column", text_guess), ("sentiment.label_column", label_guess)):
        if s.get(key) not in columns:
            s[key] = guess if guess in columns else columns[0]
    c1, c2 = st.columns(2)
    text_column = c1.selectbox("Text column", columns, key="sentiment.text_column")
    label_column = c2.selectbox("Label column", columns, key="sentiment.label_column")
    return sentences_from_frame(frame, text_column, label_column, upload.name, notes), None


def data_source() -> dict:
    """Where the sentences come from, as :func:`rnn_core.sentiment.script.sentiment_script` reads it."""
    s = st.session_state
    if s["sentiment.source"] == SOURCES[0]:
        return synthetic_source(ReviewSettings(n_sentences=s["sentiment.n_sentences"],
                                               max_distractor=s["sentiment.distractor"],
                                               contrast=s["sentiment.contrast"]))
    if s["sentiment.source"] == SOURCES[1]:
        return {"kind": "uci", "sources": list(s.get("sentiment.uci_sources") or UCI_FILES)}
    upload = s.get("sentiment.upload")
    return {"kind": "csv", "name": upload.name if upload is not None else "my_reviews.csv",
            "text_column": s.get("sentiment.text_column"), "label_column": s.get("sentiment.label_column")}


st.subheader("3. Train your own")
source = kit.widget(SETTINGS, "sentiment.source", on_change=apply_defaults)
if source == SOURCES[0]:
    st.caption("Short reviews written by a small grammar, labelled by construction: mostly plain opinions "
               "(\"the food was great\", \"I loved it\", \"terrible service\"), some negations (\"not bad\", "
               "\"I did not like it\"), contrasts (\"the start was dull but the ending was superb\") and a clause "
               "between \"not\" and its adjective. A held-out **negation test** holds minimal pairs in which every "
               "word is as frequent in both classes: a bag of words can only guess there.")
    c1, c2, c3 = st.columns(3)
    kit.widget(SETTINGS, "sentiment.n_sentences", c1, step=500)
    kit.widget(SETTINGS, "sentiment.distractor", c2)
    kit.widget(SETTINGS, "sentiment.contrast", c3)
elif source == SOURCES[1]:
    st.caption("3,000 sentences from product reviews (Amazon), film reviews (IMDb) and restaurant reviews (Yelp), "
               "half positive, half negative (Kotzias et al. 2015, UCI Machine Learning Repository).")
    if cached_uci() is None:
        failure = None
        if st.button("Download (about 80 kB)", key="sentiment.btn_download"):
            with st.spinner("Downloading the UCI review sentences..."):
                try:
                    download_uci()
                except RNNLabError as exc:
                    failure = exc
        if failure is not None:       # one message at a time: the failure says what to do
            kit.show_error(failure)
        elif cached_uci() is None:
            st.info("The UCI review sentences are not downloaded yet: press Download (this needs an internet "
                    "connection once; they are kept on disk afterwards).")
    kit.widget(SETTINGS, "sentiment.uci_sources")
else:
    st.file_uploader("A CSV file: one column of sentences, one column of labels (two or more classes)",
                     type=["csv", "tsv", "txt"], key="sentiment.upload")

data = held_out = None
try:
    data, held_out = resolve_data()
except RNNLabError as exc:
    kit.show_error(exc)
if data is not None:
    for note in data.notes:
        st.info(note)
    left, right = st.columns([3, 2])
    with left:
        m1, m2, m3 = st.columns(3)
        m1.metric("Sentences", f"{len(data):,}")
        m2.metric("Classes", len(data.classes))
        m3.metric("Negation test", f"{len(held_out):,}" if held_out is not None else "—",
                  help="Held-out minimal pairs, built-in reviews only.")
        st.dataframe(data.table(8), hide_index=True)
    with right:
        kit.chart(class_balance(data.class_counts(), "Class balance"), BALANCE_CAPTION, key="sentiment.balance_chart")


# --- 3. train your own: the model -----------------------------------------------------------------------

c1, c2, c3 = st.columns(3)
cell, pooling, bidirectional = (kit.widget(SETTINGS, f"sentiment.{k}", c1)
                                for k in ("cell", "pooling", "bidirectional"))
hidden, embedding, layers = (kit.widget(SETTINGS, f"sentiment.{k}", c2) for k in ("hidden", "embedding", "layers"))
lr, batch, steps, seed = (kit.widget(SETTINGS, f"sentiment.{k}", c3) for k in ("lr", "batch", "steps", "seed"))


def make_run() -> kit.Run:
    settings = replace(BUILT_IN if held_out is not None else REAL, cell=cell, pooling=pooling,
                       bidirectional=bidirectional, hidden_size=hidden, embedding_dim=embedding, num_layers=layers,
                       lr=lr, batch_size=batch, max_steps=int(steps), seconds=None, seed=int(seed))
    source, sentences, negation_test = data_source(), data, held_out
    label = (f"{'Bi' if bidirectional else ''}{cell.upper()} {hidden} ({POOLING_NAMES[pooling]}) · {sentences.title}"
             f" · seed {seed}")

    def train(stop, report):
        report(preparing(settings.max_steps))
        return train_classifier(sentences, settings, held_out=negation_test, on_progress=report, stop=stop)

    def keep(run) -> TrainedModel:
        return TrainedModel(label, "classifier", run.classifier, run.classifier.tokenizer,
                            {**settings.to_dict(), "data": source}, run.metrics, run.history, source=sentences.title)

    return kit.Run(f"Training {label}", train, keep,
                   budget_key("sentiment", (sentences, negation_test), settings))


def live(reports, _) -> None:
    if reports[-1].step:
        kit.chart(training_curves(curve_rows(reports), reports[-1].metrics.get("baseline_val_accuracy"),
                                  "While training"), CURVES_CAPTION, key="sentiment.live_chart")


with train_slot:
    _, (note,) = kit.train_controls(
        "sentiment", make_run, disabled=data is None, widths=(1, 1, 6), live=live,
        stop_help="Stops training and keeps the model so far.",
        progress_text=lambda p: f"step {p.step:,} of {p.planned_steps:,} · {p.tokens_per_second:,.0f} "
                                f"sentences/s · about {p.time_left:.0f} s left" if p.step else PREPARING,
        done=lambda o: f"{o.message} “{o.entries[-1]}” is now the model in sections 1 and 2.")
    note.caption("Train your own with the data and model chosen in sections 2 and 3 below (their defaults give "
                 "the ready-made model); it joins the Model list of section 1.")
st.caption("Train and Stop are at the top of the page.")
