"""Sampling from a language model, one token at a time.

Generation is incremental: the prompt is read once, then each new token is fed with the carried hidden
state, so producing N tokens costs N single steps, never a re-run of the prefix.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from .errors import RNNLabError
from .models import LanguageModel
from .text import Tokenizer

MAX_LENGTH = 5000


def check_sampling(temperature: float, top_k: int | None, top_p: float | None, length: int | None = None) -> None:
    """Refuse settings that make no sense, with a message for the user."""
    if not (math.isfinite(temperature) and 0 <= temperature <= 10):
        raise RNNLabError(f"Temperature must be between 0 (greedy) and 10 (got {temperature}).")
    if top_k is not None and top_k < 1:
        raise RNNLabError(f"Top-k must be at least 1 (got {top_k}); leave it empty to turn it off.")
    if top_p is not None and not 0 < top_p <= 1:
        raise RNNLabError(f"Top-p must be above 0 and at most 1 (got {top_p}).")
    if length is not None and not 0 <= length <= MAX_LENGTH:
        raise RNNLabError(f"Length must be between 0 and {MAX_LENGTH:,} tokens (got {length}).")


def next_token_probs(logits: torch.Tensor, temperature: float = 1.0, top_k: int | None = None,
                     top_p: float | None = None) -> torch.Tensor:
    """The distribution the sampler draws from: temperature, then top-k, then top-p (nucleus) filtering.

    Temperature 0 puts all the mass on the most likely token (greedy decoding).
    """
    logits = logits.float()
    if temperature == 0:
        return F.one_hot(logits.argmax(-1), logits.size(-1)).float()
    logits = logits / temperature
    if top_k is not None and top_k < logits.size(-1):
        kth = torch.topk(logits, top_k, dim=-1).values[..., -1, None]
        logits = logits.masked_fill(logits < kth, -math.inf)
    probs = torch.softmax(logits, dim=-1)
    if top_p is not None and top_p < 1:
        sorted_probs, order = torch.sort(probs, dim=-1, descending=True)
        # keep the smallest set of most likely tokens whose mass reaches top_p (always at least one)
        drop = sorted_probs.cumsum(-1) - sorted_probs >= top_p
        sorted_probs = sorted_probs.masked_fill(drop, 0.0)
        probs = torch.zeros_like(probs).scatter(-1, order, sorted_probs)
        probs = probs / probs.sum(-1, keepdim=True)
    return probs


@dataclass
class Sample:
    text: str
    ids: list
    unknown: list       # prompt tokens that were not in the vocabulary (read as <unk>)


@torch.no_grad()
def sample(model: LanguageModel, tokenizer: Tokenizer, prompt: str = "", length: int = 200,
           temperature: float = 1.0, top_k: int | None = None, top_p: float | None = None,
           seed: int = 0) -> Sample:
    """Generate ``length`` tokens after ``prompt``; the same seed gives the same text."""
    check_sampling(temperature, top_k, top_p, length)
    was_training = model.training
    model.eval()
    generator = torch.Generator(device=model.device).manual_seed(seed)
    prompt_ids = tokenizer.encode(prompt) if prompt else []
    state, logits = None, None
    if prompt_ids:
        out, _, state = model(torch.tensor([prompt_ids], device=model.device))
        logits = out[0, -1]
    else:
        # no prompt: start from the zero state with the model's own guess after a line break (or <eos>)
        start = tokenizer.id_of("\n") if "\n" in tokenizer.tokens else tokenizer.id_of("<eos>")
        out, _, state = model(torch.tensor([[start]], device=model.device))
        logits = out[0, -1]
    ids = []
    for _ in range(length):
        probs = next_token_probs(logits, temperature, top_k, top_p)
        token = int(torch.multinomial(probs, 1, generator=generator))
        ids.append(token)
        out, _, state = model(torch.tensor([[token]], device=model.device), state=state)
        logits = out[0, -1]
    model.train(was_training)
    return Sample(tokenizer.decode(ids), ids, tokenizer.unknown_tokens(prompt) if prompt else [])
