"""Settings in the link (parse, validate, round trip) and exported scripts that really run."""

import json
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from rnn_core.lm import PRESETS, train_language_model
from rnn_core.share import (Code, Param, Schema, command_line, export_script, language_model_script, lm_text,
                            settings_link)
from rnn_core.stepthrough import check_word, step_through

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


def test_a_settings_link_reopens_the_language_model_page_as_it_was():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.run()
    at.switch_page("pages/language_model.py").run()
    at.radio(key="lm.cell").set_value("gru").run()
    at.select_slider(key="lm.hidden").set_value(64).run()
    at.number_input(key="lm.seed").set_value(42).run()
    at.select_slider(key="lm.lr").set_value(1.5e-2).run()
    query = {k: at.query_params[k][0] if isinstance(at.query_params[k], list) else at.query_params[k]
             for k in at.query_params}
    assert query["cell"] == "gru" and query["hidden"] == "64" and query["seed"] == "42"

    fresh = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    fresh.query_params.update(query)
    fresh.run()
    fresh.switch_page("pages/language_model.py").run()
    assert not fresh.exception and not fresh.warning
    assert fresh.radio(key="lm.cell").value == "gru"
    assert fresh.select_slider(key="lm.hidden").value == 64
    assert fresh.number_input(key="lm.seed").value == 42
    assert fresh.select_slider(key="lm.lr").value == 1.5e-2


def test_a_broken_link_opens_the_page_with_defaults_and_says_why():
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=90)
    at.query_params.update({"cell": "gru", "hidden": "-3", "seed": "abc", "lr": "1e9", "source": "\x00"})
    at.run()
    at.switch_page("pages/language_model.py").run()
    assert not at.exception
    text = " ".join(w.value for w in at.warning)
    assert "hidden=-3" in text and "seed=abc" in text and "lr=1e9" in text
    assert at.radio(key="lm.cell").value == "gru" and at.number_input(key="lm.seed").value == 0
    assert at.select_slider(key="lm.hidden").value == 16 and at.select_slider(key="lm.lr").value == 1.0
