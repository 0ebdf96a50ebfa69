"""Forecast a time series: train a many-to-one RNN and judge it against "tomorrow = today"."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from pages.shared import (chart, job_status, poll_interval, registry, rerun_when_finished, run_controls, show_error,
                          start_shared_job)
from pages.workshop import export_button, share_settings
from rnn_core.errors import RNNLabError
from rnn_core.forecast.figures import (CURVES_CAPTION, FORECAST_CAPTION, LAG_CAPTION, LIVE_CAPTION, RANGE_CAPTION,
                                       ROLLOUT_CAPTION, SERIES_CAPTION, forecast_figure, lag_figure,
                                       live_forecast_figure, rollout_figure, series_figure, training_curves)
from rnn_core.forecast.model import (BASELINES, CELLS, LESSONS, PAGE_DEFAULTS, PAGE_SERIES, ForecastSettings,
                                     series_defaults, train_forecaster, verdict)
from rnn_core.forecast.script import forecast_script
from rnn_core.runs.jobs import RUNNING
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import run_key, step_budgeted
from rnn_core.forecast.series import (PUBLIC_SERIES, STOCKS, cached_public_series, chronological_split, download_public_series,
                             guess_columns, load_public_series, load_series, make_windows, read_table,
                             series_from_frame)
from rnn_core.links.settings import Param, Schema

JOB = "forecast.job"
SOURCES = ("Built in", "Public series (download)", "Upload a CSV file")
BUILT_IN_NAMES = {"sine": "Noisy sine", "seasonal": "Seasonal with trend", "random-walk": "Random walk",
                  **{f"stocks:{t}": f"{t} weekly price 2018-2019 (plotly)" for t in STOCKS}}
WINDOWS = (4, 8, 12, 16, 24, 36, 48, 72, 96)
HIDDEN_SIZES = (8, 16, 32, 64, 128)
STEPS = (200, 500, 1000, 1500, 2000, 3000)
LEARNING_RATES = (1e-3, 3e-3, 1e-2)
TARGET_NAMES = {"level": "the next value", "change": "the change from the last value"}
TRANSFORM_NAMES = {"none": "as they are", "sqrt": "square roots"}
D = PAGE_DEFAULTS
SHARE = Schema((
    Param("forecast.source", "data", SOURCES[0], choices=SOURCES),
    Param("forecast.builtin", "builtin", PAGE_SERIES, choices=tuple(BUILT_IN_NAMES)),
    Param("forecast.public", "public", "sunspots", choices=tuple(PUBLIC_SERIES)),
    Param("forecast.cell", "cell", D.cell, choices=CELLS),
    Param("forecast.window", "window", D.window, choices=WINDOWS),
    Param("forecast.horizon", "horizon", D.horizon, low=1, high=24),
    Param("forecast.target", "target", D.target, choices=("level", "change")),
    Param("forecast.hidden", "hidden", D.hidden_size, choices=HIDDEN_SIZES),
    Param("forecast.steps", "steps", D.max_steps, choices=STEPS),
    Param("forecast.lr", "lr", D.lr, choices=LEARNING_RATES),
    Param("forecast.seed", "seed", D.seed, low=0, high=1_000_000),
    Param("forecast.transform", "transform", D.transform, choices=tuple(TRANSFORM_NAMES)),
    Param("forecast.ar_skip", "ar_skip", D.ar_skip),
))


def apply_series_defaults(key: str) -> None:
    """A series with settings of its own (sunspots) switches the model to them when picked."""
    d = series_defaults(key)
    st.session_state["forecast.transform"] = d.transform
    st.session_state["forecast.ar_skip"] = d.ar_skip

for key, value in SHARE.defaults().items():
    st.session_state.setdefault(key, value)
st.session_state.setdefault("forecast.shown", ["naive", "linear AR"])
share_settings(SHARE, "forecast")

st.title("Forecast a time series")
st.write("A many-to-one RNN reads the last few values of a series and predicts the next one. Charts of such "
         "forecasts often look perfect because the forecast is the last value shifted by one step, so every model "
         "here is scored beside the **naive forecast** (next = last), a seasonal naive forecast, a moving average "
         "and a linear autoregression, on a test period it has never seen.")


# --- 1. the series --------------------------------------------------------------------------------------------

@st.cache_data(max_entries=4, show_spinner=False)
def csv_table(data: bytes, name: str):
    return read_table(data, name)


@st.cache_data(max_entries=16, show_spinner=False)
def built_in(key: str):
    return load_series(key)


@st.cache_data(max_entries=8, show_spinner=False)
def public(key: str, _cached_at: float):
    return load_public_series(key)


def resolve_series():
    s = st.session_state
    if s["forecast.source"] == SOURCES[0]:
        return built_in(s["forecast.builtin"])
    if s["forecast.source"] == SOURCES[1]:
        key = s["forecast.public"]
        path = cached_public_series(key)
        if path is None:
            raise RNNLabError(f"{PUBLIC_SERIES[key].title} is not on this computer yet: press Download (it needs "
                              "an internet connection once; the built-in series work offline).")
        return public(key, path.stat().st_mtime)
    upload = s.get("forecast.upload")
    if upload is None:
        raise RNNLabError("Choose a CSV file with a column of values (and, if you have one, a column of dates).")
    frame = csv_table(upload.getvalue(), upload.name)
    date_guess, value_guess = guess_columns(frame)
    columns = list(frame.columns)
    none = "(none: number the rows)"
    if s.get("forecast.date_column") not in [none, *columns]:
        s["forecast.date_column"] = date_guess if date_guess is not None else none
    if s.get("forecast.value_column") not in columns:
        s["forecast.value_column"] = value_guess if value_guess is not None else columns[-1]
    c1, c2 = st.columns(2)
    date_column = c1.selectbox("Date column", [none, *columns], key="forecast.date_column")
    value_column = c2.selectbox("Value column", columns, key="forecast.value_column")
    return series_from_frame(frame, upload.name, None if date_column == none else date_column, value_column)


st.subheader("1. Choose a series")
source = st.radio("Source", SOURCES, key="forecast.source", horizontal=True)
if source == SOURCES[0]:
    st.selectbox("Series", list(BUILT_IN_NAMES), key="forecast.builtin", format_func=BUILT_IN_NAMES.get,
                 on_change=lambda: apply_series_defaults(st.session_state["forecast.builtin"]))
elif source == SOURCES[1]:
    key = st.selectbox("Series", list(PUBLIC_SERIES), key="forecast.public",
                       format_func=lambda k: PUBLIC_SERIES[k].title,
                       on_change=lambda: apply_series_defaults(st.session_state["forecast.public"]))
    if cached_public_series(key) is None and st.button("Download", key="forecast.btn_download",
                                                      icon=":material/download:"):
        with st.spinner(f"Downloading {PUBLIC_SERIES[key].title}..."):
            try:
                download_public_series(key)
            except RNNLabError as exc:
                show_error(exc)
else:
    st.file_uploader("A CSV file: a column of numbers, and a column of dates if you have one", type=["csv", "txt"],
                     key="forecast.upload")

series = None
try:
    series = resolve_series()
except RNNLabError as exc:
    show_error(exc)
if series is not None:
    st.caption(f"**{series.title}.** {series.provenance} *{series.licence}*")
    for note in series.notes:
        st.info(note, icon=":material/build:")
    split = chronological_split(len(series), D.train_share, D.val_share)
    m1, m2, m3, m4 = st.columns(4)
    m1.metric("Steps", f"{len(series):,}")
    m2.metric("Training", f"{split.n_train:,}", help="The first 70 %: the model and the baselines are fitted here, "
                                                    "and the scaling too.")
    m3.metric("Validation", f"{split.n_val:,}", help="The next 15 %: picks the best weights and stops training.")
    m4.metric("Test", f"{split.n_test:,}", help="The last 15 %: every score on this page.")
    chart(series_figure(series.axis, series.values, split, series.title, series.unit), SERIES_CAPTION,
          key="forecast.series_chart")


# --- 2. the model ----------------------------------------------------------------------------------------------

st.subheader("2. Choose the model and train it")
c1, c2, c3 = st.columns(3)
with c1:
    cell = st.radio("Cell", CELLS, key="forecast.cell", horizontal=True, format_func=str.upper)
    target = st.radio("Predict", ("level", "change"), key="forecast.target", horizontal=True,
                      format_func=TARGET_NAMES.get,
                      help="The change: the model reads the window's step-to-step changes and predicts the next "
                           "change, so prices outside the training range look familiar to it.")
    transform = st.radio("Model the values", tuple(TRANSFORM_NAMES), key="forecast.transform", horizontal=True,
                         format_func=TRANSFORM_NAMES.get,
                         help="Square roots even out a series whose swings grow with its level (counts such as "
                              "sunspots); forecasts are squared back, and every score is in the series' own units.")
    ar_skip = st.checkbox("Correct the linear AR", key="forecast.ar_skip",
                          help="The network starts from the linear autoregression's forecast and learns a "
                               "correction to it, rather than learning the whole forecast from zero.")
with c2:
    window = st.select_slider("Window (past steps the model reads)", WINDOWS, key="forecast.window")
    horizon = st.slider("Horizon (steps ahead)", 1, 24, key="forecast.horizon")
    hidden = st.select_slider("Hidden size", HIDDEN_SIZES, key="forecast.hidden")
with c3:
    steps = st.select_slider("Training steps", STEPS, key="forecast.steps",
                             help="A fixed step budget: the same seed gives the same model on any machine "
                                  f"(with a {D.seconds:g} s safety limit).")
    lr = st.select_slider("Learning rate", LEARNING_RATES, key="forecast.lr", format_func=lambda v: f"{v:g}")
    seed = st.number_input("Seed", 0, 1_000_000, key="forecast.seed")


def current_settings() -> ForecastSettings:
    return ForecastSettings(cell=cell, window=int(window), horizon=int(horizon), target=target, hidden_size=int(hidden),
                            max_steps=int(steps), lr=float(lr), seed=int(seed), transform=transform,
                            ar_skip=bool(ar_skip))


def series_source() -> dict:
    """Where the series comes from, for the exported script."""
    s = st.session_state
    if s["forecast.source"] == SOURCES[0]:
        return {"kind": "key", "key": s["forecast.builtin"]}
    if s["forecast.source"] == SOURCES[1]:
        return {"kind": "key", "key": s["forecast.public"]}
    upload = s.get("forecast.upload")
    date = s.get("forecast.date_column")
    return {"kind": "csv", "name": upload.name if upload is not None else "my_series.csv",
            "date_column": None if not date or date.startswith("(none") else date,
            "value_column": s.get("forecast.value_column")}


def launch(series) -> None:
    settings = current_settings()
    source = series_source()
    make_windows(series.values, chronological_split(len(series), settings.train_share, settings.val_share),
                 settings.window, settings.horizon, settings.target, settings.transform)   # said before the job starts
    models = registry()
    label = (f"{cell.upper()} {hidden}{' + AR' if ar_skip else ''} · {series.title} · {TARGET_NAMES[target]}"
             f"{' (square roots)' if transform == 'sqrt' else ''}, {horizon} ahead")

    def train(stop, report):
        return train_forecaster(series, settings, on_progress=report, stop=stop)

    def deliver(run, job):   # this session's own copy of the run (identical runs are trained once per server)
        name = label + {"stopped": " (stopped)", "diverged": " (diverged)"}.get(run.result.stop_reason, "")
        entry = TrainedModel(name, "forecaster", run, None, {**settings.to_dict(), "data": source}, run.metrics,
                             run.history, source=series.title)
        models.add(entry)
        return {"entry": entry.name, "message": run.result.message, "reason": run.result.stop_reason}

    key = (run_key("forecast", series, settings, seed=settings.seed, steps=settings.max_steps)
           if step_budgeted(settings.train_config()) else None)
    started = start_shared_job(JOB, f"Training {label}", key, train, deliver)
    if started is not None:
        started.series, started.cell = series, settings.cell     # what the live chart draws against


job, _ = run_controls(JOB, lambda: launch(series), start_key="forecast.btn_train", stop_key="forecast.btn_stop",
                      disabled=series is None, stop_help="Stops training and keeps the best weights so far.")


@st.fragment(run_every=poll_interval(job))
def live_view() -> None:
    job = st.session_state.get(JOB)
    if job is None:
        return
    job_status(job)
    progress = job.progress
    if job.status == RUNNING and progress is not None:
        val = progress.metrics.get("val_vs_naive")
        st.progress(progress.fraction, text=f"step {progress.step:,} of {progress.planned_steps:,}"
                    + (f" · validation error {val:.2f} × the naive forecast's" if val else ""))
    reports = job.reports_so_far()
    if reports and job.active:
        rows, last = [], None
        for p in reports:
            row = {"step": p.step, "train_loss": p.train_loss}
            if p.metrics.get("val_loss") is not None and p.metrics.get("evaluated_at") != last:
                row["val_loss"] = p.metrics["val_loss"]
                last = p.metrics.get("evaluated_at")
            rows.append(row)
        left, right = st.columns(2)
        with left:
            chart(training_curves(rows, "While training"), CURVES_CAPTION, key="forecast.live_chart")
        latest = reports[-1].metrics
        trained_on = getattr(job, "series", None)
        if latest.get("val_forecast") and trained_on is not None:
            with right:
                chart(live_forecast_figure(trained_on.axis, trained_on.values, latest["val_steps"],
                                           latest["val_forecast"], job.cell, "Validation forecast, latest check"),
                      LIVE_CAPTION, key="forecast.live_forecast_chart")
    rerun_when_finished(job, "forecast")


live_view()
if job is not None and not job.active and isinstance(job.result, dict):
    (st.warning if job.result["reason"] == "diverged" else st.success)(job.result["message"])


# --- 3. the verdict ----------------------------------------------------------------------------------------------

entries = registry().entries("forecaster")
if not entries:
    st.info("Train a model to see its forecast beside the baselines, the verdict, the lag chart and the rollout.")
    st.stop()

st.subheader("3. The verdict, on the test period")
names = [e.name for e in entries]
latest = job.result["entry"] if job is not None and isinstance(job.result, dict) else names[-1]
if st.session_state.get("forecast.shown_model") not in names:
    st.session_state["forecast.shown_model"] = latest if latest in names else names[-1]
entry = registry().get(st.selectbox("Model", names, key="forecast.shown_model"))
run = entry.model
m = run.metrics
text = verdict(m)
(st.success if m["mase"] <= 0.97 else st.warning)(text)

table = pd.DataFrame([{"forecaster": r["forecaster"], "MAE": r["mae"], "RMSE": r["rmse"],
                       "MAE ÷ naive (MASE)": r["mase"],
                       "direction right": f"{r['direction_accuracy']:.1%}" if math.isfinite(r["direction_accuracy"])
                       else "— (never moves)",
                       "balanced direction": f"{r['balanced_direction']:.1%}" if math.isfinite(r["balanced_direction"])
                       else "—"}
                      for r in run.table])
st.dataframe(table, hide_index=True, column_config={
    "MAE": st.column_config.NumberColumn(format="%.4g"), "RMSE": st.column_config.NumberColumn(format="%.4g"),
    "MAE ÷ naive (MASE)": st.column_config.NumberColumn(format="%.3f")})
st.caption(f"How to read it: errors on the {m['n_test']:,} test steps, in the series' own units. MASE here is the "
           "MAE divided by the naive forecast's on the same steps: below 1 beats \"tomorrow = today\". Direction: "
           f"how often the forecast moves the way the series does (the series went up on {m['up_share']:.0%} of "
           f"the test steps, so always saying \"{'up' if m['up_share'] >= 0.5 else 'down'}\" scores "
           f"{max(m['up_share'], 1 - m['up_share']):.0%}). Balanced direction averages the hit rates on up "
           "moves and on down moves: always the same answer scores 50 %, so only a forecast that tells rises "
           "from falls scores above it.")
if "data" in entry.settings:
    fields = {k: v for k, v in entry.settings.items() if k in ForecastSettings.__dataclass_fields__}
    export_button(forecast_script(ForecastSettings(**fields), entry.settings["data"]),
                  f"forecast_{fields['cell']}_seed{fields['seed']}.py", key="forecast.btn_export", schema=SHARE,
                  label="Export this run as a Python script")

shown = st.multiselect("Baselines on the chart", [b for b in BASELINES if b in run.forecasts], key="forecast.shown")
outside = m["target"] == "level" and m["test_outside_training_range"] > 0.05
chart(forecast_figure(run.series.axis, run.windows, run.forecasts, tuple(shown), m["cell"],
                      f"Forecast {run.settings.horizon} step{'s' if run.settings.horizon > 1 else ''} ahead vs truth",
                      run.series.unit, (m["train_low"], m["train_high"]) if outside else None),
      FORECAST_CAPTION + (RANGE_CAPTION if outside else ""), key="forecast.forecast_chart")

left, right = st.columns(2)
with left:
    chart(lag_figure(run.lags, m["cell"], f"Is it just copying the last value? (best lag: {m['best_lag']})"),
          LAG_CAPTION, key="forecast.lag_chart")
with right:
    if run.rollout.get("steps"):
        chart(rollout_figure(run.rollout, m["cell"], "Rolling the forecast forward", run.series.unit),
              ROLLOUT_CAPTION, key="forecast.rollout_chart")
    else:
        st.info("The rollout feeds one-step forecasts back in; this model predicts "
                f"{run.settings.horizon} steps ahead directly. Train with a horizon of 1 to see it.")
chart(training_curves(entry.history, entry.name), CURVES_CAPTION, key="forecast.curves_chart")

with st.expander("What to try (what the benchmark measured)"):
    for lesson in LESSONS:
        st.markdown(f"- {lesson}")
if not all(math.isfinite(float(v)) for v in (m["mae"], m["rmse"])):
    st.warning("This model's forecasts are not finite numbers: train it again with a lower learning rate.")
