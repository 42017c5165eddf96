"""Validation problems: one record per thing wrong, each with a stable code."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"


def column_letter(index: int) -> str:
    """0-based column index to Excel letters (0 -> A, 27 -> AB)."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def column_index(letters: str) -> int:
    """Excel column letters to a 0-based index (A -> 0, AB -> 27)."""
    index = 0
    for letter in letters.upper():
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def split_cell(ref: str) -> tuple[int, int]:
    """A cell reference such as "C7" as (0-based column, 1-based row)."""
    letters = ref.rstrip("0123456789")
    return column_index(letters), int(ref[len(letters) :])


@dataclass(frozen=True)
class Problem:
    code: str
    severity: Severity
    message: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None  # as Excel numbers it, 1-based
    column: str | None = None  # the header as the user wrote it
    cell: str | None = None  # such as "C7"
    value: Any = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["severity"] = self.severity.value
        d["value"] = _jsonable(self.value)
        return d

    @property
    def location(self) -> str:
        parts = [p for p in (self.file, self.sheet) if p]
        if self.cell:
            parts.append(self.cell)
        elif self.row is not None:
            parts.append(f"row {self.row}")
        return "!".join(parts[:2]) + (f"!{parts[2]}" if len(parts) > 2 else "")


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value if value == value and abs(value) != float("inf") else str(value)
    return str(value)


@dataclass
class ProblemList:
    """Collects problems lazily (all of them, not just the first)."""

    items: list[Problem] = field(default_factory=list)

    def add(self, problem: Problem) -> None:
        self.items.append(problem)

    def extend(self, problems: list[Problem]) -> None:
        self.items.extend(problems)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.items if p.severity is Severity.WARNING]
