"""The LSA engine on a hand-computed cohort (tests/learner_cohort.py).

The cohort, with fiscal years starting in April and the cut-off 2024-06-30:

    id  goal path   start       exit        Reading scores (level)             milestones
    A1  Employment  2024-01-10  —           01-12 220(1) 03-15 240(2) 06-01 280(3)  M1 03-31
                                            Numeracy 01-12 250(2) 05-20 245(2)
    A2  Employment  2024-02-01  2024-05-15  02-02 260(2) 05-10 270(2)          M3 05-01, CT 05-14
    A3  SSC         2023-11-01  2024-03-20  11-02 200(1) 03-01 230(2)          M4 01-15, CT 03-18
    A4  Employment  2024-04-05  —           04-06 300(3)                       —
    A5  Independ.   2024-03-01  2024-06-10  03-02 230(2) 04-20 226(2) 06-05 290(3)  M5 06-01
    A6  Employment  2023-10-01  2024-02-28  10-02 210(1) 12-01 215(1)          —

Levels come from the Scales bands 0-225, 226-275, 276-325, 326-500.
"""

import datetime as dt

import pytest

import learner_cohort as cohort
from cipms_cli.engine import lsa
from cipms_cli.periods import Frequency
from cipms_cli.settings import Settings

AS_OF = dt.date(2024, 6, 30)
SETTINGS = Settings()


@pytest.fixture(scope="module")
def quarters():
    periods = lsa.lsa_periods(cohort.frames(), Frequency.QUARTERLY, AS_OF, SETTINGS)
    return {p["period"]: p for p in periods}


def test_periods_run_from_the_first_start_to_the_last_complete_quarter(quarters):
    # A6 starts 2023-10-01 (2023-Q4); 2024-Q2 ends on the cut-off, so it is complete.
    assert list(quarters) == ["2023-Q4", "2024-Q1", "2024-Q2"]


def test_learners_served(quarters):
    # 2023-Q4: A3, A6.  2024-Q1: A1, A2, A3 (left 03-20), A5 (from 03-01), A6 (left 02-28).
    # 2024-Q2: A1, A2 (left 05-15), A4 (from 04-05), A5 (left 06-10).
    assert [quarters[q]["served"] for q in quarters] == [2, 5, 4]


def test_assessed_and_gains_as_at_each_quarter_end(quarters):
    # 2023-Q4: only A6 has two Reading scores (210 -> 215, both level 1): 1 assessed, 0 gained.
    q4 = quarters["2023-Q4"]
    assert (q4["assessed"], q4["pct_with_gain"]["numerator"]) == (1, 0)
    # 2024-Q1: A1 220->240 (+20, level 1->2), A3 200->230 (+30, 1->2), A6 +5 (1->1).
    # A2 and A5 have one score each by 03-31. Assessed 3, with a gain 2 -> 66.7 %.
    q1 = quarters["2024-Q1"]
    assert q1["assessed"] == 3
    assert q1["pct_with_gain"] == {
        "value": pytest.approx(200 / 3),
        "numerator": 2,
        "denominator": 3,
        "small_n": True,
    }
    reading = _domain(q1, "Reading")
    # Gains 20, 30, 5: median 20, mean 55 / 3.
    assert reading["n"] == 3
    assert reading["median_gain"] == 20
    assert reading["mean_gain"] == pytest.approx(55 / 3)
    assert reading["with_gain"] == 2
    # 2024-Q2 (served A1, A2, A4, A5): A1 Reading 220->280 (+60, 1->3, two increments),
    # A2 260->270 (+10, 2->2), A5 230->290 (+60, 2->3); A4 has one score.
    # A1 Numeracy 250->245 (-5, 2->2). Assessed 3, with a gain 2 (A1, A5).
    q2 = quarters["2024-Q2"]
    assert (q2["assessed"], q2["pct_with_gain"]["numerator"]) == (3, 2)
    reading = _domain(q2, "Reading")
    assert (reading["n"], reading["median_gain"]) == (3, 60)
    assert reading["mean_gain"] == pytest.approx(130 / 3)
    assert reading["pct_with_gain"] == pytest.approx(200 / 3)
    numeracy = _domain(q2, "Numeracy")
    assert (numeracy["n"], numeracy["median_gain"], numeracy["with_gain"]) == (1, -5, 0)


def test_increments_count_levels_not_points():
    # A1 gains two levels by 2024-06-30 (220 is level 1, 280 is level 3); A5's 230 -> 290
    # is one level although it is the same 60 points.
    rows = {r["learner_id"]: r for r in lsa.learner_rows(cohort.frames(), AS_OF, SETTINGS)}
    assert (rows["A1"]["reading_gain"], rows["A1"]["reading_increments"]) == (60, 2)
    assert (rows["A5"]["reading_gain"], rows["A5"]["reading_increments"]) == (60, 1)
    assert rows["A4"]["reading_gain"] is None  # one assessment: no gain yet
    assert rows["A4"]["reading_latest"] == 300


def test_increments_from_the_level_column_without_scales():
    # Without Scales the level column gives the same levels here, so the same counts.
    data = cohort.frames(scales=None)
    q2 = {p["period"]: p for p in lsa.lsa_periods(data, Frequency.QUARTERLY, AS_OF, SETTINGS)}[
        "2024-Q2"
    ]
    assert q2["pct_with_gain"]["numerator"] == 2
    summary = lsa.lsa_summary(data, AS_OF, SETTINGS)
    assert summary["levels_from"] == "level column"


def test_learner_progress_per_quarter(quarters):
    # 2023-Q4: no milestone in the quarter: 0 of 2.
    # 2024-Q1: A1 (M1 on 03-31) and A3 (M4, CT) of 5 served: 40 %.
    # 2024-Q2: A2 (M3, CT) and A5 (M5) of 4 served: 50 %; A1's only milestone was in Q1.
    values = [quarters[q]["learner_progress"]["value"] for q in quarters]
    assert values == [0.0, 40.0, 50.0]


def test_learner_progress_across_the_fiscal_year_boundary():
    # FY2023-24 (2023-04-01 to 2024-03-31): A1, A2, A3, A5, A6 served; A1 (03-31) and A3
    # completed a milestone: 2 / 5 = 40 %. FY2024-25 has not ended on 2024-06-30, so the
    # annual table stops at FY2023-24.
    years = lsa.lsa_periods(cohort.frames(), Frequency.ANNUAL, AS_OF, SETTINGS)
    assert [y["period"] for y in years] == ["FY2023-24"]
    assert years[0]["served"] == 5
    assert years[0]["learner_progress"]["value"] == 40.0
    # The summary is FY2024-25 to date: A1, A2, A4, A5 served; A2 and A5 progressed:
    # 2 / 4 = 50 %. A1's 03-31 milestone belongs to the previous fiscal year.
    summary = lsa.lsa_summary(cohort.frames(), AS_OF, SETTINGS)
    assert summary["window"] == {
        "period": "FY2024-25",
        "start": "2024-04-01",
        "end": "2024-06-30",
        "complete": False,
    }
    assert summary["served"] == 4
    assert summary["learner_progress"]["numerator"] == 2
    assert summary["learner_progress"]["value"] == 50.0


def test_goal_path_completion(quarters):
    # 2024-Q1 exits: A3 (culminating task 03-18, before the exit 03-20) and A6 (none): 1 / 2.
    # 2024-Q2 exits: A2 (culminating task 05-14) and A5 (none): 1 / 2.
    assert quarters["2023-Q4"]["goal_path_completion"]["value"] is None  # nobody left
    for q in ("2024-Q1", "2024-Q2"):
        share = quarters[q]["goal_path_completion"]
        assert (share["numerator"], share["denominator"], share["value"]) == (1, 2, 50.0)


def test_median_days_to_first_milestone(quarters):
    # First milestones: A3 2024-01-15, 75 days after 2023-11-01 (30 + 31 + 14);
    # A1 2024-03-31, 81 days after 2024-01-10 (21 + 29 + 31, 2024 is a leap year);
    # A2 2024-05-01, 90 days after 2024-02-01 (29 + 31 + 30);
    # A5 2024-06-01, 92 days after 2024-03-01 (31 + 30 + 31).
    # 2024-Q1: median of 75 and 81 = 78.  2024-Q2: median of 90 and 92 = 91.
    assert quarters["2023-Q4"]["median_days_to_first_milestone"]["value"] is None
    assert quarters["2024-Q1"]["median_days_to_first_milestone"] == {
        "value": 78.0,
        "n": 2,
        "small_n": True,
    }
    assert quarters["2024-Q2"]["median_days_to_first_milestone"]["value"] == 91.0


def test_every_figure_is_broken_down_by_goal_path(quarters):
    q2 = quarters["2024-Q2"]
    paths = {p["goal_path"]: p for p in q2["by_goal_path"]}
    # Employment in 2024-Q2: A1, A2, A4 served; A1 and A2 assessed, A1 gained;
    # A2 progressed and left having completed its culminating task.
    employment = paths["Employment"]
    assert (employment["served"], employment["assessed"]) == (3, 2)
    assert employment["pct_with_gain"]["numerator"] == 1
    assert employment["learner_progress"]["numerator"] == 1
    assert employment["goal_path_completion"]["value"] == 100.0
    assert employment["small_n"] is True  # 3 learners < 5
    # Secondary School Credit: A3 left in Q1, so nobody is served in Q2.
    assert paths["Secondary School Credit"]["served"] == 0
    # The breakdowns add up to the totals.
    for key in ("served", "assessed", "milestones_completed"):
        assert sum(p[key] for p in q2["by_goal_path"]) == q2[key]


def test_records_after_the_cut_off_are_ignored():
    # As of 2024-05-31, 2024-Q2 has not ended: no partial quarter, and A5's 06-05
    # assessment and 06-01 milestone do not exist yet.
    periods = lsa.lsa_periods(cohort.frames(), Frequency.QUARTERLY, dt.date(2024, 5, 31), SETTINGS)
    assert [p["period"] for p in periods] == ["2023-Q4", "2024-Q1"]
    rows = {
        r["learner_id"]: r
        for r in lsa.learner_rows(cohort.frames(), dt.date(2024, 5, 31), SETTINGS)
    }
    assert rows["A5"]["reading_latest"] == 226
    assert rows["A5"]["milestones"] == 0
    assert rows["A5"]["exit_date"] is None  # leaves on 06-10, after the cut-off


def test_same_day_assessments_count_once_with_the_higher_score():
    extra = [*cohort.ASSESSMENTS, ["A4", dt.date(2024, 4, 6), "Reading", 310, 3]]
    rows = {
        r["learner_id"]: r
        for r in lsa.learner_rows(cohort.frames(assessments=extra), AS_OF, SETTINGS)
    }
    assert rows["A4"]["reading_latest"] == 310
    assert rows["A4"]["reading_gain"] is None  # still one assessment day


def test_derived_results_take_the_indicator_frequency_and_unit():
    import pandas as pd

    indicators = pd.DataFrame(
        {
            "indicator_id": ["LP", "LPY", "SV", "RATE"],
            "frequency": ["quarterly", "annual", "quarterly", "quarterly"],
            "unit": ["percent", "percent", "count", "rate"],
            "source": [
                "lsa.learner_progress",
                "lsa.learner_progress",
                "lsa.learners_served",
                "LSA.Learner_Progress ",
            ],
        }
    )
    out = lsa.derived_results(cohort.frames(), indicators, SETTINGS, AS_OF)
    series = {
        ind: [(p.label, v) for p, v in zip(g["period"], g["value"], strict=True)]
        for ind, g in out.groupby("indicator_id")
    }
    assert series["LP"] == [("2023-Q4", 0.0), ("2024-Q1", 40.0), ("2024-Q2", 50.0)]
    assert series["LPY"] == [("FY2023-24", 40.0)]
    assert series["SV"] == [("2023-Q4", 2.0), ("2024-Q1", 5.0), ("2024-Q2", 4.0)]
    assert series["RATE"] == [("2023-Q4", 0.0), ("2024-Q1", 0.4), ("2024-Q2", 0.5)]
    lp = out[out["indicator_id"] == "LP"]
    assert list(lp["numerator"]) == [0, 2, 2]
    assert list(lp["denominator"]) == [2, 5, 4]


def test_without_as_of_the_latest_record_is_the_cut_off():
    # The latest date in the sheets is A5's exit on 2024-06-10: 2024-Q2 has not ended.
    periods = lsa.lsa_periods(cohort.frames(), Frequency.QUARTERLY, None, SETTINGS)
    assert periods[-1]["period"] == "2024-Q1"


def _domain(block, name):
    return next(d for d in block["domains"] if d["domain"] == name)
