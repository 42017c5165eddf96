"""The Actions sheet a practitioner fills in, and its Instructions (plan and blank template).

The sheet follows the workbook contract (ACTIONS in workbook/sheets.py): copied into the
workbook, it is read back by ``cipms validate`` and ``cipms score``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import FormulaRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from cipms_cli.output.xlsx_file import workbook_bytes
from cipms_cli.reports.xlsx_parts import (
    BOLD,
    FAIL_FILL,
    WRAP,
    landscape,
    new_workbook,
    put,
    put_row,
)
from cipms_cli.workbook.blank import DATA_ROWS, TITLE_FONT, add_list_validation, style_header
from cipms_cli.workbook.contract import ActionStatus
from cipms_cli.workbook.sheets import ACTIONS

ACTION_COLUMNS = [c.name for c in ACTIONS.columns]
STATUS_OPTIONS = [s.value for s in ActionStatus]
DATE_COLUMNS = ("start", "due", "expected_effect_date")
DATE_FORMAT = "yyyy-mm-dd"
VALIDATED_ROWS = DATA_ROWS
# Excel serial numbers of 2000-01-01 and 2100-12-31: any plausible plan date.
FIRST_DATE, LAST_DATE = 36526, 73415
MAX_INLINE_LIST = 255  # Excel's limit on a list validation typed into the rule
WIDTHS = {
    "action_id": 11,
    "indicator_id": 13,
    "action": 48,
    "owner": 24,
    "start": 12,
    "due": 12,
    "resources": 30,
    "expected_effect_value": 14,
    "expected_effect_date": 14,
    "status": 13,
    "evidence": 40,
}


def column_of(name: str) -> int:
    return ACTION_COLUMNS.index(name) + 1


def letter_of(name: str) -> str:
    return get_column_letter(column_of(name))


def add_actions_sheet(
    wb: Workbook,
    actions: list[dict[str, Any]],
    indicator_ids: list[str],
    as_of: dt.date | None,
) -> Worksheet:
    """The Actions sheet, pre-filled with ``actions`` (records of engine/actions.py)."""
    ws = wb.create_sheet(ACTIONS.name)
    style_header(ws, 1, ACTION_COLUMNS, set(ACTIONS.required_columns))
    for name, width in WIDTHS.items():
        ws.column_dimensions[letter_of(name)].width = width
    for row, action in enumerate(actions, start=2):
        _write_action(ws, row, action)
    _validations(ws, indicator_ids)
    _highlights(ws, as_of)
    ws.print_title_rows = "1:1"
    landscape(ws)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(ACTION_COLUMNS))}{max(len(actions) + 1, 2)}"
    return ws


def _write_action(ws: Worksheet, row: int, action: dict[str, Any]) -> None:
    for name in ACTION_COLUMNS:
        value = action.get(name)
        if name in DATE_COLUMNS and isinstance(value, str):
            value = dt.date.fromisoformat(value)
        cell = put(ws, row, column_of(name), value)
        if name in DATE_COLUMNS:
            cell.number_format = DATE_FORMAT
        if name in {"action", "resources", "evidence"}:
            cell.alignment = WRAP


def _validations(ws: Worksheet, indicator_ids: list[str]) -> None:
    add_list_validation(ws, column_of("status"), STATUS_OPTIONS, 2)
    inline = ",".join(indicator_ids)
    if indicator_ids and len(inline) + 2 <= MAX_INLINE_LIST and not any('"' in i for i in inline):
        add_list_validation(ws, column_of("indicator_id"), indicator_ids, 2)
    dates = DataValidation(
        type="date",
        operator="between",
        formula1=str(FIRST_DATE),
        formula2=str(LAST_DATE),
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not a date",
        error="Type a date, such as 2025-09-30.",
    )
    for name in DATE_COLUMNS:
        letter = letter_of(name)
        dates.add(f"{letter}2:{letter}{VALIDATED_ROWS}")
        ws.column_dimensions[letter].number_format = DATE_FORMAT
    ws.add_data_validation(dates)


def _highlights(ws: Worksheet, as_of: dt.date | None) -> None:
    """Overdue open actions and actions with no owner are shaded red."""
    last = get_column_letter(len(ACTION_COLUMNS))
    due, status = letter_of("due"), letter_of("status")
    reference = f"DATE({as_of.year},{as_of.month},{as_of.day})" if as_of else "TODAY()"
    overdue = f'AND(${due}2<>"",${due}2<{reference},${status}2<>"done",${status}2<>"dropped")'
    ws.conditional_formatting.add(
        f"A2:{last}{VALIDATED_ROWS}", FormulaRule(formula=[overdue], fill=FAIL_FILL)
    )
    owner = letter_of("owner")
    ws.conditional_formatting.add(
        f"{owner}2:{owner}{VALIDATED_ROWS}",
        FormulaRule(formula=[f'AND($A2<>"",${owner}2="")'], fill=FAIL_FILL),
    )


INSTRUCTIONS = (
    "One row per action. Red headers are required: action_id, indicator_id and action.",
    "indicator_id names the indicator the action should move (from the workbook's "
    "Indicators sheet).",
    "owner: who is accountable. start, due and expected_effect_date take dates only.",
    "expected_effect_value: the value the indicator should reach because of the action, in "
    "its own unit, by expected_effect_date.",
    "status: not_started, in_progress, done, blocked or dropped (blank means not_started).",
    "evidence: what shows the action was done, and what it changed.",
    "Rows shaded red are overdue (due date passed, neither done nor dropped); a red owner "
    "cell has no owner.",
    "",
    "When the rows are filled in, copy this Actions sheet into the performance workbook "
    "(right-click the tab, Move or Copy, choose the workbook, tick Create a copy), replacing "
    "any older Actions sheet. Then:",
    "  cipms validate WORKBOOK.xlsx   checks every action (unknown indicator, no owner, due "
    "before start, overdue) and names the cell;",
    "  cipms score WORKBOOK.xlsx      shows the open actions beside their indicators;",
    "  cipms report WORKBOOK.xlsx     shows them to the board; cipms plan starts the next cycle.",
)


def add_instructions(wb: Workbook, ws: Worksheet | None = None, heading: str = "") -> Worksheet:
    ws = ws or wb.create_sheet("Instructions")
    ws.title = "Instructions"
    put(ws, 1, 1, heading or "Action plan: how to fill it in").font = TITLE_FONT
    row = 3
    for line in INSTRUCTIONS:
        put(ws, row, 1, line)
        row += 1
    row += 1
    put_row(ws, row, ["column", "required", "meaning"])
    for column in range(1, 4):
        ws.cell(row=row, column=column).font = BOLD
    for spec in ACTIONS.columns:
        row += 1
        put_row(ws, row, [spec.name, "yes" if spec.required else "no", spec.description])
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 10
    ws.column_dimensions["C"].width = 90
    return ws


def blank_action_plan() -> bytes:
    """``cipms plan --blank``: Instructions and an empty Actions sheet."""
    wb = new_workbook()
    first = wb.active
    assert first is not None
    add_instructions(wb, first)
    add_actions_sheet(wb, [], [], None)
    return workbook_bytes(wb)
