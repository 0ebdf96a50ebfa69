"""The home page's tour (rnn_core.tour.findings): reading the shipped grid robustly, gradients, samples and their scores."""

import json
import math
import subprocess
import sys

import pytest

from rnn_core.tour import findings as tour
from rnn_core.language_model.checkpoint import save_checkpoint
from rnn_core.data.corpora import load_builtin
from rnn_core.tour import figures as figs
from rnn_core.language_model.model import LanguageModel, ModelConfig

HEADER = "task,cell,length,seed,hidden,params,accuracy,loss,steps,seconds,ms_per_step,stop_reason,baseline,message\n"


def write_grid(folder, rows, name="adding"):
    (folder / f"{name}.csv").write_text(HEADER + "".join(
        f"adding,{cell},{length},{seed},32,1,{acc},0.1,100,1,1,finished,0.08,ok\n" for cell, length, seed, acc in rows))


@pytest.fixture
def grid_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tour, "RESULTS", tmp_path)
    return tmp_path


def test_the_shipped_grid_is_read_with_its_cells_lengths_and_seeds():
    cliff = tour.accuracy_cliff()
    assert cliff is not None and cliff.cells == ["rnn", "lstm", "gru"]
    assert cliff.lengths == sorted(cliff.lengths) and len(cliff.lengths) >= 3
    assert len(cliff.accuracies("rnn", cliff.lengths[0])) == len(cliff.seeds)
    row = cliff.table("lstm")[0]
    assert row["low"] <= row["mean"] <= row["high"]


def test_other_cells_and_unreadable_rows_are_left_out(grid_folder):
    write_grid(grid_folder, [("rnn", 10, 0, 0.95), ("lstm-bias0", 10, 0, 0.5), ("gru", 10, 0, "nan"),
                             ("gru", "x", 0, 0.9), ("lstm", 50, 1, 0.97)])
    cliff = tour.accuracy_cliff()
    assert cliff.cells == ["rnn", "lstm"] and cliff.lengths == [10, 50] and cliff.seeds == [0, 1]
    assert cliff.baseline == pytest.approx(0.08)


def test_a_missing_or_empty_grid_is_none(grid_folder):
    assert tour.accuracy_cliff() is None
    (grid_folder / "adding.csv").write_text("not,a,grid\n1,2,3\n")
    assert tour.accuracy_cliff() is None


def test_the_rnn_reaches_the_baseline_from_the_first_length_where_it_stays_there(grid_folder):
    rows = [("rnn", 10, s, 0.95) for s in (0, 1)] + [("rnn", 25, 0, 0.5), ("rnn", 25, 1, 0.1)]
    rows += [("rnn", n, s, 0.09) for n in (50, 100) for s in (0, 1)]
    rows += [(c, n, s, 0.97) for c in ("lstm", "gru") for n in (10, 25, 50, 100) for s in (0, 1)]
    write_grid(grid_folder, rows)
    cliff = tour.accuracy_cliff()
    assert cliff.rnn_at_baseline_from() == 50 and cliff.gated_worst() == pytest.approx(0.97)
    assert "from 50 steps on" in figs.cliff_caption(cliff) and "up to 100" in figs.cliff_caption(cliff)


def test_without_the_cliff_the_caption_predicts_nothing(grid_folder):
    rows = [("rnn", n, 0, 0.95) for n in (10, 50)] + [("lstm", n, 0, 0.5) for n in (10, 50)]
    write_grid(grid_folder, rows)
    cliff = tour.accuracy_cliff()
    assert cliff.rnn_at_baseline_from() is None
    assert "falls" not in figs.cliff_caption(cliff)
    fig = figs.cliff_figure(cliff)
    assert [t.name for t in fig.data] == ["RNN", "LSTM", "no memory"]


def test_the_cliff_is_read_without_torch_or_pandas():
    code = ("import sys; from rnn_core.tour import findings as tour; from rnn_core.tour import figures as home; "
            "c = tour.accuracy_cliff(); home.cliff_figure(c).to_json(); home.cliff_caption(c); "
            "print('torch' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(tour.RESULTS.parents[2]))
    assert out.stdout.split() == ["False", "False"]


def test_held_out_passages_come_from_the_last_tenth_and_differ_by_seed():
    text = load_builtin("python-docs")
    passages = [tour.held_out_passage(text, seed, 90) for seed in range(3)]
    assert all(len(p) == 90 and p in text[int(len(text) * 0.9):] for p in passages)
    assert len(set(passages)) == 3


def test_gradients_through_time_are_relative_norms_for_each_distance():
    found = tour.measure_gradients(seed=0, span=12, predictions=4)
    assert set(found.curves) == {"rnn", "lstm", "gru"}
    for curve in found.curves.values():
        assert len(curve) == 13 and all(0 < v <= 1 for v in curve)
    assert found.hidden["rnn"] > 0 and found.steps["lstm"] > 0
    fig = figs.gradient_figure(found)
    assert [t.name for t in fig.data] == ["RNN", "LSTM", "GRU"] and fig.layout.yaxis.type == "log"
    assert "RNN" in figs.gradient_details(found)


def test_real_word_share_tells_noise_from_text():
    vocabulary = tour.word_vocabulary("python-docs")
    assert {"the", "function", "return"} <= vocabulary
    assert tour.real_word_share("the function returns the value", vocabulary) == 1.0
    assert tour.real_word_share("xqzv thhe fnrk the", vocabulary) == pytest.approx(0.25)
    assert math.isnan(tour.real_word_share("a 1 ; ! e", vocabulary))   # no word of two letters or more


def test_stored_samples_are_read_leniently_in_step_order():
    info = {"metrics": {"samples": [{"step": 200, "text": "b"}, {"step": 0, "sample": "a"}, [100, "c"],
                                    {"step": "x", "text": "d"}, {"step": True, "text": "e"}, "junk"]}}
    assert tour.stored_samples(info) == [(0, "a"), (100, "c"), (200, "b")]
    assert tour.stored_samples({"metrics": {}}) == [] and tour.stored_samples({}) == []


@pytest.fixture
def fake_lstm(tmp_path, monkeypatch):
    """A tiny checkpoint standing in for the ready-made LSTM, with a samples history."""
    from rnn_core.data.text import encode_text
    data = encode_text("the function returns a value. " * 20, "char")
    model = LanguageModel(ModelConfig(vocab_size=len(data.tokenizer), hidden_size=8, cell="lstm"))
    path = tmp_path / "fake.pt"
    samples = [{"step": 0, "text": "qz#x vv!k pzq"}, {"step": 50, "text": "the funtion rets a"},
               {"step": 100, "text": "the function returns a value"}]
    save_checkpoint(path, model, data.tokenizer, metrics={"samples": samples}, source="Python documentation")
    real = tour._checkpoint_path
    monkeypatch.setattr(tour, "_checkpoint_path", lambda key: path if key == tour.SAMPLES_MODEL else real(key))
    return path


def test_samples_along_training_scores_every_stored_sample(fake_lstm):
    found = tour.score_samples()
    assert found.steps == [0, 50, 100]
    assert found.shares[0] == 0.0 and found.shares[-1] == 1.0 and 0 < found.shares[1] < 1
    assert 0.5 < found.real_text_share <= 1
    assert [s for s, _ in found.snippets()] == [0, 50, 100]
    fig = figs.samples_figure(found)
    assert list(fig.data[0].y) == found.shares and fig.data[1].name == "real text"


def test_a_checkpoint_without_samples_shows_no_samples_chart(tmp_path, monkeypatch):
    from rnn_core.data.text import encode_text
    data = encode_text("abc " * 30, "char")
    path = tmp_path / "plain.pt"
    save_checkpoint(path, LanguageModel(ModelConfig(vocab_size=len(data.tokenizer), hidden_size=4)), data.tokenizer)
    monkeypatch.setattr(tour, "_checkpoint_path", lambda key: path)
    assert tour.score_samples() is None
    monkeypatch.setattr(tour, "_checkpoint_path", lambda key: None)
    assert tour.score_samples() is None and tour.measure_gradients(span=5, predictions=2) is None
    assert tour.samples_along_training() is None and tour.gradients_through_time() is None   # tour.json no longer fits


def test_the_tour_reads_the_ready_made_files_of_the_pretrained_package():
    from rnn_core.language_model.pretrained import READY_MADE
    assert all(READY_MADE[key].file == name for key, name in tour.MODEL_FILES.items())


def test_the_shipped_tour_data_is_what_the_models_give_now():
    """tour.json must come from the model files that ship (else: python -m rnn_core.tour.findings) and match a live run."""
    shipped = json.loads(tour.SHIPPED.read_text(encoding="utf-8"))
    assert shipped["models"] == tour.model_digests(), f"tour.json is out of date: run {tour.COMMAND}"
    assert shipped["defaults"] == tour.DEFAULTS
    live, read = tour.measure_gradients(), tour.gradients_through_time()
    assert read.passage == live.passage and read.steps == live.steps
    for cell in live.curves:
        assert read.curves[cell] == pytest.approx(live.curves[cell], rel=1e-3)
    samples = tour.score_samples()
    assert (shipped["samples"] is None) == (samples is None)
    if samples is not None:
        assert tour.samples_along_training().texts == samples.texts


def test_out_of_date_tour_data_is_measured_live(tmp_path, monkeypatch):
    stale = json.loads(tour.SHIPPED.read_text(encoding="utf-8"))
    stale["models"] = {key: "0" * 64 for key in stale["models"]}
    stale["gradients"]["curves"] = {cell: [1.0] * 61 for cell in stale["gradients"]["curves"]}
    monkeypatch.setattr(tour, "SHIPPED", tmp_path / "tour.json")
    tour.SHIPPED.write_text(json.dumps(stale))
    assert tour.gradients_through_time().curves == tour.measure_gradients().curves


def test_the_home_figures_need_neither_torch_nor_pandas_while_tour_data_is_current():
    code = ("import sys; from rnn_core.tour import findings as tour; from rnn_core.tour import figures as home; "
            "g = tour.gradients_through_time(); home.gradient_figure(g).to_json(); tour.samples_along_training(); "
            "print('torch' in sys.modules, 'pandas' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=str(tour.RESULTS.parents[2]))
    assert out.stdout.split() == ["False", "False"]
