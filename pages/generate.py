"""Generate text: sample from a trained model and see the probabilities behind every choice."""

from __future__ import annotations

import math
import time

import pandas as pd
import streamlit as st

from pages.shared import chart, registry, show_error
from rnn_core.checkpoint import load_checkpoint
from rnn_core.errors import RNNLabError
from rnn_core.figures import generation as figs
from rnn_core.generation import (MAX_LENGTH, Stepper, display_token, distributions_at_temperatures,
                                 next_token_distribution, sample_at_temperatures, top_tokens)
from rnn_core.interpret import (connectivity, correlated_units, surprise, text_features,
                                timeline)
from rnn_core.pretrained import READY_MADE, available, load_ready_made, provenance
from rnn_core.registry import TrainedModel

VIEWS = ("Generate", "Step by step", "Three temperatures", "Next word", "Surprise", "Connectivity",
         "Units and gates")
TEMPERATURES = (0.2, 0.8, 1.5)
EXAMPLE_TEXT = ('The "print()" function writes its arguments to the stream (sys.stdout by default), separated by '
                '"sep" and followed by "end".\nIf the "file" argument is given, the text goes there instead; "flush" '
                '(a boolean) forces the stream to be flushed.\nArguments are converted to strings as "str()" does.\n')
DEFAULT_PROMPT = {"char": "The ", "word": "The default value of"}
DEFAULT_LENGTH = {"char": 300, "word": 60}

st.title("✍️ Generate text")
st.write("Pick a model, type the start of a text, and let the model continue it one token at a time. Every "
         "token is drawn from the model's probabilities: the charts show them, and how the temperature bends them.")


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
    name = registry().add(TrainedModel(f"{upload.name} (uploaded)", "language-model", model, tokenizer,
                                       info["settings"], info["metrics"], [], source=info["source"] or upload.name))
    st.session_state["generate.model"] = f"session:{name}"


def model_options() -> dict:
    """Key -> label of every model the learner can pick: this session's first, then the ready-made ones."""
    options = {f"session:{e.name}": f"🧪 {e.name}" for e in registry().entries("language-model")}
    options.update({f"ready:{r.key}": f"📦 {r.title}" for r in available()})
    return options


def resolve(key: str):
    """``(model, tokenizer, facts)`` for a picker key."""
    if key.startswith("ready:"):
        model, tokenizer, _ = load_ready_made(key[len("ready:"):])
        return model, tokenizer, provenance(key[len("ready:"):])
    entry = registry().get(key[len("session:"):])
    if entry is None:
        raise RNNLabError("That model is no longer in this session; pick another one.")
    m, s = entry.metrics, entry.settings
    per = "char" if entry.tokenizer.level == "char" else "word"
    return entry.model, entry.tokenizer, {
        "name": entry.name, "text": entry.source, "level": entry.tokenizer.level, "cell": s.get("cell"),
        "hidden size": entry.model.config.hidden_size, "layers": entry.model.config.num_layers,
        "parameters": entry.model.num_parameters(), "vocabulary": len(entry.tokenizer), "steps": m.get("steps"),
        "validation loss": m.get("val_loss"), f"bits per {per}": m.get(f"bits_per_{per}")}


add_upload()
options = model_options()
if not registry().entries("language-model"):
    st.info("No model trained in this session yet. Pick one of the ready-made models (📦) below, train your own "
            "on **Train a language model**, or load a checkpoint file.", icon="💡")
    st.page_link("pages/language_model.py", label="Train a language model", icon="📚")
if not options:
    st.stop()
if st.session_state.get("generate.model") not in options:
    st.session_state["generate.model"] = next(iter(options))
choice = st.selectbox("Model", list(options), key="generate.model", format_func=options.get)
with st.expander("Load a checkpoint file (.pt from the lab's Download button or `train-lm --save`)"):
    st.file_uploader("Checkpoint", type=["pt"], key="generate.upload", on_change=add_upload)
if st.session_state.get("generate.upload_error"):
    st.error(st.session_state["generate.upload_error"], icon="⚠️")

try:
    model, tokenizer, facts = resolve(choice)
except RNNLabError as exc:
    show_error(exc)
    st.stop()
level = tokenizer.level
per = "char" if level == "char" else "word"
loss = facts.get("validation loss")
loss_text = (f"validation loss **{loss:.3f}** nats ({loss / math.log(2):.2f} bits per {per})"
             if isinstance(loss, (int, float)) else "validation loss unknown")
st.caption(f"Trained on **{facts.get('text') or 'an unknown text'}** · {level} level · "
           f"{str(facts.get('cell') or '?').upper()} {facts['hidden size']} × {facts['layers']} layer(s) · "
           f"{facts['parameters']:,} parameters · {facts['vocabulary']:,} tokens · {loss_text}")
if choice.startswith("ready:"):
    with st.expander("Where this ready-made model comes from"):
        st.write(READY_MADE[choice[len("ready:"):]].note)
        st.dataframe(pd.DataFrame([{"fact": k, "value": str(v)} for k, v in facts.items()]), hide_index=True)


# --- the sampling settings -----------------------------------------------------------------------------

# a model of the other level keeps the learner's own prompt and length, but not the other level's defaults
other = "word" if level == "char" else "char"
for key, defaults in (("generate.prompt", DEFAULT_PROMPT), ("generate.length", DEFAULT_LENGTH)):
    if st.session_state.get(key) == defaults[other]:
        st.session_state[key] = defaults[level]
for key, value in {"generate.prompt": DEFAULT_PROMPT[level], "generate.length": DEFAULT_LENGTH[level],
                   "generate.temperature": 0.8, "generate.top_k": 0, "generate.top_p": 1.0, "generate.seed": 0,
                   "generate.analyse": EXAMPLE_TEXT}.items():
    st.session_state.setdefault(key, value)
st.session_state["generate.top_k"] = min(int(st.session_state["generate.top_k"]), len(tokenizer))
c1, c2 = st.columns([3, 2])
with c1:
    prompt = st.text_area("Prompt (empty: the model starts from its start state)", key="generate.prompt", height=90)
    length = st.number_input(f"Length ({level}s to generate)", 1, 2000, key="generate.length")
with c2:
    temperature = st.slider("Temperature (0 = always the likeliest token)", 0.0, 3.0, step=0.05,
                            key="generate.temperature")
    top_p = st.slider("Top-p (1 = off)", 0.05, 1.0, step=0.05, key="generate.top_p",
                      help="Draw only among the likeliest tokens that together hold this much probability.")
    k1, k2 = st.columns(2)
    top_k = k1.number_input("Top-k (0 = off)", 0, len(tokenizer), key="generate.top_k",
                            help="Draw only among the k likeliest tokens.")
    seed = k2.number_input("Seed", 0, 1_000_000, key="generate.seed", help="The same seed gives the same text.")
settings = dict(temperature=float(temperature), top_k=int(top_k) or None,
                top_p=None if top_p >= 1 else float(top_p), seed=int(seed))


def warn_unknown(unknown: list[str]) -> None:
    if unknown:
        shown = ", ".join(repr(t) for t in unknown[:20]) + (" ..." if len(unknown) > 20 else "")
        st.warning(f"Not in this model's vocabulary, so read as <unk> (it never saw them in training): {shown}",
                   icon="🔤")


view = st.radio("View", VIEWS, key="generate.view", horizontal=True, label_visibility="collapsed")


# --- views ---------------------------------------------------------------------------------------------

def generate_view() -> None:
    clicked = st.button("Generate", type="primary", key="generate.btn_generate")
    box = st.empty()   # the text streams into this slot, and stays there afterwards
    if clicked:
        try:
            stepper = Stepper.start(model, tokenizer, prompt, **settings)
        except RNNLabError as exc:
            show_error(exc)
            return
        shown, last = [stepper.prompt], 0.0
        started = time.perf_counter()
        for piece in stepper.stream(int(length)):
            shown.append(piece)
            if time.perf_counter() - last > 0.05:
                box.code("".join(shown), language=None, wrap_lines=True)
                last = time.perf_counter()
        st.session_state["generate.result"] = {"model": choice, "stepper": stepper,
                                               "seconds": time.perf_counter() - started}
    result = st.session_state.get("generate.result")
    if not result or result["model"] != choice:
        box.caption("Press **Generate**: the text appears as it is drawn.")
        return
    stepper = result["stepper"]
    box.code(stepper.full_text, language=None, wrap_lines=True)
    warn_unknown(stepper.unknown)
    st.caption(f"{len(stepper.ids):,} {level}s in {result['seconds']:.2f} s "
               f"({len(stepper.ids) / max(result['seconds'], 1e-9):,.0f} per second, streaming to the browser "
               "included): the prompt is read once and the hidden state carried from token to token.")
    stepper.temperature, stepper.top_k, stepper.top_p = settings["temperature"], settings["top_k"], settings["top_p"]
    st.markdown(f"**What would come next** after the last {level}, with the settings above:")
    chart(figs.next_token_bars(top_tokens(stepper.probs(), tokenizer, 10)), figs.NEXT_TOKEN_CAPTION,
          key="generate.next_chart")


def step_view() -> None:
    b1, b2, b3, _ = st.columns([1, 1, 1, 3])
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
                        raise RNNLabError(f"That is {MAX_LENGTH:,} tokens: press Start to begin again.")
                    st.session_state["generate.last_step"] = stepper.step()
    except RNNLabError as exc:
        show_error(exc)
        return
    warn_unknown(stepper.unknown)
    last = st.session_state.get("generate.last_step")
    tokens = [*(tokenizer.tokens[i] for i in stepper.ids)]
    st.markdown(f"**Prompt** then **{len(tokens)} generated {level}s** (the last one outlined):")
    shown = [stepper.prompt or "∅"] + tokens
    st.html(figs.colored_text_html(shown, [0.0] + [0.25] * len(tokens), color=(31, 119, 180),
                                   highlight=len(tokens) if tokens else None,
                                   separator=" " if level == "word" else ""))
    left, right = st.columns(2)
    with left:
        if last is not None:
            st.markdown(f"**The last token, {display_token(last.token)!r}, was drawn from** "
                        f"(it had {last.probability:.1%}):")
            chart(figs.next_token_bars(last.top, last.token), figs.NEXT_TOKEN_CAPTION, key="generate.step_last")
        else:
            st.caption("Press **Next token** to draw the first token.")
    with right:
        st.markdown("**The next token will be drawn from** (move the temperature and watch):")
        chart(figs.next_token_bars(top_tokens(stepper.probs(), tokenizer, 10)), figs.NEXT_TOKEN_CAPTION,
              key="generate.step_next")


def temperatures_view() -> None:
    st.write(f"The same prompt and seed at temperatures {', '.join(f'{t:g}' for t in TEMPERATURES)}: low is safe "
             "and repetitive, high is inventive and then garbled.")
    n = min(int(length), 400)
    try:
        samples = sample_at_temperatures(model, tokenizer, prompt, n, TEMPERATURES, settings["seed"],
                                         settings["top_k"], settings["top_p"])
        stepper = Stepper.start(model, tokenizer, prompt)
    except RNNLabError as exc:
        show_error(exc)
        return
    warn_unknown(samples[0][1].unknown)
    for col, (t, s) in zip(st.columns(len(samples)), samples):
        col.markdown(f"**Temperature {t:g}**")
        col.code(prompt + ("" if level == "char" or not s.text else " ") + s.text, language=None, wrap_lines=True)
    chart(figs.temperature_bars(distributions_at_temperatures(stepper.logits, tokenizer, TEMPERATURES),
                                TEMPERATURES), figs.TEMPERATURE_CAPTION, key="generate.temp_chart")


def next_word_view() -> None:
    if level == "char":
        st.info("This is a character-level model, so it predicts the next character. Pick a **Words** model "
                "(for example the ready-made 📦 Words · LSTM) to see the next word.", icon="ℹ️")
    try:
        top = next_token_distribution(model, tokenizer, prompt, 10)
        unknown = tokenizer.unknown_tokens(prompt) if prompt else []
    except RNNLabError as exc:
        show_error(exc)
        return
    warn_unknown(unknown)
    st.markdown(f"**The ten likeliest next {level}s after** “{prompt.strip() or '(start)'}”:")
    left, right = st.columns([3, 2])
    with left:
        chart(figs.next_token_bars(top), figs.NEXT_TOKEN_CAPTION, key="generate.word_chart")
    right.dataframe(pd.DataFrame({level: [display_token(t) for t, _ in top],
                                  "probability": [f"{p:.2%}" for _, p in top]}), hide_index=True)


def analysed_text() -> str:
    return st.text_area("Text to look at (paste any sentence)", key="generate.analyse", height=110)


def cached(kind: str, compute):
    """Keep the last result of an analysis for this model and text (sliders rerun the page often)."""
    key = (kind, id(model), st.session_state.get("generate.analyse"))
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
        show_error(exc)
        return
    warn_unknown(s.unknown)
    c1, c2, c3 = st.columns(3)
    c1.metric(f"Bits per {per}", f"{s.bits_per_token:.2f}", help="Mean of -log2 p over the text: lower is better.")
    if isinstance(loss, (int, float)):
        c2.metric("On its validation text", f"{loss / math.log(2):.2f}")
    worst = max(range(len(s.bits)), key=s.bits.__getitem__)
    c3.metric("Biggest surprise", repr(display_token(s.tokens[worst])), f"{s.bits[worst]:.1f} bits", delta_color="off")
    st.html(figs.surprise_html(s.tokens, s.probs, s.bits, separator=" " if level == "word" else ""))
    st.caption(figs.SURPRISE_CAPTION)


def connectivity_view() -> None:
    text = analysed_text()
    try:
        conn = cached("connectivity", lambda: connectivity(model, tokenizer, text))
    except RNNLabError as exc:
        show_error(exc)
        return
    n = len(conn.tokens)
    st.session_state["generate.position"] = min(int(st.session_state.get("generate.position", 60)), n - 1)
    position = st.slider("Prediction after token number", 0, n - 1, key="generate.position")
    st.markdown(f"After reading up to **{display_token(conn.tokens[position])!r}** (outlined next: what came "
                f"after, **{display_token(conn.targets[position])!r}**), the prediction leans on:")
    sep = " " if level == "word" else ""
    st.html(figs.connectivity_html(conn.tokens, conn.row(position), position, conn.targets[position], sep))
    chart(figs.connectivity_bars(conn.tokens, conn.row(position), position), figs.CONNECTIVITY_CAPTION,
          key="generate.conn_bars")
    st.metric("How far back it looks", f"{conn.reach():.1f} {level}s",
              help="Mean over positions of the furthest input whose gradient norm is still at least a thousandth of "
                   "the largest one for that prediction.")
    with st.expander("Every prediction against every input (heatmap)"):
        chart(figs.connectivity_heatmap(conn.tokens, conn.matrix), figs.HEATMAP_CAPTION, key="generate.conn_map")
    st.markdown("**RNN, LSTM and GRU trained on the same text** (the ready-made character models):")
    trio = [k for k in ("char-rnn", "char-lstm", "char-gru") if READY_MADE[k].path.is_file()]
    if level != "char" or len(trio) < 2:
        st.caption("Needs a character-level text and the ready-made character models.")
        return
    if st.button("Compare how far back they look", key="generate.btn_compare"):
        curves, reach = {}, {}
        try:
            for key in trio:
                m, tok, _ = load_ready_made(key)
                c = connectivity(m, tok, text)
                name = key.split("-")[1].upper()
                curves[name], reach[name] = c.by_distance(), c.reach()
        except RNNLabError as exc:
            show_error(exc)
            return
        st.session_state["generate.trio"] = (text, curves, reach)
    trio_result = st.session_state.get("generate.trio")
    if trio_result and trio_result[0] == text:
        _, curves, reach = trio_result
        cols = st.columns(len(reach))
        for col, (name, value) in zip(cols, reach.items()):
            col.metric(f"{name} looks back", f"{value:.1f} chars")
        chart(figs.reach_curves(curves), figs.REACH_CAPTION, key="generate.reach")


def units_view() -> None:
    text = analysed_text()
    try:
        tl = cached("timeline", lambda: timeline(model, tokenizer, text))
        hits = cached("units", lambda: correlated_units(tl, top=3))
    except RNNLabError as exc:
        show_error(exc)
        return
    hidden = model.config.hidden_size
    if "generate.unit" not in st.session_state and not hits.empty:
        # open on the unit that follows quotes best (Karpathy's famous quote neuron), else the strongest one
        quotes = hits[hits.feature == "inside quotes"]
        best = (quotes if not quotes.empty else hits).iloc[0]
        st.session_state.update({"generate.quantity": best["quantity"], "generate.unit": int(best["unit"]),
                                 "generate.feature": best["feature"]})
    st.session_state["generate.unit"] = min(int(st.session_state.get("generate.unit", 0)), hidden - 1)
    if st.session_state.get("generate.quantity") not in tl.quantities:
        st.session_state["generate.quantity"] = "hidden"

    def pick_hit() -> None:
        row = hits.iloc[st.session_state["generate.hit"]]
        st.session_state["generate.quantity"], st.session_state["generate.unit"] = row["quantity"], int(row["unit"])
        st.session_state["generate.feature"] = row["feature"]

    c1, c2, c3 = st.columns(3)
    quantity = c1.selectbox("Show", tl.quantities, key="generate.quantity",
                            help="hidden: h_t; the others are the cell's gates (and the LSTM's cell state c_t).")
    unit = c2.number_input(f"Unit (0 to {hidden - 1})", 0, hidden - 1, key="generate.unit")
    feature = c3.selectbox("Against the feature", list(text_features(tl.tokens).columns), key="generate.feature")
    values = tl.values[quantity][:, int(unit)]
    scale = float(max(abs(values).max(), 1e-6))
    gate = quantity not in ("hidden", "candidate", "cell", "pre_activation")
    colors = [figs.diverging_color(v, 1.0 if gate else scale) for v in values]
    tips = [f"{display_token(t)}: {v:.3f}" for t, v in zip(tl.tokens, values)]
    st.html(figs.colored_text_html(tl.tokens, [], colors=colors, tooltips=tips,
                                   separator=" " if level == "word" else ""))
    st.caption(figs.TIMELINE_CAPTION)
    chart(figs.unit_trace(tl.tokens, values, text_features(tl.tokens)[feature].to_numpy(), feature,
                          f"{quantity} unit {unit}"), figs.UNIT_CAPTION, key="generate.unit_trace")
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
