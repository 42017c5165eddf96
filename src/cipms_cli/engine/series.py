"""Turn validated Results into one ordered series per indicator."""

from __future__ import annotations

import datetime as dt
from typing import Any, Protocol

import numpy as np
import pandas as pd

from cipms_cli.periods import distinct_periods

# ``run`` numbers the indicators in sorted order: grouping on it is cheaper than on the ids.
SERIES_COLUMNS = ["indicator_id", "run", "period", "ordinal", "value", "numerator", "denominator"]


class Columns(Protocol):
    """Columns read by name: a DataFrame, or the engine's dict of numpy arrays.

    The engine keeps its tables as plain arrays: a workbook of 40 indicators would
    otherwise spend most of its time in the fixed cost of each pandas operation.
    """

    def __getitem__(self, name: str, /) -> Any: ...

    def __contains__(self, name: object, /) -> bool: ...


def floats(column: Any) -> np.ndarray:
    """A column as float64 (None and NaN alike become NaN)."""
    return np.asarray(column, dtype=float)


def booleans(column: Any) -> np.ndarray:
    """A yes/no column as booleans; a blank cell is no."""
    values = np.asarray(column, dtype=object)
    flags: np.ndarray = ~pd.isna(values) & values.astype(bool)
    return flags


def build_series(results: pd.DataFrame, as_of: dt.date | None = None) -> dict[str, np.ndarray]:
    """One row per (indicator, period) up to ``as_of``, ordered by indicator, then period:
    the ``SERIES_COLUMNS`` as arrays.

    ``ordinal`` counts periods of the indicator's own frequency, so that
    differences of ordinals are numbers of periods.
    """
    if results.empty:
        return _empty_series()
    codes, periods = distinct_periods(results["period"])
    rows = np.arange(len(results))
    if as_of is not None:
        ended = np.array([p.end <= as_of for p in periods], dtype=bool)[codes]
        rows = rows[ended]
    ids = results["indicator_id"].to_numpy(dtype=object)[rows]
    ordinal = np.array([p.ordinal for p in periods], dtype=np.int64)[codes[rows]]
    # Sorting on integer codes (ids in sorted order) is far cheaper than on the text.
    run, _ = pd.factorize(ids, sort=True)
    order = np.lexsort((ordinal, run))
    if (np.diff(order) != 1).any():  # results usually arrive sorted already
        rows, ids, ordinal, run = rows[order], ids[order], ordinal[order], run[order]
    return {
        "indicator_id": ids,
        "run": run,
        "period": results["period"].to_numpy(dtype=object)[rows],
        "ordinal": ordinal,
        **{
            c: results[c].to_numpy(dtype=float)[rows] for c in ("value", "numerator", "denominator")
        },
    }


def _empty_series() -> dict[str, np.ndarray]:
    """No rows, but the column types of a real series, so that sums and ratios stay numeric."""
    empty = {"indicator_id": object, "run": np.int64, "period": object, "ordinal": np.int64}
    return {c: np.array([], dtype=empty.get(c, float)) for c in SERIES_COLUMNS}


def shift(values: np.ndarray, by: int, fill: Any) -> np.ndarray:
    """``values`` moved ``by`` places on (back, when negative), ``fill`` in the places left.

    The engine shifts many short arrays per workbook; ``np.r_`` would cost ten times as much.
    """
    shifted = np.empty_like(values)
    if by >= 0:
        shifted[:by] = fill
        shifted[by:] = values[: max(len(values) - by, 0)]
    else:
        shifted[by:] = fill
        shifted[:by] = values[-by:]
    return shifted


def changes(values: np.ndarray) -> np.ndarray:
    """True where a value differs from the one before it, and on the first."""
    changed = np.empty(len(values), dtype=bool)
    changed[:1] = True
    np.not_equal(values[1:], values[:-1], out=changed[1:])
    return changed


def group_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) of each run of equal keys, in a column sorted by key (as
    the series is)."""
    starts = np.flatnonzero(changes(keys))
    return starts, shift(starts, -1, len(keys))


def indicator_runs(frame: Columns) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The indicator ids of a frame sorted by indicator, and the start and stop of each
    indicator's run of rows (grouped on the integer ``run`` column when it has one)."""
    ids = np.asarray(frame["indicator_id"])
    starts, stops = group_runs(np.asarray(frame["run"]) if "run" in frame else ids)
    return ids, starts, stops
