"""The pictures and their captions: one or two shapes on a 3 × 3 grid, described by a small grammar.

A picture is 24 × 24 pixels, RGB, on a dark background, cut into a 3 × 3 grid of 8 × 8 cells; each shape fills
one cell (a circle, a square, a triangle or a cross, in red, green, blue or yellow), and every pixel gets a
little noise. The caption says what is there and where:

    one shape    "a red circle at the top left", "a blue cross in the middle", "a green square on the right"
    two shapes   "a red circle above a blue square", "a yellow cross to the left of a green triangle"

Two shapes share a row or a column; the caption names them in reading order (the upper one first, or the left
one), so a picture has one caption, and whether it says "above" or "to the left of" must be read from the picture.

The held-out pictures are made of combinations never seen in training: two-shape pictures whose pair of kinds
(say "red circle" with "green square", two kinds that differ in colour and in shape) never shares a picture in
training, and one-shape pictures whose kind never appears at that place in training. Every kind, every place and
every relation is seen in training; only these pairings are new, so a model must compose, not remember.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass

import numpy as np
import torch

from rnn_core.errors import RNNLabError

SIZE, GRID = 24, 3
CELL = SIZE // GRID
SHAPES = ("circle", "square", "triangle", "cross")
COLOURS = {"red": (0.92, 0.16, 0.14), "green": (0.16, 0.78, 0.26), "blue": (0.22, 0.42, 1.0),
           "yellow": (0.98, 0.86, 0.12)}
COLOUR_NAMES = tuple(COLOURS)
BACKGROUND = 0.12
NOISE = 0.06
ROWS, COLS = ("top", "middle", "bottom"), ("left", "middle", "right")
PLACE = {(0, 0): "at the top left", (0, 1): "at the top", (0, 2): "at the top right",
         (1, 0): "on the left", (1, 1): "in the middle", (1, 2): "on the right",
         (2, 0): "at the bottom left", (2, 1): "at the bottom", (2, 2): "at the bottom right"}
RELATIONS = ("above", "to the left of")
END, START = "<end>", "<start>"
VOCAB = (END, "a", *COLOUR_NAMES, *SHAPES, "at", "on", "in", "the", "top", "bottom", "left", "right", "middle",
         "above", "below", "to", "of")
WORD_ID = {w: i for i, w in enumerate(VOCAB)}
KIND_OF_WORD = {**{c: "colour" for c in COLOUR_NAMES}, **{s: "shape" for s in SHAPES},
                **{w: "place or relation" for w in ("top", "bottom", "left", "right", "middle", "above", "below")}}
WORD_KINDS = ("colour", "shape", "place or relation", "other")
MAX_WORDS = 10                                   # "a red circle to the left of a blue square"
MAX_LENGTH = MAX_WORDS + 1                       # and <end>
KINDS = tuple(itertools.product(COLOUR_NAMES, SHAPES))            # 16 kinds of shape: (colour, shape)
KIND_PAIRS = len(KINDS) * (len(KINDS) + 1) // 2                  # 136: two shapes of one kind make a pair too


@dataclass(frozen=True)
class Shape:
    colour: str
    shape: str
    row: int
    col: int

    @property
    def kind(self) -> tuple[str, str]:
        return (self.colour, self.shape)

    @property
    def cell(self) -> tuple[int, int]:
        return (self.row, self.col)


def _masks() -> dict:
    """shape -> an 8 × 8 boolean mask, the shape centred in its cell (one size: at 24 pixels a small circle and a
    small square look alike)."""
    y, x = np.mgrid[0:CELL, 0:CELL] + 0.5
    dx, dy = x - CELL / 2, y - CELL / 2
    out = {}
    r = 3.6
    out["circle"] = dx ** 2 + dy ** 2 <= (r - 0.3) ** 2
    out["square"] = np.maximum(abs(dx), abs(dy)) <= r * 0.78
    out["triangle"] = (dy <= r * 0.8) & (abs(dx) <= (dy + r * 0.9) * 0.62)
    out["cross"] = ((abs(dx) <= 0.9) & (abs(dy) <= r)) | ((abs(dy) <= 0.9) & (abs(dx) <= r))
    return out


MASKS = _masks()


def order_key(s: Shape) -> tuple[int, int]:
    """Mention order: reading order, the upper shape first, or the left one."""
    return (s.row, s.col)


def check_shapes(shapes: list[Shape] | tuple[Shape, ...]) -> list[Shape]:
    """The shapes of a picture this grammar can describe, in mention order; an :class:`RNNLabError` otherwise."""
    shapes = list(shapes)
    if not shapes:
        raise RNNLabError("The picture is empty: place at least one shape.")
    if len(shapes) > 2:
        raise RNNLabError(f"The captions describe one or two shapes (got {len(shapes)}).")
    for s in shapes:
        if s.colour not in COLOURS or s.shape not in SHAPES:
            raise RNNLabError(f"Unknown shape {s.colour} {s.shape}; colours: {', '.join(COLOUR_NAMES)}; "
                              f"shapes: {', '.join(SHAPES)}.")
        if not (0 <= s.row < GRID and 0 <= s.col < GRID):
            raise RNNLabError(f"Rows and columns run from 1 to {GRID} (got row {s.row + 1}, column {s.col + 1}).")
    if len(shapes) == 2:
        a, b = shapes
        if a.cell == b.cell:
            raise RNNLabError("Both shapes are in the same place, one on top of the other: move one to another cell.")
        if a.row != b.row and a.col != b.col:
            raise RNNLabError("Two shapes must share a row or a column (one above the other, or side by side): "
                              "the grammar has no word for a diagonal.")
        shapes.sort(key=order_key)
    return shapes


def caption_words(shapes) -> list[str]:
    """The caption of a picture, as words (no <end>)."""
    shapes = check_shapes(shapes)
    first = ["a", shapes[0].colour, shapes[0].shape]
    if len(shapes) == 1:
        return first + PLACE[shapes[0].cell].split()
    a, b = shapes
    if a.col == b.col:
        relation = "above" if a.row < b.row else "below"
    else:
        relation = "to the left of" if a.col < b.col else "to the right of"
    return first + relation.split() + ["a", b.colour, b.shape]


def relation_of(shapes) -> str:
    """The picture's place phrase (one shape) or relation (two)."""
    words = caption_words(shapes)
    return " ".join(words[3:-3] if len(check_shapes(shapes)) == 2 else words[3:])


def draw(shapes, noise: float = NOISE, generator: np.random.Generator | None = None) -> np.ndarray:
    """The picture, (3, 24, 24) floats in [0, 1]."""
    img = np.full((3, SIZE, SIZE), BACKGROUND, dtype=np.float32)
    for s in shapes:
        mask = MASKS[s.shape]
        for ch, v in enumerate(COLOURS[s.colour]):
            img[ch, s.row * CELL:(s.row + 1) * CELL, s.col * CELL:(s.col + 1) * CELL][mask] = v
    if noise and generator is not None:
        img = np.clip(img + generator.normal(0, noise, img.shape).astype(np.float32), 0, 1)
    return img


def encode(words: list[str]) -> list[int]:
    ids = [WORD_ID[w] for w in words] + [WORD_ID[END]]
    return ids + [WORD_ID[END]] * (MAX_LENGTH - len(ids))


def decode(ids) -> list[str]:
    out = []
    for i in ids:
        w = VOCAB[int(i)]
        if w == END:
            break
        out.append(w)
    return out


def cell_pairs() -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """Ordered pairs of distinct cells sharing a row or a column (36)."""
    cells = [(r, c) for r in range(GRID) for c in range(GRID)]
    return [(a, b) for a in cells for b in cells if a != b and (a[0] == b[0] or a[1] == b[1])]


def held_out_combinations() -> tuple[frozenset, frozenset]:
    """(pairs of kinds never in one training picture, (kind, cell) pairings never in training), fixed and even:
    every kind is in two held-out pairs (with the kind one colour and one shape further along the lists, and
    with the one a colour and a shape before) and held out at two of the nine cells."""
    n_c, n_s = len(COLOUR_NAMES), len(SHAPES)
    kind = lambda c, s: (COLOUR_NAMES[c % n_c], SHAPES[s % n_s])
    pairs = frozenset(frozenset((kind(c, s), kind(c + 1, s + 1))) for c in range(n_c) for s in range(n_s))
    cells = lambda k: ((k // GRID) % GRID, k % GRID)
    places = frozenset((kind(c, s), cells((n_s * c + s + shift) % (GRID * GRID)))
                       for c in range(n_c) for s in range(n_s) for shift in (0, 5))
    return pairs, places


HELD_PAIRS, HELD_PLACES = held_out_combinations()
HELD_OUT_PAIRS, HELD_OUT_PLACES = len(HELD_PAIRS), len(HELD_PLACES)     # 16 of 136 pairs, 32 of 144 pairings


def is_held_out(shapes) -> bool:
    if len(shapes) == 1:
        return (shapes[0].kind, shapes[0].cell) in HELD_PLACES
    return frozenset((shapes[0].kind, shapes[1].kind)) in HELD_PAIRS


@dataclass
class Pictures:
    """A set of pictures: images (n, 3, 24, 24), caption ids (n, 11), and the shapes behind each."""

    images: torch.Tensor
    captions: torch.Tensor
    shapes: list

    def __len__(self) -> int:
        return len(self.shapes)


def random_shapes(rng: random.Random, two_share: float, held_out: bool) -> list[Shape]:
    """One picture's shapes, from the training combinations (``held_out`` False) or the held-out ones."""
    while True:
        if rng.random() >= two_share:
            if held_out:
                kind, cell = rng.choice(sorted(HELD_PLACES))
            else:
                kind, cell = rng.choice(KINDS), (rng.randrange(GRID), rng.randrange(GRID))
            shapes = [Shape(*kind, *cell)]
        else:
            a, b = rng.choice(cell_pairs())
            if held_out:
                ka, kb = sorted(tuple(sorted(rng.choice(sorted(HELD_PAIRS, key=sorted)))))
                ka, kb = (ka, kb) if rng.random() < 0.5 else (kb, ka)
            else:
                ka, kb = rng.choice(KINDS), rng.choice(KINDS)
            shapes = [Shape(*ka, *a), Shape(*kb, *b)]
        if is_held_out(shapes) == held_out:
            return check_shapes(shapes)


def _layers() -> torch.Tensor:
    """(kind, cell) -> the shape's pixels minus the background, (16, 9, 3, 24, 24): a picture is their sum."""
    out = torch.zeros(len(KINDS), GRID * GRID, 3, SIZE, SIZE)
    for k, (colour, shape) in enumerate(KINDS):
        for c in range(GRID * GRID):
            out[k, c] = torch.from_numpy(draw([Shape(colour, shape, c // GRID, c % GRID)], noise=0.0)) - BACKGROUND
    return out


LAYERS = _layers()


def make_pictures(n: int, seed: int, held_out: bool, two_share: float = 0.7, noise: float = NOISE) -> Pictures:
    """``n`` seeded pictures and their captions, from the training combinations or the held-out ones."""
    if n < 1:
        raise RNNLabError(f"Ask for at least one picture (got {n}).")
    rng = random.Random(seed)
    shapes = [random_shapes(rng, two_share, held_out) for _ in range(n)]
    images = torch.full((n, 3, SIZE, SIZE), BACKGROUND)
    for slot in range(2):
        rows = [i for i, s in enumerate(shapes) if len(s) > slot]
        kinds = torch.tensor([KINDS.index(shapes[i][slot].kind) for i in rows], dtype=torch.long)
        cells = torch.tensor([shapes[i][slot].row * GRID + shapes[i][slot].col for i in rows], dtype=torch.long)
        images[rows] += LAYERS[kinds, cells]
    if noise:
        images = (images + noise * torch.randn(images.shape, generator=torch.Generator().manual_seed(seed))).clamp(0, 1)
    captions = [encode(caption_words(s)) for s in shapes]
    return Pictures(images, torch.tensor(captions), shapes)


def grammar_level(pictures: Pictures) -> dict:
    """What a picture-blind captioner can reach at best on ``pictures``: the share of the most common caption
    (exact match), and the per-word accuracy of the best fixed word sequence (the commonest word at each place)."""
    counts: dict = {}
    for row in pictures.captions.tolist():
        counts[tuple(row)] = counts.get(tuple(row), 0) + 1
    exact = max(counts.values()) / len(pictures)
    caps = pictures.captions
    mask = _word_mask(caps)
    right = total = 0
    for t in range(caps.shape[1]):
        ids = caps[mask[:, t], t]
        if len(ids):
            right += int(torch.bincount(ids).max())
            total += len(ids)
    return {"exact_match": exact, "word_accuracy": right / total}


def _word_mask(captions: torch.Tensor) -> torch.Tensor:
    """True at every word of a caption and at its first <end>, False after."""
    is_end = captions == WORD_ID[END]
    before = torch.cumsum(is_end.int(), dim=1) - is_end.int()
    return before == 0
