"""The validation report as data: the JSON document and CSV rows (docs/json-output.md)."""

from __future__ import annotations

from typing import Any

from cipms_cli.workbook.validate import ValidationReport

SCHEMA_VERSION = 1
CSV_COLUMNS = ["file", "severity", "code", "sheet", "row", "column", "cell", "value", "message"]


def validation_document(reports: list[ValidationReport]) -> dict[str, Any]:
    return {
        "schema_version": SCHEMA_VERSION,
        "valid": all(r.valid for r in reports),
        "files": [
            {
                "path": r.path,
                "readable": r.readable,
                "valid": r.valid,
                "errors": [p.to_dict() for p in r.errors],
                "warnings": [p.to_dict() for p in r.warnings],
            }
            for r in reports
        ],
    }


def validation_rows(reports: list[ValidationReport]) -> list[dict[str, Any]]:
    rows = []
    for report in reports:
        for problem in report.problems:
            d = problem.to_dict()
            rows.append({c: d[c] for c in CSV_COLUMNS})
    return rows
