"""Forecast a time series with a many-to-one RNN, and measure it honestly against simple baselines.

The lesson of the page: a forecast that looks perfect on a chart may be the last value shifted by one step.
So every model is measured beside the **naive** forecast (next = last), the **seasonal naive** forecast
(next = the value one season ago), a **moving average** of the window, and a **linear autoregression** fitted
by least squares on the same window, on the same test steps, in the series' own units:

- MAE and RMSE; MASE, here the MAE divided by the naive forecast's MAE on the same test steps (below 1
  beats "tomorrow = today"); direction accuracy (how often the forecast moves the way the series does);
- the lag at which the forecast correlates best with the truth (a copy of the last value peaks at lag 1);
- a recursive rollout: predictions fed back in as inputs, with the error at each step ahead.

The RNN trains on the app's one loop (:func:`rnn_core.runs.loop.train`): seeded, clipped, stoppable, by a
fixed number of steps. The weights kept are those with the lowest validation error, checked at fixed step
counts, and training stops early once that error has not improved for ``patience`` checks.
"""

from __future__ import annotations

import math
import threading
from dataclasses import asdict, dataclass, field, replace
from typing import Callable

import numpy as np
import torch
from torch import nn

from rnn_core.nets.cells import CELL_NAMES
from rnn_core.nets.fused import fused_rnn
from rnn_core.errors import RNNLabError
from rnn_core.forecast.series import TRANSFORMS, Series, Split, Windows, chronological_split, detect_period, make_windows
from rnn_core.runs.loop import Progress, TrainConfig, TrainResult, seeded, train

CELLS = CELL_NAMES
BASELINES = ("naive", "seasonal naive", "moving average", "linear AR")
ROLLOUT_STEPS = 24
MAX_LAG = 10
NO_BETTER_BAND = 0.03      # within ±3 % of the naive forecast's error: "no better than naive"


@dataclass(frozen=True)
class ForecastSettings:
    """Everything that decides a forecasting run (the page's widgets and the command line's flags)."""

    cell: str = "lstm"
    window: int = 24
    horizon: int = 1
    target: str = "level"           # level: the value itself; change: the change from the window's last value
    hidden_size: int = 64
    num_layers: int = 1
    lr: float = 3e-3
    batch_size: int = 64
    max_steps: int = 1500
    seconds: float | None = 30.0    # a safety limit; the steps decide the model on any normal machine
    seed: int = 0
    clip: float = 1.0
    train_share: float = 0.70
    val_share: float = 0.15
    eval_every: int = 100           # steps between validation checks (fixed steps: reproducible)
    patience: int = 5               # checks without improvement before stopping early
    period: int | None = None       # seasonal period in steps; None: the series' own, else detected
    loss: str = "mse"               # mse (squared error) or mae (absolute error, what the verdict measures)
    transform: str = "none"         # sqrt: model the square roots (a series whose swings grow with its level)
    ar_skip: bool = False           # the network corrects the linear AR forecast instead of starting from zero

    def __post_init__(self):
        if self.cell not in CELLS:
            raise RNNLabError(f"Unknown cell {self.cell!r}; choose one of {', '.join(CELLS)}.")
        if self.target not in ("level", "change"):
            raise RNNLabError(f"Unknown target {self.target!r}; choose level or change.")
        if not 1 <= self.window <= 500:
            raise RNNLabError(f"The window must be between 1 and 500 steps (got {self.window}).")
        if not 1 <= self.horizon <= 200:
            raise RNNLabError(f"The horizon must be between 1 and 200 steps (got {self.horizon}).")
        if not (1 <= self.hidden_size <= 1024 and 1 <= self.num_layers <= 4 and 1 <= self.batch_size <= 4096):
            raise RNNLabError("Hidden size 1-1024, layers 1-4 and batch 1-4096, please.")
        if self.transform not in TRANSFORMS:
            raise RNNLabError(f"Unknown transform {self.transform!r}; choose one of {', '.join(TRANSFORMS)}.")
        if self.loss not in ("mse", "mae"):
            raise RNNLabError(f"Unknown loss {self.loss!r}; choose mse or mae.")
        if self.period is not None and self.period < 2:
            raise RNNLabError(f"A seasonal period must be at least 2 steps (got {self.period}).")

    def to_dict(self) -> dict:
        return asdict(self)

    def train_config(self) -> TrainConfig:
        return TrainConfig(max_steps=self.max_steps, seconds=self.seconds, lr=self.lr, schedule="cosine",
                           warmup_steps=20, clip=self.clip, eval_every_steps=self.eval_every,
                           keep_best="val_mae", patience=self.patience, fit_to_time=False)   # steps rule


# The page's widgets start from these values; the claim tests and the benchmark import them from here.
PAGE_DEFAULTS = ForecastSettings()
PAGE_SERIES = "sine"
# What the page switches to when a series is picked (measured by benchmarks/forecast_quality.py): sunspot
# counts swing more at the peaks of the cycle than in the troughs, so the model reads their square roots
# and corrects the linear AR (an LSTM alone: 0.90-0.93 × naive over seeds; corrected AR: 0.89-0.90 ×).
SERIES_DEFAULTS = {"sunspots": {"transform": "sqrt", "ar_skip": True}}


def series_defaults(key: str) -> ForecastSettings:
    """The page's defaults for series ``key``."""
    return replace(PAGE_DEFAULTS, **SERIES_DEFAULTS.get(key, {}))


class Forecaster(nn.Module):
    """Many-to-one: read the window one value at a time, predict the target from the last hidden state.

    ``h_t = cell(x_t, h_{t-1})`` for t = 1..window, then ``ŷ = w · h_window + b``. With ``ar_coef`` (a linear
    autoregression fitted beforehand, fixed) the network learns a correction to it: ``ŷ = a · x + c + w · h_window + b``,
    with ``w`` and ``b`` starting at zero, so training starts from the AR forecast and keeps what improves on it
    (the hybrid of a linear model and a network, as in Zhang 2003).
    """

    def __init__(self, cell: str = "lstm", hidden_size: int = 64, num_layers: int = 1,
                 ar_coef: np.ndarray | None = None):
        super().__init__()
        self.cell = cell
        self.rnn = fused_rnn(cell, 1, hidden_size, num_layers, batch_first=True)
        self.head = nn.Linear(hidden_size, 1)
        self.register_buffer("ar", None if ar_coef is None else torch.as_tensor(np.asarray(ar_coef), dtype=torch.float32))
        if ar_coef is not None:
            nn.init.zeros_(self.head.weight)
            nn.init.zeros_(self.head.bias)

    def forward(self, windows: torch.Tensor) -> torch.Tensor:
        """``windows``: (batch, window) in model units -> (batch,) predictions in model units."""
        out, _ = self.rnn(windows.unsqueeze(-1))
        y = self.head(out[:, -1]).squeeze(-1)
        if self.ar is not None:
            y = y + windows @ self.ar[:-1] + self.ar[-1]
        return y

    def num_parameters(self) -> int:
        return sum(p.numel() for p in self.parameters())


# --- baselines (each returns level forecasts, one per window, in the series' units) ---------------------------

def naive_forecast(values: np.ndarray, ends: np.ndarray, horizon: int = 1) -> np.ndarray:
    """Next = last: the value at the window's end, whatever the horizon."""
    return np.asarray(values, np.float64)[ends]


def seasonal_naive_forecast(values: np.ndarray, ends: np.ndarray, horizon: int, period: int) -> np.ndarray:
    """The value one season before the target step (whole seasons back, so it is always already observed).

    NaN where the series does not reach that far back.
    """
    back = period * math.ceil(horizon / period)
    index = np.asarray(ends) + horizon - back
    values = np.asarray(values, np.float64)
    return np.where(index >= 0, values[np.clip(index, 0, None)], np.nan)


def moving_average_forecast(values: np.ndarray, ends: np.ndarray, width: int) -> np.ndarray:
    """The mean of the last ``width`` values up to the window's end."""
    csum = np.concatenate([[0.0], np.cumsum(np.asarray(values, np.float64))])
    ends = np.asarray(ends)
    start = np.clip(ends + 1 - width, 0, None)
    return (csum[ends + 1] - csum[start]) / (ends + 1 - start)


def fit_linear_ar(inputs: np.ndarray, targets: np.ndarray) -> np.ndarray:
    """Least-squares coefficients (one per input, then the intercept) of a linear autoregression."""
    design = np.hstack([inputs, np.ones((len(inputs), 1))])
    coef, *_ = np.linalg.lstsq(design, targets, rcond=None)
    return coef


def linear_ar_predict(coef: np.ndarray, inputs: np.ndarray) -> np.ndarray:
    return np.asarray(inputs, np.float64) @ coef[:-1] + coef[-1]


# --- metrics -------------------------------------------------------------------------------------------------

def error_metrics(forecast: np.ndarray, truth: np.ndarray, last: np.ndarray, naive_mae: float | None = None) -> dict:
    """MAE, RMSE, MASE (MAE ÷ the naive forecast's MAE on the same steps) and direction accuracy.

    Direction accuracy counts the steps where the series moves (truth ≠ last) and the forecast says the same
    way up or down (NaN for a forecast that never moves, as the naive one); NaN forecasts (a seasonal naive forecast before the first season) are left out.
    """
    forecast, truth, last = (np.asarray(a, np.float64) for a in (forecast, truth, last))
    ok = np.isfinite(forecast)
    err = forecast[ok] - truth[ok]
    if not len(err):
        return {"mae": math.nan, "rmse": math.nan, "mase": math.nan, "direction_accuracy": math.nan,
                "balanced_direction": math.nan}
    mae = float(np.abs(err).mean())
    if naive_mae is None:
        naive_mae = float(np.abs(last[ok] - truth[ok]).mean())
    moved = ok & (truth != last)
    # A forecast that never moves (the naive one) has no direction to be right about.
    says = moved & (forecast != last)
    hit = np.sign(forecast - last) == np.sign(truth - last)
    direction = float(hit[moved].mean()) if says.any() else math.nan
    # Balanced: the hit rate on up moves and on down moves, averaged. Always saying "up" scores 50 % however
    # often the series rose, so above 50 % means the forecast tells the two apart.
    up, down = ok & (truth > last), ok & (truth < last)
    balanced = float((hit[up].mean() + hit[down].mean()) / 2) if says.any() and up.any() and down.any() else math.nan
    return {"mae": mae, "rmse": float(np.sqrt((err ** 2).mean())),
            "mase": mae / naive_mae if naive_mae > 0 else math.nan, "direction_accuracy": direction,
            "balanced_direction": balanced}


def lag_correlations(forecast: np.ndarray, truth: np.ndarray, max_lag: int = MAX_LAG) -> list[float]:
    """How well the forecast's moves match the truth's moves k steps earlier, for k = 0..max_lag.

    ``corr(Δforecast[t], Δtruth[t - k])`` with Δ the step-to-step change. Moves, not levels: the levels of a
    slow series correlate at every lag, its moves do not. A forecast that copies the last value makes the
    truth's moves one step late, so it peaks at k = 1 (exactly 1.0 for the naive forecast); a forecast that
    sees the next move coming peaks at k = 0.
    """
    forecast, truth = np.diff(np.asarray(forecast, np.float64)), np.diff(np.asarray(truth, np.float64))
    out = []
    for k in range(max_lag + 1):
        a, b = forecast[k:], truth[:len(truth) - k]
        ok = np.isfinite(a) & np.isfinite(b)
        a, b = a[ok], b[ok]
        out.append(float(np.corrcoef(a, b)[0, 1]) if len(a) > 2 and a.std() > 0 and b.std() > 0 else math.nan)
    return out


def best_lag(correlations: list[float]) -> int:
    finite = [(c, -k) for k, c in enumerate(correlations) if math.isfinite(c)]
    return -max(finite)[1] if finite else 0


def rollout(values: np.ndarray, windows: Windows, predictors: dict[str, Callable[[np.ndarray], np.ndarray]],
            start: int, steps: int = ROLLOUT_STEPS, max_origins: int = 200) -> dict:
    """Recursive forecasts from origins in the test part: each prediction is fed back in as the newest input.

    ``predictors`` map a name to a function from model inputs (batch, window) to model outputs (one step
    ahead). Returns the mean absolute error at each step ahead for every predictor and for the naive forecast
    (the origin's value held), over up to ``max_origins`` origins spread over the test part.
    """
    values = np.asarray(values, np.float64)
    w = windows.window
    latest = len(values) - 1 - steps
    first = max(start - 1, w)
    if latest < first:
        return {"steps": [], "origins": 0}
    origins = np.unique(np.linspace(first, latest, min(max_origins, latest - first + 1)).round().astype(int))
    future = values[origins[:, None] + np.arange(1, steps + 1)[None, :]]
    out = {"steps": list(range(1, steps + 1)), "origins": int(len(origins)),
           "naive": np.abs(future - values[origins][:, None]).mean(0).tolist()}
    for name, predict in predictors.items():
        buffer = values[origins[:, None] + np.arange(-w, 1)[None, :]]      # levels, window + 1 wide
        errors = []
        for k in range(steps):
            level = windows.decode(predict(windows.encode(buffer)), buffer[:, -1])
            errors.append(float(np.abs(level - future[:, k]).mean()))
            buffer = np.hstack([buffer[:, 1:], level[:, None]])
        out[name] = errors
    return out


# --- the run ---------------------------------------------------------------------------------------------------

@dataclass
class ForecastRun:
    """A trained forecaster with every forecast and figure the page shows (arrays over all windows)."""

    settings: ForecastSettings
    series: Series
    split: Split
    windows: Windows
    net: Forecaster
    result: TrainResult
    forecasts: dict            # name -> level forecast per window ("model" and the baselines)
    metrics: dict              # the test-period figures, flat (the command line's JSON)
    table: list                # one row per forecaster: name, mae, rmse, mase, direction_accuracy
    lags: dict                 # name -> correlations at lags 0..MAX_LAG (model and naive)
    rollout: dict
    history: list = field(default_factory=list)
    ar_coef: np.ndarray | None = None

    def predict(self, inputs: np.ndarray) -> np.ndarray:
        """The network's one-step outputs (model units) for inputs (batch, window)."""
        self.net.eval()
        with torch.no_grad():
            return self.net(torch.as_tensor(np.asarray(inputs), dtype=torch.float32)).double().numpy()


def _validation(net: Forecaster, windows: Windows, val_index: np.ndarray, naive_val_mae: float):
    """The training loop's ``evaluate``: the validation part's loss and level MAE (the loop keeps the weights
    with the lowest ``val_mae`` and stops after ``patience`` checks without a new best)."""
    x = torch.as_tensor(windows.inputs[val_index], dtype=torch.float32)
    y = torch.as_tensor(windows.targets[val_index], dtype=torch.float32)
    steps = (windows.ends[val_index] + windows.horizon).tolist()

    def evaluate() -> dict:
        out = net(x)
        level = windows.to_level(out.double().numpy(), val_index)
        mae = float(np.abs(level - windows.truth[val_index]).mean())
        return {"val_loss": float(((out - y) ** 2).mean()), "val_mae": mae,
                "val_vs_naive": mae / naive_val_mae if naive_val_mae > 0 else math.nan,
                "val_forecast": level.tolist(), "val_steps": steps}   # for the page's live chart

    return evaluate


def resolve_period(series: Series, settings: ForecastSettings) -> int | None:
    return settings.period or series.period or detect_period(series.values[:int(len(series) * settings.train_share)])


def baseline_forecasts(series: Series, windows: Windows, period: int | None) -> tuple[dict, np.ndarray]:
    """Every baseline's level forecast per window, and the linear AR's coefficients (fitted on training windows)."""
    values = series.values
    train = windows.select(0)
    coef = fit_linear_ar(windows.inputs[train], windows.targets[train])
    out = {"naive": naive_forecast(values, windows.ends, windows.horizon),
           "moving average": moving_average_forecast(values, windows.ends, windows.window),
           "linear AR": windows.to_level(linear_ar_predict(coef, windows.inputs), np.arange(len(windows.ends)))}
    if period is not None and period < windows.ends[windows.select(2)].min():
        out["seasonal naive"] = seasonal_naive_forecast(values, windows.ends, windows.horizon, period)
    return out, coef


def train_forecaster(series: Series, settings: ForecastSettings = ForecastSettings(), *,
                     on_progress: Callable[[Progress], None] | None = None,
                     stop: threading.Event | None = None) -> ForecastRun:
    """Split ``series`` in time, fit the baselines and train the RNN on the training part, test all on the test part."""
    split = chronological_split(len(series), settings.train_share, settings.val_share)
    windows = make_windows(series.values, split, settings.window, settings.horizon, settings.target,
                           settings.transform)
    train_idx, val_idx, test_idx = (windows.select(p) for p in (0, 1, 2))
    if len(train_idx) < 8 or len(val_idx) < 2 or len(test_idx) < 2:
        raise RNNLabError("Too few windows in one of the parts: use a longer series or a shorter window.")
    period = resolve_period(series, settings)
    forecasts, coef = baseline_forecasts(series, windows, period)
    naive_val_mae = float(np.abs(forecasts["naive"][val_idx] - windows.truth[val_idx]).mean())

    with seeded(settings.seed) as generator:
        net = Forecaster(settings.cell, settings.hidden_size, settings.num_layers, coef if settings.ar_skip else None)
    x_train = torch.as_tensor(windows.inputs[train_idx], dtype=torch.float32)
    y_train = torch.as_tensor(windows.targets[train_idx], dtype=torch.float32)
    batch = min(settings.batch_size, len(train_idx))

    def loss_on_step(step: int) -> torch.Tensor:
        pick = torch.randint(len(train_idx), (batch,), generator=generator)
        err = net(x_train[pick]) - y_train[pick]
        return err.abs().mean() if settings.loss == "mae" else (err ** 2).mean()

    result = train(net, loss_on_step, settings.train_config(), tokens_per_step=batch,
                   evaluate=_validation(net, windows, val_idx, naive_val_mae), on_progress=on_progress, stop=stop)
    if result.best_step is None:
        raise RNNLabError(result.message or "Training stopped before its first validation check; nothing to keep.")
    if result.stop_reason == "early":
        result.message = (f"Stopped early at step {result.steps:,}: the validation error had not improved for "
                          f"{settings.patience} checks.")
    result.message += f" Kept the weights of step {result.best_step:,}, the best on the validation part."
    net.eval()
    run = ForecastRun(settings, series, split, windows, net, result, {}, {}, [], {}, {}, result.history, coef)
    forecasts["model"] = windows.to_level(run.predict(windows.inputs), np.arange(len(windows.ends)))
    run.forecasts = forecasts
    run.table, run.metrics, run.lags = measure(series, windows, forecasts, settings)
    if settings.horizon == 1:
        ar = lambda inputs: linear_ar_predict(coef, inputs)   # noqa: E731
        run.rollout = rollout(series.values, windows, {"model": run.predict, "linear AR": ar}, split.val_end)
    run.metrics.update({
        "steps": result.steps, "best_step": result.best_step, "seconds": result.seconds,
        "stop_reason": result.stop_reason, "params": net.num_parameters(), "period": period,
        "val_mae": result.best_metrics["val_mae"], "val_naive_mae": naive_val_mae, "cell": settings.cell,
        "target": settings.target, "series": series.key, "transform": settings.transform, "ar_skip": settings.ar_skip,
    })
    if run.rollout.get("steps"):
        run.metrics["rollout_mae"] = run.rollout["model"]
        run.metrics["rollout_naive_mae"] = run.rollout["naive"]
    return run


def measure(series: Series, windows: Windows, forecasts: dict, settings: ForecastSettings) -> tuple[list, dict, dict]:
    """The verdict table (test part), the flat metrics, and the lag correlations of the model and naive."""
    test = windows.select(2)
    truth, last = windows.truth[test], windows.last[test]
    naive = error_metrics(forecasts["naive"][test], truth, last)
    naive_mae = naive["mae"]
    table = []
    for name in ("model", *BASELINES):
        if name in forecasts:
            row = error_metrics(forecasts[name][test], truth, last, naive_mae)
            label = settings.cell.upper() + (" + AR" if settings.ar_skip else "") if name == "model" else name
            table.append({"forecaster": label, "key": name, **row})
    rows = {r["key"]: r for r in table}
    lags = {name: lag_correlations(forecasts[name][test], truth) for name in ("model", "naive", "linear AR")}
    train_values = series.values[:windows.ends[windows.select(0)].max() + windows.horizon + 1]
    low, high = float(train_values.min()), float(train_values.max())
    outside = float(((truth < low) | (truth > high)).mean())
    metrics = {**{k: rows["model"][k] for k in ("mae", "rmse", "mase", "direction_accuracy", "balanced_direction")},
               "naive_mae": naive_mae, "naive_rmse": naive["rmse"],
               "seasonal_naive_mae": rows["seasonal naive"]["mae"] if "seasonal naive" in rows else None,
               "moving_average_mae": rows["moving average"]["mae"], "ar_mae": rows["linear AR"]["mae"],
               "ar_mase": rows["linear AR"]["mase"], "ar_direction_accuracy": rows["linear AR"]["direction_accuracy"],
               "best_lag": best_lag(lags["model"]), "n_train": int(len(windows.select(0))),
               "n_val": int(len(windows.select(1))), "n_test": int(len(test)),
               "up_share": float((truth > last).mean()), "train_low": low, "train_high": high, "test_outside_training_range": outside}
    return table, metrics, lags


# --- what the page says ----------------------------------------------------------------------------------------

def verdict(metrics: dict) -> str:
    """The verdict in a sentence or three, from the test figures (every number in it is measured)."""
    cell, ratio, ar = str(metrics["cell"]).upper(), metrics["mase"], metrics["ar_mase"]
    if metrics.get("ar_skip"):
        cell += " correcting the linear AR"
    if not math.isfinite(ratio):
        return f"The {cell}'s forecasts are not finite numbers: its training diverged. Lower the learning rate."
    # Figures within 0.01 of each other get a third decimal, so that the two can be told apart.
    digits = 3 if math.isfinite(ar) and abs(ratio - ar) < 0.01 else 2
    shown = f"{ratio:.{digits}f}"
    if ratio <= 1 - NO_BETTER_BAND:
        text = (f"The {cell} beats the naive forecast (next = last): its test error is {shown} × the naive "
                f"forecast's, {1 - ratio:.0%} lower.")
    elif ratio < 1 + NO_BETTER_BAND:
        text = (f"The {cell} does not beat the naive forecast (next = last): its test error is {shown} × "
                "the naive forecast's, within 3 %. It has learnt little more than \"tomorrow = today\".")
    else:
        text = f"The {cell} does worse than the naive forecast (next = last): its test error is {shown} × the naive forecast's."
    text += f" The linear autoregression on the same window: {ar:.{digits}f} ×."
    if metrics.get("ar_skip"):
        text += (" The network started from that autoregression's forecast and learnt a correction to it: the gap "
                 "between the two figures is what the recurrent part adds.")
    direction = metrics.get("direction_accuracy")
    if metrics["target"] == "change" and direction is not None and math.isfinite(direction):
        up = metrics.get("up_share", 0.5)
        text += (f" It calls the direction of the next move right {direction:.0%} of the time; always saying "
                 f"\"{'up' if up >= 0.5 else 'down'}\" would score {max(up, 1 - up):.0%}.")
        balanced = metrics.get("balanced_direction")
        if balanced is not None and math.isfinite(balanced):
            text += (f" Its balanced direction accuracy (the hit rates on up moves and on down moves, averaged) is "
                     f"{balanced:.0%}: 50 % is a coin, or always the same answer.")
    if metrics["target"] == "level" and metrics["test_outside_training_range"] > 0.1 and ratio >= 1 + NO_BETTER_BAND:
        text += (f" {metrics['test_outside_training_range']:.0%} of the test period lies outside the range of the "
                 f"training values ({metrics['train_low']:,.4g} to {metrics['train_high']:,.4g}): a model of the "
                 "level has never seen such values and cannot produce them. Predict the change instead.")
    return text


# What the page says the defaults do. Each sentence is checked on seeds 0, 1 and 2 by tests/claims/test_forecast.py.
SUNSPOTS_LESSON = (
    "Monthly sunspots (picking the series switches the model to square roots of the counts and an LSTM 64 that "
    "corrects the linear autoregression, window 24, one step ahead): the model beats the naive forecast, with a "
    "test error about 0.89 × naive's, and the linear autoregression alone is close behind (0.90 ×): the 11-year "
    "cycle is learnable, but a weighted sum of the last 24 months already captures most of it.")
TEMPERATURES_LESSON = (
    "Melbourne temperatures: the LSTM and the GRU beat the naive forecast by about 15 % (0.84 to 0.85 × its "
    "error), a shade better than the linear autoregression (0.855 ×), the GRU a little ahead of the LSTM.")
SP500_CHANGE_LESSON = (
    "S&P 500 daily, predicting the change: the LSTM does not beat the naive forecast (its error is within 3 % of "
    "naive's). It calls the direction of the next move right 52 to 57 % of the time, no more often than always "
    "saying \"up\" would (57 % of the test days rose); its balanced direction accuracy, which takes that drift "
    "out, is about 50 %: a coin.")
SP500_LEVEL_LESSON = (
    "S&P 500 daily, predicting the level: every test price lies above the highest training price, so the LSTM's "
    "error is several times the naive forecast's, and its lag chart peaks at lag 1: what it still gets right is "
    "an echo of the last move.")
RANDOM_WALK_LESSON = (
    "The built-in random walk, predicting the change: the LSTM's error is within 1 % of the naive forecast's. "
    "Nothing in a random walk's past predicts its next step, so \"tomorrow = today\" is the best there is.")
LESSONS = (SUNSPOTS_LESSON, TEMPERATURES_LESSON, SP500_CHANGE_LESSON, SP500_LEVEL_LESSON, RANDOM_WALK_LESSON)
