"""The scrutiny report as an Excel workbook (``cipms report -o scrutiny.xlsx``).

Sheets: Headline (score, counts by variation and assurance, needs attention first),
Indicators (one row per indicator with the SPC reading in words), Questions (the challenge
questions), Charts (one native line chart per indicator), Data quality, What else,
Learners (when the workbook has learner sheets) and Chart data.
"""

from __future__ import annotations

from typing import Any

from openpyxl.formatting.rule import CellIsRule
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cipms_cli.output.xlsx_file import workbook_bytes
from cipms_cli.reports.xlsx_parts import (
    BOLD,
    CONCERN_FILL,
    IMPROVEMENT_FILL,
    PASS_FILL,
    ChartData,
    first_sheet,
    header_and_rows,
    landscape,
    new_workbook,
    number_format,
    put,
    put_row,
    title_block,
    wrap_rows,
)
from cipms_cli.values import yes_no

INDICATOR_COLUMNS = [
    "outcome_id",
    "indicator_id",
    "indicator",
    "measure",
    "direction",
    "owner",
    "baseline",
    "baseline_period",
    "latest",
    "latest_period",
    "target",
    "target_period",
    "gap",
    "status",
    "forecast",
    "forecast_period",
    "will_meet_target",
    "variation",
    "assurance",
    "what_the_chart_says",
    "data_quality",
    "questions",
    "open_actions",
    "overdue_actions",
]
NUMBER_COLUMNS = [
    INDICATOR_COLUMNS.index(name) + 1
    for name in ("baseline", "latest", "target", "gap", "forecast")
]
CHARTS_PER_ROW = 2
CHART_ROWS = 16
CHART_COLUMNS = 10


def scrutiny_xlsx(context: dict[str, Any]) -> bytes:
    wb = new_workbook()
    charts = ChartData(wb)
    _headline(first_sheet(wb, "Headline"), context)
    _indicators(wb.create_sheet("Indicators"), context["indicators"])
    _questions(wb.create_sheet("Questions"), context)
    _charts(wb.create_sheet("Charts"), context["indicators"], charts)
    _data_quality(wb.create_sheet("Data quality"), context["indicators"])
    _know_more(wb.create_sheet("What else"), context["know_more"])
    if context["learners"] is not None:
        from cipms_cli.output.learners import add_learners_sheet

        add_learners_sheet(wb, context["learners"])
    wb.move_sheet(charts.ws, offset=len(wb.sheetnames))
    return workbook_bytes(wb)


def _headline(ws: Worksheet, context: dict[str, Any]) -> None:
    head = context["headline"]
    for letter, width in zip("ABC", (62, 40, 100), strict=True):
        ws.column_dimensions[letter].width = width
    title_block(
        ws,
        f"Scrutiny report: {context['title']}",
        f"As of {context['as_of'] or 'the latest period'} · source {context['source']} · "
        f"{head['indicators']} indicators under {head['outcomes']} outcomes",
    )
    if head["has_targets"]:
        put(ws, 4, 1, "Composite score (out of 10)").font = BOLD
        put(ws, 4, 2, head["score"], "0.0")
        put(ws, 5, 1, "Stars (of 3)").font = BOLD
        put(ws, 5, 2, head["stars"])
    else:
        put(
            ws,
            4,
            1,
            "No indicator has a target: this report reads the variation only. "
            "Agree a target for each indicator (what would good look like, by when?).",
        ).font = BOLD
    row = _counts(ws, 7, "What the charts say (variation)", head["variation"])
    row = _counts(ws, row + 1, "Will the target be met? (assurance)", head["assurance"])
    put(ws, row + 1, 1, "Needs attention first").font = BOLD
    put_row(ws, row + 2, ["indicator_id", "indicator", "why"])
    for column in range(1, 4):
        ws.cell(row=row + 2, column=column).font = BOLD
    for offset, item in enumerate(context["attention"], start=3):
        put_row(ws, row + offset, [item["indicator_id"], item["name"], "\n".join(item["reasons"])])
        wrap_rows(ws, row + offset, row + offset, [2, 3])
    if not context["attention"]:
        put(
            ws,
            row + 3,
            1,
            "Nothing shows special cause concern, consistent failure, or a "
            "missed forecast while off track.",
        )
    landscape(ws)


def _counts(ws: Worksheet, row: int, heading: str, counts: list[dict[str, Any]]) -> int:
    put(ws, row, 1, heading).font = BOLD
    put(ws, row, 2, "indicators").font = BOLD
    for offset, item in enumerate(counts, start=1):
        put_row(ws, row + offset, [item["words"], item["count"]])
    return row + len(counts) + 1


def _indicators(ws: Worksheet, views: list[dict[str, Any]]) -> None:
    rows = [_indicator_row(v) for v in views]
    last = header_and_rows(
        ws,
        1,
        INDICATOR_COLUMNS,
        rows,
        {"indicator": 36, "measure": 22, "what_the_chart_says": 70, "data_quality": 30},
    )
    for row, view in enumerate(views, start=2):
        for column in NUMBER_COLUMNS:
            ws.cell(row=row, column=column).number_format = number_format(view["unit"])
    wrap_rows(ws, 2, last, [_column("indicator"), _column("what_the_chart_says")])
    if rows:
        variation = _letter(_column("variation"))
        assurance = _letter(_column("assurance"))
        for fill, text in ((CONCERN_FILL, "concern"), (IMPROVEMENT_FILL, "improvement")):
            ws.conditional_formatting.add(
                f"{variation}2:{variation}{last}",
                CellIsRule(operator="equal", formula=[f'"{text}"'], fill=fill),
            )
        for fill, text in ((CONCERN_FILL, "consistent fail"), (PASS_FILL, "consistent pass")):
            ws.conditional_formatting.add(
                f"{assurance}2:{assurance}{last}",
                CellIsRule(operator="equal", formula=[f'"{text}"'], fill=fill),
            )
    landscape(ws)


def _indicator_row(v: dict[str, Any]) -> list[Any]:
    will_meet = v["forecast"].get("will_meet_target")
    return [
        v["outcome_id"],
        v["indicator_id"],
        v["name"],
        v["measure_words"],
        v["direction_words"],
        v["owner"],
        v["baseline"].get("value"),
        v["baseline"].get("period"),
        v["latest"].get("value"),
        v["latest"].get("period"),
        v["target"].get("value"),
        v["target"].get("period"),
        v["gap"],
        v["status_words"],
        v["forecast"].get("value"),
        v["forecast"].get("period"),
        yes_no(will_meet),
        v["spc"]["variation_group"].replace("_", " "),
        (v["spc"]["assurance"] or "none").replace("_", " "),
        v["spc"]["reading"],
        "; ".join(f["code"] for f in v["data_quality"]),
        len(v["challenges"]),
        v["open_actions"],
        v["overdue_actions"],
    ]


def _questions(ws: Worksheet, context: dict[str, Any]) -> None:
    rows: list[list[Any]] = []
    for outcome in context["outcomes"]:
        for c in outcome["challenges"]:
            rows.append([outcome["outcome_id"], None, c["code"], c["question"], c["evidence"]])
        for view in outcome["indicators"]:
            rows.extend(_question_rows(view))
    for view in context["unlinked"]:
        rows.extend(_question_rows(view))
    columns = ["outcome_id", "indicator_id", "code", "question", "evidence"]
    last = header_and_rows(ws, 1, columns, rows, {"code": 22, "question": 80, "evidence": 60})
    wrap_rows(ws, 2, last, [4, 5])
    landscape(ws)


def _question_rows(view: dict[str, Any]) -> list[list[Any]]:
    return [
        [view["outcome_id"], view["indicator_id"], c["code"], c["question"], c["evidence"]]
        for c in view["challenges"]
    ]


def _charts(ws: Worksheet, views: list[dict[str, Any]], charts: ChartData) -> None:
    title_block(
        ws, "Charts", "Actual, target, mean and process limits; data on the Chart data sheet"
    )
    placed = 0
    for view in views:
        chart = charts.chart(view, f"{view['indicator_id']} {view['name']}")
        if chart is None:
            continue
        row = 4 + (placed // CHARTS_PER_ROW) * CHART_ROWS
        column = 1 + (placed % CHARTS_PER_ROW) * CHART_COLUMNS
        ws.add_chart(chart, f"{_letter(column)}{row}")
        placed += 1
    landscape(ws)


def _column(name: str) -> int:
    return INDICATOR_COLUMNS.index(name) + 1


def _letter(column: int) -> str:
    return get_column_letter(column)


def _data_quality(ws: Worksheet, views: list[dict[str, Any]]) -> None:
    rows = [
        [v["indicator_id"], v["name"], f["code"], f["message"]]
        for v in views
        for f in v["data_quality"]
    ]
    last = header_and_rows(
        ws,
        1,
        ["indicator_id", "indicator", "code", "message"],
        rows,
        {"indicator": 36, "code": 24, "message": 90},
    )
    wrap_rows(ws, 2, last, [2, 4])
    if not rows:
        put(ws, 2, 1, "No data-quality flags.")


def _know_more(ws: Worksheet, items: list[dict[str, Any]]) -> None:
    ws.column_dimensions["A"].width = 120
    title_block(
        ws, "What else do we need to know", "Drawn from the data-quality flags and the questions"
    )
    for offset, item in enumerate(items, start=4):
        put(ws, offset, 1, item["text"])
    wrap_rows(ws, 4, 3 + len(items), [1])
