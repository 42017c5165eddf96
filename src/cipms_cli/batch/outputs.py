"""The batch tables as CSV files, one JSON document, JSON lines, Excel and Markdown."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Any

from cipms_cli.batch.returns import FileReturn
from cipms_cli.batch.run import BatchResult
from cipms_cli.batch.tables import (
    SCHEMA_VERSION,
    TABLES,
    Row,
    columns_of,
    csv_table,
    file_row,
    summary,
)
from cipms_cli.errors import OutputError
from cipms_cli.output.formats import csv_lines, to_json, to_jsonl_line

STDOUT_CSV_TABLE = "scores"


# --- CSV -----------------------------------------------------------------------


def csv_text(result: BatchResult, name: str) -> str:
    """One table as CSV text; ``result`` comes from ``run_batch(..., encode_csv=True)``."""
    buffer = io.StringIO()
    _write_csv_table(buffer, result, name)
    return buffer.getvalue()


def _write_csv_table(out: IO[str], result: BatchResult, name: str) -> None:
    columns, lines = csv_table(result, name)
    out.write(next(csv_lines([columns])))
    out.writelines(lines)


def write_csv_folder(folder: Path, result: BatchResult, inputs: Iterable[str]) -> list[Path]:
    """One ``<table>.csv`` per table, each made, written and let go before the next (the
    results and scores tables line by line from the workers' text), so that at most one
    table is held in memory besides those lines. Every file is written to a temporary
    name first and renamed only when all are complete, so an interrupted run leaves no
    partial table. ``result`` comes from ``run_batch(..., encode_csv=True)``."""
    from cipms_cli.output.atomic import atomic_open

    if folder.exists() and not folder.is_dir():
        raise OutputError("is a file; -o takes a folder for CSV tables", path=str(folder))
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OutputError(f"cannot create the folder ({exc.strerror})", path=str(folder)) from None
    targets = [folder / f"{name}.csv" for name in TABLES]
    sources = list(inputs)
    with contextlib.ExitStack() as stack:
        for target, name in zip(targets, TABLES, strict=True):
            _write_csv_table(stack.enter_context(atomic_open(target, "w", sources)), result, name)
    return targets


# --- JSON and JSON lines -------------------------------------------------------


def json_text(result: BatchResult, tables: dict[str, list[Row]]) -> str:
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "summary": summary(result, tables),
    }
    document.update(tables)
    return to_json(document)


def jsonl_line(ret: FileReturn) -> str:
    """One input file: its ``files`` row, its agency fields, problems and figures."""
    line: dict[str, Any] = {"schema_version": SCHEMA_VERSION, **file_row(ret.summary())}
    line["periods"] = list(ret.periods)
    line["agency"] = ret.agency
    line["problems"] = [p.to_dict() for p in ret.problems]
    line["results"] = [
        {
            "agency_id": f.agency_id,
            "indicator_id": f.indicator_id,
            "period": f.period.label,
            "value": f.value,
            "numerator": f.numerator,
            "denominator": f.denominator,
            "source_cell": f.cell,
        }
        for f in ret.figures
    ]
    return to_jsonl_line(line)


# --- Markdown --------------------------------------------------------------------


def markdown_text(result: BatchResult, tables: dict[str, list[Row]]) -> str:
    from cipms_cli.reports.templates import shipped_environment

    env = shipped_environment()
    return env.get_template("batch.md.j2").render(**report_context(result, tables))


def report_context(result: BatchResult, tables: dict[str, list[Row]]) -> dict[str, Any]:
    latest_benchmarks = _latest_rows(tables["benchmarks"], ("indicator_id",))
    latest_periods = {(r["indicator_id"], r["period"]) for r in latest_benchmarks}
    return {
        "summary": summary(result, tables),
        "failed": [f for f in tables["files"] if f["status"] != "ok"],
        "errors": [p for p in tables["problems"] if p["severity"] == "error"],
        "warnings": [p for p in tables["problems"] if p["severity"] == "warning"],
        "agencies": sorted(
            tables["agencies"],
            key=lambda a: (a["score"] is None, -(a["score"] or 0), a["agency_id"]),
        ),
        "benchmarks": latest_benchmarks,
        "outliers": [
            r
            for r in tables["agency_benchmarks"]
            if r["funnel_flag"] not in (None, "within")
            and (r["indicator_id"], r["period"]) in latest_periods
        ],
        "rollups": [
            r for r in tables["rollups"] if (r["indicator_id"], r["period"]) in latest_periods
        ],
    }


def _latest_rows(rows: list[Row], keys: tuple[str, ...]) -> list[Row]:
    latest: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        key = tuple(row[k] for k in keys)
        if key not in latest or row["period_end"] > latest[key]["period_end"]:
            latest[key] = row
    return [latest[k] for k in sorted(latest)]


# --- Excel -------------------------------------------------------------------------


def xlsx_bytes(result: BatchResult, tables: dict[str, list[Row]]) -> bytes:
    from openpyxl import Workbook

    from cipms_cli.output.xlsx_file import workbook_bytes

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "Summary"
    _summary_sheet(sheet, result, tables)
    for name, rows in tables.items():
        _table_sheet(wb.create_sheet(name), rows, columns_of(name, rows))
    _charts(wb, sheet, tables)
    return workbook_bytes(wb)


MAX_WIDTH = 50
SUMMARY_AGENCY_COLUMNS = [
    "agency_id",
    "agency_name",
    "region",
    "stream",
    "files",
    "latest_period",
    "score",
    "stars",
    "off_track",
    "funnel_unfavourable",
]


def _summary_sheet(ws: Any, result: BatchResult, tables: dict[str, list[Row]]) -> None:
    from openpyxl.styles import Font

    from cipms_cli.workbook.blank import TITLE_FONT

    s = summary(result, tables)
    ws.cell(row=1, column=1, value="Network summary").font = TITLE_FONT
    lines = [
        f"{s['files']} files: {s['ok']} ok, {s['invalid']} invalid, {s['unreadable']} unreadable",
        f"{s['agencies']} agencies, {s['indicators']} indicators, "
        f"periods {' to '.join(s['periods'][:1] + s['periods'][-1:]) or '—'}",
        f"As of {s['as_of'] or 'each agency’s latest return'}; "
        f"{s['errors']} merge errors, {s['warnings']} merge warnings (see the problems sheet)",
    ]
    for i, line in enumerate(lines, start=2):
        ws.cell(row=i, column=1, value=line)
    header_row = len(lines) + 3
    _write_rows(ws, header_row, tables["agencies"], SUMMARY_AGENCY_COLUMNS)
    ws.cell(row=header_row - 1, column=1, value="Agencies").font = Font(bold=True)


def _table_sheet(ws: Any, rows: list[Row], columns: list[str]) -> None:
    _write_rows(ws, 1, rows, columns)
    if rows:
        from openpyxl.utils import get_column_letter

        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(rows) + 1}"


def _write_rows(ws: Any, header_row: int, rows: list[Row], columns: list[str]) -> None:
    from openpyxl.utils import get_column_letter

    from cipms_cli.output.safe import xlsx_text
    from cipms_cli.workbook.blank import style_header

    style_header(ws, header_row, columns, set())
    widths = [len(c) + 2 for c in columns]
    for r, row in enumerate(rows, start=header_row + 1):
        for c, column in enumerate(columns):
            value = row.get(column)
            if isinstance(value, list | tuple | dict):
                value = str(value)
            cell = ws.cell(row=r, column=c + 1)
            xlsx_text(cell, value)
            if isinstance(value, float):
                cell.number_format = "#,##0.0#"
            widths[c] = max(widths[c], min(MAX_WIDTH, len(str(value)) + 2 if value else 0))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(MAX_WIDTH, width))


CHART_WIDTH_CM = 16
CHART_HEIGHT_CM = 7.5
CHART_ROWS = 16  # rows a chart covers on the Summary sheet, with a gap


def _charts(wb: Any, summary_ws: Any, tables: dict[str, list[Row]]) -> None:
    """Per indicator: each agency's latest value as bars, the network median as a line."""
    from openpyxl.chart import BarChart, LineChart, Reference

    latest = tables["agency_benchmarks"]
    indicators = sorted({r["indicator_id"] for r in latest})
    if not indicators:
        return
    data = wb.create_sheet("Chart data")
    names = {r["indicator_id"]: r["name"] for r in tables["benchmarks"]}
    first_chart_row = len(tables["agencies"]) + 9
    top = 1
    for index, indicator_id in enumerate(indicators):
        rows = sorted(
            (r for r in latest if r["indicator_id"] == indicator_id), key=lambda r: r["agency_id"]
        )
        _write_rows(data, top, rows, ["agency_id", "value", "network_median"])
        bottom = top + len(rows)
        bars = BarChart()
        bars.title = f"{indicator_id} {names.get(indicator_id, '')}".strip()
        bars.y_axis.title = rows[0]["unit"]
        bars.add_data(
            Reference(data, min_col=2, min_row=top, max_row=bottom), titles_from_data=True
        )
        bars.set_categories(Reference(data, min_col=1, min_row=top + 1, max_row=bottom))
        median = LineChart()
        median.add_data(
            Reference(data, min_col=3, min_row=top, max_row=bottom), titles_from_data=True
        )
        bars += median
        bars.width, bars.height = CHART_WIDTH_CM, CHART_HEIGHT_CM
        column = "A" if index % 2 == 0 else "K"
        summary_ws.add_chart(bars, f"{column}{first_chart_row + (index // 2) * CHART_ROWS}")
        top = bottom + 2
    data.freeze_panes = None  # the sheet holds one small table per chart
