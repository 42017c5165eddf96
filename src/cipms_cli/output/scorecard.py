"""A Scorecard as JSON, CSV rows, a Markdown page and a one-sheet Excel summary."""

from __future__ import annotations

import json
from typing import Any

from cipms_cli.engine.score import Scorecard, point_values
from cipms_cli.output.formats import to_json
from cipms_cli.output.sparkline import sparkline
from cipms_cli.values import yes_no

CSV_COLUMNS = [
    "indicator_id",
    "name",
    "outcome_id",
    "measure_type",
    "direction",
    "unit",
    "frequency",
    "baseline_period",
    "baseline_value",
    "latest_period",
    "latest_value",
    "target_period",
    "target_value",
    "gap",
    "progress",
    "change_from_baseline",
    "percent_of_target",
    "trajectory",
    "status",
    "spc_mean",
    "spc_lpl",
    "spc_upl",
    "variation",
    "assurance",
    "trial_limits",
    "forecast_period",
    "forecast_value",
    "will_meet_target",
    "attainment",
    "points",
    "data_quality",
]


def scorecard_document(card: Scorecard) -> dict[str, Any]:
    """The scorecard exactly as ``--format json`` writes it."""
    document: dict[str, Any] = json.loads(to_json(card))
    return document


def scorecard_rows(card: Scorecard) -> list[dict[str, Any]]:
    rows = []
    for i in card.indicators:
        rows.append(
            {
                "indicator_id": i.indicator_id,
                "name": i.name,
                "outcome_id": i.outcome_id,
                "measure_type": i.measure_type,
                "direction": i.direction,
                "unit": i.unit,
                "frequency": i.frequency,
                "baseline_period": i.baseline["period"],
                "baseline_value": i.baseline["value"],
                "latest_period": i.latest["period"],
                "latest_value": i.latest["value"],
                "target_period": i.target["period"],
                "target_value": i.target["value"],
                "gap": i.gap,
                "progress": i.progress,
                "change_from_baseline": i.change_from_baseline,
                "percent_of_target": i.percent_of_target,
                "trajectory": i.trajectory,
                "status": i.status,
                "spc_mean": i.spc.mean,
                "spc_lpl": i.spc.lpl,
                "spc_upl": i.spc.upl,
                "variation": i.spc.variation,
                "assurance": i.spc.assurance,
                "trial_limits": i.spc.trial_limits,
                "forecast_period": i.forecast["period"],
                "forecast_value": i.forecast["value"],
                "will_meet_target": i.forecast["will_meet_target"],
                "attainment": i.attainment,
                "points": i.points,
                "data_quality": ";".join(f["code"] for f in i.data_quality),
            }
        )
    return rows


def spark(indicator: Any) -> str:
    return sparkline(point_values(indicator.spc))


def scorecard_markdown(card: Scorecard) -> str:
    from cipms_cli.reports.templates import shipped_environment

    env = shipped_environment()
    env.filters["spark"] = spark
    return env.get_template("score.md.j2").render(card=card)


def scorecard_xlsx(card: Scorecard) -> bytes:
    from openpyxl import Workbook
    from openpyxl.formatting.rule import CellIsRule
    from openpyxl.styles import Font, PatternFill

    from cipms_cli.output.safe import xlsx_text
    from cipms_cli.output.xlsx_file import workbook_bytes
    from cipms_cli.workbook.blank import style_header

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Scorecard"
    title = card.agency.get("agency_name") or card.path
    xlsx_text(ws.cell(row=1, column=1), f"Scorecard: {title}")
    ws.cell(row=1, column=1).font = Font(bold=True, size=14)
    summary = card.summary
    score = "—" if summary["score"] is None else f"{summary['score']:.1f} / 10"
    stars = "—" if summary["stars"] is None else f"{summary['stars']} of 3 stars"
    ws.cell(row=2, column=1, value=f"As of {card.as_of or '—'}   Score {score}   {stars}")
    headers = [
        "indicator_id",
        "name",
        "baseline",
        "latest",
        "target",
        "gap",
        "status",
        "variation",
        "assurance",
        "forecast",
        "will_meet_target",
        "data_quality",
    ]
    style_header(ws, 4, headers, set())
    for r, i in enumerate(card.indicators, start=5):
        values = [
            i.indicator_id,
            i.name,
            i.baseline["value"],
            i.latest["value"],
            i.target["value"],
            i.gap,
            i.status,
            i.spc.variation,
            i.spc.assurance,
            i.forecast["value"],
            yes_no(i.forecast["will_meet_target"]),
            "; ".join(f["code"] for f in i.data_quality),
        ]
        for c, value in enumerate(values, start=1):
            cell = ws.cell(row=r, column=c)
            xlsx_text(cell, value)
            if isinstance(value, float):
                cell.number_format = "#,##0.0"
    last = 4 + len(card.indicators)
    red = PatternFill("solid", fgColor="F8CBAD")
    green = PatternFill("solid", fgColor="C6EFCE")
    ws.conditional_formatting.add(
        f"G5:G{last}", CellIsRule(operator="equal", formula=['"off_track"'], fill=red)
    )
    ws.conditional_formatting.add(
        f"G5:G{last}", CellIsRule(operator="equal", formula=['"met"'], fill=green)
    )
    ws.column_dimensions["B"].width = 45
    ws.print_title_rows = "4:4"
    ws.auto_filter.ref = f"A4:L{last}"
    if card.learners is not None:
        from cipms_cli.output.learners import add_learners_sheet

        add_learners_sheet(wb, card.learners)
    return workbook_bytes(wb)
