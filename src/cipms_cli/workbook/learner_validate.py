"""Validate the learner sheets (Learners, Assessments, Milestones, Scales) into DataFrames.

Every problem is located to its cell. Dates are real date cells or unambiguous dates
typed as text (read with a ``date-as-text`` warning); anything else is an error, never
a silent misreading. Columns outside the contract (a ``name`` column, say) are warned
about by the table reader and never carried into the data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np
import pandas as pd

from cipms_cli.problems import Severity
from cipms_cli.settings import Settings
from cipms_cli.workbook.collector import ProblemCollector
from cipms_cli.workbook.columns import Column, coerce_table
from cipms_cli.workbook.reader import RawWorkbook
from cipms_cli.workbook.records import frame_of, positions_in
from cipms_cli.workbook.sheet_tables import read_table
from cipms_cli.workbook.sheets import (
    ASSESSMENTS,
    LEARNER_SHEETS,
    LEARNERS,
    MILESTONES,
    SCALES,
    SheetSpec,
)
from cipms_cli.workbook.table import Table

DATE_COLUMNS = ("start_date", "exit_date", "date", "completed_date")
LEVEL_COLUMNS = ("level",)
NUMBER_COLUMNS = ("score", "min_score", "max_score")
# Two or more words of letters only: a name typed where a pseudonymous code belongs.
_NAME_LIKE = re.compile(r"^[^\W\d_]{2,}(?:[ '\-][^\W\d_]+)+$")


@dataclass
class LearnerData:
    """The learner sheets, typed. Dates are ``datetime64`` columns, levels floats (NaN if blank).

    Every frame keeps ``row`` (the Excel row) so that problems can be located. The frames
    are read-only once built: the engine keeps its preparation of them in ``memo``.
    """

    learners: pd.DataFrame  # learner_id, goal_path, start_date, exit_date, exit_reason
    assessments: pd.DataFrame  # learner_id, date, domain, score, level
    milestones: pd.DataFrame  # learner_id, milestone, competency, level, completed_date, ...
    scales: pd.DataFrame  # domain, level, min_score, max_score
    memo: dict[Any, Any] = field(default_factory=dict, repr=False, compare=False)


# --- entry point -------------------------------------------------------------------------


def validate_learners(
    book: RawWorkbook, found: dict[str, str], settings: Settings, out: ProblemCollector
) -> LearnerData | None:
    """The learner sheets of ``book``, or None when it has none. Problems go to ``out``."""
    del settings  # the learner sheets have no options yet; kept for a stable signature
    if not any(spec.name in found for spec in LEARNER_SHEETS):
        return None
    sheets = {
        spec.name: _read_sheet(book, found.get(spec.name), spec, out) for spec in LEARNER_SHEETS
    }
    people, tests, steps, bands = (
        sheets[s.name] for s in (LEARNERS, ASSESSMENTS, MILESTONES, SCALES)
    )
    known = people.known_ids()
    for sheet in sheets.values():
        sheet.drop_incomplete()
    _check_scales(bands, out)
    _check_learners(people, out)
    _check_assessments(tests, people, known, bands, out)
    _check_milestones(steps, people, known, out)
    return LearnerData(people.frame(), tests.frame(), steps.frame(), bands.frame())


# --- reading ----------------------------------------------------------------------------


@dataclass
class _Sheet:
    """One learner sheet while it is checked: its typed columns, and which records are
    still in (a check drops the records it rejects).

    The checks work on lists and numpy arrays, and the DataFrame is built once from the
    records kept: a quarterly return has a few dozen rows a sheet, where each pandas call
    costs more than the work itself.
    """

    spec: SheetSpec
    table: Table | None
    typed: dict[str, Column]
    rows: np.ndarray  # the Excel row of each record
    keep: np.ndarray  # bool: the record is still in
    _arrays: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, spec: SheetSpec, table: Table | None, typed: dict[str, Column]) -> _Sheet:
        rows = np.asarray(table.row_numbers if table else [], dtype="int64")
        return cls(spec, table, typed, rows, np.ones(len(rows), dtype=bool))

    def column(self, name: str) -> np.ndarray:
        """The column as the frame holds it: datetime64, float, bool or object."""
        if name not in self._arrays:
            self._arrays[name] = _column_array(name, self.typed[name])
        return self._arrays[name]

    def kept(self) -> np.ndarray:
        return np.flatnonzero(self.keep)

    def has_records(self) -> bool:
        return bool(self.keep.any())

    def drop(self, positions: Sequence[int] | np.ndarray) -> None:
        self.keep[np.asarray(positions, dtype="int64")] = False

    def known_ids(self) -> set[Any] | None:
        """Every learner_id on the sheet, even of rows dropped later; None without a sheet."""
        if self.table is None:
            return None
        ids = self.column("learner_id")
        return set(ids[~pd.isna(ids)].tolist())

    def drop_incomplete(self) -> None:
        for name in self.spec.required_columns:
            self.keep &= ~pd.isna(self.column(name))

    def frame(self) -> pd.DataFrame:
        kept = self.keep if not self.keep.all() else slice(None)
        index = pd.RangeIndex(len(self.rows))[kept]
        columns = {name: self.column(name)[kept] for name in self.typed}
        columns["row"] = self.rows[kept]
        columns["position"] = index.to_numpy(dtype="int64")
        return frame_of(columns, index)


def _read_sheet(
    book: RawWorkbook, sheet: str | None, spec: SheetSpec, out: ProblemCollector
) -> _Sheet:
    table = read_table(book, sheet, spec, out) if sheet else None
    if table is None:
        return _Sheet.of(spec, None, {name: [] for name in spec.model.model_fields})
    typed, errors = coerce_table(spec.model, table.values, len(table))
    for err in errors:
        out.cell_error(table, err)
    _warn_dates_as_text(table, typed, out)
    return _Sheet.of(spec, table, typed)


def _column_array(name: str, values: Column) -> np.ndarray:
    if name in DATE_COLUMNS:
        return _datetimes(values)
    if name in LEVEL_COLUMNS or name in NUMBER_COLUMNS:
        return np.array(values, dtype=float)  # None becomes NaN
    if name == "culminating_task":
        return np.array([v is True for v in values], dtype=bool)
    return np.array(_plain(values), dtype=object)


def _plain(values: Column) -> list[Any]:
    """Enum members become their text, so that frames hold plain strings."""
    return [v.value if isinstance(v, Enum) else v for v in values]


# Up to this many dates numpy converts faster than pandas' conversion of distinct dates.
_CONVERTED_ONE_BY_ONE = 1000
# The dates numpy can hold at nanosecond resolution, with a day to spare at each end.
_FIRST_DAY, _LAST_DAY = np.datetime64("1677-09-23"), np.datetime64("2262-04-10")
_EPOCH = dt.date(1970, 1, 1).toordinal()
_NAT = np.iinfo(np.int64).min  # NaT, in any unit


def _datetimes(values: Column) -> np.ndarray:
    """``datetime64[ns]`` from date objects (None becomes NaT)."""
    if len(values) > _CONVERTED_ONE_BY_ONE:
        return _datetimes_through_pandas(values)  # converts each distinct date once
    days = _days(values)
    present = days[~np.isnat(days)]
    if len(present) and (present.min() < _FIRST_DAY or present.max() > _LAST_DAY):
        return _datetimes_through_pandas(values)  # keeps pandas' handling of extreme dates
    return days.astype("datetime64[ns]")


def _days(values: Column) -> np.ndarray:
    """``datetime64[D]`` from date objects (None becomes NaT), by their ordinals: numpy
    takes ten times as long to convert the date objects itself."""
    ordinals = (_NAT if day is None else day.toordinal() - _EPOCH for day in values)
    return np.fromiter(ordinals, dtype=np.int64, count=len(values)).view("datetime64[D]")


def _datetimes_through_pandas(values: Column) -> np.ndarray:
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    converted = pd.to_datetime(pd.Series(uniques, dtype=object)).to_numpy(dtype="datetime64[ns]")
    out = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]")
    valid = codes >= 0
    out[valid] = converted[codes[valid]]
    return out


def _warn_dates_as_text(table: Table, typed: dict[str, Column], out: ProblemCollector) -> None:
    for column in DATE_COLUMNS:
        if column not in table.values:
            continue
        for index, (raw, read) in enumerate(zip(table.values[column], typed[column], strict=True)):
            if isinstance(raw, str) and read is not None:
                out.at(
                    table,
                    index,
                    column,
                    "date-as-text",
                    f"'{raw}' is a date typed as text; it was read as {read}, but a real "
                    "date cell is safer",
                    raw,
                    Severity.WARNING,
                )


# --- Scales -----------------------------------------------------------------------------


def scale_levels(domains: pd.Series, scores: pd.Series, scales: pd.DataFrame) -> pd.Series:
    """The Scales level of each score: the band with the highest ``min_score`` at or below it.

    NaN where the domain has no bands or the score is outside the domain's scale.
    """
    levels = _band_levels(
        domains.to_numpy(),
        scores.to_numpy(dtype=float),
        _Bands.of(scales["domain"].to_numpy(), *(scales[c] for c in _Bands.NUMBERS)),
    )
    return pd.Series(levels, index=scores.index)


@dataclass
class _Bands:
    """The Scales bands as arrays, in sheet order."""

    NUMBERS = ("level", "min_score", "max_score")

    domain: np.ndarray
    level: np.ndarray
    low: np.ndarray
    high: np.ndarray

    @classmethod
    def of(cls, domain: np.ndarray, level: Any, low: Any, high: Any) -> _Bands:
        return cls(domain, *(np.asarray(v, dtype=float) for v in (level, low, high)))

    def by_domain(self) -> dict[Any, np.ndarray]:
        """Each domain's band positions, domains in order of first appearance."""
        positions: dict[Any, list[int]] = {}
        for i, domain in enumerate(self.domain.tolist()):
            positions.setdefault(domain, []).append(i)
        return {d: np.asarray(p, dtype="int64") for d, p in positions.items()}


def _band_levels(domains: np.ndarray, scores: np.ndarray, bands: _Bands) -> np.ndarray:
    levels = np.full(len(scores), np.nan)
    for domain, at in bands.by_domain().items():
        mask = domains == domain
        if not mask.any():
            continue
        at = at[np.argsort(bands.low[at], kind="stable")]
        chosen = scores[mask]
        position = np.searchsorted(bands.low[at], chosen, side="right") - 1
        inside = (position >= 0) & (chosen <= bands.high[at].max())
        levels[mask] = np.where(inside, bands.level[at][position.clip(0)], np.nan)
    return levels


def _kept_bands(sheet: _Sheet) -> _Bands:
    kept = sheet.kept()
    return _Bands.of(sheet.column("domain")[kept], *(sheet.column(c)[kept] for c in _Bands.NUMBERS))


def _check_scales(sheet: _Sheet, out: ProblemCollector) -> None:
    table = sheet.table
    if table is None or not sheet.has_records():
        return
    low, high = sheet.column("min_score"), sheet.column("max_score")
    inverted = sheet.kept()[low[sheet.keep] > high[sheet.keep]]
    for i in inverted:
        out.at(
            table,
            i,
            "max_score",
            "invalid-band",
            f"max_score {high[i]:g} is below min_score {low[i]:g}",
            float(high[i]),
        )
    sheet.drop(inverted)
    _drop_repeats(sheet, ["domain", "level"], "level", "duplicate-band", "band", out)
    _check_band_order(sheet, table, out)


def _check_band_order(sheet: _Sheet, table: Table, out: ProblemCollector) -> None:
    domain, level = sheet.column("domain"), sheet.column("level")
    low, high = sheet.column("min_score"), sheet.column("max_score")
    ordered = sorted(sheet.kept().tolist(), key=lambda i: (domain[i], low[i]))
    overlaps, unordered = [], []
    for previous, i in zip([None, *ordered], ordered, strict=False):
        if previous is None or domain[previous] != domain[i]:
            continue
        if low[i] <= high[previous]:
            overlaps.append((i, previous))
        elif level[i] <= level[previous]:
            unordered.append(i)
    for i, previous in overlaps:
        out.at(
            table,
            i,
            "min_score",
            "overlapping-bands",
            f"the {domain[i]} band for level {level[i]:g} starts at {low[i]:g}, inside "
            f"the band on row {sheet.rows[previous]}; bands must not overlap",
            float(low[i]),
        )
    for i in unordered:
        out.at(
            table,
            i,
            "level",
            "bands-out-of-order",
            f"level {level[i]:g} of {domain[i]} has higher scores than a higher level; "
            "higher levels need higher scores",
            float(level[i]),
        )


# --- Learners ---------------------------------------------------------------------------


def _check_learners(sheet: _Sheet, out: ProblemCollector) -> None:
    """One row per learner (the first when an id repeats)."""
    table = sheet.table
    if table is None:
        return
    _drop_repeats(sheet, ["learner_id"], "learner_id", "duplicate-learner", "learner", out)
    start, exit_ = sheet.column("start_date"), sheet.column("exit_date")
    kept = sheet.kept()
    for i in kept[exit_[kept] < start[kept]]:  # NaT compares False: no exit, no problem
        out.at(
            table,
            i,
            "exit_date",
            "exit-before-start",
            f"exit_date {_day(exit_[i])} is before start_date {_day(start[i])}",
            _day(exit_[i]),
        )
    ids = sheet.column("learner_id")
    for i in kept:
        if _looks_like_name(ids[i]):
            out.at(
                table,
                i,
                "learner_id",
                "learner-id-looks-like-name",
                "this looks like a name; use a pseudonymous code (such as L0001) so that no "
                "report can identify the learner",
                severity=Severity.WARNING,
            )


def _looks_like_name(value: Any) -> bool:
    return isinstance(value, str) and bool(_NAME_LIKE.match(value))


# --- Assessments and Milestones -------------------------------------------------------------


def _check_assessments(
    sheet: _Sheet, learners: _Sheet, known: set[Any] | None, scales: _Sheet, out: ProblemCollector
) -> None:
    table = sheet.table
    if table is None or not sheet.has_records():
        return
    _check_references(sheet, table, known, out)
    _check_span(sheet, table, learners, "date", ("assessment", "assessed on"), out)
    _check_against_scales(sheet, table, scales, out)
    _warn_same_day(sheet, table, out)


def _check_milestones(
    sheet: _Sheet, learners: _Sheet, known: set[Any] | None, out: ProblemCollector
) -> None:
    table = sheet.table
    if table is None or not sheet.has_records():
        return
    _check_references(sheet, table, known, out)
    _check_span(sheet, table, learners, "completed_date", ("milestone", "completed on"), out)


def _check_references(
    sheet: _Sheet, table: Table, known: set[Any] | None, out: ProblemCollector
) -> None:
    if known is None:
        return
    ids = sheet.column("learner_id")
    kept = sheet.kept()
    listed = np.fromiter(known, dtype=object, count=len(known))
    unknown = kept[positions_in(listed, ids[kept]) < 0].tolist()
    for i in unknown:
        out.at(
            table,
            i,
            "learner_id",
            "unknown-learner",
            f"learner '{ids[i]}' (row {sheet.rows[i]}) is not on the Learners sheet; add "
            "them there or correct the id",
            ids[i],
        )
    sheet.drop(unknown)


def _check_span(
    sheet: _Sheet,
    table: Table,
    learners: _Sheet,
    column: str,
    wording: tuple[str, str],
    out: ProblemCollector,
) -> None:
    """Records dated before their learner's start_date or after their exit_date."""
    if not learners.has_records():
        return
    what, verb = wording
    kept = sheet.kept()
    person = _learner_positions(learners, sheet.column("learner_id")[kept])
    found = person >= 0
    when = sheet.column(column)[kept]
    start, exit_ = (_at(learners.column(c), person, found) for c in ("start_date", "exit_date"))
    before = when < start
    after = ~before & (when > exit_)  # NaT (no learner, or no exit) compares False
    for side, mask, bound, word in (
        ("before-start", before, start, "before their start_date"),
        ("after-exit", after, exit_, "after their exit_date"),
    ):
        for k in np.flatnonzero(mask):
            day = _day(when[k])
            out.at(
                table,
                kept[k],
                column,
                f"{what}-{side}",
                f"{sheet.column('learner_id')[kept[k]]} {verb} {day}, {word} "
                f"{_day(bound[k])} (Learners row {learners.rows[person[k]]})",
                day,
            )


def _learner_positions(learners: _Sheet, ids: np.ndarray) -> np.ndarray:
    """The Learners record of each id, -1 where it has none (learners are unique by now)."""
    kept = learners.kept()
    found = positions_in(learners.column("learner_id")[kept], ids)
    return np.where(found >= 0, kept[found], -1)


def _at(values: np.ndarray, positions: np.ndarray, found: np.ndarray) -> np.ndarray:
    """``values`` at ``positions``, NaT where ``found`` is False."""
    out = np.full(len(positions), np.datetime64("NaT"), dtype=values.dtype)
    out[found] = values[positions[found]]
    return out


def _check_against_scales(
    sheet: _Sheet, table: Table, scales: _Sheet, out: ProblemCollector
) -> None:
    kept = sheet.kept()
    if not scales.has_records():
        _warn_missing_levels(int(np.isnan(sheet.column("level")[kept]).sum()), table, out)
        return
    bands = _kept_bands(scales)
    domain, score, level = (sheet.column(c)[kept] for c in ("domain", "score", "level"))
    low, high = _domain_ranges(domain, bands)
    unscaled = np.isnan(low)
    for k in np.flatnonzero(unscaled):
        out.at(
            table,
            kept[k],
            "domain",
            "domain-without-scale",
            f"Scales has no bands for {domain[k]}; add them, so its scores can be placed at "
            "a level",
            domain[k],
        )
    for k in np.flatnonzero(~unscaled & ((score < low) | (score > high))):
        out.at(
            table,
            kept[k],
            "score",
            "score-out-of-scale",
            f"score {score[k]:g} is outside the {domain[k]} scale {low[k]:g}-{high[k]:g} (Scales)",
            float(score[k]),
        )
    band = _band_levels(domain, score, bands)
    for k in np.flatnonzero(~np.isnan(level) & ~np.isnan(band) & (level != band)):
        out.at(
            table,
            kept[k],
            "level",
            "level-mismatch",
            f"level {level[k]:g} does not match score {score[k]:g} (Scales puts it at "
            f"level {band[k]:g}); correct the level or the score",
            float(level[k]),
        )


def _domain_ranges(domains: np.ndarray, bands: _Bands) -> tuple[np.ndarray, np.ndarray]:
    """Each record's whole domain scale (lowest min_score, highest max_score); NaN unscaled."""
    low, high = np.full(len(domains), np.nan), np.full(len(domains), np.nan)
    for domain, at in bands.by_domain().items():
        mask = domains == domain
        low[mask], high[mask] = bands.low[at].min(), bands.high[at].max()
    return low, high


def _warn_missing_levels(missing: int, table: Table, out: ProblemCollector) -> None:
    if missing:
        out.add(
            "no-level",
            f"{missing} assessment(s) have no level and there is no Scales sheet, so their "
            "increments cannot be counted; fill in level or add a Scales sheet",
            severity=Severity.WARNING,
            sheet=table.sheet,
            row=table.header_row,
            column=table.headers.get("level"),
        )


def _warn_same_day(sheet: _Sheet, table: Table, out: ProblemCollector) -> None:
    ids, domain = sheet.column("learner_id"), sheet.column("domain")
    dates, score = sheet.column("date").view("int64"), sheet.column("score")
    first: dict[tuple[Any, Any, int], int] = {}
    for i in sheet.kept().tolist():
        key = (ids[i], domain[i], int(dates[i]))
        if key not in first:
            first[key] = i
            continue
        out.at(
            table,
            i,
            "score",
            "same-day-assessment",
            f"{ids[i]} has another {domain[i]} assessment on {_day(sheet.column('date')[i])} "
            f"(row {sheet.rows[first[key]]}); only the higher score of the day is used",
            float(score[i]),
            Severity.WARNING,
        )


# --- shared -------------------------------------------------------------------------------


def _drop_repeats(
    sheet: _Sheet, keys: list[str], column: str, code: str, what: str, out: ProblemCollector
) -> None:
    """Keep the first record of each key; each repeat is an error naming the first's row."""
    table = sheet.table
    assert table is not None
    values = [sheet.column(k).tolist() for k in keys]
    first: dict[tuple[Any, ...], int] = {}
    repeats = []
    for i in sheet.kept().tolist():
        key = tuple(v[i] for v in values)
        if key not in first:
            first[key] = i
            continue
        repeats.append(i)
        shown = " / ".join(f"{k:g}" if isinstance(k, float) else str(k) for k in key)
        out.at(
            table,
            i,
            column,
            code,
            f"{what} {shown} repeats row {sheet.rows[first[key]]}; keep one of the two rows",
            values[keys.index(column)][i],
        )
    sheet.drop(repeats)


def _day(value: Any) -> str:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[D]"))
    return str(value)
