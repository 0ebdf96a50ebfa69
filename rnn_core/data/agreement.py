"""Subject–verb agreement ("was or were?") on generated sentences, after Linzen, Dupoux & Goldberg (2016).

A sentence opens with a phrase whose noun has a random number (``near the houses ,``), then ``the SUBJECT``, then
exactly ``distance`` words, then the verb, which the model must choose: *was* (the subject is singular) or *were*
(plural). The opening noun makes the task one of choosing what to remember: not the first noun, not the last,
but the one after the comma, kept while everything after it is read (a tanh RNN, which has no gates to decide
what enters its memory, needs many more training steps for that than an LSTM or a GRU). The words between are
chunks in random order:

- noun chunks, at most three: a prepositional phrase (``to the old cabinet``) or a relative clause with a noun
  (``that the man saw``); a noun of the other number than the subject is an *attractor*;
- chunks without a noun: a relative clause with a pronoun (``that we found``) and adverbs (``often``);
- adjectives inside the noun chunks.

So the distance grows with words that carry no number, while the nouns in between stay few: three from 9 words
on (as many as fit below that), each singular or plural by a coin flip, independent of the subject. A model
that ignores the subject therefore gets half the verbs right at best, whether it answers with the commoner verb
or with the nearest noun's (the no-memory lines the charts draw); sentences with 0 and 3 attractors are each
about an eighth of the test set at 9 words and more, those with 1 and 2 about three eighths each.

Inputs are word ids ``(batch, distance + 6)``, targets 0 (*was*) or 1 (*were*). Everything a chart needs about a
sentence (its attractors, what the nearest noun says) is read back from the ids by :func:`facts`.
"""

from __future__ import annotations

import random

import torch

NOUNS = (("key", "keys"), ("cabinet", "cabinets"), ("man", "men"), ("woman", "women"), ("child", "children"),
         ("dog", "dogs"), ("book", "books"), ("table", "tables"), ("teacher", "teachers"), ("house", "houses"),
         ("letter", "letters"), ("painting", "paintings"))
ADJECTIVES = ("old", "wooden", "small", "red", "new", "heavy", "quiet", "dusty")
PREPOSITIONS = ("of", "to", "near", "behind", "on", "with", "from", "under")
CLAUSE_VERBS = ("saw", "found", "liked", "moved", "painted", "opened")   # past tense: the same for both numbers
PRONOUNS = ("we", "you", "I")
ADVERBS = ("often", "again", "yesterday", "there")
VERBS = ("was", "were")
MAX_ATTRACTORS = 3
MAX_NOUNS = 3        # nouns between the subject and the verb, attractors included
MAX_ADJECTIVES = 2   # per noun chunk
SUBJECT = 5          # the subject's position: after the opening phrase "near the houses ,", then "the"

WORDS = (("the",) + tuple(n[0] for n in NOUNS) + tuple(n[1] for n in NOUNS) + ADJECTIVES + PREPOSITIONS
         + ("that",) + CLAUSE_VERBS + PRONOUNS + ADVERBS + (",",))
ID = {w: i for i, w in enumerate(WORDS)}
THE, THAT = ID["the"], ID["that"]
SINGULAR0 = 1                      # singular nouns are ids 1..12, plural ones 13..24
PLURAL0 = SINGULAR0 + len(NOUNS)
NOUN_END = PLURAL0 + len(NOUNS)
VOCAB = len(WORDS)


def _chunks(rng: random.Random, distance: int) -> tuple[list[tuple], int]:
    """The chunks between subject and verb: ("pp"|"rc", adjectives, attractor?) or ("pron",) or ("adv",)."""
    nouns = min(MAX_NOUNS, distance // 3)
    # Each noun's number is a coin flip, independent of the subject's: the words between then say nothing about
    # the verb, so no answer that ignores the subject beats 50 % on average.
    flags = [rng.random() < 0.5 for _ in range(nouns)]
    attractors = sum(flags)
    chunks: list[list] = [["pp", 0, f] for f in flags]
    left = distance - 3 * nouns
    for c in chunks:                    # some of the noun chunks are relative clauses, room allowing
        if left >= 1 and rng.random() < 0.5:
            c[0], left = "rc", left - 1
    free: list[tuple] = []
    while left > 0:
        r = rng.random()
        if left >= 3 and r < 0.45:
            free.append(("pron",))
            left -= 3
        elif r < 0.75 and any(c[1] < MAX_ADJECTIVES for c in chunks):
            rng.choice([c for c in chunks if c[1] < MAX_ADJECTIVES])[1] += 1
            left -= 1
        else:
            free.append(("adv",))
            left -= 1
    out = [tuple(c) for c in chunks] + free
    rng.shuffle(out)
    return out, attractors


def _sentence(rng: random.Random, distance: int, plural: bool) -> list[int]:
    """One sentence's ids up to the verb, ``distance + 6`` of them."""
    noun = lambda pl: (PLURAL0 if pl else SINGULAR0) + rng.randrange(len(NOUNS))
    pick = lambda words: ID[rng.choice(words)]
    ids = [pick(PREPOSITIONS), THE, noun(rng.random() < 0.5), ID[","], THE, noun(plural)]
    chunks, _ = _chunks(rng, distance)
    for chunk in chunks:
        kind = chunk[0]
        if kind == "adv":   # never the same adverb twice in a row ("often often")
            ids.append(ID[rng.choice([w for w in ADVERBS if ID[w] != ids[-1]])])
        elif kind == "pron":
            ids += [THAT, pick(PRONOUNS), pick(CLAUSE_VERBS)]
        else:
            _, adjectives, attractor = chunk
            ids += [pick(PREPOSITIONS)] if kind == "pp" else [THAT]
            ids += [THE] + [ID[w] for w in rng.sample(ADJECTIVES, adjectives)] + [noun(plural != attractor)]
            if kind == "rc":
                ids.append(pick(CLAUSE_VERBS))
    return ids


def agreement_batch(batch: int, length: int, generator: torch.Generator) -> tuple[torch.Tensor, torch.Tensor]:
    """``batch`` sentences with ``length`` words between subject and verb: ids ``(batch, length + 6)`` and the
    verb, 0 (*was*) or 1 (*were*). One number from ``generator`` seeds the sentences, so a seed replays them."""
    rng = random.Random(int(torch.randint(0, 2 ** 62, (1,), generator=generator)))
    y = [rng.random() < 0.5 for _ in range(batch)]
    x = torch.tensor([_sentence(rng, length, plural) for plural in y], dtype=torch.long)
    return x, torch.tensor(y, dtype=torch.long)


def is_noun(x: torch.Tensor) -> torch.Tensor:
    return (x >= SINGULAR0) & (x < NOUN_END)


def facts(x: torch.Tensor) -> dict[str, torch.Tensor]:
    """Per sentence: ``attractors`` (nouns after the subject of the other number) and ``nearest`` (the verb the
    nearest noun before it asks for, 0 or 1: what the nearest-noun heuristic answers)."""
    noun = is_noun(x)
    plural = (x >= PLURAL0) & noun
    subject = plural[:, SUBJECT]
    attractors = (noun[:, SUBJECT + 1:] & (plural[:, SUBJECT + 1:] != subject[:, None])).sum(dim=1)
    last = torch.where(noun, torch.arange(x.shape[1]), -1).max(dim=1).values
    nearest = plural[torch.arange(len(x)), last].long()
    return {"attractors": attractors, "nearest": nearest}


def baselines(x: torch.Tensor, y: torch.Tensor) -> dict[str, float]:
    """What no memory of the subject scores on these sentences: always the commoner verb (``majority``), and the
    verb the nearest noun asks for (``nearest``)."""
    share = float(y.float().mean())
    return {"majority": max(share, 1 - share), "nearest": float((facts(x)["nearest"] == y).float().mean())}


def breakdown(x: torch.Tensor, y: torch.Tensor, logits: torch.Tensor) -> dict:
    """A result row's extra columns from the model's outputs on the test sentences: accuracy by attractor count
    (``acc_a0``…``acc_a3``, with their sentence counts ``n_a0``…), the two no-memory baselines overall
    (``base_majority``, ``base_nearest``) and the nearest-noun one per attractor count (``nearest_a0``…), and
    ``examples``: the model's probability of *were* on the sentences :func:`example_indices` picks, as
    ``"index:probability;…"``."""
    f = facts(x)
    right = logits.argmax(-1) == y
    p_were = torch.softmax(logits.float(), dim=-1)[:, 1]
    out: dict = {f"base_{k}": round(v, 4) for k, v in baselines(x, y).items()}
    out["examples"] = ";".join(f"{i}:{float(p_were[i]):.3f}" for i in example_indices(x))
    for a in range(MAX_ATTRACTORS + 1):
        picked = f["attractors"] == a
        n = int(picked.sum())
        out[f"n_a{a}"] = n
        out[f"acc_a{a}"] = round(float(right[picked].float().mean()), 4) if n else float("nan")
        nearest = float((f["nearest"][picked] == y[picked]).float().mean()) if n else float("nan")
        out[f"nearest_a{a}"] = round(nearest, 4)
    return out


def words(ids) -> list[str]:
    return [WORDS[int(i)] for i in ids]


def parse_examples(text: str) -> dict[int, float]:
    """``"3:0.981;7:0.020"`` (a row's ``examples``) to ``{3: 0.981, 7: 0.02}``."""
    return {int(i): float(p) for i, p in (part.split(":") for part in str(text).split(";") if part)}


def example_indices(x: torch.Tensor, per_count: int = 2) -> list[int]:
    """The first ``per_count`` sentences of each attractor count in ``x`` (the examples the page shows)."""
    counts = facts(x)["attractors"].tolist()
    picked = []
    for a in range(MAX_ATTRACTORS + 1):
        picked += [i for i, c in enumerate(counts) if c == a][:per_count]
    return sorted(picked)
