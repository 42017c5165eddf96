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
from cipms_cli.engine.composite import composite, points
from cipms_cli.engine.forecast import fit_lines, forecast_at, recent_points
from cipms_cli.engine.lsa import derived_results, lsa_summary
from cipms_cli.engine.series import build_series, group_runs, indicator_runs
from cipms_cli.engine.spc import SpcSettings, spc_frame
from cipms_cli.engine.targets import baselines, compare_with_target
from cipms_cli.gcpause import paused_gc
from cipms_cli.periods import Period
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

    def __init__(self, frame: pd.DataFrame):
        self._frame = frame
        self._columns: tuple[list[Any], ...] | None = None
        self._values: list[float | None] | None = None

    @property
    def values(self) -> list[float | None]:
        if self._values is None:
            self._values = _floats_or_none(self._frame["value"])
        return self._values

    @property
    def columns(self) -> tuple[list[Any], ...]:
        if self._columns is None:
            pts = self._frame
            labels = [p.label for p in pts["period"].to_numpy()]
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


def _segments(series: pd.DataFrame, indicators: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Rebase segment number of each point, and the ordinal where each current segment starts."""
    rebases = indicators.set_index("indicator_id")["rebase_periods"]
    segment = np.zeros(len(series), dtype=int)
    start: dict[str, float] = {}
    for ind, periods in rebases.items():
        if not periods:
            continue
        mask = (series["indicator_id"] == ind).to_numpy()
        ordinals = series.loc[mask, "ordinal"].to_numpy()
        cuts = np.array([p.ordinal for p in periods])
        segment[mask] = np.searchsorted(cuts, ordinals, side="right")
        start[str(ind)] = (
            float(cuts[cuts <= ordinals.max()].max()) if (cuts <= ordinals.max()).any() else -np.inf
        )
    return pd.Series(segment, index=series.index), pd.Series(start, dtype=float)


def _spc_input(
    series: pd.DataFrame, frame: pd.DataFrame, segment: pd.Series
) -> tuple[pd.DataFrame, np.ndarray]:
    """The SPC engine's input, keyed by each indicator's position in the sorted series
    (integers group far faster than text), and the indicator id of each key."""
    ids, starts, stops = indicator_runs(series)
    lengths = stops - starts
    # Each indicator's settings, repeated over its run of points (the series is sorted).
    per = frame.loc[ids[starts], ["direction", "target_value", "spc_baseline_points"]]
    points = pd.DataFrame(
        {
            "key": np.repeat(np.arange(len(starts)), lengths),
            "position": np.arange(len(ids)) - np.repeat(starts, lengths),
            "value": series["value"].to_numpy(dtype=float),
            "segment": segment.to_numpy(),
            "direction": np.repeat(per["direction"].astype(str).to_numpy(), lengths),
            "target": np.repeat(per["target_value"].to_numpy(dtype=float), lengths),
            "fix_after": np.repeat(per["spc_baseline_points"].to_numpy(dtype=float), lengths),
        },
        index=series.index,
    )
    return points, ids[starts]


def score_workbook(data: Any, as_of: dt.date | None, settings: Settings | None = None) -> Scorecard:
    """``data`` is a validated ``WorkbookData``; ``as_of`` limits the periods used."""
    with paused_gc():
        return _score_workbook(data, as_of, settings)


def _score_workbook(
    data: Any, as_of: dt.date | None, settings: Settings | None = None
) -> Scorecard:
    """The body of ``score_workbook``."""
    settings = settings or data.settings
    indicators = data.indicators.copy()
    learners = getattr(data, "learners", None)
    series = build_series(_with_derived(data.results, learners, indicators, settings, as_of), as_of)
    frame = indicators.set_index("indicator_id", drop=False)
    frame = frame.drop(columns=["baseline_period", "baseline_value"]).join(
        baselines(indicators, series)
    )
    frame["target_ordinal"] = [
        p.ordinal if isinstance(p, Period) else np.nan for p in frame["target_period"]
    ]
    frame = compare_with_target(frame, settings.status)

    segment, segment_start = _segments(series, indicators)
    spc_in, indicator_of_key = _spc_input(series, frame, segment)
    spc_points, spc_summary = spc_frame(spc_in, spc_settings(settings))
    spc_summary.index = pd.Index(indicator_of_key[spc_summary.index.to_numpy(dtype=int)])
    spc_points = spc_points.assign(
        period=series["period"].to_numpy(), indicator_id=series["indicator_id"].to_numpy()
    )

    fitted = fit_lines(recent_points(series, segment_start, settings.forecast.window))
    forecast_ordinal = frame["target_ordinal"].where(
        frame["target_ordinal"].notna(), frame["latest_ordinal"] + _periods_per_year(frame)
    )
    frame["forecast_value"] = forecast_at(fitted, forecast_ordinal).reindex(frame.index)
    frame["forecast_slope"] = fitted["slope"].reindex(frame.index)
    frame["forecast_ordinal"] = forecast_ordinal
    earned = points(frame, settings.score)
    frame = frame.join(earned)

    flags = _flags(series, frame, spc_points, spc_summary, data, as_of, settings)
    statements = dict(zip(data.outcomes["outcome_id"], data.outcomes["statement"], strict=True))
    spc_by_indicator = _spc_by_indicator(spc_summary, spc_points)
    results = _indicator_scores(frame, spc_by_indicator, flags, statements)
    open_actions = open_actions_by_indicator(getattr(data, "actions", None), as_of)
    for result in results:
        result.actions = open_actions.get(result.indicator_id, [])
    summary = _summary(results, composite(frame, earned, settings.score))
    return Scorecard(
        SCHEMA_VERSION,
        data.path,
        data.agency_json() if hasattr(data, "agency_json") else _agency(data.agency),
        as_of.isoformat() if as_of else None,
        results,
        summary,
        lsa_summary(learners, as_of, settings) if learners is not None else None,
    )


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


def _periods_per_year(frame: pd.DataFrame) -> pd.Series:
    return frame["frequency"].map(lambda f: {"monthly": 12, "quarterly": 4, "annual": 1}[str(f)])


def _flags(
    series: pd.DataFrame,
    frame: pd.DataFrame,
    spc_points: pd.DataFrame,
    spc_summary: pd.DataFrame,
    data: Any,
    as_of: dt.date | None,
    settings: Settings,
) -> quality.FlagMap:
    no_data = [str(i) for i in frame.index[frame["latest_value"].isna()]]
    baseline_missing = [
        str(i) for i in frame.index[frame["baseline_missing"].fillna(False).astype(bool)]
    ]
    has_data = frame[frame["latest_value"].notna()]
    return quality.merge(
        quality.single(no_data, "no-data", "no figures up to the as-of period; nothing to judge"),
        quality.single(
            baseline_missing,
            "baseline-not-found",
            "there is no figure at baseline_period; the first figure is used as the baseline",
        ),
        quality.missing_periods(series),
        quality.stale(has_data["latest_period"], has_data["frequency"].astype(str), as_of),
        quality.small_denominators(
            frame["latest_denominator"], settings.data_quality.small_denominator
        ),
        quality.outliers(spc_points),
        quality.trial_limits(spc_summary, settings.spc.trial_limit_points),
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
    frame: pd.DataFrame,
    spc: dict[str, SpcOut],
    flags: quality.FlagMap,
    statements: dict[str, str],
) -> list[IndicatorScore]:
    """One IndicatorScore per row of ``frame``: every field is built as a column, then the
    objects are made in one pass (no per-row lookups of the frame)."""
    ids = frame["indicator_id"].tolist()
    outcome_ids = frame["outcome_id"].tolist()
    target = _floats_or_none(frame["target_value"])
    forecast = _floats_or_none(frame["forecast_value"])
    directions = frame["direction"].astype(str).tolist()
    no_spc = SpcOut(None, None, None, None, None, False)
    columns: dict[str, list[Any]] = {
        "indicator_id": ids,
        "name": frame["name"].tolist(),
        "outcome_id": outcome_ids,
        "outcome_statement": [statements.get(o) for o in outcome_ids],
        "measure_type": [m.value if m is not None else None for m in frame["measure_type"]],
        "direction": directions,
        "unit": frame["unit"].astype(str).tolist(),
        "frequency": frame["frequency"].astype(str).tolist(),
        "owner": frame["owner"].tolist(),
        "key": [bool(k) for k in frame["key"].tolist()],
        "weight": [1.0 if w is None else w for w in _floats_or_none(frame["weight"])],
        "baseline": [
            {"period": _label(p), "value": v, "source": source}
            for p, v, source in zip(
                frame["baseline_period"].tolist(),
                _floats_or_none(frame["baseline_value"]),
                frame["baseline_source"].tolist(),
                strict=True,
            )
        ],
        "latest": _period_values(frame["latest_period"], frame["latest_value"]),
        "target": _period_values(frame["target_period"], frame["target_value"]),
        "status": frame["status"].tolist(),
        "forecast": [
            {
                "period": period,
                "value": f,
                "slope_per_period": slope,
                "will_meet_target": _will_meet(d, f, t),
            }
            for period, f, slope, d, t in zip(
                _forecast_periods(frame),
                forecast,
                _floats_or_none(frame["forecast_slope"]),
                directions,
                target,
                strict=True,
            )
        ],
        "attainment": [a if math.isfinite(a) else None for a in frame["attainment"].tolist()],
        "data_quality": [
            [{"code": f.code, "message": f.message} for f in flags.get(ind, [])] for ind in ids
        ],
        "spc": [spc.get(ind) or no_spc for ind in ids],
        **{name: _floats_or_none(frame[column]) for name, column in _NUMBER_FIELDS.items()},
    }
    return list(map(IndicatorScore, *(columns[name] for name in _SCORE_FIELDS)))


def _period_values(periods: pd.Series, values: pd.Series) -> list[dict[str, Any]]:
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


def _forecast_periods(frame: pd.DataFrame) -> list[str | None]:
    """The label of the period each forecast is read at."""
    steps = (frame["forecast_ordinal"] - frame["latest_ordinal"]).to_numpy(dtype=float)
    labels: dict[tuple[int, float], str] = {}  # indicators share latest periods and horizons
    out: list[str | None] = []
    for latest, step in zip(frame["latest_period"].to_numpy(), steps.tolist(), strict=True):
        if step != step:
            out.append(None)
            continue
        key = (id(latest), step)
        if key not in labels:
            labels[key] = latest.shift(int(step)).label
        out.append(labels[key])
    return out


def _spc_by_indicator(summary: pd.DataFrame, pts: pd.DataFrame) -> dict[str, SpcOut]:
    out: dict[str, SpcOut] = {}
    limits = [_floats_or_none(summary[c]) for c in ("mean", "lpl", "upl")]
    for ind, mean, lpl, upl, variation, assurance, trial in zip(
        summary.index.tolist(),
        *limits,
        summary["variation"].tolist(),
        summary["assurance"].tolist(),
        summary["trial_limits"].tolist(),
        strict=True,
    ):
        out[str(ind)] = SpcOut(mean, lpl, upl, variation, assurance, bool(trial))
    source = _PointColumns(pts)
    # Points arrive grouped by indicator (the series is sorted), so each indicator's
    # points are one slice of every column.
    ids = pts["indicator_id"].to_numpy()
    starts, stops = group_runs(pts["key"].to_numpy())  # the SPC key numbers the indicators
    for a, b in zip(starts.tolist(), stops.tolist(), strict=True):
        out[ids[a]].points = SpcPoints(source, a, b)
    return out


def _floats_or_none(column: pd.Series) -> list[float | None]:
    return [None if v != v else v for v in column.to_numpy(dtype=float).tolist()]


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
