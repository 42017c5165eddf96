"""Building blocks shared by the Excel plan, action plan and scrutiny report.

Every value a user typed goes through ``output.safe.xlsx_text``, so a name such as
``=HYPERLINK(...)`` stays literal text. Charts are native Excel line charts whose data
sits on a visible "Chart data" sheet.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.chart import LineChart, Reference
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cipms_cli.output.safe import xlsx_text
from cipms_cli.workbook.blank import TITLE_FONT, style_header

WRAP = Alignment(wrap_text=True, vertical="top")
TOP = Alignment(vertical="top")
BOLD = Font(bold=True)
SUBTITLE_FONT = Font(italic=True, color="595959")
FILL_IN = PatternFill("solid", fgColor="FFF2CC")  # cells for the practitioner to write in
FAIL_FILL = PatternFill("solid", fgColor="F8CBAD")
PASS_FILL = PatternFill("solid", fgColor="C6EFCE")
CONCERN_FILL = PatternFill("solid", fgColor="FCD5B4")  # Making Data Count orange
IMPROVEMENT_FILL = PatternFill("solid", fgColor="BDD7EE")  # Making Data Count blue
NUMBER_FORMATS = {
    "percent": '0.0"%"',
    "count": "#,##0",
    "days": "#,##0.0",
    "currency": "#,##0.00",
    "rate": "#,##0.00",
    "score": "#,##0.00",
}
CHART_DATA = "Chart data"


def new_workbook() -> Workbook:
    wb = Workbook()
    wb.properties.creator = "cipms"
    return wb


def first_sheet(wb: Workbook, title: str) -> Worksheet:
    ws = wb.active
    assert ws is not None
    ws.title = title
    return ws


def put(ws: Worksheet, row: int, column: int, value: Any, number_format: str | None = None) -> Any:
    """Write one cell safely; numbers get ``number_format``."""
    cell = ws.cell(row=row, column=column)
    xlsx_text(cell, value)
    if number_format and isinstance(value, int | float) and not isinstance(value, bool):
        cell.number_format = number_format
    return cell


def put_row(
    ws: Worksheet, row: int, values: Sequence[Any], formats: Sequence[str | None] = ()
) -> None:
    for column, value in enumerate(values, start=1):
        fmt = formats[column - 1] if column <= len(formats) else None
        put(ws, row, column, value, fmt)


def title_block(ws: Worksheet, title: str, subtitle: str) -> None:
    put(ws, 1, 1, title).font = TITLE_FONT
    put(ws, 2, 1, subtitle).font = SUBTITLE_FONT


def table_header(
    ws: Worksheet, row: int, names: list[str], widths: dict[str, float] | None = None
) -> None:
    """Styled header, frozen panes under it, printed on every page."""
    style_header(ws, row, names, set())
    for j, name in enumerate(names, start=1):
        if widths and name in widths:
            ws.column_dimensions[get_column_letter(j)].width = widths[name]
    ws.print_title_rows = f"{row}:{row}"


def landscape(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True


def number_format(unit: str | None) -> str:
    return NUMBER_FORMATS.get(unit or "", "#,##0.0##")


def wrap_rows(ws: Worksheet, first: int, last: int, columns: Iterable[int]) -> None:
    """Wrap text in ``columns`` and make each row tall enough to show it."""
    wanted = set(columns)
    for row in range(first, last + 1):
        for column in range(1, max(ws.max_column, *wanted) + 1):
            ws.cell(row=row, column=column).alignment = WRAP if column in wanted else TOP
        fit_height(ws, row)


LINE_HEIGHT = 15.0  # points per line of 11-point text
DEFAULT_WIDTH = 8.43


def fit_height(ws: Worksheet, row: int, min_lines: int = 1) -> None:
    """Set the row height from its wrapped cells; spreadsheet programs do not on opening."""
    lines = min_lines
    for cell in ws[row]:
        if not isinstance(cell.value, str) or not cell.alignment.wrap_text:
            continue
        dimension = ws.column_dimensions[get_column_letter(cell.column)]
        width = dimension.width if dimension.customWidth else DEFAULT_WIDTH
        lines = max(lines, estimated_lines(cell.value, width))
    if lines > 1:
        ws.row_dimensions[row].height = LINE_HEIGHT * lines


def estimated_lines(text: str, width: float) -> int:
    per_line = max(int(width * 1.1), 1)
    return sum(max(1, -(-len(part) // per_line)) for part in text.split("\n"))


class ChartData:
    """The "Chart data" sheet: one block of columns per indicator, stacked down the sheet."""

    HEADERS = ("period", "actual", "target", "mean", "lower process limit", "upper process limit")
    KEYS = ("value", "target", "mean", "lpl", "upl")

    def __init__(self, wb: Workbook):
        self.ws = wb.create_sheet(CHART_DATA)
        self.next_row = 1
        self.ws.column_dimensions["A"].width = 14
        for column in "BCDEF":
            self.ws.column_dimensions[column].width = 18

    def chart(self, view: dict[str, Any], title: str) -> LineChart | None:
        """A line chart of the indicator's actuals, target, mean and limits (None if empty)."""
        series = view["series"]
        if not series:
            return None
        header_row = self._write_block(view, series)
        return _line_chart(self.ws, header_row, header_row + len(series), title, view)

    def _write_block(self, view: dict[str, Any], series: list[dict[str, Any]]) -> int:
        header_row = self.next_row
        put(self.ws, header_row, 1, view["indicator_id"]).font = BOLD
        for column, name in enumerate(self.HEADERS[1:], start=2):
            put(self.ws, header_row, column, name).font = BOLD
        fmt = number_format(view["unit"])
        for offset, point in enumerate(series, start=1):
            put(self.ws, header_row + offset, 1, point["period"])
            for column, key in enumerate(self.KEYS, start=2):
                put(self.ws, header_row + offset, column, point[key], fmt)
        self.next_row = header_row + len(series) + 2
        return header_row


# actual, target, mean, lower limit, upper limit: colour, dash, marker
_SERIES_STYLE = (
    ("1F4E78", None, "circle"),
    ("C00000", "dash", None),
    ("7F7F7F", None, None),
    ("A6A6A6", "sysDash", None),
    ("A6A6A6", "sysDash", None),
)


def _line_chart(
    ws: Worksheet, header_row: int, last_row: int, title: str, view: dict[str, Any]
) -> LineChart:
    chart = LineChart()
    chart.title = title
    chart.y_axis.title = view["unit"]
    chart.x_axis.title = view["frequency"]
    chart.height, chart.width = 7.5, 16
    chart.visible_cells_only = False
    chart.display_blanks = "gap"
    has_target = view["target"].get("value") is not None
    for offset, (colour, dash, marker) in enumerate(_SERIES_STYLE):
        if offset == 1 and not has_target:
            continue
        column = 2 + offset
        chart.add_data(
            Reference(ws, min_col=column, min_row=header_row, max_row=last_row),
            titles_from_data=True,
        )
        line = chart.series[-1]
        line.smooth = False
        line.graphicalProperties.line.solidFill = colour
        line.graphicalProperties.line.width = 22000 if offset == 0 else 12700
        if dash:
            line.graphicalProperties.line.dashStyle = dash
        line.marker.symbol = marker or "none"
    chart.set_categories(Reference(ws, min_col=1, min_row=header_row + 1, max_row=last_row))
    return chart


def add_rows(
    ws: Worksheet, first_row: int, rows: list[list[Any]], formats: Sequence[str | None] = ()
) -> int:
    """Write rows from ``first_row``; returns the last row written (first_row - 1 if none)."""
    for offset, values in enumerate(rows):
        put_row(ws, first_row + offset, values, formats)
    return first_row + len(rows) - 1


def header_and_rows(
    ws: Worksheet,
    header_row: int,
    names: list[str],
    rows: list[list[Any]],
    widths: dict[str, float] | None = None,
) -> int:
    table_header(ws, header_row, names, widths)
    last = add_rows(ws, header_row + 1, rows)
    if rows:
        ws.auto_filter.ref = f"A{header_row}:{get_column_letter(len(names))}{last}"
    return last
