"""Read and validate one return into a small, picklable ``FileReturn``.

This is the function the process pool runs. It keeps only what the batch needs
(the typed definitions, the figures with their cells, counts and the first
problems), never the raw workbook, so memory stays flat however many files come.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import pickle
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from pandas.api.extensions import ExtensionDtype
from pandas.core.dtypes.cast import maybe_box_native  # type: ignore[attr-defined]

from cipms_cli.errors import UnreadableInput, is_failure
from cipms_cli.periods import Period, PeriodError, parse_as_of
from cipms_cli.problems import Problem, Severity, column_letter
from cipms_cli.settings import Settings
from cipms_cli.values import optional_float
from cipms_cli.workbook.cells import is_blank
from cipms_cli.workbook.contract import RESULT_COLUMNS

MAX_PROBLEMS_KEPT = 50  # of each severity; the counts are always complete
_BASE_FIELDS = {"path", "settings", "agency", "outcomes", "indicators", "results", "sheets"}


class FileStatus(StrEnum):
    OK = "ok"
    INVALID = "invalid"
    UNREADABLE = "unreadable"


class AgencySource(StrEnum):
    AGENCY_SHEET = "agency_sheet"
    RESULTS = "results"
    FILE_NAME = "file_name"


@dataclass(frozen=True, slots=True)
class Figure:
    """One Results row of a valid return, with the cell it came from."""

    agency_id: str
    indicator_id: str
    period: Period
    value: float
    numerator: float | None
    denominator: float | None
    note: str | None
    cell: str  # "Results!C4", or "Results!D4/E4" when the value came from num/den


@dataclass(frozen=True)
class Records:
    """A small sheet as plain records with its column types: cheaper to send between
    processes and to keep than a DataFrame per file."""

    dtypes: dict[str, Any]
    rows: list[dict[str, Any]]

    @classmethod
    def of(cls, frame: pd.DataFrame) -> Records:
        """The same records as ``frame.to_dict("records")``, built column by column (a
        third of the time on a return's small sheets)."""
        names = [str(k) for k in frame.columns]
        # The frame's own arrays: a Series per column costs more than the values on a
        # return's small sheets.
        arrays = [frame._get_column_array(i) for i in range(frame.shape[1])]  # type: ignore[operator]
        columns = [_python_values(array) for array in arrays]
        rows = [dict(zip(names, values, strict=True)) for values in zip(*columns, strict=True)]
        return cls({str(k): v for k, v in frame.dtypes.items()}, rows)


def _python_values(array: Any) -> list[Any]:
    """A column's values as ``to_dict`` gives them (with its own boxing of numpy scalars):
    Python scalars, other objects as they are."""
    if array.dtype == object:
        return [maybe_box_native(v) for v in array.tolist()]
    if isinstance(array, np.ndarray) and array.dtype.kind in "biuf":
        return array.tolist()
    if isinstance(array.dtype, ExtensionDtype):
        return [maybe_box_native(v) for v in array]
    return list(array)  # datetimes become Timestamps


@dataclass
class FileReturn:
    path: str
    status: FileStatus
    agency_id: str
    agency_source: AgencySource
    agency: dict[str, Any]
    return_end: dt.date | None  # end of the period the return covers; orders returns
    periods: tuple[str, ...]
    error_count: int
    warning_count: int
    problems: list[Problem]
    settings: Settings | None = None
    indicators: Records | None = None
    outcomes: Records | None = None
    figures: list[Figure] = field(default_factory=list)
    # The learner sheets, when present, pickled where the file was read: the main process
    # only keeps and forwards the bytes, and the worker that scores the agency unpickles them.
    extras: dict[str, bytes] = field(default_factory=dict)
    # A packed return (``packed``) keeps the five fields above pickled here instead, and
    # the number of figures its Results rows give each agency (its own always included).
    tidy: bytes | None = None
    routes: dict[str, int] = field(default_factory=dict)

    def packed(self) -> FileReturn:
        """The return as the batch's main process keeps it: its tidy rows pickled.

        The main process only routes a return to the agencies it names; the worker that
        merges and scores an agency unpacks it. Invalid and unreadable returns have no
        tidy rows and are returned as they are.
        """
        if self.tidy is not None or self.status is not FileStatus.OK:
            return self
        tidy = (self.settings, self.indicators, self.outcomes, self.figures, self.extras)
        return dataclasses.replace(
            self,
            settings=None,
            indicators=None,
            outcomes=None,
            figures=[],
            extras={},
            tidy=pickle.dumps(tidy, pickle.HIGHEST_PROTOCOL),
            routes=_figures_by_agency(self.agency_id, self.figures),
        )

    def unpacked(self) -> FileReturn:
        """The whole return again, from a packed one."""
        if self.tidy is None:
            return self
        settings, indicators, outcomes, figures, extras = pickle.loads(self.tidy)
        return dataclasses.replace(
            self,
            settings=settings,
            indicators=indicators,
            outcomes=outcomes,
            figures=figures,
            extras=extras,
            tidy=None,
        )

    @property
    def order_key(self) -> tuple[dt.date, str]:
        """Later returns sort last; the path breaks ties so the order never depends on timing."""
        return (self.return_end or dt.date.min, self.path)

    @property
    def first_error(self) -> Problem | None:
        return next((p for p in self.problems if p.severity is Severity.ERROR), None)

    def summary(self) -> FileSummary:
        return FileSummary(
            self.path,
            self.status,
            self.agency_id,
            self.agency_source,
            self.periods,
            self.error_count,
            self.warning_count,
            self.first_error,
        )


@dataclass(slots=True)
class FileSummary:
    """What the files table and the batch's report show of a return: all a batch keeps
    of it once its figures have gone to the combiner."""

    path: str
    status: FileStatus
    agency_id: str
    agency_source: AgencySource
    periods: tuple[str, ...]
    error_count: int
    warning_count: int
    first_error: Problem | None


def _figures_by_agency(own: str, figures: list[Figure]) -> dict[str, int]:
    counts = {own: 0}
    for figure in figures:
        counts[figure.agency_id] = counts.get(figure.agency_id, 0) + 1
    return counts


def read_return(path: str) -> FileReturn:
    """Never raises for a bad file: an unreadable one becomes a FileReturn saying so."""
    from cipms_cli.workbook.reader import open_workbook
    from cipms_cli.workbook.validate import validate_workbook

    try:
        book = open_workbook(path)
        report = validate_workbook(book)
        cells = _cell_finder(book, report.data.sheets.get("Results") if report.data else None)
    except UnreadableInput as exc:
        return unreadable(path, exc.code, exc.message)
    except BaseException as exc:  # a reader bug on one odd file must not stop the batch
        if not is_failure(exc):
            raise
        return unreadable(path, "read-failed", f"could not be read ({type(exc).__name__}: {exc})")
    return _from_report(path, report, cells)


def unreadable(path: str, code: str, message: str) -> FileReturn:
    agency_id, source = identify_agency({}, None, path)
    problem = Problem(code, Severity.ERROR, message, path)
    return FileReturn(path, FileStatus.UNREADABLE, agency_id, source, {}, None, (), 1, 0, [problem])


def _from_report(path: str, report: Any, cells: _CellFinder) -> FileReturn:
    data = report.data
    agency_id, source = identify_agency(data.agency, data.results, path)
    errors, warnings = report.errors, report.warnings
    ret = FileReturn(
        path=path,
        status=FileStatus.OK if not errors else FileStatus.INVALID,
        agency_id=agency_id,
        agency_source=source,
        agency=_agency_json(data.agency),
        return_end=_return_end(data),
        periods=_period_labels(data.results),
        error_count=len(errors),
        warning_count=len(warnings),
        problems=errors[:MAX_PROBLEMS_KEPT] + warnings[:MAX_PROBLEMS_KEPT],
    )
    if ret.status is FileStatus.OK:
        ret.settings = data.settings
        ret.indicators = Records.of(data.indicators)
        ret.outcomes = Records.of(data.outcomes)
        ret.figures = _figures(data.results, agency_id, cells)
        ret.extras = _extra_frames(data)
    return ret


def identify_agency(
    agency: dict[str, Any], results: pd.DataFrame | None, path: str
) -> tuple[str, AgencySource]:
    """The Agency sheet's agency_id; else the one agency_id every Results row names;
    else the file name up to the first ``_`` (``AG01_2024-Q1.xlsx`` -> ``AG01``)."""
    given = agency.get("agency_id")
    if given is not None and str(given).strip():
        return str(given).strip(), AgencySource.AGENCY_SHEET
    if results is not None and "agency_id" in results:
        named = {str(a).strip() for a in results["agency_id"].dropna() if str(a).strip()}
        if len(named) == 1:
            return named.pop(), AgencySource.RESULTS
    stem = Path(path).stem
    return (stem.split("_", 1)[0] or stem), AgencySource.FILE_NAME


def _agency_json(agency: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in agency.items():
        if isinstance(value, Period):
            value = value.label
        elif isinstance(value, dt.datetime | dt.date):
            value = value.isoformat()[:10]
        out[key] = value
    return out


def _return_end(data: Any) -> dt.date | None:
    reporting = data.agency.get("reporting_period")
    if reporting is not None:
        try:
            return parse_as_of(reporting, data.settings.fiscal_year_start_month)
        except (PeriodError, ValueError):
            pass
    periods = [p for p in data.results["period"] if isinstance(p, Period)]
    return max(p.end for p in periods) if periods else None


def _period_labels(results: pd.DataFrame) -> tuple[str, ...]:
    periods = {p for p in results["period"] if isinstance(p, Period)}
    return tuple(p.label for p in sorted(periods, key=lambda p: (p.frequency, p.ordinal)))


def _figures(results: pd.DataFrame, agency_id: str, cells: _CellFinder) -> list[Figure]:
    figures = []
    for ind, period, value, num, den, note, row_agency, row in zip(
        *(results[c] for c in RESULT_COLUMNS), strict=True
    ):
        named = (
            str(row_agency).strip() if row_agency is not None and row_agency == row_agency else ""
        )
        figures.append(
            Figure(
                agency_id=named or agency_id,
                indicator_id=str(ind),
                period=period,
                value=float(value),
                numerator=optional_float(num),
                denominator=optional_float(den),
                note=None if note is None or note != note else str(note),
                cell=cells(int(row)),
            )
        )
    return figures


def _extra_frames(data: Any) -> dict[str, bytes]:
    """Parts the reader adds beyond the core sheets (the learner sheets, for LSA): a frame,
    or a dataclass of frames, pickled with each frame as its columns (``FrameColumns``).
    Carried so that the combined agency can be scored with them."""
    extras = {}
    for f in dataclasses.fields(data):
        value = getattr(data, f.name)
        if f.name in _BASE_FIELDS:
            continue
        if isinstance(value, pd.DataFrame):
            extras[f.name] = pickle.dumps(FrameColumns.of(value), pickle.HIGHEST_PROTOCOL)
        elif is_frame_bundle(value):
            columns = {name: FrameColumns.of(getattr(value, name)) for name in frame_fields(value)}
            packed = dataclasses.replace(value, **columns)
            extras[f.name] = pickle.dumps(packed, pickle.HIGHEST_PROTOCOL)
    return extras


@dataclass(frozen=True, slots=True)
class FrameColumns:
    """A frame as its column labels and arrays, as a return's extras carry their frames
    (a dataclass of frames carries one in place of each frame): it unpickles in a third
    of the time a DataFrame takes, and the scoring worker stacks an agency's returns
    column by column before it builds one frame (``combine._stacked_frames``)."""

    names: tuple[Any, ...]
    arrays: tuple[Any, ...]  # numpy arrays; pandas' own for types numpy lacks (text)

    @classmethod
    def of(cls, frame: pd.DataFrame) -> FrameColumns:
        # The frame's own arrays: a Series per column would cost more than the pickling.
        arrays = [frame._get_column_array(i) for i in range(frame.shape[1])]  # type: ignore[operator]
        return cls(tuple(frame.columns), tuple(_numpy_if_possible(a) for a in arrays))

    @property
    def rows(self) -> int:
        return len(self.arrays[0]) if self.arrays else 0


def _numpy_if_possible(array: Any) -> Any:
    """Datetimes as a numpy array (no copy): it pickles faster than pandas' DatetimeArray."""
    return np.asarray(array) if isinstance(array.dtype, np.dtype) else array


def is_frame_bundle(value: Any) -> bool:
    """A dataclass holding sheets as frames (such as the learner sheets), or as their
    ``FrameColumns`` while a return carries it."""
    return bool(frame_fields(value))


def frame_fields(value: Any) -> list[str]:
    if not dataclasses.is_dataclass(value) or isinstance(value, type):
        return []
    return [
        f.name
        for f in dataclasses.fields(value)
        if isinstance(getattr(value, f.name), pd.DataFrame | FrameColumns)
    ]


class _CellFinder:
    """Excel cell of a Results row's figure: the value cell, or numerator/denominator."""

    def __init__(self, sheet: str | None, rows: list[list[Any]], columns: dict[str, int]):
        self.sheet = sheet or "Results"
        self.rows = rows
        self.columns = columns

    def __call__(self, row: int) -> str:
        value_at = self.columns.get("value")
        if value_at is not None and not is_blank(self._raw(row, value_at)):
            return f"{self.sheet}!{column_letter(value_at)}{row}"
        parts = [
            f"{column_letter(self.columns[c])}{row}"
            for c in ("numerator", "denominator")
            if c in self.columns
        ]
        return f"{self.sheet}!{'/'.join(parts) or f'row {row}'}"

    def _raw(self, row: int, column: int) -> Any:
        cells = self.rows[row - 1] if 0 < row <= len(self.rows) else []
        return cells[column] if column < len(cells) else None


def _cell_finder(book: Any, sheet: str | None) -> _CellFinder:
    from cipms_cli.workbook.sheets import RESULTS
    from cipms_cli.workbook.table import extract_table

    if sheet is None:
        return _CellFinder(None, [], {})
    rows = book.rows(sheet)
    table = extract_table(sheet, rows, RESULTS)
    return _CellFinder(sheet, rows, table.columns if table else {})
