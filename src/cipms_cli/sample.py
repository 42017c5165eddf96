"""The sample workbook: a fictional Ontario Literacy and Basic Skills (LBS) agency.

``build_sample_workbook()`` returns the workbook that ``cipms init --example`` writes and
that ``examples/generate.py`` saves as ``examples/literacy-agency.xlsx``. All data comes
from fixed seeds, so every call gives the same content, and ``output.xlsx_file`` saves the
same content as the same bytes.

The agency, its learners and every number are invented.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from cipms_cli.workbook import contract

SEED = 20250630
DATE_FORMAT = "yyyy-mm-dd"

AGENCY: dict[str, Any] = {
    "agency_id": "LKS01",
    "agency_name": "Lakeshore Literacy Network",
    "stream": "Anglophone",
    "region": "Central",
    "reporting_period": "2025-Q2",
}

SETTINGS: dict[str, Any] = {
    "fiscal_year_start_month": 4,
    "spc.screen_outliers": True,
}

OUTCOME_COLUMNS = ("outcome_id", "statement", "population", "owner")
OUTCOMES: list[tuple[str, str, str, str]] = [
    (
        "OC1",
        "Adults in the region have the literacy, numeracy and digital skills to reach "
        "their employment, education and independence goals",
        "Adults aged 19 and over in the catchment whose skills are below what their next "
        "goal requires",
        "Executive Director",
    ),
    (
        "OC2",
        "Learners move on to employment, apprenticeship, further education or greater independence",
        "LBS learners who leave the program",
        "Program Manager",
    ),
    (
        "OC3",
        "Adults get timely, learner-centred service that they would recommend to others",
        "Adults referred to or enrolled with the agency",
        "Intake and Assessment Coordinator",
    ),
    (
        "OC4",
        "Community partners refer adults who need upgrading, and receive learners who are "
        "ready for their next step",
        "Employment Ontario and Ontario Works offices, school boards, colleges and employers",
        "Community Liaison",
    ),
]

INDICATOR_COLUMNS = (
    "indicator_id",
    "name",
    "outcome_id",
    "direction",
    "unit",
    "frequency",
    "target_value",
    "target_period",
    "measure_type",
    "baseline_period",
    "baseline_value",
    "tolerance",
    "weight",
    "minimum_standard",
    "key",
    "owner",
    "data_source",
    "definition",
    "source",
)

# Baselines are filled in from the generated results (see _indicator_rows).
INDICATORS: list[dict[str, Any]] = [
    {
        "indicator_id": "LBS01",
        "name": "New learner intakes",
        "outcome_id": "OC4",
        "direction": "increase",
        "unit": "count",
        "frequency": "quarterly",
        "target_value": 48,
        "target_period": "2026-Q4",
        "measure_type": "how_much",
        "weight": 5,
        "key": "no",
        "owner": "Intake and Assessment Coordinator",
        "data_source": "EOIS-CaMS service plans",
        "definition": "Adults who completed intake and started an LBS service plan in the quarter",
    },
    {
        "indicator_id": "LBS02",
        "name": "Referrals out to partner services",
        "outcome_id": "OC4",
        "direction": "neutral",
        "unit": "count",
        "frequency": "quarterly",
        "measure_type": "how_much",
        "weight": 0,
        "key": "no",
        "owner": "Community Liaison",
        "data_source": "Referral log",
        "definition": "Referrals made to other Employment Ontario, health, housing or "
        "community services in the quarter (monitored, not targeted)",
    },
    {
        "indicator_id": "LBS03",
        "name": "Learners served",
        "outcome_id": "OC1",
        "direction": "increase",
        "unit": "count",
        "frequency": "quarterly",
        "target_value": 45,
        "target_period": "2026-Q1",
        "measure_type": "how_much",
        "weight": 10,
        "key": "no",
        "owner": "Program Manager",
        "data_source": "Learners sheet (main site learner records)",
        "definition": "Learners in the learner records with an open service plan at any time "
        "in the quarter",
        "source": "lsa.learners_served",
        # The learner records start in April 2022; judge from the first full year of intake.
        "baseline_period": "2023-Q1",
    },
    {
        "indicator_id": "LBS04",
        "name": "Learner satisfaction",
        "outcome_id": "OC3",
        "direction": "increase",
        "unit": "percent",
        "frequency": "quarterly",
        "target_value": 90,
        "target_period": "2026-Q1",
        "measure_type": "how_well",
        "tolerance": 2,
        "weight": 10,
        "minimum_standard": 80,
        "key": "yes",
        "owner": "Program Manager",
        "data_source": "Learner satisfaction survey",
        "definition": "Survey respondents who are satisfied or very satisfied with the service "
        "(numerator) out of all respondents (denominator)",
    },
    {
        "indicator_id": "LBS05",
        "name": "Learners with a learning plan within 30 days",
        "outcome_id": "OC3",
        "direction": "increase",
        "unit": "percent",
        "frequency": "quarterly",
        "target_value": 90,
        "target_period": "2026-Q1",
        "measure_type": "how_well",
        "tolerance": 3,
        "weight": 10,
        "minimum_standard": 85,
        "key": "yes",
        "owner": "Intake and Assessment Coordinator",
        "data_source": "EOIS-CaMS service plans",
        "definition": "New learners whose learner plan was signed within 30 days of intake, "
        "out of all new learners in the quarter",
    },
    {
        "indicator_id": "LBS06",
        "name": "Days from referral to assessment",
        "outcome_id": "OC3",
        "direction": "decrease",
        "unit": "days",
        "frequency": "quarterly",
        "target_value": 10,
        "target_period": "2026-Q1",
        "measure_type": "how_well",
        "tolerance": 2,
        "weight": 10,
        "key": "no",
        "owner": "Intake and Assessment Coordinator",
        "data_source": "Intake log",
        "definition": "Median calendar days from the referral date to the intake assessment",
    },
    {
        "indicator_id": "LBS07",
        "name": "Cost per learner served",
        "outcome_id": "OC3",
        "direction": "decrease",
        "unit": "currency",
        "frequency": "quarterly",
        "target_value": 1900,
        "target_period": "2027-Q1",
        "measure_type": "how_well",
        "tolerance": 100,
        "weight": 5,
        "key": "no",
        "owner": "Finance Manager",
        "data_source": "General ledger; EOIS-CaMS",
        "definition": "Direct delivery cost in the quarter (CAD) divided by learners served",
    },
    {
        "indicator_id": "LBS08",
        "name": "Learner progress (milestone completion)",
        "outcome_id": "OC1",
        "direction": "increase",
        "unit": "percent",
        "frequency": "quarterly",
        "target_value": 75,
        "target_period": "2026-Q1",
        "measure_type": "better_off",
        "weight": 5,
        "key": "no",
        "owner": "Lead Instructor",
        "data_source": "Milestones sheet",
        "definition": "Learners served in the quarter who completed at least one milestone "
        "in the quarter",
        "source": "lsa.learner_progress",
        "baseline_period": "2023-Q1",
    },
    {
        "indicator_id": "LBS09",
        "name": "Learners completing their goal path",
        "outcome_id": "OC2",
        "direction": "increase",
        "unit": "percent",
        "frequency": "quarterly",
        "target_value": 70,
        "target_period": "2026-Q4",
        "measure_type": "better_off",
        "tolerance": 3,
        "weight": 15,
        "minimum_standard": 55,
        "key": "yes",
        "owner": "Program Manager",
        "data_source": "EOIS-CaMS exits",
        "definition": "Learners who left having completed their goal path (culminating task "
        "done), out of all learners who left in the quarter",
    },
    {
        "indicator_id": "LBS10",
        "name": "Learners gaining at least one level in reading",
        "outcome_id": "OC1",
        "direction": "increase",
        "unit": "percent",
        "frequency": "quarterly",
        "target_value": 60,
        "target_period": "2026-Q1",
        "measure_type": "better_off",
        "weight": 10,
        "key": "no",
        "owner": "Lead Instructor",
        "data_source": "Assessments sheet",
        "definition": "Learners with two or more reading assessments whose latest level is "
        "above their intake level",
        "source": "lsa.pct_with_gain.reading",
        "baseline_period": "2023-Q1",
    },
    {
        "indicator_id": "LBS11",
        "name": "Learners exiting to employment or further education",
        "outcome_id": "OC2",
        "direction": "increase",
        "unit": "percent",
        "frequency": "quarterly",
        "target_value": 55,
        "target_period": "2026-Q1",
        "measure_type": "better_off",
        "tolerance": 5,
        "weight": 10,
        "key": "no",
        "owner": "Program Manager",
        "data_source": "EOIS-CaMS exits",
        "definition": "Learners who left for a job, apprenticeship, secondary school credit or "
        "postsecondary program, out of all learners who left in the quarter",
    },
    {
        "indicator_id": "LBS12",
        "name": "Learners reporting more confidence at exit",
        "outcome_id": "OC2",
        "direction": "increase",
        "unit": "percent",
        "frequency": "quarterly",
        "target_value": 85,
        "target_period": "2026-Q1",
        "measure_type": "better_off",
        "weight": 5,
        "key": "no",
        "owner": "Lead Instructor",
        "data_source": "Exit survey",
        "definition": "Exit survey respondents who agree they feel more confident using their "
        "skills, out of all respondents",
    },
    {
        "indicator_id": "LBS13",
        "name": "Partner satisfaction with referrals",
        "outcome_id": "OC4",
        "direction": "increase",
        "unit": "score",
        "frequency": "annual",
        "target_value": 4.5,
        "target_period": "FY2025-26",
        "measure_type": "how_well",
        "weight": 5,
        "key": "no",
        "owner": "Community Liaison",
        "data_source": "Annual partner survey",
        "definition": "Mean rating (1 to 5) from referral partners asked how well the agency "
        "serves the adults they refer",
    },
]

# The Results sheet's header: the typed columns less the Excel row number cipms adds.
RESULT_COLUMNS = tuple(c for c in contract.RESULT_COLUMNS if c != "row")

FIRST_QUARTER = (2022, 1)
LAST_QUARTER = (2025, 2)
AS_OF = dt.date(2025, 6, 30)

LEARNER_COLUMNS = ("learner_id", "goal_path", "start_date", "exit_date", "exit_reason")
ASSESSMENT_COLUMNS = ("learner_id", "date", "domain", "score", "level")
MILESTONE_COLUMNS = (
    "learner_id",
    "milestone",
    "competency",
    "level",
    "completed_date",
    "culminating_task",
)
SCALE_COLUMNS = ("domain", "level", "min_score", "max_score")

GOAL_PATHS = (
    "Employment",
    "Apprenticeship",
    "Secondary School Credit",
    "Postsecondary",
    "Independence",
)
GOAL_PATH_WEIGHTS = (0.38, 0.10, 0.20, 0.14, 0.18)
DOMAINS = ("Reading", "Document Use", "Numeracy")
# IALS-style bands on a 0-500 scale, the same for every domain.
SCALE_BANDS = ((1, 0, 225), (2, 226, 275), (3, 276, 325), (4, 326, 375), (5, 376, 500))

COMPETENCIES = (
    "A Find and Use Information",
    "B Communicate Ideas and Information",
    "C Understand and Use Numbers",
    "D Use Digital Technology",
    "E Manage Learning",
    "F Engage with Others",
)
# Milestone numbers per competency; each range splits into levels 1, 2, 3 in order.
MILESTONE_RANGES = {"A": (1, 15), "B": (16, 30), "C": (31, 45), "D": (46, 51), "E": (52, 56)}
MILESTONE_RANGES["F"] = (57, 60)
# Which competencies each goal path leans on (relative weights for A..F).
GOAL_COMPETENCY_WEIGHTS = {
    "Employment": (3, 3, 2, 3, 1, 2),
    "Apprenticeship": (2, 2, 5, 2, 1, 1),
    "Secondary School Credit": (4, 4, 3, 1, 1, 1),
    "Postsecondary": (4, 4, 3, 2, 2, 1),
    "Independence": (3, 3, 2, 3, 1, 2),
}
CULMINATING_TASKS = {
    "Employment": ("CT-EMP", "B Communicate Ideas and Information"),
    "Apprenticeship": ("CT-APP", "C Understand and Use Numbers"),
    "Secondary School Credit": ("CT-SSC", "A Find and Use Information"),
    "Postsecondary": ("CT-PSE", "A Find and Use Information"),
    "Independence": ("CT-IND", "D Use Digital Technology"),
}
COMPLETED = "Completed goal path"
EXIT_REASONS_POSITIVE = (COMPLETED, "Employed", "Entered further education or training")
EXIT_REASONS_OTHER = ("Personal or health reasons", "Lost contact", "Moved out of area")


@dataclass
class Table:
    """One sheet's worth of data, written as a header row and data rows."""

    sheet: str
    columns: Sequence[str]
    rows: list[list[Any]]
    title: str | None = None
    widths: dict[str, float] = field(default_factory=dict)


# --- periods -----------------------------------------------------------------


def quarter_labels(first: tuple[int, int], last: tuple[int, int]) -> list[str]:
    """Labels like ``2022-Q1`` from ``first`` to ``last`` inclusive, as (year, quarter)."""
    start, end = first[0] * 4 + first[1] - 1, last[0] * 4 + last[1] - 1
    return [f"{n // 4}-Q{n % 4 + 1}" for n in range(start, end + 1)]


def quarter_bounds(label: str) -> tuple[dt.date, dt.date]:
    """First and last day of a ``YYYY-Qn`` quarter."""
    year, q = int(label[:4]), int(label[-1])
    first = dt.date(year, 3 * q - 2, 1)
    nxt = dt.date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)
    return first, nxt - dt.timedelta(days=1)


PERIODS = quarter_labels(FIRST_QUARTER, LAST_QUARTER)


def level_for(score: int) -> int:
    for level, low, high in SCALE_BANDS:
        if low <= score <= high:
            return level
    raise ValueError(f"score {score} is outside 0-500")


def scale_rows() -> list[list[Any]]:
    return [[d, lvl, lo, hi] for d in DOMAINS for lvl, lo, hi in SCALE_BANDS]


# --- learner records -----------------------------------------------------------


def _milestone_code(rng: np.random.Generator, letter: str, level: int) -> str:
    lo, hi = MILESTONE_RANGES[letter]
    numbers = np.array_split(np.arange(lo, hi + 1), 3)[level - 1]
    return f"M{int(rng.choice(numbers))}"


def simulate_learners(
    rng: np.random.Generator,
    n: int,
    *,
    id_prefix: str,
    first_start: dt.date,
    last_start: dt.date,
    as_of: dt.date,
) -> tuple[list[list[Any]], list[list[Any]], list[list[Any]]]:
    """Learners, Assessments and Milestones rows for ``n`` invented learners."""
    span = (last_start - first_start).days
    offsets = np.sort(rng.integers(0, span + 1, size=n))
    learners: list[list[Any]] = []
    assessments: list[list[Any]] = []
    milestones: list[list[Any]] = []
    for k in range(n):
        learner_id = f"{id_prefix}{k + 1:04d}"
        start = first_start + dt.timedelta(days=int(offsets[k]))
        goal = str(rng.choice(GOAL_PATHS, p=GOAL_PATH_WEIGHTS))
        stay = int(np.clip(rng.lognormal(np.log(230), 0.45), 75, 760))
        completes = bool(rng.random() < 0.62)
        exit_date: dt.date | None = start + dt.timedelta(days=stay)
        if exit_date and exit_date > as_of:
            exit_date = None
        if exit_date is None:
            reason = None
        elif completes:
            reason = str(rng.choice(EXIT_REASONS_POSITIVE, p=(0.6, 0.25, 0.15)))
        else:
            reason = str(rng.choice(EXIT_REASONS_OTHER, p=(0.45, 0.4, 0.15)))
        learners.append([learner_id, goal, start, exit_date, reason])
        end = exit_date or as_of

        # Assessments: at intake, then 1-3 more times while the learner is active.
        intake = min(start + dt.timedelta(days=int(rng.integers(0, 8))), end)
        domains = ["Reading"]
        if goal != "Independence" and rng.random() < 0.65:
            domains.append("Numeracy")
        if rng.random() < 0.4:
            domains.insert(1, "Document Use")
        room = (end - intake).days
        n_follow = int(rng.integers(1, 4)) if room >= 90 else 1
        if room >= 14:
            picks = np.sort(rng.choice(np.arange(14, room + 1), size=n_follow, replace=False))
            follow_days = [int(d) for d in picks]
        else:
            follow_days = [room] if room > 0 else []
        yearly_gain = rng.normal(60, 38)
        intake_levels = {}
        for domain in domains:
            base = np.clip(rng.normal(258 if domain != "Numeracy" else 245, 36), 150, 390)
            intake_levels[domain] = level_for(int(np.rint(base)))
            for day in [0, *follow_days]:
                years = day / 365.25
                score = base + yearly_gain * years + (rng.normal(0, 7) if day else 0)
                score = int(np.clip(round(score), 0, 500))
                when = intake + dt.timedelta(days=day)
                assessments.append([learner_id, when, domain, score, level_for(score)])

        # Milestones: about one every two months of learning, at the learner's level.
        months = max((end - start).days / 30.4, 0.5)
        count = min(int(rng.poisson(0.5 * months)), 12)
        reading_level = min(intake_levels["Reading"], 3)
        weights = np.array(GOAL_COMPETENCY_WEIGHTS[goal], dtype=float)
        seen: set[str] = set()
        first_day = 14
        last_day = max((end - start).days - 1, first_day)
        days = np.sort(rng.integers(first_day, last_day + 1, size=count))
        for day in days:
            comp = COMPETENCIES[int(rng.choice(6, p=weights / weights.sum()))]
            level = int(np.clip(reading_level + rng.integers(-1, 2), 1, 3))
            code = _milestone_code(rng, comp[0], level)
            if code in seen:
                continue
            seen.add(code)
            when = min(start + dt.timedelta(days=int(day)), end)
            milestones.append([learner_id, code, comp, level, when, "no"])
        if reason in EXIT_REASONS_POSITIVE and rng.random() < 0.85:
            code, comp = CULMINATING_TASKS[goal]
            when = max(end - dt.timedelta(days=int(rng.integers(0, 15))), start)
            level = 3 if goal in ("Postsecondary", "Apprenticeship") else 2
            milestones.append([learner_id, code, comp, level, when, "yes"])
    milestones.sort(key=lambda r: (r[0], r[4], r[1]))
    return learners, assessments, milestones


# --- indicator results -----------------------------------------------------------


def _rng(stream: int) -> np.random.Generator:
    return np.random.default_rng((SEED, stream))


def _sample_results() -> dict[str, list[dict[str, Any]]]:
    """Per indicator, the rows of its Results series (value or numerator/denominator)."""
    n = len(PERIODS)
    idx = np.arange(n)
    out: dict[str, list[dict[str, Any]]] = {}

    def rows(iid: str, values: Any = None, num: Any = None, den: Any = None) -> None:
        series = []
        for i, period in enumerate(PERIODS):
            row: dict[str, Any] = {"period": period}
            if num is not None:
                row["numerator"], row["denominator"] = int(num[i]), int(den[i])
            else:
                row["value"] = values[i]
            series.append(row)
        out[iid] = series

    # LBS01 intakes: a steady upward trend (new referral partners every quarter).
    r = _rng(102)
    intakes = np.round(27 + 1.35 * idx + r.normal(0, 0.45, n)).astype(int)
    rows("LBS01", [int(v) for v in intakes])
    out["LBS01"][4]["note"] = "Two new Ontario Works referral partners"

    # LBS02 referrals out: stable, monitored only.
    r = _rng(200)
    rows("LBS02", [int(v) for v in r.poisson(19, n)])

    # LBS04 satisfaction: stable near 90%, one outlier quarter (site relocation).
    r = _rng(423)
    surveys = r.poisson(1.1 * intakes + 20)
    p = np.full(n, 0.895)
    p[8] = 0.66
    rows("LBS04", num=r.binomial(surveys, p), den=surveys)
    out["LBS04"][8]["note"] = "Main site relocated; classes online for five weeks"

    # LBS05 learning plan within 30 days: a step up from 2023-Q4 (new intake process).
    r = _rng(621)
    p = np.where(idx < 7, 0.71, 0.93)
    rows("LBS05", num=r.binomial(intakes, p), den=intakes)
    out["LBS05"][7]["note"] = "New same-week intake and learning-plan process started"

    # LBS06 days from referral to assessment: deteriorating since an assessor vacancy.
    r = _rng(600)
    days = 12 + r.normal(0, 0.9, n) + np.where(idx >= 8, 2.1 * (idx - 7), 0)
    rows("LBS06", [float(v) for v in np.round(days * 2) / 2])
    out["LBS06"][8]["note"] = "Assessor position vacant since February"
    out["LBS06"][12]["note"] = "Waitlist for intake assessment"

    # LBS07 cost per learner: stable, above target.
    r = _rng(700)
    rows("LBS07", [round(float(v), 2) for v in r.normal(2085, 45, n)])

    # Learners leaving drive LBS09 and LBS11; exit surveys drive LBS12.
    r = _rng(976)
    exits = r.poisson(24, n)
    rows("LBS09", num=r.binomial(exits, 0.63), den=exits)
    r = _rng(1105)
    rows("LBS11", num=r.binomial(exits, 0.52), den=exits)
    r = _rng(1200)
    surveys = r.poisson(20, n)
    rows("LBS12", num=r.binomial(surveys, 0.9), den=surveys)

    # LBS13 partner survey: annual, fiscal years.
    r = _rng(1300)
    out["LBS13"] = [
        {"period": fy, "value": round(float(v), 1)}
        for fy, v in zip(
            ("FY2022-23", "FY2023-24", "FY2024-25"), r.normal(4.2, 0.1, 3), strict=True
        )
    ]
    return out


def _result_value(row: dict[str, Any]) -> float:
    if row.get("value") is not None:
        return float(row["value"])
    return 100.0 * row["numerator"] / row["denominator"]


def _period_order(period: str) -> tuple[int, int]:
    if period.startswith("FY"):
        return int(period[2:6]) + 1, 1  # a fiscal year is reported after it ends
    return int(period[:4]), int(period[-1])


def _result_rows(series: dict[str, list[dict[str, Any]]]) -> list[list[Any]]:
    flat = [(iid, row) for iid, rs in series.items() for row in rs]
    flat.sort(key=lambda t: (_period_order(t[1]["period"]), t[0]))
    agency = AGENCY["agency_id"]
    return [
        [
            iid,
            row["period"],
            row.get("value"),
            row.get("numerator"),
            row.get("denominator"),
            row.get("note"),
            agency,
        ]
        for iid, row in flat
    ]


def _indicator_rows(series: dict[str, list[dict[str, Any]]]) -> list[list[Any]]:
    out = []
    for ind in INDICATORS:
        ind = dict(ind)
        first = series.get(ind["indicator_id"], [None])[0]
        if first is not None:
            ind["baseline_period"] = first["period"]
            ind["baseline_value"] = round(_result_value(first), 1)
        out.append([ind.get(col) for col in INDICATOR_COLUMNS])
    return out


# --- workbook writing ---------------------------------------------------------------

HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
TITLE_FONT = Font(bold=True, size=13)


def write_table(ws: Worksheet, table: Table, *, styled: bool = True) -> int:
    """Write ``table`` into ``ws``; returns the header's row number (1-based)."""
    header_row = 1
    if table.title:
        ws.cell(row=1, column=1, value=table.title)
        if styled:
            ws.cell(row=1, column=1).font = TITLE_FONT
        header_row = 3
    for j, name in enumerate(table.columns, start=1):
        cell = ws.cell(row=header_row, column=j, value=name)
        cell.font = HEADER_FONT
        if styled:
            cell.fill = HEADER_FILL
    for i, values in enumerate(table.rows, start=header_row + 1):
        for j, value in enumerate(values, start=1):
            if value is None:
                continue
            cell = ws.cell(row=i, column=j, value=value)
            if isinstance(value, dt.date):
                cell.number_format = DATE_FORMAT
    if styled:
        ws.freeze_panes = ws.cell(row=header_row + 1, column=1).coordinate
        for j, name in enumerate(table.columns, start=1):
            width = table.widths.get(name)
            if width is None:
                lengths = [len(name)] + [_shown_length(r[j - 1]) for r in table.rows[:300]]
                width = min(max(lengths) + 2, 60)
            ws.column_dimensions[get_column_letter(j)].width = width
    return header_row


def _shown_length(value: Any) -> int:
    if value is None:
        return 0
    if isinstance(value, dt.date):
        return 10
    return len(str(value))


def tables_to_workbook(tables: Sequence[Table], *, styled: bool = True) -> Workbook:
    """A workbook with one sheet per table."""
    wb = Workbook()
    wb.remove(wb.active)
    for table in tables:
        write_table(wb.create_sheet(table.sheet), table, styled=styled)
    wb.properties.creator = "cipms"
    wb.properties.lastModifiedBy = "cipms"
    return wb


def sample_tables() -> list[Table]:
    """The sample workbook's content, one Table per sheet, in sheet order."""
    series = _sample_results()
    learners, assessments, milestones = simulate_learners(
        _rng(9999),
        150,
        id_prefix="L",
        first_start=dt.date(2022, 4, 1),
        last_start=dt.date(2025, 5, 31),
        as_of=AS_OF,
    )
    name, period = AGENCY["agency_name"], AGENCY["reporting_period"]
    return [
        Table("Agency", ("key", "value"), [[k, v] for k, v in AGENCY.items()]),
        Table("Settings", ("key", "value"), [[k, v] for k, v in SETTINGS.items()]),
        Table(
            "Outcomes",
            OUTCOME_COLUMNS,
            [list(o) for o in OUTCOMES],
            widths={"statement": 70, "population": 60},
        ),
        Table(
            "Indicators",
            INDICATOR_COLUMNS,
            _indicator_rows(series),
            title=f"{name}: performance indicators ({period} return)",
            widths={"definition": 70, "name": 46},
        ),
        Table(
            "Results",
            RESULT_COLUMNS,
            _result_rows(series),
            title=f"{name}: results by quarter, {PERIODS[0]} to {PERIODS[-1]}",
            widths={"indicator_id": 14, "note": 50},
        ),
        Table("Learners", LEARNER_COLUMNS, learners, widths={"exit_date": 12}),
        Table("Assessments", ASSESSMENT_COLUMNS, assessments),
        Table("Milestones", MILESTONE_COLUMNS, milestones),
        Table("Scales", SCALE_COLUMNS, scale_rows()),
    ]


def build_sample_workbook() -> Workbook:
    """The sample workbook (the same as examples/literacy-agency.xlsx)."""
    return tables_to_workbook(sample_tables())
