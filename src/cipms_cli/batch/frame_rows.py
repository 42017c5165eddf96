"""Rows of a benchmark frame as plain Python records (what the JSON and CSV writers take)."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

Row = dict[str, Any]

FRAME_ROWS_AT_ONCE = 2_000  # a frame's rows are made this many at a time


def frame_rows(frame: pd.DataFrame, columns: list[str]) -> Iterator[Row]:
    """The frame's rows with those of ``columns`` it has, in that order."""
    present = [c for c in columns if c in frame.columns]
    for start in range(0, len(frame), FRAME_ROWS_AT_ONCE):
        part = frame.iloc[start : start + FRAME_ROWS_AT_ONCE]
        values = [_plain_column(part[c]) for c in present]
        yield from (dict(zip(present, row, strict=True)) for row in zip(*values, strict=True))


def _plain_column(column: pd.Series) -> list[Any]:
    """``_plain`` of each value, a column at a time (the agency benchmarks have 300,000
    cells): number columns need only NaN made None."""
    values = column.tolist()
    if column.dtype.kind == "f":
        return [None if v != v else v for v in values]
    if column.dtype.kind in "iub":
        if column.hasnans:  # pandas' nullable integers: NA to None
            return [
                None if missing else v for v, missing in zip(values, column.isna(), strict=True)
            ]
        return values
    return [_plain(v) for v in values]


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, NaN to None, dates to ISO text."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value
