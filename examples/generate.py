"""Regenerate the example workbooks in this folder.

    python examples/generate.py

Everything is seeded and saved with fixed timestamps, so running this again gives
byte-for-byte the same files. The main sample's content lives in
``src/cipms_cli/sample.py`` (``cipms init --example`` writes the same workbook); this
script adds the quarterly returns, the deliberately broken workbooks and README.md.
Needs only numpy and openpyxl.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from openpyxl.utils import get_column_letter

HERE = Path(__file__).resolve().parent
_SRC = HERE.parent / "src"
if (_SRC / "cipms_cli").is_dir():
    sys.path.insert(0, str(_SRC))  # use this checkout's cipms_cli, installed or not

from cipms_cli import sample  # noqa: E402
from cipms_cli.output.xlsx_file import workbook_bytes  # noqa: E402
from cipms_cli.sample import Table  # noqa: E402

RETURNS_SEED = 20250701
RETURN_QUARTERS = sample.quarter_labels((2023, 3), (2025, 2))
RETURN_INDICATORS = ("LBS01", "LBS02", "LBS04", "LBS05", "LBS06", "LBS07", "LBS09", "LBS11")
BROKEN_RETURN = ("AG07", "2024-Q4")

# What the sample's Results series are designed to show on an XmR / p chart.
SIGNALS = {
    "LBS01": "steady upward trend (rising run of 9 quarters; early points below, late "
    "points above the limits)",
    "LBS02": "none (stable; neutral, monitored only)",
    "LBS03": "computed from the Learners sheet",
    "LBS04": "one outlier: 2024-Q1 below the lower limit (site relocation)",
    "LBS05": "step improvement from 2023-Q4: 7 quarters below then 7 above the mean",
    "LBS06": "deteriorating: rising since 2024-Q1, latest quarters above the upper limit",
    "LBS07": "none (stable, above target)",
    "LBS08": "computed from the Milestones sheet",
    "LBS09": "none (stable, below target, above the minimum standard)",
    "LBS10": "computed from the Assessments sheet",
    "LBS11": "none (stable; latest quarter within tolerance of the target)",
    "LBS12": "none (stable, target met)",
    "LBS13": "annual, three fiscal years only (too few points for limits)",
}


@dataclass
class Agency:
    agency_id: str
    name: str
    stream: str
    region: str
    size: int  # typical new intakes per quarter
    p_satisfied: float = 0.89
    p_plan: float = 0.86
    p_goal: float = 0.63
    p_employed: float = 0.50
    days: float = 13.0
    story: str = "within the common range"


AGENCIES = [
    Agency("AG01", "Northshore Adult Learning Centre", "Anglophone", "Northern", 22, days=16),
    Agency(
        "AG02",
        "Centre d'apprentissage Le Tremplin",
        "Francophone",
        "Eastern",
        35,
        p_employed=0.62,
        story="high exits to employment, but small, so mostly inside the funnel limits",
    ),
    Agency("AG03", "Two Rivers Literacy Council", "Anglophone", "Western", 60, days=11),
    Agency(
        "AG04",
        "Anishinaabe Adult Learning Circle",
        "Indigenous",
        "Northern",
        24,
        p_plan=0.60,
        days=19,
        story="learning plans within 30 days well below the rest",
    ),
    Agency("AG05", "Ottawa Valley Skills Connection", "Anglophone", "Eastern", 90, days=12),
    Agency(
        "AG06",
        "Signs of Learning Deaf Literacy Program",
        "Deaf",
        "Central",
        28,
        days=21,
        story="longest wait for assessment (interpreter-led assessments)",
    ),
    Agency(
        "AG07",
        "Metro Central College Academic Upgrading",
        "Anglophone",
        "Central",
        400,
        days=9,
        story="largest (denominators near 400), close to the average",
    ),
    Agency("AG08", "Huron Shores Learning Network", "Anglophone", "Western", 45),
    Agency(
        "AG09", "Centre de formation des adultes du Nord", "Francophone", "Northern", 30, days=17
    ),
    Agency(
        "AG10",
        "Thames Valley Adult Literacy",
        "Anglophone",
        "Western",
        150,
        p_satisfied=0.97,
        story="learner satisfaction above the rest (mostly 2 to 3 standard errors above)",
    ),
    Agency(
        "AG11",
        "Kawartha Adult Skills Centre",
        "Anglophone",
        "Central",
        75,
        days=14,
        p_satisfied=0.76,
        story="learner satisfaction below the rest",
    ),
    Agency(
        "AG12",
        "Niagara Peninsula Learning Exchange",
        "Anglophone",
        "Central",
        240,
        p_goal=0.49,
        story="goal path completion below the rest",
    ),
]
SEASON = {1: 1.08, 2: 1.0, 3: 0.84, 4: 1.06}  # fewer intakes over the summer


@dataclass
class Planted:
    """One deliberate problem in a broken file, for README.md."""

    file: str
    sheet: str
    cell: str
    problem: str


# --- helpers -----------------------------------------------------------------------


def save(wb: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(workbook_bytes(wb))


def header_row(table: Table) -> int:
    return 3 if table.title else 1


def col(table: Table, name: str) -> str:
    return get_column_letter(list(table.columns).index(name) + 1)


def find(table: Table, **match: Any) -> int:
    """Index in table.rows of the only row whose columns equal ``match``."""
    cols = list(table.columns)
    hits = [
        i
        for i, row in enumerate(table.rows)
        if all(row[cols.index(k)] == v for k, v in match.items())
    ]
    if len(hits) != 1:
        raise LookupError(f"{table.sheet}: {len(hits)} rows match {match}")
    return hits[0]


def cell(table: Table, index: int, column: str) -> str:
    return f"{col(table, column)}{header_row(table) + 1 + index}"


def put(table: Table, index: int, column: str, value: Any) -> str:
    table.rows[index][list(table.columns).index(column)] = value
    return cell(table, index, column)


def by_sheet(tables: list[Table]) -> dict[str, Table]:
    return {t.sheet: t for t in tables}


# --- checks on the designed SPC signals -----------------------------------------------


def _xmr(values: list[float]) -> tuple[float, float, float]:
    x = np.asarray(values, dtype=float)
    mr = np.abs(np.diff(x))
    mr_bar = mr[mr <= 3.267 * mr.mean()].mean()  # screen moving-range outliers
    return float(x.mean()), float(x.mean() - 2.66 * mr_bar), float(x.mean() + 2.66 * mr_bar)


def _longest(flags: list[bool]) -> int:
    best = run = 0
    for f in flags:
        run = run + 1 if f else 0
        best = max(best, run)
    return best


def check_sample_signals(tables: list[Table]) -> None:
    """Fail loudly if a change to the seeds or formulas lost a designed signal."""
    results = by_sheet(tables)["Results"]
    series: dict[str, list[float]] = {}
    for iid, _period, value, num, den, *_ in results.rows:
        series.setdefault(iid, []).append(value if value is not None else 100 * num / den)
    problems = []
    for iid, xs in series.items():
        if len(xs) < 12:
            continue
        mean, lo, hi = _xmr(xs)
        out = [i for i, v in enumerate(xs) if not lo <= v <= hi]
        above = _longest([v > mean for v in xs])
        below = _longest([v < mean for v in xs])
        rising = _longest([b > a for a, b in itertools.pairwise(xs)]) + 1
        falling = _longest([b < a for a, b in itertools.pairwise(xs)]) + 1
        ok = {
            "LBS01": rising >= 7,
            "LBS04": out == [8],
            "LBS05": above >= 7 and below >= 7 and all(v > mean for v in xs[7:]) and not out,
            "LBS06": rising >= 6 and xs[-1] > hi,
        }.get(iid, not out and above < 7 and below < 7 and max(rising, falling) < 6)
        if not ok:
            problems.append(f"{iid}: {xs}")
    if problems:
        raise SystemExit("designed SPC signals are gone:\n" + "\n".join(problems))


# --- quarterly returns ------------------------------------------------------------------


def return_indicator_rows() -> list[list[Any]]:
    rows = []
    for ind in sample.INDICATORS:
        if ind["indicator_id"] not in RETURN_INDICATORS:
            continue
        ind = dict(ind)
        if ind["unit"] == "count":  # agencies differ too much in size for one count target
            ind["target_value"] = ind["target_period"] = None
        rows.append([ind.get(c) for c in sample.INDICATOR_COLUMNS])
    return rows


def agency_series(agency: Agency, rng: np.random.Generator) -> dict[str, list[dict[str, Any]]]:
    """Per quarter, the Results rows of one agency (keyed by quarter label)."""
    out: dict[str, list[dict[str, Any]]] = {}
    cost_level = 3300 - 520 * np.log10(agency.size) + rng.normal(0, 110)
    if agency.region == "Northern":
        cost_level += 260  # travel and distance delivery
    for q in RETURN_QUARTERS:
        season = SEASON[int(q[-1])]
        intakes = max(int(rng.poisson(agency.size * season)), 1)
        surveys = max(int(rng.poisson(0.9 * agency.size)), 1)
        exits = max(int(rng.poisson(0.85 * agency.size)), 1)
        out[q] = [
            {"indicator_id": "LBS01", "value": intakes},
            {"indicator_id": "LBS02", "value": int(rng.poisson(0.45 * intakes))},
            {
                "indicator_id": "LBS04",
                "numerator": int(rng.binomial(surveys, agency.p_satisfied)),
                "denominator": surveys,
            },
            {
                "indicator_id": "LBS05",
                "numerator": int(rng.binomial(intakes, agency.p_plan)),
                "denominator": intakes,
            },
            {
                "indicator_id": "LBS06",
                "value": float(max(round(rng.normal(agency.days, 1.2) * 2) / 2, 3.0)),
            },
            {
                "indicator_id": "LBS07",
                "value": round(float(rng.normal(cost_level, 0.04 * cost_level)), 2),
            },
            {
                "indicator_id": "LBS09",
                "numerator": int(rng.binomial(exits, agency.p_goal)),
                "denominator": exits,
            },
            {
                "indicator_id": "LBS11",
                "numerator": int(rng.binomial(exits, agency.p_employed)),
                "denominator": exits,
            },
        ]
    return out


def agency_learners(agency: Agency, rng: np.random.Generator) -> tuple[list, list, list]:
    starts_per_quarter = float(np.clip(3.5 + agency.size / 40, 4.5, 9.5))
    first, last = dt.date(2022, 1, 1), dt.date(2025, 5, 31)
    n = round(starts_per_quarter * (last - first).days / 91.3)
    return sample.simulate_learners(
        rng,
        n,
        id_prefix=f"{agency.agency_id}-L",
        first_start=first,
        last_start=last,
        as_of=sample.AS_OF,
    )


def fiscal_start(day: dt.date) -> dt.date:
    """First day of the April-to-March fiscal year containing ``day``."""
    return dt.date(day.year if day.month >= 4 else day.year - 1, 4, 1)


def return_tables(
    agency: Agency,
    quarter: str,
    results: list[dict[str, Any]],
    learners: tuple[list, list, list],
) -> list[Table]:
    first, last = sample.quarter_bounds(quarter)
    people, tests, milestones = learners
    active = []
    for lid, goal, start, exit_date, reason in people:
        if start > last or (exit_date is not None and exit_date < first):
            continue
        left = exit_date is not None and exit_date <= last
        active.append([lid, goal, start, exit_date if left else None, reason if left else None])
    ids = {r[0] for r in active}
    agency_kv = {
        "agency_id": agency.agency_id,
        "agency_name": agency.name,
        "stream": agency.stream,
        "region": agency.region,
        "reporting_period": quarter,
    }
    wanted_outcomes = {r[2] for r in return_indicator_rows()}
    return [
        Table("Agency", ("key", "value"), [[k, v] for k, v in agency_kv.items()]),
        Table(
            "Outcomes",
            sample.OUTCOME_COLUMNS,
            [list(o) for o in sample.OUTCOMES if o[0] in wanted_outcomes],
        ),
        Table("Indicators", sample.INDICATOR_COLUMNS, return_indicator_rows()),
        Table(
            "Results",
            sample.RESULT_COLUMNS,
            [
                [
                    r["indicator_id"],
                    quarter,
                    r.get("value"),
                    r.get("numerator"),
                    r.get("denominator"),
                    None,
                    agency.agency_id,
                ]
                for r in results
            ],
        ),
        Table("Learners", sample.LEARNER_COLUMNS, active),
        Table(
            "Assessments",
            sample.ASSESSMENT_COLUMNS,
            # Every assessment so far, so that gains run from each learner's intake score.
            [list(r) for r in tests if r[0] in ids and r[1] <= last],
        ),
        Table(
            "Milestones",
            sample.MILESTONE_COLUMNS,
            # Milestones of the fiscal year to date: Learner Progress counts the fiscal year.
            [list(r) for r in milestones if r[0] in ids and fiscal_start(first) <= r[4] <= last],
        ),
        Table("Scales", sample.SCALE_COLUMNS, sample.scale_rows()),
    ]


def write_returns(folder: Path) -> tuple[list[Planted], dict[str, tuple[int, int]]]:
    planted: list[Planted] = []
    learner_counts: dict[str, tuple[int, int]] = {}
    for k, agency in enumerate(AGENCIES, start=1):
        series = agency_series(agency, np.random.default_rng((RETURNS_SEED, k)))
        learners = agency_learners(agency, np.random.default_rng((RETURNS_SEED, 100 + k)))
        sizes = []
        for quarter in RETURN_QUARTERS:
            tables = return_tables(agency, quarter, series[quarter], learners)
            name = f"{agency.agency_id}_{quarter}.xlsx"
            if (agency.agency_id, quarter) == BROKEN_RETURN:
                results = by_sheet(tables)["Results"]
                i = find(results, indicator_id="LBS11")
                where = put(results, i, "indicator_id", "LBS-11")
                planted.append(
                    Planted(
                        f"returns/{name}",
                        "Results",
                        where,
                        "indicator_id `LBS-11` is not in Indicators (typo for LBS11)",
                    )
                )
                i = find(results, indicator_id="LBS04")
                put(results, i, "numerator", None)
                put(results, i, "denominator", None)
                where = put(results, i, "value", 130)
                planted.append(
                    Planted(
                        f"returns/{name}",
                        "Results",
                        where,
                        "percent value 130 (above 100) for LBS04",
                    )
                )
            sizes.append(len(tables[4].rows))
            save(sample.tables_to_workbook(tables, styled=False), folder / name)
        learner_counts[agency.agency_id] = (min(sizes), max(sizes))
    return planted, learner_counts


# --- broken workbooks ---------------------------------------------------------------------


def broken_base() -> list[Table]:
    """The sample with its learner records cut to every tenth learner (15 of 150)."""
    tables = copy.deepcopy(sample.sample_tables())
    t = by_sheet(tables)
    keep = {r[0] for r in t["Learners"].rows[::10]}
    for name in ("Learners", "Assessments", "Milestones"):
        t[name].rows = [r for r in t[name].rows if r[0] in keep]
    return tables


def broken_missing_column() -> tuple[Any, list[Planted]]:
    tables = broken_base()
    ind = by_sheet(tables)["Indicators"]
    j = list(ind.columns).index("direction")
    last = get_column_letter(len(ind.columns) - 1)
    ind.columns = [c for c in ind.columns if c != "direction"]
    ind.rows = [r[:j] + r[j + 1 :] for r in ind.rows]
    f = "broken/missing-column.xlsx"
    return sample.tables_to_workbook(tables), [
        Planted(
            f,
            "Indicators",
            f"A3:{last}3",
            "the header row has no `direction` column (required); the other 18 columns are there",
        ),
    ]


def broken_references() -> tuple[Any, list[Planted]]:
    tables = broken_base()
    t = by_sheet(tables)
    res, ind = t["Results"], t["Indicators"]
    f = "broken/bad-references.xlsx"
    planted = [
        Planted(
            f,
            "Indicators",
            put(ind, find(ind, indicator_id="LBS12"), "outcome_id", "OC5"),
            "LBS12 has outcome_id `OC5`, which is not in Outcomes (OC1 to OC4)",
        ),
    ]
    agency = sample.AGENCY["agency_id"]
    original = find(res, indicator_id="LBS05", period="2024-Q3")
    res.rows.append(["LBS05", "2024-Q3", None, 38, 40, "Re-keyed from the intake log", agency])
    planted.append(
        Planted(
            f,
            "Results",
            f"A{header_row(res) + len(res.rows)}",
            "second row for (LBS05, 2024-Q3), with different figures; the first "
            f"is row {header_row(res) + 1 + original}",
        )
    )
    res.rows.append(["LBS14", "2025-Q2", 12, None, None, "Digital skills workshops", agency])
    planted.append(
        Planted(
            f,
            "Results",
            f"A{header_row(res) + len(res.rows)}",
            "indicator_id `LBS14` is not in Indicators",
        )
    )
    return sample.tables_to_workbook(tables), planted


def broken_values() -> tuple[Any, list[Planted]]:
    tables = broken_base()
    t = by_sheet(tables)
    res, ind, people = t["Results"], t["Indicators"], t["Learners"]
    f = "broken/bad-values.xlsx"
    planted = []

    i = find(res, indicator_id="LBS12", period="2025-Q1")
    put(res, i, "numerator", None)
    put(res, i, "denominator", None)
    planted.append(
        Planted(
            f,
            "Results",
            put(res, i, "value", 130),
            "LBS12 (percent) 2025-Q1 has value 130, above 100",
        )
    )

    i = find(res, indicator_id="LBS09", period="2024-Q2")
    den = res.rows[i][4]
    planted.append(
        Planted(
            f,
            "Results",
            put(res, i, "numerator", den + 4),
            f"LBS09 2024-Q2 numerator {den + 4} is larger than its denominator "
            f"{den} (cell {cell(res, i, 'denominator')})",
        )
    )

    i = find(res, indicator_id="LBS02", period="2023-Q1")
    planted.append(
        Planted(f, "Results", put(res, i, "value", -4), "LBS02 (count) 2023-Q1 is negative: -4")
    )

    i = find(res, indicator_id="LBS01", period="2024-Q1")
    planted.append(
        Planted(
            f,
            "Results",
            put(res, i, "period", "2024-13"),
            "period `2024-13` is not a period (month 13); the row is LBS01's 2024-Q1",
        )
    )

    i = find(res, indicator_id="LBS07", period="2023-Q2")
    planted.append(
        Planted(
            f,
            "Results",
            put(res, i, "period", "2023-05"),
            "period `2023-05` is a month but LBS07 is quarterly",
        )
    )

    i = find(ind, indicator_id="LBS01")
    planted.append(
        Planted(
            f,
            "Indicators",
            put(ind, i, "direction", "up-ish"),
            "LBS01 direction `up-ish` (must be increase, decrease or neutral)",
        )
    )

    i = 1
    start = people.rows[i][2]
    typed = start.strftime("%d/%m/%Y")
    planted.append(
        Planted(
            f,
            "Learners",
            put(people, i, "start_date", typed),
            f"{people.rows[i][0]} start_date typed as text `{typed}` instead of a date cell",
        )
    )
    return sample.tables_to_workbook(tables), planted


def broken_excel_errors() -> tuple[Any, list[Planted]]:
    tables = broken_base()
    res = by_sheet(tables)["Results"]
    wb = sample.tables_to_workbook(tables)
    ws = wb["Results"]
    f = "broken/excel-errors.xlsx"
    planted = []

    where = cell(res, find(res, indicator_id="LBS07", period="2024-Q4"), "value")
    ws[where].value = "#DIV/0!"  # openpyxl stores known error codes as error cells
    ws[where].data_type = "e"
    planted.append(
        Planted(f, "Results", where, "LBS07 2024-Q4 value is the error `#DIV/0!` (an error cell)")
    )

    where = cell(res, find(res, indicator_id="LBS07", period="2025-Q1"), "value")
    ws[where].value = "=ROUND(60790/29,2)"
    planted.append(
        Planted(
            f,
            "Results",
            where,
            "LBS07 2025-Q1 value is the formula `=ROUND(60790/29,2)` with no "
            "cached result (the file was never recalculated in Excel)",
        )
    )

    first = min(i for i, r in enumerate(res.rows) if r[1] == "2025-Q2")
    top, bottom = cell(res, first, "period"), cell(res, first + 1, "period")
    ws.merge_cells(f"{top}:{bottom}")
    planted.append(
        Planted(
            f,
            "Results",
            f"{top}:{bottom}",
            f"merged cells across the period column: {bottom} "
            f"({res.rows[first + 1][0]}) reads as empty",
        )
    )
    return wb, planted


def broken_extras() -> tuple[Any, list[Planted]]:
    tables = broken_base()
    t = by_sheet(tables)
    ind, res = t["Indicators"], t["Results"]
    f = "broken/unknown-extras.xlsx"
    ind.columns = [*ind.columns, "comments"]
    for row in ind.rows:
        row.append("Reviewed at the March board meeting" if row[0] in ("LBS05", "LBS06") else None)
    res.columns = [*res.columns, "entered_by"]
    for k, row in enumerate(res.rows):
        row.append(("JT", "MB", "JT", "SK")[k % 4])
    tables.append(
        Table(
            "Board notes",
            ("note",),
            [
                ["Summary prepared for the board; not part of the return."],
                ["Intake wait times are the main concern this quarter."],
            ],
        )
    )
    wb = sample.tables_to_workbook(tables)
    return wb, [
        Planted(f, "Indicators", f"{col(ind, 'comments')}3", "extra column `comments`"),
        Planted(f, "Results", f"{col(res, 'entered_by')}3", "extra column `entered_by`"),
        Planted(f, "Board notes", "A1", "extra sheet `Board notes`"),
    ]


def broken_learners() -> tuple[Any, list[Planted]]:
    tables = broken_base()
    t = by_sheet(tables)
    people, tests, steps = t["Learners"], t["Assessments"], t["Milestones"]
    f = "broken/bad-learner-records.xlsx"
    planted = []

    i = next(k for k, r in enumerate(people.rows) if r[3] is not None)
    lid, start = people.rows[i][0], people.rows[i][2]
    bad = start - dt.timedelta(days=30)
    planted.append(
        Planted(
            f,
            "Learners",
            put(people, i, "exit_date", bad),
            f"{lid} exit_date {bad} is before start_date {start}",
        )
    )

    rows = [k for k, r in enumerate(tests.rows) if r[2] == "Reading"]
    i = rows[3]
    planted.append(
        Planted(
            f, "Assessments", put(tests, i, "score", 650), "score 650 is outside the 0-500 scale"
        )
    )
    i = rows[6]
    score = tests.rows[i][3]
    wrong = sample.level_for(score) % 5 + 1
    planted.append(
        Planted(
            f,
            "Assessments",
            put(tests, i, "level", wrong),
            f"level {wrong} does not match score {score} (Scales says level "
            f"{sample.level_for(score)})",
        )
    )
    i = rows[9]
    lid = tests.rows[i][0]
    start = next(r[2] for r in people.rows if r[0] == lid)
    early = start - dt.timedelta(days=45)
    planted.append(
        Planted(
            f,
            "Assessments",
            put(tests, i, "date", early),
            f"{lid} assessed on {early}, before their start_date {start}",
        )
    )

    i = 2
    planted.append(
        Planted(
            f,
            "Milestones",
            put(steps, i, "learner_id", "L9999"),
            "learner_id `L9999` is not in Learners",
        )
    )
    i = 5
    planted.append(
        Planted(
            f,
            "Milestones",
            put(steps, i, "competency", "G Work with Others"),
            "competency `G Work with Others` is not one of A to F",
        )
    )
    i = 8
    planted.append(
        Planted(
            f, "Milestones", put(steps, i, "level", 4), "milestone level 4 (levels are 1, 2 or 3)"
        )
    )
    return sample.tables_to_workbook(tables), planted


def write_broken(folder: Path) -> list[Planted]:
    planted: list[Planted] = []
    for name, build in (
        ("missing-column.xlsx", broken_missing_column),
        ("bad-references.xlsx", broken_references),
        ("bad-values.xlsx", broken_values),
        ("excel-errors.xlsx", broken_excel_errors),
        ("unknown-extras.xlsx", broken_extras),
        ("bad-learner-records.xlsx", broken_learners),
    ):
        wb, found = build()
        save(wb, folder / name)
        planted.extend(found)
    text = "indicator_id,period,value\nLBS01,2025-Q2,44\nLBS02,2025-Q2,15\n"
    (folder / "not-a-workbook.xlsx").write_bytes(text.encode())
    planted.append(
        Planted(
            "broken/not-a-workbook.xlsx",
            "(none)",
            "(whole file)",
            "a CSV file saved with an .xlsx name; it is not a zip/xlsx at all",
        )
    )
    return planted


# --- README -------------------------------------------------------------------------------


def readme(planted: list[Planted], learner_counts: dict[str, tuple[int, int]]) -> str:
    tables = by_sheet(sample.sample_tables())
    quadrant = {"how_much": "How much", "how_well": "How well", "better_off": "Better off"}
    lines = [
        "# Example workbooks",
        "",
        "Everything here is invented and generated by `python examples/generate.py` from fixed",
        "seeds; running it again gives byte-for-byte the same files. Do not edit the",
        "workbooks by hand: change the generator (the main sample's content is in",
        "`src/cipms_cli/sample.py`, which `cipms init --example` also uses) and rerun it.",
        "This file is generated too.",
        "",
        "| Path | What it is |",
        "| --- | --- |",
        "| `literacy-agency.xlsx` | the main sample: one Literacy and Basic Skills (LBS) agency, "
        "14 quarters, learner records; valid |",
        f"| `returns/` | {len(AGENCIES) * len(RETURN_QUARTERS)} quarterly returns: "
        f"{len(AGENCIES)} agencies x {len(RETURN_QUARTERS)} quarters "
        f"({RETURN_QUARTERS[0]} to {RETURN_QUARTERS[-1]}); one is invalid |",
        "| `broken/` | small workbooks derived from the sample, each with one kind of "
        "problem for `cipms validate` |",
        "| `waiting-days.csv` | a bare monthly series (period, value) for `cipms spc`: days "
        "waited for a first assessment, with a process change in March 2024 |",
        "| `board-summary.md.j2` | a custom report template for `cipms report --template` "
        "(hand-written, not generated; its context is in docs/report-context.md) |",
        "",
        "## literacy-agency.xlsx",
        "",
        f"{sample.AGENCY['agency_name']} ({sample.AGENCY['agency_id']}), a fictional Ontario "
        f"LBS agency, {sample.AGENCY['stream']} stream, {sample.AGENCY['region']} region, "
        f"reporting {sample.AGENCY['reporting_period']}.",
        "",
        "| Sheet | Rows | Notes |",
        "| --- | --- | --- |",
    ]
    notes = {
        "Agency": "key/value",
        "Settings": "key/value: fiscal year starts in April; SPC screens outliers",
        "Outcomes": "outcome statements the indicators roll up to",
        "Indicators": "title row and a blank row above the header (header on row 3)",
        "Results": "long format, one row per indicator and period, sorted by period; "
        "percent rows give numerator and denominator and leave `value` empty; "
        "title row above the header (row 3)",
        "Learners": "pseudonymous learner codes; start dates 2022-04 to 2025-05; learners "
        "with no exit_date are still active. The learner records cover the main site, so "
        "they are fewer than the agency-wide intakes in Results",
        "Assessments": "0-500 scale; intake plus 1 to 3 more per learner; `level` follows Scales",
        "Milestones": "OALCF-style milestones M1-M60 by competency; culminating tasks are "
        "the rows with `culminating_task` = yes (codes CT-EMP, CT-APP, CT-SSC, CT-PSE, "
        "CT-IND)",
        "Scales": "levels 1-5 per domain: 0-225, 226-275, 276-325, 326-375, 376-500",
    }
    for name, t in tables.items():
        lines.append(f"| {name} | {len(t.rows)} | {notes.get(name, '')} |")
    lines += [
        "",
        "Indicators (RBA quadrant, what the data is designed to show):",
        "",
        "| Id | Name | Quadrant | Direction | Unit | Target | Key | Source | Designed signal |",
        "| --- | --- | --- | --- | --- | --- | --- | --- | --- |",
    ]
    for ind in sample.INDICATORS:
        target = (
            f"{ind['target_value']} by {ind['target_period']}"
            if ind.get("target_value") is not None
            else "none"
        )
        if ind.get("tolerance") is not None:
            target += f" (tolerance {ind['tolerance']})"
        key = "yes, minimum " + str(ind["minimum_standard"]) if ind["key"] == "yes" else "no"
        lines.append(
            f"| {ind['indicator_id']} | {ind['name']} | {quadrant[ind['measure_type']]} | "
            f"{ind['direction']} | {ind['unit']} | {target} | {key} | "
            f"{ind.get('source') or 'Results'} | {SIGNALS[ind['indicator_id']]} |"
        )
    lines += [
        "",
        "LBS03, LBS08 and LBS10 have a `source` and no Results rows: they are computed from the",
        "learner sheets. LBS13 is annual (fiscal years FY2022-23 to FY2024-25).",
        "",
        "## returns/",
        "",
        f"Files are named `<agency_id>_<period>.xlsx`, one agency's return for one quarter. "
        "Each has Agency, Outcomes, Indicators (the same "
        f"{len(RETURN_INDICATORS)} definitions everywhere: {', '.join(RETURN_INDICATORS)}; "
        "count indicators carry no target), Results (one row per indicator for that quarter),",
        "and small learner sheets: the learners active in the quarter (exit shown only if it "
        "happened by the quarter's end) with their assessments and milestones in the quarter,",
        "plus Scales. Learner ids start with the agency id (`AG01-L0001`).",
        "",
        "Percent indicators LBS04, LBS05, LBS09 and LBS11 carry numerator and denominator, so",
        "funnel plots across agencies work; denominators run from about 20 to 400.",
        "",
        "| Agency | Name | Stream | Region | Intakes per quarter | Learners per file | "
        "Designed to show |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for a in AGENCIES:
        lo, hi = learner_counts[a.agency_id]
        lines.append(
            f"| {a.agency_id} | {a.name} | {a.stream} | {a.region} | about {a.size} | "
            f"{lo}-{hi} | {a.story} |"
        )
    ret = [p for p in planted if p.file.startswith("returns/")]
    lines += [
        "",
        f"Exactly one return is invalid, `{ret[0].file}`:",
        "",
        *[f"- `{p.sheet}!{p.cell}`: {p.problem}" for p in ret],
        "",
        "## broken/",
        "",
        "Each file is the sample with its learner records cut to 15 learners, plus the",
        "problems listed (everything else is valid). Indicators and Results have their header",
        "on row 3, the other sheets on row 1.",
        "",
        "| File | Sheet | Cell | Problem |",
        "| --- | --- | --- | --- |",
    ]
    for p in planted:
        if p.file.startswith("broken/"):
            lines.append(f"| `{p.file[7:]}` | {p.sheet} | {p.cell} | {p.problem} |")
    lines += [
        "",
        "`unknown-extras.xlsx` should give warnings only (it is valid). In `bad-values.xlsx`,",
        "changing LBS01's 2024-Q1 period and LBS07's 2023-Q2 period also leaves those quarters",
        "without data. In `bad-learner-records.xlsx`, the learner whose exit_date is before",
        "the start_date also has assessments and milestones outside their active span.",
        "",
    ]
    return "\n".join(lines)


def write_waiting_days(path: Path) -> None:
    """A monthly series for `cipms spc`: a step down in waiting days from March 2024."""
    rng = np.random.default_rng(7)
    values = [*rng.normal(32, 3, 14).round(1), *rng.normal(26, 3, 10).round(1)]
    lines = ["period,value"]
    for i, value in enumerate(values):
        lines.append(f"{2023 + i // 12}-{i % 12 + 1:02d},{value}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main() -> None:
    tables = sample.sample_tables()
    write_waiting_days(HERE / "waiting-days.csv")
    check_sample_signals(tables)
    save(sample.build_sample_workbook(), HERE / "literacy-agency.xlsx")

    for folder in (HERE / "returns", HERE / "broken"):
        folder.mkdir(exist_ok=True)
        for old in folder.glob("*.xlsx"):
            old.unlink()
    planted, learner_counts = write_returns(HERE / "returns")
    planted += write_broken(HERE / "broken")
    (HERE / "README.md").write_text(readme(planted, learner_counts), encoding="utf-8")
    n_returns = len(list((HERE / "returns").glob("*.xlsx")))
    print(
        f"wrote literacy-agency.xlsx, {n_returns} returns, "
        f"{len(list((HERE / 'broken').iterdir()))} broken files and README.md"
    )


if __name__ == "__main__":
    main()
