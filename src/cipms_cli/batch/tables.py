"""The batch's tidy output tables: one list of row dicts each, or CSV lines.

The columns are in ``columns`` (documented in docs/batch.md). Rows are sorted so that
the same inputs always give the same tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pandas as pd

from cipms_cli.batch.agency_rows import Rows
from cipms_cli.batch.columns import (
    AGENCY_BENCHMARKS_COLUMNS,
    BENCHMARKS_COLUMNS,
    RESULTS_COLUMNS,
    ROLLUPS_COLUMNS,
    SCORES_COLUMNS,
    STATUS_COLUMNS,
    TABLES,
)
from cipms_cli.batch.returns import FileReturn, FileStatus
from cipms_cli.batch.run import BatchResult
from cipms_cli.batch.scored import LSA_PREFIX
from cipms_cli.output.formats import csv_lines

SCHEMA_VERSION = 1
Row = dict[str, Any]


def build_tables(result: BatchResult) -> dict[str, list[Row]]:
    return {name: build_table(result, name) for name in TABLES}


def build_table(result: BatchResult, name: str) -> list[Row]:
    """One table's rows; a writer that needs one table at a time builds only that one."""
    return list(_BUILDERS[name](result))


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
    The results and scores tables come encoded by the workers (``run_batch`` with
    ``encode_csv``); only the scores table's ``lsa_*`` cells, whose columns are known once
    every agency is in, are added here."""
    if name == "results":
        return RESULTS_COLUMNS, _results_lines(result)
    if name == "scores":
        extra = _learner_columns(
            score.learners
            for agency_id, score in result.scores.items()
            if len(result.rows[agency_id].scores)  # as the records: on an agency's rows
        )
        return [*SCORES_COLUMNS, *extra], _scores_lines(result, extra)
    if name in LEARNER_TABLES:
        rows: Iterable[Row] = build_table(result, name)
        columns = columns_of(name, list(rows))
    else:  # fixed columns: the rows can be made as they are written
        rows, columns = _BUILDERS[name](result), TABLES[name]
    return columns, csv_lines([row.get(c) for c in columns] for row in rows)


def _results_lines(result: BatchResult) -> Iterator[str]:
    for agency in result.agencies:
        yield from result.rows[agency.agency_id].results.csv_lines(result.spool)


def _scores_lines(result: BatchResult, extra: list[str]) -> Iterator[str]:
    for agency in result.agencies:
        lines = result.rows[agency.agency_id].scores.csv_lines(result.spool)
        score = result.scores.get(agency.agency_id)
        if not extra or score is None:
            yield from lines
            continue
        # The lsa_* cells, the same on each of the agency's rows: encoded behind an empty
        # first cell, whose comma then joins them to the rest of the row.
        suffix = next(csv_lines([["", *(score.learners.get(c) for c in extra)]]))[:-1]
        yield from (line[:-1] + suffix + "\n" for line in lines)


def summary(result: BatchResult, tables: dict[str, list[Row]]) -> dict[str, Any]:
    return {
        "files": len(result.files),
        "ok": result.count(FileStatus.OK),
        "invalid": result.count(FileStatus.INVALID),
        "unreadable": result.count(FileStatus.UNREADABLE),
        "agencies": len(result.agencies),
        "indicators": len({r["indicator_id"] for r in tables["results"]}),
        "periods": [
            label
            for _, label in sorted({(r["period_end"], r["period"]) for r in tables["results"]})
        ],
        "as_of": result.as_of_text,
        "errors": sum(p["severity"] == "error" for p in tables["problems"]),
        "warnings": sum(p["severity"] == "warning" for p in tables["problems"]),
        "all_ok": result.all_ok,
    }


def file_row(ret: FileReturn) -> Row:
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


def files_rows(files: Iterable[FileReturn]) -> list[Row]:
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


def results_rows(result: BatchResult) -> list[Row]:
    return _agency_records(result, lambda rows: rows.results)


def _agency_records(result: BatchResult, table: Callable[[Any], Rows]) -> list[Row]:
    """A per-agency table's records, agency by agency (agencies come sorted by id)."""
    records = []
    for agency in result.agencies:
        rows = table(result.rows[agency.agency_id])
        assert not rows.encoded, "the batch was run for records, not encode_csv"
        records.extend(rows.records)
    return records


def scores_rows(result: BatchResult) -> list[Row]:
    return _agency_records(result, lambda rows: rows.scores)


def agencies_rows(result: BatchResult) -> list[Row]:
    funnel = _funnel_counts(result.latest)
    rows = []
    for agency in result.agencies:
        score = result.scores.get(agency.agency_id)
        summary = score.summary if score else {}
        statuses = summary.get("counts", {}).get("status", {})
        favourable, unfavourable = funnel.get(agency.agency_id, (0, 0))
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


def _funnel_counts(latest: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """Per agency: its indicators outside the funnel limits in the improvement direction,
    and against it, at their latest periods."""
    counts: dict[str, tuple[int, int]] = {}
    if latest.empty:
        return counts
    for agency_id, flag in zip(latest["agency_id"], latest["funnel_favourable"], strict=True):
        better, worse = counts.get(agency_id, (0, 0))
        # == as pandas compares: numpy's booleans count, an empty flag (None, NaN) does not.
        counts[agency_id] = (better + int(flag == True), worse + int(flag == False))  # noqa: E712
    return counts


def agency_benchmark_rows(result: BatchResult) -> Iterator[Row]:
    meta = {a.agency_id: a.fields() for a in result.agencies}
    for row in _frame_rows(result.latest, AGENCY_BENCHMARKS_COLUMNS):
        row.update({k: v for k, v in meta[row["agency_id"]].items() if k != "agency_id"})
        yield row


FRAME_ROWS_AT_ONCE = 2_000  # a frame's rows are made this many at a time


def _frame_rows(frame: pd.DataFrame, columns: list[str]) -> Iterator[Row]:
    present = [c for c in columns if c in frame.columns]
    for start in range(0, len(frame), FRAME_ROWS_AT_ONCE):
        part = frame.iloc[start : start + FRAME_ROWS_AT_ONCE]
        values = [_plain_column(part[c]) for c in present]
        yield from (dict(zip(present, row, strict=True)) for row in zip(*values, strict=True))


def _plain_column(column: pd.Series) -> list[Any]:
    """``_plain`` of each value, a column at a time (the agency benchmarks have 300,000
    cells): number columns need only NaN made None."""
    values = column.tolist()
    if column.dtype.kind == "f":
        return [None if v != v else v for v in values]
    if column.dtype.kind in "iub":
        return values
    return [_plain(v) for v in values]


def _plain(value: Any) -> Any:
    """numpy scalars to Python ones, NaN to None, dates to ISO text."""
    if value is None:
        return None
    if hasattr(value, "item") and not isinstance(value, str):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


_BUILDERS: dict[str, Callable[[BatchResult], Iterable[Row]]] = {
    "files": lambda result: files_rows(result.files),
    "problems": problems_rows,
    "results": results_rows,
    "scores": scores_rows,
    "agencies": agencies_rows,
    "benchmarks": lambda result: _frame_rows(result.period_summary, BENCHMARKS_COLUMNS),
    "agency_benchmarks": agency_benchmark_rows,
    "rollups": lambda result: _frame_rows(result.rollups, ROLLUPS_COLUMNS),
}
