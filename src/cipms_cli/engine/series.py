"""Turn validated Results into one ordered series per indicator."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from cipms_cli.periods import distinct_periods

# ``run`` numbers the indicators in sorted order: grouping on it is cheaper than on the ids.
SERIES_COLUMNS = ["indicator_id", "run", "period", "ordinal", "value", "numerator", "denominator"]


def build_series(results: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per (indicator, period) up to ``as_of``, ordered by period.

    ``ordinal`` counts periods of the indicator's own frequency, so that
    differences of ordinals are numbers of periods.
    """
    if results.empty:
        return _empty_series()
    frame = results[["indicator_id", "period", "value", "numerator", "denominator"]].copy()
    codes, periods = distinct_periods(frame["period"])
    frame["ordinal"] = np.array([p.ordinal for p in periods], dtype=np.int64)[codes]
    if as_of is not None:
        ended = np.array([p.end <= as_of for p in periods], dtype=bool)[codes]
        if not ended.all():
            frame = frame[ended]
    frame = frame.astype({"value": float, "numerator": float, "denominator": float})
    # Sorting on integer codes (ids in sorted order) is far cheaper than on the text.
    frame["run"], _ = pd.factorize(frame["indicator_id"], sort=True)
    order = np.lexsort((frame["ordinal"].to_numpy(), frame["run"].to_numpy()))
    if (np.diff(order) != 1).any():  # results usually arrive sorted already
        frame = frame.iloc[order]
    return frame[SERIES_COLUMNS].reset_index(drop=True)


def _empty_series() -> pd.DataFrame:
    """No rows, but the column types of a real series, so that sums and ratios stay numeric."""
    numbers = {c: pd.Series(dtype=float) for c in ("value", "numerator", "denominator")}
    return pd.DataFrame(
        {
            "indicator_id": pd.Series(dtype=object),
            "run": pd.Series(dtype="int64"),
            "period": pd.Series(dtype=object),
            "ordinal": pd.Series(dtype="int64"),
            **numbers,
        }
    )[SERIES_COLUMNS]


def group_runs(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and stop (exclusive) of each run of equal keys, in a column sorted by key (as
    the series is)."""
    if len(keys) == 0:
        return np.array([], dtype=int), np.array([], dtype=int)
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]])
    return starts, np.r_[starts[1:], len(keys)]


def indicator_runs(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The indicator ids of a frame sorted by indicator, and the start and stop of each
    indicator's run of rows (grouped on the integer ``run`` column when it has one)."""
    ids = frame["indicator_id"].to_numpy()
    starts, stops = group_runs(frame["run"].to_numpy() if "run" in frame else ids)
    return ids, starts, stops
