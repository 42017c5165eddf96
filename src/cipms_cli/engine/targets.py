"""Baseline, latest, target, gap, progress and status against target (docs/method.md).

All functions take and return DataFrames with one row per indicator; they are
vectorised so that thousands of indicators cost milliseconds.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from cipms_cli.engine.series import indicator_runs
from cipms_cli.settings import StatusOptions


class Status:
    MET = "met"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"
    NO_TARGET = "no_target"
    NO_DATA = "no_data"


def latest_points(series: pd.DataFrame) -> pd.DataFrame:
    """Per indicator: the first and last period with a value, and the count of points."""
    ids, starts, stops = indicator_runs(series)  # sorted by indicator, then period
    first, last = series.iloc[starts], series.iloc[stops - 1]
    return pd.DataFrame(
        {
            "first_period": first["period"].to_numpy(),
            "first_value": first["value"].to_numpy(),
            "first_ordinal": first["ordinal"].to_numpy(),
            "latest_period": last["period"].to_numpy(),
            "latest_value": last["value"].to_numpy(),
            "latest_ordinal": last["ordinal"].to_numpy(),
            "latest_denominator": last["denominator"].to_numpy(),
            "n_points": stops - starts,
        },
        index=pd.Index(ids[starts], name="indicator_id"),
    )


def baselines(indicators: pd.DataFrame, series: pd.DataFrame) -> pd.DataFrame:
    """baseline_value/baseline_period if given; else the value at baseline_period; else the first."""
    ends = latest_points(series)
    frame = indicators.set_index("indicator_id")[["baseline_period", "baseline_value"]].join(ends)
    at_period = _value_at(series, frame["baseline_period"])
    typed = frame["baseline_value"].notna()
    found = ~typed & at_period.notna()
    out = pd.DataFrame(index=frame.index)
    out["baseline_value"] = np.where(
        typed, frame["baseline_value"], np.where(found, at_period, frame["first_value"])
    )
    out["baseline_period"] = np.where(
        (typed | found) & frame["baseline_period"].notna(),
        frame["baseline_period"],
        frame["first_period"],
    )
    out["baseline_source"] = np.where(
        typed, "given", np.where(found, "baseline_period", "first_result")
    )
    out["baseline_missing"] = ~typed & frame["baseline_period"].notna() & at_period.isna()
    out["baseline_ordinal"] = [
        p.ordinal if p is not None and p == p else np.nan for p in out["baseline_period"]
    ]
    return out.join(ends)


def _value_at(series: pd.DataFrame, periods: pd.Series) -> pd.Series:
    wanted = pd.DataFrame({"indicator_id": periods.index, "period": periods.to_numpy()}).dropna()
    if wanted.empty:
        return pd.Series(np.nan, index=periods.index, dtype=float)
    wanted["ordinal"] = [p.ordinal for p in wanted["period"]]
    merged = wanted.merge(
        series[["indicator_id", "ordinal", "value"]], on=["indicator_id", "ordinal"], how="left"
    )
    return merged.set_index("indicator_id")["value"].reindex(periods.index)


def _sign(direction: pd.Series) -> np.ndarray:
    """+1 where higher is better, -1 where lower is better, NaN for neutral."""
    return direction.map({"increase": 1.0, "decrease": -1.0}).astype(float).to_numpy()


def compare_with_target(frame: pd.DataFrame, options: StatusOptions) -> pd.DataFrame:
    """Add gap, progress, change, percent_of_target, trajectory and status.

    ``frame`` needs direction, target_value, target_ordinal, tolerance, baseline_value,
    baseline_ordinal, latest_value and latest_ordinal.
    """
    out = frame.copy()
    sign = _sign(out["direction"].astype(str))
    latest, base, target = out["latest_value"], out["baseline_value"], out["target_value"]
    span = target - base
    out["gap"] = (target - latest) * sign
    out["progress"] = ((latest - base) / span).where(span != 0)
    out["change_from_baseline"] = latest - base
    out["change_from_baseline_pct"] = ((latest - base) / base.abs() * 100).where(base != 0)
    out["percent_of_target"] = (latest / target * 100).where(target != 0)
    out["trajectory"] = _trajectory(out)
    shortfall = (out["trajectory"] - latest) * sign
    tolerance = out["tolerance"].where(
        out["tolerance"].notna(), span.abs() * options.default_tolerance_pct / 100
    )
    out["tolerance_used"] = tolerance
    status = np.select(
        [
            latest.isna(),
            target.isna() | np.isnan(sign),
            out["gap"] <= 0,
            shortfall <= 0,
            shortfall <= tolerance,
        ],
        [Status.NO_DATA, Status.NO_TARGET, Status.MET, Status.ON_TRACK, Status.AT_RISK],
        default=Status.OFF_TRACK,
    )
    out["status"] = pd.Series(status, index=out.index, dtype=object)
    out.loc[np.isnan(sign) & latest.notna(), "status"] = None
    out.loc[np.isnan(sign), "gap"] = np.nan
    return out


def _trajectory(frame: pd.DataFrame) -> pd.Series:
    """The straight line from baseline to target, read at the latest period."""
    base_t, target_t, latest_t = (
        frame["baseline_ordinal"],
        frame["target_ordinal"],
        frame["latest_ordinal"],
    )
    length = target_t - base_t
    fraction = ((latest_t - base_t) / length).where(length > 0, 1.0).clip(lower=0, upper=1)
    return frame["baseline_value"] + (frame["target_value"] - frame["baseline_value"]) * fraction
