"""Write small quarterly returns with openpyxl for the ``cipms batch`` tests."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import openpyxl

INDICATOR_COLUMNS = [
    "indicator_id",
    "name",
    "outcome_id",
    "direction",
    "unit",
    "frequency",
    "target_value",
    "target_period",
]
RESULT_COLUMNS = ["indicator_id", "period", "value", "numerator", "denominator"]

# I1 a count with a target; P1 a percent given as numerator/denominator.
DEFINITIONS: dict[str, list[Any]] = {
    "I1": ["I1", "Learners served", "O1", "increase", "count", "quarterly", 100, "2026-Q1"],
    "P1": ["P1", "Learners satisfied", "O1", "increase", "percent", "quarterly", 90, "2026-Q1"],
}


def write_return(
    path: Path,
    *,
    agency_id: str | None = "AG01",
    agency: dict[str, Any] | None = None,
    results: Iterable[Sequence[Any]] = (("I1", "2024-Q1", 10, None, None),),
    definitions: dict[str, list[Any]] | None = None,
) -> Path:
    """A valid return: Agency (unless ``agency_id`` is None), Outcomes, Indicators, Results.

    ``results`` rows are (indicator_id, period, value, numerator, denominator); the
    header is on row 1, so the first result is Excel row 2 and ``value`` is column C.
    """
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Agency"
    ws.append(["key", "value"])
    fields = {"agency_id": agency_id, **(agency or {})}
    for key, value in fields.items():
        if value is not None:
            ws.append([key, value])
            ws.cell(row=ws.max_row, column=2).data_type = "s" if isinstance(value, str) else "n"
    if agency_id is None and not agency:
        wb.remove(ws)
    ws = wb.create_sheet("Outcomes")
    ws.append(["outcome_id", "statement"])
    ws.append(["O1", "Adults read well enough to reach their goals"])
    ws = wb.create_sheet("Indicators")
    ws.append(INDICATOR_COLUMNS)
    used = {**DEFINITIONS, **(definitions or {})}
    rows = list(results)
    for indicator_id in sorted({r[0] for r in rows}):
        ws.append(used[indicator_id])
    ws = wb.create_sheet("Results")
    ws.append(RESULT_COLUMNS)
    for row in rows:
        ws.append(list(row))
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def network(folder: Path, figures: dict[str, dict[str, tuple[float, float]]]) -> list[Path]:
    """One return per agency and quarter with P1 as numerator/denominator.

    ``figures`` maps agency -> period -> (numerator, denominator).
    """
    paths = []
    for agency_id, by_period in figures.items():
        for period, (num, den) in by_period.items():
            paths.append(
                write_return(
                    folder / f"{agency_id}_{period}.xlsx",
                    agency_id=agency_id,
                    agency={"region": "North" if agency_id < "AG03" else "South"},
                    results=[("P1", period, None, num, den), ("I1", period, den, None, None)],
                )
            )
    return paths
