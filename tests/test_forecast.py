"""Forecasters, baselines worked by hand, metrics, no leakage, the training job and the command line."""

import json
import math
import subprocess
import sys
import threading
from dataclasses import replace

import numpy as np
import pytest
import torch

from conftest import ROOT
from rnn_core.errors import RNNLabError
from rnn_core.forecast.figures import forecast_caption, log_ticks, moves_caption, moves_figure
from rnn_core.forecast.model import (MIN_TEST_STEPS, ForecastSettings, Forecaster, error_metrics, fit_linear_ar,
                                     linear_ar_predict, move_statistics, moves_summary, moving_average_forecast,
                                     naive_forecast, rollout, seasonal_naive_forecast, series_defaults,
                                     train_forecaster, verdict, verdict_is_good, PAGE_DEFAULTS)
from rnn_core.forecast.series import Series, chronological_split, load_series, make_windows

TINY = ForecastSettings(hidden_size=8, window=6, max_steps=60, eval_every=20, batch_size=16, seconds=None)
VALUES = np.array([3.0, 5.0, 4.0, 6.0, 8.0, 7.0, 9.0])


# --- baselines and metrics worked by hand ------------------------------------------------------------------------

def test_naive_seasonal_and_moving_average_by_hand():
    ends = np.array([3, 4, 5])
    assert naive_forecast(VALUES, ends).tolist() == [6.0, 8.0, 7.0]
    # period 3, one step ahead: the value three steps before the target (target 4 -> index 1)
    assert seasonal_naive_forecast(VALUES, ends, 1, 3).tolist() == [5.0, 4.0, 6.0]
    # two steps ahead with period 3: target 5 -> index 2
    assert seasonal_naive_forecast(VALUES, ends, 2, 3).tolist() == [4.0, 6.0, 8.0]
    assert np.isnan(seasonal_naive_forecast(VALUES, np.array([0]), 1, 3)[0])
    assert moving_average_forecast(VALUES, ends, 3).tolist() == [5.0, 6.0, 7.0]   # (5+4+6)/3, (4+6+8)/3, (6+8+7)/3


def test_linear_ar_by_least_squares_recovers_an_exact_recurrence():
    x = np.zeros(50)
    x[:2] = [1.0, 0.5]
    for t in range(2, 50):
        x[t] = 0.6 * x[t - 1] - 0.3 * x[t - 2] + 2.0
    inputs = np.stack([x[:-2], x[1:-1]], 1)
    coef = fit_linear_ar(inputs, x[2:])
    assert coef == pytest.approx([-0.3, 0.6, 2.0], abs=1e-8)
    assert linear_ar_predict(coef, np.array([[1.0, 2.0]]))[0] == pytest.approx(-0.3 + 1.2 + 2.0)


def test_error_metrics_by_hand():
    truth, last = np.array([6.0, 8.0, 7.0]), np.array([4.0, 6.0, 8.0])
    forecast = np.array([5.0, 9.0, 9.0])
    m = error_metrics(forecast, truth, last)
    assert m["mae"] == pytest.approx((1 + 1 + 2) / 3)
    assert m["rmse"] == pytest.approx(math.sqrt((1 + 1 + 4) / 3))
    assert m["mase"] == pytest.approx((4 / 3) / ((2 + 2 + 1) / 3))     # naive errors 2, 2, 1
    assert m["direction_accuracy"] == pytest.approx(2 / 3)            # up ✓, up ✓, down ✗ (said up)
    assert error_metrics(last, truth, last)["mase"] == pytest.approx(1.0)
    assert math.isnan(error_metrics(last, truth, last)["direction_accuracy"])   # naive never moves: no direction
    # balanced: up moves 2 of 2 right, down moves 0 of 1 right -> (1 + 0) / 2
    assert m["balanced_direction"] == pytest.approx(0.5)


def test_balanced_direction_gives_always_up_a_coins_score_however_often_the_series_rose():
    last = np.zeros(10)
    truth = np.array([1.0] * 8 + [-1.0] * 2)            # 80 % of the moves are up
    always_up = np.full(10, 0.5)
    m = error_metrics(always_up, truth, last)
    assert m["direction_accuracy"] == pytest.approx(0.8) and m["balanced_direction"] == pytest.approx(0.5)
    perfect = error_metrics(truth * 0.5, truth, last)
    assert perfect["balanced_direction"] == pytest.approx(1.0)


def test_the_moves_tell_a_copy_from_a_skilled_model_where_a_lag_chart_cannot():
    """A lag chart peaks at lag 1 for any forecast that leans on the last value; the moves do not."""
    rng = np.random.default_rng(0)
    x = np.zeros(400)
    for t in range(1, 400):                 # an AR(1) in the moves: the next move is partly predictable
        x[t] = x[t - 1] + 0.7 * (x[t - 1] - x[t - 2] if t > 1 else 0) + rng.standard_normal()
    last, truth = x[1:-1], x[2:]
    skilled = last + 0.7 * (x[1:-1] - x[:-2])             # the true expected move
    copy = last.copy()                                    # next = last
    noisy_copy = last + 0.01 * rng.standard_normal(len(last))
    unrelated = last + rng.standard_normal(len(last))     # moves as big as the real ones, but unrelated
    s = move_statistics(skilled, truth, last)
    assert not s["copying"] and s["correlation"] > 0.5 and s["skill"] > 0.3
    for forecast in (copy, noisy_copy, unrelated):
        assert move_statistics(forecast, truth, last)["copying"]
    assert move_statistics(copy, truth, last)["skill"] == pytest.approx(0.0)       # naive: skill 0 by definition
    assert move_statistics(unrelated, truth, last)["skill"] < -0.2                  # noise is worse than no move


def test_the_moves_chart_and_its_words_follow_the_numbers_and_the_horizon():
    base = {"n_test": 300, "move_correlation": 0.73, "skill": 0.53, "move_scale": 0.7, "copying": False}
    assert moves_summary(base).startswith("Not a copy: it predicts the next move (correlation 0.73, skill 0.53")
    assert "move over 12 steps" in moves_summary(base, 12)
    assert "about 0" in moves_summary({**base, "copying": True, "move_scale": 0.01})
    assert "unrelated" in moves_summary({**base, "copying": True, "move_correlation": 0.02})
    assert moves_summary({**base, "move_correlation": 0.14, "skill": 0.02}).startswith("Little skill")
    assert "too few" in moves_summary({**base, "n_test": MIN_TEST_STEPS - 1})
    assert "one step" in forecast_caption(1) and "12 steps" in forecast_caption(12) and "one step" not in forecast_caption(12)
    assert "12 steps" in moves_caption(12)
    fig = moves_figure([0.1, -0.2], [0.2, -0.1], "LSTM + AR", "lstm")
    assert fig.data[-1].name == "LSTM + AR" and list(fig.data[-1].x) == [0.2, -0.1]


def test_log_ticks_are_one_two_five_and_written_in_full():
    assert log_ticks(0.03, 1.2) == [0.05, 0.1, 0.2, 0.5, 1.0]
    assert log_ticks(0.001, 5) == [0.001, 0.01, 0.1, 1.0]
    assert log_ticks(0.2, 0.4) == [0.2, 0.3, 0.4]


def test_the_verdict_follows_the_numbers():
    base = {"cell": "lstm", "ar_mase": 0.95, "target": "level", "direction_accuracy": 0.5,
            "test_outside_training_range": 0.0, "train_low": 0.0, "train_high": 1.0}
    assert "beats the naive forecast" in verdict({**base, "mase": 0.85}) and "0.95 ×" in verdict({**base, "mase": 0.85})
    assert "does not beat" in verdict({**base, "mase": 1.01})
    assert "does worse" in verdict({**base, "mase": 1.2})
    assert "always saying" in verdict({**base, "mase": 1.0, "target": "change", "up_share": 0.57})
    outside = verdict({**base, "mase": 4.0, "test_outside_training_range": 0.9})
    assert "outside the range of the training values" in outside and "Predict the change" in outside
    # an AR correction that makes the AR worse says so, and is not a green box (airline passengers: 0.31 vs 0.25)
    hurt = {**base, "mase": 0.31, "ar_mase": 0.25, "ar_skip": True}
    assert "made the AR 24% worse" in verdict(hurt) and not verdict_is_good(hurt)
    helped = {**base, "mase": 0.89, "ar_mase": 0.90, "ar_skip": True}
    assert "what the recurrent part adds" in verdict(helped) and verdict_is_good(helped)
    assert "only 16 steps" in verdict({**base, "mase": 0.85, "n_test": 16})
    assert "only" not in verdict({**base, "mase": 0.85, "n_test": 300})


# --- the model, the job, leakage ---------------------------------------------------------------------------------

def test_forecaster_is_many_to_one_for_every_cell():
    for cell in ("rnn", "lstm", "gru"):
        assert Forecaster(cell, 8)(torch.zeros(5, 12)).shape == (5,)


def test_the_ar_correction_starts_from_the_linear_ar_forecast():
    coef = np.array([0.5, -0.25, 0.1])                  # two inputs and an intercept
    net = Forecaster("gru", 8, ar_coef=coef)
    x = torch.tensor([[1.0, 2.0], [0.0, -1.0]])
    assert net(x).tolist() == pytest.approx(linear_ar_predict(coef, x.numpy()).tolist(), abs=1e-6)
    assert sum(p.numel() for p in net.parameters()) == Forecaster("gru", 8).num_parameters()   # AR is fixed


def test_square_roots_are_modelled_and_scores_stay_in_the_series_units():
    series = load_series("seasonal")
    sqrt = train_forecaster(series, replace(TINY, transform="sqrt", ar_skip=True))
    w = sqrt.windows
    i = w.select(2)[0]
    end = w.ends[i]
    assert w.truth[i] == series.values[end + 1]                                  # the truth, in its own units
    assert w.scaler.inverse(w.inputs[i])[-1] == pytest.approx(math.sqrt(series.values[end]))
    assert w.to_level(w.targets[[i]], [i])[0] == pytest.approx(series.values[end + 1])
    assert sqrt.metrics["transform"] == "sqrt" and sqrt.metrics["ar_skip"] is True
    assert "correcting the linear AR" in verdict(sqrt.metrics)
    assert sqrt.rollout["model"] and all(math.isfinite(e) for e in sqrt.rollout["model"])
    change = make_windows(series.values, chronological_split(len(series)), 6, 2, "change", "sqrt")
    j = change.select(1)[0]
    assert change.to_level(change.targets[[j]], [j])[0] == pytest.approx(series.values[change.ends[j] + 2])
    negative = Series("x", "x", np.linspace(-1, 1, 300))
    with pytest.raises(RNNLabError, match="never negative"):
        train_forecaster(negative, replace(TINY, transform="sqrt"))


def test_picking_sunspots_switches_to_its_settings_and_others_keep_the_page_defaults():
    assert series_defaults("sunspots").transform == "sqrt" and series_defaults("sunspots").ar_skip
    assert series_defaults("temperatures") == PAGE_DEFAULTS


def test_a_tiny_run_reports_every_figure_and_keeps_the_best_validation_weights():
    run = train_forecaster(load_series("sine"), TINY)
    m = run.metrics
    for key in ("mae", "rmse", "mase", "naive_mae", "seasonal_naive_mae", "ar_mae", "direction_accuracy",
                "skill", "move_correlation", "move_scale", "copying", "n_train", "n_test", "seconds"):
        assert key in m and m[key] is not None
    assert m["steps"] == 60 and m["best_step"] in (20, 40, 60) and m["period"] == 50
    assert m["n_test"] == len(run.windows.select(2)) == 300
    assert {r["key"] for r in run.table} == {"model", "naive", "seasonal naive", "moving average", "linear AR"}
    test = run.windows.select(2)
    assert m["mae"] == pytest.approx(np.abs(run.forecasts["model"][test] - run.windows.truth[test]).mean())
    val = run.windows.select(1)
    assert m["val_mae"] == pytest.approx(np.abs(run.forecasts["model"][val] - run.windows.truth[val]).mean(), rel=1e-5)
    assert len(run.rollout["model"]) == 24 and run.rollout["naive"][0] == pytest.approx(
        np.abs(np.diff(load_series("sine").values))[run.split.val_end - 1:].mean(), rel=0.2)


def test_the_same_seed_gives_the_same_run():
    a, b = (train_forecaster(load_series("sine"), replace(TINY, max_steps=30)) for _ in range(2))
    assert a.metrics["mae"] == b.metrics["mae"]


def test_changing_the_test_part_changes_neither_the_scaling_nor_the_fitted_model():
    s = load_series("seasonal")
    changed = s.values.copy()
    split = chronological_split(len(changed))
    changed[split.val_end:] = changed[split.val_end:] * 5 + 100
    other = Series(s.key, s.title, changed, period=s.period)
    settings = replace(TINY, max_steps=40, patience=100)
    a, b = train_forecaster(s, settings), train_forecaster(other, settings)
    assert a.windows.scaler == b.windows.scaler
    assert np.array_equal(a.ar_coef, b.ar_coef)
    for p, q in zip(a.net.state_dict().values(), b.net.state_dict().values()):
        assert torch.equal(p, q)
    assert a.metrics["best_step"] == b.metrics["best_step"]       # validation picked the same weights
    assert a.metrics["mae"] != b.metrics["mae"]                   # while the test figures differ


def test_rollout_feeds_predictions_back():
    values = np.arange(200, dtype=float)
    split = chronological_split(200)
    w = make_windows(values, split, window=4, target="change")
    constant_step = lambda inputs: np.full(len(inputs), 1.0 / w.scaler.scale)   # "the next change is +1"  # noqa: E731
    out = rollout(values, w, {"plus one": constant_step}, split.val_end, steps=5)
    assert out["plus one"] == pytest.approx([0.0] * 5) and out["naive"] == pytest.approx([1, 2, 3, 4, 5])


def test_a_test_part_shorter_than_the_rollout_says_so():
    """GOOG weekly: 16 test steps, fewer than the 24-step rollout needs; the reason is recorded for the page."""
    run = train_forecaster(load_series("stocks:GOOG"), replace(TINY, max_steps=20))
    assert run.split.n_test == 16 and run.rollout == {"steps": [], "origins": 0, "reason": "short"}
    assert "only" in verdict(run.metrics) and "too few" in moves_summary(run.metrics)
    ahead = train_forecaster(load_series("sine"), replace(TINY, max_steps=20, horizon=3))
    assert ahead.rollout["reason"] == "horizon"


def test_bad_settings_and_a_stop_before_the_first_check_are_messages():
    with pytest.raises(RNNLabError, match="window"):
        train_forecaster(load_series("stocks:GOOG"), replace(TINY, window=70))
    with pytest.raises(RNNLabError, match="horizon"):
        train_forecaster(load_series("stocks:GOOG"), replace(TINY, window=4, horizon=30))
    with pytest.raises(RNNLabError, match="cell"):
        ForecastSettings(cell="transformer")
    stop = threading.Event()
    stop.set()
    with pytest.raises(RNNLabError):
        train_forecaster(load_series("sine"), TINY, stop=stop)


def test_a_diverging_run_is_a_message_or_keeps_finite_weights():
    try:
        run = train_forecaster(load_series("random-walk"), replace(TINY, lr=10.0, clip=0.0, max_steps=40))
    except RNNLabError as exc:
        assert "diverged" in str(exc) or "validation" in str(exc)
    else:
        assert all(torch.isfinite(p).all() for p in run.net.parameters())


# --- the command line -----------------------------------------------------------------------------------------------

def _cli(*args):
    return subprocess.run([sys.executable, "-m", "rnn_core", "forecast", *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)


def test_cli_prints_the_issue_figures_as_json(tmp_path):
    csv = tmp_path / "mine.csv"
    csv.write_text("t,v\n" + "\n".join(f"{i},{math.sin(i / 4):.4f}" for i in range(120)))
    proc = _cli("--series", str(csv), "--value-column", "v", "--window", "8", "--hidden", "8", "--max-steps", "40",
                "--cell", "gru", "--target", "change")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("mae", "rmse", "mase", "naive_mae", "seasonal_naive_mae", "ar_mae", "direction_accuracy",
                "skill", "move_correlation", "n_train", "n_test", "seconds"):
        assert key in out
    assert out["cell"] == "gru" and out["target"] == "change" and out["steps"] <= 40 and "naive forecast" in proc.stderr


def test_cli_user_errors_exit_2(tmp_path):
    proc = _cli("--series", "nowhere.csv")
    assert proc.returncode == 2 and "No such series" in proc.stderr and "Traceback" not in proc.stderr
