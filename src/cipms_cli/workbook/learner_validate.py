"""Validate the learner sheets (Learners, Assessments, Milestones, Scales) into DataFrames.

Every problem is located to its cell. Dates are real date cells or unambiguous dates
typed as text (read with a ``date-as-text`` warning); anything else is an error, never
a silent misreading. Columns outside the contract (a ``name`` column, say) are warned
about by the table reader and never carried into the data.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
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


def empty_frame(spec: SheetSpec) -> pd.DataFrame:
    return _typed_frame(spec, {name: [] for name in spec.model.model_fields}, [])


# --- entry point -------------------------------------------------------------------------


def validate_learners(
    book: RawWorkbook, found: dict[str, str], settings: Settings, out: ProblemCollector
) -> LearnerData | None:
    """The learner sheets of ``book``, or None when it has none. Problems go to ``out``."""
    del settings  # the learner sheets have no options yet; kept for a stable signature
    if not any(spec.name in found for spec in LEARNER_SHEETS):
        return None
    tables: dict[str, Table] = {}
    frames: dict[str, pd.DataFrame] = {}
    for spec in LEARNER_SHEETS:
        sheet = found.get(spec.name)
        table = read_table(book, sheet, spec, out) if sheet else None
        if table is None:
            frames[spec.name] = empty_frame(spec)
            continue
        tables[spec.name] = table
        frames[spec.name] = _read_frame(spec, table, out)
    learner_ids = frames[LEARNERS.name]["learner_id"].dropna()
    known = set(learner_ids) if LEARNERS.name in tables else None
    frames = {
        name: frame.dropna(subset=_spec(name).required_columns) for name, frame in frames.items()
    }
    scales = _check_scales(frames[SCALES.name], tables.get(SCALES.name), out)
    learners = _check_learners(frames[LEARNERS.name], tables.get(LEARNERS.name), out)
    assessments = _check_assessments(
        frames[ASSESSMENTS.name], tables.get(ASSESSMENTS.name), learners, known, scales, out
    )
    milestones = _check_milestones(
        frames[MILESTONES.name], tables.get(MILESTONES.name), learners, known, out
    )
    return LearnerData(learners, assessments, milestones, scales)


# --- reading ----------------------------------------------------------------------------


def _read_frame(spec: SheetSpec, table: Table, out: ProblemCollector) -> pd.DataFrame:
    typed, errors = coerce_table(spec.model, table.values, len(table))
    for err in errors:
        out.cell_error(table, err)
    _warn_dates_as_text(table, typed, out)
    return _typed_frame(spec, typed, table.row_numbers)


def _spec(name: str) -> SheetSpec:
    return next(spec for spec in LEARNER_SHEETS if spec.name == name)


def _typed_frame(spec: SheetSpec, typed: dict[str, Column], rows: Sequence[int]) -> pd.DataFrame:
    columns: dict[str, Any] = {}
    for name, values in typed.items():
        if name in DATE_COLUMNS:
            columns[name] = _datetimes(values)
        elif name in LEVEL_COLUMNS or name in NUMBER_COLUMNS:
            columns[name] = pd.Series(values, dtype=float)
        elif name == "culminating_task":
            columns[name] = pd.Series([v is True for v in values], dtype=bool)
        else:
            columns[name] = pd.Series(_plain(values), dtype=object)
    frame = pd.DataFrame(columns)
    frame["row"] = pd.Series(rows, dtype="int64")
    frame["position"] = np.arange(len(rows), dtype="int64")
    return frame


def _plain(values: Column) -> list[Any]:
    """Enum members become their text, so that frames hold plain strings."""
    return [v.value if isinstance(v, Enum) else v for v in values]


def _datetimes(values: Column) -> pd.Series:
    """``datetime64`` from date objects, converting each distinct date once."""
    codes, uniques = pd.factorize(pd.Series(values, dtype=object), use_na_sentinel=True)
    converted = pd.to_datetime(pd.Series(uniques, dtype=object)).to_numpy(dtype="datetime64[ns]")
    out = np.full(len(codes), np.datetime64("NaT"), dtype="datetime64[ns]")
    valid = codes >= 0
    out[valid] = converted[codes[valid]]
    return pd.Series(out)


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
    levels = np.full(len(scores), np.nan)
    domain_values = domains.to_numpy()
    score_values = scores.to_numpy(dtype=float)
    for domain, bands in scales.groupby("domain", sort=False):
        bands = bands.sort_values("min_score", kind="stable")
        mask = domain_values == domain
        if not mask.any():
            continue
        chosen = score_values[mask]
        mins = bands["min_score"].to_numpy(dtype=float)
        position = np.searchsorted(mins, chosen, side="right") - 1
        inside = (position >= 0) & (chosen <= bands["max_score"].max())
        band_levels = bands["level"].to_numpy(dtype=float)
        levels[mask] = np.where(inside, band_levels[position.clip(0)], np.nan)
    return pd.Series(levels, index=scores.index)


def scale_ranges(scales: pd.DataFrame) -> pd.DataFrame:
    """Each domain's whole scale: the lowest min_score and highest max_score of its bands."""
    return scales.groupby("domain").agg(low=("min_score", "min"), high=("max_score", "max"))


def _check_scales(frame: pd.DataFrame, table: Table | None, out: ProblemCollector) -> pd.DataFrame:
    if table is None or frame.empty:
        return frame
    inverted = frame["min_score"] > frame["max_score"]
    for rec in _records(frame[inverted]):
        out.at(
            table,
            rec.position,
            "max_score",
            "invalid-band",
            f"max_score {rec.max_score:g} is below min_score {rec.min_score:g}",
            rec.max_score,
        )
    frame = frame[~inverted]
    frame = _drop_repeats(frame, ["domain", "level"], table, "level", "duplicate-band", "band", out)
    ordered = frame.sort_values(["domain", "min_score"], kind="stable")
    previous = ordered.groupby("domain", sort=False).shift(1)
    overlap = previous["max_score"].notna() & (ordered["min_score"] <= previous["max_score"])
    for rec, prev_row in zip(_records(ordered[overlap]), previous.loc[overlap, "row"], strict=True):
        out.at(
            table,
            rec.position,
            "min_score",
            "overlapping-bands",
            f"the {rec.domain} band for level {rec.level:g} starts at {rec.min_score:g}, inside "
            f"the band on row {int(prev_row)}; bands must not overlap",
            rec.min_score,
        )
    unordered = previous["level"].notna() & (ordered["level"] <= previous["level"])
    for rec in _records(ordered[unordered & ~overlap]):
        out.at(
            table,
            rec.position,
            "level",
            "bands-out-of-order",
            f"level {rec.level:g} of {rec.domain} has higher scores than a higher level; "
            "higher levels need higher scores",
            rec.level,
        )
    return frame


# --- Learners ---------------------------------------------------------------------------


def _check_learners(
    frame: pd.DataFrame, table: Table | None, out: ProblemCollector
) -> pd.DataFrame:
    """One row per learner (the first when an id repeats)."""
    if table is None:
        return frame
    frame = _drop_repeats(
        frame, ["learner_id"], table, "learner_id", "duplicate-learner", "learner", out
    )
    backwards = frame["exit_date"].notna() & (frame["exit_date"] < frame["start_date"])
    for rec in _records(frame[backwards]):
        out.at(
            table,
            rec.position,
            "exit_date",
            "exit-before-start",
            f"exit_date {_day(rec.exit_date)} is before start_date {_day(rec.start_date)}",
            _day(rec.exit_date),
        )
    for rec in _records(frame[frame["learner_id"].map(_looks_like_name)]):
        out.at(
            table,
            rec.position,
            "learner_id",
            "learner-id-looks-like-name",
            "this looks like a name; use a pseudonymous code (such as L0001) so that no "
            "report can identify the learner",
            severity=Severity.WARNING,
        )
    return frame


def _looks_like_name(value: Any) -> bool:
    return isinstance(value, str) and bool(_NAME_LIKE.match(value))


# --- Assessments and Milestones -------------------------------------------------------------


def _check_assessments(
    frame: pd.DataFrame,
    table: Table | None,
    learners: pd.DataFrame,
    known: set[str] | None,
    scales: pd.DataFrame,
    out: ProblemCollector,
) -> pd.DataFrame:
    if table is None or frame.empty:
        return frame
    frame = _check_references(frame, table, known, out)
    _check_span(frame, table, learners, "date", "assessment", "assessed on", out)
    _check_against_scales(frame, table, scales, out)
    _warn_same_day(frame, table, out)
    return frame


def _check_milestones(
    frame: pd.DataFrame,
    table: Table | None,
    learners: pd.DataFrame,
    known: set[str] | None,
    out: ProblemCollector,
) -> pd.DataFrame:
    if table is None or frame.empty:
        return frame
    frame = _check_references(frame, table, known, out)
    _check_span(frame, table, learners, "completed_date", "milestone", "completed on", out)
    return frame


def _check_references(
    frame: pd.DataFrame, table: Table, known: set[str] | None, out: ProblemCollector
) -> pd.DataFrame:
    if known is None:
        return frame
    unknown = ~frame["learner_id"].isin(known)
    for rec in _records(frame[unknown]):
        out.at(
            table,
            rec.position,
            "learner_id",
            "unknown-learner",
            f"learner '{rec.learner_id}' (row {rec.row}) is not on the Learners sheet; add "
            "them there or correct the id",
            rec.learner_id,
        )
    return frame[~unknown]


def _check_span(
    frame: pd.DataFrame,
    table: Table,
    learners: pd.DataFrame,
    column: str,
    what: str,
    verb: str,
    out: ProblemCollector,
) -> None:
    if learners.empty:
        return
    people = learners.set_index("learner_id")
    start = frame["learner_id"].map(people["start_date"])
    exit_ = frame["learner_id"].map(people["exit_date"])
    row = frame["learner_id"].map(people["row"])
    before = frame[column] < start
    after = ~before & exit_.notna() & (frame[column] > exit_)
    for rec, first, r in zip(_records(frame[before]), start[before], row[before], strict=True):
        out.at(
            table,
            rec.position,
            column,
            f"{what}-before-start",
            f"{rec.learner_id} {verb} {_day(getattr(rec, column))}, before their start_date "
            f"{_day(first)} (Learners row {int(r)})",
            _day(getattr(rec, column)),
        )
    for rec, last, r in zip(_records(frame[after]), exit_[after], row[after], strict=True):
        out.at(
            table,
            rec.position,
            column,
            f"{what}-after-exit",
            f"{rec.learner_id} {verb} {_day(getattr(rec, column))}, after their exit_date "
            f"{_day(last)} (Learners row {int(r)})",
            _day(getattr(rec, column)),
        )


def _check_against_scales(
    frame: pd.DataFrame, table: Table, scales: pd.DataFrame, out: ProblemCollector
) -> None:
    if scales.empty:
        _warn_missing_levels(frame, table, out)
        return
    ranges = scale_ranges(scales)
    low = frame["domain"].map(ranges["low"])
    high = frame["domain"].map(ranges["high"])
    unscaled = low.isna()
    for rec in _records(frame[unscaled]):
        out.at(
            table,
            rec.position,
            "domain",
            "domain-without-scale",
            f"Scales has no bands for {rec.domain}; add them, so its scores can be placed at "
            "a level",
            rec.domain,
        )
    outside = ~unscaled & ((frame["score"] < low) | (frame["score"] > high))
    for rec, lo, hi in zip(_records(frame[outside]), low[outside], high[outside], strict=True):
        out.at(
            table,
            rec.position,
            "score",
            "score-out-of-scale",
            f"score {rec.score:g} is outside the {rec.domain} scale {lo:g}-{hi:g} (Scales)",
            rec.score,
        )
    band = scale_levels(frame["domain"], frame["score"], scales)
    mismatch = frame["level"].notna() & band.notna() & (frame["level"] != band)
    for rec, expected in zip(_records(frame[mismatch]), band[mismatch], strict=True):
        out.at(
            table,
            rec.position,
            "level",
            "level-mismatch",
            f"level {rec.level:g} does not match score {rec.score:g} (Scales puts it at "
            f"level {expected:g}); correct the level or the score",
            rec.level,
        )


def _warn_missing_levels(frame: pd.DataFrame, table: Table, out: ProblemCollector) -> None:
    missing = int(frame["level"].isna().sum())
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


def _warn_same_day(frame: pd.DataFrame, table: Table, out: ProblemCollector) -> None:
    keys = ["learner_id", "domain", "date"]
    repeat = frame.duplicated(keys, keep="first")
    if not repeat.any():
        return
    first_rows = frame.drop_duplicates(keys).set_index(keys)["row"]
    for rec in _records(frame[repeat]):
        first = first_rows.loc[(rec.learner_id, rec.domain, rec.date)]
        out.at(
            table,
            rec.position,
            "score",
            "same-day-assessment",
            f"{rec.learner_id} has another {rec.domain} assessment on {_day(rec.date)} (row "
            f"{first}); only the higher score of the day is used",
            rec.score,
            Severity.WARNING,
        )


# --- shared -------------------------------------------------------------------------------


def _drop_repeats(
    frame: pd.DataFrame,
    keys: list[str],
    table: Table,
    column: str,
    code: str,
    what: str,
    out: ProblemCollector,
) -> pd.DataFrame:
    repeat = frame.duplicated(keys, keep="first")
    if not repeat.any():
        return frame
    first_rows = frame.drop_duplicates(keys).set_index(keys)["row"]
    for rec in _records(frame[repeat]):
        key = tuple(getattr(rec, k) for k in keys)
        first = first_rows.loc[key if len(keys) > 1 else key[0]]
        shown = " / ".join(f"{k:g}" if isinstance(k, float) else str(k) for k in key)
        out.at(
            table,
            rec.position,
            column,
            code,
            f"{what} {shown} repeats row {first}; keep one of the two rows",
            getattr(rec, column),
        )
    return frame[~repeat]


def _records(frame: pd.DataFrame) -> Iterator[Any]:
    """Rows as named tuples (columns as attributes, ``position`` locating the cell)."""
    if frame.empty:  # the usual case (no problem found); itertuples builds a class per call
        return iter(())
    return frame.itertuples()


def _day(value: Any) -> str:
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, np.datetime64):
        return str(value.astype("datetime64[D]"))
    return str(value)
