"""A least-squares line through the recent points, read at the target period.

This is the Results-Based Accountability "baseline with forecast": where the
curve goes if nothing changes, which the plan must turn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cipms_cli.engine.series import indicator_runs

MIN_POINTS = 3


def recent_points(series: pd.DataFrame, segment_start: pd.Series, window: int) -> pd.DataFrame:
    """The last ``window`` points of each indicator's current SPC segment.

    ``series`` is sorted by indicator, then period, as ``build_series`` makes it.
    """
    ids, starts, stops = indicator_runs(series)
    first_ordinal = segment_start.reindex(ids[starts]).fillna(-np.inf).to_numpy(dtype=float)
    current = series["ordinal"].to_numpy() >= np.repeat(first_ordinal, stops - starts)
    # Count the current points from the end of each run; keep the last ``window`` of them.
    kept = np.r_[0, np.cumsum(current)]
    from_end = np.repeat(kept[stops], stops - starts) - kept[1:]
    return series[current & (from_end < window)]


def fit_lines(points: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: slope and intercept of value on ordinal, from sums over each sorted
    run of points (no loop)."""
    ids, starts, stops = indicator_runs(points)
    ordinal = points["ordinal"].to_numpy(dtype=float)
    # Centre x on each run's first ordinal so the sums stay small and exact.
    origin = ordinal[starts] if len(starts) else np.array([])
    y = points["value"].to_numpy(dtype=float)
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
    fitted = pd.DataFrame(
        {"slope": slope, "intercept": intercept, "origin": origin, "forecast_points": n},
        index=pd.Index(ids[starts], name="indicator_id"),
    )
    return fitted.where(fitted["forecast_points"] >= MIN_POINTS)


def forecast_at(fitted: pd.DataFrame, ordinal: pd.Series) -> pd.Series:
    """The fitted line's value at ``ordinal`` (a period count), per indicator."""
    x = ordinal.reindex(fitted.index) - fitted["origin"]
    return fitted["intercept"] + fitted["slope"] * x
