"""A page's settings in the address bar: a link that reopens the page as it is.

A page describes its shareable settings once, as a :class:`Schema` of :class:`Param` (session-state key, name
in the URL, default, allowed values). :meth:`Schema.to_query` writes the settings into query parameters, so
the address bar always holds a link that reopens the page as it is (as TensorFlow Playground does);
:meth:`Schema.from_query` reads a link back, and a malformed or out-of-range value never breaks the page: it
falls back to the default or the nearest allowed value, with a message saying so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from rnn_core.errors import RNNLabError


_TRUE, _FALSE = ("1", "true", "yes", "on"), ("0", "false", "no", "off")
MAX_STRING = 200


@dataclass(frozen=True)
class Param:
    """One setting of a page, declared once: the page kit draws its widget from it, the address bar and the
    workshop's steps name it by it, and a link's value is checked against it. The default's type (bool, int,
    float, str, or a list for several choices) is the setting's type."""

    key: str                          # session-state / widget key, e.g. "lm.hidden"
    name: str                         # the name in the URL, e.g. "hidden"
    default: Any
    choices: tuple | None = None      # the allowed values; a number outside them snaps to the nearest
    low: float | None = None          # range for numbers without choices
    high: float | None = None
    check: Callable | None = None     # value -> value, raising RNNLabError for a value the page cannot use
    label: str = ""                   # the widget's label
    help: str | None = None           # the widget's tooltip
    widget: str | None = None         # the kind of widget, when the kit's choice from the type is not the one
    shown: Callable | None = None     # value -> the text a learner sees for it (a choice's name)

    def widget_kind(self) -> str:
        """The widget that shows this setting: the declared one, else one chosen from the type.

        A flag is a checkbox, a few named choices a row of radio buttons, more a select box, numbers from a list a
        select slider, a small whole-number range a slider and a large one a number box, a list a multiselect,
        anything else a text box."""
        if self.widget:
            return self.widget
        if isinstance(self.default, bool):
            return "checkbox"
        if isinstance(self.default, (list, tuple)):
            return "multiselect"
        if self.choices is not None:
            if isinstance(self.default, str):
                return "radio" if len(self.choices) <= 4 else "selectbox"
            return "select_slider"
        if self.low is not None and self.high is not None:
            return "slider" if self.high - self.low <= 100 and isinstance(self.default, int) else "number"
        return "text"

    def shown_as(self) -> Callable:
        """value -> what a learner reads for it: the declared names, else numbers short and cell names in capitals."""
        if self.shown is not None:
            return self.shown
        if isinstance(self.default, float):
            return lambda v: f"{v:g}"
        if isinstance(self.default, str) and self.choices is not None and all(len(str(c)) <= 4 for c in self.choices):
            return lambda v: str(v).upper()     # cell names: RNN, LSTM, GRU
        return str

    def bounds(self) -> tuple:
        """The range as the default's type (a slider of whole numbers takes whole bounds)."""
        return tuple(type(self.default)(b) if b is not None else None for b in (self.low, self.high))

    def format(self, value) -> str:
        if isinstance(self.default, (list, tuple)):    # a multiselect: its choices, comma-separated
            return ",".join(map(str, value))
        if isinstance(self.default, bool):
            return "1" if value else "0"
        if isinstance(self.default, float):
            short = f"{float(value):g}"
            return short if float(short) == float(value) else repr(float(value))
        return str(value)

    def parse(self, raw: str) -> tuple[Any, str | None]:
        """The value ``raw`` stands for, and a message when it had to be replaced."""
        raw = str(raw).strip()
        kind = type(self.default)
        if kind in (list, tuple):
            items = [part.strip() for part in raw.split(",") if part.strip()]
            unknown = [i for i in items if self.choices is not None and i not in self.choices]
            if not items or unknown or len(raw) > MAX_STRING:
                return self.default, (f"“{self.name}={raw[:40]}” is not a list of "
                                      f"{', '.join(map(str, self.choices or ()))}; using {self.format(self.default)}.")
            return kind(dict.fromkeys(items)), None
        try:
            if kind is bool:
                if raw.lower() not in _TRUE + _FALSE:
                    raise ValueError
                value = raw.lower() in _TRUE
            elif kind is int:
                number = float(raw)
                if not math.isfinite(number) or number != int(number):
                    raise ValueError
                value = int(number)
            elif kind is float:
                value = float(raw)
                if not math.isfinite(value):
                    raise ValueError
            else:
                if len(raw) > MAX_STRING:
                    raise ValueError
                value = raw
        except (ValueError, OverflowError):
            return self.default, f"“{self.name}={raw[:40]}” is not a valid value; using {self.format(self.default)}."
        if self.choices is not None and value not in self.choices:
            if kind in (int, float):
                nearest = min(self.choices, key=lambda c: abs(float(c) - value))
                return nearest, (f"“{self.name}={raw[:40]}” is not one of the options; using the nearest, "
                                 f"{self.format(nearest)}.")
            return self.default, (f"“{self.name}={raw[:40]}” is not one of "
                                  f"{', '.join(map(str, self.choices[:8]))}; using {self.format(self.default)}.")
        if self.low is not None and value < self.low or self.high is not None and value > self.high:
            clamped = kind(min(max(value, self.low if self.low is not None else value),
                               self.high if self.high is not None else value))
            return clamped, (f"“{self.name}={raw[:40]}” is out of range ({self.format(self.low)} to "
                             f"{self.format(self.high)}); using {self.format(clamped)}.")
        if self.check is not None:
            try:
                value = self.check(value)
            except RNNLabError as exc:
                return self.default, f"“{self.name}={raw[:40]}”: {exc} Using {self.format(self.default)}."
        return value, None


@dataclass(frozen=True)
class Schema:
    """The shareable settings of one page."""

    params: tuple

    def __post_init__(self):
        names = [p.name for p in self.params]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate URL names in {names}")

    @property
    def names(self) -> set:
        return {p.name for p in self.params}

    def defaults(self) -> dict:
        return {p.key: p.default for p in self.params}

    def param(self, key: str) -> Param:
        """The declaration of the setting under session-state key ``key``."""
        for p in self.params:
            if p.key == key:
                return p
        raise KeyError(key)

    def from_query(self, query: Mapping) -> tuple[dict, list[str]]:
        """Settings (session-state key -> value) for the parameters present in ``query``, and messages."""
        values, problems = {}, []
        for p in self.params:
            if p.name not in query:
                continue
            raw = query[p.name]
            if isinstance(raw, (list, tuple)):
                raw = raw[-1] if raw else ""
            value, problem = p.parse(raw)
            values[p.key] = value
            if problem:
                problems.append(problem)
        return values, problems

    def to_query(self, values: Mapping) -> dict[str, str]:
        """Query parameters for the settings in ``values`` (session-state key -> value); missing ones skipped."""
        return {p.name: p.format(values[p.key]) for p in self.params if p.key in values}
