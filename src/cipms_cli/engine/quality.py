"""Data-quality flags: reasons to distrust or question a figure before acting on it."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

import numpy as np
import pandas as pd

from cipms_cli.engine.series import Columns
from cipms_cli.periods import Frequency, Period, containing


@dataclass(frozen=True)
class Flag:
    code: str
    message: str


FlagMap = dict[str, list[Flag]]


def missing_periods(series: Columns) -> FlagMap:
    """Gaps in each indicator's run of periods (``series`` sorted by indicator, then period)."""
    flags: FlagMap = defaultdict(list)
    ids, ordinals = np.asarray(series["indicator_id"]), np.asarray(series["ordinal"])
    runs = np.asarray(series["run"]) if "run" in series else ids
    steps = np.diff(ordinals)
    after_gap = np.flatnonzero((runs[1:] == runs[:-1]) & (steps > 1))  # index of the row before
    periods = np.asarray(series["period"])
    for ind, period, step in zip(
        ids[after_gap + 1], periods[after_gap + 1], steps[after_gap].tolist(), strict=True
    ):
        missing = [period.shift(-k).label for k in range(int(step) - 1, 0, -1)]
        flags[ind].append(
            Flag("missing-periods", f"no figure for {', '.join(missing)}; the series has a gap")
        )
    return flags


def stale(
    ids: np.ndarray, latest: np.ndarray, frequency: np.ndarray, as_of: dt.date | None
) -> FlagMap:
    """The latest period is more than one period before the as-of date.

    One entry per indicator: its id, latest Period (None without one) and frequency.
    """
    flags: FlagMap = defaultdict(list)
    if as_of is None:
        return flags
    current_of: dict[tuple[str, int], Period] = {}
    for ind, period, freq in zip(ids, latest, frequency, strict=True):
        if not isinstance(period, Period):
            continue
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


def small_denominators(
    ids: np.ndarray, latest_denominator: np.ndarray, threshold: float
) -> FlagMap:
    flags: FlagMap = defaultdict(list)
    with np.errstate(invalid="ignore"):
        small = np.flatnonzero(latest_denominator < threshold)  # NaN is never small
    for ind, den in zip(ids[small], latest_denominator[small].tolist(), strict=True):
        flags[str(ind)].append(
            Flag(
                "small-denominator",
                f"the latest figure rests on a denominator of {den:g} (below {threshold:g}); "
                "one person more or less moves it a lot",
            )
        )
    return flags


def outliers(ids: np.ndarray, periods: np.ndarray, rule: np.ndarray) -> FlagMap:
    """Points outside the process limits; one entry per SPC point."""
    outside = np.flatnonzero(rule == "outside_limits")
    labels: dict[str, list[str]] = defaultdict(list)
    for ind, period in zip(ids[outside], periods[outside], strict=True):
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


def trial_limits(ids: np.ndarray, trial: np.ndarray, n_points: np.ndarray, minimum: int) -> FlagMap:
    """Charts on trial limits; one entry per SPC chart."""
    flags: FlagMap = defaultdict(list)
    on_trial = np.flatnonzero(trial)
    for ind, n in zip(ids[on_trial], n_points[on_trial].tolist(), strict=True):
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
