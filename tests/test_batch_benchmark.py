"""Ranks, percentiles, spread, roll-ups and definition checks across agencies."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from cipms_cli.batch import benchmark
from cipms_cli.batch.observations import OBSERVATION_COLUMNS


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
    frame = pd.DataFrame(rows, columns=OBSERVATION_COLUMNS)
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


def periods(*frames):
    """One frame of several quarters: the n-th frame's rows are 2024-Q(n+1)."""
    quarters = []
    for i, frame in enumerate(frames):
        quarters.append(
            frame.assign(
                ordinal=8096 + i, period=f"2024-Q{i + 1}", period_end=dt.date(2024, 3 * i + 3, 28)
            )
        )
    return pd.concat(quarters, ignore_index=True)


def test_ranks_and_medians_are_per_period():
    obs = periods(observations([10, 30, 20]), observations([30, 10, 40, 20]))
    out = benchmark.rank_and_flag(obs)
    q1, q2 = out[out["period"] == "2024-Q1"], out[out["period"] == "2024-Q2"]
    assert q1["rank"].tolist() == [3, 1, 2]
    assert q2["rank"].tolist() == [2, 4, 1, 3]
    assert q1["agencies"].tolist() == [3, 3, 3]
    assert q2["agencies"].tolist() == [4, 4, 4, 4]
    # Q2 median of 10, 20, 30, 40 = (20 + 30) / 2
    assert q1["network_median"].tolist() == [20.0] * 3
    assert q2["network_median"].tolist() == [25.0] * 4


def test_decrease_ties_share_the_better_rank_and_half_a_percentile_step():
    out = ranked([10, 10, 20], direction="decrease")
    assert out["rank"].to_dict() == {"AG01": 1, "AG02": 1, "AG03": 3}
    # AG01 beats AG03 and ties AG02: (1 + 0.5) / 2 = 75%
    assert out["percentile"].to_dict() == {"AG01": 75.0, "AG02": 75.0, "AG03": 0.0}


def test_dispersion_ratio_is_worked_out_per_period_and_given_to_every_row():
    # Q1: p = 240 / 300 = 0.8, se = 0.04, z = -2.5, 2.5, 0 -> (6.25 + 6.25 + 0) / 3
    # Q2: p = 100 / 200 = 0.5, z = 0, 0 -> 0; AG03 gives no ratio but shares the period's
    # Q3: no ratios, no funnel -> no dispersion ratio
    obs = periods(
        observations([70, 90, 80], unit="percent", ratios=[(70, 100), (90, 100), (80, 100)]),
        observations([50, 50, 40], unit="percent", ratios=[(50, 100), (50, 100), (None, None)]),
        observations([1, 2]),
    )
    out = benchmark.rank_and_flag(obs)
    by_period = out.groupby("period", sort=True)["dispersion_ratio"].agg(list).to_dict()
    assert by_period["2024-Q1"] == pytest.approx([12.5 / 3] * 3)
    assert by_period["2024-Q2"] == [0.0, 0.0, 0.0]
    assert all(pd.isna(by_period["2024-Q3"]))
    assert out["funnel_eligible"].tolist() == [True] * 5 + [False] * 3

    summary = benchmark.period_summary(out).set_index("period")
    q1 = summary.loc["2024-Q1"]
    assert (q1["pooled_numerator"], q1["pooled_denominator"]) == (240.0, 300.0)
    assert q1["pooled_rate"] == pytest.approx(80.0)
    assert (q1["funnel_agencies"], q1["outside_95"], q1["outside_99_8"]) == (3, 2, 0)
    assert q1["dispersion_ratio"] == pytest.approx(12.5 / 3)
    assert pd.isna(summary.loc["2024-Q3", "dispersion_ratio"])
    assert summary.loc["2024-Q3", "funnel_agencies"] == 0


def test_favourable_follows_a_decrease_indicator_and_flags_are_plain_python():
    # p = 0.8, n = 100: AG01 70% is below_95 (good for decrease), AG02 90% above_95 (bad)
    out = ranked(
        [70, 90, 80],
        direction="decrease",
        unit="percent",
        ratios=[(70, 100), (90, 100), (80, 100)],
    )
    assert out["funnel_flag"].to_dict() == {
        "AG01": "below_95",
        "AG02": "above_95",
        "AG03": "within",
    }
    assert out.loc["AG01", "funnel_favourable"] is True
    assert out.loc["AG02", "funnel_favourable"] is False
    assert out.loc["AG03", "funnel_favourable"] is None
    # n·p = 80 and n·(1 − p) = 20 both reach 5
    assert all(out.loc[a, "funnel_reliable"] is True for a in ("AG01", "AG02", "AG03"))


def test_neutral_indicators_get_flags_but_no_judgement():
    out = ranked(
        [70, 90, 80], direction="neutral", unit="percent", ratios=[(70, 100), (90, 100), (80, 100)]
    )
    assert out["funnel_flag"].tolist() == ["below_95", "above_95", "within"]
    assert out["funnel_favourable"].tolist() == [None, None, None]


def test_a_zero_denominator_leaves_only_that_agency_out_of_the_funnel():
    out = ranked([0, 50, 60], unit="percent", ratios=[(0, 0), (5, 10), (6, 10)])
    assert out["funnel_eligible"].to_dict() == {"AG01": False, "AG02": True, "AG03": True}
    assert out.loc["AG01", "funnel_flag"] is None
    assert out.loc["AG01", "funnel_reliable"] is None
    # pooled over AG02 and AG03: (5 + 6) / (10 + 10) = 55%
    assert out["pooled_rate"].tolist()[1:] == pytest.approx([55.0, 55.0])


def test_latest_per_agency_keeps_each_agencys_last_period_per_indicator():
    obs = periods(observations([1, 2]), observations([3]))  # AG01 in Q1 and Q2, AG02 in Q1
    obs = obs.iloc[[2, 1, 0]]  # latest first, to show the order comes from the keys
    latest = benchmark.latest_per_agency(benchmark.rank_and_flag(obs))
    assert latest[["agency_id", "period", "value"]].values.tolist() == [
        ["AG01", "2024-Q2", 3.0],
        ["AG02", "2024-Q1", 2.0],
    ]
    assert latest.index.tolist() == [2, 1]


def test_a_tie_between_definitions_is_broken_alphabetically():
    obs = observations([1, 2])
    obs.loc[obs["agency_id"] == "AG01", "direction"] = "increase"
    obs.loc[obs["agency_id"] == "AG02", "direction"] = "decrease"
    harmonised, (problem,) = benchmark.harmonise_definitions(obs)
    assert set(harmonised["direction"]) == {"decrease"}
    assert "decrease for AG02; increase for AG01" in problem.message
    assert "compared as decrease" in problem.message


# --- frames the batch never makes but a caller of the library might ------------------


def test_a_row_without_a_value_is_neither_counted_nor_ranked():
    from cipms_cli.batch.frame_rows import frame_rows

    obs = observations([10, 30, 20])
    obs.loc[obs["agency_id"] == "AG02", "value"] = float("nan")
    out = benchmark.rank_and_flag(obs).set_index("agency_id")
    assert out["agencies"].to_dict() == {"AG01": 2, "AG02": 2, "AG03": 2}
    assert out.loc["AG01", "rank"] == 2 and out.loc["AG03", "rank"] == 1
    assert pd.isna(out.loc["AG02", "rank"])
    assert out.loc["AG01", "network_median"] == 15.0
    (summary,) = benchmark.period_summary(benchmark.rank_and_flag(obs)).to_dict("records")
    assert summary["agencies"] == 2
    rows = list(frame_rows(out.reset_index(), ["agency_id", "rank"]))
    assert rows == [
        {"agency_id": "AG01", "rank": 2},
        {"agency_id": "AG02", "rank": None},
        {"agency_id": "AG03", "rank": 1},
    ]


def test_a_row_without_a_period_is_not_ranked():
    obs = observations([10, 30, 20])
    obs.loc[obs["agency_id"] == "AG03", "ordinal"] = None
    out = benchmark.rank_and_flag(obs).set_index("agency_id")
    assert out.loc[["AG01", "AG02"], "rank"].tolist() == [2, 1]
    assert pd.isna(out.loc["AG03", "rank"])


def test_a_region_missing_as_pandas_na_rolls_up_as_not_given():
    obs = observations([1, 2], regions=["North", None])
    obs["region"] = obs["region"].astype("string")  # the missing one becomes pd.NA
    rolled = benchmark.rollups(obs)
    regions = rolled[rolled["dimension"] == "region"]
    assert regions["group"].tolist() == [benchmark.NOT_GIVEN, "North"]


def test_a_missing_definition_is_not_a_disagreement():
    obs = observations([1, 2, 3])
    obs.loc[obs["agency_id"] == "AG03", "direction"] = None
    obs.loc[obs["agency_id"] == "AG02", "unit"] = float("nan")
    obs["name"] = None
    harmonised, problems = benchmark.harmonise_definitions(obs)
    assert problems == []
    assert set(harmonised["direction"]) == {"increase"}
    assert set(harmonised["unit"]) == {"count"}
    assert harmonised["name"].isna().all()
