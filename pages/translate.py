"""Translate: an encoder–decoder reads a date as people write it and writes it in ISO form, with and without
attention; then the bottleneck experiment, where attention's advantage grows with the length of the input."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import streamlit as st

from pages import kit
from rnn_core.errors import RNNLabError
from rnn_core.links.settings import Param, Schema
from rnn_core.runs.loop import RunFinished
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import DETERMINISTIC_ENDS, run_key, step_budgeted
from rnn_core.translate.dates import FIRST_DAY, FORMATS, LAST_DAY, day, held_out_days, translate_text
from rnn_core.translate.figures import (ATTENTION_CAPTION, BUDGET_CAPTION, CURVES_CAPTION, FORMAT_CAPTION,
                                        LENGTH_CAPTION, MODEL_NAMES, accuracy_vs_length, attention_heatmap,
                                        budget_curves, budget_finding, dates_finding, exact_match_curves,
                                        format_bars, length_finding)
from rnn_core.translate.model import (BUDGET_CHOICES, DATE_DEFAULTS, LENGTHS, MAX_LENGTH, MIN_LENGTH, MODELS,
                                      REVERSE_DEFAULTS, LengthSpec, LengthUpdate, PairUpdate, TranslateSettings,
                                      bottleneck_length, run_length_grid, summarise_lengths, train_pair)
from rnn_core.translate.typed_dates import mark, read_typed_date
from rnn_core.translate.script import dates_script, length_script
from rnn_core.translate.shipped import REGENERATE, shipped_results

CELL_NAMES = {"lstm": "LSTM", "gru": "GRU"}
LIVE_LIMIT_SECONDS = 15 * 60
TABLE_COLUMNS = {"model": "model", "length": "letters", "seed": "seed", "exact_match": "exact match (test)",
                 "loss": "test loss", "steps": "steps trained", "budget": "budget", "stop_reason": "stopped because",
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


D = DATE_DEFAULTS
SETTINGS = Schema((
    Param("translate.cell", "cell", D.cell, choices=tuple(CELL_NAMES), label="Cell (encoder and decoder)",
          shown=CELL_NAMES.get, help="The encoder is bidirectional: one RNN reads left to right, one right to left; "
                                     "the decoder is one RNN of the same cell."),
    Param("translate.hidden", "hidden", D.hidden, choices=(8, 16, 32, 64, 128), label="Hidden size (per direction)"),
    Param("translate.steps", "steps", D.max_steps, choices=(100, 200, 400, 600, 800, 1200, 1600, 2000),
          label="Training steps (each model)", help="A step budget: the same seed gives the same model on any machine."),
    Param("translate.lr", "lr", D.lr, choices=(1e-3, 3e-3, 5e-3, 1e-2, 2e-2, 5e-2), label="Learning rate"),
    Param("translate.seed", "seed", D.seed, low=0, high=1_000_000, label="Seed",
          help="The same seed gives the same training dates and the same starting weights."),
    Param("translate.date", "date", EXAMPLES[0], label="A date, written any way the formats above allow"),
    Param("translate.lengths", "lengths", "20", check=_check_lengths, label="Lengths (letters, comma-separated)",
          help=f"From {MIN_LENGTH} to {MAX_LENGTH}; the precomputed ones are {', '.join(map(str, LENGTHS))}."),
    Param("translate.models", "models", list(MODELS), choices=MODELS, label="Models", shown=MODEL_NAMES.get),
    Param("translate.grid_steps", "grid_steps", REVERSE_DEFAULTS.max_steps, choices=BUDGET_CHOICES,
          label="Steps (at most, each run)", help="Each run stops once it reverses 98% of the validation sequences, "
          f"or after this many steps. The chart above is at {REVERSE_DEFAULTS.max_steps:,}."),
    Param("translate.seeds", "seeds", 1, low=1, high=3, label="Seeds per point", widget="number"),
    Param("translate.first_seed", "first_seed", 0, low=0, high=1_000_000, label="First seed"),
))
SHARE = SETTINGS      # the name the workshop and the tests know
PAGE_DEFAULTS = SETTINGS.defaults()

st.title("Translate")
st.write("An **encoder–decoder** reads one sequence and writes another: here, a date as people write it "
         "(“3rd of March 2021”, “Mar 3, 2021”, “03/03/21”, …) in, the same date in ISO form (“2021-03-03”) out. "
         "An encoder RNN reads the characters; a decoder RNN writes the answer one character at a time. "
         "**Without attention** the decoder starts from the encoder's last state and sees nothing else: the whole "
         "input must squeeze through that one vector. **With attention** (Bahdanau, Cho & Bengio 2015) the "
         "decoder also looks back at every input character before it writes each output character.")
kit.settings(SETTINGS, "translate")


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
st.caption(f"Dates from {FIRST_DAY.year} to {LAST_DAY.year}, written in {len(FORMATS)} ways, numbers day first "
           "(the table under the chart). A tenth of the days is held out: every score below is on them.")
c1, c2, c3, c4, c5 = st.columns(5)
for key, column in (("translate.cell", c1), ("translate.hidden", c2), ("translate.steps", c3), ("translate.lr", c4),
                    ("translate.seed", c5)):
    kit.widget(SETTINGS, key, column)


def dates_run() -> kit.Run:
    pair = [date_settings(True), date_settings(False)]

    def keep(runs) -> list[TrainedModel]:
        return [TrainedModel(f"{CELL_NAMES[r.settings.cell]} {r.settings.hidden} {r.settings.label} · seed "
                             f"{r.settings.seed}", "translator", r.model, None, r.settings.to_dict(), r.metrics,
                             r.curve, source="dates") for r in runs]

    def ending(runs) -> tuple[str, str]:
        return pair_ending(runs, len(pair))

    return kit.Run("Training date translators", lambda stop, report: train_pair(pair, report, stop), keep,
                   run_key("translate-dates", None, tuple(pair), seed=pair[0].seed, steps=pair[0].max_steps)
                   if step_budgeted(pair[0].train_config()) else None, context=pair[0].max_steps, ending=ending,
                   cacheable=lambda runs: len(runs) == len(pair) and all(
                       r.metrics["stop_reason"] in DETERMINISTIC_ENDS for r in runs))


def pair_ending(runs, planned: int) -> tuple[str, str]:
    """How a pair's training ended, in words, and the kit's stop reason."""
    reasons = [r.metrics["stop_reason"] for r in runs]
    if len(runs) < planned:
        first = runs[0].metrics
        return (f"Stopped: the model with attention stopped at step {first['steps']:,} of {runs[0].settings.max_steps:,} "
                "and kept what it had learnt; the model without attention never trained, so there is nothing to "
                "compare it with. Train again to see both."), "stopped"
    if reasons[-1] == "stopped":
        last = runs[-1].metrics
        return (f"Stopped: the model with attention trained all its steps; the one without stopped at step "
                f"{last['steps']:,} of {runs[-1].settings.max_steps:,}, so it had less training than its rival."), "stopped"
    return "Both models trained.", "stopped" if "stopped" in reasons else reasons[-1]


def pair_text(update: PairUpdate) -> str:
    p = update.progress
    return f"{MODEL_NAMES['attention' if update.attention else 'plain']}: step {p.step:,} of {p.planned_steps:,} " \
           f"({p.elapsed:.0f} s)" if p is not None else "switching models"


def pair_live(reports, steps) -> None:
    curves = {("attention" if r.attention else "plain"): r.curve for r in reports if isinstance(r, PairUpdate)}
    if any(curves.values()):
        kit.chart(exact_match_curves({m: curves.get(m, []) for m in MODELS}, steps=steps), CURVES_CAPTION,
                  key="translate.live_curves")


job, (export_column, _) = kit.train_controls("translate", dates_run, label="Train both", widths=(1, 1, 2, 2),
                                             live=pair_live, progress_text=pair_text,
                                             done=lambda o: o.message + (" Their scores are below." if len(
                                                 o.entries) > 1 else " Its score is below."))
with export_column:
    kit.export_button(dates_script(date_settings(True)), "translate_dates.py", key="translate.btn_export",
                      schema=SETTINGS, label="Export as a Python script")
st.caption("Trains the model with attention, then the one without, with the same settings and seed; the chart "
           "below follows both as they train.")
found = shipped("dates")
if found is not None:
    st.markdown(f"**With this page's defaults** (precomputed): {dates_finding(found[0])}")
with st.expander(f"The {len(FORMATS)} ways of writing a date, and how they are read"):
    st.caption(f"The dates run from {FIRST_DAY.year} to {LAST_DAY.year}, written in {len(FORMATS)} ways. Numbers are "
               "day first (03/04/21 is the 3rd of April); two-digit years 50–99 are 19xx, 00–49 are 20xx; capitals "
               "are read as lower case. A tenth of the days is held out: training never sees them in any format, "
               "and every score below is on them.")
    st.dataframe(pd.DataFrame([{"written": f(day(9000)), "format": name, "ISO": day(9000).isoformat()}
                               for name, f in FORMATS.items()]), hide_index=True)
if job is None and found is not None:   # before any training: the shipped curves of seed 0
    seed0 = {m: [c for c in found[1] if c["model"] == m and c["seed"] == 0] for m in MODELS}
    kit.chart(exact_match_curves(seed0, "Held-out exact match while training (precomputed, seed 0)"),
              CURVES_CAPTION, key="translate.shipped_curves")

translators = kit.registry().entries("translator")
if translators:
    outcome = kit.latest_outcome("translate")
    ours = [e for e in translators if outcome is None or e.name in outcome.entries] or translators
    latest = {m: next((e for e in reversed(ours) if e.settings["attention"] == (m == "attention")), None)
              for m in MODELS}
    if job is not None and not job.active and all(latest.values()):
        kit.chart(exact_match_curves({m: latest[m].history for m in MODELS},
                                     f"Held-out exact match while training ({latest['attention'].name})",
                                     steps=latest["attention"].metrics["steps"]),
                  CURVES_CAPTION, key="translate.final_curves")
    cols = st.columns(2)
    for col, model in zip(cols, MODELS):
        entry = latest[model]
        if entry is None:
            col.info(f"No model {MODEL_NAMES[model]} from this run: it never trained (the pair was stopped first).",
                     icon=":material/block:")
        else:
            col.metric(f"Held-out exact match, {MODEL_NAMES[model]}", f"{entry.metrics['exact_match']:.1%}",
                       help=f"{entry.name}: {entry.metrics['steps']:,} steps in {entry.metrics['seconds']:.0f} s, "
                            f"{entry.metrics['params']:,} parameters; 1,000 held-out dates.")
    by_format = {m: latest[m].metrics.get("by_format", {}) for m in MODELS if latest[m] is not None}
    kit.chart(format_bars(by_format), FORMAT_CAPTION, key="translate.formats")


# --- 2. type a date ---------------------------------------------------------------------------------------

st.subheader("2. Type a date")
kit.widget(SETTINGS, "translate.date", max_chars=200)
st.caption(f"The models know days from {FIRST_DAY.year} to {LAST_DAY.year}, written in the {len(FORMATS)} ways of "
           "section 1, numbers day first. Ideas (all held-out days, never seen in training): "
           + " · ".join(f"“{e}”" for e in EXAMPLES))
typed = read_typed_date(st.session_state["translate.date"])
if typed.kind == "date":
    st.caption(typed.reason)
else:
    st.warning(typed.reason, icon=":material/event_busy:")
if not translators:
    st.info("Train the translators above first (press **Train both**); then each one's answer, and where the one "
            "with attention looked, appear here.", icon=":material/translate:")
else:
    try:
        answers = [(e, translate_text(e.model, st.session_state["translate.date"])) for e in reversed(translators)]
    except RNNLabError as exc:
        kit.show_error(exc)
    else:
        table = pd.DataFrame([{"model": e.name, "says": t.output, "right?": mark(t.output, typed)}
                              for e, t in answers])
        st.dataframe(table, hide_index=True)
        shown = next(((e, t) for e, t in answers if t.attention is not None), None)
        if shown is not None:
            entry, t = shown
            kit.chart(attention_heatmap(t.text, t.output, t.attention, f"Where each character looked: {entry.name}"),
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
         "with a bidirectional encoder). Without attention, every letter must pass through the encoder's last "
         "state, and learning to pack a long sequence into one vector and unpack it backwards takes many steps; "
         "with attention the decoder fetches each letter when it needs it. This is the small-scale version of "
         "Bahdanau, Cho & Bengio (2015, Figure 2), whose plain encoder–decoder lost BLEU on long sentences while the "
         "attention model held. Both charts below give every model the same budget of steps; the second one "
         "gives five times more.")
grid = shipped("reverse")
kept = [r for e in kit.registry().entries("length-grid") for r in e.metrics["rows"]]
EQUAL = REVERSE_DEFAULTS.max_steps
if grid is not None:
    rows = grid[0]
    st.markdown(f"**The result** (precomputed): {length_finding(rows, bottleneck_length(rows))}")
    kit.chart(accuracy_vs_length(summarise_lengths(rows), kept, f"Reversing letters: exact match after at most "
                                 f"{EQUAL:,} steps per model", summary_rows=rows),
              LENGTH_CAPTION, key="translate.length_chart")
    with st.expander("How this was measured, and every run"):
        shipped_seeds = sorted({int(r["seed"]) for r in rows})
        st.markdown(f"Lengths {', '.join(map(str, LENGTHS))}, seeds {shipped_seeds[0]}–{shipped_seeds[-1]}, each model "
                    f"up to {REVERSE_DEFAULTS.max_steps:,} steps (LSTM, hidden {REVERSE_DEFAULTS.hidden} per direction, "
                    f"batch {REVERSE_DEFAULTS.batch}, learning rate {REVERSE_DEFAULTS.lr:g}), stopping once "
                    f"{REVERSE_DEFAULTS.solved_at:.0%} of 500 validation sequences are right; exact match on 1,000 "
                    "other sequences. On the machine that made them, any point replays step for step under **Run "
                    "live** (its length and budget, its seed as the first seed, 1 seed); another CPU rounds "
                    "differently and can end a run a few evaluations earlier or later. Regenerate everything with:")
        st.code(REGENERATE, language="bash")
        runs_table(rows)
else:
    st.info("No precomputed chart ships with this copy; use Run live below.")
more = shipped("budget")
if more is not None:
    st.markdown(budget_finding(more[0], more[1], EQUAL))
    kit.chart(budget_curves(more[1], EQUAL, f"Reversing {int(more[0][0]['length'])} letters with "
                            f"{max(int(r['budget']) if 'budget' in r else int(r['steps']) for r in more[0]):,} steps "
                            "(precomputed, every seed)"), BUDGET_CAPTION, key="translate.budget_chart")
    with st.expander("Every longer run"):
        runs_table(more[0])

st.markdown("**Run live**: train both models yourself at the lengths and budget you choose; finished runs join the "
            "first chart as hollow markers.")
c1, c2, c3, c4, c5 = st.columns([1.2, 2, 1, 1, 1])
for key, column in (("translate.lengths", c1), ("translate.models", c2), ("translate.grid_steps", c3),
                    ("translate.seeds", c4), ("translate.first_seed", c5)):
    kit.widget(SETTINGS, key, column)


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
                      seeds=int(s["translate.seeds"]), first_seed=int(s["translate.first_seed"]),
                      base=replace(REVERSE_DEFAULTS, max_steps=int(s["translate.grid_steps"])))
    estimate = spec.estimated_seconds()
    if estimate > LIVE_LIMIT_SECONDS:
        raise RNNLabError(f"These runs could take about {estimate / 60:.0f} minutes here ({len(spec.runs())} runs of "
                          f"up to {spec.base.max_steps:,} steps), more than the {LIVE_LIMIT_SECONDS // 60} minutes "
                          "allowed. Choose fewer or shorter lengths, or fewer seeds.")
    return spec


def grid_run() -> kit.Run:
    spec = live_spec()
    label = f"Reversing letters at {len(spec.lengths)} length{'s' if len(spec.lengths) > 1 else ''}"

    def keep(rows) -> TrainedModel:
        if not rows:
            raise RNNLabError("Stopped before the first run finished; nothing to show.")
        return TrainedModel(f"{label} ({', '.join(map(str, spec.lengths))})", "length-grid", None, None,
                            {"lengths": list(spec.lengths), "models": list(spec.models), "seeds": spec.seeds,
                             "first_seed": spec.first_seed}, {"rows": rows})

    def ending(rows) -> tuple[str, str]:
        stopped = len(rows) < len(spec.runs()) or any(r["stop_reason"] == "stopped" for r in rows)
        return (f"{len(rows)} run{'s' if len(rows) != 1 else ''} finished"
                + (" before you stopped" if stopped else "") + "; they join the chart above as hollow markers.",
                "stopped" if stopped else "finished")

    return kit.Run(label, lambda stop, report: run_length_grid(spec, on_result=report, on_update=report, stop=stop),
                   keep, run_key("translate-lengths", None, spec, seed=spec.first_seed, steps=spec.base.max_steps),
                   ending=ending, cacheable=lambda rows: len(rows) == len(spec.runs()) and all(
                       r["stop_reason"] in DETERMINISTIC_ENDS for r in rows))


def grid_text(latest: LengthUpdate) -> str:
    so_far = latest.progress.curve
    held = f", held-out exact match {so_far[-1]['val_exact']:.0%}" if so_far else ""
    return (f"run {latest.index + 1} of {latest.total}: {MODEL_NAMES[latest.model]}, length {latest.length}, seed "
            f"{latest.seed}, step {latest.progress.step:,} of at most {latest.progress.planned_steps:,}{held} (a run "
            "stops once solved)")


def grid_live(reports, _) -> None:
    finished = [r.row for r in reports if isinstance(r, RunFinished)]
    if finished:
        runs_table(finished)


grid_job, (grid_export, _) = kit.train_controls("translate.grid", grid_run, label="Run live", widths=(1, 1, 2, 2),
                                                live=grid_live, progress_text=grid_text,
                                                done=lambda o: o.message,
                                                stop_help="Stops after recording the run in progress.")
try:
    spec = live_spec()
except RNNLabError:   # said when Run live is pressed
    spec = None
if spec is not None:
    with grid_export:
        kit.export_button(length_script(spec), "translate_lengths.py", key="translate.btn_grid_export",
                          schema=SETTINGS)
