"""Train a language model: pick a text, press Train, watch the loss fall and the samples turn into words."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from pages.shared import (chart, job_status, poll_interval, rerun_when_finished,
                           run_controls, registry, show_error, start_job)
from pages.workshop import export_button, share_settings
from rnn_core.checkpoint import checkpoint_bytes
from rnn_core.corpora import (BUILT_IN, MAX_UPLOAD_BYTES, PUBLIC_TEXTS, cached_public_text, check_text,
                              decode_bytes, load_builtin, load_public_text, text_statistics)
from rnn_core.errors import RNNLabError
from rnn_core.figures.lm import COMPARE_CAPTION, LOSS_CAPTION, loss_curves, run_comparison
from rnn_core.jobs import RUNNING
from rnn_core.lm import PRESETS, LMSettings, train_language_model
from rnn_core.registry import TrainedModel
from rnn_core.share import Param, Schema, language_model_script

JOB = "lm.job"
SOURCES = ("Built-in corpus", "Famous public text", "Paste text", "Upload a .txt file")


def with_presets(choices: tuple, field: str) -> tuple:
    """``choices`` plus every preset's value of ``field``: a select_slider given a value outside its options
    silently shows (and trains with) its first option instead."""
    return tuple(sorted({*choices, *(getattr(p, field) for p in PRESETS.values())}))


HIDDEN_SIZES = with_presets((16, 32, 64, 96, 128, 192, 256, 320, 384, 512), "hidden_size")
LEARNING_RATES = with_presets((1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 8e-3, 3e-2, 0.1, 1.0), "lr")
CLIPS = with_presets((0.0, 0.25, 0.5, 1.0, 2.0, 5.0), "clip")
BATCHES = with_presets((1, 4, 8, 16, 32, 64, 128), "batch_size")
_QUICK = PRESETS["quick"]
# The settings a link carries (?cell=gru&hidden=64&seed=3 ...); pasted and uploaded texts stay on the laptop.
SHARE = Schema((
    Param("lm.source", "source", SOURCES[0], choices=SOURCES), Param("lm.builtin", "corpus", next(iter(BUILT_IN)),
                                                                    choices=tuple(BUILT_IN)),
    Param("lm.public", "book", next(iter(PUBLIC_TEXTS)), choices=tuple(PUBLIC_TEXTS)),
    Param("lm.preset", "preset", "quick", choices=tuple(PRESETS)),
    Param("lm.cell", "cell", "lstm", choices=("rnn", "lstm", "gru")),
    Param("lm.level", "level", "char", choices=("char", "word")),
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

def apply_preset() -> None:
    name = st.session_state["lm.preset"]
    if name in PRESETS:
        s = PRESETS[name]
        st.session_state.update({"lm.hidden": s.hidden_size, "lm.layers": s.num_layers, "lm.seq_len": s.seq_len,
                                 "lm.batch": s.batch_size, "lm.lr": s.lr, "lm.clip": s.clip, "lm.steps": s.max_steps,
                                 "lm.seconds": int(s.seconds), "lm.embedding_dim": s.embedding_dim})


defaults = PRESETS["quick"]
for key, value in {"lm.preset": "quick", "lm.hidden": defaults.hidden_size, "lm.layers": defaults.num_layers,
                   "lm.seq_len": defaults.seq_len, "lm.batch": defaults.batch_size, "lm.lr": defaults.lr,
                   "lm.clip": defaults.clip, "lm.seconds": int(defaults.seconds), "lm.seed": 0,
                   "lm.steps": defaults.max_steps, "lm.cell": "lstm",
                   "lm.embedding_dim": defaults.embedding_dim}.items():
    st.session_state.setdefault(key, value)

st.subheader("2. Choose the model")
st.selectbox("Preset", list(PRESETS), key="lm.preset", on_change=apply_preset,
             format_func=lambda p: {"quick": "Quick (about 20 s)", "better": "Better (about 60 s)"}[p],
             help="Sets every slider below to values tested on a 2-core laptop. Change any slider afterwards.")
c1, c2, c3 = st.columns(3)
with c1:
    cell = st.radio("Cell", ("rnn", "lstm", "gru"), key="lm.cell", horizontal=True,
                    format_func=str.upper, help="The recurrent unit: vanilla RNN, LSTM or GRU.")
    level = st.radio("Tokens", ("char", "word"), key="lm.level", horizontal=True,
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
                        help="Stops a run early on a busy machine; the model trained so far is kept.")
    seed = st.number_input("Seed", 0, 1_000_000, key="lm.seed", help="The same seed gives the same run.")


def make_settings() -> LMSettings:
    return replace(PRESETS["quick"], level=level, cell=cell, encoding=encoding, hidden_size=hidden,
                   num_layers=layers, embedding_dim=st.session_state["lm.embedding_dim"], seq_len=seq_len,
                   batch_size=batch, lr=lr, clip=clip, max_steps=int(steps), seconds=float(seconds), seed=int(seed),
                   eval_every_seconds=3.0)


def launch(text: str, title: str, settings: LMSettings) -> None:
    models = registry()
    label = f"{settings.cell.upper()} {settings.hidden_size} · {title} ({settings.level})"

    def work(job):
        run = train_language_model(text, settings, on_progress=job.report, stop=job.stop)
        if run.result.steps == 0:
            raise RNNLabError(run.result.message or "Training stopped before its first step.")
        name = label + {"stopped": " (stopped)", "diverged": " (diverged)"}.get(run.result.stop_reason, "")
        entry = TrainedModel(name, "language-model", run.model, run.tokenizer, settings.to_dict(), run.metrics,
                             run.history, source=title)
        models.add(entry)
        return {"entry": entry.name, "message": run.result.message, "reason": run.result.stop_reason}

    start_job(JOB, work, f"Training {label}")


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


# --- 3. live training ----------------------------------------------------------------------------------

@st.fragment(run_every=poll_interval(job))
def live_view() -> None:
    job = st.session_state.get(JOB)
    if job is None:
        return
    job_status(job)
    progress = job.progress
    if job.status == RUNNING and progress is not None:
        st.progress(progress.fraction,
                    text=f"step {progress.step:,} of about {progress.planned_steps:,} · "
                         f"{progress.tokens_per_second:,.0f} tokens/s · about {progress.time_left:.0f} s left")
    reports = job.reports_so_far()
    if reports and job.active:
        history = [{"step": p.step, "train_loss": p.train_loss} for p in reports]
        evaluations = {p.metrics["evaluated_at"]: p.metrics["val_loss"] for p in reports if "val_loss" in p.metrics}
        history += [{"step": step, "train_loss": None, "val_loss": loss} for step, loss in evaluations.items()]
        chart(loss_curves(history, title="Loss while training"), LOSS_CAPTION, key="lm.live_chart")
        sample = reports[-1].metrics.get("sample")
        if sample:
            st.markdown("**A fresh sample** (temperature 0.8), drawn at the last validation:")
            st.code(sample, language=None, wrap_lines=True)
    rerun_when_finished(job, "lm")


live_view()

if job is not None and not job.active and isinstance(job.result, dict):
    reason = job.result["reason"]
    (st.warning if reason == "diverged" else st.success)(job.result["message"])


# --- 4. results ----------------------------------------------------------------------------------------

entries = registry().entries("language-model")
if entries:
    st.subheader("3. Your models")
    names = [e.name for e in entries]
    last = job.result["entry"] if job is not None and isinstance(job.result, dict) else names[-1]
    chosen = st.selectbox("Model", names, index=names.index(last) if last in names else len(names) - 1,
                          key="lm.shown_model")
    entry = registry().get(chosen)
    m = entry.metrics
    per = "char" if m.get("level") == "char" else "word"
    cols = st.columns(5)
    cols[0].metric("Validation loss", f"{m.get('val_loss', math.nan):.3f}", help="Nats per token on the last 10%.")
    cols[1].metric("Perplexity", f"{m.get('perplexity', math.nan):.2f}",
                   help="As unsure as choosing uniformly among this many tokens.")
    cols[2].metric(f"Bits per {per}", f"{m.get(f'bits_per_{per}', math.nan):.2f}")
    cols[3].metric("Parameters", f"{m.get('params', 0):,}")
    cols[4].metric("Speed", f"{m.get('tokens_per_second', 0):,.0f} tok/s")
    chart(loss_curves(entry.history, uniform_loss=math.log(m.get("vocab_size", 2)), title=entry.name),
          LOSS_CAPTION, key="lm.result_chart")
    if m.get("sample"):
        st.markdown("**Its last sample:**")
        st.code(m["sample"], language=None, wrap_lines=True)
    st.download_button("Download checkpoint", key="lm.btn_download_ckpt",
                       data=checkpoint_bytes(entry.model, entry.tokenizer, entry.settings, entry.metrics,
                                             entry.source),
                       file_name=f"{chosen.split(' · ')[0].replace(' ', '-').lower()}.pt",
                       mime="application/octet-stream",
                       help="Weights, vocabulary and settings in one file; the Generate page and "
                            "`python -m rnn_core generate --model FILE` read it.")

    if len(entries) > 1:
        st.subheader("4. Compare your runs")
        chart(run_comparison([{"name": e.name, "history": e.history} for e in entries]), COMPARE_CAPTION,
              key="lm.compare_chart")
    table = pd.DataFrame([{
        "model": e.name, "cell": e.settings["cell"].upper(), "hidden": e.settings["hidden_size"],
        "layers": e.settings["num_layers"], "level": e.settings["level"],
        "validation loss": round(e.metrics.get("val_loss", math.nan), 3), "steps": e.metrics.get("steps"),
        "seconds": round(e.metrics.get("seconds", 0), 1), "parameters": e.metrics.get("params"),
    } for e in entries])
    st.dataframe(table, hide_index=True)
