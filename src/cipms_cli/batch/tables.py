"""The batch's tidy output tables: stable column names, one list of row dicts each.

Every column is documented in docs/batch.md; add columns at the end, never rename.
Rows are sorted so that the same inputs always give the same tables.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pandas as pd

from cipms_cli.batch.combine import CombinedAgency
from cipms_cli.batch.returns import FileReturn, FileStatus
from cipms_cli.batch.run import BatchResult
from cipms_cli.batch.scored import LSA_PREFIX
from cipms_cli.output.scorecard import CSV_COLUMNS as SCORECARD_COLUMNS

SCHEMA_VERSION = 1
Row = dict[str, Any]

FILES_COLUMNS = [
    "path",
    "agency_id",
    "agency_source",
    "periods",
    "status",
    "error_count",
    "warning_count",
    "first_error",
    "first_error_code",
]
PROBLEMS_COLUMNS = [
    "severity",
    "code",
    "agency_id",
    "indicator_id",
    "period",
    "files",
    "cells",
    "message",
]
RESULTS_COLUMNS = [
    "agency_id",
    "indicator_id",
    "period",
    "period_end",
    "frequency",
    "unit",
    "value",
    "numerator",
    "denominator",
    "source_file",
    "source_cell",
]
AGENCY_COLUMNS = ["agency_id", "agency_name", "region", "stream"]
# The per-indicator columns are `cipms score --format csv`'s, with the agency around them.
_SPLIT = SCORECARD_COLUMNS.index("baseline_period")
SCORES_COLUMNS = [
    *AGENCY_COLUMNS,
    "as_of",
    *SCORECARD_COLUMNS[:_SPLIT],
    "key",
    "weight",
    "n_periods",
    *SCORECARD_COLUMNS[_SPLIT:],
    "agency_score",
    "agency_stars",
]
STATUS_COLUMNS = ["met", "on_track", "at_risk", "off_track", "no_target", "no_data"]
AGENCIES_COLUMNS = [
    *AGENCY_COLUMNS,
    "files",
    "first_period",
    "latest_period",
    "as_of",
    "indicators",
    "score",
    "stars",
    "key_failures",
    *STATUS_COLUMNS,
    "funnel_favourable",
    "funnel_unfavourable",
]
BENCHMARKS_COLUMNS = [
    "indicator_id",
    "name",
    "direction",
    "unit",
    "frequency",
    "period",
    "period_end",
    "agencies",
    "min",
    "q1",
    "median",
    "q3",
    "max",
    "mean",
    "pooled_numerator",
    "pooled_denominator",
    "pooled_rate",
    "funnel_agencies",
    "outside_95",
    "outside_99_8",
    "dispersion_ratio",
]
AGENCY_BENCHMARKS_COLUMNS = [
    *AGENCY_COLUMNS,
    "indicator_id",
    "direction",
    "unit",
    "period",
    "value",
    "numerator",
    "denominator",
    "agencies",
    "rank",
    "percentile",
    "network_median",
    "pooled_rate",
    "observed_rate",
    "z_score",
    "funnel_lower_95",
    "funnel_upper_95",
    "funnel_lower_99_8",
    "funnel_upper_99_8",
    "funnel_flag",
    "funnel_favourable",
    "funnel_reliable",
]
ROLLUPS_COLUMNS = [
    "dimension",
    "group",
    "indicator_id",
    "unit",
    "frequency",
    "period",
    "agencies",
    "median",
    "pooled_numerator",
    "pooled_denominator",
    "pooled_rate",
]

TABLES: dict[str, list[str]] = {
    "files": FILES_COLUMNS,
    "problems": PROBLEMS_COLUMNS,
    "results": RESULTS_COLUMNS,
    "scores": SCORES_COLUMNS,
    "agencies": AGENCIES_COLUMNS,
    "benchmarks": BENCHMARKS_COLUMNS,
    "agency_benchmarks": AGENCY_BENCHMARKS_COLUMNS,
    "rollups": ROLLUPS_COLUMNS,
}


def build_tables(result: BatchResult) -> dict[str, list[Row]]:
    return {name: build_table(result, name) for name in TABLES}


def build_table(result: BatchResult, name: str) -> list[Row]:
    """One table's rows; a writer that needs one table at a time builds only that one."""
    return _BUILDERS[name](result)


LEARNER_TABLES = ("scores", "agencies")  # the tables that can carry lsa_* columns


def columns_of(name: str, rows: list[Row]) -> list[str]:
    """The table's documented columns, plus any ``lsa_*`` columns present (scores and
    agencies only)."""
    fixed = TABLES[name]
    if name not in LEARNER_TABLES:
        return fixed
    extra = sorted({k for k in set().union(*rows) if k.startswith(LSA_PREFIX)} - set(fixed))
    return [*fixed, *extra]


def table_for_writing(result: BatchResult, name: str) -> tuple[list[str], Iterable[Row]]:
    """One table's columns and rows, for a writer that takes the rows one by one: the results
    table, one row per figure and the largest by far, is made as it is written."""
    if name == "results":
        return TABLES[name], _results_by_agency(result.agencies)
    rows = build_table(result, name)
    return columns_of(name, rows), rows


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


def results_rows(agencies: Iterable[CombinedAgency]) -> list[Row]:
    return list(_results_by_agency(agencies))


def _results_by_agency(agencies: Iterable[CombinedAgency]) -> Iterator[Row]:
    """The results rows, agency by agency (agencies come sorted by id)."""
    for agency in agencies:
        units = {str(k): str(d["unit"]) for k, d in agency.definitions.items()}
        rows = [
            {
                "agency_id": agency.agency_id,
                "indicator_id": used.figure.indicator_id,
                "period": used.figure.period.label,
                "period_end": used.figure.period.end.isoformat(),
                "frequency": str(used.figure.period.frequency),
                "unit": units[used.figure.indicator_id],
                "value": used.figure.value,
                "numerator": used.figure.numerator,
                "denominator": used.figure.denominator,
                "source_file": used.path,
                "source_cell": used.figure.cell,
            }
            for used in agency.figures
        ]
        yield from sorted(rows, key=lambda r: (r["indicator_id"], r["period_end"]))


def _agency_fields(agency: CombinedAgency) -> Row:
    return {c: agency.agency.get(c) for c in AGENCY_COLUMNS} | {"agency_id": agency.agency_id}


def scores_rows(result: BatchResult) -> list[Row]:
    rows = []
    for agency in result.agencies:
        score = result.scores.get(agency.agency_id)
        if score is None:
            continue
        base = _agency_fields(agency) | {
            "as_of": score.as_of,
            "agency_score": score.summary.get("score"),
            "agency_stars": score.summary.get("stars"),
        }
        for indicator in score.indicators:
            row = base | {c: indicator[c] for c in SCORES_COLUMNS if c in indicator}
            rows.append(row | score.learners)
    return rows


def agencies_rows(result: BatchResult) -> list[Row]:
    funnel = _funnel_counts(benchmark_latest(result))
    rows = []
    for agency in result.agencies:
        score = result.scores.get(agency.agency_id)
        summary = score.summary if score else {}
        periods = sorted({u.figure.period for u in agency.figures}, key=lambda p: p.end)
        statuses = summary.get("counts", {}).get("status", {})
        favourable, unfavourable = funnel.get(agency.agency_id, (0, 0))
        as_of = result.as_of.get(agency.agency_id)
        rows.append(
            _agency_fields(agency)
            | {
                "files": len(agency.files),
                "first_period": periods[0].label if periods else None,
                "latest_period": periods[-1].label if periods else None,
                "as_of": as_of.isoformat() if as_of else None,
                "indicators": len(agency.definitions),
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


def benchmark_latest(result: BatchResult) -> pd.DataFrame:
    from cipms_cli.batch.benchmark import latest_per_agency

    return latest_per_agency(result.ranked)


def agency_benchmark_rows(result: BatchResult) -> list[Row]:
    latest = benchmark_latest(result)
    if latest.empty:
        return []
    meta = {a.agency_id: _agency_fields(a) for a in result.agencies}
    rows = _frame_rows(latest, AGENCY_BENCHMARKS_COLUMNS)
    for row in rows:
        row.update({k: v for k, v in meta[row["agency_id"]].items() if k != "agency_id"})
    return rows


def _frame_rows(frame: pd.DataFrame, columns: list[str]) -> list[Row]:
    if frame.empty:
        return []
    present = [c for c in columns if c in frame.columns]
    return [
        {c: _plain(v) for c, v in zip(present, values, strict=True)}
        for values in frame[present].itertuples(index=False, name=None)
    ]


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


_BUILDERS: dict[str, Callable[[BatchResult], list[Row]]] = {
    "files": lambda result: files_rows(result.files),
    "problems": problems_rows,
    "results": lambda result: results_rows(result.agencies),
    "scores": scores_rows,
    "agencies": agencies_rows,
    "benchmarks": lambda result: _frame_rows(result.period_summary, BENCHMARKS_COLUMNS),
    "agency_benchmarks": agency_benchmark_rows,
    "rollups": lambda result: _frame_rows(result.rollups, ROLLUPS_COLUMNS),
}
