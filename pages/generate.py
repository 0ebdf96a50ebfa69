"""Generate text: sample from a trained model and see the probabilities behind every choice."""

from __future__ import annotations

import time
from functools import partial

import pandas as pd
import streamlit as st

from pages import generate_inside as inside
from pages.generate_book import KEY as BOOK_MODEL, book_view
from pages import kit
from rnn_core.data.text import SPECIALS
from rnn_core.errors import RNNLabError
from rnn_core.language_model import generation_figures as figs
from rnn_core.language_model.checkpoint import load_checkpoint
from rnn_core.language_model.generation import (MAX_LENGTH, TEMPERATURES, Stepper, display_token, distinct_ngram_share,
                                                distributions_at_temperatures, next_token_distribution, page_defaults,
                                                sample_at_temperatures, sampling_pipeline, special_share, top_tokens)
from rnn_core.language_model.generation_figures import md, percent, shown_value, visible
from rnn_core.language_model.book import CHAIN_SENTENCE as book_chain_sentence
from rnn_core.language_model.interpret import EXAMPLE_TEXT, timeline_of_ids
from rnn_core.language_model.pretrained import READY_MADE, available, load_ready_made, model_facts, provenance
from rnn_core.links.settings import Param, Schema
from rnn_core.runs.registry import TrainedModel

BOOK_VIEW = "Napoleon (War and Peace)"
VIEWS = ("Generate", "Step by step", "Three temperatures", "Next word", BOOK_VIEW, "Surprise", "Connectivity",
         "Units and gates")
D = page_defaults("char")
SETTINGS = Schema((
    Param("generate.view", "view", "Generate", choices=VIEWS, label="What to look at", widget="radio"),
    Param("generate.prompt", "prompt", D.prompt, label="Prompt (empty: the model starts from its start state)",
          widget="text_area"),
    Param("generate.length", "length", D.length, low=1, high=2000, label="Length"),
    Param("generate.temperature", "temperature", D.temperature, low=0.0, high=3.0,
          label="Temperature (0 = always the likeliest token)", widget="slider"),
    Param("generate.top_p", "top_p", D.top_p, low=0.05, high=1.0, label="Top-p (1 = off)", widget="slider",
          help="Draw only among the likeliest tokens that together hold this much probability."),
    Param("generate.top_k", "top_k", D.top_k, low=0, high=100_000, label="Top-k (0 = off)", widget="number",
          help="Draw only among the k likeliest tokens."),
    Param("generate.seed", "seed", D.seed, low=0, high=1_000_000, label="Seed", help="The same seed gives the same text."),
))

st.title("Generate text")
st.write("Pick a model, type the start of a text, and let the model continue it one token at a time. Every "
         "token is drawn from the model's probabilities: the views below show them, and how the settings bend them.")
kit.settings(SETTINGS, "generate")


# --- the model -----------------------------------------------------------------------------------------

def add_upload() -> None:
    """Read an uploaded checkpoint into the session's models (once per file)."""
    upload = st.session_state.get("generate.upload")
    if upload is None or st.session_state.get("generate.uploaded_id") == upload.file_id:
        return
    st.session_state["generate.uploaded_id"] = upload.file_id
    try:
        model, tokenizer, info = load_checkpoint(upload.getvalue())
    except RNNLabError as exc:
        st.session_state["generate.upload_error"] = f"{upload.name}: {exc}"
        return
    st.session_state.pop("generate.upload_error", None)
    name = kit.registry().add(TrainedModel(f"{upload.name} (uploaded)", "language-model", model, tokenizer,
                                       info["settings"], info["metrics"], [], source=info["source"] or upload.name))
    st.session_state["generate.model"] = f"session:{name}"


def model_options() -> dict:
    """Key -> label of every model the learner can pick: this session's first, then the ready-made ones."""
    options = {f"session:{e.name}": f"🧪 {e.name}" for e in kit.registry().entries("language-model")}
    options.update({f"ready:{r.key}": f"📦 {r.title}" for r in available()})
    return options


def resolve(key: str):
    """``(model, tokenizer, facts)`` for a picker key."""
    if key.startswith("ready:"):
        model, tokenizer, _ = load_ready_made(key[len("ready:"):])
        return model, tokenizer, provenance(key[len("ready:"):])
    entry = kit.registry().get(key[len("session:"):])
    if entry is None:
        raise RNNLabError("That model is no longer in this session; pick another one.")
    return entry.model, entry.tokenizer, model_facts(entry.name, entry.model, entry.tokenizer, entry.settings,
                                                     entry.metrics, entry.source)


add_upload()
options = model_options()
if not options:
    st.info("No model yet: train one on **Train a language model**, or load a checkpoint file.", icon="💡")
    st.page_link("pages/language_model.py", label="Train a language model", icon="📚")
    st.stop()
if st.session_state.get("generate.view") == BOOK_VIEW and "generate.model" not in st.session_state \
        and BOOK_MODEL in options:       # a link to the War and Peace lesson opens on its model
    st.session_state["generate.model"] = BOOK_MODEL
if st.session_state.get("generate.model") not in options:
    st.session_state["generate.model"] = next(iter(options))
m1, m2, m3 = st.columns([5, 1.2, 1.2], vertical_alignment="bottom")
choice = m1.selectbox("Model (yours first, then the ready-made ones)", list(options), key="generate.model",
                      format_func=options.get)
with m3.popover("Load .pt", use_container_width=True, help="Load a checkpoint file"):
    st.file_uploader("Checkpoint (.pt from the lab's Download button or `train-lm --save`)", type=["pt"],
                     key="generate.upload", on_change=add_upload)
if st.session_state.get("generate.upload_error"):
    st.error(st.session_state["generate.upload_error"], icon="⚠️")

try:
    model, tokenizer, facts = resolve(choice)
except RNNLabError as exc:
    kit.show_error(exc)
    st.stop()
level = tokenizer.level
with m2.popover("About it", use_container_width=True, help="Where this model comes from"):
    if choice.startswith("ready:"):
        st.write(READY_MADE[choice[len("ready:"):]].note)
    shown = {**facts, "vocabulary": f"{len(tokenizer):,} ({len(tokenizer) - len(SPECIALS):,} {level}s + "
                                   f"{', '.join(SPECIALS)})"}
    st.dataframe(pd.DataFrame([{"fact": k, "value": shown_value(v)} for k, v in shown.items()]), hide_index=True)
st.caption(figs.model_caption(facts, tokenizer.tokens, SPECIALS, bool(kit.registry().entries("language-model"))))

view = kit.widget(SETTINGS, "generate.view")


# --- the sampling settings -----------------------------------------------------------------------------

# a model of the other level keeps the learner's own prompt and length, but not the other level's defaults (nor
# another ready-made model's opening prompt)
other, ours = page_defaults("word" if level == "char" else "char"), page_defaults(level)
opening = READY_MADE[choice[len("ready:"):]].prompt if choice.startswith("ready:") else None
for key, name in (("generate.prompt", "prompt"), ("generate.length", "length")):
    defaults = {getattr(other, name), getattr(ours, name)} | (
        {r.prompt for r in READY_MADE.values() if r.prompt} if name == "prompt" else set())
    wanted = opening if name == "prompt" and opening else getattr(ours, name)
    if st.session_state.get(key) in defaults and st.session_state.get(key) != wanted:
        kit.set_settings({key: wanted})
st.session_state.setdefault("generate.book_sentence", book_chain_sentence)
st.session_state.setdefault("generate.analyse", EXAMPLE_TEXT)
st.session_state["generate.top_k"] = min(int(st.session_state["generate.top_k"]), len(tokenizer))
analysing = view in ("Surprise", "Connectivity", "Units and gates")
if not analysing:      # the sampling widgets; on the analysis views the kit keeps their values meanwhile
    c1, c2 = st.columns([3, 2])
    with c1:
        kit.widget(SETTINGS, "generate.prompt", height=68)
        l1, l2 = st.columns([1, 2], vertical_alignment="bottom")
        kit.widget(SETTINGS, "generate.length", l1, label=f"Length ({level}s)")
        action = l2.container()     # the view's main button(s), kept above the fold
    with c2:
        kit.widget(SETTINGS, "generate.temperature", step=0.05)
        kit.widget(SETTINGS, "generate.top_p", step=0.05)
        k1, k2 = st.columns(2)
        kit.widget(SETTINGS, "generate.top_k", k1)
        kit.widget(SETTINGS, "generate.seed", k2)
    notice = (f"Never drawn: <pad> and <eos> (no model here is trained to predict them: its text is one unbroken "
              f"stream) and <unk> (“some {level} outside the vocabulary”, not a {level} to print); the other "
              "tokens share their probability, before temperature, top-k and top-p.")
else:
    action, notice = st.container(), ""
prompt, length, temperature, top_p, top_k, seed = (st.session_state[f"generate.{k}"] for k in (
    "prompt", "length", "temperature", "top_p", "top_k", "seed"))
settings = dict(temperature=float(temperature), top_k=int(top_k) or None,
                top_p=None if top_p >= 1 else float(top_p), seed=int(seed))


def show_generated(stepper: Stepper, highlight_last: bool = False) -> None:
    """The prompt then the generated tokens, each coloured by the probability it was drawn with."""
    shown = (list(stepper.prompt) if level == "char" else [stepper.prompt]) if stepper.prompt else []
    pieces = [stepper.piece(i) for i in range(len(stepper.history))]
    st.html(figs.generated_html(shown, stepper.history, pieces, highlight_last=highlight_last))
    st.caption(figs.GENERATED_CAPTION)


# --- views ---------------------------------------------------------------------------------------------

def generate_view() -> None:
    clicked = action.button("Generate", type="primary", key="generate.btn_generate")
    box = st.empty()   # the text streams into this slot, and stays there afterwards
    if clicked:
        try:
            stepper = Stepper.start(model, tokenizer, prompt, **settings)
        except RNNLabError as exc:
            kit.show_error(exc)
            return
        shown, last = [stepper.prompt], 0.0
        started = time.perf_counter()
        for _ in range(int(length)):
            stepper.step(top=5)
            shown.append(stepper.piece(len(stepper.ids) - 1))
            if time.perf_counter() - last > 0.05:
                box.code("".join(shown), language=None, wrap_lines=True)
                last = time.perf_counter()
        st.session_state["generate.result"] = {"model": choice, "stepper": stepper,
                                               "seconds": time.perf_counter() - started}
    result = st.session_state.get("generate.result")
    if not result or result["model"] != choice:
        box.caption("Press **Generate**: the text appears as it is drawn.")
        st.caption(notice)
        return
    stepper = result["stepper"]
    with box.container():
        show_generated(stepper)
    inside.warn_unknown(stepper.unknown)
    st.caption(figs.drawn_caption(len(stepper.ids), level, result["seconds"], stepper.temperature,
                                  [s.probability for s in stepper.history]))
    with st.expander("The text as plain text (to copy)"):
        st.code(stepper.full_text, language=None, wrap_lines=True)
    stepper.temperature, stepper.top_k, stepper.top_p = settings["temperature"], settings["top_k"], settings["top_p"]
    st.markdown(f"**What would come next** after the last {level}, with the settings above:")
    kit.chart(figs.next_token_bars(top_tokens(stepper.probs(), tokenizer, 10)), figs.NEXT_TOKEN_CAPTION,
          key="generate.next_chart")
    st.caption(notice)


def state_chart(stepper: Stepper) -> None:
    """The hidden state (or a gate) of every unit along the tokens read so far, newest on the right."""
    ids = (tokenizer.encode(stepper.prompt) if stepper.prompt else []) or [tokenizer.id_of("\n")
                                                                          if "\n" in tokenizer.tokens else 0]
    ids = ids + list(stepper.ids)
    recent = ids[-2000:]
    tl = inside.cached(model, ("state", id(model), tuple(recent)), lambda: timeline_of_ids(model, tokenizer, recent))
    if st.session_state.get("generate.state_quantity") not in tl.quantities:
        st.session_state["generate.state_quantity"] = "hidden"
    quantity = st.selectbox("Show", tl.quantities, key="generate.state_quantity",
                            help="hidden: h_t; the others are the cell's gates (and the LSTM's cell state c_t).")
    gate = quantity in inside.GATES
    kit.chart(figs.state_heatmap(tl.tokens, tl.values[quantity], quantity, gate, newest=len(tl.tokens) - 1),
          figs.STATE_CAPTION, key="generate.state_map")


def step_view() -> None:
    b1, b2, b3 = action.columns(3)
    st.caption(notice)
    stepper = st.session_state.get("generate.stepper")
    if stepper is not None and stepper.model is not model:
        stepper = None
    try:
        if b1.button("Restart", key="generate.btn_step_start",
                     help="Read the prompt again and forget the generated tokens") or stepper is None:
            stepper = Stepper.start(model, tokenizer, prompt, **settings)
            st.session_state["generate.stepper"], st.session_state["generate.last_step"] = stepper, None
        stepper.temperature, stepper.top_k, stepper.top_p = (settings["temperature"], settings["top_k"],
                                                             settings["top_p"])
        for label, count, key in (("Next token", 1, "generate.btn_step_one"),
                                  ("+10 tokens", 10, "generate.btn_step_ten")):
            button = b2 if count == 1 else b3
            if button.button(label, key=key, type="primary" if count == 1 else "secondary"):
                for _ in range(count):
                    if len(stepper.ids) >= MAX_LENGTH:
                        raise RNNLabError(f"That is {MAX_LENGTH:,} tokens: press Restart to begin again.")
                    st.session_state["generate.last_step"] = stepper.step()
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    inside.warn_unknown(stepper.unknown)
    last = st.session_state.get("generate.last_step")
    st.markdown(f"**The prompt, then {len(stepper.ids)} generated {level}s** (the last one outlined):")
    show_generated(stepper, highlight_last=True)
    st.markdown("**How the next token will be drawn** (move the temperature, top-k and top-p, and watch each stage):")
    pipe = sampling_pipeline(stepper.logits, tokenizer, **{k: settings[k] for k in ("temperature", "top_k", "top_p")})
    kit.chart(figs.pipeline_figure(pipe), figs.PIPELINE_CAPTION, key="generate.pipeline")
    st.caption(f"{pipe['survivors']:,} of {len(tokenizer):,} tokens survive every cut; the {len(pipe['tokens'])} "
               f"shown hold {1 - pipe['others']:.0%} of the final probability. Before all this, the special tokens "
               f"are removed (the model gave them {percent(sum(pipe['specials'].values()))} together).")
    left, right = st.columns(2)
    with left:
        if last is not None:
            st.markdown(f"**The last token, {display_token(last.token)!r}, was drawn from** "
                        f"(it had {last.probability:.1%}):")
            top = last.top if any(t == last.token for t, _ in last.top) else last.top + [(last.token,
                                                                                           last.probability)]
            kit.chart(figs.next_token_bars(top, last.token), figs.DRAWN_CAPTION, key="generate.step_last")
        else:
            st.caption("Press **Next token** to draw the first token.")
    with right:
        st.markdown("**The memory, token by token** (after reading each token):")
        state_chart(stepper)


def temperatures_view() -> None:
    st.caption(notice)
    n = min(int(length), 400)
    st.write(f"The same prompt and seed at temperatures {', '.join(f'{t:g}' for t in TEMPERATURES)} ({n} {level}s "
             "each, top-k and top-p as set above). Low is safe and repetitive: the same phrases come back. High is "
             "wild: more invented " + ("words and stray symbols." if level == "char" else "word sequences."))
    try:
        samples = sample_at_temperatures(model, tokenizer, prompt, n, TEMPERATURES, settings["seed"],
                                         settings["top_k"], settings["top_p"])
        stepper = Stepper.start(model, tokenizer, prompt)
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    inside.warn_unknown(samples[0][1].unknown)
    for col, (t, s) in zip(st.columns(len(samples)), samples):
        col.markdown(f"**Temperature {t:g}**")
        col.code(prompt + s.text, language=None, wrap_lines=True)     # a word's piece brings its own space
        share = distinct_ngram_share(list(s.text) if level == "char" else s.ids, 4)
        col.caption(f"distinct 4-{level} sequences: **{share:.0%}** (low: it repeats itself) · the sampler's "
                    f"uncertainty: **{s.mean_entropy:.2f} bits** per draw")
    after = f"after the prompt “{visible(prompt)}”" if prompt else "from the start state (empty prompt)"
    st.markdown(f"**The next {level} {md(after)}, at each temperature:**")
    kit.chart(figs.temperature_bars(distributions_at_temperatures(stepper.logits, tokenizer, TEMPERATURES),
                                TEMPERATURES), figs.TEMPERATURE_CAPTION, key="generate.temp_chart")


def next_word_view() -> None:
    st.caption(notice)
    if level == "char":
        st.info("This is a character-level model, so it predicts the next character. Pick a **Words** model "
                "(for example the ready-made 📦 Words · LSTM) to see the next word.", icon="ℹ️")
    try:
        top = next_token_distribution(model, tokenizer, prompt, 10, settings["temperature"], settings["top_k"],
                                      settings["top_p"])
        share = special_share(Stepper.start(model, tokenizer, prompt).logits, tokenizer)
        unknown = tokenizer.unknown_tokens(prompt) if prompt else []
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    inside.warn_unknown(unknown)
    t = settings["temperature"]
    cuts = [f"temperature {t:g}"] + ([f"top-k {settings['top_k']}"] if settings["top_k"] else []) + (
        [f"top-p {settings['top_p']:g}"] if settings["top_p"] else [])
    st.markdown(f"**The ten likeliest next {level}s after** “{md(visible(prompt.strip())) or '(start)'}”, as the sampler "
                f"sees them ({', '.join(cuts)}):")
    left, right = st.columns([3, 2])
    with left:
        kit.chart(figs.next_token_bars(top), figs.NEXT_TOKEN_CAPTION, key="generate.word_chart")
    right.dataframe(pd.DataFrame({level: [display_token(t) for t, _ in top],
                                  "probability": [f"{p:.2%}" for _, p in top]}), hide_index=True)
    right.caption(f"Left out: <unk> (“some {level} outside the vocabulary”), to which the model itself gave "
                  f"{percent(share.get('<unk>', 0))}, and <pad> and <eos> "
                  f"({percent(share.get('<pad>', 0) + share.get('<eos>', 0))}): they are never drawn, so the others "
                  "share their probability.")


picked = inside.Picked(choice, model, tokenizer, facts)
{"Generate": generate_view, "Step by step": step_view, "Three temperatures": temperatures_view,
 "Next word": next_word_view, BOOK_VIEW: partial(book_view, picked, prompt), "Surprise": partial(inside.surprise_view, picked),
 "Connectivity": partial(inside.connectivity_view, picked), "Units and gates": partial(inside.units_view, picked)}[view]()
