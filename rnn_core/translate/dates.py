"""Dates as people write them, and their ISO form: the translator's data.

Every date from 1950-01-01 to 2049-12-31 can be written in any of :data:`FORMATS` ("3rd of March 2021",
"Mar 3, 2021", "03/03/21", "wednesday 3 march 2021", ...). A fixed tenth of the days (chosen once, by a
constant seed, the same for every run) is held out: training never sees those dates in any format, so the
held-out exact match measures whether the translator learned to read dates, not whether it remembers them.

Numbers written with slashes, dots or dashes are day first (03/04/21 is the 3rd of April), as in most of the
world; two-digit years 50–99 are 19xx and 00–49 are 20xx. The model reads lower case: capitals carry no date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import torch

from rnn_core.errors import RNNLabError
from rnn_core.nets.encoder_decoder import EncoderDecoder

FIRST_DAY, LAST_DAY = dt.date(1950, 1, 1), dt.date(2049, 12, 31)
N_DAYS = (LAST_DAY - FIRST_DAY).days + 1
HELD_OUT_SHARE = 0.10
SPLIT_SEED = 2015                      # fixes which days are held out (Bahdanau, Cho & Bengio 2015)
MONTHS = ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december")
WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INPUT_CHARS = " ,./-'" + "0123456789" + "abcdefghijklmnopqrstuvwxyz"
OUTPUT_CHARS = "0123456789-"
MAX_INPUT_CHARS = 40                   # longer than any format writes ("wednesday, the 30th of september 2020")
OUTPUT_LENGTH = 10                     # YYYY-MM-DD
PAD = len(INPUT_CHARS)                 # the input id of padding (never attended to)


def _ordinal(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _m(d: dt.date) -> str:
    return MONTHS[d.month - 1]


# name -> how a date is written. Twelve ways, British and American, words and numbers.
FORMATS = {
    "ordinal of month": lambda d: f"{_ordinal(d.day)} of {_m(d).title()} {d.year}",        # 3rd of March 2021
    "short month": lambda d: f"{_m(d)[:3].title()} {d.day}, {d.year}",                     # Mar 3, 2021
    "dd/mm/yy": lambda d: f"{d.day:02d}/{d.month:02d}/{d.year % 100:02d}",                 # 03/03/21
    "weekday": lambda d: f"{WEEKDAYS[d.weekday()]} {d.day} {_m(d)} {d.year}",              # wednesday 3 march 2021
    "day month year": lambda d: f"{d.day} {_m(d).title()} {d.year}",                       # 3 March 2021
    "month ordinal": lambda d: f"{_m(d).title()} {_ordinal(d.day)}, {d.year}",             # March 3rd, 2021
    "d.m.yyyy": lambda d: f"{d.day}.{d.month}.{d.year}",                                   # 3.3.2021
    "dd-mon-yyyy": lambda d: f"{d.day:02d}-{_m(d)[:3]}-{d.year}",                          # 03-mar-2021
    "short weekday": lambda d: f"{WEEKDAYS[d.weekday()][:3].title()}, {d.day} {_m(d)[:3].title()} {d.year}",
    "d/m/yyyy": lambda d: f"{d.day}/{d.month}/{d.year}",                                   # 3/3/2021
    "the ordinal": lambda d: f"the {_ordinal(d.day)} of {_m(d)}, {d.year}",                # the 3rd of march, 2021
    "month year apostrophe": lambda d: f"{_m(d)[:3]} {d.day} '{d.year % 100:02d}",         # mar 3 '21
    "iso": lambda d: d.isoformat(),                                                        # 2021-03-03
}
FORMAT_NAMES = tuple(FORMATS)


def day(index: int) -> dt.date:
    return FIRST_DAY + dt.timedelta(days=int(index))


def held_out_days() -> torch.Tensor:
    """Indices of the held-out days (sorted): the same tenth for every run, never in training."""
    order = torch.randperm(N_DAYS, generator=torch.Generator().manual_seed(SPLIT_SEED))
    return order[: int(N_DAYS * HELD_OUT_SHARE)].sort().values


def training_days() -> torch.Tensor:
    keep = torch.ones(N_DAYS, dtype=torch.bool)
    keep[held_out_days()] = False
    return torch.nonzero(keep).flatten()


@dataclass(frozen=True)
class DatePairs:
    """Written dates and their ISO forms, as text and as padded id tensors."""

    texts: list
    isos: list
    x: torch.Tensor            # (n, longest) input ids, padded with PAD
    lengths: torch.Tensor      # (n,) characters per text
    y: torch.Tensor            # (n, 10) output ids
    formats: list              # the name of the format each text is written in


def date_pairs(n: int, days: torch.Tensor, generator: torch.Generator) -> DatePairs:
    """``n`` dates drawn from ``days`` (indices), each in a format drawn uniformly, reproducibly from ``generator``."""
    picks = days[torch.randint(0, len(days), (n,), generator=generator)].tolist()
    formats = torch.randint(0, len(FORMATS), (n,), generator=generator).tolist()
    dates = [day(i) for i in picks]
    texts = [FORMATS[FORMAT_NAMES[f]](d) for d, f in zip(dates, formats)]
    isos = [d.isoformat() for d in dates]
    x, lengths = encode_texts(texts)
    y = torch.tensor([[OUTPUT_CHARS.index(c) for c in iso] for iso in isos])
    return DatePairs(texts, isos, x, lengths, y, [FORMAT_NAMES[f] for f in formats])


def encode_texts(texts: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
    """Texts (already checked) to padded ids ``(n, longest)`` and their lengths; read in lower case."""
    ids = [[INPUT_CHARS.index(c) for c in t.lower()] for t in texts]
    longest = max(len(i) for i in ids)
    x = torch.full((len(ids), longest), PAD, dtype=torch.long)
    for row, i in enumerate(ids):
        x[row, :len(i)] = torch.tensor(i)
    return x, torch.tensor([len(i) for i in ids])


def check_date_text(text: str) -> str:
    """The text the translator will read (surrounding spaces dropped), or an RNNLabError saying what is wrong."""
    cleaned = " ".join(str(text).split())
    if not cleaned:
        raise RNNLabError("Type a date, for example “3rd of March 2021” or “03/03/21”.")
    if len(cleaned) > MAX_INPUT_CHARS:
        raise RNNLabError(f"That is {len(cleaned)} characters; the translator reads dates of at most "
                          f"{MAX_INPUT_CHARS} (the longest way of writing one it learned has 27).")
    unknown = sorted({c for c in cleaned.lower() if c not in INPUT_CHARS})
    if unknown:
        raise RNNLabError("The translator has never seen " + ", ".join(f"“{c}”" for c in unknown)
                          + ": it reads letters, digits, spaces and , . / - ' only.")
    return cleaned


def decode_output(ids) -> str:
    return "".join(OUTPUT_CHARS[int(i)] for i in ids)


def is_held_out(iso: str) -> bool | None:
    """Whether an ISO date is one of the held-out days (None when it is not a date in the range)."""
    try:
        d = dt.date.fromisoformat(iso)
    except ValueError:
        return None
    if not FIRST_DAY <= d <= LAST_DAY:
        return None
    return bool(((held_out_days() == (d - FIRST_DAY).days)).any())


# --- a trained translator reading dates (the model is rnn_core.nets.encoder_decoder.EncoderDecoder) ----------------------

@dataclass(frozen=True)
class Translation:
    """One input read by a trained translator: its output and where each output character looked."""

    text: str                  # the input as read
    output: str
    attention: list | None     # (len(output), len(text)) weights, rows summing to 1; None without attention


def translate_text(model: EncoderDecoder, text: str) -> Translation:
    """Translate one date as typed (checked: empty, over-long or unknown characters raise RNNLabError)."""
    cleaned = check_date_text(text)
    x, lengths = encode_texts([cleaned])
    was_training = model.training
    model.eval()
    with torch.no_grad():
        logits, weights = model(x, lengths=lengths, out_length=OUTPUT_LENGTH, return_attention=True)
    model.train(was_training)
    return Translation(cleaned, decode_output(logits.argmax(-1)[0]),
                       weights[0].tolist() if weights is not None else None)


def month_attention(model: EncoderDecoder, x, lengths) -> float:
    """The mean share of attention the two month digits (output characters 6 and 7) give the month's name.

    Measured over the dates of ``x`` written with a month's name or its first three letters: 1 means the
    month digits look only at the letters of "march" (or "mar"), 0 that they never do.
    """
    with torch.no_grad():
        _, weights = model(x, lengths=lengths, out_length=10, return_attention=True)
    shares = []
    for row in range(len(x)):
        text = "".join(INPUT_CHARS[i] for i in x[row, :int(lengths[row])].tolist())
        start = min((text.find(m[:3]) for m in MONTHS if m[:3] in text), default=-1)
        if start < 0:
            continue
        end = start
        while end < len(text) and text[end].isalpha():
            end += 1
        shares.append(float(weights[row, 5:7, start:end].sum()) / 2)
    return sum(shares) / max(1, len(shares))


def accuracy_by_format(model: EncoderDecoder, x, y, lengths, formats) -> dict:
    """Held-out exact match per way of writing a date (the test set draws every format about equally)."""
    with torch.no_grad():
        right = (model(x, lengths=lengths, out_length=y.shape[1]).argmax(-1) == y).all(dim=1).tolist()
    counts: dict = {}
    for name, ok in zip(formats, right):
        n, k = counts.get(name, (0, 0))
        counts[name] = (n + 1, k + int(ok))
    return {name: round(counts[name][1] / counts[name][0], 4) for name in FORMAT_NAMES if name in counts}
