"""A small hand-computed cohort of learners, as rows and as a workbook, for the LSA tests.

Six learners around the April 2024 fiscal-year boundary (fiscal years start in April).
Every figure the tests expect is worked out in tests/test_learners_engine.py.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

import openpyxl
import pandas as pd

from cipms_cli.workbook.learner_validate import LearnerData

D = dt.date

LEARNER_HEADER = ["learner_id", "goal_path", "start_date", "exit_date", "exit_reason"]
LEARNERS = [
    ["A1", "Employment", D(2024, 1, 10), None, None],
    ["A2", "Employment", D(2024, 2, 1), D(2024, 5, 15), "Employed"],
    ["A3", "Secondary School Credit", D(2023, 11, 1), D(2024, 3, 20), "Completed goal path"],
    ["A4", "Employment", D(2024, 4, 5), None, None],
    ["A5", "Independence", D(2024, 3, 1), D(2024, 6, 10), "Moved out of area"],
    ["A6", "Employment", D(2023, 10, 1), D(2024, 2, 28), "Lost contact"],
]

ASSESSMENT_HEADER = ["learner_id", "date", "domain", "score", "level"]
ASSESSMENTS = [
    ["A1", D(2024, 1, 12), "Reading", 220, 1],
    ["A1", D(2024, 3, 15), "Reading", 240, 2],
    ["A1", D(2024, 6, 1), "Reading", 280, 3],
    ["A1", D(2024, 1, 12), "Numeracy", 250, 2],
    ["A1", D(2024, 5, 20), "Numeracy", 245, 2],
    ["A2", D(2024, 2, 2), "Reading", 260, 2],
    ["A2", D(2024, 5, 10), "Reading", 270, 2],
    ["A3", D(2023, 11, 2), "Reading", 200, 1],
    ["A3", D(2024, 3, 1), "Reading", 230, 2],
    ["A4", D(2024, 4, 6), "Reading", 300, 3],
    ["A5", D(2024, 3, 2), "Reading", 230, 2],
    ["A5", D(2024, 4, 20), "Reading", 226, 2],
    ["A5", D(2024, 6, 5), "Reading", 290, 3],
    ["A6", D(2023, 10, 2), "Reading", 210, 1],
    ["A6", D(2023, 12, 1), "Reading", 215, 1],
]

MILESTONE_HEADER = [
    "learner_id",
    "milestone",
    "competency",
    "level",
    "completed_date",
    "culminating_task",
]
MILESTONES = [
    ["A1", "M1", "A Find and Use Information", 1, D(2024, 3, 31), "no"],
    ["A2", "M3", "B Communicate Ideas and Information", 2, D(2024, 5, 1), "no"],
    ["A2", "CT-EMP", "B Communicate Ideas and Information", 2, D(2024, 5, 14), "yes"],
    ["A3", "M4", "C Understand and Use Numbers", 1, D(2024, 1, 15), "no"],
    ["A3", "CT-SSC", "A Find and Use Information", 2, D(2024, 3, 18), "yes"],
    ["A5", "M5", "D Use Digital Technology", 1, D(2024, 6, 1), "no"],
]

SCALE_HEADER = ["domain", "level", "min_score", "max_score"]
BANDS = [(1, 0, 225), (2, 226, 275), (3, 276, 325), (4, 326, 500)]
SCALES = [[d, lvl, lo, hi] for d in ("Reading", "Numeracy") for lvl, lo, hi in BANDS]


def sheets(**replace: list[list[Any]]) -> dict[str, tuple[list[str], list[list[Any]]]]:
    """The cohort's learner sheets; ``replace`` swaps a sheet's rows (key = sheet name)."""
    out = {
        "Learners": (LEARNER_HEADER, LEARNERS),
        "Assessments": (ASSESSMENT_HEADER, ASSESSMENTS),
        "Milestones": (MILESTONE_HEADER, MILESTONES),
        "Scales": (SCALE_HEADER, SCALES),
    }
    for name, rows in replace.items():
        out[name] = (out[name][0], rows)
    return out


def workbook_bytes(
    learner_sheets: dict[str, tuple[list[str], list[list[Any]]]],
    indicators: list[list[Any]] | None = None,
) -> bytes:
    """An .xlsx with the given learner sheets and, optionally, Outcomes and Indicators."""
    wb = openpyxl.Workbook()
    first = wb.active
    assert first is not None
    wb.remove(first)
    if indicators is not None:
        ws = wb.create_sheet("Outcomes")
        ws.append(["outcome_id", "statement"])
        ws.append(["O1", "Adults have the skills to reach their goals"])
        ws = wb.create_sheet("Indicators")
        ws.append(
            [
                "indicator_id",
                "name",
                "outcome_id",
                "direction",
                "unit",
                "frequency",
                "source",
                "target_value",
                "target_period",
            ]
        )
        for row in indicators:
            ws.append(row)
    for name, (header, rows) in learner_sheets.items():
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append(list(row))
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def frames(
    learners: list[list[Any]] = LEARNERS,
    assessments: list[list[Any]] = ASSESSMENTS,
    milestones: list[list[Any]] = MILESTONES,
    scales: list[list[Any]] | None = SCALES,
) -> LearnerData:
    """LearnerData built directly, shaped as the validator builds it."""

    def dates(values: list[Any]) -> pd.Series:
        return pd.to_datetime(pd.Series(values, dtype=object)).astype("datetime64[ns]")

    people = pd.DataFrame(learners, columns=LEARNER_HEADER)
    people["start_date"] = dates(list(people["start_date"]))
    people["exit_date"] = dates(list(people["exit_date"]))
    tests = pd.DataFrame(assessments, columns=ASSESSMENT_HEADER)
    tests["date"] = dates(list(tests["date"]))
    tests = tests.astype({"score": float, "level": float})
    steps = pd.DataFrame(milestones, columns=MILESTONE_HEADER)
    steps["completed_date"] = dates(list(steps["completed_date"]))
    steps["culminating_task"] = steps["culminating_task"].eq("yes")
    steps = steps.astype({"level": float})
    bands = pd.DataFrame(scales or [], columns=SCALE_HEADER).astype(
        {"level": float, "min_score": float, "max_score": float}
    )
    return LearnerData(people, tests, steps, bands)
