"""Learner Skill Attainment (LSA): the LBS learner measures, per period and by goal path.

Every figure is defined in docs/learners.md. The computation is vectorised over
learners: each learner's active span, each assessment's time as the latest one and each
milestone are turned into (learner, window) rows with numpy, then counted with
``bincount`` and ``groupby``. Python loops run only over windows, goal paths, domains
and measures, never over learners.

A *window* is a reporting period (month, quarter or fiscal year) or, for the summary,
the fiscal year to the as-of date. Records dated after the cut-off (the as-of date, or
else the latest date in the learner sheets) are ignored, so a figure never changes when
later records are added.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd

from cipms_cli.engine.series import booleans
from cipms_cli.periods import Frequency, Period
from cipms_cli.settings import Settings
from cipms_cli.values import optional_float
from cipms_cli.workbook.cells import normalise_key
from cipms_cli.workbook.contract import RESULT_COLUMNS
from cipms_cli.workbook.learner_contract import Domain
from cipms_cli.workbook.learner_validate import LearnerData, scale_levels

ALL = "All learners"
DOMAINS: tuple[str, ...] = tuple(d.value for d in Domain)
DOMAIN_KEYS: dict[str, str] = {normalise_key(d): d for d in DOMAINS}
_NEVER = np.iinfo(np.int64).max // 4  # window ordinal of "no exit yet"


@dataclass(frozen=True)
class Measure:
    """A derived measure an Indicators row can name in ``source``."""

    name: str
    kind: str  # count, share, score or days
    description: str


UNITS_FOR_KIND: dict[str, tuple[str, ...]] = {
    "count": ("count",),
    "share": ("percent", "rate"),
    "score": ("score",),
    "days": ("days",),
}

KIND_WORDS = {
    "count": "a count",
    "share": "a share of learners",
    "score": "a score gain",
    "days": "a number of days",
}


def _measures() -> dict[str, Measure]:
    measures = [
        Measure("lsa.learners_served", "count", "learners active at any time in the period"),
        Measure(
            "lsa.learners_assessed",
            "count",
            "learners served with at least two assessments in one domain by the period's end",
        ),
        Measure(
            "lsa.pct_with_gain",
            "share",
            "of the learners assessed, the share with at least one increment in any domain",
        ),
        Measure(
            "lsa.learner_progress",
            "share",
            "of the learners served, the share who completed at least one milestone in the "
            "period (LBS Learner Progress when the period is a fiscal year)",
        ),
        Measure(
            "lsa.milestones_completed", "count", "milestones completed in the period (all rows)"
        ),
        Measure("lsa.learners_exited", "count", "learners whose exit_date is in the period"),
        Measure(
            "lsa.goal_path_completion",
            "share",
            "of the learners who exited in the period, the share who had completed a "
            "culminating task",
        ),
        Measure(
            "lsa.median_days_to_first_milestone",
            "days",
            "median days from start_date to the first milestone, for learners whose first "
            "milestone was in the period",
        ),
    ]
    for key, domain in DOMAIN_KEYS.items():
        measures += [
            Measure(
                f"lsa.pct_with_gain.{key}",
                "share",
                f"of the learners with two or more {domain} assessments, the share with at "
                "least one increment",
            ),
            Measure(
                f"lsa.median_gain.{key}",
                "score",
                f"median {domain} gain (latest minus first score) of those learners",
            ),
            Measure(f"lsa.mean_gain.{key}", "score", f"mean {domain} gain of those learners"),
        ]
    return {m.name: m for m in measures}


MEASURES: dict[str, Measure] = _measures()


def canonical_source(text: Any) -> str | None:
    """The measure a ``source`` cell names (case and spacing aside), or None."""
    if not isinstance(text, str):
        return None
    name = "".join(text.split()).lower()
    return name if name in MEASURES else None


# --- windows -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Windows:
    """Consecutive periods ``first..last`` (ordinals) and the cut-off date of the records."""

    frequency: Frequency
    fiscal_start: int
    first: int
    last: int
    cutoff: dt.date

    @property
    def count(self) -> int:
        return self.last - self.first + 1

    def period(self, ordinal: int) -> Period:
        start = self.fiscal_start if self.frequency is Frequency.ANNUAL else 1
        return Period(self.frequency, ordinal, start)

    def ordinals(self, dates: pd.Series | np.ndarray) -> np.ndarray:
        """Window ordinal of each date; ``_NEVER`` for NaT."""
        values = np.asarray(dates, dtype="datetime64[ns]")
        months = values.astype("datetime64[M]").astype(np.int64) + 1970 * 12
        if self.frequency is Frequency.MONTHLY:
            result = months
        elif self.frequency is Frequency.QUARTERLY:
            result = months // 3
        else:
            result = (months - (self.fiscal_start - 1)) // 12
        return np.where(np.isnat(values), _NEVER, result)

    def ordinal_of(self, day: dt.date) -> int:
        return int(self.ordinals(np.array([np.datetime64(day, "ns")]))[0])


def period_windows(
    data: LearnerData, frequency: Frequency, cutoff: dt.date, fiscal_start: int
) -> Windows | None:
    """Every complete period from the first learner's start to the cut-off, or None."""
    if data.learners.empty:
        return None
    probe = Windows(frequency, fiscal_start, 0, 0, cutoff)
    first = probe.ordinal_of(data.learners["start_date"].min().date())
    last = probe.ordinal_of(cutoff)
    if probe.period(last).end > cutoff:  # the period holding the cut-off has not ended
        last -= 1
    if last < first:
        return None
    return Windows(frequency, fiscal_start, first, last, cutoff)


def fiscal_year_window(cutoff: dt.date, fiscal_start: int) -> Windows:
    """The fiscal year that holds ``cutoff``, up to ``cutoff``."""
    probe = Windows(Frequency.ANNUAL, fiscal_start, 0, 0, cutoff)
    ordinal = probe.ordinal_of(cutoff)
    return Windows(Frequency.ANNUAL, fiscal_start, ordinal, ordinal, cutoff)


def cutoff_date(data: LearnerData, as_of: dt.date | None) -> dt.date | None:
    """``as_of``, or else the latest date anywhere in the learner sheets."""
    if as_of is not None:
        return as_of
    latest = [
        data.learners["start_date"].max(),
        data.learners["exit_date"].max(),
        data.assessments["date"].max(),
        data.milestones["completed_date"].max(),
    ]
    known = [d for d in latest if not pd.isna(d)]
    return max(known).date() if known else None


# --- records ---------------------------------------------------------------------------------


@dataclass
class _Records:
    """The learner sheets up to the cut-off, with learners as integer codes 0..n-1."""

    start: np.ndarray  # datetime64 per learner
    exit: np.ndarray  # datetime64 per learner; NaT when not exited by the cut-off
    path: np.ndarray  # goal path code per learner
    paths: list[str]
    ids: np.ndarray  # learner_id per learner
    assess: dict[str, np.ndarray]  # code, domain, date, score, level, first_score, ...
    domains: list[str]
    miles: dict[str, np.ndarray]  # code, date, culminating
    first_milestone: np.ndarray  # datetime64 per learner (NaT if none)
    first_culminating: np.ndarray  # datetime64 per learner (NaT if none)
    levels_from: str


def _prepare(data: LearnerData, cutoff: dt.date) -> _Records:
    """The records up to ``cutoff``, prepared once per cut-off (summary, tables and series
    of one command share them)."""
    key = ("records", cutoff)
    if key not in data.memo:
        data.memo[key] = _prepare_records(data, cutoff)
    records: _Records = data.memo[key]
    return records


def _prepare_records(data: LearnerData, cutoff: dt.date) -> _Records:
    limit = np.datetime64(cutoff, "ns")
    learners = data.learners
    learner_id = learners["learner_id"].to_numpy(dtype=object)
    start = _dates(learners["start_date"])
    people = _first_rows(learner_id)  # a learner listed twice keeps the first row
    people = people[start[people] <= limit]
    people = people[np.argsort(learner_id[people], kind="stable")]
    ids = pd.Index(learner_id[people])
    exits = _dates(learners["exit_date"])[people]
    goal_paths = learners["goal_path"].to_numpy(dtype=object)[people]
    path_codes, path_names = pd.factorize(goal_paths, sort=True)
    assess, domains, levels_from = _assessment_history(data, ids, limit)
    miles = _milestones(data.milestones, ids, limit)
    culminating = miles["culminating"]
    n = len(ids)
    return _Records(
        start=start[people],
        exit=np.where(exits <= limit, exits, np.datetime64("NaT", "ns")),
        path=path_codes,
        paths=[str(p) for p in path_names],
        ids=ids.to_numpy(),
        assess=assess,
        domains=domains,
        miles=miles,
        first_milestone=_earliest(miles["code"], miles["date"], n),
        first_culminating=_earliest(miles["code"][culminating], miles["date"][culminating], n),
        levels_from=levels_from,
    )


def _dates(column: pd.Series) -> np.ndarray:
    return column.to_numpy(dtype="datetime64[ns]")


def _first_rows(ids: np.ndarray) -> np.ndarray:
    """The row of each id's first appearance, in the order of the rows."""
    codes, _ = pd.factorize(ids, use_na_sentinel=False)
    _, first = np.unique(codes, return_index=True)
    return first


def _milestones(
    milestones: pd.DataFrame, ids: pd.Index, limit: np.datetime64
) -> dict[str, np.ndarray]:
    """The milestones completed by ``limit`` of the learners ``ids`` (code = position in ids)."""
    date = _dates(milestones["completed_date"])
    code = ids.get_indexer(pd.Index(milestones["learner_id"]))
    kept = (date <= limit) & (code >= 0)
    culminating = booleans(milestones["culminating_task"])
    return {"code": code[kept], "date": date[kept], "culminating": culminating[kept]}


def _earliest(code: np.ndarray, date: np.ndarray, n: int) -> np.ndarray:
    """The earliest date of each code 0..n-1 (NaT for none)."""
    first = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    order = np.argsort(date, kind="stable")
    codes, earliest = np.unique(code[order], return_index=True)
    first[codes] = date[order][earliest]
    return first


def _assessment_history(
    data: LearnerData, ids: pd.Index, limit: np.datetime64
) -> tuple[dict[str, np.ndarray], list[str], str]:
    """Assessments in order per learner and domain, each with the learner's first one.

    Columns: code, domain (int), date, score, level, k (0 for the first assessment),
    first_score, first_level, next_date (NaT for the latest).
    """
    raw = data.assessments
    date = _dates(raw["date"])
    codes = ids.get_indexer(pd.Index(raw["learner_id"]))
    kept = (date <= limit) & (codes >= 0)
    domain = raw["domain"].to_numpy(dtype=object)[kept]
    present = set(pd.unique(domain).tolist())
    domains = [d for d in DOMAINS if d in present] + sorted(present - set(DOMAINS))
    # Every row is banded, then the rows kept are taken: cheaper than a filtered copy.
    if data.scales.empty:
        level, levels_from = raw["level"], "level column"
    else:
        level, levels_from = scale_levels(raw["domain"], raw["score"], data.scales), "Scales"
    columns = _one_per_day(
        {
            "code": codes[kept],
            "domain": _codes(domain, domains),
            "date": date[kept],
            "score": raw["score"].to_numpy(dtype=float)[kept],
            "level": level.to_numpy(dtype=float)[kept],
        }
    )
    return {**columns, **_firsts_and_nexts(columns)}, domains, levels_from


def _codes(values: pd.Series | np.ndarray, categories: list[str]) -> np.ndarray:
    """The position of each value in ``categories``, which hold every value."""
    position = {category: i for i, category in enumerate(categories)}
    return np.fromiter(map(position.__getitem__, values.tolist()), np.int64, len(values))


def _one_per_day(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Sorted by learner, domain, date and score; of one day's assessments in a domain
    only the higher score is kept, so that row order never matters."""
    order = np.lexsort((columns["score"], columns["date"], columns["domain"], columns["code"]))
    code, domain, date = (columns[k][order] for k in ("code", "domain", "date"))
    same_day_as_next = np.zeros(len(code), dtype=bool)
    same_day_as_next[:-1] = (
        (code[1:] == code[:-1]) & (domain[1:] == domain[:-1]) & (date[1:] == date[:-1])
    )
    keep = order[~same_day_as_next]
    return {k: v[keep] for k, v in columns.items()}


def _firsts_and_nexts(columns: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Per row: its rank in its (learner, domain) group, the group's first score and level,
    and the date of the group's next assessment (NaT for the latest)."""
    code, domain, date = columns["code"], columns["domain"], columns["date"]
    n = len(code)
    starts_group = np.ones(n, dtype=bool)
    starts_group[1:] = (code[1:] != code[:-1]) | (domain[1:] != domain[:-1])
    first = np.maximum.accumulate(np.where(starts_group, np.arange(n), 0))
    next_date = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    continues = ~starts_group[1:]
    next_date[:-1][continues] = date[1:][continues]
    return {
        "k": np.arange(n) - first,
        "first_score": columns["score"][first],
        "first_level": columns["level"][first],
        "next_date": next_date,
    }


# --- figures per window --------------------------------------------------------------------


@dataclass
class Figures:
    """Counts and statistics per window and goal path, every learner (``ALL``) last."""

    windows: Windows
    paths: list[str]  # goal paths present, sorted
    domains: list[str]
    people: dict[str, np.ndarray]  # PEOPLE_COUNTS and median_days, each windows x paths
    by_domain: dict[str, np.ndarray]  # n, with_gain, median/mean_gain: windows x paths x domains
    levels_from: str

    def people_row(self, window: int, path: int) -> dict[str, Any]:
        """The figures of one window (an ordinal) and goal path (a position in ``paths``, or
        ``ALL_PATHS``), as Python numbers."""
        w = window - self.windows.first
        return {name: values[w][path] for name, values in self._people_lists.items()}

    def domain_row(self, window: int, path: int, domain: int) -> dict[str, Any]:
        w = window - self.windows.first
        return {name: values[w][path][domain] for name, values in self._domain_lists.items()}

    @cached_property
    def _people_lists(self) -> dict[str, list[Any]]:
        return {name: values.tolist() for name, values in self.people.items()}

    @cached_property
    def _domain_lists(self) -> dict[str, list[Any]]:
        return {name: values.tolist() for name, values in self.by_domain.items()}


ALL_PATHS = -1  # the position of ALL among the goal paths of Figures


PEOPLE_COUNTS = (
    "served",
    "assessed",
    "with_gain",
    "progressed",
    "milestones",
    "exited",
    "completed",
    "first_milestones",
)


def _expand(lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(row, window) for every window from ``lo`` to ``hi`` of every row."""
    n = np.clip(hi - lo + 1, 0, None)
    rows = np.repeat(np.arange(len(lo)), n)
    offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
    return rows, lo[rows] + offsets


@dataclass(frozen=True)
class _Tally:
    """Counts rows per (window, goal path) as a W x P array."""

    windows: Windows
    path: np.ndarray  # goal path code per learner
    n_paths: int

    def __call__(self, window: np.ndarray, code: np.ndarray) -> np.ndarray:
        w_count = self.windows.count
        cell = (window - self.windows.first) * self.n_paths + self.path[code]
        counts = np.bincount(cell, minlength=w_count * self.n_paths)
        return counts.reshape(w_count, self.n_paths)

    def in_range(self, window: np.ndarray) -> np.ndarray:
        return (window >= self.windows.first) & (window <= self.windows.last)


def window_figures(data: LearnerData, windows: Windows) -> Figures:
    rec = _prepare(data, windows.cutoff)
    tally = _Tally(windows, rec.path, len(rec.paths))
    span_lo = np.maximum(windows.ordinals(rec.start), windows.first)
    span_hi = np.minimum(windows.ordinals(rec.exit), windows.last)
    served_code, served_window = _expand(span_lo, span_hi)
    counts = {"served": tally(served_window, served_code)}
    counts |= _milestone_counts(rec, tally, served_code, served_window)
    counts |= _exit_counts(rec, tally)
    first_counts, first_ms = _first_milestones(rec, tally)
    counts |= first_counts
    progress = _assessed_rows(rec, windows, span_lo, span_hi)
    counts |= _assessed_counts(progress, len(rec.ids), tally)
    people = _people_figures(counts, first_ms, windows, rec.paths)
    by_domain = _domain_figures(progress, windows, rec)
    return Figures(windows, rec.paths, rec.domains, people, by_domain, rec.levels_from)


def _milestone_counts(
    rec: _Records, tally: _Tally, served_code: np.ndarray, served_window: np.ndarray
) -> dict[str, np.ndarray]:
    """Milestones completed, and learners served who completed one, per window."""
    windows = tally.windows
    m_window = windows.ordinals(rec.miles["date"])
    inside = tally.in_range(m_window)
    m_code, m_window = rec.miles["code"][inside], m_window[inside]
    served_key = served_code * windows.count + (served_window - windows.first)
    progressed = np.isin(served_key, m_code * windows.count + (m_window - windows.first))
    return {
        "milestones": tally(m_window, m_code),
        "progressed": tally(served_window[progressed], served_code[progressed]),
    }


def _exit_counts(rec: _Records, tally: _Tally) -> dict[str, np.ndarray]:
    """Learners who left in each window, and those of them with a culminating task done."""
    exit_window = tally.windows.ordinals(rec.exit)
    exited = tally.in_range(exit_window)
    completed = exited & (rec.first_culminating <= rec.exit)
    everyone = np.arange(len(rec.ids))
    return {
        "exited": tally(exit_window[exited], everyone[exited]),
        "completed": tally(exit_window[completed], everyone[completed]),
    }


def _first_milestones(
    rec: _Records, tally: _Tally
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Learners whose first milestone fell in each window, and their days from start."""
    fm_window = tally.windows.ordinals(rec.first_milestone)
    reached = tally.in_range(fm_window)
    days = (rec.first_milestone - rec.start) / np.timedelta64(1, "D")
    everyone = np.arange(len(rec.ids))
    first_ms = {"window": fm_window[reached], "path": rec.path[reached], "days": days[reached]}
    return {"first_milestones": tally(fm_window[reached], everyone[reached])}, first_ms


def _assessed_counts(
    progress: dict[str, np.ndarray], n_learners: int, tally: _Tally
) -> dict[str, np.ndarray]:
    """Learners assessed twice in some domain, and those with an increment in any domain."""
    windows = tally.windows
    w_count = windows.count
    key = progress["code"] * w_count + (progress["window"] - windows.first)
    assessed = _distinct(key, n_learners * w_count)
    gained = _distinct(key[progress["increments"] >= 1], n_learners * w_count)
    return {
        "assessed": tally(assessed % w_count + windows.first, assessed // w_count),
        "with_gain": tally(gained % w_count + windows.first, gained // w_count),
    }


def _distinct(keys: np.ndarray, size: int) -> np.ndarray:
    """The distinct keys (all in ``0..size-1``), sorted; a mark array beats hashing here."""
    seen = np.zeros(size, dtype=bool)
    seen[keys] = True
    return np.flatnonzero(seen)


def _assessed_rows(
    rec: _Records, windows: Windows, span_lo: np.ndarray, span_hi: np.ndarray
) -> dict[str, np.ndarray]:
    """For each window, each served learner's latest assessment per domain, if not the first.

    An assessment is the latest from its own window until the window before the next
    one, within the learner's active span.
    """
    later = {name: values[rec.assess["k"] >= 1] for name, values in rec.assess.items()}
    code = later["code"]
    lo = np.maximum(windows.ordinals(later["date"]), span_lo[code])
    next_window = windows.ordinals(later["next_date"])
    hi = np.minimum(np.where(next_window == _NEVER, _NEVER, next_window - 1), span_hi[code])
    rows, window = _expand(lo, hi)
    return {
        "window": window,
        "code": code[rows],
        "path": rec.path[code[rows]],
        "domain": later["domain"][rows],
        "gain": (later["score"] - later["first_score"])[rows],
        "increments": (later["level"] - later["first_level"])[rows],
    }


def _people_figures(
    counts: dict[str, np.ndarray],
    first_ms: dict[str, np.ndarray],
    windows: Windows,
    paths: list[str],
) -> dict[str, np.ndarray]:
    """The counts per (window, goal path), with ALL added last, and the median days."""
    figures = {
        name: np.concatenate([counts[name], counts[name].sum(axis=1, keepdims=True)], axis=1)
        for name in PEOPLE_COUNTS
    }
    median_days = _median_days(first_ms, windows, len(paths))
    return figures | {"median_days": median_days.reshape(windows.count, len(paths) + 1)}


def _median_days(first_ms: dict[str, np.ndarray], windows: Windows, n_paths: int) -> np.ndarray:
    """The median days per (window, goal path), ALL last, in the order of the people figures."""
    labels = n_paths + 1
    window = first_ms["window"] - windows.first
    own = window * labels + first_ms["path"]
    every = window * labels + n_paths
    days = first_ms["days"].astype(float)
    return _group_medians(
        np.concatenate([own, every]), np.concatenate([days, days]), windows.count * labels
    )


def _group_medians(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """The median of ``values`` per key in ``0..size-1`` (NaN for none), as pandas' groupby
    median computes it: the middle value, or the halved sum of the two middle ones."""
    present = ~np.isnan(values)
    keys, values = keys[present].astype(np.int64), values[present]
    counts = np.bincount(keys, minlength=size)
    ordered = values[np.lexsort((values, keys))]
    starts = np.cumsum(counts) - counts
    medians = np.full(size, np.nan)
    has = counts > 0
    lower = starts[has] + (counts[has] - 1) // 2
    upper = starts[has] + counts[has] // 2
    medians[has] = (ordered[upper] + ordered[lower]) / 2
    return medians


def _domain_figures(
    progress: dict[str, np.ndarray], windows: Windows, rec: _Records
) -> dict[str, np.ndarray]:
    """n, with_gain, median_gain and mean_gain per (window, goal path, domain)."""
    n_paths, n_domains = len(rec.paths) + 1, max(len(rec.domains), 1)
    window = progress["window"] - windows.first
    domain = progress["domain"]
    # One integer key per (window, goal path, domain); every row counts for ALL as well.
    own = (window * n_paths + progress["path"]) * n_domains + domain
    every = (window * n_paths + n_paths - 1) * n_domains + domain
    key = np.concatenate([own, every]).astype(np.int64)
    gain = np.concatenate([progress["gain"].astype(float)] * 2)
    gained = np.concatenate([progress["increments"] >= 1] * 2)
    size = windows.count * n_paths * n_domains
    stats = {
        "n": np.bincount(key, minlength=size).astype(np.int64),
        "with_gain": np.bincount(key[gained], minlength=size).astype(np.int64),
        "median_gain": _group_medians(key, gain, size),
        "mean_gain": _group_means(key, gain, size),
    }
    return {
        name: values.reshape(windows.count, n_paths, n_domains) for name, values in stats.items()
    }


def _group_means(keys: np.ndarray, values: np.ndarray, size: int) -> np.ndarray:
    """The mean of ``values`` per key (NaN for none), as pandas' groupby computes it.

    Pandas sums with compensation, which a plain numpy sum would not match to the last
    digit; but when every value is a whole number (scores usually are) every partial sum
    is exact either way, so the plain sum is used and pandas' fixed cost is saved.
    """
    means = np.full(size, np.nan)
    if not len(keys):
        return means
    if np.all(values % 1 == 0) and np.abs(values).sum() < 2**53:
        counts = np.bincount(keys, minlength=size)
        totals = np.bincount(keys, weights=values, minlength=size)
        return np.divide(totals, counts, out=means, where=counts > 0)
    by_key = pd.Series(values).groupby(keys).mean()
    means[by_key.index.to_numpy()] = by_key.to_numpy()
    return means


# --- documents -------------------------------------------------------------------------------


def _share(numerator: int, denominator: int, threshold: int) -> dict[str, Any]:
    return {
        "value": 100.0 * float(numerator) / float(denominator) if denominator else None,
        "numerator": int(numerator),
        "denominator": int(denominator),
        "small_n": bool(denominator < threshold),
    }


def _block(figures: Figures, window: int, path: int, threshold: int) -> dict[str, Any]:
    row = figures.people_row(window, path)
    domains = []
    for d, domain in enumerate(figures.domains):
        stats = figures.domain_row(window, path, d)
        n = int(stats["n"])
        domains.append(
            {
                "domain": domain,
                "n": n,
                "with_gain": int(stats["with_gain"]),
                "pct_with_gain": 100.0 * float(stats["with_gain"]) / n if n else None,
                "median_gain": optional_float(stats["median_gain"]),
                "mean_gain": optional_float(stats["mean_gain"]),
                "small_n": n < threshold,
            }
        )
    return {
        "served": int(row["served"]),
        "assessed": int(row["assessed"]),
        "pct_with_gain": _share(row["with_gain"], row["assessed"], threshold),
        "domains": domains,
        "learner_progress": _share(row["progressed"], row["served"], threshold),
        "goal_path_completion": _share(row["completed"], row["exited"], threshold),
        "median_days_to_first_milestone": {
            "value": optional_float(row["median_days"]),
            "n": int(row["first_milestones"]),
            "small_n": bool(row["first_milestones"] < threshold),
        },
        "milestones_completed": int(row["milestones"]),
    }


def _window_document(figures: Figures, window: int, threshold: int) -> dict[str, Any]:
    by_path = []
    for p, path in enumerate(figures.paths):
        block = _block(figures, window, p, threshold)
        by_path.append({"goal_path": path, **block, "small_n": block["served"] < threshold})
    return {**_block(figures, window, ALL_PATHS, threshold), "by_goal_path": by_path}


def _window_label(windows: Windows, ordinal: int) -> dict[str, Any]:
    period = windows.period(ordinal)
    end = min(period.end, windows.cutoff)
    return {
        "period": period.label,
        "start": period.start.isoformat(),
        "end": end.isoformat(),
        "complete": end == period.end,
    }


def lsa_summary(data: LearnerData, as_of: dt.date | None, settings: Settings) -> dict[str, Any]:
    """The ``learners`` part of a scorecard: the fiscal year to the cut-off date."""
    threshold = settings.privacy.small_n
    cutoff = cutoff_date(data, as_of)
    if cutoff is None:
        return {"window": None, "as_of": None, "small_n_threshold": threshold, "served": 0}
    windows = fiscal_year_window(cutoff, settings.fiscal_year_start_month)
    figures = window_figures(data, windows)
    return {
        "window": _window_label(windows, windows.first),
        "as_of": cutoff.isoformat(),
        "levels_from": figures.levels_from,
        "small_n_threshold": threshold,
        **_window_document(figures, windows.first, threshold),
    }


def lsa_periods(
    data: LearnerData, frequency: Frequency, as_of: dt.date | None, settings: Settings
) -> list[dict[str, Any]]:
    """The same figures for every complete period of ``frequency``, oldest first."""
    cutoff = cutoff_date(data, as_of)
    windows = (
        None
        if cutoff is None
        else period_windows(data, frequency, cutoff, settings.fiscal_year_start_month)
    )
    if windows is None:
        return []
    figures = window_figures(data, windows)
    threshold = settings.privacy.small_n
    return [
        {**_window_label(windows, w), **_window_document(figures, w, threshold)}
        for w in range(windows.first, windows.last + 1)
    ]


def default_frequency(indicators: pd.DataFrame) -> Frequency:
    """The most common frequency of the indicators computed from learner sheets; else quarterly."""
    if indicators.empty or "source" not in indicators:
        return Frequency.QUARTERLY
    derived = indicators.loc[indicators["source"].map(canonical_source).notna(), "frequency"]
    common = Counter(Frequency(str(f)) for f in derived if f is not None).most_common(1)
    return common[0][0] if common else Frequency.QUARTERLY


# --- derived indicators -------------------------------------------------------------------------


def _measure_columns(figures: Figures, name: str) -> dict[str, np.ndarray]:
    """window (ordinal) and value / numerator / denominator per window, for every learner
    (ALL); no windows for a domain without assessments."""
    people = {stat: values[:, ALL_PATHS] for stat, values in figures.people.items()}
    windows = np.arange(figures.windows.first, figures.windows.last + 1)
    blank = np.full(len(windows), np.nan)
    out = {"window": windows, "value": blank, "numerator": blank, "denominator": blank}
    simple = {
        "lsa.learners_served": "served",
        "lsa.learners_assessed": "assessed",
        "lsa.milestones_completed": "milestones",
        "lsa.learners_exited": "exited",
    }
    shares = {
        "lsa.pct_with_gain": ("with_gain", "assessed"),
        "lsa.learner_progress": ("progressed", "served"),
        "lsa.goal_path_completion": ("completed", "exited"),
    }
    if name in simple:
        out["value"] = people[simple[name]].astype(float)
    elif name in shares:
        num, den = shares[name]
        out["numerator"] = people[num].astype(float)
        out["denominator"] = people[den].astype(float)
    elif name == "lsa.median_days_to_first_milestone":
        out["value"] = people["median_days"]
    else:
        stat, key = name.removeprefix("lsa.").split(".")
        domain = DOMAIN_KEYS[key]
        if domain not in figures.domains:
            return {column: values[:0] for column, values in out.items()}
        d = figures.domains.index(domain)
        stats = {s: values[:, ALL_PATHS, d] for s, values in figures.by_domain.items()}
        if stat == "pct_with_gain":
            out["numerator"] = stats["with_gain"].astype(float)
            out["denominator"] = stats["n"].astype(float)
        else:
            out["value"] = stats[stat]
    return out


# Copying an empty frame costs a tenth of building one; most workbooks derive nothing.
_NO_RESULTS = pd.DataFrame(columns=RESULT_COLUMNS)


def derived_results(
    learners: LearnerData,
    indicators: pd.DataFrame,
    settings: Settings,
    as_of: dt.date | None = None,
) -> pd.DataFrame:
    """Results rows for the indicators whose ``source`` names a derived measure.

    One row per complete period of the indicator's frequency up to the cut-off (``as_of``,
    else the latest date in the learner sheets); the period holding the cut-off is left
    out unless it ends on it, so no partial period is scored. Annual indicators use fiscal
    years. Shares carry numerator and denominator; the value is a percent (unit percent)
    or a proportion (unit rate).
    """
    if indicators.empty or "source" not in indicators:
        return _NO_RESULTS.copy()
    measures = [canonical_source(source) for source in indicators["source"].tolist()]
    wanted = [row for row, measure in enumerate(measures) if measure is not None]
    cutoff = cutoff_date(learners, as_of) if wanted else None
    if cutoff is None:
        return _NO_RESULTS.copy()
    ids, units = indicators["indicator_id"].tolist(), indicators["unit"].tolist()
    frequency_of = indicators["frequency"].astype(str).tolist()
    parts = []
    for frequency in sorted({frequency_of[row] for row in wanted}):
        windows = period_windows(
            learners, Frequency(frequency), cutoff, settings.fiscal_year_start_month
        )
        if windows is None:
            continue
        figures = window_figures(learners, windows)
        for row in wanted:
            if frequency_of[row] == frequency:
                measure, unit = str(measures[row]), str(units[row])
                parts.append(_indicator_rows(figures, str(ids[row]), measure, unit))
    if not parts:
        return _NO_RESULTS.copy()
    return pd.concat(parts, ignore_index=True)[RESULT_COLUMNS]


def _indicator_rows(figures: Figures, indicator_id: str, measure: str, unit: str) -> pd.DataFrame:
    columns = _measure_columns(figures, measure)
    if MEASURES[measure].kind == "share":
        scale = 100.0 if unit == "percent" else 1.0
        numerator, denominator = columns["numerator"], columns["denominator"]
        with np.errstate(divide="ignore", invalid="ignore"):
            share = np.where(denominator > 0, numerator / denominator * scale, np.nan)
        columns["value"] = share
    kept = ~np.isnan(columns["value"])
    return pd.DataFrame(
        {
            "indicator_id": indicator_id,
            "period": [figures.windows.period(w) for w in columns["window"][kept].tolist()],
            "value": columns["value"][kept],
            "numerator": columns["numerator"][kept],
            "denominator": columns["denominator"][kept],
            "note": None,
            "agency_id": None,
            "row": None,
        }
    )


# --- per learner ------------------------------------------------------------------------------


def learner_rows(
    data: LearnerData, as_of: dt.date | None, settings: Settings
) -> list[dict[str, Any]]:
    """One row per learner as at the cut-off (only for an explicit ``--learners``)."""
    del settings
    cutoff = cutoff_date(data, as_of)
    if cutoff is None:
        return []
    rec = _prepare(data, cutoff)
    n = len(rec.ids)
    frame = pd.DataFrame(
        {
            "learner_id": rec.ids,
            "goal_path": [rec.paths[p] for p in rec.path],
            "start_date": pd.Series(rec.start).dt.date,
            "exit_date": pd.Series(rec.exit).dt.date.astype(object).where(~np.isnat(rec.exit)),
        }
    )
    assess = pd.DataFrame(rec.assess)
    latest = assess[assess["next_date"].isna()]
    for d, domain in enumerate(rec.domains):
        key = normalise_key(domain)
        rows = latest[latest["domain"] == d].set_index("code")
        frame[f"{key}_first"] = rows["first_score"].reindex(range(n)).to_numpy()
        frame[f"{key}_latest"] = rows["score"].reindex(range(n)).to_numpy()
        twice = rows[rows["k"] >= 1]
        frame[f"{key}_gain"] = (twice["score"] - twice["first_score"]).reindex(range(n)).to_numpy()
        frame[f"{key}_increments"] = (
            (twice["level"] - twice["first_level"]).reindex(range(n)).to_numpy()
        )
    frame["milestones"] = np.bincount(rec.miles["code"], minlength=n)
    days = (rec.first_milestone - rec.start) / np.timedelta64(1, "D")
    frame["days_to_first_milestone"] = days
    frame["culminating_task"] = ~np.isnat(rec.first_culminating)
    frame = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in row.items()} for row in frame.to_dict(orient="records")]
