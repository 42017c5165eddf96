"""The batch's tidy output tables: one list of row dicts each, or CSV lines.

The columns are in ``columns`` (documented in docs/batch.md). Rows are sorted so that
the same inputs always give the same tables.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from cipms_cli.batch.agency_rows import AgencyRows, Rows
from cipms_cli.batch.columns import (
    AGENCY_BENCHMARKS_COLUMNS,
    BENCHMARKS_COLUMNS,
    RESULTS_COLUMNS,
    ROLLUPS_COLUMNS,
    SCORES_COLUMNS,
    STATUS_COLUMNS,
    TABLES,
)
from cipms_cli.batch.frame_rows import frame_rows
from cipms_cli.batch.returns import FileStatus, FileSummary
from cipms_cli.batch.run import BatchResult
from cipms_cli.batch.scored import LSA_PREFIX
from cipms_cli.output.formats import csv_lines, csv_record_lines

SCHEMA_VERSION = 1
Row = dict[str, Any]


def build_tables(result: BatchResult) -> dict[str, list[Row]]:
    return {name: build_table(result, name) for name in TABLES}


def build_table(result: BatchResult, name: str) -> list[Row]:
    """One table's rows; a writer that needs one table at a time builds only that one."""
    return list(table_rows(result, name))


def table_rows(result: BatchResult, name: str) -> Iterable[Row]:
    """One table's rows, made as they are taken where the table allows (the per-agency
    tables come from the spool an agency at a time)."""
    return _BUILDERS[name](result)


LEARNER_TABLES = ("scores", "agencies")  # the tables that can carry lsa_* columns


def columns_of(name: str, rows: list[Row]) -> list[str]:
    """The table's documented columns, plus any ``lsa_*`` columns present (scores and
    agencies only)."""
    fixed = TABLES[name]
    if name not in LEARNER_TABLES:
        return fixed
    return [*fixed, *_learner_columns(rows)]


def _learner_columns(rows: Iterable[Row]) -> list[str]:
    return sorted({k for k in set().union(*rows) if k.startswith(LSA_PREFIX)})


def csv_table(result: BatchResult, name: str) -> tuple[list[str], Iterable[str]]:
    """One table's columns and CSV lines, for a writer that takes the lines one by one.
    The per-agency tables come encoded (``run_batch`` with ``encode_csv``): the results
    and scores tables by the workers, the agency benchmarks as they are made. Only the
    scores table's ``lsa_*`` cells, whose columns are known once every agency is in, are
    added here."""
    if name == "results":
        return RESULTS_COLUMNS, _results_text(result)
    if name == "agency_benchmarks":
        return AGENCY_BENCHMARKS_COLUMNS, result.agency_benchmarks.csv_text()
    if name == "scores":
        columns = scores_columns(result)
        return columns, _scores_lines(result, columns[len(SCORES_COLUMNS) :])
    if name in LEARNER_TABLES:
        rows: Iterable[Row] = build_table(result, name)
        columns = columns_of(name, list(rows))
    else:  # fixed columns: the rows can be made as they are written
        rows, columns = _BUILDERS[name](result), TABLES[name]
    return columns, csv_record_lines(rows, columns)


def scores_columns(result: BatchResult) -> list[str]:
    """The scores table's columns, without making its rows: the ``lsa_*`` columns are those
    of the agencies' learner figures, as on their rows."""
    extra = _learner_columns(
        score.learners
        for agency_id, score in result.scores.items()
        if len(result.rows[agency_id].scores)  # as the records: on an agency's rows
    )
    return [*SCORES_COLUMNS, *extra]


def _results_text(result: BatchResult) -> Iterator[str]:
    for rows in result.rows.values():
        yield rows.results.csv_text(result.spool)


def _scores_lines(result: BatchResult, extra: list[str]) -> Iterator[str]:
    for agency_id, rows in result.rows.items():
        lines = rows.scores.csv_lines(result.spool)
        score = result.scores.get(agency_id)
        if not extra or score is None:
            yield from lines
            continue
        # The lsa_* cells, the same on each of the agency's rows: encoded behind an empty
        # first cell, whose comma then joins them to the rest of the row.
        suffix = next(csv_lines([["", *(score.learners.get(c) for c in extra)]]))[:-1]
        yield from (line[:-1] + suffix + "\n" for line in lines)


def summary_of(result: BatchResult, results: Iterable[Row], problems: list[Row]) -> dict[str, Any]:
    """The batch in figures; ``results`` is taken once, row by row."""
    periods = set()
    for row in results:
        periods.add((row["indicator_id"], row["period_end"], row["period"]))
    return {
        "files": len(result.files),
        "ok": result.count(FileStatus.OK),
        "invalid": result.count(FileStatus.INVALID),
        "unreadable": result.count(FileStatus.UNREADABLE),
        "agencies": len(result.agencies),
        "indicators": len({indicator for indicator, _, _ in periods}),
        "periods": [label for _, label in sorted({(end, label) for _, end, label in periods})],
        "as_of": result.as_of_text,
        "errors": sum(p["severity"] == "error" for p in problems),
        "warnings": sum(p["severity"] == "warning" for p in problems),
        "all_ok": result.all_ok,
    }


def file_row(ret: FileSummary) -> Row:
    first = ret.first_error
    where = ""
    if first is not None:
        where = first.location.removeprefix(ret.path).lstrip("!")
    return {
        "path": ret.path,
        "agency_id": ret.agency_id,
        "agency_source": ret.agency_source.value,
        "periods": ";".join(ret.periods),
        "status": ret.status.value,
        "error_count": ret.error_count,
        "warning_count": ret.warning_count,
        "first_error": (f"{where}: {first.message}" if where else first.message) if first else None,
        "first_error_code": first.code if first else None,
    }


def files_rows(files: Iterable[FileSummary]) -> list[Row]:
    return [file_row(f) for f in sorted(files, key=lambda f: f.path)]


def problems_rows(result: BatchResult) -> list[Row]:
    return [
        {
            "severity": p.severity.value,
            "code": p.code,
            "agency_id": p.agency_id,
            "indicator_id": p.indicator_id,
            "period": p.period,
            "files": ";".join(p.files),
            "cells": ";".join(p.cells),
            "message": p.message,
        }
        for p in result.problems
    ]


def _agency_records(result: BatchResult, table: Callable[[AgencyRows], Rows]) -> Iterator[Row]:
    """A per-agency table's records, agency by agency (agencies come sorted by id)."""
    for agency_rows in result.rows.values():
        yield from table(agency_rows).records_from(result.spool)


def agencies_rows(result: BatchResult) -> list[Row]:
    rows = []
    for agency in result.agencies:
        score = result.scores.get(agency.agency_id)
        summary = score.summary if score else {}
        statuses = summary.get("counts", {}).get("status", {})
        favourable, unfavourable = result.funnel.get(agency.agency_id, (0, 0))
        as_of = result.as_of.get(agency.agency_id)
        rows.append(
            agency.fields()
            | {
                "files": len(agency.files),
                "first_period": agency.first_period,
                "latest_period": agency.latest_period,
                "as_of": as_of.isoformat() if as_of else None,
                "indicators": agency.indicators,
                "score": summary.get("score"),
                "stars": summary.get("stars"),
                "key_failures": ";".join(summary["key_failures"]) if score else None,
                **{s: statuses.get(s, 0) for s in STATUS_COLUMNS},
                "funnel_favourable": favourable,
                "funnel_unfavourable": unfavourable,
            }
            | (score.learners if score else {})
        )
    return rows


_BUILDERS: dict[str, Callable[[BatchResult], Iterable[Row]]] = {
    "files": lambda result: files_rows(result.files),
    "problems": problems_rows,
    "results": lambda result: _agency_records(result, lambda rows: rows.results),
    "scores": lambda result: _agency_records(result, lambda rows: rows.scores),
    "agencies": agencies_rows,
    "benchmarks": lambda result: frame_rows(result.period_summary, BENCHMARKS_COLUMNS),
    "agency_benchmarks": lambda result: result.agency_benchmarks.records(),
    "rollups": lambda result: frame_rows(result.rollups, ROLLUPS_COLUMNS),
}
