"""Translate: an encoder–decoder reads a date as people write it and writes it in ISO form, with and without
attention; then the bottleneck experiment, where attention's advantage grows with the length of the input."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from pages.shared import (chart, job_status, poll_interval, registry, rerun_when_finished, run_controls, show_error,
                          start_job, start_shared_job)
from pages.workshop import export_button, share_settings
from rnn_core.translate.script import dates_script, length_script
from rnn_core.translate.shipped import REGENERATE, shipped_results
from rnn_core.translate.dates import FORMATS, day, held_out_days, translate_text
from rnn_core.errors import RNNLabError
from rnn_core.translate.figures import (ATTENTION_CAPTION, CURVES_CAPTION, FORMAT_CAPTION, LENGTH_CAPTION,
                                        MODEL_NAMES, accuracy_vs_length, attention_heatmap, dates_finding,
                                        exact_match_curves, format_bars, length_finding)
from rnn_core.runs.jobs import RUNNING
from rnn_core.compare.experiments import RunFinished
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import DETERMINISTIC_ENDS, run_key, step_budgeted
from rnn_core.links.settings import Param, Schema
from rnn_core.translate.model import (DATE_DEFAULTS, LENGTHS, MAX_LENGTH, MIN_LENGTH, MODELS, REVERSE_DEFAULTS,
                                LengthSpec, LengthUpdate, TranslateProgress, TranslateSettings,
                                bottleneck_length, run_length_grid, summarise_lengths, train_translator)

JOB, GRID_JOB, KEPT = "translate.job", "translate.grid_job", "translate.kept"
HIDDEN_SIZES = (8, 16, 32, 64, 128)
STEP_CHOICES = (100, 200, 400, 600, 800, 1200, 1600, 2000)
LEARNING_RATES = (1e-3, 3e-3, 5e-3, 1e-2, 2e-2, 5e-2)
CELL_NAMES = {"lstm": "LSTM", "gru": "GRU"}
LIVE_LIMIT_SECONDS = 15 * 60
TABLE_COLUMNS = {"model": "model", "length": "letters", "seed": "seed", "exact_match": "exact match (test)",
                 "loss": "test loss", "steps": "steps trained", "stop_reason": "stopped because",
                 "seconds": "seconds", "steps_per_second": "steps per second", "params": "parameters"}
STOP_WORDS = {"solved": "solved", "finished": "used its budget", "stopped": "stopped by you", "time": "time limit"}


def runs_table(rows: list[dict]) -> None:
    """Every run of the length experiment, one row each, with names a reader understands."""
    frame = pd.DataFrame(rows)
    frame = frame[[c for c in TABLE_COLUMNS if c in frame.columns]]
    frame["model"] = frame["model"].map(MODEL_NAMES)
    frame["stop_reason"] = frame["stop_reason"].map(lambda r: STOP_WORDS.get(r, r))
    st.dataframe(frame.rename(columns=TABLE_COLUMNS), hide_index=True, width="stretch")


def _held_out_examples() -> dict[str, str]:
    """Four held-out days (never in training), each written a different way, with their ISO forms."""
    days = held_out_days()
    ways = ("ordinal of month", "short month", "dd/mm/yy", "weekday")
    picked = [day(int(days[i])) for i in (100, 1300, 2500, 3400)]
    return {FORMATS[w](d): d.isoformat() for w, d in zip(ways, picked)}


ANSWERS = _held_out_examples()      # written date -> the right ISO answer
EXAMPLES = list(ANSWERS)


def _check_lengths(text: str) -> str:
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    if not parts or len(parts) > 8 or not all(p.isdigit() for p in parts):
        raise RNNLabError("lengths are whole numbers separated by commas, at most 8 of them.")
    return ", ".join(parts)


PAGE_DEFAULTS = {"translate.cell": DATE_DEFAULTS.cell, "translate.hidden": DATE_DEFAULTS.hidden,
                 "translate.steps": DATE_DEFAULTS.max_steps, "translate.lr": DATE_DEFAULTS.lr,
                 "translate.seed": DATE_DEFAULTS.seed, "translate.date": EXAMPLES[0],
                 "translate.lengths": "20", "translate.models": list(MODELS), "translate.seeds": 1,
                 "translate.first_seed": 0}
P = PAGE_DEFAULTS
SHARE = Schema((
    Param("translate.cell", "cell", P["translate.cell"], choices=tuple(CELL_NAMES)),
    Param("translate.hidden", "hidden", P["translate.hidden"], choices=HIDDEN_SIZES),
    Param("translate.steps", "steps", P["translate.steps"], choices=STEP_CHOICES),
    Param("translate.lr", "lr", P["translate.lr"], choices=LEARNING_RATES),
    Param("translate.seed", "seed", P["translate.seed"], low=0, high=1_000_000),
    Param("translate.date", "date", P["translate.date"]),
    Param("translate.lengths", "lengths", P["translate.lengths"], check=_check_lengths),
    Param("translate.models", "models", P["translate.models"], choices=MODELS),
    Param("translate.seeds", "seeds", P["translate.seeds"], low=1, high=3),
    Param("translate.first_seed", "first_seed", P["translate.first_seed"], low=0, high=1_000_000),
))

st.title("Translate")
st.write("An **encoder–decoder** reads one sequence and writes another: here, a date as people write it "
         "(“3rd of March 2021”, “Mar 3, 2021”, “03/03/21”, …) in, the same date in ISO form (“2021-03-03”) out. "
         "An encoder RNN reads the characters; a decoder RNN writes the answer one character at a time. "
         "**Without attention** the decoder starts from the encoder's last state and sees nothing else: the whole "
         "input must squeeze through that one vector. **With attention** (Bahdanau, Cho & Bengio 2015) the "
         "decoder also looks back at every input character before it writes each output character.")
for key, value in PAGE_DEFAULTS.items():
    st.session_state.setdefault(key, value)
share_settings(SHARE, "translate")   # a link's settings, once; then the address bar follows the widgets


@st.cache_data(show_spinner=False)
def shipped(kind: str):
    return shipped_results(kind)


def date_settings(attention: bool) -> "object":
    s = st.session_state
    return replace(DATE_DEFAULTS, attention=attention, cell=s["translate.cell"], hidden=int(s["translate.hidden"]),
                   max_steps=int(s["translate.steps"]), lr=float(s["translate.lr"]), seed=int(s["translate.seed"]))


def uses_defaults(settings) -> bool:
    return replace(settings, seed=0, attention=True) == DATE_DEFAULTS


# --- 1. train a date translator, with and without attention -----------------------------------------------

st.subheader("1. Train a date translator, with and without attention")
st.caption("The dates run from 1950 to 2049, written in 13 ways. Numbers are day first (03/04/21 is the 3rd of "
           "April); two-digit years 50–99 are 19xx, 00–49 are 20xx; capitals are read as lower case. A tenth of the "
           "days is held out: training never sees them in any format, and every score below is on them.")
st.dataframe(pd.DataFrame([{"written": f(day(9000)), "format": name, "ISO": day(9000).isoformat()}
                           for name, f in FORMATS.items()]), hide_index=True, height=250)
found = shipped("dates")
if found is not None:
    st.markdown(f"**With this page's defaults** (precomputed): {dates_finding(found[0])}")

c1, c2, c3 = st.columns(3)
c1.radio("Cell (encoder and decoder)", tuple(CELL_NAMES), key="translate.cell", horizontal=True,
         format_func=CELL_NAMES.get, help="The encoder is bidirectional: one RNN reads left to right, one right "
                                           "to left; the decoder is one RNN of the same cell.")
c1.select_slider("Hidden size (per direction)", HIDDEN_SIZES, key="translate.hidden")
c2.select_slider("Training steps (each model)", STEP_CHOICES, key="translate.steps",
                 help="A step budget: the same seed gives the same model on any machine.")
c2.select_slider("Learning rate", LEARNING_RATES, key="translate.lr", format_func=lambda v: f"{v:g}")
c3.number_input("Seed", 0, 1_000_000, key="translate.seed",
                help="The same seed gives the same training dates and the same starting weights.")


def launch_dates() -> None:
    pair = [date_settings(True), date_settings(False)]
    models = registry()

    def train(stop, report):   # which model trains and each finished curve go through the progress stream too
        runs = []
        for settings in pair:
            report(("current", settings.attention))
            run = train_translator(settings, on_progress=report, stop=stop)
            report(("curve", settings.attention, run.curve))
            runs.append(run)
            if stop.is_set():
                break
        return runs

    def relay(job, event):
        if isinstance(event, tuple) and event[0] == "current":
            job.current = event[1]
        elif isinstance(event, tuple) and event[0] == "curve":
            job.curves[event[1]] = event[2]
        else:
            job.report(event)

    def prepare(job):
        job.curves, job.current, job.steps = {}, True, pair[0].max_steps

    def deliver(runs, job):   # this session's own copies (identical runs are trained once per server)
        finished = []
        for run in runs:
            settings = run.settings
            name = (f"{CELL_NAMES[settings.cell]} {settings.hidden} {settings.label} · seed {settings.seed}"
                    + (" (stopped)" if run.metrics["stop_reason"] == "stopped" else ""))
            entry = TrainedModel(name, "translator", run.model, None, settings.to_dict(), run.metrics, run.curve,
                                 source="dates")
            finished.append(models.add(entry))
        return {"entries": finished}

    key = (run_key("translate-dates", None, tuple(pair), seed=pair[0].seed, steps=pair[0].max_steps)
           if step_budgeted(pair[0].train_config()) else None)
    start_shared_job(JOB, "Training date translators", key, train, deliver, relay=relay, prepare=prepare,
                     cacheable=lambda runs: len(runs) == len(pair) and all(
                         r.metrics["stop_reason"] in DETERMINISTIC_ENDS for r in runs))


job, (export_column, _) = run_controls(JOB, launch_dates, label="Train both", start_key="translate.btn_train",
                                       stop_key="translate.btn_stop", widths=(1, 1, 2, 2))
with export_column:
    export_button(dates_script(date_settings(True)), "translate_dates.py", key="translate.btn_export", schema=SHARE,
                  label="Export as a Python script")
st.caption("Trains the model with attention, then the one without, with the same settings and seed; the chart "
           "below follows both as they train.")


@st.fragment(run_every=poll_interval(job))
def dates_live() -> None:
    job = st.session_state.get(JOB)
    if job is None or not hasattr(job, "curves"):
        if found is not None:   # before any training: the shipped curves of seed 0
            seed0 = {m: [c for c in found[1] if c["model"] == m and c["seed"] == 0] for m in MODELS}
            chart(exact_match_curves(seed0, "Held-out exact match while training (precomputed, seed 0)"),
                  CURVES_CAPTION, key="translate.shipped_curves")
        return
    job_status(job)
    curves = {("attention" if k else "plain"): v for k, v in job.curves.items()}
    latest = job.progress
    if job.active and isinstance(latest, TranslateProgress):
        which = "attention" if job.current else "plain"
        curves[which] = latest.curve
        if job.status == RUNNING:
            st.progress(latest.fraction, text=f"{MODEL_NAMES[which]}: step {latest.step:,} of "
                                              f"{latest.planned_steps:,} ({latest.elapsed:.0f} s)")
    if any(curves.values()):
        chart(exact_match_curves({m: curves.get(m, []) for m in MODELS}, steps=getattr(job, "steps", None)),
              CURVES_CAPTION, key="translate.live_curves")
    rerun_when_finished(job, "translate")


dates_live()

translators = registry().entries("translator")
if translators:
    latest = {m: next((e for e in reversed(translators) if e.settings["attention"] == (m == "attention")), None)
              for m in MODELS}
    cols = st.columns(2)
    for col, model in zip(cols, MODELS):
        entry = latest[model]
        if entry is not None:
            col.metric(f"Held-out exact match, {MODEL_NAMES[model]}", f"{entry.metrics['exact_match']:.1%}",
                       help=f"{entry.name}: {entry.metrics['steps']:,} steps in {entry.metrics['seconds']:.0f} s, "
                            f"{entry.metrics['params']:,} parameters; 1,000 held-out dates.")
    by_format = {m: latest[m].metrics.get("by_format", {}) for m in MODELS if latest[m] is not None}
    chart(format_bars(by_format), FORMAT_CAPTION, key="translate.formats")


# --- 2. type a date ---------------------------------------------------------------------------------------

st.subheader("2. Type a date")
st.text_input("A date, written any way the formats above allow", key="translate.date", max_chars=200)
st.caption("Ideas (all held-out days, never seen in training): " + " · ".join(f"“{e}”" for e in EXAMPLES))
if not translators:
    st.info("Train the translators above first (press **Train both**); then each one's answer, and where the one "
            "with attention looked, appear here.", icon=":material/translate:")
else:
    try:
        answers = [(e, translate_text(e.model, st.session_state["translate.date"])) for e in reversed(translators)]
    except RNNLabError as exc:
        show_error(exc)
    else:
        right = ANSWERS.get(" ".join(str(st.session_state["translate.date"]).split()))
        table = pd.DataFrame([{"model": e.name, "says": t.output} for e, t in answers])
        if right is not None:   # one of the ideas: its answer is known
            table["right?"] = ["✓" if t.output == right else f"✗ (it is {right})" for _, t in answers]
        st.dataframe(table, hide_index=True)
        shown = next(((e, t) for e, t in answers if t.attention is not None), None)
        if shown is not None:
            entry, t = shown
            chart(attention_heatmap(t.text, t.output, t.attention, f"Where each character looked: {entry.name}"),
                  ATTENTION_CAPTION, key="translate.attention_map")
            if uses_defaults(TranslateSettings(**entry.settings)):
                st.markdown("**What to look for** (with the defaults): the month's two digits look at the letters "
                            "of the month's name, wherever the format puts it; the model learned where a date's "
                            "parts are, not one template.")
        else:
            st.caption("These models have no attention: the decoder sees only the encoder's last state, so there is "
                       "no map of where it looked.")


# --- 3. the bottleneck: longer and longer sequences -------------------------------------------------------

st.subheader("3. The bottleneck: reverse longer and longer sequences")
st.write("The same two models, now reading random letters and writing them backwards (Compare's reverse task, "
         "with a bidirectional encoder). Without attention, every letter must fit into the encoder's last state; "
         "with attention the decoder can fetch each letter when it needs it. This is the small-scale version of "
         "Bahdanau, Cho & Bengio (2015, Figure 2), whose plain encoder–decoder lost BLEU on long sentences while the "
         "attention model held.")
grid = shipped("reverse")
kept = st.session_state.setdefault(KEPT, [])
if grid is not None:
    rows = grid[0]
    st.markdown(f"**The result** (precomputed, 3 seeds per point): {length_finding(rows, bottleneck_length(rows))}")
    chart(accuracy_vs_length(summarise_lengths(rows), kept), LENGTH_CAPTION, key="translate.length_chart")
    with st.expander("How this was measured, and every run"):
        st.markdown(f"Lengths {', '.join(map(str, LENGTHS))}, seeds 0–2, each model up to "
                    f"{REVERSE_DEFAULTS.max_steps:,} steps (LSTM, hidden {REVERSE_DEFAULTS.hidden} per direction, "
                    f"batch {REVERSE_DEFAULTS.batch}, learning rate {REVERSE_DEFAULTS.lr:g}), stopping once "
                    f"{REVERSE_DEFAULTS.solved_at:.0%} of 500 validation sequences are right; exact match on 1,000 "
                    "other sequences. Any point replays step for step under **Run live** (its length, its seed as "
                    "the first seed, 1 seed). Regenerate everything with:")
        st.code(REGENERATE, language="bash")
        runs_table(rows)
else:
    st.info("No precomputed chart ships with this copy; use Run live below.")

st.markdown("**Run live**: train both models yourself at the lengths you choose; finished runs join the chart as "
            "hollow markers.")
c1, c2, c3, c4 = st.columns([1.2, 2, 1, 1])
c1.text_input("Lengths (letters, comma-separated)", key="translate.lengths",
              help=f"From {MIN_LENGTH} to {MAX_LENGTH}; the precomputed ones are {', '.join(map(str, LENGTHS))}.")
c2.multiselect("Models", list(MODELS), key="translate.models", format_func=MODEL_NAMES.get)
c3.number_input("Seeds per point", 1, 3, key="translate.seeds")
c4.number_input("First seed", 0, 1_000_000, key="translate.first_seed")


def live_spec() -> LengthSpec:
    s = st.session_state
    if not s["translate.models"]:
        raise RNNLabError("Choose at least one model.")
    try:
        lengths = tuple(sorted({int(p) for p in str(s["translate.lengths"]).split(",") if p.strip()}))
    except ValueError:
        raise RNNLabError("Write lengths as whole numbers separated by commas, e.g. 10, 20, 30.") from None
    if len(lengths) > 8:
        raise RNNLabError("At most 8 lengths at once.")
    spec = LengthSpec(lengths=lengths, models=tuple(m for m in MODELS if m in s["translate.models"]),
                      seeds=int(s["translate.seeds"]), first_seed=int(s["translate.first_seed"]))
    estimate = spec.estimated_seconds()
    if estimate > LIVE_LIMIT_SECONDS:
        raise RNNLabError(f"These runs could take about {estimate / 60:.0f} minutes here ({len(spec.runs())} runs of "
                          f"up to {spec.base.max_steps:,} steps), more than the {LIVE_LIMIT_SECONDS // 60} minutes "
                          "allowed. Choose fewer or shorter lengths, or fewer seeds.")
    return spec


def launch_grid() -> None:
    spec = live_spec()
    start_job(GRID_JOB, lambda job: run_length_grid(spec, on_result=job.report, on_update=job.report, stop=job.stop),
              f"Reversing letters at {len(spec.lengths)} lengths")


grid_job, (grid_export, _) = run_controls(GRID_JOB, launch_grid, label="Run live", start_key="translate.btn_grid",
                                          stop_key="translate.btn_grid_stop", widths=(1, 1, 2, 2),
                                          stop_help="Stops after recording the run in progress.")
try:
    spec = live_spec()
except RNNLabError:   # said when Run live is pressed
    spec = None
if spec is not None:
    with grid_export:
        export_button(length_script(spec), "translate_lengths.py", key="translate.btn_grid_export", schema=SHARE)


@st.fragment(run_every=poll_interval(grid_job))
def grid_live() -> None:
    job = st.session_state.get(GRID_JOB)
    if job is None:
        return
    job_status(job)
    finished = [r.row for r in job.reports_so_far() if isinstance(r, RunFinished)]
    latest = job.progress
    if job.status == RUNNING and isinstance(latest, LengthUpdate):
        so_far = latest.progress.curve
        held = f", held-out exact match {so_far[-1]['val_exact']:.0%}" if so_far else ""
        st.progress(latest.fraction, text=f"run {latest.index + 1} of {latest.total}: {MODEL_NAMES[latest.model]}, "
                                          f"length {latest.length}, seed {latest.seed}, step {latest.progress.step:,} "
                                          f"of at most {latest.progress.planned_steps:,}{held} (a run stops once "
                                          "solved)")
    if finished:
        runs_table(finished)
    if not job.active and st.session_state.get("translate.kept_job") != job.id:
        st.session_state["translate.kept_job"] = job.id
        st.session_state[KEPT] = st.session_state.get(KEPT, []) + finished
        st.rerun()


grid_live()
