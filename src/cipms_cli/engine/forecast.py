"""A least-squares line through the recent points, read at the target period.

This is the Results-Based Accountability "baseline with forecast": where the
curve goes if nothing changes, which the plan must turn.

The engine calls the array functions (``recent_mask``, ``line_fits``, ``line_values``);
``recent_points``, ``fit_lines`` and ``forecast_at`` are the same on DataFrames.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cipms_cli.engine.series import Columns, indicator_runs

MIN_POINTS = 3


def recent_points(series: pd.DataFrame, segment_start: pd.Series, window: int) -> pd.DataFrame:
    """The last ``window`` points of each indicator's current SPC segment.

    ``series`` is sorted by indicator, then period, as ``build_series`` makes it.
    """
    ids, starts, stops = indicator_runs(series)
    first_ordinal = segment_start.reindex(ids[starts]).fillna(-np.inf).to_numpy(dtype=float)
    return series[recent_mask(series["ordinal"].to_numpy(), starts, stops, first_ordinal, window)]


def recent_mask(
    ordinal: np.ndarray, starts: np.ndarray, stops: np.ndarray, first: np.ndarray, window: int
) -> np.ndarray:
    """Which points are among the last ``window`` of each run from its ordinal ``first`` on
    (the start of its current SPC segment)."""
    current = ordinal >= np.repeat(first, stops - starts)
    # Count the current points from the end of each run; keep the last ``window`` of them.
    kept = np.r_[0, np.cumsum(current)]
    from_end = np.repeat(kept[stops], stops - starts) - kept[1:]
    mask: np.ndarray = current & (from_end < window)
    return mask


def fit_lines(points: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: slope, intercept, origin and forecast_points of the line."""
    ids, starts, stops = indicator_runs(points)
    return pd.DataFrame(
        line_fits(points["ordinal"].to_numpy(), points["value"].to_numpy(), starts, stops),
        index=pd.Index(ids[starts], name="indicator_id"),
    )


def line_fits(
    ordinal: np.ndarray, value: np.ndarray, starts: np.ndarray, stops: np.ndarray
) -> dict[str, np.ndarray]:
    """Per run of points: slope and intercept of value on ordinal, from sums over each run
    (no loop); every figure is NaN for a run of fewer than ``MIN_POINTS`` values."""
    ordinal = np.asarray(ordinal, dtype=float)
    # Centre x on each run's first ordinal so the sums stay small and exact.
    origin = ordinal[starts] if len(starts) else np.array([])
    y = np.asarray(value, dtype=float)
    given = ~np.isnan(y)  # a missing value takes no part in the fit
    x = np.where(given, ordinal - np.repeat(origin, stops - starts), 0.0)
    y = np.where(given, y, 0.0)

    def total(column: np.ndarray) -> np.ndarray:
        return np.add.reduceat(column, starts) if len(starts) else np.array([])

    n = total(given.astype(float))
    sx, sy, sxx, sxy = total(x), total(y), total(x * x), total(x * y)
    denominator = n * sxx - sx**2
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(denominator != 0, (n * sxy - sx * sy) / denominator, np.nan)
    intercept = (sy - slope * sx) / n
    enough = n >= MIN_POINTS
    return {
        name: np.where(enough, column, np.nan)
        for name, column in (
            ("slope", slope),
            ("intercept", intercept),
            ("origin", origin),
            ("forecast_points", n),
        )
    }


def forecast_at(fitted: pd.DataFrame, ordinal: pd.Series) -> pd.Series:
    """The fitted line's value at ``ordinal`` (a period count), per indicator."""
    at = ordinal.reindex(fitted.index).to_numpy(dtype=float)
    return pd.Series(line_values(fitted, at), index=fitted.index)


def line_values(fitted: Columns, ordinal: np.ndarray) -> np.ndarray:
    """Each fitted line's value at ``ordinal``."""
    intercept, slope, origin = (
        np.asarray(fitted[c], dtype=float) for c in ("intercept", "slope", "origin")
    )
    values: np.ndarray = intercept + slope * (ordinal - origin)
    return values
