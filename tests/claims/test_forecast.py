"""Claim tests of the Forecast page: every sentence it says about what the defaults do, on seeds 0, 1 and 2.

The runs use the page's defaults (rnn_core.forecast.model.series_defaults: PAGE_DEFAULTS, which the page's widgets
start from, with what picking the series switches to) with
the time limit lifted, so the step budget alone decides each model, as it does on any unloaded machine.
"""

from dataclasses import replace
from functools import lru_cache

import pytest

from conftest import DATA
from rnn_core.forecast.model import (PAGE_SERIES, RANDOM_WALK_LESSON, SP500_CHANGE_LESSON, SP500_LEVEL_LESSON,
                               SUNSPOTS_LESSON, TEMPERATURES_LESSON, series_defaults, train_forecaster, verdict)
from rnn_core.forecast.series import PUBLIC_SERIES, load_series, public_series_from_bytes

SEEDS = (0, 1, 2)


@lru_cache(maxsize=None)
def _metrics(key: str, target: str, seed: int, cell: str = "lstm") -> dict:
    if key in PUBLIC_SERIES:
        path = DATA / "timeseries" / PUBLIC_SERIES[key].file_name
        if not path.is_file():
            pytest.skip("../shared/data is not present")
        series = public_series_from_bytes(key, path.read_bytes())
    else:
        series = load_series(key)
    settings = replace(series_defaults(key), target=target, seed=seed, cell=cell, seconds=None)
    return train_forecaster(series, settings).metrics


@pytest.mark.parametrize("seed", SEEDS)
def test_sunspots_model_beats_naive_and_ar_is_close_behind(seed):
    assert "beats the naive forecast, with a test error about 0.89" in SUNSPOTS_LESSON
    assert "the linear autoregression alone is close behind (0.90" in SUNSPOTS_LESSON
    assert series_defaults("sunspots").transform == "sqrt" and series_defaults("sunspots").ar_skip   # "switches"
    m = _metrics("sunspots", "level", seed)
    assert m["mase"] <= 0.90, m["mase"]                                   # the target, and "about 0.89"
    assert m["mase"] == pytest.approx(0.89, abs=0.01)
    assert m["ar_mase"] == pytest.approx(0.90, abs=0.005)                 # "(0.90 ×)"
    assert 0 < m["ar_mase"] - m["mase"] <= 0.02                           # "close behind"
    text = verdict(m)
    assert "beats the naive forecast" in text and "correcting the linear AR" in text


@pytest.mark.parametrize("seed", SEEDS)
def test_temperatures_lstm_and_gru_beat_naive_by_about_15_percent_a_shade_better_than_ar(seed):
    assert "by about 15 % (0.84 to 0.85 × its error), a shade better than the linear autoregression (0.855" \
        in TEMPERATURES_LESSON
    assert "the GRU a little ahead of the LSTM" in TEMPERATURES_LESSON
    lstm, gru = _metrics("temperatures", "level", seed), _metrics("temperatures", "level", seed, "gru")
    for m in (lstm, gru):
        assert 0.835 <= m["mase"] <= 0.855, m["mase"]
        assert m["mase"] < m["ar_mase"] == pytest.approx(0.855, abs=0.005)
    assert gru["mase"] <= 0.85                                            # the target (the best cell)
    assert gru["mase"] < lstm["mase"]


@pytest.mark.parametrize("seed", SEEDS)
def test_sp500_change_model_does_not_beat_naive_and_direction_is_a_coin(seed):
    assert "does not beat the naive forecast (its error is within 3 %" in SP500_CHANGE_LESSON
    assert "right 52 to 57 % of the time, no more often than always saying" in SP500_CHANGE_LESSON
    assert "(57 % of the test days rose); its balanced direction accuracy" in SP500_CHANGE_LESSON
    m = _metrics("sp500-daily", "change", seed)
    assert abs(m["mase"] - 1) <= 0.03, m["mase"]
    assert "does not beat" in verdict(m)
    always_up = max(m["up_share"], 1 - m["up_share"])
    assert round(m["up_share"], 2) == 0.57
    assert 0.515 <= m["direction_accuracy"] <= 0.575, m["direction_accuracy"]     # "52 to 57 %"
    assert m["direction_accuracy"] <= always_up + 0.005, (m["direction_accuracy"], always_up)   # "no more often"
    assert 0.45 <= m["balanced_direction"] <= 0.55, m["balanced_direction"]        # "about 50 %: a coin"


@pytest.mark.parametrize("seed", SEEDS)
def test_sp500_level_model_fails_above_the_training_range_and_echoes_at_lag_1(seed):
    assert "every test price lies above the highest training price" in SP500_LEVEL_LESSON
    m = _metrics("sp500-daily", "level", seed)
    assert m["test_outside_training_range"] == 1.0
    assert m["mase"] >= 2.0, m["mase"]                                   # "several times"
    assert m["best_lag"] == 1
    assert "outside the range of the training values" in verdict(m)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_random_walks_change_is_not_predictable(seed):
    assert "the LSTM's error is within 1 % of the naive forecast's" in RANDOM_WALK_LESSON
    m = _metrics("random-walk", "change", seed)
    assert abs(m["mase"] - 1) <= 0.01, m["mase"]
    assert "does not beat" in verdict(m)


def test_the_default_series_is_offline_and_beaten():
    """The page opens on a built-in series on which the defaults beat naive (its verdict is a success)."""
    m = _metrics(PAGE_SERIES, "level", 0)
    assert m["mase"] <= 0.80 and "beats the naive forecast" in verdict(m)
