"""A least-squares line through the recent points, read at the target period.

This is the Results-Based Accountability "baseline with forecast": where the
curve goes if nothing changes, which the plan must turn.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MIN_POINTS = 3


def recent_points(series: pd.DataFrame, segment_start: pd.Series, window: int) -> pd.DataFrame:
    """The last ``window`` points of each indicator's current SPC segment."""
    start = series["indicator_id"].map(segment_start).fillna(-np.inf)
    current = series[series["ordinal"] >= start]
    return current.groupby("indicator_id", sort=False).tail(window)


def fit_lines(points: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: slope and intercept of value on ordinal, by grouped sums (no loop)."""
    # Centre x on each group's first ordinal so the sums stay small and exact.
    origin = points.groupby("indicator_id", sort=False)["ordinal"].transform("min").astype(float)
    x = points["ordinal"].astype(float) - origin
    y = points["value"].astype(float)
    sums = (
        pd.DataFrame(
            {
                "indicator_id": points["indicator_id"],
                "x": x,
                "y": y,
                "xx": x * x,
                "xy": x * y,
                "n": 1.0,
            }
        )
        .groupby("indicator_id", sort=False)
        .sum()
    )
    n = sums["n"]
    denominator = n * sums["xx"] - sums["x"] ** 2
    slope = ((n * sums["xy"] - sums["x"] * sums["y"]) / denominator).where(denominator != 0)
    intercept = (sums["y"] - slope * sums["x"]) / n
    origin_by_group = origin.groupby(points["indicator_id"], sort=False).first()
    fitted = pd.DataFrame(
        {"slope": slope, "intercept": intercept, "origin": origin_by_group, "forecast_points": n}
    )
    return fitted.where(n >= MIN_POINTS)


def forecast_at(fitted: pd.DataFrame, ordinal: pd.Series) -> pd.Series:
    """The fitted line's value at ``ordinal`` (a period count), per indicator."""
    x = ordinal.reindex(fitted.index) - fitted["origin"]
    return fitted["intercept"] + fitted["slope"] * x
