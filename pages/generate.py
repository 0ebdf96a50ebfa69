"""Generate text: sample from a trained model and see the probabilities behind every choice."""

from __future__ import annotations

import math
import time

import pandas as pd
import streamlit as st

from pages import kit
from rnn_core.data.text import SPECIALS, word_spaces
from rnn_core.errors import RNNLabError
from rnn_core.language_model import generation_figures as figs
from rnn_core.language_model.checkpoint import load_checkpoint
from rnn_core.language_model.generation import (MAX_LENGTH, TEMPERATURES, Stepper, display_token, distinct_ngram_share,
                                                distributions_at_temperatures, next_token_distribution, page_defaults,
                                                sample_at_temperatures, sampling_pipeline, special_share, top_tokens)
from rnn_core.language_model.generation_figures import md, percent, reach_sentence, shown_value, visible
from rnn_core.language_model.interpret import (EXAMPLE_TEXT, best_unit, connectivity, correlated_units,
                                               default_feature, surprise, text_features, timeline, timeline_of_ids)
from rnn_core.language_model.pretrained import (CHAR_TRIO, READY_MADE, available, load_ready_made, model_facts,
                                               provenance, ready_made_reach)
from rnn_core.links.settings import Param, Schema
from rnn_core.runs.registry import TrainedModel

VIEWS = ("Generate", "Step by step", "Three temperatures", "Next word", "Surprise", "Connectivity",
         "Units and gates")
GATES = ("input", "forget", "output", "reset", "update")
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
per = "char" if level == "char" else "word"
with m2.popover("About it", use_container_width=True, help="Where this model comes from"):
    if choice.startswith("ready:"):
        st.write(READY_MADE[choice[len("ready:"):]].note)
    shown = {**facts, "vocabulary": f"{len(tokenizer):,} ({len(tokenizer) - len(SPECIALS):,} {level}s + "
                                   f"{', '.join(SPECIALS)})"}
    st.dataframe(pd.DataFrame([{"fact": k, "value": shown_value(v)} for k, v in shown.items()]), hide_index=True)
loss = facts.get("validation loss")
st.caption(figs.model_caption(facts, tokenizer.tokens, SPECIALS, bool(kit.registry().entries("language-model"))))

view = kit.widget(SETTINGS, "generate.view")


# --- the sampling settings -----------------------------------------------------------------------------

# a model of the other level keeps the learner's own prompt and length, but not the other level's defaults
other, ours = page_defaults("word" if level == "char" else "char"), page_defaults(level)
for key, name in (("generate.prompt", "prompt"), ("generate.length", "length")):
    if st.session_state.get(key) == getattr(other, name):
        kit.set_settings({key: getattr(ours, name)})
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


def spacing(tokens: list[str]) -> str | list[str]:
    """What goes between tokens shown one by one: a word model's text keeps its spacing (caller’s, print())."""
    return word_spaces(tokens) if level == "word" else ""


def warn_unknown(unknown: list[str]) -> None:
    if unknown:
        shown = ", ".join(repr(t) for t in unknown[:20]) + (" ..." if len(unknown) > 20 else "")
        st.warning(f"Not in this model's vocabulary, so read as <unk> (it never saw them in training): {shown}",
                   icon="🔤")


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
    warn_unknown(stepper.unknown)
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
    tl = cached(("state", id(model), tuple(ids[-2000:])), lambda: timeline_of_ids(model, tokenizer, ids[-2000:]))
    if st.session_state.get("generate.state_quantity") not in tl.quantities:
        st.session_state["generate.state_quantity"] = "hidden"
    quantity = st.selectbox("Show", tl.quantities, key="generate.state_quantity",
                            help="hidden: h_t; the others are the cell's gates (and the LSTM's cell state c_t).")
    gate = quantity in GATES
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
    warn_unknown(stepper.unknown)
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
    warn_unknown(samples[0][1].unknown)
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
    warn_unknown(unknown)
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


def analysed_text() -> str:
    return st.text_area("Text to look at (paste any text)", key="generate.analyse", height=130)


def cached(kind, compute):
    """Keep the last results of an analysis for this model and text (sliders rerun the page often)."""
    key = kind if isinstance(kind, tuple) else (kind, id(model), st.session_state.get("generate.analyse"))
    store = st.session_state.setdefault("generate.cache", {})
    if key not in store:
        if len(store) > 8:
            store.clear()
        store[key] = compute()
    return store[key]


def surprise_view() -> None:
    text = analysed_text()
    try:
        s = cached("surprise", lambda: surprise(model, tokenizer, text))
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    warn_unknown(s.unknown)
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Bits per {per} on this text", f"{s.bits_per_token:.2f}",
              help=f"Mean of −log2 p over the {len(s.tokens) - s.unscored:,} scored {level}s: lower is better.")
    if isinstance(loss, (int, float)):
        c2.metric("On its validation text", f"{loss / math.log(2):.2f}",
                  help="The same measure on the last 10% of its training text, which it never trained on.")
    worst = s.biggest()
    if worst is not None:
        before, token, after = (visible(part) for part in s.context(worst, 4 if level == "word" else 12, level))
        c3.metric("Biggest surprise", f"{s.bits[worst]:.1f} bits",
                  help=f"{level} {worst + 1} of the text, probability {s.probs[worst]:.3%}")
        c3.markdown(f"{level} {worst + 1}, **{md(token)}** in “…{md(before)}**{md(token)}**{md(after)}…” "
                    "(outlined below)")
    if s.unscored:
        st.caption(f"{s.unscored} {level}s are outside the vocabulary (grey): read as <unk> and not scored, "
                   "because predicting “some rare word” is far cheaper than predicting the word itself.")
    full = figs.surprise_full_red(level)
    st.html(figs.surprise_html(s.tokens, s.probs, s.bits, separator=spacing(s.tokens), scored=s.scored,
                               full=full, highlight=worst))
    st.caption(figs.SURPRISE_CAPTION.format(full=full, pfull=f"1/{2 ** int(full):,}", per=per))


def connectivity_view() -> None:
    text = analysed_text()
    try:
        conn = cached("connectivity", lambda: connectivity(model, tokenizer, text))
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    n = len(conn.tokens)
    st.session_state["generate.position"] = min(int(st.session_state.get("generate.position", 60)), n - 1)
    position = st.slider("Prediction after token number", 0, n - 1, key="generate.position")
    st.markdown(f"After reading up to **{display_token(conn.tokens[position])!r}** (outlined next: what came "
                f"after, **{display_token(conn.targets[position])!r}**), the prediction leans on:")
    st.html(figs.connectivity_html(conn.tokens, conn.row(position), position, conn.targets[position],
                                   spacing(conn.tokens[:position + 1] + [conn.targets[position]])))
    kit.chart(figs.connectivity_bars(conn.tokens, conn.row(position), position), figs.CONNECTIVITY_CAPTION,
          key="generate.conn_bars")
    with st.expander("Every prediction against every input (heatmap)"):
        kit.chart(figs.connectivity_heatmap(conn.tokens, conn.matrix), figs.HEATMAP_CAPTION, key="generate.conn_map")
    name = str(facts.get("cell") or "this model").upper()
    reach = conn.reach()
    st.metric("How far back it looks", f"{'≥ ' if conn.reach_capped() else ''}{reach} {level}s",
              help="The distance at which the typical influence of an input, relative to the strongest one, "
                   "first falls below a thousandth: where its line crosses the dashed line below.")
    far = len(conn.by_distance()) - 1
    st.caption(f"Measured on the {n:,} predictions of this {n:,}-{level} text. Each point of the line below is the "
               f"typical value over at least {conn.predictions_needed():,} of them, so the line stops {far:,} {level}s "
               "back (only the last few predictions reach further, too few to say). A longer text measures further.")
    curves, reaches = {name: conn.by_distance()}, {name: reach}
    st.markdown("**RNN, LSTM and GRU trained on the same text** (the ready-made character models): which keeps an "
                "input's influence alive longest?")
    if level != "char" or sum(READY_MADE[k].path.is_file() for k in CHAR_TRIO) < 2:
        st.caption("Needs a character-level text and the ready-made character models.")
    elif st.button("Compare how far back they look", key="generate.btn_compare"):
        try:
            st.session_state["generate.trio"] = (text, ready_made_reach(text))
        except RNNLabError as exc:
            kit.show_error(exc)
            return
    trio = st.session_state.get("generate.trio")
    if level == "char" and trio and trio[0] == text:
        got_reach = {cell: (value, capped) for cell, (_, value, capped) in trio[1].items()}
        curves, reaches = {cell: c for cell, (c, _, _) in trio[1].items()}, {k: v for k, (v, _) in got_reach.items()}
        for col, (cell, (value, capped)) in zip(st.columns(len(got_reach)), got_reach.items()):
            col.metric(f"{cell} looks back", f"{'≥ ' if capped else ''}{value} chars")
        st.caption(reach_sentence(got_reach))
    kit.chart(figs.reach_curves(curves, reaches), figs.REACH_CAPTION, key="generate.reach")


def units_view() -> None:
    text = analysed_text()
    try:
        tl = cached("timeline", lambda: timeline(model, tokenizer, text))
        hits = cached("units", lambda: correlated_units(tl, top=3))
    except RNNLabError as exc:
        kit.show_error(exc)
        return
    hidden = model.config.hidden_size
    features = list(text_features(tl.tokens).columns)

    def show_best() -> None:
        """Show the unit that follows the chosen feature best."""
        row = best_unit(hits, st.session_state["generate.feature"])
        if row is not None:
            st.session_state["generate.quantity"], st.session_state["generate.unit"] = row["quantity"], int(row["unit"])

    opened = (choice, text)
    if st.session_state.get("generate.units_for") != opened:
        # a new model or text: open on the memory feature some unit follows best, and that unit
        st.session_state["generate.units_for"] = opened
        st.session_state["generate.feature"] = default_feature(hits) or features[0]
        show_best()
    st.session_state["generate.unit"] = min(int(st.session_state.get("generate.unit", 0)), hidden - 1)
    if st.session_state.get("generate.quantity") not in tl.quantities:
        st.session_state["generate.quantity"] = "hidden"
    if st.session_state.get("generate.feature") not in features:
        st.session_state["generate.feature"] = features[0]

    def pick_hit() -> None:
        row = hits.iloc[st.session_state["generate.hit"]]
        st.session_state["generate.quantity"], st.session_state["generate.unit"] = row["quantity"], int(row["unit"])
        st.session_state["generate.feature"] = row["feature"]

    c1, c2, c3 = st.columns(3)
    feature = c1.selectbox("Feature of the text", features, key="generate.feature", on_change=show_best,
                           help="Choosing a feature shows the unit that follows it best.")
    quantity = c2.selectbox("Show", tl.quantities, key="generate.quantity",
                            help="hidden: h_t; the others are the cell's gates (and the LSTM's cell state c_t).")
    unit = c3.number_input(f"Unit (0 to {hidden - 1})", 0, hidden - 1, key="generate.unit")
    values = tl.values[quantity][:, int(unit)]
    f = text_features(tl.tokens)[feature].to_numpy()
    r = pd.Series(values).corr(pd.Series(f)) if f.std() > 0 and values.std() > 0 else float("nan")
    best = best_unit(hits, feature)
    st.caption(f"{quantity} unit {unit} against “{feature}”: r = **{r:+.2f}** along this text"
               + (f" (the best unit for it: {best['quantity']} unit {int(best['unit'])}, r = "
                  f"{best['correlation']:+.2f})." if best is not None else " (this feature does not vary here)."))
    if best is not None and abs(best["correlation"]) < 0.5:
        st.caption(f"No unit follows “{feature}” closely here (every |r| < 0.5): this model keeps little memory "
                   "of it on this text. Try another model (the ready-made LSTM and GRU have such units) or feature.")
    scale = float(max(abs(values).max(), 1e-6))
    gate = quantity in GATES
    colors = [figs.diverging_color(v, 1.0 if gate else scale) for v in values]
    tips = [f"{display_token(t)}: {v:.3f}" for t, v in zip(tl.tokens, values)]
    st.html(figs.colored_text_html(tl.tokens, [], colors=colors, tooltips=tips, separator=spacing(tl.tokens)))
    st.caption(figs.TIMELINE_CAPTION)
    kit.chart(figs.unit_trace(tl.tokens, values, f, feature, f"{quantity} unit {unit}"), figs.UNIT_CAPTION,
          key="generate.unit_trace")
    st.markdown("**Units that follow a feature of this text** (Pearson correlation along the text; pick one):")
    if hits.empty:
        st.caption("No feature varies along this text: paste a longer one, with quotes, brackets and lines.")
        return
    labels = [f"{r.feature}: {r.quantity} unit {r.unit} (r = {r.correlation:+.2f})" for r in hits.itertuples()]
    st.selectbox("Found units", range(len(labels)), format_func=labels.__getitem__, key="generate.hit",
                 on_change=pick_hit, index=None, placeholder="Choose a unit to show it above")
    st.dataframe(hits.assign(correlation=hits["correlation"].round(3)), hide_index=True)


{"Generate": generate_view, "Step by step": step_view, "Three temperatures": temperatures_view,
 "Next word": next_word_view, "Surprise": surprise_view, "Connectivity": connectivity_view,
 "Units and gates": units_view}[view]()
