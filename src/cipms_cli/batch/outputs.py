"""The batch tables as CSV files, one JSON document, JSON lines, Excel and Markdown."""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterable, Sequence
from functools import partial
from pathlib import Path
from typing import IO, Any

from cipms_cli.batch.returns import FileReturn
from cipms_cli.batch.run import BatchResult
from cipms_cli.batch.tables import (
    SCHEMA_VERSION,
    TABLES,
    Row,
    build_table,
    columns_of,
    csv_table,
    file_row,
    scores_columns,
    summary_of,
    table_rows,
)
from cipms_cli.errors import OutputError
from cipms_cli.output.formats import Streamed, csv_lines, to_jsonl_line, write_json
from cipms_cli.output.safe import xlsx_value

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


def write_json_document(out: IO[str], result: BatchResult) -> None:
    """The JSON document, a table row at a time: the per-agency tables are never held
    whole, nor the document's text."""
    problems = build_table(result, "problems")
    document: dict[str, Any] = {
        "schema_version": SCHEMA_VERSION,
        "summary": summary_of(result, table_rows(result, "results"), problems),
    }
    for name in TABLES:
        document[name] = problems if name == "problems" else Streamed(table_rows(result, name))
    write_json(out, document)


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


def markdown_text(result: BatchResult) -> str:
    from cipms_cli.reports.templates import shipped_environment

    env = shipped_environment()
    return env.get_template("batch.md.j2").render(**report_context(result))


REPORT_TABLES = ("files", "problems", "agencies", "benchmarks", "rollups")


def report_context(result: BatchResult) -> dict[str, Any]:
    """What the network report shows. It needs none of the per-agency tables whole: the
    results are counted as they come, and only the agency benchmarks outside the funnel
    limits are kept."""
    tables = {name: build_table(result, name) for name in REPORT_TABLES}
    latest_benchmarks = _latest_rows(tables["benchmarks"], ("indicator_id",))
    latest_periods = {(r["indicator_id"], r["period"]) for r in latest_benchmarks}
    return {
        "summary": summary_of(result, table_rows(result, "results"), tables["problems"]),
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
            for r in table_rows(result, "agency_benchmarks")
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


STREAMED_TABLES = ("results", "scores")  # the large per-agency tables, read from the spool


def xlsx_bytes(result: BatchResult) -> bytes:
    """The workbook, written row by row in openpyxl's write-only mode (a workbook held as
    cell objects took 520 MiB and 18 s for the tables of 1,000 returns); the results and
    scores tables come from the spool as they are written, read once for the column
    widths and again for the rows."""
    from openpyxl import Workbook

    from cipms_cli.output.xlsx_file import workbook_bytes

    tables = {name: build_table(result, name) for name in TABLES if name not in STREAMED_TABLES}
    wb = Workbook(write_only=True)
    summary_ws = wb.create_sheet("Summary")
    _summary_sheet(summary_ws, result, tables)
    for name in TABLES:
        if name in STREAMED_TABLES:
            columns = scores_columns(result) if name == "scores" else TABLES[name]
            rows_of = partial(table_rows, result, name)
        else:
            columns, rows_of = columns_of(name, tables[name]), partial(list, tables[name])
        _table_sheet(wb.create_sheet(name), rows_of, columns)
    _charts(wb, summary_ws, tables)
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
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font

    from cipms_cli.workbook.blank import TITLE_FONT

    s = summary_of(result, table_rows(result, "results"), tables["problems"])
    lines = [
        f"{s['files']} files: {s['ok']} ok, {s['invalid']} invalid, {s['unreadable']} unreadable",
        f"{s['agencies']} agencies, {s['indicators']} indicators, "
        f"periods {' to '.join(s['periods'][:1] + s['periods'][-1:]) or '—'}",
        f"As of {s['as_of'] or 'each agency’s latest return'}; "
        f"{s['errors']} merge errors, {s['warnings']} merge warnings (see the problems sheet)",
    ]
    rows = tables["agencies"]
    # Widths and panes before the first row: a write-only sheet writes them first.
    _set_widths(ws, [rows], SUMMARY_AGENCY_COLUMNS)
    ws.freeze_panes = f"A{len(lines) + 4}"  # below the agencies' header
    ws.append([_styled(WriteOnlyCell(ws, "Network summary"), font=TITLE_FONT)])
    for line in lines:
        ws.append([_cell_value(line)])
    ws.append([_styled(WriteOnlyCell(ws, "Agencies"), font=Font(bold=True))])
    _append_table(ws, rows, SUMMARY_AGENCY_COLUMNS)


def _table_sheet(ws: Any, rows_of: Callable[[], Iterable[Row]], columns: list[str]) -> None:
    from openpyxl.utils import get_column_letter

    _set_widths(ws, [rows_of()], columns)
    ws.freeze_panes = "A2"
    count = _append_table(ws, rows_of(), columns)
    if count:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{count + 1}"


def _set_widths(ws: Any, tables: Sequence[Iterable[Row]], columns: list[str]) -> None:
    """Each column as wide as its header or longest value (within limits), over ``tables``."""
    from openpyxl.utils import get_column_letter

    widths = [len(c) + 2 for c in columns]
    for rows in tables:
        for row in rows:
            for c, column in enumerate(columns):
                value = _cell_value(row.get(column))
                widths[c] = max(widths[c], min(MAX_WIDTH, len(str(value)) + 2 if value else 0))
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = max(10, min(MAX_WIDTH, width))


def _append_table(ws: Any, rows: Iterable[Row], columns: list[str]) -> int:
    """A header row in the header style, then the rows: numbers formatted, and text that
    looks like a formula kept as text. Gives the number of rows."""
    from openpyxl.cell import WriteOnlyCell

    from cipms_cli.output.safe import looks_like_formula
    from cipms_cli.workbook.blank import HEADER_ALIGNMENT, HEADER_FILL, HEADER_FONT

    style = {"font": HEADER_FONT, "fill": HEADER_FILL, "alignment": HEADER_ALIGNMENT}
    ws.append([_styled(WriteOnlyCell(ws, name), **style) for name in columns])
    count = 0
    for count, row in enumerate(rows, start=1):  # noqa: B007 (the count is the result)
        cells: list[Any] = []
        for column in columns:
            value = _cell_value(row.get(column))
            if isinstance(value, float):
                value = _styled(WriteOnlyCell(ws, value), number_format="#,##0.0#")
            elif looks_like_formula(value):
                value = WriteOnlyCell(ws, value)
                value.data_type = "s"
            cells.append(value)
        ws.append(cells)
    return count


def _cell_value(value: Any) -> Any:
    return xlsx_value(str(value) if isinstance(value, list | tuple | dict) else value)


def _styled(cell: Any, **style: Any) -> Any:
    for name, value in style.items():
        setattr(cell, name, value)
    return cell


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
    data = wb.create_sheet("Chart data")  # one small table per chart, a blank row between
    names = {r["indicator_id"]: r["name"] for r in tables["benchmarks"]}
    columns = ["agency_id", "value", "network_median"]
    blocks = [
        sorted((r for r in latest if r["indicator_id"] == i), key=lambda r: r["agency_id"])
        for i in indicators
    ]
    _set_widths(data, blocks, columns)
    first_chart_row = len(tables["agencies"]) + 9
    top = 1
    for index, (indicator_id, rows) in enumerate(zip(indicators, blocks, strict=True)):
        _append_table(data, rows, columns)
        data.append([])
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
