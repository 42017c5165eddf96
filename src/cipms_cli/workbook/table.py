"""Find a sheet's header row and cut its records out, keeping Excel row numbers."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any

from cipms_cli.workbook.cells import is_blank, normalise_key
from cipms_cli.workbook.sheets import SheetSpec

HEADER_SEARCH_ROWS = 30


@dataclass
class Table:
    sheet: str
    header_row: int  # as Excel numbers it
    columns: dict[str, int]  # canonical column -> 0-based index
    headers: dict[str, str]  # canonical column -> header as written
    extra_columns: list[tuple[int, str]] = field(default_factory=list)
    duplicate_columns: list[tuple[int, str]] = field(default_factory=list)
    values: dict[str, list[Any]] = field(default_factory=dict)  # canonical -> cells
    row_numbers: Sequence[int] = field(default_factory=list)  # a range when no row was skipped

    def __len__(self) -> int:
        return len(self.row_numbers)


def _header_matches(row: list[Any], lookup: dict[str, str]) -> int:
    return len(
        {lookup[k] for k in (normalise_key(v) for v in row if isinstance(v, str)) if k in lookup}
    )


def find_header_row(rows: list[list[Any]], spec: SheetSpec) -> int | None:
    """0-based index of the row that best matches the sheet's columns, or None."""
    best, best_score = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        # Only a filled text cell can match a header, and an earlier row wins a tie: a row
        # with too few of them cannot win, and a row that matches every column ends the search.
        if sum(1 for v in row if isinstance(v, str) and v) <= best_score:
            continue
        score = _header_matches(row, spec.header_lookup)
        if score > best_score:
            best, best_score = i, score
            if score == len(spec.columns):
                break
    return best


def extract_table(sheet: str, rows: list[list[Any]], spec: SheetSpec) -> Table | None:
    """The records under the header row; blank rows are skipped. None if no header."""
    header_index = find_header_row(rows, spec)
    if header_index is None:
        return None
    table = Table(sheet, header_index + 1, {}, {})
    for j, cell in enumerate(rows[header_index]):
        if is_blank(cell):
            continue
        canonical = spec.header_lookup.get(normalise_key(cell))
        if canonical is None:
            table.extra_columns.append((j, str(cell).strip()))
        elif canonical in table.columns:
            table.duplicate_columns.append((j, str(cell).strip()))
        else:
            table.columns[canonical] = j
            table.headers[canonical] = str(cell).strip()
    _cut_records(table, rows, header_index + 1)
    return table


def _cut_records(table: Table, rows: list[list[Any]], first: int) -> None:
    """Column lists of the table's records, blank rows skipped (column-wise for speed)."""
    body = rows[first:]
    width = min(map(len, body), default=0)
    picked = {name: _column(body, j, width) for name, j in table.columns.items()}
    keep = [False] * len(body)
    for cells in picked.values():
        blanks = {c for c in set(cells) if not _filled(c)}
        if not blanks:  # this column is filled in every row, so no row is blank
            table.row_numbers = range(first + 1, first + len(body) + 1)
            table.values = picked
            return
        keep = [k or c not in blanks for k, c in zip(keep, cells, strict=True)]
    table.row_numbers = [first + i + 1 for i, k in enumerate(keep) if k]
    table.values = {
        name: [c for c, k in zip(cells, keep, strict=True) if k] for name, cells in picked.items()
    }


def _column(body: list[list[Any]], j: int, width: int) -> list[Any]:
    # calamine's rows are rectangular, so the short-row path is rarely taken.
    if j < width:
        return list(map(itemgetter(j), body))
    return [row[j] if j < len(row) else "" for row in body]


def _filled(cell: Any) -> bool:
    return cell != "" and not is_blank(cell)


def read_key_values(rows: list[list[Any]]) -> list[tuple[int, str, Any]]:
    """(Excel row, key, value) from a two-column sheet; a 'key'/'value' header is skipped."""
    pairs = []
    for i, row in enumerate(rows):
        cells = [c for c in row if not is_blank(c)]
        if not cells:
            continue
        first_index = next(j for j, c in enumerate(row) if not is_blank(c))
        key = row[first_index]
        value = row[first_index + 1] if first_index + 1 < len(row) else ""
        if normalise_key(key) in {"key", "setting", "field", "item"} and normalise_key(value) in {
            "value",
            "setting_value",
            "",
        }:
            continue
        pairs.append((i + 1, str(key).strip(), None if is_blank(value) else value))
    return pairs
