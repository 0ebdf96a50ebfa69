"""Forecast a time series: train a many-to-one RNN and judge it against "tomorrow = today"."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from pages import kit
from rnn_core.errors import RNNLabError
from rnn_core.forecast.figures import (CURVES_CAPTION, RANGE_CAPTION, ROLLOUT_CAPTION, SERIES_CAPTION,
                                       forecast_caption, forecast_figure, live_caption, live_forecast_figure,
                                       moves_caption, moves_figure, rollout_figure, series_figure, training_curves)
from rnn_core.forecast.model import (BASELINES, CELLS, LESSONS, PAGE_DEFAULTS, PAGE_SERIES, ROLLOUT_STEPS,
                                     ForecastSettings, model_label, moves_summary, series_defaults, train_forecaster,
                                     verdict, verdict_is_good)
from rnn_core.forecast.script import forecast_script
from rnn_core.forecast.series import (PUBLIC_SERIES, STOCKS, cached_public_series, chronological_split,
                                      download_public_series, guess_columns, load_public_series, load_series,
                                      make_windows, read_table, series_from_frame)
from rnn_core.links.settings import Param, Schema
from rnn_core.runs.registry import TrainedModel
from rnn_core.runs.runcache import budget_key

SOURCES = ("Built in", "Public series (download)", "Upload a CSV file")
BUILT_IN_NAMES = {"sine": "Noisy sine", "seasonal": "Seasonal with trend", "random-walk": "Random walk",
                  **{f"stocks:{t}": f"{t} weekly price 2018-2019 (plotly)" for t in STOCKS}}
TARGET_NAMES = {"level": "the next value", "change": "the change from the last value"}


def target_name(target: str, horizon: int) -> str:
    """What the model predicts, in words that follow the horizon (the run's name)."""
    if horizon == 1:
        return TARGET_NAMES[target]
    return f"the value {horizon} steps ahead" if target == "level" else f"the change over {horizon} steps"
TRANSFORM_NAMES = {"none": "as they are", "sqrt": "square roots"}
D = PAGE_DEFAULTS
SETTINGS = Schema((
    Param("forecast.source", "data", SOURCES[0], choices=SOURCES, label="Source"),
    Param("forecast.builtin", "builtin", PAGE_SERIES, choices=tuple(BUILT_IN_NAMES), label="Series",
          widget="selectbox", shown=BUILT_IN_NAMES.get),
    Param("forecast.public", "public", "sunspots", choices=tuple(PUBLIC_SERIES), label="Series",
          widget="selectbox", shown=lambda k: PUBLIC_SERIES[k].title),
    Param("forecast.cell", "cell", D.cell, choices=CELLS, label="Cell"),
    Param("forecast.window", "window", D.window, choices=(4, 8, 12, 16, 24, 36, 48, 72, 96),
          label="Window (steps read)"),
    Param("forecast.horizon", "horizon", D.horizon, low=1, high=24, label="Horizon (steps ahead)"),
    Param("forecast.target", "target", D.target, choices=tuple(TARGET_NAMES), label="Predict", shown=TARGET_NAMES.get,
          widget="selectbox",
          help="The change: the model reads the window's step-to-step changes and predicts the next change, so "
               "prices outside the training range look familiar to it."),
    Param("forecast.hidden", "hidden", D.hidden_size, choices=(8, 16, 32, 64, 128), label="Hidden size"),
    Param("forecast.steps", "steps", D.max_steps, choices=(200, 500, 1000, 1500, 2000, 3000), label="Training steps",
          help=f"A fixed step budget: the same seed gives the same model on any machine (with a {D.seconds:g} s "
               "safety limit)."),
    Param("forecast.lr", "lr", D.lr, choices=(1e-3, 3e-3, 1e-2), label="Learning rate"),
    Param("forecast.seed", "seed", D.seed, low=0, high=1_000_000, label="Seed"),
    Param("forecast.transform", "transform", D.transform, choices=tuple(TRANSFORM_NAMES), label="Model the values",
          shown=TRANSFORM_NAMES.get, widget="selectbox",
          help="Square roots even out a series whose swings grow with its level (counts such as sunspots); "
               "forecasts are squared back, and every score is in the series' own units."),
    Param("forecast.ar_skip", "ar_skip", D.ar_skip, label="Correct the AR",
          help="The network starts from the linear autoregression's forecast and learns a correction to it, "
               "rather than learning the whole forecast from zero."),
))
SHARE = SETTINGS      # the name the workshop and the tests know


def apply_series_defaults(key: str) -> None:
    """A series with settings of its own (sunspots) switches the model to them when picked."""
    d = series_defaults(key)
    kit.set_settings({"forecast.transform": d.transform, "forecast.ar_skip": d.ar_skip})


def source_changed() -> None:
    """A new source shows a series already (Public series: sunspots, first in the list): apply its settings."""
    s = st.session_state
    if s["forecast.source"] == SOURCES[0]:
        apply_series_defaults(s["forecast.builtin"])
    elif s["forecast.source"] == SOURCES[1]:
        apply_series_defaults(s["forecast.public"])


def looks_like(series, key: str) -> bool:
    """An uploaded file that is public series ``key`` under its own name or column (sunspots: "Sunspots")."""
    return key in series.key.lower() or key in series.title.lower()

kit.settings(SETTINGS, "forecast")
st.session_state.setdefault("forecast.shown", ["naive", "linear AR"])

st.title("Forecast a time series")
st.write("A many-to-one RNN reads the last few values of a series and predicts the next one. Such forecasts often "
         "look perfect on a chart because they are the last value shifted by a step, so every model here is scored "
         "beside the **naive forecast** (next = last) and three other baselines, on a test period it has never seen.")


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
    """The chosen series, or None with one message saying why (and the way out)."""
    s = st.session_state
    if s["forecast.source"] == SOURCES[0]:
        return built_in(s["forecast.builtin"])
    if s["forecast.source"] == SOURCES[1]:
        key = s["forecast.public"]
        path = cached_public_series(key)
        if path is not None:
            return public(key, path.stat().st_mtime)
        failed = s.get("forecast.download_failed")
        if failed and failed[0] == key:
            kit.show_error(RNNLabError(failed[1]))
        else:
            st.info(f"{PUBLIC_SERIES[key].title} is not on this computer yet. **Download** fetches it once (it needs "
                    f"an internet connection). Offline: upload the same file ({PUBLIC_SERIES[key].file_name}) with "
                    "\"Upload a CSV file\" if you have it, or pick a built-in series.", icon=":material/cloud_download:")
        return None
    upload = s.get("forecast.upload")
    if upload is None:
        st.info("Choose a CSV file with a column of values (and, if you have one, a column of dates).")
        return None
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


def download(key: str) -> None:
    try:
        download_public_series(key)
        st.session_state.pop("forecast.download_failed", None)
    except RNNLabError as exc:
        st.session_state["forecast.download_failed"] = (key, str(exc))


st.subheader("1. Choose a series and a model")
left, right = st.columns([3, 2])
source = kit.widget(SETTINGS, "forecast.source", left, on_change=source_changed)
if source == SOURCES[0]:
    kit.widget(SETTINGS, "forecast.builtin", right,
               on_change=lambda: apply_series_defaults(st.session_state["forecast.builtin"]))
elif source == SOURCES[1]:
    key = kit.widget(SETTINGS, "forecast.public", right,
                     on_change=lambda: apply_series_defaults(st.session_state["forecast.public"]))
    if cached_public_series(key) is None and right.button("Download", key="forecast.btn_download",
                                                         icon=":material/download:"):
        with st.spinner(f"Downloading {PUBLIC_SERIES[key].title}..."):
            download(key)
else:
    right.file_uploader("A CSV file: a column of numbers, and a column of dates if you have one",
                        type=["csv", "txt"], key="forecast.upload")

series = None
try:
    series = resolve_series()
except RNNLabError as exc:
    kit.show_error(exc)
if series is not None and source == SOURCES[2] and looks_like(series, "sunspots"):
    d = series_defaults("sunspots")
    if (st.session_state["forecast.transform"], st.session_state["forecast.ar_skip"]) != (d.transform, d.ar_skip):
        st.info("This looks like the monthly sunspots series. The page's settings for it model the square roots of "
                "the counts and correct the linear autoregression (see \"What to try\").",
                icon=":material/lightbulb:")
        st.button("Use the sunspot settings", key="forecast.btn_sunspot_settings",
                  on_click=lambda: apply_series_defaults("sunspots"))


# --- 2. the model ----------------------------------------------------------------------------------------------

row = st.columns([1.45, 1.35, 1, 1, 0.9])
cell, target, window, horizon, seed = (kit.widget(SETTINGS, k, c) for k, c in zip(
    ("forecast.cell", "forecast.target", "forecast.window", "forecast.horizon", "forecast.seed"), row))
row = st.columns([1.45, 1.35, 1, 1, 0.9])
hidden, transform, steps, lr = (kit.widget(SETTINGS, k, c) for k, c in zip(
    ("forecast.hidden", "forecast.transform", "forecast.steps", "forecast.lr"), row))
with row[4]:
    st.write("")      # level with the labelled widgets beside it
    ar_skip = kit.widget(SETTINGS, "forecast.ar_skip")


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


def make_run(series) -> kit.Run:
    settings, source = current_settings(), series_source()
    make_windows(series.values, chronological_split(len(series), settings.train_share, settings.val_share),
                 settings.window, settings.horizon, settings.target, settings.transform)   # said before the job starts
    label = (f"{model_label(cell, ar_skip)} {hidden} · {series.title} · {target_name(target, horizon)}"
             f"{' (square roots)' if transform == 'sqrt' else ''} · seed {seed}")

    def keep(run) -> TrainedModel:
        return TrainedModel(label, "forecaster", run, None, {**settings.to_dict(), "data": source}, run.metrics,
                            run.history, source=series.title)

    return kit.Run(f"Training {label}", lambda stop, report: train_forecaster(series, settings, on_progress=report,
                                                                             stop=stop),
                   keep, budget_key("forecast", series, settings), context=(series, settings))


def title_lines(text: str) -> str:
    """A long chart title on two lines (the half-width moves chart cut it off)."""
    return text.replace(" (", "<br>(", 1) if " (" in text else text.replace(": ", ":<br>", 1)


def progress_text(p) -> str:
    val = p.metrics.get("val_vs_naive")
    return f"step {p.step:,} of {p.planned_steps:,}" + (f" · validation error {val:.2f} × the naive forecast's"
                                                        if val else "")


def live(reports, context) -> None:
    rows, last = [], None
    for p in reports:
        row = {"step": p.step, "train_loss": p.train_loss}
        if p.metrics.get("val_loss") is not None and p.metrics.get("evaluated_at") != last:
            row["val_loss"] = p.metrics["val_loss"]
            last = p.metrics.get("evaluated_at")
        rows.append(row)
    left, right = st.columns(2)
    with left:
        kit.chart(training_curves(rows, "While training"), CURVES_CAPTION, key="forecast.live_chart")
    latest, (trained_on, trained_with) = reports[-1].metrics, context
    if latest.get("val_forecast"):
        with right:
            kit.chart(live_forecast_figure(trained_on.axis, trained_on.values, latest["val_steps"],
                                           latest["val_forecast"], trained_with.cell,
                                           "Validation forecast, latest check"),
                      live_caption(trained_with.horizon), key="forecast.live_forecast_chart")


job, _ = kit.train_controls("forecast", lambda: make_run(series), disabled=series is None, live=live,
                            progress_text=progress_text, done=lambda outcome: outcome.message,
                            stop_help="Stops training and keeps the best weights so far.")


# --- 2. the series ------------------------------------------------------------------------------------------------

if series is not None:
    st.subheader("2. The series")
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
    kit.chart(series_figure(series.axis, series.values, split, series.title, series.unit), SERIES_CAPTION,
              key="forecast.series_chart")


with st.expander("What to try (what the benchmark measured)"):
    for lesson in LESSONS:
        st.markdown(f"- {lesson}")


# --- 3. the verdict ----------------------------------------------------------------------------------------------

entry = kit.shown_model("forecast", "forecaster")
if entry is None:
    if job is None or not job.active:
        st.info("Train a model to see its forecast beside the baselines, the verdict, its predicted moves against "
                "the real ones, and the rollout.")
    st.stop()

st.subheader("3. The verdict, on the test period")
run = entry.model
m = run.metrics
name = model_label(m["cell"], m.get("ar_skip", False))
(st.success if verdict_is_good(m) else st.warning)(verdict(m))

table = pd.DataFrame([{"forecaster": r["forecaster"], "MAE": r["mae"], "RMSE": r["rmse"],
                       "MAE ÷ naive (MASE)": r["mase"],
                       "direction right": f"{r['direction_accuracy']:.1%}" if math.isfinite(r["direction_accuracy"])
                       else "— (never moves)",
                       "balanced direction": f"{r['balanced_direction']:.1%}" if math.isfinite(r["balanced_direction"])
                       else "—"}
                      for r in run.table])
errors = [v for r in run.table for v in (r["mae"], r["rmse"]) if math.isfinite(v) and v > 0]
decimals = max(0, 2 - math.floor(math.log10(min(errors)))) if errors else 3   # 3 significant digits on the smallest
st.dataframe(table, hide_index=True, column_config={
    "MAE": st.column_config.NumberColumn(format=f"%.{decimals}f"),
    "RMSE": st.column_config.NumberColumn(format=f"%.{decimals}f"),
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
    kit.export_button(forecast_script(ForecastSettings(**fields), entry.settings["data"]),
                  f"forecast_{fields['cell']}_seed{fields['seed']}.py", key="forecast.btn_export", schema=SETTINGS,
                  label="Export this run as a Python script")

shown = st.multiselect("Baselines on the chart", [b for b in BASELINES if b in run.forecasts], key="forecast.shown")
outside = m["target"] == "level" and m["test_outside_training_range"] > 0.05
horizon = run.settings.horizon
kit.chart(forecast_figure(run.series.axis, run.windows, run.forecasts, tuple(shown), m["cell"],
                          f"Forecast {horizon} step{'s' if horizon > 1 else ''} ahead vs truth", run.series.unit,
                          (m["train_low"], m["train_high"]) if outside else None, model_name=name),
          forecast_caption(horizon) + (RANGE_CAPTION if outside else ""), key="forecast.forecast_chart")

left, right = st.columns(2)
with left:
    moves = run.moves["model"]
    kit.chart(moves_figure(moves["predicted"], moves["real"], name, m["cell"], title_lines(moves_summary(m, horizon)),
                           run.series.unit), moves_caption(horizon), key="forecast.moves_chart")
with right:
    if run.rollout.get("steps"):
        kit.chart(rollout_figure(run.rollout, m["cell"], "Rolling the forecast forward", run.series.unit, name),
                  ROLLOUT_CAPTION, key="forecast.rollout_chart")
    elif run.rollout.get("reason") == "short":
        st.info(f"No rollout for this series: rolling a forecast {ROLLOUT_STEPS} steps forward from inside the test "
                f"part needs a test part of at least {ROLLOUT_STEPS} steps, and this one has {run.split.n_test}. "
                "A longer series shows it (the noisy sine's test part has 300 steps).")
    else:
        st.info(f"No rollout: it feeds one-step forecasts back in, and this model predicts {horizon} steps ahead "
                "directly. Train with a horizon of 1 to see it.")
kit.chart(training_curves(entry.history, entry.name), CURVES_CAPTION, key="forecast.curves_chart")
if not all(math.isfinite(float(v)) for v in (m["mae"], m["rmse"])):
    st.warning("This model's forecasts are not finite numbers: train it again with a lower learning rate.")
