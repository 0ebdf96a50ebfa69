"""Home: what RNN Lab is, and what each page teaches."""

from pathlib import Path

import streamlit as st

import pages.shared  # noqa: F401  (routes every run through app.py)

ROOT = Path(__file__).resolve().parent.parent

st.title("RNN Lab")
st.markdown(
    "**See recurrent neural networks work.** Train small RNNs, LSTMs and GRUs live on your own computer, on "
    "text you choose, and look inside them while they learn. Everything runs on a CPU in seconds and works "
    "offline.")

st.subheader("What each page teaches")
TOUR = [
    ("Train a language model", "pages/language_model.py",
     "Pick a text (built in, pasted, uploaded, or a famous book), press Train, and watch the loss fall and the "
     "samples turn from noise into words. Train an RNN, an LSTM and a GRU on the same text and compare them."),
    ("Generate text", "pages/generate.py",
     "Sample from a trained model and see the probabilities behind every character it picks; turn the "
     "temperature up and down."),
    ("Compare RNN, LSTM and GRU", "pages/compare.py",
     "The classic experiment: tasks that need a long memory, where the vanilla RNN falls to chance and the "
     "gated cells hold on."),
    ("Vanishing gradients", "pages/gradients.py",
     "Measure how the gradient shrinks (or explodes) as it flows back through time, next to the theory, and "
     "see why gates help."),
    ("Sentiment", "pages/sentiment.py",
     "A many-to-one RNN reads real reviews; type your own sentence and watch its opinion change word by word."),
    ("How an RNN works", "pages/how_it_works.py",
     "One time step at a time, with the real numbers: inputs, weights, hidden state, softmax, and the "
     "error flowing backwards."),
]
for title, path, text in TOUR:
    with st.container(border=True):
        if (ROOT / path).exists():
            st.page_link(str(ROOT / path), label=title)
        else:
            st.markdown(f"**{title}** (coming soon)")
        st.write(text)

st.caption("Start with *Train a language model* and the **Quick** preset: about 20 seconds on a laptop CPU.")
