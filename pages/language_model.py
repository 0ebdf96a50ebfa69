"""Train a language model: pick a text, press Train, watch the loss fall and the samples turn into words."""

from __future__ import annotations

import math
from dataclasses import replace

import pandas as pd
import streamlit as st

from pages import kit
from rnn_core.language_model import book
from rnn_core.data.corpora import (BUILT_IN, MAX_UPLOAD_BYTES, PUBLIC_TEXTS, cached_public_text, check_text,
                                   decode_bytes, load_builtin, load_public_text, text_statistics)
from rnn_core.errors import RNNLabError
from rnn_core.language_model.checkpoint import checkpoint_bytes
from rnn_core.language_model.figures import (COMPARE_CAPTION, DIAGRAM_CAPTION, LOSS_CAPTION, curve_rows, loss_curves,
                                             model_diagram, run_comparison)
from rnn_core.language_model.report import (TIME_LIMIT_NOTE, cell_sizes, closing_line, comparable_groups, runs_table,
                                            text_shape, training_note, vocabulary_note)
from rnn_core.language_model.script import language_model_script
from rnn_core.language_model.training import (DEFAULT_CELL, DEFAULT_LEVEL, DEFAULT_PRESET, PRESET_SECONDS,
                                              PRESET_TITLES, PRESETS, LMSettings, diagnose, evaluation_interval,
                                              parameter_breakdown, preset, preset_variants, run_label,
                                              samples_to_show, size_advice, train_language_model)
from rnn_core.links.settings import Param, Schema
from rnn_core.nets.cells import CELL_NAMES
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import budget_key

SOURCES = ("Built-in corpus", "Famous public text", "Paste text", "Upload a .txt file")
LEVEL_NAMES = {"char": "characters", "word": "words"}
ENCODING_NAMES = {"embedding": "learned embedding", "onehot": "one-hot"}
# The sliders a preset sets, and the LMSettings field each one shows.
PRESET_KEYS = {"lm.hidden": "hidden_size", "lm.layers": "num_layers", "lm.seq_len": "seq_len",
               "lm.batch": "batch_size", "lm.lr": "lr", "lm.clip": "clip", "lm.steps": "max_steps",
               "lm.seconds": "seconds", "lm.embedding_dim": "embedding_dim"}


def with_presets(choices: tuple, field: str) -> tuple:
    """``choices`` plus every preset's value of ``field`` (for every cell and level): a select_slider given a
    value outside its options silently shows (and trains with) its first option instead."""
    return tuple(sorted({*choices, *(getattr(s, field) for *_, s in preset_variants())}))


_QUICK = preset(DEFAULT_PRESET, cell=DEFAULT_CELL, level=DEFAULT_LEVEL)
# Pasted and uploaded texts stay on the laptop: they are no settings, and no link carries them.
SETTINGS = Schema((
    Param("lm.source", "source", SOURCES[0], choices=SOURCES, label="Text source"),
    Param("lm.builtin", "corpus", next(iter(BUILT_IN)), choices=tuple(BUILT_IN), label="Corpus", widget="selectbox",
          shown=lambda k: BUILT_IN[k].title),
    Param("lm.public", "book", next(iter(PUBLIC_TEXTS)), choices=tuple(PUBLIC_TEXTS), label="Text",
          widget="selectbox", shown=lambda k: PUBLIC_TEXTS[k].title),
    Param("lm.preset", "preset", DEFAULT_PRESET, choices=tuple(PRESETS), label="Preset", widget="selectbox",
          shown=lambda p: f"{PRESET_TITLES[p]} (under {PRESET_SECONDS[p]} s on a free 2-core laptop)",
          help="Sets every slider below to values tested on a 2-core laptop, with the learning rate each cell "
               "learns best with (switching the cell switches it too, until you move a slider yourself). The "
               "steps are the budget, so the same seed gives the same model on every machine. The time is the "
               "slowest cell's (the GRU) on a 2-core laptop; a busy shared machine takes longer (up to three "
               "times, measured), and the time limit only stops a run stretched beyond it."),
    Param("lm.cell", "cell", DEFAULT_CELL, choices=CELL_NAMES, label="Cell",
          help="The recurrent unit: vanilla RNN, LSTM or GRU. With the Quick preset on any built-in corpus, the LSTM "
               "and the GRU end with a lower validation loss than the RNN (seeds 0 to 4)."),
    Param("lm.level", "level", DEFAULT_LEVEL, choices=tuple(LEVEL_NAMES), label="Tokens", shown=LEVEL_NAMES.get,
          help="Predict the next character, or the next word (punctuation counts as a word)."),
    Param("lm.encoding", "encoding", "embedding", choices=tuple(ENCODING_NAMES), label="Input encoding",
          shown=ENCODING_NAMES.get,
          help="One-hot: each token is a vector with a single 1, as RNN introductions draw it. Embedding: a "
               "learned dense vector per token (faster, needed for big vocabularies)."),
    Param("lm.hidden", "hidden", _QUICK.hidden_size, label="Hidden size",
          choices=with_presets((16, 32, 64, 96, 128, 192, 256, 320, 384, 512), "hidden_size")),
    Param("lm.layers", "layers", 1, low=1, high=3, label="Layers"),
    Param("lm.seq_len", "seq_len", _QUICK.seq_len, low=8, high=256, widget="slider",
          label="Sequence length (truncated BPTT)", help="How many steps the gradient flows back through before "
                                                         "it is cut."),
    Param("lm.batch", "batch", _QUICK.batch_size, choices=with_presets((1, 4, 8, 16, 32, 64, 128), "batch_size"),
          label="Batch size"),
    Param("lm.lr", "lr", _QUICK.lr, choices=with_presets((1e-4, 3e-4, 1e-3, 2e-3, 4e-3, 8e-3, 3e-2, 0.1, 1.0), "lr"),
          label="Learning rate"),
    Param("lm.clip", "clip", _QUICK.clip, choices=with_presets((0.0, 0.25, 0.5, 1.0, 2.0, 5.0), "clip"),
          label="Gradient clipping (max norm)", shown=lambda v: "off" if v == 0 else f"{v:g}"),
    Param("lm.steps", "steps", _QUICK.max_steps, low=20, high=5000, widget="slider",
          check=lambda v: max(20, round(v / 20) * 20), label="Training steps",
          help="The budget. The same seed and steps give the same model on any machine."),
    Param("lm.seconds", "seconds", int(_QUICK.seconds), low=5, high=300, widget="slider", label="Time limit (seconds)",
          help="Stops a run early on a very busy machine (the run then depends on the machine's speed); the model "
               "trained so far is kept."),
    Param("lm.seed", "seed", 0, low=0, high=1_000_000, label="Seed", help="The same seed gives the same run."),
))
SHARE = SETTINGS      # the name the workshop and the tests know


def preset_values(name: str, cell: str, level: str) -> dict:
    """The sliders' values for preset ``name`` with this cell and level (each cell has its learning rate)."""
    s = preset(name, cell=cell, level=level)
    return {key: int(getattr(s, f)) if key == "lm.seconds" else getattr(s, f) for key, f in PRESET_KEYS.items()}


def apply_preset() -> None:
    name = st.session_state["lm.preset"]
    if name in PRESETS:
        kit.set_settings(preset_values(name, st.session_state.get("lm.cell", DEFAULT_CELL),
                                       st.session_state.get("lm.level", DEFAULT_LEVEL)))


def follow_preset() -> None:
    """On a new cell or level: if the sliders still show the preset (for the previous cell and level), show
    the preset's values for the new one (the GRU's learning rate, say); sliders the learner moved stay."""
    cell, level = st.session_state.get("lm.choice", (DEFAULT_CELL, DEFAULT_LEVEL))
    name = st.session_state.get("lm.preset", DEFAULT_PRESET)
    if name in PRESETS and all(st.session_state.get(k) == v for k, v in preset_values(name, cell, level).items()):
        apply_preset()


st.title("Train a language model")
st.write("A language model reads text one token at a time and learns to predict the next one. Choose a text, "
         "press **Train**, and watch it go from noise to words. Everything trains here, on this machine's CPU.")
# the sliders follow the preset, cell and level (a link's, when it names them) until the learner moves them
kit.settings(SETTINGS, "lm", defaults=lambda c: preset_values(c["lm.preset"], c["lm.cell"], c["lm.level"]))


# --- 1. the text ---------------------------------------------------------------------------------------

def resolve_text() -> tuple[str, str, str | None]:
    """The chosen text, its title, and a note (the encoding an upload was read with); raises RNNLabError."""
    source = st.session_state["lm.source"]
    if source == SOURCES[0]:
        key = st.session_state["lm.builtin"]
        return load_builtin(key), BUILT_IN[key].title, None
    if source == SOURCES[1]:
        key = st.session_state["lm.public"]
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


def forget_finished_run() -> None:
    """Another text: the last run's closing lines (its message, its failure) were about the one before."""
    kit.forget("lm")


st.subheader("1. Choose a text")
OFFLINE = "Meanwhile a built-in corpus needs no download, and you can paste or upload any text."
# side by side, so that Train is on the first screen of a laptop (1366 × 768)
source_col, text_col = st.columns((2, 3))
source = kit.widget(SETTINGS, "lm.source", source_col, on_change=forget_finished_run, horizontal=False)
waiting = None   # what the page still needs from the learner before it has a text (a hint, not an error)
with text_col:
    if source == SOURCES[0]:
        st.caption(BUILT_IN[kit.widget(SETTINGS, "lm.builtin", on_change=forget_finished_run)].description)
    elif source == SOURCES[1]:
        public = kit.widget(SETTINGS, "lm.public", on_change=forget_finished_run)
        st.caption(PUBLIC_TEXTS[public].description)
        if cached_public_text(public) is None:
            download = f"lm.btn_download_{public}"
            if kit.download_button(download, PUBLIC_TEXTS[public].title, lambda: load_public_text(public),
                                   "Choose “Built-in corpus” on the left, or paste or upload a text."):
                st.rerun()
            failed = kit.download_failed(download)
            if failed:
                kit.show_error(RNNLabError(failed))
            waiting = "" if failed else (f"{PUBLIC_TEXTS[public].title} is not on this machine yet: press Download "
                                         "(it needs an internet connection once, and is kept on disk afterwards). "
                                         + OFFLINE)
        else:
            st.caption("✅ Downloaded and kept on this machine.")
    elif source == SOURCES[2]:
        st.text_area("Paste any text (a few thousand characters or more works best)", key="lm.paste", height=160,
                     on_change=forget_finished_run)
        if not st.session_state.get("lm.paste", "").strip():
            waiting = "Paste a text above (then press Ctrl+Enter, or click outside the box)."
    else:
        st.file_uploader("A plain-text file", type=["txt", "md", "csv", "py"], key="lm.upload",
                         on_change=forget_finished_run)
        if st.session_state.get("lm.upload") is None:
            waiting = "Choose a .txt file to upload."

text = title = None
if waiting is not None:
    if waiting:
        st.info(waiting, icon=":material/info:")
else:
    try:
        text, title, note = resolve_text()
    except RNNLabError as exc:
        kit.show_error(exc)
if text is not None:
    if note:
        st.info(note)
    stats = text_statistics(text)
    source_col.caption("**This text:** " + " · ".join(f"{value:,} {name}" for name, value in stats.items()))
    with text_col.expander("Preview the text"):
        st.code(text[:1200] + (" ..." if len(text) > 1200 else ""), language=None, wrap_lines=True)


# --- 2. the model and its training ---------------------------------------------------------------------

st.subheader("2. Choose the model and train")
p1, p2, p3 = st.columns(3)
kit.widget(SETTINGS, "lm.preset", p1, on_change=apply_preset)
cell, level = (kit.widget(SETTINGS, k, c, on_change=follow_preset) for k, c in (("lm.cell", p2), ("lm.level", p3)))
st.session_state["lm.choice"] = (cell, level)


def make_settings() -> LMSettings:
    """The run the widgets describe: the preset for this cell and level (its vocabulary cap, evaluation and
    best-model keeping), with every slider's value on top. Read from the settings' state, so that Train (drawn
    above the sliders) starts what the sliders below it show."""
    s = st.session_state
    steps = int(s["lm.steps"])
    base = preset(s["lm.preset"], cell=cell, level=level)
    return replace(base, encoding=s["lm.encoding"], hidden_size=s["lm.hidden"], num_layers=s["lm.layers"],
                   embedding_dim=s["lm.embedding_dim"], seq_len=s["lm.seq_len"], batch_size=s["lm.batch"],
                   lr=s["lm.lr"], clip=s["lm.clip"], max_steps=steps, seconds=float(s["lm.seconds"]),
                   seed=int(s["lm.seed"]), eval_every_steps=evaluation_interval(steps))


@st.cache_data(max_entries=16, show_spinner=False)
def cached_text_shape(text: str, level: str, max_vocab: int | None) -> tuple[int, int]:
    return text_shape(text, level, max_vocab)


def show_model(settings: LMSettings) -> None:
    """The model about to be trained, drawn with its sizes; why the three cells differ; a short-text warning."""
    vocab, train_tokens = cached_text_shape(text, settings.level, settings.max_vocab)
    config = settings.model_config(vocab)
    parts = parameter_breakdown(config)
    total = sum(p["count"] for p in parts)
    st.markdown(f"**The model you will train:** {total:,} weights")
    kit.chart(model_diagram(parts, config.cell, config.num_layers, config.hidden_size, vocab, config.encoding,
                            config.embedding_dim), DIAGRAM_CAPTION, key="lm.diagram")
    st.caption(f"The vocabulary: {vocabulary_note(vocab, settings.level)}")
    st.caption(cell_sizes(config))
    if settings.level == "word" and st.session_state["lm.source"] == SOURCES[1] \
            and st.session_state["lm.public"] == book.BOOK and book.presets_note():
        st.info(book.presets_note(), icon="📖")
    advice = size_advice(train_tokens, total, settings.level)
    if advice is not None:
        (st.warning if advice[0] == "warning" else st.info)(advice[1])


def make_run() -> kit.Run:
    settings, corpus, name = make_settings(), text, title
    label = run_label(settings, name)

    def keep(run) -> TrainedModel:
        return TrainedModel(label, "language-model", run.model, run.tokenizer, settings.to_dict(), run.metrics,
                            run.history, source=name)

    return kit.Run(f"Training {label}", lambda stop, report: train_language_model(corpus, settings, on_progress=report,
                                                                                 stop=stop), keep,
                   budget_key("lm", corpus, settings))


def live(reports, _) -> None:
    latest = reports[-1].metrics
    kit.chart(loss_curves(curve_rows(reports), uniform_loss=latest.get("uniform_loss"), title="Loss while training"),
              LOSS_CAPTION, key="lm.live_chart")
    if latest.get("sample"):
        st.markdown(f"**A fresh sample** (temperature 0.8), drawn at step {latest.get('evaluated_at', 0):,}:")
        st.code(latest["sample"], language=None, wrap_lines=True)


def export_source() -> tuple[str, str]:
    """Where an exported script gets the text: (builtin|public|paste|file, key or text or file name)."""
    s = st.session_state
    if source == SOURCES[0]:
        return "builtin", s["lm.builtin"]
    if source == SOURCES[1]:
        return "public", s["lm.public"]
    if source == SOURCES[2]:
        return "paste", s.get("lm.paste", "")
    return "file", s["lm.upload"].name if s.get("lm.upload") is not None else "my_text.txt"


def closing(outcome) -> tuple[str, str]:
    """How the run ended, in a learner's words; a warning when the model it kept is worse than the untrained one."""
    entry = kit.registry().get(outcome.entries[-1]) if outcome.entries else None
    if entry is None:
        return outcome.message, "warning" if outcome.reason in kit.WARNINGS else "success"
    text, look = closing_line(entry.metrics, entry.history, outcome.message, outcome.reason)
    return text + (TIME_LIMIT_NOTE if outcome.reason == "time" else ""), look


job, (b3, _) = kit.train_controls(
    "lm", make_run, disabled=text is None, widths=(1, 1, 2, 2), live=live,
    stop_help="Stops training and keeps the model so far.",
    progress_text=lambda p: f"step {p.step:,} of about {p.planned_steps:,}" + (
        f" · {p.tokens_per_second:,.0f} tokens/s · about {p.time_left:.0f} s left" if p.step else ""),
    done=closing)
with b3:
    try:
        kit.export_button(language_model_script(make_settings(), *export_source(), title or ""),
                          f"train_{cell}_seed{int(st.session_state['lm.seed'])}.py", key="lm.btn_export",
                          schema=SETTINGS)
    except RNNLabError as exc:
        kit.show_error(exc)


st.markdown("**Every setting** (the preset sets them; change any before pressing Train):")
c1, c2, c3 = st.columns(3)
kit.widget(SETTINGS, "lm.encoding", c1)
for key in ("lm.hidden", "lm.layers", "lm.seq_len", "lm.batch"):
    kit.widget(SETTINGS, key, c2)
for key in ("lm.lr", "lm.clip"):
    kit.widget(SETTINGS, key, c3)
kit.widget(SETTINGS, "lm.steps", c3, step=20)
kit.widget(SETTINGS, "lm.seconds", c3)
kit.widget(SETTINGS, "lm.seed", c3)

if text is not None:
    try:
        show_model(make_settings())
    except RNNLabError as exc:
        kit.show_error(exc)


# --- 3. results ----------------------------------------------------------------------------------------

def remove_shown() -> None:
    kit.registry().remove(st.session_state.get("lm.shown_model"))
    st.session_state.pop("lm.shown_model", None)


entries = kit.registry().entries("language-model")
if entries:
    st.subheader("3. Your models")
    m1, m2 = st.columns((5, 1), vertical_alignment="bottom")
    entry = kit.shown_model("lm", "language-model", where=m1)
    m2.button("Remove", key="lm.btn_remove", on_click=remove_shown, help="Forget this model (and its run).")
    m = entry.metrics
    per = "char" if m.get("level") == "char" else "word"
    cols = st.columns(4)
    cols[0].metric("Validation loss", f"{m.get('val_loss', math.nan):.3f}",
                   help="Nats per token on all of the last 10% of the text, which the model never trains on; of "
                        "the model kept (the one whose validation dot was lowest; the dots read a part of it).")
    cols[1].metric("Perplexity", f"{m.get('perplexity', math.nan):,.2f}",
                   help="As unsure as choosing uniformly among this many tokens.")
    cols[2].metric(f"Bits per {per}", f"{m.get(f'bits_per_{per}', math.nan):.2f}")
    cols[3].metric("Parameters", f"{m.get('params', 0):,}")
    st.caption(training_note(m, entry.history))
    for problem in diagnose(m, entry.history):
        st.warning(problem)
    kit.chart(loss_curves(entry.history, uniform_loss=m.get("uniform_loss", math.log(m.get("vocab_size", 2))),
                          title=entry.name, best_step=m.get("best_step", m.get("steps", 0))),
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
                       file_name=f"{entry.name.split(' · ')[0].replace(' ', '-').lower()}.pt",
                       mime="application/octet-stream",
                       help="Weights, vocabulary, settings and the samples along training in one file; the "
                            "Generate page and `python -m rnn_core generate --model FILE` read it.")

    groups = comparable_groups(entries)
    if any(len(g) > 1 for g in groups.values()):
        st.subheader("4. Compare your runs")
        g1, g2 = st.columns((3, 2))
        group = g1.selectbox("Runs on", [k for k, g in groups.items() if len(g) > 1], key="lm.compare_group",
                             help="Losses compare only on the same text and level: a word-level loss and a "
                                  "character-level loss measure different things.")
        axis = g2.radio("Against", ("step", "elapsed"), key="lm.compare_axis", horizontal=True,
                        format_func={"step": "training steps", "elapsed": "seconds"}.get)
        kit.chart(run_comparison([{"name": e.name, "history": e.history, "cell": e.settings["cell"]}
                                  for e in groups.get(group, [])], x=axis), COMPARE_CAPTION, key="lm.compare_chart")
    st.dataframe(pd.DataFrame(runs_table(entries)), hide_index=True)
