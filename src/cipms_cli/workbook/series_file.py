"""Read a bare two-column series (period, value) from CSV or a spreadsheet, for ``cipms spc``."""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from typing import Any

from cipms_cli.errors import UnreadableInput
from cipms_cli.periods import Frequency, Period, PeriodError, conform, label_of
from cipms_cli.workbook.cells import is_blank, normalise_key, to_number

PERIOD_HEADERS = {"period", "date", "month", "quarter", "year", "time", "x"}
VALUE_HEADERS = {"value", "y", "actual", "result", "figure", "count", "rate"}
_KIND_FREQUENCY = {
    "month": Frequency.MONTHLY,
    "quarter": Frequency.QUARTERLY,
    "fiscal_quarter": Frequency.QUARTERLY,
    "year": Frequency.ANNUAL,
    "fiscal_year": Frequency.ANNUAL,
}


@dataclass(frozen=True)
class SeriesInput:
    labels: list[str]
    values: list[float | None]
    periods: list[Period] | None  # None when the labels are not all periods or dates


class SeriesError(ValueError):
    """The series is readable but wrong (exit 1), with the row that is wrong."""


def read_series(source: str, fiscal_start: int = 4) -> SeriesInput:
    from cipms_cli.workbook.guard import load_input

    data, name = load_input(source)
    rows = _rows(data, name)
    return parse_series(rows, name, fiscal_start)


def _rows(data: bytes, name: str) -> list[list[Any]]:
    if data[:4] in (b"PK\x03\x04", b"\xd0\xcf\x11\xe0"):
        from cipms_cli.workbook.reader import open_bytes

        book = open_bytes(data, name)
        visible = [s for s in book.sheet_names if s not in book.hidden]
        return book.rows((visible or book.sheet_names)[0])
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableInput(
            "the file is not UTF-8 text or a spreadsheet; save the CSV as UTF-8",
            code="not-utf8",
            path=name,
        ) from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect)]


def parse_series(rows: list[list[Any]], name: str, fiscal_start: int = 4) -> SeriesInput:
    body = [r for r in rows if any(not is_blank(c) for c in r)]
    if not body:
        raise SeriesError(f"{name}: the series is empty")
    period_col, value_col, first = _columns(body[0])
    labels: list[str] = []
    values: list[float | None] = []
    raw_periods: list[Any] = []
    for number, row in enumerate(body[first:], start=first + 1):
        cells = list(row) + [""] * (max(period_col, value_col) + 1 - len(row))
        raw_periods.append(cells[period_col])
        labels.append(str(cells[period_col]).strip())
        try:
            values.append(to_number(cells[value_col]))
        except Exception:
            raise SeriesError(
                f"{name}: row {number}: '{cells[value_col]}' is not a number"
            ) from None
    found = _periods(raw_periods, fiscal_start)
    periods = None
    if found is not None:
        order = sorted(range(len(found)), key=lambda i: found[i])
        periods = [found[i] for i in order]
        _check_unique(periods, name)
        labels = [p.label for p in periods]
        values = [values[i] for i in order]
    return SeriesInput(labels, values, periods)


def _columns(header: list[Any]) -> tuple[int, int, int]:
    """(period column, value column, first data row index)."""
    keys = [normalise_key(c) if isinstance(c, str) else "" for c in header]
    if len(header) >= 2 and _is_number_like(header[1]) is False:
        period_col = next((i for i, k in enumerate(keys) if k in PERIOD_HEADERS), 0)
        value_col = next(
            (i for i, k in enumerate(keys) if k in VALUE_HEADERS and i != period_col),
            1 if period_col == 0 else 0,
        )
        return period_col, value_col, 1
    return 0, 1, 0


def _is_number_like(cell: Any) -> bool:
    try:
        return to_number(cell) is not None or is_blank(cell)
    except Exception:
        return False


def _periods(raw: list[Any], fiscal_start: int) -> list[Period] | None:
    """Periods when every label is one of one kind (or every label a date within distinct
    months); None when the labels are free text or daily dates, which keep the file's order."""
    try:
        parsed = [label_of(r) for r in raw]
    except PeriodError:
        return None
    kinds = {p.kind for p in parsed}
    if len(kinds) != 1:
        return None
    kind = kinds.pop()
    if kind == "date" and len({(p.year, p.sub) for p in parsed}) < len(parsed):
        return None
    frequency = _KIND_FREQUENCY.get(kind, Frequency.MONTHLY)
    try:
        return [conform(p, frequency, fiscal_start) for p in parsed]
    except PeriodError:
        return None


def _check_unique(periods: list[Period], name: str) -> None:
    for a, b in itertools.pairwise(periods):
        if a == b:
            raise SeriesError(f"{name}: period {a.label} appears twice; keep one row per period")
