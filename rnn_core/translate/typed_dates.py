"""A date the learner types, read by rules: which date it is, if any, and whether the translators know its kind.

The Translate page marks each model's answer right or wrong, so it needs the right answer for whatever the
learner types. :func:`read_typed_date` reads the text the way the training data is written (day first, years
1950 to 2049, the thirteen formats of :data:`rnn_core.translate.dates.FORMATS`, with some slack: any
capitals, an ordinal or not, a full or short month or weekday) and says what it is:

- ``"date"``: a real day in 1950–2049; ``iso`` is the right answer. ``format`` names the training format it is
  written in exactly, or is None (a date the rules read, written a way the models never saw);
- ``"out of range"``: a real day outside 1950–2049 (``iso`` is still the right answer; the models never saw
  such a year);
- ``"no such day"``: day and month do not make a date ("31 February 2020", "29 February 2021",
  "12/25/2020" read day first);
- ``"wrong weekday"``: a real day, named with another weekday ("monday 3 march 2021" was a Wednesday);
- ``"not a date"``: nothing the rules can read as a day, a month and a year ("tomorrow").
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache

from rnn_core.translate.dates import FIRST_DAY, FORMATS, LAST_DAY, MONTHS, WEEKDAYS, held_out_days

KINDS = ("date", "out of range", "no such day", "wrong weekday", "not a date")
_ORDINAL = r"(\d{1,2})(?:st|nd|rd|th)?"
_WORD = r"([a-z]+)"
# Word patterns: day, month (a name) and year in the order they come; a weekday may open any of them.
_WORDED = (
    ("dmy", rf"(?:the )?{_ORDINAL}(?: of)? {_WORD},? (\d{{4}})"),          # 3rd of march 2021, 3 march 2021
    ("mdy", rf"{_WORD} {_ORDINAL},? (\d{{4}})"),                            # march 3rd, 2021, mar 3, 2021
    ("mdy'", rf"{_WORD} {_ORDINAL},? '(\d{{2}})"),                          # mar 3 '21
    ("dmy", rf"(\d{{1,2}})-{_WORD}-(\d{{4}})"),                             # 03-mar-2021
)
_NUMBERS = re.compile(r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})")         # day first: 03/03/21, 3.3.2021
_ISO = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


@dataclass(frozen=True)
class TypedDate:
    """What a typed text is, as a date (see the module's docstring for ``kind``)."""

    kind: str
    iso: str | None = None            # the right answer, when the text names a real day
    format: str | None = None         # the training format it is written in exactly, if any
    held_out: bool | None = None      # a held-out day (never in training), for a date in range
    reason: str = ""                  # one sentence for the learner


@lru_cache(maxsize=1)
def _held_out() -> frozenset:
    return frozenset(held_out_days().tolist())


def _month(word: str) -> int | None:
    for number, name in enumerate(MONTHS, 1):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return number
    return None


def _weekday(word: str) -> int | None:
    for number, name in enumerate(WEEKDAYS):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return number
    return None


def _full_year(two_digits: str) -> int:
    """Two-digit years as the training data writes them: 50-99 are 19xx, 00-49 are 20xx."""
    y = int(two_digits)
    return 1900 + y if y >= 50 else 2000 + y


def _parts(text: str) -> tuple[int, int, int, int | None, str] | None:
    """(day, month, year, weekday or None, how it was read) or None when the text is not a date's shape."""
    if m := _ISO.fullmatch(text):
        return int(m[3]), int(m[2]), int(m[1]), None, "iso"
    if m := _NUMBERS.fullmatch(text):
        year = int(m[4]) if len(m[4]) == 4 else _full_year(m[4])
        return int(m[1]), int(m[3]), year, None, "numbers"
    weekday = None
    head, _, rest = text.partition(" ")
    first = head.rstrip(",")
    if rest and _weekday(first) is not None and _month(first) is None:
        weekday, text = _weekday(first), rest
    for order, pattern in _WORDED:
        if m := re.fullmatch(pattern, text):
            if order == "dmy":
                day, month, year = m[1], m[2], m[3]
            else:
                month, day, year = m[1], m[2], m[3]
            month_number = _month(month)
            if month_number is None:
                return None
            full_year = _full_year(year) if order == "mdy'" else int(year)
            return int(day), month_number, full_year, weekday, "words"
    return None


def read_typed_date(text: str) -> TypedDate:
    """What ``text`` (as the learner typed it) is as a date; see :class:`TypedDate`."""
    cleaned = " ".join(str(text).lower().split())
    parts = _parts(cleaned)
    if parts is None:
        return TypedDate("not a date", reason=(
            "This is not a date the translators were trained on: they learnt only a day, a month and a year "
            "written in one of the 13 ways above, so their answer to it means nothing."))
    day, month, year, weekday, how = parts
    if year < 1:
        return TypedDate("not a date", reason="There is no year 0: this is not a date the translators know.")
    if not 1 <= month <= 12:
        hint = ""
        if how == "numbers" and 1 <= day <= 12 and 1 <= month <= 31:
            hint = (f" It looks month first (the American way); the translators read numbers day first, as "
                    f"they were trained: write {month}/{day}/{year} for the {_ordinal_words(month)} of "
                    f"{MONTHS[day - 1].title()}.")
        return TypedDate("no such day", reason=f"There is no month {month}: read day first, this is not a date."
                                               + hint)
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        extra = (" (" + str(year) + " is not a leap year)") if month == 2 and day == 29 else ""
        return TypedDate("no such day", reason=f"There is no {_ordinal_words(day)} of {MONTHS[month - 1].title()} "
                                               f"{year}{extra}: {MONTHS[month - 1].title()} {year} has "
                                               f"{days_in_month} days. Whatever a translator writes is wrong.")
    date = dt.date(year, month, day)
    if weekday is not None and weekday != date.weekday():
        return TypedDate("wrong weekday", iso=date.isoformat(), reason=(
            f"{date.day} {MONTHS[month - 1].title()} {year} was a {WEEKDAYS[date.weekday()]}, not a "
            f"{WEEKDAYS[weekday]}: the training data never names a wrong weekday. Marked against day, month and "
            "year."))
    written = next((name for name, write in FORMATS.items() if write(date).lower() == cleaned), None)
    if not FIRST_DAY <= date <= LAST_DAY:
        return TypedDate("out of range", iso=date.isoformat(), format=written, reason=(
            f"A real date, but the translators only ever saw years {FIRST_DAY.year} to {LAST_DAY.year}: they "
            f"have never written the year {year}."))
    held = (date - FIRST_DAY).days in _held_out()
    where = ("a held-out day: training never saw it, in any format" if held
             else "a day the training data contains (in some format)")
    if written is None:
        return TypedDate("date", iso=date.isoformat(), held_out=held, reason=(
            f"The {_ordinal_words(day)} of {MONTHS[month - 1].title()} {year}, {where}; but not written exactly "
            "in one of the 13 ways above, so the translators may stumble on the way it is written."))
    return TypedDate("date", iso=date.isoformat(), format=written, held_out=held,
                     reason=f"The {_ordinal_words(day)} of {MONTHS[month - 1].title()} {year}, written "
                            f"“{written}”: {where}.")


def _ordinal_words(n: int) -> str:
    suffix = "th" if 11 <= n % 100 <= 13 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def mark(answer: str, typed: TypedDate) -> str:
    """A model's ``answer`` to ``typed``, marked: ✓, or ✗ with the right answer (or why there is none)."""
    if typed.iso is not None:
        return "✓ right" if answer == typed.iso else f"✗ wrong (it is {typed.iso})"
    if typed.kind == "no such day":
        return "✗ wrong: there is no such day"
    return "no right answer: not a date"


def is_iso_date(text: str) -> bool:
    """Whether ``text`` is a real ISO date (a model's answer can be "2021-02-31" or "201-00-00-")."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        return False
    return True
