"""Caption a picture: one to many. A picture in, a caption out word by word, with and without attention."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from pages import kit
from rnn_core.caption.data import (COLOUR_NAMES, GRID, HELD_OUT_PAIRS, HELD_OUT_PLACES, KIND_PAIRS, KINDS, SHAPES,
                                   Shape, caption_words, check_shapes, is_held_out, make_pictures)
from rnn_core.caption.figures import (ATTENTION_CAPTION, CURVES_CAPTION, GRAMMAR_NOTE, INTRO, KIND_CAPTION,
                                      MODEL_NAMES, SEEN_CAPTION, accuracy_by_kind, attention_maps, defaults_finding,
                                      exact_match_curves, picture, seen_and_held_out)
from rnn_core.caption.model import (MODELS, STEP_CHOICES, TEST_SEED, CaptionSettings, caption_picture,
                                    train_captioners, wrong_pictures)
from rnn_core.caption.script import caption_script
from rnn_core.caption.shipped import shipped_rows
from rnn_core.errors import RNNLabError
from rnn_core.links.settings import Param, Schema
from rnn_core.nets.cells import CELL_NAMES
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import budget_key

DEFAULTS = CaptionSettings()
NONE = "(none)"
ROW_NAMES, COL_NAMES = ("top", "middle", "bottom"), ("left", "middle", "right")

SETTINGS = Schema((
    Param("caption.cell", "cell", DEFAULTS.cell, choices=CELL_NAMES, label="Decoder cell",
          help="The RNN cell that writes the caption, in all three models."),
    Param("caption.steps", "steps", DEFAULTS.max_steps, choices=STEP_CHOICES, label="Training steps",
          help="A step budget: the same seed gives the same models on any machine. The three models train on "
               "the same batches."),
    Param("caption.seed", "seed", DEFAULTS.seed, low=0, high=1_000_000, label="Seed",
          help="The same seed gives the same training pictures, the same starting weights, the same models."),
    Param("caption.hidden", "hidden", DEFAULTS.hidden, choices=(16, 32, 64, 128), label="Decoder hidden size"),
    Param("caption.lr", "lr", DEFAULTS.lr, choices=(1e-3, 3e-3, 5e-3, 1e-2, 2e-2), label="Learning rate"),
    Param("caption.picture", "picture", 1, low=1, high=DEFAULTS.n_test, label="Held-out picture number",
          help=f"One of the {DEFAULTS.n_test:,} test pictures, whose combinations never appear in training."),
))
SHARE = SETTINGS      # the name the workshop and the tests know

st.title("Caption a picture")
st.write(INTRO)
kit.settings(SETTINGS, "caption")


@st.cache_data(max_entries=4, show_spinner=False)
def pictures(seed: int, n: int, held_out: bool):
    return make_pictures(n, seed, held_out=held_out)


# --- 1. train the three ---------------------------------------------------------------------------------------

st.subheader("1. Train three captioners side by side")
c1, c2, c3 = st.columns(3)
cell = kit.widget(SETTINGS, "caption.cell", c1)
steps = kit.widget(SETTINGS, "caption.steps", c2)
seed = kit.widget(SETTINGS, "caption.seed", c3)
hidden = kit.widget(SETTINGS, "caption.hidden", c1)
lr = kit.widget(SETTINGS, "caption.lr", c2)


def make_run() -> kit.Run:
    settings = replace(DEFAULTS, cell=cell, hidden=int(hidden), lr=float(lr), max_steps=int(steps), seed=int(seed))
    label = f"{settings.cell.upper()} {settings.hidden} · {settings.max_steps} steps · seed {settings.seed}"

    def keep(run) -> TrainedModel:
        return TrainedModel(label, "captioners", run.models, None, settings.to_dict(), run.metrics, run.history,
                            source="generated pictures")

    return kit.Run(f"Captioning: {label}", lambda stop, report: train_captioners(settings, on_progress=report, stop=stop),
                   keep, budget_key("caption", None, settings), context=settings.max_steps)


def live(reports, planned) -> None:
    kit.chart(exact_match_curves(kit.evaluation_rows(reports), steps=planned, title="While training"),
              CURVES_CAPTION,
              key="caption.live_chart")


job, _ = kit.train_controls("caption", make_run, label="Train all three", live=live,
                            stop_help="Stops training and keeps the three models as they are.",
                            progress_text=lambda p: f"step {p.step:,} of {p.planned_steps:,} · "
                                                    f"{p.tokens_per_second:,.0f} pictures/s · "
                                                    f"about {p.time_left:.0f} s left")
st.caption("All three decoders are the same RNN writing one word per step. **With attention**, it looks again at "
           "the picture's 3 × 3 grid of patch features before every word, and reads a mean weighted where it "
           "looks, with where that is; **without attention**, it reads one fixed summary of the whole grid at "
           "every step; the **picture-blind** one never sees the picture. All three train on the same batches.")


# --- 2. the pictures ------------------------------------------------------------------------------------------

st.subheader("2. The pictures")
train_pics = pictures(int(seed), 6, False)
cols = st.columns(6)
for col_index, (col, img, shapes) in enumerate(zip(cols, train_pics.images, train_pics.shapes)):
    with col:
        st.plotly_chart(picture(img, height=150), key=f"caption.sample_{col_index}", config={"displayModeBar": False})
        st.caption("“" + " ".join(caption_words(shapes)) + "”")
st.caption(f"Training pictures: 24 × 24 pixels, {len(KINDS)} kinds of shape ({len(COLOUR_NAMES)} colours × "
           f"{len(SHAPES)} shapes) on a 3 × 3 grid, {DEFAULTS.n_train:,} of them, with a little noise. Two shapes "
           "share a row or a column, and the caption names them in reading order (the upper one, or the left "
           f"one, first). The {DEFAULTS.n_test:,} held-out pictures are combinations never seen in training: "
           f"{HELD_OUT_PAIRS} of the {KIND_PAIRS} pairs of kinds (such as a red circle with a green square) never "
           f"share a training picture, and {HELD_OUT_PLACES} of the {len(KINDS) * GRID * GRID} pairings of a kind "
           "with a place never appear alone in training. Each kind, place and relation is seen; a model must compose them.")


# --- 3. how well they do --------------------------------------------------------------------------------------

st.subheader("3. How well they do on held-out pictures")
entry = kit.results_or_wait("caption", "captioners", "Train all three",
                            f"{DEFAULTS.max_steps} steps with the defaults, for the three models at once",
                            help="Every trio you train in this session joins the list.")

m, models = entry.metrics, entry.model
settings = CaptionSettings(**{k: v for k, v in entry.settings.items() if k in CaptionSettings.__dataclass_fields__})
is_default = replace(settings, seed=DEFAULTS.seed) == DEFAULTS and m["stop_reason"] == "finished"
cols = st.columns(3)
for col, k in zip(cols, MODELS):
    col.metric(f"Exact captions: {MODEL_NAMES[k]}", f"{m[k]['exact_match']:.1%}",
               help="The share of held-out pictures whose caption the model writes exactly right, every word.")
    col.caption(f"words right {m[k]['word_accuracy']:.1%} · one shape "
                f"{m[k]['by_count']['one shape']:.1%} · two shapes {m[k]['by_count']['two shapes']:.1%} · "
                f"{m[k]['params']:,} parameters")
st.caption(GRAMMAR_NOTE.format(exact=m["grammar_level"]["exact_match"], words=m["grammar_level"]["word_accuracy"])
           + f" · {m['n_test']:,} held-out pictures · {m['steps']:,} steps in {m['seconds']:.0f} s")
shipped = shipped_rows() if is_default else None
if shipped:
    st.markdown(f"**With the defaults.** {defaults_finding(shipped)}")
left, right = st.columns(2)
with left:
    kit.chart(accuracy_by_kind(m), KIND_CAPTION, key="caption.kind_chart")
with right:
    kit.chart(seen_and_held_out(m), SEEN_CAPTION, key="caption.seen_chart")
kit.chart(exact_match_curves(entry.history, steps=int(m["planned_steps"]), title="Along training"),
          CURVES_CAPTION, key="caption.curves_chart")
kit.export_button(caption_script(replace(settings, seconds=None, max_steps=max(1, int(m["steps"])))),
                  f"caption_{settings.cell}_seed{settings.seed}.py", key="caption.btn_export", schema=SETTINGS,
                  label="Export this run as a Python script")


def show_captions(shapes, image, key: str) -> None:
    """The picture, each model's caption, and the attention model's maps."""
    try:
        done = caption_picture(models, shapes, image)
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    seen = "was held out from training" if is_held_out(check_shapes(shapes)) else "appears in training pictures"
    pic, words = st.columns([1, 3])
    with pic:
        st.plotly_chart(picture(done.image, height=220), key=f"{key}_picture", config={"displayModeBar": False})
    with words:
        truth = " ".join(done.truth)
        st.markdown(f"**The grammar's caption:** {truth}  \n:gray[This combination {seen}.]")
        for k, w in done.captions.items():
            text = " ".join(w) or "(nothing)"
            mark = ":green[right]" if w == done.truth else ":red[wrong]"
            st.markdown(f"**{MODEL_NAMES[k]}:** {text} · {mark}")
    if done.attention is not None:
        kit.chart(attention_maps(done.image, done.captions["attention"], done.attention), ATTENTION_CAPTION,
                  key=f"{key}_attention")


# --- 4. one held-out picture ----------------------------------------------------------------------------------

st.subheader("4. Watch them caption a held-out picture")
test = pictures(TEST_SEED, DEFAULTS.n_test, True)
which = st.radio("Pictures", ("all held-out pictures", "those the model without attention gets wrong"),
                 key="caption.which", horizontal=True)
number = kit.widget(SETTINGS, "caption.picture")
k = int(number) - 1
if which != "all held-out pictures":
    misses = st.session_state.setdefault("caption.misses", {})
    tag = (entry.name, entry.created)
    if tag not in misses:
        misses.clear()
        misses[tag] = wrong_pictures(models["plain"], test) if "plain" in models else []
    if not misses[tag]:
        st.info("The model without attention writes every held-out caption right.", icon=":material/check:")
        k = None
    else:
        k = misses[tag][k % len(misses[tag])]
        st.caption(f"It gets {len(misses[tag]):,} of the {len(test):,} held-out captions wrong; this is held-out "
                   f"picture {k + 1} (the number above steps through them).")
if k is not None:
    show_captions(test.shapes[k], test.images[k], "caption.test")


# --- 5. draw your own -----------------------------------------------------------------------------------------

st.subheader("5. Draw your own picture")
st.caption("Pick one or two shapes and where they go (two must share a row or a column). The models caption it; "
           "your picture may well combine things they never saw together.")
chosen = []
for slot, (default_shape, default_colour, row, col) in enumerate((("circle", "red", 0, 1), ("square", "green", 2, 1))):
    cs = st.columns(4)
    shape = cs[0].selectbox(f"Shape {slot + 1}", (NONE, *SHAPES), index=(NONE, *SHAPES).index(default_shape),
                            key=f"caption.draw_shape{slot}")
    colour = cs[1].selectbox("Colour", COLOUR_NAMES, index=COLOUR_NAMES.index(default_colour),
                             key=f"caption.draw_colour{slot}")
    r = cs[2].selectbox("Row", range(GRID), index=row, format_func=lambda i: ROW_NAMES[i], key=f"caption.draw_row{slot}")
    c = cs[3].selectbox("Column", range(GRID), index=col, format_func=lambda i: COL_NAMES[i],
                        key=f"caption.draw_col{slot}")
    if shape != NONE:
        chosen.append(Shape(colour, shape, int(r), int(c)))
show_captions(chosen, None, "caption.draw")
