"""Claim tests of the Forecast page: every sentence it says about what the defaults do, on seeds 0, 1 and 2.

The runs use the page's defaults (rnn_core.forecast.PAGE_DEFAULTS, which the page's widgets start from) with
the time limit lifted, so the step budget alone decides each model, as it does on any unloaded machine.
"""

from dataclasses import replace
from functools import lru_cache

import pytest

from conftest import DATA
from rnn_core.forecast import (PAGE_DEFAULTS, PAGE_SERIES, RANDOM_WALK_LESSON, SP500_CHANGE_LESSON, SP500_LEVEL_LESSON,
                               SUNSPOTS_LESSON, TEMPERATURES_LESSON, train_forecaster, verdict)
from rnn_core.series import PUBLIC_SERIES, load_series, public_series_from_bytes

SEEDS = (0, 1, 2)


@lru_cache(maxsize=None)
def _metrics(key: str, target: str, seed: int) -> dict:
    if key in PUBLIC_SERIES:
        path = DATA / "timeseries" / PUBLIC_SERIES[key].file_name
        if not path.is_file():
            pytest.skip("../shared/data is not present")
        series = public_series_from_bytes(key, path.read_bytes())
    else:
        series = load_series(key)
    settings = replace(PAGE_DEFAULTS, target=target, seed=seed, seconds=None)
    return train_forecaster(series, settings).metrics


@pytest.mark.parametrize("seed", SEEDS)
def test_sunspots_lstm_beats_naive_and_ar_does_as_well(seed):
    assert "beats the naive forecast, with a test error about 0.92" in SUNSPOTS_LESSON
    m = _metrics("sunspots", "level", seed)
    assert m["mase"] <= 0.97 and 0.88 <= m["mase"] <= 0.96, m["mase"]     # "beats", "about 0.92"
    assert m["ar_mase"] == pytest.approx(0.90, abs=0.01)                  # "(0.90 ×)"
    assert m["mase"] - m["ar_mase"] <= 0.06                               # "does as well"
    assert "beats the naive forecast" in verdict(m)


@pytest.mark.parametrize("seed", SEEDS)
def test_temperatures_lstm_beats_naive_by_about_15_percent_level_with_ar(seed):
    assert "by about 15 % (at most 0.90 × its error), level with the linear autoregression (0.855" in TEMPERATURES_LESSON
    m = _metrics("temperatures", "level", seed)
    assert 0.80 <= m["mase"] <= 0.90, m["mase"]
    assert m["ar_mase"] == pytest.approx(0.855, abs=0.005)
    assert abs(m["mase"] - m["ar_mase"]) <= 0.03


@pytest.mark.parametrize("seed", SEEDS)
def test_sp500_change_model_does_not_beat_naive_and_direction_is_a_coin(seed):
    assert "does not beat the naive forecast (its error is within 3 %" in SP500_CHANGE_LESSON
    assert "about half the time, no more often than always saying" in SP500_CHANGE_LESSON
    m = _metrics("sp500-daily", "change", seed)
    assert abs(m["mase"] - 1) <= 0.03, m["mase"]
    assert "does not beat" in verdict(m)
    always_up = max(m["up_share"], 1 - m["up_share"])
    assert 0.45 <= m["direction_accuracy"] <= 0.58, m["direction_accuracy"]        # "about half the time"
    assert m["direction_accuracy"] <= always_up + 0.01, (m["direction_accuracy"], always_up)   # "no more often"


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
