"""Series sources, CSV oddities, downloads through a local HTTP server, and the leak-free windows."""


import numpy as np
import pytest

from rnn_core.errors import RNNLabError
from rnn_core.forecast.series import (BUILT_IN, MAX_LENGTH, PUBLIC_SERIES, SERIES_SEED, Scaler, cached_public_series,
                                      chronological_split, detect_period, load_public_series, load_series, make_windows,
                                      read_table, series_from_csv)


def _csv(rows, header="date,value", newline="\n"):
    return (header + newline + newline.join(rows) + newline).encode()


def _monthly(n=80, start=2000):
    return [f"{start + i // 12}-{i % 12 + 1:02d}-01,{10 + np.sin(i / 3):.3f}" for i in range(n)]


# --- sources -------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("key", BUILT_IN)
def test_built_in_series_load_offline_with_provenance(key):
    s = load_series(key)
    assert len(s) >= 100 and np.isfinite(s.values).all() and s.provenance and s.licence
    if key.startswith("stocks:"):
        assert len(s) == 105 and s.values[0] == pytest.approx(1.0) and s.dates[0] == "2018-01-01"


def test_synthetic_series_are_seeded():
    assert np.array_equal(load_series("random-walk", 3).values, load_series("random-walk", 3).values)
    assert not np.array_equal(load_series("random-walk", 3).values, load_series("random-walk", 4).values)


def test_a_generated_series_has_its_own_seed_not_the_models():
    """The page, the command line and an exported script all load the same series: load_series(key) takes no model
    seed, and the title names no seed that a model's seed could be mistaken for."""
    walk = load_series("random-walk")
    assert np.array_equal(walk.values, load_series("random-walk", SERIES_SEED).values)
    assert walk.title == "Random walk" and f"data seed {SERIES_SEED}" in walk.provenance


def test_the_season_is_detected_and_a_random_walk_has_none():
    assert detect_period(load_series("sine").values) == 50
    assert detect_period(load_series("seasonal").values) == 12
    assert detect_period(load_series("random-walk").values) is None


# --- CSV oddities ----------------------------------------------------------------------------------------------

def test_quoted_values_and_crlf_are_read():
    data = _csv([f'"{r.split(",")[0]}",{r.split(",")[1]}' for r in _monthly()], '"Month","Sunspots"', "\r\n")
    s = series_from_csv(data, "spots.csv")
    assert len(s) == 80 and s.dates[0] == "2000-01-01" and s.values[0] == pytest.approx(10.0) and not s.notes


def test_empty_values_are_dropped_and_said():
    rows = _monthly()
    rows[5] = rows[5].split(",")[0] + ","
    rows[9] = rows[9].split(",")[0] + ","
    s = series_from_csv(_csv(rows), "holidays.csv")
    assert len(s) == 78 and any("2 empty values dropped" in n for n in s.notes)


def test_unsorted_dates_are_sorted_and_said():
    rows = _monthly()
    shuffled = rows[40:] + rows[:40]
    s = series_from_csv(_csv(shuffled), "shuffled.csv")
    assert list(s.dates) == sorted(s.dates) and any("sorted by date" in n for n in s.notes)
    assert np.allclose(s.values, series_from_csv(_csv(rows), "ordered.csv").values)


def test_a_few_non_numbers_are_dropped_with_examples_and_many_are_refused():
    rows = _monthly()
    rows[3] = rows[3].split(",")[0] + ",n/a"
    s = series_from_csv(_csv(rows), "few.csv")
    assert len(s) == 79 and any("'n/a'" in n for n in s.notes)
    bad = [r.split(",")[0] + ",oops" if i % 2 else r for i, r in enumerate(_monthly())]
    with pytest.raises(RNNLabError, match="not numbers"):
        series_from_csv(_csv(bad), "many.csv", value_column="value")


def test_thousands_separators_semicolons_and_no_date_column():
    rows = [f'"{1000 + i:,}.5"' for i in range(70)]
    s = series_from_csv(_csv(rows, "price"), "prices.csv")
    assert s.values[0] == 1000.5 and s.values[-1] == 1069.5 and any("numbered" in n for n in s.notes)
    semi = ("step;what\n" + "\n".join(f"{i};{i * 2}" for i in range(70))).encode()
    assert len(series_from_csv(semi, "semi.csv")) == 70


def test_one_column_headed_value_is_one_column():
    """pandas' own sniffer split this file on the letter v ("Unnamed: 0", "alue")."""
    data = ("value\n" + "\n".join(f"{10 + np.sin(i / 3):.3f}" for i in range(70))).encode()
    assert list(read_table(data).columns) == ["value"]
    s = series_from_csv(data, "one.csv")
    assert len(s) == 70 and s.values[0] == pytest.approx(10.0)


def test_semicolons_with_decimal_commas_are_read():
    rows = [f"{r.split(',')[0]};{r.split(',')[1].replace('.', ',')}" for r in _monthly()]
    s = series_from_csv(_csv(rows, "Datum;Wert"), "european.csv")
    assert len(s) == 80 and s.values[1] == pytest.approx(10 + np.sin(1 / 3), abs=1e-3) and not s.notes
    thousands = ("Tag;Preis\n" + "\n".join(f"{i};1.{200 + i:03d},5" for i in range(70))).encode()
    assert series_from_csv(thousands, "prices.csv", value_column="Preis").values[0] == 1200.5   # 1.200,5


def test_a_constant_a_short_an_empty_and_a_binary_file_are_refused():
    with pytest.raises(RNNLabError, match="constant"):
        series_from_csv(_csv([r.split(",")[0] + ",5" for r in _monthly()]), "flat.csv", value_column="value")
    with pytest.raises(RNNLabError, match="at least 60"):
        series_from_csv(_csv(_monthly(30)), "short.csv")
    with pytest.raises(RNNLabError, match="empty"):
        series_from_csv(b"", "nothing.csv")
    with pytest.raises(RNNLabError, match="binary") as binary:
        series_from_csv(bytes(range(256)) * 4, "image.csv")
    assert "CSV" in str(binary.value) and ".txt" not in str(binary.value)      # the uploader is a CSV uploader
    with pytest.raises(RNNLabError, match="no column of numbers"):
        series_from_csv(_csv([f"a{i},b{i}" for i in range(70)], "x,y"), "words.csv")
    with pytest.raises(RNNLabError, match="no column 'price'"):
        series_from_csv(_csv(_monthly()), "wrong.csv", value_column="price")


def test_a_long_series_keeps_its_most_recent_steps_and_says_so():
    data = ("value\n" + "\n".join(str(i) for i in range(MAX_LENGTH + 500))).encode()
    s = series_from_csv(data, "long.csv")
    assert len(s) == MAX_LENGTH and s.values[0] == 500 and any("most recent" in n for n in s.notes)


def test_repeated_dates_keep_the_last_value():
    rows = _monthly()
    rows.insert(10, rows[10].split(",")[0] + ",99")
    s = series_from_csv(_csv(rows), "dup.csv")
    assert len(s) == 80 and s.values[10] == pytest.approx(float(rows[11].split(",")[1]))
    assert any("repeated dates" in n for n in s.notes)


# --- downloads through a local HTTP server -------------------------------------------------------------------



@pytest.mark.parametrize("key, length, first", [
    ("sunspots", 2820, 58.0), ("temperatures", 3650, 20.7), ("passengers", 144, 112.0),
    ("sp500-monthly", 1866, 4.44), ("sp500-daily", 2514, 1864.78)])
def test_real_public_series_download_once_and_are_cached(key, length, first, http_server, tmp_path, monkeypatch,
                                                          shared_data):
    root, base = http_server
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))
    name = PUBLIC_SERIES[key].file_name
    (root / name).write_bytes((shared_data / "timeseries" / name).read_bytes())
    s = load_public_series(key, url=f"{base}/{name}")
    assert len(s) == length and s.values[0] == first and s.title == PUBLIC_SERIES[key].title
    assert cached_public_series(key) is not None
    (root / name).unlink()   # the second load must not need the server
    assert np.array_equal(load_public_series(key, url=f"{base}/{name}").values, s.values)
    if key == "sp500-daily":
        assert any("95 empty values dropped" in n for n in s.notes)


def test_offline_is_said_plainly_and_nothing_is_cached(http_server, tmp_path, monkeypatch):
    _, base = http_server
    monkeypatch.setenv("RNN_LAB_CACHE", str(tmp_path / "cache"))
    with pytest.raises(RNNLabError, match="internet connection") as offline:
        load_public_series("sunspots", url=f"{base}/missing.csv")
    assert "Upload a CSV file" in str(offline.value) and "built-in" in str(offline.value)   # the ways out
    assert cached_public_series("sunspots") is None


# --- split, scaling and windows: no leakage ------------------------------------------------------------------

def test_split_is_chronological_70_15_15():
    split = chronological_split(1000)
    assert (split.train_end, split.val_end, split.n_test) == (700, 850, 150)


def test_window_and_target_alignment_level_and_change():
    values = np.arange(100, dtype=float) ** 1.5
    split = chronological_split(100)
    w = make_windows(values, split, window=5, horizon=3, target="level")
    i = 10
    end = w.ends[i]
    assert np.allclose(w.scaler.inverse(w.inputs[i]), values[end - 4:end + 1])
    assert w.truth[i] == values[end + 3] and w.last[i] == values[end]
    assert w.scaler.inverse(w.targets[i]) == pytest.approx(values[end + 3])
    assert np.array_equal(w.part, np.where(w.ends + 3 < 70, 0, np.where(w.ends + 3 < 85, 1, 2)))
    c = make_windows(values, split, window=5, horizon=3, target="change")
    j = 10
    end = c.ends[j]
    assert np.allclose(c.inputs[j] * c.scaler.scale, np.diff(values[end - 5:end + 1]))
    assert c.targets[j] * c.scaler.scale == pytest.approx(values[end + 3] - values[end])
    assert c.to_level(c.targets[[j]], [j])[0] == pytest.approx(values[end + 3])


def test_scaling_is_fitted_on_the_training_part_only():
    values = np.random.default_rng(0).standard_normal(300).cumsum()
    split = chronological_split(300)
    w = make_windows(values, split, window=10)
    assert w.scaler == Scaler.fit(values[:210])
    changed = values.copy()
    changed[split.val_end:] += 1000.0     # a wildly different future changes nothing that was fitted
    w2 = make_windows(changed, split, window=10)
    assert w2.scaler == w.scaler
    train = w.select(0)
    assert np.array_equal(w.inputs[train], w2.inputs[train]) and np.array_equal(w.targets[train], w2.targets[train])


def test_a_window_too_long_and_a_horizon_too_far_are_refused():
    values = np.arange(100, dtype=float)
    with pytest.raises(RNNLabError, match="shorten the window"):
        make_windows(values, chronological_split(100), window=65)
    with pytest.raises(RNNLabError, match="shorter horizon"):
        make_windows(values, chronological_split(100), window=5, horizon=20)
