"""Validate a workbook against the contract and build the typed data the engine uses.

Every problem is collected (never just the first) with its file, sheet, row,
column, cell and value, in the spirit of pandera's lazy validation.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from pydantic import ValidationError

from cipms_cli.engine.lsa import KIND_WORDS, MEASURES, UNITS_FOR_KIND, canonical_source
from cipms_cli.errors import UnreadableInput
from cipms_cli.gcpause import paused_gc
from cipms_cli.problems import Problem, Severity, split_cell
from cipms_cli.settings import Settings, known_keys, settings_from
from cipms_cli.workbook.actions_validate import validate_actions
from cipms_cli.workbook.as_of import default_as_of
from cipms_cli.workbook.cells import normalise_key
from cipms_cli.workbook.collector import ProblemCollector
from cipms_cli.workbook.columns import Column, canonical_key, coerce_record, coerce_table
from cipms_cli.workbook.core_checks import (
    cross_checks,
    indicators_frame,
    outcomes_frame,
    results_frame,
)
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
    outcomes = outcomes_frame(tables, typed, out)
    indicators = indicators_frame(tables, typed, settings, out)
    _read_typed(book, found.get(RESULTS.name), RESULTS, tables, typed, out)
    results = results_frame(tables, typed, indicators, settings, out)
    cross_checks(tables, typed, outcomes, indicators, out)
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
    if indicators["source"].notna().any():
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
