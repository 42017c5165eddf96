"""Variants of the example workbook for the report tests, and a stable dump of xlsx outputs."""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "literacy-agency.xlsx"
GOLDEN = Path(__file__).resolve().parent / "golden"
ACTION_HEADER = [
    "action_id",
    "indicator_id",
    "action",
    "owner",
    "start",
    "due",
    "resources",
    "expected_effect_value",
    "expected_effect_date",
    "status",
    "evidence",
]
LEARNER_SHEETS = ("Learners", "Assessments", "Milestones", "Scales")


def example_variant(tmp_path: Path, name: str, *edits: Callable[[Any], None]) -> Path:
    wb = openpyxl.load_workbook(EXAMPLE)
    for edit in edits:
        edit(wb)
    path = tmp_path / name
    wb.save(path)
    return path


def indicator_columns(ws: Any) -> tuple[int, dict[str, int]]:
    """The Indicators header row and each column's 1-based index."""
    for row in ws.iter_rows(min_row=1, max_row=10):
        names = [c.value for c in row]
        if "indicator_id" in names:
            return row[0].row, {n: i + 1 for i, n in enumerate(names) if n}
    raise AssertionError("no Indicators header")


def set_indicator(wb: Any, indicator_id: str, **values: Any) -> None:
    ws = wb["Indicators"]
    header, columns = indicator_columns(ws)
    for row in range(header + 1, ws.max_row + 1):
        if ws.cell(row=row, column=columns["indicator_id"]).value == indicator_id:
            for name, value in values.items():
                literal(ws.cell(row=row, column=columns[name]), value)
            return
    raise AssertionError(f"{indicator_id} not found")


def drop_targets(wb: Any) -> None:
    ws = wb["Indicators"]
    header, columns = indicator_columns(ws)
    for row in range(header + 1, ws.max_row + 1):
        for name in ("target_value", "target_period", "tolerance"):
            ws.cell(row=row, column=columns[name]).value = None


def drop_learner_sheets(wb: Any) -> None:
    for name in LEARNER_SHEETS:
        del wb[name]
    ws = wb["Indicators"]
    header, columns = indicator_columns(ws)
    derived = [
        row
        for row in range(header + 1, ws.max_row + 1)
        if ws.cell(row=row, column=columns["source"]).value
    ]
    for row in reversed(derived):
        ws.delete_rows(row)


def add_actions(rows: list[list[Any]]) -> Callable[[Any], None]:
    def edit(wb: Any) -> None:
        ws = wb.create_sheet("Actions")
        ws.append(ACTION_HEADER)
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                literal(ws.cell(row=r, column=c), value)

    return edit


def literal(cell: Any, value: Any) -> None:
    """Text as typed (a user's '=...' stays text, as Excel keeps a quote-prefixed entry)."""
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"


def action_row(action_id: str, indicator_id: str, action: str, owner: str | None, **rest: Any):
    """An Actions sheet row in column order; ``rest`` names the other columns."""
    values = {"action_id": action_id, "indicator_id": indicator_id, "action": action}
    values |= {"owner": owner, **rest}
    return [values.get(column) for column in ACTION_HEADER]


HOSTILE_NAME = '=HYPERLINK("http://x","y")'
HOSTILE_OWNER = "@SUM(A1)"


def hostile(wb: Any) -> None:
    """Formula-looking text where the reports show user strings."""
    set_indicator(wb, "LBS06", name=HOSTILE_NAME, owner=HOSTILE_OWNER)
    set_indicator(wb, "LBS09", name="+1")
    set_indicator(wb, "LBS10", name="-1 | <b>bold</b>")
    owner_formula = action_row("A1", "LBS06", "@cmd", "=1+2", status="in_progress", evidence="-2")
    add_actions([owner_formula])(wb)


# --- a stable description of an xlsx output, for golden files ------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 6)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def xlsx_dump(data: bytes) -> dict[str, Any]:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    sheets = {}
    for ws in wb.worksheets:
        cells = {
            c.coordinate: _plain(c.value)
            for row in ws.iter_rows()
            for c in row
            if c.value is not None and (ws.title != "Chart data" or c.row <= 12)
        }
        sheets[ws.title] = {
            "max_row": ws.max_row,
            "freeze_panes": ws.freeze_panes,
            "print_title_rows": ws.print_title_rows,
            "auto_filter": ws.auto_filter.ref,
            "charts": len(ws._charts),
            "data_validations": sorted(
                [dv.type, dv.formula1, dv.formula2, str(dv.sqref)]
                for dv in ws.data_validations.dataValidation
            ),
            "conditional_formatting": sorted(
                [str(cf.sqref), *list(r.formula or [])]
                for cf in ws.conditional_formatting
                for r in cf.rules
            ),
            "cells": cells,
        }
    return {"sheets": wb.sheetnames, "detail": sheets}


def sheet_xml(data: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {
            name: zf.read(name).decode("utf-8")
            for name in zf.namelist()
            if re.match(r"xl/worksheets/sheet\d+\.xml$", name)
        }


def check_golden(name: str, actual: str, update: bool) -> None:
    path = GOLDEN / name
    if update:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    assert path.exists(), f"tests/golden/{name} is missing; create it with pytest --update-golden"
    expected = path.read_text(encoding="utf-8")
    assert actual == expected, f"{name} differs from tests/golden (refresh: pytest --update-golden)"


def to_json(document: Any) -> str:
    return json.dumps(document, indent=1, ensure_ascii=False, sort_keys=True) + "\n"
