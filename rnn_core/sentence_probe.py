"""One sentence read word by word by a trained classifier: what "try your own sentence" shows.

P(class) after each word, the hidden state after each word, and how much each word pushed the decision
(leave-one-word-out, or gradient × input). Every probe works for any cell, pooling and direction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from .classifier import MAX_TOKENS, Classifier, SentimentRNN, pad, words_of
from .errors import RNNLabError


@dataclass
class SentenceProbe:
    """One sentence read word by word: what each figure of "try your own sentence" draws."""

    words: list[str]
    unknown: list[str]                 # words the model never saw in training (read as <unk>)
    probabilities: np.ndarray          # (classes,) for the whole sentence
    baseline_probabilities: np.ndarray
    by_word: np.ndarray                # (words, classes): P(class) after reading words 1..t
    hidden: np.ndarray                 # (words, units): the top layer's hidden state at each word
    influence: np.ndarray              # (words,): how much each word pushed toward the predicted class
    predicted: int


def sentence_tokens(classifier: Classifier, text: str) -> tuple[list[str], list[int], list[str]]:
    """The words of ``text`` as the model reads them, their ids, and the unknown ones; refuses empty input."""
    words = words_of(text or "")[:MAX_TOKENS]
    if not words:
        raise RNNLabError("The sentence is empty: type a few words.")
    ids = [classifier.tokenizer.id_of(w) for w in words]
    unknown = list(dict.fromkeys(w for w, i in zip(words, ids) if i == classifier.tokenizer.unk_id))
    if len(unknown) == len(set(words)):
        raise RNNLabError(f"None of these words were in the training sentences ({', '.join(unknown[:8])}), so "
                          "the model cannot read anything in them. Try words from the data set.")
    return words, ids, unknown


@torch.no_grad()
def probabilities_by_word(rnn: SentimentRNN, ids: list[int]) -> np.ndarray:
    """P(class) after each word: the model run on every prefix (so it is right for any pooling or direction)."""
    rnn.eval()
    idx, lengths = pad([ids[:t] for t in range(1, len(ids) + 1)])
    return F.softmax(rnn(idx, lengths), dim=-1).numpy()


@torch.no_grad()
def hidden_by_word(rnn: SentimentRNN, ids: list[int]) -> np.ndarray:
    """The top layer's hidden state after each word, ``(words, directions × hidden)``."""
    rnn.eval()
    idx, lengths = pad([ids])
    return rnn.hidden_states(idx, lengths)[0].numpy()


def word_influence(rnn: SentimentRNN, ids: list[int], target: int, method: str = "leave-one-out") -> np.ndarray:
    """How much each word pushes the model toward class ``target``.

    ``leave-one-out``: P(target | sentence) − P(target | sentence without that word); positive values pushed
    toward ``target``. ``gradient``: gradient × input, the first-order estimate of the change in log P(target)
    from replacing the word's embedding by zeros (cheap, but blind to saturation).
    """
    rnn.eval()
    if method == "leave-one-out":
        with torch.no_grad():
            variants = [ids] + [(ids[:t] + ids[t + 1:]) or [0] for t in range(len(ids))]
            probs = F.softmax(rnn(*pad(variants)), dim=-1)[:, target]
        return (probs[0] - probs[1:]).numpy()
    if method == "gradient":
        idx, lengths = pad([ids])
        inputs = rnn.embedding(idx).detach().requires_grad_(True)
        with torch.backends.cudnn.flags(enabled=False):
            F.log_softmax(rnn(idx, lengths, inputs), dim=-1)[0, target].backward()
        return (inputs.grad * inputs).sum(-1)[0].detach().numpy()
    raise RNNLabError(f"Unknown influence method {method!r}; choose 'leave-one-out' or 'gradient'.")


def probe_sentence(classifier: Classifier, text: str, method: str = "leave-one-out") -> SentenceProbe:
    """Everything "try your own sentence" shows about ``text``; raises RNNLabError for empty or unreadable input."""
    words, ids, unknown = sentence_tokens(classifier, text)
    by_word = probabilities_by_word(classifier.rnn, ids)
    predicted = int(by_word[-1].argmax())
    baseline = classifier.predict_proba([" ".join(words)], "baseline")[0]
    return SentenceProbe(words, unknown, by_word[-1], baseline, by_word, hidden_by_word(classifier.rnn, ids),
                         word_influence(classifier.rnn, ids, predicted, method), predicted)
