"""Data-quality flags: reasons to distrust or question a figure before acting on it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cipms_cli.periods import Frequency, Period, containing


@dataclass(frozen=True)
class Flag:
    code: str
    message: str


FlagMap = dict[str, list[Flag]]


def missing_periods(series: pd.DataFrame) -> FlagMap:
    """Gaps in each indicator's run of periods (``series`` sorted by indicator, then period)."""
    flags: FlagMap = defaultdict(list)
    ids, ordinals = series["indicator_id"].to_numpy(), series["ordinal"].to_numpy()
    runs = series["run"].to_numpy() if "run" in series else ids
    steps = np.diff(ordinals)
    after_gap = np.flatnonzero((runs[1:] == runs[:-1]) & (steps > 1))  # index of the row before
    periods = series["period"].to_numpy()
    for ind, period, step in zip(
        ids[after_gap + 1], periods[after_gap + 1], steps[after_gap].tolist(), strict=True
    ):
        missing = [period.shift(-k).label for k in range(int(step) - 1, 0, -1)]
        flags[ind].append(
            Flag("missing-periods", f"no figure for {', '.join(missing)}; the series has a gap")
        )
    return flags


def stale(latest: pd.Series, frequency: pd.Series, as_of: dt.date | None) -> FlagMap:
    """The latest period is more than one period before the as-of date."""
    flags: FlagMap = defaultdict(list)
    if as_of is None:
        return flags
    latest = latest.dropna()
    current_of: dict[tuple[str, int], Period] = {}
    for ind, period, freq in zip(
        latest.index, latest.to_numpy(), frequency.reindex(latest.index).to_numpy(), strict=True
    ):
        key = (freq, period.fiscal_start)
        if key not in current_of:
            current_of[key] = containing(as_of, Frequency(freq), period.fiscal_start)
        current = current_of[key]
        behind = current - period if current.fiscal_start == period.fiscal_start else 0
        if behind > 1:
            flags[str(ind)].append(
                Flag(
                    "stale-data",
                    f"the latest figure is for {period.label}, {behind} periods before "
                    f"{current.label}; ask for the missing returns",
                )
            )
    return flags


def small_denominators(latest_denominator: pd.Series, threshold: float) -> FlagMap:
    flags: FlagMap = defaultdict(list)
    small = latest_denominator[latest_denominator.notna() & (latest_denominator < threshold)]
    for ind, den in small.items():
        flags[str(ind)].append(
            Flag(
                "small-denominator",
                f"the latest figure rests on a denominator of {den:g} (below {threshold:g}); "
                "one person more or less moves it a lot",
            )
        )
    return flags


def outliers(points: pd.DataFrame) -> FlagMap:
    outside = points[points["rule"] == "outside_limits"]
    labels: dict[str, list[str]] = defaultdict(list)
    for ind, period in zip(outside["indicator_id"], outside["period"], strict=True):
        labels[str(ind)].append(period.label)
    flags: FlagMap = defaultdict(list)
    for ind, found in labels.items():
        flags[ind].append(
            Flag(
                "special-cause-outlier",
                f"{', '.join(found)} outside the process limits: check the figure, then the cause",
            )
        )
    return flags


def trial_limits(summary: pd.DataFrame, minimum: int) -> FlagMap:
    flags: FlagMap = defaultdict(list)
    for ind, n in summary.loc[summary["trial_limits"].astype(bool), "n_points"].items():
        flags[str(ind)].append(
            Flag(
                "trial-limits",
                f"process limits rest on {int(n)} points (fewer than {minimum}); treat them as "
                "trial limits",
            )
        )
    return flags


def unlinked(indicators: pd.DataFrame, outcome_ids: set[str]) -> FlagMap:
    flags: FlagMap = defaultdict(list)
    for ind, oid in zip(indicators["indicator_id"], indicators["outcome_id"], strict=True):
        if oid is None or oid not in outcome_ids:
            flags[ind].append(Flag("no-outcome", "the indicator is linked to no outcome statement"))
    return flags


def single(indicator_ids: list[str], code: str, message: str) -> FlagMap:
    flags: FlagMap = defaultdict(list)
    for ind in indicator_ids:
        flags[ind].append(Flag(code, message))
    return flags


def merge(*maps: FlagMap) -> FlagMap:
    merged: FlagMap = defaultdict(list)
    for flag_map in maps:
        for ind, flags in flag_map.items():
            merged[ind].extend(flags)
    return merged
