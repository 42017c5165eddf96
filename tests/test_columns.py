"""Column coercion: each distinct value once, the same answers as cell by cell."""

from __future__ import annotations

import math

import pytest

from cipms_cli.workbook.columns import _coerce_cells, coerce_column, field_coercer
from cipms_cli.workbook.contract import ResultRow

COLUMNS = [
    ["abc", "abc", "abc"],  # one distinct value, invalid in every row
    ["", "", ""],  # an empty optional column
    [1.5, 2.0, 3.25],  # plain numbers pass straight through
    [1.5, float("nan"), "7", "", "x"],
    [True, 1, 1.0, "yes"],  # booleans must not share a slot with 1 and 1.0
    [1.0, 2, "3", "", None, 2],  # integers and text numbers beside floats
    [1.0, float("inf"), 2.0, float("-inf")],  # an infinity is an error, never a number
    ["", "", 4.0, "x", "", "x"],  # a mostly blank column with a repeated bad value
]


@pytest.mark.parametrize("cells", COLUMNS)
@pytest.mark.parametrize("name", ["value", "indicator_id", "period"])
def test_distinct_value_coercion_matches_cell_by_cell(name, cells):
    typed, errors = coerce_column(ResultRow, name, cells)
    expected, expected_errors = _coerce_cells(field_coercer(ResultRow, name), name, cells)

    assert [None if isinstance(v, float) and math.isnan(v) else v for v in typed] == [
        None if isinstance(v, float) and math.isnan(v) else v for v in expected
    ]
    assert [(e.index, e.code, e.value) for e in errors] == [
        (e.index, e.code, e.value) for e in expected_errors
    ]


def test_every_row_of_a_uniformly_wrong_column_is_reported():
    _, errors = coerce_column(ResultRow, "value", ["abc"] * 4)

    assert [(e.index, e.code) for e in errors] == [(i, "not-a-number") for i in range(4)]


def test_a_number_column_is_a_float_array_with_nan_for_blanks():
    typed, errors = coerce_column(ResultRow, "value", [1.5, "", "2,000", None])

    assert typed.dtype == float
    assert typed[0] == 1.5 and typed[2] == 2000.0
    assert math.isnan(typed[1]) and math.isnan(typed[3])
    assert errors == []


def test_text_loses_invisible_control_characters():
    from cipms_cli.workbook.cells import to_text

    assert to_text("North\x07shore  Centre\t") == "Northshore Centre"
    assert to_text("\x07\x1f") is None  # nothing visible: blank
    assert to_text("Café ✓") == "Café ✓"
