"""Ranks, percentiles, spread, roll-ups and definition checks across agencies."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cipms_cli.batch import benchmark


def observations(values, direction="increase", unit="count", ratios=None, regions=None):
    rows = []
    for i, value in enumerate(values):
        num, den = ratios[i] if ratios else (None, None)
        rows.append(
            {
                "agency_id": f"AG{i + 1:02d}",
                "region": (regions or [None] * len(values))[i],
                "stream": "Anglophone",
                "indicator_id": "I1",
                "name": "Indicator",
                "frequency": "quarterly",
                "fiscal_start": 1,
                "ordinal": 8096,
                "period": "2024-Q1",
                "period_end": dt.date(2024, 3, 31),
                "value": float(value),
                "numerator": num,
                "denominator": den,
                "direction": direction,
                "unit": unit,
            }
        )
    frame = pd.DataFrame(rows, columns=benchmark.OBSERVATION_COLUMNS)
    return frame.astype({"value": float, "numerator": float, "denominator": float})


def ranked(*args, **kwargs):
    out = benchmark.rank_and_flag(observations(*args, **kwargs))
    return out.set_index("agency_id")


def test_increase_ranks_highest_first_with_shared_ranks_for_ties():
    out = ranked([10, 30, 20, 30])
    assert out["rank"].to_dict() == {"AG01": 4, "AG02": 1, "AG03": 3, "AG04": 1}
    # percentile = share of the other agencies done better than, ties counting half:
    # AG02 beats 2 and ties 1 -> (2 + 0.5) / 3 = 83.3
    assert out["percentile"].to_dict() == pytest.approx(
        {"AG01": 0.0, "AG02": 250 / 3, "AG03": 100 / 3, "AG04": 250 / 3}
    )


def test_decrease_ranks_lowest_first():
    out = ranked([10, 30, 20], direction="decrease")
    assert out["rank"].to_dict() == {"AG01": 1, "AG02": 3, "AG03": 2}
    assert out["percentile"].to_dict() == {"AG01": 100.0, "AG02": 0.0, "AG03": 50.0}


def test_neutral_ranks_by_value_descending():
    out = ranked([10, 30, 20], direction="neutral")
    assert out["rank"].to_dict() == {"AG01": 3, "AG02": 1, "AG03": 2}


def test_a_single_agency_has_no_percentile_and_no_funnel():
    out = ranked([50], unit="percent", ratios=[(5, 10)])
    assert out.loc["AG01", "rank"] == 1
    assert pd.isna(out.loc["AG01", "percentile"])
    assert out.loc["AG01", "funnel_flag"] is None


def test_ratios_above_one_get_no_binomial_funnel():
    # A "rate" of 3 sessions per learner is not a proportion.
    out = ranked([3.0, 2.0], unit="rate", ratios=[(30, 10), (20, 10)])
    assert out["funnel_flag"].tolist() == [None, None]
    assert out["pooled_rate"].isna().all()


def test_period_summary_spread():
    summary = benchmark.period_summary(benchmark.rank_and_flag(observations([1, 2, 3, 4])))
    (row,) = summary.to_dict("records")
    # linear interpolation (NumPy's default): q1 = 1 + 0.75 * (2 - 1) = 1.75
    assert (row["min"], row["q1"], row["median"], row["q3"], row["max"]) == (
        1.0,
        1.75,
        2.5,
        3.25,
        4.0,
    )
    assert row["agencies"] == 4


def test_rollups_pool_by_region():
    obs = observations(
        [50, 100, 25],
        unit="percent",
        ratios=[(5, 10), (10, 10), (1, 4)],
        regions=["North", "North", None],
    )
    rolled = benchmark.rollups(obs)
    regions = rolled[rolled["dimension"] == "region"].set_index("group")
    # North pools (5 + 10) / (10 + 10) = 75%
    assert regions.loc["North", "pooled_rate"] == pytest.approx(75.0)
    assert regions.loc["North", "agencies"] == 2
    assert regions.loc["North", "median"] == 75.0
    assert regions.loc[benchmark.NOT_GIVEN, "pooled_rate"] == pytest.approx(25.0)
    streams = rolled[rolled["dimension"] == "stream"]
    assert streams["agencies"].tolist() == [3]


def test_agencies_disagreeing_on_direction_are_reported_and_the_majority_used():
    obs = observations([1, 2, 3])
    obs.loc[obs["agency_id"] == "AG03", "direction"] = "decrease"
    harmonised, problems = benchmark.harmonise_definitions(obs)
    assert set(harmonised["direction"]) == {"increase"}
    (problem,) = problems
    assert problem.code == "definition-differs-across-agencies"
    assert "decrease for AG03; increase for AG01, AG02" in problem.message
