"""Turn validated Results into one ordered series per indicator."""

from __future__ import annotations

import datetime as dt

import pandas as pd

SERIES_COLUMNS = ["indicator_id", "period", "ordinal", "end", "value", "numerator", "denominator"]


def build_series(results: pd.DataFrame, as_of: dt.date | None = None) -> pd.DataFrame:
    """One row per (indicator, period) up to ``as_of``, ordered by period.

    ``ordinal`` counts periods of the indicator's own frequency, so that
    differences of ordinals are numbers of periods.
    """
    if results.empty:
        return pd.DataFrame(columns=SERIES_COLUMNS)
    frame = results[["indicator_id", "period", "value", "numerator", "denominator"]].copy()
    frame["ordinal"] = [p.ordinal for p in frame["period"]]
    frame["end"] = [p.end for p in frame["period"]]
    if as_of is not None:
        frame = frame[frame["end"] <= as_of]
    frame = frame.astype({"value": float, "numerator": float, "denominator": float})
    frame = frame.sort_values(["indicator_id", "ordinal"], kind="stable")
    return frame[SERIES_COLUMNS].reset_index(drop=True)
