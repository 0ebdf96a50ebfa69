"""Sentiment: a many-to-one RNN reads a sentence word by word; try one at once, then train your own."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from pages.shared import (chart, job_status, poll_interval, rerun_when_finished,
                           run_controls, registry, show_error, start_shared_job)
from pages.workshop import export_button, share_settings
from rnn_core.sentiment.classifier import (POOLINGS, STEP_CHOICES, ClassifierSettings, ready_made_run, recommended_settings,
                                 train_classifier, words_of)
from rnn_core.errors import RNNLabError
from rnn_core.sentiment.figures import (ACCURACY_CAPTION, BALANCE_CAPTION, BUILT_IN_PAIRS, BUILT_IN_READING,
                                        BUILT_IN_RESULTS, BY_WORD_CAPTION, CONFUSION_CAPTION, CURVES_CAPTION,
                                        GRADIENT_CAPTION, GROUP_CAPTION, HIDDEN_CAPTION, INFLUENCE_CAPTION, INFLUENCE_NOT_BAD,
                                        PAIRS_CAPTION, UCI_READING, accuracy_bars, class_balance,
                                        confusion_heatmap, hidden_heatmap, influence_bars, probability_by_word,
                                        training_curves)
from rnn_core.runs.jobs import RUNNING
from rnn_core.links.settings import Param, Schema
from rnn_core.sentiment.script import sentiment_script
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import run_key, step_budgeted
from rnn_core.sentiment.probe import WORKSHOP_SENTENCE, gradient_is_saturated, minimal_pairs, probe_sentence
from rnn_core.sentiment.data import (UCI_FILES, ReviewSettings, built_in_reviews, cached_uci,
                                     download_uci, guess_columns, load_uci, phrase_counts, read_csv_table,
                                     sentences_from_frame)

JOB = "sentiment.job"
SOURCES = ("Built-in reviews (word order matters)", "UCI review sentences", "Upload a CSV file")
HIDDEN_SIZES = (8, 16, 32, 64, 96, 128, 192, 256)
EMBEDDING_SIZES = (8, 16, 32, 64, 128)
LEARNING_RATES = (3e-4, 1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 3e-2, 0.1)
BATCHES = (8, 16, 32, 64, 128)
POOLING_NAMES = {"last": "last state", "mean": "mean of states", "max": "max of states"}
EXAMPLES = (WORKSHOP_SENTENCE, "The food was bad", "The start was dull but the ending was superb.",
            "The service was not, despite what my friends said, good.", "Not good.", "I would not recommend it.")
REVIEWS = ReviewSettings()                      # the built-in reviews' defaults
BUILT_IN = recommended_settings("synthetic")    # the model's defaults on them
REAL = recommended_settings("reviews")          # ... and on real sentences (UCI, a CSV file)
GROUP_NAMES = {"plain": "plain: “was great”", "verb": "“I (did not) like”", "fragment": "short: “Great food.”",
               "negated": "“was not bad”", "separated": "“not, …clause…, bad”", "contrast": "“A but B”",
               "amazon": "Amazon", "imdb": "IMDb", "yelp": "Yelp"}
READY = f"Ready-made: LSTM {BUILT_IN.hidden_size} (last state) · Built-in reviews, seed 0"


def kind_defaults(source: str) -> dict:
    """The settings measured to work on this kind of data (a click on the data choice and a link both use them)."""
    s = BUILT_IN if source == SOURCES[0] else REAL
    return {"sentiment.pooling": s.pooling, "sentiment.hidden": s.hidden_size, "sentiment.embedding": s.embedding_dim,
            "sentiment.lr": s.lr, "sentiment.batch": s.batch_size, "sentiment.steps": s.max_steps}


# The settings a link carries (?cell=gru&hidden=128&seed=3 ...); an uploaded file stays on the laptop.
SHARE = Schema((
    Param("sentiment.source", "data", SOURCES[0], choices=SOURCES),
    Param("sentiment.n_sentences", "sentences", REVIEWS.n_sentences, low=500, high=20_000,
          check=lambda v: max(500, round(v / 500) * 500)),
    Param("sentiment.distractor", "distractor", REVIEWS.max_distractor, low=2, high=20),
    Param("sentiment.contrast", "contrast", REVIEWS.contrast),
    Param("sentiment.uci_sources", "sources", list(UCI_FILES), choices=tuple(UCI_FILES)),
    Param("sentiment.cell", "cell", BUILT_IN.cell, choices=("rnn", "lstm", "gru")),
    Param("sentiment.pooling", "pooling", BUILT_IN.pooling, choices=POOLINGS),
    Param("sentiment.bidirectional", "bidirectional", BUILT_IN.bidirectional),
    Param("sentiment.hidden", "hidden", BUILT_IN.hidden_size, choices=HIDDEN_SIZES),
    Param("sentiment.embedding", "embedding", BUILT_IN.embedding_dim, choices=EMBEDDING_SIZES),
    Param("sentiment.layers", "layers", BUILT_IN.num_layers, low=1, high=3),
    Param("sentiment.lr", "lr", BUILT_IN.lr, choices=LEARNING_RATES),
    Param("sentiment.batch", "batch", BUILT_IN.batch_size, choices=BATCHES),
    Param("sentiment.steps", "steps", BUILT_IN.max_steps, choices=STEP_CHOICES),
    Param("sentiment.seed", "seed", BUILT_IN.seed, low=0, high=1_000_000),
))

st.title("Sentiment")
st.write("A many-to-one RNN reads a sentence word by word and, at the end, says what it thinks of it. A model "
         "trained with this page's defaults is ready below: type a sentence and watch its opinion change word by "
         "word, next to a bag-of-words model that ignores word order. Then train your own, on reviews built so "
         "that word order matters or on real review sentences.")


# --- settings: the defaults, then a link's ---------------------------------------------------------------

first_visit = "sentiment.pooling" not in st.session_state
for key, value in {"sentiment.source": SOURCES[0], "sentiment.n_sentences": REVIEWS.n_sentences,
                   "sentiment.distractor": REVIEWS.max_distractor, "sentiment.contrast": REVIEWS.contrast,
                   "sentiment.uci_sources": list(UCI_FILES), "sentiment.cell": BUILT_IN.cell,
                   "sentiment.bidirectional": BUILT_IN.bidirectional, "sentiment.layers": BUILT_IN.num_layers,
                   "sentiment.seed": BUILT_IN.seed, "sentiment.sentence": WORKSHOP_SENTENCE,
                   "sentiment.influence": "leave-one-out"}.items():
    st.session_state.setdefault(key, value)
if first_visit:
    # A link that names only the data gets that data's defaults, exactly as a click on the data choice does.
    from_link, _ = SHARE.from_query(st.query_params.to_dict())
    chosen_source = from_link.get("sentiment.source", st.session_state["sentiment.source"])
    st.session_state.update({k: v for k, v in kind_defaults(chosen_source).items() if k not in from_link})
share_settings(SHARE, "sentiment")   # a link's settings, once; then the address bar follows the widgets


def apply_defaults() -> None:
    """A new kind of data gets the settings measured to work on it (the learner can change them after)."""
    st.session_state.update(kind_defaults(st.session_state["sentiment.source"]))


@st.cache_data(max_entries=8, show_spinner=False)
def built_in(n_sentences: int, max_distractor: int, contrast: bool):
    return built_in_reviews(ReviewSettings(n_sentences=n_sentences, max_distractor=max_distractor, contrast=contrast))


@st.cache_data(max_entries=4, show_spinner=False)
def csv_table(data: bytes, name: str):
    return read_csv_table(data, name)


@st.cache_data(max_entries=4, show_spinner=False)
def not_counts(sources: tuple[str, ...]) -> tuple[dict, dict, int]:
    """How the UCI sentences use "not" and "not bad" (what the RNN can learn about them)."""
    data = load_uci(sources)
    return phrase_counts(data, "not"), phrase_counts(data, "not bad"), len(data)


@st.cache_resource(show_spinner=False)
def ready_made() -> TrainedModel:
    """The page's defaults trained once per server (seed 0, a fixed step budget: the same model everywhere).

    Shared by every visitor and only ever read: probes run without gradients into its weights.
    """
    run = ready_made_run(0)
    source = {"kind": "synthetic", "n_sentences": REVIEWS.n_sentences, "max_distractor": REVIEWS.max_distractor,
              "contrast": REVIEWS.contrast}
    return TrainedModel(READY, "classifier", run.classifier, run.classifier.tokenizer,
                        {**run.settings.to_dict(), "data": source}, run.metrics, run.history, source="Built-in reviews")


# --- 1. a sentence, word by word ------------------------------------------------------------------------

with st.spinner(f"Training the ready-made model ({BUILT_IN.max_steps} steps, a few seconds, once per server)..."):
    ready = ready_made()
trained = registry().entries("classifier")
models = {READY: ready, **{e.name: e for e in trained}}
job = st.session_state.get(JOB)
if job is not None and not job.active and isinstance(job.result, dict) and \
        st.session_state.get("sentiment.shown_job") != job.id:
    st.session_state["sentiment.shown_job"] = job.id     # a model just trained: show it
    if job.result["entry"] in models:
        st.session_state["sentiment.shown_model"] = job.result["entry"]
if st.session_state.get("sentiment.shown_model") not in models:
    st.session_state["sentiment.shown_model"] = list(models)[-1]

st.subheader("1. Read a sentence word by word")
chosen = st.selectbox("Model", list(models), key="sentiment.shown_model",
                      help="The ready-made model is what Train gives with this page's defaults and seed 0; the "
                           "models you train in section 3 join the list.")
entry = models[chosen]
m, classifier = entry.metrics, entry.model
fields = {k: v for k, v in entry.settings.items() if k in ClassifierSettings.__dataclass_fields__}
data_kind = entry.settings.get("data", {}).get("kind")


def runs_the_defaults(settings: dict) -> bool:
    """Whether a model was trained with the page's defaults (any seed): what the page's claims are about."""
    data = settings.get("data", {})
    if data.get("kind") == "synthetic":
        same_data = (data["n_sentences"], data["max_distractor"], data["contrast"]) == \
            (REVIEWS.n_sentences, REVIEWS.max_distractor, REVIEWS.contrast)
        reference = BUILT_IN
    elif data.get("kind") == "uci":
        same_data, reference = sorted(data["sources"]) == sorted(UCI_FILES), REAL
    else:
        return False
    return same_data and ClassifierSettings(**fields) == replace(reference, seed=fields["seed"])


is_default = runs_the_defaults(entry.settings)
st.caption(f"{entry.source}: test accuracy {m['test_accuracy']:.1%} (bag of words {m['baseline_test_accuracy']:.1%})"
           f" · {m['steps']:,} training steps · {m['vocab_size']:,} words in its vocabulary.")

c1, c2 = st.columns([3, 1])
sentence = c1.text_input("Your sentence", key="sentiment.sentence", max_chars=500)
method = c2.radio("Word influence", ("leave-one-out", "gradient"), key="sentiment.influence",
                  format_func={"leave-one-out": "leave one word out", "gradient": "gradient × input"}.get)
st.caption("Ideas: " + " · ".join(f"“{e}”" for e in EXAMPLES))
try:
    probe = probe_sentence(classifier, sentence, method)
except RNNLabError as exc:
    show_error(exc)
else:
    classes = list(classifier.classes)
    if probe.unknown:
        n_unknown = sum(w in probe.unknown for w in probe.words)
        st.warning(f"{n_unknown} of the {len(probe.words)} words ({n_unknown / len(probe.words):.0%}) are not in "
                   f"this model's training vocabulary and are read as “unknown”: {', '.join(probe.unknown[:12])}.")
    k = probe.predicted
    base_k = int(probe.baseline_probabilities.argmax())
    p1, p2 = st.columns(2)
    p1.metric("The RNN says", f"{classes[k]} ({probe.probabilities[k]:.0%})",
              help="The class it gives the highest probability, and that probability.")
    p2.metric("The bag of words says", f"{classes[base_k]} ({probe.baseline_probabilities[base_k]:.0%})",
              help="Logistic regression on word counts: the same words in any order get the same answer.")
    chart(probability_by_word(probe.words, probe.by_word, classes, "Its opinion, word by word"), BY_WORD_CAPTION,
          key="sentiment.by_word_chart")
    if is_default and data_kind == "synthetic":
        st.markdown(f"**What to look for.** {BUILT_IN_READING}")
    left, right = st.columns(2)
    with left:
        chart(influence_bars(probe.words, probe.influence, classes[k], f"Which words pushed toward “{classes[k]}”"),
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
        chart(hidden_heatmap(probe.words, probe.hidden, entry.settings.get("bidirectional", False),
                             title="Hidden state after each word"), HIDDEN_CAPTION, key="sentiment.hidden_chart")
    if not all(math.isfinite(float(v)) for v in probe.probabilities):
        st.warning("This model's outputs are not finite numbers (its training diverged): train it again with a "
                   "lower learning rate.")

pairs = minimal_pairs(classifier)
if pairs:
    st.markdown("**Side by side: one word, with and without “not”.**")
    st.dataframe(pd.DataFrame([{"sentence": r["sentence"], "truth": r["truth"],
                                "RNN: P(positive)": f"{r['rnn']:.2f} {'✓' if r['rnn_right'] else '✗'}",
                                "bag of words: P(positive)": f"{r['baseline']:.2f} "
                                                             f"{'✓' if r['baseline_right'] else '✗'}"}
                               for r in pairs]), hide_index=True)
    st.caption(PAIRS_CAPTION)
    if is_default and data_kind == "synthetic":
        st.markdown(f"**With the defaults.** {BUILT_IN_PAIRS}")
    elif is_default and data_kind == "uci":
        with_not, not_bad, total = not_counts(tuple(UCI_FILES))
        n_not = sum(with_not.values())
        st.markdown(f"**What the RNN learns from real sentences, and what it does not.** {UCI_READING} Why: of the "
                    f"{total:,} sentences, {n_not:,} contain “not”, {with_not['negative'] / max(1, n_not):.0%} of "
                    f"them negative, and only {sum(not_bad.values())} says “not bad”. Learning what “not” does to "
                    "the word after it needs many examples of both “not good” and “not bad”: the built-in reviews "
                    "have them.")


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
    replay = replace(ClassifierSettings(**fields), seconds=None, max_steps=max(1, int(m["steps"])))
    export_button(sentiment_script(replay, entry.settings["data"]),
                  f"sentiment_{replay.cell}_seed{replay.seed}.py", key="sentiment.btn_export", schema=SHARE,
                  label="Export this run as a Python script")

bars = [{"label": "test sentences", "rnn": m["test_accuracy"], "baseline": m["baseline_test_accuracy"]}]
if "negation_accuracy" in m:
    bars.append({"label": "negation test", "rnn": m["negation_accuracy"], "baseline": m["baseline_negation_accuracy"]})
left, right = st.columns(2)
with left:
    chart(accuracy_bars(bars, "RNN and bag of words"), ACCURACY_CAPTION, key="sentiment.accuracy_chart")
with right:
    if m.get("by_group"):
        chart(accuracy_bars([{"label": f"{GROUP_NAMES.get(r['group'], r['group'])} ({r['n']})", "rnn": r["rnn"], "baseline": r["baseline"]}
                             for r in m["by_group"]], "Test accuracy by kind of sentence"), GROUP_CAPTION,
              key="sentiment.group_chart")
left, right = st.columns(2)
with left:
    chart(confusion_heatmap(m["confusion"], m["classes"], "Confusion matrix (RNN, test sentences)"),
          CONFUSION_CAPTION, key="sentiment.confusion_chart")
with right:
    chart(training_curves(entry.history, m.get("baseline_val_accuracy"), entry.name), CURVES_CAPTION,
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
    source = st.session_state["sentiment.source"]
    if source == SOURCES[0]:
        return built_in(st.session_state["sentiment.n_sentences"], st.session_state["sentiment.distractor"],
                        st.session_state["sentiment.contrast"])
    if source == SOURCES[1]:
        chosen = tuple(st.session_state.get("sentiment.uci_sources") or ())
        if not chosen:
            raise RNNLabError("Choose at least one source of review sentences.")
        if cached_uci() is None:
            return None, None          # the Download box above says what to do
        return load_uci(chosen), None
    upload = st.session_state.get("sentiment.upload")
    if upload is None:
        raise RNNLabError("Choose a CSV file with a column of sentences and a column of labels.")
    frame, notes = csv_table(upload.getvalue(), upload.name)
    text_guess, label_guess = guess_columns(frame)
    columns = list(frame.columns)
    for key, guess in (("sentiment.text_column", text_guess), ("sentiment.label_column", label_guess)):
        if st.session_state.get(key) not in columns:
            st.session_state[key] = guess if guess in columns else columns[0]
    c1, c2 = st.columns(2)
    text_column = c1.selectbox("Text column", columns, key="sentiment.text_column")
    label_column = c2.selectbox("Label column", columns, key="sentiment.label_column")
    return sentences_from_frame(frame, text_column, label_column, upload.name, notes), None


st.subheader("3. Train your own")
source = st.radio("Sentences", SOURCES, key="sentiment.source", horizontal=True, on_change=apply_defaults)
if source == SOURCES[0]:
    st.caption("Short reviews written by a small grammar, labelled by construction: mostly plain opinions "
               "(\"the food was great\", \"I loved it\", \"terrible service\"), some negations (\"not bad\", "
               "\"I did not like it\"), contrasts (\"the start was dull but the ending was superb\") and a clause "
               "between \"not\" and its adjective. A held-out **negation test** holds minimal pairs in which every "
               "word is as frequent in both classes: a bag of words can only guess there.")
    c1, c2, c3 = st.columns(3)
    c1.slider("Number of reviews", 500, 20_000, step=500, key="sentiment.n_sentences")
    c2.slider("Longest clause between \"not\" and its adjective (words)", 2, 20, key="sentiment.distractor",
              help="Longer clauses make the model remember the negation for longer.")
    c3.checkbox("Contrast sentences (\"A but B\")", key="sentiment.contrast")
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
            show_error(failure)
        elif cached_uci() is None:
            st.info("The UCI review sentences are not downloaded yet: press Download (this needs an internet "
                    "connection once; they are kept on disk afterwards).")
    st.multiselect("Sources", list(UCI_FILES), key="sentiment.uci_sources",
                   format_func={"amazon": "Amazon", "imdb": "IMDb", "yelp": "Yelp"}.get)
else:
    st.file_uploader("A CSV file: one column of sentences, one column of labels (two or more classes)",
                     type=["csv", "tsv", "txt"], key="sentiment.upload")

data = held_out = None
try:
    data, held_out = resolve_data()
except RNNLabError as exc:
    show_error(exc)
if data is not None:
    for note in data.notes:
        st.info(note)
    counts = data.class_counts()
    left, right = st.columns([3, 2])
    with left:
        m1, m2, m3 = st.columns(3)
        m1.metric("Sentences", f"{len(data):,}")
        m2.metric("Classes", len(data.classes))
        m3.metric("Negation test", f"{len(held_out):,}" if held_out is not None else "—",
                  help="Held-out minimal pairs, built-in reviews only.")
        st.dataframe(data.table(8), hide_index=True)
    with right:
        chart(class_balance(counts, "Class balance"), BALANCE_CAPTION, key="sentiment.balance_chart")


# --- 3. train your own: the model -----------------------------------------------------------------------

c1, c2, c3 = st.columns(3)
with c1:
    cell = st.radio("Cell", ("rnn", "lstm", "gru"), key="sentiment.cell", horizontal=True, format_func=str.upper)
    pooling = st.radio("Sentence summary", POOLINGS, key="sentiment.pooling", horizontal=True,
                       format_func=POOLING_NAMES.get,
                       help="What the classifier sees: the hidden state after the last word, or the mean or "
                            "maximum of every word's hidden state.")
    bidirectional = st.checkbox("Bidirectional (a second RNN reads right to left)", key="sentiment.bidirectional")
with c2:
    hidden = st.select_slider("Hidden size", HIDDEN_SIZES, key="sentiment.hidden")
    embedding = st.select_slider("Embedding size", EMBEDDING_SIZES, key="sentiment.embedding")
    layers = st.slider("Layers", 1, 3, key="sentiment.layers")
with c3:
    lr = st.select_slider("Learning rate", LEARNING_RATES, key="sentiment.lr", format_func=lambda v: f"{v:g}")
    batch = st.select_slider("Batch size", BATCHES, key="sentiment.batch")
    steps = st.select_slider("Training steps", STEP_CHOICES, key="sentiment.steps",
                             help="A step budget: the same seed gives the same model on any machine. The model "
                                  "kept is the one with the best validation accuracy along the way.")
    seed = st.number_input("Seed", 0, 1_000_000, key="sentiment.seed",
                           help="The same seed gives the same split and the same starting weights.")


def data_source() -> dict:
    """Where the sentences come from, as :func:`rnn_core.sentiment.script.sentiment_script` reads it."""
    s = st.session_state
    if s["sentiment.source"] == SOURCES[0]:
        return {"kind": "synthetic", "n_sentences": int(s["sentiment.n_sentences"]),
                "max_distractor": int(s["sentiment.distractor"]), "contrast": bool(s["sentiment.contrast"])}
    if s["sentiment.source"] == SOURCES[1]:
        return {"kind": "uci", "sources": list(s.get("sentiment.uci_sources") or UCI_FILES)}
    upload = s.get("sentiment.upload")
    return {"kind": "csv", "name": upload.name if upload is not None else "my_reviews.csv",
            "text_column": s.get("sentiment.text_column"), "label_column": s.get("sentiment.label_column")}


def launch(data, held_out) -> None:
    source = data_source()
    settings = replace(BUILT_IN if held_out is not None else REAL, cell=cell, pooling=pooling,
                       bidirectional=bidirectional, hidden_size=hidden, embedding_dim=embedding, num_layers=layers,
                       lr=lr, batch_size=batch, max_steps=int(steps), seconds=None, seed=int(seed))
    models = registry()
    label = (f"{'Bi' if bidirectional else ''}{cell.upper()} {hidden} ({POOLING_NAMES[pooling]}) · {data.title}"
             f" · seed {seed}")

    def train(stop, report):
        return train_classifier(data, settings, held_out=held_out, on_progress=report, stop=stop)

    def deliver(run, job):   # this session's own copy of the run (identical runs are trained once per server)
        if run.result.steps == 0:
            raise RNNLabError(run.result.message or "Training stopped before its first step.")
        name = label + {"stopped": " (stopped)", "diverged": " (diverged)"}.get(run.result.stop_reason, "")
        entry = TrainedModel(name, "classifier", run.classifier, run.classifier.tokenizer,
                             {**settings.to_dict(), "data": source}, run.metrics, run.history, source=data.title)
        models.add(entry)
        return {"entry": entry.name, "message": run.result.message, "reason": run.result.stop_reason}

    key = (run_key("sentiment", (data, held_out), settings, seed=settings.seed, steps=settings.max_steps)
           if step_budgeted(settings.train_config()) else None)
    start_shared_job(JOB, f"Training {label}", key, train, deliver)


job, _ = run_controls(JOB, lambda: launch(data, held_out), start_key="sentiment.btn_train",
                      stop_key="sentiment.btn_stop", disabled=data is None,
                      stop_help="Stops training and keeps the model so far.", widths=(1, 1, 2, 2))


def live_history(reports) -> list[dict]:
    """Progress reports as curve rows: the training loss of each, the evaluation once per new evaluation."""
    rows, last = [], None
    for p in reports:
        row = {"step": p.step, "train_loss": p.train_loss}
        key = (p.metrics.get("val_loss"), p.metrics.get("val_accuracy"))
        if key[1] is not None and key != last:
            row.update(p.metrics)
            last = key
        rows.append(row)
    return rows


@st.fragment(run_every=poll_interval(job))
def live_view() -> None:
    job = st.session_state.get(JOB)
    if job is None:
        return
    job_status(job)
    progress = job.progress
    if job.status == RUNNING and progress is None:
        st.info("Building the vocabulary and fitting the bag-of-words baseline; the RNN starts in a moment.", icon="⏳")
    if job.status == RUNNING and progress is not None:
        st.progress(progress.fraction, text=f"step {progress.step:,} of {progress.planned_steps:,} · "
                                            f"{progress.tokens_per_second:,.0f} sentences/s · "
                                            f"about {progress.time_left:.0f} s left")
    reports = job.reports_so_far()
    if reports and job.active:
        baseline = reports[-1].metrics.get("baseline_val_accuracy")
        chart(training_curves(live_history(reports), baseline, "While training"), CURVES_CAPTION,
              key="sentiment.live_chart")
    rerun_when_finished(job, "sentiment")


live_view()

if job is not None and not job.active and isinstance(job.result, dict):
    (st.warning if job.result["reason"] == "diverged" else st.success)(
        f"{job.result['message'] or 'Trained.'} “{job.result['entry']}” is now the model in sections 1 and 2 "
        "(scroll up).")
