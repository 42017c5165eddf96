"""Score every indicator of a validated workbook: the ``cipms score`` engine.

``score_workbook`` is a pure function from the validated data to a ``Scorecard``;
it never prints, and every figure is defined in docs/method.md.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, fields
from typing import Any, overload

import numpy as np
import pandas as pd

from cipms_cli.engine import quality
from cipms_cli.engine.actions import open_actions_by_indicator
from cipms_cli.engine.composite import below_minimum_standard, composite_of, points_of
from cipms_cli.engine.forecast import line_fits, line_values, recent_mask
from cipms_cli.engine.lsa import derived_results, lsa_summary
from cipms_cli.engine.series import build_series, floats, group_runs, indicator_runs
from cipms_cli.engine.spc import SpcSettings, XmrCharts, xmr_charts
from cipms_cli.engine.targets import (
    baseline_figures,
    is_period,
    ordinals,
    series_ends,
    target_figures,
)
from cipms_cli.gcpause import paused_gc
from cipms_cli.periods import PERIODS_PER_YEAR, Frequency, Period
from cipms_cli.settings import Settings

SCHEMA_VERSION = 1


@dataclass(slots=True)
class SpcPointOut:
    period: str
    value: float | None
    point_type: str | None
    rule: str | None
    mean: float | None
    lpl: float | None
    upl: float | None


_POINT_FIELDS = tuple(f.name for f in fields(SpcPointOut))  # the order of _PointColumns


class _PointColumns:
    """Every indicator's points as columns, turned into Python values on first use."""

    def __init__(self, table: dict[str, np.ndarray]):
        self._table = table
        self._columns: tuple[list[Any], ...] | None = None
        self._values: list[float | None] | None = None

    @property
    def values(self) -> list[float | None]:
        if self._values is None:
            self._values = _floats_or_none(self._table["value"])
        return self._values

    @property
    def columns(self) -> tuple[list[Any], ...]:
        if self._columns is None:
            pts = self._table
            labels = [p.label for p in pts["period"]]
            mean, lpl, upl = (_floats_or_none(pts[c]) for c in ("mean", "lpl", "upl"))
            rule, kind = pts["rule"].tolist(), pts["point_type"].tolist()
            self._columns = (labels, self.values, kind, rule, mean, lpl, upl)
        return self._columns


class SpcPoints(Sequence[SpcPointOut]):
    """One indicator's points, made into objects only when read.

    JSON and the reports read every point; the text table and CSV need only the values
    (``values()``), so 120,000 point objects are not built for them.
    """

    __slots__ = ("_points", "_source", "_start", "_stop")

    def __init__(self, source: _PointColumns, start: int, stop: int):
        self._source, self._start, self._stop = source, start, stop
        self._points: list[SpcPointOut] | None = None

    def values(self) -> list[float | None]:
        return self._source.values[self._start : self._stop]

    def as_records(self) -> list[dict[str, Any]]:
        """The points as plain dicts, straight from the columns: what JSON writes, without
        an object per point."""
        columns = (c[self._start : self._stop] for c in self._source.columns)
        return [
            dict(zip(_POINT_FIELDS, point, strict=True)) for point in zip(*columns, strict=True)
        ]

    def _list(self) -> list[SpcPointOut]:
        if self._points is None:
            columns = (c[self._start : self._stop] for c in self._source.columns)
            self._points = list(map(SpcPointOut, *columns))
        return self._points

    @overload
    def __getitem__(self, index: int) -> SpcPointOut: ...
    @overload
    def __getitem__(self, index: slice) -> list[SpcPointOut]: ...
    def __getitem__(self, index: int | slice) -> SpcPointOut | list[SpcPointOut]:
        return self._list()[index]

    def __len__(self) -> int:
        return self._stop - self._start

    def __iter__(self) -> Iterator[SpcPointOut]:
        return iter(self._list())

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Sequence):
            return self._list() == list(other)
        return NotImplemented

    def __repr__(self) -> str:
        return repr(self._list())


@dataclass(slots=True)
class SpcOut:
    mean: float | None
    lpl: float | None
    upl: float | None
    variation: str | None
    assurance: str | None
    trial_limits: bool
    points: Sequence[SpcPointOut] = field(default_factory=list)


def point_values(spc: SpcOut) -> list[float | None]:
    """The values of an indicator's points, without building the point objects."""
    if isinstance(spc.points, SpcPoints):
        return spc.points.values()
    return [p.value for p in spc.points]


@dataclass(slots=True)
class IndicatorScore:
    indicator_id: str
    name: str
    outcome_id: str | None
    outcome_statement: str | None
    measure_type: str | None
    direction: str
    unit: str
    frequency: str
    owner: str | None
    key: bool
    weight: float
    baseline: dict[str, Any]
    latest: dict[str, Any]
    target: dict[str, Any]
    gap: float | None
    progress: float | None
    change_from_baseline: float | None
    change_from_baseline_pct: float | None
    percent_of_target: float | None
    trajectory: float | None
    tolerance: float | None
    status: str | None
    forecast: dict[str, Any]
    attainment: float | None
    points: float | None
    points_available: float | None
    data_quality: list[dict[str, str]]
    spc: SpcOut
    actions: list[dict[str, Any]] = field(default_factory=list)  # open ones; engine/actions.py


@dataclass
class Scorecard:
    schema_version: int
    path: str
    agency: dict[str, Any]
    as_of: str | None
    indicators: list[IndicatorScore]
    summary: dict[str, Any]
    learners: dict[str, Any] | None = None  # Learner Skill Attainment; see engine/lsa.py


def spc_settings(settings: Settings) -> SpcSettings:
    o = settings.spc
    return SpcSettings(
        screen_outliers=o.screen_outliers,
        shift_points=o.shift_points,
        trend_points=o.trend_points,
        two_of_three_counts_beyond_limits=o.two_of_three_counts_beyond_limits,
        trial_limit_points=o.trial_limit_points,
    )


# The Indicators columns the engine reads; each becomes one array of the indicator table.
_SHEET_COLUMNS = (
    "indicator_id",
    "name",
    "outcome_id",
    "measure_type",
    "owner",
    "key",
    "weight",
    "target_value",
    "target_period",
    "tolerance",
    "minimum_standard",
    "baseline_period",
    "baseline_value",
    "rebase_periods",
    "spc_baseline_points",
)
_TEXT_COLUMNS = ("direction", "unit", "frequency")

Table = dict[str, np.ndarray]  # one array per figure, one entry per indicator (or point)


@dataclass(frozen=True)
class _Runs:
    """Each indicator's run of points in the series (sorted by indicator, then period), and
    the indicator's row in the Indicators table; runs are numbered as the series' ``run``."""

    starts: np.ndarray  # per run: its first point
    stops: np.ndarray  # per run: one past its last point
    row: np.ndarray  # per run: the indicator's row
    run: np.ndarray  # per indicator row: its run, -1 when it has no points

    @classmethod
    def of(cls, series: Table, indicator_ids: np.ndarray) -> _Runs:
        ids, starts, stops = indicator_runs(series)
        row = pd.Index(indicator_ids).get_indexer(ids[starts])
        if (row < 0).any():
            raise KeyError(f"results for indicators that are not defined: {ids[starts][row < 0]}")
        run = np.full(len(indicator_ids), -1)
        run[row] = np.arange(len(row))
        return cls(starts, stops, row, run)

    @property
    def lengths(self) -> np.ndarray:
        lengths: np.ndarray = self.stops - self.starts
        return lengths

    def per_point(self, per_run: np.ndarray) -> np.ndarray:
        """A figure of each run, repeated over its points."""
        return np.repeat(per_run, self.lengths)

    def per_indicator(self, per_run: np.ndarray) -> np.ndarray:
        """A figure of each run, for each indicator row: NaN (None for objects) without points."""
        dtype = object if per_run.dtype == object else float
        out = np.full(len(self.run), None if dtype is object else np.nan, dtype=dtype)
        has = self.run >= 0
        out[has] = per_run[self.run[has]]
        return out


def score_workbook(data: Any, as_of: dt.date | None, settings: Settings | None = None) -> Scorecard:
    """``data`` is a validated ``WorkbookData``; ``as_of`` limits the periods used."""
    with paused_gc():
        return _score_workbook(data, as_of, settings)


def _score_workbook(
    data: Any, as_of: dt.date | None, settings: Settings | None = None
) -> Scorecard:
    """The body of ``score_workbook``."""
    settings = settings or data.settings
    indicators = data.indicators
    learners = getattr(data, "learners", None)
    series = build_series(_with_derived(data.results, learners, indicators, settings, as_of), as_of)
    table = _indicator_table(indicators)
    runs = _Runs.of(series, table["indicator_id"])
    ends = series_ends(series, runs.starts, runs.stops)
    table |= {name: runs.per_indicator(per_run) for name, per_run in ends.items()}
    table |= baseline_figures(table, _value_at(series, runs, table["baseline_period"]))
    table["target_ordinal"] = ordinals(table["target_period"])
    table |= target_figures(table, settings.status)

    segment, segment_start = _segments(series, runs, table["rebase_periods"])
    charts = _spc_charts(series, runs, segment, table, spc_settings(settings))
    table |= _forecasts(series, runs, segment_start, table, settings.forecast.window)
    table |= points_of(table, settings.score)

    flags = _flags(series, table, runs, charts, data, as_of, settings)
    statements = dict(zip(data.outcomes["outcome_id"], data.outcomes["statement"], strict=True))
    spc_by_indicator = _spc_by_indicator(series, runs, charts)
    results = _indicator_scores(table, spc_by_indicator, flags, statements)
    open_actions = open_actions_by_indicator(getattr(data, "actions", None), as_of)
    for result in results:
        result.actions = open_actions.get(result.indicator_id, [])
    failures = [str(i) for i in table["indicator_id"][below_minimum_standard(table)]]
    summary = _summary(results, composite_of(table, failures, settings.score))
    return Scorecard(
        SCHEMA_VERSION,
        data.path,
        data.agency_json() if hasattr(data, "agency_json") else _agency(data.agency),
        as_of.isoformat() if as_of else None,
        results,
        summary,
        lsa_summary(learners, as_of, settings) if learners is not None else None,
    )


def _indicator_table(indicators: pd.DataFrame) -> Table:
    """The Indicators columns the engine reads, with direction, unit and frequency as text."""
    table = {c: indicators[c].to_numpy() for c in _SHEET_COLUMNS}
    return table | {c: indicators[c].astype(str).to_numpy(dtype=object) for c in _TEXT_COLUMNS}


def _value_at(series: Table, runs: _Runs, periods: np.ndarray) -> np.ndarray:
    """Each indicator's value at the period given (NaN without a period or a point there)."""
    out = np.full(len(periods), np.nan)
    wanted = np.flatnonzero(is_period(periods) & (runs.run >= 0))
    if not len(wanted):
        return out
    # The series is sorted by run, then ordinal: one key orders both, so one search finds all.
    ordinal = series["ordinal"]
    low, span = ordinal.min(), int(ordinal.max() - ordinal.min()) + 1
    point_keys = series["run"] * span + (ordinal - low)
    wanted_ordinal = ordinals(periods[wanted]).astype(np.int64)
    inside = (wanted_ordinal >= low) & (wanted_ordinal < low + span)
    keys = runs.run[wanted] * span + (wanted_ordinal - low)
    at = np.minimum(np.searchsorted(point_keys, keys), len(point_keys) - 1)
    found = inside & (point_keys[at] == keys)
    out[wanted[found]] = series["value"][at[found]]
    return out


def _segments(
    series: Table, runs: _Runs, rebase_periods: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Rebase segment number of each point, and the ordinal where each run's current
    segment starts (-inf when none has)."""
    segment = np.zeros(len(series["ordinal"]), dtype=int)
    start = np.full(len(runs.starts), -np.inf)
    for run, periods in enumerate(rebase_periods[runs.row].tolist()):
        if not periods:
            continue
        points = slice(runs.starts[run], runs.stops[run])
        ordinal = series["ordinal"][points]
        cuts = np.array([p.ordinal for p in periods])
        segment[points] = np.searchsorted(cuts, ordinal, side="right")
        passed = cuts[cuts <= ordinal.max()]
        if len(passed):
            start[run] = float(passed.max())
    return segment, start


def _spc_charts(
    series: Table, runs: _Runs, segment: np.ndarray, table: Table, options: SpcSettings
) -> XmrCharts:
    """The XmR chart of each run; the run numbers are the chart keys."""
    position = np.arange(len(segment)) - runs.per_point(runs.starts)
    return xmr_charts(
        series["run"],
        position,
        segment,
        series["value"],
        runs.per_point(floats(table["target_value"])[runs.row]),
        runs.per_point(floats(table["spc_baseline_points"])[runs.row]),
        runs.per_point(table["direction"][runs.row]),
        options,
    )


def _forecasts(
    series: Table, runs: _Runs, segment_start: np.ndarray, table: Table, window: int
) -> Table:
    """The line through each indicator's recent points, read at the target period (or a
    year after the latest period)."""
    recent = recent_mask(series["ordinal"], runs.starts, runs.stops, segment_start, window)
    starts, stops = group_runs(series["run"][recent])
    fits = line_fits(series["ordinal"][recent], series["value"][recent], starts, stops)
    fitted_runs = series["run"][recent][starts]
    fitted = {}
    for name, per_fit in fits.items():
        per_run = np.full(len(runs.starts), np.nan)
        per_run[fitted_runs] = per_fit
        fitted[name] = runs.per_indicator(per_run)
    target, latest = table["target_ordinal"], table["latest_ordinal"]
    ordinal = np.where(np.isnan(target), latest + _periods_per_year(table["frequency"]), target)
    return {
        "forecast_value": line_values(fitted, ordinal),
        "forecast_slope": fitted["slope"],
        "forecast_ordinal": ordinal,
    }


def _with_derived(
    results: pd.DataFrame,
    learners: Any,
    indicators: pd.DataFrame,
    settings: Settings,
    as_of: dt.date | None,
) -> pd.DataFrame:
    """The typed Results plus the series of indicators computed from the learner sheets."""
    if learners is None:
        return results
    derived = derived_results(learners, indicators, settings, as_of)
    if derived.empty:
        return results
    return pd.concat([results, derived], ignore_index=True) if len(results) else derived


def _agency(agency: dict[str, Any]) -> dict[str, Any]:
    return {k: (v.label if isinstance(v, Period) else v) for k, v in agency.items()}


def _periods_per_year(frequency: np.ndarray) -> np.ndarray:
    return np.array([PERIODS_PER_YEAR[Frequency(f)] for f in frequency], dtype=float)


def _flags(
    series: Table,
    table: Table,
    runs: _Runs,
    charts: XmrCharts,
    data: Any,
    as_of: dt.date | None,
    settings: Settings,
) -> quality.FlagMap:
    ids = table["indicator_id"]
    has_data = ~np.isnan(table["latest_value"])
    run_ids = ids[runs.row]
    return quality.merge(
        quality.single(
            [str(i) for i in ids[~has_data]],
            "no-data",
            "no figures up to the as-of period; nothing to judge",
        ),
        quality.single(
            [str(i) for i in ids[table["baseline_missing"]]],
            "baseline-not-found",
            "there is no figure at baseline_period; the first figure is used as the baseline",
        ),
        quality.missing_periods(series),
        quality.stale(
            ids[has_data], table["latest_period"][has_data], table["frequency"][has_data], as_of
        ),
        quality.small_denominators(
            ids, table["latest_denominator"], settings.data_quality.small_denominator
        ),
        quality.outliers(series["indicator_id"], series["period"], charts.points["rule"]),
        quality.trial_limits(
            run_ids,
            charts.summary["trial_limits"],
            charts.summary["n_points"],
            settings.spc.trial_limit_points,
        ),
        quality.unlinked(data.indicators, set(data.outcomes["outcome_id"])),
    )


def _label(period: Any) -> str | None:
    return period.label if isinstance(period, Period) else None


# IndicatorScore fields that are plain optional numbers, and the frame column of each.
_NUMBER_FIELDS = {
    "gap": "gap",
    "progress": "progress",
    "change_from_baseline": "change_from_baseline",
    "change_from_baseline_pct": "change_from_baseline_pct",
    "percent_of_target": "percent_of_target",
    "trajectory": "trajectory",
    "tolerance": "tolerance_used",
    "points": "points",
    "points_available": "points_available",
}


# IndicatorScore's fields in order, but for the actions, which are added afterwards.
_SCORE_FIELDS = [f.name for f in fields(IndicatorScore) if f.name != "actions"]


def _indicator_scores(
    table: Table,
    spc: dict[str, SpcOut],
    flags: quality.FlagMap,
    statements: dict[str, str],
) -> list[IndicatorScore]:
    """One IndicatorScore per indicator of ``table``: every field is built as a column, then
    the objects are made in one pass (no per-row lookups)."""
    ids = table["indicator_id"].tolist()
    outcome_ids = table["outcome_id"].tolist()
    target = _floats_or_none(table["target_value"])
    forecast = _floats_or_none(table["forecast_value"])
    directions = table["direction"].tolist()
    no_spc = SpcOut(None, None, None, None, None, False)
    columns: dict[str, list[Any]] = {
        "indicator_id": ids,
        "name": table["name"].tolist(),
        "outcome_id": outcome_ids,
        "outcome_statement": [statements.get(o) for o in outcome_ids],
        "measure_type": [m.value if m is not None else None for m in table["measure_type"]],
        "direction": directions,
        "unit": table["unit"].tolist(),
        "frequency": table["frequency"].tolist(),
        "owner": table["owner"].tolist(),
        "key": [bool(k) for k in table["key"].tolist()],
        "weight": [1.0 if w is None else w for w in _floats_or_none(table["weight"])],
        "baseline": [
            {"period": _label(p), "value": v, "source": source}
            for p, v, source in zip(
                table["baseline_period"].tolist(),
                _floats_or_none(table["baseline_value"]),
                table["baseline_source"].tolist(),
                strict=True,
            )
        ],
        "latest": _period_values(table["latest_period"], table["latest_value"]),
        "target": _period_values(table["target_period"], table["target_value"]),
        "status": table["status"].tolist(),
        "forecast": [
            {
                "period": period,
                "value": f,
                "slope_per_period": slope,
                "will_meet_target": _will_meet(d, f, t),
            }
            for period, f, slope, d, t in zip(
                _forecast_periods(table),
                forecast,
                _floats_or_none(table["forecast_slope"]),
                directions,
                target,
                strict=True,
            )
        ],
        "attainment": [a if math.isfinite(a) else None for a in table["attainment"].tolist()],
        "data_quality": [
            [{"code": f.code, "message": f.message} for f in flags.get(ind, [])] for ind in ids
        ],
        "spc": [spc.get(ind) or no_spc for ind in ids],
        **{name: _floats_or_none(table[column]) for name, column in _NUMBER_FIELDS.items()},
    }
    return list(map(IndicatorScore, *(columns[name] for name in _SCORE_FIELDS)))


def _period_values(periods: np.ndarray, values: np.ndarray) -> list[dict[str, Any]]:
    return [
        {"period": _label(p), "value": v}
        for p, v in zip(periods.tolist(), _floats_or_none(values), strict=True)
    ]


def _will_meet(direction: str, forecast: float | None, target: float | None) -> bool | None:
    if forecast is None or target is None:
        return None
    if direction == "increase":
        return forecast >= target
    if direction == "decrease":
        return forecast <= target
    return None


def _forecast_periods(table: Table) -> list[str | None]:
    """The label of the period each forecast is read at."""
    steps = table["forecast_ordinal"] - table["latest_ordinal"]
    labels: dict[tuple[int, float], str] = {}  # indicators share latest periods and horizons
    out: list[str | None] = []
    for latest, step in zip(table["latest_period"], steps.tolist(), strict=True):
        if step != step:
            out.append(None)
            continue
        key = (id(latest), step)
        if key not in labels:
            labels[key] = latest.shift(int(step)).label
        out.append(labels[key])
    return out


def _spc_by_indicator(series: Table, runs: _Runs, charts: XmrCharts) -> dict[str, SpcOut]:
    """Each charted indicator's SPC figures; its points are one slice of the point columns
    (the series is sorted by indicator)."""
    summary = charts.summary
    source = _PointColumns({**charts.points, "period": series["period"], "value": series["value"]})
    out: dict[str, SpcOut] = {}
    for ind, mean, lpl, upl, variation, assurance, trial, start, stop in zip(
        series["indicator_id"][runs.starts].tolist(),
        *(_floats_or_none(summary[c]) for c in ("mean", "lpl", "upl")),
        summary["variation"].tolist(),
        summary["assurance"].tolist(),
        summary["trial_limits"].tolist(),
        runs.starts.tolist(),
        runs.stops.tolist(),
        strict=True,
    ):
        points = SpcPoints(source, start, stop)
        out[str(ind)] = SpcOut(mean, lpl, upl, variation, assurance, bool(trial), points)
    return out


def _floats_or_none(column: np.ndarray) -> list[float | None]:
    return [None if v != v else v for v in np.asarray(column, dtype=float).tolist()]


def _summary(results: list[IndicatorScore], comp: Any) -> dict[str, Any]:
    return {
        "score": comp.score,
        "stars": comp.stars,
        "stars_before_cap": comp.stars_before_cap,
        "scored_indicators": comp.scored_indicators,
        "key_failures": comp.key_failures,
        "counts": {
            "status": dict(Counter(r.status or "neutral" for r in results)),
            "variation": dict(Counter(r.spc.variation or "none" for r in results)),
            "assurance": dict(Counter(r.spc.assurance or "none" for r in results)),
        },
    }
