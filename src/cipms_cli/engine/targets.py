"""Baseline, latest, target, gap, progress and status against target (docs/method.md).

Every function works on whole columns, one row per indicator, so that thousands of
indicators cost milliseconds and a few dozen cost microseconds.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from cipms_cli.engine.series import Columns, floats
from cipms_cli.periods import Period
from cipms_cli.settings import StatusOptions


class Status:
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_TARGET = "no_target"
    NO_DATA = "no_data"


def is_period(values: np.ndarray) -> np.ndarray:
    """True where a cell of an object column holds a Period (not None or NaN)."""
    return np.fromiter((isinstance(v, Period) for v in values), dtype=bool, count=len(values))


def ordinals(periods: np.ndarray) -> np.ndarray:
    """The ordinal of each Period; NaN where there is none."""
    return np.array([p.ordinal if isinstance(p, Period) else np.nan for p in periods], dtype=float)


def series_ends(series: Columns, starts: np.ndarray, stops: np.ndarray) -> dict[str, np.ndarray]:
    """Per run of the series (sorted by indicator, then period): the first and last point,
    and the count of points."""
    first, last = starts, stops - 1
    period, value, ordinal = series["period"], series["value"], series["ordinal"]
    return {
        "first_period": period[first],
        "first_value": value[first],
        "first_ordinal": ordinal[first],
        "latest_period": period[last],
        "latest_value": value[last],
        "latest_ordinal": ordinal[last],
        "latest_denominator": series["denominator"][last],
        "n_points": stops - starts,
    }


def baseline_figures(table: Columns, at_period: np.ndarray) -> dict[str, np.ndarray]:
    """baseline_value/baseline_period if given; else the value at baseline_period; else the
    first result.

    ``table`` has the given baseline_period and baseline_value and the first_period and
    first_value of each indicator; ``at_period`` is the value at the given baseline period
    (NaN where there is none).
    """
    given_period = np.asarray(table["baseline_period"], dtype=object)
    has_period = is_period(given_period)
    given = floats(table["baseline_value"])
    typed = ~np.isnan(given)
    found = ~typed & ~np.isnan(at_period)
    period = np.where((typed | found) & has_period, given_period, table["first_period"])
    return {
        "baseline_value": np.where(typed, given, np.where(found, at_period, table["first_value"])),
        "baseline_period": period,
        "baseline_source": np.where(
            typed, "given", np.where(found, "baseline_period", "first_result")
        ).astype(object),
        "baseline_missing": ~typed & has_period & np.isnan(at_period),
        "baseline_ordinal": ordinals(period),
    }


def direction_sign(direction: Any) -> np.ndarray:
    """+1 where higher is better, -1 where lower is better, NaN for neutral."""
    direction = np.asarray(direction, dtype=object)
    return np.select([direction == "increase", direction == "decrease"], [1.0, -1.0], np.nan)


def compare_with_target(frame: pd.DataFrame, options: StatusOptions) -> pd.DataFrame:
    """``frame`` with the columns of ``target_figures`` added."""
    figures = target_figures(frame, options)
    # An explicit dtype keeps None as None in the status (pandas would read text as str).
    return frame.assign(
        **{name: pd.Series(v, index=frame.index, dtype=v.dtype) for name, v in figures.items()}
    )


def target_figures(table: Columns, options: StatusOptions) -> dict[str, np.ndarray]:
    """Gap, progress, change, percent_of_target, trajectory, tolerance_used and status.

    ``table`` needs direction, target_value, target_ordinal, tolerance, baseline_value,
    baseline_ordinal, latest_value and latest_ordinal.
    """
    sign = direction_sign(table["direction"])
    latest, base, target = (
        floats(table[c]) for c in ("latest_value", "baseline_value", "target_value")
    )
    span = target - base
    trajectory = _trajectory(table, base, target)
    with np.errstate(divide="ignore", invalid="ignore"):
        gap = (target - latest) * sign
        progress = np.where(span != 0, (latest - base) / span, np.nan)
        change_pct = np.where(base != 0, (latest - base) / np.abs(base) * 100, np.nan)
        percent_of_target = np.where(target != 0, latest / target * 100, np.nan)
    shortfall = (trajectory - latest) * sign
    tolerance = floats(table["tolerance"])
    tolerance = np.where(
        np.isnan(tolerance), np.abs(span) * options.default_tolerance_pct / 100, tolerance
    )
    status = np.select(
        [
            np.isnan(latest),
            np.isnan(target) | np.isnan(sign),
            gap <= 0,
            shortfall <= 0,
            shortfall <= tolerance,
        ],
        [Status.NO_DATA, Status.NO_TARGET, Status.MET, Status.ON_TRACK, Status.AT_RISK],
        default=Status.OFF_TRACK,
    ).astype(object)
    neutral = np.isnan(sign)
    status[neutral & ~np.isnan(latest)] = None
    gap[neutral] = np.nan
    return {
        "gap": gap,
        "progress": progress,
        "change_from_baseline": latest - base,
        "change_from_baseline_pct": change_pct,
        "percent_of_target": percent_of_target,
        "trajectory": trajectory,
        "tolerance_used": tolerance,
        "status": status,
    }


def _trajectory(table: Columns, base: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The straight line from baseline to target, read at the latest period."""
    base_t, target_t, latest_t = (
        floats(table[c]) for c in ("baseline_ordinal", "target_ordinal", "latest_ordinal")
    )
    length = target_t - base_t
    with np.errstate(divide="ignore", invalid="ignore"):
        fraction = np.clip(np.where(length > 0, (latest_t - base_t) / length, 1.0), 0, 1)
    return base + (target - base) * fraction
