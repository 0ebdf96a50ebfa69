"""Tag a sentence: a many-to-many RNN tags every word; only a bidirectional one can use the words still to come."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from pages import kit
from rnn_core.errors import RNNLabError
from rnn_core.links.settings import Param, Schema
from rnn_core.nets.cells import CELL_NAMES
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import budget_key
from rnn_core.tag.data import AMBIGUOUS, CUES, EXAMPLES, HELD_OUT_PER_READING, MAX_DISTANCE, MAX_WORDS, TagDataSettings, generate
from rnn_core.tag.figures import (CURVES_CAPTION, DISTANCE_CAPTION, EXAMPLE_READING, INTRO, KNOWS, PUSH_CAPTION,
                                  RESULT_BIDIRECTIONAL, RESULT_CELLS, RESULT_DISTANCE, RESULT_LEFT, RESULT_PLAIN,
                                  WORD_CAPTION, accuracy_by_distance, accuracy_by_word, direction_push,
                                  outside_what_it_knows, points_over_baseline, training_curves, vocabulary_text)
from rnn_core.tag.tagger import DIRECTIONS, STEP_CHOICES, TaggerSettings, tag_sentence, train_taggers
from rnn_core.tag.script import tagging_script

DEFAULTS = TaggerSettings()
TAG_COLORS = {"person": "blue", "place": "green", "organisation": "orange"}
NAMES = {"left-to-right": "left to right →", "bidirectional": "bidirectional ↔"}

SETTINGS = Schema((
    Param("tag.distance", "distance", DEFAULTS.distance, low=1, high=MAX_DISTANCE,
          label="Cue distance: the cue comes 1 to this many words after the ambiguous word",
          help="The words between are adverbs that fit every reading (“reportedly”, “quietly”...). Farther cues "
               "ask the backward pass to carry the cue for longer."),
    Param("tag.seed", "seed", DEFAULTS.seed, low=0, high=1_000_000, label="Seed",
          help="The same seed gives the same sentences, the same starting weights, the same models."),
    Param("tag.cell", "cell", DEFAULTS.cell, choices=CELL_NAMES, label="Cell"),
    Param("tag.hidden", "hidden", DEFAULTS.hidden_size, choices=(8, 16, 32, 64, 128),
          label="Hidden size (per direction)"),
    Param("tag.steps", "steps", DEFAULTS.max_steps, choices=STEP_CHOICES, label="Training steps",
          help="A step budget: the same seed gives the same models on any machine. Both models train on the "
               "same batches."),
    Param("tag.lr", "lr", DEFAULTS.lr, choices=(1e-3, 2e-3, 3e-3, 5e-3, 1e-2, 2e-2), label="Learning rate"),
    Param("tag.sentence", "sentence", EXAMPLES[0], label=f"Your sentence (lower or upper case, up to {MAX_WORDS} words)"),
))
SHARE = SETTINGS      # the name the workshop and the tests know

st.title("Tag a sentence")
st.write(INTRO)
st.caption(KNOWS)
kit.settings(SETTINGS, "tag")


@st.cache_data(max_entries=8, show_spinner=False)
def sentences(distance: int, seed: int):
    return generate(TagDataSettings(distance=distance, n_train=DEFAULTS.n_train, n_test=DEFAULTS.n_test, seed=seed))


def coloured(words, tags, ambiguous_at: int | None = None, cue_at: int | None = None) -> str:
    """A sentence as markdown: names on their tag's colour, the ambiguous word in bold, the cue underlined."""
    out = []
    for k, (w, t) in enumerate(zip(words, tags)):
        text = f":{TAG_COLORS[t]}-background[{w}]" if t in TAG_COLORS else w
        if k == ambiguous_at:
            text = f"**{text}** :gray[({t})]"
        if k == cue_at:
            text = f"<u>{text}</u>"
        out.append(text)
    return " ".join(out)


LEGEND = " · ".join(f":{c}-background[{t}]" for t, c in TAG_COLORS.items()) + " · none: no colour"


# --- 1. train both (first, so that Train is on the first screen) --------------------------------------------

st.subheader("1. Train both models side by side")
c1, c2, c3 = st.columns(3)
distance = kit.widget(SETTINGS, "tag.distance", c1)
cell = kit.widget(SETTINGS, "tag.cell", c2)
steps = kit.widget(SETTINGS, "tag.steps", c3)
seed = kit.widget(SETTINGS, "tag.seed", c1)
hidden = kit.widget(SETTINGS, "tag.hidden", c2)
lr = kit.widget(SETTINGS, "tag.lr", c3)


def make_run() -> kit.Run:
    settings = replace(DEFAULTS, cell=cell, distance=int(distance), hidden_size=int(hidden), lr=float(lr),
                       max_steps=int(steps), seed=int(seed))
    label = f"{settings.cell.upper()} {settings.hidden_size} · cue 1–{settings.distance} words later · seed {settings.seed}"

    def keep(run) -> TrainedModel:
        return TrainedModel(label, "tagger", run.pair, run.pair.vocab, settings.to_dict(), run.metrics, run.history,
                            source=f"generated sentences, cue 1–{settings.distance} words later")

    return kit.Run(f"Tagging: {label}", lambda stop, report: train_taggers(settings, on_progress=report, stop=stop),
                   keep, budget_key("tag", None, settings))


def live(reports, _) -> None:
    rows = kit.evaluation_rows(reports)
    baseline = rows[-1].get("baseline.ambiguous_accuracy") if rows else None
    kit.chart(training_curves(rows, DIRECTIONS, baseline, "While training"), CURVES_CAPTION, key="tag.live_chart")


job, _ = kit.train_controls("tag", make_run, label="Train both", live=live,
                            stop_help="Stops training and keeps both models as they are.",
                            progress_text=lambda p: f"step {p.step:,} of {p.planned_steps:,} · "
                                                    f"{p.tokens_per_second:,.0f} sentences/s · "
                                                    f"about {p.time_left:.0f} s left")
st.caption("The left-to-right model's hidden state at a word has read the words up to it; the bidirectional one "
           "has a second RNN that reads right to left, and tags each word from both halves, so it has twice the "
           "recurrent weights. Both train on the same batches.")


# --- 2. the sentences ---------------------------------------------------------------------------------------

st.subheader("2. The sentences")
data = sentences(int(distance), int(seed))
n_readings = sum(len(r) for r in AMBIGUOUS.values())
st.write(f"{len(data.train):,} generated training sentences. Each holds one of {len(AMBIGUOUS)} ambiguous words, "
         f"with one of its readings drawn at random (two or three each), then its cue phrase: {len(CUES['person'])} "
         "per tag, such as “scored twice” (person), “flows south” (place), “released a phone” (organisation), "
         "“is on sale” (none). What comes *before* the ambiguous word is drawn whatever its reading, so it gives "
         "nothing away. Every other word always has the same tag (the plain words).")
st.markdown("  \n".join(coloured(s.words, s.tags, s.ambiguous_at, s.ambiguous_at + s.distance)
                        for s in data.train[:6]), unsafe_allow_html=True)
st.caption(f"Tags: {LEGEND}. The ambiguous word is in bold, with its tag in brackets; its cue is underlined.")
st.caption(f"The {len(data.test):,} test sentences pair each ambiguous word with cue phrases it never appears with "
           f"in training ({len(data.held_out) * HELD_OUT_PER_READING} of the {n_readings * len(CUES['person'])} word × reading × phrase combinations are "
           "kept for the test), every word × reading × distance equally often: a model must know what the cue "
           "means, not remember the pair.")
with st.expander("Every word the models know"):
    st.markdown(vocabulary_text())


# --- 3. how well they do -------------------------------------------------------------------------------------

st.subheader("3. How well they do")
entry = kit.results_or_wait("tag", "tagger", "Train both",
                            f"{DEFAULTS.max_steps} steps with the defaults, for both models at once",
                            help="Every pair you train in this session joins the list.")

m, pair = entry.metrics, entry.model
settings = TaggerSettings(**{k: v for k, v in entry.settings.items() if k in TaggerSettings.__dataclass_fields__})
is_default = replace(settings, seed=DEFAULTS.seed) == DEFAULTS and m["stop_reason"] == "finished"

for kind, help_text in (("ambiguous", "The ambiguous words of the held-out sentences: their tag depends on the "
                                        "cue that comes after them."),
                         ("plain", "Every other word: its tag is always the same.")):
    cols = st.columns(3)
    for col, name in zip(cols, (*DIRECTIONS, "baseline")):
        value = m[name][f"{kind}_accuracy"]
        gain = 100 * (value - m["baseline"][f"{kind}_accuracy"])
        delta = (points_over_baseline(gain) if name != "baseline" and kind == "ambiguous" else None)
        col.metric(f"{kind.capitalize()} words: {NAMES.get(name, 'baseline')}", f"{value:.1%}", delta=delta,
                   delta_color="off", delta_arrow="down" if round(gain, 1) < 0 else "up", help=help_text if name != "baseline" else
                   "Each word's most frequent tag in training, whatever comes before or after it.")
st.caption(f"On {m['n_test']:,} held-out sentences: {m['n_ambiguous']:,} ambiguous words, {m['n_plain']:,} plain "
           f"words · {m['steps']:,} steps in {m['seconds']:.0f} s · "
           + ", ".join(f"{NAMES[d]} {p:,} parameters" for d, p in m["params"].items()))
if is_default:
    st.markdown(f"**With the defaults.** {RESULT_LEFT} {RESULT_BIDIRECTIONAL} {RESULT_PLAIN}")

left, right = st.columns(2)
with left:
    kit.chart(accuracy_by_distance(m, "Ambiguous words, by how far the cue comes"), DISTANCE_CAPTION
              + (" " + RESULT_DISTANCE if is_default else ""), key="tag.distance_chart")
with right:
    kit.chart(training_curves(entry.history, DIRECTIONS, m["baseline"]["ambiguous_accuracy"], "Along training"),
              CURVES_CAPTION, key="tag.curves_chart")
if is_default:
    st.markdown(f"**Other cells, a farther cue.** {RESULT_CELLS}")
kit.chart(accuracy_by_word(m, "Each ambiguous word (its number of readings)"), WORD_CAPTION, key="tag.word_chart")
kit.export_button(tagging_script(replace(settings, seconds=None, max_steps=max(1, int(m["steps"])))),
                  f"tag_{settings.cell}_seed{settings.seed}.py", key="tag.btn_export", schema=SETTINGS,
                  label="Export this run as a Python script")


# --- 4. your sentence ---------------------------------------------------------------------------------------

st.subheader("4. Tag your own sentence")
text = kit.widget(SETTINGS, "tag.sentence", max_chars=400)
st.caption("Ideas: " + " · ".join(f"“{e}”" for e in EXAMPLES))
if is_default:
    st.markdown(f"**Try this.** {EXAMPLE_READING}")
try:
    tagged = tag_sentence(pair, text)
except RNNLabError as exc:
    kit.show_error(exc)
else:
    note = outside_what_it_knows(tagged.words)
    if note:
        st.info(note, icon=":material/info:")
    if tagged.unknown:
        st.warning(f"Not in the training vocabulary, read as <unk> (“some word”): {', '.join(tagged.unknown[:12])}. "
                   f"The models saw <unk> for {settings.word_dropout:.0%} of training words, so they guess its tag "
                   "from the words around it, and may well be wrong.", icon=":material/help:")
    rows = [{"word": w, "ambiguous?": "yes" if w in AMBIGUOUS else "",
             **{NAMES[d]: f"{tagged.tags[d][k]} ({tagged.probabilities[d][k].max():.0%})" for d in tagged.tags},
             "baseline": tagged.baseline[k]} for k, w in enumerate(tagged.words)]
    st.dataframe(pd.DataFrame(rows), hide_index=True)
    st.markdown(coloured(tagged.words, tagged.tags["bidirectional"]) + "  \n:gray[the bidirectional model's tags]"
                if "bidirectional" in tagged.tags else "")
    if "bidirectional" in tagged.tags:
        kit.chart(direction_push(tagged.words, tagged.forward, tagged.backward, tagged.tags["bidirectional"],
                                 "Which half of the bidirectional model decided each tag"), PUSH_CAPTION,
                  key="tag.push_chart")
