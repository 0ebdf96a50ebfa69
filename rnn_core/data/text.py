"""Tokenizers and vocabularies: text to token ids and back.

Two levels: ``char`` (every character is a token) and ``word`` (words, punctuation marks and line breaks are
tokens; a hyphenated or dotted name such as ``built-in`` or ``os.path`` is one word, and so is a run of one
mark such as ``----``). Every vocabulary starts with the special tokens ``<pad>``, ``<unk>`` and ``<eos>``; tokens beyond the
vocabulary cap, or rarer than the minimum count, become ``<unk>``.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

import torch

from rnn_core.errors import RNNLabError

PAD, UNK, EOS = "<pad>", "<unk>", "<eos>"
SPECIALS = (PAD, UNK, EOS)
_WORD_RE = re.compile(r"\w+(?:[-'.]\w+)*|([^\w\s])\1*|\n")   # a run of one mark ("----", "...") is one token
_NO_SPACE_BEFORE = set(".,;:!?)]}\n’”")      # ’ closes a quote or is an apostrophe: caller’s
_NO_SPACE_AFTER = set("([{\n“‘")
_CLOSING_MARKS = set(".,;:!?")   # and runs of them: "...", "?!"
_QUOTES = set("\"'`")   # the same mark opens and closes: they alternate (a run of one, \"\"\", too)
# What follows an apostrophe written ’ (split off the word): caller’s, don’t, we’re, I’ve, they’ll, I’d, I’m.
_CONTRACTIONS = {"s", "t", "re", "ve", "ll", "d", "m"}
# Words after which a bracket is not a call or an index (a space goes before it): Python's keywords that take
# an expression, and the commonest small English words. After any other word, "(" and "[" hug it: print(x),
# items[0] (measured on the built-in corpora: 17,518 of 19,660 brackets after a word hug it; of the 1,134 that
# do not in the Python source, 385 follow one of these words).
_SPACE_BEFORE_BRACKET = {
    "return", "in", "if", "elif", "else", "except", "or", "and", "not", "for", "from", "yield", "is", "while",
    "with", "as", "assert", "lambda", "await", "del", "raise", "import",
    "a", "an", "the", "of", "to", "by", "on", "at", "but", "than", "then", "into", "see"}
# Above this share of <unk> the model would mostly learn to predict "unknown word".
MAX_UNK_FRACTION = 0.25


def split_tokens(text: str, level: str) -> list[str]:
    """Split text into tokens: characters, or words, punctuation marks and line breaks."""
    if level == "char":
        return list(text)
    if level == "word":
        return [m.group(0) for m in _WORD_RE.finditer(text)]
    raise RNNLabError(f"Unknown level {level!r}; choose 'char' or 'word'.")


def join_tokens(tokens: list[str], level: str) -> str:
    """Inverse of :func:`split_tokens`, up to the spacing that word splitting throws away (see
    :func:`word_spaces`)."""
    if level == "char":
        return "".join(tokens)
    return "".join(space + tok for space, tok in zip(word_spaces(tokens), tokens))


def word_spaces(tokens: list[str]) -> list[str]:
    """The text that goes before each word token when they are joined: ``" "`` or ``""``.

    As written English and code do: no space before closing punctuation or after an opening bracket; a bracket
    hugs the word it follows (``print(x)``, ``items[0]``) unless that word is a keyword or a small English word
    (``return (a, b)``); a quote mark opens (a space before it, none after) and closes (none before) in turn,
    starting afresh on every line (``say "hi" now``); curly quotes open (“ ‘) or close (” ’) by their shape, and an
    apostrophe ’ joins a contraction (``caller’s``).
    """
    spaces, open_quotes = [], set()
    for i, tok in enumerate(tokens):
        spaces.append(" " if i and space_before(tokens[i - 1], tok, open_quotes) else "")
        if _is_quote(tok):
            open_quotes ^= {tok}
        elif tok == "\n":
            open_quotes.clear()   # a quote left open by a generated text does not flip every later line
    return spaces


def _is_quote(token: str) -> bool:
    """A straight quote mark, or a run of one (``\"\"\"``): it opens and closes in turn."""
    return token[:1] in _QUOTES and set(token) == {token[0]}


def space_before(previous: str, token: str, open_quotes: set) -> bool:
    """Whether a space goes between word tokens ``previous`` and ``token``; ``open_quotes`` holds the quote
    marks opened (and not yet closed) before ``token``."""
    if token in _NO_SPACE_BEFORE or previous in _NO_SPACE_AFTER or set(token) <= _CLOSING_MARKS:
        return False
    if previous == "’" and token.lower() in _CONTRACTIONS:
        return False
    if token in ("(", "[") and (previous[-1:].isalnum() or previous[-1:] == "_") \
            and previous.lower() not in _SPACE_BEFORE_BRACKET:
        return False
    if token == "[" and previous in (")", "]"):   # f(x)[0], grid[1][2]
        return False
    if _is_quote(token) and token in open_quotes:   # a closing quote hugs the word before it
        return False
    if _is_quote(previous) and previous in open_quotes and previous != token:   # just after an opening quote
        return False
    return True


@dataclass(frozen=True)
class Tokenizer:
    """A level and a vocabulary: ``tokens[i]`` is the token with id ``i``."""

    level: str
    tokens: tuple[str, ...]

    def __post_init__(self):
        object.__setattr__(self, "_index", {tok: i for i, tok in enumerate(self.tokens)})

    @classmethod
    def build(cls, text: str, level: str = "char", max_vocab: int | None = None, min_count: int = 1) -> "Tokenizer":
        """Vocabulary of ``text``: most frequent first (ties broken by first appearance), capped."""
        counts = Counter(split_tokens(text, level))
        if not counts:
            raise RNNLabError("The text is empty: there is nothing to learn from.")
        ranked = [tok for tok, n in counts.most_common() if n >= min_count and tok not in SPECIALS]
        if max_vocab is not None:
            ranked = ranked[:max(0, max_vocab - len(SPECIALS))]
        if level == "char":
            ranked.sort()   # a readable order for the pages that show the vocabulary
        return cls(level, SPECIALS + tuple(ranked))

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def unk_id(self) -> int:
        return self._index[UNK]

    def id_of(self, token: str) -> int:
        return self._index.get(token, self._index[UNK])

    def encode(self, text: str) -> list[int]:
        return [self.id_of(tok) for tok in split_tokens(text, self.level)]

    def decode(self, ids) -> str:
        return join_tokens([self.tokens[int(i)] for i in ids], self.level)

    def unknown_tokens(self, text: str) -> list[str]:
        """Distinct tokens of ``text`` that are not in the vocabulary, in order of appearance."""
        return list(dict.fromkeys(tok for tok in split_tokens(text, self.level) if tok not in self._index))

    def to_dict(self) -> dict:
        return {"level": self.level, "tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, d: dict) -> "Tokenizer":
        return cls(d["level"], tuple(d["tokens"]))


@dataclass(frozen=True)
class EncodedText:
    """A text as token ids, with the first 90% for training and the last 10% for validation."""

    tokenizer: Tokenizer
    ids: torch.Tensor
    unk_fraction: float

    @property
    def split(self) -> int:
        return int(len(self.ids) * 0.9)

    @property
    def train_ids(self) -> torch.Tensor:
        return self.ids[:self.split]

    @property
    def val_ids(self) -> torch.Tensor:
        return self.ids[self.split:]


def encode_text(text: str, level: str = "char", max_vocab: int | None = None, min_count: int = 1) -> EncodedText:
    """Tokenize a whole corpus, refusing texts a model cannot learn from (empty, or mostly unknown words)."""
    if not text or not text.strip():
        raise RNNLabError("The text is empty (or only whitespace): there is nothing to learn from.")
    if level == "word" and max_vocab is None:
        max_vocab = 10_000
    tokenizer = Tokenizer.build(text, level, max_vocab, min_count)
    ids = torch.tensor(tokenizer.encode(text), dtype=torch.long)
    unk = float((ids == tokenizer.unk_id).float().mean())
    if unk > MAX_UNK_FRACTION:
        raise RNNLabError(
            f"{unk:.0%} of the {level}s in this text fall outside the vocabulary of {len(tokenizer):,} tokens "
            f"(too many distinct {level}s for this size of text). Use the character level, raise the "
            f"vocabulary cap, or lower the minimum count.")
    return EncodedText(tokenizer, ids, unk)
