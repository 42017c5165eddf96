"""The improvement plan as an Excel workbook (``cipms plan -o plan.xlsx``).

Sheets: Plan (the priorities), one sheet per priority (numbers, SMART check, the model's
prompts with cells to write in, a chart), Actions (to fill in), Ranking (the evidence for
the choice), Instructions, and Chart data.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openpyxl import Workbook
from openpyxl.formatting.rule import CellIsRule, FormulaRule
from openpyxl.styles import Alignment
from openpyxl.worksheet.worksheet import Worksheet

from cipms_cli.output.xlsx_file import workbook_bytes
from cipms_cli.reports.actions_xlsx import add_actions_sheet, add_instructions
from cipms_cli.reports.xlsx_parts import (
    BOLD,
    FAIL_FILL,
    FILL_IN,
    PASS_FILL,
    WRAP,
    ChartData,
    first_sheet,
    fit_height,
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

PRIORITY_COLUMNS = [
    "#",
    "indicator_id",
    "indicator",
    "outcome_id",
    "latest",
    "latest_period",
    "target",
    "target_period",
    "gap",
    "status",
    "variation",
    "assurance",
    "forecast",
    "will_meet_target",
    "smart",
    "why",
]
LEFT_WRAP = Alignment(horizontal="left", vertical="top", wrap_text=True)
RANKING_COLUMNS = [
    "rank",
    "chosen",
    "indicator_id",
    "indicator",
    "gap",
    "gap_scale",
    "gap_divided_by_scale",
    "gap_points",
    "concern_points",
    "consistent_fail_points",
    "forecast_points",
    "need",
    "weight",
    "weight_factor",
    "score",
    "reasons",
]


def plan_xlsx(context: dict[str, Any]) -> bytes:
    wb = new_workbook()
    plan = context["plan"]
    charts = ChartData(wb)
    _overview(first_sheet(wb, "Plan"), context)
    for priority in plan["priorities"]:
        _priority_sheet(wb, context, priority, charts)
    as_of = dt.date.fromisoformat(context["as_of"]) if context["as_of"] else None
    ids = [v["indicator_id"] for v in context["indicators"]]
    add_actions_sheet(wb, context["actions"], ids, as_of)
    _ranking_sheet(wb.create_sheet("Ranking"), plan)
    add_instructions(wb, heading=f"Improvement plan: {context['title']}")
    wb.move_sheet(charts.ws, offset=len(wb.sheetnames))
    return workbook_bytes(wb)


def _subtitle(context: dict[str, Any]) -> str:
    return (
        f"As of {context['as_of'] or 'the latest period'} · source {context['source']} · "
        f"model {context['plan']['model']['name']}"
    )


def _overview(ws: Worksheet, context: dict[str, Any]) -> None:
    plan = context["plan"]
    title_block(ws, f"Improvement plan: {context['title']}", _subtitle(context))
    put(ws, 3, 1, plan["model"]["about"])
    situation = plan["situation"]
    facts = [
        ("Indicators", situation["indicators"]),
        ("With a target", situation["with_target"]),
        ("Off track", situation["off_track"]),
        ("At risk", situation["at_risk"]),
        ("Special cause concern", situation["concern"]),
        ("Will consistently miss the target", situation["consistent_fail"]),
        ("Forecast misses the target", situation["forecast_miss"]),
    ]
    for offset, (label, value) in enumerate(facts):
        put(ws, 5 + offset, 1, label).font = BOLD
        put(ws, 5 + offset, 4, value)  # the label overflows across the empty B and C
    header_row = 5 + len(facts) + 1
    rows = [_priority_row(p) for p in plan["priorities"]]
    last = header_and_rows(
        ws,
        header_row,
        PRIORITY_COLUMNS,
        rows,
        {"indicator": 40, "variation": 18, "assurance": 18, "smart": 16, "why": 60},
    )
    for offset, priority in enumerate(plan["priorities"], start=1):
        fmt = number_format(priority["indicator"]["unit"])
        for column in (5, 7, 9, 13):
            ws.cell(row=header_row + offset, column=column).number_format = fmt
    wrap_rows(ws, header_row + 1, last, [3, 16])
    if rows:
        ws.conditional_formatting.add(
            f"O{header_row + 1}:O{last}",
            FormulaRule(formula=[f'ISNUMBER(SEARCH("✘",O{header_row + 1}))'], fill=FAIL_FILL),
        )
    else:
        put(ws, header_row + 1, 1, "No indicator shows a need.")
    landscape(ws)


def _priority_row(priority: dict[str, Any]) -> list[Any]:
    i = priority["indicator"]
    will_meet = i["forecast"].get("will_meet_target")
    return [
        priority["number"],
        i["indicator_id"],
        i["name"],
        i["outcome_id"],
        i["latest"].get("value"),
        i["latest"].get("period"),
        i["target"].get("value"),
        i["target"].get("period"),
        i["gap"],
        i["status_words"],
        (i["spc"]["variation"] or "").replace("_", " "),
        (i["spc"]["assurance"] or "").replace("_", " "),
        i["forecast"].get("value"),
        yes_no(will_meet),
        priority["smart_summary"],
        "; ".join(priority["reasons"]),
    ]


def _priority_sheet(
    wb: Workbook, context: dict[str, Any], priority: dict[str, Any], charts: ChartData
) -> None:
    i = priority["indicator"]
    ws = wb.create_sheet(f"Priority {priority['number']}")
    for column, width in zip("ABCD", (30, 70, 10, 14), strict=True):
        ws.column_dimensions[column].width = width
    title_block(
        ws, f"Priority {priority['number']}: {i['indicator_id']} {i['name']}", _subtitle(context)
    )
    row = _facts(ws, 4, i)
    row = _smart_table(ws, row + 1, priority["smart"])
    row = _prompts(ws, row + 1, context["plan"]["model"]["name"], priority)
    row = _milestones(ws, row, priority, i["unit"])
    put(ws, row + 1, 1, "Can we attribute change to the action?").font = BOLD
    put(ws, row + 1, 2, i["attribution"])
    wrap_rows(ws, row + 1, row + 1, [1, 2])
    chart = charts.chart(i, f"{i['indicator_id']} {i['name']}")
    if chart is not None:
        ws.add_chart(chart, "F4")
    landscape(ws)


def _facts(ws: Worksheet, row: int, i: dict[str, Any]) -> int:
    fmt = number_format(i["unit"])
    outcome = f"{i['outcome_id'] or '—'}: {i['outcome_statement'] or 'linked to no outcome'}"
    facts: list[tuple[str, Any, str | None]] = [
        ("Outcome", outcome, None),
        ("Measure", f"{i['measure_words']} · {i['direction_words']} · {i['frequency']}", None),
        ("Owner", i["owner"] or "not named", None),
        ("Baseline", i["baseline"].get("value"), fmt),
        ("Baseline period", i["baseline"].get("period"), None),
        ("Latest", i["latest"].get("value"), fmt),
        ("Latest period", i["latest"].get("period"), None),
        ("Target", i["target"].get("value"), fmt),
        ("Target period", i["target"].get("period"), None),
        ("Gap", i["gap"], fmt),
        ("Status", i["status_words"], None),
        ("Variation", i["spc"]["reading"], None),
        ("Assurance", i["spc"]["assurance_words"], None),
        ("The curve to turn", i["forecast"]["words"], None),
        ("Data quality", "; ".join(f["message"] for f in i["data_quality"]) or "no flags", None),
    ]
    for label, value, value_format in facts:
        label_cell = put(ws, row, 1, label)
        label_cell.font, label_cell.alignment = BOLD, WRAP
        put(ws, row, 2, value, value_format).alignment = LEFT_WRAP
        fit_height(ws, row)
        row += 1
    return row


def _smart_table(ws: Worksheet, row: int, tests: list[dict[str, Any]]) -> int:
    put(ws, row, 1, "SMART check of the target").font = BOLD
    put_row(ws, row + 1, ["test", "why", "result", "verdict"])
    for column in range(1, 5):
        ws.cell(row=row + 1, column=column).font = BOLD
    for offset, test in enumerate(tests, start=2):
        put_row(ws, row + offset, [test["test"], test["why"], test["result"], test["verdict"]])
    first, last = row + 2, row + 1 + len(tests)
    wrap_rows(ws, first, last, [1, 2, 3, 4])
    ws.conditional_formatting.add(
        f"C{first}:C{last}", CellIsRule(operator="equal", formula=['"fail"'], fill=FAIL_FILL)
    )
    ws.conditional_formatting.add(
        f"C{first}:C{last}", CellIsRule(operator="equal", formula=['"pass"'], fill=PASS_FILL)
    )
    return last + 1


def _prompts(ws: Worksheet, row: int, model_name: str, priority: dict[str, Any]) -> int:
    put(ws, row, 1, f"{model_name}: write the answers in the yellow cells").font = BOLD
    row += 1
    for prompt in priority["prompts"]:
        put(ws, row, 1, prompt["title"]).font = BOLD
        put(ws, row, 2, prompt["prompt"])
        wrap_rows(ws, row, row, [1, 2])
        answer = ws.cell(row=row + 1, column=2)
        answer.fill = FILL_IN
        answer.alignment = WRAP
        ws.row_dimensions[row + 1].height = 60
        row += 2
    return row


def _milestones(ws: Worksheet, row: int, priority: dict[str, Any], unit: str) -> int:
    if not priority["milestones"] or priority["prompts"][0]["key"] != "vision":
        return row
    put(ws, row, 1, "Milestones, from the target back").font = BOLD
    put(ws, row, 2, "Value on the straight line from the latest figure to the target").font = BOLD
    for offset, milestone in enumerate(priority["milestones"], start=1):
        put(ws, row + offset, 1, milestone["period"])
        put(ws, row + offset, 2, milestone["value"], number_format(unit)).alignment = LEFT_WRAP
    return row + len(priority["milestones"]) + 1


def _ranking_sheet(ws: Worksheet, plan: dict[str, Any]) -> None:
    rows = [
        [
            r["rank"],
            "yes" if r["chosen"] else "no",
            r["indicator_id"],
            r["name"],
            r["gap"],
            r["gap_scale"],
            r["normalised_gap"],
            r["gap_points"],
            r["concern_points"],
            r["assurance_points"],
            r["forecast_points"],
            r["need"],
            r["weight"],
            r["weight_factor"],
            r["score"],
            "; ".join(r["reasons"]),
        ]
        for r in plan["ranking"]
    ]
    title_block(
        ws,
        "How the priorities were chosen",
        "need = gap points (up to 3) + concern (2) + consistent fail (2) + forecast misses (1); "
        "score = need x weight factor (0.5 to 2); see docs/method.md",
    )
    last = header_and_rows(ws, 4, RANKING_COLUMNS, rows, {"indicator": 40, "reasons": 70})
    for row in range(5, last + 1):
        for column in range(5, 16):
            ws.cell(row=row, column=column).number_format = "#,##0.00"
    wrap_rows(ws, 5, last, [4, 16])
    if rows:
        ws.conditional_formatting.add(
            f"B5:B{last}", CellIsRule(operator="equal", formula=['"yes"'], fill=PASS_FILL)
        )
    landscape(ws)
