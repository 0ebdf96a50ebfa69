"""Home: what RNN Lab shows, in three small real figures, and the pages in the workshop's order.

The cliff is read from the shipped Compare grid; the two figures from the ready-made models come from
rnn_core/tour.json (computed from those model files), or are measured with torch when the files have changed
since, so they are filled in last, after the tour of the pages has rendered. All three are built once per
server (``rnn_core.tour.findings`` caches the numbers, this page the figures).
"""

from pathlib import Path

import streamlit as st

from pages import kit   # first: routes every run through app.py
from pages.workshop import ON as WORKSHOP_ON, STEP as WORKSHOP_STEP
from rnn_core.tour import findings as tour
from rnn_core.errors import RNNLabError
from rnn_core.tour import figures as figs
from rnn_core.workshop import STEPS

ROOT = Path(__file__).resolve().parent.parent
HOME = "pages/home.py"

# Each page's navigation title (as in app.py) and what it teaches, in one line.
TOUR = {
    "pages/how_it_works.py": ("How an RNN works",
                              "One step at a time on “hello”, with every number, forwards and backwards through "
                              "time; then an LSTM and a GRU."),
    "pages/language_model.py": ("Train a language model",
                                "Pick a text, press Train, and watch the loss fall and the samples turn from "
                                "noise into words."),
    "pages/generate.py": ("Generate text",
                          "Sample from a model and see the probabilities behind every character it picks; ask a "
                          "model of War and Peace what follows “Napoleon was the Emperor of”."),
    "pages/gradients.py": ("Vanishing gradients",
                           "Measure how the gradient shrinks or explodes as it flows back through time, next to "
                           "the theory, and what each remedy really treats."),
    "pages/compare.py": ("Compare RNN, LSTM and GRU",
                         "Tasks that need a long memory, from adding two numbers to choosing “was” or “were”: where "
                         "the RNN falls to the no-memory line and the gated cells hold on."),
    "pages/sentiment.py": ("Sentiment",
                           "A many-to-one RNN reads a review; type your own and watch its opinion move word by "
                           "word."),
    "pages/forecast.py": ("Forecast a time series",
                          "A many-to-one RNN predicts a series' next value, judged against “next = last” on a "
                          "test period it has never seen."),
    "pages/tag.py": ("Tag a sentence",
                     "Is “jordan” a person or a place? Only the words after it say: a left-to-right and a "
                     "bidirectional tagger side by side."),
    "pages/translate.py": ("Translate",
                           "An encoder–decoder turns “3rd of March 2021” into 2021-03-03, with and without "
                           "attention, and shows where each output character looked."),
    "pages/caption.py": ("Caption a picture",
                         "One to many: a picture in, a sentence out, word by word; see where the attention model "
                         "looks for each word, on pictures whose combinations it never saw."),
}


def tour_order() -> list[str]:
    """The pages of TOUR in the workshop's order (rnn_core.workshop.STEPS), then any the workshop skips."""
    order = []
    for step in STEPS:
        if step.page in TOUR and step.page not in order:
            order.append(step.page)
    return order + [p for p in TOUR if p not in order]


def start() -> None:
    """The first action: open the workshop's first page after Home (in workshop mode, as its Next would)."""
    first = next(k for k, s in enumerate(STEPS) if s.page != HOME)
    if st.session_state.get(WORKSHOP_ON) and STEPS[st.session_state.get(WORKSHOP_STEP, 0)].page == HOME:
        st.session_state[WORKSHOP_STEP] = first
        st.session_state.update(STEPS[first].settings)
    st.switch_page(str(ROOT / STEPS[first].page))


# --- the figures, built once per server -----------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=4)
def cliff_chart(stamp: float):
    """(figure, caption, details) of the shipped cliff; ``stamp`` renews it when the grid is regenerated."""
    cliff = tour.accuracy_cliff()
    return None if cliff is None else (figs.cliff_figure(cliff), figs.cliff_caption(cliff), figs.cliff_details(cliff))


@st.cache_resource(show_spinner=False, max_entries=4)
def gradient_chart(stamp: tuple):
    """(figure, caption, details) of the ready-made models' gradients; ``stamp``: the model files' times."""
    found = tour.gradients_through_time()
    return None if found is None else (figs.gradient_figure(found), figs.GRADIENT_CAPTION,
                                       figs.gradient_details(found))


@st.cache_resource(show_spinner=False, max_entries=4)
def samples_chart(stamp: tuple):
    """(figure, caption, details, snippets) of the stored samples along training, if the checkpoint has them."""
    found = tour.samples_along_training()
    return None if found is None else (figs.samples_figure(found), figs.SAMPLES_CAPTION, figs.SAMPLES_DETAILS,
                                       found.snippets())


def figure(found: tuple, key: str) -> None:
    """A chart, its "how to read it" caption, and what exactly it measures behind the caption's (?)."""
    fig, caption, details = found[:3]
    st.plotly_chart(fig, key=key, config={"displayModeBar": False})
    st.caption(caption, help=details)


st.title("RNN Lab")
st.markdown(
    "**See recurrent neural networks work.** Train small RNNs, LSTMs and GRUs live on a CPU, in seconds, on "
    "text you choose, and look inside them while they learn. Three things you will see, measured from what "
    "ships with the app:")

first_page = next(s.page for s in STEPS if s.page != HOME)
if st.button(f"Start: {TOUR.get(first_page, (Path(first_page).stem.replace('_', ' '),))[0]}", type="primary", icon=":material/arrow_forward:",
             key="home.btn_start", help="The pages in the workshop's order, starting with one RNN step in numbers."):
    start()

st.caption("Teaching a room? Switch on **Workshop mode** at the bottom of the sidebar (or share a link ending in "
           "`?workshop=1`): every page then shows the step the room is on, what to press and what everyone should "
           "see, with the same seeds on every laptop.", help="Ten steps, about an hour; the sidebar's Next and Back "
           "move through them, and each step opens its page with its settings.")

cliff_col, gradient_col, samples_col = st.columns(3, gap="medium")
with cliff_col:
    st.markdown("**Who remembers longer?**")
    found = cliff_chart(tour.cliff_stamp())
    if found is None:
        st.caption("The precomputed comparison is missing (sh rnn_core/results/regenerate.sh makes it).")
    else:
        figure(found, key="home.cliff")
with gradient_col:
    st.markdown("**The gradient fades going back**")
    gradient_slot = st.container()
with samples_col:
    st.markdown("**Samples turn from noise into words**")
    samples_slot = st.container()

st.subheader("What each page teaches")
order = [p for p in tour_order() if (ROOT / p).exists()]
for row in range(0, len(order), 3):   # row by row, so that the cards read 1, 2, 3 in the page's order too
    for column, (number, path) in zip(st.columns(3, gap="medium"), enumerate(order[row:row + 3], start=row + 1)):
        title, text = TOUR[path]
        with column.container(border=True, height="stretch"):
            st.page_link(str(ROOT / path), label=f"**{number}. {title}**", icon=":material/arrow_forward:")
            st.write(text)

# Last, so that everything above shows first if these have to be measured (torch, once per server).
with gradient_slot:
    try:
        with st.spinner("Measuring the ready-made models' gradients…"):   # only if tour.json is out of date
            found = gradient_chart(tour.models_stamp())
    except RNNLabError as exc:
        kit.show_error(exc)
        found = None
    if found is None:
        st.caption("The ready-made character models are missing (bash rnn_core/pretrained/build.sh makes them).")
    else:
        figure(found, key="home.gradients")
with samples_slot:
    try:
        found = samples_chart(tour.models_stamp())
    except RNNLabError as exc:
        kit.show_error(exc)
        found = None
    if found is None:
        st.caption("This ready-made model's file stores no samples from along its training yet; the "
                   "*Train a language model* page shows them live as you train.")
    else:
        figure(found, key="home.samples")
        st.markdown("\n".join(f"- step {step:,}: `{text}`" for step, text in found[3]))
