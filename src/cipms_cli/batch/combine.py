"""Merge each agency's returns into one series per indicator (docs/batch.md, merge rules).

Returns are added one at a time as they are read, in any order; ``finish`` sorts
everything by the return's period (then path), so the outcome never depends on
the order files finished in or on the number of jobs.

- the latest return (by the period it covers, then path) supplies the agency's
  name, region, stream, settings and indicator definitions;
- a figure given by two returns for the same agency, indicator and period: the same
  figures are a warning (``duplicate-result``), different ones an error
  (``conflicting-result``) naming both files and cells; the latest return's figure is used;
- definitions that differ between returns (direction, unit, frequency, target) are
  reported with the files; a different frequency is an error and the figures of the
  other frequency are left out, because one series cannot mix frequencies.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
import pickle
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cipms_cli.batch.returns import (
    AgencySource,
    Figure,
    FileReturn,
    FrameColumns,
    frame_fields,
    is_frame_bundle,
)
from cipms_cli.batch.spool import Span, Spool
from cipms_cli.periods import Period
from cipms_cli.problems import Severity
from cipms_cli.workbook.contract import RESULT_COLUMNS
from cipms_cli.workbook.records import combined_key, frame_of, object_array

COMPARED_FIELDS = ("direction", "unit", "frequency", "target_value", "target_period")
FILES_NAMED = 3  # longer file lists in messages are shortened to "a, b, c and 5 more"

OrderKey = tuple[dt.date, str]
Given = tuple[OrderKey, Figure]


@dataclass(frozen=True)
class BatchProblem:
    """A problem found by combining returns; unlike a validation problem it can name
    several files and cells."""

    severity: Severity
    code: str
    message: str
    agency_id: str | None = None
    indicator_id: str | None = None
    period: str | None = None
    files: tuple[str, ...] = ()
    cells: tuple[str, ...] = ()

    def sort_key(self) -> tuple[str, str, str, str, str]:
        return (
            self.agency_id or "",
            self.indicator_id or "",
            self.period or "",
            self.code,
            self.message,
        )


@dataclass
class UsedFigure:
    """A figure that made it into the combined series, with the file it came from."""

    figure: Figure
    path: str


@dataclass
class CombinedAgency:
    agency_id: str
    agency: dict[str, Any]
    files: list[str]  # in return order
    data: Any  # WorkbookData of the combined returns, without the extras; None once scored
    figures: list[UsedFigure]
    # The name, direction and unit of each indicator used, by indicator_id: all that the
    # tables and benchmarks read of a definition, kept for every agency to the end.
    definitions: dict[str, dict[str, Any]]
    # Learner sheets and other extras of each return, pickled: a few KB each, where the
    # frames themselves take ten times that. Unpacked for scoring, agency by agency.
    extras: dict[str, list[tuple[OrderKey, bytes]]] = field(default_factory=dict)

    def unpacked(self) -> Any:
        """The combined workbook with its extras stacked, ready for the engine."""
        stacked = {
            name: _stacked([(order, pickle.loads(packed)) for order, packed in parts])
            for name, parts in self.extras.items()
        }
        return dataclasses.replace(self.data, **stacked) if stacked else self.data

    def release(self) -> None:
        """Scored: from here on only the tidy rows are needed."""
        self.data = None
        self.extras = {}


@dataclass
class _Seen:
    order: OrderKey
    record: dict[str, Any]
    files: list[OrderKey] = field(default_factory=list)


@dataclass
class AgencyReturns:
    """An agency's valid returns, packed, as the main process collects them.
    ``combine_agency`` merges them, in the worker that scores the agency."""

    agency_id: str
    returns: list[FileReturn] = field(default_factory=list)


@dataclass
class _Merging:
    """One agency's returns while ``combine_agency`` folds them in."""

    agency_id: str
    files: list[OrderKey] = field(default_factory=list)
    latest: FileReturn | None = None  # the latest return, its frames dropped of figures
    definitions: dict[str, dict[tuple[Any, ...], _Seen]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    outcomes: dict[str, tuple[OrderKey, dict[str, Any]]] = field(default_factory=dict)
    # one (order, figure), or a list of them when returns repeat the figure
    figures: dict[tuple[str, Period], Given | list[Given]] = field(default_factory=dict)
    extras: dict[str, list[tuple[OrderKey, bytes]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    indicator_dtypes: dict[str, Any] = field(default_factory=dict)
    outcome_dtypes: dict[str, Any] = field(default_factory=dict)


class Combiner:
    """Collects valid returns by agency; the main process only routes them.

    A return's tidy rows stay pickled (``FileReturn.packed``) until the worker that
    merges and scores the agency unpacks them, so collecting a return costs the main
    process, which every worker waits on, almost nothing. Given a ``Spool``, the packed
    returns wait there, on disk, until their agency is taken.
    """

    def __init__(self, spool: Spool | None = None) -> None:
        self._spool = spool
        self._agencies: dict[str, list[FileReturn | Span]] = {}
        self._problems: list[BatchProblem] = []

    def add(self, ret: FileReturn) -> None:
        """Add a valid return; invalid and unreadable returns are not combined.

        A return whose Results rows name other agencies (a multi-agency return) adds
        those rows, and its definitions, to each agency named.
        """
        ret = ret.packed()
        if ret.tidy is None:
            return
        kept: FileReturn | Span = ret
        if self._spool is not None:
            kept = self._spool.put_object(ret)
        for agency_id, rows in ret.routes.items():
            if agency_id != ret.agency_id and ret.agency_source is AgencySource.AGENCY_SHEET:
                self._problems.append(_other_agency_problem(ret, agency_id, rows))
            self._agencies.setdefault(agency_id, []).append(kept)

    def hand_over(self) -> tuple[list[str], list[BatchProblem]]:
        """The agencies, by id, whose returns are still to be merged (``returns_of``
        each, and ``release`` it once merged); and the problems found adding returns."""
        return sorted(self._agencies), list(self._problems)

    def returns_of(self, agency_id: str) -> AgencyReturns:
        return AgencyReturns(agency_id, [self._returned(r) for r in self._agencies[agency_id]])

    def release(self, agency_id: str) -> None:
        """The agency is merged: let go of its returns."""
        del self._agencies[agency_id]

    def _returned(self, kept: FileReturn | Span) -> FileReturn:
        if isinstance(kept, FileReturn):
            return kept
        assert self._spool is not None
        ret: FileReturn = self._spool.get_object(kept)
        return ret

    def finish(self) -> tuple[list[CombinedAgency], list[BatchProblem]]:
        """Every agency merged here, in this process, with all the problems, sorted."""
        pending, problems = self.hand_over()
        combined = []
        for agency_id in pending:
            agency, found = combine_agency(self.returns_of(agency_id))
            self.release(agency_id)
            combined.append(agency)
            problems.extend(found)
        return combined, sorted(problems, key=BatchProblem.sort_key)


def _add_return(acc: _Merging, ret: FileReturn) -> None:
    """Fold one (unpacked) return into the agency's accumulator: the figures it gives
    this agency, its definitions and outcomes and, for the agency's own return, its extras."""
    own = ret.agency_id == acc.agency_id
    order = ret.order_key
    acc.files.append(order)
    if acc.latest is None or order > acc.latest.order_key:
        acc.latest = _header_only(ret, own)
    _add_definitions(acc, ret, order)
    _add_outcomes(acc, ret, order)
    for figure in ret.figures:
        if figure.agency_id != acc.agency_id:
            continue
        key = (figure.indicator_id, figure.period)
        given = acc.figures.get(key)
        if given is None:
            acc.figures[key] = (order, figure)  # the usual case: no list needed
        elif isinstance(given, list):
            given.append((order, figure))
        else:
            acc.figures[key] = [given, (order, figure)]
    if own:
        for name, packed in ret.extras.items():
            acc.extras[name].append((order, packed))


def _other_agency_problem(ret: FileReturn, agency_id: str, rows: int) -> BatchProblem:
    return BatchProblem(
        Severity.WARNING,
        "other-agency-rows",
        f"{ret.path}: the Agency sheet says {ret.agency_id} but {rows} Results row(s) name "
        f"agency {agency_id}; they are added to {agency_id}. Check the return was not "
        "copied from another agency's",
        agency_id,
        files=(ret.path,),
    )


def _header_only(ret: FileReturn, own: bool) -> FileReturn:
    """The return without its figures: only its agency fields and settings are kept.

    For another agency named in a multi-agency return, the Agency sheet describes
    someone else, so only the settings are kept.
    """
    return FileReturn(
        ret.path,
        ret.status,
        ret.agency_id,
        ret.agency_source,
        ret.agency if own else {},
        ret.return_end,
        ret.periods,
        ret.error_count,
        ret.warning_count,
        [],
        settings=ret.settings,
    )


def _add_definitions(acc: _Merging, ret: FileReturn, order: OrderKey) -> None:
    sheet = ret.indicators
    assert sheet is not None
    acc.indicator_dtypes = acc.indicator_dtypes or sheet.dtypes
    for record in sheet.rows:
        signature = tuple(_comparable(record.get(f)) for f in COMPARED_FIELDS)
        variants = acc.definitions[str(record["indicator_id"])]
        seen = variants.get(signature)
        if seen is None:
            seen = variants[signature] = _Seen(order, record)
        elif order > seen.order:
            seen.order, seen.record = order, record
        seen.files.append(order)


def _comparable(value: Any) -> Any:
    if isinstance(value, Period):
        return value.label
    if isinstance(value, float) and math.isnan(value):
        return None
    return str(value) if value is not None and not isinstance(value, float | int) else value


def _add_outcomes(acc: _Merging, ret: FileReturn, order: OrderKey) -> None:
    sheet = ret.outcomes
    if sheet is None:
        return
    acc.outcome_dtypes = acc.outcome_dtypes or sheet.dtypes
    for record in sheet.rows:
        key = str(record["outcome_id"])
        if key not in acc.outcomes or order > acc.outcomes[key][0]:
            acc.outcomes[key] = (order, record)


# --- finishing one agency ----------------------------------------------------


def combine_agency(returns: AgencyReturns) -> tuple[CombinedAgency, list[BatchProblem]]:
    """Merge an agency's returns into one workbook and the problems the merge found."""
    from cipms_cli.workbook.validate import WorkbookData

    acc = _Merging(returns.agency_id)
    for ret in sorted(returns.returns, key=lambda r: r.order_key):
        _add_return(acc, ret.unpacked())
    problems: list[BatchProblem] = []
    definitions = _choose_definitions(acc, problems)
    figures = _choose_figures(acc, definitions, problems)
    latest = acc.latest
    assert latest is not None and latest.settings is not None
    indicators = _frame([d for _, d in sorted(definitions.items())], acc.indicator_dtypes)
    outcomes = _frame([r for _, (_, r) in sorted(acc.outcomes.items())], acc.outcome_dtypes)
    data = WorkbookData(
        path=acc.agency_id,
        settings=latest.settings,
        agency=_agency_fields(latest, acc.agency_id),
        outcomes=outcomes,
        indicators=indicators,
        results=_results_frame(figures),
        sheets={},
    )
    files = [path for _, path in sorted(acc.files)]
    return (
        CombinedAgency(
            acc.agency_id,
            data.agency,
            files,
            data,
            figures,
            _described(indicators),
            dict(acc.extras),
        ),
        problems,
    )


def _described(indicators: pd.DataFrame) -> dict[str, dict[str, Any]]:
    described = ("name", "direction", "unit")
    columns = [indicators[c].tolist() for c in described]
    return {
        ind: dict(zip(described, values, strict=True))
        for ind, *values in zip(indicators["indicator_id"].tolist(), *columns, strict=True)
    }


def _agency_fields(latest: FileReturn, agency_id: str) -> dict[str, Any]:
    agency = dict(latest.agency)
    agency["agency_id"] = agency_id
    return agency


def _frame(records: list[dict[str, Any]], dtypes: dict[str, Any]) -> pd.DataFrame:
    """Records back into a frame with the validator's column types (enums stay enums)."""
    columns = list(dtypes) or (list(records[0]) if records else [])
    kinds = {c: dtypes.get(c, np.dtype(object)) for c in columns}
    if not all(isinstance(kind, np.dtype) for kind in kinds.values()):
        return pd.DataFrame(
            {c: pd.Series([r.get(c) for r in records], dtype=kinds[c]) for c in columns}
        )
    arrays = {c: _array([r.get(c) for r in records], kind) for c, kind in kinds.items()}
    return frame_of(arrays, pd.RangeIndex(len(records)))


def _array(values: list[Any], kind: np.dtype) -> np.ndarray:
    return object_array(values) if kind.kind == "O" else np.array(values, dtype=kind)


def _choose_definitions(acc: _Merging, problems: list[BatchProblem]) -> dict[str, dict[str, Any]]:
    chosen: dict[str, dict[str, Any]] = {}
    for indicator_id, variants in acc.definitions.items():
        latest = max(variants.values(), key=lambda s: s.order)
        chosen[indicator_id] = latest.record
        if len(variants) > 1:
            problems.append(_definition_problem(acc.agency_id, indicator_id, variants, latest))
    return chosen


def _definition_problem(
    agency_id: str, indicator_id: str, variants: dict[tuple[Any, ...], _Seen], latest: _Seen
) -> BatchProblem:
    differing = [
        i for i, name in enumerate(COMPARED_FIELDS) if len({sig[i] for sig in variants}) > 1
    ]
    parts = []
    for i in differing:
        by_value: dict[Any, list[OrderKey]] = defaultdict(list)
        for signature, seen in variants.items():
            by_value[signature[i]].extend(seen.files)
        described = "; ".join(
            f"{_shown(value)} in {_file_list(sorted(files))}"
            for value, files in sorted(by_value.items(), key=lambda kv: min(kv[1]))
        )
        parts.append(f"{COMPARED_FIELDS[i]} is {described}")
    frequency_differs = COMPARED_FIELDS.index("frequency") in differing
    files = tuple(path for seen in variants.values() for _, path in sorted(seen.files))
    consequence = "; figures of the other frequency are left out" if frequency_differs else ""
    return BatchProblem(
        Severity.ERROR if frequency_differs else Severity.WARNING,
        "definition-differs",
        f"agency {agency_id}, indicator {indicator_id}: the returns define it differently: "
        f"{'. '.join(parts)}. The definition in the latest return ({latest.order[1]}) is "
        f"used{consequence}",
        agency_id,
        indicator_id,
        files=tuple(sorted(set(files))),
    )


def _shown(value: Any) -> str:
    if value is None:
        return "(empty)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _file_list(files: list[OrderKey]) -> str:
    paths = [path for _, path in files]
    if len(paths) <= FILES_NAMED:
        return ", ".join(paths)
    return f"{', '.join(paths[:FILES_NAMED])} and {len(paths) - FILES_NAMED} more"


def _choose_figures(
    acc: _Merging, definitions: dict[str, dict[str, Any]], problems: list[BatchProblem]
) -> list[UsedFigure]:
    used = []
    for (indicator_id, period), entries in sorted(
        acc.figures.items(), key=lambda kv: (kv[0][0], kv[0][1].frequency, kv[0][1].ordinal)
    ):
        definition = definitions.get(indicator_id)
        if definition is None or str(definition["frequency"]) != str(period.frequency):
            continue
        given = (
            sorted(entries, key=lambda item: item[0]) if isinstance(entries, list) else [entries]
        )
        (latest_order, latest) = given[-1]
        for order, earlier in given[:-1]:
            problems.append(
                _repeat_problem(acc.agency_id, (order[1], earlier), (latest_order[1], latest))
            )
        used.append(UsedFigure(latest, latest_order[1]))
    return used


def _same_figures(a: Figure, b: Figure) -> bool:
    return all(
        _close(x, y)
        for x, y in (
            (a.value, b.value),
            (a.numerator, b.numerator),
            (a.denominator, b.denominator),
        )
    )


def _close(a: float | None, b: float | None) -> bool:
    if a is None or b is None:
        return a is None and b is None
    return math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9)


def _repeat_problem(
    agency_id: str, earlier: tuple[str, Figure], latest: tuple[str, Figure]
) -> BatchProblem:
    (old_path, old), (new_path, new) = earlier, latest
    where = f"agency {agency_id}, indicator {new.indicator_id}, {new.period.label}"
    cells = (f"{old_path}!{old.cell}", f"{new_path}!{new.cell}")
    if _same_figures(old, new):
        return BatchProblem(
            Severity.WARNING,
            "duplicate-result",
            f"{where}: given twice with the same figure {_figure_text(new)} "
            f"({cells[0]} and {cells[1]})",
            agency_id,
            new.indicator_id,
            new.period.label,
            (old_path, new_path),
            cells,
        )
    return BatchProblem(
        Severity.ERROR,
        "conflicting-result",
        f"{where}: {cells[0]} gives {_figure_text(old)} but {cells[1]} gives "
        f"{_figure_text(new)}; the figure in the later return ({new_path}) is used; "
        "correct the wrong return",
        agency_id,
        new.indicator_id,
        new.period.label,
        (old_path, new_path),
        cells,
    )


def _figure_text(figure: Figure) -> str:
    text = f"{figure.value:g}"
    if figure.numerator is not None and figure.denominator is not None:
        text += f" ({figure.numerator:g}/{figure.denominator:g})"
    return text


def _results_frame(figures: list[UsedFigure]) -> pd.DataFrame:
    rows = [f.figure for f in figures]
    return pd.DataFrame(
        {
            "indicator_id": pd.Series([f.indicator_id for f in rows], dtype=object),
            "period": pd.Series([f.period for f in rows], dtype=object),
            "value": pd.Series([f.value for f in rows], dtype=float),
            "numerator": pd.Series([f.numerator for f in rows], dtype=float),
            "denominator": pd.Series([f.denominator for f in rows], dtype=float),
            "note": pd.Series([f.note for f in rows], dtype=object),
            "agency_id": pd.Series([f.agency_id for f in rows], dtype=object),
            "row": pd.Series([0] * len(rows), dtype=int),
        },
        columns=RESULT_COLUMNS,
    )


def _stacked(parts: list[tuple[OrderKey, Any]]) -> Any:
    """Stack one extra part (a frame, or a dataclass of frames) across returns, oldest first;
    as a return carries it, each frame is its ``FrameColumns``."""
    ordered = [part for _, part in sorted(parts, key=lambda item: item[0])]
    latest = ordered[-1]
    if not is_frame_bundle(latest):
        return _stacked_frames(ordered)
    stacked = {
        name: _stacked_frames([getattr(p, name) for p in ordered]) for name in frame_fields(latest)
    }
    try:
        # Through the constructor, so that fields such as a cache start afresh.
        return type(latest)(**stacked)
    except TypeError:  # other fields without defaults: keep the latest return's
        return dataclasses.replace(latest, **stacked)


_NOT_COMPARED = ("row", "_index")  # where a record sits in its file


def _stacked_frames(frames: list[pd.DataFrame | FrameColumns]) -> pd.DataFrame:
    """Learner records repeat across quarterly returns, so repeats are dropped, the later
    copy winning. When the first column identifies a record within every return (a
    learner_id on the Learners sheet), the later return's row replaces the earlier one
    (an exit date added in a later quarter); otherwise only identical rows are dropped.

    The same as ``pd.concat`` and ``drop_duplicates(keep="last")``, worked out on the
    columns (one ``pd.factorize`` a column compared) and the frame built once, from the
    records kept: on an agency's few hundred records the frames' own calls cost three
    times as much, and on many records no less.
    """
    parts = [FrameColumns.of(f) if isinstance(f, pd.DataFrame) else f for f in frames]
    stacked = _joined(parts)
    if stacked.rows == 0:
        return _as_frame(stacked)
    first = _codes(stacked.arrays[0], alone=True)
    if _distinct_in_each(first, [part.rows for part in parts]):
        keys = first
    else:
        names = zip(stacked.names, stacked.arrays, strict=True)
        try:
            keys = _row_keys([a for n, a in names if n not in _NOT_COMPARED])
        except TypeError:  # unhashable cells: keep every row rather than guess
            return _as_frame(stacked)
    kept = _last_of_each(keys)
    if len(kept) < stacked.rows:
        stacked = FrameColumns(stacked.names, tuple(a[kept] for a in stacked.arrays))
    return _as_frame(stacked)


def _joined(parts: list[FrameColumns]) -> FrameColumns:
    """The parts one after the other, as ``pd.concat`` joins their frames."""
    first = parts[0]
    if any(p.names != first.names or _dtypes(p) != _dtypes(first) for p in parts):
        # pandas decides which type columns of different types share.
        frames = [_as_frame(p) for p in parts]
        return FrameColumns.of(pd.concat(frames, ignore_index=True))
    columns = zip(*(p.arrays for p in parts), strict=True)
    return FrameColumns(first.names, tuple(_concatenated(arrays) for arrays in columns))


def _dtypes(part: FrameColumns) -> list[Any]:
    return [a.dtype for a in part.arrays]


def _concatenated(arrays: tuple[Any, ...]) -> Any:
    if isinstance(arrays[0], np.ndarray):
        return np.concatenate(arrays)
    return type(arrays[0])._concat_same_type(arrays)


def _as_frame(columns: FrameColumns) -> pd.DataFrame:
    return frame_of(
        dict(zip(columns.names, columns.arrays, strict=True)), pd.RangeIndex(columns.rows)
    )


def _codes(values: Any, *, alone: bool) -> np.ndarray:
    """A number per cell, equal where pandas' duplicate detection finds the cells equal:
    ``pd.factorize``'s codes, every missing cell -1 (as when rows are compared on several
    columns) or, for a column compared ``alone``, told apart as ``Series.duplicated`` does."""
    codes = pd.factorize(values)[0]
    if alone and values.dtype == object:
        _tell_missing_apart(values, codes)
    return codes


def _tell_missing_apart(values: np.ndarray, codes: np.ndarray) -> None:
    """None and NaN are two values, as in Python, but every NaN float is one, which in
    Python it is not; the rare missing cells are coded one by one."""
    kinds: dict[Any, int] = {}
    for i in np.flatnonzero(codes < 0).tolist():
        cell = values[i]
        kind = _NAN if type(cell) is float else cell
        codes[i] = -1 - kinds.setdefault(kind, len(kinds))


_NAN = object()  # every NaN float


def _distinct_in_each(codes: np.ndarray, lengths: list[int]) -> bool:
    """No code repeats within one part (the parts' rows one after the other)."""
    parts = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    keys = combined_key([parts, codes - codes.min()])
    return len(pd.unique(keys)) == len(keys)


def _row_keys(columns: list[Any]) -> np.ndarray:
    """A number per row, equal where pandas' duplicate detection finds the rows equal."""
    if len(columns) == 1:
        return _codes(columns[0], alone=True)
    # Missing cells are -1, so every code is moved up one.
    return combined_key([_codes(column, alone=False) + 1 for column in columns])


def _last_of_each(keys: np.ndarray) -> np.ndarray:
    """The positions of each key's last row, in order."""
    # Codes count up in order of first appearance, so a key's first row from the end is
    # where its code exceeds every code before it.
    codes = pd.factorize(keys[::-1])[0]
    first = codes > np.maximum.accumulate(np.concatenate(([-1], codes[:-1])))
    return np.flatnonzero(first[::-1])
