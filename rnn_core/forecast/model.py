"""Forecast a time series with a many-to-one RNN, and measure it honestly against simple baselines.

The lesson of the page: a forecast that looks perfect on a chart may be the last value shifted by one step.
So every model is measured beside the **naive** forecast (next = last), the **seasonal naive** forecast
(next = the value one season ago), a **moving average** of the window, and a **linear autoregression** fitted
by least squares on the same window, on the same test steps, in the series' own units:

- MAE and RMSE; MASE, here the MAE divided by the naive forecast's MAE on the same test steps (below 1
  beats "tomorrow = today"); direction accuracy (how often the forecast moves the way the series does);
- the forecast's moves against the real moves (forecast − last value against truth − last value): their
  correlation and a skill score (1 − MSE ÷ the naive forecast's MSE). A copy of the last value predicts moves
  of about 0, or moves unrelated to the real ones; a skilled model predicts the real moves;
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
NO_BETTER_BAND = 0.03      # within ±3 % of the naive forecast's error: "no better than naive"
# "Copying the last value": predicted moves a tenth of the real ones' size or less, or uncorrelated with them.
COPY_MOVE_SCALE = 0.10
COPY_MOVE_CORRELATION = 0.10
# Fewer test steps than this, and a score is rough: the page says so instead of reporting it as meaningful
# (GOOG weekly has 16; one more bad week moves its MASE by several per cent).
MIN_TEST_STEPS = 30
# A skill below this (5 % of the naive forecast's squared error saved) is "little skill", whatever the correlation.
LITTLE_SKILL = 0.05


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


def move_statistics(forecast: np.ndarray, truth: np.ndarray, last: np.ndarray) -> dict:
    """The forecast's moves against the real moves: what tells a copy of the last value from a skilled model.

    ``predicted = forecast − last`` and ``real = truth − last`` (``last``: the value at the window's end). Returns
    their correlation, the skill score ``1 − MSE ÷ MSE_naive`` (the naive forecast predicts a move of 0, so its
    MSE is the mean squared real move: 0 is no better than naive, 1 is perfect, below 0 worse), the size of the
    predicted moves relative to the real ones (``std(predicted) ÷ std(real)``), and ``copying``: the predicted
    moves are about 0 (a tenth of the real ones' size or less) or uncorrelated with the real ones. A lag chart
    cannot tell this: every forecast that leans on the last value correlates best with the truth one step late.
    """
    forecast, truth, last = (np.asarray(a, np.float64) for a in (forecast, truth, last))
    ok = np.isfinite(forecast) & np.isfinite(truth) & np.isfinite(last)
    predicted, real = forecast[ok] - last[ok], truth[ok] - last[ok]
    real_mse = float((real ** 2).mean()) if len(real) else math.nan
    skill = 1 - float(((predicted - real) ** 2).mean()) / real_mse if len(real) and real_mse > 0 else math.nan
    real_sd, predicted_sd = (float(a.std()) if len(a) else math.nan for a in (real, predicted))
    scale = predicted_sd / real_sd if real_sd > 0 else math.nan
    corr = float(np.corrcoef(predicted, real)[0, 1]) if len(real) > 2 and predicted_sd > 0 and real_sd > 0 else 0.0
    copying = bool(not (scale > COPY_MOVE_SCALE) or abs(corr) < COPY_MOVE_CORRELATION)
    return {"n": int(len(real)), "correlation": corr, "skill": skill, "scale": scale, "copying": copying,
            "predicted": predicted.tolist(), "real": real.tolist()}


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
    if latest < first:    # the test part is shorter than the rollout: no origin has the whole future after it
        return {"steps": [], "origins": 0, "reason": "short"}
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
    moves: dict                # name -> move_statistics on the test part (model and linear AR)
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
                          f"{settings.patience} checks." if result.steps < settings.max_steps else
                          f"Finished all {result.steps:,} steps; the validation error had not improved for its last "
                          f"{settings.patience} checks.")   # the patience ran out with the budget: not early
    result.message += f" Kept the weights of step {result.best_step:,}, the best on the validation part."
    net.eval()
    run = ForecastRun(settings, series, split, windows, net, result, {}, {}, [], {}, {}, result.history, coef)
    forecasts["model"] = windows.to_level(run.predict(windows.inputs), np.arange(len(windows.ends)))
    run.forecasts = forecasts
    run.table, run.metrics, run.moves = measure(series, windows, forecasts, settings)
    run.rollout = {"steps": [], "origins": 0, "reason": "horizon"}
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
    """The verdict table (test part), the flat metrics, and the move statistics of the model and the linear AR."""
    test = windows.select(2)
    truth, last = windows.truth[test], windows.last[test]
    naive = error_metrics(forecasts["naive"][test], truth, last)
    naive_mae = naive["mae"]
    table = []
    for name in ("model", *BASELINES):
        if name in forecasts:
            row = error_metrics(forecasts[name][test], truth, last, naive_mae)
            label = model_label(settings.cell, settings.ar_skip) if name == "model" else name
            table.append({"forecaster": label, "key": name, **row})
    rows = {r["key"]: r for r in table}
    moves = {name: move_statistics(forecasts[name][test], truth, last) for name in ("model", "linear AR")}
    train_values = series.values[:windows.ends[windows.select(0)].max() + windows.horizon + 1]
    low, high = float(train_values.min()), float(train_values.max())
    outside = float(((truth < low) | (truth > high)).mean())
    metrics = {**{k: rows["model"][k] for k in ("mae", "rmse", "mase", "direction_accuracy", "balanced_direction")},
               "naive_mae": naive_mae, "naive_rmse": naive["rmse"],
               "seasonal_naive_mae": rows["seasonal naive"]["mae"] if "seasonal naive" in rows else None,
               "moving_average_mae": rows["moving average"]["mae"], "ar_mae": rows["linear AR"]["mae"],
               "ar_mase": rows["linear AR"]["mase"], "ar_direction_accuracy": rows["linear AR"]["direction_accuracy"],
               "move_correlation": moves["model"]["correlation"], "skill": moves["model"]["skill"],
               "move_scale": moves["model"]["scale"], "copying": moves["model"]["copying"],
               "ar_skill": moves["linear AR"]["skill"], "n_train": int(len(windows.select(0))),
               "n_val": int(len(windows.select(1))), "n_test": int(len(test)),
               "up_share": float((truth > last).mean()), "train_low": low, "train_high": high, "test_outside_training_range": outside}
    return table, metrics, moves


# --- what the page says ----------------------------------------------------------------------------------------

def model_label(cell: str, ar_skip: bool = False) -> str:
    """The model's name in the table, the charts' legends and the verdict: "LSTM", or "LSTM + AR"."""
    return str(cell).upper() + (" + AR" if ar_skip else "")


def correction_hurts(metrics: dict) -> bool:
    """The network was asked to correct the linear AR, and its forecast is worse than the AR's alone (by 1 %+)."""
    ratio, ar = metrics["mase"], metrics["ar_mase"]
    return bool(metrics.get("ar_skip")) and math.isfinite(ratio) and math.isfinite(ar) and ratio > ar * 1.01


def verdict_is_good(metrics: dict) -> bool:
    """Green box or yellow one: the model beats naive by 3 % or more, and did not make the AR it corrects worse."""
    return math.isfinite(metrics["mase"]) and metrics["mase"] <= 1 - NO_BETTER_BAND and not correction_hurts(metrics)


def moves_summary(metrics: dict, horizon: int = 1) -> str:
    """What the moves chart shows, in a sentence (its title): copying or not, with the figures behind it."""
    n, corr, skill, scale = metrics["n_test"], metrics["move_correlation"], metrics["skill"], metrics["move_scale"]
    ahead = "next move" if horizon == 1 else f"move over {horizon} steps"
    if n < MIN_TEST_STEPS:
        return f"Predicted vs real {ahead}: only {n} test steps, too few to measure"
    figures = f"correlation {corr:.2f}, skill {skill:.2f}"
    if metrics["copying"]:
        why = "its predicted moves are about 0" if not scale > COPY_MOVE_SCALE else "its moves are unrelated to the real ones"
        return f"Copying the last value: {why} ({figures})"
    if not skill >= 0:
        return f"Worse than predicting no move at all ({figures})"
    if skill < LITTLE_SKILL:
        return f"Little skill: it barely improves on predicting no move ({figures})"
    return f"Not a copy: it predicts the {ahead} ({figures})"


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
    if correction_hurts(metrics):
        text += (f" The network started from that autoregression's forecast and was to learn a correction to it, "
                 f"but it made the AR {ratio / ar - 1:.0%} worse: on this series the recurrent part adds nothing the "
                 "AR lacks. Untick \"Correct the AR\", or use the AR alone.")
    elif metrics.get("ar_skip"):
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
    n_test = metrics.get("n_test")
    if n_test is not None and n_test < MIN_TEST_STEPS:
        text += (f" Careful: the test part has only {n_test} steps, so these figures are rough (a few steps more or "
                 "less can change them by several per cent); a longer series gives a firmer verdict.")
    return text


# What the page says the defaults do. Each sentence is checked on seeds 0-4 by tests/claims/test_forecast.py.
# The built-in series come first: they need no download.
DOWNLOAD = "public series: press Download once, or upload {}"
NOISY_SINE_LESSON = (
    "**Noisy sine** (built in, the page's default): the LSTM beats the naive forecast, with a test error 0.68 to "
    "0.70 × naive's, level with the linear autoregression (0.69 ×); its predicted moves follow the real ones "
    "(correlation about 0.73, skill about 0.53): not a copy. A noisy sine is close to a weighted sum of its last "
    "values, which is what the autoregression is.")
RANDOM_WALK_LESSON = (
    "**Random walk** (built in), predicting the change: the LSTM's error is within 1 % of the naive forecast's, "
    "and its moves chart says it is copying the last value: its predicted moves are about 0. Nothing in a random "
    "walk's past predicts its next step, so \"tomorrow = today\" is the best there is.")
SUNSPOTS_LESSON = (
    f"**Monthly sunspots** ({DOWNLOAD.format('monthly-sunspots.csv')}; picking the series switches the model to "
    "square roots of the counts and an LSTM 64 that corrects the linear autoregression, window 24, one step "
    "ahead): the model beats the naive forecast, with a test error about 0.89 × naive's, and the linear "
    "autoregression alone is close behind (0.90 ×): the 11-year cycle is learnable, but a weighted sum of the "
    "last 24 months already captures most of it.")
TEMPERATURES_LESSON = (
    f"**Melbourne temperatures** ({DOWNLOAD.format('daily-min-temperatures.csv')}): the LSTM and the GRU beat the "
    "naive forecast by about 15 % (0.84 to 0.85 × its error), a shade better than the linear autoregression "
    "(0.855 ×), the GRU a little ahead of the LSTM.")
SP500_CHANGE_LESSON = (
    f"**S&P 500 daily**, predicting the change ({DOWNLOAD.format('sp500-daily.csv')}): the LSTM does not beat the "
    "naive forecast (its error is within 3 % of naive's). It calls the direction of the next move right 51 to "
    "57 % of the time, no more often than always saying \"up\" would (57 % of the test days rose); its balanced "
    "direction accuracy, which takes that drift out, is about 50 %: a coin. Its moves chart shows no skill "
    "(between −0.05 and 0.05).")
SP500_LEVEL_LESSON = (
    f"**S&P 500 daily**, predicting the level ({DOWNLOAD.format('sp500-daily.csv')}): every test price lies above "
    "the highest training price, so the LSTM's error is several times the naive forecast's, and its moves chart "
    "shows predicted moves unrelated to the real ones (correlation below 0.1): it has not learnt the moves, only "
    "a level it can no longer reach.")
LESSONS = (NOISY_SINE_LESSON, RANDOM_WALK_LESSON, SUNSPOTS_LESSON, TEMPERATURES_LESSON, SP500_CHANGE_LESSON,
           SP500_LEVEL_LESSON)
