"""Read one table sheet: header, required columns, stray columns and hidden cell problems."""

from __future__ import annotations

from cipms_cli.problems import Severity, column_letter, split_cell
from cipms_cli.workbook.cellscan import CellFlag
from cipms_cli.workbook.collector import ProblemCollector
from cipms_cli.workbook.reader import RawWorkbook
from cipms_cli.workbook.sheets import SheetSpec
from cipms_cli.workbook.table import Table, extract_table

_FLAG_CODES = {
    "error-cell": (
        "excel-error-cell",
        "holds the Excel error {detail}; fix the formula or type the value",
    ),
    "uncached-formula": (
        "formula-not-calculated",
        "holds a formula with no calculated value ({detail}); open and save the file in "
        "Excel or LibreOffice so the value is stored, or type the value",
    ),
    "merged-cell": (
        "merged-cell",
        "is merged ({detail}); unmerge it and type the value in every row",
    ),
}


def read_table(
    book: RawWorkbook, sheet: str, spec: SheetSpec, out: ProblemCollector
) -> Table | None:
    rows = book.rows(sheet)
    table = extract_table(sheet, rows, spec)
    if table is None:
        out.add(
            "missing-header",
            f"no header row found in the first rows of '{sheet}'; add a row with the column "
            f"names {', '.join(spec.required_columns)}",
            sheet=sheet,
        )
        return None
    missing = [c for c in spec.required_columns if c not in table.columns]
    for name in missing:
        aliases = [a for c in spec.columns if c.name == name for a in c.aliases]
        also = f" (also accepted: {', '.join(aliases)})" if aliases else ""
        out.add(
            "missing-column",
            f"required column '{name}' is missing from the header row; add it{also}",
            sheet=sheet,
            row=table.header_row,
            column=name,
        )
    ignored = [
        (
            table.extra_columns,
            "unknown-column",
            f"is not part of the {spec.name} sheet and is ignored",
        ),
        (
            table.duplicate_columns,
            "duplicate-column",
            "repeats an earlier column and is ignored; delete or rename it",
        ),
    ]
    for columns, code, reason in ignored:
        for j, header in columns:
            out.add(
                code,
                f"column '{header}' {reason}",
                severity=Severity.WARNING,
                sheet=sheet,
                row=table.header_row,
                column=header,
                col_index=j,
            )
    _report_cell_flags(book, table, out)
    if missing:
        return None
    if not len(table):
        out.add(
            "empty-sheet",
            f"'{sheet}' has a header row but no records",
            severity=Severity.WARNING,
            sheet=sheet,
            row=table.header_row,
        )
    return table


def _report_cell_flags(book: RawWorkbook, table: Table, out: ProblemCollector) -> None:
    by_index = {j: name for name, j in table.columns.items()}
    for flag in book.flags.get(table.sheet, []):
        if flag.row < table.header_row:
            continue  # title rows above the table
        out.explain(table.sheet, cells_of(flag))
        code, template = _FLAG_CODES[flag.kind]
        canonical = by_index.get(flag.col)
        in_data = flag.row > table.header_row and canonical is not None
        out.add(
            code,
            f"cell {column_letter(flag.col)}{flag.row} " + template.format(detail=flag.detail),
            severity=Severity.ERROR if in_data else Severity.WARNING,
            sheet=table.sheet,
            row=flag.row,
            column=table.headers.get(canonical, canonical) if canonical else None,
            col_index=flag.col,
            value=flag.detail,
        )


def cells_of(flag: CellFlag) -> list[str]:
    """The cells a flag leaves empty: the cell itself, or every cell of a merged range."""
    if flag.kind != "merged-cell" or ":" not in flag.detail:
        return [f"{column_letter(flag.col)}{flag.row}"]
    first, last = flag.detail.split(":")
    (c1, r1), (c2, r2) = split_cell(first), split_cell(last)
    return [f"{column_letter(c)}{r}" for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
