"""Validate a workbook against the contract and build the typed data the engine uses.

Every problem is collected (never just the first) with its file, sheet, row,
column, cell and value, in the spirit of pandera's lazy validation.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import numpy as np
import pandas as pd
from pydantic import BaseModel, ValidationError

from cipms_cli.engine.lsa import KIND_WORDS, MEASURES, UNITS_FOR_KIND, canonical_source
from cipms_cli.errors import UnreadableInput
from cipms_cli.gcpause import paused_gc
from cipms_cli.periods import Frequency, PeriodError, conform, label_of
from cipms_cli.problems import Problem, Severity, split_cell
from cipms_cli.settings import Settings, known_keys, settings_from
from cipms_cli.workbook.actions_validate import validate_actions
from cipms_cli.workbook.as_of import default_as_of
from cipms_cli.workbook.cells import normalise_key
from cipms_cli.workbook.collector import ProblemCollector
from cipms_cli.workbook.columns import Column, canonical_key, coerce_record, coerce_table
from cipms_cli.workbook.contract import RESULT_COLUMNS, Unit
from cipms_cli.workbook.learner_validate import LearnerData, validate_learners
from cipms_cli.workbook.reader import RawWorkbook, open_workbook
from cipms_cli.workbook.sheet_tables import read_table
from cipms_cli.workbook.sheets import (
    ACTIONS,
    AGENCY,
    ASSESSMENTS,
    INDICATORS,
    INFORMATIONAL_SHEETS,
    LEARNERS,
    MILESTONES,
    OUTCOMES,
    RESULTS,
    SETTINGS,
    SheetSpec,
    match_sheet,
)
from cipms_cli.workbook.table import Table, read_key_values


@dataclass
class WorkbookData:
    """What a valid (or partly valid) workbook says, typed, for the engine."""

    path: str
    settings: Settings
    agency: dict[str, Any]
    outcomes: pd.DataFrame
    indicators: pd.DataFrame
    results: pd.DataFrame
    sheets: dict[str, str] = field(default_factory=dict)  # spec name -> sheet name as written
    learners: LearnerData | None = None  # the learner sheets, when the workbook has them
    actions: pd.DataFrame | None = None  # the Actions sheet (workbook/actions_validate.py)


@dataclass
class ValidationReport:
    path: str
    problems: list[Problem]
    data: WorkbookData | None
    readable: bool = True

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity is Severity.WARNING]

    @property
    def valid(self) -> bool:
        return not self.errors


def validate_source(source: str, opened: Future[RawWorkbook] | None = None) -> ValidationReport:
    """Open and validate ``source``; an unreadable file becomes a report, not an exception.

    ``opened``: the file already being read (``reader.read_ahead``).
    """
    try:
        with paused_gc():
            book = opened.result() if opened is not None else open_workbook(source)
            report = validate_workbook(book)
            # Free the raw cells while the collector is still paused; otherwise its first
            # pass afterwards walks every row list of every sheet.
            book.release()
        return report
    except UnreadableInput as exc:
        problem = Problem(exc.code, Severity.ERROR, exc.message, exc.path or source)
        return ValidationReport(exc.path or source, [problem], None, readable=False)


def validate_workbook(book: RawWorkbook) -> ValidationReport:
    out = ProblemCollector(book.path)
    found = _match_sheets(book, out)
    # The definitions are parsed first and checked while the long sheets (results, learner
    # records) are parsed beside them: python-calamine releases the GIL as it parses.
    definitions = [found[s.name] for s in _DEFINITION_SHEETS if s.name in found]
    book.preload_beside(s for s in found.values() if s not in definitions)
    book.preload(definitions)
    settings = _read_settings(book, found.get(SETTINGS.name), out)
    agency = _read_agency(book, found.get(AGENCY.name), out)
    tables: dict[str, Table] = {}
    typed: dict[str, dict[str, Column]] = {}
    for spec in (OUTCOMES, INDICATORS):
        _read_typed(book, found.get(spec.name), spec, tables, typed, out)
    _require_sheets(found, out)
    outcomes = _outcomes_frame(tables, typed, out)
    indicators = _indicators_frame(tables, typed, outcomes, settings, out)
    _read_typed(book, found.get(RESULTS.name), RESULTS, tables, typed, out)
    results = _results_frame(tables, typed, indicators, settings, out)
    _cross_checks(tables, outcomes, indicators, results, out)
    learners = validate_learners(book, found, settings, out)
    _check_sources(tables.get(INDICATORS.name), indicators, learners, out)
    actions = validate_actions(
        book,
        found,
        indicators if INDICATORS.name in tables else None,
        default_as_of(agency, results, settings.fiscal_year_start_month)
        if ACTIONS.name in found
        else None,
        out,
    )
    book.flags  # noqa: B018  # a failed cell scan makes the file unreadable even with no table
    data = WorkbookData(
        book.path, settings, agency, outcomes, indicators, results, found, learners, actions
    )
    return ValidationReport(book.path, _in_sheet_order(out.problems(), book.sheet_names), data)


_DEFINITION_SHEETS = (SETTINGS, AGENCY, OUTCOMES, INDICATORS)


def _read_typed(
    book: RawWorkbook,
    sheet: str | None,
    spec: SheetSpec,
    tables: dict[str, Table],
    typed: dict[str, dict[str, Column]],
    out: ProblemCollector,
) -> None:
    """Cut ``sheet``'s table and coerce its columns into ``tables`` and ``typed``."""
    if sheet is None:
        return
    table = read_table(book, sheet, spec, out)
    if table is not None:
        tables[spec.name] = table
        typed[spec.name], errors = coerce_table(spec.model, table.values, len(table))
        for err in errors:
            out.cell_error(table, err)


def _in_sheet_order(problems: list[Problem], sheet_names: list[str]) -> list[Problem]:
    position = {name: i for i, name in enumerate(sheet_names)}

    def key(p: Problem) -> tuple[int, int, int, str]:
        col = split_cell(p.cell)[0] + 1 if p.cell else 0
        return (position.get(p.sheet or "", -1), p.row or 0, col, p.code)

    return sorted(problems, key=key)


# --- sheets ------------------------------------------------------------------


def _match_sheets(book: RawWorkbook, out: ProblemCollector) -> dict[str, str]:
    found: dict[str, str] = {}
    for name in book.sheet_names:
        spec = match_sheet(name)
        if spec is None:
            if normalise_key(name) not in INFORMATIONAL_SHEETS:
                out.add(
                    "unknown-sheet",
                    f"sheet '{name}' is not part of the workbook contract and is ignored",
                    severity=Severity.WARNING,
                    sheet=name,
                )
            continue
        if spec.name in found:
            out.add(
                "duplicate-sheet",
                f"sheets '{found[spec.name]}' and '{name}' both look like {spec.name}; "
                f"'{found[spec.name]}' is read; rename or delete the other",
                severity=Severity.WARNING,
                sheet=name,
            )
            continue
        found[spec.name] = name
        if name in book.hidden:
            out.add(
                "hidden-sheet",
                f"sheet '{name}' is hidden but is read as {spec.name}; unhide it so readers "
                "see the same data",
                severity=Severity.WARNING,
                sheet=name,
            )
    return found


def _require_sheets(found: dict[str, str], out: ProblemCollector) -> None:
    has_learners = LEARNERS.name in found
    learner_records = ASSESSMENTS.name in found or MILESTONES.name in found
    if learner_records and not has_learners:
        out.add(
            "missing-sheet",
            _missing_sheet_message(LEARNERS) + "; Assessments and Milestones refer to it",
        )
    if not any(spec.name in found for spec in (OUTCOMES, INDICATORS, RESULTS)) and (
        has_learners or learner_records
    ):
        return  # a learner-only workbook, for `cipms learners`
    if INDICATORS.name not in found and RESULTS.name not in found:
        if OUTCOMES.name not in found:
            out.add(
                "missing-sheet",
                "the workbook has no Indicators, Results or Outcomes sheet; start from "
                "`cipms init` or add them",
            )
        else:
            out.add("missing-sheet", _missing_sheet_message(INDICATORS))
        return
    for spec in (OUTCOMES, INDICATORS, RESULTS):
        # Indicators computed from learner sheets need no Results sheet.
        if spec.name not in found and not (spec is RESULTS and has_learners):
            out.add("missing-sheet", _missing_sheet_message(spec))


def _check_sources(
    table: Table | None,
    indicators: pd.DataFrame,
    learners: LearnerData | None,
    out: ProblemCollector,
) -> None:
    """A ``source`` must name a derived measure that fits the unit; it needs learner sheets.

    Known names are written back in their canonical spelling.
    """
    if table is None or indicators.empty:
        return
    for idx, raw, unit in zip(
        indicators["_index"], indicators["source"], indicators["unit"], strict=True
    ):
        if raw is None:
            continue
        name = canonical_source(raw)
        if name is None:
            out.at(
                table,
                int(idx),
                "source",
                "unknown-source",
                f"'{raw}' is not a derived measure; use one of: {', '.join(MEASURES)}",
                raw,
            )
            continue
        if learners is None:
            out.at(
                table,
                int(idx),
                "source",
                "missing-learner-sheets",
                f"{name} is computed from the Learners, Assessments and Milestones sheets, "
                "which this workbook does not have; add them or clear source",
                raw,
            )
        allowed = UNITS_FOR_KIND[MEASURES[name].kind]
        if unit is not None and str(unit) not in allowed:
            out.at(
                table,
                int(idx),
                "unit",
                "source-unit-mismatch",
                f"{name} is {KIND_WORDS[MEASURES[name].kind]}; its unit must be "
                f"{' or '.join(allowed)}",
                str(unit),
            )
    indicators["source"] = indicators["source"].map(lambda s: canonical_source(s) or s)


def _missing_sheet_message(spec: SheetSpec) -> str:
    names = ", ".join(a.replace("_", " ") for a in spec.aliases)
    return f"required sheet '{spec.name}' is missing; add it (also accepted: {names})"


def _read_key_value_sheet(book: RawWorkbook, sheet: str | None) -> list[tuple[int, str, Any]]:
    return read_key_values(book.rows(sheet)) if sheet else []


def _read_settings(book: RawWorkbook, sheet: str | None, out: ProblemCollector) -> Settings:
    flat: dict[str, Any] = {}
    rows: dict[str, int] = {}
    known = {normalise_key(k).replace("_", ""): k for k in known_keys()}
    for row, key, value in _read_key_value_sheet(book, sheet):
        dotted = known.get(normalise_key(key).replace("_", ""))
        if dotted is None:
            out.add(
                "unknown-setting",
                f"setting '{key}' is not known and is ignored; see docs/workbook.md for the list",
                severity=Severity.WARNING,
                sheet=sheet,
                row=row,
                column="key",
                col_index=0,
                value=key,
            )
            continue
        if value is not None:
            flat[dotted] = value
            rows[dotted] = row
    try:
        return settings_from(flat)
    except ValidationError as exc:
        for err in exc.errors():
            dotted = ".".join(str(p) for p in err["loc"][:2])
            out.add(
                "invalid-setting",
                f"setting {dotted}: {err['msg']}",
                sheet=sheet,
                row=rows.get(dotted),
                column="value",
                col_index=1,
                value=flat.get(dotted),
            )
        valid = {k: v for k, v in flat.items() if not any(_loc(e) == k for e in exc.errors())}
        return settings_from(valid)


def _loc(err: Any) -> str:
    return ".".join(str(p) for p in err["loc"][:2])


def _read_agency(book: RawWorkbook, sheet: str | None, out: ProblemCollector) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for row, key, value in _read_key_value_sheet(book, sheet):
        name = canonical_key(AGENCY.model, key)
        if name is None:
            out.add(
                "unknown-agency-field",
                f"'{key}' is not an Agency field and is ignored",
                severity=Severity.WARNING,
                sheet=sheet,
                row=row,
                column="key",
                col_index=0,
                value=key,
            )
            continue
        raw[name] = value
    record, errors = coerce_record(AGENCY.model, raw)
    for err in errors:
        out.add(err.code, err.message, sheet=sheet, column=err.column, value=err.value)
    return {k: v for k, v in record.items() if v is not None}


# --- frames ------------------------------------------------------------------


def _frame(typed: dict[str, Column], table: Table) -> pd.DataFrame:
    """Number columns arrive as float arrays (NaN when blank); everything else keeps None."""
    columns = {
        name: pd.Series(values) if isinstance(values, np.ndarray) else _objects(values)
        for name, values in typed.items()
    }
    frame = pd.DataFrame(columns)
    rows = table.row_numbers
    frame["row"] = (
        np.arange(rows.start, rows.stop, dtype=np.int64)
        if isinstance(rows, range)
        else np.fromiter(rows, dtype=np.int64, count=len(rows))
    )
    frame["_index"] = range(len(table))
    return frame


def _objects(values: list[Any]) -> pd.Series:
    if values and values[0] is None and values.count(None) == len(values):
        return pd.Series(np.full(len(values), None, dtype=object))  # an absent optional column
    # dtype=object keeps pandas from inferring a string dtype; fromiter converts faster.
    return pd.Series(np.fromiter(values, dtype=object, count=len(values)), dtype=object)


def _given(value: Any) -> bool:
    return value is not None and value == value


def _without(frame: pd.DataFrame, drop: pd.Series) -> pd.DataFrame:
    """``frame`` less the rows in ``drop``; no copy when there are none (the usual case)."""
    return frame[~drop] if drop.any() else frame


def _given_in(frame: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows with a value in ``column``."""
    return _without(frame, frame[column].isna())


def _empty(model: type[BaseModel]) -> pd.DataFrame:
    return pd.DataFrame(columns=[*model.model_fields, "row", "_index"])


def _duplicates(
    frame: pd.DataFrame,
    keys: list[str],
    table: Table,
    code: str,
    what: str,
    out: ProblemCollector,
    shown: list[str] | None = None,
) -> pd.DataFrame:
    """Drop repeated keys after the first, reporting each repeat at its ``shown[-1]`` cell."""
    shown = shown or keys
    dup = frame.duplicated(keys, keep="first") & frame[keys].notna().all(axis=1)
    if dup.any():
        first_rows = frame.drop_duplicates(keys).set_index(keys)["row"]
        for idx in frame.index[dup]:
            key = tuple(frame.loc[idx, k] for k in keys)
            first = first_rows.loc[key if len(key) > 1 else key[0]]
            labels = [str(frame.loc[idx, k]) for k in shown if frame.loc[idx, k] is not None]
            out.at(
                table,
                int(frame.at[idx, "_index"]),  # type: ignore[arg-type]
                shown[-1],
                code,
                f"{what} {' / '.join(labels)} repeats row {first}; keep one of the two rows",
                value=labels[-1],
            )
    return _without(frame, dup)


def _outcomes_frame(
    tables: dict[str, Table], typed: dict[str, dict[str, Column]], out: ProblemCollector
) -> pd.DataFrame:
    if OUTCOMES.name not in tables:
        return _empty(OUTCOMES.model)
    table = tables[OUTCOMES.name]
    frame = _given_in(_frame(typed[OUTCOMES.name], table), "outcome_id")
    return _duplicates(frame, ["outcome_id"], table, "duplicate-outcome", "outcome", out)


def _parse_period_cell(
    out: ProblemCollector,
    table: Table,
    index: int,
    column: str,
    raw: Any,
    freq: Frequency,
    fiscal: int,
) -> Any:
    try:
        label = label_of(raw)
        period = conform(label, freq, fiscal)
    except PeriodError as exc:
        out.at(table, index, column, exc.code, str(exc), raw)
        return None
    if label.from_text_date:
        out.at(
            table,
            index,
            column,
            "date-as-text",
            f"'{raw}' is a date typed as text; it was read as {label.day}, but a real date "
            "cell or a period label such as 2024-Q1 is safer",
            raw,
            Severity.WARNING,
        )
    return period


def _indicators_frame(
    tables: dict[str, Table],
    typed: dict[str, dict[str, Column]],
    outcomes: pd.DataFrame,
    settings: Settings,
    out: ProblemCollector,
) -> pd.DataFrame:
    if INDICATORS.name not in tables:
        return _empty(INDICATORS.model)
    table = tables[INDICATORS.name]
    frame = _given_in(_frame(typed[INDICATORS.name], table), "indicator_id")
    frame = _duplicates(frame, ["indicator_id"], table, "duplicate-indicator", "indicator", out)
    fiscal = settings.fiscal_year_start_month
    frame["target_period_given"] = frame["target_period"].notna()
    for column in ("target_period", "baseline_period"):
        parsed: list[Any] = []
        for idx, raw, freq in zip(frame["_index"], frame[column], frame["frequency"], strict=True):
            if raw is None or freq is None:
                parsed.append(None)
            else:
                parsed.append(_parse_period_cell(out, table, idx, column, raw, freq, fiscal))
        frame[column] = parsed
    frame["rebase_periods"] = [
        _parse_rebase(out, table, idx, raw, freq, fiscal)
        for idx, raw, freq in zip(
            frame["_index"], frame["rebase_periods"], frame["frequency"], strict=True
        )
    ]
    checked = frame[_CHECKED_FIELDS]  # itertuples builds a tuple per row: only what is checked
    for idx, rec in zip(frame["_index"], checked.itertuples(index=False), strict=True):
        _check_indicator(out, table, int(idx), rec)
    return frame


def _parse_rebase(
    out: ProblemCollector, table: Table, index: int, raw: Any, freq: Any, fiscal: int
) -> tuple[Any, ...]:
    if raw is None or freq is None:
        return ()
    periods = []
    for part in str(raw).replace(";", ",").split(","):
        if part.strip():
            period = _parse_period_cell(
                out, table, index, "rebase_periods", part.strip(), freq, fiscal
            )
            if period is not None:
                periods.append(period)
    return tuple(sorted(periods))


_CHECKED_FIELDS = [
    "baseline_value",
    "minimum_standard",
    "spc_baseline_points",
    "target_period",
    "target_period_given",
    "target_value",
    "tolerance",
    "unit",
    "weight",
]


def _check_indicator(out: ProblemCollector, table: Table, idx: int, rec: Any) -> None:
    if _given(rec.target_value) and not rec.target_period_given:
        out.at(
            table,
            idx,
            "target_period",
            "missing-target-period",
            "the indicator has a target value but no target period; say when it is due",
        )
    if rec.target_period is not None and not _given(rec.target_value):
        out.at(
            table,
            idx,
            "target_value",
            "missing-target-value",
            "the indicator has a target period but no target value",
        )
    if rec.unit is Unit.PERCENT:
        for column in ("target_value", "baseline_value", "minimum_standard"):
            value = getattr(rec, column)
            if _given(value) and not 0 <= value <= 100:
                out.at(
                    table,
                    idx,
                    column,
                    "percent-out-of-range",
                    f"{value:g} is not a percent between 0 and 100",
                    value,
                )
    if _given(rec.weight) and rec.weight < 0:
        out.at(table, idx, "weight", "negative-weight", "a weight cannot be negative", rec.weight)
    if _given(rec.tolerance) and rec.tolerance < 0:
        out.at(
            table,
            idx,
            "tolerance",
            "negative-tolerance",
            "a tolerance cannot be negative",
            rec.tolerance,
        )
    if _given(rec.spc_baseline_points) and (
        rec.spc_baseline_points < 12 or not float(rec.spc_baseline_points).is_integer()
    ):
        out.at(
            table,
            idx,
            "spc_baseline_points",
            "invalid-spc-baseline",
            "SPC limits can be fixed only after a whole number of 12 or more points",
            rec.spc_baseline_points,
        )


def _results_frame(
    tables: dict[str, Table],
    typed: dict[str, dict[str, Column]],
    indicators: pd.DataFrame,
    settings: Settings,
    out: ProblemCollector,
) -> pd.DataFrame:
    columns = RESULT_COLUMNS
    if RESULTS.name not in tables:
        return pd.DataFrame(columns=columns)
    if INDICATORS.name not in tables:
        # Without a usable Indicators sheet the references cannot be judged; its own
        # error (missing sheet or column) says what to fix first.
        return pd.DataFrame(columns=columns)
    table = tables[RESULTS.name]
    frame = _given_in(_frame(typed[RESULTS.name], table), "indicator_id")
    # One pass of hashing the ids; the lookups, joins and duplicate checks below then work
    # on each row's integer code into the distinct ids.
    frame["_indicator"], ids = pd.factorize(frame["indicator_id"])
    defined = pd.Index(ids).isin(indicators["indicator_id"])
    unknown = pd.Series(~defined[frame["_indicator"].to_numpy()], index=frame.index)
    for idx, ind in zip(
        frame.loc[unknown, "_index"], frame.loc[unknown, "indicator_id"], strict=True
    ):
        out.at(
            table,
            int(idx),
            "indicator_id",
            "unknown-indicator",
            f"indicator '{ind}' is not on the Indicators sheet; add it there or correct the id",
            ind,
        )
    frame = _without(frame, unknown)
    if frame.empty:
        return pd.DataFrame(columns=columns)
    frame = frame.assign(**_indicator_kinds(indicators, ids, frame["_indicator"].to_numpy()))
    frame["period"], frame["period_ordinal"] = _parse_result_periods(frame, table, settings, out)
    frame = _given_in(frame, "period")
    frame["period_ordinal"] = frame["period_ordinal"].astype("int64")
    frame = _fill_values(frame, table, out)
    _check_values(frame, table, out)
    by_agency = frame["agency_id"].notna().any()
    keys = ["_indicator", "period_ordinal"]
    if by_agency:
        frame["agency_key"] = frame["agency_id"].fillna("")
        keys.insert(0, "agency_key")
    shown = ["agency_id", "indicator_id", "period"] if by_agency else ["indicator_id", "period"]
    frame = _duplicates(frame, keys, table, "duplicate-result", "result", out, shown)
    derived = frame["source"].notna()
    for idx, ind in zip(
        frame.loc[derived, "_index"], frame.loc[derived, "indicator_id"], strict=True
    ):
        out.at(
            table,
            int(idx),
            "indicator_id",
            "derived-indicator-result",
            f"indicator '{ind}' is computed from its source; this typed row is ignored",
            ind,
            Severity.WARNING,
        )
    frame = _without(frame, derived)
    return frame[columns].reset_index(drop=True)


def _indicator_kinds(indicators: pd.DataFrame, ids: Any, codes: np.ndarray) -> dict[str, Any]:
    """What each result row needs of its indicator, taken by the row's code into ``ids``."""
    # Unknown ids get empty rows here, but no remaining result row points at them.
    known = indicators.set_index("indicator_id").reindex(ids)
    return {
        "frequency": known["frequency"].to_numpy()[codes],
        "source": known["source"].to_numpy()[codes],
        "is_percent": (known["unit"] == Unit.PERCENT).to_numpy()[codes],
        "is_count": known["unit"].isin([Unit.COUNT, Unit.DAYS]).to_numpy()[codes],
    }


def _parse_result_periods(
    frame: pd.DataFrame, table: Table, settings: Settings, out: ProblemCollector
) -> tuple[np.ndarray, np.ndarray]:
    """Each row's Period and its ordinal (NaN where the period is missing or invalid).

    Each distinct (period cell, frequency) is parsed once, and problems are reported at
    every row that holds it.
    """
    parsed = np.full(len(frame), None, dtype=object)
    ordinals = np.full(len(frame), np.nan)
    fiscal = settings.fiscal_year_start_month
    indices = frame["_index"].to_numpy()
    for freq in frame["frequency"].unique():
        rows = np.flatnonzero((frame["frequency"] == freq).to_numpy())
        codes, uniques = pd.factorize(frame["period"].iloc[rows], use_na_sentinel=True)

        def rows_of(k: int, rows: Any = rows, codes: Any = codes) -> Any:
            return indices[rows[codes == k]]

        periods = [
            _parse_one_period(raw, freq, fiscal, table, partial(rows_of, k), out)
            for k, raw in enumerate(uniques)
        ]
        # Code -1 (an empty cell) picks the None / NaN appended at the end.
        parsed[rows] = np.array([*periods, None], dtype=object)[codes]
        known = [np.nan if p is None else p.ordinal for p in periods]
        ordinals[rows] = np.array([*known, np.nan])[codes]
        for idx in rows_of(-1):
            out.at(
                table, int(idx), "period", "missing-value", "the period is empty; it is required"
            )
    return parsed, ordinals


def _parse_one_period(
    raw: Any,
    freq: Frequency,
    fiscal: int,
    table: Table,
    rows_of: Callable[[], Any],
    out: ProblemCollector,
) -> Any:
    """``rows_of`` finds the rows holding ``raw``; only needed when there is a problem."""
    try:
        label = label_of(raw)
        period = conform(label, freq, fiscal)
    except PeriodError as exc:
        for idx in rows_of():
            out.at(table, int(idx), "period", exc.code, str(exc), raw)
        return None
    if label.from_text_date:
        for idx in rows_of():
            out.at(
                table,
                int(idx),
                "period",
                "date-as-text",
                f"'{raw}' is a date typed as text; read as {period}; a real date cell or a "
                "period label such as 2024-Q1 is safer",
                raw,
                Severity.WARNING,
            )
    return period


def _fill_values(frame: pd.DataFrame, table: Table, out: ProblemCollector) -> pd.DataFrame:
    frame = frame.copy(deep=False)  # columns are replaced below, never written into
    num, den = frame["numerator"], frame["denominator"]
    has_ratio = num.notna() & den.notna() & (den != 0)
    scale = frame["is_percent"].map({True: 100.0, False: 1.0})
    computed = num / den.where(den != 0) * scale
    zero = den.notna() & (den == 0)
    for idx, value in zip(frame.loc[zero, "_index"], frame.loc[zero, "denominator"], strict=True):
        out.at(
            table,
            int(idx),
            "denominator",
            "zero-denominator",
            "the denominator is 0; a rate needs a positive denominator",
            value,
        )
    half = num.notna() ^ den.notna()
    for idx, n in zip(frame.loc[half, "_index"], num[half], strict=True):
        column = "denominator" if _given(n) else "numerator"
        out.at(
            table,
            int(idx),
            column,
            "missing-value",
            "give both numerator and denominator, or neither",
        )
    missing = frame["value"].isna() & ~has_ratio & ~zero & ~half
    for idx in frame.loc[missing, "_index"]:
        out.at(
            table,
            int(idx),
            "value",
            "missing-value",
            "no value: type the value, or the numerator and denominator",
        )
    both = frame["value"].notna() & has_ratio
    mismatch = both & ((frame["value"] - computed).abs() > 0.005 * computed.abs().clip(lower=1))
    for idx, value, calc in zip(
        frame.loc[mismatch, "_index"], frame.loc[mismatch, "value"], computed[mismatch], strict=True
    ):
        out.at(
            table,
            int(idx),
            "value",
            "value-mismatch",
            f"value {value:g} differs from numerator/denominator ({calc:.4g}); the value is used",
            value,
            Severity.WARNING,
        )
    frame["value"] = frame["value"].where(frame["value"].notna(), computed)
    return _given_in(frame, "value")


def _check_values(frame: pd.DataFrame, table: Table, out: ProblemCollector) -> None:
    pct = frame["is_percent"].astype(bool)
    over = frame["numerator"].notna() & (frame["numerator"] > frame["denominator"])
    # A percent computed from numerator > denominator is reported once, at the numerator.
    bad = pct & ((frame["value"] < 0) | (frame["value"] > 100)) & ~over
    _report(
        frame[bad],
        table,
        "value",
        "percent-out-of-range",
        "{v:g} is not a percent between 0 and 100",
        out,
    )
    _report(
        frame[over],
        table,
        "numerator",
        "numerator-exceeds-denominator",
        "numerator {v:g} is greater than its denominator; check the two figures",
        out,
        "numerator",
    )
    neg = frame["is_count"].astype(bool) & (frame["value"] < 0)
    _report(
        frame[neg],
        table,
        "value",
        "negative-count",
        "{v:g} is negative; a count cannot be below 0",
        out,
    )
    for column in ("numerator", "denominator"):
        negative = frame[column].notna() & (frame[column] < 0)
        _report(
            frame[negative],
            table,
            column,
            "negative-count",
            "{v:g} is negative; a count cannot be below 0",
            out,
            column,
        )


def _report(
    rows: pd.DataFrame,
    table: Table,
    column: str,
    code: str,
    template: str,
    out: ProblemCollector,
    value_column: str = "value",
) -> None:
    for idx, value in zip(rows["_index"], rows[value_column], strict=True):
        out.at(table, int(idx), column, code, template.format(v=value), value)


def _cross_checks(
    tables: dict[str, Table],
    outcomes: pd.DataFrame,
    indicators: pd.DataFrame,
    results: pd.DataFrame,
    out: ProblemCollector,
) -> None:
    if INDICATORS.name not in tables:
        return
    table = tables[INDICATORS.name]
    if OUTCOMES.name in tables:
        orphan = (
            ~indicators["outcome_id"].isin(outcomes["outcome_id"])
            & indicators["outcome_id"].notna()
        )
        for idx, oid in zip(
            indicators.loc[orphan, "_index"], indicators.loc[orphan, "outcome_id"], strict=True
        ):
            out.at(
                table,
                int(idx),
                "outcome_id",
                "unknown-outcome",
                f"outcome '{oid}' is not on the Outcomes sheet; add the outcome statement or correct the id",
                oid,
            )
        used = set(indicators["outcome_id"])
        otable = tables.get(OUTCOMES.name)
        for idx, oid in zip(outcomes["_index"], outcomes["outcome_id"], strict=True):
            if oid not in used and otable is not None:
                out.at(
                    otable,
                    int(idx),
                    "outcome_id",
                    "outcome-without-indicator",
                    f"no indicator evidences outcome '{oid}'; add one, or the outcome cannot be judged",
                    oid,
                    Severity.WARNING,
                )
    if RESULTS.name in tables:
        reported = set(results["indicator_id"].unique())
        for idx, ind, source in zip(
            indicators["_index"], indicators["indicator_id"], indicators["source"], strict=True
        ):
            if ind not in reported and source is None:
                out.at(
                    table,
                    int(idx),
                    "indicator_id",
                    "no-results",
                    f"indicator '{ind}' has no rows on the Results sheet",
                    ind,
                    Severity.WARNING,
                )
