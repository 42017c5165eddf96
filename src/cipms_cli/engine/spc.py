"""Statistical process control (XmR) as in NHS England's "Making Data Count".

Reproduces the calculations of the R package NHSRplotthedots v0.2.2 with its default
options (``R/ptd_spc_standard.R``, ``R/ptd_calculate_point_type.R``,
``R/ptd_calculate_assurance_type.R``, ``R/ptd_add_short_group_warnings.R``); see
docs/method.md for the method and for where this module deliberately differs.

All work is done on numpy arrays of the rows sorted by (key, position), so one pass
handles thousands of indicators at once. Pure functions: no I/O, no printing.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cipms_cli.engine.series import changes, shift
from cipms_cli.values import optional_float

INCREASE = "increase"
DECREASE = "decrease"
NEUTRAL = "neutral"
DIRECTIONS = (INCREASE, DECREASE, NEUTRAL)
_DIRECTION_SIGN = {INCREASE: 1, DECREASE: -1, NEUTRAL: 0}

LIMIT_FACTOR = 2.66
NEAR_LIMIT_FACTOR = 2 * (LIMIT_FACTOR / 3)
OUTLIER_SCREEN_FACTOR = 3.267
MIN_FIX_AFTER = 12
ALLOWED_RUN_POINTS = (6, 7)

RULE_OUTSIDE_LIMITS = "outside_limits"
RULE_TREND = "trend"
RULE_TWO_OF_THREE = "two_of_three"
RULE_SHIFT = "shift"

COMMON_CAUSE = "common_cause"
SPECIAL_CAUSE_IMPROVEMENT = "special_cause_improvement"
SPECIAL_CAUSE_CONCERN = "special_cause_concern"
SPECIAL_CAUSE_NEUTRAL_HIGH = "special_cause_neutral_high"
SPECIAL_CAUSE_NEUTRAL_LOW = "special_cause_neutral_low"

CONSISTENT_PASS = "consistent_pass"
CONSISTENT_FAIL = "consistent_fail"
INCONSISTENT = "inconsistent"

INPUT_COLUMNS = ("key", "position", "value", "segment", "direction", "target", "fix_after")
POINT_COLUMNS = ("mean", "lpl", "upl", "point_type", "rule")
SUMMARY_COLUMNS = (
    "mean",
    "lpl",
    "upl",
    "variation",
    "assurance",
    "trial_limits",
    "n_points",
    "segment_points",
)

# Rule codes, in order of precedence (lower wins), and their names.
_NO_RULE, _OUTSIDE, _TREND, _TWO_OF_THREE, _SHIFT = 0, 1, 2, 3, 4
_RULE_NAMES = np.array(
    [None, RULE_OUTSIDE_LIMITS, RULE_TREND, RULE_TWO_OF_THREE, RULE_SHIFT], dtype=object
)


@dataclass(frozen=True)
class SpcSettings:
    """Options of the Making Data Count tools; defaults are NHSRplotthedots v0.2.2's."""

    screen_outliers: bool = True
    shift_points: int = 7
    trend_points: int = 7
    # NHSRplotthedots counts only points between 2 and 3 sigma ("close_to_limits" excludes
    # points outside the limits), so a point beyond the limits never helps a two-of-three.
    two_of_three_counts_beyond_limits: bool = False
    trial_limit_points: int = 13

    def __post_init__(self) -> None:
        for name in ("shift_points", "trend_points"):
            if getattr(self, name) not in ALLOWED_RUN_POINTS:
                raise ValueError(f"{name} must be 6 or 7, got {getattr(self, name)!r}")
        if self.trial_limit_points < 1:
            raise ValueError("trial_limit_points must be at least 1")


@dataclass(frozen=True)
class SpcPoint:
    position: int
    value: float | None
    mean: float | None
    lpl: float | None
    upl: float | None
    point_type: str | None
    rule: str | None


@dataclass(frozen=True)
class SpcResult:
    mean: float | None
    lpl: float | None
    upl: float | None
    variation: str | None
    assurance: str | None
    trial_limits: bool
    points: list[SpcPoint]


def xmr(
    values: Sequence[float | None] | np.ndarray,
    direction: str = NEUTRAL,
    target: float | None = None,
    rebase_at: Sequence[int] = (),
    fix_after: int | None = None,
    settings: SpcSettings = SpcSettings(),
) -> SpcResult:
    """XmR chart of one series. ``rebase_at``: positions where a new process began."""
    _check_direction(direction)
    _check_fix_after(np.array([np.nan if fix_after is None else fix_after], dtype=float))
    series = np.asarray([np.nan if v is None else v for v in values], dtype=float)
    n = series.size
    bad_rebase = [p for p in rebase_at if not 0 <= p < max(n, 1)]
    if bad_rebase:
        raise ValueError(f"rebase_at positions outside the series: {bad_rebase}")
    positions = np.arange(n)
    starts = np.array(sorted(set(rebase_at)), dtype=int)
    frame = pd.DataFrame(
        {
            "key": np.zeros(n, dtype=int),
            "position": positions,
            "value": series,
            "segment": np.searchsorted(starts, positions, side="right"),
            "direction": [direction] * n,
            "target": np.full(n, np.nan if target is None else float(target)),
            "fix_after": np.full(n, np.nan if fix_after is None else float(fix_after)),
        }
    )
    point_frame, summary = spc_frame(frame, settings)
    if summary.empty:
        return SpcResult(None, None, None, None, None, True, [])
    row = summary.iloc[0]
    return SpcResult(
        mean=optional_float(row["mean"]),
        lpl=optional_float(row["lpl"]),
        upl=optional_float(row["upl"]),
        variation=row["variation"],
        assurance=row["assurance"],
        trial_limits=bool(row["trial_limits"]),
        points=_points(point_frame),
    )


def _points(point_frame: pd.DataFrame) -> list[SpcPoint]:
    columns = ("position", "value", "mean", "lpl", "upl", "point_type", "rule")
    return [
        SpcPoint(
            position=int(position),
            value=optional_float(value),
            mean=optional_float(mean),
            lpl=optional_float(lpl),
            upl=optional_float(upl),
            point_type=point_type,
            rule=rule,
        )
        for position, value, mean, lpl, upl, point_type, rule in zip(
            *(point_frame[c].tolist() for c in columns), strict=True
        )
    ]


def spc_frame(
    points: pd.DataFrame, settings: SpcSettings = SpcSettings()
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """XmR for many series at once.

    points: one row per (key, position), in any order, with columns
      key (hashable group id), position (int order within key), value (float, NaN = missing),
      segment (int rebase segment, non-decreasing with position within key),
      direction ('increase' | 'decrease' | 'neutral', constant within key),
      target (float or NaN, constant within key), fix_after (number or NaN, constant within key).
    Returns (point_frame, summary_frame):
      point_frame: the input rows, in the input order, plus mean, lpl, upl, point_type, rule;
      summary_frame: indexed by key, with mean, lpl, upl (latest segment), variation,
      assurance, trial_limits, n_points (non-missing values) and segment_points
      (non-missing values in the latest segment).
    """
    missing = [c for c in INPUT_COLUMNS if c not in points.columns]
    if missing:
        raise ValueError(f"points is missing columns: {missing}")
    key_codes, keys = _factorize_keys(points["key"])
    charts = xmr_charts(
        key_codes,
        points["position"].to_numpy(),
        points["segment"].to_numpy(),
        _numbers(points["value"]),
        _numbers(points["target"]),
        _numbers(points["fix_after"]),
        points["direction"].to_numpy(dtype=object),
        settings,
    )
    point_frame = points.assign(**_columns(charts.points, points.index))
    summary = pd.DataFrame(_columns(charts.summary, keys), index=keys)
    summary.index.name = "key"
    return point_frame, summary


@dataclass(frozen=True)
class XmrCharts:
    """The charts of many series: ``POINT_COLUMNS`` per point, in the input order, and
    ``SUMMARY_COLUMNS`` per key, in the order of the key codes."""

    points: dict[str, np.ndarray]
    summary: dict[str, np.ndarray]


# The column types of the charts, which an empty input must keep too.
_POINT_TYPES = {"mean": float, "lpl": float, "upl": float, "point_type": object, "rule": object}
_SUMMARY_TYPES = {
    "mean": float,
    "lpl": float,
    "upl": float,
    "variation": object,
    "assurance": object,
    "trial_limits": bool,
    "n_points": int,
    "segment_points": int,
}


def xmr_charts(
    key: np.ndarray,
    position: np.ndarray,
    segment: np.ndarray,
    value: np.ndarray,
    target: np.ndarray,
    fix_after: np.ndarray,
    direction: np.ndarray,
    settings: SpcSettings = SpcSettings(),
) -> XmrCharts:
    """``spc_frame`` on arrays, one entry per point, in any order: ``key`` numbers the
    series 0..n-1 (each used); ``value``, ``target`` and ``fix_after`` are floats."""
    if len(key) == 0:
        return XmrCharts(
            {c: np.array([], dtype=t) for c, t in _POINT_TYPES.items()},
            {c: np.array([], dtype=t) for c, t in _SUMMARY_TYPES.items()},
        )
    layout = _Layout.build(key, position, segment)
    y = value[layout.order]
    valid = ~np.isnan(y)
    improvement = layout.per_key_direction(direction)
    target = layout.per_key_first(target[layout.order])
    fix_after = layout.per_key_first(fix_after[layout.order])
    _check_fix_after(fix_after)

    limits = _segment_limits(y, valid, layout, fix_after[layout.key_id], settings)
    rule, signal = _special_causes(y, valid, layout, limits, settings)
    point_code = _point_type_codes(rule, signal, improvement[layout.key_id], valid)

    unsort = layout.inverse_order
    points = {
        "mean": limits.mean[layout.seg_id][unsort],
        "lpl": limits.lpl[layout.seg_id][unsort],
        "upl": limits.upl[layout.seg_id][unsort],
        "point_type": _point_type_names(point_code)[unsort],
        "rule": _rule_names(rule)[unsort],
    }
    summary = _summary(layout, valid, limits, point_code, improvement, target, settings)
    return XmrCharts(points, summary)


@dataclass(frozen=True)
class _Layout:
    """Rows sorted by (key, position), with segment and key bookkeeping."""

    order: np.ndarray  # sorted row -> input row
    inverse_order: np.ndarray  # input row -> sorted row
    n_keys: int
    key_id: np.ndarray
    seg_id: np.ndarray
    seg_start: np.ndarray  # True on the first row of each segment
    key_start_rows: np.ndarray  # first sorted row of each key
    key_end_rows: np.ndarray  # last sorted row of each key
    n_segments: int

    @classmethod
    def build(cls, key_codes: np.ndarray, position: np.ndarray, segment: np.ndarray) -> _Layout:
        order = np.lexsort((position, key_codes))
        key_id = key_codes[order]
        sorted_position = position[order]
        segment = segment[order]
        new_key = changes(key_id)
        if np.any(~new_key & ~changes(sorted_position)):
            raise ValueError("points has duplicate (key, position) rows")
        if np.any(~new_key & (np.diff(segment, prepend=segment[:1]) < 0)):
            raise ValueError("segment must not decrease as position increases within a key")
        seg_start = new_key | changes(segment)
        seg_id = np.cumsum(seg_start) - 1
        key_start_rows = np.flatnonzero(new_key)
        inverse_order = np.empty_like(order)
        inverse_order[order] = np.arange(order.size)
        return cls(
            order=order,
            inverse_order=inverse_order,
            n_keys=len(key_start_rows),
            key_id=key_id,
            seg_id=seg_id,
            seg_start=seg_start,
            key_start_rows=key_start_rows,
            key_end_rows=shift(key_start_rows, -1, order.size) - 1,
            n_segments=int(seg_id[-1]) + 1,
        )

    def per_key_first(self, sorted_values: np.ndarray) -> np.ndarray:
        return sorted_values[self.key_start_rows]

    def per_key_direction(self, direction: np.ndarray) -> np.ndarray:
        directions = direction[self.order]
        per_key = directions[self.key_start_rows]
        mixed = np.any(directions != per_key[self.key_id])
        unknown = sorted(
            {str(d) for d in set(directions if mixed else per_key) if d not in _DIRECTION_SIGN}
        )
        if unknown:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {unknown}")
        if mixed:
            raise ValueError("direction must be constant within a key")
        return np.array([_DIRECTION_SIGN[d] for d in per_key], dtype=int)

    def segment_sum(self, weights: np.ndarray) -> np.ndarray:
        return np.bincount(self.seg_id, weights=weights, minlength=self.n_segments)

    def segment_mean(self, values: np.ndarray, include: np.ndarray) -> np.ndarray:
        total = self.segment_sum(np.where(include, values, 0.0))
        count = self.segment_sum(include.astype(float))
        return np.divide(total, count, out=np.full(self.n_segments, np.nan), where=count > 0)

    def previous(self, values: np.ndarray, fill: Any) -> np.ndarray:
        """Each row's predecessor within its segment (``fill`` on a segment's first row)."""
        return np.where(self.seg_start, fill, shift(values, 1, fill))

    def next(self, values: np.ndarray, fill: Any) -> np.ndarray:
        """Each row's successor within its segment (``fill`` on a segment's last row)."""
        return np.where(shift(self.seg_start, -1, True), fill, shift(values, -1, fill))


@dataclass(frozen=True)
class _Limits:
    """Per segment: centre line, process limits and the 2-sigma lines."""

    mean: np.ndarray
    lpl: np.ndarray
    upl: np.ndarray
    near_lower: np.ndarray
    near_upper: np.ndarray
    valid_points: np.ndarray


def _segment_limits(
    y: np.ndarray,
    valid: np.ndarray,
    layout: _Layout,
    fix_after_row: np.ndarray,
    settings: SpcSettings,
) -> _Limits:
    baseline = _baseline(valid, layout, fix_after_row)
    mean = layout.segment_mean(y, baseline)
    # A moving range needs two consecutive baseline points; a gap breaks it, as in the R package.
    has_range = baseline & layout.previous(baseline, False)
    moving_range = np.abs(y - layout.previous(y, np.nan))
    mean_range = layout.segment_mean(moving_range, has_range)
    if settings.screen_outliers:
        row_mean_range = mean_range[layout.seg_id]
        # The package drops every range when they are all zero (leaving no limits); keeping
        # them gives limits equal to the mean for a constant series instead.
        kept = has_range & (
            (moving_range < OUTLIER_SCREEN_FACTOR * row_mean_range) | (row_mean_range == 0)
        )
        mean_range = layout.segment_mean(moving_range, kept)
    return _Limits(
        mean=mean,
        lpl=mean - LIMIT_FACTOR * mean_range,
        upl=mean + LIMIT_FACTOR * mean_range,
        near_lower=mean - NEAR_LIMIT_FACTOR * mean_range,
        near_upper=mean + NEAR_LIMIT_FACTOR * mean_range,
        valid_points=layout.segment_sum(valid.astype(float)).astype(int),
    )


def _baseline(valid: np.ndarray, layout: _Layout, fix_after_row: np.ndarray) -> np.ndarray:
    """Points the limits are computed from: the first ``fix_after`` values of each segment."""
    running = np.cumsum(valid)
    before_segment = (running - valid)[layout.seg_start]
    rank = running - before_segment[layout.seg_id]
    with np.errstate(invalid="ignore"):
        beyond_fix = rank > fix_after_row  # NaN fix_after compares False: no fixing
    return valid & ~beyond_fix


def _special_causes(
    y: np.ndarray,
    valid: np.ndarray,
    layout: _Layout,
    limits: _Limits,
    settings: SpcSettings,
) -> tuple[np.ndarray, np.ndarray]:
    """Winning rule code per row and the signal's side (+1 high, -1 low, 0 none)."""
    seg = layout.seg_id
    side = np.where(valid, np.sign(np.where(valid, y - limits.mean[seg], 0.0)), 0).astype(int)
    with np.errstate(invalid="ignore"):
        outside = valid & ((y > limits.upl[seg]) | (y < limits.lpl[seg]))
        near = valid & ~outside & ((y < limits.near_lower[seg]) | (y > limits.near_upper[seg]))
    counts_for_two_of_three = near | outside if settings.two_of_three_counts_beyond_limits else near

    in_trend, trend_side = _trend(y, valid, layout, settings.trend_points)
    in_two_of_three = _two_of_three(counts_for_two_of_three, side, valid, layout)
    in_shift = _shift(side, layout, settings.shift_points)

    rule = np.select(
        [outside, in_trend, in_two_of_three, in_shift],
        [_OUTSIDE, _TREND, _TWO_OF_THREE, _SHIFT],
        default=_NO_RULE,
    )
    side_of_mean = np.where(side > 0, 1, -1)
    signal = np.where(rule == _NO_RULE, 0, np.where(rule == _TREND, trend_side, side_of_mean))
    return rule, signal


def _trend(
    y: np.ndarray, valid: np.ndarray, layout: _Layout, n_points: int
) -> tuple[np.ndarray, np.ndarray]:
    """Points in a run of ``n_points`` or more strictly rising (or falling) values.

    Every point of such a run is marked; equal neighbours break a run. The side follows
    the package: the step to the next point if that point is also in a trend, otherwise
    the step from the previous point; anything but a rise counts as falling.
    """
    previous_y = layout.previous(y, np.nan)
    step_known = valid & layout.previous(valid, False)
    step = np.where(step_known, np.sign(np.where(step_known, y - previous_y, 0.0)), 0)
    long_enough = n_points - 1  # steps in a run of n_points points
    qualifying_step = (_run_lengths(step == 1, layout.seg_start) >= long_enough) | (
        _run_lengths(step == -1, layout.seg_start) >= long_enough
    )
    in_trend = qualifying_step | layout.next(qualifying_step, False)
    step_to_next = layout.next(step, 0)
    use_next = in_trend & layout.next(in_trend, False)
    direction = np.where(use_next, step_to_next, step)
    return in_trend, np.where(direction == 1, 1, -1)


def _two_of_three(
    counts: np.ndarray, side: np.ndarray, valid: np.ndarray, layout: _Layout
) -> np.ndarray:
    """Points that count, in three consecutive points on one side of the mean of which at
    least two count (the third, non-counting point is not marked, as in the package)."""
    n = counts.size
    fires = np.zeros(n, dtype=bool)
    if n >= 3:
        same_segment = layout.seg_id[2:] == layout.seg_id[:-2]
        all_known = valid[:-2] & valid[1:-1] & valid[2:]
        one_side = np.abs(side[:-2] + side[1:-1] + side[2:]) == 3
        enough = counts[:-2].astype(int) + counts[1:-1] + counts[2:] >= 2
        fires[:-2] = same_segment & all_known & one_side & enough
    in_a_firing_window = fires | shift(fires, 1, False) | shift(fires, 2, False)
    return counts & in_a_firing_window


def _shift(side: np.ndarray, layout: _Layout, n_points: int) -> np.ndarray:
    """Points in a run of ``n_points`` or more on one side of the mean (on the mean breaks it)."""
    above = _run_lengths(side == 1, layout.seg_start) >= n_points
    below = _run_lengths(side == -1, layout.seg_start) >= n_points
    return above | below


def _run_lengths(flags: np.ndarray, breaks: np.ndarray) -> np.ndarray:
    """Length of the run of True each element is in (0 where False); a break starts a new run."""
    if flags.size == 0:
        return np.zeros(0, dtype=int)
    starts = flags & (~shift(flags, 1, False) | breaks)
    run_id = np.cumsum(starts)
    run_size = np.bincount(run_id[flags], minlength=int(run_id[-1]) + 1)
    return np.where(flags, run_size[run_id], 0)


# Point type codes: sign of (signal x improvement direction); neutral series keep the side.
_MISSING, _COMMON, _IMPROVEMENT, _CONCERN, _NEUTRAL_HIGH, _NEUTRAL_LOW = range(6)
_POINT_TYPE_NAMES = np.array(
    [
        None,
        COMMON_CAUSE,
        SPECIAL_CAUSE_IMPROVEMENT,
        SPECIAL_CAUSE_CONCERN,
        SPECIAL_CAUSE_NEUTRAL_HIGH,
        SPECIAL_CAUSE_NEUTRAL_LOW,
    ],
    dtype=object,
)


def _point_type_codes(
    rule: np.ndarray, signal: np.ndarray, improvement: np.ndarray, valid: np.ndarray
) -> np.ndarray:
    oriented = signal * improvement
    return np.select(
        [
            ~valid,
            rule == _NO_RULE,
            (improvement == 0) & (signal > 0),
            (improvement == 0) & (signal < 0),
            oriented > 0,
        ],
        [_MISSING, _COMMON, _NEUTRAL_HIGH, _NEUTRAL_LOW, _IMPROVEMENT],
        default=_CONCERN,
    )


def _point_type_names(codes: np.ndarray) -> np.ndarray:
    names: np.ndarray = _POINT_TYPE_NAMES[codes]
    return names


def _rule_names(rule: np.ndarray) -> np.ndarray:
    names: np.ndarray = _RULE_NAMES[rule]
    return names


def _summary(
    layout: _Layout,
    valid: np.ndarray,
    limits: _Limits,
    point_code: np.ndarray,
    improvement: np.ndarray,
    target: np.ndarray,
    settings: SpcSettings,
) -> dict[str, np.ndarray]:
    latest_segment = layout.seg_id[layout.key_end_rows]
    lpl = limits.lpl[latest_segment]
    upl = limits.upl[latest_segment]
    segment_points = limits.valid_points[latest_segment]
    n_points = np.bincount(layout.key_id, weights=valid.astype(float), minlength=layout.n_keys)
    variation = _variation_icons(_latest_point_code(layout, valid, point_code), improvement)
    return {
        "mean": limits.mean[latest_segment],
        "lpl": lpl,
        "upl": upl,
        "variation": variation,
        "assurance": _assurance_icons(target, lpl, upl, improvement),
        "trial_limits": segment_points < settings.trial_limit_points,
        "n_points": n_points.astype(int),
        "segment_points": segment_points,
    }


def _latest_point_code(layout: _Layout, valid: np.ndarray, point_code: np.ndarray) -> np.ndarray:
    """Point type code of each key's last non-missing point (_MISSING if it has none)."""
    latest = np.full(layout.n_keys, _MISSING)
    valid_rows = np.flatnonzero(valid)
    if valid_rows.size:
        keys_of_valid = layout.key_id[valid_rows]
        last_of_key = shift(changes(keys_of_valid), -1, True)
        latest[keys_of_valid[last_of_key]] = point_code[valid_rows[last_of_key]]
    return latest


# Variation icon by point type code, for series where rising (falling) is good.
_VARIATION_IF_RISING_IS_GOOD = np.array(
    [None, "common_cause", "improvement_high", "concern_low", "neutral_high", "neutral_low"],
    dtype=object,
)
_VARIATION_IF_FALLING_IS_GOOD = np.array(
    [None, "common_cause", "improvement_low", "concern_high", "neutral_high", "neutral_low"],
    dtype=object,
)


def _variation_icons(code: np.ndarray, improvement: np.ndarray) -> np.ndarray:
    icons: np.ndarray = np.where(
        improvement == 1, _VARIATION_IF_RISING_IS_GOOD[code], _VARIATION_IF_FALLING_IS_GOOD[code]
    )
    return icons


def _assurance_icons(
    target: np.ndarray, lpl: np.ndarray, upl: np.ndarray, improvement: np.ndarray
) -> np.ndarray:
    """Target against the latest limits; only strictly beyond a limit is consistent."""
    rising_is_good = improvement == 1
    with np.errstate(invalid="ignore"):
        above = target > upl
        below = target < lpl
    icons = np.full(target.size, INCONSISTENT, dtype=object)
    icons[above] = np.where(rising_is_good, CONSISTENT_FAIL, CONSISTENT_PASS)[above]
    icons[below] = np.where(rising_is_good, CONSISTENT_PASS, CONSISTENT_FAIL)[below]
    assessable = (improvement != 0) & ~np.isnan(target) & ~np.isnan(lpl) & ~np.isnan(upl)
    icons[~assessable] = None
    return icons


def _factorize_keys(keys: pd.Series) -> tuple[np.ndarray, pd.Index]:
    if keys.isna().any():
        raise ValueError("key must not be missing")
    try:
        codes, uniques = pd.factorize(keys, sort=True)
    except TypeError:  # keys of mixed, unorderable types keep their first-seen order
        return _factorize_unsorted(keys)
    return np.asarray(codes), pd.Index(uniques)


def _factorize_unsorted(keys: pd.Series) -> tuple[np.ndarray, pd.Index]:
    codes, uniques = pd.factorize(keys, sort=False)
    return np.asarray(codes), pd.Index(uniques)


def _check_direction(direction: str) -> None:
    if direction not in _DIRECTION_SIGN:
        raise ValueError(f"direction must be one of {DIRECTIONS}, got {direction!r}")


def _check_fix_after(fix_after: np.ndarray) -> None:
    given = fix_after[~np.isnan(fix_after)]
    if np.any(given < MIN_FIX_AFTER):
        raise ValueError(f"fix_after must be at least {MIN_FIX_AFTER}")


def _numbers(column: pd.Series) -> np.ndarray:
    return pd.to_numeric(column, errors="raise").to_numpy(dtype=float, na_value=np.nan)


def _columns(arrays: dict[str, np.ndarray], index: pd.Index) -> dict[str, pd.Series]:
    # Each array's own dtype keeps None as None in the names (pandas would infer str).
    return {name: pd.Series(v, index=index, dtype=v.dtype) for name, v in arrays.items()}
