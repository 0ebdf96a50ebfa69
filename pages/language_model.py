"""Train a language model: pick a text, press Train, watch the loss fall and the samples turn into words."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from pages.shared import (chart, job_status, poll_interval, rerun_when_finished,
                           run_controls, registry, show_error, start_shared_job)
from pages.workshop import export_button, share_settings
from rnn_core.language_model.checkpoint import checkpoint_bytes
from rnn_core.data.corpora import (BUILT_IN, MAX_UPLOAD_BYTES, PUBLIC_TEXTS, cached_public_text, check_text,
                              decode_bytes, load_builtin, load_public_text, text_statistics)
from rnn_core.errors import RNNLabError
from rnn_core.language_model.figures import (COMPARE_CAPTION, DIAGRAM_CAPTION, LOSS_CAPTION, loss_curves, model_diagram,
                                 run_comparison)
from rnn_core.runs.jobs import RUNNING
from rnn_core.language_model.training import (DEFAULT_CELL, DEFAULT_LEVEL, DEFAULT_PRESET, PRESET_SECONDS, PRESET_TITLES, PRESETS,
                         WEIGHT_SET_NAMES, WEIGHT_SETS, LMSettings, diagnose, evaluation_interval,
                         parameter_breakdown, preset, preset_variants, run_label, samples_to_show, size_advice,
                         train_language_model)
from rnn_core.language_model.model import ModelConfig
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import run_key, step_budgeted
from rnn_core.language_model.script import language_model_script
from rnn_core.links.settings import Param, Schema
from rnn_core.data.text import Tokenizer, split_tokens

JOB = "lm.job"
CELL_HELP = ("The recurrent unit: vanilla RNN, LSTM or GRU. With the Quick preset on any built-in corpus, the LSTM "
             "and the GRU end with a lower validation loss than the RNN (seeds 0, 1 and 2).")
SOURCES = ("Built-in corpus", "Famous public text", "Paste text", "Upload a .txt file")
CELLS = ("rnn", "lstm", "gru")
# The sliders a preset sets, and the LMSettings field each one shows.
PRESET_KEYS = {"lm.hidden": "hidden_size", "lm.layers": "num_layers", "lm.seq_len": "seq_len",
               "lm.batch": "batch_size", "lm.lr": "lr", "lm.clip": "clip", "lm.steps": "max_steps",
               "lm.seconds": "seconds", "lm.embedding_dim": "embedding_dim"}


def with_presets(choices: tuple, field: str) -> tuple:
    """``choices`` plus every preset's value of ``field`` (for every cell and level): a select_slider given a
    value outside its options silently shows (and trains with) its first option instead."""
    return tuple(sorted({*choices, *(getattr(s, field) for *_, s in preset_variants())}))


HIDDEN_SIZES = with_presets((16, 32, 64, 96, 128, 192, 256, 320, 384, 512), "hidden_size")
LEARNING_RATES = with_presets((1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 8e-3, 3e-2, 0.1, 1.0), "lr")
CLIPS = with_presets((0.0, 0.25, 0.5, 1.0, 2.0, 5.0), "clip")
BATCHES = with_presets((1, 4, 8, 16, 32, 64, 128), "batch_size")
_QUICK = preset(DEFAULT_PRESET, cell=DEFAULT_CELL, level=DEFAULT_LEVEL)
# The settings a link carries (?cell=gru&hidden=64&seed=3 ...); pasted and uploaded texts stay on the laptop.
SHARE = Schema((
    Param("lm.source", "source", SOURCES[0], choices=SOURCES), Param("lm.builtin", "corpus", next(iter(BUILT_IN)),
                                                                    choices=tuple(BUILT_IN)),
    Param("lm.public", "book", next(iter(PUBLIC_TEXTS)), choices=tuple(PUBLIC_TEXTS)),
    Param("lm.preset", "preset", DEFAULT_PRESET, choices=tuple(PRESETS)),
    Param("lm.cell", "cell", DEFAULT_CELL, choices=CELLS),
    Param("lm.level", "level", DEFAULT_LEVEL, choices=("char", "word")),
    Param("lm.encoding", "encoding", "embedding", choices=("embedding", "onehot")),
    Param("lm.hidden", "hidden", _QUICK.hidden_size, choices=HIDDEN_SIZES), Param("lm.layers", "layers", 1, low=1, high=3),
    Param("lm.seq_len", "seq_len", _QUICK.seq_len, low=8, high=256),
    Param("lm.batch", "batch", _QUICK.batch_size, choices=BATCHES),
    Param("lm.lr", "lr", _QUICK.lr, choices=LEARNING_RATES), Param("lm.clip", "clip", _QUICK.clip, choices=CLIPS),
    Param("lm.steps", "steps", _QUICK.max_steps, low=20, high=5000, check=lambda v: max(20, round(v / 20) * 20)),
    Param("lm.seconds", "seconds", int(_QUICK.seconds), low=5, high=300), Param("lm.seed", "seed", 0, low=0, high=1_000_000),
))

st.title("Train a language model")
st.write("A language model reads text one token at a time and learns to predict the next one. Choose a text, "
         "press **Train**, and watch it go from noise to words. Everything trains here, on this machine's CPU.")
share_settings(SHARE, "lm")   # a link's settings, once; then the address bar follows the widgets


# --- 1. the text ---------------------------------------------------------------------------------------

def resolve_text() -> tuple[str, str, str | None]:
    """The chosen text, its title, and a note (the encoding an upload was read with); raises RNNLabError."""
    source = st.session_state.get("lm.source", SOURCES[0])
    if source == SOURCES[0]:
        key = st.session_state.get("lm.builtin", next(iter(BUILT_IN)))
        return load_builtin(key), BUILT_IN[key].title, None
    if source == SOURCES[1]:
        key = st.session_state.get("lm.public", next(iter(PUBLIC_TEXTS)))
        if cached_public_text(key) is None:
            raise RNNLabError(f"{PUBLIC_TEXTS[key].title} is not downloaded yet: press Download (needs an "
                              "internet connection once; it is kept on disk afterwards).")
        return load_public_text(key), PUBLIC_TEXTS[key].title, None
    if source == SOURCES[2]:
        return check_text(st.session_state.get("lm.paste", ""), "The pasted text"), "Pasted text", None
    upload = st.session_state.get("lm.upload")
    if upload is None:
        raise RNNLabError("Choose a .txt file to upload.")
    text, encoding = decode_bytes(upload.getvalue(), upload.name, MAX_UPLOAD_BYTES)
    note = None if encoding.startswith("utf-8") else f"Read as {encoding} (it is not valid UTF-8)."
    return check_text(text, upload.name), upload.name, note


st.subheader("1. Choose a text")
source = st.radio("Text source", SOURCES, key="lm.source", horizontal=True)
if source == SOURCES[0]:
    st.selectbox("Corpus", list(BUILT_IN), key="lm.builtin", format_func=lambda k: BUILT_IN[k].title)
    st.caption(BUILT_IN[st.session_state["lm.builtin"]].description)
elif source == SOURCES[1]:
    public = st.selectbox("Text", list(PUBLIC_TEXTS), key="lm.public", format_func=lambda k: PUBLIC_TEXTS[k].title)
    st.caption(PUBLIC_TEXTS[public].description)
    if cached_public_text(public) is None:
        if st.button("Download", key="lm.btn_download"):
            with st.spinner(f"Downloading {PUBLIC_TEXTS[public].title}..."):
                try:
                    load_public_text(public)
                except RNNLabError as exc:
                    show_error(exc)
    else:
        st.caption("✅ Downloaded and kept on this machine.")
elif source == SOURCES[2]:
    st.text_area("Paste any text (a few thousand characters or more works best)", key="lm.paste", height=160)
else:
    st.file_uploader("A plain-text file", type=["txt", "md", "csv", "py"], key="lm.upload")

text = title = None
try:
    text, title, note = resolve_text()
except RNNLabError as exc:
    show_error(exc)
else:
    if note:
        st.info(note)
    stats = text_statistics(text)
    cols = st.columns(len(stats))
    for col, (name, value) in zip(cols, stats.items()):
        col.metric(name.capitalize(), f"{value:,}")
    with st.expander("Preview the text"):
        st.code(text[:1200] + (" ..." if len(text) > 1200 else ""), language=None, wrap_lines=True)


# --- 2. the model and its training ---------------------------------------------------------------------

def preset_values(name: str, cell: str, level: str) -> dict:
    """The sliders' values for preset ``name`` with this cell and level (each cell has its learning rate)."""
    s = preset(name, cell=cell, level=level)
    return {key: int(getattr(s, f)) if key == "lm.seconds" else getattr(s, f) for key, f in PRESET_KEYS.items()}


def apply_preset() -> None:
    name = st.session_state["lm.preset"]
    if name in PRESETS:
        st.session_state.update(preset_values(name, st.session_state.get("lm.cell", DEFAULT_CELL),
                                              st.session_state.get("lm.level", DEFAULT_LEVEL)))


def follow_preset() -> None:
    """On a new cell or level: if the sliders still show the preset (for the previous cell and level), show
    the preset's values for the new one (the GRU's learning rate, say); sliders the learner moved stay."""
    cell, level = st.session_state.get("lm.choice", (DEFAULT_CELL, DEFAULT_LEVEL))
    name = st.session_state.get("lm.preset", DEFAULT_PRESET)
    if name in PRESETS and all(st.session_state.get(k) == v for k, v in preset_values(name, cell, level).items()):
        apply_preset()


for key, value in {"lm.preset": DEFAULT_PRESET, "lm.cell": DEFAULT_CELL, "lm.level": DEFAULT_LEVEL,
                   "lm.seed": 0}.items():
    st.session_state.setdefault(key, value)
for key, value in preset_values(st.session_state["lm.preset"], st.session_state["lm.cell"],
                                st.session_state["lm.level"]).items():
    st.session_state.setdefault(key, value)

st.subheader("2. Choose the model")
st.selectbox("Preset", list(PRESETS), key="lm.preset", on_change=apply_preset,
             format_func=lambda p: f"{PRESET_TITLES[p]} (under {PRESET_SECONDS[p]} s)",
             help="Sets every slider below to values tested on a 2-core laptop, with the learning rate each cell "
                  "learns best with (switching the cell switches it too, until you move a slider yourself). "
                  "The steps are the budget, so the same seed gives the same model on every machine. The time "
                  "is the slowest cell's (the GRU) on a 2-core laptop; a busy shared machine takes longer "
                  "(up to three times, measured), and the time limit only stops a run stretched beyond it.")
c1, c2, c3 = st.columns(3)
with c1:
    cell = st.radio("Cell", CELLS, key="lm.cell", horizontal=True, on_change=follow_preset,
                    format_func=str.upper, help=CELL_HELP)
    level = st.radio("Tokens", ("char", "word"), key="lm.level", horizontal=True, on_change=follow_preset,
                     format_func={"char": "characters", "word": "words"}.get,
                     help="Predict the next character, or the next word (punctuation counts as a word).")
    encoding = st.radio("Input encoding", ("embedding", "onehot"), key="lm.encoding", horizontal=True,
                        format_func={"embedding": "learned embedding", "onehot": "one-hot"}.get,
                        help="One-hot: each token is a vector with a single 1, as RNN introductions draw it. "
                             "Embedding: a learned dense vector per token (faster, needed for big vocabularies).")
with c2:
    hidden = st.select_slider("Hidden size", HIDDEN_SIZES, key="lm.hidden")
    layers = st.slider("Layers", 1, 3, key="lm.layers")
    seq_len = st.slider("Sequence length (truncated BPTT)", 8, 256, key="lm.seq_len",
                        help="How many steps the gradient flows back through before it is cut.")
    batch = st.select_slider("Batch size", BATCHES, key="lm.batch")
with c3:
    lr = st.select_slider("Learning rate", LEARNING_RATES, key="lm.lr", format_func=lambda v: f"{v:g}")
    clip = st.select_slider("Gradient clipping (max norm)", CLIPS, key="lm.clip",
                            format_func=lambda v: "off" if v == 0 else f"{v:g}")
    steps = st.slider("Training steps", 20, 5000, step=20, key="lm.steps",
                      help="The budget. The same seed and steps give the same model on any machine.")
    seconds = st.slider("Time limit (seconds)", 5, 300, key="lm.seconds",
                        help="Stops a run early on a very busy machine (the run then depends on the machine's "
                             "speed); the model trained so far is kept.")
    seed = st.number_input("Seed", 0, 1_000_000, key="lm.seed", help="The same seed gives the same run.")
st.session_state["lm.choice"] = (cell, level)


def make_settings() -> LMSettings:
    """The run the widgets describe: the preset for this cell and level (its vocabulary cap, evaluation and
    best-model keeping), with every slider's value on top."""
    base = preset(st.session_state["lm.preset"], cell=cell, level=level)
    return replace(base, encoding=encoding, hidden_size=hidden, num_layers=layers,
                   embedding_dim=st.session_state["lm.embedding_dim"], seq_len=seq_len, batch_size=batch, lr=lr,
                   clip=clip, max_steps=int(steps), seconds=float(seconds), seed=int(seed),
                   eval_every_steps=evaluation_interval(int(steps)))


@st.cache_data(max_entries=16, show_spinner=False)
def text_shape(text: str, level: str, max_vocab: int | None) -> tuple[int, int]:
    """(vocabulary size, training tokens) of ``text`` at ``level``, as the training will see it."""
    if level == "word" and max_vocab is None:
        max_vocab = 10_000
    vocab = len(Tokenizer.build(text, level, max_vocab))
    n = len(text) if level == "char" else len(split_tokens(text, level))
    return vocab, int(n * 0.9)


def show_model(settings: LMSettings) -> None:
    """The model about to be trained, drawn with its sizes; why the three cells differ; a short-text warning."""
    try:
        vocab, train_tokens = text_shape(text, settings.level, settings.max_vocab)
        config = settings.model_config(vocab)
    except RNNLabError as exc:
        show_error(exc)
        return
    parts = parameter_breakdown(config)
    total = sum(p["count"] for p in parts)
    st.markdown(f"**The model you will train:** {total:,} weights")
    chart(model_diagram(parts, config.cell, config.num_layers, config.hidden_size, vocab, config.encoding,
                        config.embedding_dim), DIAGRAM_CAPTION, key="lm.diagram")
    recurrent = {c: sum(p["count"] for p in parameter_breakdown(replace(config, cell=c))[1:-1]) for c in CELLS}
    st.caption(
        "Why the cells differ in size: each recurrent layer holds one set of weights (W_x, W_h and biases) per "
        "gate. " + "; ".join(f"{c.upper()}: {WEIGHT_SETS[c]} ({WEIGHT_SET_NAMES[c]}), {recurrent[c]:,} weights"
                             for c in CELLS) +
        f". So at {config.hidden_size} units the LSTM's cell is {WEIGHT_SETS['lstm']}× the RNN's and the GRU's "
        f"{WEIGHT_SETS['gru']}×: more weights per step, more time per step.")
    advice = size_advice(train_tokens, total, settings.level)
    if advice is not None:
        (st.warning if advice[0] == "warning" else st.info)(advice[1])


if text is not None:
    try:
        show_model(make_settings())
    except RNNLabError as exc:
        show_error(exc)


def launch(text: str, title: str, settings: LMSettings) -> None:
    models = registry()
    label = run_label(settings, title)
    st.session_state["lm.job_text"] = title

    def train(stop, report):
        return train_language_model(text, settings, on_progress=report, stop=stop)

    def deliver(run, job):   # this session's own copy of the run (identical runs are trained once per server)
        if run.result.steps == 0:
            raise RNNLabError(run.result.message or "Training stopped before its first step.")
        name = label + {"stopped": " (stopped)", "diverged": " (diverged)"}.get(run.result.stop_reason, "")
        entry = TrainedModel(name, "language-model", run.model, run.tokenizer, settings.to_dict(), run.metrics,
                             run.history, source=title)
        models.add(entry)
        return {"entry": entry.name, "message": run.result.message, "reason": run.result.stop_reason,
                "title": title}

    key = (run_key("lm", text, settings, seed=settings.seed, steps=settings.max_steps)
           if step_budgeted(settings.train_config()) else None)
    start_shared_job(JOB, f"Training {label}", key, train, deliver)


job, (b3, _) = run_controls(JOB, lambda: launch(text, title, make_settings()), start_key="lm.btn_train",
                            stop_key="lm.btn_stop", disabled=text is None, widths=(1, 1, 2, 2),
                            stop_help="Stops training and keeps the model so far.")


def export_source() -> tuple[str, str]:
    """Where an exported script gets the text: (builtin|public|paste|file, key or text or file name)."""
    source = st.session_state.get("lm.source", SOURCES[0])
    if source == SOURCES[0]:
        return "builtin", st.session_state.get("lm.builtin", next(iter(BUILT_IN)))
    if source == SOURCES[1]:
        return "public", st.session_state.get("lm.public", next(iter(PUBLIC_TEXTS)))
    if source == SOURCES[2]:
        return "paste", st.session_state.get("lm.paste", "")
    upload = st.session_state.get("lm.upload")
    return "file", upload.name if upload is not None else "my_text.txt"


with b3:
    try:
        export_button(language_model_script(make_settings(), *export_source(), title or ""),
                      f"train_{cell}_seed{int(seed)}.py", key="lm.btn_export", schema=SHARE)
    except RNNLabError as exc:
        show_error(exc)


def about_this_text(job) -> bool:
    """Whether ``job`` trained on the text now chosen (its messages are stale after the text changes)."""
    return job is not None and (job.active or st.session_state.get("lm.job_text") == title)


# --- 3. live training ----------------------------------------------------------------------------------

@st.fragment(run_every=poll_interval(job))
def live_view() -> None:
    job = st.session_state.get(JOB)
    if job is None or not about_this_text(job):
        return
    job_status(job)
    progress = job.progress
    if job.status == RUNNING and progress is not None and progress.step:
        st.progress(progress.fraction,
                    text=f"step {progress.step:,} of about {progress.planned_steps:,} · "
                         f"{progress.tokens_per_second:,.0f} tokens/s · about {progress.time_left:.0f} s left")
    reports = job.reports_so_far()
    if reports and job.active:
        history = [{"step": p.step, "train_loss": p.train_loss, "mean_train_loss": p.mean_train_loss}
                   for p in reports if p.step]
        evaluations = {p.metrics["evaluated_at"]: p.metrics["val_loss"] for p in reports if "val_loss" in p.metrics}
        history += [{"step": step, "val_loss": loss} for step, loss in evaluations.items()]
        chart(loss_curves(history, uniform_loss=reports[-1].metrics.get("uniform_loss"),
                          title="Loss while training"), LOSS_CAPTION, key="lm.live_chart")
        sample = reports[-1].metrics.get("sample")
        if sample:
            st.markdown(f"**A fresh sample** (temperature 0.8), drawn at step "
                        f"{reports[-1].metrics.get('evaluated_at', 0):,}:")
            st.code(sample, language=None, wrap_lines=True)
    rerun_when_finished(job, "lm")


live_view()

if job is not None and not job.active and isinstance(job.result, dict) and about_this_text(job):
    reason = job.result["reason"]
    if reason == "time":
        st.warning(job.result["message"] + " This machine was slower than the preset expects (busy?), so the "
                   "run ended by the clock, not by its steps: another machine would stop elsewhere. Raise the time "
                   "limit to train the full budget.")
    else:
        (st.warning if reason == "diverged" else st.success)(job.result["message"])


# --- 4. results ----------------------------------------------------------------------------------------

def remove_shown() -> None:
    registry().remove(st.session_state.get("lm.shown_model"))
    st.session_state.pop("lm.shown_model", None)


entries = registry().entries("language-model")
if entries:
    st.subheader("3. Your models")
    names = [e.name for e in entries]
    newest = job.result.get("entry") if job is not None and isinstance(job.result, dict) else None
    if newest in names and st.session_state.get("lm.shown_for") != job.id:
        st.session_state["lm.shown_model"] = newest   # a run that just finished is shown
        st.session_state["lm.shown_for"] = job.id
    if st.session_state.get("lm.shown_model") not in names:
        st.session_state["lm.shown_model"] = names[-1]
    m1, m2 = st.columns((5, 1), vertical_alignment="bottom")
    chosen = m1.selectbox("Model", names, key="lm.shown_model")
    m2.button("Remove", key="lm.btn_remove", on_click=remove_shown, help="Forget this model (and its run).")
    entry = registry().get(chosen)
    m = entry.metrics
    per = "char" if m.get("level") == "char" else "word"
    uniform = m.get("uniform_loss", math.log(m.get("vocab_size", 2)))
    cols = st.columns(4)
    cols[0].metric("Validation loss", f"{m.get('val_loss', math.nan):.3f}",
                   help="Nats per token on the last 10% of the text, which the model never trains on; of the "
                        "model kept (the best on validation).")
    cols[1].metric("Perplexity", f"{m.get('perplexity', math.nan):,.2f}",
                   help="As unsure as choosing uniformly among this many tokens.")
    cols[2].metric(f"Bits per {per}", f"{m.get(f'bits_per_{per}', math.nan):.2f}")
    cols[3].metric("Parameters", f"{m.get('params', 0):,}")
    best_step, steps_done = m.get("best_step", m.get("steps", 0)), m.get("steps", 0)
    kept = ("the model of the last step is kept" if best_step == steps_done else
            f"the model kept is from step {best_step:,}, the best on validation; the last evaluation read "
            f"{m.get('last_val_loss', math.nan):.3f}")
    st.caption(f"{steps_done:,} steps in {m.get('seconds', 0):.1f} s ({m.get('tokens_per_second', 0):,.0f} "
               f"tokens/s); {kept}. A uniform guess scores ln {m.get('vocab_size', 2):,} = {uniform:.2f}.")
    for problem in diagnose(m, entry.history):
        st.warning(problem)
    chart(loss_curves(entry.history, uniform_loss=uniform, title=entry.name, best_step=best_step),
          LOSS_CAPTION, key="lm.result_chart")
    shown = samples_to_show(m.get("samples", []))
    if shown:
        st.markdown("**Its samples along training** (temperature 0.8, the same seed each time): from noise to words.")
        vals = {r["step"]: r["val_loss"] for r in entry.history if "val_loss" in r}
        for row in shown:
            loss = vals.get(row["step"])
            st.caption(f"step {row['step']:,}" + (f" · validation loss {loss:.2f}" if loss is not None else ""))
            st.code(row["text"], language=None, wrap_lines=True)
    elif m.get("sample"):
        st.markdown("**Its last sample:**")
        st.code(m["sample"], language=None, wrap_lines=True)
    st.download_button("Download checkpoint", key="lm.btn_download_ckpt",
                       data=lambda e=entry: checkpoint_bytes(e.model, e.tokenizer, e.settings, e.metrics, e.source),
                       file_name=f"{chosen.split(' · ')[0].replace(' ', '-').lower()}.pt",
                       mime="application/octet-stream",
                       help="Weights, vocabulary, settings and the samples along training in one file; the "
                            "Generate page and `python -m rnn_core generate --model FILE` read it.")

    groups: dict[str, list] = {}
    for e in entries:
        groups.setdefault(f"{e.source} ({'characters' if e.settings['level'] == 'char' else 'words'})", []).append(e)
    if any(len(g) > 1 for g in groups.values()):
        st.subheader("4. Compare your runs")
        g1, g2 = st.columns((3, 2))
        comparable = [k for k, g in groups.items() if len(g) > 1]
        group = g1.selectbox("Runs on", comparable, key="lm.compare_group",
                             help="Losses compare only on the same text and level: a word-level loss and a "
                                  "character-level loss measure different things.")
        axis = g2.radio("Against", ("step", "elapsed"), key="lm.compare_axis", horizontal=True,
                        format_func={"step": "training steps", "elapsed": "seconds"}.get)
        chart(run_comparison([{"name": e.name, "history": e.history, "cell": e.settings["cell"]}
                              for e in groups.get(group, [])], x=axis), COMPARE_CAPTION, key="lm.compare_chart")
    table = pd.DataFrame([{
        "model": e.name, "text": e.source, "level": e.settings["level"], "cell": e.settings["cell"].upper(),
        "hidden": e.settings["hidden_size"], "layers": e.settings["num_layers"],
        "encoding": e.settings.get("encoding", "embedding"), "learning rate": e.settings.get("lr"),
        "seed": e.settings.get("seed"), "steps": e.metrics.get("steps"), "best step": e.metrics.get("best_step"),
        "validation loss": round(e.metrics.get("val_loss", math.nan), 3),
        "seconds": round(e.metrics.get("seconds", 0), 1), "parameters": e.metrics.get("params"),
    } for e in entries])
    st.dataframe(table, hide_index=True)
