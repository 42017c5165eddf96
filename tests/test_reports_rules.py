"""The documented rules behind the reports: ranking, SMART, SPC reading, challenge questions."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cipms_cli.engine.score import IndicatorScore, SpcOut, SpcPointOut
from cipms_cli.reports.challenges import indicator_challenges, know_more, outcome_challenges
from cipms_cli.reports.phrases import spc_reading
from cipms_cli.reports.priorities import rank_indicators
from cipms_cli.reports.smart import milestones, smart_check
from cipms_cli.reports.views import indicator_view

AS_OF = dt.date(2025, 6, 30)


def points(values: list[float], mean: float, lpl: float, upl: float, kind=None, rule=None):
    out = []
    for k, v in enumerate(values):
        last = k == len(values) - 1
        out.append(
            SpcPointOut(
                f"{2022 + (k + 1) // 4}-Q{(k + 1) % 4 + 1}",
                v,
                (kind if last and kind else "common_cause"),
                rule if last else None,
                mean,
                lpl,
                upl,
            )
        )
    return out


def indicator(**changes: Any) -> IndicatorScore:
    base: dict[str, Any] = {
        "indicator_id": "I1",
        "name": "Learners served",
        "outcome_id": "O1",
        "outcome_statement": "Adults read well",
        "measure_type": "better_off",
        "direction": "increase",
        "unit": "count",
        "frequency": "quarterly",
        "owner": "Manager",
        "key": False,
        "weight": 1.0,
        "baseline": {"period": "2022-Q1", "value": 40.0, "source": "given"},
        "latest": {"period": "2025-Q2", "value": 50.0},
        "target": {"period": "2026-Q2", "value": 60.0},
        "gap": 10.0,
        "progress": 0.5,
        "change_from_baseline": 10.0,
        "change_from_baseline_pct": 25.0,
        "percent_of_target": 83.3,
        "trajectory": 55.0,
        "tolerance": 1.0,
        "status": "off_track",
        "forecast": {
            "period": "2026-Q2",
            "value": 54.0,
            "slope_per_period": 1.0,
            "will_meet_target": False,
        },
        "attainment": 0.83,
        "points": 0.8,
        "points_available": 1.0,
        "data_quality": [],
        "spc": SpcOut(50.0, 42.0, 58.0, "common_cause", "inconsistent", False),
    }
    base.update(changes)
    return IndicatorScore(**base)


# --- ranking -------------------------------------------------------------------------------


def test_need_adds_gap_concern_failure_and_forecast_points():
    worst = indicator(
        indicator_id="W",
        gap=20.0,
        spc=SpcOut(50.0, 42.0, 58.0, "concern_low", "consistent_fail", False),
    )
    (row,) = rank_indicators([worst], 3)
    # gap 20 / max(|60-40|, 58-50) = 1 -> 3 points; + 2 concern + 2 fail + 1 forecast
    assert (row["gap_points"], row["concern_points"], row["assurance_points"]) == (3.0, 2.0, 2.0)
    assert row["forecast_points"] == 1.0 and row["need"] == 8.0 and row["chosen"]


def test_the_gap_is_scaled_by_the_process_spread_when_the_planned_change_is_tiny():
    tiny_plan = indicator(
        baseline={"period": "2022-Q1", "value": 59.0},
        spc=SpcOut(50.0, 30.0, 70.0, None, None, False),
    )
    (row,) = rank_indicators([tiny_plan], 1)
    assert row["gap_scale"] == 20.0  # upper limit - mean, not |60 - 59|
    assert row["gap_points"] == pytest.approx(1.5)


def test_weight_tilts_the_order_within_bounds():
    light = indicator(indicator_id="A", weight=1.0)
    heavy = indicator(indicator_id="B", weight=9.0)
    ranking = rank_indicators([light, heavy], 2)
    assert [r["indicator_id"] for r in ranking] == ["B", "A"]
    assert ranking[0]["weight_factor"] == 1.8  # 9 / mean 5
    assert ranking[1]["weight_factor"] == 0.5  # 1 / 5 = 0.2, raised to the floor


def test_ties_go_to_key_indicators_then_the_id():
    rows = rank_indicators(
        [
            indicator(indicator_id="C"),
            indicator(indicator_id="A"),
            indicator(indicator_id="B", key=True),
        ],
        3,
    )
    assert [r["indicator_id"] for r in rows] == ["B", "A", "C"]


def test_only_indicators_in_need_are_chosen():
    met = indicator(
        indicator_id="M",
        gap=-1.0,
        status="met",
        forecast={
            "period": "2026-Q2",
            "value": 70.0,
            "slope_per_period": 1.0,
            "will_meet_target": True,
        },
    )
    rows = rank_indicators([met, indicator(indicator_id="N")], 3)
    assert [(r["indicator_id"], r["chosen"]) for r in rows] == [("N", True), ("M", False)]


# --- SMART -----------------------------------------------------------------------------------


def verdicts(i: IndicatorScore) -> dict[str, tuple[str, str]]:
    return {t["test"]: (t["result"], t["verdict"]) for t in smart_check(i, AS_OF, 4)}


def test_smart_passes_a_well_formed_stretching_target():
    # forecast 54 leaves 6 short; the limit distance is 58 - 50 = 8: stretching
    assert verdicts(indicator()) == {
        "Specific": ("pass", "specific"),
        "Measurable": ("pass", "measurable"),
        "Achievable": ("pass", "stretching"),
        "Relevant": ("pass", "relevant"),
        "Time-bound": ("pass", "time-bound"),
    }


@pytest.mark.parametrize(
    ("forecast", "verdict"),
    [
        (61.0, ("pass", "realistic")),
        (53.0, ("pass", "stretching")),
        (51.0, ("fail", "unrealistic")),
    ],
)
def test_achievable_compares_the_shortfall_with_the_process_spread(forecast, verdict):
    i = indicator(
        forecast={
            "period": "2026-Q2",
            "value": forecast,
            "slope_per_period": 0.2,
            "will_meet_target": forecast >= 60,
        }
    )
    assert verdicts(i)["Achievable"] == verdict


def test_achievable_flags_a_target_already_met_or_always_passed():
    assert verdicts(indicator(gap=-2.0))["Achievable"] == ("pass", "already met")
    passing = indicator(spc=SpcOut(70.0, 62.0, 78.0, "common_cause", "consistent_pass", False))
    assert verdicts(passing)["Achievable"] == ("pass", "not stretching")


def test_smart_fails_what_is_missing():
    i = indicator(
        outcome_id=None,
        outcome_statement=None,
        target={"period": "2025-Q1", "value": 60.0},
    )
    v = verdicts(i)
    assert v["Specific"][0] == v["Relevant"][0] == "fail"
    assert v["Time-bound"] == ("fail", "date passed")
    no_target = verdicts(indicator(target={"period": None, "value": None}, gap=None))
    assert no_target["Measurable"] == ("fail", "not measurable")
    assert no_target["Time-bound"] == ("fail", "no date")


def test_milestones_work_backwards_from_the_target():
    assert milestones(indicator(), 4) == [
        {"period": "2026-Q2", "value": 60.0},
        {"period": "2026-Q1", "value": 57.5},
        {"period": "2025-Q4", "value": 55.0},
        {"period": "2025-Q3", "value": 52.5},
    ]


# --- the SPC reading ------------------------------------------------------------------------


def test_reading_a_shift():
    series = points([10, 12, 11, 13, 14, 14, 15, 16, 15, 16, 17], 13.0, 8.0, 18.0)
    series[-1].point_type, series[-1].rule = "special_cause_improvement", "shift"
    text = spc_reading(series)
    assert (
        text == "The last 7 points are all above the average (13): a real improvement, not noise."
    )


def test_reading_points_beyond_a_limit_and_a_trend():
    series = points([5, 5, 6, 7, 8, 9, 10, 11, 30], 8.0, 2.0, 14.0)
    series[-1].point_type, series[-1].rule = "special_cause_concern", "outside_limits"
    text = spc_reading(series)
    assert text.startswith("The latest point (2024-Q2) is above the upper process limit (14)")
    assert "the last 8 points have each risen" in text
    assert text.endswith("a real deterioration, not noise; find the cause before acting.")


def test_reading_common_cause():
    text = spc_reading(points([10, 11, 9, 10], 10.0, 7.0, 13.0))
    assert text.startswith(
        "The latest value (10, 2023-Q1) lies between the process limits (7 to 13)"
    )


# --- challenge questions -----------------------------------------------------------------------


def codes(i: IndicatorScore, better_off: set[str] | None = None) -> list[str]:
    view = indicator_view(i, [], 7, 7)
    better = {"O1"} if better_off is None else better_off
    return [c["code"] for c in indicator_challenges(view, better)]


def test_a_target_met_every_period_is_questioned():
    always = indicator(
        gap=-5.0,
        status="met",
        spc=SpcOut(
            70.0,
            62.0,
            78.0,
            "common_cause",
            "inconsistent",
            False,
            points([65, 70, 72], 70.0, 62.0, 78.0),
        ),
    )
    assert "target-always-met" in codes(always)


def test_green_status_with_concern_or_consistent_fail_is_questioned():
    hidden = indicator(
        status="on_track", spc=SpcOut(50, 42, 58, "concern_low", "consistent_fail", False)
    )
    found = codes(hidden)
    assert {"status-hides-concern", "on-track-but-failing", "special-cause", "no-action"} <= set(
        found
    )


def test_output_only_and_unlinked_measures_are_questioned():
    output = indicator(measure_type="how_much")
    assert "output-only" in codes(output, better_off=set())
    assert "output-only" not in codes(output, better_off={"O1"})
    unlinked = indicator(outcome_id=None, outcome_statement=None)
    assert "no-outcome" in codes(unlinked)


def test_dubious_figures_are_questioned():
    flagged = indicator(
        data_quality=[
            {"code": "small-denominator", "message": "the latest figure rests on 12"},
            {"code": "stale-data", "message": "the latest figure is for 2024-Q4"},
        ],
        spc=SpcOut(50, 42, 58, "common_cause", "inconsistent", True),
    )
    found = codes(flagged)
    assert {"small-denominator", "stale-data", "trial-limits"} <= set(found)
    views = [indicator_view(flagged, [], 7, 7)]
    views[0]["challenges"] = indicator_challenges(views[0], {"O1"})
    topics = [k["topic"] for k in know_more(views)]
    assert topics[:2] == ["stale-data", "small-denominator"] and topics[-1] == "people"


def test_every_outcome_gets_the_standing_question():
    outcome = {"outcome_id": "O1", "indicators": []}
    challenges = outcome_challenges(outcome)
    assert challenges[0]["question"] == "And that's good for the public because…?"
    assert challenges[1]["code"] == "outcome-without-indicator"
