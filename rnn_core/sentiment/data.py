"""Labelled sentences for the sentiment classifier: a built-in generator, the UCI reviews, and CSV files.

Three sources, one shape (:class:`LabelledSentences`):

- :func:`generate_reviews`, short reviews written by a grammar made for this project, whose labels depend on
  word order: negation ("not bad"), contrast ("the start was dull but the ending was superb"), intensifiers,
  and a negation separated from its adjective by a distracting clause; with the words people type about
  restaurants, films and products ("the waiter was rude and the soup was cold", "the best pizza in town"). :func:`negation_split` holds out
  minimal pairs in which every word occurs equally often in both classes, so only word order can tell them
  apart: a bag of words is at chance there by construction.
- the UCI Sentiment Labelled Sentences (Kotzias et al. 2015): 3,000 sentences from Amazon, IMDb and Yelp,
  downloaded on request and cached (:func:`download_uci`), or read from a folder in the same layout.
- an uploaded CSV file, with the text and label columns chosen by the user (:func:`sentences_from_csv`).
"""

from __future__ import annotations

import csv
import io
import os
import random
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from rnn_core.data.corpora import cache_dir, decode_bytes
from rnn_core.errors import RNNLabError
from rnn_core.data.text import split_tokens

SENTIMENT_CLASSES = ("negative", "positive")


@dataclass(frozen=True)
class LabelledSentences:
    """Sentences and their labels: ``labels[i]`` indexes ``classes``; ``groups[i]`` says where ``texts[i]`` came from."""

    title: str
    texts: tuple[str, ...]
    labels: tuple[int, ...]
    classes: tuple[str, ...]
    groups: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()       # what the loader dropped or assumed, for the page to say

    def __len__(self) -> int:
        return len(self.texts)

    def class_counts(self) -> dict[str, int]:
        counts = np.bincount(np.asarray(self.labels, dtype=int), minlength=len(self.classes))
        return {name: int(n) for name, n in zip(self.classes, counts)}

    def table(self, rows: int | None = None, seed: int = 0) -> pd.DataFrame:
        """A sample of the sentences as a table (random rows, so that every source shows up)."""
        frame = pd.DataFrame({"label": [self.classes[y] for y in self.labels]})
        if self.groups:
            frame["source"] = self.groups
        frame["sentence"] = self.texts
        if rows is not None and rows < len(frame):
            frame = frame.sample(rows, random_state=seed)
        return frame.reset_index(drop=True)

    def subset(self, indices) -> "LabelledSentences":
        idx = [int(i) for i in indices]
        return LabelledSentences(self.title, tuple(self.texts[i] for i in idx), tuple(self.labels[i] for i in idx),
                                 self.classes, tuple(self.groups[i] for i in idx) if self.groups else (), self.notes)


def stratified_split(labels, test_fraction: float = 0.2, seed: int = 0) -> tuple[list[int], list[int]]:
    """Indices of a training and a test part with each class in the same proportion in both (fixed by ``seed``)."""
    labels = np.asarray(labels, dtype=int)
    rng = np.random.default_rng(seed)
    train, test = [], []
    for c in np.unique(labels):
        members = rng.permutation(np.flatnonzero(labels == c))
        n_test = int(round(len(members) * test_fraction))
        if len(members) >= 2:
            n_test = min(max(n_test, 1), len(members) - 1)
        test += members[:n_test].tolist()
        train += members[n_test:].tolist()
    return sorted(train), sorted(test)


# --- the built-in reviews ------------------------------------------------------------------------------

SUBJECTS = ("the food", "the meal", "the service", "the staff", "the waiter", "the waitress", "the chef",
            "the place", "the restaurant", "the pizza", "the soup", "the salad", "the burger", "the steak",
            "the bread", "the coffee", "the wine", "the dessert", "the menu", "the price", "the delivery",
            "the film", "the movie", "the plot", "the acting", "the cast", "the dialogue", "the story",
            "the ending", "the start", "the script", "the music", "the soundtrack", "the show", "the book",
            "the phone", "the laptop", "the app", "the battery", "the screen", "the camera", "the sound",
            "the quality", "the product", "the hotel", "the room", "this place", "this film", "this phone", "it")
# Plural subjects take "were" / "are" ("the staff" takes either, as people say both).
PLURAL_SUBJECTS = ("the staff", "the fries", "the portions", "the drinks", "the prices", "the actors",
                   "the characters", "the songs", "the jokes", "the headphones", "the rooms")
# Things for "it was a great film" / "it was not the best meal".
NOUNS = ("meal", "film", "movie", "place", "restaurant", "pizza", "soup", "book", "phone", "hotel", "show",
         "product", "story", "experience", "evening", "waiter", "burger", "app")
# Opinion words, the most common in real reviews first: the grammar uses them about as unevenly (see _opinion).
POSITIVE = ("good", "great", "best", "amazing", "awesome", "nice", "excellent", "delicious", "friendly", "perfect",
            "fantastic", "tasty", "wonderful", "lovely", "brilliant", "fresh", "fun", "enjoyable", "helpful",
            "beautiful", "pleasant", "funny", "clean", "superb", "impressive", "quick", "polite", "charming",
            "outstanding", "exciting", "useful", "cosy", "generous")
NEGATIVE = ("bad", "terrible", "worst", "awful", "boring", "rude", "slow", "cold", "poor", "horrible",
            "disappointing", "bland", "dull", "overpriced", "useless", "mediocre", "dirty", "weak", "dreadful",
            "annoying", "noisy", "greasy", "stale", "expensive", "salty", "soggy", "broken", "predictable",
            "confusing", "ugly", "unhelpful", "disgusting")
SUPERLATIVES = ("best", "worst")   # "the food was the best", "the worst film ever": with "the", never "very"
SUPERLATIVE_TAILS = ("", "", " ever", " in town")
# "not the best" is a complaint, but "not the worst" is no praise: a negation never takes "worst".
NEGATABLE = (POSITIVE, tuple(a for a in NEGATIVE if a != "worst"))   # (positive, negative)
# How often each opinion word is drawn: the k-th most common about 1 / (k + 6), from "good" about 3 times as
# often as "generous" (real reviews say "good" far more often still, but every word needs examples to be learned).
_WEIGHT = {w: 1 / (k + 6) for words in (POSITIVE, NEGATIVE) for k, w in enumerate(words)}
# Verbs of opinion, in the forms the grammar uses them: "I liked it", "I did not like it", "I hated it".
POSITIVE_VERBS = {"liked": "like", "loved": "love", "enjoyed": "enjoy"}
NEGATIVE_VERBS = ("hated", "disliked")
POLAR_VERBS = (*POSITIVE_VERBS, *POSITIVE_VERBS.values(), "recommend"), NEGATIVE_VERBS   # (positive, negative)
INTENSIFIERS = ("very", "really", "truly", "quite", "so", "extremely")
NEGATORS = ("not", "never")
TAILS = ("", "", "", " overall", " in the end", " to be honest")
NEGATED_TAILS = TAILS + (" at all", " at all")   # "not bad at all"; "bad at all" is not English
ENDINGS = (".", ".", ".", ".", ".", ".", ".", ".", "!", "")   # most reviews end with a full stop, some do not
# Neutral phrases for the clause that separates a negation from its adjective: they carry no sentiment.
DISTRACTORS = ("as I said", "if I am honest", "after a long wait", "despite what my friends said",
               "as far as I remember", "on a rainy tuesday evening", "which we tried last week",
               "according to the people at the next table", "and I have seen many of them",
               "whatever the reviews on the website claimed", "for the price we paid", "in my opinion",
               "when we went there with my parents", "to my surprise", "all things considered")
# Each construction's share of the reviews (out of 20), roughly as often as real reviews use it: plain opinions
# the most, so a bag of words learns which words are positive, then negations and contrasts, where it cannot.
CONSTRUCTION_WEIGHTS = {"plain": 9, "verb": 3, "fragment": 3, "negated": 2, "separated": 2, "contrast": 1}
CONSTRUCTIONS = tuple(CONSTRUCTION_WEIGHTS)
PAIRED_SHARE = 0.25   # of the plain opinions, two joined by "and" ("the waiter was rude and the soup was cold")


@dataclass(frozen=True)
class ReviewSettings:
    """The size and difficulty of the built-in reviews."""

    n_sentences: int = 4000
    max_distractor: int = 8           # longest clause (in words) between a negation and its adjective
    contrast: bool = True             # include "A but B" sentences (the label is B's)
    intensifiers: bool = True
    seed: int = 0

    def __post_init__(self):
        if not 20 <= self.n_sentences <= 100_000:
            raise RNNLabError(f"The number of sentences must be between 20 and 100,000 (got {self.n_sentences}).")
        if not 2 <= self.max_distractor <= 30:
            raise RNNLabError(f"The distracting clause must be 2 to 30 words long at most (got {self.max_distractor}).")


def _distractor(rng: random.Random, max_words: int) -> str:
    """A neutral clause of two to ``max_words`` words, made of whole phrases where they fit."""
    target = rng.randint(2, max_words)
    words: list[str] = []
    for phrase in rng.sample(DISTRACTORS, len(DISTRACTORS)):
        n = len(phrase.split())
        if len(words) + n + (1 if words else 0) <= target:
            words += (["and"] if words else []) + phrase.split()
    if len(words) < 2:   # no whole phrase fits: cut one to length
        words = rng.choice([p for p in DISTRACTORS if len(p.split()) >= 2]).split()[:max(2, target)]
    return " ".join(words)


def _opinion(rng: random.Random, words) -> str:
    """One opinion word of ``words``, the common ones more often (:data:`_WEIGHT`)."""
    return rng.choices(words, weights=[_WEIGHT[w] for w in words])[0]


def _subject(rng: random.Random) -> tuple[str, str]:
    """A subject and the verb that agrees with it, past (mostly) or present: ("the soup", "was"), ("the fries", "were")."""
    past = rng.random() < 0.7
    if rng.random() < 0.15:
        subject = rng.choice(PLURAL_SUBJECTS)
        return subject, "were" if past else "are"
    subject = rng.choice(SUBJECTS)
    return subject, "was" if past else "is"


def _clause(rng: random.Random, subject: str, adjective: str, negator: str | None, distractor: str | None,
            intensifier: str | None, verb: str = "was", noun: str | None = None) -> str:
    """ "the food was not very good", "it was a great film", "the soup was the worst", or with a clause between
    the negation and the adjective."""
    words = [subject, verb]
    if negator:
        words.append(negator)
    if distractor:
        words[-1] += ","
        words.append(distractor + ",")
    superlative = adjective in SUPERLATIVES
    if superlative:
        words.append("the")
    elif noun:
        words.append("an" if (intensifier or adjective)[0] in "aeiou" else "a")
    if intensifier and not superlative:
        words.append(intensifier)
    words.append(adjective)
    if noun:
        words.append(noun)
    return " ".join(words)


def _sentence(body: str, tail: str = "", ending: str = ".") -> str:
    return body[0].upper() + body[1:] + tail + ending


def _single(rng: random.Random, label: int, settings: ReviewSettings, kind: str) -> tuple[str, bool]:
    negated = kind == "negated" or (kind == "separated" and rng.random() < 0.75)
    polarity = label ^ int(negated)          # the adjective's own polarity: a negation flips it
    adjective = _opinion(rng, NEGATABLE[1 - polarity] if negated else POSITIVE if polarity else NEGATIVE)
    # "not very good" is clearly negative; "not very bad" is not clearly positive, so no intensifier there.
    intensify = settings.intensifiers and rng.random() < 0.3 and (polarity or not negated)
    distractor = _distractor(rng, settings.max_distractor) if kind == "separated" else None
    subject, verb = _subject(rng)
    noun = None
    if rng.random() < 0.15:                  # "it was a great film", "this was not the best meal"
        subject, verb, noun = rng.choice(("it", "this")), rng.choice(("was", "was", "is")), rng.choice(NOUNS)
    body = _clause(rng, subject, adjective, rng.choice(NEGATORS) if negated else None, distractor,
                   rng.choice(INTENSIFIERS[:3] if noun else INTENSIFIERS) if intensify else None, verb, noun)
    return body, negated


def _verb_review(rng: random.Random, label: int) -> tuple[str, bool]:
    """ "I loved the film", "I hated it", "I did not enjoy the meal", "I would (not) recommend this place"."""
    thing = rng.choice(SUBJECTS + PLURAL_SUBJECTS)
    if label and rng.random() < 0.7:
        return f"I {rng.choice(list(POSITIVE_VERBS))} {thing}", False
    if label:
        return f"I would {rng.choice(('', 'really ', 'truly '))}recommend {thing}", False
    choice = rng.random()
    if choice < 0.35:
        return f"I {rng.choice(NEGATIVE_VERBS)} {thing}", False
    if choice < 0.7:
        return f"I did {rng.choice(NEGATORS[:1])} {rng.choice(list(POSITIVE_VERBS.values()))} {thing}", True
    return f"I would {rng.choice(NEGATORS)} recommend {thing}", True


def _fragment(rng: random.Random, label: int) -> tuple[str, bool]:
    """ "Great food", "Terrible", "Really slow service", "The best pizza in town", "Not bad at all", "Not good"."""
    negated = rng.random() < 0.3
    adjective = _opinion(rng, POSITIVE if label ^ int(negated) else NEGATIVE)
    if negated and adjective in SUPERLATIVES:   # "not best" is not English
        adjective = _opinion(rng, [a for a in (POSITIVE if label ^ 1 else NEGATIVE) if a not in SUPERLATIVES])
    if adjective in SUPERLATIVES:
        return f"the {adjective} {rng.choice(NOUNS)}{rng.choice(SUPERLATIVE_TAILS)}", False
    if negated:
        return f"not {adjective}", True
    noun = rng.choice(SUBJECTS + PLURAL_SUBJECTS)
    words = [rng.choice(INTENSIFIERS)] if rng.random() < 0.2 else []
    words.append(adjective)
    if rng.random() < 0.6 and noun != "it":
        words.append(noun.split()[-1])
    return " ".join(words), False


def _pair(rng: random.Random, label: int, settings: ReviewSettings) -> str:
    """ "the waiter was rude and the soup was cold": two plain opinions of the same sentiment."""
    first, _ = _single(rng, label, settings, "plain")
    second, _ = _single(rng, label, settings, "plain")
    return f"{first} and {second}"


def review_sentence(rng: random.Random, label: int, settings: ReviewSettings, kind: str) -> str:
    """One review of sentiment ``label`` (1 positive) built with construction ``kind``."""
    ending = rng.choice(ENDINGS)
    if kind == "contrast":
        # "A but B": B decides. A has the opposite sentiment, so the sentence holds one word of each polarity.
        first, _ = _single(rng, 1 - label, settings, rng.choice(("plain", "negated")))
        second, _ = _single(rng, label, settings, rng.choice(("plain", "negated")))
        return _sentence(f"{first} but {second}", "", ending)
    if kind == "verb":
        body, negated = _verb_review(rng, label)
        return _sentence(body, rng.choice(TAILS), ending)
    if kind == "fragment":
        body, negated = _fragment(rng, label)
        return _sentence(body, rng.choice(("", " at all")) if negated else "", ending)
    if kind == "plain" and rng.random() < PAIRED_SHARE:
        return _sentence(_pair(rng, label, settings), "", ending)
    body, negated = _single(rng, label, settings, kind)
    return _sentence(body, rng.choice(NEGATED_TAILS if negated else TAILS), ending)


def generate_reviews(settings: ReviewSettings = ReviewSettings()) -> LabelledSentences:
    """Balanced reviews whose labels are right by construction; ``groups`` names each one's construction."""
    rng = random.Random(settings.seed)
    kinds = [k for k, weight in CONSTRUCTION_WEIGHTS.items() for _ in range(weight)
             if settings.contrast or k != "contrast"]
    texts, labels, groups = [], [], []
    for i in range(settings.n_sentences):
        label, kind = i % 2, kinds[(i // 2) % len(kinds)]
        texts.append(review_sentence(rng, label, settings, kind))
        labels.append(label)
        groups.append(kind)
    order = rng.sample(range(len(texts)), len(texts))
    return LabelledSentences("Built-in reviews", tuple(texts[i] for i in order), tuple(labels[i] for i in order),
                             SENTIMENT_CLASSES, tuple(groups[i] for i in order))


def negation_split(settings: ReviewSettings = ReviewSettings(), n_sentences: int = 800,
                   exclude: set[str] | frozenset[str] = frozenset()) -> LabelledSentences:
    """Held-out quadruples "S was A", "S was not A", "S was B", "S was not B" (A positive, B negative).

    In each quadruple every word occurs as often in the positive class as in the negative one, so word counts
    carry no information: only the order (what "not" applies to) decides. Sentences in ``exclude`` (the
    training data) never appear, and the seed differs from the training data's.
    """
    rng = random.Random(settings.seed + 7919)
    texts, labels = [], []
    attempts = 0
    while len(texts) < n_sentences and attempts < 50 * n_sentences:
        attempts += 1
        (subject, verb), negator, tail = _subject(rng), rng.choice(NEGATORS), rng.choice(NEGATED_TAILS)
        distractor = _distractor(rng, settings.max_distractor) if rng.random() < 0.5 else None
        good, bad = _opinion(rng, NEGATABLE[0]), _opinion(rng, NEGATABLE[1])
        quad = []
        for adjective, polarity in ((good, 1), (bad, 0)):
            for negated in (False, True):
                body = _clause(rng, subject, adjective, negator if negated else None,
                               distractor if negated else None, None, verb)
                ending = tail if negated or tail != " at all" else ""
                quad.append((_sentence(body, ending), polarity ^ int(negated)))
        if any(text in exclude or text in texts for text, _ in quad):
            continue
        for text, label in quad:
            texts.append(text)
            labels.append(label)
    return LabelledSentences("Negation test (held out)", tuple(texts), tuple(labels), SENTIMENT_CLASSES,
                             tuple("negation" for _ in texts))


def built_in_reviews(settings: ReviewSettings = ReviewSettings()) -> tuple[LabelledSentences, LabelledSentences]:
    """The built-in reviews and their held-out negation test, as the page and the command line build them."""
    data = generate_reviews(settings)
    return data, negation_split(settings, exclude=set(data.texts))


def phrase_counts(data: LabelledSentences, phrase: str) -> dict[str, int]:
    """How many sentences of each class contain ``phrase`` as whole words ("not", "not bad")."""
    target = split_tokens(phrase.lower(), "word")
    n = len(target)
    counts = dict.fromkeys(data.classes, 0)
    for text, label in zip(data.texts, data.labels):
        words = split_tokens(text.lower(), "word")
        if any(words[i:i + n] == target for i in range(len(words) - n + 1)):
            counts[data.classes[label]] += 1
    return counts


# --- the UCI Sentiment Labelled Sentences --------------------------------------------------------------

UCI_URL = "https://archive.ics.uci.edu/static/public/331/sentiment+labelled+sentences.zip"
UCI_URL_VARIABLE = "RNN_LAB_UCI_URL"    # another address for the zip (a mirror on the local network, a test server)
UCI_TITLE = "UCI review sentences"
UCI_FILES = {"amazon": "amazon_cells_labelled.txt", "imdb": "imdb_labelled.txt", "yelp": "yelp_labelled.txt"}
UCI_FOLDER = "sentiment-labelled-sentences"
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024


def parse_uci_file(text: str, name: str) -> tuple[list[str], list[int]]:
    """Lines ``sentence<TAB>0|1``. Only ``\\n`` ends a line: the IMDb file has other line-break characters inside sentences."""
    texts, labels = [], []
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        sentence, tab, label = line.rpartition("\t")
        if not tab or label.strip() not in ("0", "1") or not sentence.strip():
            raise RNNLabError(f"{name}, line {number}: expected a sentence, a tab and a label 0 or 1, "
                              f"got {line[:80]!r}. Is this a folder in the UCI layout?")
        texts.append(" ".join(sentence.split()))
        labels.append(int(label))
    return texts, labels


def load_uci_folder(folder: str | Path, sources: tuple[str, ...] = tuple(UCI_FILES)) -> LabelledSentences:
    """The sentences of ``sources`` (``amazon``, ``imdb``, ``yelp``) from a folder in the UCI layout."""
    folder = Path(folder)
    unknown = [s for s in sources if s not in UCI_FILES]
    if unknown or not sources:
        raise RNNLabError(f"Choose sources among {', '.join(UCI_FILES)} (got {', '.join(unknown) or 'none'}).")
    missing = [UCI_FILES[s] for s in sources if not (folder / UCI_FILES[s]).is_file()]
    if missing:
        raise RNNLabError(f"{folder} is not a folder in the UCI layout: {', '.join(missing)} not found there.")
    texts, labels, groups = [], [], []
    for source in sources:
        path = folder / UCI_FILES[source]
        text, _ = decode_bytes(path.read_bytes(), path.name, MAX_DOWNLOAD_BYTES)
        t, y = parse_uci_file(text, path.name)
        texts += t
        labels += y
        groups += [source] * len(t)
    return LabelledSentences(UCI_TITLE, tuple(texts), tuple(labels), SENTIMENT_CLASSES, tuple(groups))


def uci_cache_folder() -> Path:
    return cache_dir() / UCI_FOLDER


def cached_uci() -> Path | None:
    folder = uci_cache_folder()
    return folder if all((folder / f).is_file() for f in UCI_FILES.values()) else None


def uci_url() -> str:
    """Where the UCI zip is downloaded from: ``RNN_LAB_UCI_URL`` if set, else the UCI repository."""
    return os.environ.get(UCI_URL_VARIABLE) or UCI_URL


def download_uci(url: str | None = None, timeout: float = 30.0) -> Path:
    """Download the UCI zip once, keep its three files under the cache folder, and return that folder."""
    url = url or uci_url()
    if cached_uci() is not None:
        return uci_cache_folder()
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            data = response.read(MAX_DOWNLOAD_BYTES + 1)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        raise RNNLabError(f"Could not download the UCI review sentences ({reason}). This needs an internet "
                          "connection once; the built-in reviews work offline.") from exc
    if len(data) > MAX_DOWNLOAD_BYTES:
        raise RNNLabError("The download is larger than the UCI data set can be; it was not kept.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = {Path(m).name: m for m in archive.namelist() if "__MACOSX" not in m}
        found = {name: archive.read(members[name]) for name in UCI_FILES.values() if name in members}
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise RNNLabError(f"The download from {url} is not the UCI zip archive ({exc}).") from exc
    if len(found) < len(UCI_FILES):
        raise RNNLabError(f"The archive from {url} lacks {', '.join(set(UCI_FILES.values()) - set(found))}.")
    for name, content in found.items():   # check before keeping anything
        parse_uci_file(decode_bytes(content, name, MAX_DOWNLOAD_BYTES)[0], name)
    folder = uci_cache_folder()
    partial = folder.with_name(folder.name + ".part")
    partial.mkdir(parents=True, exist_ok=True)
    for name, content in found.items():
        (partial / name).write_bytes(content)
    if folder.exists():   # a broken earlier copy
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()
    partial.replace(folder)
    return folder


def load_uci(sources: tuple[str, ...] = tuple(UCI_FILES), folder: str | Path | None = None) -> LabelledSentences:
    """From ``folder`` if given, else from the cache; says plainly when the data is not downloaded yet."""
    if folder is None:
        folder = cached_uci()
        if folder is None:
            raise RNNLabError("The UCI review sentences are not downloaded yet: press Download (this needs an "
                              "internet connection once; they are kept on disk afterwards).")
    return load_uci_folder(folder, sources)


# --- CSV files ------------------------------------------------------------------------------------------

MAX_CSV_BYTES = 20 * 1024 * 1024
MAX_ROWS = 50_000
MAX_CLASSES = 20
_LABEL_NAMES = ("label", "labels", "sentiment", "class", "target", "polarity", "y", "category", "rating")


def read_csv_table(data: bytes, name: str = "The file") -> tuple[pd.DataFrame, list[str]]:
    """The table in an uploaded CSV (comma, semicolon, tab or bar separated) and notes about how it was read."""
    try:
        text, encoding = decode_bytes(data, name, MAX_CSV_BYTES)
    except RNNLabError as exc:
        if "binary" not in str(exc):
            raise
        raise RNNLabError(f"{name} looks like a binary file (a spreadsheet, perhaps), not a CSV table. Save it as "
                          "CSV (comma-separated values) and upload that.") from exc
    notes = [] if encoding.startswith("utf-8") else [f"{name} was read as {encoding} (it is not valid UTF-8)."]
    try:
        delimiter = csv.Sniffer().sniff(text[:20_000], delimiters=",;\t|").delimiter
    except csv.Error:
        delimiter = ","
    try:
        frame = pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, csv.Error, ValueError) as exc:
        raise RNNLabError(f"{name} could not be read as a CSV table ({str(exc).splitlines()[0]}).") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty or len(frame.columns) < 2:
        raise RNNLabError(f"{name} needs at least two columns (a text and a label) and one row; it has "
                          f"{len(frame.columns)} column(s) and {len(frame)} row(s).")
    if len(frame) > MAX_ROWS:
        notes.append(f"{name} has {len(frame):,} rows; the first {MAX_ROWS:,} are used.")
        frame = frame.iloc[:MAX_ROWS]
    return frame, notes


def _is_number(value: str) -> bool:
    try:
        float(value)
        return True
    except ValueError:
        return False


def guess_columns(frame: pd.DataFrame) -> tuple[str | None, str | None]:
    """The likely text column (the longest non-numeric values) and label column (few distinct values)."""
    def mostly_text(col):
        values = [v for v in frame[col].head(500) if v.strip()]
        return values and sum(not _is_number(v) for v in values) > 0.5 * len(values)

    text_candidates = [c for c in frame.columns if mostly_text(c)]
    text_column = max(text_candidates, key=lambda c: frame[c].str.len().mean(), default=None)
    rest = [c for c in frame.columns if c != text_column]
    named = [c for c in rest if c.lower() in _LABEL_NAMES]
    few = [c for c in rest if 2 <= frame[c].nunique() <= MAX_CLASSES]
    label_column = (named or sorted(few, key=lambda c: frame[c].nunique()) or rest or [None])[0]
    return text_column, label_column


def _label_name(value: str) -> str:
    value = value.strip()
    if _is_number(value) and float(value) == int(float(value)):
        return str(int(float(value)))      # "1.0" and "1" are the same class
    return value


def sentences_from_frame(frame: pd.DataFrame, text_column: str | None, label_column: str | None,
                         title: str = "CSV file", notes: list[str] | None = None) -> LabelledSentences:
    """Labelled sentences from two columns of a table; empty rows are dropped and counted."""
    columns = ", ".join(map(str, frame.columns))
    for role, column in (("text", text_column), ("label", label_column)):
        if column is None or column not in frame.columns:
            raise RNNLabError(f"Choose the {role} column: {column!r} is not one of the columns ({columns}).")
    if text_column == label_column:
        raise RNNLabError("The text and the label must be two different columns.")
    texts = frame[text_column].astype(str).map(lambda s: " ".join(s.split()))
    labels = frame[label_column].astype(str).map(_label_name)
    keep = (texts != "") & (labels != "")
    notes = list(notes or [])
    if (~keep).sum():
        notes.append(f"{int((~keep).sum()):,} row(s) with an empty text or label were left out.")
    texts, labels = texts[keep].tolist(), labels[keep].tolist()
    if not texts:
        raise RNNLabError(f"The columns {text_column!r} and {label_column!r} have no row with both a text and a label.")
    if sum(_is_number(t) for t in texts) > 0.5 * len(texts):
        raise RNNLabError(f"The column {text_column!r} holds numbers, not text: choose the column with the sentences.")
    names = sorted(set(labels), key=lambda v: (0, float(v), v) if _is_number(v) else (1, 0.0, v))
    if len(names) < 2:
        raise RNNLabError(f"The label column {label_column!r} has only one class ({names[0]!r}): a classifier "
                          "needs examples of at least two classes.")
    if len(names) > MAX_CLASSES or (len(names) > 2 and len(names) > 0.5 * len(texts)):
        raise RNNLabError(f"The label column {label_column!r} has {len(names):,} different values; at most "
                          f"{MAX_CLASSES} classes are supported, each with several examples. Is it the right column?")
    index = {name: i for i, name in enumerate(names)}
    counts = pd.Series(labels).value_counts()
    if counts.min() < 2 or len(texts) < 10:
        raise RNNLabError(f"Too few examples: every class needs at least 2 and the whole set at least 10 "
                          f"(the smallest class, {counts.idxmin()!r}, has {counts.min()}; {len(texts)} rows in all).")
    return LabelledSentences(title, tuple(texts), tuple(index[v] for v in labels), tuple(names), (), tuple(notes))


def sentences_from_csv(data: bytes, name: str = "The file", text_column: str | None = None,
                       label_column: str | None = None) -> LabelledSentences:
    """An uploaded CSV as labelled sentences; columns not given are guessed."""
    frame, notes = read_csv_table(data, name)
    guessed_text, guessed_label = guess_columns(frame)
    if text_column is None and guessed_text is None:
        raise RNNLabError(f"{name} has no column of text (every column holds numbers). Columns: "
                          f"{', '.join(frame.columns)}.")
    return sentences_from_frame(frame, text_column or guessed_text, label_column or guessed_label, name, notes)
