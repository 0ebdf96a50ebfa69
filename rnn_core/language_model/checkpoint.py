"""Checkpoints: weights, vocabulary, configuration and provenance in one file.

Files are read with ``torch.load(..., weights_only=True)``, which refuses anything but tensors and plain
Python values, so opening a checkpoint from a stranger cannot run code.
"""

from __future__ import annotations

import io
from pathlib import Path
from typing import BinaryIO

import torch

from rnn_core.errors import RNNLabError
from rnn_core.language_model.model import LanguageModel, ModelConfig
from rnn_core.data.text import Tokenizer

FORMAT = "rnn-lab-language-model"
VERSION = 1


def save_checkpoint(target: str | Path | BinaryIO, model: LanguageModel, tokenizer: Tokenizer,
                    settings: dict | None = None, metrics: dict | None = None, source: str = "",
                    half: bool = False) -> None:
    """Write a language model to a path or a binary stream; ``half`` stores the weights in 16-bit floats (they
    are read back into 32-bit ones)."""
    payload = {
        "format": FORMAT, "version": VERSION,
        "model_config": model.config.to_dict(),
        "state_dict": {k: _stored(v.detach().cpu(), half) for k, v in model.state_dict().items()},
        "tokenizer": tokenizer.to_dict(),
        "settings": _plain(settings or {}),
        "metrics": _plain(metrics or {}),
        "source": source,
    }
    torch.save(payload, target)


def _stored(tensor: torch.Tensor, half: bool) -> torch.Tensor:
    return tensor.half() if half and tensor.is_floating_point() else tensor


def checkpoint_bytes(*args, **kwargs) -> bytes:
    buffer = io.BytesIO()
    save_checkpoint(buffer, *args, **kwargs)
    return buffer.getvalue()


def load_checkpoint(source: str | Path | BinaryIO | bytes, device: torch.device | str = "cpu"):
    """Read a checkpoint; returns ``(model, tokenizer, info)`` with ``info`` holding settings, metrics, source."""
    if isinstance(source, (bytes, bytearray)):
        source = io.BytesIO(source)
    try:
        payload = torch.load(source, map_location=device, weights_only=True)
    except FileNotFoundError as exc:
        raise RNNLabError(f"No checkpoint file at {source}.") from exc
    except Exception as exc:   # on junk bytes the unpickler raises anything (struct.error, IndexError, ...)
        raise RNNLabError("This file is not a readable RNN Lab checkpoint (it is corrupt, truncated, or "
                          "not a PyTorch file).") from exc
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        raise RNNLabError("This is a PyTorch file, but not an RNN Lab language-model checkpoint.")
    if payload.get("version", 0) > VERSION:
        raise RNNLabError("This checkpoint was written by a newer RNN Lab; update the app to read it.")
    try:
        config = ModelConfig(**payload["model_config"])
        model = LanguageModel(config).to(device)
        model.load_state_dict(payload["state_dict"])
        tokenizer = Tokenizer.from_dict(payload["tokenizer"])
    except (KeyError, TypeError, RuntimeError) as exc:
        raise RNNLabError(f"The checkpoint is damaged: its parts do not fit together ({exc}).") from exc
    if len(tokenizer) != config.vocab_size:
        raise RNNLabError("The checkpoint is damaged: its vocabulary does not match its model.")
    model.eval()
    info = {"settings": payload.get("settings", {}), "metrics": payload.get("metrics", {}),
            "source": payload.get("source", "")}
    return model, tokenizer, info


def _plain(value):
    """Keep only what ``weights_only`` loading accepts: numbers, strings, lists and dicts of them."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    return str(value)
