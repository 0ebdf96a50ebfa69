"""One sentence read word by word by a trained classifier: what "try your own sentence" shows.

P(class) after each word, the hidden state after each word, and how much each word pushed the decision
(leave-one-word-out, or gradient × input). Every probe works for any cell, pooling and direction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from rnn_core.sentiment.classifier import MAX_TOKENS, Classifier, SentimentRNN, pad, words_of
from rnn_core.errors import RNNLabError


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


SATURATED = 0.05   # gradient × input below this for every word (in log-odds): the estimate says nothing


def word_influence(rnn: SentimentRNN, ids: list[int], target: int, method: str = "leave-one-out") -> np.ndarray:
    """How much each word pushes the model toward class ``target``.

    ``leave-one-out``: P(target | sentence) − P(target | sentence without that word); positive values pushed
    toward ``target``. ``gradient``: gradient × input of the log-odds of ``target`` (its score minus the
    log-sum-exp of the others' scores), the first-order estimate of the change in the log-odds from replacing
    the word's vector by zeros. The log-odds, not log P: at P = 0.999 the gradient of log P is almost zero
    for every word whatever the words do, while the log-odds still moves. Where the network's own units
    saturate it is small anyway; :func:`gradient_is_saturated` says when.
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
        with torch.enable_grad():
            scores = rnn(idx, lengths, inputs)[0]
            others = torch.cat([scores[:target], scores[target + 1:]])
            log_odds = scores[target] - torch.logsumexp(others, 0)
            # autograd.grad, not backward(): the (possibly shared, read-only) model's weights get no gradients.
            (grad,) = torch.autograd.grad(log_odds, inputs)
        return (grad * inputs).sum(-1)[0].detach().numpy()
    raise RNNLabError(f"Unknown influence method {method!r}; choose 'leave-one-out' or 'gradient'.")


def gradient_is_saturated(influence: np.ndarray) -> bool:
    """True when gradient × input is near zero for every word: the units are saturated, the estimate is blind."""
    return bool(np.abs(np.asarray(influence)).max(initial=0.0) < SATURATED)


def probe_sentence(classifier: Classifier, text: str, method: str = "leave-one-out") -> SentenceProbe:
    """Everything "try your own sentence" shows about ``text``; raises RNNLabError for empty or unreadable input."""
    words, ids, unknown = sentence_tokens(classifier, text)
    by_word = probabilities_by_word(classifier.rnn, ids)
    predicted = int(by_word[-1].argmax())
    baseline = classifier.predict_proba([" ".join(words)], "baseline")[0]
    return SentenceProbe(words, unknown, by_word[-1], baseline, by_word, hidden_by_word(classifier.rnn, ids),
                         word_influence(classifier.rnn, ids, predicted, method), predicted)


WORKSHOP_SENTENCE = "The food was not bad at all"    # the page's first sentence, and the workshop's
WAITER_SENTENCE = "The waiter was rude and the soup was cold"   # two clauses, both negative
# The sentences the page offers to try, each with what a model trained on the built-in reviews makes of it
# (every word known, and this class with confidence: tests/claims/test_sentiment.py).
IDEA_CLASSES = {WORKSHOP_SENTENCE: "positive", "The food was bad": "negative",
                "The start was dull but the ending was superb.": "positive",
                "The service was not, despite what my friends said, good.": "negative", "Not good.": "negative",
                "I would not recommend it.": "negative", WAITER_SENTENCE: "negative",
                "The best pizza in town!": "positive"}
IDEAS = tuple(IDEA_CLASSES)
# The minimal pairs the page shows side by side: one opinion word, with and without "not" (label 1 positive).
MINIMAL_PAIRS = (("The food was good.", 1), ("The food was not good.", 0), ("The food was bad.", 0),
                 ("The food was not bad.", 1), ("The food was not bad at all.", 1))


def minimal_pairs(classifier: Classifier, pairs=MINIMAL_PAIRS) -> list[dict]:
    """P(positive) from the RNN and from the bag of words for each sentence, and whether each is right.

    Only for classifiers with a ``positive`` class (the built-in reviews, the UCI sentences); else ``[]``.
    """
    if "positive" not in classifier.classes:
        return []
    k = classifier.classes.index("positive")
    texts = [t for t, _ in pairs]
    rnn, bow = classifier.predict_proba(texts)[:, k], classifier.predict_proba(texts, "baseline")[:, k]
    return [{"sentence": t, "truth": "positive" if y else "negative", "rnn": float(r), "baseline": float(b),
             "rnn_right": (r > 0.5) == bool(y), "baseline_right": (b > 0.5) == bool(y)}
            for (t, y), r, b in zip(pairs, rnn, bow)]
