"""Settings in the link (parse, validate, round trip) and exported scripts that really run."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnn_core.language_model.training import PRESETS, train_language_model
from rnn_core.language_model.script import language_model_script, lm_text
from rnn_core.links.scripts import Code, command_line, export_script, settings_link
from rnn_core.links.settings import Param, Schema
from rnn_core.stepthrough.recording import check_word, step_through

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = Schema((
    Param("t.cell", "cell", "lstm", choices=("rnn", "lstm", "gru")),
    Param("t.hidden", "hidden", 64, choices=(16, 32, 64, 128)),
    Param("t.lr", "lr", 3e-3, choices=(1e-3, 3e-3, 1e-2)),
    Param("t.layers", "layers", 1, low=1, high=3),
    Param("t.temperature", "temp", 1.0, low=0.0, high=2.0),
    Param("t.bi", "bi", False),
    Param("t.word", "word", "hello", check=check_word),
))


def test_values_round_trip_through_the_link():
    settings = {"t.cell": "gru", "t.hidden": 128, "t.lr": 1e-2, "t.layers": 3, "t.temperature": 0.123456789,
                "t.bi": True, "t.word": "world"}
    query = SCHEMA.to_query(settings)
    assert all(isinstance(v, str) for v in query.values())
    values, problems = SCHEMA.from_query(query)
    assert values == settings and problems == []
    assert SCHEMA.from_query(SCHEMA.to_query(SCHEMA.defaults())) == (SCHEMA.defaults(), [])
    link = settings_link("http://localhost:8501/compare?old=1", query)
    assert link.startswith("http://localhost:8501/compare?cell=gru&") and "old" not in link


@pytest.mark.parametrize("name, raw, expected, problem", [
    ("cell", "transformer", "lstm", "not one of"),
    ("hidden", "100", 128, "nearest"),
    ("hidden", "1e9", 128, "nearest"),
    ("hidden", "sixty", 64, "not a valid"),
    ("hidden", "64.5", 64, "not a valid"),
    ("lr", "0.0027", 3e-3, "nearest"),
    ("lr", "nan", 3e-3, "not a valid"),
    ("layers", "-4", 1, "out of range"),
    ("layers", "99", 3, "out of range"),
    ("temp", "inf", 1.0, "not a valid"),
    ("temp", "5", 2.0, "out of range"),
    ("bi", "maybe", False, "not a valid"),
    ("word", "h3llo", "hello", "letters only"),
    ("word", "x" * 500, "hello", "not a valid"),
])
def test_malformed_or_out_of_range_values_fall_back_with_a_message(name, raw, expected, problem):
    values, problems = SCHEMA.from_query({name: raw})
    assert list(values.values()) == [expected]
    assert len(problems) == 1 and problem in problems[0] and name in problems[0]


def test_good_values_parse_and_unknown_parameters_are_ignored():
    values, problems = SCHEMA.from_query({"bi": "true", "layers": "2.0", "word": " HeLLo ", "utm": "x",
                                          "cell": ["rnn", "gru"]})
    assert values == {"t.bi": True, "t.layers": 2, "t.word": "hello", "t.cell": "gru"} and problems == []


def test_duplicate_url_names_are_a_bug():
    with pytest.raises(ValueError):
        Schema((Param("a.x", "x", 1), Param("a.y", "x", 2)))


def test_command_line_quotes_what_needs_it():
    line = command_line("train-lm", {"text": "my file.txt", "seed": 3, "bidirectional": True, "clip": None})
    assert line == "python -m rnn_core train-lm --text 'my file.txt' --seed 3 --bidirectional"


def test_pasted_text_is_inlined_and_huge_text_goes_to_a_file():
    code, cli, _ = lm_text("paste", "short text")
    assert code.expression == repr("short text") and cli is None
    code, cli, note = lm_text("paste", "x" * 200_000)
    assert "my_text.txt" in code.expression and cli == "my_text.txt" and "my_text.txt" in note


def _run(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    path = tmp_path / "exported.py"
    path.write_text(script, encoding="utf-8")
    return subprocess.run([sys.executable, str(path)], cwd=ROOT, capture_output=True, text=True, timeout=240,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "RNN_LAB_TORCH_THREADS": "1",
                               "OMP_NUM_THREADS": "1"})


def test_exported_language_model_script_reproduces_the_run(tmp_path):
    text = "The quick brown fox jumps over the lazy dog; the dog sleeps on. " * 40
    settings = replace(PRESETS["quick"], cell="gru", hidden_size=16, seq_len=16, batch_size=4, max_steps=5,
                       seconds=None, seed=11, eval_tokens=500, sample_length=20)
    script = language_model_script(settings, "paste", text, "Pasted text")
    assert "seed=11" in script and "Seed 11" in script and "text = 'The quick brown fox" in script
    done = _run(script, tmp_path)
    assert done.returncode == 0, done.stderr
    metrics = json.loads(done.stdout.strip().splitlines()[-1])
    assert metrics["steps"] == 5 and metrics["cell"] == "gru"
    here = train_language_model(text, settings)
    assert metrics["val_loss"] == pytest.approx(here.metrics["val_loss"], abs=1e-4)
    assert metrics["train_loss"] == pytest.approx(here.metrics["train_loss"], abs=1e-4)


def test_exported_language_model_command_line_is_offered_when_it_matches():
    settings = replace(PRESETS["quick"], max_steps=40, seed=2)
    script = language_model_script(settings, "builtin", "python-docs")
    assert "text = load_builtin('python-docs')" in script
    assert "python -m rnn_core train-lm --text python-docs" in script and "--max-steps 40" in script
    assert "--seed 2" in script
    odd = language_model_script(replace(settings, clip=0.25), "builtin", "python-docs")
    assert "python -m rnn_core" not in odd   # the command line has no --clip: no misleading line


def test_exported_step_through_script_runs(tmp_path):
    script = export_script(step_through, "hello", "gru", 2, 4, 0, title="Step through", seed=4,
                           report="print(round(result.loss, 6))")
    done = _run(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert float(done.stdout.strip().splitlines()[-1]) == pytest.approx(step_through("hello", "gru", 2, 4).loss,
                                                                        abs=1e-6)


def test_exported_script_says_how_to_run_it_without_rnn_core(tmp_path):
    script = export_script(check_word, Code("'abc'"), title="t")
    path = tmp_path / "x.py"
    path.write_text(script)
    done = subprocess.run([sys.executable, str(path)], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env={"PATH": "/usr/bin:/bin"})
    assert done.returncode != 0 and "RNN Lab folder" in done.stderr


def _query(at) -> dict:
    return {k: at.query_params[k][0] if isinstance(at.query_params[k], list) else at.query_params[k]
            for k in at.query_params}


def _fresh(page: str, query: dict) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update(query)
    at.run()
    at.switch_page(page).run()
    return at


def _round_trip(page: str, settings: list[tuple[str, str, object]]) -> dict:
    """Set widgets (kind, key, value) on ``page``, open a fresh session with the address bar's query, and check
    that every widget comes back as it was; returns the query."""
    at = _fresh(page, {})
    for kind, key, value in settings:
        getattr(at, kind)(key=key).set_value(value).run()
    query = _query(at)
    fresh = _fresh(page, query)
    assert not fresh.exception and not fresh.warning
    for kind, key, value in settings:
        assert getattr(fresh, kind)(key=key).value == value, key
    return query


def test_a_settings_link_reopens_the_language_model_page_as_it_was():
    query = _round_trip("pages/language_model.py", [
        ("radio", "lm.cell", "gru"), ("select_slider", "lm.hidden", 64), ("number_input", "lm.seed", 42),
        ("select_slider", "lm.lr", 1.5e-2)])
    assert query["cell"] == "gru" and query["hidden"] == "64" and query["seed"] == "42"


def test_a_broken_link_opens_the_page_with_defaults_and_says_why():
    at = _fresh("pages/language_model.py",
                {"cell": "gru", "hidden": "-3", "seed": "abc", "lr": "1e9", "source": "\x00"})
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "hidden=-3" in text and "seed=abc" in text and "lr=1e9" in text
    assert at.radio(key="lm.cell").value == "gru" and at.number_input(key="lm.seed").value == 0
    assert at.select_slider(key="lm.hidden").value == 16 and at.select_slider(key="lm.lr").value == 1.0


def test_a_list_setting_round_trips_and_a_bad_one_falls_back():
    schema = Schema((Param("c.cells", "cells", ["rnn", "lstm", "gru"], choices=("rnn", "lstm", "gru")),))
    assert schema.to_query({"c.cells": ["lstm", "gru"]}) == {"cells": "lstm,gru"}
    assert schema.from_query({"cells": "gru, lstm,gru"}) == ({"c.cells": ["gru", "lstm"]}, [])
    values, problems = schema.from_query({"cells": "lstm,transformer"})
    assert values == {"c.cells": ["rnn", "lstm", "gru"]} and "cells=lstm,transformer" in problems[0]
    assert schema.from_query({"cells": ""})[0] == {"c.cells": ["rnn", "lstm", "gru"]}


def test_a_settings_link_reopens_the_compare_page_as_it_was():
    query = _round_trip("pages/compare.py", [
        ("selectbox", "compare.task", "first-symbol"), ("text_input", "compare.lengths", "25, 100"),
        ("multiselect", "compare.cells", ["lstm", "gru"]), ("select_slider", "compare.hidden", 64),
        ("number_input", "compare.first_seed", 7)])
    assert query["task"] == "first-symbol" and query["cells"] == "lstm,gru" and query["lr"] == "0.01"
    # A hand-written link that names only the task gets that task's own learning rate.
    assert _fresh("pages/compare.py", {"task": "first-symbol"}).select_slider(key="compare.lr").value == 1e-2
    broken = _fresh("pages/compare.py", {"lengths": "ten", "cells": "cnn", "hidden": "33", "steps": "-5"})
    text = " ".join(w.value for w in broken.warning)
    assert not broken.exception and all(k in text for k in ("lengths=ten", "cells=cnn", "hidden=33", "steps=-5"))
    assert broken.text_input(key="compare.lengths").value == "10, 50, 100"


def test_a_settings_link_reopens_the_sentiment_page_as_it_was():
    query = _round_trip("pages/sentiment.py", [
        ("radio", "sentiment.cell", "gru"), ("select_slider", "sentiment.hidden", 128),
        ("checkbox", "sentiment.bidirectional", True), ("number_input", "sentiment.seed", 5)])
    assert query["cell"] == "gru" and query["hidden"] == "128" and query["bidirectional"] == "1"


@pytest.mark.slow
def test_exported_comparison_script_replays_the_grid(tmp_path):
    from rnn_core.compare.experiments import ExperimentSpec, run_grid
    from rnn_core.compare.script import compare_script
    spec = ExperimentSpec(task="first-symbol", lengths=(6,), cells=("rnn", "gru"), seeds=1, first_seed=3,
                          hidden=8, max_steps=40, batch=16, eval_every=20)
    script = compare_script(spec)
    assert "first_seed=3" in script and "python -m rnn_core" not in script   # batch 16: no matching command
    done = _run(script, tmp_path)
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout.strip().splitlines()[-1])
    here = run_grid(spec)
    assert [(r["cell"], r["steps"], r["accuracy"]) for r in rows] == [(r["cell"], r["steps"], r["accuracy"])
                                                                      for r in here]
    command = compare_script(ExperimentSpec(task="adding", lengths=(10, 50), seeds=2))
    assert "python -m rnn_core compare --task adding --lengths 10,50 --cells rnn,lstm,gru --seeds 2" in command


@pytest.mark.slow
def test_exported_sentiment_script_replays_the_run(tmp_path):
    from rnn_core.sentiment.classifier import ClassifierSettings, train_classifier
    from rnn_core.sentiment.data import ReviewSettings, generate_reviews, negation_split
    from rnn_core.sentiment.script import sentiment_script
    settings = ClassifierSettings(cell="gru", hidden_size=8, embedding_dim=8, seconds=None, max_steps=30, seed=4,
                                  eval_every_seconds=1e9)   # evaluated only at the end: the same kept model
    source = {"kind": "synthetic", "n_sentences": 500, "max_distractor": 4, "contrast": True}
    script = sentiment_script(settings, source)
    assert "negation_split(" in script and "seed=4" in script
    done = _run(script, tmp_path)
    assert done.returncode == 0, done.stderr
    metrics = json.loads(done.stdout.strip().splitlines()[-1])
    reviews = ReviewSettings(n_sentences=500, max_distractor=4, contrast=True)
    data = generate_reviews(reviews)
    here = train_classifier(data, settings, held_out=negation_split(reviews, exclude=set(data.texts))).metrics
    assert metrics["steps"] == 30
    for key in ("test_accuracy", "negation_accuracy", "baseline_test_accuracy"):
        assert metrics[key] == pytest.approx(here[key], abs=1e-6), key
    uci = sentiment_script(settings, {"kind": "uci", "sources": ["yelp"]})
    assert "load_uci(('yelp',), folder=download_uci())" in uci
    assert "python -m rnn_core" not in uci   # its dropout and starting vectors are not the command line's
    from rnn_core.sentiment.classifier import recommended_settings
    csv = sentiment_script(replace(recommended_settings("reviews"), seconds=None, max_steps=30),
                           {"kind": "csv", "name": "mine.csv", "text_column": "t", "label_column": "y"})
    assert "--seconds 0 --max-steps 30" in csv
    assert "python -m rnn_core sentiment --data mine.csv --text-column t --label-column y" in csv


def test_a_setting_is_drawn_as_its_type_says_unless_it_names_a_widget():
    """The page kit draws every widget from Param.widget_kind and Param.shown_as (no page repeats a range)."""
    kinds = [
        (Param("p.flag", "flag", True), "checkbox"),
        (Param("p.cells", "cells", ["rnn"], choices=("rnn", "lstm")), "multiselect"),
        (Param("p.cell", "cell", "rnn", choices=("rnn", "lstm", "gru")), "radio"),
        (Param("p.text", "text", "a", choices=tuple("abcde")), "selectbox"),
        (Param("p.lr", "lr", 0.01, choices=(0.001, 0.01, 0.1)), "select_slider"),
        (Param("p.layers", "layers", 1, low=1, high=3), "slider"),
        (Param("p.seed", "seed", 0, low=0, high=1_000_000), "number"),
        (Param("p.rate", "rate", 0.5, low=0.0, high=1.0), "number"),
        (Param("p.prompt", "prompt", "The "), "text"),
        (Param("p.view", "view", "a", choices=tuple("abcde"), widget="radio"), "radio"),
    ]
    assert [p.widget_kind() for p, _ in kinds] == [kind for _, kind in kinds]
    cell = Param("p.cell", "cell", "gru", choices=("rnn", "lstm", "gru"))
    assert cell.shown_as()("gru") == "GRU"
    assert Param("p.lr", "lr", 0.01, choices=(0.001, 0.01)).shown_as()(0.001) == "0.001"
    assert Param("p.x", "x", "a", choices=("a",), shown={"a": "Apple"}.get).shown_as()("a") == "Apple"
    assert Param("p.layers", "layers", 1, low=1.0, high=3.0).bounds() == (1, 3)
    assert all(isinstance(b, int) for b in Param("p.layers", "layers", 1, low=1.0, high=3.0).bounds())
