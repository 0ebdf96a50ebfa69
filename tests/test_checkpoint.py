"""Checkpoints round-trip, and anything else is refused with a message."""

import io

import pytest
import torch

from rnn_core.language_model.checkpoint import checkpoint_bytes, load_checkpoint, save_checkpoint
from rnn_core.errors import RNNLabError
from rnn_core.language_model.model import LanguageModel, ModelConfig
from rnn_core.data.text import Tokenizer


def _model():
    torch.manual_seed(0)
    tok = Tokenizer.build("hello world", "char")
    return LanguageModel(ModelConfig(vocab_size=len(tok), cell="gru", hidden_size=8)), tok


def test_round_trip_gives_the_same_predictions(tmp_path):
    model, tok = _model()
    path = tmp_path / "m.pt"
    save_checkpoint(path, model, tok, {"seed": 3}, {"val_loss": 1.5}, "Pasted text")
    loaded, tok2, info = load_checkpoint(path)
    idx = torch.tensor([tok.encode("hello")])
    torch.testing.assert_close(loaded(idx)[0], model(idx)[0])
    assert tok2 == tok and info["metrics"]["val_loss"] == 1.5 and info["source"] == "Pasted text"


@pytest.mark.parametrize("data", [b"", b"not a checkpoint at all", b"PK\x03\x04garbage"])
def test_corrupt_files_are_refused(data):
    with pytest.raises(RNNLabError):
        load_checkpoint(data)


def test_truncated_checkpoint_is_refused():
    model, tok = _model()
    data = checkpoint_bytes(model, tok)
    with pytest.raises(RNNLabError):
        load_checkpoint(data[: len(data) // 2])


def test_a_foreign_pytorch_file_is_refused():
    buffer = io.BytesIO()
    torch.save({"weights": torch.zeros(3)}, buffer)
    with pytest.raises(RNNLabError, match="not an RNN Lab"):
        load_checkpoint(buffer.getvalue())


class _Evil:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_a_pickle_that_runs_code_is_refused():
    buffer = io.BytesIO()
    torch.save({"format": "rnn-lab-language-model", "evil": _Evil()}, buffer)
    with pytest.raises(RNNLabError):
        load_checkpoint(buffer.getvalue())


def test_a_half_precision_checkpoint_is_half_the_size_and_reads_back_as_float32(tmp_path):
    torch.manual_seed(0)
    tok = Tokenizer.build("hello world " * 20, "char")
    model = LanguageModel(ModelConfig(vocab_size=len(tok), hidden_size=64))
    full, half = checkpoint_bytes(model, tok), checkpoint_bytes(model, tok, half=True)
    assert len(half) < 0.6 * len(full)
    payload = torch.load(io.BytesIO(half), weights_only=True)
    assert all(v.dtype == torch.float16 for v in payload["state_dict"].values() if v.is_floating_point())
    loaded, _, _ = load_checkpoint(half)
    for (name, a), b in zip(model.state_dict().items(), loaded.state_dict().values()):
        assert b.dtype == torch.float32 and torch.allclose(a, b, rtol=1e-3, atol=1e-4), name
