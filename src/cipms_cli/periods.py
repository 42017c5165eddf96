"""Reporting periods: the one place where period labels and dates are parsed.

A period is monthly, quarterly or annual. Annual periods are calendar years
(``2024``) or fiscal years (``FY2024-25``) starting in a configurable month
(April by default, as in Ontario and UK public services).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property, lru_cache
from typing import Any


class Frequency(StrEnum):
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


FREQUENCY_ALIASES: dict[str, Frequency] = {
    "monthly": Frequency.MONTHLY,
    "month": Frequency.MONTHLY,
    "m": Frequency.MONTHLY,
    "quarterly": Frequency.QUARTERLY,
    "quarter": Frequency.QUARTERLY,
    "q": Frequency.QUARTERLY,
    "annual": Frequency.ANNUAL,
    "annually": Frequency.ANNUAL,
    "yearly": Frequency.ANNUAL,
    "year": Frequency.ANNUAL,
    "y": Frequency.ANNUAL,
    "a": Frequency.ANNUAL,
}

PERIODS_PER_YEAR = {Frequency.MONTHLY: 12, Frequency.QUARTERLY: 4, Frequency.ANNUAL: 1}
DEFAULT_FISCAL_START_MONTH = 4


class PeriodError(ValueError):
    """A label that is not a period, or that does not fit the expected frequency."""

    def __init__(self, message: str, *, code: str = "invalid-period"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True, order=True)
class Period:
    """One reporting period. ``ordinal`` counts periods of this frequency from year 0.

    Rows of a sheet share one Period object per distinct label, so the derived
    properties are cached on the instance.
    """

    frequency: Frequency
    ordinal: int
    fiscal_start: int = 1  # month the year starts in; 1 for calendar years

    @property
    def months(self) -> int:
        return 12 // PERIODS_PER_YEAR[self.frequency]

    @cached_property
    def start(self) -> dt.date:
        month_index = self.ordinal * self.months + (self.fiscal_start - 1)
        return dt.date(month_index // 12, month_index % 12 + 1, 1)

    @cached_property
    def end(self) -> dt.date:
        nxt = self.shift(1).start
        return nxt - dt.timedelta(days=1)

    def shift(self, n: int) -> Period:
        return Period(self.frequency, self.ordinal + n, self.fiscal_start)

    def __sub__(self, other: Period) -> int:
        if self.frequency != other.frequency or self.fiscal_start != other.fiscal_start:
            raise PeriodError(f"cannot subtract {other} from {self}: different kinds of period")
        return self.ordinal - other.ordinal

    @cached_property
    def label(self) -> str:
        if self.frequency is Frequency.MONTHLY:
            return f"{self.ordinal // 12:04d}-{self.ordinal % 12 + 1:02d}"
        if self.frequency is Frequency.QUARTERLY:
            return f"{self.ordinal // 4:04d}-Q{self.ordinal % 4 + 1}"
        if self.fiscal_start != 1:
            return f"FY{self.ordinal:04d}-{(self.ordinal + 1) % 100:02d}"
        return f"{self.ordinal:04d}"

    def __str__(self) -> str:
        return self.label


def distinct_periods(column: Any) -> tuple[Any, list[Period]]:
    """The distinct Period objects of a column and each row's code into them.

    Rows share one Period object per distinct label, so repeats are found by identity:
    hashing 100,000 frozen dataclasses costs far more than hashing their addresses. A
    column whose rows do not share objects is still right, only less compact.
    """
    import numpy as np  # kept out of the import of this module: `cipms --help` needs no numpy
    import pandas as pd

    values = np.asarray(column, dtype=object)
    addresses = np.fromiter(map(id, values), dtype=np.uintp, count=len(values))
    codes, uniques = pd.factorize(addresses)
    where = np.empty(len(uniques), dtype=np.intp)
    where[codes] = np.arange(len(codes))  # any row of a code holds the same object
    return codes, list(values[where])


def containing(day: dt.date, frequency: Frequency, fiscal_start: int = 1) -> Period:
    """The period of ``frequency`` that contains ``day``.

    Months and quarters are always calendar ones; ``fiscal_start`` only moves years.
    """
    start = fiscal_start if frequency is Frequency.ANNUAL else 1
    months_since = day.year * 12 + day.month - 1 - (start - 1)
    return Period(frequency, months_since // (12 // PERIODS_PER_YEAR[frequency]), start)


# --- parsing -----------------------------------------------------------------

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_name) if name})
_MONTHS["sept"] = 9

_FY = r"FY\s*(?P<fy>\d{4})\s*[-/]\s*(?P<fy2>\d{2}|\d{4})"
_PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("fq", re.compile(rf"^{_FY}\s*[-/ ]?\s*Q(?P<q>[1-4])$", re.I)),
    ("fq", re.compile(rf"^Q(?P<q>[1-4])\s*[-/ ]?\s*{_FY}$", re.I)),
    ("fy", re.compile(rf"^{_FY}$", re.I)),
    ("fy", re.compile(r"^(?P<fy>\d{4})\s*/\s*(?P<fy2>\d{4})$")),
    ("q", re.compile(r"^(?P<y>\d{4})\s*[-/ ]?\s*Q(?P<q>[1-4])$", re.I)),
    ("q", re.compile(r"^Q(?P<q>[1-4])\s*[-/ ]?\s*(?P<y>\d{4})$", re.I)),
    ("m", re.compile(r"^(?P<y>\d{4})\s*[-/.]\s*(?P<m>\d{1,2})$")),
    ("m", re.compile(r"^(?P<m>\d{1,2})\s*[-/.]\s*(?P<y>\d{4})$")),
    ("mn", re.compile(r"^(?P<mn>[A-Za-z]{3,9})\.?\s*[-/ ]?\s*(?P<y>\d{4}|\d{2})$")),
    ("mn", re.compile(r"^(?P<y>\d{4})\s*[-/ ]?\s*(?P<mn>[A-Za-z]{3,9})$")),
    ("y", re.compile(r"^(?P<y>\d{4})(?:\.0)?$")),
    ("date", re.compile(r"^(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?:[T ][\d:.]+)?$")),
    ("dmy", re.compile(r"^(?P<a>\d{1,2})[/.-](?P<b>\d{1,2})[/.-](?P<y>\d{4})$")),
]


@dataclass(frozen=True)
class ParsedLabel:
    """What a label says before we know the indicator's frequency."""

    kind: str  # "month", "quarter", "fiscal_quarter", "year", "fiscal_year", "date"
    year: int
    sub: int = 0  # month or quarter number
    day: dt.date | None = None
    from_text_date: bool = False  # a date typed as text, worth a warning


def _fiscal_year(groups: dict[str, str]) -> int:
    y = int(groups["fy"])
    end = groups["fy2"]
    expected = (y + 1) % 100 if len(end) == 2 else y + 1
    if int(end) != expected:
        raise PeriodError(f"fiscal year FY{y}-{end} must span two consecutive years")
    return y


def _safe_date(y: int, m: int, d: int) -> dt.date:
    try:
        return dt.date(y, m, d)
    except ValueError as exc:
        raise PeriodError(f"{y:04d}-{m:02d}-{d:02d} is not a real date") from exc


@lru_cache(maxsize=65536)
def parse_label(text: str) -> ParsedLabel:
    """Parse a period label typed as text. Raises PeriodError."""
    s = " ".join(str(text).split())
    for kind, pattern in _PATTERNS:
        match = pattern.match(s)
        if not match:
            continue
        g = match.groupdict()
        if kind == "fq":
            return ParsedLabel("fiscal_quarter", _fiscal_year(g), int(g["q"]))
        if kind == "fy":
            return ParsedLabel("fiscal_year", _fiscal_year(g))
        if kind == "q":
            return ParsedLabel("quarter", int(g["y"]), int(g["q"]))
        if kind == "m":
            m = int(g["m"])
            if not 1 <= m <= 12:
                raise PeriodError(f"'{s}' has month {m}; months run 1 to 12")
            return ParsedLabel("month", int(g["y"]), m)
        if kind == "mn":
            month = _MONTHS.get(g["mn"].lower())
            if month is None:
                continue
            y = int(g["y"])
            return ParsedLabel("month", y + 2000 if y < 100 else y, month)
        if kind == "y":
            return ParsedLabel("year", int(g["y"]))
        if kind == "date":
            d = _safe_date(int(g["y"]), int(g["m"]), int(g["d"]))
            return ParsedLabel("date", d.year, d.month, d, from_text_date=True)
        if kind == "dmy":
            a, b, y = int(g["a"]), int(g["b"]), int(g["y"])
            if a > 12 >= b:
                d = _safe_date(y, b, a)
            elif b > 12 >= a or a == b:
                d = _safe_date(y, a, b)
            else:
                raise PeriodError(
                    f"'{s}' could be day/month or month/day; type it as {y}-{b:02d}-{a:02d} "
                    "(year-month-day) or use a real date cell",
                    code="ambiguous-date",
                )
            return ParsedLabel("date", d.year, d.month, d, from_text_date=True)
    raise PeriodError(
        f"'{s}' is not a period; write it like 2024-Q1, 2024-03, Mar 2024, 2024 or FY2024-25"
    )


def label_of(value: object) -> ParsedLabel:
    """Parse a cell value: a real date/datetime cell, a number like 2024, or text."""
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return ParsedLabel("date", value.year, value.month, value)
    if isinstance(value, bool):
        raise PeriodError(f"'{value}' is not a period")
    if isinstance(value, int | float):
        if float(value).is_integer() and 1000 <= value <= 9999:
            return ParsedLabel("year", int(value))
        raise PeriodError(f"'{value}' is not a period; a bare number must be a four-digit year")
    return parse_label(str(value))


def conform(
    parsed: ParsedLabel, frequency: Frequency, fiscal_start: int = DEFAULT_FISCAL_START_MONTH
) -> Period:
    """The period of ``frequency`` that ``parsed`` names; PeriodError if it does not fit."""
    k = parsed.kind
    if k == "date":
        assert parsed.day is not None
        # A date names the calendar period that contains it (calendar year when annual).
        return containing(parsed.day, frequency)
    if frequency is Frequency.MONTHLY and k == "month":
        return Period(frequency, parsed.year * 12 + parsed.sub - 1)
    if frequency is Frequency.QUARTERLY and k == "quarter":
        return Period(frequency, parsed.year * 4 + parsed.sub - 1)
    if frequency is Frequency.QUARTERLY and k == "fiscal_quarter":
        if (fiscal_start - 1) % 3:
            raise PeriodError(
                "fiscal quarters need a fiscal year starting in Jan, Apr, Jul or Oct "
                f"(the Settings sheet says month {fiscal_start})",
                code="period-frequency-mismatch",
            )
        first = Period(frequency, parsed.year * 4 + (fiscal_start - 1) // 3)
        return first.shift(parsed.sub - 1)
    if frequency is Frequency.ANNUAL and k == "year":
        return Period(frequency, parsed.year)
    if frequency is Frequency.ANNUAL and k == "fiscal_year":
        return Period(frequency, parsed.year, fiscal_start)
    natural = {
        "month": "a month",
        "quarter": "a quarter",
        "fiscal_quarter": "a quarter",
        "year": "a year",
        "fiscal_year": "a fiscal year",
    }[k]
    raise PeriodError(
        f"this is {natural} but the indicator is {frequency.value}; "
        f"use a {frequency.value} period such as {_EXAMPLE[frequency]}",
        code="period-frequency-mismatch",
    )


_EXAMPLE = {
    Frequency.MONTHLY: "2024-03",
    Frequency.QUARTERLY: "2024-Q1",
    Frequency.ANNUAL: "2024 or FY2024-25",
}


def parse_period(
    value: object, frequency: Frequency, fiscal_start: int = DEFAULT_FISCAL_START_MONTH
) -> Period:
    """Parse a cell value as a period of ``frequency``."""
    return conform(label_of(value), frequency, fiscal_start)


def parse_as_of(value: object, fiscal_start: int = DEFAULT_FISCAL_START_MONTH) -> dt.date:
    """The last day covered by an ``--as-of`` period or date, whatever its frequency."""
    parsed = label_of(value)
    if parsed.kind == "date":
        assert parsed.day is not None
        return parsed.day
    freq = {
        "month": Frequency.MONTHLY,
        "quarter": Frequency.QUARTERLY,
        "fiscal_quarter": Frequency.QUARTERLY,
        "year": Frequency.ANNUAL,
        "fiscal_year": Frequency.ANNUAL,
    }[parsed.kind]
    return conform(parsed, freq, fiscal_start).end


def parse_frequency(value: object) -> Frequency:
    key = " ".join(str(value).split()).lower()
    try:
        return FREQUENCY_ALIASES[key]
    except KeyError:
        raise PeriodError(
            f"'{value}' is not a frequency; use monthly, quarterly or annual",
            code="invalid-frequency",
        ) from None
