"""The classic first example of a word-level language model: *War and Peace*, "Napoleon was the Emperor of…".

One-hot words in (an embedding is a one-hot vector times a matrix), a softmax over the vocabulary out, trained
with cross-entropy on Tolstoy's novel. Three lessons are measured here on the ready-made model
(``pretrained/build.sh`` rebuilds it from the downloaded book):

* **A model predicts its book.** What follows "Emperor of" in the text it was trained on, counted
  (:func:`book_facts`, shipped as JSON beside the model, because the book itself is not shipped), against the
  probabilities the model gives after the prompt (:func:`book_and_model`).
* **Unknown words.** A name outside the vocabulary is read as ``<unk>``: every unknown name gives exactly the
  same prediction (:func:`unknown_names`).
* **The chain rule.** A sentence's probability is the product of each word's probability given the words
  before it (:func:`chain_rule`).
"""

from __future__ import annotations

import argparse
import json
import math
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import torch

from rnn_core.data.corpora import load_public_text, unwrap_prose
from rnn_core.data.text import UNK, Tokenizer, split_tokens
from rnn_core.errors import RNNLabError
from rnn_core.runs.jobs import configure_torch_threads
from rnn_core.runs.loop import evaluating
from rnn_core.language_model.pretrained import READY_MADE, load_ready_made
from rnn_core.language_model.training import PRESET_TITLES, preset, train_language_model
from rnn_core.language_model.generation import Stepper, start_token_id, top_tokens

BOOK = "war-and-peace"
READY_KEY = "war-and-peace-words"
PROMPT = "Napoleon was the Emperor of"
CONTEXT = ("Emperor", "of")             # what the book's counts are conditioned on
SUBJECT = "Napoleon"                    # the prompt's first word, swapped for names the model never saw
UNKNOWN_NAMES = ("Gorbachev", "Cleopatra")
CHAIN_SENTENCE = "Prince Andrew looked up at the sky."
FACTS_FILE = Path(__file__).resolve().parent / "pretrained" / "war-and-peace-words.json"
PRESETS_FILE = Path(__file__).resolve().parent / "war_and_peace_presets.csv"   # the presets on this book, measured
PRESET_COLUMNS = ("preset", "cell", "seed", "steps", "val_loss", "perplexity", "seconds")
MAX_SENTENCE_WORDS = 60
TRAIN_SHARE = 0.9               # the model trains on the first 90 % of the tokens (EncodedText.split)
VOCABULARIES = (2000, 3000)     # the word level's Quick and Better vocabularies (and the ready-made model's)


def what_follows(tokens: list[str], context: tuple[str, ...]) -> Counter:
    """How often each token follows the word sequence ``context`` in ``tokens``."""
    n = len(context)
    return Counter(tokens[i + n] for i in range(len(tokens) - n) if tuple(tokens[i:i + n]) == context)


def count_phrase(tokens: list[str], phrase: tuple[str, ...]) -> int:
    n = len(phrase)
    return sum(tuple(tokens[i:i + n]) == phrase for i in range(len(tokens) - n + 1))


def book_facts(text: str) -> dict:
    """What the book itself says, counted on the word tokens the model trained on (the first 90 %, as
    :class:`~rnn_core.data.text.EncodedText` splits them; words, punctuation marks and paragraph ends): what follows
    "Emperor of" and what follows "of", and whether Napoleon's title or the whole prompt ever appears."""
    every = split_tokens(text, "word")
    tokens = every[:int(len(every) * TRAIN_SHARE)]
    follows = what_follows(tokens, CONTEXT)
    after_of = what_follows(tokens, ("of",))
    return {"context": " ".join(CONTEXT), "follows": dict(follows.most_common()),
            "context_count": sum(follows.values()),
            "of_count": sum(after_of.values()),
            "after_of": {w: n for w, n in after_of.most_common() if n >= 2 or w in follows},
            "emperor_of_the_french": count_phrase(tokens, ("Emperor", "of", "the", "French")),
            "prompt_count": count_phrase(tokens, tuple(split_tokens(PROMPT, "word"))),
            "unknown_share": {str(v): unknown_share(text, v) for v in VOCABULARIES},
            "train_tokens": len(tokens), "words": len(every)}


def unknown_share(text: str, vocabulary: int) -> float:
    """The share of the book's word tokens outside a vocabulary of its ``vocabulary`` commonest words."""
    tokenizer = Tokenizer.build(text, "word", vocabulary)
    ids = tokenizer.encode(text)
    return round(sum(i == tokenizer.unk_id for i in ids) / len(ids), 4)


def shipped_facts(path: Path = FACTS_FILE) -> dict | None:
    """The counts shipped beside the ready-made model (None when the file is missing)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def next_probs(model, tokenizer: Tokenizer, prompt: str) -> torch.Tensor:
    """The model's distribution over the next word after ``prompt``, as the sampler sees it at temperature 1: the
    special tokens (``<unk>`` among them) removed and the rest renormalised."""
    return Stepper.start(model, tokenizer, prompt).probs()


@dataclass(frozen=True)
class BookRow:
    word: str
    book_count: int
    book_share: float
    model_probability: float
    model_rank: int


def book_and_model(probs: torch.Tensor, tokenizer: Tokenizer, facts: dict) -> list[BookRow]:
    """For every word that follows "Emperor of" in the book: its count and share there, and the probability
    (and rank among all words) the model gives it: ``probs``, its :func:`next_probs` after the prompt."""
    order = torch.argsort(probs, descending=True).tolist()
    rank = {i: r + 1 for r, i in enumerate(order)}
    total = sum(facts["follows"].values()) or 1
    rows = []
    for word, count in facts["follows"].items():
        known = word in tokenizer.tokens
        i = tokenizer.id_of(word) if known else tokenizer.unk_id
        rows.append(BookRow(word, int(count), count / total, float(probs[i]) if known else 0.0,
                            rank[i] if known else 0))
    return rows


@dataclass(frozen=True)
class NameRow:
    name: str
    known: bool
    read_as: str
    top: list[tuple[str, float]]


def unknown_names(model, tokenizer: Tokenizer, names=(SUBJECT, *UNKNOWN_NAMES), k: int = 5,
                  prompt: str = PROMPT) -> tuple[list[NameRow], float]:
    """The prompt with its subject swapped for each name: whether the model knows the name, what it reads, and
    its ``k`` likeliest next words (as :func:`next_probs`). Also the largest difference in any
    word's probability between two unknown names (0: they are the same input)."""
    rows, unknown_dists = [], []
    for name in names:
        sentence = prompt.replace(SUBJECT, name, 1)
        probs = next_probs(model, tokenizer, sentence)
        known = name in tokenizer.tokens
        if not known:
            unknown_dists.append(probs)
        rows.append(NameRow(name, known, name if known else UNK, top_tokens(probs, tokenizer, k)))
    gap = max((float((a - b).abs().max()) for a in unknown_dists for b in unknown_dists), default=0.0)
    return rows, gap


@dataclass(frozen=True)
class ChainStep:
    word: str
    known: bool
    probability: float      # P(word | the words before it)
    bits: float             # its surprise, -log2 P
    running: float          # P(the sentence so far) = the product of the probabilities so far


def chain_rule(model, tokenizer: Tokenizer, sentence: str = CHAIN_SENTENCE) -> list[ChainStep]:
    """P(w_1 … w_n) = P(w_1) · P(w_2 | w_1) · … · P(w_n | w_1 … w_{n-1}), read off the model one word at a time,
    starting where a paragraph starts. A word outside the vocabulary counts as ``<unk>`` ("some rare word")."""
    words = split_tokens(sentence or "", "word")
    if not words:
        raise RNNLabError("Type a sentence: there is no word to score.")
    if len(words) > MAX_SENTENCE_WORDS:
        raise RNNLabError(f"That sentence has {len(words)} words; score at most {MAX_SENTENCE_WORDS}.")
    ids = [start_token_id(tokenizer)] + tokenizer.encode(sentence)
    with evaluating(model), torch.no_grad():
        logits, _, _ = model(torch.tensor([ids], device=model.device))
    logp = torch.log_softmax(logits[0].float(), -1)
    steps, running = [], 0.0
    for t, word in enumerate(words):
        lp = float(logp[t, ids[t + 1]])
        running += lp
        steps.append(ChainStep(word, word in tokenizer.tokens, math.exp(lp), -lp / math.log(2), math.exp(running)))
    return steps


def perplexity(steps: list[ChainStep]) -> float:
    """The geometric mean of 1 / P(word | before) over the sentence: the "number of equally likely choices"."""
    return 2 ** (sum(s.bits for s in steps) / len(steps))


def preset_row(text: str, name: str, seed: int, cell: str = "lstm") -> dict:
    """One preset trained on the book at the word level, as Train a language model runs it."""
    run = train_language_model(text, preset(name, level="word", cell=cell, seed=seed))
    m = run.metrics
    return {"preset": name, "cell": cell, "seed": seed, "steps": m["steps"], "val_loss": round(m["val_loss"], 4),
            "perplexity": round(m["perplexity"], 1), "seconds": round(m["seconds"], 1)}


def shipped_presets(path: Path = PRESETS_FILE) -> pd.DataFrame | None:
    try:
        return pd.read_csv(path)
    except (OSError, ValueError):
        return None


def preset_sentence(rows: pd.DataFrame, ready: dict, facts: dict) -> str:
    """What the presets give on the book, against the ready-made model, from the shipped measurements.
    ``ready``: the ready-made model's metrics; ``facts``: the book's counts (:func:`book_facts`)."""
    unknown = facts["unknown_share"]
    shape = preset("better", level="word")          # the ready-made model trained with Better's batches too

    def passes(steps: int) -> float:
        return steps * shape.batch_size * shape.seq_len / facts["train_tokens"]

    def span(name: str) -> str:
        r = rows[rows["preset"] == name]
        return (f"{r['perplexity'].min():.0f}–{r['perplexity'].max():.0f} after {int(r['steps'].max()):,} steps "
                f"(seeds {int(r['seed'].min())}–{int(r['seed'].max())})")
    quick, better = (preset("quick" if q else "better", level="word").max_vocab for q in (True, False))
    better_steps = int(rows[rows["preset"] == "better"]["steps"].max())
    return (f"On *War and Peace* at the word level, **Better** keeps the ready-made model's {better:,} words and "
            f"reaches a perplexity of {span('better')}, about {passes(better_steps):.1f} pass over the book; the "
            f"ready-made model (192 units) kept improving until step {int(ready['best_step']):,} "
            f"({passes(int(ready['best_step'])):.0f} passes) and reaches **{ready['perplexity']:.0f}**. Quick's "
            f"{span('quick')} is not comparable: it keeps {quick:,} words, so {unknown[str(quick)]:.0%} of its "
            f"targets are the easy <unk> (against {unknown[str(better)]:.0%}), and a smaller vocabulary makes the "
            "perplexity look better. A perplexity of P: the model is as unsure as a choice among P equally likely "
            "words.")


def presets_note() -> str | None:
    """:func:`preset_sentence` from the shipped measurements and the ready-made model (None if either is missing)."""
    rows = shipped_presets()
    if rows is None or not READY_MADE[READY_KEY].path.is_file():
        return None
    facts = shipped_facts()
    if facts is None or "unknown_share" not in facts:
        return None
    metrics = load_ready_made(READY_KEY)[2]["metrics"]
    return preset_sentence(rows, metrics, facts)


# --- what the page says, from the numbers above ---------------------------------------------------------

def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


def _pc(p: float) -> str:
    return f"{p:.0%}" if p >= 0.095 else f"{p:.1%}" if p >= 0.0095 else f"{p:.2%}"


def book_sentence(facts: dict) -> str:
    """What the book says after "Emperor of", counted."""
    follows = ", ".join(f"**{w}** {_times(n)}" for w, n in facts["follows"].items())
    title, prompt = facts["emperor_of_the_french"] == 0, facts["prompt_count"] == 0
    never = (" Neither Napoleon's own title, “Emperor of the French”, nor the whole prompt ever appears in it."
             if title and prompt else " Napoleon's own title, “Emperor of the French”, never appears in it."
             if title else " The whole prompt never appears in it." if prompt else "")
    return (f"In the part of the book the model trained on (the first 90 % of this English translation: "
            f"{facts['train_tokens']:,} tokens, words and punctuation marks), “Emperor of” occurs "
            f"{facts['context_count']} times, followed by {follows}.{never}")


def model_sentence(rows: list[BookRow], facts: dict, top: list[tuple[str, float]]) -> str:
    """What the model says after the prompt, against what the book says after "of" and after "Emperor of"."""
    first, p_first = top[0]
    of_share = facts["after_of"].get(first, 0) / facts["of_count"]
    said = (f"The model's likeliest next word is **{first}** ({_pc(p_first)})"
            + (f", as after any “of”: in the book “of” is followed by “{first}” {of_share:.0%} of the time "
               f"({facts['after_of'][first]:,} of {facts['of_count']:,})" if first in facts["after_of"] else ""))
    ranks = ", ".join(f"{r.word} {_pc(r.model_probability)} (rank {r.model_rank:,})" for r in rows if r.model_rank)
    high = [r for r in rows if r.model_rank and r.model_rank <= 10]
    verdict = ("so it has learnt what follows “Emperor of” as well." if len(high) == len(rows) else
               f"{facts['context_count']} examples in {facts['train_tokens']:,} tokens are too few for a model of "
               "this size to pick out: it has learnt the common patterns of its book first.")
    return (f"{said}. To the book's own continuations it gives {ranks}: {verdict} A model predicts its book, not "
            "the history textbook.")


def unknown_sentence(rows: list[NameRow], gap: float, vocab: int) -> str:
    unknown = [r.name for r in rows if not r.known]
    known = [r for r in rows if r.known]
    if len(unknown) < 2:
        return ""
    said = (f"{', '.join(unknown[:-1])} and {unknown[-1]} are not among the model's {vocab:,} words: each is read as "
            f"<unk>, the same input, so the model gives exactly the same prediction after any of them (the largest "
            f"difference in any "
            f"word's probability: {gap:.1g}). ")
    if known:
        k, u = known[0], next(r for r in rows if not r.known)
        same = k.top[0][0] == u.top[0][0]
        said += (f"{k.name}, a word it knows, is another input and gives another prediction (“{k.top[0][0]}” "
                 f"{_pc(k.top[0][1])} against {_pc(dict(u.top).get(k.top[0][0], 0.0))})"
                 + (", with the same likeliest word: here the words just before decide most. " if same else ". "))
    return said + "Every rare name, place or word is the same <unk> to the model: that is the price of a capped vocabulary."


def chain_sentence(steps: list[ChainStep]) -> str:
    product = (" × ".join(f"{s.probability:.2g}" for s in steps[:3]) + (" × …" if len(steps) > 3 else "") + " = "
               if len(steps) > 1 else "")
    worst = max(steps, key=lambda s: s.bits)
    unknown = [s.word for s in steps if not s.known]
    return (f"P(a paragraph starts with these words) = {product}**{steps[-1].running:.2g}**: the product of each "
            f"word's probability given the words before it (the chain rule). Per word that is a perplexity of "
            f"**{perplexity(steps):.0f}**: as unsure, on average, as a choice among {perplexity(steps):.0f} equally "
            f"likely words. The biggest surprise is “{worst.word}” ({worst.bits:.1f} bits)."
            + (f" Not in the vocabulary, so scored as <unk>: {', '.join(unknown)}. The probability of <unk> is the "
               "chance of some word outside the vocabulary, any of thousands; the word itself is far less likely, "
               "so a rare word makes the sentence look likelier than it is." if unknown else ""))


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description="Count what the book says (written beside the ready-made model), "
                                                 "or measure the presets on it.")
    parser.add_argument("--text", type=Path, help="the book's text (default: the downloaded War and Peace)")
    parser.add_argument("--out", type=Path, default=FACTS_FILE)
    parser.add_argument("--presets", type=Path, help="measure the Quick and Better presets on the book, seeds 0-4, "
                                                      "into this CSV (instead of counting)")
    args = parser.parse_args(argv)
    if args.text:
        text = unwrap_prose(args.text.read_text(encoding="utf-8-sig"))
    else:
        text = load_public_text(BOOK)
    if args.presets:
        configure_torch_threads(default=1)    # as the app trains: one thread per training
        rows = [preset_row(text, name, seed) for name in PRESET_TITLES for seed in range(5)]
        pd.DataFrame(rows, columns=PRESET_COLUMNS).to_csv(args.presets, index=False)
        print(json.dumps(rows[-1]))
        return
    facts = book_facts(text)
    args.out.write_text(json.dumps(facts, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(json.dumps(facts, ensure_ascii=False))


if __name__ == "__main__":
    main()
