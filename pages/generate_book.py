"""Generate text's "Napoleon was the Emperor of…" view: the classic word-level example, on a ready-made LSTM
trained on War and Peace. What the book says against what the model says, an unknown name, a sentence's
probability word by word. Not a page: generate.py calls :func:`book_view`."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from pages import kit
from pages.generate_inside import Picked, cached
from rnn_core.errors import RNNLabError
from rnn_core.language_model import book
from rnn_core.language_model import book_figures as figs
from rnn_core.language_model.generation import next_token_distribution, top_tokens
from rnn_core.language_model.generation_figures import md, next_token_bars, visible
from rnn_core.language_model.pretrained import READY_MADE

KEY = f"ready:{book.READY_KEY}"


def open_the_book_model() -> None:
    st.session_state["generate.model"] = KEY
    kit.set_settings({"generate.prompt": book.PROMPT})


def book_view(p: Picked, prompt: str) -> None:
    st.markdown("**“Napoleon was the Emperor of …”**: the first example of many introductions. A word-level "
                "language model reads one word at a time (a one-hot vector; its embedding is that vector times a "
                "matrix, i.e. one row of it) and gives a probability to every word of its vocabulary for the next "
                "one (a softmax), trained with cross-entropy to put high probability on the word that came next.")
    if p.key != KEY:
        if not READY_MADE[book.READY_KEY].path.is_file():
            st.info("The ready-made War and Peace model is missing from this installation: "
                    "`bash rnn_core/language_model/pretrained/build.sh` rebuilds it.", icon="💡")
            return
        st.info("This view reads the ready-made LSTM trained on *War and Peace*.", icon="📖")
        st.button("Open the War and Peace model", type="primary", key="generate.btn_book",
                  on_click=open_the_book_model)
        return
    facts = book.shipped_facts()
    model, tokenizer = p.model, p.tokenizer
    try:
        top = next_token_distribution(model, tokenizer, prompt or book.PROMPT, 10)
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    unknown = tokenizer.unknown_tokens(prompt) if prompt else []
    if unknown:
        st.warning(f"Not in the model's 3,000 words, so read as <unk>: {', '.join(map(repr, unknown))}", icon="🔤")
    left, right = st.columns([3, 2])
    with left:
        st.markdown(f"**The ten likeliest next words after** “{md(visible(prompt.strip() or book.PROMPT))}” "
                    "(special tokens removed, temperature 1):")
        kit.chart(next_token_bars(top), figs.NEXT_CAPTION, key="generate.book_next")
    with right:
        st.caption("Change the prompt above (or put it back to “Napoleon was the Emperor of”), then **Generate** "
                   "in *What to look at* samples a whole passage from here.")
        st.dataframe(pd.DataFrame({"word": [t for t, _ in top], "probability": [f"{q:.2%}" for _, q in top]}),
                     hide_index=True, height=250)

    st.markdown("#### What the book says")
    if facts is None:
        st.info("The book's counts ship beside the model (war-and-peace-words.json); they are missing here.")
    else:
        probs = cached(model, ("book", id(model)), lambda: book.next_probs(model, tokenizer, book.PROMPT))
        rows, ranked = book.book_and_model(probs, tokenizer, facts), top_tokens(probs, tokenizer, len(tokenizer))
        st.write(book.book_sentence(facts))
        st.write(book.model_sentence(rows, facts, ranked[:10]))
        kit.chart(figs.book_model_figure(rows, facts, ranked[:10], dict(ranked)), figs.BOOK_CAPTION,
                  key="generate.book_counts")

    st.markdown("#### A name it never saw")
    names = cached(model, ("names", id(model)), lambda: book.unknown_names(model, tokenizer))
    rows, gap = names
    st.write(book.unknown_sentence(rows, gap, len(tokenizer)))
    st.dataframe(pd.DataFrame([{"name": r.name, "read as": r.read_as,
                                "likeliest next words after “… was the Emperor of”":
                                    " · ".join(f"{w} {q:.1%}" for w, q in r.top)} for r in rows]), hide_index=True)
    st.caption("Try any name: type it in place of Napoleon in the prompt above; a name outside the vocabulary is "
               "flagged as read as <unk>.")

    st.markdown("#### A sentence's probability, word by word")
    st.caption("The model reads from the start of a paragraph; no end of sentence is scored, so this is the "
               "probability that a paragraph starts with these words.")
    sentence = st.text_input("Sentence to score", key="generate.book_sentence")
    try:
        steps = cached(model, ("chain", id(model), sentence), lambda: book.chain_rule(model, tokenizer, sentence))
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    st.write(book.chain_sentence(steps))
    kit.chart(figs.chain_figure(steps), figs.CHAIN_CAPTION, key="generate.book_chain")
