"""The plain aligned table behind `cipms score`'s text output."""

from __future__ import annotations

from rich.text import Text

from cipms_cli.cli.text_table import Column, render_table

COLUMNS = [Column("ID"), Column("Indicator", wraps=True, min_width=8), Column("Gap", right=True)]
ROWS: list[list[str | Text]] = [
    ["A1", "Learners served", "4.0"],
    ["B22", "Days from referral to assessment", Text("-12.5", style="red")],
]


def test_columns_align_and_numbers_sit_right():
    text = render_table("Agency", COLUMNS, ROWS, width=80).plain

    assert text.splitlines() == [
        "Agency",
        "",
        "ID   Indicator                           Gap",
        "───  ────────────────────────────────  ─────",
        "A1   Learners served                     4.0",
        "B22  Days from referral to assessment  -12.5",
    ]


def test_the_wrapping_column_gives_up_width_and_no_line_has_trailing_spaces():
    text = render_table("", COLUMNS, ROWS, width=30).plain

    # 30 columns: ID 3 + Gap 5 + two gaps of 2 leave 18 for the indicator name.
    assert text.splitlines() == [
        "ID   Indicator" + " " * 13 + "Gap",
        "───  " + "─" * 18 + "  ─────",
        "A1   Learners served" + " " * 7 + "4.0",
        "B22  Days from referral  -12.5",
        "     to assessment",
    ]


def test_styles_survive_and_the_width_never_falls_below_the_minimum():
    table = render_table("", COLUMNS, ROWS, width=10)

    assert any(span.style == "red" for span in table.spans)
    assert "Learners" in table.plain.splitlines()[2]  # min_width 8 keeps whole words
