"""Write a blank workbook that follows the contract, ready to fill in (``cipms init``)."""

from __future__ import annotations

from enum import StrEnum

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cipms_cli.periods import Frequency
from cipms_cli.settings import known_keys
from cipms_cli.workbook.contract import ActionStatus, Direction, MeasureType, Unit
from cipms_cli.workbook.learner_contract import Competency, Domain, GoalPath
from cipms_cli.workbook.sheets import SHEETS, Layout, SheetSpec

HEADER_FONT = Font(bold=True, color="FFFFFF")
HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
REQUIRED_FILL = PatternFill("solid", fgColor="C00000")
TITLE_FONT = Font(bold=True, size=14)
HEADER_ALIGNMENT = Alignment(vertical="center")

DROPDOWNS: dict[str, type[StrEnum]] = {
    "direction": Direction,
    "unit": Unit,
    "frequency": Frequency,
    "measure_type": MeasureType,
    "goal_path": GoalPath,
    "competency": Competency,
    "domain": Domain,
    "status": ActionStatus,
}
YES_NO_COLUMNS = {"key", "culminating_task"}
DATA_ROWS = 2000  # validation and formats reach this far down


def style_header(ws: Worksheet, row: int, names: list[str], required: set[str]) -> None:
    for j, name in enumerate(names, start=1):
        cell = ws.cell(row=row, column=j, value=name)
        cell.font = HEADER_FONT
        cell.fill = REQUIRED_FILL if name in required else HEADER_FILL
        cell.alignment = HEADER_ALIGNMENT
        ws.column_dimensions[get_column_letter(j)].width = max(12, min(45, len(name) + 6))
    ws.freeze_panes = ws.cell(row=row + 1, column=1)


def add_list_validation(
    ws: Worksheet, column_index: int, options: list[str], first_row: int
) -> None:
    letter = get_column_letter(column_index)
    validation = DataValidation(
        type="list",
        formula1='"' + ",".join(options) + '"',
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not an allowed value",
        error="Choose one of: " + ", ".join(options),
    )
    validation.add(f"{letter}{first_row}:{letter}{DATA_ROWS}")
    ws.add_data_validation(validation)


def _table_sheet(wb: Workbook, spec: SheetSpec) -> None:
    ws = wb.create_sheet(spec.name)
    names = [c.name for c in spec.columns]
    style_header(ws, 1, names, set(spec.required_columns))
    for j, name in enumerate(names, start=1):
        if name in DROPDOWNS:
            add_list_validation(ws, j, [m.value for m in DROPDOWNS[name]], 2)
        elif name in YES_NO_COLUMNS:
            add_list_validation(ws, j, ["yes", "no"], 2)


def _key_value_sheet(wb: Workbook, spec: SheetSpec, keys: list[tuple[str, str]]) -> None:
    ws = wb.create_sheet(spec.name)
    style_header(ws, 1, ["key", "value", "about"], {"key"})
    ws.column_dimensions["A"].width = 38
    ws.column_dimensions["C"].width = 80
    for i, (key, about) in enumerate(keys, start=2):
        ws.cell(row=i, column=1, value=key)
        ws.cell(row=i, column=3, value=about)


def _instructions(wb: Workbook) -> None:
    ws = wb.active
    assert ws is not None
    ws.title = "Instructions"
    ws["A1"] = "cipms workbook"
    ws["A1"].font = TITLE_FONT
    lines = [
        "Fill in one sheet per part of the performance framework. Red headers are required.",
        "Sheet and column names may use any case and spacing; see docs/workbook.md for aliases.",
        "Periods: 2024-Q1, 2024 Q1, Q1 2024, 2024-03, Mar 2024, a date cell, 2024, FY2024-25.",
        "Check the workbook with:  cipms validate THIS_FILE.xlsx",
        "Then score it with:       cipms score THIS_FILE.xlsx",
        "",
    ]
    row = 3
    for line in lines:
        ws.cell(row=row, column=1, value=line)
        row += 1
    for spec in SHEETS:
        ws.cell(row=row, column=1, value=spec.name).font = Font(bold=True)
        ws.cell(row=row, column=2, value=spec.description)
        row += 1
        if spec.layout is Layout.TABLE:
            for column in spec.columns:
                flag = "required" if column.required else "optional"
                ws.cell(row=row, column=2, value=column.name)
                ws.cell(row=row, column=3, value=flag)
                ws.cell(row=row, column=4, value=column.description)
                row += 1
        row += 1
    ws.column_dimensions["A"].width = 16
    ws.column_dimensions["B"].width = 26
    ws.column_dimensions["C"].width = 10
    ws.column_dimensions["D"].width = 100


def build_blank_workbook() -> Workbook:
    wb = Workbook()
    wb.properties.creator = "cipms"
    _instructions(wb)
    for spec in SHEETS:
        if spec.layout is Layout.TABLE:
            _table_sheet(wb, spec)
        elif spec.name == "Settings":
            _key_value_sheet(wb, spec, sorted(known_keys().items()))
        else:
            _key_value_sheet(wb, spec, [(c.name, c.description) for c in spec.columns])
    return wb
