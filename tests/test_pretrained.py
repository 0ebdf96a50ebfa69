"""The ready-made checkpoints: present, small, loadable with weights_only, regenerable, and usable from the CLI."""

import json
import re
import subprocess
import sys

import pytest
import torch

from conftest import ROOT
from rnn_core.language_model.checkpoint import load_checkpoint
from rnn_core.language_model.generation import sample
from rnn_core.language_model.pretrained import BUILD_SCRIPT, MAX_BYTES, READY_MADE, available, load_ready_made, provenance


def test_every_ready_made_model_ships_and_is_small():
    assert {r.key for r in available()} == set(READY_MADE)
    for entry in READY_MADE.values():
        assert entry.path.stat().st_size <= MAX_BYTES, entry.file
    levels = {load_ready_made(key)[1].level for key in READY_MADE}
    assert levels == {"char", "word"}


def test_build_script_has_the_command_that_saves_each_file():
    script = BUILD_SCRIPT.read_text()
    commands = script.replace("\\\n", " ")
    for entry in READY_MADE.values():
        line = next(l for l in commands.splitlines() if entry.file in l)
        assert "python -m rnn_core train-lm" in line and "--save" in line
        assert "--max-steps" in line and "--seed" in line       # a fixed step budget: the run replays exactly
        assert re.search(r"--text (python-docs|python-docstrings|python-source|war-and-peace)\b", line)


@pytest.mark.parametrize("key", sorted(READY_MADE))
def test_ready_made_checkpoints_load_with_weights_only_and_know_their_provenance(key):
    entry = READY_MADE[key]
    payload = torch.load(entry.path, weights_only=True)   # raises if anything but tensors and plain values
    assert payload["format"] == "rnn-lab-language-model"
    model, tokenizer, info = load_checkpoint(entry.path)
    facts = provenance(key)
    assert facts["text"] in ("Python documentation", "War and Peace (Tolstoy)") and facts["cell"] in ("rnn", "lstm", "gru")
    assert facts["validation loss"] == info["metrics"]["val_loss"] > 0
    # trained, not random: well below a uniform guess over the vocabulary
    assert info["metrics"]["val_loss"] < 0.75 * torch.log(torch.tensor(float(len(tokenizer)))).item()


def test_the_char_models_share_text_and_size_for_the_comparison():
    facts = [provenance(k) for k in ("char-rnn", "char-lstm", "char-gru")]
    assert {f["cell"] for f in facts} == {"rnn", "lstm", "gru"}
    assert len({(f["text"], f["hidden size"], f["level"], f["steps"]) for f in facts}) == 1


def test_the_ready_made_char_model_writes_mostly_known_words():
    model, tokenizer, _ = load_ready_made("char-lstm")
    text = sample(model, tokenizer, "The ", 400, temperature=0.5, seed=0).text
    words = re.findall(r"[a-z]+", text.lower())
    common = {"the", "is", "of", "a", "to", "and", "in", "be", "an", "it", "for", "that", "or", "as", "this"}
    assert sum(w in common for w in words) >= 10


def _cli(capsys, *args):
    """Run ``python -m rnn_core generate ARGS`` in this process; returns (exit status, last stdout line, stderr)."""
    from rnn_core.__main__ import main
    status = main(["generate", *args])
    out = capsys.readouterr()
    lines = out.out.strip().splitlines()
    return status, (lines[-1] if lines else ""), out.err


def test_generate_command_prints_text_and_speed_and_the_seed_reproduces(capsys):
    args = ["--model", "char-lstm", "--prompt", "The ", "--length", "60", "--temperature", "1.0", "--seed", "5"]
    (status, first, err), (_, second, _) = _cli(capsys, *args), _cli(capsys, *args)
    assert status == 0, err
    result = json.loads(first)
    assert len(result["text"]) == 60 and result["tokens_per_second"] > 0
    assert result["text"] == json.loads(second)["text"]
    assert json.loads(_cli(capsys, *args[:-1], "6")[1])["text"] != result["text"]


def test_generate_command_refuses_bad_files_and_settings(tmp_path, capsys):
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"this is not a checkpoint")
    status, _, err = _cli(capsys, "--model", str(bad))
    assert status == 2 and "not a readable RNN Lab checkpoint" in err
    status, _, err = _cli(capsys, "--model", "char-lstm", "--temperature", "-3")
    assert status == 2 and "Temperature" in err
    status, _, err = _cli(capsys, "--model", str(tmp_path / "missing.pt"))
    assert status == 2 and "No checkpoint" in err


@pytest.mark.slow
def test_the_command_line_runs_as_a_module():
    out = subprocess.run([sys.executable, "-m", "rnn_core", "generate", "--model", "word-lstm", "--prompt",
                          "The default value of", "--length", "10", "--temperature", "0"], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["tokens"] == 10 and result["level"] == "word" and result["text"]


@pytest.mark.parametrize("data", [b"this is not a checkpoint", b"\x80", b"\x80\x02junk", b"\x89PNG\r\n\x1a\n...."])
def test_foreign_bytes_are_refused_with_a_message(data):
    from rnn_core.errors import RNNLabError
    with pytest.raises(RNNLabError, match="not a readable RNN Lab checkpoint"):
        load_checkpoint(data)


def test_a_foreign_pytorch_file_is_refused(tmp_path):
    from rnn_core.errors import RNNLabError
    path = tmp_path / "linear.pt"
    torch.save(torch.nn.Linear(2, 2).state_dict(), path)
    with pytest.raises(RNNLabError, match="not an RNN Lab language-model checkpoint"):
        load_checkpoint(path)


def test_generate_lists_the_next_words_and_scores_a_sentence_on_the_war_and_peace_model(capsys):
    status, line, err = _cli(capsys, "--model", "war-and-peace-words", "--prompt", "Napoleon was the Emperor of",
                             "--length", "5", "--next", "3", "--score", "Prince Andrew looked up at the sky.")
    assert status == 0, err
    result = json.loads(line)
    assert [w for w, _ in result["next"]][0] == "the" and len(result["next"]) == 3
    words = result["score"]["words"]
    assert [w for w, _ in words][:2] == ["Prince", "Andrew"]
    product = 1.0
    for _, p in words:
        product *= p
    assert result["score"]["probability"] == pytest.approx(product, rel=1e-6)
    assert _cli(capsys, "--model", "char-lstm", "--score", "Hello there.")[0] == 2     # a char model: refused
