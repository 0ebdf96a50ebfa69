"""The command line: ``python -m rnn_core train-lm`` prints one JSON object last, or a message."""

import json
import subprocess
import sys

import pytest
import torch

from conftest import ROOT
from rnn_core.language_model.checkpoint import load_checkpoint
from rnn_core.language_model.training import ON_THE_CLOCK_AVERAGE
from rnn_core.data.corpora import load_builtin


def _run(*args):
    return subprocess.run([sys.executable, "-m", "rnn_core", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)


@pytest.mark.slow
def test_train_lm_prints_its_figures_and_saves_a_checkpoint(tmp_path):
    text = tmp_path / "docs.txt"
    text.write_text(load_builtin("python-docs")[:30_000], encoding="utf-8")
    save = tmp_path / "model.pt"
    proc = _run("train-lm", "--text", str(text), "--cell", "gru", "--seconds", "0", "--max-steps", "15",
                "--hidden", "32", "--save", str(save))
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    for key in ("val_loss", "train_loss", "steps", "tokens_per_second", "seconds", "params", "cell", "level"):
        assert key in result
    assert result["steps"] == 15 and result["cell"] == "gru" and result["level"] == "char"
    model, tokenizer, info = load_checkpoint(save)
    assert model.config.cell == "gru" and info["metrics"]["steps"] == 15
    assert torch.isfinite(next(model.parameters())).all()


@pytest.mark.slow
def test_user_errors_exit_2_with_a_message(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("  \n")
    proc = _run("train-lm", "--text", str(empty))
    assert proc.returncode == 2 and "empty" in proc.stderr and "Traceback" not in proc.stderr
    proc = _run("train-lm", "--text", str(tmp_path / "missing.txt"))
    assert proc.returncode == 2 and "No such text file" in proc.stderr


def test_train_lm_for_s_seconds_trains_the_whole_time_without_patience(monkeypatch):
    """`train-lm --seconds S`: the clock is the budget, so the preset's early stop (patience) is off; it stopped
    Better on Tiny Shakespeare at 15 s of 60, on evaluation noise."""
    import argparse

    from rnn_core.language_model import command

    seen = {}

    class Stop(Exception):
        pass

    def capture(text, settings, **_):
        seen["settings"] = settings
        raise Stop

    monkeypatch.setattr(command, "train_language_model", capture)
    parser = argparse.ArgumentParser()
    command.add_arguments(parser)
    for extra, patience in (([], None), (["--max-steps", "50"], 5)):
        with pytest.raises(Stop):
            command.run(parser.parse_args(["--text", "python-docs", "--preset", "better", "--seconds", "60", *extra]))
        assert seen["settings"].patience == patience and seen["settings"].seconds == 60
        # on the clock, the weights' moving average is handed back; a step budget trains as the presets do
        assert seen["settings"].average == (ON_THE_CLOCK_AVERAGE if patience is None else None)
