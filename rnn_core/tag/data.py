"""Sentences for the tagger: an ambiguous word whose tag only a later cue decides.

Every generated sentence is lower case (capital letters give nothing away) and reads

    [opening]  AMBIGUOUS  [d - 1 neutral adverbs]  CUE PHRASE  [ending]

"jordan scored twice" (person) / "jordan flows south" (place); "apple released a phone" (organisation) /
"apple is on sale" (none). The cue phrase's first word is the cue, ``d`` words after the ambiguous word; the
words between are adverbs that fit every reading ("jordan reportedly finally scored twice"). The opening is
drawn independently of the ambiguous word's reading, so nothing *before* the word gives its tag away: a model
that reads left to right can do no better, there, than the word's most frequent tag (the baseline). The
readings of each ambiguous word are equally likely, so that baseline is honest (about one in two or three).

The other words ("plain" words) always have the same tag: cue words, adverbs and openings are "none"; the
plain names in openings and endings ("in london", "with maria", "for toyota") are always what they are.

Memorising pairs does not work: each ambiguous word is seen in training with only some of its class's cue
phrases, and the test sentences pair it with the others (:attr:`TagData.test`, the held-out word × cue pairs).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field

from rnn_core.errors import RNNLabError

TAGS = ("person", "place", "organisation", "none")
MAX_DISTANCE = 12
MAX_WORDS = 40            # the longest sentence the page tags

# Each ambiguous word and the readings it can have; a sentence draws one reading uniformly.
AMBIGUOUS: dict[str, tuple[str, ...]] = {
    "jordan": ("person", "place"), "washington": ("person", "place"), "paris": ("person", "place"),
    "georgia": ("person", "place"), "victoria": ("person", "place"), "sydney": ("person", "place"),
    "florence": ("person", "place"), "austin": ("person", "place"), "houston": ("person", "place"),
    "troy": ("person", "place"), "nancy": ("person", "place"), "lincoln": ("person", "place", "organisation"),
    "chelsea": ("person", "place", "organisation"), "ford": ("person", "organisation"),
    "dell": ("person", "organisation"), "tesla": ("person", "organisation"),
    "morgan": ("person", "organisation"), "disney": ("person", "organisation"),
    "harvard": ("person", "organisation"), "stanford": ("person", "organisation"),
    "ferrari": ("person", "organisation"), "amazon": ("place", "organisation"),
    "columbia": ("place", "organisation"), "oxford": ("place", "organisation"),
    "cambridge": ("place", "organisation"), "orange": ("place", "organisation", "none"),
    "apple": ("organisation", "none"), "jaguar": ("organisation", "none"), "shell": ("organisation", "none"),
    "puma": ("organisation", "none"), "corona": ("organisation", "none"), "target": ("organisation", "none"),
    "subway": ("organisation", "none"), "china": ("place", "none"), "turkey": ("place", "none"),
    "jersey": ("place", "none"), "java": ("place", "none"), "teddy": ("person", "none"),
    "rose": ("person", "none"), "bill": ("person", "none"), "penny": ("person", "none"),
    "jack": ("person", "none"),
}

# What follows, by the reading it decides. Each phrase's first word is the cue and belongs to one class only.
CUES: dict[str, tuple[str, ...]] = {
    "person": ("scored twice", "smiled at the crowd", "sang a love song", "married a neighbour",
               "laughed at the joke", "apologised to the voters", "wrote a memoir", "thanked the fans"),
    "place": ("flows south", "lies on the coast", "borders the desert", "attracts many tourists",
              "flooded after the storm", "sprawls across the valley", "elected a new mayor",
              "hosted the summer games"),
    "organisation": ("released a phone", "hired new staff", "reported record profits", "merged with a rival",
                     "opened a new office", "laid off workers", "announced quarterly earnings",
                     "recalled its products"),
    "none": ("is on sale", "was on the table", "fell on the floor", "costs two dollars", "sat in a box",
             "looked brand new", "arrived by post", "got lost in the move"),
}
HELD_OUT_PER_READING = 2   # of each class's 8 cue phrases, this many are kept away from each word in training

# Adverbs that fit every reading: what stands between the ambiguous word and its cue.
FILLERS = ("reportedly", "apparently", "suddenly", "finally", "quietly", "once", "really", "clearly", "surely",
           "probably", "certainly", "honestly", "recently", "often", "rarely", "still", "already", "always",
           "usually", "briefly", "slowly", "quickly", "now", "soon")

PLAIN_NAMES: dict[str, tuple[str, ...]] = {
    "place": ("london", "berlin", "tokyo", "madrid", "rome", "cairo", "lima", "oslo", "dublin", "vienna",
              "mumbai", "toronto"),
    "person": ("alice", "david", "maria", "omar", "priya", "kenji", "lucas", "fatima", "elena", "samuel"),
    "organisation": ("google", "microsoft", "unicef", "toyota", "nokia", "siemens", "oxfam", "ikea", "samsung",
                     "intel"),
}
# Before the ambiguous word, drawn whatever its reading. {place}, {person}, {organisation}: a plain name.
OPENINGS = ("", "", "", "yesterday", "last week", "this morning", "i heard that", "they say that",
            "we read that", "everyone knows that", "in {place}", "{person} said that", "according to {organisation}",
            "as expected", "on monday", "at noon")
ENDINGS = ("", "", "", "in {place}", "with {person}", "for {organisation}", "last year", "on friday",
           "this time")

EXAMPLES = ("jordan scored twice", "jordan flows south", "apple released a phone", "apple is on sale",
            "teddy smiled at the crowd", "teddy is on sale", "yesterday paris quietly attracts many tourists",
            "paris apparently finally sang a love song", "zorblax scored twice")


@dataclass(frozen=True)
class Sentence:
    """One tagged sentence: its words, their tags, where the ambiguous word is and how far its cue comes."""

    words: tuple[str, ...]
    tags: tuple[str, ...]
    ambiguous_at: int
    distance: int

    @property
    def text(self) -> str:
        return " ".join(self.words)


@dataclass(frozen=True)
class TagDataSettings:
    """How many sentences, how far the cue comes after the ambiguous word (1 to ``distance`` words), the seed."""

    distance: int = 3
    n_train: int = 3000
    n_test: int = 1200
    seed: int = 0

    def __post_init__(self):
        if not 1 <= self.distance <= MAX_DISTANCE:
            raise RNNLabError(f"The cue distance must be between 1 and {MAX_DISTANCE} words (got {self.distance}).")
        if not 100 <= self.n_train <= 50_000:
            raise RNNLabError(f"Training sentences must be between 100 and 50,000 (got {self.n_train}).")
        if not 50 <= self.n_test <= 20_000:
            raise RNNLabError(f"Test sentences must be between 50 and 20,000 (got {self.n_test}).")


@dataclass
class TagData:
    """Training and test sentences, and which word × cue pairs the test holds out."""

    settings: TagDataSettings
    train: list[Sentence]
    test: list[Sentence]
    held_out: dict = field(default_factory=dict)   # (word, reading) -> the cue phrases kept for the test

    @property
    def vocabulary(self) -> list[str]:
        """Every word of the training sentences, in order of first appearance."""
        return list(dict.fromkeys(w for s in self.train for w in s.words))


def _fill(template: str, rng: random.Random) -> tuple[list[str], list[str]]:
    words, tags = [], []
    for token in template.split():
        if token.startswith("{"):
            kind = token.strip("{}")
            words.append(rng.choice(PLAIN_NAMES[kind]))
            tags.append(kind)
        else:
            words.append(token)
            tags.append("none")
    return words, tags


def make_sentence(word: str, reading: str, cue: str, distance: int, rng: random.Random) -> Sentence:
    """``word`` read as ``reading``, its cue phrase ``cue`` starting ``distance`` words after it."""
    if not 1 <= distance <= len(FILLERS) + 1:
        raise RNNLabError(f"The cue distance must be between 1 and {len(FILLERS) + 1} words.")
    words, tags = _fill(rng.choice(OPENINGS), rng)
    at = len(words)
    words.append(word)
    tags.append(reading)
    for filler in rng.sample(FILLERS, distance - 1):
        words.append(filler)
        tags.append("none")
    for part in (cue, rng.choice(ENDINGS)):
        more_words, more_tags = _fill(part, rng)
        words += more_words
        tags += more_tags
    return Sentence(tuple(words), tuple(tags), at, distance)


def held_out_cues(seed: int) -> dict[tuple[str, str], tuple[str, ...]]:
    """For each ambiguous word and reading, the cue phrases its training sentences never pair it with."""
    rng = random.Random(f"held-out-{seed}")
    return {(word, reading): tuple(rng.sample(CUES[reading], HELD_OUT_PER_READING))
            for word, readings in AMBIGUOUS.items() for reading in readings}


def generate(settings: TagDataSettings = TagDataSettings()) -> TagData:
    """Seeded training and test sentences: a word, one of its readings and a distance, each uniformly.

    The test has at least ``n_test`` sentences (whole rounds of every word × reading × distance). Training
    sentences pair a word with the cue phrases not held out for it; test sentences only with the
    held-out ones, so the test asks for what the cue means, not for a pair seen before.
    """
    held = held_out_cues(settings.seed)
    rng = random.Random(settings.seed)
    words = sorted(AMBIGUOUS)

    def draw(word: str, reading: str, distance: int, held_out: bool) -> Sentence:
        kept = held[word, reading]
        pool = kept if held_out else tuple(c for c in CUES[reading] if c not in kept)
        return make_sentence(word, reading, rng.choice(pool), distance, rng)

    train = []
    for _ in range(settings.n_train):
        word = rng.choice(words)
        train.append(draw(word, rng.choice(AMBIGUOUS[word]), rng.randint(1, settings.distance), False))
    # The test is exactly balanced: every word × reading, at every distance, equally often. Any model that
    # gives a word the same tag whatever follows then scores exactly the mean of 1/(its readings).
    pairs = [(w, r) for w in words for r in AMBIGUOUS[w]]
    distances = range(1, settings.distance + 1)
    rounds = -(-settings.n_test // (len(pairs) * settings.distance))
    test = [draw(w, r, d, True) for _ in range(rounds) for d in distances for w, r in pairs]
    return TagData(settings, train, test, held)


def words_of(text: str) -> list[str]:
    """The words of a typed sentence: lower-cased runs of letters (and apostrophes); the rest is ignored.

    Raises :class:`RNNLabError` for a sentence with no words or more than :data:`MAX_WORDS`.
    """
    words = re.findall(r"[a-z]+(?:'[a-z]+)?", str(text).lower())
    if not words:
        raise RNNLabError("The sentence is empty: type a few words, for example “jordan scored twice”.")
    if len(words) > MAX_WORDS:
        raise RNNLabError(f"The sentence has {len(words)} words; the tagger reads at most {MAX_WORDS}. "
                          "Shorten it.")
    return words
