"""Collects located problems while a workbook is read (all of them, not just the first)."""

from __future__ import annotations

from typing import Any

from cipms_cli.problems import Problem, Severity, column_letter
from cipms_cli.workbook.columns import CellError
from cipms_cli.workbook.table import Table


class ProblemCollector:
    """Problems of one file; ``at`` locates a problem by table record and column."""

    def __init__(self, path: str):
        self.path = path
        self.items: list[Problem] = []
        # Cells whose emptiness is already explained (error cell, formula, merge), so a
        # second "missing value" problem at the same cell would only repeat it.
        self.explained: set[tuple[str, str]] = set()

    def explain(self, sheet: str, cells: list[str]) -> None:
        self.explained.update((sheet, cell) for cell in cells)

    def problems(self) -> list[Problem]:
        return [
            p
            for p in self.items
            if not (p.code == "missing-value" and (p.sheet or "", p.cell or "") in self.explained)
        ]

    def add(
        self,
        code: str,
        message: str,
        *,
        severity: Severity = Severity.ERROR,
        sheet: str | None = None,
        row: int | None = None,
        column: str | None = None,
        col_index: int | None = None,
        value: Any = None,
    ) -> None:
        cell = f"{column_letter(col_index)}{row}" if col_index is not None and row else None
        self.items.append(
            Problem(code, severity, message, self.path, sheet, row, column, cell, value)
        )

    def cell_error(self, table: Table, err: CellError, severity: Severity = Severity.ERROR) -> None:
        self.add(
            err.code,
            err.message,
            severity=severity,
            sheet=table.sheet,
            row=table.row_numbers[err.index],
            column=table.headers.get(err.column, err.column),
            col_index=table.columns.get(err.column),
            value=err.value,
        )
        # A bad cell explains a later "missing value" at the same cell, but a blank
        # required cell's own missing-value error must stay.
        if self.items[-1].cell and err.code != "missing-value":
            self.explain(table.sheet, [self.items[-1].cell or ""])

    def at(
        self,
        table: Table,
        index: int,
        column: str,
        code: str,
        message: str,
        value: Any = None,
        severity: Severity = Severity.ERROR,
    ) -> None:
        self.add(
            code,
            message,
            severity=severity,
            sheet=table.sheet,
            row=table.row_numbers[index],
            column=table.headers.get(column, column),
            col_index=table.columns.get(column),
            value=value,
        )
